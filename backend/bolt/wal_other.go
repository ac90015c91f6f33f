//go:build !unix

package bolt

import (
	"os"
	"time"
)

// walLock does nothing where there is no flock; bbolt locks the file.
func walLock(*os.File, time.Duration) error { return nil }
