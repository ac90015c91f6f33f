package backendtest

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"sync"

	"redpool/backend"
)

// scan collects db's keys and types with Scan calls of count, each in its
// own View, running between(i) after each call.
func (h *harness) scan(db int, count int, between func(i int)) map[string]backend.Type {
	h.t.Helper()
	got := map[string]backend.Type{}
	h.scanLoop(db, nil, "Scan", between, func(tx backend.Tx, cursor uint64) (uint64, error) {
		return tx.Scan(cursor, count, func(key []byte, typ backend.Type) error {
			got[string(key)] = typ
			return nil
		})
	})
	return got
}

// scanLoop runs step (one call of a SCAN-like operation named name from
// cursor, returning the next) in its own View on keys until the cursor
// comes back to 0, running between(i) after each call but the last.
func (h *harness) scanLoop(db int, keys []string, name string, between func(i int), step func(tx backend.Tx, cursor uint64) (uint64, error)) {
	h.t.Helper()
	var cursor uint64
	for i := 0; ; i++ {
		if i > 1_000_000 {
			h.t.Fatalf("%s does not finish", name)
		}
		h.view(db, keys, func(tx backend.Tx) (err error) {
			cursor, err = step(tx, cursor)
			return err
		})
		if cursor == 0 {
			return
		}
		if between != nil {
			between(i)
		}
	}
}

