package backendtest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"redpool/backend"
)

func testStrings(h *harness) {
	t := h.t
	h.mustMissing(0, "k")
	if v, ok := h.get(0, "k"); ok {
		t.Fatalf("GET missing = %q, true", v)
	}
	h.set(0, "k", "v1", 0)
	h.mustGet(0, "k", "v1")
	if typ := h.typeOf(0, "k"); typ != backend.TypeString {
		t.Fatalf("Type = %v, want string", typ)
	}
	h.set(0, "k", "v2", 0)
	h.mustGet(0, "k", "v2")

	// Set replaces a value of any type.
	h.rpush(0, "l", "a")
	h.set(0, "l", "s", 0)
	h.mustGet(0, "l", "s")
	h.hset(0, "h", "f", "v")
	h.set(0, "h", "s2", 0)
	h.mustGet(0, "h", "s2")

	// Empty values exist.
	h.set(0, "e", "", 0)
	h.mustGet(0, "e", "")

	// Databases are separate.
	h.mustMissing(1, "k")
	h.set(1, "k", "other", 0)
	h.mustGet(0, "k", "v2")
	h.mustGet(1, "k", "other")

	// The backend copies what it keeps.
	buf := b("orig")
	h.update(0, k("c"), func(tx backend.Tx) error { return tx.Set(b("c"), buf, 0, false) })
	copy(buf, "XXXX")
	h.mustGet(0, "c", "orig")

	// Several operations in one transaction see each other.
	h.update(0, k("x", "y"), func(tx backend.Tx) error {
		if err := tx.Set(b("x"), b("1"), 0, false); err != nil {
			return err
		}
		v, ok, err := tx.Get(b("x"))
		if err != nil || !ok || string(v) != "1" {
			return fmt.Errorf("GET in same tx = %q, %v, %v", v, ok, err)
		}
		if ex, err := tx.Exists(b("y")); err != nil || ex {
			return fmt.Errorf("Exists(y) = %v, %v", ex, err)
		}
		return tx.Set(b("y"), v, 0, false)
	})
	h.mustGet(0, "y", "1")
}

func testBinarySafe(h *harness) {
	t := h.t
	keys := []string{"a\r\nb", "\x00", "\x00\x01\xff", " ", "a b", "a:b:c", "", "\r\n", "ключ", "*", "[a]"}
	vals := []string{"\x00\r\n", "", "x y", "\xff\xfe", strings.Repeat("\x00", 100), "$5\r\nhello\r\n"}
	for i, key := range keys {
		h.set(0, key, vals[i%len(vals)], 0)
	}
	for i, key := range keys {
		h.mustGet(0, key, vals[i%len(vals)])
	}
	want := slices.Clone(keys)
	h.rpush(0, "list\x00", "", "\x00", "a\r\nb", "")
	h.hset(0, "hash\r\n", "", "\x00", "\r\n", "", "f\x00", "v v")
	want = append(want, "list\x00", "hash\r\n")
	slices.Sort(want)
	if got := h.keys(0); !slices.Equal(got, want) {
		t.Fatalf("Scan keys = %q, want %q", got, want)
	}
	h.mustList(0, "list\x00", "", "\x00", "a\r\nb", "")
	hv := h.hash(0, "hash\r\n")
	if len(hv) != 3 || hv[""] != "\x00" || hv["\r\n"] != "" || hv["f\x00"] != "v v" {
		t.Fatalf("hash = %q", hv)
	}
	// The empty key is a key like any other.
	h.update(0, k(""), func(tx backend.Tx) error {
		ok, err := tx.Delete(b(""))
		if err != nil || !ok {
			return fmt.Errorf("Delete(\"\") = %v, %v", ok, err)
		}
		return nil
	})
	h.mustMissing(0, "")
	// Snapshots agree with transactions.
	s, err := h.b.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	diff(t, "snapshot", dumpSnapshot(t, s), dumpTx(t, h.b))
}

