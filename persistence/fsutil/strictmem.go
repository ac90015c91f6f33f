package fsutil

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// StrictMemFS is an in-memory FS that remembers what is durable, in the
// style of Pebble's vfs.NewStrictMem, so that tests can cut the power at
// any moment and see what a machine would find when it comes back:
//
//   - A file's data is durable up to its last Sync. Writes after it, and
//     truncations, live only in memory until the next Sync.
//   - A directory's entries (creations, renames, removals) are durable
//     once SyncDir of that directory returns. Until then a power cut
//     undoes them: a file created and synced but never named durably is
//     gone, a rename goes back to the old name.
//   - Directories themselves (MkdirAll) are durable at once.
//
// ResetToSyncedState cuts the power in place; CrashClone returns the
// image a power cut would leave and lets the running code go on writing
// into the original (whose open files keep working), which is how a test
// stops a server that "died". Safe for concurrent use.
type StrictMemFS struct {
	mu   sync.Mutex
	dirs map[string]*memDir // cleaned path -> directory
	tmp  uint64             // CreateTemp's counter
}

// memDir is a directory: its entries now and as of its last SyncDir.
type memDir struct {
	entries map[string]*memNode
	synced  map[string]*memNode
}

// memNode is a file's contents: now, and as of its last Sync.
type memNode struct {
	data   []byte
	synced []byte
	perm   os.FileMode
	mtime  time.Time
}

var _ FS = (*StrictMemFS)(nil)

// errMemIsDir is returned for opening a directory as a file.
var errMemIsDir = errors.New("is a directory")

// NewStrictMem returns an empty StrictMemFS holding the root directory.
func NewStrictMem() *StrictMemFS {
	m := &StrictMemFS{dirs: make(map[string]*memDir)}
	m.mkdir(string(filepath.Separator))
	return m
}

func (m *StrictMemFS) mkdir(p string) {
	if _, ok := m.dirs[p]; !ok {
		m.dirs[p] = &memDir{entries: make(map[string]*memNode), synced: make(map[string]*memNode)}
	}
}

// split returns the directory of name and its last element.
func (m *StrictMemFS) split(op, name string) (*memDir, string, error) {
	p := filepath.Clean(name)
	d, ok := m.dirs[filepath.Dir(p)]
	if !ok {
		return nil, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return d, filepath.Base(p), nil
}

// MkdirAll implements FS. The directories are durable at once.
func (m *StrictMemFS) MkdirAll(path string, _ os.FileMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := filepath.Clean(path)
	for {
		m.mkdir(p)
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		p = parent
	}
}

// OpenFile implements FS.
func (m *StrictMemFS) OpenFile(name string, flag int, perm os.FileMode) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.openLocked("open", name, flag, perm)
}

func (m *StrictMemFS) openLocked(op, name string, flag int, perm os.FileMode) (File, error) {
	if _, ok := m.dirs[filepath.Clean(name)]; ok {
		return nil, &fs.PathError{Op: op, Path: name, Err: errMemIsDir}
	}
	d, base, err := m.split(op, name)
	if err != nil {
		return nil, err
	}
	n, ok := d.entries[base]
	switch {
	case ok && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrExist}
	case !ok && flag&os.O_CREATE == 0:
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	case !ok:
		n = &memNode{perm: perm, mtime: time.Now()}
		d.entries[base] = n
	case flag&os.O_TRUNC != 0:
		n.data = n.data[:0:0]
	}
	acc := flag & (os.O_RDONLY | os.O_WRONLY | os.O_RDWR)
	return &memFile{
		fs: m, n: n, name: name,
		read:       acc == os.O_RDONLY || acc == os.O_RDWR,
		write:      acc == os.O_WRONLY || acc == os.O_RDWR,
		appendMode: flag&os.O_APPEND != 0,
	}, nil
}

// Open implements FS.
func (m *StrictMemFS) Open(name string) (File, error) {
	return m.OpenFile(name, os.O_RDONLY, 0)
}

