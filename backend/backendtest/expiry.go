package backendtest

import (
	"errors"
	"fmt"

	"redpool/backend"
)

// expiredTrio creates string, list and hash keys prefix+"s", "l", "h" in db
// with a TTL, plus a live key prefix+"live", then lets the TTL pass.
func (h *harness) expiredTrio(db int, prefix string) (s, l, hk string) {
	h.t.Helper()
	s, l, hk = prefix+"s", prefix+"l", prefix+"h"
	exp := h.now() + 100
	h.set(db, s, "v", exp)
	h.rpush(db, l, "a", "b")
	h.setExpire(db, l, exp)
	h.hset(db, hk, "f", "v")
	h.setExpire(db, hk, exp)
	h.set(db, prefix+"live", "v", 0)
	h.advance(100)
	return s, l, hk
}

func testLazyExpiry(h *harness) {
	t := h.t
	s, l, hk := h.expiredTrio(0, "r:")
	// Reads see nothing, in View and in Update alike.
	h.inBoth(0, k(s, l, hk), func(tx backend.Tx, mode string) error {
		for _, key := range []string{s, l, hk} {
			if ex, err := tx.Exists(b(key)); ex || err != nil {
				return fmt.Errorf("%s Exists(%s) = %v, %v", mode, key, ex, err)
			}
			if typ, err := tx.Type(b(key)); typ != backend.TypeNone || err != nil {
				return fmt.Errorf("%s Type(%s) = %v, %v", mode, key, typ, err)
			}
			if at, ok, err := tx.ExpireAt(b(key)); at != 0 || ok || err != nil {
				return fmt.Errorf("%s ExpireAt(%s) = %d, %v, %v", mode, key, at, ok, err)
			}
		}
		if v, ok, err := tx.Get(b(s)); ok || err != nil {
			return fmt.Errorf("%s Get = %q, %v, %v", mode, v, ok, err)
		}
		if n, err := tx.ListLen(b(l)); n != 0 || err != nil {
			return fmt.Errorf("%s ListLen = %d, %v", mode, n, err)
		}
		if v, ok, err := tx.ListIndex(b(l), 0); ok || err != nil {
			return fmt.Errorf("%s ListIndex = %q, %v, %v", mode, v, ok, err)
		}
		calls := 0
		if err := tx.ListRange(b(l), 0, -1, func([]byte) error { calls++; return nil }); err != nil || calls != 0 {
			return fmt.Errorf("%s ListRange: %d calls, %v", mode, calls, err)
		}
		if err := tx.ListIter(b(l), false, func(int64, []byte) bool { calls++; return true }); err != nil || calls != 0 {
			return fmt.Errorf("%s ListIter: %d calls, %v", mode, calls, err)
		}
		if v, ok, err := tx.HashGet(b(hk), b("f")); ok || err != nil {
			return fmt.Errorf("%s HashGet = %q, %v, %v", mode, v, ok, err)
		}
		if n, err := tx.HashLen(b(hk)); n != 0 || err != nil {
			return fmt.Errorf("%s HashLen = %d, %v", mode, n, err)
		}
		if err := tx.HashIter(b(hk), func(_, _ []byte) bool { calls++; return true }); err != nil || calls != 0 {
			return fmt.Errorf("%s HashIter: %d calls, %v", mode, calls, err)
		}
		cur, err := tx.HashScan(b(hk), 0, 10, func(_, _ []byte) error { calls++; return nil })
		if cur != 0 || err != nil || calls != 0 {
			return fmt.Errorf("%s HashScan = %d, %v, %d calls", mode, cur, err, calls)
		}
		return nil
	})
	// Scan and RandomKey skip them.
	for _, write := range []bool{false, true} {
		for range 5 {
			key, err := h.randomKey(0, write)
			if err != nil || string(key) != "r:live" {
				t.Fatalf("RandomKey = %q, %v; want r:live", key, err)
			}
		}
	}
	h.expiredTrio(1, "x:")
	if got := h.keys(1); len(got) != 1 || got[0] != "x:live" {
		t.Fatalf("Scan with expired keys = %q", got)
	}

	// Writes treat them as missing.
	type wcase struct {
		name string
		fn   func(tx backend.Tx, s, l, hk string) error
	}
	want := func(name string, got, want any, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("%s = %v, want %v", name, got, want)
		}
		return nil
	}
	cases := []wcase{
		{"Delete", func(tx backend.Tx, s, l, hk string) error {
			for _, key := range []string{s, l, hk} {
				ok, err := tx.Delete(b(key))
				if err := want("Delete", ok, false, err); err != nil {
					return err
				}
			}
			return nil
		}},
		{"SetExpireAt", func(tx backend.Tx, s, l, hk string) error {
			ok, err := tx.SetExpireAt(b(s), tx.Now()+1000)
			if err := want("SetExpireAt", ok, false, err); err != nil {
				return err
			}
			ok, err = tx.SetExpireAt(b(l), 0)
			return want("SetExpireAt(0)", ok, false, err)
		}},
		{"Rename", func(tx backend.Tx, s, l, hk string) error {
			if err := tx.Rename(b(s), b(s+"2")); !errors.Is(err, backend.ErrNoSuchKey) {
				return fmt.Errorf("Rename err = %v, want ErrNoSuchKey", err)
			}
			return nil
		}},
		{"Copy", func(tx backend.Tx, s, l, hk string) error {
			ok, err := tx.Copy(b(l), tx.DB(), b(l+"2"), true)
			return want("Copy", ok, false, err)
		}},
		{"Append", func(tx backend.Tx, s, l, hk string) error {
			n, err := tx.Append(b(s), b("xyz"))
			return want("Append", n, 3, err)
		}},
		{"SetRange", func(tx backend.Tx, s, l, hk string) error {
			n, err := tx.SetRange(b(s), 1, b("xy"))
			return want("SetRange", n, 3, err)
		}},
		{"ListPushX", func(tx backend.Tx, s, l, hk string) error {
			n, err := tx.ListPush(b(l), true, bs("x"), true)
			return want("ListPush onlyExisting", n, 0, err)
		}},
		{"ListPush", func(tx backend.Tx, s, l, hk string) error {
			n, err := tx.ListPush(b(l), true, bs("x"), false)
			return want("ListPush", n, 1, err)
		}},
		{"ListPop", func(tx backend.Tx, s, l, hk string) error {
			v, err := tx.ListPop(b(l), true, 5)
			return want("ListPop", len(v), 0, err)
		}},
		{"ListSet", func(tx backend.Tx, s, l, hk string) error {
			if err := tx.ListSet(b(l), 0, b("x")); !errors.Is(err, backend.ErrNoSuchKey) {
				return fmt.Errorf("ListSet err = %v, want ErrNoSuchKey", err)
			}
			return nil
		}},
		{"ListTrimRemInsert", func(tx backend.Tx, s, l, hk string) error {
			if err := tx.ListTrim(b(l), 0, 0); err != nil {
				return err
			}
			n, err := tx.ListRem(b(l), 0, b("a"))
			if err := want("ListRem", n, 0, err); err != nil {
				return err
			}
			n, err = tx.ListInsert(b(l), true, b("a"), b("x"))
			return want("ListInsert", n, 0, err)
		}},
		{"HashDel", func(tx backend.Tx, s, l, hk string) error {
			n, err := tx.HashDel(b(hk), bs("f"))
			return want("HashDel", n, 0, err)
		}},
		{"HashSet", func(tx backend.Tx, s, l, hk string) error {
			n, err := tx.HashSet(b(hk), bs("f", "new", "g", "w"), true)
			return want("HashSet", n, 2, err)
		}},
		{"SetKeepTTL", func(tx backend.Tx, s, l, hk string) error {
			return tx.Set(b(s), b("fresh"), 0, true)
		}},
	}
	for i, c := range cases {
		p := fmt.Sprintf("w%d:", i)
		s, l, hk := h.expiredTrio(2, p)
		if err := h.tryUpdate(2, k(s, l, hk, s+"2", l+"2"), func(tx backend.Tx) error { return c.fn(tx, s, l, hk) }); err != nil {
			t.Fatalf("%s on expired keys: %v", c.name, err)
		}
	}
	// What the writes created is fresh: no TTL, only the new content.
	h.mustGet(2, "w4:s", "xyz")
	h.mustGet(2, "w5:s", "\x00xy")
	h.mustMissing(2, "w6:l")
	h.mustList(2, "w7:l", "x")
	h.mustMissing(2, "w2:s2")
	h.mustMissing(2, "w3:l2")
	if hv := h.hash(2, "w12:h"); len(hv) != 2 || hv["f"] != "new" {
		t.Fatalf("hash after HashSet on expired = %v", hv)
	}
	for _, key := range []string{"w4:s", "w5:s", "w7:l", "w12:h", "w13:s"} {
		if at, ok := h.expireAt(2, key); at != 0 || !ok {
			t.Fatalf("%s: ExpireAt = %d, %v; want 0, true", key, at, ok)
		}
	}
	h.mustGet(2, "w13:s", "fresh")
	// Move of an expired key moves nothing.
	s, _, _ = h.expiredTrio(0, "mv:")
	h.update(0, nil, func(tx backend.Tx) error {
		ok, err := tx.Move(b(s), 3)
		return want("Move", ok, false, err)
	})
	h.mustMissing(3, s)
}

