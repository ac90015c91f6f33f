package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"redpool/backend"
)

// A stream is a collection (see coll) with seven families of data keys
// under its id (see doc.go, "Streams"):
//
//	id 'h'                                  -> header
//	id 'e' id(16)                           -> entry: flag, its fields (or values)
//	id 'n' master(16)                       -> node: Last Live Total EntriesBytes MasterFields
//	id 'g' group                            -> group: LastID EntriesRead Pending Consumers
//	id 'c' lp(group) consumer               -> consumer: SeenTime Pending
//	id 'p' lp(group) id(16)                 -> group PEL: time count consumer
//	id 'q' lp(group) lp(consumer) id(16)    -> consumer PEL: time count
//
// id(16) is backend.StreamID.AppendBinary, so byte order is id order;
// lp(x) is x prefixed by its uvarint length, so that no group's (or
// consumer's) keys are a prefix of another's. An entry's node is the one
// with the greatest master <= its id (one reverse seek).
//
// The record's size counts the stream's data keys, the header included:
// a stream with no entries still has its header, so its size never falls
// to 0 and coll.save never removes it (a stream lives until DEL), and a
// dropped stream hands dropData and the sweeper the true count of keys.

// The families of a stream's data keys.
var (
	xHeaderFam   = []byte{'h'}
	xEntryFam    = []byte{'e'}
	xNodeFam     = []byte{'n'}
	xGroupFam    = []byte{'g'}
	xConsumerFam = []byte{'c'}
	xGroupPELFam = []byte{'p'}
	xConsPELFam  = []byte{'q'}
)

const (
	xIDLen       = backend.StreamIDLen
	xHeaderLen   = 3*xIDLen + 4*8      // LastID FirstID MaxDeletedID EntriesAdded Length Nodes Groups
	xHeaderFloor = xHeaderLen + xIDLen // the same, then Floor (a header without it: floor 0)
	xNodeFixed   = xIDLen + 3*8        // Last Live Total EntriesBytes, then MasterFields
	xGroupLen    = xIDLen + 3*8        // LastID EntriesRead Pending Consumers
	xConsumerLen = 2 * 8               // SeenTime Pending
	xPELFixed    = 2 * 8               // DeliveryTime DeliveryCount (then the consumer in the group PEL)
)

// stream is a stream as a Tx method works on it: its coll, whose fam the
// methods switch between the families (in), and its header. Like its
// coll, it is valid during the Tx method that opened it; its decoded
// slices point into the transaction's pages.
type stream struct {
	coll
	m, om backend.StreamMeta // the header as the method changes it, as read
	// floor, ofloor: the trim floor (see stream_trim.go, "Lazy trimming") as the
	// method changes it, as read. No entry or node below it is live.
	floor, ofloor backend.StreamID
	loaded        bool     // m, om, floor and ofloor hold the header
	sub           []byte   // scratch subkey (never t.dbuf, which coll.subkey fills)
	fields        [][]byte // scratch for decoded fields
}

// openStream opens key's stream as openColl does; a new one gets its
// header (written by finish) counted in its size.
func (t *tx) openStream(key []byte, create bool) (s stream, ok bool, err error) {
	c, ok, err := t.openColl(key, backend.TypeStream, create)
	if !ok || err != nil {
		return stream{}, false, err
	}
	s = stream{coll: c}
	if !c.found {
		s.r.size = 1
		s.loaded = true
	}
	return s, true, nil
}

// in switches the coll to family fam and returns it.
func (s *stream) in(fam []byte) *coll {
	s.fam = fam
	return &s.coll
}

func (s *stream) damaged(what string) error {
	return fmt.Errorf("bolt: damaged stream %q: %s", s.kk[nsLen:], what)
}

// header loads the header into s.m.
func (s *stream) header() error {
	if s.loaded {
		return nil
	}
	v, ok := s.in(xHeaderFam).get(nil)
	if !ok || len(v) != xHeaderLen && len(v) != xHeaderFloor {
		return s.damaged("no header")
	}
	s.floor = backend.StreamID{}
	if len(v) == xHeaderFloor {
		s.floor = backend.StreamIDFromBinary(v[xHeaderLen:])
	}
	s.ofloor = s.floor
	m := &s.m
	m.LastID = backend.StreamIDFromBinary(v)
	m.FirstID = backend.StreamIDFromBinary(v[xIDLen:])
	m.MaxDeletedID = backend.StreamIDFromBinary(v[2*xIDLen:])
	v = v[3*xIDLen:]
	m.EntriesAdded = int64(u64(v))
	m.Length = int64(u64(v[8:]))
	m.Nodes = int64(u64(v[16:]))
	m.Groups = int64(u64(v[24:]))
	s.om, s.loaded = s.m, true
	return nil
}

