package memory

import (
	"context"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"redpool/backend"
)

// The measurements here use 1,000,000 keys; run them with REDPOOL_HEAVY=1
// (and without -race for meaningful numbers):
//
//	REDPOOL_HEAVY=1 go test -run Heavy -v ./backend/memory/

func heavy(t *testing.T) {
	if os.Getenv("REDPOOL_HEAVY") != "1" {
		t.Skip("set REDPOOL_HEAVY=1 to run the 1M-key measurements")
	}
}

func loadKeys(t testing.TB, m *Memory, n int, val []byte, at int64) {
	t.Helper()
	const batch = 10_000
	for start := 0; start < n; start += batch {
		err := m.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
			var key []byte
			for i := start; i < min(start+batch, n); i++ {
				key = strconv.AppendInt(append(key[:0], "key:"...), int64(i), 10)
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

func percentiles(d []time.Duration) string {
	if len(d) == 0 {
		return "no samples"
	}
	slices.Sort(d)
	p := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	return "p50 " + p(0.5).String() + ", p99 " + p(0.99).String() + ", p99.9 " + p(0.999).String() +
		", max " + d[len(d)-1].String() + " (" + strconv.Itoa(len(d)) + " samples)"
}

// TestHeavyExpire1M: 1M volatile keys expiring at once; the longest lock
// hold of an active-expiry step.
func TestHeavyExpire1M(t *testing.T) {
	heavy(t)
	for _, gc := range []bool{true, false} {
		func() {
			if !gc {
				defer debug.SetGCPercent(debug.SetGCPercent(-1))
			}
			clock := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
			m := New(Options{Clock: clock, ExpiryInterval: -1})
			defer m.Close()
			loadKeys(t, m, 1_000_000, make([]byte, 64), backend.NowMs(clock)+100)
			runtime.GC()
			clock.Advance(time.Second)
			start := time.Now()
			var cycleMax []time.Duration
			var maxHold time.Duration
			for m.Stats().Keys[0] > 0 {
				_, h := m.ExpireCycle(DefaultExpiryBudget)
				cycleMax = append(cycleMax, h)
				maxHold = max(maxHold, h)
			}
			t.Logf("GC on=%v: 1M keys expired in %d cycles (%v of cycle time); max lock hold %v; per-cycle max holds: %s",
				gc, len(cycleMax), time.Since(start).Round(time.Millisecond), maxHold, percentiles(cycleMax))
		}()
	}
	// Every single hold, measured around the same step ExpireCycle runs.
	clock := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	m := New(Options{Clock: clock, ExpiryInterval: -1})
	defer m.Close()
	loadKeys(t, m, 1_000_000, make([]byte, 64), backend.NowMs(clock)+100)
	runtime.GC()
	clock.Advance(time.Second)
	now := backend.NowMs(clock)
	var holds []time.Duration
	for i := range m.shards {
		sh := &m.shards[i]
		for more := true; more; {
			sh.mu.Lock()
			t0 := time.Now()
			_, more = sh.data.Load().expireRounds(now, nil, &expireRoundStats{})
			holds = append(holds, time.Since(t0))
			sh.mu.Unlock()
		}
	}
	t.Logf("every expiry step (GC on): %s", percentiles(holds))
}

// TestHeavySnapshotPause: 1M string keys with 64-byte values, 4 goroutines
// writing continuously; the longest pause a writer sees while a snapshot is
// created and fully iterated, against the same measurement without one.
func TestHeavySnapshotPause(t *testing.T) {
	heavy(t)
	const n = 1_000_000
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	m := New(Options{})
	defer m.Close()
	val := make([]byte, 64)
	loadKeys(t, m, n, val, 0)
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	t.Logf("1M keys (64-byte values): heap %d bytes/key, Stats.UsedBytes %d bytes/key",
		(ms1.HeapAlloc-ms0.HeapAlloc)/n, m.Stats().UsedBytes/n)

	// Each alone.
	start := time.Now()
	s, err := m.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Since(start)
	count := 0
	start = time.Now()
	if err := s.Each(context.Background(), func(*backend.Entry) error { count++; return nil }); err != nil {
		t.Fatal(err)
	}
	each := time.Since(start)
	sn := s.(*snapshot)
	t.Logf("idle: Snapshot() %v (all locks held %v); Each over %d keys %v; longest chunk hold %v",
		created, sn.createHold, count, each, sn.maxHold)
	s.Close()

	run := func(withSnapshot bool, d time.Duration) {
		var stop, measuring atomic.Bool
		var wg sync.WaitGroup
		lats := make([][]time.Duration, 4)
		for g := range lats {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(g), 3))
				key := make([]byte, 0, 16)
				keys := [][]byte{nil}
				set := func(tx backend.Tx) error { return tx.Set(keys[0], val, 0, false) }
				for !stop.Load() {
					key = strconv.AppendInt(append(key[:0], "key:"...), int64(rng.IntN(n)), 10)
					keys[0] = key
					t0 := time.Now()
					if err := m.Update(backend.TxOptions{Keys: keys}, set); err != nil {
						t.Error(err)
						return
					}
					if measuring.Load() {
						lats[g] = append(lats[g], time.Since(t0))
					}
				}
			}()
		}
		time.Sleep(100 * time.Millisecond) // warm up
		measuring.Store(true)
		msg := "no snapshot"
		phase := time.Now()
		if withSnapshot {
			s, err := m.Snapshot(nil)
			if err != nil {
				t.Error(err)
			} else {
				created := time.Since(phase)
				count := 0
				if err := s.Each(context.Background(), func(*backend.Entry) error { count++; return nil }); err != nil {
					t.Error(err)
				}
				sn := s.(*snapshot)
				msg = "Snapshot() " + created.String() + " (all locks held " + sn.createHold.String() +
					"), Each over " + strconv.Itoa(count) + " keys " + time.Since(phase).String() +
					", longest chunk hold " + sn.maxHold.String()
				if count != n {
					t.Errorf("snapshot had %d keys, want %d", count, n)
				}
				s.Close()
			}
		} else {
			time.Sleep(d)
		}
		elapsed := time.Since(phase)
		measuring.Store(false)
		stop.Store(true)
		wg.Wait()
		var all []time.Duration
		for _, l := range lats {
			all = append(all, l...)
		}
		t.Logf("%s; phase %v; writer Update latency: %s", msg, elapsed.Round(time.Millisecond), percentiles(all))
	}
	run(false, time.Second)
	run(true, 0)
	run(false, time.Second)
	run(true, 0)
}
