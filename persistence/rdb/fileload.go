package rdb

import (
	"context"
	"fmt"
	"io"

	"redpool/backend"
)

// Load batches: a batch of keys is stored in one backend transaction once
// it holds this many keys or bytes.
const (
	loadBatchKeys  = 4096
	loadBatchBytes = 8 << 20
)

// LoadStats says what Load (or Each) did.
type LoadStats struct {
	Loaded    int64 // keys stored
	Expired   int64 // keys skipped because their expiry had passed
	Libraries int64 // function libraries handed to the caller
}

// Each reads every record of f: keys whose expiry is at or before now
// (Unix ms) are counted and skipped, the others passed to key, the
// function libraries to library (nil: libraries are skipped). The entry
// is valid only during the call; the bytes of its key and items may be
// kept. It stops at the first
// error and returns it; a whole file ends with a nil error, its checksum
// verified.
func Each(f *FileReader, now int64, key func(e *backend.Entry) error, library func(code []byte) error) (LoadStats, error) {
	var st LoadStats
	for {
		rec, err := f.Next()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, err
		}
		switch rec.Kind {
		case RecordFunction:
			if library != nil {
				if err := library(rec.Library); err != nil {
					return st, err
				}
				st.Libraries++
			}
		case RecordKey:
			e := &rec.Entry
			if e.ExpireAt != 0 && e.ExpireAt <= now {
				st.Expired++
				continue
			}
			if err := key(e); err != nil {
				return st, err
			}
			st.Loaded++
		}
	}
}

// Load stores every key of f in b with backend.Put, in batches of one
// Update transaction each, replacing keys of the same name; libraries go
// to library as in Each. Expired keys are skipped (by b's clock). A key in
// a database b does not have is an error. An error can leave some keys
// stored. It holds at most one batch of keys (loadBatchKeys keys,
// loadBatchBytes bytes, or one value larger than that) in memory.
func Load(ctx context.Context, f *FileReader, b backend.Backend, now int64, library func(code []byte) error) (LoadStats, error) {
	bt := &batch{b: b, ndb: b.Databases(), db: -1}
	st, err := Each(f, now, func(e *backend.Entry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return bt.add(e)
	}, library)
	if err == nil {
		err = bt.flush()
	}
	return st, err
}

// batch gathers entries of one database for one transaction. The
// entries' keys and items are the reader's new memory, kept as they are.
type batch struct {
	b       backend.Backend
	ndb     int
	db      int
	entries []backend.Entry
	bytes   int
}

// add adds e to the batch, storing the batch first if e is of another
// database or the batch is full.
func (bt *batch) add(e *backend.Entry) error {
	if e.DB >= bt.ndb {
		return fmt.Errorf("key %q is in database %d, but the server has %d databases (see the databases setting): %w", e.Key, e.DB, bt.ndb, backend.ErrBadDB)
	}
	if e.DB != bt.db || len(bt.entries) >= loadBatchKeys || bt.bytes >= loadBatchBytes {
		if err := bt.flush(); err != nil {
			return err
		}
		bt.db = e.DB
	}
	bt.entries = append(bt.entries, *e)
	bt.bytes += len(e.Key)
	for _, it := range e.Items {
		bt.bytes += len(it)
	}
	return nil
}

// flush stores the batch in one transaction.
func (bt *batch) flush() error {
	if len(bt.entries) == 0 {
		return nil
	}
	err := bt.b.Update(backend.TxOptions{DB: bt.db, All: true}, func(tx backend.Tx) error {
		for i := range bt.entries {
			if err := backend.Put(tx, &bt.entries[i]); err != nil {
				return err
			}
		}
		return nil
	})
	clear(bt.entries)
	bt.entries, bt.bytes = bt.entries[:0], 0
	return err
}