// finish writes the header if it changed (or the stream is new), then
// the record (coll.save).
func (s *stream) finish() error {
	if s.loaded && (s.m != s.om || s.floor != s.ofloor || !s.found) {
		v := s.t.w.arena.alloc(xHeaderFloor)[:0]
		m := &s.m
		v = m.LastID.AppendBinary(v)
		v = m.FirstID.AppendBinary(v)
		v = m.MaxDeletedID.AppendBinary(v)
		v = binary.BigEndian.AppendUint64(v, uint64(m.EntriesAdded))
		v = binary.BigEndian.AppendUint64(v, uint64(m.Length))
		v = binary.BigEndian.AppendUint64(v, uint64(m.Nodes))
		v = binary.BigEndian.AppendUint64(v, uint64(m.Groups))
		if !s.floor.IsZero() {
			v = s.floor.AppendBinary(v)
		}
		if err := s.in(xHeaderFam).put(nil, v); err != nil {
			return err
		}
	}
	return s.save()
}

// add stores a new data key of family fam, counted in the size. val must
// stay unchanged until the transaction ends (an arena copy).
func (s *stream) add(fam, sub, val []byte) error {
	s.r.size++
	return s.in(fam).put(sub, val)
}

// drop deletes a data key of family fam that exists.
func (s *stream) drop(fam, sub []byte) error {
	s.r.size--
	return s.in(fam).del(sub)
}

// set stores a data key that exists (isNew false) or not (isNew true).
func (s *stream) set(fam, sub, val []byte, isNew bool) error {
	if isNew {
		return s.add(fam, sub, val)
	}
	return s.in(fam).put(sub, val)
}

// --- subkeys (in s.sub, valid until the next call) ---

func appendLP(dst, b []byte) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(b))), b...)
}

func (s *stream) idSub(id backend.StreamID) []byte {
	s.sub = id.AppendBinary(s.sub[:0])
	return s.sub
}

// groupSub is lp(group) followed by rest.
func (s *stream) groupSub(group, rest []byte) []byte {
	s.sub = append(appendLP(s.sub[:0], group), rest...)
	return s.sub
}

func (s *stream) gpelSub(group []byte, id backend.StreamID) []byte {
	s.sub = id.AppendBinary(appendLP(s.sub[:0], group))
	return s.sub
}

// cpelSub is lp(group) lp(consumer), followed by id unless id is nil.
func (s *stream) cpelSub(group, consumer []byte, id *backend.StreamID) []byte {
	s.sub = appendLP(appendLP(s.sub[:0], group), consumer)
	if id != nil {
		s.sub = id.AppendBinary(s.sub)
	}
	return s.sub
}

// --- values ---

// fieldsLen is the encoded size of fields (every other one from first,
// stepping by step).
func fieldsLen(fields [][]byte, first, step int) int {
	n := binary.MaxVarintLen64
	for i := first; i < len(fields); i += step {
		n += binary.MaxVarintLen64 + len(fields[i])
	}
	return n
}

// appendFields appends count, then each field (every step-th from first)
// with its uvarint length.
func appendFields(dst []byte, fields [][]byte, first, step int) []byte {
	dst = binary.AppendUvarint(dst, uint64((len(fields)-first+step-1)/step))
	for i := first; i < len(fields); i += step {
		dst = appendLP(dst, fields[i])
	}
	return dst
}

// decodeFields decodes appendFields's form (the whole of v) into dst; the
// fields point into v.
func decodeFields(dst [][]byte, v []byte) ([][]byte, bool) {
	n, w := binary.Uvarint(v)
	if w <= 0 || n > uint64(len(v)) {
		return dst, false
	}
	v = v[w:]
	for range n {
		l, w := binary.Uvarint(v)
		if w <= 0 || l > uint64(len(v)-w) {
			return dst, false
		}
		dst = append(dst, v[w:w+int(l):w+int(l)])
		v = v[w+int(l):]
	}
	return dst, len(v) == 0
}

// The first byte of an entry's value says how its fields are stored.
const (
	xEntryFull   = 0 // every field: count, then lp(field) lp(value) ...
	xEntryValues = 1 // the values only (count, lp(value) ...): the names are the node's MasterFields
)

