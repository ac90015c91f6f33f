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
// and its slices are valid only during the call. It stops at the first
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

// batch gathers copies of entries of one database for one transaction.
type batch struct {
	b       backend.Backend
	ndb     int
	db      int
	entries []backend.Entry
	arena   []byte
	items   [][]byte
}

// add copies e into the batch, storing the batch first if e is of
// another database or the batch is full.
func (bt *batch) add(e *backend.Entry) error {
	if e.DB >= bt.ndb {
		return fmt.Errorf("key %q is in database %d, but the server has %d databases (see the databases setting): %w", e.Key, e.DB, bt.ndb, backend.ErrBadDB)
	}
	if e.DB != bt.db || len(bt.entries) >= loadBatchKeys || len(bt.arena) >= loadBatchBytes {
		if err := bt.flush(); err != nil {
			return err
		}
		bt.db = e.DB
	}
	// Copy into the arena; a full arena is replaced, never grown, so that
	// the slices already taken stay valid.
	size := len(e.Key)
	for _, it := range e.Items {
		size += len(it)
	}
	if cap(bt.arena)-len(bt.arena) < size {
		bt.arena = make([]byte, 0, max(size, loadBatchBytes))
	}
	c := backend.Entry{DB: e.DB, Type: e.Type, ExpireAt: e.ExpireAt}
	c.Key = bt.copy(e.Key)
	start := len(bt.items)
	for _, it := range e.Items {
		bt.items = append(bt.items, bt.copy(it))
	}
	c.Items = bt.items[start:len(bt.items):len(bt.items)]
	bt.entries = append(bt.entries, c)
	return nil
}

func (bt *batch) copy(p []byte) []byte {
	n := len(bt.arena)
	bt.arena = append(bt.arena, p...)
	return bt.arena[n:len(bt.arena):len(bt.arena)]
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
	bt.entries = bt.entries[:0]
	clear(bt.items)
	bt.items = bt.items[:0]
	bt.arena = bt.arena[:0]
	return err
}
