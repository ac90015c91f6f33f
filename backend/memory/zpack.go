package memory

import (
	"encoding/binary"
	"math"
	"slices"
	"sort"
	"unsafe"

	"redpool/backend"
)

// Small sorted sets are packed, as Redis packs them in a listpack: all
// their elements in one byte slice, in (score, member) order,
//
//	+--------+-------+------+   +------+-------+--------+   +-----
//	| length | count |  entry 0                          |   entry 1 ...
//	| 2 B LE |  1 B  | head | score | member |
//	+--------+-------+------+-------+--------+-----
//
// where head's low 7 bits are the member's length (at most
// zpackMaxBytes) and its high bit tells the score's form: clear, a
// zig-zag varint of an integer score (|score| < 2^53, not -0: one byte
// for -64..63, two up to ±8191); set, the 8 bytes of the float64, little
// endian. length is the slice's length, header included. A sorted set of
// 10 members of 3 bytes scored 0..9 takes 3 + 10 × 5 = 53 bytes, one
// allocation of 64 with no pointers in it, where the tree form takes
// about 1,000 bytes in 16 allocations.
//
// The key's collection is a *zpack, a pointer to the slice's first byte:
// the slice needs no header of its own (length is in its first bytes), so
// a packed sorted set is one allocation. The slice is never modified:
// every change builds a new one (a set this small is copied in well
// under a microsecond), so members handed out (their bytes alias it) stay
// valid and unchanged as long as they are referenced, and a clone is the
// same pointer.
//
// A sorted set is converted to the tree form (zsetObj) for good when it
// would have more than zpackMaxEntries elements or a member longer than
// zpackMaxBytes, as Redis converts a listpack to a skiplist; a ZADD that
// creates a key with more pairs than that builds the tree directly. The
// encoding OBJECT ENCODING reports does not depend on this one: it is
// computed from the elements with Redis's own thresholds
// (backend.TypeInfo's Encoding). zpackMaxBytes is Redis's
// zset-max-listpack-value; zpackMaxEntries is a quarter of its
// zset-max-listpack-entries, for the same reason as packedMaxEntries
// (a write copies the whole slice), and measured in docs/memory.md.
const (
	zpackMaxEntries = 32
	zpackMaxBytes   = 64
	zpackHeader     = 3
	zpackFloat      = 0x80 // head's flag: an 8-byte float64 score
	zpackOverhead   = 16   // Stats.UsedBytes beyond the slice's length: its rounding to a size class
	zscoreMaxLen    = 24   // the longest score backend.AppendScore writes
)

// zpack is the first byte of a packed sorted set's slice (see above); a
// *zpack is the collection.
type zpack byte

// bytes returns the packed slice.
func (p *zpack) bytes() []byte {
	h := unsafe.Slice((*byte)(p), zpackHeader)
	return unsafe.Slice((*byte)(p), int(binary.LittleEndian.Uint16(h)))
}

// len returns the number of elements.
func (p *zpack) len() int { return int(unsafe.Slice((*byte)(p), zpackHeader)[2]) }

// zpackInt reports whether s is stored as an integer: exactly, and not -0.
func zpackInt(s float64) bool {
	return s == math.Trunc(s) && math.Abs(s) < 1<<53 && (s != 0 || !math.Signbit(s))
}

// zpackEntrySize is the size of the entry of x.
func zpackEntrySize(x zelem) int {
	n := 1 + len(x.member)
	if zpackInt(x.score) {
		return n + varintLen(int64(x.score))
	}
	return n + 8
}

// varintLen is the length of v as binary.AppendVarint writes it.
func varintLen(v int64) int {
	u := uint64(v) << 1
	if v < 0 {
		u = ^u
	}
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}

// zpackEncode returns a new packed sorted set of es, which are in zless
// order, at most zpackMaxEntries, with members of at most zpackMaxBytes.
// It copies the members.
func zpackEncode(es []zelem) *zpack {
	n := zpackHeader
	for _, x := range es {
		n += zpackEntrySize(x)
	}
	b := make([]byte, zpackHeader, n)
	for _, x := range es {
		b = zpackAppend(b, x)
	}
	zpackSetHeader(b, len(es))
	return (*zpack)(&b[0])
}

// zpackSetHeader writes the header of b, a packed set of n elements.
func zpackSetHeader(b []byte, n int) {
	binary.LittleEndian.PutUint16(b, uint16(len(b)))
	b[2] = byte(n)
}

