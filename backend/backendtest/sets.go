package backendtest

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	"redpool/backend"
)

func (h *harness) sadd(db int, key string, members ...string) int64 {
	h.t.Helper()
	var n int64
	h.update(db, k(key), func(tx backend.Tx) (err error) {
		n, err = tx.SetAdd(b(key), bs(members...))
		return err
	})
	return n
}

func (h *harness) srem(db int, key string, members ...string) int64 {
	h.t.Helper()
	var n int64
	h.update(db, k(key), func(tx backend.Tx) (err error) {
		n, err = tx.SetRem(b(key), bs(members...))
		return err
	})
	return n
}

// members returns key's members (nil if missing).
func (h *harness) members(db int, key string) map[string]bool {
	h.t.Helper()
	var out map[string]bool
	h.view(db, k(key), func(tx backend.Tx) error {
		out = nil
		return tx.SetIter(b(key), func(m []byte) bool {
			if out == nil {
				out = map[string]bool{}
			}
			out[string(m)] = true
			return true
		})
	})
	return out
}

// mustSet checks key's members through SetIter, SetLen and SetIsMember; an
// empty want means the key must be missing.
func (h *harness) mustSet(db int, key string, want map[string]bool) {
	h.t.Helper()
	got := h.members(db, key)
	if len(want) == 0 {
		if got != nil {
			h.t.Fatalf("set %q = %v, want missing", key, got)
		}
		h.mustMissing(db, key)
		return
	}
	if !maps.Equal(got, want) {
		h.t.Fatalf("set %q = %v, want %v", key, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
	h.view(db, k(key), func(tx backend.Tx) error {
		if n, err := tx.SetLen(b(key)); n != int64(len(want)) || err != nil {
			return fmt.Errorf("SetLen(%q) = %d, %v, want %d", key, n, err, len(want))
		}
		for m := range want {
			if ok, err := tx.SetIsMember(b(key), b(m)); !ok || err != nil {
				return fmt.Errorf("SetIsMember(%q, %q) = %v, %v", key, m, ok, err)
			}
		}
		return nil
	})
}

func setOf(members ...string) map[string]bool {
	out := make(map[string]bool, len(members))
	for _, m := range members {
		out[m] = true
	}
	return out
}

func testSetBasics(h *harness) {
	t := h.t
	if n := h.sadd(0, "s", "a", "b", "a", "c"); n != 3 {
		t.Fatalf("SetAdd = %d, want 3", n)
	}
	if typ := h.typeOf(0, "s"); typ != backend.TypeSet {
		t.Fatalf("Type = %v", typ)
	}
	if n := h.sadd(0, "s", "c", "d"); n != 1 {
		t.Fatalf("SetAdd = %d, want 1", n)
	}
	if n := h.sadd(0, "s", "a", "d"); n != 0 {
		t.Fatalf("SetAdd(existing) = %d, want 0", n)
	}
	h.mustSet(0, "s", setOf("a", "b", "c", "d"))
	h.view(0, k("s", "nope"), func(tx backend.Tx) error {
		if ok, err := tx.SetIsMember(b("s"), b("zz")); ok || err != nil {
			return fmt.Errorf("SetIsMember(missing member) = %v, %v", ok, err)
		}
		if ok, err := tx.SetIsMember(b("nope"), b("a")); ok || err != nil {
			return fmt.Errorf("SetIsMember(missing key) = %v, %v", ok, err)
		}
		if n, err := tx.SetLen(b("nope")); n != 0 || err != nil {
			return fmt.Errorf("SetLen(missing) = %d, %v", n, err)
		}
		return nil
	})
	if n := h.srem(0, "s", "a", "nope", "b", "a"); n != 2 {
		t.Fatalf("SetRem = %d, want 2", n)
	}
	h.mustSet(0, "s", setOf("c", "d"))
	if n := h.srem(0, "s", "zz"); n != 0 {
		t.Fatalf("SetRem(missing member) = %d", n)
	}
	if n := h.srem(0, "s", "c", "d"); n != 2 {
		t.Fatalf("SetRem last = %d, want 2", n)
	}
	h.mustSet(0, "s", nil) // removing the last member deletes the key
	if n := h.srem(0, "s", "c"); n != 0 {
		t.Fatalf("SetRem(missing key) = %d", n)
	}
	// The empty member, and binary members.
	h.sadd(0, "e", "", "\x00\xff", "x")
	h.mustSet(0, "e", setOf("", "\x00\xff", "x"))
	// SetAdd with no members creates nothing.
	h.update(0, k("none"), func(tx backend.Tx) error {
		n, err := tx.SetAdd(b("none"), nil)
		if n != 0 {
			return fmt.Errorf("SetAdd(no members) = %d", n)
		}
		return err
	})
	h.mustMissing(0, "none")
	// SetIter stops when fn says so.
	for i := range 30 {
		h.sadd(0, "big", fmt.Sprint("m", i))
	}
	calls := 0
	h.view(0, k("big"), func(tx backend.Tx) error {
		calls = 0
		return tx.SetIter(b("big"), func([]byte) bool { calls++; return calls < 3 })
	})
	if calls != 3 {
		t.Fatalf("SetIter made %d calls after stop", calls)
	}
	// Input slices are copied.
	m := b("mem")
	h.update(0, k("c"), func(tx backend.Tx) error {
		_, err := tx.SetAdd(b("c"), [][]byte{m})
		return err
	})
	copy(m, "XXX")
	h.mustSet(0, "c", setOf("mem"))
}

// testSetModel runs random SetAdd and SetRem against a map model, growing
// the set past small sizes and shrinking it to nothing.
func testSetModel(h *harness) {
	t := h.t
	rng := rand.New(rand.NewPCG(5, 6))
	const key = "model"
	model := map[string]bool{}
	nmembers := 8
	for step := range 1500 {
		if step%300 == 0 {
			nmembers = []int{8, 40, 600}[(step/300)%3]
		}
		var ms []string
		for range 1 + rng.IntN(8) {
			ms = append(ms, fmt.Sprint(rng.IntN(nmembers))) // integers: intset-like values
		}
		var n, want int64
		if rng.IntN(3) < 2 {
			n = h.sadd(0, key, ms...)
			for _, m := range ms {
				if !model[m] {
					model[m] = true
					want++
				}
			}
		} else {
			n = h.srem(0, key, ms...)
			for _, m := range ms {
				if model[m] {
					delete(model, m)
					want++
				}
			}
		}
		if n != want {
			t.Fatalf("step %d: %q = %d, want %d", step, ms, n, want)
		}
		if step%20 == 0 || len(model) == 0 {
			h.mustSet(0, key, model)
		}
	}
}

// setScan collects key's members with SetScan calls of count, running
// between(i) after each call (outside any transaction).
func (h *harness) setScan(db int, key string, count int, between func(i int)) map[string]bool {
	h.t.Helper()
	got := map[string]bool{}
	h.scanLoop(db, k(key), "SetScan", between, func(tx backend.Tx, cursor uint64) (uint64, error) {
		return tx.SetScan(b(key), cursor, count, func(m []byte) error {
			got[string(m)] = true
			return nil
		})
	})
	return got
}

// testSetScan: every member once or more for any count; every member
// present for the whole scan although others come and go between calls.
func testSetScan(h *harness) {
	t := h.t
	want := map[string]bool{}
	var ms []string
	for i := range 1000 {
		want[fmt.Sprint("m:", i)] = true
		ms = append(ms, fmt.Sprint("m:", i))
	}
	h.sadd(0, "big", ms...)
	for _, count := range []int{1, 10, 333, 5000} {
		if got := h.setScan(0, "big", count, nil); !maps.Equal(got, want) {
			t.Fatalf("SetScan(count %d) saw %d of %d members", count, len(got), len(want))
		}
	}
	if got := h.setScan(0, "nope", 10, nil); len(got) != 0 {
		t.Fatalf("SetScan(missing) = %v", got)
	}
	stop := errors.New("stop")
	err := h.tryView(0, k("big"), func(tx backend.Tx) error {
		_, err := tx.SetScan(b("big"), 0, 10, func([]byte) error { return stop })
		return err
	})
	if !errors.Is(err, stop) {
		t.Fatalf("SetScan with failing fn err = %v", err)
	}
	// Churn: members added and removed between the calls.
	c := &churner{name: "c", rng: rand.New(rand.NewPCG(7, 8))}
	var churn []string
	for range 600 {
		churn = append(churn, c.add())
	}
	h.sadd(0, "big", churn...)
	between := func(int) {
		for range 10 {
			name, add := c.step()
			if add {
				h.sadd(0, "big", name)
			} else if n := h.srem(0, "big", name); n != 1 {
				t.Fatalf("churn member %q missing", name)
			}
		}
	}
	for _, count := range []int{5, 40} {
		got := h.setScan(0, "big", count, between)
		for m := range want {
			if !got[m] {
				t.Fatalf("SetScan(count %d) under churn missed %q", count, m)
			}
		}
	}
}

// testSetRandom checks SetRandom's picks: members of the set, distinct
// when asked (every member once when count reaches the size), repeats
// allowed otherwise, on a small set (read whole) and a large one (random
// descents on bolt). The checks count, so they cannot flake: a small set
// is sampled uniformly, and 100,000 picks of 10 members give each one
// 10,000 ± 95 (one standard deviation), checked within ±1,500.
func testSetRandom(h *harness) {
	t := h.t
	var calls int
	h.view(0, k("nokey"), func(tx backend.Tx) error {
		return tx.SetRandom(b("nokey"), 5, false, func([]byte) error { calls++; return nil })
	})
	if calls != 0 {
		t.Fatalf("SetRandom on a missing key made %d calls", calls)
	}
	for _, size := range []int{10, 300} {
		key := fmt.Sprint("s", size)
		var ms []string
		for i := range size {
			ms = append(ms, fmt.Sprint("m", i))
		}
		want := setOf(ms...)
		h.sadd(0, key, ms...)
		pick := func(count int, distinct bool) []string {
			t.Helper()
			var got []string
			h.view(0, k(key), func(tx backend.Tx) error {
				got = got[:0]
				return tx.SetRandom(b(key), count, distinct, func(m []byte) error {
					if !want[string(m)] {
						return fmt.Errorf("SetRandom gave %q", m)
					}
					got = append(got, string(m))
					return nil
				})
			})
			return got
		}
		for _, count := range []int{1, 2, size / 3, size/3 + 1, size - 1, size, size + 7} {
			got := pick(count, true)
			if len(got) != min(count, size) || len(setOf(got...)) != len(got) {
				t.Fatalf("size %d: SetRandom(%d, distinct) = %q", size, count, got)
			}
		}
		if size > 10 {
			if got := pick(40*size, false); len(got) != 40*size {
				t.Fatalf("size %d: SetRandom(%d) gave %d members", size, 40*size, len(got))
			}
			continue
		}
		counts := map[string]int{}
		for _, m := range pick(100_000, false) {
			counts[m]++
		}
		firsts := map[string]int{} // distinct picks: the first of 3 is uniform too
		for range 20_000 {
			firsts[pick(3, true)[0]]++
		}
		for m := range want {
			if c := counts[m]; c < 8_500 || c > 11_500 {
				t.Fatalf("SetRandom(100000) picked %q %d times, want about 10000: %v", m, c, counts)
			}
			if c := firsts[m]; c < 1_400 || c > 2_600 {
				t.Fatalf("SetRandom(3, distinct) picked %q first %d times of 20000, want about 2000: %v", m, c, firsts)
			}
		}
	}
}
