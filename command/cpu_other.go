//go:build !unix

package command

// cpuFields reports no CPU times where the process's rusage cannot be read.
func cpuFields() [][2]string { return nil }

// ProcessCPUTime is 0: the process's CPU time cannot be read here.
func ProcessCPUTime() int64 { return 0 }
