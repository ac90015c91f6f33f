package main

import (
	"log/slog"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"time"

	"redpool/cmd/redpool/config"
)

// gcFloor is what a derived memory limit allows beyond maxmemory and a
// quarter: the server's own buffers and runtime, so that a small maxmemory
// does not make the collector run continuously.
const gcFloor = 64 << 20

// gcSettings are the collector's settings the server applies at start.
// A field of -2 (or, for limit, 0) leaves the runtime's own value, which
// the GOGC and GOMEMLIMIT environment variables set.
type gcSettings struct {
	percent int   // debug.SetGCPercent; -1 = off
	limit   int64 // debug.SetMemoryLimit in bytes
}

// gcPolicy derives the collector's settings from cfg and the environment
// (getenv as os.LookupEnv): gc_percent and gc_memory_limit when set win;
// else the GOGC and GOMEMLIMIT variables, which the runtime has read;
// else GOGC stays 100 and, with maxmemory set, the memory limit is
// maxmemory plus a quarter plus gcFloor. That limit bounds the garbage the
// heap holds beside data that eviction keeps under maxmemory to about a
// quarter of it, where GOGC=100 alone would let it reach as much as the
// data; the collector then runs more often near the limit (at most about
// half the CPU, the runtime's own cap).
func gcPolicy(cfg config.Config, getenv func(string) (string, bool)) gcSettings {
	s := gcSettings{percent: -2}
	if cfg.GCPercent != 0 {
		s.percent = cfg.GCPercent
	}
	_, envLimit := getenv("GOMEMLIMIT")
	switch {
	case cfg.GCMemoryLimit > 0:
		s.limit = int64(cfg.GCMemoryLimit)
	case !envLimit && cfg.MaxMemory > 0:
		mm := int64(cfg.MaxMemory)
		s.limit = gcFloor
		if mm < (math.MaxInt64-gcFloor)/5*4 {
			s.limit += mm + mm/4
		} else {
			s.limit = math.MaxInt64
		}
	}
	return s
}

// apply sets s in the runtime and returns the resulting GOGC and memory
// limit, for the log.
func (s gcSettings) apply() (percent string, limit int64) {
	if s.percent != -2 {
		debug.SetGCPercent(s.percent)
	}
	if s.limit > 0 {
		debug.SetMemoryLimit(s.limit)
	}
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	percent = strconv.Itoa(p)
	if p < 0 {
		percent = "off"
	}
	return percent, debug.SetMemoryLimit(-1)
}

// Idle release: Go's scavenger keeps the heap's free pages mapped up to
// about 10% beyond the next collection's goal (twice the live heap at
// GOGC 100), so after a burst of writes (a bulk load, a batch of
// deletes) RSS stays near the burst's peak for good, where jemalloc
// returns a quiet Redis's dirty pages within seconds. idleReleaser
// watches the allocation counter and, when the process has gone quiet
// after allocating at least half its live heap (at least
// idleMinBurst) since the last release, runs debug.FreeOSMemory: one
// collection and the return of every free page. Under a steady load it
// never fires (the allocation rate is not quiet); at a low rate it adds
// at most one collection per half a live heap allocated, fewer than
// GOGC 100 itself runs.
const (
	idleInterval = 250 * time.Millisecond // how often the counters are read
	idleQuiet    = 512 << 10              // bytes allocated in one interval that still count as quiet
	idleMinBurst = 4 << 20                // the least allocation since the last release worth a release
)

// idleReleaser decides when to release; its fields are read by one
// goroutine (run), or by a test.
type idleReleaser struct {
	prev, last uint64 // the allocation counter at the previous tick and after the last release
}

// due reports whether to release now, given the cumulative bytes
// allocated (allocs) and the live heap at the last collection (live),
// and records allocs as the previous tick's.
func (r *idleReleaser) due(allocs, live uint64) bool {
	quiet := allocs-r.prev < idleQuiet
	r.prev = allocs
	return quiet && allocs-r.last >= max(idleMinBurst, live/2)
}

// released records allocs as the counter after a release.
func (r *idleReleaser) released(allocs uint64) { r.last, r.prev = allocs, allocs }

// runIdleRelease runs the idle release until stop is closed, reading the
// runtime's counters every idleInterval; logger gets one debug line per
// release.
func runIdleRelease(stop <-chan struct{}, logger *slog.Logger) {
	samples := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/heap/live:bytes"}}
	read := func() (allocs, live uint64) {
		metrics.Read(samples)
		return samples[0].Value.Uint64(), samples[1].Value.Uint64()
	}
	var r idleReleaser
	a, _ := read()
	r.released(a)
	t := time.NewTicker(idleInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if !r.due(read()) {
			continue
		}
		start := time.Now()
		debug.FreeOSMemory()
		a, live := read()
		r.released(a)
		logger.Debug("idle: returned free heap pages", "live_bytes", live, "took", time.Since(start))
	}
}
