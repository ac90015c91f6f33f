//go:build unix

package command

import (
	"strconv"
	"syscall"
)

// cpuFields are the process's CPU times. Every thread of redpool serves
// commands, so the "main thread" figures are the process's.
func cpuFields() [][2]string {
	var ru, children syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return nil
	}
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	tv := func(t syscall.Timeval) string {
		return strconv.FormatFloat(float64(t.Sec)+float64(t.Usec)/1e6, 'f', 6, 64)
	}
	return [][2]string{
		{"used_cpu_sys", tv(ru.Stime)},
		{"used_cpu_user", tv(ru.Utime)},
		{"used_cpu_sys_children", tv(children.Stime)},
		{"used_cpu_user_children", tv(children.Utime)},
		{"used_cpu_sys_main_thread", tv(ru.Stime)},
		{"used_cpu_user_main_thread", tv(ru.Utime)},
	}
}

// ProcessCPUTime is the process's CPU time so far (user and system, every
// thread), in nanoseconds; 0 where it cannot be read. Benchmarks report
// it per operation as cpu-ns/op: on a shared machine it moves with the
// code where the wall clock moves with the neighbours.
func ProcessCPUTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
