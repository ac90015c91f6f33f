package memory_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/backendtest"
	"redpool/backend/memory"
)

func TestContract(t *testing.T) {
	backendtest.Run(t, func(t *testing.T, c backendtest.Config) (backend.Backend, func()) {
		m := memory.New(memory.Options{Databases: c.Databases, Clock: c.Clock, OnExpire: c.OnExpire, ExpiryInterval: -1})
		return m, func() { m.ExpireCycle(time.Minute) }
	})
}

// load stores n string keys prefix+i in db 0, with expiry at (0 = none),
// in batches.
func load(t testing.TB, m *memory.Memory, prefix string, n int, val []byte, at int64) {
	t.Helper()
	const batch = 10_000
	for start := 0; start < n; start += batch {
		err := m.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
			var key []byte
			for i := start; i < min(start+batch, n); i++ {
				key = strconv.AppendInt(append(key[:0], prefix...), int64(i), 10)
				if err := tx.Set(key, val, at, false); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestActiveExpiryRealClock: 100,000 keys with a 100ms TTL, never read
// again, are (≥99%) removed by the background cycle. On an idle machine
// that takes about 1.3s; the test allows 30s so that a loaded machine or
// -race does not fail it (TestActiveExpiryManualClock bounds the work).
func TestActiveExpiryRealClock(t *testing.T) {
	const n = 100_000
	m := memory.New(memory.Options{})
	defer m.Close()
	load(t, m, "live:", 1000, []byte("v"), 0)
	// Each batch gets a 100ms TTL from its own insertion time (under -race
	// loading takes longer than the TTL).
	start := time.Now()
	var expireAt time.Time
	for b := range n / 10_000 {
		expireAt = time.Now().Add(100 * time.Millisecond)
		load(t, m, fmt.Sprint("exp", b, ":"), 10_000, []byte("value"), expireAt.UnixMilli())
	}
	loaded := time.Since(start)
	for {
		st := m.Stats()
		left := st.Keys[0] - 1000
		if left <= n/100 {
			t.Logf("100k keys loaded in %v; ≥99%% expired %v after the last TTL passed (%d left, %d expired)",
				loaded.Round(time.Millisecond), time.Since(expireAt).Round(time.Millisecond), left, st.ExpiredKeys)
			break
		}
		if time.Since(expireAt) > 30*time.Second {
			t.Fatalf("30s after the last TTL passed %d of %d keys remain", left, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := m.Stats().Keys[0]; got < 1000 {
		t.Fatalf("keys without TTL were removed: %d left", got)
	}
}

// TestActiveExpiryManualClock drives the cycle by hand: with a ManualClock
// and 100,000 keys expiring at once, 20 cycles are enough. The cycles get
// an unlimited time budget, so that what is counted is the cycle's work
// (it stops in each shard once a sample is mostly unexpired), not the
// machine's speed: with the 25ms budget Redis uses, a loaded machine or
// -race needed more than 20.
func TestActiveExpiryManualClock(t *testing.T) {
	const n = 100_000
	clock := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	m := memory.New(memory.Options{Clock: clock, ExpiryInterval: -1})
	defer m.Close()
	now := backend.NowMs(clock)
	load(t, m, "live:", 500, []byte("v"), 0)
	load(t, m, "later:", 500, []byte("v"), now+60_000)
	load(t, m, "exp:", n, []byte("value"), now+100)
	if k, _ := m.ExpireCycle(25 * time.Millisecond); k != 0 {
		t.Fatalf("cycle before the TTL expired %d keys", k)
	}
	clock.Advance(100 * time.Millisecond)
	total, cycles := 0, 0
	var maxHold time.Duration
	for m.Stats().Keys[0] > 1000+n/100 {
		if cycles++; cycles > 20 {
			t.Fatalf("after 20 cycles %d keys remain", m.Stats().Keys[0]-1000)
		}
		k, hold := m.ExpireCycle(time.Hour)
		total += k
		maxHold = max(maxHold, hold)
	}
	st := m.Stats()
	t.Logf("%d cycles expired %d keys; max lock hold %v", cycles, total, maxHold)
	if st.ExpiredKeys != int64(total) || st.Keys[0] != int64(n+1000-total) {
		t.Fatalf("ExpiredKeys %d, Keys %d, expired %d", st.ExpiredKeys, st.Keys[0], total)
	}
	// Run until done: exactly the volatile keys that expired go.
	for range 100 {
		if k, _ := m.ExpireCycle(time.Hour); k == 0 {
			break
		}
	}
	if st := m.Stats(); st.Keys[0] != 1000 || st.Expires[0] != 500 {
		t.Fatalf("at the end: Keys %d, Expires %d; want 1000, 500", st.Keys[0], st.Expires[0])
	}
}

// TestLazyExpiryCounts: lazily deleted keys count as expired.
func TestLazyExpiryCounts(t *testing.T) {
	clock := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	m := memory.New(memory.Options{Clock: clock, ExpiryInterval: -1})
	defer m.Close()
	key := []byte("k")
	o := backend.TxOptions{Keys: [][]byte{key}}
	_ = m.Update(o, func(tx backend.Tx) error { return tx.Set(key, []byte("v"), tx.Now()+10, false) })
	clock.Advance(10 * time.Millisecond)
	_ = m.View(o, func(tx backend.Tx) error { _, _, err := tx.Get(key); return err })
	if st := m.Stats(); st.ExpiredKeys != 0 || st.Keys[0] != 1 {
		t.Fatalf("after View: %+v", st)
	}
	_ = m.Update(o, func(tx backend.Tx) error { _, _, err := tx.Get(key); return err })
	if st := m.Stats(); st.ExpiredKeys != 1 || st.Keys[0] != 0 || st.Expires[0] != 0 {
		t.Fatalf("after Update: %+v", st)
	}
}

// TestSnapshotSerialized: a second Snapshot waits for the first to close.
func TestSnapshotSerialized(t *testing.T) {
	m := memory.New(memory.Options{})
	defer m.Close()
	s1, err := m.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan backend.Snapshot)
	go func() {
		s2, _ := m.Snapshot(nil)
		got <- s2
	}()
	select {
	case <-got:
		t.Fatal("second Snapshot did not wait")
	case <-time.After(50 * time.Millisecond):
	}
	// Writes go on meanwhile.
	_ = m.Update(backend.TxOptions{Keys: [][]byte{[]byte("k")}}, func(tx backend.Tx) error {
		return tx.Set([]byte("k"), []byte("v"), 0, false)
	})
	s1.Close()
	s2 := <-got
	n := 0
	if err := s2.Each(context.Background(), func(*backend.Entry) error { n++; return nil }); err != nil || n != 1 {
		t.Fatalf("second snapshot: %d entries, %v", n, err)
	}
	s2.Close()
}

// TestSnapshotAfterClose: an open snapshot stays readable after Close.
func TestSnapshotAfterClose(t *testing.T) {
	m := memory.New(memory.Options{})
	load(t, m, "k", 1000, []byte("v"), 0)
	s, err := m.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	n := 0
	if err := s.Each(context.Background(), func(*backend.Entry) error { n++; return nil }); err != nil || n != 1000 {
		t.Fatalf("Each after Close: %d entries, %v", n, err)
	}
	s.Close()
	if _, err := m.Snapshot(nil); !errors.Is(err, backend.ErrClosed) {
		t.Fatalf("Snapshot after Close: %v", err)
	}
}

// TestCloseStopsGoroutine: Close waits for the expiry goroutine.
func TestCloseStopsGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 20 {
		m := memory.New(memory.Options{ExpiryInterval: time.Millisecond})
		m.Close()
		m.Close()
	}
	// Close waits until the expiry goroutine has closed done; the goroutine
	// may still be returning then, so wait (boundedly) until it is gone.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines: %d before, %d after", before, after)
	}
}

// TestNoAllocs: GET allocates nothing and SET (overwrite) only the value copy.
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	m := memory.New(memory.Options{})
	defer m.Close()
	o := backend.TxOptions{Keys: benchKeys}
	if err := m.Update(o, setFn); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(1000, func() { _ = m.View(o, getFn) }); a != 0 {
		t.Errorf("GET: %v allocs, want 0", a)
	}
	if a := testing.AllocsPerRun(1000, func() { _ = m.Update(o, setFn) }); a != 1 {
		t.Errorf("SET: %v allocs, want 1", a)
	}
	if a := testing.AllocsPerRun(1000, func() { _ = m.Update(o, setTTLFn) }); a != 1 {
		t.Errorf("SET with TTL: %v allocs, want 1", a)
	}
	// A key too long to sit inside its entry, and prefetching.
	long := [][]byte{bytes.Repeat([]byte("k"), 40), benchKey}
	lo := backend.TxOptions{Keys: long[:1]}
	if err := m.Update(lo, func(tx backend.Tx) error { return tx.Set(long[0], benchVal, 0, false) }); err != nil {
		t.Fatal(err)
	}
	getLong := func(tx backend.Tx) error { _, _, err := tx.Get(long[0]); return err }
	if a := testing.AllocsPerRun(1000, func() { _ = m.View(lo, getLong) }); a != 0 {
		t.Errorf("GET of a 40-byte key: %v allocs, want 0", a)
	}
	if a := testing.AllocsPerRun(1000, func() { m.Prefetch(0, long) }); a != 0 {
		t.Errorf("Prefetch: %v allocs, want 0", a)
	}
}

// TestListPushScaling: a push costs the same however long the list. It
// counts work instead of timing it (a CPU-time ratio flaked with the
// machine's load): the bytes and allocations 1,000,000 LPUSHes take are
// about ten times those of 100,000. What makes a push O(n) in practice is
// copying the list (a prepend into a slice, a copy-on-write clone or an
// undo copy per write), and each of those allocates in proportion to the
// length, which would make the ratio about 100; a ring that doubles
// allocates a bounded amount per element however long it grows.
func TestListPushScaling(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("pushes 1.1M elements")
	}
	run := func(n int) (bytes, allocs uint64) {
		m := memory.New(memory.Options{ExpiryInterval: -1})
		defer m.Close()
		o := backend.TxOptions{Keys: benchKeys}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range n {
			if err := m.Update(o, lpushFn); err != nil {
				t.Fatal(err)
			}
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, after.Mallocs - before.Mallocs
	}
	smallBytes, smallAllocs := run(100_000)
	largeBytes, largeAllocs := run(1_000_000)
	bytesRatio := float64(largeBytes) / float64(max(smallBytes, 1))
	allocsRatio := float64(largeAllocs) / float64(max(smallAllocs, 1))
	t.Logf("100,000 LPUSH: %d bytes, %d allocations; 1,000,000 LPUSH: %d bytes, %d allocations; ratios %.2f and %.2f",
		smallBytes, smallAllocs, largeBytes, largeAllocs, bytesRatio, allocsRatio)
	if bytesRatio > 15 || allocsRatio > 15 {
		t.Errorf("1M pushes allocated %.1f times the bytes and %.1f times the allocations of 100k, want about 10", bytesRatio, allocsRatio)
	}
}

// Benchmark fixtures: fns are non-capturing so that they do not allocate.
var (
	benchKey  = []byte("bench:key")
	benchVal  = []byte("0123456789012345678901234567890123456789012345678901234567890123")
	benchKeys = [][]byte{benchKey}
)

func getFn(tx backend.Tx) error    { _, _, err := tx.Get(benchKey); return err }
func setFn(tx backend.Tx) error    { return tx.Set(benchKey, benchVal, 0, false) }
func setTTLFn(tx backend.Tx) error { return tx.Set(benchKey, benchVal, tx.Now()+60_000, false) }
func lpushFn(tx backend.Tx) error {
	_, err := tx.ListPush(benchKey, true, benchKeys, false)
	return err
}
func lpushRpopFn(tx backend.Tx) error {
	if _, err := tx.ListPush(benchKey, true, benchKeys, false); err != nil {
		return err
	}
	_, err := tx.ListPop(benchKey, false, 1)
	return err
}

func BenchmarkGet(b *testing.B) {
	m := memory.New(memory.Options{})
	defer m.Close()
	o := backend.TxOptions{Keys: benchKeys}
	_ = m.Update(o, setFn)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View(o, func(tx backend.Tx) error { _, _, err := tx.Get(benchKey); return err })
	}
}

func BenchmarkSet(b *testing.B) {
	m := memory.New(memory.Options{})
	defer m.Close()
	o := backend.TxOptions{Keys: benchKeys}
	_ = m.Update(o, setFn)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Update(o, func(tx backend.Tx) error { return tx.Set(benchKey, benchVal, 0, false) })
	}
}

