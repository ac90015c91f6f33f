package memory

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"sort"

	"redpool/backend"
)

// Approximate costs of a stream's parts for Stats.UsedBytes, beyond the
// bytes they hold.
const (
	streamOverhead    = 160 // the streamObj and its node slice header
	snodeOverhead     = 144 // a node: its struct, its slot, its slices' headers and allocations rounded up
	sentSize          = 4   // an entry's offset in its node
	sgroupOverhead    = 160 // a group: its struct, slot and tree root
	sconsumerOverhead = 96  // a consumer: its struct, slot and tree root
	spendingOverhead  = 96  // a PEL entry: its item in the group's tree and in its consumer's
)

// streamObj is a stream (backend.TypeStream).
//
// Entries live in nodes (snode), as in Redis's listpack nodes: nodes is a
// slice of node pointers in master order, of which nodes[head:] are live,
// so that trimming from the head is O(1) amortised (the slice is compacted
// when half of it is dead) and appending to the tail is O(1). A node is
// found by a binary search over the masters, an entry by a binary search
// in its node, so the costs are:
//
//   - XAppend: O(1) amortised (a new node: O(1) amortised too);
//   - XRange from an id, XDelete, XRemoveNode: O(log n) to find the
//     place, then O(m) for m entries; removing a node other than the
//     first or last moves the node pointers after it (O(nodes), 8 bytes
//     each: n/100 pointers with Redis's default 100 entries per node);
//   - clone: O(nodes + groups): the slices of nodes and groups are
//     copied, the nodes and groups themselves are shared (see tok); the
//     first write to a shared node copies it (O(node)), the first write
//     to a shared group copies it with its consumers and PELs
//     (O(consumers + pending)).
//
// Inside a node, entries are compact, much as in Redis's listpacks: they
// are encoded back to back in one byte slice (flags, the id as varints
// relative to the master, the fields: only the values when the names are
// the master's), and a slice of 4-byte offsets finds entry j for the
// binary search. A deleted entry stays in its node, flagged, until the
// node is removed (Live and Total of backend.StreamNode). A new node's
// slices are sized after the previous node's, and the previous node is
// trimmed of its spare capacity, so that the heap holds little more than
// the encoded entries (see TestStreamMemoryPerEntry).
//
// Groups are a slice in name order, each with its PEL (an idtree of
// pending entries, id order) and its consumers in name order, each with
// its own PEL (an idtree of ids); a pending entry names its consumer.
//
// Nodes and groups are shared between a stream and its clones: one may be
// written in place only by the stream whose tok it carries, and clone
// gives both the clone and the original a fresh tok, so each copies a node
// or group (own, ownGroup) before its first write to it. Field bytes are
// never written once appended, so values handed out stay valid.
type streamObj struct {
	nodes  []*snode
	head   int
	length int64 // live entries

	lastID, firstID, maxDelID backend.StreamID
	entriesAdded              int64

	groups []*sgroup // by name
	bytes  int64     // accounted bytes beyond streamOverhead
	tok    *int      // the nodes and groups carrying it are this stream's own
}

// snode is a node of entries: see streamObj.
type snode struct {
	master              backend.StreamID
	mfields             [][]byte // the master entry's field names; never modified
	last                backend.StreamID
	live, total, ebytes int64
	offs                []uint32 // entry j starts at data[offs[j]]
	data                []byte   // the entries (see appendEntry)
	tok                 *int
}

// Entry flags, the first byte of an entry.
const (
	sentDeleted = 1 << iota
	sentSame    // only the values are encoded: the names are the master's
)

// sgroup is a consumer group.
type sgroup struct {
	tok         *int // see streamObj
	name        string
	lastID      backend.StreamID
	entriesRead int64
	pel         idtree[spending]
	consumers   []*sconsumer // by name
}

// spending is a PEL entry of a group; consumer is its owner's name (the
// consumer's own string).
type spending struct {
	consumer string
	time     int64
	count    int64
}

// sconsumer is a consumer of a group, with the ids of its PEL.
type sconsumer struct {
	name string
	seen int64
	pel  idtree[struct{}]
}

