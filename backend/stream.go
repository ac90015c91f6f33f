package backend

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
)

// StreamID is a stream entry id, ms-seq. The zero value is 0-0, the id no
// entry can have.
type StreamID struct{ Ms, Seq uint64 }

// MaxStreamID is the highest id (XRANGE's "+").
var MaxStreamID = StreamID{math.MaxUint64, math.MaxUint64}

// Compare orders ids: -1, 0 or +1.
func (a StreamID) Compare(b StreamID) int {
	switch {
	case a.Ms < b.Ms:
		return -1
	case a.Ms > b.Ms:
		return 1
	case a.Seq < b.Seq:
		return -1
	case a.Seq > b.Seq:
		return 1
	}
	return 0
}

// IsZero reports whether id is 0-0.
func (id StreamID) IsZero() bool { return id == StreamID{} }

// Next returns the id right after id; ok is false for MaxStreamID.
func (id StreamID) Next() (next StreamID, ok bool) {
	switch {
	case id.Seq < math.MaxUint64:
		return StreamID{id.Ms, id.Seq + 1}, true
	case id.Ms < math.MaxUint64:
		return StreamID{id.Ms + 1, 0}, true
	}
	return id, false
}

// Prev returns the id right before id; ok is false for 0-0.
func (id StreamID) Prev() (prev StreamID, ok bool) {
	switch {
	case id.Seq > 0:
		return StreamID{id.Ms, id.Seq - 1}, true
	case id.Ms > 0:
		return StreamID{id.Ms - 1, math.MaxUint64}, true
	}
	return id, false
}

// AppendText appends id as Redis prints it: "ms-seq".
func (id StreamID) AppendText(dst []byte) []byte {
	dst = strconv.AppendUint(dst, id.Ms, 10)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, id.Seq, 10)
}

// String returns "ms-seq".
func (id StreamID) String() string { return string(id.AppendText(nil)) }

// StreamIDLen is the length of an id's binary form.
const StreamIDLen = 16

// AppendBinary appends id as 16 big-endian bytes, which sort as ids do
// (the form of Redis's rax keys, and of bolt subkeys).
func (id StreamID) AppendBinary(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, id.Ms)
	return binary.BigEndian.AppendUint64(dst, id.Seq)
}

// StreamIDFromBinary decodes AppendBinary's form; b must be 16 bytes.
func StreamIDFromBinary(b []byte) StreamID {
	return StreamID{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}
}

// StreamMeta is a stream's header. The backend maintains Length, Nodes
// and Groups (XSetMeta ignores them); the command layer decides the rest
// and stores it with XSetMeta.
type StreamMeta struct {
	Length int64 // entries (not deleted)
	Nodes  int64 // entry nodes (XINFO STREAM radix-tree-keys)
	Groups int64 // consumer groups

	LastID       StreamID // the last id XADD generated or was given (last-generated-id)
	FirstID      StreamID // recorded-first-entry-id of XINFO STREAM
	MaxDeletedID StreamID // max-deleted-entry-id
	EntriesAdded int64    // entries-added: every entry ever added
}

// StreamNode is a run of entries stored together, as one listpack node of
// Redis's rax: its key is the id of the first entry ever added to it
// (Master), entries are appended to the last node until it is full, and a
// node whose entries are all deleted is removed. The command layer decides
// when a node is full (stream-node-max-entries, stream-node-max-bytes)
// from these figures; approximate trimming removes whole nodes only, so
// trimming ~ gives Redis's results.
type StreamNode struct {
	Master       StreamID
	MasterFields [][]byte // the field names of the master entry
	Last         StreamID // the last entry ever added (deleted ones count)
	Live         int64    // entries not deleted
	Total        int64    // entries ever added (live + deleted)
	// EntriesBytes is the sum of the costs XAppend was given: the listpack
	// bytes of the node's entries (StreamEntryCost), without the header
	// and master entry (see LPBytes).
	EntriesBytes int64
}

// StreamGroup is a consumer group. The backend maintains Pending and
// Consumers (XSetGroup ignores them).
type StreamGroup struct {
	Name        []byte
	LastID      StreamID // last-delivered-id
	EntriesRead int64    // entries-read; -1 when unknown (Redis's SCG_INVALID_ENTRIES_READ)
	Pending     int64    // entries in the group's PEL
	Consumers   int64
}

// StreamConsumer is a consumer of a group. The backend maintains Pending
// (XSetConsumer ignores it).
type StreamConsumer struct {
	Name     []byte
	SeenTime int64 // Unix ms of its last read or claim
	Pending  int64 // entries of the group's PEL it owns
}

