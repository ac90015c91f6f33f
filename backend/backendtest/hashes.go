package backendtest

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"

	"redpool/backend"
)

func (h *harness) hdel(db int, key string, fields ...string) int64 {
	h.t.Helper()
	var n int64
	h.update(db, k(key), func(tx backend.Tx) (err error) {
		n, err = tx.HashDel(b(key), bs(fields...))
		return err
	})
	return n
}

func (h *harness) mustHash(db int, key string, want map[string]string) {
	h.t.Helper()
	got := h.hash(db, key)
	if len(want) == 0 {
		if got != nil {
			h.t.Fatalf("hash %q = %q, want missing", key, got)
		}
		h.mustMissing(db, key)
		return
	}
	if !maps.Equal(got, want) {
		h.t.Fatalf("hash %q = %q, want %q", key, got, want)
	}
	var n int64
	h.view(db, k(key), func(tx backend.Tx) (err error) {
		n, err = tx.HashLen(b(key))
		return err
	})
	if n != int64(len(want)) {
		h.t.Fatalf("HashLen(%q) = %d, want %d", key, n, len(want))
	}
}

func testHashBasics(h *harness) {
	t := h.t
	if n := h.hset(0, "h", "f1", "v1", "f2", "v2"); n != 2 {
		t.Fatalf("HashSet = %d, want 2", n)
	}
	if typ := h.typeOf(0, "h"); typ != backend.TypeHash {
		t.Fatalf("Type = %v", typ)
	}
	if n := h.hset(0, "h", "f1", "v1b", "f3", "v3"); n != 1 {
		t.Fatalf("HashSet = %d, want 1", n)
	}
	h.mustHash(0, "h", map[string]string{"f1": "v1b", "f2": "v2", "f3": "v3"})
	// onlyNew keeps existing values.
	var n int64
	h.update(0, k("h"), func(tx backend.Tx) (err error) {
		n, err = tx.HashSet(b("h"), bs("f1", "X", "f4", "v4"), true)
		return err
	})
	if n != 1 {
		t.Fatalf("HashSet onlyNew = %d, want 1", n)
	}
	h.mustHash(0, "h", map[string]string{"f1": "v1b", "f2": "v2", "f3": "v3", "f4": "v4"})
	h.update(0, k("h"), func(tx backend.Tx) (err error) {
		n, err = tx.HashSet(b("h"), bs("f1", "X"), true)
		return err
	})
	if n != 0 {
		t.Fatalf("HashSet onlyNew existing = %d, want 0", n)
	}
	// A field twice in one call: counted once, last value wins.
	if n := h.hset(0, "d", "a", "1", "a", "2"); n != 1 {
		t.Fatalf("HashSet dup = %d, want 1", n)
	}
	h.mustHash(0, "d", map[string]string{"a": "2"})
	// HashGet.
	h.view(0, k("h", "nope"), func(tx backend.Tx) error {
		if v, ok, err := tx.HashGet(b("h"), b("f2")); string(v) != "v2" || !ok || err != nil {
			return fmt.Errorf("HashGet = %q, %v, %v", v, ok, err)
		}
		if v, ok, err := tx.HashGet(b("h"), b("zz")); ok || err != nil {
			return fmt.Errorf("HashGet(missing field) = %q, %v, %v", v, ok, err)
		}
		if v, ok, err := tx.HashGet(b("nope"), b("f")); ok || err != nil {
			return fmt.Errorf("HashGet(missing key) = %q, %v, %v", v, ok, err)
		}
		if n, err := tx.HashLen(b("nope")); n != 0 || err != nil {
			return fmt.Errorf("HashLen(missing) = %d, %v", n, err)
		}
		return nil
	})
	// HashDel.
	if n := h.hdel(0, "h", "f1", "nope", "f2"); n != 2 {
		t.Fatalf("HashDel = %d, want 2", n)
	}
	h.mustHash(0, "h", map[string]string{"f3": "v3", "f4": "v4"})
	if n := h.hdel(0, "h", "zz"); n != 0 {
		t.Fatalf("HashDel(missing field) = %d", n)
	}
	if n := h.hdel(0, "h", "f3", "f4", "f3"); n != 2 {
		t.Fatalf("HashDel last = %d, want 2", n)
	}
	h.mustHash(0, "h", nil) // removing the last field deletes the key
	if n := h.hdel(0, "h", "f3"); n != 0 {
		t.Fatalf("HashDel(missing key) = %d", n)
	}
	// Empty names and values.
	h.hset(0, "e", "", "", "x", "")
	h.mustHash(0, "e", map[string]string{"": "", "x": ""})
	// HashSet with no pairs creates nothing.
	h.update(0, k("none"), func(tx backend.Tx) error {
		n, err := tx.HashSet(b("none"), nil, false)
		if n != 0 {
			return fmt.Errorf("HashSet(no pairs) = %d", n)
		}
		return err
	})
	h.mustMissing(0, "none")
	// HashIter stops when fn says so.
	for i := range 30 {
		h.hset(0, "big", fmt.Sprint("f", i), fmt.Sprint("v", i))
	}
	calls := 0
	h.view(0, k("big"), func(tx backend.Tx) error {
		calls = 0
		return tx.HashIter(b("big"), func(_, _ []byte) bool { calls++; return calls < 3 })
	})
	if calls != 3 {
		t.Fatalf("HashIter made %d calls after stop", calls)
	}
	// Input slices are copied.
	f, v := b("fld"), b("val")
	h.update(0, k("c"), func(tx backend.Tx) error {
		_, err := tx.HashSet(b("c"), [][]byte{f, v}, false)
		return err
	})
	copy(f, "XXX")
	copy(v, "YYY")
	h.mustHash(0, "c", map[string]string{"fld": "val"})
}