// errStreamEntry: XAppend without field/value pairs, or with an id not
// above the last entry's (both are the caller's bugs).
var errStreamEntry = errors.New("memory: a stream entry needs field/value pairs and an id above the last one")

func newStream() *streamObj { return &streamObj{tok: new(int)} }

// stream returns the stream of e, which is a TypeStream entry.
func (e *entry) stream() *streamObj { return e.coll.(*streamObj) }

// size implements collection.
func (s *streamObj) size() int64 { return streamOverhead + s.bytes }

// clone implements collection. See streamObj for what it shares. It
// gives s a new tok too (a field the snapshot reader never reads).
func (s *streamObj) clone() collection {
	c := *s
	c.nodes = slices.Clone(s.nodes[s.head:])
	c.head = 0
	c.tok, s.tok = new(int), new(int)
	c.groups = slices.Clone(s.groups)
	return &c
}

// ownGroup returns group i, copying it (with its consumers and PELs)
// first if s does not own it.
func (s *streamObj) ownGroup(i int) *sgroup {
	g := s.groups[i]
	if g.tok == s.tok {
		return g
	}
	ng := *g
	ng.tok = s.tok
	ng.pel = g.pel.clone()
	ng.consumers = make([]*sconsumer, len(g.consumers))
	for j, cs := range g.consumers {
		ncs := *cs
		ncs.pel = cs.pel.clone()
		ng.consumers[j] = &ncs
	}
	s.groups[i] = &ng
	return &ng
}

// appendItems implements collection: the records of backend's
// readStream (see backend.StreamRecord). The records are encoded in an
// append-only arena (a full one is replaced, never written again); entry
// fields and names are decoded from s.
func (s *streamObj) appendItems(dst [][]byte) [][]byte {
	var arena []byte
	var r backend.StreamRecord
	add := func() {
		if cap(arena)-len(arena) < 256 {
			arena = make([]byte, 0, 16<<10)
		}
		start := len(arena)
		arena = backend.AppendStreamRecord(arena, &r)
		dst = append(dst, arena[start:len(arena):len(arena)])
	}
	r = backend.StreamRecord{Kind: backend.StreamRecMeta, Meta: s.meta()}
	add()
	var buf [][]byte
	for _, n := range s.nodes[s.head:] {
		start := true
		for j := range n.offs {
			id, flags, rest := n.entry(j)
			if flags&sentDeleted != 0 {
				continue
			}
			buf = n.fields(flags, rest, buf[:0])
			r = backend.StreamRecord{Kind: backend.StreamRecEntry, ID: id, Fields: buf, StartNode: start}
			add()
			start = false
		}
	}
	for _, g := range s.groups {
		r = backend.StreamRecord{Kind: backend.StreamRecGroup, Group: g.info()}
		add()
		name := bytesOf(g.name)
		for _, c := range g.consumers {
			r = backend.StreamRecord{Kind: backend.StreamRecConsumer, GroupName: name, Consumer: c.info()}
			add()
		}
		g.pel.ascend(backend.StreamID{}, func(id backend.StreamID, p spending) bool {
			r = backend.StreamRecord{Kind: backend.StreamRecPending, GroupName: name, Pending: p.info(id)}
			add()
			return true
		})
	}
	return dst
}

// meta returns the header.
func (s *streamObj) meta() backend.StreamMeta {
	return backend.StreamMeta{
		Length: s.length, Nodes: int64(len(s.nodes) - s.head), Groups: int64(len(s.groups)),
		LastID: s.lastID, FirstID: s.firstID, MaxDeletedID: s.maxDelID, EntriesAdded: s.entriesAdded,
	}
}

func (g *sgroup) info() backend.StreamGroup {
	return backend.StreamGroup{
		Name: bytesOf(g.name), LastID: g.lastID, EntriesRead: g.entriesRead,
		Pending: int64(g.pel.len()), Consumers: int64(len(g.consumers)),
	}
}

func (c *sconsumer) info() backend.StreamConsumer {
	return backend.StreamConsumer{Name: bytesOf(c.name), SeenTime: c.seen, Pending: int64(c.pel.len())}
}

