package bolt

import (
	"errors"
	"runtime"
	"slices"
	"sync"
	"time"

	berrors "go.etcd.io/bbolt/errors"

	"redpool/backend"
)

// Group commit.
//
// A caller of write queues a request. If no batch is being run, it runs
// them itself (it leads): it takes wmu and every queued request, runs their
// functions one after another in its own goroutine inside one bbolt
// read-write transaction (taking requests that queue meanwhile too, up to
// maxBatch), commits and wakes the members. If requests queued meanwhile,
// it hands them to the committer goroutine, which runs batch after batch
// until the queue is empty. So a lone writer commits at once with no
// goroutine switch, while under load one goroutine runs the batches back
// to back: no lock handoff between functions and no wake-up between
// batches, and writers that pile up during a commit (and its fsync) share
// the next one.
//
// Every function runs exactly once (Backend.Update promises it: side
// effects in a function, such as the AOF record of a command, must happen
// once). One that fails after writing, or panics, has its writes undone
// alone (undo.go) and the batch goes on; its caller gets its error, or its
// panic raised again in the caller's goroutine. One that fails before
// writing costs nothing. runtime.Goexit in a function ends the goroutine
// running the batch: its writes are undone, the members that ran before it
// commit, those after it go back to the head of the queue (they have not
// run), and a committer takes over; it ends the function's own caller too
// (a committer that ends is replaced).

// request is one write function, queued or running in a batch. Its fields
// belong to the goroutine running batches from the moment it is queued
// until it is woken.
type request struct {
	o    backend.TxOptions
	fn   func(backend.Tx) error
	job  func(*tx) error
	wake chan struct{} // capacity 1: signalled once, when done
	done bool
	end  ending
	err  error
	pv   any      // the panic value, when end is endPanic
	next *request // in the list of requests to wake
}

type ending uint8

const (
	endNormal ending = iota
	endPanic
	endGoexit
)

var requestPool = sync.Pool{New: func() any { return &request{wake: make(chan struct{}, 1)} }}

// finish recycles r and returns its result in the caller's goroutine: the
// error, or the function's panic or Goexit raised again.
func (r *request) finish() error {
	err, end, pv := r.err, r.end, r.pv
	*r = request{wake: r.wake}
	requestPool.Put(r)
	switch end {
	case endPanic:
		panic(pv)
	case endGoexit:
		runtime.Goexit()
	}
	return err
}

// batchState is what one bbolt write transaction accumulates besides its
// writes: counter deltas to store at commit and apply in memory after it,
// and what undoing a member needs (undo.go).
type batchState struct {
	arena        arena
	deltas       map[uint32]*delta
	expired      int64
	garbage      int64
	swept        int64 // garbage entries the sweeper finished
	tableChanged bool
	sweep        bool // garbage was added
	dirty        bool // something was written

	log      []logOp  // every write of the batch, in order
	removed  [][]byte // ns|key of each key expiry removed (arena copies)
	gen      uint64   // the running member's number
	start    mark     // the batch as the running member found it
	wrote    bool     // the running member wrote (expiry removals aside)
	expiring bool     // an expiry removal is being written
}

// maxKeptLog is the most log entries a batch's log keeps room for after
// the batch (a huge batch's log is dropped).
const maxKeptLog = 1 << 16

func (w *batchState) reset() {
	w.arena.reset()
	clear(w.deltas)
	w.expired, w.garbage, w.swept = 0, 0, 0
	w.tableChanged, w.sweep, w.dirty = false, false, false
	if cap(w.log) > maxKeptLog {
		w.log = nil
	}
	clear(w.log)
	w.log = w.log[:0]
	clear(w.removed)
	w.removed = w.removed[:0]
}

// delta returns namespace ns's counter changes, saving them for undo when
// the running member first changes them.
func (w *batchState) delta(ns uint32) *counter {
	d := w.deltas[ns]
	if d == nil {
		d = &delta{gen: w.gen, fresh: true}
		w.deltas[ns] = d
	} else if d.gen != w.gen {
		d.saved, d.gen, d.fresh = d.counter, w.gen, false
	}
	return &d.counter
}

func mapErr(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return backend.ErrClosed
	}
	return err
}