// entryValue encodes an entry of the node whose master fields are names:
// only its values when its field names are those (as Redis stores it).
func (s *stream) entryValue(names, fields [][]byte) []byte {
	first, step, flag := 0, 1, byte(xEntryFull)
	if backend.StreamSameFields(names, fields) {
		first, step, flag = 1, 2, xEntryValues
	}
	v := s.t.w.arena.alloc(1 + fieldsLen(fields, first, step))[:0]
	return appendFields(append(v, flag), fields, first, step)
}

// entryReader decodes the entries of a walk, keeping the node it last
// looked up for their master fields.
type entryReader struct {
	s      *stream
	fields [][]byte // the entry's, reused
	names  [][]byte // the cached node's master fields (pointing into the transaction's pages)
	node   backend.StreamNode
	have   bool // node is set
}

// decode returns entry id's fields (valid until the next call), whose
// stored value is v.
func (r *entryReader) decode(id backend.StreamID, v []byte) ([][]byte, error) {
	var ok bool
	switch {
	case len(v) > 0 && v[0] == xEntryFull:
		r.fields, ok = decodeFields(r.fields[:0], v[1:])
	case len(v) > 0 && v[0] == xEntryValues:
		if !r.have || id.Compare(r.node.Master) < 0 || id.Compare(r.node.Last) > 0 {
			n, err := r.s.nodeOf(id)
			if err != nil {
				return nil, err
			}
			r.names = append(r.names[:0], n.MasterFields...)
			r.node, r.node.MasterFields, r.have = n, nil, true
		}
		// The values go to the odd slots, the names to the even ones.
		r.fields, ok = decodeFields(r.fields[:0], v[1:])
		if ok = ok && len(r.fields) == len(r.names); ok {
			r.fields = append(r.fields, r.fields...)
			for i, name := range r.names {
				r.fields[2*i], r.fields[2*i+1] = name, r.fields[len(r.names)+i]
			}
		}
	}
	if !ok {
		return nil, r.s.damaged("an entry does not decode")
	}
	return r.fields, nil
}

// putNode writes node n (new or not).
func (s *stream) putNode(n *backend.StreamNode, isNew bool) error {
	v := s.t.w.arena.alloc(xNodeFixed + fieldsLen(n.MasterFields, 0, 1))[:0]
	v = n.Last.AppendBinary(v)
	v = binary.BigEndian.AppendUint64(v, uint64(n.Live))
	v = binary.BigEndian.AppendUint64(v, uint64(n.Total))
	v = binary.BigEndian.AppendUint64(v, uint64(n.EntriesBytes))
	v = appendFields(v, n.MasterFields, 0, 1)
	return s.set(xNodeFam, s.idSub(n.Master), v, isNew)
}

// decodeNode decodes the node at sub (its master) with value v; its
// MasterFields reuse s.fields and point into v.
func (s *stream) decodeNode(sub, v []byte) (backend.StreamNode, error) {
	if len(sub) != xIDLen || len(v) < xNodeFixed {
		return backend.StreamNode{}, s.damaged("a node does not decode")
	}
	n := backend.StreamNode{
		Master:       backend.StreamIDFromBinary(sub),
		Last:         backend.StreamIDFromBinary(v),
		Live:         int64(u64(v[xIDLen:])),
		Total:        int64(u64(v[xIDLen+8:])),
		EntriesBytes: int64(u64(v[xIDLen+16:])),
	}
	var ok bool
	s.fields, ok = decodeFields(s.fields[:0], v[xNodeFixed:])
	if !ok {
		return backend.StreamNode{}, s.damaged("a node's master fields do not decode")
	}
	n.MasterFields = s.fields
	return n, nil
}

// nodeOf returns the node that holds id: the one with the greatest master
// <= id.
func (s *stream) nodeOf(id backend.StreamID) (backend.StreamNode, error) {
	var n backend.StreamNode
	found := false
	err := s.in(xNodeFam).iter(id.AppendBinary(nil), true, func(sub, v []byte) (bool, error) {
		var err error
		n, err = s.decodeNode(sub, v)
		found = err == nil
		return false, err
	})
	if err == nil && !found {
		err = s.damaged("an entry has no node")
	}
	return n, err
}

// tailNode returns the last node (none if it is below the floor).
func (s *stream) tailNode() (backend.StreamNode, bool, error) {
	if err := s.header(); err != nil {
		return backend.StreamNode{}, false, err
	}
	prefix := append(appendID(nil, s.r.id), xNodeFam...)
	k, v := lastWithPrefix(s.t.dataB().Cursor(), prefix)
	if k == nil || !hasPrefix(k, prefix) {
		return backend.StreamNode{}, false, nil
	}
	n, err := s.decodeNode(k[len(prefix):], v)
	if err == nil && n.Master.Compare(s.floor) < 0 {
		return backend.StreamNode{}, false, nil // trimmed, not yet swept
	}
	return n, err == nil, err
}

