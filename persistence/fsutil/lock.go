package fsutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockFile is the name of the lock file LockDir keeps in a directory.
const LockFile = "redpool.lock"

// ErrLocked is wrapped by LockDir's error when another holder has the lock.
var ErrLocked = errors.New("locked by another process")

// DirLock is an exclusive lock on a directory, taken by LockDir. It is
// held until Unlock, or until the process ends however it ends (the
// kernel drops the lock with the last descriptor, kill -9 included).
// Not safe for concurrent use.
type DirLock struct {
	f *os.File
}

// LockDir takes an exclusive advisory lock on dir, as bbolt locks its file:
// flock on dir/LockFile, created if missing, without waiting. If another
// process holds it (or another LockDir of the same directory in this
// process), the error names dir, wraps ErrLocked and gives the holder's
// pid, which each holder writes into the file. Only processes that lock
// the directory this way are kept out; the lock file stays in dir after
// Unlock. Where the OS has no flock (Windows), nothing is locked.
func LockDir(dir string) (*DirLock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock dir %q: %w", dir, err)
	}
	if err := flock(f); err != nil {
		_ = f.Close()
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("dir %q is in use: %s is %w%s", dir, path, ErrLocked, holder(path))
		}
		return nil, fmt.Errorf("lock dir %q: %w", dir, err)
	}
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt(pid, 0)
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock dir %q: writing the pid: %w", dir, err)
	}
	return &DirLock{f: f}, nil
}

// holder describes the pid recorded in the lock file at path, or "".
func holder(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return ""
	}
	return " (pid " + strconv.Itoa(pid) + ")"
}

// Unlock releases the lock. It is an error to call it twice.
func (l *DirLock) Unlock() error {
	err := funlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}
