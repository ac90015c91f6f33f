package bench

import (
	"math"
	"math/bits"
	"time"
)

// subBits is the number of mantissa bits each power of two is split into:
// 2^subBits sub-buckets per octave bound the relative error of a recorded
// value by 1/2^subBits (about 3%).
const subBits = 5

// numBuckets covers every uint64: values below 2^(subBits+1) have a bucket
// each, and every octave above has 2^subBits.
const numBuckets = (64 - subBits + 1) << subBits

// Histogram is a log-bucketed latency histogram in the spirit of
// HdrHistogram: constant memory, Record never allocates, and percentiles are
// exact to within about 3% of the value. The zero value is empty and ready to
// use. A Histogram is not safe for concurrent use: give each goroutine its
// own and Merge them.
type Histogram struct {
	counts   [numBuckets]uint64
	n        uint64
	min, max uint64
}

// bucketOf returns the bucket of v.
func bucketOf(v uint64) int {
	if v < 1<<(subBits+1) {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1
	return (shift+1)<<subBits + int(v>>shift) - 1<<subBits
}

// bucketRange returns the smallest and largest value of bucket i.
func bucketRange(i int) (lo, hi uint64) {
	if i < 1<<(subBits+1) {
		return uint64(i), uint64(i)
	}
	shift := i>>subBits - 1
	mant := uint64(i&(1<<subBits-1) + 1<<subBits)
	lo = mant << shift
	return lo, lo + (1 << shift) - 1
}

// Record adds one observation of d; negative durations count as 0.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucketOf(v)]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
}

// Merge adds every observation of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
}

// Count returns the number of observations.
func (h *Histogram) Count() uint64 { return h.n }

// Max returns the largest observation, exactly.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Percentile returns the value below or at which the fraction q (0..1) of the
// observations lie: the observation of rank ceil(q*n), exact for the
// smallest and the largest, otherwise the middle of its bucket clamped to
// the observed minimum and maximum. It returns 0 for an empty histogram.
func (h *Histogram) Percentile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	switch {
	case rank <= 1:
		return time.Duration(h.min)
	case rank >= h.n:
		return time.Duration(h.max)
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketRange(i)
			v := lo + (hi-lo)/2
			return time.Duration(min(max(v, h.min), h.max))
		}
	}
	return time.Duration(h.max)
}
