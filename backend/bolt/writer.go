package bolt

import (
	"errors"

	berrors "go.etcd.io/bbolt/errors"

	"redpool/backend"
)

// request is one queued write: an Update function, an internal job, or the
// opening of a Snapshot.
type request struct {
	opts       backend.TxOptions
	fn         func(backend.Tx) error
	job        func(*tx) error
	snap       *snapshot
	atomically func()

	err      error
	panicVal any
	panicked bool
	goexit   bool
	final    bool // the outcome is decided; do not run fn again
	answered bool // done has been signalled
	done     chan struct{}
}

func (r *request) reset() { *r = request{done: r.done} }

// batchState is what one bbolt write transaction accumulates besides its
// writes: counter deltas to store at commit and apply in memory after it.
type batchState struct {
	arena        arena
	deltas       map[uint32]*counter
	expired      int64
	garbage      int64
	tableChanged bool
	sweep        bool // garbage was added
	dirty        bool // something was written
}

func (w *batchState) reset() {
	w.arena.reset()
	clear(w.deltas)
	w.expired, w.garbage = 0, 0
	w.tableChanged, w.sweep, w.dirty = false, false, false
}

func (w *batchState) delta(ns uint32) *counter {
	d := w.deltas[ns]
	if d == nil {
		d = new(counter)
		w.deltas[ns] = d
	}
	return d
}

func mapErr(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return backend.ErrClosed
	}
	return err
}

// submit queues r for the writer and waits for its outcome.
func (b *Bolt) submit(r *request) error {
	b.qmu.Lock()
	if b.qclosed {
		b.qmu.Unlock()
		return backend.ErrClosed
	}
	b.queue = append(b.queue, r)
	b.qmu.Unlock()
	b.kick()
	<-r.done
	return r.err
}

func (b *Bolt) kick() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// take removes everything queued. closed reports that the queue is closed
// and empty.
func (b *Bolt) take() (items []*request, closed bool) {
	b.qmu.Lock()
	defer b.qmu.Unlock()
	if len(b.queue) == 0 {
		return nil, b.qclosed
	}
	items = b.queue
	b.queue, b.spare = b.spare, nil
	return items, false
}

// writer is the only goroutine that opens bbolt write transactions. It runs
// whatever is queued as one transaction (group commit): no delay is added,
// so a lone writer commits at once and concurrent writers share commits.
func (b *Bolt) writer() {
	normal := false
	defer func() {
		if !normal {
			// An Update function called runtime.Goexit (t.FailNow, say).
			// That cannot be stopped; hand the work to a new writer and let
			// the caller exit the same way.
			b.recoverGoexit()
		}
		b.writers.Done()
	}()
	for {
		items, closed := b.take()
		if items == nil {
			if closed {
				normal = true
				return
			}
			<-b.wake
			continue
		}
		b.process(items)
		clear(items)
		b.qmu.Lock()
		if b.spare == nil {
			b.spare = items[:0]
		}
		b.qmu.Unlock()
	}
}

func (b *Bolt) process(items []*request) {
	b.current = items
	for len(items) > 0 {
		if items[0].snap != nil {
			b.openSnapshot(items[0])
			items = items[1:]
			continue
		}
		n := 0
		for n < len(items) && n < maxBatch && items[n].snap == nil {
			n++
		}
		b.runBatch(items[:n])
		items = items[n:]
	}
	b.current = nil
}

func (b *Bolt) finish(r *request) {
	r.answered = true
	r.done <- struct{}{}
}

// runBatch runs reqs in one write transaction and commits it. A function
// that fails after writing rolls the transaction back; it gets its error
// and the others run again without it.
func (b *Bolt) runBatch(reqs []*request) {
	for {
		btx, err := b.db.Begin(true)
		if err != nil {
			err = mapErr(err)
			for _, r := range reqs {
				if !r.final {
					r.err = err
				}
				b.finish(r)
			}
			return
		}
		b.curBtx = btx
		w := &b.ws
		w.reset()
		t := &b.wtx
		t.open(b, btx, w)
		failed := false
		ran := 0
		for _, r := range reqs {
			if r.final {
				continue
			}
			ran++
			t.curReq = r
			if err := t.begin(r.opts, backend.NowMs(b.clock)); err != nil {
				r.err, r.final = err, true
				continue
			}
			r.err = b.call(t, r)
			if r.panicked || (r.err != nil && (t.dirty || r.job != nil)) {
				r.final = true
				failed = true
				break
			}
		}
		t.curReq = nil
		if failed {
			b.curBtx = nil
			btx.Rollback()
			t.clear()
			continue
		}
		if !w.dirty {
			b.curBtx = nil
			btx.Rollback()
			t.clear()
			for _, r := range reqs {
				b.finish(r)
			}
			return
		}
		table, err := b.storeCounters(t)
		if err == nil {
			err = btx.Commit()
		} else {
			btx.Rollback()
		}
		b.curBtx = nil
		t.clear()
		if err != nil {
			b.log.Error("bolt: commit failed", "err", err)
			for _, r := range reqs {
				if !r.final && r.err == nil {
					r.err = err
				}
			}
		} else {
			b.committed(table)
			b.commits.Add(1)
			b.updates.Add(int64(ran))
			if b.sync == SyncBatch {
				select {
				case b.syncWake <- struct{}{}:
				default:
				}
			}
		}
		for _, r := range reqs {
			b.finish(r)
		}
		return
	}
}