func (p spending) info(id backend.StreamID) backend.StreamPending {
	return backend.StreamPending{ID: id, Consumer: bytesOf(p.consumer), DeliveryTime: p.time, DeliveryCount: p.count}
}

// --- nodes ---

func (n *snode) info() backend.StreamNode {
	return backend.StreamNode{
		Master: n.master, MasterFields: n.mfields, Last: n.last,
		Live: n.live, Total: n.total, EntriesBytes: n.ebytes,
	}
}

// bytes is the node's accounted size.
func (n *snode) bytes() int64 {
	b := int64(snodeOverhead + len(n.offs)*sentSize + len(n.data))
	for _, f := range n.mfields {
		b += int64(len(f)) + 24
	}
	return b
}

// entry decodes entry j: its id, its flags and the bytes of its fields
// (and of the entries after it).
func (n *snode) entry(j int) (backend.StreamID, byte, []byte) {
	d := n.data[n.offs[j]:]
	flags := d[0]
	dms, k := binary.Uvarint(d[1:])
	d = d[1+k:]
	seq, k := binary.Uvarint(d)
	return backend.StreamID{Ms: n.master.Ms + dms, Seq: seq}, flags, d[k:]
}

// id returns the id of entry j.
func (n *snode) id(j int) backend.StreamID {
	id, _, _ := n.entry(j)
	return id
}

// seek returns the position of the first entry with an id >= id.
func (n *snode) seek(id backend.StreamID) int {
	return sort.Search(len(n.offs), func(i int) bool { return n.id(i).Compare(id) >= 0 })
}

// fields appends the fields (field, value, ...) of the entry whose flags
// and field bytes entry returned to buf. The names of a same-fields
// entry are the master's; the rest point into data.
func (n *snode) fields(flags byte, d []byte, buf [][]byte) [][]byte {
	next := func() []byte {
		l, k := binary.Uvarint(d)
		v := d[k : k+int(l) : k+int(l)]
		d = d[k+int(l):]
		return v
	}
	if flags&sentSame != 0 {
		for _, f := range n.mfields {
			buf = append(buf, f, next())
		}
		return buf
	}
	c, k := binary.Uvarint(d)
	d = d[k:]
	for range c {
		buf = append(buf, next())
	}
	return buf
}

// appendEntry adds an entry to the node, which s owns, and returns the
// bytes it added. An entry is its flags, the ms difference from the
// master and the seq (uvarints), then the values (uvarint length and
// bytes each) when the names are the master's, else the field count and
// every field and value.
func (n *snode) appendEntry(id backend.StreamID, fields [][]byte, cost int64) int64 {
	off := len(n.data)
	same := backend.StreamSameFields(n.mfields, fields)
	flags := byte(0)
	if same {
		flags = sentSame
	}
	n.data = append(n.data, flags)
	n.data = binary.AppendUvarint(n.data, id.Ms-n.master.Ms)
	n.data = binary.AppendUvarint(n.data, id.Seq)
	if same {
		for i := 1; i < len(fields); i += 2 {
			n.data = binary.AppendUvarint(n.data, uint64(len(fields[i])))
			n.data = append(n.data, fields[i]...)
		}
	} else {
		n.data = binary.AppendUvarint(n.data, uint64(len(fields)))
		for _, f := range fields {
			n.data = binary.AppendUvarint(n.data, uint64(len(f)))
			n.data = append(n.data, f...)
		}
	}
	n.offs = append(n.offs, uint32(off))
	n.last = id
	n.live++
	n.total++
	n.ebytes += cost
	return int64(sentSize + len(n.data) - off)
}

// seal trims the spare capacity of a node that has stopped growing (the
// tail when a new node starts), if s owns it and the spare is worth a copy.
func (s *streamObj) seal(n *snode) {
	if n.tok != s.tok {
		return
	}
	if cap(n.offs)-len(n.offs) > len(n.offs)/8 {
		n.offs = slices.Clone(n.offs)
	}
	if cap(n.data)-len(n.data) > len(n.data)/8 {
		n.data = slices.Clone(n.data)
	}
}

