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
