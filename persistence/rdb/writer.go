package rdb

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"redpool/backend"
)

// Writer encodes RDB strings and values onto an io.Writer, picking the
// encodings Redis 7.0 would write for a value built by adding its elements
// (Params). It buffers: call Flush at the end. The first error of the
// underlying writer sticks and is returned by every later call. Not safe
// for concurrent use.
type Writer struct {
	w   io.Writer
	enc encoder
	err error
}

// writerFlushAt is the buffered size at which a Writer writes out.
const writerFlushAt = 64 << 10

// NewWriter returns a Writer on w with the thresholds p.
func NewWriter(w io.Writer, p Params) *Writer {
	return &Writer{w: w, enc: encoder{p: p}}
}

// WriteByte writes one byte (a type byte or an opcode).
func (w *Writer) WriteByte(b byte) error {
	w.enc.buf = append(w.enc.buf, b)
	return w.flushIfFull()
}

// Write writes p as it is (an expiry's 8 bytes, ...).
func (w *Writer) Write(p []byte) (int, error) {
	w.enc.buf = append(w.enc.buf, p...)
	if err := w.flushIfFull(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteLen writes an RDB length.
func (w *Writer) WriteLen(n uint64) error {
	w.enc.buf = appendLen(w.enc.buf, n)
	return w.flushIfFull()
}

// WriteString writes s as Redis's rdbSaveRawString: as an integer if it
// is a canonical one that fits 32 bits, LZF-compressed if Compression is
// on, it is longer than 20 bytes and that saves at least 4 bytes, else as
// it is.
func (w *Writer) WriteString(s []byte) error {
	w.enc.string(s)
	return w.flushIfFull()
}

// WriteValue writes v's type byte and then v, as a DUMP payload begins.
func (w *Writer) WriteValue(v Value) error { return w.WriteKeyValue(nil, v) }

// WriteKeyValue writes v's type byte, then key as a string if key is not
// nil (as in an RDB file), then v. A value that is not a whole value of
// its type (see backend.TypeInfo.CheckItems), an empty collection, a
// sorted-set score that is no number, or a type redpool cannot write is
// an error, and nothing is written.
func (w *Writer) WriteKeyValue(key []byte, v Value) error {
	if w.err != nil {
		return w.err
	}
	mark := len(w.enc.buf)
	if err := w.enc.value(key, v, w.flushIfFull); err != nil {
		if w.err == nil {
			w.enc.buf = w.enc.buf[:mark]
		}
		return err
	}
	return w.flushIfFull()
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.enc.buf) > 0 {
		if _, err := w.w.Write(w.enc.buf); err != nil {
			w.err = err
			return err
		}
		w.enc.buf = w.enc.buf[:0]
	}
	return nil
}

func (w *Writer) flushIfFull() error {
	if w.err != nil {
		return w.err
	}
	if len(w.enc.buf) < writerFlushAt {
		return nil
	}
	return w.Flush()
}

// encoder appends encodings to buf. Its scratch buffers are reused from
// value to value.
type encoder struct {
	p      Params
	buf    []byte
	lp     lpWriter
	ints   []int64
	scored []scored
}

// scored is a sorted-set element being encoded.
type scored struct {
	member []byte
	score  float64
}

// appendLen appends an RDB length: 6 bits, 14 bits (BE), 32 bits (BE)
// or 64 bits (BE).
func appendLen(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, byte(n>>8)|0x40, byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0x80), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0x81), n)
}

// The special string encodings (after a 0b11 length prefix).
const (
	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// AppendString appends s as an RDB string as Writer.WriteString writes it
// (compress: rdbcompression).
func AppendString(b, s []byte, compress bool) []byte {
	if len(s) <= 11 {
		if v, ok := parseInt(s); ok && v >= math.MinInt32 && v <= math.MaxInt32 {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				return append(b, 0xc0|encInt8, byte(v))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				return binary.LittleEndian.AppendUint16(append(b, 0xc0|encInt16), uint16(v))
			}
			return binary.LittleEndian.AppendUint32(append(b, 0xc0|encInt32), uint32(v))
		}
	}
	if compress && len(s) > 20 {
		// The header first, with room for the lengths; the compressed
		// data after it, then the header is moved up to its real size.
		start := len(b)
		var hdr [1 + 9 + 9]byte
		b = append(b, hdr[:]...)
		out, ok := lzfCompress(b, s, len(s)-4)
		if ok {
			clen := len(out) - start - len(hdr)
			h := append(append(hdr[:0], 0xc0|encLZF), appendLen(nil, uint64(clen))...)
			h = appendLen(h, uint64(len(s)))
			copy(out[start+len(h):], out[start+len(hdr):])
			copy(out[start:], h)
			return out[:start+len(h)+clen]
		}
		b = b[:start]
	}
	return append(appendLen(b, uint64(len(s))), s...)
}

