package snapshot

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"

	"redpool/backend"
)

// readBufSize is the largest bufio buffer a Reader uses.
const readBufSize = 1 << 20

// readChunk is how much record data a Reader reads (and allocates) at a time.
const readChunk = 1 << 20

// maxDB bounds database indexes in a record (backends check their own limit).
const maxDB = math.MaxInt32

// crcReader reads at most left bytes from r and keeps their CRC-32C.
type crcReader struct {
	r     io.Reader
	left  int64
	crc   uint32
	short bool // r ended before left bytes
}

func (c *crcReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.crc = crc32.Update(c.crc, castagnoli, p[:n])
	c.left -= int64(n)
	if err == io.EOF && c.left > 0 {
		c.short = true
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// Reader decodes a snapshot stream record by record, checking the structure
// and, at the end, the keys count, the crc and that nothing follows. It
// does not verify the crc before it hands out entries: callers that must not
// apply a damaged file verify it first (VerifyFile; Load and ReadFile do).
// A Reader is not safe for concurrent use.
type Reader struct {
	src     io.Reader
	hr      crcReader
	br      *bufio.Reader
	h       Header
	hdrCRC  uint32
	bodyLen int64  // bytes between the header and the trailer
	off     int64  // body bytes consumed
	keys    uint64 // records decoded
	keep    bool   // entries stay valid until release (Load's batches)
	arena   []byte // record bytes
	parts   [][]byte
	e       backend.Entry
	aux     map[string][]byte
	err     error // sticky; io.EOF after the end

	// split, if not 0, makes a collection record longer than split bytes
	// come out in pieces (see stream.go); st is the record being split.
	split int
	st    *stream
}

// NewReader reads and checks the header of the snapshot on r.
func NewReader(r io.Reader) (*Reader, error) {
	var hdr [HeaderSize]byte
	n, err := io.ReadFull(r, hdr[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	h, err := decodeHeader(hdr[:n])
	if err != nil {
		return nil, err
	}
	d := &Reader{src: r, h: h, hdrCRC: crc32.Checksum(hdr[:], castagnoli)}
	d.bodyLen = h.Length - HeaderSize - trailerSize
	d.hr = crcReader{r: r, left: d.bodyLen}
	d.br = bufio.NewReaderSize(&d.hr, int(min(d.bodyLen, readBufSize)))
	if h.Aux {
		if err := d.readAux(); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// readAux reads the auxiliary data section that follows the header.
func (d *Reader) readAux() error {
	corrupt := func(what string, n uint64) error {
		return fmt.Errorf("%w: aux section: %s %d at offset %d", ErrCorrupt, what, n, HeaderSize+d.off)
	}
	// field reads a length-prefixed item; the end marker must still fit.
	field := func() ([]byte, error) {
		n, err := d.uvarint()
		if err != nil {
			return nil, err
		}
		if n > uint64(d.bodyLen-d.off-1) {
			return nil, corrupt("length", n)
		}
		b, err := d.read(int(n))
		return bytes.Clone(b), err
	}
	count, err := d.uvarint()
	if err != nil {
		return err
	}
	if count == 0 || count > uint64(d.bodyLen-d.off)/2 {
		return corrupt("count", count)
	}
	d.aux = make(map[string][]byte, count)
	for range count {
		name, err := field()
		if err != nil {
			return err
		}
		val, err := field()
		if err != nil {
			return err
		}
		if _, dup := d.aux[string(name)]; dup || len(val) == 0 {
			return fmt.Errorf("%w: aux section: %q repeated or empty", ErrCorrupt, name)
		}
		d.aux[string(name)] = val
	}
	d.release()
	return nil
}

// Aux returns the snapshot's auxiliary data (nil if it has none), read
// with the header. The map belongs to the caller.
func (d *Reader) Aux() map[string][]byte { return d.aux }

// Header returns the header (CRC is known once Next has returned io.EOF).
func (d *Reader) Header() Header { return d.h }

// Next returns the next key. The Entry and its slices are valid until the
// next call. At the end it checks the trailer and returns io.EOF.
func (d *Reader) Next() (*backend.Entry, error) {
	if d.err != nil {
		return nil, d.err
	}
	if !d.keep {
		d.release()
	}
	if d.st != nil && d.st.last {
		d.st = nil // the split record is done
	}
	var e *backend.Entry
	var err error
	if d.st != nil {
		e, err = d.nextPiece()
	} else {
		e, err = d.next()
	}
	if err != nil {
		d.err = err
		return nil, err
	}
	return e, nil
}

// release lets the arena be reused: entries returned so far become invalid.
func (d *Reader) release() {
	d.arena = d.arena[:0]
	clear(d.parts)
	d.parts = d.parts[:0]
}

func (d *Reader) next() (*backend.Entry, error) {
	start := HeaderSize + d.off
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n == endMarker {
		return nil, d.finish()
	}
	if d.keys >= d.h.Keys {
		return nil, fmt.Errorf("%w: record at offset %d is past the %d keys the header gives", ErrCorrupt, start, d.h.Keys)
	}
	// The end marker must still fit after the record.
	if rem := d.bodyLen - d.off - 1; rem < 0 || n > uint64(rem) {
		return nil, fmt.Errorf("%w: record at offset %d is %d bytes long, past the end of the file", ErrCorrupt, start, n)
	}
	if d.split > 0 && n > uint64(d.split) {
		return d.startStream(start, int64(n))
	}
	rec, err := d.read(int(n))
	if err != nil {
		return nil, err
	}
	if err := d.parse(rec); err != nil {
		return nil, fmt.Errorf("%w: record at offset %d: %v", ErrCorrupt, start, err)
	}
	d.keys++
	return &d.e, nil
}

// uvarint reads a uvarint from the body.
func (d *Reader) uvarint() (uint64, error) {
	var x uint64
	var s uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		b, err := d.br.ReadByte()
		if err != nil {
			return 0, d.readErr(err)
		}
		d.off++
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				break
			}
			return x | uint64(b)<<s, nil
		}
		x |= uint64(b&0x7f) << s
		s += 7
	}
	return 0, fmt.Errorf("%w: bad record length at offset %d", ErrCorrupt, HeaderSize+d.off)
}

// read appends n body bytes to the arena, growing it as the bytes arrive.
func (d *Reader) read(n int) ([]byte, error) {
	start := len(d.arena)
	for left := n; left > 0; {
		c := min(left, readChunk)
		d.arena = slices.Grow(d.arena, c)
		l := len(d.arena)
		d.arena = d.arena[:l+c]
		m, err := io.ReadFull(d.br, d.arena[l:])
		d.off += int64(m)
		if err != nil {
			d.arena = d.arena[:l+m]
			return nil, d.readErr(err)
		}
		left -= c
	}
	return d.arena[start:len(d.arena):len(d.arena)], nil
}

// readErr turns the end of the stream into ErrTruncated, and running past
// the end of the body (the data lacks its end marker) into ErrCorrupt.
func (d *Reader) readErr(err error) error {
	switch {
	case d.hr.short:
		return fmt.Errorf("%w: file ends at offset %d, header says %d bytes", ErrTruncated, HeaderSize+d.off, d.h.Length)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: no end marker before offset %d", ErrCorrupt, HeaderSize+d.bodyLen)
	}
	return err
}

// parse decodes one record's fields (after its length) into d.e.
func (d *Reader) parse(rec []byte) error {
	p := &fieldParser{b: rec}
	db := p.uvarint()
	kind := p.byte()
	if p.err != nil {
		return p.err
	}
	if db > maxDB {
		return fmt.Errorf("database %d out of range", db)
	}
	info, ok := backend.LookupKind(kind & kindMask)
	if !ok {
		return fmt.Errorf("unknown kind %#02x", kind)
	}
	d.e = backend.Entry{DB: int(db), Type: info.Type}
	if kind&kindExpires != 0 {
		at := int64(p.uint64())
		if p.err == nil && at <= 0 {
			return fmt.Errorf("expiry %d", at)
		}
		d.e.ExpireAt = at
	}
	d.e.Key = p.bytes()
	if info.Scalar {
		v := p.bytes()
		if len(v) > backend.MaxStringLen {
			return fmt.Errorf("%s of %d bytes", info.Name, len(v))
		}
		d.parts = append(d.parts, v)
		d.e.Items = d.parts[len(d.parts)-1 : len(d.parts) : len(d.parts)]
	} else {
		d.e.Items = d.items(p, info.Width)
	}
	if p.err != nil {
		return p.err
	}
	if left := len(rec) - p.off; left != 0 {
		return fmt.Errorf("%d bytes left over", left)
	}
	return nil
}

// items parses a count and count*per length-prefixed items into d.parts.
func (d *Reader) items(p *fieldParser, per int) [][]byte {
	count := p.uvarint()
	if p.err != nil {
		return nil
	}
	// Every item takes at least one byte, so the record bounds the count.
	if count == 0 || count > uint64(len(p.b)-p.off)/uint64(per) {
		p.err = fmt.Errorf("count %d", count)
		return nil
	}
	start := len(d.parts)
	for i := 0; i < int(count)*per && p.err == nil; i++ {
		d.parts = append(d.parts, p.bytes())
	}
	return d.parts[start:len(d.parts):len(d.parts)]
}

// finish checks what follows the end marker: nothing of the body, then the
// crc, then the end of the stream.
func (d *Reader) finish() error {
	if d.off != d.bodyLen {
		return fmt.Errorf("%w: end marker at offset %d, but the header says the data ends at %d", ErrCorrupt, HeaderSize+d.off-1, HeaderSize+d.bodyLen-1)
	}
	if d.keys != d.h.Keys {
		return fmt.Errorf("%w: %d key records, header says %d", ErrCorrupt, d.keys, d.h.Keys)
	}
	var tr [trailerSize]byte
	if _, err := io.ReadFull(d.src, tr[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: file ends in the checksum, header says %d bytes", ErrTruncated, d.h.Length)
		}
		return err
	}
	want := binary.BigEndian.Uint32(tr[:])
	got := crcCombine(d.hdrCRC, d.hr.crc, d.bodyLen)
	if got != want {
		return fmt.Errorf("%w: file CRC-32C is %08x, trailer says %08x", ErrChecksum, got, want)
	}
	d.h.CRC = got
	var one [1]byte
	if n, _ := io.ReadFull(d.src, one[:]); n != 0 {
		return fmt.Errorf("%w: data after the end of the snapshot at offset %d", ErrCorrupt, d.h.Length)
	}
	return io.EOF
}

// fieldParser reads fields from one record held in memory; the first error
// sticks and later reads return zero values.
type fieldParser struct {
	b   []byte
	off int
	err error
}

func (p *fieldParser) uvarint() uint64 {
	if p.err != nil {
		return 0
	}
	x, n := binary.Uvarint(p.b[p.off:])
	if n <= 0 {
		p.err = errors.New("bad length")
		return 0
	}
	p.off += n
	return x
}

func (p *fieldParser) byte() byte {
	if p.err != nil {
		return 0
	}
	if p.off >= len(p.b) {
		p.err = errors.New("record too short")
		return 0
	}
	p.off++
	return p.b[p.off-1]
}

func (p *fieldParser) uint64() uint64 {
	if p.err != nil {
		return 0
	}
	if len(p.b)-p.off < 8 {
		p.err = errors.New("record too short")
		return 0
	}
	p.off += 8
	return binary.BigEndian.Uint64(p.b[p.off-8:])
}

// bytes returns a length-prefixed field, aliasing the record, with its
// capacity clipped so that appending to it cannot overwrite what follows.
func (p *fieldParser) bytes() []byte {
	n := p.uvarint()
	if p.err != nil {
		return nil
	}
	if n > uint64(len(p.b)-p.off) {
		p.err = fmt.Errorf("field of %d bytes past the end of the record", n)
		return nil
	}
	s := p.b[p.off : p.off+int(n) : p.off+int(n)]
	p.off += int(n)
	return s
}

// Decode reads the whole snapshot on r, calling fn for each key (the Entry
// is valid during the call), and checks the trailer. It stops at fn's first
// error. It does not verify the crc before calling fn; see VerifyFile.
func Decode(r io.Reader, fn func(e *backend.Entry) error) (Header, error) {
	d, err := NewReader(r)
	if err != nil {
		return Header{}, err
	}
	for {
		e, err := d.Next()
		if err == io.EOF {
			return d.Header(), nil
		}
		if err != nil {
			return d.Header(), err
		}
		if err := fn(e); err != nil {
			return d.Header(), err
		}
	}
}