// testHashModel runs random hash operations against a map model, growing
// the hash past small sizes and shrinking it to nothing.
func testHashModel(h *harness) {
	t := h.t
	rng := rand.New(rand.NewPCG(3, 4))
	const key = "model"
	model := map[string]string{}
	nfields := 8
	for step := range 1500 {
		if step%300 == 0 {
			nfields = []int{8, 40, 200}[(step/300)%3]
		}
		field := func() string { return fmt.Sprint("f", rng.IntN(nfields)) }
		switch rng.IntN(3) {
		case 0, 1:
			var pairs []string
			for range 1 + rng.IntN(5) {
				pairs = append(pairs, field(), fmt.Sprint("v", step))
			}
			onlyNew := rng.IntN(4) == 0
			var n int64
			h.update(0, k(key), func(tx backend.Tx) (err error) {
				n, err = tx.HashSet(b(key), bs(pairs...), onlyNew)
				return err
			})
			var want int64
			for i := 0; i < len(pairs); i += 2 {
				if _, ok := model[pairs[i]]; !ok {
					want++
				} else if onlyNew {
					continue
				}
				model[pairs[i]] = pairs[i+1]
			}
			if n != want {
				t.Fatalf("step %d: HashSet(%q, onlyNew=%v) = %d, want %d", step, pairs, onlyNew, n, want)
			}
		case 2:
			var fields []string
			for range 1 + rng.IntN(8) {
				fields = append(fields, field())
			}
			n := h.hdel(0, key, fields...)
			var want int64
			for _, f := range fields {
				if _, ok := model[f]; ok {
					want++
					delete(model, f)
				}
			}
			if n != want {
				t.Fatalf("step %d: HashDel = %d, want %d", step, n, want)
			}
		}
		if step%20 == 0 || len(model) == 0 {
			h.mustHash(0, key, model)
		}
	}
}

// hashScan collects key's fields with HashScan calls of count, running
// between(i) after each call (outside any transaction).
func (h *harness) hashScan(db int, key string, count int, between func(i int)) map[string]string {
	h.t.Helper()
	got := map[string]string{}
	h.scanLoop(db, k(key), "HashScan", between, func(tx backend.Tx, cursor uint64) (uint64, error) {
		return tx.HashScan(b(key), cursor, count, func(f, v []byte) error {
			got[string(f)] = string(v)
			return nil
		})
	})
	return got
}

