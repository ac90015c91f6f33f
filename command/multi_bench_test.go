package command

import "testing"

// BenchmarkMultiExecBatch is 8 MULTI; SET; INCR; EXEC transactions run
// as a session runs the commands of one read (BeginBatch ... EndBatch),
// the way bench/compare.sh's multi case reaches the engine at -P 16; ns/tx
// is the time per transaction.
func BenchmarkMultiExecBatch(b *testing.B) {
	e, c := benchEngine(b)
	var cmds [][][]byte
	for range 8 {
		cmds = append(cmds, benchArgs("MULTI"), benchArgs("SET", "k", "v"), benchArgs("INCR", "n"), benchArgs("EXEC"))
	}
	b.ReportAllocs()
	for b.Loop() {
		c.BeginBatch()
		for _, args := range cmds {
			e.Exec(c, args)
		}
		c.EndBatch()
		c.Reset()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*8), "ns/tx")
}
