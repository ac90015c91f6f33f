package snapshot

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"

	"redpool/backend"
	"redpool/persistence/fsutil"
)

// Load batches: a batch is applied in one backend transaction once it holds
// this many keys, items or bytes of records. A value of more than
// loadBatchItems items is split into pieces of that many (whole elements),
// each in its own transaction, so that a huge collection never makes one
// huge transaction.
const (
	loadBatchKeys  = 4096
	loadBatchItems = 64 << 10
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
// transactions, or in one bulk load if b is a backend.BulkLoader holding no
// key (the memory backend at start), so an error while storing (a database
// the backend does not have, a closed backend, ctx done, a record that
// fails decoding) can leave some keys stored.
func Load(ctx context.Context, path string, b backend.Backend) (LoadStats, error) {
	return load(ctx, fsutil.OSFS{}, path, b)
}

// load is Load in fsys.
func load(ctx context.Context, fsys fsutil.FS, path string, b backend.Backend) (LoadStats, error) {
	f, err := fsys.Open(path)
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

// piece is a part of a key's value for the loader: the whole value, or one
// of the chunks of a big one.
type piece struct {
	e           *backend.Entry
	info        backend.TypeInfo
	items       [][]byte
	first, last bool
}

// loader applies pieces to a backend in batches.
type loader struct {
	ctx   context.Context
	b     backend.Backend
	st    *LoadStats
	db    int
	batch []piece
	items int
	skip  bool // the key being loaded had expired at its first piece
}

// loadFrom applies every key of d to b: in one bulk load if b is a
// backend.BulkLoader that holds no key, else in batches of transactions.
func loadFrom(ctx context.Context, d *Reader, b backend.Backend, st *LoadStats) error {
	if bl, ok := b.(backend.BulkLoader); ok {
		done, err := bl.BulkLoad(int(min(d.Header().Keys, math.MaxInt32)), func(tx backend.BulkTx) error {
			return bulkLoadFrom(ctx, d, tx, b.Databases(), st)
		})
		if done || err != nil {
			return err
		}
	}
	return batchLoadFrom(ctx, d, b, st)
}

// bulkLoadFrom stores every key of d through tx, a bulk load of a backend
// with ndb databases: a whole value with one Store, the pieces of a huge
// one (see stream.go) through the type's Load, as apply does. Store
// copies, so each record's bytes are released as soon as it is stored.
func bulkLoadFrom(ctx context.Context, d *Reader, tx backend.BulkTx, ndb int, st *LoadStats) error {
	for name, val := range d.Aux() {
		if err := tx.SetAux(name, val); err != nil {
			return err
		}
	}
	d.split = loadBatchBytes // a huge record comes in pieces
	now := tx.Now()
	var ptx backend.Tx // the database of the record in pieces
	skip := false      // the record in pieces had expired at its first piece
	for n := 0; ; n++ {
		if n%loadBatchKeys == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		e, err := d.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		info, err := loadCheck(e, ndb)
		if err != nil {
			return err
		}
		first, last := d.piece()
		if first {
			skip = e.ExpireAt != 0 && e.ExpireAt <= now
			if skip {
				st.Expired++
				continue
			}
		} else if skip {
			continue
		}
		if first && last {
			if err := tx.Store(e); err != nil {
				return fmt.Errorf("store key %q in db %d: %w", e.Key, e.DB, err)
			}
			st.Loaded++
			continue
		}
		if first {
			if ptx, err = tx.Tx(e.DB); err != nil {
				return err
			}
			if _, err := ptx.Delete(e.Key); err != nil { // a collection's Load adds
				return err
			}
		}
		per := max(loadBatchItems/info.Width, 1) * info.Width
		for items := e.Items; len(items) > 0; {
			k := min(len(items), per)
			if err := info.Load(ptx, e.Key, items[:k]); err != nil {
				return fmt.Errorf("store key %q in db %d: %w", e.Key, e.DB, err)
			}
			items = items[k:]
		}
		if !last {
			continue
		}
		st.Loaded++
		if e.ExpireAt != 0 {
			if _, err := ptx.SetExpireAt(e.Key, e.ExpireAt); err != nil {
				return err
			}
		}
	}
}

// loadCheck returns the type of e, a key for a backend of ndb databases,
// or the error that stops the load.
func loadCheck(e *backend.Entry, ndb int) (backend.TypeInfo, error) {
	if e.DB >= ndb {
		return backend.TypeInfo{}, fmt.Errorf("key %q is in database %d, but the server has %d databases (see the databases setting): %w", e.Key, e.DB, ndb, backend.ErrBadDB)
	}
	info, ok := backend.Lookup(e.Type)
	if !ok {
		return backend.TypeInfo{}, fmt.Errorf("key %q: %w %d", e.Key, backend.ErrUnknownType, e.Type)
	}
	return info, nil
}

// batchLoadFrom applies every key of d to b in batches. The decoder keeps
// its records until release, so a batch's entries alias d's arena: no
// copying.
func batchLoadFrom(ctx context.Context, d *Reader, b backend.Backend, st *LoadStats) error {
	if aux := d.Aux(); len(aux) > 0 {
		err := b.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
			for name, val := range aux {
				if err := tx.SetAux(name, val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	d.keep = true
	d.split = loadBatchBytes // a huge record comes in pieces
	ndb := b.Databases()
	l := &loader{ctx: ctx, b: b, st: st, batch: make([]piece, 0, loadBatchKeys)}
	entries := make([]backend.Entry, 0, loadBatchKeys) // the entries l.batch points into
	flush := func() error {
		if err := l.apply(); err != nil {
			return err
		}
		clear(entries)
		entries = entries[:0]
		d.release()
		return nil
	}
	for {
		e, err := d.Next()
		if err == io.EOF {
			return flush()
		}
		if err != nil {
			return err
		}
		info, err := loadCheck(e, ndb)
		if err != nil {
			return err
		}
		if e.DB != l.db { // (a piece after the first has its first's database)
			// Apply the other database's keys first; e stays valid because
			// the arena is only released by flush.
			if err := l.apply(); err != nil {
				return err
			}
			l.db = e.DB
		}
		entries = append(entries, *e) // never reallocates: flushed when full
		ent := &entries[len(entries)-1]
		// A big value goes in pieces of whole elements, a transaction each:
		// the reader's pieces of a huge record, split again by items.
		first, last := d.piece()
		items := ent.Items
		per := max(loadBatchItems/info.Width, 1) * info.Width
		for {
			k := min(len(items), per)
			l.batch = append(l.batch, piece{e: ent, info: info, items: items[:k], first: first, last: last && k == len(items)})
			l.items += k
			items, first = items[k:], false
			if len(items) > 0 || !last || len(l.batch) == cap(l.batch) || l.items >= loadBatchItems {
				if err := l.apply(); err != nil {
					return err
				}
			}
			if len(items) == 0 {
				break
			}
		}
		if len(entries) == cap(entries) || len(d.arena) >= loadBatchBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

// apply stores the batch in one Update transaction on database l.db.
func (l *loader) apply() error {
	if len(l.batch) == 0 {
		return nil
	}
	if err := l.ctx.Err(); err != nil {
		return err
	}
	var loaded, expired int64
	err := l.b.Update(backend.TxOptions{DB: l.db, All: true}, func(tx backend.Tx) error {
		now := tx.Now()
		for i := range l.batch {
			p := &l.batch[i]
			e := p.e
			if p.first {
				l.skip = e.ExpireAt != 0 && e.ExpireAt <= now
				if l.skip {
					expired++
					continue
				}
				if !p.info.Scalar { // a scalar's Load replaces; a collection's adds
					if _, err := tx.Delete(e.Key); err != nil {
						return err
					}
				}
			} else if l.skip {
				continue
			}
			if err := p.info.Load(tx, e.Key, p.items); err != nil {
				return fmt.Errorf("store key %q in db %d: %w", e.Key, e.DB, err)
			}
			if !p.last {
				continue
			}
			loaded++
			if e.ExpireAt != 0 {
				if _, err := tx.SetExpireAt(e.Key, e.ExpireAt); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	l.st.Loaded += loaded
	l.st.Expired += expired
	clear(l.batch)
	l.batch = l.batch[:0]
	l.items = 0
	return nil
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
	ByType  map[backend.Type]int64 // keys by type (types without keys may be absent)
	Expires int64                  // keys with an expiry
}

// Keys is the database's total number of keys.
func (s DBSummary) Keys() int64 {
	var n int64
	for _, c := range s.ByType {
		n += c
	}
	return n
}

// Inspect verifies the snapshot at path and counts its keys by database
// and type.
func Inspect(path string) (Summary, error) {
	byDB := map[int]*DBSummary{}
	h, err := ReadFile(path, func(e *backend.Entry) error {
		s := byDB[e.DB]
		if s == nil {
			s = &DBSummary{DB: e.DB, ByType: map[backend.Type]int64{}}
			byDB[e.DB] = s
		}
		s.ByType[e.Type]++
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
