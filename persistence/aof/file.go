package aof

import (
	"io"
	"os"
)

// File is what the log writes through: a file opened by Options.OpenFile.
// The real one is an *os.File whose Sync is fdatasync where the OS has it;
// tests inject files that fail.
type File interface {
	io.Writer
	io.WriterAt
	// Sync makes everything written so far durable.
	Sync() error
	Close() error
}

// OpenFileFunc opens a file for writing, as os.OpenFile.
type OpenFileFunc func(name string, flag int, perm os.FileMode) (File, error)

// OpenOSFile is the default OpenFileFunc: os.OpenFile, with Sync done by
// fdatasync where available.
func OpenOSFile(name string, flag int, perm os.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

type osFile struct{ *os.File }

// Sync flushes the file's data (and the metadata needed to read it back,
// such as its size) to disk.
func (f osFile) Sync() error { return datasync(f.File) }
