package rdb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"slices"
	"strconv"

	"redpool/backend"
)

// ReadOptions configure a Reader.
type ReadOptions struct {
	// Sanitize is Redis's deep sanitization (sanitize-dump-payload yes):
	// every listpack entry's back length and the listpack's count, the
	// order of an intset, and that a listpack hash or sorted set repeats
	// no field or member are checked too. Without it a Reader still
	// checks all it must to decode (every length within the data, every
	// entry well formed, hashes and sorted sets in whole pairs), and what
	// Redis always checks (ziplists and zipmaps deeply, repeats in the
	// plain encodings); repeats it lets through are merged by Put.
	Sanitize bool
	// OnSanitize, if not nil, is called for each packed encoding Sanitize
	// checks deeply where Redis counts dump_payload_sanitizations: a
	// quicklist node's listpack, an intset, a hash's or sorted set's
	// listpack, a stream node's listpack.
	OnSanitize func()
	// Size is the number of bytes the underlying reader holds, if known
	// (0: unknown). A length that promises more than is left is then an
	// error before anything is allocated. Either way a Reader allocates
	// for a long string only as its bytes arrive, and for a collection
	// only as its elements do.
	Size int64
	// Checksum keeps the CRC-64 of the bytes consumed (Sum64), for an
	// RDB file's trailing checksum: a checksumming reader below the
	// Reader would also count the bytes it reads ahead.
	Checksum bool
}

// Reader decodes RDB strings and values from an io.Reader (which it
// buffers: it may read ahead). Decoded bytes belong to the caller. Not
// safe for concurrent use.
type Reader struct {
	br    *bufio.Reader
	opt   ReadOptions
	read  int64  // bytes consumed
	crc   uint64 // CRC-64 of the bytes consumed, with Checksum
	arena arena
	lpBuf []byte // a listpack/ziplist being decoded when items do not alias it
}

// readChunk is how much of a long string a Reader allocates at a time
// when the size of the input is unknown.
const readChunk = 1 << 20

// NewReader returns a Reader on r.
func NewReader(r io.Reader, o ReadOptions) *Reader {
	size := 64 << 10
	if o.Size > 0 && o.Size < int64(size) {
		size = int(o.Size)
	}
	return &Reader{br: bufio.NewReaderSize(r, size), opt: o}
}

// Offset returns the number of bytes consumed so far.
func (r *Reader) Offset() int64 { return r.read }

// ReadByte reads one byte (a type byte or an opcode).
func (r *Reader) ReadByte() (byte, error) {
	b, err := r.br.ReadByte()
	if err != nil {
		return 0, err
	}
	r.read++
	if r.opt.Checksum {
		r.crc = crcTables()[0][byte(r.crc)^b] ^ r.crc>>8
	}
	return b, nil
}

// ReadFull reads exactly len(p) bytes; an early end is
// io.ErrUnexpectedEOF (io.EOF if nothing was read).
func (r *Reader) ReadFull(p []byte) error {
	n, err := io.ReadFull(r.br, p)
	r.read += int64(n)
	if r.opt.Checksum {
		r.crc = CRC64(r.crc, p[:n])
	}
	return err
}

// Sum64 returns the CRC-64 of the bytes consumed so far (with
// ReadOptions.Checksum; 0 without).
func (r *Reader) Sum64() uint64 { return r.crc }

// left is the number of bytes left, or -1 if unknown.
func (r *Reader) left() int64 {
	if r.opt.Size <= 0 {
		return -1
	}
	return r.opt.Size - r.read
}

// readLen reads an RDB length; enc is true for the special string
// encodings (0b11 prefix), whose number n then is.
func (r *Reader) readLen() (n uint64, enc bool, err error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, false, noEOF(err)
	}
	switch b >> 6 {
	case 0:
		return uint64(b & 0x3f), false, nil
	case 1:
		b2, err := r.ReadByte()
		if err != nil {
			return 0, false, noEOF(err)
		}
		return uint64(b&0x3f)<<8 | uint64(b2), false, nil
	case 3:
		return uint64(b & 0x3f), true, nil
	}
	var buf [8]byte
	switch b {
	case 0x80:
		if err := r.ReadFull(buf[:4]); err != nil {
			return 0, false, noEOF(err)
		}
		return uint64(binary.BigEndian.Uint32(buf[:])), false, nil
	case 0x81:
		if err := r.ReadFull(buf[:]); err != nil {
			return 0, false, noEOF(err)
		}
		return binary.BigEndian.Uint64(buf[:]), false, nil
	}
	return 0, false, corrupt("bad length encoding")
}

