package command

import (
	"syscall"
	"testing"
)

// streamsCPUMetric starts counting the process's CPU time (user and
// system, every thread: the garbage collector's work counts) and returns
// a function that reports it per op as "cpu-ns/op". On a machine shared
// with other work, ns/op is wall time the benchmark spent waiting for a
// core too; CPU time per op is what a change to the code moves. Call the
// returned function once, after the loop.
func streamsCPUMetric(b *testing.B) func() {
	start := streamsCPUTime()
	return func() {
		b.ReportMetric(float64(streamsCPUTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

// streamsCPUTime is the process's CPU time so far, in ns.
func streamsCPUTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