// own returns node i (an index of nodes), copying it first if s does not
// own it.
func (s *streamObj) own(i int) *snode {
	n := s.nodes[i]
	if n.tok != s.tok {
		c := *n
		c.offs = slices.Clone(n.offs)
		c.data = slices.Clone(n.data)
		c.tok = s.tok
		s.nodes[i] = &c
		n = &c
	}
	return n
}

// nodeFor returns the index of the last node whose master is <= id (the
// first node if there is none); s has nodes.
func (s *streamObj) nodeFor(id backend.StreamID) int {
	live := s.nodes[s.head:]
	k := sort.Search(len(live), func(i int) bool { return live[i].master.Compare(id) > 0 })
	return s.head + max(k-1, 0)
}

// find returns the node index and entry position of the live entry id.
func (s *streamObj) find(id backend.StreamID) (int, int, bool) {
	if s.head == len(s.nodes) {
		return 0, 0, false
	}
	i := s.nodeFor(id)
	n := s.nodes[i]
	j := n.seek(id)
	if j < len(n.offs) {
		if eid, flags, _ := n.entry(j); eid == id && flags&sentDeleted == 0 {
			return i, j, true
		}
	}
	return 0, 0, false
}

// tail returns the last node, nil if none.
func (s *streamObj) tail() *snode {
	if s.head == len(s.nodes) {
		return nil
	}
	return s.nodes[len(s.nodes)-1]
}

// removeNode removes node i with its entries.
func (s *streamObj) removeNode(i int) {
	n := s.nodes[i]
	s.bytes -= n.bytes()
	s.length -= n.live
	last := len(s.nodes) - 1
	switch {
	case i == s.head:
		s.nodes[i] = nil
		s.head++
		if s.head == len(s.nodes) {
			s.nodes, s.head = s.nodes[:0], 0
		} else if s.head >= 16 && s.head >= len(s.nodes)/2 {
			k := copy(s.nodes, s.nodes[s.head:])
			clear(s.nodes[k:])
			s.nodes, s.head = s.nodes[:k], 0
		}
	default:
		copy(s.nodes[i:], s.nodes[i+1:])
		s.nodes[last] = nil
		s.nodes = s.nodes[:last]
	}
	if c := cap(s.nodes); c > 64 && len(s.nodes) < c/4 {
		s.nodes = append(make([]*snode, 0, c/2), s.nodes[s.head:]...)
		s.head = 0
	}
}

// --- groups ---

// group returns the position of group name and whether it exists.
func (s *streamObj) group(name []byte) (int, bool) {
	i := sort.Search(len(s.groups), func(i int) bool { return s.groups[i].name >= string(name) })
	return i, i < len(s.groups) && s.groups[i].name == string(name)
}

// consumer returns the position of consumer name and whether it exists.
func (g *sgroup) consumer(name []byte) (int, bool) {
	i := sort.Search(len(g.consumers), func(i int) bool { return g.consumers[i].name >= string(name) })
	return i, i < len(g.consumers) && g.consumers[i].name == string(name)
}

// bytes is the accounted size of the group with its consumers and PEL.
func (g *sgroup) bytes() int64 {
	b := int64(sgroupOverhead+len(g.name)) + int64(g.pel.len())*spendingOverhead
	for _, c := range g.consumers {
		b += int64(sconsumerOverhead + len(c.name))
	}
	return b
}

// --- Tx operations ---

// stream returns key's stream entry (nil if missing) or ErrWrongType.
func (t *tx) stream(key []byte) (*shardData, *entry, error) {
	sd, e, err := t.lookup(t.db, key)
	if e != nil && e.typ() != backend.TypeStream {
		return sd, nil, backend.ErrWrongType
	}
	return sd, e, err
}

// xwriter is a stream entry being written: begin makes it writable
// (copying it if a snapshot shares it), done accounts its size change.
type xwriter struct {
	sd     *shardData
	e      *entry
	before int64
}

func (t *tx) xbegin(sd *shardData, e *entry) (xwriter, *streamObj) {
	e = sd.writable(e, t.epoch)
	return xwriter{sd, e, e.size()}, e.stream()
}

