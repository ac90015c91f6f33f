package aof_test

import (
	"strconv"
	"testing"

	"redpool/command"
	"redpool/persistence/aof"
)

// BenchmarkStartupReplay1M loads a log of 1,000,000 SETs of keys as DEBUG
// POPULATE makes them (key:N, value:N) into a new memory backend: what an
// AOF server does at start (bench/startup.sh). cpu-ns/op is the process's
// CPU time (every thread, the collector's too) during the loads.
func BenchmarkStartupReplay1M(b *testing.B) {
	const n = 1_000_000
	dir := b.TempDir()
	s := openStore(b, dir, aof.Options{Fsync: aof.FsyncNo}, nil)
	for i := range n {
		k := strconv.Itoa(i)
		s.do("SET", "key:"+k, "value:"+k)
	}
	if err := s.close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var cpu int64
	for b.Loop() {
		c0 := command.ProcessCPUTime()
		s := openStore(b, dir, aof.Options{Fsync: aof.FsyncNo}, nil)
		cpu += command.ProcessCPUTime() - c0
		if got := s.do("DBSIZE"); got != ":1000000\r\n" {
			b.Fatalf("DBSIZE after loading: %q", got)
		}
		if err := s.close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}