func testAppend(h *harness) {
	t := h.t
	appendS := func(key, val string) int64 {
		t.Helper()
		var n int64
		h.update(0, k(key), func(tx backend.Tx) (err error) {
			n, err = tx.Append(b(key), b(val))
			return err
		})
		return n
	}
	// Append creates the key, even with an empty value.
	if n := appendS("e", ""); n != 0 {
		t.Fatalf("Append(missing, \"\") = %d", n)
	}
	h.mustGet(0, "e", "")
	if n := appendS("a", "hello"); n != 5 {
		t.Fatalf("Append = %d, want 5", n)
	}
	if n := appendS("a", " world"); n != 11 {
		t.Fatalf("Append = %d, want 11", n)
	}
	h.mustGet(0, "a", "hello world")
	if n := appendS("a", ""); n != 11 {
		t.Fatalf("Append empty = %d, want 11", n)
	}
	// Append keeps the TTL.
	exp := h.now() + 10_000
	h.set(0, "t", "x", exp)
	appendS("t", "y")
	h.mustGet(0, "t", "xy")
	if at, _ := h.expireAt(0, "t"); at != exp {
		t.Fatalf("TTL after Append = %d, want %d", at, exp)
	}
	// Many appends.
	var sb strings.Builder
	for i := range 200 {
		s := fmt.Sprint(i, ",")
		sb.WriteString(s)
		if n := appendS("many", s); n != int64(sb.Len()) {
			t.Fatalf("Append #%d = %d, want %d", i, n, sb.Len())
		}
	}
	h.mustGet(0, "many", sb.String())
}

func testSetRange(h *harness) {
	t := h.t
	setRange := func(key string, off int64, val string) (int64, error) {
		var n int64
		err := h.tryUpdate(0, k(key), func(tx backend.Tx) (err error) {
			n, err = tx.SetRange(b(key), off, b(val))
			return err
		})
		return n, err
	}
	must := func(key string, off int64, val string, want int64) {
		t.Helper()
		n, err := setRange(key, off, val)
		if err != nil || n != want {
			t.Fatalf("SetRange(%q, %d, %q) = %d, %v; want %d", key, off, val, n, err, want)
		}
	}
	// An empty value on a missing key creates nothing.
	must("m", 0, "", 0)
	must("m", 3, "", 0)
	must("m", backend.MaxStringLen+10, "", 0)
	h.mustMissing(0, "m")
	// Zero padding.
	must("p", 5, "ab", 7)
	h.mustGet(0, "p", "\x00\x00\x00\x00\x00ab")
	must("p", 1, "XY", 7)
	h.mustGet(0, "p", "\x00XY\x00\x00ab")
	must("p", 6, "123", 9)
	h.mustGet(0, "p", "\x00XY\x00\x00a123")
	must("p", 0, "", 9)
	must("p", 12, "z", 13)
	h.mustGet(0, "p", "\x00XY\x00\x00a123\x00\x00\x00z")
	must("p", 0, "ABCDEFGHIJKLMN", 14)
	h.mustGet(0, "p", "ABCDEFGHIJKLMN")
	// Past the 512 MB limit.
	for _, c := range []struct {
		off int64
		val string
	}{{backend.MaxStringLen, "x"}, {backend.MaxStringLen - 1, "xy"}, {1 << 40, "x"}, {1<<63 - 1, "x"}} {
		if _, err := setRange("q", c.off, c.val); !errors.Is(err, backend.ErrTooLarge) {
			t.Fatalf("SetRange(q, %d, %q) err = %v, want ErrTooLarge", c.off, c.val, err)
		}
		if _, err := setRange("p", c.off, c.val); !errors.Is(err, backend.ErrTooLarge) {
			t.Fatalf("SetRange(p, %d, %q) err = %v, want ErrTooLarge", c.off, c.val, err)
		}
	}
	h.mustMissing(0, "q")
	h.mustGet(0, "p", "ABCDEFGHIJKLMN")
	// SetRange keeps the TTL.
	exp := h.now() + 10_000
	h.set(0, "t", "hello", exp)
	must("t", 0, "J", 5)
	h.mustGet(0, "t", "Jello")
	if at, _ := h.expireAt(0, "t"); at != exp {
		t.Fatalf("TTL after SetRange = %d, want %d", at, exp)
	}
}