// CreateTemp implements FS: the random part is a counter.
func (m *StrictMemFS) CreateTemp(dir, pattern string, perm os.FileMode) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prefix, suffix := pattern, ""
	if i := strings.LastIndex(pattern, "*"); i >= 0 {
		prefix, suffix = pattern[:i], pattern[i+1:]
	}
	for {
		m.tmp++
		name := filepath.Join(dir, prefix+strconv.FormatUint(m.tmp, 10)+suffix)
		f, err := m.openLocked("createtemp", name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
}

// Rename implements FS: durable once both directories are synced.
func (m *StrictMemFS) Rename(oldpath, newpath string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	od, ob, err := m.split("rename", oldpath)
	if err != nil {
		return err
	}
	nd, nb, err := m.split("rename", newpath)
	if err != nil {
		return err
	}
	n, ok := od.entries[ob]
	if !ok {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: fs.ErrNotExist}
	}
	delete(od.entries, ob)
	nd.entries[nb] = n
	return nil
}

// Remove implements FS: durable once the directory is synced.
func (m *StrictMemFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, base, err := m.split("remove", name)
	if err != nil {
		return err
	}
	if _, ok := d.entries[base]; !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(d.entries, base)
	return nil
}

// ReadDir implements FS: the files of the directory, sorted by name
// (subdirectories are not listed).
func (m *StrictMemFS) ReadDir(name string) ([]fs.DirEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.dirs[filepath.Clean(name)]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out := make([]fs.DirEntry, 0, len(d.entries))
	for base, n := range d.entries {
		out = append(out, fs.FileInfoToDirEntry(n.info(base)))
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// Stat implements FS.
func (m *StrictMemFS) Stat(name string) (fs.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.dirs[filepath.Clean(name)]; ok {
		return memInfo{name: filepath.Base(name), mode: fs.ModeDir | 0o755}, nil
	}
	d, base, err := m.split("stat", name)
	if err != nil {
		return nil, err
	}
	n, ok := d.entries[base]
	if !ok {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return n.info(base), nil
}

// SyncDir implements FS: the directory's entries become durable.
func (m *StrictMemFS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.dirs[filepath.Clean(dir)]
	if !ok {
		return &fs.PathError{Op: "syncdir", Path: dir, Err: fs.ErrNotExist}
	}
	d.synced = make(map[string]*memNode, len(d.entries))
	for k, v := range d.entries {
		d.synced[k] = v
	}
	return nil
}

// ResetToSyncedState cuts the power: every file loses what was written
// since its last Sync, and every directory goes back to its entries as of
// its last SyncDir. Files open before keep working on the reset state.
func (m *StrictMemFS) ResetToSyncedState() {
	m.mu.Lock()
	defer m.mu.Unlock()
	img := m.image(nil)
	m.dirs = img.dirs
}

// CrashClone returns what a power cut now would leave, as a new
// StrictMemFS, and leaves m as it is. With rng nil the image holds exactly
// what was synced (ResetToSyncedState). With rng, a file whose changes
// since its last Sync are only appends keeps a random part of them, cut
// at a random byte: the disk may have written back some of the unsynced
// data, and the last write it wrote may be torn.
func (m *StrictMemFS) CrashClone(rng *rand.Rand) *StrictMemFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.image(rng)
}

// image builds the post-power-cut state of m (m.mu held).
func (m *StrictMemFS) image(rng *rand.Rand) *StrictMemFS {
	out := &StrictMemFS{dirs: make(map[string]*memDir, len(m.dirs)), tmp: m.tmp}
	nodes := make(map[*memNode]*memNode)
	for p, d := range m.dirs {
		nd := &memDir{entries: make(map[string]*memNode, len(d.synced)), synced: make(map[string]*memNode, len(d.synced))}
		for base, n := range d.synced {
			c, ok := nodes[n]
			if !ok {
				c = n.afterCut(rng)
				nodes[n] = c
			}
			nd.entries[base], nd.synced[base] = c, c
		}
		out.dirs[p] = nd
	}
	return out
}

// afterCut is what of n survives a power cut.
func (n *memNode) afterCut(rng *rand.Rand) *memNode {
	data := n.synced
	if rng != nil && len(n.data) > len(n.synced) && bytes.HasPrefix(n.data, n.synced) {
		data = n.data[:len(n.synced)+rng.IntN(len(n.data)-len(n.synced)+1)]
	}
	data = slices.Clone(data)
	return &memNode{data: data, synced: data, perm: n.perm, mtime: n.mtime}
}

// ReadFile returns a copy of the contents of the file at name (for tests).
func (m *StrictMemFS) ReadFile(name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, base, err := m.split("read", name)
	if err != nil {
		return nil, err
	}
	n, ok := d.entries[base]
	if !ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(n.data), nil
}

func (n *memNode) info(base string) memInfo {
	return memInfo{name: base, size: int64(len(n.data)), mode: n.perm, mtime: n.mtime}
}

// memInfo is a file's fs.FileInfo.
type memInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return i.mode }
func (i memInfo) ModTime() time.Time { return i.mtime }
func (i memInfo) IsDir() bool        { return i.mode.IsDir() }
func (i memInfo) Sys() any           { return nil }

// memFile is an open file of a StrictMemFS.
type memFile struct {
	fs                      *StrictMemFS
	n                       *memNode
	name                    string
	off                     int64
	read, write, appendMode bool
	closed                  bool
}

var errMemClosed = errors.New("file already closed")

func (f *memFile) check(op string, write bool) error {
	switch {
	case f.closed:
		return &fs.PathError{Op: op, Path: f.name, Err: errMemClosed}
	case write && !f.write, !write && !f.read:
		return &fs.PathError{Op: op, Path: f.name, Err: fs.ErrPermission}
	}
	return nil
}

// Read implements File.
func (f *memFile) Read(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("read", false); err != nil {
		return 0, err
	}
	if f.off >= int64(len(f.n.data)) {
		return 0, io.EOF
	}
	k := copy(p, f.n.data[f.off:])
	f.off += int64(k)
	return k, nil
}

// Write implements File.
func (f *memFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("write", true); err != nil {
		return 0, err
	}
	if f.appendMode {
		f.off = int64(len(f.n.data))
	}
	f.n.writeAt(p, f.off)
	f.off += int64(len(p))
	return len(p), nil
}

// WriteAt implements File.
func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("writeat", true); err != nil {
		return 0, err
	}
	if f.appendMode {
		return 0, &fs.PathError{Op: "writeat", Path: f.name, Err: errors.New("os: invalid use of WriteAt on file opened with O_APPEND")}
	}
	f.n.writeAt(p, off)
	return len(p), nil
}

