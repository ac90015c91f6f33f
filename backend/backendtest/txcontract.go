package backendtest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"redpool/backend"
)

// testUpdateOnce: under load (goroutines enough for a batching backend to
// put many functions in one commit), every Update calls its function
// exactly once, also when functions around it in the batch fail after
// writing or panic. What the successful functions wrote is all there;
// what the failing ones wrote is all gone on a backend with rollback, and
// all there on one without (the contract allows either, per backend, as a
// lone failing Update shows first).
func testUpdateOnce(h *harness) {
	t := h.t
	boom := errors.New("boom")
	// failAfterWrite writes key and n, then fails as told.
	failAfterWrite := func(tx backend.Tx, key string, fail func() error) error {
		if _, err := tx.Append(b(key), b("x")); err != nil {
			return err
		}
		v, _, err := tx.Get(b("n"))
		if err != nil {
			return err
		}
		n, _ := strconv.Atoi(string(v))
		if err := tx.Set(b("n"), []byte(strconv.Itoa(n+1)), 0, false); err != nil {
			return err
		}
		return fail()
	}
	err := h.tryUpdate(0, k("probe", "n"), func(tx backend.Tx) error {
		return failAfterWrite(tx, "probe", func() error { return boom })
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failing Update returned %v, want boom", err)
	}
	_, keeps := h.get(0, "probe")
	h.update(0, nil, func(tx backend.Tx) error { return tx.FlushAll() })

	const workers, each = 16, 60
	var calls [workers][each]atomic.Int32
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				key := fmt.Sprintf("%d:%d", w, i)
				kind := (w + i) % 5 // 0-2 succeed, 3 fails after writing, 4 panics after writing
				var p any
				func() {
					defer func() { p = recover() }()
					err := h.tryUpdate(0, k(key, "n"), func(tx backend.Tx) error {
						calls[w][i].Add(1)
						return failAfterWrite(tx, key, func() error {
							switch kind {
							case 3:
								return boom
							case 4:
								panic("kaboom")
							}
							return nil
						})
					})
					if kind == 3 && !errors.Is(err, boom) || kind < 3 && err != nil {
						t.Errorf("%s: Update returned %v", key, err)
					}
				}()
				if (p != nil) != (kind == 4) || p != nil && p != "kaboom" {
					t.Errorf("%s: recovered %v", key, p)
				}
			}
		})
	}
	wg.Wait()
	want := map[string]string{}
	n := 0
	for w := range workers {
		for i := range each {
			key := fmt.Sprintf("%d:%d", w, i)
			if c := calls[w][i].Load(); c != 1 {
				t.Errorf("%s: function called %d times", key, c)
			}
			if (w+i)%5 < 3 || keeps {
				want[dumpKey(0, b(key))] = Describe(&backend.Entry{Type: backend.TypeString, Items: [][]byte{b("x")}})
				n++
			}
		}
	}
	want[dumpKey(0, b("n"))] = Describe(&backend.Entry{Type: backend.TypeString, Items: [][]byte{[]byte(strconv.Itoa(n))}})
	diff(t, fmt.Sprintf("store after the Updates (failed writes kept: %v)", keeps), dumpTx(t, h.b), want)
}