// testExpiredOtherType: an expired key of one type does not make
// operations of another type fail with ErrWrongType.
func testExpiredOtherType(h *harness) {
	t := h.t
	s, l, hk := h.expiredTrio(0, "a:")
	h.update(0, k(s, l, hk), func(tx backend.Tx) error {
		if _, err := tx.ListPush(b(s), false, bs("1"), false); err != nil {
			return fmt.Errorf("ListPush on expired string: %w", err)
		}
		if _, err := tx.HashSet(b(l), bs("f", "v"), false); err != nil {
			return fmt.Errorf("HashSet on expired list: %w", err)
		}
		if _, err := tx.Append(b(hk), b("x")); err != nil {
			return fmt.Errorf("Append on expired hash: %w", err)
		}
		return nil
	})
	h.mustList(0, s, "1")
	if hv := h.hash(0, l); len(hv) != 1 {
		t.Fatalf("hash = %v", hv)
	}
	h.mustGet(0, hk, "x")
	s, l, hk = h.expiredTrio(0, "b:")
	h.view(0, k(s, l, hk), func(tx backend.Tx) error {
		if _, _, err := tx.Get(b(l)); err != nil {
			return fmt.Errorf("Get on expired list: %w", err)
		}
		if _, err := tx.ListLen(b(hk)); err != nil {
			return fmt.Errorf("ListLen on expired hash: %w", err)
		}
		if _, err := tx.HashLen(b(s)); err != nil {
			return fmt.Errorf("HashLen on expired string: %w", err)
		}
		return nil
	})
}