func (e *encoder) string(s []byte) { e.buf = AppendString(e.buf, s, e.p.Compression) }

// value appends v's type byte, key (unless nil) and v. flush may be
// called between elements of a large collection.
func (e *encoder) value(key []byte, v Value, flush func() error) error {
	info, ok := backend.Lookup(v.Type)
	if !ok {
		return fmt.Errorf("rdb: %w %d", backend.ErrUnknownType, v.Type)
	}
	if err := info.CheckItems(v.Items); err != nil {
		return fmt.Errorf("rdb: %v", err)
	}
	if !info.Scalar && len(v.Items) == 0 {
		return fmt.Errorf("rdb: an empty %s cannot be written", info.Name)
	}
	header := func(t byte) {
		e.buf = append(e.buf, t)
		if key != nil {
			e.string(key)
		}
	}
	switch v.Type {
	case backend.TypeString:
		header(TypeString)
		e.string(v.Items[0])
		return nil
	case backend.TypeList:
		header(TypeListQuicklist2)
		return e.list(v.Items, flush)
	case backend.TypeSet:
		return e.set(header, v.Items, flush)
	case backend.TypeHash:
		return e.hash(header, v.Items, flush)
	case backend.TypeZSet:
		return e.zset(header, v.Items, flush)
	case backend.TypeStream:
		return e.stream(header, v.Items, flush)
	}
	return fmt.Errorf("rdb: %w: %s", ErrUnsupported, info.Name)
}

// The quicklist node containers (RDB_TYPE_LIST_QUICKLIST_2).
const (
	containerPlain  = 1 // one element, as a string
	containerPacked = 2 // a listpack
)

// quicklist sizes, as Redis 7.0's quicklist.c.
const (
	qlSizeSafetyLimit  = 8192
	qlEstimateOverhead = 8
	qlPackedThreshold  = 1 << 30
	qlFillMax          = 1<<15 - 1
)

var qlOptimizationLevel = [...]int{4096, 8192, 16384, 32768, 65536}

