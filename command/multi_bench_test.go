package command

import "testing"

// BenchmarkMultiExecBatch is 8 MULTI; SET; INCR; EXEC transactions run
// as a session runs the commands of one read (BeginBatch ... EndBatch),
// the way bench/compare.sh's multi case reaches the engine at -P 16; ns/tx
// is the time per transaction. BenchmarkSetIncrBatch is the same without
// MULTI and EXEC: what the transaction costs is the difference. cpu-ns/tx
// is the process's CPU per transaction, the figure to compare on a shared
// machine.
func BenchmarkMultiExecBatch(b *testing.B) {
	multiBenchBatch(b, benchArgs("MULTI"), benchArgs("SET", "k", "v"), benchArgs("INCR", "n"), benchArgs("EXEC"))
}

// BenchmarkMultiExecWhole is BenchmarkMultiExecBatch with each
// transaction run at once, as a session runs one its batch holds whole
// (ExecMulti).
func BenchmarkMultiExecWhole(b *testing.B) {
	e, c := benchEngine(b)
	tx := [][][]byte{benchArgs("MULTI"), benchArgs("SET", "k", "v"), benchArgs("INCR", "n"), benchArgs("EXEC")}
	b.ReportAllocs()
	cpu0 := ProcessCPUTime()
	for b.Loop() {
		c.BeginBatch()
		for range 8 {
			e.ExecMulti(c, tx, 1<<20)
		}
		c.EndBatch()
		c.Reset()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*8), "ns/tx")
	b.ReportMetric(float64(ProcessCPUTime()-cpu0)/float64(b.N*8), "cpu-ns/tx")
}

func BenchmarkSetIncrBatch(b *testing.B) {
	multiBenchBatch(b, benchArgs("SET", "k", "v"), benchArgs("INCR", "n"))
}

// multiBenchBatch runs batches of 8 times tx, reporting ns/tx.
func multiBenchBatch(b *testing.B, tx ...[][]byte) {
	e, c := benchEngine(b)
	var cmds [][][]byte
	for range 8 {
		cmds = append(cmds, tx...)
	}
	b.ReportAllocs()
	cpu0 := ProcessCPUTime()
	for b.Loop() {
		c.BeginBatch()
		for _, args := range cmds {
			e.Exec(c, args)
		}
		c.EndBatch()
		c.Reset()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*8), "ns/tx")
	b.ReportMetric(float64(ProcessCPUTime()-cpu0)/float64(b.N*8), "cpu-ns/tx")
}