func testDelete(h *harness) {
	t := h.t
	del := func(key string) bool {
		t.Helper()
		var ok bool
		h.update(0, k(key), func(tx backend.Tx) (err error) {
			ok, err = tx.Delete(b(key))
			return err
		})
		return ok
	}
	if del("k") {
		t.Fatal("Delete(missing) = true")
	}
	h.set(0, "k", "v", h.now()+5000)
	if !del("k") {
		t.Fatal("Delete(existing) = false")
	}
	h.mustMissing(0, "k")
	if del("k") {
		t.Fatal("second Delete = true")
	}
	// A new value under the same name has no leftover TTL.
	h.set(0, "k", "v2", 0)
	if at, ok := h.expireAt(0, "k"); at != 0 || !ok {
		t.Fatalf("ExpireAt = %d, %v; want 0, true", at, ok)
	}
	h.rpush(0, "l", "a", "b")
	h.hset(0, "h", "f", "v")
	if !del("l") || !del("h") {
		t.Fatal("Delete(list/hash) = false")
	}
	h.mustMissing(0, "l")
	h.mustMissing(0, "h")
	h.rpush(0, "l", "c")
	h.mustList(0, "l", "c")
}

func testTTL(h *harness) {
	t := h.t
	now := h.now()
	h.set(0, "k", "v", now+1000)
	if at, ok := h.expireAt(0, "k"); at != now+1000 || !ok {
		t.Fatalf("ExpireAt = %d, %v; want %d, true", at, ok, now+1000)
	}
	if at, ok := h.expireAt(0, "missing"); at != 0 || ok {
		t.Fatalf("ExpireAt(missing) = %d, %v", at, ok)
	}
	h.set(0, "plain", "v", 0)
	if at, ok := h.expireAt(0, "plain"); at != 0 || !ok {
		t.Fatalf("ExpireAt(no ttl) = %d, %v", at, ok)
	}
	h.advance(999)
	h.mustGet(0, "k", "v")
	h.advance(1) // expiry time == now: expired
	h.mustMissing(0, "k")

	// SetExpireAt 0 removes the TTL.
	now = h.now()
	h.set(0, "p", "v", now+100)
	if !h.setExpire(0, "p", 0) {
		t.Fatal("SetExpireAt(p, 0) = false")
	}
	if at, _ := h.expireAt(0, "p"); at != 0 {
		t.Fatalf("after persist ExpireAt = %d", at)
	}
	h.advance(200)
	h.mustGet(0, "p", "v")

	// SetExpireAt on a missing key.
	if h.setExpire(0, "nope", h.now()+1000) {
		t.Fatal("SetExpireAt(missing) = true")
	}
	h.mustMissing(0, "nope")

	// SetExpireAt sets and changes a TTL, on every type.
	now = h.now()
	h.set(0, "s", "v", 0)
	h.rpush(0, "l", "a")
	h.hset(0, "h", "f", "v")
	for _, key := range []string{"s", "l", "h"} {
		if !h.setExpire(0, key, now+500) {
			t.Fatalf("SetExpireAt(%s) = false", key)
		}
		if !h.setExpire(0, key, now+300) {
			t.Fatalf("SetExpireAt(%s) again = false", key)
		}
		if at, ok := h.expireAt(0, key); at != now+300 || !ok {
			t.Fatalf("ExpireAt(%s) = %d, %v", key, at, ok)
		}
	}
	h.advance(300)
	for _, key := range []string{"s", "l", "h"} {
		h.mustMissing(0, key)
	}

	// A time at or before now deletes the key and reports true.
	now = h.now()
	h.set(0, "d1", "v", 0)
	h.rpush(0, "d2", "a")
	if !h.setExpire(0, "d1", now-1) || !h.setExpire(0, "d2", now) {
		t.Fatal("SetExpireAt(past) = false")
	}
	h.mustMissing(0, "d1")
	h.mustMissing(0, "d2")

	// Set without keepTTL clears the TTL; with keepTTL it stays.
	now = h.now()
	h.set(0, "c", "v", now+1000)
	h.set(0, "c", "v2", 0)
	if at, _ := h.expireAt(0, "c"); at != 0 {
		t.Fatalf("Set cleared TTL? ExpireAt = %d", at)
	}
	h.set(0, "c", "v3", now+2000)
	if at, _ := h.expireAt(0, "c"); at != now+2000 {
		t.Fatalf("Set with expireAt: ExpireAt = %d", at)
	}
	h.update(0, k("c"), func(tx backend.Tx) error { return tx.Set(b("c"), b("v4"), 0, true) })
	h.mustGet(0, "c", "v4")
	if at, _ := h.expireAt(0, "c"); at != now+2000 {
		t.Fatalf("keepTTL: ExpireAt = %d, want %d", at, now+2000)
	}
	// keepTTL ignores expireAt, also when the key has no TTL or is missing.
	h.set(0, "kt", "v", 0)
	h.update(0, k("kt", "kt2"), func(tx backend.Tx) error {
		if err := tx.Set(b("kt"), b("v2"), now+5000, true); err != nil {
			return err
		}
		return tx.Set(b("kt2"), b("v"), now+5000, true)
	})
	for _, key := range []string{"kt", "kt2"} {
		if at, ok := h.expireAt(0, key); at != 0 || !ok {
			t.Fatalf("keepTTL on %s: ExpireAt = %d, %v; want 0, true", key, at, ok)
		}
	}
	// Set with an expiry in the past leaves no key.
	h.set(0, "past", "old", 0)
	h.set(0, "past", "new", h.now()-10)
	h.mustMissing(0, "past")
	h.set(0, "past2", "new", h.now())
	h.mustMissing(0, "past2")
}