// noEOF turns io.EOF inside a value into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ReadLen reads an RDB length (a count or a size; an encoded string
// marker is an error).
func (r *Reader) ReadLen() (uint64, error) {
	n, enc, err := r.readLen()
	if err == nil && enc {
		err = corrupt("unexpected string encoding")
	}
	return n, err
}

// ReadString reads an RDB string in any of its encodings: plain, an
// integer (returned in decimal) or LZF-compressed.
func (r *Reader) ReadString() ([]byte, error) {
	n, enc, err := r.readLen()
	if err != nil {
		return nil, err
	}
	if !enc {
		return r.readBytes(n)
	}
	var buf [4]byte
	switch n {
	case encInt8:
		if err := r.ReadFull(buf[:1]); err != nil {
			return nil, noEOF(err)
		}
		return r.arena.int(int64(int8(buf[0]))), nil
	case encInt16:
		if err := r.ReadFull(buf[:2]); err != nil {
			return nil, noEOF(err)
		}
		return r.arena.int(int64(int16(binary.LittleEndian.Uint16(buf[:])))), nil
	case encInt32:
		if err := r.ReadFull(buf[:4]); err != nil {
			return nil, noEOF(err)
		}
		return r.arena.int(int64(int32(binary.LittleEndian.Uint32(buf[:])))), nil
	case encLZF:
		return r.readLZF()
	}
	return nil, corrupt("unknown string encoding")
}

// readLZF reads an LZF-compressed string: its compressed and expanded
// lengths, then the data.
func (r *Reader) readLZF() ([]byte, error) {
	clen, err := r.ReadLen()
	if err != nil {
		return nil, err
	}
	ulen, err := r.ReadLen()
	if err != nil {
		return nil, err
	}
	if ulen == 0 || clen == 0 || ulen/lzfMaxRatio > clen || ulen > math.MaxInt32*4 {
		return nil, corrupt("bad LZF lengths")
	}
	c, err := r.readInto(r.lpBuf[:0], clen)
	if err != nil {
		return nil, err
	}
	r.lpBuf = c[:0]
	return lzfDecompress(r.arena.alloc(int(ulen))[:0], c, int(ulen))
}

// readBytes reads n bytes into a new slice.
func (r *Reader) readBytes(n uint64) ([]byte, error) {
	if left := r.left(); left >= 0 && n > uint64(left) {
		return nil, corrupt("string past the end")
	}
	if r.left() >= 0 || n <= readChunk {
		b := r.arena.alloc(int(n))
		if err := r.ReadFull(b); err != nil {
			return nil, noEOF(err)
		}
		return b, nil
	}
	return r.readInto(nil, n)
}

// readInto reads n bytes appended to dst, growing it only as the bytes
// arrive.
func (r *Reader) readInto(dst []byte, n uint64) ([]byte, error) {
	if left := r.left(); left >= 0 && n > uint64(left) {
		return nil, corrupt("string past the end")
	}
	for n > 0 {
		step := int(min(n, readChunk))
		start := len(dst)
		dst = slices.Grow(dst, step)[:start+step]
		if err := r.ReadFull(dst[start:]); err != nil {
			return nil, noEOF(err)
		}
		n -= uint64(step)
	}
	return dst, nil
}

// readCount reads the element count of a collection with at least per
// items... and bytes per element, refusing an empty one and one that
// cannot fit in what is left. It returns a capacity hint too.
func (r *Reader) readCount(minBytes int64) (n uint64, hint int, err error) {
	n, err = r.ReadLen()
	if err != nil {
		return 0, 0, err
	}
	if n == 0 {
		return 0, 0, corrupt("empty collection")
	}
	if left := r.left(); left >= 0 && n > uint64(left/minBytes) {
		return 0, 0, corrupt("count past the end")
	}
	return n, int(min(n, 1024)), nil
}

