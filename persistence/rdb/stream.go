package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"redpool/backend"
)

// Streams (RDB_TYPE_STREAM_LISTPACKS 15, _2 19, _3 21), as Redis's
// rdbSaveObject and rdbLoadObject lay them out:
//
//	nodes                a length, then per node: its master id (a 16-byte
//	                     string, big-endian ms and seq) and a listpack
//	length               live entries (a length)
//	last id              ms, seq (two lengths)
//	first id             ms, seq                    (19, 21)
//	max deleted id       ms, seq                    (19, 21)
//	entries added        a length                   (19, 21)
//	groups               a length, then per group, in name order:
//	  name               a string
//	  last id            ms, seq
//	  entries read       a length (2^64-1: unknown) (19, 21)
//	  PEL                a length, then per entry in id order: the id
//	                     (16 bytes), the delivery time (8 bytes LE, Unix
//	                     ms), the delivery count (a length)
//	  consumers          a length, then per consumer in name order: name,
//	                     seen time (8 bytes LE), active time (8 bytes LE,
//	                     21 only), its PEL: a length and the ids (16 bytes
//	                     each), every one in the group's PEL
//
// A node's listpack (t_stream.c) holds the master entry, then the entries:
//
//	live, deleted, nfields, field..., 0                the master entry
//	flags, ms-diff, seq-diff, value..., lp-count       flags & SAMEFIELDS
//	flags, ms-diff, seq-diff, n, field, value..., lp-count
//
// with the ids as differences from the master id, flags 1 (deleted) and
// 2 (SAMEFIELDS: the fields are the master entry's, only the values are
// stored), and lp-count the number of listpack elements before it.
//
// The items are backend's stream records (backend/stream_records.go). The
// Writer writes one node per run of entries the records start with
// StartNode, its master the first entry's id and fields, so that Redis
// loads the same nodes; the Reader makes each listpack one node (StartNode
// on its first live entry) and drops deleted entries.

// Stream entry flags.
const (
	streamFlagDeleted    = 1
	streamFlagSameFields = 2
)

// streamPlan is where a stream's records are, checked for their order.
type streamPlan struct {
	meta   backend.StreamMeta
	nodes  []int // the index of each node's first entry record
	endE   int   // one past the last entry record (entries are items[1:endE])
	groups []int // the index of each group's record
}

// planStream checks that items are a stream's records in their order (the
// header, entries by ascending id, then per group in name order the group,
// its consumers in name order and its PEL in id order, each pending entry
// owned by one of the group's consumers) and finds the nodes and groups.
func planStream(items [][]byte) (streamPlan, error) {
	var (
		p     = streamPlan{endE: 1}
		r     backend.StreamRecord
		last  backend.StreamID
		group []byte
		cons  = map[string]bool{}
		prevC []byte
		pend  backend.StreamID
		state = 0 // 0: header, 1: entries, 2: consumers, 3: PEL
	)
	bad := func(i int, what string) (streamPlan, error) {
		return streamPlan{}, fmt.Errorf("rdb: stream record %d: %s", i, what)
	}
	if len(items) == 0 {
		return bad(0, "no header")
	}
	for i, it := range items {
		if err := backend.ParseStreamRecord(it, &r); err != nil {
			return bad(i, err.Error())
		}
		switch {
		case (i == 0) != (r.Kind == backend.StreamRecMeta):
			return bad(i, "the header must come first, once")
		case r.Kind == backend.StreamRecMeta:
			p.meta, state = r.Meta, 1
		case r.Kind == backend.StreamRecEntry:
			if state != 1 || (len(p.nodes) > 0 && r.ID.Compare(last) <= 0) {
				return bad(i, "entry out of order")
			}
			if r.StartNode || len(p.nodes) == 0 {
				p.nodes = append(p.nodes, i)
			}
			last, p.endE = r.ID, i+1
		case r.Kind == backend.StreamRecGroup:
			if len(p.groups) > 0 && bytes.Compare(r.Group.Name, group) <= 0 {
				return bad(i, "group out of order")
			}
			p.groups = append(p.groups, i)
			group, prevC, state = r.Group.Name, nil, 2
			clear(cons)
		case r.Kind == backend.StreamRecConsumer:
			if state != 2 || !bytes.Equal(r.GroupName, group) || (prevC != nil && bytes.Compare(r.Consumer.Name, prevC) <= 0) {
				return bad(i, "consumer out of order")
			}
			prevC = r.Consumer.Name
			cons[string(prevC)] = true
		case r.Kind == backend.StreamRecPending:
			if state < 2 || !bytes.Equal(r.GroupName, group) || (state == 3 && r.Pending.ID.Compare(pend) <= 0) {
				return bad(i, "pending entry out of order")
			}
			if !cons[string(r.Pending.Consumer)] {
				return bad(i, "pending entry of a consumer the group does not have")
			}
			pend, state = r.Pending.ID, 3
		}
	}
	return p, nil
}