func testRename(h *harness) {
	t := h.t
	rename := func(src, dst string) error {
		return h.tryUpdate(0, k(src, dst), func(tx backend.Tx) error { return tx.Rename(b(src), b(dst)) })
	}
	exp := h.now() + 5000
	h.set(0, "src", "v", exp)
	if err := rename("src", "dst"); err != nil {
		t.Fatal(err)
	}
	h.mustMissing(0, "src")
	h.mustGet(0, "dst", "v")
	if at, _ := h.expireAt(0, "dst"); at != exp {
		t.Fatalf("Rename kept TTL? ExpireAt = %d, want %d", at, exp)
	}
	// The destination is replaced, type and TTL included.
	h.set(0, "a", "a-val", 0)
	h.rpush(0, "b", "x")
	h.setExpire(0, "b", exp)
	if err := rename("a", "b"); err != nil {
		t.Fatal(err)
	}
	h.mustMissing(0, "a")
	h.mustGet(0, "b", "a-val")
	if at, ok := h.expireAt(0, "b"); at != 0 || !ok {
		t.Fatalf("ExpireAt(b) = %d, %v; want 0, true", at, ok)
	}
	if err := rename("nope", "b"); !errors.Is(err, backend.ErrNoSuchKey) {
		t.Fatalf("Rename(missing) err = %v", err)
	}
	h.mustGet(0, "b", "a-val")
	// src == dst.
	if err := rename("b", "b"); err != nil {
		t.Fatalf("Rename(b, b) = %v", err)
	}
	h.mustGet(0, "b", "a-val")
	if err := rename("nope", "nope"); !errors.Is(err, backend.ErrNoSuchKey) {
		t.Fatalf("Rename(missing, same) err = %v", err)
	}
	// Lists and hashes move whole.
	h.rpush(0, "l", "1", "2", "3")
	h.hset(0, "h", "f", "v", "g", "w")
	if err := rename("l", "l2"); err != nil {
		t.Fatal(err)
	}
	if err := rename("h", "h2"); err != nil {
		t.Fatal(err)
	}
	h.mustMissing(0, "l")
	h.mustMissing(0, "h")
	h.mustList(0, "l2", "1", "2", "3")
	if hv := h.hash(0, "h2"); len(hv) != 2 || hv["f"] != "v" || hv["g"] != "w" {
		t.Fatalf("renamed hash = %v", hv)
	}
	// The renamed value is live: it can be changed.
	h.rpush(0, "l2", "4")
	h.mustList(0, "l2", "1", "2", "3", "4")
}