func (w xwriter) done() { w.sd.used.Add(w.e.size() - w.before) }

// xcreate returns key's stream entry, creating an empty stream if key is
// missing.
func (t *tx) xcreate(key []byte) (*shardData, *entry, error) {
	if !t.write {
		return nil, nil, backend.ErrReadOnlyTx
	}
	sd, e, err := t.stream(key)
	if err != nil {
		return nil, nil, err
	}
	if e == nil {
		e = &entry{tb: backend.TypeStream, coll: newStream()}
		sd.insert(key, e, t.epoch)
	}
	return sd, e, nil
}

// xgroupW returns key's stream entry for a write to group, which must
// exist (ErrNoSuchGroup).
func (t *tx) xgroupW(key, group []byte) (*shardData, *entry, *sgroup, error) {
	if !t.write {
		return nil, nil, nil, backend.ErrReadOnlyTx
	}
	sd, e, err := t.stream(key)
	if err != nil {
		return nil, nil, nil, err
	}
	if e == nil {
		return nil, nil, nil, backend.ErrNoSuchGroup
	}
	i, ok := e.stream().group(group)
	if !ok {
		return nil, nil, nil, backend.ErrNoSuchGroup
	}
	return sd, e, e.stream().groups[i], nil
}

// xgroupR returns key's group for a read; nil if the key or the group is
// missing.
func (t *tx) xgroupR(key, group []byte) (*sgroup, error) {
	_, e, err := t.stream(key)
	if e == nil {
		return nil, err
	}
	s := e.stream()
	i, ok := s.group(group)
	if !ok {
		return nil, nil
	}
	return s.groups[i], nil
}

// XMeta implements backend.Tx.
func (t *tx) XMeta(key []byte) (backend.StreamMeta, bool, error) {
	_, e, err := t.stream(key)
	if e == nil {
		return backend.StreamMeta{}, false, err
	}
	return e.stream().meta(), true, nil
}

// XSetMeta implements backend.Tx.
func (t *tx) XSetMeta(key []byte, m backend.StreamMeta) error {
	sd, e, err := t.xcreate(key)
	if err != nil {
		return err
	}
	// The header is part of streamOverhead: no size to account.
	s := sd.writable(e, t.epoch).stream()
	s.lastID, s.firstID, s.maxDelID, s.entriesAdded = m.LastID, m.FirstID, m.MaxDeletedID, m.EntriesAdded
	return nil
}

// XAppend implements backend.Tx. fields without a pair, or an id not
// above the last entry's, is an error (nothing changes); so is a node
// whose fields would pass 4 GB (the command layer starts a new node at
// 1 GB, as Redis's lpSafeToAdd).
func (t *tx) XAppend(key []byte, id backend.StreamID, fields [][]byte, newNode bool, cost int64) error {
	if len(fields) < 2 || len(fields)%2 != 0 {
		return errStreamEntry
	}
	if !t.write {
		return backend.ErrReadOnlyTx
	}
	sd, e, err := t.stream(key)
	if err != nil {
		return err
	}
	if e != nil {
		s := e.stream()
		if tl := s.tail(); tl != nil {
			if id.Compare(tl.last) <= 0 {
				return errStreamEntry
			}
			size := int64(len(tl.data)) + 1 + 3*binary.MaxVarintLen64 // flags, id, field count
			for _, f := range fields {
				size += int64(len(f)) + binary.MaxVarintLen64
			}
			if !newNode && size > math.MaxUint32 { // entries start at uint32 offsets
				return backend.ErrTooLarge
			}
		}
	} else if sd, e, err = t.xcreate(key); err != nil {
		return err
	}
	w, s := t.xbegin(sd, e)
	var n *snode
	if tl := s.tail(); newNode || tl == nil {
		var mf [][]byte
		if tl != nil && backend.StreamSameFields(tl.mfields, fields) {
			mf = tl.mfields // never modified: nodes share it
		} else {
			mf = make([][]byte, 0, len(fields)/2)
			for i := 0; i < len(fields); i += 2 {
				mf = append(mf, copyBytes(fields[i]))
			}
		}
		n = &snode{master: id, mfields: mf, tok: s.tok}
		if tl != nil {
			// Nodes tend to be alike: size the new one after the last.
			s.seal(tl)
			n.offs = make([]uint32, 0, len(tl.offs))
			n.data = make([]byte, 0, len(tl.data)+len(tl.data)/16)
		}
		s.nodes = append(s.nodes, n)
		s.bytes += n.bytes()
	} else {
		n = s.own(len(s.nodes) - 1)
	}
	s.bytes += n.appendEntry(id, fields, cost)
	s.length++
	w.done()
	return nil
}