func testScan(h *harness) {
	t := h.t
	want := map[string]backend.Type{}
	for i := range 1000 {
		key := fmt.Sprint("key:", i)
		h.set(0, key, "v", 0)
		want[key] = backend.TypeString
	}
	for i := range 10 {
		h.rpush(0, fmt.Sprint("list:", i), "a")
		want[fmt.Sprint("list:", i)] = backend.TypeList
		h.hset(0, fmt.Sprint("hash:", i), "f", "v")
		want[fmt.Sprint("hash:", i)] = backend.TypeHash
	}
	h.set(0, "exp", "v", h.now()+10)
	h.advance(10)
	want1 := map[string]backend.Type{}
	for i := range 5 {
		h.set(1, fmt.Sprint("other:", i), "v", 0)
		want1[fmt.Sprint("other:", i)] = backend.TypeString
	}
	for _, count := range []int{1, 7, 100, 5000} {
		if got := h.scan(0, count, nil); !maps.Equal(got, want) {
			t.Fatalf("Scan(count %d): %d keys, want %d", count, len(got), len(want))
		}
	}
	if got := h.scan(1, 2, nil); !maps.Equal(got, want1) {
		t.Fatalf("Scan db 1 = %v", got)
	}
	// An empty database finishes at once.
	h.view(2, nil, func(tx backend.Tx) error {
		next, err := tx.Scan(0, 10, func([]byte, backend.Type) error { return errors.New("called") })
		if next != 0 {
			return fmt.Errorf("Scan(empty) cursor = %d", next)
		}
		return err
	})
	// A whole scan inside one transaction.
	got := map[string]int{}
	h.view(0, nil, func(tx backend.Tx) error {
		clear(got)
		var cursor uint64
		for {
			next, err := tx.Scan(cursor, 64, func(key []byte, _ backend.Type) error {
				got[string(key)]++
				return nil
			})
			if err != nil || next == 0 {
				return err
			}
			cursor = next
		}
	})
	if len(got) != len(want) {
		t.Fatalf("Scan in one tx: %d keys, want %d", len(got), len(want))
	}
	// fn's error is returned.
	stop := errors.New("stop")
	err := h.tryView(0, nil, func(tx backend.Tx) error {
		_, err := tx.Scan(0, 10, func([]byte, backend.Type) error { return stop })
		return err
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Scan with failing fn err = %v", err)
	}
}

// churner adds and deletes its own keys (or hash fields) at random.
type churner struct {
	live []string
	next int
	name string
	rng  *rand.Rand
}

// step returns a name to add (add true) or one of live to delete.
func (c *churner) step() (name string, add bool) {
	if len(c.live) > 0 && c.rng.IntN(5) < 3 {
		i := c.rng.IntN(len(c.live))
		name = c.live[i]
		c.live[i] = c.live[len(c.live)-1]
		c.live = c.live[:len(c.live)-1]
		return name, false
	}
	return c.add(), true
}

// add returns a new name, now live.
func (c *churner) add() string {
	c.next++
	name := fmt.Sprintf("%s:%d", c.name, c.next)
	c.live = append(c.live, name)
	return name
}

// testScanConcurrent: keys present for a whole scan are all seen although
// other keys are added and deleted between (and during) Scan calls.
func testScanConcurrent(h *harness) {
	t := h.t
	const stable, writers = 500, 3
	ch := make([]*churner, writers)
	for g := range ch {
		ch[g] = &churner{name: fmt.Sprint("churn", g), rng: rand.New(rand.NewPCG(uint64(g), 9))}
	}
	// Keys that exist at the start and go, then the stable keys (see
	// testHashScanConcurrent).
	for i := range 3 * stable {
		h.set(0, ch[i%writers].add(), "v", 0)
	}
	for i := range stable {
		h.set(0, fmt.Sprint("stable:", i), "v", 0)
	}
	churn := func(c *churner, n int) error {
		for range n {
			name, add := c.step()
			err := h.tryUpdate(0, k(name), func(tx backend.Tx) error {
				if add {
					return tx.Set(b(name), b("v"), 0, false)
				}
				ok, err := tx.Delete(b(name))
				if err == nil && !ok {
					err = fmt.Errorf("churn key %q missing", name)
				}
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	// One writer runs freely during the whole test.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := &churner{name: "free", rng: rand.New(rand.NewPCG(7, 7))}
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := churn(c, 1); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	defer func() {
		close(stop)
		wg.Wait()
	}()
	between := func(int) {
		var bw sync.WaitGroup
		for _, c := range ch {
			bw.Add(1)
			go func() {
				defer bw.Done()
				if err := churn(c, 25); err != nil {
					t.Error(err)
				}
			}()
		}
		bw.Wait()
	}
	for _, count := range []int{7, 50} {
		got := h.scan(0, count, between)
		missing := 0
		for i := range stable {
			if _, ok := got[fmt.Sprint("stable:", i)]; !ok {
				missing++
			}
		}
		if missing > 0 {
			t.Fatalf("Scan(count %d) under churn missed %d of %d stable keys", count, missing, stable)
		}
	}
}

// testHashScanConcurrent: HashScan's guarantee under concurrent changes to
// the same hash between calls.
func testHashScanConcurrent(h *harness) {
	t := h.t
	const stable, writers = 500, 2
	ch := make([]*churner, writers)
	var pairs []string
	for g := range ch {
		ch[g] = &churner{name: fmt.Sprint("c", g), rng: rand.New(rand.NewPCG(uint64(g), 5))}
	}
	// Churn fields first, then stable ones: implementations that append
	// and swap-delete keep the stable fields at the end, where deletes
	// move them around.
	for i := range 2 * stable {
		pairs = append(pairs, ch[i%writers].add(), "v")
	}
	for i := range stable {
		pairs = append(pairs, fmt.Sprint("s:", i), "v")
	}
	h.hset(0, "h", pairs...)
	between := func(int) {
		var bw sync.WaitGroup
		for _, c := range ch {
			bw.Add(1)
			go func() {
				defer bw.Done()
				for range 10 {
					name, add := c.step()
					err := h.tryUpdate(0, k("h"), func(tx backend.Tx) error {
						if add {
							_, err := tx.HashSet(b("h"), bs(name, "v"), false)
							return err
						}
						n, err := tx.HashDel(b("h"), bs(name))
						if err == nil && n != 1 {
							err = fmt.Errorf("churn field %q missing", name)
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
		bw.Wait()
	}
	for _, count := range []int{5, 40} {
		got := h.hashScan(0, "h", count, between)
		missing := 0
		for i := range stable {
			if _, ok := got[fmt.Sprint("s:", i)]; !ok {
				missing++
			}
		}
		if missing > 0 {
			t.Fatalf("HashScan(count %d) under churn missed %d of %d stable fields", count, missing, stable)
		}
	}
}
