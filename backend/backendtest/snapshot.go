package backendtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"

	"redpool/backend"
)

func (h *harness) snapshot(atomically func()) backend.Snapshot {
	h.t.Helper()
	s, err := h.b.Snapshot(atomically)
	if err != nil {
		h.t.Fatalf("Snapshot: %v", err)
	}
	h.t.Cleanup(func() { s.Close() })
	return s
}

// populate fills a small store with every type, TTLs and several databases.
func (h *harness) populate() {
	exp := h.now() + 1_000_000
	h.set(0, "s1", "a", 0)
	h.set(0, "s2", "b", exp)
	h.set(0, "del-me", "x", 0)
	h.set(0, "empty", "", 0)
	h.rpush(0, "l1", "1", "2", "3")
	h.rpush(0, "l2", "only")
	h.hset(0, "h1", "f", "v", "g", "w")
	h.hset(0, "h2", "f", "v")
	h.setExpire(0, "h2", exp+1)
	for i := range 100 {
		h.set(0, fmt.Sprint("n:", i), fmt.Sprint(i), 0)
	}
	h.set(1, "o", "y", 0)
	h.rpush(1, "l3", "x", "y")
	h.set(2, "z", "z", exp+2)
}

func testSnapshotPointInTime(h *harness) {
	t := h.t
	h.populate()
	want := dumpTx(t, h.b)
	calls := 0
	s := h.snapshot(func() { calls++ })
	if calls != 1 {
		t.Fatalf("atomically called %d times", calls)
	}
	now := h.now()
	// Change everything.
	h.set(0, "s1", "changed", 0)
	h.setExpire(0, "s1", now+500)
	h.setExpire(0, "s2", 0)
	h.update(0, k("del-me", "empty"), func(tx backend.Tx) error {
		if _, err := tx.Delete(b("del-me")); err != nil {
			return err
		}
		_, err := tx.Append(b("empty"), b("more"))
		return err
	})
	h.set(0, "new", "new", 0)
	h.push(0, "l1", true, "0")
	h.pop(0, "l1", false, 1)
	h.update(0, k("l1", "l2"), func(tx backend.Tx) error {
		if err := tx.ListSet(b("l1"), 1, b("X")); err != nil {
			return err
		}
		if _, err := tx.ListInsert(b("l1"), false, b("X"), b("I")); err != nil {
			return err
		}
		if _, err := tx.ListRem(b("l1"), 0, b("0")); err != nil {
			return err
		}
		_, err := tx.ListPop(b("l2"), true, 1) // deletes l2
		return err
	})
	h.update(0, k("h1", "h2"), func(tx backend.Tx) error {
		if _, err := tx.HashSet(b("h1"), bs("f", "v2", "new", "n"), false); err != nil {
			return err
		}
		if _, err := tx.HashDel(b("h1"), bs("g")); err != nil {
			return err
		}
		_, err := tx.HashDel(b("h2"), bs("f")) // deletes h2
		return err
	})
	for i := range 100 {
		key := fmt.Sprint("n:", i)
		switch i % 4 {
		case 0:
			h.set(0, key, "new", 0)
		case 1:
			h.update(0, k(key), func(tx backend.Tx) error { _, err := tx.Delete(b(key)); return err })
		case 2:
			h.update(0, k(key), func(tx backend.Tx) error { _, err := tx.SetRange(b(key), 0, b("Z")); return err })
		}
	}
	h.update(1, k("o", "l3"), func(tx backend.Tx) error {
		if _, err := tx.Delete(b("o")); err != nil {
			return err
		}
		return tx.ListTrim(b("l3"), 5, 6) // deletes l3
	})
	h.set(3, "fresh", "v", 0)
	after := dumpTx(t, h.b)
	diff(t, "snapshot", dumpSnapshot(t, s), want)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Snapshot.Close = %v", err)
	}
	// The live store has every change, and closing the snapshot kept them.
	diff(t, "store after snapshot", dumpTx(t, h.b), after)
	h.mustGet(0, "s1", "changed")
	h.mustMissing(0, "del-me")
	h.mustList(0, "l1", "X", "I", "2")
	h.mustMissing(0, "l2")
}