func testCopy(h *harness) {
	t := h.t
	cp := func(src string, dstDB int, dst string, replace bool) (bool, error) {
		var ok bool
		keys := k(src, dst)
		if dstDB != 0 {
			keys = nil
		}
		err := h.tryUpdate(0, keys, func(tx backend.Tx) (err error) {
			ok, err = tx.Copy(b(src), dstDB, b(dst), replace)
			return err
		})
		return ok, err
	}
	mustCopy := func(src string, dstDB int, dst string, replace, want bool) {
		t.Helper()
		ok, err := cp(src, dstDB, dst, replace)
		if err != nil || ok != want {
			t.Fatalf("Copy(%s, %d, %s, %v) = %v, %v; want %v", src, dstDB, dst, replace, ok, err, want)
		}
	}
	exp := h.now() + 5000
	h.set(0, "src", "v", exp)
	mustCopy("src", 0, "dst", false, true)
	h.mustGet(0, "src", "v")
	h.mustGet(0, "dst", "v")
	if at, _ := h.expireAt(0, "dst"); at != exp {
		t.Fatalf("Copy TTL = %d, want %d", at, exp)
	}
	// Without replace an existing destination stays.
	h.set(0, "src", "v2", 0)
	mustCopy("src", 0, "dst", false, false)
	h.mustGet(0, "dst", "v")
	// With replace it is overwritten, TTL included.
	mustCopy("src", 0, "dst", true, true)
	h.mustGet(0, "dst", "v2")
	if at, ok := h.expireAt(0, "dst"); at != 0 || !ok {
		t.Fatalf("replaced ExpireAt = %d, %v", at, ok)
	}
	// Across databases.
	h.setExpire(0, "src", exp)
	mustCopy("src", 2, "src", false, true)
	h.mustGet(2, "src", "v2")
	if at, _ := h.expireAt(2, "src"); at != exp {
		t.Fatalf("cross-db Copy TTL = %d", at)
	}
	h.set(2, "taken", "mine", 0)
	mustCopy("src", 2, "taken", false, false)
	h.mustGet(2, "taken", "mine")
	mustCopy("src", 2, "taken", true, true)
	h.mustGet(2, "taken", "v2")
	// A missing source copies nothing.
	mustCopy("nope", 0, "dst2", false, false)
	mustCopy("nope", 1, "dst2", true, false)
	h.mustMissing(0, "dst2")
	h.mustMissing(1, "dst2")
	// Copies are independent.
	h.rpush(0, "l", "a", "b", "c")
	h.hset(0, "h", "f", "v")
	mustCopy("l", 0, "l2", false, true)
	mustCopy("h", 1, "h2", false, true)
	h.rpush(0, "l2", "d")
	h.update(0, k("l"), func(tx backend.Tx) error {
		_, err := tx.ListPop(b("l"), true, 1)
		return err
	})
	h.mustList(0, "l", "b", "c")
	h.mustList(0, "l2", "a", "b", "c", "d")
	h.hset(0, "h", "g", "w")
	h.update(1, k("h2"), func(tx backend.Tx) error {
		_, err := tx.HashSet(b("h2"), bs("f", "changed"), false)
		return err
	})
	if hv := h.hash(0, "h"); len(hv) != 2 || hv["f"] != "v" {
		t.Fatalf("source hash = %v", hv)
	}
	if hv := h.hash(1, "h2"); len(hv) != 1 || hv["f"] != "changed" {
		t.Fatalf("copied hash = %v", hv)
	}
	// Bad database.
	for _, db := range []int{-1, databases} {
		if _, err := cp("src", db, "x", false); !errors.Is(err, backend.ErrBadDB) {
			t.Fatalf("Copy to db %d err = %v, want ErrBadDB", db, err)
		}
	}
}