// write runs fn (or the internal job) in a batch and returns once the batch
// is committed.
func (b *Bolt) write(o backend.TxOptions, fn func(backend.Tx) error, job func(*tx) error) error {
	r := requestPool.Get().(*request)
	r.o, r.fn, r.job = o, fn, job
	b.qmu.Lock()
	b.queue = append(b.queue, r)
	lead := !b.busy
	b.busy = true
	b.qmu.Unlock()
	if !lead && b.gather.waiting.Load() {
		b.gather.arrived()
	}
	if lead {
		b.drain(r)
	} else {
		<-r.wake
	}
	return r.finish()
}

// drain runs batches until the queue is empty. A caller leading (self is
// its request) stops once self is done and hands what is still queued to
// the committer.
func (b *Bolt) drain(self *request) {
	for {
		fin, stop := b.runBatch(self)
		wake(fin, self)
		if stop {
			return
		}
	}
}

// runBatch runs one batch under wmu and returns the requests to wake. It
// reports stop when the caller runs no more batches: the queue is empty (no
// batch is being run any more), or self is done and the committer has
// taken over.
func (b *Bolt) runBatch(self *request) (fin *request, stop bool) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.self = self
	b.batch()
	b.self = nil
	b.qmu.Lock()
	switch {
	case len(b.queue) == 0:
		b.busy, stop = false, true
	case self != nil && self.done:
		stop = b.handOff()
	}
	b.qmu.Unlock()
	return b.takeFinished(), stop
}

// handOff signals the committer to run what is queued, and reports false
// if it has stopped; qmu is held.
func (b *Bolt) handOff() bool {
	if b.committerDown {
		return false
	}
	select {
	case b.work <- struct{}{}:
	default: // already signalled
	}
	return true
}

// committer runs the batches handed to it until Close stops it. Close stops
// it after the other background goroutines, with writes already refused,
// and it drains what was handed to it before it ends.
func (b *Bolt) committer() {
	defer b.cwg.Done()
	for {
		select {
		case <-b.work:
			b.drain(nil)
		case <-b.cstop:
			b.qmu.Lock()
			b.committerDown = true
			b.qmu.Unlock()
			select {
			case <-b.work:
				b.drain(nil)
			default:
			}
			return
		}
	}
}

// takeFinished detaches the list of finished requests; wmu is held. The
// list belongs to the caller.
func (b *Bolt) takeFinished() *request {
	fin := b.finished
	b.finished = nil
	return fin
}

// wake wakes the requests of a detached list, but self.
func wake(list, self *request) {
	for r := list; r != nil; {
		next := r.next
		r.next = nil
		if r != self {
			r.wake <- struct{}{}
		}
		r = next
	}
}

// done marks r done and adds it to the list to wake; wmu is held.
func (b *Bolt) done(r *request) {
	r.done = true
	r.next = b.finished
	b.finished = r
}

// requeue puts requests that have not run back at the head of the queue,
// to run in a later batch; qmu is held.
func (b *Bolt) requeue(ms []*request) {
	for _, r := range ms {
		r.err = nil
	}
	b.queue = append(append(make([]*request, 0, len(ms)+len(b.queue)), ms...), b.queue...)
}

// take moves queued requests to ms, up to maxBatch in all.
func (b *Bolt) take(ms []*request) []*request {
	b.qmu.Lock()
	n := min(len(b.queue), maxBatch-len(ms))
	ms = append(ms, b.queue[:n]...)
	rest := copy(b.queue, b.queue[n:])
	clear(b.queue[rest:])
	b.queue = b.queue[:rest]
	b.qmu.Unlock()
	return ms
}