// BenchmarkSetNewKeys inserts distinct keys (entry, key and value allocs).
func BenchmarkSetNewKeys(b *testing.B) {
	m := memory.New(memory.Options{})
	defer m.Close()
	b.ReportAllocs()
	key := make([]byte, 0, 32)
	keys := [][]byte{nil}
	i := 0
	for b.Loop() {
		key = strconv.AppendInt(append(key[:0], "key:"...), int64(i), 10)
		keys[0] = key
		i++
		_ = m.Update(backend.TxOptions{Keys: keys}, func(tx backend.Tx) error {
			return tx.Set(keys[0], benchVal, 0, false)
		})
	}
}

func benchParallel(b *testing.B, write bool) {
	m := memory.New(memory.Options{})
	defer m.Close()
	load(b, m, "key:", 100_000, benchVal, 0)
	var seq sync.Mutex
	next := 0
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		seq.Lock()
		g := next
		next++
		seq.Unlock()
		key := make([]byte, 0, 32)
		keys := [][]byte{nil}
		get := func(tx backend.Tx) error { _, _, err := tx.Get(keys[0]); return err }
		set := func(tx backend.Tx) error { return tx.Set(keys[0], benchVal, 0, false) }
		i := g * 7919
		for pb.Next() {
			i++
			key = strconv.AppendInt(append(key[:0], "key:"...), int64(i%100_000), 10)
			keys[0] = key
			if write {
				_ = m.Update(backend.TxOptions{Keys: keys}, set)
			} else {
				_ = m.View(backend.TxOptions{Keys: keys}, get)
			}
		}
	})
}

