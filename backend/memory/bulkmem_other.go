//go:build !linux

package memory

// bulkAdvise does nothing outside Linux (see bulkmem_linux.go).
func bulkAdvise(b []byte, huge bool) bool { return false }
