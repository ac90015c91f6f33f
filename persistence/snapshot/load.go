package snapshot

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"slices"

	"redpool/backend"
)

// Load batches: a batch is applied in one backend transaction once it holds
// this many keys or this many bytes of records.
const (
	loadBatchKeys  = 4096
	loadBatchBytes = 8 << 20
)

// LoadStats says what Load did.
type LoadStats struct {
	Header  Header
	Loaded  int64 // keys stored
	Expired int64 // keys skipped because their expiry had passed
}

// Load verifies the snapshot at path (VerifyFile) and then stores every key
// in b with backend.Put, replacing keys of the same name. A file that fails
// verification loads nothing. Keys are stored in batches of Update
// transactions, so an error while storing (a database the backend does not
// have, a closed backend, ctx done) can leave some keys stored.
func Load(ctx context.Context, path string, b backend.Backend) (LoadStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return LoadStats{}, err
	}
	defer f.Close()
	var st LoadStats
	st.Header, err = verifyThenRead(f, func(d *Reader) error {
		return loadFrom(ctx, d, b, &st)
	})
	if err != nil {
		return st, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// loadFrom applies every key of d to b in batches. The decoder keeps its
// records until release, so a batch's entries alias d's arena: no copying.
func loadFrom(ctx context.Context, d *Reader, b backend.Backend, st *LoadStats) error {
	d.keep = true
	ndb := b.Databases()
	batch := make([]backend.Entry, 0, loadBatchKeys)
	db := 0
	apply := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		var loaded, expired int64
		err := b.Update(backend.TxOptions{DB: db, All: true}, func(tx backend.Tx) error {
			loaded, expired = 0, 0 // Update may retry
			now := tx.Now()
			for i := range batch {
				e := &batch[i]
				if e.ExpireAt != 0 && e.ExpireAt <= now {
					expired++
					continue
				}
				if err := put(tx, e); err != nil {
					return fmt.Errorf("store key %q in db %d: %w", e.Key, e.DB, err)
				}
				loaded++
			}
			return nil
		})
		if err != nil {
			return err
		}
		st.Loaded += loaded
		st.Expired += expired
		clear(batch)
		batch = batch[:0]
		return nil
	}
	for {
		e, err := d.Next()
		if err == io.EOF {
			return apply()
		}
		if err != nil {
			return err
		}
		if e.DB >= ndb {
			return fmt.Errorf("key %q is in database %d, but the server has %d databases (see the databases setting): %w", e.Key, e.DB, ndb, backend.ErrBadDB)
		}
		if e.DB != db {
			// Apply the other database's keys first; e stays valid because
			// the arena is only released below.
			if err := apply(); err != nil {
				return err
			}
			db = e.DB
		}
		batch = append(batch, *e)
		if len(batch) == cap(batch) || len(d.arena) >= loadBatchBytes {
			if err := apply(); err != nil {
				return err
			}
			d.release()
		}
	}
}

// put is backend.Put (e is not expired) without its Delete for strings:
// Set replaces a value of any type by itself, and loading is mostly
// strings, so this saves a lookup per key.
func put(tx backend.Tx, e *backend.Entry) error {
	if e.Type == backend.TypeString {
		return tx.Set(e.Key, e.Str, e.ExpireAt, false)
	}
	return backend.Put(tx, e)
}

// Summary is what Inspect finds in a snapshot.
type Summary struct {
	Header Header
	// DBs lists the databases that hold keys, ascending.
	DBs []DBSummary
}

// DBSummary counts one database's keys.
type DBSummary struct {
	DB      int
	Strings int64
	Lists   int64
	Hashes  int64
	Expires int64 // keys with an expiry
}

// Keys is the database's total number of keys.
func (s DBSummary) Keys() int64 { return s.Strings + s.Lists + s.Hashes }

// Inspect verifies the snapshot at path and counts its keys by database
// and type.
func Inspect(path string) (Summary, error) {
	byDB := map[int]*DBSummary{}
	h, err := ReadFile(path, func(e *backend.Entry) error {
		s := byDB[e.DB]
		if s == nil {
			s = &DBSummary{DB: e.DB}
			byDB[e.DB] = s
		}
		switch e.Type {
		case backend.TypeString:
			s.Strings++
		case backend.TypeList:
			s.Lists++
		case backend.TypeHash:
			s.Hashes++
		}
		if e.ExpireAt != 0 {
			s.Expires++
		}
		return nil
	})
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Header: h}
	for _, s := range byDB {
		sum.DBs = append(sum.DBs, *s)
	}
	slices.SortFunc(sum.DBs, func(a, b DBSummary) int { return cmp.Compare(a.DB, b.DB) })
	return sum, nil
}
