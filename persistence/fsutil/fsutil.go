// Package fsutil holds the file-system steps the persistence formats share.
package fsutil

import "os"

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
