package backendtest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"

	"redpool/backend"
)

// RunSlots runs the cluster slot tests (backend.SlotTx) as subtests of t:
// each with Config.SlotIndex off (the methods scan) and on (the backend
// keeps an index), then the whole contract suite (Run) with the index on,
// checking after every test, before the backend closes, that each
// database's index agrees with a recount of its keys (slotCheck). So
// every path a key takes in the suite (every type's writes, expiry,
// RENAME, MOVE, COPY, SWAPDB, FLUSHDB, Put of a snapshot, eviction) is
// held against the index. The Factory must honour Config.SlotIndex.
func RunSlots(t *testing.T, open Factory) {
	tests := []struct {
		name string
		fn   func(h *harness)
	}{
		{"Basics", testSlotBasics},
		{"Types", testSlotTypes},
		{"Expiry", testSlotExpiry},
		{"Rename", testSlotRename},
		{"MoveCopy", testSlotMoveCopy},
		{"SwapFlush", testSlotSwapFlush},
		{"DeleteWhileListing", testSlotDeleteWhileListing},
		{"Model", testSlotModel},
	}
	for _, indexed := range []bool{false, true} {
		name := "IndexOff"
		if indexed {
			name = "IndexOn"
		}
		t.Run(name, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.fn(newHarness(t, slotFactory(open, indexed, false)))
				})
			}
		})
	}
	t.Run("SuiteIndexed", func(t *testing.T) {
		if testing.Short() {
			t.Skip("the whole suite again")
		}
		Run(t, slotFactory(open, true, true))
	})
}

// slotFactory opens backends with Config.SlotIndex set to indexed; with
// check, each is wrapped so that its first Close checks the index first.
func slotFactory(open Factory, indexed, check bool) Factory {
	return func(t *testing.T, c Config) (backend.Backend, func()) {
		c.SlotIndex = indexed
		be, cycle := open(t, c)
		if !check || be == nil {
			return be, cycle
		}
		sc := &slotChecked{Backend: be, t: t}
		if ev, ok := be.(backend.Evictor); ok {
			return &slotCheckedEvictor{sc, ev}, cycle
		}
		return sc, cycle
	}
}

// slotChecked is a backend whose first Close checks its slot index.
type slotChecked struct {
	backend.Backend
	t    *testing.T
	once sync.Once
}

// Close checks the index (unless the backend is closed already) and
// closes the backend.
func (s *slotChecked) Close() error {
	s.once.Do(func() { slotCheck(s.t, s.Backend) })
	return s.Backend.Close()
}

// slotCheckedEvictor keeps a backend's eviction visible through the wrapper.
type slotCheckedEvictor struct {
	*slotChecked
	backend.Evictor
}

// UsedBytes resolves the name both embedded types have.
func (s *slotCheckedEvictor) UsedBytes() int64 { return s.Evictor.UsedBytes() }

// slotTx returns tx as a backend.SlotTx, failing t if it is not one.
func slotTx(t testing.TB, tx backend.Tx) backend.SlotTx {
	t.Helper()
	st, ok := tx.(backend.SlotTx)
	if !ok {
		t.Fatalf("%T does not implement backend.SlotTx", tx)
	}
	return st
}

// slotKeys returns KeysInSlot(slot, count) sorted, failing on duplicates.
func slotKeys(st backend.SlotTx, slot, count int) ([]string, error) {
	var out []string
	err := st.KeysInSlot(slot, count, func(key []byte) error {
		out = append(out, string(key))
		return nil
	})
	sort.Strings(out)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return out, fmt.Errorf("KeysInSlot(%d) gave %q twice", slot, out[i])
		}
	}
	return out, err
}

// slotCheck checks the backend's own bookkeeping (slotChecker) and
// compares every database's CountKeysInSlot and KeysInSlot with a recount
// of its live keys (Scan). A closed backend is not checked.
func slotCheck(t *testing.T, be backend.Backend) {
	t.Helper()
	if c, ok := be.(slotChecker); ok {
		if err := c.CheckSlotIndex(); err != nil {
			t.Errorf("slot index: %v", err)
		}
	}
	for db := range be.Databases() {
		err := be.View(backend.TxOptions{DB: db, All: true}, func(tx backend.Tx) error {
			return slotCompare(tx)
		})
		if errors.Is(err, backend.ErrClosed) {
			return
		}
		if err != nil {
			t.Errorf("slot index of db %d: %v", db, err)
		}
	}
}