// zpackAppend appends the entry of x to b.
func zpackAppend(b []byte, x zelem) []byte {
	if zpackInt(x.score) {
		b = append(b, byte(len(x.member)))
		b = binary.AppendVarint(b, int64(x.score))
	} else {
		b = append(b, byte(len(x.member))|zpackFloat)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x.score))
	}
	return append(b, x.member...)
}

// zpackAt decodes the entry at offset off of b and returns it and the
// offset of the next entry. The member aliases b.
func zpackAt(b []byte, off int) (zelem, int) {
	h := b[off]
	off++
	var s float64
	switch c := b[off]; {
	case h&zpackFloat != 0:
		s = math.Float64frombits(binary.LittleEndian.Uint64(b[off:]))
		off += 8
	case c < 0x80: // one byte: -64..63
		s = float64(int64(c>>1) ^ -int64(c&1))
		off++
	default:
		v, n := binary.Varint(b[off:])
		s = float64(v)
		off += n
	}
	l := int(h &^ zpackFloat)
	if l == 0 {
		return zelem{score: s}, off
	}
	return zelem{member: unsafe.String(&b[off], l), score: s}, off + l
}

// zpackMember returns the offset of the member of the entry at off, and
// its length.
func zpackMember(b []byte, off int) (int, int) {
	h := b[off]
	off++
	if h&zpackFloat != 0 {
		off += 8
	} else {
		for b[off] >= 0x80 {
			off++
		}
		off++
	}
	return off, int(h &^ zpackFloat)
}

// zpackNext returns the offset of the entry after the one at off.
func zpackNext(b []byte, off int) int {
	m, l := zpackMember(b, off)
	return m + l
}

// elems appends the elements to dst, in order; their members alias p.
func (p *zpack) elems(dst []zelem) []zelem {
	b := p.bytes()
	for off := zpackHeader; off < len(b); {
		var x zelem
		x, off = zpackAt(b, off)
		dst = append(dst, x)
	}
	return dst
}

// find returns member's score and rank, walking the entries without
// decoding the scores of the others.
func (p *zpack) find(member []byte) (score float64, rank int, ok bool) {
	off, _, rank, ok := p.locate(member)
	if !ok {
		return 0, 0, false
	}
	x, _ := zpackAt(p.bytes(), off)
	return x.score, rank, true
}

// locate returns the offsets of the start and end of member's entry, and
// its rank.
func (p *zpack) locate(member []byte) (off, end, rank int, ok bool) {
	b := p.bytes()
	for off := zpackHeader; off < len(b); rank++ {
		m, l := zpackMember(b, off)
		if l == len(member) && string(b[m:m+l]) == string(member) {
			return off, m + l, rank, true
		}
		off = m + l
	}
	return 0, 0, 0, false
}

// splice returns a new packed set: p's without the entry at [del, delEnd)
// (none if del < 0) and with x added if not nil (its member is not in
// the set once the entry is removed). It copies x's member.
func (p *zpack) splice(del, delEnd int, x *zelem) *zpack {
	b := p.bytes()
	n, size := p.len(), len(b)
	if del < 0 {
		del, delEnd = len(b), len(b)
	} else {
		n, size = n-1, size-(delEnd-del)
	}
	if x == nil {
		nb := make([]byte, 0, size)
		nb = append(append(nb, b[:del]...), b[delEnd:]...)
		zpackSetHeader(nb, n)
		return (*zpack)(&nb[0])
	}
	ins := len(b) // x goes before the first other entry above it
	for off := zpackHeader; off < len(b); {
		if off == del {
			off = delEnd
			continue
		}
		y, next := zpackAt(b, off)
		if zless(*x, y) {
			ins = off
			break
		}
		off = next
	}
	nb := make([]byte, 0, size+zpackEntrySize(*x))
	if ins <= del {
		nb = zpackAppend(append(nb, b[:ins]...), *x)
		nb = append(append(nb, b[ins:del]...), b[delEnd:]...)
	} else {
		nb = append(append(nb, b[:del]...), b[delEnd:ins]...)
		nb = append(zpackAppend(nb, *x), b[ins:]...)
	}
	zpackSetHeader(nb, n+1)
	return (*zpack)(&nb[0])
}