// stream appends a stream as RDB_TYPE_STREAM_LISTPACKS_2.
func (e *encoder) stream(header func(byte), items [][]byte, flush func() error) error {
	p, err := planStream(items)
	if err != nil {
		return err
	}
	header(TypeStreamListpack2)
	e.buf = appendLen(e.buf, uint64(len(p.nodes)))
	var r backend.StreamRecord
	var key [backend.StreamIDLen]byte
	var master [][]byte
	for n, start := range p.nodes {
		end := p.endE
		if n+1 < len(p.nodes) {
			end = p.nodes[n+1]
		}
		_ = backend.ParseStreamRecord(items[start], &r)
		mid := r.ID
		master = master[:0]
		for i := 0; i < len(r.Fields); i += 2 {
			master = append(master, r.Fields[i])
		}
		e.string(mid.AppendBinary(key[:0]))
		lp := &e.lp
		lp.start(lp.buf)
		lp.addInt(int64(end - start))
		lp.addInt(0)
		lp.addInt(int64(len(master)))
		for _, f := range master {
			lp.add(f)
		}
		lp.addInt(0)
		for _, it := range items[start:end] {
			_ = backend.ParseStreamRecord(it, &r)
			same := backend.StreamSameFields(master, r.Fields)
			flags, count := int64(0), int64(len(r.Fields)/2+3)
			if same {
				flags = streamFlagSameFields
			} else {
				count += int64(len(r.Fields)/2 + 1)
			}
			lp.addInt(flags)
			lp.addInt(int64(r.ID.Ms - mid.Ms))
			lp.addInt(int64(r.ID.Seq - mid.Seq))
			if same {
				for i := 1; i < len(r.Fields); i += 2 {
					lp.add(r.Fields[i])
				}
			} else {
				lp.addInt(int64(len(r.Fields) / 2))
				for _, f := range r.Fields {
					lp.add(f)
				}
			}
			lp.addInt(count)
		}
		e.string(lp.finish())
		if err := flush(); err != nil {
			return err
		}
	}
	m := p.meta
	e.buf = appendLen(e.buf, uint64(p.endE-1))
	e.streamID(m.LastID)
	e.streamID(m.FirstID)
	e.streamID(m.MaxDeletedID)
	e.buf = appendLen(e.buf, uint64(m.EntriesAdded))
	e.buf = appendLen(e.buf, uint64(len(p.groups)))
	for g, start := range p.groups {
		end := len(items)
		if g+1 < len(p.groups) {
			end = p.groups[g+1]
		}
		e.streamGroup(items[start:end])
		if err := flush(); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) streamID(id backend.StreamID) {
	e.buf = appendLen(appendLen(e.buf, id.Ms), id.Seq)
}

// streamGroup appends a group from its records: the group, its consumers,
// its PEL (checked by planStream).
func (e *encoder) streamGroup(items [][]byte) {
	var r backend.StreamRecord
	_ = backend.ParseStreamRecord(items[0], &r)
	e.string(r.Group.Name)
	e.streamID(r.Group.LastID)
	e.buf = appendLen(e.buf, uint64(r.Group.EntriesRead))
	nc := 0
	for nc+1 < len(items) && items[nc+1][0] == backend.StreamRecConsumer {
		nc++
	}
	pel := items[1+nc:]
	owned := make(map[string][]backend.StreamID, nc)
	e.buf = appendLen(e.buf, uint64(len(pel)))
	for _, it := range pel {
		_ = backend.ParseStreamRecord(it, &r)
		e.buf = r.Pending.ID.AppendBinary(e.buf)
		e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(r.Pending.DeliveryTime))
		e.buf = appendLen(e.buf, uint64(r.Pending.DeliveryCount))
		owned[string(r.Pending.Consumer)] = append(owned[string(r.Pending.Consumer)], r.Pending.ID)
	}
	e.buf = appendLen(e.buf, uint64(nc))
	for _, it := range items[1 : 1+nc] {
		_ = backend.ParseStreamRecord(it, &r)
		e.string(r.Consumer.Name)
		e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(r.Consumer.SeenTime))
		ids := owned[string(r.Consumer.Name)]
		e.buf = appendLen(e.buf, uint64(len(ids)))
		for _, id := range ids {
			e.buf = id.AppendBinary(e.buf)
		}
	}
}

