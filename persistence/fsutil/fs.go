package fsutil

import (
	"io"
	"io/fs"
	"os"
)

// FS is the file system the persistence formats (the AOF, snapshots) write
// through: the few calls they make, so that a test can put a strict
// in-memory file system (StrictMemFS) in place of the disk and cut the
// power. Paths are OS paths, as os takes them. Implementations are safe
// for concurrent use.
type FS interface {
	// OpenFile is os.OpenFile (O_CREATE, O_EXCL, O_TRUNC, O_APPEND and the
	// access modes are honoured).
	OpenFile(name string, flag int, perm os.FileMode) (File, error)
	// Open opens name for reading, as os.Open.
	Open(name string) (File, error)
	// CreateTemp creates a new file in dir, named pattern with its last
	// "*" replaced by a random string, with permissions perm, open for
	// reading and writing (os.CreateTemp, then Chmod).
	CreateTemp(dir, pattern string, perm os.FileMode) (File, error)
	// Rename, Remove, MkdirAll, ReadDir and Stat are as in package os. A
	// rename or a creation is durable only once the directory is synced.
	Rename(oldpath, newpath string) error
	Remove(name string) error
	MkdirAll(path string, perm os.FileMode) error
	ReadDir(name string) ([]fs.DirEntry, error)
	Stat(name string) (fs.FileInfo, error)
	// SyncDir makes the entries of directory dir (creations, renames,
	// removals) durable.
	SyncDir(dir string) error
}

// File is an open file of an FS. A File is not safe for concurrent use,
// except that Sync may run while another goroutine writes (the AOF's
// background fsync).
type File interface {
	io.Reader
	io.Writer
	io.WriterAt
	io.Seeker
	io.Closer
	// Truncate cuts or extends the file to size bytes (ftruncate).
	Truncate(size int64) error
	// Sync makes the file's data, and its size, durable.
	Sync() error
	Stat() (fs.FileInfo, error)
	Name() string
}

// OSFS is the operating system's file system, the default FS. Its files'
// Sync is fdatasync where the OS has it (the data and the size, not the
// timestamps). The zero value is ready to use.
type OSFS struct{}

var _ FS = OSFS{}

// OSFile is a file of OSFS: an *os.File whose Sync is fdatasync.
type OSFile struct{ *os.File }

// Sync flushes the file's data and the metadata needed to read it back.
func (f *OSFile) Sync() error { return Datasync(f.File) }

func osFile(f *os.File, err error) (File, error) {
	if err != nil {
		return nil, err
	}
	return &OSFile{f}, nil
}

// OpenFile implements FS.
func (OSFS) OpenFile(name string, flag int, perm os.FileMode) (File, error) {
	return osFile(os.OpenFile(name, flag, perm))
}

// Open implements FS.
func (OSFS) Open(name string) (File, error) { return osFile(os.Open(name)) }

// CreateTemp implements FS.
func (OSFS) CreateTemp(dir, pattern string, perm os.FileMode) (File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(perm); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, err
	}
	return &OSFile{f}, nil
}

// Rename implements FS.
func (OSFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// Remove implements FS.
func (OSFS) Remove(name string) error { return os.Remove(name) }

// MkdirAll implements FS.
func (OSFS) MkdirAll(path string, perm os.FileMode) error { return os.MkdirAll(path, perm) }

// ReadDir implements FS.
func (OSFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

// Stat implements FS.
func (OSFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// SyncDir implements FS: it fsyncs the directory, reporting Close errors
// too.
func (OSFS) SyncDir(dir string) error {
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
