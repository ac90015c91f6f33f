package backend

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// A stream's value, as the type registry sees it (snapshots, DUMP, the AOF
// rewrite, Put), is a sequence of records, one item each, in this order:
// the header (StreamRecMeta), the entries in id order (StreamRecEntry, the
// first of each node flagged), then for each group in name order the
// group (StreamRecGroup), its consumers (StreamRecConsumer) and its PEL
// (StreamRecPending). Deleted entries are not kept: a loaded node holds
// only its live entries.

// The record kinds (the first byte of a record).
const (
	StreamRecMeta     byte = 'M'
	StreamRecEntry    byte = 'E'
	StreamRecGroup    byte = 'G'
	StreamRecConsumer byte = 'C'
	StreamRecPending  byte = 'P'
)

// StreamRecord is one decoded record: Kind says which fields mean
// something. Its slices point into the record's bytes.
type StreamRecord struct {
	Kind byte
	Meta StreamMeta // StreamRecMeta: LastID, FirstID, MaxDeletedID, EntriesAdded
	// StreamRecEntry: the entry, and whether it starts a node.
	ID        StreamID
	Fields    [][]byte
	StartNode bool
	Group     StreamGroup    // StreamRecGroup: Name, LastID, EntriesRead
	GroupName []byte         // StreamRecConsumer, StreamRecPending: the group
	Consumer  StreamConsumer // StreamRecConsumer: Name, SeenTime
	Pending   StreamPending  // StreamRecPending: every field
}

// ErrBadStreamRecord: a stream record that does not decode.
var ErrBadStreamRecord = errors.New("backend: damaged stream record")

// AppendStreamRecord appends r's encoding to dst.
func AppendStreamRecord(dst []byte, r *StreamRecord) []byte {
	dst = append(dst, r.Kind)
	switch r.Kind {
	case StreamRecMeta:
		dst = r.Meta.LastID.AppendBinary(dst)
		dst = r.Meta.FirstID.AppendBinary(dst)
		dst = r.Meta.MaxDeletedID.AppendBinary(dst)
		dst = binary.AppendVarint(dst, r.Meta.EntriesAdded)
	case StreamRecEntry:
		flag := byte(0)
		if r.StartNode {
			flag = 1
		}
		dst = append(dst, flag)
		dst = r.ID.AppendBinary(dst)
		dst = binary.AppendUvarint(dst, uint64(len(r.Fields)))
		for _, f := range r.Fields {
			dst = binary.AppendUvarint(dst, uint64(len(f)))
			dst = append(dst, f...)
		}
	case StreamRecGroup:
		dst = r.Group.LastID.AppendBinary(dst)
		dst = binary.AppendVarint(dst, r.Group.EntriesRead)
		dst = append(dst, r.Group.Name...)
	case StreamRecConsumer:
		dst = binary.AppendVarint(dst, r.Consumer.SeenTime)
		dst = binary.AppendUvarint(dst, uint64(len(r.GroupName)))
		dst = append(dst, r.GroupName...)
		dst = append(dst, r.Consumer.Name...)
	case StreamRecPending:
		dst = r.Pending.ID.AppendBinary(dst)
		dst = binary.AppendVarint(dst, r.Pending.DeliveryTime)
		dst = binary.AppendVarint(dst, r.Pending.DeliveryCount)
		dst = binary.AppendUvarint(dst, uint64(len(r.GroupName)))
		dst = append(dst, r.GroupName...)
		dst = append(dst, r.Pending.Consumer...)
	}
	return dst
}

// recReader decodes the parts of a record, remembering the first failure.
type recReader struct {
	b   []byte
	bad bool
}

func (d *recReader) id() StreamID {
	if len(d.b) < StreamIDLen {
		d.bad = true
		return StreamID{}
	}
	id := StreamIDFromBinary(d.b)
	d.b = d.b[StreamIDLen:]
	return id
}

func (d *recReader) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *recReader) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