// size implements collection.
func (p *zpack) size() int64 { return int64(len(p.bytes())) + zpackOverhead }

// clone implements collection: p itself, which is never modified.
func (p *zpack) clone() collection { return p }

// appendItems implements collection: score, member, ..., in order.
func (p *zpack) appendItems(dst [][]byte) [][]byte {
	var q zseq
	p.seq(&q)
	return q.appendItems(dst)
}

// zpackable reports whether member may be stored packed.
func zpackable(member []byte) bool { return len(member) <= zpackMaxBytes }

// zpackIndex returns the index of member in es, or -1.
func zpackIndex(es []zelem, member []byte) int {
	for i := range es {
		if es[i].member == string(member) {
			return i
		}
	}
	return -1
}

// zpackInsert inserts x into es, which is in zless order and has not x's
// member.
func zpackInsert(es []zelem, x zelem) []zelem {
	i := sort.Search(len(es), func(i int) bool { return zless(x, es[i]) })
	return slices.Insert(es, i, x)
}

// zfromElems returns the tree form of es (in zless order), copying the
// members, with room for extra more.
func zfromElems(es []zelem, extra int) *zsetObj {
	z := newZSet(len(es) + extra)
	for _, x := range es {
		z.insert(bytesOf(x.member), x.score)
	}
	return z
}

// zaddPacked applies ZADD's pairs under flags to es, the elements of a
// packed sorted set in order (their members alias the packed slice or the
// pairs), counting in res. It returns the new elements and whether they
// changed, or, once the set outgrows the packed form, its tree form with
// the rest of the pairs applied (z non-nil, es unused).
func zaddPacked(es []zelem, flags backend.ZAddFlags, pairs []backend.ScoredMember, res *backend.ZAddResult) (_ []zelem, z *zsetObj, changed bool, err error) {
	for k, p := range pairs {
		i := zpackIndex(es, p.Member)
		adds := i < 0 && flags&backend.ZAddXX == 0
		if adds && (len(es) == zpackMaxEntries || !zpackable(p.Member)) {
			z = zfromElems(es, len(pairs)-k)
			for _, p := range pairs[k:] {
				if err := zadd(z, nil, flags, p, res); err != nil {
					return nil, nil, false, err // only with ZAddIncr: nothing changed
				}
			}
			return nil, z, true, nil
		}
		var cur float64
		if i >= 0 {
			cur = es[i].score
		}
		s, do, err := zaddApply(flags, p, cur, i >= 0, res)
		if err != nil {
			return es, nil, false, err
		}
		if !do {
			continue
		}
		changed = true
		x := zelem{member: unsafe.String(unsafe.SliceData(p.Member), len(p.Member)), score: s}
		if i >= 0 {
			x.member = es[i].member
			es = slices.Delete(es, i, i+1)
		}
		es = zpackInsert(es, x)
	}
	return es, nil, changed, nil
}

// zaddSplice applies ZADD's one pair under flags to p, the packed set of
// w's entry, counting in res, and reports true, unless the pair would
// make p outgrow the packed form: then it does nothing and reports false.
// The one change it makes is one splice of p's bytes. An error (only
// with ZAddIncr) changes nothing.
func zaddSplice(p *zpack, w *zwriter, flags backend.ZAddFlags, pr backend.ScoredMember, res *backend.ZAddResult) (bool, error) {
	off, end, _, found := p.locate(pr.Member)
	if !found && flags&backend.ZAddXX == 0 && (p.len() == zpackMaxEntries || !zpackable(pr.Member)) {
		return false, nil
	}
	var cur float64
	if found {
		x, _ := zpackAt(p.bytes(), off)
		cur = x.score
	} else {
		off = -1
	}
	s, do, err := zaddApply(flags, pr, cur, found, res)
	if err != nil || !do {
		return true, err
	}
	x := zelem{member: unsafe.String(unsafe.SliceData(pr.Member), len(pr.Member)), score: s}
	w.set(p.splice(off, end, &x))
	w.done()
	return true, nil
}

// zseq is the elements of a sorted set in order, for reading and for
// removing ranges: the tree form's tree, or the packed form's slice with
// the offsets of its entries, whose elements are decoded as they are
// visited. It lives on its user's stack (its methods take a pointer, and
// the offsets are inline, so that they do not escape with the tree's).
type zseq struct {
	t       *ztree       // the tree form, or nil
	b       []byte       // the packed form's slice, when t is nil
	n       int          // the packed form's number of elements
	indexed bool         // offs is filled (see off)
	offs    zpackOffsets // offs[i] is the offset of entry i in b, offs[n] len(b)
}