// ReadValue reads a value of RDB type t (the type byte already read).
// Every encoding Redis 7.0 writes or still loads is understood (and
// Redis 7.2's streams); module values are ErrUnsupported. The items are
// new memory belonging to the caller (a stream's are its records,
// backend.StreamRecord).
func (r *Reader) ReadValue(t byte) (Value, error) {
	switch t {
	case TypeString:
		s, err := r.ReadString()
		if err != nil {
			return Value{}, err
		}
		return Value{Type: backend.TypeString, Items: [][]byte{s}}, nil
	case TypeList:
		items, err := r.readStrings(1)
		return Value{Type: backend.TypeList, Items: items}, err
	case TypeSet:
		items, err := r.readStrings(1)
		if err == nil && hasRepeats(items, 1, 0) {
			err = corrupt("repeated set members")
		}
		return Value{Type: backend.TypeSet, Items: items}, err
	case TypeHash:
		items, err := r.readStrings(2)
		if err == nil && hasRepeats(items, 2, 0) {
			err = corrupt("repeated hash fields")
		}
		return Value{Type: backend.TypeHash, Items: items}, err
	case TypeZSet, TypeZSet2:
		items, err := r.readZSet(t == TypeZSet2)
		return Value{Type: backend.TypeZSet, Items: items}, err
	case TypeListQuicklist, TypeListQuicklist2:
		items, err := r.readQuicklist(t == TypeListQuicklist2)
		return Value{Type: backend.TypeList, Items: items}, err
	case TypeHashZipmap, TypeListZiplist, TypeSetIntset, TypeZSetZiplist, TypeHashZiplist, TypeHashListpack, TypeZSetListpack:
		return r.readPacked(t)
	case TypeStreamListpack, TypeStreamListpack2, TypeStreamListpack3:
		return r.readStream(t)
	case TypeModule, TypeModule2:
		return Value{}, ErrUnsupported
	}
	return Value{}, corrupt("unknown value type")
}

// readStrings reads a plain collection: a count of elements of width
// strings each.
func (r *Reader) readStrings(width int) ([][]byte, error) {
	n, hint, err := r.readCount(int64(width))
	if err != nil {
		return nil, err
	}
	items := make([][]byte, 0, hint*width)
	for i := uint64(0); i < n*uint64(width); i++ {
		s, err := r.ReadString()
		if err != nil {
			return nil, err
		}
		items = append(items, s)
	}
	return items, nil
}

// readZSet reads RDB_TYPE_ZSET (scores as strings) or, binary,
// RDB_TYPE_ZSET_2, as score, member items.
func (r *Reader) readZSet(binary bool) ([][]byte, error) {
	n, hint, err := r.readCount(2)
	if err != nil {
		return nil, err
	}
	items := make([][]byte, 0, 2*hint)
	for range n {
		member, err := r.ReadString()
		if err != nil {
			return nil, err
		}
		var score float64
		if binary {
			score, err = r.readBinaryDouble()
		} else {
			score, err = r.readStringDouble()
		}
		if err != nil {
			return nil, err
		}
		if math.IsNaN(score) {
			return nil, corrupt("sorted-set score is NaN")
		}
		items = append(items, r.score(score), member)
	}
	if hasRepeats(items, 2, 1) {
		return nil, corrupt("repeated sorted-set members")
	}
	return items, nil
}

func (r *Reader) readBinaryDouble() (float64, error) {
	var buf [8]byte
	if err := r.ReadFull(buf[:]); err != nil {
		return 0, noEOF(err)
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(buf[:])), nil
}

