package snapshot

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"

	"redpool/backend"
	"redpool/persistence/fsutil"
)

// tempInfix joins a snapshot's name and the random suffix of its temporary files.
const tempInfix = fsutil.TempInfix

// VerifyFile checks the snapshot at path without decoding it: the header,
// the size and the crc of the whole file, in that order (see the package
// doc). It reads the file once, streaming.
func VerifyFile(path string) (Header, error) { return verifyFile(fsutil.OSFS{}, path) }

// verifyFile is VerifyFile in fsys.
func verifyFile(fsys fsutil.FS, path string) (Header, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return Header{}, err
	}
	defer f.Close()
	h, err := verify(f)
	if err != nil {
		return h, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// verify is VerifyFile on an open file, read from its start.
func verify(f fsutil.File) (Header, error) {
	st, err := f.Stat()
	if err != nil {
		return Header{}, err
	}
	buf := make([]byte, min(max(st.Size(), HeaderSize), readBufSize))
	n, err := io.ReadFull(f, buf[:HeaderSize])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Header{}, err
	}
	h, err := decodeHeader(buf[:n])
	if err != nil {
		return Header{}, err
	}
	if err := checkSize(h, st.Size()); err != nil {
		return h, err
	}
	crc := crc32.Checksum(buf[:HeaderSize], castagnoli)
	for left := h.Length - HeaderSize - trailerSize; left > 0; {
		m, err := io.ReadFull(f, buf[:min(left, int64(len(buf)))])
		crc = crc32.Update(crc, castagnoli, buf[:m])
		left -= int64(m)
		if err != nil {
			return h, fmt.Errorf("%w: %v", ErrTruncated, err)
		}
	}
	var tr [trailerSize]byte
	if _, err := io.ReadFull(f, tr[:]); err != nil {
		return h, fmt.Errorf("%w: %v", ErrTruncated, err)
	}
	if want := binary.BigEndian.Uint32(tr[:]); crc != want {
		return h, fmt.Errorf("%w: file CRC-32C is %08x, trailer says %08x", ErrChecksum, crc, want)
	}
	h.CRC = crc
	return h, nil
}

// ReadFile verifies the snapshot at path (VerifyFile), then decodes it,
// calling fn for each key (the Entry is valid during the call). fn is never
// called for a file that fails verification.
func ReadFile(path string, fn func(e *backend.Entry) error) (Header, error) {
	f, err := fsutil.OSFS{}.Open(path)
	if err != nil {
		return Header{}, err
	}
	defer f.Close()
	h, err := verifyThenRead(f, func(d *Reader) error {
		for {
			e, err := d.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return h, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// verifyThenRead verifies f, rewinds it and hands a Reader on it to fn.
func verifyThenRead(f fsutil.File, fn func(d *Reader) error) (Header, error) {
	h, err := verify(f)
	if err != nil {
		return h, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return h, err
	}
	d, err := NewReader(f)
	if err != nil {
		return h, err
	}
	if err := fn(d); err != nil {
		return h, err
	}
	return d.Header(), nil
}

// WriteFile writes a snapshot created at created (Unix ms) to path
// atomically: each is called with a function that writes one key, into a
// temporary file in path's directory, which is then fsynced, renamed over
// path, and the directory fsynced. On any error (including each's) the
// temporary file is removed and path is untouched.
func WriteFile(path string, created int64, each func(write func(e *backend.Entry) error) error) (Header, error) {
	return replaceFile(fsutil.OSFS{}, path, func(f fsutil.File) (Header, error) {
		w := NewWriter(f, created)
		return finish(f, w, each(w.Write))
	})
}

// replaceFile replaces path atomically with what fill writes into a new
// temporary file beside it: fsync, close, rename, fsync the directory. On
// any error the temporary file is removed and path is untouched.
func replaceFile(fsys fsutil.FS, path string, fill func(f fsutil.File) (Header, error)) (Header, error) {
	var h Header
	err := fsutil.ReplaceFileFS(fsys, path, 0o600, func(f fsutil.File) (err error) {
		h, err = fill(f)
		return err
	})
	if err != nil {
		return Header{}, err
	}
	return h, nil
}

// Save writes every key of snap to path atomically (WriteFile). created is
// the time the view was fixed (Unix ms). It stops early when ctx is done.
func Save(ctx context.Context, path string, snap backend.Snapshot, created int64) (Header, error) {
	return save(ctx, fsutil.OSFS{}, path, snap, created)
}

// save is Save in fsys.
func save(ctx context.Context, fsys fsutil.FS, path string, snap backend.Snapshot, created int64) (Header, error) {
	return replaceFile(fsys, path, func(f fsutil.File) (Header, error) {
		w := NewWriter(f, created)
		if err := w.WriteAux(snap.Aux()); err != nil {
			return Header{}, err
		}
		return finish(f, w, snap.Each(ctx, w.Write))
	})
}

// finish closes w, which writes f, after err (the writing's error) and
// puts the header in place.
func finish(f fsutil.File, w *Writer, err error) (Header, error) {
	if err != nil {
		return Header{}, err
	}
	h, hdr, err := w.Close()
	if err == nil {
		_, err = f.WriteAt(hdr[:], 0)
	}
	return h, err
}

// CleanTemp removes the temporary files a writer of path left behind (a
// crash during a save) and returns their names.
func CleanTemp(path string) ([]string, error) { return cleanTemp(fsutil.OSFS{}, path) }

// cleanTemp is CleanTemp in fsys.
func cleanTemp(fsys fsutil.FS, path string) ([]string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		if e.IsDir() || !strings.HasPrefix(e.Name(), base+tempInfix) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := fsys.Remove(p); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, p)
	}
	return removed, errors.Join(errs...)
}

// CopyFile verifies the snapshot at src and copies it to dst atomically
// (replaceFile), verifying the copy before the rename.
func CopyFile(src, dst string) (Header, error) {
	if _, err := VerifyFile(src); err != nil {
		return Header{}, err
	}
	in, err := os.Open(src)
	if err != nil {
		return Header{}, err
	}
	defer in.Close()
	return replaceFile(fsutil.OSFS{}, dst, func(f fsutil.File) (Header, error) {
		if _, err := io.Copy(f, in); err != nil {
			return Header{}, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return Header{}, err
		}
		return verify(f)
	})
}
