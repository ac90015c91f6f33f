package fsutil

import "os"

// TryLock takes f's exclusive flock without waiting: ErrLocked if another
// descriptor holds it (bbolt locks its file this way too, so a caller
// that locks a bbolt file first can hand the descriptor to bbolt). It is
// held until f is closed. Where there is no flock it does nothing.
func TryLock(f *os.File) error { return flock(f) }