// getRecord looks up sub in family fam and decodes its value with rest
// (the part of sub the record names).
func getRecord[T any](s *stream, fam, sub, rest []byte, decode func(rest, v []byte) (T, error)) (T, bool, error) {
	v, ok := s.in(fam).get(sub)
	if !ok {
		var zero T
		return zero, false, nil
	}
	x, err := decode(rest, v)
	return x, err == nil, err
}

func (s *stream) group(name []byte) (backend.StreamGroup, bool, error) {
	return getRecord(s, xGroupFam, name, name, s.decodeGroup)
}

func (s *stream) decodeGroup(name, v []byte) (backend.StreamGroup, error) {
	if len(v) != xGroupLen {
		return backend.StreamGroup{}, s.damaged("a group does not decode")
	}
	return backend.StreamGroup{
		Name:        name,
		LastID:      backend.StreamIDFromBinary(v),
		EntriesRead: int64(u64(v[xIDLen:])),
		Pending:     int64(u64(v[xIDLen+8:])),
		Consumers:   int64(u64(v[xIDLen+16:])),
	}, nil
}

func (s *stream) putGroup(g *backend.StreamGroup, isNew bool) error {
	v := s.t.w.arena.alloc(xGroupLen)[:0]
	v = g.LastID.AppendBinary(v)
	v = binary.BigEndian.AppendUint64(v, uint64(g.EntriesRead))
	v = binary.BigEndian.AppendUint64(v, uint64(g.Pending))
	v = binary.BigEndian.AppendUint64(v, uint64(g.Consumers))
	return s.set(xGroupFam, g.Name, v, isNew)
}

func (s *stream) consumer(group, name []byte) (backend.StreamConsumer, bool, error) {
	return getRecord(s, xConsumerFam, s.groupSub(group, name), name, s.decodeConsumer)
}

func (s *stream) decodeConsumer(name, v []byte) (backend.StreamConsumer, error) {
	if len(v) != xConsumerLen {
		return backend.StreamConsumer{}, s.damaged("a consumer does not decode")
	}
	return backend.StreamConsumer{Name: name, SeenTime: int64(u64(v)), Pending: int64(u64(v[8:]))}, nil
}

func (s *stream) putConsumer(group []byte, c *backend.StreamConsumer, isNew bool) error {
	v := s.t.w.arena.alloc(xConsumerLen)[:0]
	v = binary.BigEndian.AppendUint64(v, uint64(c.SeenTime))
	v = binary.BigEndian.AppendUint64(v, uint64(c.Pending))
	return s.set(xConsumerFam, s.groupSub(group, c.Name), v, isNew)
}

// pelValue is the value of a PEL entry: time count, then the consumer
// (nil for the consumer PEL).
func (s *stream) pelValue(p *backend.StreamPending, consumer []byte) []byte {
	v := s.t.w.arena.alloc(xPELFixed + len(consumer))[:0]
	v = binary.BigEndian.AppendUint64(v, uint64(p.DeliveryTime))
	v = binary.BigEndian.AppendUint64(v, uint64(p.DeliveryCount))
	return append(v, consumer...)
}

// decodePEL decodes a PEL value; the group PEL's holds the consumer.
func (s *stream) decodePEL(id backend.StreamID, v []byte) (backend.StreamPending, error) {
	if len(v) < xPELFixed {
		return backend.StreamPending{}, s.damaged("a pending entry does not decode")
	}
	return backend.StreamPending{ID: id, DeliveryTime: int64(u64(v)), DeliveryCount: int64(u64(v[8:])),
		Consumer: v[xPELFixed:]}, nil
}

// pelEntry returns group's PEL entry id.
func (s *stream) pelEntry(group []byte, id backend.StreamID) (backend.StreamPending, bool, error) {
	return getRecord(s, xGroupPELFam, s.gpelSub(group, id), nil, func(_, v []byte) (backend.StreamPending, error) {
		return s.decodePEL(id, v)
	})
}

