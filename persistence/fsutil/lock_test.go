//go:build unix

package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestLockDir(t *testing.T) {
	dir := t.TempDir()
	l, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, LockFile)
	if data, err := os.ReadFile(path); err != nil || string(data) != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("lock file holds %q, %v; want the pid", data, err)
	}
	_, err = LockDir(dir)
	want := `dir "` + dir + `" is in use: ` + path + ` is locked by another process (pid ` + strconv.Itoa(os.Getpid()) + `)`
	if !errors.Is(err, ErrLocked) || err.Error() != want {
		t.Fatalf("second LockDir: %v, want %s", err, want)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l, err = LockDir(dir)
	if err != nil {
		t.Fatalf("LockDir after Unlock: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}

func TestLockDirMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	if _, err := LockDir(dir); !errors.Is(err, os.ErrNotExist) || errors.Is(err, ErrLocked) {
		t.Errorf("LockDir of a missing dir: %v", err)
	}
}
