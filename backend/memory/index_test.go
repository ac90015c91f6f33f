package memory

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"testing"
)

// checkIndex verifies ix's invariants and returns how many entries it holds.
func checkIndex(t *testing.T, ix *index) int {
	t.Helper()
	if ix.dir == nil {
		return 0
	}
	if len(ix.dir) != 1<<ix.depth {
		t.Fatalf("dir has %d tables at depth %d", len(ix.dir), ix.depth)
	}
	total := 0
	for i := 0; i < len(ix.dir); {
		tb := ix.dir[i]
		run := 1 << (ix.depth - tb.depth)
		if i%run != 0 {
			t.Fatalf("table at dir %d with depth %d is misaligned", i, tb.depth)
		}
		for j := i; j < i+run; j++ {
			if ix.dir[j] != tb {
				t.Fatalf("dir %d: run of table depth %d broken", j, tb.depth)
			}
		}
		mask := uint64(len(tb.slots) - 1)
		if len(tb.slots)&(len(tb.slots)-1) != 0 || (tb.n+1)*4 > len(tb.slots)*3+4 {
			t.Fatalf("table with %d slots holds %d", len(tb.slots), tb.n)
		}
		n := 0
		for k, s := range tb.slots {
			if s.e == nil {
				continue
			}
			n++
			if s.h>>(64-uint64(ix.depth))&(uint64(len(ix.dir))-1) < uint64(i) ||
				s.h>>(64-uint64(ix.depth))&(uint64(len(ix.dir))-1) >= uint64(i+run) {
				t.Fatalf("hash %x in the wrong table", s.h)
			}
			// Every slot from home to k must be occupied (no gap in the run).
			for p := home(s.h, mask); p != uint64(k); p = (p + 1) & mask {
				if tb.slots[p].e == nil {
					t.Fatalf("gap between home %d and slot %d", home(s.h, mask), k)
				}
			}
		}
		if n != tb.n {
			t.Fatalf("table counts %d, holds %d", tb.n, n)
		}
		total += n
		i += run
	}
	return total
}

// TestIndexModel runs random inserts, replaces and removes against a map,
// through growth, splits and shrinking, checking every invariant as it goes.
func TestIndexModel(t *testing.T) {
	seed := maphash.MakeSeed()
	rng := rand.New(rand.NewPCG(1, 2))
	var ix index
	model := map[string]*entry{}
	keyOf := func(i int) string { return fmt.Sprintf("k%d", i) }
	h := func(k string) uint64 { return maphash.String(seed, k) }
	check := func(step int) {
		if n := checkIndex(t, &ix); n != len(model) {
			t.Fatalf("step %d: index holds %d, model %d", step, n, len(model))
		}
	}
	for step := range 200000 {
		k := keyOf(rng.IntN(20000))
		cur := model[k]
		if got := ix.get(h(k), []byte(k)); got != cur {
			t.Fatalf("step %d: get %q = %p, want %p", step, k, got, cur)
		}
		switch op := rng.IntN(10); {
		case cur == nil && (op < 6 || step < 100000):
			e := &entry{}
			e.setKey([]byte(k))
			ix.insert(h(k), e)
			model[k] = e
		case cur != nil && op < 3:
			e := &entry{}
			e.setKey([]byte(k))
			ix.replace(h(k), cur, e)
			model[k] = e
		case cur != nil:
			ix.remove(h(k), cur)
			delete(model, k)
		}
		if step%20000 == 0 {
			check(step)
		}
	}
	check(-1)
	depth := ix.depth
	// Empty it in random order: tables shrink and nothing is lost.
	i := 0
	for k, e := range model {
		if ix.get(h(k), []byte(k)) != e {
			t.Fatalf("lost %q", k)
		}
		ix.remove(h(k), e)
		delete(model, k)
		if i++; i%1000 == 0 {
			check(-2)
		}
	}
	check(-3)
	if depth < 3 {
		t.Fatalf("dir depth %d: the test never split much", depth)
	}
	for _, tb := range ix.dir {
		if len(tb.slots) != minTableSlots {
			t.Fatalf("an empty table kept %d slots", len(tb.slots))
		}
	}
}

// TestIndexCollidingHashes stores keys whose hashes are all equal: lookups
// must compare keys, and a table must grow rather than split forever.
func TestIndexCollidingHashes(t *testing.T) {
	var ix index
	var es []*entry
	for i := range 3000 {
		e := &entry{}
		e.setKey(fmt.Appendf(nil, "key-%d", i))
		ix.insert(42, e)
		es = append(es, e)
	}
	for _, e := range es {
		if ix.get(42, bytesOf(e.key)) != e {
			t.Fatalf("lost %q", e.key)
		}
	}
	if ix.get(42, []byte("absent")) != nil {
		t.Fatal("found an absent key")
	}
	for _, e := range es[:2990] {
		ix.remove(42, e)
	}
	if n := checkIndex(t, &ix); n != 10 {
		t.Fatalf("holds %d, want 10", n)
	}
}

// TestEntryKeyInline checks that short keys live in the entry and long
// ones outside it, with the same contents.
func TestEntryKeyInline(t *testing.T) {
	for _, n := range []int{0, 1, 23, 24, 25, 100} {
		k := make([]byte, n)
		for i := range k {
			k[i] = byte('a' + i%26)
		}
		e := &entry{}
		e.setKey(k)
		if e.key != string(k) {
			t.Fatalf("len %d: key %q", n, e.key)
		}
		if n > 0 {
			k[0] = 'Z' // the entry must hold a copy
			if e.key[0] == 'Z' {
				t.Fatalf("len %d: key aliases the caller's bytes", n)
			}
		}
	}
}
