package snapshot

import (
	"encoding/binary"
	"fmt"

	"redpool/backend"
)

// Splitting big records. A Reader with split set (the loader's) hands out a
// collection record longer than split bytes in pieces: entries with the
// same database, key, type and expiry, each with the next items of the
// value (whole elements), about split bytes at a time. The record is then
// never held whole, so a huge collection costs neither one allocation nor
// one backend transaction to load. Scalars (strings) are not split. The
// checks are those of parse, done as the bytes arrive.

// maxPieceItems bounds the items of one piece.
const maxPieceItems = 64 << 10

// stream is the state of a record being split.
type stream struct {
	start       int64 // the record's offset in the file, for errors
	end         int64 // d.off at the end of the record
	info        backend.TypeInfo
	db          int
	key         []byte // a copy: pieces outlive the arena releases
	expireAt    int64
	left        uint64 // items still to read
	pieces      int    // pieces handed out
	first, last bool   // of the piece last handed out
}

// piece reports where the entry Next last returned sits in its value:
// first and last are both true for a whole value.
func (d *Reader) piece() (first, last bool) {
	if d.st == nil {
		return true, true
	}
	return d.st.first, d.st.last
}

// startStream reads the fields of a record of n bytes at offset start up
// to its items, and returns its first piece.
func (d *Reader) startStream(start, n int64) (*backend.Entry, error) {
	st := &stream{start: start, end: d.off + n}
	corrupt := st.corrupt
	db, err := d.field(st)
	if err != nil {
		return nil, err
	}
	if db > maxDB {
		return nil, corrupt("database %d out of range", db)
	}
	kb, err := d.readIn(st, 1)
	if err != nil {
		return nil, err
	}
	kind := kb[0]
	info, ok := backend.LookupKind(kind & kindMask)
	if !ok {
		return nil, corrupt("unknown kind %#02x", kind)
	}
	st.info, st.db = info, int(db)
	if kind&kindExpires != 0 {
		at, err := d.readIn(st, 8)
		if err != nil {
			return nil, err
		}
		if st.expireAt = int64(binary.BigEndian.Uint64(at)); st.expireAt <= 0 {
			return nil, corrupt("expiry %d", st.expireAt)
		}
	}
	klen, err := d.field(st)
	if err != nil {
		return nil, err
	}
	key, err := d.readIn(st, klen)
	if err != nil {
		return nil, err
	}
	st.key = append([]byte(nil), key...)
	if info.Scalar {
		// A string comes whole: read the rest of the record and parse it.
		rest, err := d.readIn(st, uint64(st.end-d.off))
		if err != nil {
			return nil, err
		}
		p := &fieldParser{b: rest}
		v := p.bytes()
		switch {
		case p.err != nil:
			return nil, corrupt("%v", p.err)
		case len(v) > backend.MaxStringLen:
			return nil, corrupt("%s of %d bytes", info.Name, len(v))
		case p.off != len(rest):
			return nil, corrupt("%d bytes left over", len(rest)-p.off)
		}
		d.parts = append(d.parts, v)
		d.e = backend.Entry{DB: st.db, Key: st.key, Type: info.Type, ExpireAt: st.expireAt, Items: d.parts[len(d.parts)-1:]}
		d.keys++
		return &d.e, nil
	}
	count, err := d.field(st)
	if err != nil {
		return nil, err
	}
	// Every item takes at least one byte, so the record bounds the count.
	if count == 0 || count > uint64(st.end-d.off)/uint64(info.Width) {
		return nil, corrupt("count %d", count)
	}
	st.left = count * uint64(info.Width)
	d.st = st
	return d.nextPiece()
}

// nextPiece reads the next piece of the record being split: whole
// elements, until about d.split bytes or maxPieceItems items.
func (d *Reader) nextPiece() (*backend.Entry, error) {
	st := d.st
	corrupt := st.corrupt
	begin := len(d.parts)
	size := 0
	for st.left > 0 {
		n := len(d.parts) - begin
		if n%st.info.Width == 0 && (size >= d.split || n >= maxPieceItems) {
			break
		}
		l, err := d.field(st)
		if err != nil {
			return nil, err
		}
		v, err := d.readIn(st, l)
		if err != nil {
			return nil, err
		}
		d.parts = append(d.parts, v)
		size += len(v)
		st.left--
	}
	st.first, st.last = st.pieces == 0, st.left == 0
	st.pieces++
	if st.last {
		if d.off != st.end {
			return nil, corrupt("%d bytes left over", st.end-d.off)
		}
		d.keys++
	}
	d.e = backend.Entry{DB: st.db, Key: st.key, Type: st.info.Type, ExpireAt: st.expireAt, Items: d.parts[begin:len(d.parts):len(d.parts)]}
	return &d.e, nil
}

// field reads a uvarint of the record being split.
func (d *Reader) field(st *stream) (uint64, error) {
	if d.off >= st.end {
		return 0, st.corrupt("record too short")
	}
	x, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if d.off > st.end {
		return 0, st.corrupt("bad length")
	}
	return x, nil
}

// readIn reads n bytes of the record being split into the arena.
func (d *Reader) readIn(st *stream, n uint64) ([]byte, error) {
	if n > uint64(st.end-d.off) {
		return nil, st.corrupt("field of %d bytes past the end of the record", n)
	}
	return d.read(int(n))
}

func (st *stream) corrupt(format string, a ...any) error {
	return fmt.Errorf("%w: record at offset %d: %s", ErrCorrupt, st.start, fmt.Sprintf(format, a...))
}
