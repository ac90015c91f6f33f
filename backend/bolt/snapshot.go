package bolt

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"redpool/backend"
)

// snapshot is a bbolt read transaction opened by the writer between two
// batches.
type snapshot struct {
	b   *Bolt
	btx *bolt.Tx
	now int64
}

// Snapshot fixes a point-in-time view. atomically runs while no write
// function runs and no commit is in progress, right after the view is
// fixed; it must not call Update. The view pins the pages it sees until
// Close (see the package documentation).
func (b *Bolt) Snapshot(atomically func()) (backend.Snapshot, error) {
	b.wmu.Lock() // waits for a batch in progress
	defer b.wmu.Unlock()
	if b.wclosed || b.closed.Load() {
		return nil, backend.ErrClosed
	}
	btx, err := b.db.Begin(false)
	if err != nil {
		return nil, mapErr(err)
	}
	s := &snapshot{b: b, btx: btx, now: backend.NowMs(b.clock)}
	if atomically != nil {
		ok := false
		defer func() {
			if !ok {
				btx.Rollback()
			}
		}()
		atomically()
		ok = true
	}
	return s, nil
}

// Each calls fn for every live key, database by database, keys in byte
// order. A scalar (a string) is the value inline in its record; a
// collection is read through its type's registry row (TypeInfo.Read), as
// its Tx methods read it.
func (s *snapshot) Each(ctx context.Context, fn func(e *backend.Entry) error) error {
	if s.btx == nil {
		return backend.ErrClosed
	}
	t := &tx{b: s.b, btx: s.btx, now: s.now, all: true}
	table := decodeTable(t.metaB().Get(metaDBs))
	var (
		e     backend.Entry
		items [][]byte
		n     int
	)
	for db := 0; db < s.b.nDBs && db < len(table); db++ {
		t.db, t.ns = db, table[db]
		prefix := appendNSKey(nil, table[db], nil)
		err := t.iterate(t.keysB(), prefix, prefix, false, func(k, v []byte) (bool, error) {
			if n++; n%256 == 0 {
				if err := ctx.Err(); err != nil {
					return false, err
				}
			}
			r, ok := decodeRecord(v)
			if !ok {
				return false, fmt.Errorf("bolt: damaged metadata record for key %q", k[nsLen:])
			}
			if r.exp != 0 && r.exp <= s.now {
				return true, nil
			}
			info, _ := backend.Lookup(r.typ) // decodeRecord knows the type
			items = items[:0]
			if info.Scalar {
				items = append(items, r.str) // stored inline in the record
			} else {
				err := info.Read(t, k[nsLen:], func(chunk [][]byte) error {
					items = append(items, chunk...)
					return nil
				})
				if err != nil {
					return false, err
				}
			}
			e = backend.Entry{DB: db, Key: k[nsLen:], Type: r.typ, ExpireAt: r.exp, Items: items}
			err := fn(&e)
			clear(items)
			return err == nil, err
		})
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Close ends the read transaction. It is idempotent.
func (s *snapshot) Close() error {
	if s.btx == nil {
		return nil
	}
	err := s.btx.Rollback()
	s.btx = nil
	return err
}
