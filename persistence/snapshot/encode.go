package snapshot

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"redpool/backend"
)

// Record kinds (the low bits of a record's kind byte).
const (
	kindString = 1
	kindList   = 2
	kindHash   = 3
)

// kindOf maps a backend type to its record kind.
func kindOf(t backend.Type) (byte, bool) {
	switch t {
	case backend.TypeString:
		return kindString, true
	case backend.TypeList:
		return kindList, true
	case backend.TypeHash:
		return kindHash, true
	}
	return 0, false
}

// typeOf maps a record kind to its backend type.
func typeOf(kind byte) (backend.Type, bool) {
	switch kind {
	case kindString:
		return backend.TypeString, true
	case kindList:
		return backend.TypeList, true
	case kindHash:
		return backend.TypeHash, true
	}
	return backend.TypeNone, false
}

// writeBufSize is the bufio buffer of a Writer writing a file.
const writeBufSize = 1 << 20

// crcWriter passes writes to w and keeps the CRC-32C of what passed.
type crcWriter struct {
	w   io.Writer
	crc uint32
	n   int64
}

func (c *crcWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.crc = crc32.Update(c.crc, castagnoli, p[:n])
	c.n += int64(n)
	return n, err
}

// Writer encodes one snapshot as a stream. It reserves the header, so the
// destination must let the caller put the header returned by Close at
// offset 0 afterwards (WriteFile does this with WriteAt). A Writer is not
// safe for concurrent use.
type Writer struct {
	dst     io.Writer
	hw      crcWriter
	bw      *bufio.Writer
	created int64
	keys    uint64
	scratch [3*binary.MaxVarintLen64 + 9]byte
	err     error
	done    bool
}

// NewWriter starts a snapshot created at created (Unix ms) on w: it writes
// HeaderSize placeholder bytes, which the caller must overwrite with the
// header Close returns.
func NewWriter(w io.Writer, created int64) *Writer {
	return newWriter(w, created, writeBufSize)
}

func newWriter(w io.Writer, created int64, bufSize int) *Writer {
	sw := &Writer{dst: w, created: created}
	sw.hw.w = w
	sw.bw = bufio.NewWriterSize(&sw.hw, bufSize)
	var zero [HeaderSize]byte
	_, sw.err = w.Write(zero[:])
	return sw
}

// Keys is the number of key records written so far.
func (w *Writer) Keys() uint64 { return w.keys }

// Write appends one key. Empty lists and hashes are skipped (Redis has no
// empty collections). e and its slices are only read during the call.
func (w *Writer) Write(e *backend.Entry) error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return errors.New("snapshot: Write after Close")
	}
	kind, ok := kindOf(e.Type)
	if !ok {
		return fmt.Errorf("snapshot: key %q in db %d has unknown type %d", e.Key, e.DB, e.Type)
	}
	if e.DB < 0 || e.ExpireAt < 0 {
		return fmt.Errorf("snapshot: key %q has db %d and expiry %d", e.Key, e.DB, e.ExpireAt)
	}
	var body int
	switch e.Type {
	case backend.TypeString:
		body = uvarintLen(uint64(len(e.Str))) + len(e.Str)
	case backend.TypeList:
		if len(e.List) == 0 {
			return nil
		}
		body = listLen(len(e.List), e.List)
	case backend.TypeHash:
		if len(e.Hash) == 0 {
			return nil
		}
		if len(e.Hash)%2 != 0 {
			return fmt.Errorf("snapshot: hash %q has an odd number of fields and values", e.Key)
		}
		body = listLen(len(e.Hash)/2, e.Hash)
	}
	n := uvarintLen(uint64(e.DB)) + 1 + uvarintLen(uint64(len(e.Key))) + len(e.Key) + body
	if e.ExpireAt > 0 {
		kind |= kindExpires
		n += 8
	}
	b := binary.AppendUvarint(w.scratch[:0], uint64(n))
	b = binary.AppendUvarint(b, uint64(e.DB))
	b = append(b, kind)
	if e.ExpireAt > 0 {
		b = binary.BigEndian.AppendUint64(b, uint64(e.ExpireAt))
	}
	b = binary.AppendUvarint(b, uint64(len(e.Key)))
	w.write(b)
	w.write(e.Key)
	switch e.Type {
	case backend.TypeString:
		w.writeBytes(e.Str)
	case backend.TypeList:
		w.writeList(len(e.List), e.List)
	case backend.TypeHash:
		w.writeList(len(e.Hash)/2, e.Hash)
	}
	w.keys++
	return w.err
}

// listLen is the encoded size of a count followed by length-prefixed items.
func listLen(count int, items [][]byte) int {
	n := uvarintLen(uint64(count))
	for _, it := range items {
		n += uvarintLen(uint64(len(it))) + len(it)
	}
	return n
}

func (w *Writer) writeList(count int, items [][]byte) {
	w.write(binary.AppendUvarint(w.scratch[:0], uint64(count)))
	for _, it := range items {
		w.writeBytes(it)
	}
}

func (w *Writer) writeBytes(p []byte) {
	w.write(binary.AppendUvarint(w.scratch[:0], uint64(len(p))))
	w.write(p)
}

func (w *Writer) write(p []byte) {
	if w.err == nil {
		_, w.err = w.bw.Write(p)
	}
}

// Close writes the end marker and the crc and flushes. It returns the
// header, which the caller must write at offset 0 over the placeholder.
func (w *Writer) Close() (Header, [HeaderSize]byte, error) {
	if w.err != nil {
		return Header{}, [HeaderSize]byte{}, w.err
	}
	if w.done {
		return Header{}, [HeaderSize]byte{}, errors.New("snapshot: Writer closed twice")
	}
	w.done = true
	if err := w.bw.WriteByte(endMarker); err != nil {
		return Header{}, [HeaderSize]byte{}, err
	}
	if err := w.bw.Flush(); err != nil {
		return Header{}, [HeaderSize]byte{}, err
	}
	h := Header{
		Version: Version,
		Created: w.created,
		Length:  HeaderSize + w.hw.n + trailerSize,
		Keys:    w.keys,
	}
	hdr := encodeHeader(h)
	h.CRC = crcCombine(crc32.Checksum(hdr[:], castagnoli), w.hw.crc, w.hw.n)
	var tr [trailerSize]byte
	binary.BigEndian.PutUint32(tr[:], h.CRC)
	if _, err := w.dst.Write(tr[:]); err != nil {
		return Header{}, [HeaderSize]byte{}, err
	}
	return h, hdr, nil
}

// Encode returns the snapshot of entries, created at created (Unix ms), as
// bytes. It is for tests and small images; files use WriteFile.
func Encode(created int64, entries []backend.Entry) ([]byte, error) {
	var buf bytes.Buffer
	w := newWriter(&buf, created, 4096)
	for i := range entries {
		if err := w.Write(&entries[i]); err != nil {
			return nil, err
		}
	}
	_, hdr, err := w.Close()
	if err != nil {
		return nil, err
	}
	out := buf.Bytes()
	copy(out, hdr[:])
	return out, nil
}
