package bolt

import (
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

const (
	// walCheckpointBytes and walCheckpointEvery bound the log between
	// checkpoints (and so the replay at Open, and the pages the pinned
	// checkpoint keeps from reuse).
	walCheckpointBytes = 32 << 20
	walCheckpointEvery = time.Second
	// walMmapSize is the memory map a logged database starts with: the
	// pinned checkpoint keeps bbolt from growing the map, so it is made
	// large enough never to need to (it costs address space only).
	walMmapSize = 64 << 30
	// walMapMargin is the room a batch must leave in the map to be logged.
	walMapMargin = 256 << 20
)

// walState is the log of a database opened with SyncAlways. It belongs to
// the goroutine running batches (wmu held), but for Open and Close.
type walState struct {
	on       bool     // batches are logged (false: bbolt fsyncs its commits)
	err      error    // a failed log write or checkpoint: writes are refused
	f        *os.File // the log, open for appending
	dbf      *os.File // the database file, read-only, to copy meta pages
	pin      *bolt.Tx // a read transaction on the checkpoint
	size     int64    // record bytes since the checkpoint
	end      int64    // the log's file size: zeros from the last record on
	zeros    []byte   // walChunk zero bytes; read-only once made
	next     *os.File // a prepared log for the next checkpoint, or nil
	kick     chan struct{}
	kicked   bool // the checkpointer was asked for a checkpoint
	last     time.Time
	buf      []byte
	pageSize int
	mapSize  int // bbolt's memory map, which must not grow while pinned
}

// walMapSize is the size bbolt maps for a file of size bytes (bbolt's
// mmapSize, for the sizes at or above 1 GB that walMmapSize gives).
func walMapSize(size int) int {
	const step = 1 << 30
	if r := size % step; r > 0 {
		size += step - r
	}
	return size
}

// walStart syncs the file and starts a log on it; wmu is held or the
// database is not shared yet.
func (b *Bolt) walStart(fileSize int) error {
	w := &b.wal
	w.pageSize = b.db.Info().PageSize
	w.mapSize = walMapSize(max(fileSize, walMmapSize))
	w.zeros = make([]byte, walChunk)
	w.kick = make(chan struct{}, 1)
	walRemoveTemps(b.path)
	f, err := os.Open(b.path)
	if err != nil {
		return err
	}
	w.dbf = f
	if err := b.walCheckpoint(); err != nil {
		f.Close()
		return err
	}
	w.on = true
	b.walOn.Store(true)
	b.db.NoSync = true
	return nil
}

// walCheckpoint makes every commit durable in the bbolt file and starts a
// new log on it; wmu is held and no write transaction is open. On an error
// the old log and its pin stay.
func (b *Bolt) walCheckpoint() error {
	w := &b.wal
	pin, err := b.db.Begin(false)
	if err != nil {
		return mapErr(err)
	}
	h := walHeader{pageSize: w.pageSize, txid: uint64(pin.ID()), metas: make([]byte, 2*w.pageSize)}
	err = b.db.Sync()
	if err == nil {
		_, err = w.dbf.ReadAt(h.metas, 0)
	}
	if err == nil && max(walMetaTxid(h.metas[:w.pageSize]), walMetaTxid(h.metas[w.pageSize:])) != h.txid {
		err = errors.New("bolt: checkpoint: the meta pages are not the checkpoint's")
	}
	f := w.next
	w.next = nil
	if err == nil && f == nil {
		f, err = walPrepare(b.path, w.pageSize, w.zeros)
	}
	if err == nil {
		var renamed bool
		if renamed, err = walInstall(b.path, f, &h); err != nil && renamed {
			// Either log may be on disk, and appending to the old one
			// (unlinked) would lose records: refuse every later write,
			// which also keeps both checkpoints' pages (no commit).
			w.err = fmt.Errorf("bolt: checkpoint failed, writes are refused: %w", err)
			b.log.Error("bolt: checkpoint", "err", err)
		}
	} else if f != nil {
		walDiscard(f)
	}
	if err != nil {
		pin.Rollback()
		return fmt.Errorf("bolt: checkpoint: %w", err)
	}
	if w.f != nil {
		w.f.Close()
	}
	if w.pin != nil {
		w.pin.Rollback()
	}
	w.f, w.pin, w.size, w.last, w.kicked = f, pin, 0, time.Now(), false
	w.end = int64(walHeaderLen(w.pageSize) + len(w.zeros))
	b.walCheckpoints.Add(1)
	return nil
}

// walStop syncs the file and removes the log: the file alone is then the
// store, and bbolt fsyncs every later commit; wmu is held.
func (b *Bolt) walStop() error {
	w := &b.wal
	if !w.on {
		return nil
	}
	err := b.db.Sync()
	if err == nil {
		err = walRemove(b.path)
	}
	if err != nil {
		return fmt.Errorf("bolt: removing the log: %w", err)
	}
	b.db.NoSync = false
	b.walRelease()
	return nil
}

// walRelease stops logging and lets go of the log, its pin and its files,
// leaving the log where it is; wmu is held. Close calls it when walStop
// fails: the log then still recovers the file at the next Open.
func (b *Bolt) walRelease() {
	w := &b.wal
	w.on = false
	b.walOn.Store(false)
	if w.f != nil {
		w.f.Close()
	}
	if w.dbf != nil {
		w.dbf.Close()
	}
	if w.pin != nil {
		w.pin.Rollback()
	}
	if w.next != nil {
		walDiscard(w.next)
	}
	w.f, w.dbf, w.pin, w.next = nil, nil, nil, nil
}

// walCheckpointer runs the checkpoints walCommit asks for. It syncs the
// file and prepares the next log before it takes wmu, so that the
// checkpoint itself, which holds the writers, has little left to sync.
func (b *Bolt) walCheckpointer() {
	defer b.bg.Done()
	w := &b.wal
	for {
		select {
		case <-b.stop:
			return
		case <-w.kick:
		}
		err := b.db.Sync()
		var next *os.File
		if err == nil {
			next, err = walPrepare(b.path, w.pageSize, w.zeros)
		}
		b.wmu.Lock()
		if err == nil && w.on && w.err == nil && !b.wclosed {
			if w.next != nil {
				walDiscard(w.next)
			}
			w.next, next = next, nil
			err = b.walCheckpoint()
		}
		w.kicked = false
		b.wmu.Unlock()
		if next != nil {
			walDiscard(next)
		}
		if err != nil {
			b.log.Error("bolt: checkpoint", "err", err) // the old log goes on
		}
	}
}

// walCommit commits a batch's bbolt transaction and logs its writes,
// durably. ops are the batch's writes.
func (b *Bolt) walCommit(btx *bolt.Tx, ops []logOp) error {
	w := &b.wal
	w.buf = walAppendRecord(w.buf[:0], ops)
	direct := len(w.buf) > walMaxRecord
	if !direct && int(btx.Size())+4*len(w.buf)+len(ops)*(64<<10)+walMapMargin >= w.mapSize {
		// The commit could grow the map, which the pin forbids: stop
		// logging, for good.
		b.log.Warn("bolt: the file nears its memory map; no more write-ahead log", "size", btx.Size())
		if err := b.walStop(); err != nil {
			btx.Rollback()
			w.err = err
			return err
		}
		return btx.Commit()
	}
	if direct {
		// Too large a record: bbolt fsyncs this commit, and a checkpoint
		// makes the log start after it.
		b.db.NoSync = false
	}
	err := btx.Commit()
	b.db.NoSync = true
	if err != nil {
		return err
	}
	if direct {
		err = b.walCheckpoint()
	} else {
		err = b.walWrite()
	}
	if err != nil {
		// The batch is committed but maybe not durable, and the log may
		// have a torn record: refuse every later write (as Redis stops
		// when its AOF cannot be fsynced).
		b.log.Error("bolt: write-ahead log", "err", err)
		w.err = fmt.Errorf("bolt: write-ahead log failed, writes are refused: %w", err)
		return w.err
	}
	switch {
	case w.size >= 2*b.tuning.walCheckpointBytes:
		// The checkpointer is behind: checkpoint here.
		if err := b.walCheckpoint(); err != nil {
			b.log.Error("bolt: checkpoint", "err", err) // the old log goes on
		}
	case !w.kicked && (w.size >= b.tuning.walCheckpointBytes || time.Since(w.last) >= b.tuning.walCheckpointEvery):
		w.kicked = true
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// walWrite appends the encoded record and fdatasyncs the log. The log is
// kept walChunk or more bytes of zeros ahead of its records, so that most
// fdatasyncs write data alone, not the file's size.
func (b *Bolt) walWrite() error {
	w := &b.wal
	pos := int64(walHeaderLen(w.pageSize)) + w.size
	for w.end < pos+int64(len(w.buf)) {
		if _, err := w.f.WriteAt(w.zeros, w.end); err != nil {
			return err
		}
		w.end += int64(len(w.zeros))
	}
	if _, err := w.f.WriteAt(w.buf, pos); err != nil {
		return err
	}
	w.size += int64(len(w.buf))
	if cap(w.buf) > 1<<20 {
		w.buf = nil
	}
	start := time.Now()
	err := fdatasync(w.f)
	b.gather.synced(time.Since(start))
	return err
}

// walReplay applies a recovered log's records in one bbolt transaction,
// which bbolt fsyncs, then removes the log: the file is the store again.
// A torn or damaged record ends the log; it and what follows are dropped.
func (b *Bolt) walReplay(rec *walRecovery) error {
	var ops []logOp
	n, data := 0, rec.records
	for len(data) > 0 {
		payload, rest, err := walNextRecord(data)
		if err == nil {
			ops, err = walDecodeOps(payload, ops)
		}
		if err != nil {
			if !walZeros(data) {
				b.log.Warn("bolt: the write-ahead log ends in a torn record; dropped", "bytes", len(data), "records", n)
			}
			break
		}
		data = rest
		n++
	}
	if len(ops) > 0 {
		err := b.db.Update(func(btx *bolt.Tx) error {
			for i := range ops {
				op := &ops[i]
				bb := btx.Bucket(bucketNames[op.bucket])
				if bb == nil {
					return fmt.Errorf("bucket %q is missing", bucketNames[op.bucket])
				}
				if err := op.apply(bb); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("bolt: replaying the write-ahead log: %w", err)
		}
	}
	if n > 0 {
		b.log.Info("bolt: replayed the write-ahead log", "records", n, "writes", len(ops))
	}
	return walRemove(b.path)
}
