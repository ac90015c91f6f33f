package bolt

import (
	"errors"
	"runtime"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"redpool/backend"
)

// Group commit.
//
// Write functions run one at a time (under wmu), each in its caller's
// goroutine, inside the open batch: one bbolt read-write transaction. After
// its function, a caller leaves the batch open if other callers are waiting
// for wmu (they will join it), and otherwise commits it. Callers that
// joined wait for that commit. So a lone writer commits at once, with no
// added delay and no goroutine switch, and writers that pile up while a
// commit (and its fsync) is in progress share the next one.
//
// A function that fails after writing cannot be undone alone: the batch is
// rolled back, that caller gets its error, and the others run their
// functions again in a new batch (Backend.Update allows that). A function
// that fails before writing costs nothing. A panic or runtime.Goexit in a
// function rolls the batch back the same way and then goes on unwinding
// the caller's goroutine.

// batch is one bbolt write transaction shared by several write functions.
type batch struct {
	btx     *bolt.Tx
	t       tx
	st      *batchState
	members int
	done    chan struct{} // closed once committed or rolled back
	retry   bool          // rolled back: members must run again
	err     error         // the commit's error
}

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

var statePool = sync.Pool{New: func() any {
	return &batchState{deltas: make(map[uint32]*counter)}
}}

func mapErr(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return backend.ErrClosed
	}
	return err
}

// lockWriter takes wmu. While it waits it counts as arriving, which tells
// the holder to leave its batch open for it.
func (b *Bolt) lockWriter() {
	b.arriving.Add(1)
	b.wmu.Lock()
	b.arriving.Add(-1)
}

// write runs fn (or the internal job) in a batch and returns once the batch
// is committed.
func (b *Bolt) write(o backend.TxOptions, fn func(backend.Tx) error, job func(*tx) error) error {
	for {
		b.lockWriter()
		if b.wclosed {
			b.wmu.Unlock()
			return backend.ErrClosed
		}
		bt := b.cur
		if bt == nil {
			btx, err := b.db.Begin(true)
			if err != nil {
				b.wmu.Unlock()
				return mapErr(err)
			}
			st := statePool.Get().(*batchState)
			st.reset()
			bt = &batch{btx: btx, st: st, done: make(chan struct{})}
			bt.t.open(b, btx, st)
			b.cur = bt
		}
		err := b.run(bt, o, fn, job)
		if err != nil && (bt.t.dirty || job != nil) {
			b.abort(bt)
			return err
		}
		bt.members++
		b.gather(bt)
		if b.arriving.Load() > 0 && bt.members < maxBatch {
			b.wmu.Unlock()
		} else {
			b.commit(bt, true)
		}
		<-bt.done
		if bt.retry {
			continue
		}
		if err != nil {
			return err
		}
		return bt.err
	}
}

// gatherWait is how long a durable batch much smaller than the previous
// one waits for more writers: far less than the fsync it would share.
const gatherWait = 200 * time.Microsecond

// gather, under SyncAlways, holds a batch that is much smaller than the
// last one open briefly while no writer is arriving, so that the clients
// still on their way share its fsync instead of paying the next one.
func (b *Bolt) gather(bt *batch) {
	if b.sync != SyncAlways || b.arriving.Load() > 0 || bt.members*2 > int(b.lastBatch.Load()) {
		return
	}
	deadline := time.Now().Add(gatherWait)
	for b.arriving.Load() == 0 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
}

// run calls the function. If it panics or calls runtime.Goexit, the batch
// is rolled back and wmu released before the unwinding goes on.
func (b *Bolt) run(bt *batch, o backend.TxOptions, fn func(backend.Tx) error, job func(*tx) error) (err error) {
	t := &bt.t
	if err := t.begin(o, backend.NowMs(b.clock)); err != nil {
		return err
	}
	normal := false
	defer func() {
		if !normal {
			b.abort(bt)
		}
	}()
	if job != nil {
		err = job(t)
	} else {
		err = fn(t)
	}
	normal = true
	return err
}

// abort rolls the open batch back; its other members run again. wmu is
// held and is released.
func (b *Bolt) abort(bt *batch) {
	b.cur = nil
	bt.btx.Rollback()
	bt.t.clear()
	bt.retry = true
	statePool.Put(bt.st)
	bt.st = nil
	close(bt.done)
	b.wmu.Unlock()
}

// commit commits the open batch. wmu is held; it is released at once if
// unlock is set (the commit itself runs under commitMu only, so the next
// batch can form meanwhile).
func (b *Bolt) commit(bt *batch, unlock bool) {
	b.cur = nil
	b.commitMu.Lock()
	if unlock {
		b.wmu.Unlock()
	}
	st := bt.st
	if !st.dirty {
		bt.btx.Rollback()
	} else {
		table, err := b.storeCounters(&bt.t)
		if err == nil {
			err = bt.btx.Commit()
		} else {
			bt.btx.Rollback()
		}
		if err != nil {
			b.log.Error("bolt: commit failed", "err", err)
			bt.err = err
		} else {
			b.committed(st, table)
			b.commits.Add(1)
			b.updates.Add(int64(bt.members))
			b.lastBatch.Store(int64(bt.members))
			if b.sync == SyncBatch {
				select {
				case b.syncWake <- struct{}{}:
				default:
				}
			}
		}
	}
	bt.t.clear()
	b.commitMu.Unlock()
	bt.st = nil
	statePool.Put(st)
	close(bt.done)
}

// storeCounters writes the batch's counter deltas into the meta bucket and
// returns the database table if the batch changed it.
func (b *Bolt) storeCounters(t *tx) ([]uint32, error) {
	w := t.w
	tbl := t.metaB().Get(metaDBs)
	for ns, d := range w.deltas {
		if !tableHas(tbl, ns) {
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
		return nil, nil
	}
	return decodeTable(tbl), nil
}

// tableHas reports whether the encoded database table holds namespace ns.
func tableHas(tbl []byte, ns uint32) bool {
	for i := 0; i+nsLen <= len(tbl); i += nsLen {
		if nsOf(tbl[i:]) == ns {
			return true
		}
	}
	return false
}

// committed applies a committed batch's deltas to the in-memory statistics.
func (b *Bolt) committed(w *batchState, table []uint32) {
	b.statMu.Lock()
	if table != nil {
		b.table = table
		for ns := range b.counts {
			if !slicesContains(table, ns) {
				delete(b.counts, ns)
			}
		}
		for _, ns := range table {
			if b.counts[ns] == nil {
				b.counts[ns] = new(counter)
			}
		}
	}
	for ns, d := range w.deltas {
		c := b.counts[ns]
		if c == nil {
			continue // a namespace that is gone
		}
		c.keys += d.keys
		c.expires += d.expires
	}
	b.statMu.Unlock()
	b.expiredKeys.Add(w.expired)
	b.garbage.Add(w.garbage)
	if w.sweep {
		b.kickSweeper()
	}
}

func slicesContains(s []uint32, v uint32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
