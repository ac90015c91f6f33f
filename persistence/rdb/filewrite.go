package rdb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"redpool/backend"
	"redpool/persistence/fsutil"
)

// RedisVersion is the redis-ver AUX field a FileWriter writes: the Redis
// whose RDB format (version 10) it writes.
const RedisVersion = "7.0.15"

// crcSink is the byte sink of a FileWriter's Writer: it adds what passes
// to the checksum.
type crcSink struct {
	w   io.Writer
	crc uint64
}

// Write implements io.Writer.
func (s *crcSink) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.crc = CRC64(s.crc, p[:n])
	return n, err
}

// FileOptions are what a FileWriter writes besides the keys.
type FileOptions struct {
	// Created is the ctime AUX field (Unix seconds).
	Created int64
	// UsedMem is the used-mem AUX field (bytes).
	UsedMem int64
	// Params are the encoding thresholds (zero: DefaultParams).
	Params Params
	// Aux are more AUX fields, written after Redis's own (redis-ver,
	// redis-bits, ctime, used-mem, aof-base), e.g. repl-id and
	// repl-offset for a replica's full sync.
	Aux [][2]string
}

// FileWriter writes an RDB file: the header and AUX fields (NewFileWriter),
// function libraries (WriteFunction, before any key), keys (WriteEntry,
// grouped by database), then EOF and the checksum (Close). It is not safe
// for concurrent use.
type FileWriter struct {
	sink *crcSink
	val  *Writer
	db   int  // the database of the last SELECTDB, -1 before the first
	keys bool // a key was written
	err  error
}

// NewFileWriter writes the header and AUX fields to w and returns a
// writer of the rest.
func NewFileWriter(w io.Writer, o FileOptions) (*FileWriter, error) {
	if o.Params == (Params{}) {
		o.Params = DefaultParams()
	}
	sink := &crcSink{w: w}
	f := &FileWriter{sink: sink, val: NewWriter(sink, o.Params), db: -1}
	_, f.err = fmt.Fprintf(f.val, "REDIS%04d", Version)
	aux := [][2]string{
		{"redis-ver", RedisVersion},
		{"redis-bits", "64"},
		{"ctime", strconv.FormatInt(o.Created, 10)},
		{"used-mem", strconv.FormatInt(o.UsedMem, 10)},
	}
	aux = append(aux, o.Aux...)
	aux = append(aux, [2]string{"aof-base", "0"})
	for _, kv := range aux {
		f.op(OpAux)
		f.str([]byte(kv[0]))
		f.str([]byte(kv[1]))
	}
	return f, f.err
}

func (f *FileWriter) op(b byte) {
	if f.err == nil {
		f.err = f.val.WriteByte(b)
	}
}

func (f *FileWriter) str(p []byte) {
	if f.err == nil {
		f.err = f.val.WriteString(p)
	}
}

// WriteFunction writes a function library's code. Libraries come before
// the keys, as Redis writes them.
func (f *FileWriter) WriteFunction(code []byte) error {
	if f.keys && f.err == nil {
		f.err = errors.New("rdb: a function library after the keys")
	}
	f.op(OpFunction2)
	f.str(code)
	return f.err
}

// WriteEntry writes one key. Entries of one database must come together
// (as backend.Snapshot.Each yields them); an empty collection is skipped.
func (f *FileWriter) WriteEntry(e *backend.Entry) error {
	info, ok := backend.Lookup(e.Type)
	if !ok {
		return fmt.Errorf("%w %d (key %q)", backend.ErrUnknownType, e.Type, e.Key)
	}
	if !info.Scalar && len(e.Items) == 0 {
		return nil
	}
	if e.DB != f.db {
		f.op(OpSelectDB)
		if f.err == nil {
			f.err = f.val.WriteLen(uint64(e.DB))
		}
		f.db = e.DB
	}
	f.keys = true
	if e.ExpireAt != 0 {
		f.op(OpExpireTimeMs)
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], uint64(e.ExpireAt))
		if f.err == nil {
			_, f.err = f.val.Write(b[:])
		}
	}
	if f.err == nil {
		f.err = f.val.WriteKeyValue(e.Key, Value{Type: e.Type, Items: e.Items})
	}
	return f.err
}

// Close writes EOF and the checksum and flushes; it does not close the
// underlying writer.
func (f *FileWriter) Close() error {
	f.op(OpEOF)
	if f.err == nil {
		f.err = f.val.Flush()
	}
	if f.err != nil {
		return f.err
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], f.sink.crc)
	_, f.err = f.sink.w.Write(b[:])
	if f.err == nil {
		f.err = errors.New("rdb: the writer is closed")
		return nil
	}
	return f.err
}

// WriteSnapshot writes snap as an RDB file to w: libraries first, then
// every key. It stops early when ctx is done. Replication's full sync and
// export-rdb use it.
func WriteSnapshot(ctx context.Context, w io.Writer, snap backend.Snapshot, libraries [][]byte, o FileOptions) error {
	f, err := NewFileWriter(w, o)
	if err != nil {
		return err
	}
	for _, code := range libraries {
		if err := f.WriteFunction(code); err != nil {
			return err
		}
	}
	if err := snap.Each(ctx, f.WriteEntry); err != nil {
		return err
	}
	return f.Close()
}

// WriteFile writes an RDB file at path atomically with what fill writes
// into the FileWriter it is given (which WriteFile closes): into a
// temporary file beside path, fsynced, renamed over path, and the
// directory fsynced. On any error the temporary file is removed and path
// is untouched.
func WriteFile(path string, o FileOptions, fill func(f *FileWriter) error) error {
	return fsutil.ReplaceFile(path, 0o644, func(f *os.File) error { // 0644 as Redis creates its dump
		fw, err := NewFileWriter(f, o)
		if err == nil {
			err = fill(fw)
		}
		if err == nil {
			err = fw.Close()
		}
		return err
	})
}
