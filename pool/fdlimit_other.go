//go:build !(linux || darwin)

package pool

import "errors"

// ProcessFDLimit is this process's open-file limit: where redpool does not
// read RLIMIT_NOFILE, there is none to fit clients under.
type ProcessFDLimit struct{}

// Get reports errors.ErrUnsupported.
func (ProcessFDLimit) Get() (soft, hard uint64, err error) { return 0, 0, errors.ErrUnsupported }

// Set reports errors.ErrUnsupported.
func (ProcessFDLimit) Set(soft, hard uint64) error { return errors.ErrUnsupported }