// XRange implements backend.Tx.
func (t *tx) XRange(key []byte, start, end backend.StreamID, rev bool, fn func(id backend.StreamID, fields [][]byte) bool) error {
	_, e, err := t.stream(key)
	if e == nil {
		return err
	}
	s := e.stream()
	if s.head == len(s.nodes) || start.Compare(end) > 0 {
		return nil
	}
	// The fields buffer is the transaction's, taken for the call (fn may
	// call XRange again).
	buf := t.xbuf
	t.xbuf = nil
	defer func() {
		clear(buf) // no references into the stream outlive the call
		t.xbuf = buf[:0]
	}()
	if !rev {
		for i := s.nodeFor(start); i < len(s.nodes) && s.nodes[i].master.Compare(end) <= 0; i++ {
			n := s.nodes[i]
			if !n.walk(n.seek(start), 1, end, &buf, fn) {
				return nil
			}
		}
		return nil
	}
	for i := s.nodeFor(end); i >= s.head && s.nodes[i].last.Compare(start) >= 0; i-- {
		n := s.nodes[i]
		j := sort.Search(len(n.offs), func(k int) bool { return n.id(k).Compare(end) > 0 })
		if !n.walk(j-1, -1, start, &buf, fn) {
			return nil
		}
	}
	return nil
}

// walk calls fn for the live entries of n from position j on, by step (1
// or -1), until one lies beyond bound (above it going up, below it going
// down) or fn returns false; it reports whether the walk may go on to
// the next node. buf is the fields buffer.
func (n *snode) walk(j, step int, bound backend.StreamID, buf *[][]byte, fn func(id backend.StreamID, fields [][]byte) bool) bool {
	for ; j >= 0 && j < len(n.offs); j += step {
		id, flags, rest := n.entry(j)
		if id.Compare(bound)*step > 0 {
			return false
		}
		if flags&sentDeleted != 0 {
			continue
		}
		*buf = n.fields(flags, rest, (*buf)[:0])
		if !fn(id, *buf) {
			return false
		}
	}
	return true
}

// XDelete implements backend.Tx.
func (t *tx) XDelete(key []byte, id backend.StreamID) (bool, error) {
	if !t.write {
		return false, backend.ErrReadOnlyTx
	}
	sd, e, err := t.stream(key)
	if e == nil {
		return false, err
	}
	if _, _, ok := e.stream().find(id); !ok {
		return false, nil
	}
	w, s := t.xbegin(sd, e)
	i, j, _ := s.find(id) // again: a copy's nodes start at 0
	n := s.own(i)
	n.data[n.offs[j]] |= sentDeleted
	n.live--
	s.length--
	if n.live == 0 {
		s.removeNode(i)
	}
	w.done()
	return true, nil
}

// XNodes implements backend.Tx.
func (t *tx) XNodes(key []byte, fn func(n backend.StreamNode) bool) error {
	_, e, err := t.stream(key)
	if e == nil {
		return err
	}
	s := e.stream()
	for _, n := range s.nodes[s.head:] {
		if !fn(n.info()) {
			return nil
		}
	}
	return nil
}

// XTailNode implements backend.Tx.
func (t *tx) XTailNode(key []byte) (backend.StreamNode, bool, error) {
	_, e, err := t.stream(key)
	if e == nil {
		return backend.StreamNode{}, false, err
	}
	n := e.stream().tail()
	if n == nil {
		return backend.StreamNode{}, false, nil
	}
	return n.info(), true, nil
}

