package aof

import (
	"time"
)

// Writing is leader/follower group commit. A client that must wait for its
// record (Wait) becomes the leader if nobody is writing: it takes every
// record appended so far, writes them with one write (and, for
// FsyncAlways, one fsync) and wakes the followers that waited meanwhile,
// whose records it wrote too. A background goroutine fsyncs once a second
// for FsyncEverySec (outside the writer lock, so writes go on meanwhile),
// writes records nobody waited for, and retries after failures.
//
// Bytes flow: Append → Log.pend → writer.queue (taken) → appended to the
// current file → writer.unsynced (written, not yet fsynced) → durable. The
// files are opened O_APPEND, so a write cannot be aimed at an offset; a
// retry cuts the file back to its last known-good length (Truncate), then
// appends, so that every record ends up in the file exactly once, in order:
//
//   - After a failed write, the file may end in part of a record. The
//     retry cuts it back to the bytes written whole (incrFile.size plus
//     unsynced) and appends the queue again, as Redis does after a short
//     write. Nothing written before is removed.
//   - After a failed fsync, the bytes written since the last good one
//     (unsynced) are in doubt: the kernel may have dropped them after
//     failing to write them back, and a later fsync would succeed without
//     writing them. The retry cuts the file back to its durable size
//     (incrFile.size) and appends the unsynced bytes, kept in memory for
//     this, again. Under FsyncEverySec a kill -9 between the cut and the
//     append loses them, records the failed fsync had already put in doubt.

// writer is the state of whoever writes; Log.wmu guards it.
type writer struct {
	cur      *incrFile
	queue    []segment   // taken from the Log, not yet written
	unsynced unsyncedBuf // written to cur after cur.size, not yet fsynced
	lastSeq  uint64      // sequence number of the last record written
	partial  bool        // a write failed: cut cur back to cur.size+len(unsynced) first
	redo     bool        // an fsync failed: cut cur back to cur.size and write unsynced again first
	taken    uint64      // sequence number of the last record taken
	failing  bool
	down     bool          // closed: nothing more is written
	syncing  chan struct{} // closed when the background fsync in flight returns
	spare    [][]byte      // empty buffers to hand back to the Log
}

// lead writes what is buffered (and fsyncs it, if sync) as the leader of a
// group commit. The caller holds wmu and must broadcast afterwards.
func (l *Log) lead(sync bool) {
	w := &l.w
	if w.down {
		return
	}
	if err := l.flushLocked(sync); err != nil {
		l.fail(err)
		return
	}
	if w.failing {
		w.failing = false
		l.recovered()
	}
	l.maybeAutoRewrite()
}

// fail records a failed write or fsync (the caller set partial or redo):
// writes are refused until a retry succeeds.
func (l *Log) fail(err error) {
	l.w.failing = true
	if l.err.Load() == nil {
		l.logger.Error("AOF write failed: refusing writes until a retry succeeds", "err", err)
	}
	l.err.Store(&err)
	l.syncMu.Lock()
	l.failing = true
	l.failed = max(l.failed, l.w.taken)
	l.errv = err
	l.syncCond.Broadcast()
	l.syncMu.Unlock()
}

// recovered records a successful attempt after failures.
func (l *Log) recovered() {
	l.syncMu.Lock()
	l.failing = false
	l.syncMu.Unlock()
	l.err.Store(nil)
	l.logger.Warn("AOF write error is gone: accepting writes again")
}

// background fsyncs (FsyncEverySec), writes what nobody waited for, and
// retries after failures, every RetryInterval, until Close.
func (l *Log) background() {
	defer close(l.done)
	tick := time.NewTicker(l.o.RetryInterval)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
		}
		l.tick()
	}
}

// tick is one round of the background goroutine: a retry after a failure,
// or writing what nobody waited for and (FsyncEverySec) an fsync.
func (l *Log) tick() {
	l.wmu.Lock()
	if l.w.failing {
		l.lead(l.o.Fsync != FsyncNo) // a retry
		l.wmu.Unlock()
		l.broadcast()
		return
	}
	l.lead(l.o.Fsync == FsyncAlways)
	var f *incrFile
	var off int64
	var seq uint64
	var done chan struct{}
	w := &l.w
	if l.o.Fsync == FsyncEverySec && !w.failing && w.unsynced.len() > 0 {
		f, off, seq = w.cur, w.cur.size+w.unsynced.len(), w.lastSeq
		done = make(chan struct{})
		w.syncing = done
	}
	l.wmu.Unlock()
	if f != nil {
		l.backgroundSync(f, off, seq, done)
	}
	l.broadcast()
}

// backgroundSync fsyncs f, which holds off bytes of which the last record
// is seq, while writes go on, then records the outcome. Meanwhile the file
// can be cut back only after a failed write, to the bytes written whole,
// which include these off bytes: no other fsync runs meanwhile (finish
// waits for this one), so no fsync fails and asks for a redo, and a
// background fsync starts only when no redo is pending.
func (l *Log) backgroundSync(f *incrFile, off int64, seq uint64, done chan struct{}) {
	start := time.Now()
	err := l.durableSync(f.f)
	took := time.Since(start)
	if took > 2*time.Second {
		l.delayed.Add(1)
	}
	l.observeFsync(took)
	close(done)
	l.wmu.Lock()
	defer l.wmu.Unlock()
	w := &l.w
	w.syncing = nil
	if w.cur != f || w.down {
		return // the file was finished (and fsynced) meanwhile
	}
	if err != nil {
		w.redo = true
		l.fail(err)
		return
	}
	w.unsynced.drop(off - f.size)
	f.size = off
	l.synced.Store(max(l.synced.Load(), seq))
}