func (n *memNode) writeAt(p []byte, off int64) {
	if end := off + int64(len(p)); end > int64(len(n.data)) {
		n.data = append(n.data, make([]byte, end-int64(len(n.data)))...)
	}
	copy(n.data[off:], p)
	n.mtime = time.Now()
}

// Seek implements File.
func (f *memFile) Seek(offset int64, whence int) (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: errMemClosed}
	}
	switch whence {
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += int64(len(f.n.data))
	}
	if offset < 0 {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrInvalid}
	}
	f.off = offset
	return offset, nil
}

// Truncate implements File.
func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("truncate", true); err != nil {
		return err
	}
	if size < int64(len(f.n.data)) {
		f.n.data = f.n.data[:size]
	} else {
		f.n.writeAt(nil, size)
	}
	return nil
}

// Sync implements File: the file's data and size become durable.
func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return &fs.PathError{Op: "sync", Path: f.name, Err: errMemClosed}
	}
	f.n.synced = slices.Clone(f.n.data)
	return nil
}

// Stat implements File.
func (f *memFile) Stat() (fs.FileInfo, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return f.n.info(filepath.Base(f.name)), nil
}

// Name implements File.
func (f *memFile) Name() string { return f.name }

// Close implements File.
func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.name, Err: errMemClosed}
	}
	f.closed = true
	return nil
}