// streamReader decodes one stream value: the items it makes, and what
// the checks need.
type streamReader struct {
	r      *Reader
	t      byte
	items  [][]byte
	rec    []byte // a record being encoded
	fields [][]byte
	elems  [][]byte
	last   backend.StreamID // the last live entry's id
	live   int64
	first  backend.StreamID // the first live entry's id
}

// record encodes rec as a new item.
func (s *streamReader) record(rec *backend.StreamRecord) {
	s.rec = backend.AppendStreamRecord(s.rec[:0], rec)
	s.items = append(s.items, s.r.arena.bytes(s.rec))
}

// readStream reads a stream of RDB type t (15, 19 or 21) as its records.
func (r *Reader) readStream(t byte) (Value, error) {
	s := &streamReader{r: r, t: t, items: make([][]byte, 1, 64)}
	nodes, err := r.ReadLen()
	if err != nil {
		return Value{}, err
	}
	// A node is at least its key (17 bytes) and a listpack string.
	if left := r.left(); left >= 0 && nodes > uint64(left)/20 {
		return Value{}, corrupt("stream node count past the end")
	}
	var prev backend.StreamID
	for i := range nodes {
		key, err := r.ReadString()
		if err != nil {
			return Value{}, err
		}
		if len(key) != backend.StreamIDLen {
			return Value{}, corrupt("stream node key is not an id")
		}
		master := backend.StreamIDFromBinary(key)
		if i > 0 && master.Compare(prev) <= 0 {
			return Value{}, corrupt("stream nodes out of order")
		}
		prev = master
		lp, err := r.ReadString()
		if err != nil {
			return Value{}, err
		}
		r.sanitizing()
		if s.elems, err = decodeListpack(lp, r.opt.Sanitize, s.elems[:0], &r.arena); err != nil {
			return Value{}, err
		}
		if err := s.node(master); err != nil {
			return Value{}, err
		}
	}
	meta, err := s.meta()
	if err != nil {
		return Value{}, err
	}
	s.rec = backend.AppendStreamRecord(s.rec[:0], &backend.StreamRecord{Kind: backend.StreamRecMeta, Meta: meta})
	s.items[0] = r.arena.bytes(s.rec)
	groups, err := r.ReadLen()
	if err != nil {
		return Value{}, err
	}
	if left := r.left(); left >= 0 && groups > uint64(left)/5 {
		return Value{}, corrupt("stream group count past the end")
	}
	var name []byte
	for i := range groups {
		g, err := r.ReadString()
		if err != nil {
			return Value{}, err
		}
		if i > 0 && bytes.Compare(g, name) <= 0 {
			return Value{}, corrupt("stream groups repeated or out of order")
		}
		name = g
		if err := s.group(g, meta); err != nil {
			return Value{}, err
		}
	}
	return Value{Type: backend.TypeStream, Items: s.items}, nil
}

// lpCursor walks the elements of a stream node's listpack.
type lpCursor struct {
	el  [][]byte
	bad bool
}

func (c *lpCursor) next() []byte {
	if len(c.el) == 0 {
		c.bad = true
		return nil
	}
	v := c.el[0]
	c.el = c.el[1:]
	return v
}

// int reads an integer element (as lpGetIntegerIfValid, a string that is
// a canonical integer is one too).
func (c *lpCursor) int() int64 {
	v, ok := parseInt(c.next())
	c.bad = c.bad || !ok
	return v
}

// count reads a count of things of per elements each that the elements
// after it can hold.
func (c *lpCursor) count(per int) int {
	v := c.int()
	if v < 0 || v > int64(len(c.el)/per) {
		c.bad = true
		return 0
	}
	return int(v)
}

