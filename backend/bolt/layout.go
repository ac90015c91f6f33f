package bolt

import (
	"encoding/binary"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	"redpool/backend"
)

// Bucket names and fixed meta keys.
var (
	bucketMeta    = []byte("meta")
	bucketKeys    = []byte("keys")
	bucketData    = []byte("data")
	bucketExpire  = []byte("expire")
	bucketGarbage = []byte("garbage")

	metaFormat = []byte("format")
	metaDBs    = []byte("dbs")
	metaNSSeq  = []byte("nsseq")

	formatValue = []byte("redpool-bolt/1")
)

const (
	nsLen  = 4 // namespace id
	idLen  = 8 // collection data id
	posLen = 8 // list position
	atLen  = 8 // expiry time

	// maxKeyLen is the longest user key: the expiry index key is the longest
	// bbolt key that embeds it (at + ns + key).
	maxKeyLen = bolt.MaxKeySize - atLen - nsLen
	// maxFieldLen is the longest hash field (id + field).
	maxFieldLen = bolt.MaxKeySize - idLen

	// dropKeysPerElem bounds the data keys per element of a collection
	// (a sorted set has two, plus its rank chunks): dropData deletes at most
	// that many per element of a small collection on the spot.
	dropKeysPerElem = 2

	garbageID = 'i'
	garbageNS = 'n'
	counterNS = 'c'

	// recHeader is type(1) + expireAt(8).
	recHeader  = 1 + 8
	listRecLen = recHeader + 8 + 8 + 8
	collRecLen = recHeader + 8 + 8
)

// record is a decoded metadata record. Its layout depends on the type:
//
//	string:                    the value, inline
//	list:                      id(8) head(8) tail(8)   (size = tail - head)
//	every other (collection):  id(8) size(8)
//
// A new collection type needs no layout of its own: it is a family of data
// keys under its id (see coll) and a size.
type record struct {
	typ  backend.Type
	exp  int64
	id   uint64 // collections: the data id
	head int64  // lists: first position
	tail int64  // lists: one past the last position
	size int64  // collections: element count; strings: len(str)
	str  []byte // strings: points into the stored value
	form backend.StringForm
}

// The type byte of a record holds the type in its low formShift bits and,
// for a string, its backend.StringForm above them. Files written before
// the form was kept have zero there, which is StringDerived: the encoding
// the bytes alone give, what those files reported.
const formShift = 5

// decodeRecord decodes a metadata record. ok is false for a record that is
// too short or of a type that has no row in backend's registry.
func decodeRecord(v []byte) (record, bool) {
	if len(v) < recHeader {
		return record{}, false
	}
	r := record{typ: backend.Type(v[0]), exp: int64(binary.BigEndian.Uint64(v[1:9]))}
	if f := backend.StringForm(v[0] >> formShift); f != 0 && r.typ&(1<<formShift-1) == backend.TypeString {
		r.typ, r.form = backend.TypeString, f&backend.StringFormMask
	}
	switch _, known := backend.Lookup(r.typ); {
	case !known:
		return record{}, false
	case r.typ == backend.TypeString:
		r.str = v[recHeader:]
		r.size = int64(len(r.str))
	case r.typ == backend.TypeList:
		if len(v) < listRecLen {
			return record{}, false
		}
		r.id = binary.BigEndian.Uint64(v[9:17])
		r.head = int64(binary.BigEndian.Uint64(v[17:25]))
		r.tail = int64(binary.BigEndian.Uint64(v[25:33]))
		r.size = r.tail - r.head
	default:
		if len(v) < collRecLen {
			return record{}, false
		}
		r.id = binary.BigEndian.Uint64(v[9:17])
		r.size = int64(binary.BigEndian.Uint64(v[17:25]))
	}
	return r, true
}