// StreamPending is one entry of a group's pending entries list (PEL):
// delivered to Consumer and not acknowledged.
type StreamPending struct {
	ID            StreamID
	Consumer      []byte
	DeliveryTime  int64 // Unix ms of the last delivery
	DeliveryCount int64
}

// ErrNoSuchGroup: a stream operation names a consumer group (or, for
// XSetPending, a consumer) that does not exist. Nothing is changed.
var ErrNoSuchGroup = errors.New("backend: no such consumer group")

// Listpack sizes, as Redis's listpack.c encodes elements: what a node of
// Redis's stream would take, so that nodes fill up (stream-node-max-bytes)
// where Redis's do.

// lpBacklen is the size of an element's back-length for an element of l
// bytes (encoding and data).
func lpBacklen(l int64) int64 {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// lpIntSize is the size of an integer element.
func lpIntSize(v int64) int64 {
	var l int64
	switch {
	case v >= 0 && v <= 127:
		l = 1
	case v >= -4096 && v <= 4095:
		l = 2
	case v >= math.MinInt16 && v <= math.MaxInt16:
		l = 3
	case v >= -(1<<23) && v < 1<<23:
		l = 4
	case v >= math.MinInt32 && v <= math.MaxInt32:
		l = 5
	default:
		l = 9
	}
	return l + lpBacklen(l)
}

// lpElemSize is the size of a string element: an integer element when the
// string is one (as lpAppend stores "123"), else a string element.
func lpElemSize(s []byte) int64 {
	if v, ok := ParseCanonicalInt(s); ok {
		return lpIntSize(v)
	}
	n := int64(len(s))
	var l int64
	switch {
	case n < 64:
		l = 1 + n
	case n < 4096:
		l = 2 + n
	default:
		l = 5 + n
	}
	return l + lpBacklen(l)
}

// ParseCanonicalInt parses s as Redis's string2ll does where it decides
// whether a string is stored as an integer (listpacks, intsets, RDB
// strings): a canonical decimal int64 (no sign but '-', no leading
// zeros, no "-0", at most 20 bytes), so that formatting the result gives
// s back.
func ParseCanonicalInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	if len(s) == 1 && s[0] == '0' {
		return 0, true
	}
	neg := s[0] == '-'
	d := s
	if neg {
		d = s[1:]
	}
	if len(d) == 0 || d[0] < '1' || d[0] > '9' {
		return 0, false
	}
	var u uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	switch {
	case !neg && u <= math.MaxInt64:
		return int64(u), true
	case neg && u <= 1<<63:
		return -int64(u-1) - 1, true
	}
	return 0, false
}

// StreamSameFields reports whether an entry's fields (field, value, ...)
// have exactly the names of a node's master entry, so that Redis stores
// only its values.
func StreamSameFields(masterFields, fields [][]byte) bool {
	if len(fields) != 2*len(masterFields) {
		return false
	}
	for i, f := range masterFields {
		if string(f) != string(fields[2*i]) {
			return false
		}
	}
	return true
}

// StreamEntryCost is the listpack bytes an entry takes in a node with the
// given master: flags, ms and seq differences from the master, the fields
// (only the values when StreamSameFields), and the element count.
func StreamEntryCost(master StreamID, masterFields [][]byte, id StreamID, fields [][]byte) int64 {
	n := lpIntSize(0) + lpIntSize(int64(id.Ms-master.Ms)) + lpIntSize(int64(id.Seq-master.Seq))
	pairs := int64(len(fields) / 2)
	count := pairs + 3
	if StreamSameFields(masterFields, fields) {
		for i := 1; i < len(fields); i += 2 {
			n += lpElemSize(fields[i])
		}
	} else {
		n += lpIntSize(pairs)
		for _, f := range fields {
			n += lpElemSize(f)
		}
		count += pairs + 1
	}
	return n + lpIntSize(count)
}

// LPBytes is the size of the node as a Redis listpack: header and end
// byte, the master entry (live and deleted counts, the field names, the
// terminator) and the entries.
func (n *StreamNode) LPBytes() int64 {
	b := int64(6+1) + lpIntSize(n.Live) + lpIntSize(n.Total-n.Live) +
		lpIntSize(int64(len(n.MasterFields))) + lpIntSize(0) + n.EntriesBytes
	for _, f := range n.MasterFields {
		b += lpElemSize(f)
	}
	return b
}
