package command

import (
	"testing"
)

// streamsCPUMetric starts counting the process's CPU time (user and
// system, every thread: the garbage collector's work counts) and returns
// a function that reports it per op as "cpu-ns/op". On a machine shared
// with other work, ns/op is wall time the benchmark spent waiting for a
// core too; CPU time per op is what a change to the code moves. Call the
// returned function once, after the loop.
func streamsCPUMetric(b *testing.B) func() {
	start := ProcessCPUTime()
	return func() {
		b.ReportMetric(float64(ProcessCPUTime()-start)/float64(b.N), "cpu-ns/op")
	}
}
