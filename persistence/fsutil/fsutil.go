// Package fsutil holds the file-system steps the persistence formats share,
// and the file system they write through (FS): the operating system's
// (OSFS), or in tests a strict in-memory one that can lose power
// (StrictMemFS).
package fsutil

import (
	"os"
	"path/filepath"
)

// SyncDir fsyncs the directory dir of the OS file system, making renames
// and creations in it durable. Close errors are reported too.
func SyncDir(dir string) error { return OSFS{}.SyncDir(dir) }

// TempInfix joins a file's name and the random suffix of the temporary
// file ReplaceFile writes beside it ("dump.rpdb.tmp-123"): a crash can
// leave one behind, and its owner may remove such files at start.
const TempInfix = ".tmp-"

// ReplaceFile is ReplaceFileFS on the OS file system, for callers that
// write through an *os.File.
func ReplaceFile(path string, perm os.FileMode, fill func(f *os.File) error) error {
	return ReplaceFileFS(OSFS{}, path, perm, func(f File) error { return fill(f.(*OSFile).File) })
}

// ReplaceFileFS replaces path in fsys atomically with what fill writes
// into f, a new temporary file beside path with permissions perm: f is
// fsynced and closed, renamed over path, and the directory fsynced. A
// crash (or a power cut) at any moment leaves either the old file or the
// new one, and perhaps the temporary file, which no reader takes for path.
// On any error (fill's included) the temporary file is removed and path is
// untouched.
func ReplaceFileFS(fsys FS, path string, perm os.FileMode, fill func(f File) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := fsys.CreateTemp(dir, base+TempInfix+"*", perm)
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = fill(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Rename(tmp, path)
	}
	if err != nil {
		_ = fsys.Remove(tmp)
		return err
	}
	return fsys.SyncDir(dir)
}