// walk calls fn with the subkeys of family fam that start with prefix
// (and what follows it) from prefix+start (forward: the first subkey at
// or after it; reverse: the last at or before it, so start must be given)
// until fn returns false. fn may write the family (see tx.iterate).
func (s *stream) walk(fam, prefix, start []byte, reverse bool, fn func(rest, v []byte) (bool, error)) error {
	prefix = bytes.Clone(prefix)
	from := append(bytes.Clone(prefix), start...)
	return s.in(fam).iter(from, reverse, func(sub, v []byte) (bool, error) {
		if !hasPrefix(sub, prefix) {
			return false, nil
		}
		return fn(sub[len(prefix):], v)
	})
}

// walkRecords calls fn with the records of family fam under prefix, in
// subkey order, as decode makes them of the rest of the subkey and the
// value, until fn returns false.
func walkRecords[T any](s *stream, fam, prefix []byte, decode func(rest, v []byte) (T, error), fn func(T) bool) error {
	return s.walk(fam, prefix, nil, false, func(rest, v []byte) (bool, error) {
		x, err := decode(rest, v)
		if err != nil {
			return false, err
		}
		return fn(x), nil
	})
}

// idRange walks the ids of family fam under prefix with start <= id <=
// end, ascending (descending with reverse).
func (s *stream) idRange(fam, prefix []byte, start, end backend.StreamID, reverse bool, fn func(id backend.StreamID, v []byte) (bool, error)) error {
	if start.Compare(end) > 0 {
		return nil
	}
	from := start
	if reverse {
		from = end
	}
	return s.walk(fam, prefix, from.AppendBinary(nil), reverse, func(rest, v []byte) (bool, error) {
		if len(rest) != xIDLen {
			return false, s.damaged("a subkey is not an id")
		}
		id := backend.StreamIDFromBinary(rest)
		if reverse && id.Compare(start) < 0 || !reverse && id.Compare(end) > 0 {
			return false, nil
		}
		return fn(id, v)
	})
}

// --- header and entries ---

func (t *tx) XMeta(key []byte) (backend.StreamMeta, bool, error) {
	s, ok, err := t.openStream(key, false)
	if !ok {
		return backend.StreamMeta{}, false, err
	}
	if err := s.header(); err != nil {
		return backend.StreamMeta{}, false, err
	}
	return s.m, true, nil
}

// streamW opens key's stream with its header for a write that creates it
// if needed (XSetMeta, XAppend).
func (t *tx) streamW(key []byte) (stream, error) {
	if err := t.writable(); err != nil {
		return stream{}, err
	}
	s, _, err := t.openStream(key, true)
	if err == nil {
		err = s.header()
	}
	return s, err
}

func (t *tx) XSetMeta(key []byte, m backend.StreamMeta) error {
	s, err := t.streamW(key)
	if err != nil {
		return err
	}
	s.m.LastID, s.m.FirstID, s.m.MaxDeletedID, s.m.EntriesAdded = m.LastID, m.FirstID, m.MaxDeletedID, m.EntriesAdded
	return s.finish()
}

// XAppend implements backend.Tx: the entry's key, its node's and the
// header, O(log n) (unless id is below the trim floor: see unfloor).
func (t *tx) XAppend(key []byte, id backend.StreamID, fields [][]byte, newNode bool, cost int64) error {
	s, err := t.streamW(key)
	if err != nil {
		return err
	}
	if id.Compare(s.floor) < 0 {
		if err := s.unfloor(); err != nil {
			return err
		}
	}
	var n backend.StreamNode
	have := false
	if !newNode {
		if n, have, err = s.tailNode(); err != nil {
			return err
		}
	}
	if !have {
		names := make([][]byte, 0, len(fields)/2)
		for i := 0; i < len(fields); i += 2 {
			names = append(names, fields[i])
		}
		n = backend.StreamNode{Master: id, MasterFields: names}
		s.m.Nodes++
	}
	n.Last = id
	n.Live++
	n.Total++
	n.EntriesBytes += cost
	if err := s.putNode(&n, !have); err != nil {
		return err
	}
	if err := s.add(xEntryFam, s.idSub(id), s.entryValue(n.MasterFields, fields)); err != nil {
		return err
	}
	s.m.Length++
	return s.finish()
}

// XRange implements backend.Tx: one seek, then a cursor walk, plus a seek
// for the master fields of each node it enters, O(log n + m). It starts
// at the trim floor at the earliest.
func (t *tx) XRange(key []byte, start, end backend.StreamID, rev bool, fn func(id backend.StreamID, fields [][]byte) bool) error {
	s, ok, err := t.openStream(key, false)
	if !ok {
		return err
	}
	if err := s.header(); err != nil {
		return err
	}
	if start.Compare(s.floor) < 0 {
		start = s.floor
	}
	r := entryReader{s: &s}
	return s.idRange(xEntryFam, nil, start, end, rev, func(id backend.StreamID, v []byte) (bool, error) {
		fields, err := r.decode(id, v)
		if err != nil {
			return false, err
		}
		return fn(id, fields), nil
	})
}

