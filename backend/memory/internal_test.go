package memory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
	"unsafe"

	"redpool/backend"
	"redpool/backend/backendtest"
)

// checkInvariants verifies every shard's bookkeeping. It takes all locks.
func checkInvariants(t *testing.T, m *Memory) {
	t.Helper()
	m.lockAll(false)
	defer m.unlockAll(false)
	for i := range m.shards {
		sh := &m.shards[i]
		sd := sh.data.Load()
		if sd.owner.Load() != sh {
			t.Fatalf("shard %d: owner mismatch", i)
		}
		if n := checkIndex(t, &sd.ix); n != len(sd.keys) || int64(len(sd.keys)) != sd.nkeys.Load() {
			t.Fatalf("shard %d: index %d, keys %d, nkeys %d", i, n, len(sd.keys), sd.nkeys.Load())
		}
		if int64(len(sd.vol)) != sd.nvol.Load() {
			t.Fatalf("shard %d: vol %d, nvol %d", i, len(sd.vol), sd.nvol.Load())
		}
		var used int64
		nvol := 0
		for p, e := range sd.keys {
			if int(e.pos) != p || sd.ix.get(sd.hash(e.key), bytesOf(e.key)) != e {
				t.Fatalf("shard %d: entry %q at %d has pos %d", i, e.key, p, e.pos)
			}
			if m.shardOf([]byte(e.key)) != i%shardsPerDB {
				t.Fatalf("entry %q in wrong shard", e.key)
			}
			if (e.expireAt != 0) != (e.vpos >= 0) {
				t.Fatalf("entry %q: expireAt %d, vpos %d", e.key, e.expireAt, e.vpos)
			}
			if e.vpos >= 0 {
				nvol++
				if sd.vol[e.vpos] != e {
					t.Fatalf("entry %q: vol[%d] is another entry", e.key, e.vpos)
				}
			}
			switch c := e.coll.(type) { // each collection's own invariants
			case *deque:
				if c.n == 0 {
					t.Fatalf("empty list %q", e.key)
				}
				var n int64
				for j := 0; j < c.n; j++ {
					n += int64(len(c.at(j)))
				}
				if n != c.bytes {
					t.Fatalf("list %q: bytes %d, counted %d", e.key, c.bytes, n)
				}
			case *hashObj:
				if c.packed() {
					packedCheck(t, e.key, c)
					break
				}
				hh := c
				if len(hh.fields) == 0 {
					t.Fatalf("empty hash %q", e.key)
				}
				var n int64
				for j, f := range hh.fields {
					n += int64(len(f.name) + len(f.val))
					if hh.find([]byte(f.name)) != j {
						t.Fatalf("hash %q: field %q not found at %d", e.key, f.name, j)
					}
				}
				if hh.idx != nil && len(hh.idx) != len(hh.fields) {
					t.Fatalf("hash %q: idx %d, fields %d", e.key, len(hh.idx), len(hh.fields))
				}
				if n != hh.bytes {
					t.Fatalf("hash %q: bytes %d, counted %d", e.key, hh.bytes, n)
				}
			case *zsetObj:
				checkZSet(t, e.key, c)
			case *zpack:
				zpackCheck(t, e.key, c)
			}
			used += e.size()
		}
		if nvol != len(sd.vol) {
			t.Fatalf("shard %d: %d volatile entries, vol has %d", i, nvol, len(sd.vol))
		}
		if used != sd.used.Load() {
			t.Fatalf("shard %d: used %d, counted %d", i, sd.used.Load(), used)
		}
		if sd.cow != 0 || len(sd.old) != 0 {
			t.Fatalf("shard %d: cow %d with %d old entries and no snapshot", i, sd.cow, len(sd.old))
		}
	}
}