// encode returns r encoded in bytes from a; a type with no row in the
// registry is an error (never written as some other layout).
func (r *record) encode(a *arena) ([]byte, error) {
	var v []byte
	switch _, known := backend.Lookup(r.typ); {
	case !known:
		return nil, fmt.Errorf("bolt: %w %d in a record to write", backend.ErrUnknownType, r.typ)
	case r.typ == backend.TypeString:
		v = a.alloc(recHeader + len(r.str))
		copy(v[recHeader:], r.str)
	case r.typ == backend.TypeList:
		v = a.alloc(listRecLen)
		binary.BigEndian.PutUint64(v[9:17], r.id)
		binary.BigEndian.PutUint64(v[17:25], uint64(r.head))
		binary.BigEndian.PutUint64(v[25:33], uint64(r.tail))
	default:
		v = a.alloc(collRecLen)
		binary.BigEndian.PutUint64(v[9:17], r.id)
		binary.BigEndian.PutUint64(v[17:25], uint64(r.size))
	}
	v[0] = byte(r.typ)
	if r.typ == backend.TypeString {
		v[0] = stringTypeByte(r.form)
	}
	binary.BigEndian.PutUint64(v[1:9], uint64(r.exp))
	return v, nil
}

// The families of a sorted set's data keys (see zset.go).
const (
	zfamMember = 'm'
	zfamIndex  = 's'
	zfamChunk  = 'c'

	zHead    = idLen + 1           // id fam
	zIdxHead = zHead + 8           // id 's' sort(8)
	scoreLen = 8                   // a stored score
	countLen = 8                   // a chunk's count
	zMaxLen  = maxFieldLen - 1 - 8 // the longest member: its index key is id 's' sort member
)

var zMemberFam = []byte{zfamMember}

// zsort encodes s so that byte order is numeric order: -inf first, +inf
// last, -0 equal to +0. s is never NaN.
func zsort(s float64) uint64 {
	if s == 0 {
		s = 0 // -0 sorts as +0
	}
	b := math.Float64bits(s)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// putPos encodes a list position so that byte order is numeric order.
func putPos(dst []byte, pos int64) { binary.BigEndian.PutUint64(dst, uint64(pos)^(1<<63)) }

func getPos(src []byte) int64 { return int64(binary.BigEndian.Uint64(src) ^ (1 << 63)) }

// appendNSKey appends ns | key.
func appendNSKey(dst []byte, ns uint32, key []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, ns)
	return append(dst, key...)
}

// appendExpKey appends at | ns | key for an nsKey (ns | key).
func appendExpKey(dst []byte, at int64, nsKey []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(at))
	return append(dst, nsKey...)
}

func appendID(dst []byte, id uint64) []byte { return binary.BigEndian.AppendUint64(dst, id) }

func appendListKey(dst []byte, id uint64, pos int64) []byte {
	dst = binary.BigEndian.AppendUint64(dst, id)
	return binary.BigEndian.AppendUint64(dst, uint64(pos)^(1<<63))
}

func garbageIDKey(id uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{garbageID}, id)
}

func garbageNSKey(ns uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{garbageNS}, ns)
}

func counterKey(ns uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{counterNS}, ns)
}

func nsOf(nsKey []byte) uint32 { return binary.BigEndian.Uint32(nsKey) }

func u64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

func hasPrefix(k, prefix []byte) bool {
	return len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix)
}

// arena hands out copies of byte slices that stay valid until it is reset.
// bbolt keeps the value slices given to Put until the transaction ends, and
// the backend must not keep the caller's slices, so every stored value is
// copied; an arena turns those copies into few allocations.
type arena struct {
	buf []byte
}

const arenaChunk = 64 << 10

// alloc returns n fresh bytes.
func (a *arena) alloc(n int) []byte {
	if n > arenaChunk/4 {
		return make([]byte, n)
	}
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]byte, 0, arenaChunk)
	}
	s := len(a.buf)
	a.buf = a.buf[:s+n]
	return a.buf[s : s+n : s+n]
}

func (a *arena) copy(b []byte) []byte {
	d := a.alloc(len(b))
	copy(d, b)
	return d
}

// reset makes the current chunk reusable. It is called only when the bbolt
// transaction has ended and every function that could see the slices has
// returned (a Tx's results are valid only until the transaction ends).
func (a *arena) reset() { a.buf = a.buf[:0] }

// emptyValue is the value of index entries. (bbolt keeps a nil value as nil
// until the commit, and as an empty slice after: use an empty slice always.)
var emptyValue = []byte{}

// stringTypeByte is the type byte of a string record in form f.
func stringTypeByte(f backend.StringForm) byte {
	return byte(backend.TypeString) | byte(f&backend.StringFormMask)<<formShift
}