// XRemoveNode implements backend.Tx. A master that is no node's removes
// nothing (0).
func (t *tx) XRemoveNode(key []byte, master backend.StreamID) (int64, error) {
	if !t.write {
		return 0, backend.ErrReadOnlyTx
	}
	sd, e, err := t.stream(key)
	if e == nil {
		return 0, err
	}
	s := e.stream()
	if s.head == len(s.nodes) || s.nodes[s.nodeFor(master)].master != master {
		return 0, nil
	}
	w, s := t.xbegin(sd, e)
	i := s.nodeFor(master)
	live := s.nodes[i].live
	s.removeNode(i)
	w.done()
	return live, nil
}

// XGroups implements backend.Tx.
func (t *tx) XGroups(key []byte, fn func(g backend.StreamGroup) bool) error {
	_, e, err := t.stream(key)
	if e == nil {
		return err
	}
	for _, g := range e.stream().groups {
		if !fn(g.info()) {
			return nil
		}
	}
	return nil
}

// XGroup implements backend.Tx.
func (t *tx) XGroup(key, name []byte) (backend.StreamGroup, bool, error) {
	g, err := t.xgroupR(key, name)
	if g == nil {
		return backend.StreamGroup{}, false, err
	}
	return g.info(), true, nil
}

// XSetGroup implements backend.Tx.
func (t *tx) XSetGroup(key []byte, g backend.StreamGroup) (bool, error) {
	if !t.write {
		return false, backend.ErrReadOnlyTx
	}
	sd, e, err := t.stream(key)
	if err != nil {
		return false, err
	}
	if e == nil {
		return false, backend.ErrNoSuchKey
	}
	w, s := t.xbegin(sd, e)
	defer w.done()
	i, ok := s.group(g.Name)
	if ok {
		og := s.ownGroup(i)
		og.lastID, og.entriesRead = g.LastID, g.EntriesRead
		return false, nil
	}
	ng := &sgroup{tok: s.tok, name: string(g.Name), lastID: g.LastID, entriesRead: g.EntriesRead}
	s.groups = slices.Insert(s.groups, i, ng)
	s.bytes += ng.bytes()
	return true, nil
}

// XDelGroup implements backend.Tx. A missing group (or key) is false.
func (t *tx) XDelGroup(key, name []byte) (bool, error) {
	if !t.write {
		return false, backend.ErrReadOnlyTx
	}
	sd, e, err := t.stream(key)
	if e == nil {
		return false, err
	}
	if _, ok := e.stream().group(name); !ok {
		return false, nil
	}
	w, s := t.xbegin(sd, e)
	i, _ := s.group(name)
	s.bytes -= s.groups[i].bytes()
	s.groups = slices.Delete(s.groups, i, i+1)
	w.done()
	return true, nil
}

// XConsumers implements backend.Tx.
func (t *tx) XConsumers(key, group []byte, fn func(c backend.StreamConsumer) bool) error {
	g, err := t.xgroupR(key, group)
	if g == nil {
		return err
	}
	for _, c := range g.consumers {
		if !fn(c.info()) {
			return nil
		}
	}
	return nil
}

// XConsumer implements backend.Tx.
func (t *tx) XConsumer(key, group, name []byte) (backend.StreamConsumer, bool, error) {
	g, err := t.xgroupR(key, group)
	if g == nil {
		return backend.StreamConsumer{}, false, err
	}
	i, ok := g.consumer(name)
	if !ok {
		return backend.StreamConsumer{}, false, nil
	}
	return g.consumers[i].info(), true, nil
}

// xgroupOf returns group name (which exists) of the writable stream s,
// owned by s.
func (s *streamObj) xgroupOf(name []byte) *sgroup {
	i, _ := s.group(name)
	return s.ownGroup(i)
}

// XSetConsumer implements backend.Tx.
func (t *tx) XSetConsumer(key, group []byte, c backend.StreamConsumer) (bool, error) {
	sd, e, _, err := t.xgroupW(key, group)
	if err != nil {
		return false, err
	}
	w, s := t.xbegin(sd, e)
	defer w.done()
	g := s.xgroupOf(group)
	i, ok := g.consumer(c.Name)
	if ok {
		g.consumers[i].seen = c.SeenTime
		return false, nil
	}
	g.consumers = slices.Insert(g.consumers, i, &sconsumer{name: string(c.Name), seen: c.SeenTime})
	s.bytes += int64(sconsumerOverhead + len(c.Name))
	return true, nil
}