// testUndeclared: an operation on a key the transaction did not name, and
// a whole-database or cross-database operation without All, fail with
// ErrNotLocked (never a panic) and change nothing.
func testUndeclared(h *harness) {
	t := h.t
	h.set(0, "a", "1", 0)
	h.set(0, "u", "2", 0)
	h.set(1, "a", "3", 0)
	before := dumpTx(t, h.b)
	type op struct {
		name  string
		write bool
		fn    func(tx backend.Tx) error
	}
	u := b("u")
	ops := []op{
		{"Type", false, func(tx backend.Tx) error { _, err := tx.Type(u); return err }},
		{"Exists", false, func(tx backend.Tx) error { _, err := tx.Exists(u); return err }},
		{"ExpireAt", false, func(tx backend.Tx) error { _, _, err := tx.ExpireAt(u); return err }},
		{"Delete", true, func(tx backend.Tx) error { _, err := tx.Delete(u); return err }},
		{"SetExpireAt", true, func(tx backend.Tx) error { _, err := tx.SetExpireAt(u, h.now()+1000); return err }},
		{"Set", true, func(tx backend.Tx) error { return tx.Set(u, b("x"), 0, false) }},
		{"Rename to", true, func(tx backend.Tx) error { return tx.Rename(b("a"), u) }},
		{"Rename from", true, func(tx backend.Tx) error { return tx.Rename(u, b("a")) }},
		{"Copy to", true, func(tx backend.Tx) error { _, err := tx.Copy(b("a"), 0, u, true); return err }},
		{"Copy from", true, func(tx backend.Tx) error { _, err := tx.Copy(u, 0, b("a"), true); return err }},
	}
	for _, o := range typedOps() {
		ops = append(ops, op{o.name, o.write, func(tx backend.Tx) error { return o.fn(tx, u) }})
	}
	// Without All (keys named: just "a").
	called := errors.New("callback called")
	ops = append(ops,
		op{"Scan", false, func(tx backend.Tx) error {
			_, err := tx.Scan(0, 10, func([]byte, backend.Type) error { return called })
			return err
		}},
		op{"RandomKey", false, func(tx backend.Tx) error { _, err := tx.RandomKey(); return err }},
		op{"WithDB", false, func(tx backend.Tx) error { _, err := tx.WithDB(1); return err }},
		op{"Flush", true, func(tx backend.Tx) error { return tx.Flush() }},
		op{"FlushAll", true, func(tx backend.Tx) error { return tx.FlushAll() }},
		op{"SwapDB", true, func(tx backend.Tx) error { return tx.SwapDB(0, 1) }},
		op{"Move", true, func(tx backend.Tx) error { _, err := tx.Move(b("a"), 1); return err }},
		op{"Copy to db 1", true, func(tx backend.Tx) error { _, err := tx.Copy(b("a"), 1, b("a"), true); return err }},
	)
	for _, o := range ops {
		modes := []string{"Update"}
		if !o.write {
			modes = append(modes, "View")
		}
		for _, mode := range modes {
			run := h.tryUpdate
			if mode == "View" {
				run = h.tryView
			}
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("%s in %s panicked: %v", o.name, mode, p)
					}
				}()
				err = run(0, k("a"), o.fn)
			}()
			if !errors.Is(err, backend.ErrNotLocked) {
				t.Errorf("%s in %s: err = %v, want ErrNotLocked", o.name, mode, err)
			}
		}
	}
	diff(t, "store after operations on what was not locked", dumpTx(t, h.b), before)
}

// testWithDB: a transaction opened with All works on other databases
// through WithDB, in the same transaction and with the same Now.
func testWithDB(h *harness) {
	t := h.t
	for db := range databases {
		h.set(db, "k", strconv.Itoa(db), 0)
	}
	h.inBoth(0, nil, func(tx backend.Tx, mode string) error {
		now := tx.Now()
		h.advance(1000) // WithDB keeps the transaction's Now
		for db := range databases {
			dtx, err := tx.WithDB(db)
			if err != nil {
				return err
			}
			v, _, err := dtx.Get(b("k"))
			if err != nil {
				return err
			}
			if dtx.DB() != db || string(v) != strconv.Itoa(db) || dtx.Now() != now {
				t.Errorf("%s: WithDB(%d): DB %d, k = %q, Now %d (want %d)", mode, db, dtx.DB(), v, dtx.Now(), now)
			}
			if mode == "View" {
				if err := dtx.Set(b("k"), b("x"), 0, false); !errors.Is(err, backend.ErrReadOnlyTx) {
					t.Errorf("Set in View through WithDB(%d): %v", db, err)
				}
			}
		}
		for _, db := range []int{-1, databases} {
			if _, err := tx.WithDB(db); !errors.Is(err, backend.ErrBadDB) {
				t.Errorf("%s: WithDB(%d): %v, want ErrBadDB", mode, db, err)
			}
		}
		return nil
	})
	// Writes through several Tx, from one another, and a SwapDB that the
	// other Tx see at once.
	h.update(0, nil, func(tx backend.Tx) error {
		t1, err := tx.WithDB(1)
		if err != nil {
			return err
		}
		t2, err := t1.WithDB(2)
		if err != nil {
			return err
		}
		for i, x := range []backend.Tx{tx, t1, t2} {
			if err := x.Set(b("w"), []byte(fmt.Sprint("in", i)), 0, false); err != nil {
				return err
			}
		}
		if err := t2.SwapDB(0, 1); err != nil {
			return err
		}
		for i, x := range []backend.Tx{tx, t1} {
			v, _, err := x.Get(b("w"))
			if err != nil {
				return err
			}
			if want := fmt.Sprint("in", 1-i); string(v) != want {
				t.Errorf("after SwapDB(0, 1): db %d w = %q, want %q", x.DB(), v, want)
			}
		}
		return nil
	})
	h.mustGet(0, "w", "in1")
	h.mustGet(1, "w", "in0")
	h.mustGet(2, "w", "in2")
	h.mustGet(0, "k", "1")
}

