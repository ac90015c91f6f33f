package main

import (
	"math"
	"runtime/debug"
	"strconv"

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