// zpackOffsets holds the offsets of a packed set's entries and its end.
type zpackOffsets [zpackMaxEntries + 1]uint16

// zseq sets q to the elements of e's sorted set.
func (e *entry) zseq(q *zseq) {
	if p, ok := e.coll.(*zpack); ok {
		p.seq(q)
		return
	}
	q.t = &e.coll.(*zsetObj).tree
}

// seq sets q to p's elements.
func (p *zpack) seq(q *zseq) {
	q.t, q.b, q.n, q.indexed = nil, p.bytes(), p.len(), false
}

// off returns the offset of the packed entry of rank i (0 <= i <= n; n:
// the end), finding the offsets of all on the first call.
func (q *zseq) off(i int) int {
	if i == 0 {
		return zpackHeader
	}
	if !q.indexed {
		for k, off := 0, zpackHeader; k < q.n; k++ {
			q.offs[k] = uint16(off)
			off = zpackNext(q.b, off)
		}
		q.offs[q.n] = uint16(len(q.b))
		q.indexed = true
	}
	return int(q.offs[i])
}

// at returns the packed element of rank i.
func (q *zseq) at(i int) zelem {
	x, _ := zpackAt(q.b, q.off(i))
	return x
}

func (q *zseq) len() int {
	if q.t != nil {
		return q.t.len()
	}
	return q.n
}

// count returns the number of leading elements for which pred holds (see
// ztree.count).
func (q *zseq) count(pred func(zelem) bool) int {
	if q.t != nil {
		return q.t.count(pred)
	}
	// A binary search, as the tree's (a walk would do for a score bound,
	// but not for a lex bound on unequal scores, where pred holds for no
	// prefix and the forms must still agree).
	return sort.Search(q.n, func(i int) bool { return !pred(q.at(i)) })
}

// ascend calls fn for the elements from rank from on, in order, until fn
// returns false.
func (q *zseq) ascend(from int, fn func(zelem) bool) {
	if q.t != nil {
		q.t.ascend(from, fn)
		return
	}
	for off := q.off(min(from, q.n)); off < len(q.b); {
		var x zelem
		x, off = zpackAt(q.b, off)
		if !fn(x) {
			return
		}
	}
}

// descend calls fn for the elements from rank from down to rank 0, until
// fn returns false.
func (q *zseq) descend(from int, fn func(zelem) bool) {
	if q.t != nil {
		q.t.descend(from, fn)
		return
	}
	for i := min(from, q.n-1); i >= 0; i-- {
		if !fn(q.at(i)) {
			return
		}
	}
}

// ascendScore calls fn for the elements from the first whose score is not
// below min (above it, if excl) on, until fn returns false.
func (q *zseq) ascendScore(min float64, excl bool, fn func(zelem) bool) {
	if q.t != nil {
		q.t.ascendScore(min, excl, fn)
		return
	}
	q.ascend(q.count(func(x zelem) bool { return x.score < min || excl && x.score == min }), fn)
}

// cut returns the packed set of q without the elements of ranks [lo, hi).
func (q *zseq) cut(lo, hi int) *zpack {
	from, to := q.off(lo), q.off(hi)
	b := make([]byte, 0, len(q.b)-(to-from))
	b = append(append(b, q.b[:from]...), q.b[to:]...)
	zpackSetHeader(b, q.n-(hi-lo))
	return (*zpack)(&b[0])
}

// appendItems appends score, member, ... in order (see
// collection.appendItems). The members alias the set; each score gets its
// own bytes, in an append-only arena (a full one is replaced, never
// written again) sized for the scores left, so that a small set's takes
// little.
func (q *zseq) appendItems(dst [][]byte) [][]byte {
	var arena []byte
	left := q.len()
	q.ascend(0, func(e zelem) bool {
		if cap(arena)-len(arena) < zscoreMaxLen {
			arena = make([]byte, 0, min(4096, left*zscoreMaxLen))
		}
		left--
		start := len(arena)
		arena = backend.AppendScore(arena, e.score)
		dst = append(dst, arena[start:len(arena):len(arena)], bytesOf(e.member))
		return true
	})
	return dst
}
