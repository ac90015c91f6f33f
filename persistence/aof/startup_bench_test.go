package aof_test

import (
	"strconv"
	"testing"

	"redpool/persistence/aof"
)

// BenchmarkStartupReplay1M loads a log of 1,000,000 SETs of keys as DEBUG
// POPULATE makes them (key:N, value:N) into a new memory backend: what an
// AOF server does at start (bench/startup.sh).
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
	for b.Loop() {
		s := openStore(b, dir, aof.Options{Fsync: aof.FsyncNo}, nil)
		if got := s.do("DBSIZE"); got != ":1000000\r\n" {
			b.Fatalf("DBSIZE after loading: %q", got)
		}
		if err := s.close(); err != nil {
			b.Fatal(err)
		}
	}
}
