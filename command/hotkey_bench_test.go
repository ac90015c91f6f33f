package command

import (
	"strconv"
	"strings"
	"testing"
)

// Benchmarks of a session's pipelined batch (16 commands read together)
// through the engine's batch entry points, as session.loop drives them:
// SharedRun, Prefetch, then ExecShared for a run on one key or Exec one
// by one. No sockets: the figure is the engine's CPU per batch.

// hotkeyRunBatch runs cmds as a session runs a batch it read.
func hotkeyRunBatch(e *Engine, c *Ctx, cmds [][][]byte) {
	run := e.SharedRun(c, cmds)
	if run < len(cmds) {
		e.Prefetch(c, cmds)
	}
	for i := 0; i < len(cmds); {
		if i > 0 {
			run = e.SharedRun(c, cmds[i:])
		}
		if run > 1 {
			e.ExecShared(c, cmds[i:i+run])
			i += run
			continue
		}
		e.Exec(c, cmds[i])
		i++
	}
	c.Reset()
}

// hotkeyBench runs batches of 16 commands that gen makes (gen(i) is the
// i-th command overall), b.N commands in all.
func hotkeyBench(b *testing.B, setup []string, gen func(i int) [][]byte) {
	e, c := benchEngine(b)
	for _, l := range setup {
		e.Exec(c, benchArgs(strings.Fields(l)...))
	}
	c.Reset()
	const depth, distinct = 16, 1024 // batches cycle through distinct ones
	batches := make([][][][]byte, distinct)
	for j := range batches {
		for k := range depth {
			batches[j] = append(batches[j], gen(j*depth+k))
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := ProcessCPUTime()
	for i := 0; i < b.N; i += depth {
		hotkeyRunBatch(e, c, batches[(i/depth)%distinct])
	}
	// CPU time is steadier than the wall clock on a shared machine.
	b.ReportMetric(float64(ProcessCPUTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// hotkeyRand is a fixed pseudo-random sequence (the same for every run).
func hotkeyRand(i int) uint64 {
	x := uint64(i)*0x9e3779b97f4a7c15 + 1
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	return x ^ x>>29
}

func BenchmarkHotkeySetbit16(b *testing.B) {
	hotkeyBench(b, []string{"SETBIT bitmap1m 8388607 0"}, func(i int) [][]byte {
		return benchArgs("SETBIT", "bitmap1m", strconv.FormatUint(hotkeyRand(i)%(8<<20), 10), "1")
	})
}

func BenchmarkHotkeyIncr16(b *testing.B) {
	hotkeyBench(b, nil, func(int) [][]byte { return benchArgs("INCR", "counter") })
}

func BenchmarkHotkeyXAdd16(b *testing.B) {
	hotkeyBench(b, nil, func(i int) [][]byte {
		return benchArgs("XADD", "mystream", "*", "field", "value:"+strconv.Itoa(i))
	})
}

// BenchmarkHotkeyIncrRand16 is redis-benchmark's INCR: a random key of
// 100,000 per command, no key shared within a batch.
func BenchmarkHotkeyIncrRand16(b *testing.B) {
	hotkeyBench(b, nil, func(i int) [][]byte {
		return benchArgs("INCR", "counter:"+strconv.FormatUint(hotkeyRand(i)%100000, 10))
	})
}
