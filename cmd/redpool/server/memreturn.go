package server

import (
	"log/slog"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"time"

	"redpool/backend"
	"redpool/session"
)

// Returning memory to the operating system. Go's scavenger keeps free
// heap pages mapped up to about 10% beyond the next collection's goal
// (twice the live heap at GOGC 100), so RSS stays near the peak of the
// last burst for good, where jemalloc returns a quiet Redis's dirty
// pages within seconds. memReturn runs debug.FreeOSMemory (a
// collection, then every free page released, as MEMORY PURGE) when
// either of two things happened since its last return:
//   - freed: the data shrank (a DEL of a big value, a FLUSHALL) and
//     sessions let go of big buffers or left (Settings.TakeFreed) by
//     returnThreshold in all;
//   - idle: the process went quiet (under idleQuiet allocated in one
//     tick) after allocating at least half its live heap (at least
//     idleMinBurst): a bulk load, a batch of writes.
//
// Under a steady load the idle case never fires (no tick is quiet); at
// a low rate it adds at most one collection per half a live heap
// allocated, fewer than GOGC 100 itself runs.
const (
	returnTick   = 250 * time.Millisecond // how often the counters are read
	minReturn    = 16 << 20               // the least freed memory worth a return
	idleQuiet    = 512 << 10              // bytes allocated in one tick that still count as quiet
	idleMinBurst = 4 << 20                // the least allocation since the last return worth an idle return
)

// returnThreshold is the freed bytes that make a return worth it with
// used bytes of data: a quarter of the data (at least minReturn), so
// that the collection FreeOSMemory runs stays a small share of the work.
func returnThreshold(used int64) int64 { return max(minReturn, used/4) }

// returnPolicy decides when to return memory; memReturn's
// goroutine (or a test) alone uses it.
type returnPolicy struct {
	prev, last uint64 // the allocation counter at the previous tick and after the last return
	used       int64  // the data's size at the previous tick
	freed      int64  // freed bytes noted since the last return
}

// start records the figures the first tick compares with.
func (p *returnPolicy) start(allocs uint64, used int64) {
	p.prev, p.last, p.used = allocs, allocs, used
}

// due reports whether to return memory now, given the cumulative bytes
// allocated (allocs), the live heap at the last collection (live), the
// data's size (used) and what sessions let go of since the last tick
// (sessionsFreed); it records the tick's figures.
func (p *returnPolicy) due(allocs, live uint64, used, sessionsFreed int64) bool {
	p.freed += max(0, p.used-used) + sessionsFreed
	p.used = used
	quiet := allocs-p.prev < idleQuiet
	p.prev = allocs
	return p.freed >= returnThreshold(used) ||
		quiet && allocs-p.last >= max(idleMinBurst, live/2)
}

// returned records allocs as the counter after a return.
func (p *returnPolicy) returned(allocs uint64) {
	p.last, p.prev, p.freed = allocs, allocs, 0
}

// memReturn returns a function that applies a returnPolicy each time
// it is called (a ticker's tick): one caller at a time.
func memReturn(b backend.Backend, st *session.Settings, logger *slog.Logger) func() {
	samples := []rtmetrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/heap/live:bytes"}}
	read := func() (allocs, live uint64) {
		rtmetrics.Read(samples)
		return samples[0].Value.Uint64(), samples[1].Value.Uint64()
	}
	var p returnPolicy
	allocs, _ := read()
	p.start(allocs, b.Stats().UsedBytes)
	st.TakeFreed()
	return func() {
		allocs, live := read()
		if !p.due(allocs, live, b.Stats().UsedBytes, st.TakeFreed()) {
			return
		}
		start := time.Now()
		debug.FreeOSMemory()
		st.TakeFreed() // what the collection just returned
		allocs, live = read()
		p.returned(allocs)
		logger.Debug("returned free heap pages to the OS", "live_bytes", live, "took", time.Since(start))
	}
}
