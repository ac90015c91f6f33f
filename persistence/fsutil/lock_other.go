//go:build !unix

package fsutil

import "os"

// flock does nothing where flock does not exist: the directory is not
// locked there.
func flock(*os.File) error { return nil }

// funlock does nothing, as flock.
func funlock(*os.File) error { return nil }
