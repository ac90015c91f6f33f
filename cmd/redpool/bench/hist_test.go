package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// maxRelErr is the worst relative error of a percentile: half a bucket,
// whose width is at most 1/2^subBits of its values.
const maxRelErr = 1.0 / (1 << subBits)

func TestBucketsCoverEveryValue(t *testing.T) {
	prevHi := uint64(0)
	for i := range numBuckets {
		lo, hi := bucketRange(i)
		if i > 0 && lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ended at %d", i, lo, prevHi)
		}
		if bucketOf(lo) != i || bucketOf(hi) != i {
			t.Fatalf("bucket %d = [%d, %d] but bucketOf gives %d, %d", i, lo, hi, bucketOf(lo), bucketOf(hi))
		}
		if lo > 1<<(subBits+1) && float64(hi-lo+1)/float64(lo) > maxRelErr*1.0001 {
			t.Fatalf("bucket %d = [%d, %d] wider than %v of its values", i, lo, hi, maxRelErr)
		}
		prevHi = hi
	}
	if prevHi != math.MaxUint64 {
		t.Errorf("the last bucket ends at %d", prevHi)
	}
}

func TestPercentilesAgainstSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var all []time.Duration
	for range 200000 {
		// A long-tailed distribution from 10µs to seconds.
		d := time.Duration(10e3 * math.Exp(rng.ExpFloat64()*1.5))
		h.Record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0, 0.01, 0.5, 0.9, 0.99, 0.999, 0.9999, 1} {
		rank := max(int(math.Ceil(q*float64(len(all)))), 1)
		want := all[rank-1]
		got := h.Percentile(q)
		if rel := math.Abs(float64(got-want)) / float64(want); rel > maxRelErr {
			t.Errorf("p%v = %v, exact %v (error %.2f%%)", q*100, got, want, rel*100)
		}
	}
	if h.Percentile(1) != all[len(all)-1] || h.Max() != all[len(all)-1] {
		t.Errorf("p100 = %v, max = %v, want %v", h.Percentile(1), h.Max(), all[len(all)-1])
	}
	if h.Percentile(0) != all[0] {
		t.Errorf("p0 = %v, want the minimum %v", h.Percentile(0), all[0])
	}
	if h.Count() != uint64(len(all)) {
		t.Errorf("count %d", h.Count())
	}
}

func TestPercentileSmallCases(t *testing.T) {
	var h Histogram
	if h.Percentile(0.5) != 0 {
		t.Error("empty histogram")
	}
	h.Record(-5) // counts as 0
	h.Record(3 * time.Millisecond)
	if got := h.Percentile(0.5); got != 0 {
		t.Errorf("p50 of {0, 3ms} = %v", got)
	}
	if got := h.Percentile(0.99); got != 3*time.Millisecond {
		t.Errorf("p99 of {0, 3ms} = %v (clamped to the max)", got)
	}
	// 99 fast and 1 slow: p99 is fast, p99.9 is slow.
	var g Histogram
	for range 99 {
		g.Record(100 * time.Microsecond)
	}
	g.Record(time.Second)
	if p99, p999 := g.Percentile(0.99), g.Percentile(0.999); p99 != 100*time.Microsecond || p999 != time.Second {
		t.Errorf("p99 = %v, p99.9 = %v", p99, p999)
	}
}

func TestMerge(t *testing.T) {
	var a, b, both Histogram
	for i := range 1000 {
		d := time.Duration(i) * time.Microsecond
		both.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var empty Histogram
	a.Merge(&empty)
	empty.Merge(&a)
	empty.Merge(&b)
	if empty != both {
		t.Errorf("merged histogram differs: p50 %v vs %v", empty.Percentile(0.5), both.Percentile(0.5))
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	h := new(Histogram)
	d := time.Duration(1)
	if n := testing.AllocsPerRun(1000, func() { d = d*3 + 7; h.Record(d) }); n != 0 {
		t.Errorf("Record allocates %v times", n)
	}
}
