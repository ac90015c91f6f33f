package main

import (
	"math"
	"testing"

	"redpool/cmd/redpool/config"
)

func TestGCPolicy(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	limitEnv := func(k string) (string, bool) { return "1GiB", k == "GOMEMLIMIT" }
	tests := []struct {
		name    string
		percent int
		limit   config.Size
		maxmem  config.Size
		getenv  func(string) (string, bool)
		want    gcSettings
	}{
		{"defaults", 0, 0, 0, noEnv, gcSettings{percent: -2}},
		{"percent", 50, 0, 0, noEnv, gcSettings{percent: 50}},
		{"off", -1, 0, 0, noEnv, gcSettings{percent: -1}},
		{"limit", 0, 100 << 20, 1 << 30, noEnv, gcSettings{percent: -2, limit: 100 << 20}},
		{"from maxmemory", 0, 0, 100 << 20, noEnv, gcSettings{percent: -2, limit: 125<<20 + gcFloor}},
		{"GOMEMLIMIT wins over maxmemory", 0, 0, 100 << 20, limitEnv, gcSettings{percent: -2}},
		{"gc_memory_limit wins over GOMEMLIMIT", 0, 1 << 30, 0, limitEnv, gcSettings{percent: -2, limit: 1 << 30}},
		{"huge maxmemory", 0, 0, math.MaxInt64, noEnv, gcSettings{percent: -2, limit: math.MaxInt64}},
	}
	for _, tt := range tests {
		cfg := config.Default()
		cfg.GCPercent, cfg.GCMemoryLimit, cfg.MaxMemory = tt.percent, tt.limit, tt.maxmem
		if got := gcPolicy(cfg, tt.getenv); got != tt.want {
			t.Errorf("%s: gcPolicy = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// TestGCIdleReleaserDue: a release comes at the first quiet tick after
// at least half the live heap (at least idleMinBurst) was allocated since
// the last one.
func TestGCIdleReleaserDue(t *testing.T) {
	const mb = 1 << 20
	var r idleReleaser
	r.released(100 * mb)
	steps := []struct {
		allocs, live uint64
		want         bool
	}{
		{101 * mb, 20 * mb, false},              // busy, little allocated
		{120 * mb, 20 * mb, false},              // a burst: not quiet
		{120*mb + 1000, 20 * mb, true},          // quiet after 20 MB (>= live/2)
		{140 * mb, 100 * mb, false},             // busy again
		{140 * mb, 100 * mb, false},             // quiet, but 20 MB < live/2
		{150 * mb, 20 * mb, false},              // busy
		{150 * mb, 20 * mb, true},               // quiet after 30 MB
		{150*mb + idleQuiet, 1, false},          // exactly idleQuiet in one tick: busy
		{150*mb + idleQuiet + 1, 1, false},      // quiet, below idleMinBurst
		{150*mb + idleMinBurst, 1, false},       // busy
		{150*mb + idleMinBurst + 1000, 1, true}, // quiet at idleMinBurst
	}
	for i, s := range steps {
		if got := r.due(s.allocs, s.live); got != s.want {
			t.Fatalf("step %d: due(%d, %d) = %v, want %v", i, s.allocs, s.live, got, s.want)
		}
		if s.want {
			r.released(s.allocs)
		}
	}
}
