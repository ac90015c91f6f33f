package snapshot

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"slices"

	"redpool/backend"
)

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
	aux     bool // the aux section was written
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

// WriteAux writes the auxiliary data section (backend.Snapshot.Aux: the
// function libraries), names in byte order. It must come before the first
// key; an empty aux writes nothing.
func (w *Writer) WriteAux(aux map[string][]byte) error {
	switch {
	case w.err != nil:
		return w.err
	case w.done || w.keys > 0 || w.aux:
		return errors.New("snapshot: WriteAux after a key, twice, or after Close")
	case len(aux) == 0:
		return nil
	}
	w.aux = true
	w.write(binary.AppendUvarint(w.scratch[:0], uint64(len(aux))))
	for _, name := range slices.Sorted(maps.Keys(aux)) {
		w.writeBytes([]byte(name))
		w.writeBytes(aux[name])
	}
	return w.err
}

// Write appends one key, as its type's registry row says (the record kind;
// a scalar's one item, or a collection's element count and items). Empty
// collections are skipped (Redis has none). A type with no row, or items
// that are not a whole value, is an error. e and its slices are only read
// during the call.
func (w *Writer) Write(e *backend.Entry) error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return errors.New("snapshot: Write after Close")
	}
	info, ok := backend.Lookup(e.Type)
	if !ok {
		return fmt.Errorf("snapshot: key %q in db %d: %w %d", e.Key, e.DB, backend.ErrUnknownType, e.Type)
	}
	if e.DB < 0 || e.ExpireAt < 0 {
		return fmt.Errorf("snapshot: key %q has db %d and expiry %d", e.Key, e.DB, e.ExpireAt)
	}
	if err := info.CheckItems(e.Items); err != nil {
		return fmt.Errorf("snapshot: key %q: %v", e.Key, err)
	}
	var body int
	if info.Scalar {
		body = uvarintLen(uint64(len(e.Items[0]))) + len(e.Items[0])
	} else {
		if len(e.Items) == 0 {
			return nil
		}
		body = listLen(len(e.Items)/info.Width, e.Items)
	}
	kind := info.Kind
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
	if info.Scalar {
		w.writeBytes(e.Items[0])
	} else {
		w.writeList(len(e.Items)/info.Width, e.Items)
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
		Aux:     w.aux,
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
