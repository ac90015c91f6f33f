package aof

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"redpool/persistence/fsutil"
)

// Start loads the log through r, cutting off a torn last record, then
// opens the last incr file (creating one if there is none) and starts the
// writer. It must be called once, before the first Append. If it fails the
// log is unusable; Close it.
func (l *Log) Start(r Replayer) error {
	err := ErrClosed
	l.startOnce.Do(func() { err = l.start(r) })
	return err
}

func (l *Log) start(r Replayer) error {
	if l.o.Name == "" || strings.ContainsAny(l.o.Name, "/\\\r\n\x00") {
		return fmt.Errorf("aof: bad file name %q", l.o.Name)
	}
	if err := l.o.FS.MkdirAll(l.o.Dir, 0o755); err != nil {
		return err
	}
	man, err := l.readOrAdopt()
	if err != nil {
		return err
	}
	sizes, err := l.load(man, r, true)
	if err != nil {
		return err
	}
	l.man, l.nextSeq = man, man.maxSeq()+1
	var cur *incrFile
	incrs := man.Incrs()
	if len(incrs) == 0 {
		seq := l.nextSeq
		l.nextSeq++
		if cur, err = l.createIncr(seq); err != nil {
			return err
		}
		sizes = append(sizes, 0)
		if _, err := l.writeManifest(man.with(FileRef{Kind: KindIncr, Seq: seq, Name: cur.name})); err != nil {
			_ = cur.f.Close()
			return err
		}
	} else {
		last := incrs[len(incrs)-1]
		f, err := l.o.OpenFile(l.path(last.Name), openAppend, 0)
		if err != nil {
			return err
		}
		cur = &incrFile{name: last.Name, f: f, size: sizes[len(sizes)-1], started: make(chan struct{})}
	}
	close(cur.started)
	if _, ok := l.man.Base(); ok {
		l.baseSize.Store(sizes[0])
	}
	var done int64
	for _, n := range sizes[:len(sizes)-1] {
		done += n
	}
	l.doneSize.Store(done - l.baseSize.Load())
	l.curSize.Store(cur.size)
	l.rewriteBase.Store(l.Size())
	l.file, l.w.cur = cur, cur
	l.started.Store(true)
	go l.background()
	return nil
}

// readOrAdopt reads the manifest. Without one, it adopts an old-layout
// file named exactly like the log as the base, and removes leftovers.
func (l *Log) readOrAdopt() (Manifest, error) {
	man, err := readManifest(l.o.FS, l.path(manifestName(l.o.Name)))
	haveManifest := err == nil
	switch {
	case haveManifest:
	case !errors.Is(err, fs.ErrNotExist):
		return Manifest{}, err
	default:
		if fi, err := l.o.FS.Stat(l.path(l.o.Name)); err == nil && fi.Mode().IsRegular() {
			l.logger.Warn("AOF: no manifest: using the old single-file log as the base", "file", l.o.Name)
			man = Manifest{Files: []FileRef{{Kind: KindBase, Seq: 0, Name: l.o.Name}}}
		}
	}
	return man, l.clean(man, haveManifest)
}

// clean removes temp files and log files the manifest does not name.
// Without a manifest, a non-empty log file is an error: its place in the
// log is unknown.
func (l *Log) clean(man Manifest, haveManifest bool) error {
	entries, err := l.o.FS.ReadDir(l.o.Dir)
	if err != nil {
		return err
	}
	var stray []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case !e.Type().IsRegular():
		case isTempFile(l.o.Name, name):
			l.logger.Warn("AOF: removing leftover temp file", "file", name)
			l.removeFile(name)
		case isLogFile(l.o.Name, name) && !man.names(name):
			if !haveManifest {
				if fi, err := e.Info(); err != nil || fi.Size() > 0 {
					stray = append(stray, name)
					continue
				}
			}
			l.logger.Warn("AOF: removing file the manifest does not name", "file", name)
			l.removeFile(name)
		}
	}
	if len(stray) > 0 {
		return fmt.Errorf("%w: %s in %s (restore %s, or move them away)", ErrStrayFiles,
			strings.Join(stray, ", "), l.o.Dir, manifestName(l.o.Name))
	}
	return nil
}