// bytes takes n bytes (prefixed by their length when n < 0).
func (d *recReader) bytes() []byte {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// rest takes what is left.
func (d *recReader) rest() []byte {
	v := d.b
	d.b = nil
	return v
}

// ParseStreamRecord decodes b into r (ErrBadStreamRecord if it does not
// decode). r's slices point into b; r.Fields reuses its backing array.
func ParseStreamRecord(b []byte, r *StreamRecord) error {
	if len(b) == 0 {
		return ErrBadStreamRecord
	}
	fields := r.Fields[:0]
	*r = StreamRecord{Kind: b[0]}
	d := recReader{b: b[1:]}
	switch r.Kind {
	case StreamRecMeta:
		r.Meta.LastID = d.id()
		r.Meta.FirstID = d.id()
		r.Meta.MaxDeletedID = d.id()
		r.Meta.EntriesAdded = d.varint()
	case StreamRecEntry:
		if len(d.b) == 0 || d.b[0] > 1 {
			return ErrBadStreamRecord
		}
		r.StartNode = d.b[0] == 1
		d.b = d.b[1:]
		r.ID = d.id()
		n := d.uvarint()
		// Every field takes at least its length byte: a count beyond
		// what is left is damage, not a reason to allocate.
		if d.bad || n == 0 || n%2 != 0 || n > uint64(len(d.b)) {
			return ErrBadStreamRecord
		}
		for range n {
			fields = append(fields, d.bytes())
		}
		r.Fields = fields
	case StreamRecGroup:
		r.Group.LastID = d.id()
		r.Group.EntriesRead = d.varint()
		r.Group.Name = d.rest()
	case StreamRecConsumer:
		r.Consumer.SeenTime = d.varint()
		r.GroupName = d.bytes()
		r.Consumer.Name = d.rest()
	case StreamRecPending:
		r.Pending.ID = d.id()
		r.Pending.DeliveryTime = d.varint()
		r.Pending.DeliveryCount = d.varint()
		r.GroupName = d.bytes()
		r.Pending.Consumer = d.rest()
	default:
		return ErrBadStreamRecord
	}
	if d.bad || len(d.b) != 0 {
		return ErrBadStreamRecord
	}
	return nil
}

// The stream type's registry functions (see typeTable).

func readStream(tx Tx, key []byte, fn func(items [][]byte) error) error {
	m, ok, err := tx.XMeta(key)
	if err != nil || !ok {
		return err
	}
	c := newChunker(1, fn)
	var arena []byte
	// rec encodes r into the arena and adds it to the chunk. The used
	// part of an arena is never written again (as readZSet's): appends
	// only extend it, and a reallocation leaves the old array alone.
	rec := func(r *StreamRecord) bool {
		if cap(arena)-len(arena) < 256 {
			arena = make([]byte, 0, 16<<10)
		}
		start := len(arena)
		arena = AppendStreamRecord(arena, r)
		return c.add(arena[start:len(arena):len(arena)])
	}
	if !rec(&StreamRecord{Kind: StreamRecMeta, Meta: m}) {
		return c.done(nil)
	}
	var nodes []StreamID
	if err := tx.XNodes(key, func(n StreamNode) bool {
		nodes = append(nodes, n.Master)
		return true
	}); err != nil {
		return err
	}
	next := 0 // the next node start not yet met
	ierr := tx.XRange(key, StreamID{}, MaxStreamID, false, func(id StreamID, fields [][]byte) bool {
		start := false
		for next < len(nodes) && nodes[next].Compare(id) <= 0 {
			start = true
			next++
		}
		return rec(&StreamRecord{Kind: StreamRecEntry, ID: id, Fields: fields, StartNode: start})
	})
	if ierr != nil || c.err != nil {
		return c.done(ierr)
	}
	var groups [][]byte
	if err := tx.XGroups(key, func(g StreamGroup) bool {
		groups = append(groups, append([]byte(nil), g.Name...))
		return true
	}); err != nil {
		return c.done(err)
	}
	for _, name := range groups {
		g, ok, err := tx.XGroup(key, name)
		if err != nil || !ok {
			return c.done(err)
		}
		if !rec(&StreamRecord{Kind: StreamRecGroup, Group: g}) {
			break
		}
		if err := tx.XConsumers(key, name, func(cs StreamConsumer) bool {
			return rec(&StreamRecord{Kind: StreamRecConsumer, GroupName: name, Consumer: cs})
		}); err != nil {
			return c.done(err)
		}
		if err := tx.XPending(key, name, nil, StreamID{}, MaxStreamID, func(p StreamPending) bool {
			return rec(&StreamRecord{Kind: StreamRecPending, GroupName: name, Pending: p})
		}); err != nil {
			return c.done(err)
		}
	}
	return c.done(nil)
}

func loadStream(tx Tx, key []byte, items [][]byte) error {
	var (
		r    StreamRecord
		tail StreamNode // the node entries go to, once known
		have bool
		mf   [][]byte // a new node's MasterFields (tail's may be the backend's)
	)
	for _, it := range items {
		if err := ParseStreamRecord(it, &r); err != nil {
			return err
		}
		var err error
		switch r.Kind {
		case StreamRecMeta:
			err = tx.XSetMeta(key, r.Meta)
		case StreamRecEntry:
			if !r.StartNode && !have {
				tail, have, err = tx.XTailNode(key)
				if err != nil {
					return err
				}
			}
			if r.StartNode || !have {
				mf = mf[:0]
				for i := 0; i < len(r.Fields); i += 2 {
					mf = append(mf, r.Fields[i])
				}
				tail, have = StreamNode{Master: r.ID, MasterFields: mf}, true
			}
			err = tx.XAppend(key, r.ID, r.Fields, tail.Master == r.ID,
				StreamEntryCost(tail.Master, tail.MasterFields, r.ID, r.Fields))
		case StreamRecGroup:
			_, err = tx.XSetGroup(key, r.Group)
		case StreamRecConsumer:
			_, err = tx.XSetConsumer(key, r.GroupName, r.Consumer)
		case StreamRecPending:
			err = tx.XSetPending(key, r.GroupName, r.Pending)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// streamEncoding: OBJECT ENCODING of a stream is "stream".
func streamEncoding(Tx, []byte, func(string, int64) int64) (string, error) {
	return "stream", nil
}

// rewriteStream writes the commands that rebuild a stream, as Redis 7.0's
// rewriteStreamObject (aof.c) writes them: XADD per entry (an empty stream
// by the XADD MAXLEN 0 trick), XSETID with the last id, entries-added and
// max deleted id, then per group XGROUP CREATE with its last id and
// entries-read and, per consumer in name order, XGROUP CREATECONSUMER for
// one without pending entries, else XCLAIM ... JUSTID FORCE per pending
// entry it owns (which rebuilds the PEL with its times and counts).
func rewriteStream(key []byte, items [][]byte, emit func(argv ...[]byte) error) error {
	var (
		r       StreamRecord
		meta    StreamMeta
		entries int
		i       int
	)
	w := streamRewriter{key: key, emit: emit}
	for ; i < len(items); i++ {
		if err := ParseStreamRecord(items[i], &r); err != nil {
			return err
		}
		if r.Kind != StreamRecMeta && r.Kind != StreamRecEntry {
			break
		}
		if r.Kind == StreamRecMeta {
			meta = r.Meta
			continue
		}
		entries++
		w.argv = append(append(w.argv[:0], []byte("XADD"), key, w.id(0, r.ID)), r.Fields...)
		if err := emit(w.argv...); err != nil {
			return err
		}
	}
	if entries == 0 {
		if err := emit([]byte("XADD"), key, []byte("MAXLEN"), []byte("0"), []byte("0-1"), []byte("x"), []byte("y")); err != nil {
			return err
		}
	}
	if err := emit([]byte("XSETID"), key, w.id(0, meta.LastID), []byte("ENTRIESADDED"), w.num(1, meta.EntriesAdded),
		[]byte("MAXDELETEDID"), w.id(2, meta.MaxDeletedID)); err != nil {
		return err
	}
	// The groups: each runs from its record to the next group's.
	for i < len(items) {
		end := i + 1
		for end < len(items) && (len(items[end]) == 0 || items[end][0] != StreamRecGroup) {
			end++
		}
		if err := w.group(items[i:end]); err != nil {
			return err
		}
		i = end
	}
	return nil
}

// streamRewriter holds rewriteStream's buffers.
type streamRewriter struct {
	key  []byte
	emit func(argv ...[]byte) error
	buf  [3][]byte // number and id texts
	argv [][]byte
	own  map[string][]StreamPending
}

func (w *streamRewriter) num(i int, v int64) []byte {
	w.buf[i] = strconv.AppendInt(w.buf[i][:0], v, 10)
	return w.buf[i]
}

func (w *streamRewriter) id(i int, v StreamID) []byte {
	w.buf[i] = v.AppendText(w.buf[i][:0])
	return w.buf[i]
}

// group writes one group from its records: the group, its consumers, its
// PEL.
func (w *streamRewriter) group(items [][]byte) error {
	var r StreamRecord
	if err := ParseStreamRecord(items[0], &r); err != nil {
		return err
	}
	if r.Kind != StreamRecGroup {
		return ErrBadStreamRecord
	}
	name := r.Group.Name
	if err := w.emit([]byte("XGROUP"), []byte("CREATE"), w.key, name, w.id(0, r.Group.LastID),
		[]byte("ENTRIESREAD"), w.num(1, r.Group.EntriesRead)); err != nil {
		return err
	}
	if w.own == nil {
		w.own = map[string][]StreamPending{}
	}
	clear(w.own)
	var consumers [][]byte
	for _, it := range items[1:] {
		if err := ParseStreamRecord(it, &r); err != nil {
			return err
		}
		switch r.Kind {
		case StreamRecConsumer:
			consumers = append(consumers, r.Consumer.Name)
		case StreamRecPending:
			w.own[string(r.Pending.Consumer)] = append(w.own[string(r.Pending.Consumer)], r.Pending)
		default:
			return ErrBadStreamRecord
		}
	}
	for _, c := range consumers {
		pel := w.own[string(c)]
		if len(pel) == 0 {
			if err := w.emit([]byte("XGROUP"), []byte("CREATECONSUMER"), w.key, name, c); err != nil {
				return err
			}
			continue
		}
		for _, p := range pel {
			if err := w.emit([]byte("XCLAIM"), w.key, name, c, []byte("0"), w.id(0, p.ID),
				[]byte("TIME"), w.num(1, p.DeliveryTime), []byte("RETRYCOUNT"), w.num(2, p.DeliveryCount),
				[]byte("JUSTID"), []byte("FORCE")); err != nil {
				return err
			}
		}
	}
	return nil
}