// broadcast wakes the clients waiting in Wait to look again.
func (l *Log) broadcast() {
	l.syncMu.Lock()
	l.syncCond.Broadcast()
	l.syncMu.Unlock()
}

// closeWriter writes and fsyncs everything, closes the file and stops
// all writing. It runs at Close, after the background goroutine stopped.
func (l *Log) closeWriter() error {
	l.wmu.Lock()
	w := &l.w
	if w.down {
		l.wmu.Unlock()
		return nil
	}
	err := l.flushLocked(true)
	if err == nil && l.o.Fsync == FsyncNo {
		err = l.durableSync(w.cur.f)
	}
	err = errorsJoinClose(err, w.cur.f)
	if err != nil {
		l.logger.Error("AOF: cannot write everything at shutdown", "err", err)
		l.fail(err)
	}
	w.down = true
	l.wmu.Unlock()
	l.syncMu.Lock()
	l.down = true
	l.syncCond.Broadcast()
	l.syncMu.Unlock()
	return err
}

// take moves what Append buffered into the writer's queue.
func (l *Log) take() {
	w := &l.w
	l.mu.Lock()
	if l.seq == w.taken && len(l.queue) == 0 {
		l.mu.Unlock()
		return
	}
	n := len(l.pend)
	for _, s := range l.queue {
		n += len(s.data)
	}
	w.queue = append(w.queue, l.queue...)
	clear(l.queue)
	l.queue = l.queue[:0]
	w.queue = append(w.queue, segment{f: l.file, data: l.pend, seq: l.seq})
	l.pend = nil
	if k := len(w.spare); k > 0 {
		l.pend = w.spare[k-1]
		w.spare = w.spare[:k-1]
	}
	w.taken = l.seq
	l.mu.Unlock()
	l.queued.Add(int64(n))
}

// flushLocked writes the queue to its files (switching files where a
// rewrite switched them) and, if sync, fsyncs the current file.
func (l *Log) flushLocked(sync bool) error {
	w := &l.w
	if w.redo {
		if err := w.cur.f.Truncate(w.cur.size); err != nil {
			return err
		}
		w.partial = false
		if err := w.unsynced.writeTo(w.cur.f); err != nil {
			return err
		}
		w.redo = false
	} else if w.partial {
		if err := w.cur.f.Truncate(w.cur.size + w.unsynced.len()); err != nil {
			return err
		}
		w.partial = false
	}
	l.take()
	for len(w.queue) > 0 {
		s := w.queue[0]
		if s.f != w.cur {
			if err := l.finish(); err != nil {
				return err
			}
			w.cur = s.f
			close(w.cur.started)
		}
		if len(s.data) > 0 {
			if _, err := w.cur.f.Write(s.data); err != nil {
				w.partial = true
				return err
			}
		}
		l.queued.Add(-int64(len(s.data)))
		l.written(s)
		w.queue[0] = segment{}
		w.queue = w.queue[1:]
	}
	if sync {
		return l.syncLocked()
	}
	return nil
}

// written accounts for a segment that reached the OS.
func (l *Log) written(s segment) {
	w := &l.w
	l.acked(s.seq)
	w.lastSeq = s.seq
	if l.o.Fsync == FsyncNo {
		w.cur.size += int64(len(s.data))
		l.synced.Store(s.seq)
	} else {
		w.unsynced.append(s.data)
	}
	w.recycle(s.data)
	l.writtenSeq.Store(s.seq)
	l.curSize.Store(w.cur.size + w.unsynced.len())
}

// observeFsync reports an fsync's duration to Options.OnFsync.
func (l *Log) observeFsync(took time.Duration) {
	if l.o.OnFsync != nil {
		l.o.OnFsync(took)
	}
}

// syncLocked fsyncs the current file and publishes what it made durable.
func (l *Log) syncLocked() error {
	w := &l.w
	if w.unsynced.len() > 0 {
		start := time.Now()
		if err := l.durableSync(w.cur.f); err != nil {
			w.redo = true
			return err
		}
		l.observeFsync(time.Since(start))
		w.cur.size += w.unsynced.len()
		w.unsynced.reset()
	}
	l.synced.Store(max(l.synced.Load(), w.lastSeq))
	return nil
}

// finish fsyncs and closes the current file before moving to the next.
func (l *Log) finish() error {
	w := &l.w
	if w.syncing != nil {
		<-w.syncing // a background fsync of this file is in flight
	}
	if err := l.syncLocked(); err != nil {
		return err
	}
	if l.o.Fsync == FsyncNo {
		if err := l.durableSync(w.cur.f); err != nil {
			w.redo = true // nothing to write again: the whole file was written
			return err
		}
	}
	if err := w.cur.f.Close(); err != nil {
		// Everything is fsynced; a failing close loses nothing.
		l.logger.Warn("AOF: closing a finished incr file", "file", w.cur.name, "err", err)
	}
	l.doneSize.Add(w.cur.size)
	return nil
}

// recycle keeps an emptied buffer for the next take, unless it is huge.
func (w *writer) recycle(b []byte) {
	if cap(b) == 0 || cap(b) > maxKeepBuf || len(w.spare) >= 2 {
		return
	}
	w.spare = append(w.spare, b[:0])
}
