//go:build linux || darwin

package pool

import "syscall"

// ProcessFDLimit is this process's RLIMIT_NOFILE.
type ProcessFDLimit struct{}

// Get returns the soft and hard limits.
func (ProcessFDLimit) Get() (soft, hard uint64, err error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, 0, err
	}
	return r.Cur, r.Max, nil
}

// Set sets both limits.
func (ProcessFDLimit) Set(soft, hard uint64) error {
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: soft, Max: hard})
}