// testExpireCallback: each key that expiry removes, lazily (a read or a
// write in an Update, a cross-database Move) or actively (the cycle), is
// reported once with its database, and counted in ExpiredKeys; expired
// keys a View meets are not removed, so not reported.
func testExpireCallback(h *harness) {
	t := h.t
	at := h.now() + 100
	h.set(0, "live", "v", 0)
	h.set(0, "later", "v", at+1_000_000)
	for _, k := range []string{"read", "write", "fail"} {
		h.set(0, k, "v", at)
	}
	h.set(0, "mv", "v", 0)
	h.set(3, "mv", "v", at)
	h.set(1, "view", "v", at)
	h.rpush(2, "list", "a", "b")
	h.setExpire(2, "list", at)
	h.set(2, "str", "v", at)
	if got := h.expired.take(); got != nil {
		t.Fatalf("reported before any expiry: %q", got)
	}
	h.advance(100)
	expect := func(what string, want ...string) {
		t.Helper()
		slices.Sort(want)
		if got := h.expired.take(); !slices.Equal(got, want) {
			t.Fatalf("%s: reported %q, want %q", what, got, want)
		}
	}

	h.view(1, k("view"), func(tx backend.Tx) error { _, _, err := tx.Get(b("view")); return err })
	expect("read in a View")
	h.update(0, k("read"), func(tx backend.Tx) error { _, _, err := tx.Get(b("read")); return err })
	expect("read in an Update", dumpKey(0, b("read")))
	h.update(0, k("write"), func(tx backend.Tx) error { return tx.Set(b("write"), b("new"), 0, false) })
	expect("write", dumpKey(0, b("write")))
	h.mustGet(0, "write", "new")
	// An Update that fails after writing: the expired key it met stays
	// removed and reported, whatever becomes of its write.
	boom := errors.New("boom")
	err := h.tryUpdate(0, k("fail", "live"), func(tx backend.Tx) error {
		if _, _, err := tx.Get(b("fail")); err != nil {
			return err
		}
		if err := tx.Set(b("live"), b("v"), 0, false); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failing Update: %v", err)
	}
	expect("failed Update", dumpKey(0, b("fail")))
	h.mustMissing(0, "fail")
	h.update(0, nil, func(tx backend.Tx) error {
		moved, err := tx.Move(b("mv"), 3)
		if !moved && err == nil {
			t.Error("Move onto an expired key did not move")
		}
		return err
	})
	expect("Move", dumpKey(3, b("mv")))

	for range 10 {
		h.expireCycle()
	}
	expect("active expiry", dumpKey(1, b("view")), dumpKey(2, b("list")), dumpKey(2, b("str")))
	if st := h.b.Stats(); st.ExpiredKeys != 7 {
		t.Errorf("ExpiredKeys = %d, want 7", st.ExpiredKeys)
	}
	// Nothing is reported twice.
	for db := range databases {
		h.update(db, nil, func(tx backend.Tx) error {
			for _, k := range []string{"read", "write", "fail", "mv", "view", "list", "str"} {
				if _, err := tx.Exists(b(k)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	h.expireCycle()
	expect("afterwards")
	h.mustGet(0, "live", "v")
	h.mustGet(0, "later", "v")
	h.mustGet(3, "mv", "v")
}