// testSnapshotKeyOps: key moves and whole-database operations after a
// snapshot do not show in it.
func testSnapshotKeyOps(h *harness) {
	t := h.t
	h.populate()
	h.set(3, "d3", "v", 0)
	want := dumpTx(t, h.b)
	s := h.snapshot(nil)
	h.update(0, k("s1", "renamed", "l1", "l1copy"), func(tx backend.Tx) error {
		if err := tx.Rename(b("s1"), b("renamed")); err != nil {
			return err
		}
		_, err := tx.Copy(b("l1"), 0, b("l1copy"), false)
		return err
	})
	h.push(0, "l1copy", false, "more")
	h.update(0, nil, func(tx backend.Tx) error {
		if _, err := tx.Move(b("h1"), 3); err != nil {
			return err
		}
		if _, err := tx.Copy(b("s2"), 1, b("s2"), true); err != nil {
			return err
		}
		if err := tx.SwapDB(0, 1); err != nil {
			return err
		}
		return nil
	})
	h.hset(3, "h1", "added", "x")
	h.set(0, "after-swap", "v", 0) // db 0 now holds the old db 1
	h.set(1, "n:1", "changed", 0)  // db 1 now holds the old db 0
	h.update(3, nil, func(tx backend.Tx) error { return tx.Flush() })
	h.set(3, "d3", "new", 0)
	diff(t, "snapshot after key operations", dumpSnapshot(t, s), want)
	s.Close()
	h.mustGet(1, "renamed", "a")
	h.mustGet(0, "s2", "b")
	h.mustGet(3, "d3", "new")

	// And once more with FlushAll.
	want = dumpTx(t, h.b)
	s = h.snapshot(nil)
	h.update(2, nil, func(tx backend.Tx) error { return tx.FlushAll() })
	h.set(0, "x", "after", 0)
	diff(t, "snapshot after FlushAll", dumpSnapshot(t, s), want)
	s.Close()
	if got := h.keys(1); len(got) != 0 {
		t.Fatalf("keys after FlushAll = %q", got)
	}
}