// load replays the files of man through r and returns their sizes (after
// cutting off a torn tail). With bulk (at start), the leading run of
// plain string records of the first non-empty file goes to the backend in
// one bulk load if r can (bulkreplay.go).
func (l *Log) load(man Manifest, r Replayer, bulk bool) ([]int64, error) {
	sizes := make([]int64, len(man.Files))
	last := -1 // the last non-empty file
	for i, ref := range man.Files {
		fi, err := l.o.FS.Stat(l.path(ref.Name))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%w: %s", ErrMissingFile, l.path(ref.Name))
			}
			return nil, err
		}
		sizes[i] = fi.Size()
		if sizes[i] > 0 {
			last = i
		}
	}
	start := time.Now()
	var records, bulked int64
	var tx txTracker
	apply := func(off int64, argv [][]byte) error {
		records++
		tx.see(off, argv)
		return r.Apply(argv)
	}
	for i, ref := range man.Files {
		path := l.path(ref.Name)
		r.BeginFile()
		tx.reset()
		var good int64
		var err error
		resume := true // the engine replays the file from good
		if er, ok := r.(*engineReplayer); ok && bulk && records == 0 && er.bl != nil && sizes[i] > 0 {
			good, bulked, resume, err = l.bulkReplay(path, sizes[i], er)
			records += bulked
		}
		if resume && err == nil {
			good, err = scanFileFrom(l.o.FS, path, good, l.o.MaxBulkLen, apply)
		}
		// A numbered base file is written whole (temp file and rename), so
		// a torn one is corrupt; the tail of the last file is a crash.
		tail := i == last && (ref.Kind == KindIncr || ref.Seq == 0)
		switch {
		case tail && tx.open && (err == nil || errors.Is(err, ErrTruncated)):
			// A crash inside a transaction: none of it happened (its
			// queued commands never ran), as Redis's aof-load-truncated.
			l.logger.Warn("AOF ends inside a MULTI block (a crash while writing?): cutting the transaction off",
				"file", path, "offset", tx.start, "bytes_cut", sizes[i]-tx.start)
			good, err = tx.start, nil
		case errors.Is(err, ErrTruncated) && tail:
			l.logger.Warn("AOF ends with a partial record (a crash while writing?): cutting it off",
				"file", path, "offset", good, "bytes_cut", sizes[i]-good)
			err = nil
		case err == nil && tx.open:
			err = &CorruptError{File: path, Offset: tx.start, Err: ErrBadRecord, Detail: "MULTI without EXEC"}
		}
		if err != nil {
			return nil, err
		}
		if good < sizes[i] {
			if err := truncateFile(l.o.FS, path, good); err != nil {
				return nil, err
			}
			sizes[i] = good
		}
	}
	if records > 0 {
		l.logger.Info("AOF loaded", "files", len(man.Files), "records", records, "bulk_loaded", bulked, "took", time.Since(start))
	}
	return sizes, nil
}

// txTracker follows MULTI ... EXEC blocks while a file loads, so that a
// file ending inside one can be cut back to before its MULTI.
type txTracker struct {
	open  bool
	start int64 // offset of the open block's MULTI
}

func (t *txTracker) reset() { *t = txTracker{} }

// see notes the record argv at offset off.
func (t *txTracker) see(off int64, argv [][]byte) {
	switch {
	case isWord(argv[0], "multi"):
		t.open, t.start = true, off
	case isWord(argv[0], "exec"):
		t.open = false
	}
}

// isWord reports whether b is the lower-case ASCII word w, ignoring case.
func isWord(b []byte, w string) bool {
	if len(b) != len(w) {
		return false
	}
	for i, c := range b {
		if c|0x20 != w[i] {
			return false
		}
	}
	return true
}

// scanFile runs Scan over the file at path, naming it in a CorruptError.
func scanFile(fsys fsutil.FS, path string, maxBulkLen int64, fn func(off int64, argv [][]byte) error) (int64, error) {
	return scanFileFrom(fsys, path, 0, maxBulkLen, fn)
}

// scanFileFrom is scanFile from offset from (the start of a record) on:
// offsets, passed to fn and returned, are the file's.
func scanFileFrom(fsys fsutil.FS, path string, from, maxBulkLen int64, fn func(off int64, argv [][]byte) error) (int64, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return from, err
	}
	defer f.Close()
	if from > 0 {
		if _, err := f.Seek(from, io.SeekStart); err != nil {
			return from, err
		}
	}
	good, err := Scan(f, maxBulkLen, func(off int64, argv [][]byte) error { return fn(from+off, argv) })
	good += from
	var ce *CorruptError
	if errors.As(err, &ce) {
		ce.File = path
		ce.Offset += from
	}
	return good, err
}

// CheckFile checks the records of the log file at path, without applying
// them, and returns the file's size and the offset just after its last good
// record. The error is as Scan's, with the path in a CorruptError; a file
// ending inside a MULTI block is ErrTruncated at its MULTI (load cuts it
// there too).
func CheckFile(path string) (size, good int64, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	var tx txTracker
	good, err = scanFile(fsutil.OSFS{}, path, 0, func(off int64, argv [][]byte) error {
		tx.see(off, argv)
		return nil
	})
	if tx.open && (err == nil || errors.Is(err, ErrTruncated)) {
		return fi.Size(), tx.start, &CorruptError{File: path, Offset: tx.start, Err: ErrTruncated, Detail: "MULTI without EXEC"}
	}
	return fi.Size(), good, err
}

// Truncate cuts the file at path to size and fsyncs it (cutting off a torn
// or bad tail).
func Truncate(path string, size int64) error { return truncateFile(fsutil.OSFS{}, path, size) }

// truncateFile is Truncate in fsys.
func truncateFile(fsys fsutil.FS, path string, size int64) error {
	f, err := fsys.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
