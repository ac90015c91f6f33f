package command

import (
	"strconv"
	"testing"
)

// Benchmarks of PFCOUNT and SETBIT pipelined 16 deep on one key, as
// bench/compare.sh's pfcount and setbit cases send them (hotkeyBench:
// the session's batch path, with the CPU per command).

// hllBenchDense is the setup of a dense HLL of 10,000 elements at key,
// as compare.sh loads its myhll10k.
func hllBenchDense(key string) []string {
	var setup []string
	for i := range 100 {
		l := "PFADD " + key
		for j := i * 100; j < i*100+100; j++ {
			l += " " + strconv.Itoa(j)
		}
		setup = append(setup, l)
	}
	return setup
}

// BenchmarkHLLPFCountCached16 is PFCOUNT of a dense HLL whose cardinality
// is cached (the first PFCOUNT of the setup caches it).
func BenchmarkHLLPFCountCached16(b *testing.B) {
	setup := append(hllBenchDense("myhll10k"), "PFCOUNT myhll10k")
	hotkeyBench(b, setup, func(int) [][]byte { return benchArgs("PFCOUNT", "myhll10k") })
}

// BenchmarkHLLGet16 is GET of a short string on one key: the floor a
// cached PFCOUNT is compared with.
func BenchmarkHLLGet16(b *testing.B) {
	hotkeyBench(b, []string{"SET mystr hello"}, func(int) [][]byte { return benchArgs("GET", "mystr") })
}

// hllBenchParallel runs batches of 16 of cmd from GOMAXPROCS sessions at
// once, each with a client of its own, on the engine that setup loaded:
// the contention for the key's lock a pipelined benchmark of 50 clients
// on two cores meets. CPU per command as "cpu-ns/op".
func hllBenchParallel(b *testing.B, setup []string, cmd [][]byte) {
	e, c := benchEngine(b)
	for _, l := range setup {
		execAll(c, l)
	}
	batch := make([][][]byte, 16)
	for i := range batch {
		batch[i] = cmd
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := ProcessCPUTime()
	b.RunParallel(func(pb *testing.PB) {
		c := e.NewCtx(e.NewClient("a", "b"), nil)
		for pb.Next() {
			hotkeyRunBatch(e, c, batch)
		}
	})
	b.ReportMetric(float64(ProcessCPUTime()-cpu0)/float64(b.N*len(batch)), "cpu-ns/op")
}

// BenchmarkHLLPFCountCached16Parallel is BenchmarkHLLPFCountCached16 from
// GOMAXPROCS sessions at once (b.N counts batches of 16).
func BenchmarkHLLPFCountCached16Parallel(b *testing.B) {
	setup := append(hllBenchDense("myhll10k"), "PFCOUNT myhll10k")
	hllBenchParallel(b, setup, benchArgs("PFCOUNT", "myhll10k"))
}

// BenchmarkHLLGet16Parallel is BenchmarkHLLGet16 from GOMAXPROCS sessions
// at once (b.N counts batches of 16).
func BenchmarkHLLGet16Parallel(b *testing.B) {
	hllBenchParallel(b, []string{"SET mystr hello"}, benchArgs("GET", "mystr"))
}
