package bolt

import (
	"testing"

	bolt "go.etcd.io/bbolt"

	"redpool/backend"
)

// countRecords counts the metadata records of logical database db.
func countRecords(t testing.TB, b *Bolt, db int) int64 {
	t.Helper()
	var n int64
	err := b.db.View(func(btx *bolt.Tx) error {
		table := decodeTable(btx.Bucket(bucketMeta).Get(metaDBs))
		prefix := appendNSKey(nil, table[db], nil)
		c := btx.Bucket(bucketKeys).Cursor()
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// bucketLen counts the keys of a top-level bucket.
func bucketLen(t testing.TB, b *Bolt, name []byte) int {
	t.Helper()
	n := 0
	err := b.db.View(func(btx *bolt.Tx) error {
		n = btx.Bucket(name).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// dataKeysOf counts the data keys of the collection stored at key in db (0
// if it is not a collection).
func dataKeysOf(t testing.TB, b *Bolt, db int, key []byte) (id uint64, n int) {
	t.Helper()
	err := b.db.View(func(btx *bolt.Tx) error {
		table := decodeTable(btx.Bucket(bucketMeta).Get(metaDBs))
		v := btx.Bucket(bucketKeys).Get(appendNSKey(nil, table[db], key))
		r, ok := decodeRecord(v)
		if !ok || r.id == 0 {
			return nil
		}
		id = r.id
		n = countPrefix(btx, r.id)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id, n
}

func countPrefix(btx *bolt.Tx, id uint64) int {
	prefix := appendID(nil, id)
	n := 0
	c := btx.Bucket(bucketData).Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

// checkInvariants checks the on-disk structures against each other and
// against the in-memory counters, at an instant between two commits.
func checkInvariants(t testing.TB, b *Bolt) {
	t.Helper()
	var garbage int64
	var st backend.Stats
	s, err := b.Snapshot(func() {
		garbage = b.garbage.Load()
		st = b.Stats()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = func(btx *bolt.Tx) error {
		meta := btx.Bucket(bucketMeta)
		keys := btx.Bucket(bucketKeys)
		exp := btx.Bucket(bucketExpire)
		garb := btx.Bucket(bucketGarbage)
		table := decodeTable(meta.Get(metaDBs))
		if len(table) != b.nDBs {
			t.Errorf("table has %d entries, want %d", len(table), b.nDBs)
		}
		live := map[uint32]bool{}
		for _, ns := range table {
			if live[ns] {
				t.Errorf("namespace %d used twice", ns)
			}
			live[ns] = true
		}
		deadNS := map[uint32]bool{}
		garbIDs := map[uint64]bool{}
		ng := 0
		garb.ForEach(func(k, _ []byte) error {
			ng++
			switch k[0] {
			case garbageID:
				garbIDs[u64(k[1:])] = true
			case garbageNS:
				deadNS[nsOf(k[1:])] = true
			}
			return nil
		})
		if int64(ng) != garbage {
			t.Errorf("garbage bucket has %d entries, counter says %d", ng, garbage)
		}
		counts := map[uint32]*counter{}
		ids := map[uint64]bool{}
		keys.ForEach(func(k, v []byte) error {
			ns := nsOf(k)
			if !live[ns] && !deadNS[ns] {
				t.Errorf("record %q in unknown namespace %d", k, ns)
			}
			r, ok := decodeRecord(v)
			if !ok {
				t.Errorf("record %q undecodable", k)
				return nil
			}
			c := counts[ns]
			if c == nil {
				c = new(counter)
				counts[ns] = c
			}
			c.keys++
			if r.exp != 0 {
				c.expires++
				if exp.Get(appendExpKey(nil, r.exp, k)) == nil {
					t.Errorf("record %q: expiry entry missing", k)
				}
			}
			if r.typ == backend.TypeZSet { // checkZSet checks its families
				ids[r.id] = true
				if n := countPrefix(btx, r.id); int64(n) <= 2*r.size {
					t.Errorf("record %q (%v): size %d, %d data keys", k, r.typ, r.size, n)
				}
			}
			if r.typ == backend.TypeList || r.typ == backend.TypeHash {
				if ids[r.id] {
					t.Errorf("record %q: id %d shared", k, r.id)
				}
				ids[r.id] = true
				if n := countPrefix(btx, r.id); int64(n) != r.size || n == 0 {
					t.Errorf("record %q (%v): size %d, %d data keys", k, r.typ, r.size, n)
				}
				if r.typ == backend.TypeList {
					for p := r.head; p < r.tail; p++ {
						if btx.Bucket(bucketData).Get(appendListKey(nil, r.id, p)) == nil {
							t.Errorf("list %q: position %d missing", k, p)
							break
						}
					}
				}
			}
			return nil
		})
		exp.ForEach(func(k, _ []byte) error {
			v := keys.Get(k[atLen:])
			r, ok := decodeRecord(v)
			if !ok || r.exp != int64(u64(k)) {
				t.Errorf("stale expiry entry %q", k)
			}
			return nil
		})
		c := btx.Bucket(bucketData).Cursor()
		for k, _ := c.First(); k != nil; {
			id := u64(k)
			if !ids[id] && !garbIDs[id] {
				// Allowed only for collections of dead namespaces.
				owned := false
				keys.ForEach(func(kk, v []byte) error {
					if r, ok := decodeRecord(v); ok && r.id == id && deadNS[nsOf(kk)] {
						owned = true
					}
					return nil
				})
				if !owned {
					t.Errorf("orphan data for id %d", id)
				}
			}
			k, _ = c.Seek(appendID(nil, id+1))
		}
		for _, ns := range table {
			stored := decodeCounter(meta.Get(counterKey(ns)))
			want := counter{}
			if c := counts[ns]; c != nil {
				want = *c
			}
			if stored != want {
				t.Errorf("namespace %d: stored counters %+v, records say %+v", ns, stored, want)
			}
		}
		for db, ns := range table {
			want := counter{}
			if c := counts[ns]; c != nil {
				want = *c
			}
			if st.Keys[db] != want.keys || st.Expires[db] != want.expires {
				t.Errorf("db %d: Stats say %d keys, %d expires; records say %+v", db, st.Keys[db], st.Expires[db], want)
			}
		}
		meta.ForEach(func(k, _ []byte) error {
			if k[0] == counterNS && len(k) == 1+nsLen && !live[nsOf(k[1:])] {
				t.Errorf("counter for dead namespace %d", nsOf(k[1:]))
			}
			return nil
		})
		return nil
	}(s.(*snapshot).btx)
	if err != nil {
		t.Fatal(err)
	}
}
