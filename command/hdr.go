package command

import (
	"math/bits"
	"sync/atomic"
)

// latencyHist is one command's latency histogram, laid out as the
// HdrHistogram Redis keeps per command (1 ns to 1 s, 2 significant
// digits: 256 sub-buckets of which the upper 128 repeat per power of
// two), so that percentiles and LATENCY HISTOGRAM's buckets come out as
// Redis computes them. Values are nanoseconds. Safe for concurrent use.
type latencyHist struct {
	counts [histLen]atomic.Int64
}

const (
	histMax          = 1_000_000_000 // 1 s, in ns
	histSubBits      = 8             // 256 sub-buckets: 2 significant digits
	histHalfBits     = histSubBits - 1
	histHalf         = 1 << histHalfBits
	histSubMask      = 1<<histSubBits - 1
	histBuckets      = 23 // until 256<<22 passes histMax
	histLen          = (histBuckets + 1) * histHalf
	histReportFirst  = 1024 // LATENCY HISTOGRAM's first level, ns
	histMinRecording = 1
)

func histBucket(v int64) int {
	return 64 - bits.LeadingZeros64(uint64(v)|histSubMask) - (histHalfBits + 1)
}

func histIndex(v int64) int {
	b := histBucket(v)
	sub := int(v >> b)
	return (b+1)<<histHalfBits + sub - histHalf
}

// histValueAt is the lowest value counted at index i.
func histValueAt(i int) int64 {
	b := i>>histHalfBits - 1
	sub := i&(histHalf-1) + histHalf
	if b < 0 {
		sub -= histHalf
		b = 0
	}
	return int64(sub) << b
}

// histHighest is the highest value counted together with v.
func histHighest(v int64) int64 {
	b := histBucket(v)
	sub := v >> b
	adj := b
	if sub >= 1<<histSubBits {
		adj++
	}
	return sub<<b + 1<<adj - 1
}

func (h *latencyHist) record(ns int64) { h.counts[histSlot(ns)].Add(1) }

// histSlot is the index of the count that a recording of ns adds to.
func histSlot(ns int64) int { return histIndex(min(max(ns, histMinRecording), histMax)) }

// total is how many values were recorded: the sum of the counts, kept by
// no counter of its own so that recording is one atomic add.
func (h *latencyHist) total() int64 {
	var n int64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// percentile is HdrHistogram's value at percentile p (0..100), in ns.
func (h *latencyHist) percentile(p float64) int64 {
	total := h.total()
	want := max(int64(min(p, 100)/100*float64(total)+0.5), 1)
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= want {
			return histHighest(histValueAt(i))
		}
	}
	return 0
}

// cdf calls fn with LATENCY HISTOGRAM's buckets: at 1024 ns, then each
// power of two above, the highest value counted at that level (in µs)
// and how many calls took at most that long, where that count grew.
func (h *latencyHist) cdf(fn func(usec, cumulative int64)) {
	var cum, prev int64
	i := 0
	for level := int64(histReportFirst); ; level *= 2 {
		last := histIndex(min(level, histMax))
		for ; i <= last; i++ {
			cum += h.counts[i].Load()
		}
		if cum > prev {
			fn(histHighest(level)/1000, cum)
			prev = cum
		}
		if level >= histMax {
			return
		}
	}
}

func (h *latencyHist) reset() {
	for i := range h.counts {
		h.counts[i].Store(0)
	}
}
