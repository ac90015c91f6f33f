package aof

import (
	"io"
	"os"

	"redpool/persistence/fsutil"
)

// openAppend is how the log opens every file it writes (with O_CREATE and
// O_EXCL or O_TRUNC for new ones): O_APPEND, so that each write lands at
// the end of the file as it is then, never over bytes another descriptor
// wrote meanwhile. To rewrite bytes a failed write or fsync left in doubt,
// the writer cuts the file back (Truncate) and appends them again.
const openAppend = os.O_WRONLY | os.O_APPEND

// File is what the log writes through: a file opened by Options.OpenFile,
// always with O_APPEND. By default it is a file of Options.FS (on the OS,
// an *os.File whose Sync is fdatasync where the OS has it); tests inject
// files that fail.
type File interface {
	// Write appends p to the file.
	io.Writer
	// Truncate cuts the file to size bytes (ftruncate).
	Truncate(size int64) error
	// Sync makes everything written so far durable.
	Sync() error
	Close() error
}

// OpenFileFunc opens a file for writing, as os.OpenFile. The log always
// passes O_APPEND.
type OpenFileFunc func(name string, flag int, perm os.FileMode) (File, error)

// OpenOSFile is the OpenFileFunc of the OS file system: os.OpenFile, with
// Sync done by fdatasync where available.
func OpenOSFile(name string, flag int, perm os.FileMode) (File, error) {
	return openIn(fsutil.OSFS{})(name, flag, perm)
}

// openIn is the OpenFileFunc of fsys.
func openIn(fsys fsutil.FS) OpenFileFunc {
	return func(name string, flag int, perm os.FileMode) (File, error) {
		f, err := fsys.OpenFile(name, flag, perm)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
}