// XDelete implements backend.Tx: the entry, its node (found by one reverse
// seek) and the header, O(log n).
func (t *tx) XDelete(key []byte, id backend.StreamID) (bool, error) {
	if err := t.writable(); err != nil {
		return false, err
	}
	s, ok, err := t.openStream(key, false)
	if !ok {
		return false, err
	}
	if err := s.header(); err != nil {
		return false, err
	}
	if id.Compare(s.floor) < 0 {
		return false, nil // trimmed
	}
	if _, ok := s.in(xEntryFam).get(s.idSub(id)); !ok {
		return false, nil
	}
	if err := s.drop(xEntryFam, s.idSub(id)); err != nil {
		return false, err
	}
	s.m.Length--
	n, err := s.nodeOf(id)
	if err != nil {
		return false, err
	}
	if n.Live--; n.Live > 0 {
		err = s.putNode(&n, false)
	} else {
		s.m.Nodes--
		err = s.drop(xNodeFam, s.idSub(n.Master))
	}
	if err != nil {
		return false, err
	}
	return true, s.finish()
}

// XNodes implements backend.Tx: from the trim floor.
func (t *tx) XNodes(key []byte, fn func(n backend.StreamNode) bool) error {
	s, ok, err := t.openStream(key, false)
	if !ok {
		return err
	}
	if err := s.header(); err != nil {
		return err
	}
	return s.walk(xNodeFam, nil, s.floor.AppendBinary(nil), false, func(sub, v []byte) (bool, error) {
		n, err := s.decodeNode(sub, v)
		if err != nil {
			return false, err
		}
		return fn(n), nil
	})
}

func (t *tx) XTailNode(key []byte) (backend.StreamNode, bool, error) {
	s, ok, err := t.openStream(key, false)
	if !ok {
		return backend.StreamNode{}, false, err
	}
	return s.tailNode()
}

// XRemoveNode implements backend.Tx: O(log n) for the first node of more
// than tuning.smallDrop live entries (trimLazily), else O(log n + k) for
// a node of k live entries.
func (t *tx) XRemoveNode(key []byte, master backend.StreamID) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	s, ok, err := t.openStream(key, false)
	if !ok {
		return 0, err
	}
	v, ok := s.in(xNodeFam).get(s.idSub(master))
	if !ok {
		return 0, nil
	}
	if err := s.header(); err != nil {
		return 0, err
	}
	if master.Compare(s.floor) < 0 {
		return 0, nil // trimmed already
	}
	n, err := s.decodeNode(bytes.Clone(s.sub), v)
	if err != nil {
		return 0, err
	}
	if lazy, err := s.trimLazily(&n); lazy || err != nil {
		return n.Live, err
	}
	var removed int64
	err = s.idRange(xEntryFam, nil, n.Master, n.Last, false, func(id backend.StreamID, _ []byte) (bool, error) {
		removed++
		return true, s.drop(xEntryFam, s.idSub(id))
	})
	if err != nil {
		return 0, err
	}
	if err := s.drop(xNodeFam, s.idSub(master)); err != nil {
		return 0, err
	}
	s.m.Length -= removed
	s.m.Nodes--
	return removed, s.finish()
}

// --- groups ---

func (t *tx) XGroups(key []byte, fn func(g backend.StreamGroup) bool) error {
	s, ok, err := t.openStream(key, false)
	if !ok {
		return err
	}
	return walkRecords(&s, xGroupFam, nil, s.decodeGroup, fn)
}

func (t *tx) XGroup(key, name []byte) (backend.StreamGroup, bool, error) {
	s, ok, err := t.openStream(key, false)
	if !ok {
		return backend.StreamGroup{}, false, err
	}
	return s.group(name)
}

// maxXGroupLen is the longest group name, whose group PEL keys (id 'p'
// lp(group) id(16)) must fit in a bbolt key; XSetConsumer checks that the
// consumer's PEL keys, which hold both names, fit too.
const maxXGroupLen = bolt.MaxKeySize - idLen - 1 - binary.MaxVarintLen64 - xIDLen