// readStringDouble reads rdbLoadDoubleValue's format: a length byte (253
// NaN, 254 +inf, 255 -inf), then the number in ASCII.
func (r *Reader) readStringDouble() (float64, error) {
	n, err := r.ReadByte()
	if err != nil {
		return 0, noEOF(err)
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	var buf [256]byte
	if err := r.ReadFull(buf[:n]); err != nil {
		return 0, noEOF(err)
	}
	return parseScore(buf[:n])
}

// parseScore parses a score stored as a string.
func parseScore(b []byte) (float64, error) {
	s, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(s) {
		return 0, corrupt("bad sorted-set score")
	}
	return s, nil
}

// score returns s formatted as a sorted-set item.
func (r *Reader) score(s float64) []byte {
	var buf [32]byte
	return r.arena.bytes(backend.AppendScore(buf[:0], s))
}

// readQuicklist reads a list of nodes: ziplists (RDB_TYPE_LIST_QUICKLIST)
// or, v2, each a container kind and a listpack or a plain element.
func (r *Reader) readQuicklist(v2 bool) ([][]byte, error) {
	n, _, err := r.readCount(2)
	if err != nil {
		return nil, err
	}
	var items [][]byte
	for range n {
		container := uint64(containerPacked)
		if v2 {
			if container, err = r.ReadLen(); err != nil {
				return nil, err
			}
			if container != containerPacked && container != containerPlain {
				return nil, corrupt("bad quicklist container")
			}
		}
		data, err := r.ReadString()
		if err != nil {
			return nil, err
		}
		if len(data) == 0 {
			return nil, corrupt("empty quicklist node")
		}
		switch {
		case container == containerPlain:
			items = append(items, data)
		case v2:
			r.sanitizing()
			items, err = decodeListpack(data, r.opt.Sanitize, items, &r.arena)
		default:
			items, err = decodeZiplist(data, items, &r.arena)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(items) == 0 {
		return nil, corrupt("empty list")
	}
	return items, nil
}

// readPacked reads a value held in one string: a zipmap, ziplist, intset
// or listpack.
func (r *Reader) readPacked(t byte) (Value, error) {
	data, err := r.ReadString()
	if err != nil {
		return Value{}, err
	}
	var v Value
	deep := r.opt.Sanitize
	switch t {
	case TypeHashZipmap:
		v.Type = backend.TypeHash
		v.Items, err = decodeZipmap(data, nil)
		deep = true
	case TypeListZiplist:
		v.Type = backend.TypeList
		v.Items, err = decodeZiplist(data, nil, &r.arena)
	case TypeSetIntset:
		v.Type = backend.TypeSet
		r.sanitizing()
		v.Items, err = decodeIntset(data, deep, nil, &r.arena)
	case TypeHashZiplist, TypeZSetZiplist:
		v.Items, err = decodeZiplist(data, nil, &r.arena)
		deep = true
	case TypeHashListpack, TypeZSetListpack:
		r.sanitizing()
		v.Items, err = decodeListpack(data, deep, nil, &r.arena)
	}
	if err != nil {
		return Value{}, err
	}
	if len(v.Items) == 0 {
		return Value{}, corrupt("empty collection")
	}
	switch t {
	case TypeHashZipmap, TypeHashZiplist, TypeHashListpack:
		v.Type = backend.TypeHash
		if len(v.Items)%2 != 0 || (deep && hasRepeats(v.Items, 2, 0)) {
			return Value{}, corrupt("bad hash")
		}
	case TypeZSetZiplist, TypeZSetListpack:
		v.Type = backend.TypeZSet
		if len(v.Items)%2 != 0 || (deep && hasRepeats(v.Items, 2, 0)) {
			return Value{}, corrupt("bad sorted set")
		}
		// Member, score pairs become score, member items.
		for i := 0; i < len(v.Items); i += 2 {
			s, err := parseScore(v.Items[i+1])
			if err != nil {
				return Value{}, err
			}
			v.Items[i], v.Items[i+1] = r.score(s), v.Items[i]
		}
	}
	return v, nil
}

// sanitizing tells OnSanitize of a deep check about to run.
func (r *Reader) sanitizing() {
	if r.opt.Sanitize && r.opt.OnSanitize != nil {
		r.opt.OnSanitize()
	}
}

// hasRepeats reports whether the elements of items (width items each)
// repeat their key, the item at offset key of each.
func hasRepeats(items [][]byte, width, key int) bool {
	if len(items) <= width {
		return false
	}
	keys := make([][]byte, 0, len(items)/width)
	for i := key; i < len(items); i += width {
		keys = append(keys, items[i])
	}
	slices.SortFunc(keys, bytes.Compare)
	for i := 1; i < len(keys); i++ {
		if bytes.Equal(keys[i-1], keys[i]) {
			return true
		}
	}
	return false
}
