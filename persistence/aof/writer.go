package aof

import (
	"time"
)

// writer is the state of the writer goroutine, which alone touches it.
//
// Bytes flow: Append → Log.pend → writer.queue (taken) → written to the
// current file → writer.unsynced (written, not yet fsynced) → durable. The
// unsynced bytes are kept in memory so that a failed fsync can be retried
// by writing them again from the last durable offset.
type writer struct {
	l        *Log
	cur      *incrFile
	queue    []segment // taken from the Log, not yet written
	unsynced []byte    // written to cur after cur.size, not yet fsynced
	lastSeq  uint64    // sequence number of the last record written
	redo     bool      // unsynced must be written again before the next fsync
	taken    uint64    // sequence number of the last record taken
	failing  bool
	spare    [][]byte // empty buffers to hand back to the Log
}

// runWriter writes and fsyncs what Append buffers until Close, then writes
// and fsyncs the rest and closes the file.
func (l *Log) runWriter(cur *incrFile) {
	w := &writer{l: l, cur: cur}
	defer func() {
		l.syncMu.Lock()
		l.down = true
		l.syncCond.Broadcast()
		l.syncMu.Unlock()
		close(l.done)
	}()
	tick := time.NewTicker(l.o.RetryInterval)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			w.final()
			return
		case <-l.wake:
			if !w.failing {
				w.step(l.o.Fsync == FsyncAlways)
			}
		case <-tick.C:
			w.step(l.o.Fsync != FsyncNo)
		}
	}
}

// step writes what is buffered, fsyncs if sync, and records the outcome.
func (w *writer) step(sync bool) {
	if err := w.flush(sync); err != nil {
		w.failing = true
		w.redo = true
		w.l.setErr(err, w.taken)
		return
	}
	if w.failing {
		w.failing = false
		w.l.clearErr()
	}
	w.l.maybeAutoRewrite()
}

// final writes and fsyncs everything at Close and closes the file.
func (w *writer) final() {
	l := w.l
	err := w.flush(true)
	if err == nil && l.o.Fsync == FsyncNo {
		err = w.cur.f.Sync()
	}
	err = errorsJoinClose(err, w.cur.f)
	if err != nil {
		l.logger.Error("AOF: cannot write everything at shutdown", "err", err)
		l.setErr(err, w.taken)
	}
}

// take moves what Append buffered into the writer's queue.
func (w *writer) take() {
	l := w.l
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
	if n := len(w.spare); n > 0 {
		l.pend = w.spare[n-1]
		w.spare = w.spare[:n-1]
	}
	w.taken = l.seq
	l.mu.Unlock()
	l.queued.Add(int64(n))
}

// flush writes the queue to its files (switching files where a rewrite
// switched them) and, if sync, fsyncs the current file.
func (w *writer) flush(sync bool) error {
	l := w.l
	if w.redo && len(w.unsynced) > 0 {
		if _, err := w.cur.f.WriteAt(w.unsynced, w.cur.size); err != nil {
			return err
		}
	}
	w.redo = false
	w.take()
	for len(w.queue) > 0 {
		s := w.queue[0]
		if s.f != w.cur {
			if err := w.finish(); err != nil {
				return err
			}
			w.cur = s.f
			close(w.cur.started)
		}
		if len(s.data) > 0 {
			if _, err := w.cur.f.WriteAt(s.data, w.cur.size+int64(len(w.unsynced))); err != nil {
				return err
			}
		}
		l.queued.Add(-int64(len(s.data)))
		w.written(s)
		w.queue[0] = segment{}
		w.queue = w.queue[1:]
	}
	if sync {
		return w.sync()
	}
	return nil
}

// written accounts for a segment that reached the OS.
func (w *writer) written(s segment) {
	l := w.l
	w.lastSeq = s.seq
	if l.o.Fsync == FsyncNo {
		w.cur.size += int64(len(s.data))
		w.recycle(s.data)
		l.publish(s.seq)
	} else if len(w.unsynced) == 0 {
		w.recycle(w.unsynced)
		w.unsynced = s.data
	} else {
		w.unsynced = append(w.unsynced, s.data...)
		w.recycle(s.data)
	}
	l.curSize.Store(w.cur.size + int64(len(w.unsynced)))
}

// sync fsyncs the current file and publishes what it made durable.
func (w *writer) sync() error {
	l := w.l
	if len(w.unsynced) > 0 {
		start := time.Now()
		if err := w.cur.f.Sync(); err != nil {
			return err
		}
		if l.o.Fsync == FsyncEverySec && time.Since(start) > 2*time.Second {
			l.delayed.Add(1)
		}
		w.cur.size += int64(len(w.unsynced))
		w.unsynced = w.unsynced[:0]
		if cap(w.unsynced) > maxKeepBuf {
			w.unsynced = nil
		}
	}
	l.publish(w.lastSeq)
	return nil
}

// finish fsyncs and closes the current file before moving to the next.
func (w *writer) finish() error {
	if err := w.sync(); err != nil {
		return err
	}
	if w.l.o.Fsync == FsyncNo {
		if err := w.cur.f.Sync(); err != nil {
			return err
		}
	}
	if err := w.cur.f.Close(); err != nil {
		// Everything is fsynced; a failing close loses nothing.
		w.l.logger.Warn("AOF: closing a finished incr file", "file", w.cur.name, "err", err)
	}
	w.l.doneSize.Add(w.cur.size)
	return nil
}

// recycle keeps an emptied buffer for the next take, unless it is huge.
func (w *writer) recycle(b []byte) {
	if cap(b) == 0 || cap(b) > maxKeepBuf || len(w.spare) >= 2 {
		return
	}
	w.spare = append(w.spare, b[:0])
}