// XDelConsumer implements backend.Tx.
func (t *tx) XDelConsumer(key, group, name []byte) (int64, bool, error) {
	sd, e, g, err := t.xgroupW(key, group)
	if err != nil {
		return 0, false, err
	}
	if _, ok := g.consumer(name); !ok {
		return 0, false, nil
	}
	w, s := t.xbegin(sd, e)
	g = s.xgroupOf(group)
	i, _ := g.consumer(name)
	c := g.consumers[i]
	n := c.pel.len()
	c.pel.ascend(backend.StreamID{}, func(id backend.StreamID, _ struct{}) bool {
		g.pel.delete(id)
		return true
	})
	g.consumers = slices.Delete(g.consumers, i, i+1)
	s.bytes -= int64(sconsumerOverhead+len(c.name)) + int64(n)*spendingOverhead
	w.done()
	return int64(n), true, nil
}

// XPending implements backend.Tx.
func (t *tx) XPending(key, group, consumer []byte, start, end backend.StreamID, fn func(p backend.StreamPending) bool) error {
	g, err := t.xgroupR(key, group)
	if g == nil || start.Compare(end) > 0 {
		return err
	}
	if consumer == nil {
		g.pel.ascend(start, func(id backend.StreamID, p spending) bool {
			return id.Compare(end) <= 0 && fn(p.info(id))
		})
		return nil
	}
	i, ok := g.consumer(consumer)
	if !ok {
		return nil
	}
	g.consumers[i].pel.ascend(start, func(id backend.StreamID, _ struct{}) bool {
		if id.Compare(end) > 0 {
			return false
		}
		p, _ := g.pel.get(id)
		return fn(p.info(id))
	})
	return nil
}

// XPendingEntry implements backend.Tx.
func (t *tx) XPendingEntry(key, group []byte, id backend.StreamID) (backend.StreamPending, bool, error) {
	g, err := t.xgroupR(key, group)
	if g == nil {
		return backend.StreamPending{}, false, err
	}
	p, ok := g.pel.get(id)
	if !ok {
		return backend.StreamPending{}, false, nil
	}
	return p.info(id), true, nil
}

// XSetPending implements backend.Tx.
func (t *tx) XSetPending(key, group []byte, p backend.StreamPending) error {
	sd, e, g, err := t.xgroupW(key, group)
	if err != nil {
		return err
	}
	if _, ok := g.consumer(p.Consumer); !ok {
		return backend.ErrNoSuchGroup
	}
	w, s := t.xbegin(sd, e)
	g = s.xgroupOf(group)
	ci, _ := g.consumer(p.Consumer)
	c := g.consumers[ci]
	old, had := g.pel.get(p.ID)
	if had && old.consumer != c.name {
		if oi, ok := g.consumer(bytesOf(old.consumer)); ok {
			g.consumers[oi].pel.delete(p.ID)
		}
	}
	if !had {
		s.bytes += spendingOverhead
	}
	c.pel.set(p.ID, struct{}{})
	g.pel.set(p.ID, spending{consumer: c.name, time: p.DeliveryTime, count: p.DeliveryCount})
	w.done()
	return nil
}

// XAck implements backend.Tx.
func (t *tx) XAck(key, group []byte, id backend.StreamID) (bool, error) {
	sd, e, g, err := t.xgroupW(key, group)
	if err != nil {
		return false, err
	}
	if _, ok := g.pel.get(id); !ok {
		return false, nil
	}
	w, s := t.xbegin(sd, e)
	g = s.xgroupOf(group)
	p, _ := g.pel.delete(id)
	if i, ok := g.consumer(bytesOf(p.consumer)); ok {
		g.consumers[i].pel.delete(id)
	}
	s.bytes -= spendingOverhead
	w.done()
	return true, nil
}