func testHashScan(h *harness) {
	t := h.t
	want := map[string]string{}
	var pairs []string
	for i := range 1000 {
		f, v := fmt.Sprint("field:", i), fmt.Sprint("val:", i)
		want[f] = v
		pairs = append(pairs, f, v)
	}
	h.hset(0, "big", pairs...)
	for _, count := range []int{1, 10, 333, 5000} {
		if got := h.hashScan(0, "big", count, nil); !maps.Equal(got, want) {
			t.Fatalf("HashScan(count %d) saw %d of %d fields", count, len(got), len(want))
		}
	}
	h.hset(0, "small", "a", "1", "b", "2", "c", "3")
	if got := h.hashScan(0, "small", 1, nil); !maps.Equal(got, map[string]string{"a": "1", "b": "2", "c": "3"}) {
		t.Fatalf("HashScan(small) = %q", got)
	}
	if got := h.hashScan(0, "nope", 10, nil); len(got) != 0 {
		t.Fatalf("HashScan(missing) = %q", got)
	}
	stop := errors.New("stop")
	err := h.tryView(0, k("big"), func(tx backend.Tx) error {
		_, err := tx.HashScan(b("big"), 0, 10, func(_, _ []byte) error { return stop })
		return err
	})
	if !errors.Is(err, stop) {
		t.Fatalf("HashScan with failing fn err = %v", err)
	}
}

// testHashRandom checks HashRandom's picks: valid pairs, distinct ones when
// asked (every field once when count reaches the size), repeats allowed
// otherwise and spread over every field, on a small hash (read whole) and
// a large one (random descents on bolt).
func testHashRandom(h *harness) {
	t := h.t
	var calls int
	h.view(0, k("nokey"), func(tx backend.Tx) error {
		return tx.HashRandom(b("nokey"), 5, false, func(_, _ []byte) error { calls++; return nil })
	})
	if calls != 0 {
		t.Fatalf("HashRandom on a missing key made %d calls", calls)
	}
	for _, size := range []int{5, 300} {
		key := fmt.Sprint("h", size)
		want := map[string]string{}
		var pairs []string
		for i := range size {
			f, v := fmt.Sprint("f", i), fmt.Sprint("v", i)
			want[f] = v
			pairs = append(pairs, f, v)
		}
		h.hset(0, key, pairs...)
		pick := func(count int, distinct bool) []string {
			t.Helper()
			var got []string
			h.view(0, k(key), func(tx backend.Tx) error {
				got = got[:0]
				return tx.HashRandom(b(key), count, distinct, func(f, v []byte) error {
					if want[string(f)] != string(v) {
						return fmt.Errorf("HashRandom gave %q=%q", f, v)
					}
					got = append(got, string(f))
					return nil
				})
			})
			return got
		}
		for _, count := range []int{1, 2, size / 3, size/3 + 1, size - 1, size, size + 7} {
			got := pick(count, true)
			seen := map[string]bool{}
			for _, f := range got {
				if seen[f] {
					t.Fatalf("size %d: HashRandom(%d, distinct) repeated %q: %q", size, count, f, got)
				}
				seen[f] = true
			}
			if len(got) != min(count, size) {
				t.Fatalf("size %d: HashRandom(%d, distinct) gave %d fields", size, count, len(got))
			}
		}
		got := pick(40*size, false)
		if len(got) != 40*size {
			t.Fatalf("size %d: HashRandom(%d) gave %d fields", size, 40*size, len(got))
		}
		if size <= 5 {
			// Read whole and sampled uniformly: 200 picks cover 5 fields.
			seen := map[string]bool{}
			for _, f := range got {
				seen[f] = true
			}
			if len(seen) != size {
				t.Fatalf("size %d: %d random fields covered only %v", size, len(got), seen)
			}
		}
	}
}