// list appends a list as RDB_TYPE_LIST_QUICKLIST_2, split into nodes as
// Redis's quicklistPushTail splits a list built by RPUSH.
func (e *encoder) list(elems [][]byte, flush func() error) error {
	// First the node boundaries: the count goes first.
	ends, _ := listNodes(elems, e.p)
	e.buf = appendLen(e.buf, uint64(len(ends)))
	start := 0
	for _, end := range ends {
		node := elems[start:end]
		if len(node) == 1 && len(node[0]) >= qlPackedThreshold {
			e.buf = appendLen(e.buf, containerPlain)
			e.string(node[0])
		} else {
			e.lp.start(e.lp.buf)
			for _, el := range node {
				e.lp.add(el)
			}
			e.buf = appendLen(e.buf, containerPacked)
			e.string(e.lp.finish())
		}
		if err := flush(); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// listNodes splits a list into quicklist nodes as Redis's
// quicklistPushTail does when RPUSH builds it (list-max-listpack-size of
// p): where each node ends, and its size in bytes (its listpack's, or
// its one element's for a plain node).
func listNodes(elems [][]byte, p Params) (ends, sizes []int) {
	fill := int(max(min(p.ListMaxListpackSize, qlFillMax), -5))
	sz, count, plain := 0, 0, false
	for i, el := range elems {
		switch {
		case i > 0 && !plain && qlAllowInsert(fill, sz, count, len(el)):
			sz += lpEntrySize(el)
			count++
		default:
			if i > 0 {
				ends, sizes = append(ends, i), append(sizes, sz)
			}
			plain = len(el) >= qlPackedThreshold
			sz, count = lpHeaderSize+1+lpEntrySize(el), 1
			if plain {
				sz = len(el)
			}
		}
	}
	return append(ends, len(elems)), append(sizes, sz)
}

// ListNodeSizes returns the sizes of the quicklist nodes Redis 7.0 holds
// a list of elems in, built by RPUSH with the thresholds of p (DEBUG
// OBJECT's ql_* figures).
func ListNodeSizes(elems [][]byte, p Params) []int {
	_, sizes := listNodes(elems, p)
	return sizes
}

// qlAllowInsert is _quicklistNodeAllowInsert: whether a node of sz bytes
// and count elements takes one more element of n bytes.
func qlAllowInsert(fill, sz, count, n int) bool {
	if n >= qlPackedThreshold {
		return false
	}
	newSz := sz + n + qlEstimateOverhead
	if fill < 0 {
		return newSz <= qlOptimizationLevel[-fill-1]
	}
	return newSz <= qlSizeSafetyLimit && count < fill
}

// set appends a set: RDB_TYPE_SET_INTSET if Redis would hold it as an
// intset, else RDB_TYPE_SET.
func (e *encoder) set(header func(byte), members [][]byte, flush func() error) error {
	vals, ok := intsetMembers(members, e.p.SetMaxIntsetEntries, e.ints[:0])
	e.ints = vals[:0]
	if ok {
		header(TypeSetIntset)
		e.lp.buf = appendIntset(e.lp.buf[:0], vals)
		e.string(e.lp.buf)
		return nil
	}
	header(TypeSet)
	return e.strings(members, flush)
}

// strings appends a length and the strings of a plain collection.
func (e *encoder) strings(items [][]byte, flush func() error) error {
	e.buf = appendLen(e.buf, uint64(len(items)))
	for i, s := range items {
		e.string(s)
		if i%256 == 255 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// hash appends a hash: RDB_TYPE_HASH_LISTPACK within the listpack limits,
// else RDB_TYPE_HASH.
func (e *encoder) hash(header func(byte), items [][]byte, flush func() error) error {
	small := int64(len(items)/2) <= e.p.HashMaxListpackEntries
	for i := 0; small && i < len(items); i++ {
		small = int64(len(items[i])) <= e.p.HashMaxListpackValue
	}
	if !small {
		header(TypeHash)
		e.buf = appendLen(e.buf, uint64(len(items)/2))
		for i := 0; i < len(items); i += 2 {
			e.string(items[i])
			e.string(items[i+1])
			if i%512 == 510 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	}
	header(TypeHashListpack)
	e.lp.start(e.lp.buf)
	for _, s := range items {
		e.lp.add(s)
	}
	e.string(e.lp.finish())
	return nil
}

// zset appends a sorted set: RDB_TYPE_ZSET_LISTPACK within the listpack
// limits (member, score, ... in order), else RDB_TYPE_ZSET_2 (member and
// binary score, highest first, as Redis walks its skiplist from the tail).
func (e *encoder) zset(header func(byte), items [][]byte, flush func() error) error {
	els := e.scored[:0]
	small := int64(len(items)/2) <= e.p.ZSetMaxListpackEntries
	for i := 0; i < len(items); i += 2 {
		s, err := strconv.ParseFloat(string(items[i]), 64)
		if err != nil || math.IsNaN(s) {
			return fmt.Errorf("rdb: bad sorted-set score %q", items[i])
		}
		els = append(els, scored{member: items[i+1], score: s})
		small = small && int64(len(items[i+1])) <= e.p.ZSetMaxListpackValue
	}
	e.scored = els[:0]
	slices.SortFunc(els, func(a, b scored) int {
		return backend.CompareScored(backend.ScoredMember{Member: a.member, Score: a.score},
			backend.ScoredMember{Member: b.member, Score: b.score})
	})
	if small {
		header(TypeZSetListpack)
		e.lp.start(e.lp.buf)
		var num [32]byte
		for _, el := range els {
			e.lp.add(el.member)
			e.lp.add(appendScore(num[:0], el.score))
		}
		e.string(e.lp.finish())
		return nil
	}
	header(TypeZSet2)
	e.buf = appendLen(e.buf, uint64(len(els)))
	for i := len(els) - 1; i >= 0; i-- {
		e.string(els[i].member)
		e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(els[i].score))
		if i%256 == 0 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendScore appends s as Redis 7.0's d2string does for a listpack: an
// integer within ±2^52 in decimal (-0 too: "0"), else %.17g.
func appendScore(b []byte, s float64) []byte {
	if s > -4503599627370495 && s < 4503599627370496 && s == math.Trunc(s) {
		return strconv.AppendInt(b, int64(s), 10)
	}
	return backend.AppendScore(b, s)
}
