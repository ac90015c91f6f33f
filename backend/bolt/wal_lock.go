package bolt

import (
	"errors"
	"os"
	"time"

	berrors "go.etcd.io/bbolt/errors"

	"redpool/persistence/fsutil"
)

// walLock takes f's exclusive flock, as bbolt does (bbolt's own flock of
// the same descriptor then succeeds at once), waiting up to timeout; it
// returns berrors.ErrTimeout if another holder keeps it.
func walLock(f *os.File, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := fsutil.TryLock(f)
		if !errors.Is(err, fsutil.ErrLocked) {
			return err
		}
		if time.Now().After(deadline) {
			return berrors.ErrTimeout
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fdatasync is fsutil.Datasync.
func fdatasync(f *os.File) error { return fsutil.Datasync(f) }