func (t *tx) XSetGroup(key []byte, g backend.StreamGroup) (bool, error) {
	if err := t.writable(); err != nil {
		return false, err
	}
	if len(g.Name) > maxXGroupLen {
		return false, backend.ErrTooLarge
	}
	s, ok, err := t.openStream(key, false)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, backend.ErrNoSuchKey
	}
	old, found, err := s.group(g.Name)
	if err != nil {
		return false, err
	}
	ng := old
	if !found {
		if err := s.header(); err != nil {
			return false, err
		}
		s.m.Groups++
		ng = backend.StreamGroup{Name: g.Name}
	}
	ng.LastID, ng.EntriesRead = g.LastID, g.EntriesRead
	if err := s.putGroup(&ng, !found); err != nil {
		return false, err
	}
	return !found, s.finish()
}

// XDelGroup implements backend.Tx: O(log n + consumers + pending).
func (t *tx) XDelGroup(key, name []byte) (bool, error) {
	if err := t.writable(); err != nil {
		return false, err
	}
	s, ok, err := t.openStream(key, false)
	if !ok {
		return false, err
	}
	if _, found, err := s.group(name); !found {
		return false, err
	}
	lp := appendLP(nil, name)
	for _, fam := range [][]byte{xConsumerFam, xGroupPELFam, xConsPELFam} {
		err := s.walk(fam, lp, nil, false, func(rest, _ []byte) (bool, error) {
			return true, s.drop(fam, append(append(s.sub[:0], lp...), rest...))
		})
		if err != nil {
			return false, err
		}
	}
	if err := s.header(); err != nil {
		return false, err
	}
	s.m.Groups--
	if err := s.drop(xGroupFam, name); err != nil {
		return false, err
	}
	return true, s.finish()
}

// --- consumers ---

// openGroup opens key's stream and its group for a write: a missing key
// or group is ErrNoSuchGroup.
func (t *tx) openGroup(key, group []byte) (stream, backend.StreamGroup, error) {
	if err := t.writable(); err != nil {
		return stream{}, backend.StreamGroup{}, err
	}
	s, ok, err := t.openStream(key, false)
	if err != nil {
		return stream{}, backend.StreamGroup{}, err
	}
	if !ok {
		return stream{}, backend.StreamGroup{}, backend.ErrNoSuchGroup
	}
	g, ok, err := s.group(group)
	if err == nil && !ok {
		err = backend.ErrNoSuchGroup
	}
	return s, g, err
}

func (t *tx) XConsumers(key, group []byte, fn func(c backend.StreamConsumer) bool) error {
	s, ok, err := t.openStream(key, false)
	if !ok {
		return err
	}
	return walkRecords(&s, xConsumerFam, appendLP(nil, group), s.decodeConsumer, fn)
}

func (t *tx) XConsumer(key, group, name []byte) (backend.StreamConsumer, bool, error) {
	s, ok, err := t.openStream(key, false)
	if !ok {
		return backend.StreamConsumer{}, false, err
	}
	return s.consumer(group, name)
}

func (t *tx) XSetConsumer(key, group []byte, c backend.StreamConsumer) (bool, error) {
	s, g, err := t.openGroup(key, group)
	if err != nil {
		return false, err
	}
	// Its consumer PEL keys are the longest: id 'q' lp(group) lp(name) id(16).
	if idLen+1+2*binary.MaxVarintLen64+len(group)+len(c.Name)+xIDLen > bolt.MaxKeySize {
		return false, backend.ErrTooLarge
	}
	old, found, err := s.consumer(group, c.Name)
	if err != nil {
		return false, err
	}
	nc := old
	if !found {
		nc = backend.StreamConsumer{Name: c.Name}
		g.Consumers++
		if err := s.putGroup(&g, false); err != nil {
			return false, err
		}
	}
	nc.SeenTime = c.SeenTime
	if err := s.putConsumer(group, &nc, !found); err != nil {
		return false, err
	}
	return !found, s.finish()
}

