// Package fsutil holds the file-system steps the persistence formats share.
package fsutil

import (
	"os"
	"path/filepath"
)

// SyncDir fsyncs the directory dir, making renames and creations in it
// durable. Close errors are reported too.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// TempInfix joins a file's name and the random suffix of the temporary
// file ReplaceFile writes beside it ("dump.rpdb.tmp-123"): a crash can
// leave one behind, and its owner may remove such files at start.
const TempInfix = ".tmp-"

// ReplaceFile replaces path atomically with what fill writes into f, a
// new temporary file beside path with permissions perm: f is fsynced and
// closed, renamed over path, and the directory fsynced. A crash at any
// moment leaves either the old file or the new one. On any error
// (fill's included) the temporary file is removed and path is untouched.
func ReplaceFile(path string, perm os.FileMode, fill func(f *os.File) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, base+TempInfix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = f.Chmod(perm)
	if err == nil {
		err = fill(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return SyncDir(dir)
}