// call runs r's function, turning a panic into r.panicked.
func (b *Bolt) call(t *tx, r *request) (err error) {
	normal := false
	defer func() {
		if !normal {
			if p := recover(); p != nil {
				r.panicked, r.panicVal, err = true, p, nil
			}
			// recover() == nil: runtime.Goexit, which goes on unwinding.
		}
	}()
	if r.job != nil {
		err = r.job(t)
	} else {
		err = r.fn(t)
	}
	normal = true
	return err
}

// storeCounters writes the batch's counter deltas into the meta bucket and
// returns the database table if the batch changed it.
func (b *Bolt) storeCounters(t *tx) ([]uint32, error) {
	w := t.w
	table := decodeTable(t.metaB().Get(metaDBs))
	live := make(map[uint32]bool, len(table))
	for _, ns := range table {
		live[ns] = true
	}
	for ns, d := range w.deltas {
		if !live[ns] {
			if err := t.metaB().Delete(counterKey(ns)); err != nil {
				return nil, err
			}
			continue
		}
		if d.keys == 0 && d.expires == 0 {
			continue
		}
		c := decodeCounter(t.metaB().Get(counterKey(ns)))
		c.keys += d.keys
		c.expires += d.expires
		v := w.arena.alloc(16)
		putU64(v, uint64(c.keys))
		putU64(v[8:], uint64(c.expires))
		if err := t.metaB().Put(counterKey(ns), v); err != nil {
			return nil, err
		}
	}
	if !w.tableChanged {
		table = nil
	}
	return table, nil
}

// committed applies a committed batch's deltas to the in-memory statistics.
func (b *Bolt) committed(table []uint32) {
	w := &b.ws
	b.statMu.Lock()
	if table != nil {
		b.table = table
	}
	live := make(map[uint32]bool, len(b.table))
	for _, ns := range b.table {
		live[ns] = true
	}
	for ns, d := range w.deltas {
		if !live[ns] {
			delete(b.counts, ns)
			continue
		}
		c := b.counts[ns]
		if c == nil {
			c = new(counter)
			b.counts[ns] = c
		}
		c.keys += d.keys
		c.expires += d.expires
	}
	if table != nil {
		for ns := range b.counts {
			if !live[ns] {
				delete(b.counts, ns)
			}
		}
		for _, ns := range table {
			if b.counts[ns] == nil {
				b.counts[ns] = new(counter)
			}
		}
	}
	b.statMu.Unlock()
	b.expiredKeys.Add(w.expired)
	b.garbage.Add(w.garbage)
	if w.sweep {
		b.kickSweeper()
	}
	w.reset()
}

// recoverGoexit runs when a function on the writer goroutine called
// runtime.Goexit: it rolls back, tells that caller to exit too, queues the
// rest of the work again and starts a new writer.
func (b *Bolt) recoverGoexit() {
	if b.curBtx != nil {
		b.curBtx.Rollback()
		b.curBtx = nil
	}
	b.wtx.clear()
	cur := b.wtx.curReq
	b.wtx.curReq = nil
	var again []*request
	for _, r := range b.current {
		if r.answered {
			continue
		}
		if r.snap != nil && r.snap.btx != nil {
			r.snap.btx.Rollback()
			r.snap.btx = nil
		}
		if r == cur {
			r.goexit = true
			b.finish(r)
			continue
		}
		r.final, r.err, r.panicked, r.panicVal = false, nil, false, nil
		again = append(again, r)
	}
	b.current = nil
	b.qmu.Lock()
	b.queue = append(again, b.queue...)
	b.qmu.Unlock()
	b.writers.Add(1)
	go b.writer()
	b.kick()
}

// openSnapshot opens a snapshot's read transaction between two batches, so
// that no write is in progress while atomically runs.
func (b *Bolt) openSnapshot(r *request) {
	btx, err := b.db.Begin(false)
	if err != nil {
		r.err = mapErr(err)
		b.finish(r)
		return
	}
	r.snap.btx = btx
	r.snap.now = backend.NowMs(b.clock)
	if r.atomically != nil {
		b.wtx.curReq = r
		b.callAtomically(r)
		b.wtx.curReq = nil
		if r.panicked {
			btx.Rollback()
			r.snap.btx = nil
		}
	}
	b.finish(r)
}

func (b *Bolt) callAtomically(r *request) {
	normal := false
	defer func() {
		if !normal {
			if p := recover(); p != nil {
				r.panicked, r.panicVal = true, p
			}
		}
	}()
	r.atomically()
	normal = true
}