// node decodes the elements of a node's listpack into entry records.
func (s *streamReader) node(master backend.StreamID) error {
	c := lpCursor{el: s.elems}
	if len(c.el) == 0 {
		return corrupt("empty listpack in a stream")
	}
	live := c.count(1)
	deleted := c.count(1)
	nf := c.count(1)
	if c.bad {
		return corrupt("bad stream master entry")
	}
	if nf >= len(c.el) {
		return corrupt("bad stream master entry")
	}
	mfields := c.el[:nf]
	c.el = c.el[nf:]
	if c.int() != 0 || c.bad {
		return corrupt("bad stream master entry")
	}
	start := true
	seenLive, seenDeleted := 0, 0
	for !c.bad && len(c.el) > 0 {
		flags := c.int()
		msDiff := c.int()
		seqDiff := c.int()
		id := backend.StreamID{Ms: master.Ms + uint64(msDiff), Seq: master.Seq + uint64(seqDiff)}
		s.fields = s.fields[:0]
		n, extra := nf, 3
		if flags&streamFlagSameFields != 0 {
			if len(c.el) < nf {
				return corrupt("stream entry past the end of its node")
			}
			for i, f := range mfields {
				s.fields = append(s.fields, f, c.el[i])
			}
			c.el = c.el[nf:]
		} else {
			n = c.count(2)
			extra += n + 1
			s.fields = append(s.fields, c.el[:2*n]...)
			c.el = c.el[2*n:]
		}
		if c.int() != int64(n+extra) || c.bad {
			return corrupt("bad stream entry")
		}
		if flags&streamFlagDeleted != 0 {
			seenDeleted++
			continue
		}
		seenLive++
		if n == 0 {
			return corrupt("stream entry without fields")
		}
		if s.live > 0 && id.Compare(s.last) <= 0 {
			return corrupt("stream entries out of order")
		}
		if s.live == 0 {
			s.first = id
		}
		s.last = id
		s.live++
		s.record(&backend.StreamRecord{Kind: backend.StreamRecEntry, ID: id, Fields: s.fields, StartNode: start})
		start = false
	}
	if c.bad || seenLive != live || seenDeleted != deleted {
		return corrupt("stream node entries do not match its counts")
	}
	return nil
}

// readID reads an id as two lengths.
func (r *Reader) readStreamID() (backend.StreamID, error) {
	ms, err := r.ReadLen()
	if err != nil {
		return backend.StreamID{}, err
	}
	seq, err := r.ReadLen()
	return backend.StreamID{Ms: ms, Seq: seq}, err
}

// readInt64 reads a length that must fit an int64.
func (r *Reader) readInt64() (int64, error) {
	n, err := r.ReadLen()
	if err == nil && n > math.MaxInt64 {
		err = corrupt("stream counter out of range")
	}
	return int64(n), err
}

// readMs reads a Unix ms time (8 bytes LE).
func (r *Reader) readMs() (int64, error) {
	var b [8]byte
	if err := r.ReadFull(b[:]); err != nil {
		return 0, noEOF(err)
	}
	return int64(binary.LittleEndian.Uint64(b[:])), nil
}

// meta reads the stream's header after its nodes.
func (s *streamReader) meta() (backend.StreamMeta, error) {
	r := s.r
	var m backend.StreamMeta
	length, err := r.ReadLen()
	if err != nil {
		return m, err
	}
	if length != uint64(s.live) {
		return m, corrupt("stream length does not match its entries")
	}
	if m.LastID, err = r.readStreamID(); err != nil {
		return m, err
	}
	if s.live > 0 && m.LastID.Compare(s.last) < 0 {
		return m, corrupt("stream last id before its last entry")
	}
	if s.t == TypeStreamListpack {
		// Redis 5 and 6: as Redis 7.0 loads them.
		m.FirstID, m.EntriesAdded = backend.MaxStreamID, s.live
		if s.live > 0 {
			m.FirstID = s.first
		}
		return m, nil
	}
	if m.FirstID, err = r.readStreamID(); err != nil {
		return m, err
	}
	if m.MaxDeletedID, err = r.readStreamID(); err != nil {
		return m, err
	}
	if m.EntriesAdded, err = r.readInt64(); err != nil {
		return m, err
	}
	if m.EntriesAdded < s.live {
		return m, corrupt("stream entries-added below its length")
	}
	return m, nil
}

// pel is a group's PEL being read: the entries and their owners.
type pelEntry struct {
	p     backend.StreamPending
	owned bool
}