func BenchmarkParallelSet(b *testing.B) { benchParallel(b, true) }
func BenchmarkParallelGet(b *testing.B) { benchParallel(b, false) }

// BenchmarkLPushLPop pushes at the head and pops at the tail of a list of
// steady length (1000): O(1) per operation.
func BenchmarkLPushLPop(b *testing.B) {
	for _, size := range []int{1000, 1_000_000} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			m := memory.New(memory.Options{})
			defer m.Close()
			o := backend.TxOptions{Keys: benchKeys}
			for range size {
				_ = m.Update(o, lpushFn)
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = m.Update(o, lpushRpopFn)
			}
		})
	}
}

// BenchmarkLPush grows one list by b.N elements.
func BenchmarkLPush(b *testing.B) {
	m := memory.New(memory.Options{})
	defer m.Close()
	o := backend.TxOptions{Keys: benchKeys}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Update(o, lpushFn)
	}
}

// BenchmarkScanAll measures a SCAN call (All locks every shard).
func BenchmarkScanAll(b *testing.B) {
	m := memory.New(memory.Options{})
	defer m.Close()
	load(b, m, "key:", 10_000, benchVal, 0)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View(backend.TxOptions{All: true}, func(tx backend.Tx) error {
			_, err := tx.Scan(0, 10, func([]byte, backend.Type) error { return nil })
			return err
		})
	}
}