// slotChecker is implemented (in its tests) by a backend that can check
// its slot index's own bookkeeping, beyond what the answers show.
type slotChecker interface {
	CheckSlotIndex() error
}

// slotCompare checks tx's database's slot answers against a recount of
// its keys.
func slotCompare(tx backend.Tx) error {
	st, ok := tx.(backend.SlotTx)
	if !ok {
		return fmt.Errorf("%T does not implement backend.SlotTx", tx)
	}
	want := map[int][]string{}
	var cursor uint64
	for {
		next, err := tx.Scan(cursor, 1000, func(key []byte, _ backend.Type) error {
			s := backend.KeySlot(key)
			want[s] = append(want[s], string(key))
			return nil
		})
		if err != nil {
			return err
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	// Every slot the recount found keys in, and a spread of others (a
	// backend's own check, slotChecker, finds stray index entries; and
	// without an index each call scans the database).
	slots := make([]int, 0, len(want)+backend.ClusterSlots/512+1)
	for slot := range want {
		slots = append(slots, slot)
	}
	for slot := 0; slot < backend.ClusterSlots; slot += 511 {
		slots = append(slots, slot)
	}
	slots = append(slots, backend.ClusterSlots-1)
	for _, slot := range slots {
		n, err := st.CountKeysInSlot(slot)
		if err != nil {
			return err
		}
		w := want[slot]
		if n != int64(len(w)) {
			return fmt.Errorf("CountKeysInSlot(%d) = %d, want %d (%q)", slot, n, len(w), w)
		}
		if len(w) == 0 {
			continue
		}
		got, err := slotKeys(st, slot, len(w)+1)
		if err != nil {
			return err
		}
		sort.Strings(w)
		if !slices.Equal(got, w) {
			return fmt.Errorf("KeysInSlot(%d) = %q, want %q", slot, got, w)
		}
	}
	return nil
}

// mustSlots fails h's test unless db's slot answers agree with a recount.
func (h *harness) mustSlots(db int) {
	h.t.Helper()
	h.view(db, nil, slotCompare)
	if c, ok := h.b.(slotChecker); ok {
		if err := c.CheckSlotIndex(); err != nil {
			h.t.Fatalf("slot index: %v", err)
		}
	}
}

// slotCount is CountKeysInSlot of key's slot in db.
func (h *harness) slotCount(db int, key string) int64 {
	h.t.Helper()
	var n int64
	h.view(db, nil, func(tx backend.Tx) (err error) {
		n, err = slotTx(h.t, tx).CountKeysInSlot(backend.KeySlot(b(key)))
		return err
	})
	return n
}

// mustSlot fails unless key's slot in db holds exactly want (by
// CountKeysInSlot and KeysInSlot).
func (h *harness) mustSlot(db int, key string, want ...string) {
	h.t.Helper()
	slot := backend.KeySlot(b(key))
	var got []string
	var n int64
	h.view(db, nil, func(tx backend.Tx) (err error) {
		st := slotTx(h.t, tx)
		if n, err = st.CountKeysInSlot(slot); err != nil {
			return err
		}
		got, err = slotKeys(st, slot, 100)
		return err
	})
	sort.Strings(want)
	if n != int64(len(want)) || !slices.Equal(got, want) {
		h.t.Fatalf("db %d slot %d: count %d, keys %q; want %q", db, slot, n, got, want)
	}
}

func testSlotBasics(h *harness) {
	t := h.t
	h.mustSlot(0, "{a}")
	for _, key := range []string{"{a}1", "{a}2", "{a}3", "foo", "", "{b}x"} {
		h.set(0, key, "v", 0)
	}
	h.mustSlot(0, "{a}", "{a}1", "{a}2", "{a}3")
	h.mustSlot(0, "foo", "foo")
	h.mustSlot(0, "", "") // slot 0
	h.mustSlot(0, "{b}", "{b}x")
	if n := h.slotCount(0, "{c}"); n != 0 {
		t.Fatalf("empty slot count %d", n)
	}
	// Overwriting changes nothing; a count limits the keys listed.
	h.set(0, "{a}1", "w", 0)
	h.mustSlot(0, "{a}", "{a}1", "{a}2", "{a}3")
	h.view(0, nil, func(tx backend.Tx) error {
		st := slotTx(t, tx)
		for count, want := range map[int]int{0: 0, -1: 0, 1: 1, 2: 2, 3: 3, 10: 3} {
			got, err := slotKeys(st, backend.KeySlot(b("{a}")), count)
			if err != nil || len(got) != want {
				t.Fatalf("KeysInSlot count %d: %q, %v; want %d keys", count, got, err, want)
			}
		}
		// A callback's error stops the walk and is returned.
		stop := errors.New("stop")
		calls := 0
		err := st.KeysInSlot(backend.KeySlot(b("{a}")), 10, func([]byte) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Fatalf("KeysInSlot with a failing callback: %v after %d calls", err, calls)
		}
		for _, slot := range []int{-1, backend.ClusterSlots, 1 << 20} {
			if _, err := st.CountKeysInSlot(slot); !errors.Is(err, backend.ErrBadSlot) {
				t.Fatalf("CountKeysInSlot(%d): %v, want ErrBadSlot", slot, err)
			}
			if err := st.KeysInSlot(slot, 1, func([]byte) error { return nil }); !errors.Is(err, backend.ErrBadSlot) {
				t.Fatalf("KeysInSlot(%d): %v, want ErrBadSlot", slot, err)
			}
		}
		return nil
	})
	// Both need All.
	err := h.tryView(0, k("{a}1"), func(tx backend.Tx) error {
		_, err := slotTx(t, tx).CountKeysInSlot(0)
		return err
	})
	if !errors.Is(err, backend.ErrNotLocked) {
		t.Fatalf("CountKeysInSlot without All: %v, want ErrNotLocked", err)
	}
	err = h.tryView(0, k("{a}1"), func(tx backend.Tx) error {
		return slotTx(t, tx).KeysInSlot(0, 1, func([]byte) error { return nil })
	})
	if !errors.Is(err, backend.ErrNotLocked) {
		t.Fatalf("KeysInSlot without All: %v, want ErrNotLocked", err)
	}
	// Delete.
	h.update(0, k("{a}2"), func(tx backend.Tx) error { _, err := tx.Delete(b("{a}2")); return err })
	h.mustSlot(0, "{a}", "{a}1", "{a}3")
	// An Update sees its own writes.
	h.update(0, nil, func(tx backend.Tx) error {
		if err := tx.Set(b("{a}4"), b("v"), 0, false); err != nil {
			return err
		}
		if n, err := slotTx(t, tx).CountKeysInSlot(backend.KeySlot(b("{a}"))); n != 3 || err != nil {
			t.Fatalf("CountKeysInSlot after Set in the same Update = %d, %v; want 3", n, err)
		}
		return nil
	})
	h.mustSlots(0)
}

// testSlotTypes: every type's creation and removal (the key emptied)
// counts.
func testSlotTypes(h *harness) {
	t := h.t
	keys := []string{"{t}str", "{t}app", "{t}rng", "{t}list", "{t}hash", "{t}set", "{t}zset", "{t}stream"}
	h.update(0, keys, func(tx backend.Tx) error {
		if err := tx.Set(b("{t}str"), b("v"), 0, false); err != nil {
			return err
		}
		if _, err := tx.Append(b("{t}app"), b("v")); err != nil {
			return err
		}
		if _, err := tx.SetRange(b("{t}rng"), 3, b("v")); err != nil {
			return err
		}
		if _, err := tx.ListPush(b("{t}list"), false, bs("a"), false); err != nil {
			return err
		}
		if _, err := tx.HashSet(b("{t}hash"), bs("f", "v"), false); err != nil {
			return err
		}
		if _, err := tx.SetAdd(b("{t}set"), bs("m")); err != nil {
			return err
		}
		if _, err := tx.ZAdd(b("{t}zset"), 0, []backend.ScoredMember{{Member: b("m"), Score: 1}}); err != nil {
			return err
		}
		return tx.XAppend(b("{t}stream"), backend.StreamID{Ms: 1}, bs("f", "v"), true, 1)
	})
	h.mustSlot(0, "{t}", keys...)
	// Emptying a collection removes its key.
	h.update(0, keys, func(tx backend.Tx) error {
		if _, err := tx.ListPop(b("{t}list"), true, 1); err != nil {
			return err
		}
		if _, err := tx.HashDel(b("{t}hash"), bs("f")); err != nil {
			return err
		}
		if _, err := tx.SetRem(b("{t}set"), bs("m")); err != nil {
			return err
		}
		_, err := tx.ZRem(b("{t}zset"), bs("m"))
		return err
	})
	h.mustSlot(0, "{t}", "{t}str", "{t}app", "{t}rng", "{t}stream")
	// A write of another type over a key replaces it in place.
	h.update(0, k("{t}str"), func(tx backend.Tx) error {
		_, err := tx.ListPush(b("{t}str"), false, bs("x"), false)
		if !errors.Is(err, backend.ErrWrongType) {
			t.Fatalf("ListPush on a string: %v", err)
		}
		return tx.Set(b("{t}str"), b("again"), 0, false)
	})
	h.mustSlot(0, "{t}", "{t}str", "{t}app", "{t}rng", "{t}stream")
	h.mustSlots(0)
}

func testSlotExpiry(h *harness) {
	t := h.t
	now := h.now()
	h.set(0, "{e}soon", "v", now+100)
	h.set(0, "{e}later", "v", now+10_000)
	h.set(0, "{e}never", "v", 0)
	h.set(0, "{e}persisted", "v", now+100)
	h.setExpire(0, "{e}persisted", 0)
	h.set(0, "{e}gained", "v", 0)
	h.setExpire(0, "{e}gained", now+100)
	h.mustSlot(0, "{e}", "{e}soon", "{e}later", "{e}never", "{e}persisted", "{e}gained")
	// Expired keys are gone from both answers before anything reclaims
	// them (lazily in a View, which cannot delete).
	h.advance(100)
	h.mustSlot(0, "{e}", "{e}later", "{e}never", "{e}persisted")
	// A write that meets an expired key removes it.
	h.update(0, k("{e}soon"), func(tx backend.Tx) error {
		_, err := tx.Exists(b("{e}soon"))
		return err
	})
	h.mustSlot(0, "{e}", "{e}later", "{e}never", "{e}persisted")
	// Active expiry.
	h.advance(10_000)
	h.mustSlot(0, "{e}", "{e}never", "{e}persisted")
	h.expireCycle()
	h.mustSlot(0, "{e}", "{e}never", "{e}persisted")
	h.expired.take()
	// An expiry in the past deletes; Set with an expiry over an expired key.
	h.setExpire(0, "{e}never", h.now())
	h.set(0, "{e}again", "v", h.now()+5)
	h.mustSlot(0, "{e}", "{e}persisted", "{e}again")
	h.advance(5)
	h.set(0, "{e}again", "w", h.now()+5)
	h.mustSlot(0, "{e}", "{e}persisted", "{e}again")
	h.mustSlots(0)
	if n := h.slotCount(0, "{e}"); n != 2 {
		t.Fatalf("count %d", n)
	}
}

func testSlotRename(h *harness) {
	h.set(0, "{a}src", "v", h.now()+5000)
	h.rpush(0, "{a}list", "x")
	h.set(0, "{b}dst", "old", 0)
	rename := func(src, dst string) {
		h.t.Helper()
		h.update(0, k(src, dst), func(tx backend.Tx) error { return tx.Rename(b(src), b(dst)) })
	}
	rename("{a}src", "{b}new") // across slots, to a new key
	h.mustSlot(0, "{a}", "{a}list")
	h.mustSlot(0, "{b}", "{b}new", "{b}dst")
	rename("{b}new", "{b}dst") // within a slot, over a key
	h.mustSlot(0, "{b}", "{b}dst")
	rename("{a}list", "{b}dst") // across slots, over a key of another type
	h.mustSlot(0, "{a}")
	h.mustSlot(0, "{b}", "{b}dst")
	rename("{b}dst", "{c}x")
	h.mustSlot(0, "{b}")
	h.mustSlot(0, "{c}", "{c}x")
	// The expiry went along.
	h.advance(5000)
	rename("{c}x", "{a}y")
	h.mustSlot(0, "{a}", "{a}y")
	h.mustSlots(0)
}

func testSlotMoveCopy(h *harness) {
	t := h.t
	h.set(0, "{m}a", "v", 0)
	h.hset(0, "{m}h", "f", "v")
	h.update(0, nil, func(tx backend.Tx) error {
		ok, err := tx.Move(b("{m}a"), 1)
		if !ok || err != nil {
			t.Fatalf("Move: %v %v", ok, err)
		}
		return nil
	})
	h.mustSlot(0, "{m}", "{m}h")
	h.mustSlot(1, "{m}", "{m}a")
	// Back, from database 1.
	h.update(1, nil, func(tx backend.Tx) error {
		ok, err := tx.Move(b("{m}a"), 0)
		if !ok || err != nil {
			t.Fatalf("Move back: %v %v", ok, err)
		}
		return nil
	})
	h.mustSlot(0, "{m}", "{m}a", "{m}h")
	h.mustSlot(1, "{m}")
	// Copy within database 0 (to another slot, then over a key), and
	// from database 2 into 0.
	h.set(0, "{n}over", "x", 0)
	h.set(2, "{m}from2", "z", 0)
	h.update(0, nil, func(tx backend.Tx) error {
		for _, c := range []struct {
			src, dst string
			db       int
		}{{"{m}h", "{n}h", 0}, {"{m}a", "{n}over", 0}, {"{m}a", "{m}in1", 1}} {
			if ok, err := tx.Copy(b(c.src), c.db, b(c.dst), true); !ok || err != nil {
				t.Fatalf("Copy %s %s: %v %v", c.src, c.dst, ok, err)
			}
		}
		return nil
	})
	h.update(2, nil, func(tx backend.Tx) error {
		ok, err := tx.Copy(b("{m}from2"), 0, b("{m}from2"), false)
		if !ok || err != nil {
			t.Fatalf("Copy from db 2: %v %v", ok, err)
		}
		return nil
	})
	h.mustSlot(0, "{m}", "{m}a", "{m}h", "{m}from2")
	h.mustSlot(0, "{n}", "{n}h", "{n}over")
	h.mustSlot(1, "{m}", "{m}in1")
	for db := range databases {
		h.mustSlots(db)
	}
}

func testSlotSwapFlush(h *harness) {
	t := h.t
	h.set(0, "{s}zero", "0", 0)
	h.set(0, "{s}vol", "0", h.now()+100)
	h.set(1, "{s}one", "1", 0)
	h.set(1, "{s}one-vol", "1", h.now()+100)
	h.rpush(1, "{s}list", "x")
	swap := func(a, c int) {
		t.Helper()
		h.update(0, nil, func(tx backend.Tx) error { return tx.SwapDB(a, c) })
	}
	swap(0, 1)
	h.mustSlot(0, "{s}", "{s}one", "{s}one-vol", "{s}list")
	h.mustSlot(1, "{s}", "{s}zero", "{s}vol")
	// Writes after the swap keep the new database 0 indexed.
	h.set(0, "{s}new", "n", 0)
	h.update(0, k("{s}one"), func(tx backend.Tx) error { _, err := tx.Delete(b("{s}one")); return err })
	h.mustSlot(0, "{s}", "{s}one-vol", "{s}list", "{s}new")
	h.advance(100)
	h.mustSlot(0, "{s}", "{s}list", "{s}new")
	swap(2, 1) // not database 0
	h.mustSlot(2, "{s}", "{s}zero")
	swap(1, 0)
	h.mustSlot(1, "{s}", "{s}list", "{s}new")
	h.mustSlot(0, "{s}")
	swap(0, 2)
	h.mustSlot(0, "{s}", "{s}zero")
	for db := range databases {
		h.mustSlots(db)
	}
	// Flush.
	h.set(3, "{s}three", "3", 0)
	h.update(0, nil, func(tx backend.Tx) error { return tx.Flush() })
	h.mustSlot(0, "{s}")
	h.set(0, "{s}after", "a", 0)
	h.mustSlot(0, "{s}", "{s}after")
	h.mustSlot(3, "{s}", "{s}three")
	h.update(3, nil, func(tx backend.Tx) error { return tx.FlushAll() })
	for db := range databases {
		h.mustSlot(db, "{s}")
	}
	h.set(0, "{s}last", "a", 0)
	h.mustSlot(0, "{s}", "{s}last")
	h.mustSlots(0)
}

// testSlotDeleteWhileListing: KeysInSlot's callback may delete the key it
// is given (the way slot migration empties a slot).
func testSlotDeleteWhileListing(h *harness) {
	t := h.t
	var want []string
	for i := range 300 {
		key := fmt.Sprint("{d}", i)
		want = append(want, key)
		h.set(0, key, "v", 0)
	}
	h.set(0, "{other}", "v", 0)
	var got []string
	h.update(0, nil, func(tx backend.Tx) error {
		return slotTx(t, tx).KeysInSlot(backend.KeySlot(b("{d}")), 1000, func(key []byte) error {
			got = append(got, string(key))
			_, err := tx.Delete(key)
			return err
		})
	})
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("deleting while listing saw %d keys (%q...), want %d", len(got), got[:min(5, len(got))], len(want))
	}
	h.mustSlot(0, "{d}")
	h.mustSlot(0, "{other}", "{other}")
}

// testSlotModel runs random writes over keys of a few slots (sets with
// and without expiry, deletes, renames, expiry changes, moves, the clock
// moving) and checks the slot answers of databases 0 and 1 against a
// recount after each step.
func testSlotModel(h *harness) {
	rng := rand.New(rand.NewPCG(7, 11))
	tags := []string{"{a}", "{b}", "{c}", "", "x"}
	key := func() string { return fmt.Sprint(tags[rng.IntN(len(tags))], rng.IntN(6)) }
	steps := 300
	if testing.Short() {
		steps = 100
	}
	for step := range steps {
		k1, k2 := key(), key()
		switch op := rng.IntN(10); op {
		case 0, 1:
			h.set(0, k1, "v", 0)
		case 2:
			h.set(0, k1, "v", h.now()+int64(1+rng.IntN(50)))
		case 3:
			h.update(0, k(k1), func(tx backend.Tx) error { _, err := tx.Delete(b(k1)); return err })
		case 4:
			h.update(0, k(k1, k2), func(tx backend.Tx) error {
				if err := tx.Rename(b(k1), b(k2)); err != nil && !errors.Is(err, backend.ErrNoSuchKey) {
					return err
				}
				return nil
			})
		case 5:
			at := int64(0)
			if rng.IntN(2) == 0 {
				at = h.now() + int64(rng.IntN(50))
			}
			h.update(0, k(k1), func(tx backend.Tx) error { _, err := tx.SetExpireAt(b(k1), at); return err })
		case 6:
			h.update(rng.IntN(2), nil, func(tx backend.Tx) error { _, err := tx.Move(b(k1), 1-tx.DB()); return err })
		case 7:
			h.advance(int64(rng.IntN(30)))
		case 8:
			h.hset(0, k1+"h", "f", "v")
		case 9:
			if rng.IntN(10) == 0 {
				h.expireCycle()
			} else {
				h.rpush(0, k1+"l", "x")
			}
		}
		for db := range 2 {
			if err := h.tryView(db, nil, slotCompare); err != nil {
				h.t.Fatalf("step %d, db %d: %v", step, db, err)
			}
		}
		if c, ok := h.b.(slotChecker); ok {
			if err := c.CheckSlotIndex(); err != nil {
				h.t.Fatalf("step %d: slot index: %v", step, err)
			}
		}
	}
	h.expired.take()
}