// group reads a group after its name.
func (s *streamReader) group(name []byte, m backend.StreamMeta) error {
	r := s.r
	g := backend.StreamGroup{Name: name}
	var err error
	if g.LastID, err = r.readStreamID(); err != nil {
		return err
	}
	if s.t == TypeStreamListpack {
		g.EntriesRead = estimateEntriesRead(m, s.live, g.LastID)
	} else {
		n, err := r.ReadLen()
		if err != nil {
			return err
		}
		if g.EntriesRead = int64(n); g.EntriesRead < -1 {
			return corrupt("bad stream group entries-read")
		}
	}
	s.record(&backend.StreamRecord{Kind: backend.StreamRecGroup, Group: g})
	n, err := r.ReadLen()
	if err != nil {
		return err
	}
	if left := r.left(); left >= 0 && n > uint64(left)/25 {
		return corrupt("stream PEL size past the end")
	}
	pel := make([]pelEntry, 0, min(n, 1024))
	var raw [backend.StreamIDLen]byte
	for range n {
		if err := r.ReadFull(raw[:]); err != nil {
			return noEOF(err)
		}
		e := pelEntry{p: backend.StreamPending{ID: backend.StreamIDFromBinary(raw[:])}}
		if len(pel) > 0 && e.p.ID.Compare(pel[len(pel)-1].p.ID) <= 0 {
			return corrupt("stream PEL repeated or out of order")
		}
		if e.p.DeliveryTime, err = r.readMs(); err != nil {
			return err
		}
		if e.p.DeliveryCount, err = r.readInt64(); err != nil {
			return err
		}
		pel = append(pel, e)
	}
	if n, err = r.ReadLen(); err != nil {
		return err
	}
	if left := r.left(); left >= 0 && n > uint64(left)/10 {
		return corrupt("stream consumer count past the end")
	}
	var prev []byte
	for i := range n {
		cname, err := r.ReadString()
		if err != nil {
			return err
		}
		if i > 0 && bytes.Compare(cname, prev) <= 0 {
			return corrupt("stream consumers repeated or out of order")
		}
		prev = cname
		c := backend.StreamConsumer{Name: cname}
		if c.SeenTime, err = r.readMs(); err != nil {
			return err
		}
		if s.t == TypeStreamListpack3 {
			if _, err = r.readMs(); err != nil { // active-time: not kept
				return err
			}
		}
		s.record(&backend.StreamRecord{Kind: backend.StreamRecConsumer, GroupName: name, Consumer: c})
		if err := s.consumerPEL(pel, cname); err != nil {
			return err
		}
	}
	for i := range pel {
		if !pel[i].owned {
			return corrupt("stream PEL entry without a consumer")
		}
		s.record(&backend.StreamRecord{Kind: backend.StreamRecPending, GroupName: name, Pending: pel[i].p})
	}
	return nil
}

// consumerPEL reads a consumer's PEL: ids of the group's PEL, which it
// takes.
func (s *streamReader) consumerPEL(pel []pelEntry, name []byte) error {
	r := s.r
	n, err := r.ReadLen()
	if err != nil {
		return err
	}
	if n > uint64(len(pel)) {
		return corrupt("stream consumer PEL larger than its group's")
	}
	var raw [backend.StreamIDLen]byte
	for range n {
		if err := r.ReadFull(raw[:]); err != nil {
			return noEOF(err)
		}
		id := backend.StreamIDFromBinary(raw[:])
		i := sort.Search(len(pel), func(i int) bool { return pel[i].p.ID.Compare(id) >= 0 })
		if i == len(pel) || pel[i].p.ID != id {
			return corrupt("stream consumer PEL entry not in its group's PEL")
		}
		if pel[i].owned {
			return corrupt("stream PEL entry owned twice")
		}
		pel[i].owned, pel[i].p.Consumer = true, name
	}
	return nil
}

// estimateEntriesRead is Redis 7.0's streamEstimateDistanceFromFirstEverEntry
// for a group loaded from a Redis 5/6 stream (no tombstones known).
func estimateEntriesRead(m backend.StreamMeta, length int64, id backend.StreamID) int64 {
	switch {
	case m.EntriesAdded == 0:
		return 0
	case length == 0 && id.Compare(m.LastID) <= 0:
		return m.EntriesAdded
	case id == m.LastID:
		return m.EntriesAdded
	case id.Compare(m.LastID) > 0:
		return -1
	}
	switch c := id.Compare(m.FirstID); {
	case c < 0:
		return m.EntriesAdded - length
	case c == 0:
		return m.EntriesAdded - length + 1
	}
	return -1
}