func testMove(h *harness) {
	t := h.t
	move := func(key string, dst int) (bool, error) {
		var ok bool
		err := h.tryUpdate(0, nil, func(tx backend.Tx) (err error) {
			ok, err = tx.Move(b(key), dst)
			return err
		})
		return ok, err
	}
	mustMove := func(key string, dst int, want bool) {
		t.Helper()
		ok, err := move(key, dst)
		if err != nil || ok != want {
			t.Fatalf("Move(%s, %d) = %v, %v; want %v", key, dst, ok, err, want)
		}
	}
	exp := h.now() + 5000
	h.set(0, "m", "v", exp)
	mustMove("m", 1, true)
	h.mustMissing(0, "m")
	h.mustGet(1, "m", "v")
	if at, _ := h.expireAt(1, "m"); at != exp {
		t.Fatalf("Move TTL = %d, want %d", at, exp)
	}
	mustMove("m", 1, false) // gone from db 0
	// The destination exists: nothing moves.
	h.set(0, "x", "0", 0)
	h.set(1, "x", "1", 0)
	mustMove("x", 1, false)
	h.mustGet(0, "x", "0")
	h.mustGet(1, "x", "1")
	// Lists and hashes.
	h.rpush(0, "l", "a", "b")
	h.hset(0, "h", "f", "v")
	mustMove("l", 3, true)
	mustMove("h", 3, true)
	h.mustList(3, "l", "a", "b")
	if hv := h.hash(3, "h"); len(hv) != 1 || hv["f"] != "v" {
		t.Fatalf("moved hash = %v", hv)
	}
	h.rpush(3, "l", "c")
	h.mustList(3, "l", "a", "b", "c")
	for _, db := range []int{-1, databases} {
		if _, err := move("x", db); !errors.Is(err, backend.ErrBadDB) {
			t.Fatalf("Move to db %d err = %v, want ErrBadDB", db, err)
		}
	}
}

func testSwapDB(h *harness) {
	t := h.t
	swap := func(a, b int) error {
		return h.tryUpdate(0, nil, func(tx backend.Tx) error { return tx.SwapDB(a, b) })
	}
	exp := h.now() + 5000
	h.set(0, "a", "0a", exp)
	h.rpush(0, "l", "x")
	h.set(1, "a", "1a", 0)
	h.set(1, "b", "1b", 0)
	if err := swap(0, 1); err != nil {
		t.Fatal(err)
	}
	h.mustGet(0, "a", "1a")
	h.mustGet(0, "b", "1b")
	h.mustMissing(0, "l")
	h.mustGet(1, "a", "0a")
	h.mustList(1, "l", "x")
	h.mustMissing(1, "b")
	if at, _ := h.expireAt(1, "a"); at != exp {
		t.Fatalf("swapped TTL = %d, want %d", at, exp)
	}
	if at, ok := h.expireAt(0, "a"); at != 0 || !ok {
		t.Fatalf("ExpireAt(0, a) = %d, %v", at, ok)
	}
	if got := h.keys(0); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("db 0 keys = %q", got)
	}
	// Writes after the swap go to the swapped data.
	h.rpush(1, "l", "y")
	h.mustList(1, "l", "x", "y")
	h.mustMissing(0, "l")
	if err := swap(2, 2); err != nil {
		t.Fatalf("SwapDB(2, 2) = %v", err)
	}
	for _, p := range [][2]int{{0, databases}, {-1, 0}} {
		if err := swap(p[0], p[1]); !errors.Is(err, backend.ErrBadDB) {
			t.Fatalf("SwapDB%v err = %v, want ErrBadDB", p, err)
		}
	}
	h.mustGet(0, "a", "1a")
}

func testFlush(h *harness) {
	t := h.t
	for db := range 3 {
		for i := range 20 {
			h.set(db, fmt.Sprint("k", i), "v", 0)
		}
		h.rpush(db, "l", "a")
		h.hset(db, "h", "f", "v")
	}
	h.update(1, nil, func(tx backend.Tx) error { return tx.Flush() })
	if n := h.length(1); n != 0 {
		t.Fatalf("Len after Flush = %d", n)
	}
	h.mustMissing(1, "k0")
	h.mustMissing(1, "l")
	if got := h.keys(1); len(got) != 0 {
		t.Fatalf("keys after Flush = %q", got)
	}
	for _, db := range []int{0, 2} {
		if n := h.length(db); n != 22 {
			t.Fatalf("db %d Len = %d, want 22", db, n)
		}
	}
	// The flushed database works as before.
	h.set(1, "k0", "new", 0)
	h.mustGet(1, "k0", "new")
	h.update(2, nil, func(tx backend.Tx) error { return tx.FlushAll() })
	for db := range databases {
		if n := h.length(db); n != 0 {
			t.Fatalf("db %d Len after FlushAll = %d", db, n)
		}
		if got := h.keys(db); len(got) != 0 {
			t.Fatalf("db %d keys after FlushAll = %q", db, got)
		}
	}
	h.rpush(0, "l", "b")
	h.mustList(0, "l", "b")
}