// XDelConsumer implements backend.Tx: O(log n) per pending entry of the
// consumer.
func (t *tx) XDelConsumer(key, group, name []byte) (int64, bool, error) {
	s, g, err := t.openGroup(key, group)
	if err != nil {
		return 0, false, err
	}
	if _, found, err := s.consumer(group, name); !found {
		return 0, false, err
	}
	var pending int64
	prefix := bytes.Clone(s.cpelSub(group, name, nil))
	err = s.walk(xConsPELFam, prefix, nil, false, func(rest, _ []byte) (bool, error) {
		if len(rest) != xIDLen {
			return false, s.damaged("a consumer PEL key is not an id")
		}
		id := backend.StreamIDFromBinary(rest)
		pending++
		if err := s.drop(xConsPELFam, append(append(s.sub[:0], prefix...), rest...)); err != nil {
			return false, err
		}
		return true, s.drop(xGroupPELFam, s.gpelSub(group, id))
	})
	if err != nil {
		return 0, false, err
	}
	if err := s.drop(xConsumerFam, s.groupSub(group, name)); err != nil {
		return 0, false, err
	}
	g.Pending -= pending
	g.Consumers--
	if err := s.putGroup(&g, false); err != nil {
		return 0, false, err
	}
	return pending, true, s.finish()
}

// --- pending entries ---

// XPending implements backend.Tx: a walk of the group's PEL, or of the
// consumer's (whose keys hold the time and count too), O(log n + m).
func (t *tx) XPending(key, group, consumer []byte, start, end backend.StreamID, fn func(p backend.StreamPending) bool) error {
	s, ok, err := t.openStream(key, false)
	if !ok {
		return err
	}
	fam, prefix := xGroupPELFam, appendLP(nil, group)
	if consumer != nil {
		fam, prefix = xConsPELFam, bytes.Clone(s.cpelSub(group, consumer, nil))
	}
	return s.idRange(fam, prefix, start, end, false, func(id backend.StreamID, v []byte) (bool, error) {
		p, err := s.decodePEL(id, v)
		if err != nil {
			return false, err
		}
		if consumer != nil {
			p.Consumer = consumer
		}
		return fn(p), nil
	})
}

func (t *tx) XPendingEntry(key, group []byte, id backend.StreamID) (backend.StreamPending, bool, error) {
	s, ok, err := t.openStream(key, false)
	if !ok {
		return backend.StreamPending{}, false, err
	}
	return s.pelEntry(group, id)
}

// XSetPending implements backend.Tx: the group's PEL entry, its
// consumers' (the new and, on a move, the old one) and their records,
// O(log n).
func (t *tx) XSetPending(key, group []byte, p backend.StreamPending) error {
	s, g, err := t.openGroup(key, group)
	if err != nil {
		return err
	}
	c, found, err := s.consumer(group, p.Consumer)
	if err != nil {
		return err
	}
	if !found {
		return backend.ErrNoSuchGroup
	}
	old, had, err := s.pelEntry(group, p.ID)
	if err != nil {
		return err
	}
	owned := had && bytes.Equal(old.Consumer, p.Consumer)
	if had && !owned {
		// Move it: out of the previous owner's PEL.
		prev := bytes.Clone(old.Consumer)
		pc, ok, err := s.consumer(group, prev)
		if err != nil {
			return err
		}
		if ok {
			pc.Pending--
			if err := s.putConsumer(group, &pc, false); err != nil {
				return err
			}
		}
		if err := s.drop(xConsPELFam, s.cpelSub(group, prev, &p.ID)); err != nil {
			return err
		}
	}
	if !had {
		g.Pending++
		if err := s.putGroup(&g, false); err != nil {
			return err
		}
	}
	if !owned {
		c.Pending++
		if err := s.putConsumer(group, &c, false); err != nil {
			return err
		}
	}
	if err := s.set(xGroupPELFam, s.gpelSub(group, p.ID), s.pelValue(&p, p.Consumer), !had); err != nil {
		return err
	}
	if err := s.set(xConsPELFam, s.cpelSub(group, p.Consumer, &p.ID), s.pelValue(&p, nil), !owned); err != nil {
		return err
	}
	return s.finish()
}

// XAck implements backend.Tx: O(log n).
func (t *tx) XAck(key, group []byte, id backend.StreamID) (bool, error) {
	s, g, err := t.openGroup(key, group)
	if err != nil {
		return false, err
	}
	p, ok, err := s.pelEntry(group, id)
	if !ok {
		return false, err
	}
	owner := bytes.Clone(p.Consumer)
	if err := s.drop(xGroupPELFam, s.gpelSub(group, id)); err != nil {
		return false, err
	}
	if err := s.drop(xConsPELFam, s.cpelSub(group, owner, &id)); err != nil {
		return false, err
	}
	c, ok, err := s.consumer(group, owner)
	if err != nil {
		return false, err
	}
	if ok {
		c.Pending--
		if err := s.putConsumer(group, &c, false); err != nil {
			return false, err
		}
	}
	g.Pending--
	if err := s.putGroup(&g, false); err != nil {
		return false, err
	}
	return true, s.finish()
}