// dump renders the whole store through transactions.
func dump(t *testing.T, b backend.Backend) map[string]string {
	t.Helper()
	out := map[string]string{}
	for db := range b.Databases() {
		err := b.View(backend.TxOptions{DB: db, All: true}, func(tx backend.Tx) error {
			var cursor uint64
			for {
				next, err := tx.Scan(cursor, 100, func(key []byte, typ backend.Type) error {
					e, err := backendtest.ReadEntry(tx, key)
					if err != nil {
						return err
					}
					out[fmt.Sprintf("%d/%q", db, key)] = backendtest.Describe(e)
					return nil
				})
				if err != nil || next == 0 {
					return err
				}
				cursor = next
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func entryString(e *backend.Entry) string { return backendtest.Describe(e) }

// randomOp applies one random write to b, on keys "k0".."k<nkeys-1>".
func randomOp(t *testing.T, b backend.Backend, rng *rand.Rand, now int64, nkeys int) {
	key := []byte(fmt.Sprint("k", rng.IntN(nkeys)))
	key2 := []byte(fmt.Sprint("k", rng.IntN(nkeys)))
	db := rng.IntN(b.Databases())
	val := []byte(fmt.Sprint("v", rng.IntN(1000)))
	o := backend.TxOptions{DB: db, Keys: [][]byte{key, key2}}
	op := rng.IntN(24)
	if op >= 18 && op < 22 {
		o = backend.TxOptions{DB: db, All: true}
	}
	err := b.Update(o, func(tx backend.Tx) error {
		var err error
		switch op {
		case 0:
			err = tx.Set(key, val, 0, false)
		case 1:
			err = tx.Set(key, val, now+int64(rng.IntN(100_000)), rng.IntN(2) == 0)
		case 2:
			_, err = tx.Delete(key)
		case 3:
			_, err = tx.SetExpireAt(key, []int64{0, now + 5000, now - 1}[rng.IntN(3)])
		case 4:
			_, err = tx.Append(key, val)
		case 5:
			_, err = tx.SetRange(key, int64(rng.IntN(10)), val)
		case 6:
			_, err = tx.ListPush(key, rng.IntN(2) == 0, [][]byte{val, key2}, false)
		case 7:
			_, err = tx.ListPop(key, rng.IntN(2) == 0, int64(1+rng.IntN(3)))
		case 8:
			err = tx.ListSet(key, int64(rng.IntN(4)-2), val)
		case 9:
			err = tx.ListTrim(key, int64(rng.IntN(3)), int64(-1-rng.IntN(3)))
		case 10:
			_, err = tx.ListRem(key, int64(rng.IntN(3)-1), key2)
		case 11:
			_, err = tx.ListInsert(key, rng.IntN(2) == 0, key2, val)
		case 12, 13:
			pairs := [][]byte{[]byte(fmt.Sprint("f", rng.IntN(30))), val, []byte(fmt.Sprint("f", rng.IntN(30))), val}
			_, err = tx.HashSet(key, pairs, rng.IntN(3) == 0)
		case 14:
			_, err = tx.HashDel(key, [][]byte{[]byte(fmt.Sprint("f", rng.IntN(30))), []byte(fmt.Sprint("f", rng.IntN(30)))})
		case 15:
			err = tx.Rename(key, key2)
		case 16:
			_, err = tx.Copy(key, db, key2, rng.IntN(2) == 0)
		case 17:
			_, err = tx.ListPush(key, false, [][]byte{val}, true)
		case 18:
			_, err = tx.Move(key, rng.IntN(b.Databases()))
		case 19:
			_, err = tx.Copy(key, rng.IntN(b.Databases()), key2, rng.IntN(2) == 0)
		case 20:
			if rng.IntN(4) == 0 {
				err = tx.SwapDB(db, rng.IntN(b.Databases()))
			}
		case 21:
			if rng.IntN(30) == 0 {
				err = tx.Flush()
			}
		case 22:
			pairs := []backend.ScoredMember{{Member: []byte(fmt.Sprint("m", rng.IntN(300))), Score: float64(rng.IntN(50))}}
			_, err = tx.ZAdd(key, 0, append(pairs, backend.ScoredMember{Member: val, Score: 1}))
		case 23:
			if rng.IntN(2) == 0 {
				_, err = tx.ZRem(key, [][]byte{[]byte(fmt.Sprint("m", rng.IntN(300))), val})
			} else {
				err = tx.ZPop(key, rng.IntN(2) == 0, int64(rng.IntN(3)), func([]byte, float64) {})
			}
		}
		switch err {
		case backend.ErrWrongType, backend.ErrNoSuchKey, backend.ErrIndexOutOfRange:
			err = nil
		}
		return err
	})
	if err != nil {
		t.Fatalf("op %d: %v", op, err)
	}
}

// TestInvariantsRandom runs random writes and checks the bookkeeping, and
// that UsedBytes returns to zero when everything is deleted.
func TestInvariantsRandom(t *testing.T) {
	clock := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	m := New(Options{Databases: 3, Clock: clock, ExpiryInterval: -1})
	defer m.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 20000 {
		randomOp(t, m, rng, backend.NowMs(clock), 60)
		if i%2000 == 0 {
			checkInvariants(t, m)
			clock.Advance(3 * time.Second)
			m.ExpireCycle(time.Second)
			checkInvariants(t, m)
		}
	}
	checkInvariants(t, m)
	if err := m.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error { return tx.FlushAll() }); err != nil {
		t.Fatal(err)
	}
	if st := m.Stats(); st.UsedBytes != 0 {
		t.Fatalf("UsedBytes after FlushAll = %d", st.UsedBytes)
	}
	// Deleting key by key also brings UsedBytes back to 0.
	for i := range 3000 {
		randomOp(t, m, rng, backend.NowMs(clock), 60)
		_ = i
	}
	for db := range 3 {
		for i := range 60 {
			key := []byte(fmt.Sprint("k", i))
			if err := m.Update(backend.TxOptions{DB: db, Keys: [][]byte{key}}, func(tx backend.Tx) error {
				_, err := tx.Delete(key)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkInvariants(t, m)
	if st := m.Stats(); st.UsedBytes != 0 || st.Keys[0]+st.Keys[1]+st.Keys[2] != 0 {
		t.Fatalf("after deleting everything: %+v", st)
	}
}

// TestSnapshotWritesDuringEach writes from inside Each's callback, so that
// writes land between the reader's chunks in every possible state, and
// checks the snapshot still shows the state at its creation.
func TestSnapshotWritesDuringEach(t *testing.T) {
	clock := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	m := New(Options{Databases: 3, Clock: clock, ExpiryInterval: -1})
	defer m.Close()
	rng := rand.New(rand.NewPCG(7, 8))
	for round := range 20 {
		for range 3000 {
			randomOp(t, m, rng, backend.NowMs(clock), 2000)
		}
		want := dump(t, m)
		s, err := m.Snapshot(nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		err = s.Each(context.Background(), func(e *backend.Entry) error {
			k := fmt.Sprintf("%d/%q", e.DB, e.Key)
			if _, dup := got[k]; dup {
				return fmt.Errorf("duplicate %s", k)
			}
			got[k] = entryString(e)
			for range rng.IntN(4) {
				randomOp(t, m, rng, backend.NowMs(clock), 2000)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if round%3 == 0 {
			// Also while the snapshot is open but finished.
			for range 100 {
				randomOp(t, m, rng, backend.NowMs(clock), 2000)
			}
		}
		s.Close()
		if !maps.Equal(got, want) {
			n := 0
			for k, v := range want {
				if got[k] != v && n < 10 {
					t.Errorf("%s: got %s, want %s", k, got[k], v)
					n++
				}
			}
			for k, v := range got {
				if _, ok := want[k]; !ok && n < 20 {
					t.Errorf("extra %s: %s", k, v)
					n++
				}
			}
			t.Fatalf("round %d: snapshot differs (%d vs %d keys)", round, len(got), len(want))
		}
		checkInvariants(t, m)
		clock.Advance(time.Second)
	}
}

// TestSnapshotAbandoned closes a snapshot halfway through Each.
func TestSnapshotAbandoned(t *testing.T) {
	m := New(Options{Databases: 2, ExpiryInterval: -1})
	defer m.Close()
	rng := rand.New(rand.NewPCG(1, 1))
	for range 5000 {
		randomOp(t, m, rng, backend.NowMs(m.clock), 3000)
	}
	s, err := m.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	stop := fmt.Errorf("stop")
	_ = s.Each(context.Background(), func(*backend.Entry) error {
		randomOp(t, m, rng, backend.NowMs(m.clock), 3000)
		if n++; n == 500 {
			return stop
		}
		return nil
	})
	s.Close()
	checkInvariants(t, m)
}

// TestLookupCacheInTx checks that the entry remembered by the last lookup
// is never returned once it stopped being key's live entry in the same
// transaction: after a delete, an overwrite, a rename, an expiry, a flush
// and a swap.
func TestLookupCacheInTx(t *testing.T) {
	clock := backend.NewManualClock(time.UnixMilli(1_000_000))
	m := New(Options{Clock: clock})
	defer m.Close()
	k, k2 := []byte("k"), []byte("k2")
	get := func(tx backend.Tx, key []byte) string {
		v, ok, err := tx.Get(key)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return "<nil>"
		}
		return string(v)
	}
	err := m.Update(backend.TxOptions{All: true}, func(btx backend.Tx) error {
		tx := btx.(*tx)
		steps := []struct {
			do   func()
			key  []byte
			want string
		}{
			{func() { tx.Set(k, []byte("1"), 0, false) }, k, "1"},
			{func() { tx.Delete(k) }, k, "<nil>"},
			{func() { tx.Set(k, []byte("2"), 0, false) }, k, "2"},
			{func() { tx.Set(k, []byte("3"), 0, true) }, k, "3"},
			{func() { tx.Rename(k, k2) }, k, "<nil>"},
			{func() {}, k2, "3"},
			{func() { tx.Set(k2, []byte("4"), tx.Now()+10, false) }, k2, "4"},
			{func() { clock.Advance(10 * time.Millisecond); tx.nowSet = false }, k2, "<nil>"},
			{func() { tx.Set(k, []byte("5"), 0, false) }, k, "5"},
			{func() { tx.Flush() }, k, "<nil>"},
			{func() { tx.Set(k, []byte("6"), 0, false) }, k, "6"},
			{func() { tx.SwapDB(0, 1) }, k, "<nil>"},
		}
		for i, s := range steps {
			s.do()
			if got := get(tx, s.key); got != s.want {
				t.Errorf("step %d: GET %s = %s, want %s", i, s.key, got, s.want)
			}
			get(tx, s.key) // twice: the second read comes from the cache
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, m)
}

// TestSharedIntegers checks that small integers share one table and that
// writing one string in place never changes another.
func TestSharedIntegers(t *testing.T) {
	m := New(Options{})
	defer m.Close()
	keys := [][]byte{[]byte("a"), []byte("b"), []byte("c"), []byte("d")}
	err := m.Update(backend.TxOptions{Keys: keys}, func(tx backend.Tx) error {
		for _, k := range keys {
			tx.Set(k, []byte("12"), 0, false)
		}
		tx.Append(keys[0], []byte("3"))
		tx.SetRange(keys[1], 0, []byte("9"))
		tx.SetRange(keys[2], 1, []byte("77"))
		want := []string{"123", "92", "177", "12"}
		for i, k := range keys {
			if v, _, _ := tx.Get(k); string(v) != want[i] {
				t.Errorf("%s = %q, want %q", k, v, want[i])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in     string
		shared bool
	}{{"0", true}, {"7", true}, {"9999", true}, {"10000", false}, {"012", false}, {"-1", false}, {"1a", false}, {"", false}} {
		e := newStrEntry(strValue([]byte(c.in)), 0)
		before := unsafe.SliceData(e.strBytes())
		ownStr(e)
		if shared := before != unsafe.SliceData(e.strBytes()); shared != c.shared || string(e.strBytes()) != c.in {
			t.Errorf("strValue(%q): shared %v, value %q", c.in, shared, e.strBytes())
		}
	}
	if v := strValue([]byte("123")); cap(v) != len(v) {
		t.Errorf("shared slice has spare capacity %d", cap(v)-len(v))
	}
}

// TestPrefetch checks that Prefetch changes nothing, whatever it is given
// (missing, long and expired keys, more than maxPrefetch keys, a bad
// database), and that it is safe next to writers (run with -race).
func TestPrefetch(t *testing.T) {
	clock := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	m := New(Options{Databases: 2, Clock: clock, ExpiryInterval: -1})
	defer m.Close()
	var keys [][]byte
	for i := range 300 {
		k := fmt.Appendf(nil, "k%d", i)
		if i%3 == 0 {
			k = fmt.Appendf(nil, "a-key-longer-than-the-inline-buffer-%d", i)
		}
		keys = append(keys, k)
		var ttl int64
		if i%5 == 0 {
			ttl = backend.NowMs(clock) + 1000
		}
		if err := m.Update(backend.TxOptions{Keys: [][]byte{k}}, func(tx backend.Tx) error {
			return tx.Set(k, fmt.Appendf(nil, "v%d", i), ttl, false)
		}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(2 * time.Second) // every fifth key has expired, unreclaimed
	before := dump(t, m)
	all := append(slices.Clone(keys), []byte("missing"), []byte{}, nil)
	if m.Prefetch(0, all) == 0 {
		t.Error("Prefetch found nothing")
	}
	for _, db := range []int{1, 2, -1} {
		if v := m.Prefetch(db, all); v != 0 {
			t.Errorf("Prefetch of database %d = %d", db, v)
		}
	}
	if m.Prefetch(0, keys[:1]) != 0 {
		t.Error("a single key is not worth prefetching")
	}
	checkInvariants(t, m)
	if after := dump(t, m); !maps.Equal(before, after) {
		t.Fatal("Prefetch changed the data")
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 2000 {
			m.Prefetch(0, keys)
		}
	}()
	rng := rand.New(rand.NewPCG(7, 8))
	for range 5000 {
		randomOp(t, m, rng, backend.NowMs(clock), 300)
	}
	<-done
	checkInvariants(t, m)
}

// TestUndeclaredKeySameShard: a key the transaction did not name is
// refused with ErrNotLocked even when its shard is locked (the shard lock
// alone would let it through), the declared keys are found in any order,
// and a panic in fn releases the locks.
func TestUndeclaredKeySameShard(t *testing.T) {
	m := New(Options{})
	defer m.Close()
	a := []byte("a")
	var other []byte
	for i := 0; ; i++ {
		if other = []byte(fmt.Sprint("b", i)); m.shardOf(other) == m.shardOf(a) {
			break
		}
	}
	keys := [][]byte{[]byte("x"), a, []byte("y")}
	err := m.Update(backend.TxOptions{Keys: keys}, func(tx backend.Tx) error {
		for _, k := range [][]byte{[]byte("y"), []byte("a"), []byte("x"), []byte("a")} {
			if err := tx.Set(k, k, 0, false); err != nil {
				return err
			}
		}
		return tx.Set(other, []byte("v"), 0, false)
	})
	if !errors.Is(err, backend.ErrNotLocked) {
		t.Fatalf("Set of an undeclared key in a locked shard: %v, want ErrNotLocked", err)
	}
	func() {
		defer func() { _ = recover() }()
		_ = m.Update(backend.TxOptions{Keys: [][]byte{a}}, func(tx backend.Tx) error { panic("boom") })
	}()
	done := make(chan struct{})
	go func() {
		_ = m.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error { return tx.FlushAll() })
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("locks still held after a panic")
	}
}

// TestEntrySize: the access clock lives in the entry's padding; an entry
// stays in the 96-byte size class.
func TestEntrySize(t *testing.T) {
	if n := unsafe.Sizeof(entry{}); n != 96 {
		t.Errorf("entry is %d bytes, want 96", n)
	}
}