func (h *harness) length(db int) int64 {
	h.t.Helper()
	var n int64
	h.view(db, nil, func(tx backend.Tx) (err error) {
		n, err = tx.Len()
		return err
	})
	return n
}

func (h *harness) randomKey(db int, write bool) ([]byte, error) {
	var key []byte
	fn := func(tx backend.Tx) error {
		k, err := tx.RandomKey()
		key = slices.Clone(k)
		return err
	}
	if write {
		return key, h.tryUpdate(db, nil, fn)
	}
	return key, h.tryView(db, nil, fn)
}

func testLenRandomKey(h *harness) {
	t := h.t
	for _, write := range []bool{false, true} {
		if key, err := h.randomKey(0, write); key != nil || err != nil {
			t.Fatalf("RandomKey(empty) = %q, %v", key, err)
		}
	}
	if n := h.length(0); n != 0 {
		t.Fatalf("Len(empty) = %d", n)
	}
	h.set(0, "only", "v", 0)
	for _, write := range []bool{false, true} {
		if key, err := h.randomKey(0, write); string(key) != "only" || err != nil {
			t.Fatalf("RandomKey = %q, %v; want only", key, err)
		}
	}
	want := map[string]bool{"only": true}
	for i := range 50 {
		key := fmt.Sprint("k", i)
		want[key] = true
		h.set(0, key, "v", 0)
	}
	h.rpush(0, "list", "x")
	want["list"] = true
	if n := h.length(0); n != 52 {
		t.Fatalf("Len = %d, want 52", n)
	}
	seen := map[string]bool{}
	for range 200 {
		key, err := h.randomKey(0, false)
		if err != nil || !want[string(key)] {
			t.Fatalf("RandomKey = %q, %v", key, err)
		}
		seen[string(key)] = true
	}
	if len(seen) < 2 {
		t.Fatalf("RandomKey returned only %v in 200 calls", seen)
	}
	// Only live keys are returned.
	for i := range 30 {
		h.set(1, fmt.Sprint("dead", i), "v", h.now()+10)
	}
	h.set(1, "live", "v", 0)
	h.advance(10)
	for _, write := range []bool{false, true, false} {
		for range 5 {
			if key, err := h.randomKey(1, write); string(key) != "live" || err != nil {
				t.Fatalf("RandomKey(write=%v) = %q, %v; want live", write, key, err)
			}
		}
	}
	// The empty key is a key, not "no key".
	h.set(2, "", "v", 0)
	if key, err := h.randomKey(2, false); key == nil || len(key) != 0 || err != nil {
		t.Fatalf("RandomKey(db with key \"\") = %q (nil %v), %v", key, key == nil, err)
	}
}

func testBadDB(h *harness) {
	t := h.t
	if n := h.b.Databases(); n != databases {
		t.Fatalf("Databases() = %d, want %d", n, databases)
	}
	for _, db := range []int{-1, databases, databases + 100} {
		called := false
		fn := func(tx backend.Tx) error { called = true; return nil }
		if err := h.b.View(backend.TxOptions{DB: db, Keys: bs("k")}, fn); !errors.Is(err, backend.ErrBadDB) {
			t.Fatalf("View(db %d) err = %v, want ErrBadDB", db, err)
		}
		if err := h.b.Update(backend.TxOptions{DB: db, Keys: bs("k")}, fn); !errors.Is(err, backend.ErrBadDB) {
			t.Fatalf("Update(db %d) err = %v, want ErrBadDB", db, err)
		}
		if err := h.b.Update(backend.TxOptions{DB: db, All: true}, fn); !errors.Is(err, backend.ErrBadDB) {
			t.Fatalf("Update(db %d, All) err = %v, want ErrBadDB", db, err)
		}
		if called {
			t.Fatal("fn called for a bad database")
		}
	}
	h.view(databases-1, k("k"), func(tx backend.Tx) error {
		if tx.DB() != databases-1 {
			return fmt.Errorf("tx.DB() = %d", tx.DB())
		}
		if now := tx.Now(); now != h.now() {
			return fmt.Errorf("tx.Now() = %d, clock says %d", now, h.now())
		}
		return nil
	})
}
