package memory_test

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/memory"
)

// keysmemLatency is a histogram of durations in quarter-octave buckets.
type keysmemLatency [256]int64

func (h *keysmemLatency) add(d time.Duration) {
	ns := uint64(max(d, 1))
	b := bits.Len64(ns)
	frac := 0
	if b > 2 {
		frac = int(ns>>(b-3)) & 3
	}
	h[b*4+frac]++
}

// quantile returns the upper bound of the bucket holding quantile q.
func (h *keysmemLatency) quantile(q float64) time.Duration {
	var n int64
	for _, c := range h {
		n += c
	}
	want := min(int64(q*float64(n)), n-1)
	var seen int64
	for i, c := range h {
		seen += c
		if seen > want {
			b, frac := i/4, i%4
			if b <= 2 {
				return time.Duration(1 << b)
			}
			return time.Duration((uint64(4+frac+1) << (b - 3)))
		}
	}
	return 0
}

// keysmemPauses reads the runtime's histogram of stop-the-world pauses
// for GC and its count of GC cycles and GC CPU seconds.
func keysmemPauses() (*metrics.Float64Histogram, uint64, float64, float64) {
	s := []metrics.Sample{
		{Name: "/sched/pauses/total/gc:seconds"},
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/cpu/classes/gc/total:cpu-seconds"},
		{Name: "/cpu/classes/total:cpu-seconds"},
	}
	metrics.Read(s)
	return s[0].Value.Float64Histogram(), s[1].Value.Uint64(), s[2].Value.Float64(), s[3].Value.Float64()
}

// keysmemPauseQuantile returns the upper bound of quantile q of the pauses
// counted in after but not in before, and their number.
func keysmemPauseQuantile(before, after *metrics.Float64Histogram, q float64) (time.Duration, uint64) {
	var n uint64
	counts := make([]uint64, len(after.Counts))
	for i := range after.Counts {
		counts[i] = after.Counts[i] - before.Counts[i]
		n += counts[i]
	}
	want := min(uint64(q*float64(n)), n-1)
	var seen uint64
	for i, c := range counts {
		seen += c
		if seen > want {
			return time.Duration(min(after.Buckets[i+1], 3600) * 1e9), n // the last bucket ends at +Inf
		}
	}
	return 0, n
}

// keysmemGCTime is how long TestKeysmemGCPause runs each GOGC.
const keysmemGCTime = 10 * time.Second

// TestKeysmemGCPause measures what the collector adds to the tail of a SET
// load (docs/memory.md): it loads KEYSMEM_N keys (default 1,000,000) of
// 64-byte values, then overwrites random keys from two goroutines for 10
// seconds (keysmemGCTime) at each GOGC of KEYSMEM_GOGC (default 100 and 50), and logs the
// SETs' p99 and p99.9 latency, the number of GC cycles, the p99.9 and
// largest stop-the-world pause, and the collector's share of the CPU. It
// runs only with KEYSMEM_GC=1.
func TestKeysmemGCPause(t *testing.T) {
	if os.Getenv("KEYSMEM_GC") == "" {
		t.Skip("set KEYSMEM_GC=1 to measure GC pauses under a SET load")
	}
	n := 1_000_000
	fmt.Sscan(os.Getenv("KEYSMEM_N"), &n)
	gogcs := []int{100, 50}
	if s := os.Getenv("KEYSMEM_GOGC"); s != "" {
		gogcs = gogcs[:0]
		for _, f := range strings.Split(s, ",") {
			var g int
			fmt.Sscan(f, &g)
			gogcs = append(gogcs, g)
		}
	}
	m := memory.New(memory.Options{ExpiryInterval: -1})
	defer m.Close()
	key := func(i int) []byte { return fmt.Appendf(nil, "key:%012d", i) }
	val := make([]byte, 64)
	for start := 0; start < n; start += 1000 {
		m.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
			for i := start; i < min(start+1000, n); i++ {
				tx.Set(key(i), val, 0, false)
			}
			return nil
		})
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, g := range gogcs {
		debug.SetGCPercent(g)
		var hists [2]keysmemLatency
		p0, c0, gc0, all0 := keysmemPauses()
		stop := time.Now().Add(keysmemGCTime)
		var wg sync.WaitGroup
		for w := range hists {
			wg.Go(func() {
				h := &hists[w]
				k := make([]byte, 0, 16)
				for i := 0; ; i++ {
					k = fmt.Appendf(k[:0], "key:%012d", rand.IntN(n))
					t0 := time.Now()
					m.Update(backend.TxOptions{Keys: [][]byte{k}}, func(tx backend.Tx) error {
						return tx.Set(k, val, 0, false)
					})
					t1 := time.Now()
					h.add(t1.Sub(t0))
					if i%1024 == 0 && t1.After(stop) {
						return
					}
				}
			})
		}
		wg.Wait()
		p1, c1, gc1, all1 := keysmemPauses()
		for i := range hists[0] {
			hists[0][i] += hists[1][i]
		}
		var ops int64
		for _, c := range hists[0] {
			ops += c
		}
		pq, np := keysmemPauseQuantile(p0, p1, 0.999)
		pmax, _ := keysmemPauseQuantile(p0, p1, 1)
		gcShare := 0.0 // the runtime updates the CPU figures at each GC
		if all1 > all0 {
			gcShare = 100 * (gc1 - gc0) / (all1 - all0)
		}
		t.Logf("GOGC=%d: %d SETs, p99 %v p99.9 %v; %d GC cycles, %d pauses, pause p99.9 %v max %v; GC CPU %.1f%%",
			g, ops, hists[0].quantile(0.99), hists[0].quantile(0.999), c1-c0, np, pq, pmax, gcShare)
	}
}