// batch runs one write transaction over queued requests, with wmu held,
// and commits it. A function that fails after writing is undone alone. The
// requests that are done go to b.finished.
func (b *Bolt) batch() {
	ms := b.take(b.members[:0])
	b.members = ms
	if b.wclosed {
		b.finish(ms, backend.ErrClosed)
		return
	}
	if b.wal.err != nil {
		b.finish(ms, b.wal.err)
		return
	}
	btx, err := b.db.Begin(true)
	if err != nil {
		b.finish(ms, mapErr(err))
		return
	}
	st := b.state
	st.reset()
	t := &b.t
	t.open(b, btx, st)
	var gatherUntil time.Time
	for i := 0; ; i++ {
		if i == len(ms) { // take what queued meanwhile (take stops at maxBatch)
			ms = b.take(ms)
			for i == len(ms) && b.walGather(len(ms), &gatherUntil) {
				ms = b.take(ms)
			}
			if i == len(ms) {
				break
			}
			b.members = ms
		}
		if b.run(t, ms[i]) {
			continue
		}
		if err := b.undo(t); err != nil {
			// The transaction is gone: what ran fails, what did not
			// goes back to the queue.
			b.log.Error("bolt: undoing a failed write", "err", err)
			b.finish(ms[:i+1], err)
			b.qmu.Lock()
			b.requeue(ms[i+1:])
			b.qmu.Unlock()
			return
		}
	}
	err = b.commit(t, st, len(ms))
	b.finish(ms, err)
	b.gather.batched(len(ms), !gatherUntil.IsZero())
}

// finish marks the members done, giving err to those that have no error of
// their own.
func (b *Bolt) finish(ms []*request, err error) {
	for _, r := range ms {
		if r.err == nil {
			r.err = err
		}
		b.done(r)
	}
}

// run runs r's function in t, once. It reports false if the function's
// writes must be undone: it failed after writing, or panicked. A Goexit is
// dealt with here (goexit) and lets the goroutine end.
func (b *Bolt) run(t *tx, r *request) (ok bool) {
	t.w.beginMember()
	if r.err = t.begin(r.o, backend.NowMs(b.clock)); r.err != nil {
		return true
	}
	normal := false
	defer func() {
		if normal {
			return
		}
		if r.pv = recover(); r.pv != nil {
			r.end, ok = endPanic, !t.w.wrote
			return
		}
		b.goexit(t, r)
	}()
	if r.job != nil {
		r.err = r.job(t)
	} else {
		r.err = r.fn(t)
	}
	normal = true
	return r.err == nil || !t.w.wrote
}

// goexit cleans up after r's function called runtime.Goexit in the
// goroutine running the batch, which is ending: r's writes are undone, the
// members that ran before it commit, r's caller is told to end too, the
// members after it (which have not run) go back to the queue, and the
// committer takes over (a new one if the committer is the goroutine
// ending). A leader's own request that has not run is dropped with its
// goroutine. runBatch's deferred Unlock releases wmu.
func (b *Bolt) goexit(t *tx, r *request) {
	self := b.self
	i := slices.Index(b.members, r)
	ran, rest := b.members[:i], b.members[i+1:]
	var err error
	if t.w.wrote {
		err = b.undo(t)
	}
	if err == nil {
		err = b.commit(t, t.w, len(ran))
	}
	b.finish(ran, err)
	r.end = endGoexit
	b.done(r)
	var again []*request
	for _, m := range rest {
		if m != self {
			again = append(again, m)
		}
	}
	b.qmu.Lock()
	b.requeue(again)
	if self == nil && !b.committerDown {
		b.cwg.Add(1)
		go b.committer()
	}
	switch {
	case len(b.queue) == 0:
		b.busy = false
	case !b.handOff():
		// Stopped: nothing of ours is left to run them. Fail them.
		for _, m := range b.queue {
			m.err = backend.ErrClosed
			b.done(m)
		}
		b.queue = b.queue[:0]
		b.busy = false
	}
	b.qmu.Unlock()
	wake(b.takeFinished(), self)
}

// commit commits t's transaction of n members and applies its statistics.
func (b *Bolt) commit(t *tx, st *batchState, n int) error {
	btx := t.btx
	defer t.clear()
	if !st.dirty {
		btx.Rollback()
		return nil
	}
	table, err := b.storeCounters(t)
	if err != nil {
		btx.Rollback()
		return err
	}
	start := time.Now()
	if b.wal.on {
		err = b.walCommit(btx, st.log)
	} else {
		err = btx.Commit()
	}
	if err != nil {
		b.log.Error("bolt: commit failed", "err", err)
		return err
	}
	if b.onCommit != nil {
		b.onCommit(n, time.Since(start))
	}
	b.committed(st, table)
	b.commits.Add(1)
	b.updates.Add(int64(n))
	if b.sync == SyncBatch {
		select {
		case b.syncWake <- struct{}{}:
		default:
		}
	}
	return nil
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
	b.swept.Add(w.swept)
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