// testSnapshotConcurrentWriters reads a snapshot while writers change
// every key it holds.
func testSnapshotConcurrentWriters(h *harness) {
	t := h.t
	const strs, colls, G = 3000, 50, 4
	for i := range strs {
		h.set(i%2, fmt.Sprint("k:", i), fmt.Sprint("v0:", i), 0)
	}
	for i := range colls {
		h.rpush(0, fmt.Sprint("l:", i), "a", "b", "c")
		h.hset(0, fmt.Sprint("h:", i), "f", "v", "g", "w")
	}
	want := dumpTx(t, h.b)
	s := h.snapshot(nil)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range G {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 2))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				i := rng.IntN(strs)
				key := fmt.Sprint("k:", i)
				lk, hk := fmt.Sprint("l:", i%colls), fmt.Sprint("h:", i%colls)
				newKey := fmt.Sprint("new:", g, ":", n)
				err := h.tryUpdate(i%2, k(key, lk, hk, newKey), func(tx backend.Tx) error {
					var err error
					switch n % 6 {
					case 0:
						err = tx.Set(b(key), b("changed"), 0, false)
					case 1:
						_, err = tx.Delete(b(key))
					case 2:
						_, err = tx.ListPush(b(lk), n%2 == 0, bs("n"), false)
					case 3:
						_, err = tx.ListPop(b(lk), n%2 == 0, 2)
					case 4:
						if _, err = tx.HashSet(b(hk), bs("f", "x", "z", "y"), false); err == nil {
							_, err = tx.HashDel(b(hk), bs("g"))
						}
					case 5:
						err = tx.Set(b(newKey), b("v"), 0, false)
					}
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	got := dumpSnapshot(t, s)
	close(stop)
	wg.Wait()
	s.Close()
	diff(t, "snapshot under concurrent writes", got, want)
}

// testSnapshotRoundTrip loads a snapshot into a second backend with
// backend.Put and compares.
func testSnapshotRoundTrip(h *harness) {
	t := h.t
	h.populate()
	h.set(0, "bin\r\n\x00", "\x00\xff", h.now()+12345)
	h.hset(1, "", "", "", "k\x00", "v\r\n")
	big := seq(300)
	h.rpush(3, "big", big...)
	var pairs []string
	for i := range 300 {
		pairs = append(pairs, fmt.Sprint("f", i), fmt.Sprint("v", i))
	}
	h.hset(3, "bighash", pairs...)
	h.set(0, "expired", "v", h.now()+5)
	h.advance(5)
	want := dumpTx(t, h.b)
	if _, ok := want[dumpKey(0, b("expired"))]; ok {
		t.Fatal("dump shows an expired key")
	}
	s := h.snapshot(nil)
	dst, _ := h.openBackend()
	entries := 0
	err := s.Each(context.Background(), func(e *backend.Entry) error {
		entries++
		return dst.Update(backend.TxOptions{DB: e.DB, Keys: [][]byte{e.Key}}, func(tx backend.Tx) error {
			return backend.Put(tx, e)
		})
	})
	if err != nil {
		t.Fatalf("Each/Put: %v", err)
	}
	s.Close()
	if entries != len(want) {
		t.Fatalf("Each yielded %d entries, want %d", entries, len(want))
	}
	diff(t, "restored store", dumpTx(t, dst), want)

	// Put replaces whatever is there and skips expired entries.
	now := h.now()
	puts := []*backend.Entry{
		{Key: b("s"), Type: backend.TypeList, Items: bs("a")},
		{Key: b("s"), Type: backend.TypeString, Items: [][]byte{b("str")}, ExpireAt: now + 100},
		{Key: b("gone"), Type: backend.TypeString, Items: [][]byte{b("x")}, ExpireAt: now},
		{Key: b("h"), Type: backend.TypeHash, Items: bs("f", "v")},
	}
	for _, e := range puts {
		h.update(3, k(string(e.Key)), func(tx backend.Tx) error { return backend.Put(tx, e) })
	}
	h.mustGet(3, "s", "str")
	if at, _ := h.expireAt(3, "s"); at != now+100 {
		t.Fatalf("Put TTL = %d", at)
	}
	h.mustMissing(3, "gone")
	h.mustHash(3, "h", map[string]string{"f": "v"})
}

func testSnapshotStop(h *harness) {
	t := h.t
	h.populate()
	s := h.snapshot(nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Each(ctx, func(*backend.Entry) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("Each with canceled ctx = %v", err)
	}
	s.Close()

	s = h.snapshot(nil)
	stop := errors.New("stop")
	calls := 0
	if err := s.Each(context.Background(), func(*backend.Entry) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("Each with failing fn = %v after %d calls", err, calls)
	}
	s.Close()
	// Writes work after an abandoned snapshot.
	h.set(0, "s1", "later", 0)
	h.mustGet(0, "s1", "later")
}

func testSnapshotSequential(h *harness) {
	t := h.t
	for round := range 3 {
		h.set(0, "k", fmt.Sprint("round", round), 0)
		h.rpush(0, "l", fmt.Sprint(round))
		want := dumpTx(t, h.b)
		s := h.snapshot(nil)
		h.set(0, "k", "after", 0)
		h.rpush(0, "l", "after")
		h.pop(0, "l", false, 1)
		diff(t, fmt.Sprint("snapshot ", round), dumpSnapshot(t, s), want)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	h.mustList(0, "l", "0", "1", "2")
}
