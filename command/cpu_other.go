//go:build !unix

package command

// cpuFields reports no CPU times where the process's rusage cannot be read.
func cpuFields() [][2]string { return nil }
