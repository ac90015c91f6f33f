package memory

import (
	"math"
	"slices"

	"redpool/backend"
)

// Approximate costs of a sorted set for Stats.UsedBytes (see
// zsetObj.size).
const (
	zsetOverhead     = 192     // zsetObj and the tree's root, rounded to their size classes
	hfieldSize       = 16 + 24 // an hfield slot
	zsetElemOverhead = 32 + 8  // a tree element with its node's spare room; the member's allocation rounding
	zsetIdxOverhead  = 64      // an index map entry
)

// zsetObj is a sorted set: a hashObj whose fields are the members, with no
// values (membership is one index lookup, ZScan has HashScan's cursor
// guarantee, a random element is one slice index), their scores in a
// parallel slice, and a counted B+ tree of the elements in score order for
// ranks and ranges (see ztree). The member string of a field and of its
// tree element share their bytes; members are never modified in place, so
// clones share them too.
type zsetObj struct {
	hashObj
	scores []float64 // scores[i] is the score of fields[i]
	tree   ztree
}

// newZSet returns an empty sorted set with room for n elements (those of
// the ZADD that creates it), so that a small set takes no more than it
// needs: append's doubling would leave up to half of its three slices
// unused.
func newZSet(n int) *zsetObj {
	n = min(n, zMax)
	z := &zsetObj{scores: make([]float64, 0, n)}
	z.fields = make([]hfield, 0, n)
	z.tree.root = &znode{elems: make([]zelem, 0, n)}
	return z
}

// len returns the number of elements.
func (z *zsetObj) len() int { return len(z.fields) }

// score returns member's score.
func (z *zsetObj) score(member []byte) (float64, bool) {
	i := z.find(member)
	if i < 0 {
		return 0, false
	}
	return z.scores[i], true
}

// insert adds member, which is not in z, with score.
func (z *zsetObj) insert(member []byte, score float64) {
	z.add(member, nil)
	z.scores = append(z.scores, score)
	z.tree.insert(zelem{member: z.fields[len(z.fields)-1].name, score: score})
}

// update changes the score of the member in field slot i.
func (z *zsetObj) update(i int, score float64) {
	name := z.fields[i].name
	z.tree.remove(zelem{member: name, score: z.scores[i]})
	z.scores[i] = score
	z.tree.insert(zelem{member: name, score: score})
}

// remove deletes member from z and reports whether it was there.
func (z *zsetObj) remove(member []byte) bool {
	i := z.find(member)
	if i < 0 {
		return false
	}
	z.tree.remove(zelem{member: z.fields[i].name, score: z.scores[i]})
	z.delSlot(i)
	return true
}

// delSlot removes field slot i and its score (not the tree element), as
// hashObj.del moves the last field into the hole.
func (z *zsetObj) delSlot(i int) {
	last := len(z.scores) - 1
	z.scores[i] = z.scores[last]
	z.scores = z.scores[:last]
	if c := cap(z.scores); c > 64 && last < c/4 {
		z.scores = slices.Clip(append(make([]float64, 0, c/2), z.scores...))
	}
	z.del(i)
}

// size implements collection: the slots as allocated (a set created by
// one ZADD has no spare room, see newZSet), the member bytes, and per
// element its tree copy with the nodes' spare room, its member's
// allocation rounded up and, past smallHash, its index entry.
func (z *zsetObj) size() int64 {
	n := int64(len(z.fields))
	s := zsetOverhead + z.bytes + int64(cap(z.fields))*hfieldSize + int64(cap(z.scores))*8 + n*zsetElemOverhead
	if z.idx != nil {
		s += n * zsetIdxOverhead
	}
	return s
}

// clone implements collection. It copies the slots, the index and the
// tree's nodes (O(n) copying, O(n/zMax) allocations), as a hash's clone
// copies its slots and index; the members are shared.
func (z *zsetObj) clone() collection {
	return &zsetObj{
		hashObj: *z.hashObj.clone().(*hashObj),
		scores:  slices.Clone(z.scores),
		tree:    ztree{root: z.tree.root.clone()},
	}
}

// appendItems implements collection: score, member, ..., in score order.
func (z *zsetObj) appendItems(dst [][]byte) [][]byte {
	q := zseq{t: &z.tree}
	return q.appendItems(dst)
}

// span returns the ranks [lo, hi), in score order, of the elements r
// selects before its Offset and Count: by rank in r's order, by score, or
// by member bytes (lex).
func (q *zseq) span(r *backend.ZRange) (lo, hi int) {
	n := q.len()
	switch r.By {
	case backend.ZByRank:
		start, stop := int(max(r.Start, 0)), int(min(r.Stop, int64(n)-1))
		if start > stop {
			return 0, 0
		}
		if r.Rev {
			return n - 1 - stop, n - start
		}
		return start, stop + 1
	case backend.ZByScore:
		belowMin := func(e zelem) bool {
			return e.score < r.Min.Value || r.Min.Exclusive && e.score == r.Min.Value
		}
		belowMax := func(e zelem) bool {
			return e.score < r.Max.Value || !r.Max.Exclusive && e.score == r.Max.Value
		}
		if q.t == nil { // packed: both ends in one walk
			for off := zpackHeader; off < len(q.b); {
				var x zelem
				if x, off = zpackAt(q.b, off); !belowMax(x) {
					break
				}
				hi++
				if belowMin(x) {
					lo++
				}
			}
			break
		}
		lo, hi = q.count(belowMin), q.count(belowMax)
	case backend.ZByLex:
		lo = q.lexRank(r.LexMin, true)
		hi = q.lexRank(r.LexMax, false)
	}
	return lo, max(lo, hi)
}

// lexRank returns the number of leading elements below the bound b: the
// low end of a range (min) excludes its own value only if exclusive, the
// high end includes it unless exclusive. As in Redis, it assumes the
// elements are in member order (equal scores).
func (q *zseq) lexRank(b backend.LexBound, min bool) int {
	switch b.Inf {
	case -1:
		return 0
	case 1:
		return q.len()
	}
	v := string(b.Value)
	inclusiveBelow := min == b.Exclusive // the bound's own value counts as below
	return q.count(func(e zelem) bool {
		return e.member < v || inclusiveBelow && e.member == v
	})
}

// window applies r's Offset and Count (by score and lex) to the ranks
// [lo, hi) in r's direction, and returns the ranks to visit: [lo, hi)
// in score order. A negative Offset selects nothing, as in Redis.
func window(r *backend.ZRange, lo, hi int) (int, int) {
	if r.By == backend.ZByRank {
		return lo, hi
	}
	if r.Offset < 0 {
		return lo, lo
	}
	m := int64(hi - lo)
	off := min(r.Offset, m)
	cnt := m - off
	if r.Count >= 0 {
		cnt = min(cnt, r.Count)
	}
	if r.Rev {
		return hi - int(off+cnt), hi - int(off)
	}
	return lo + int(off), lo + int(off+cnt)
}

// removeRange removes the elements of ranks [lo, hi) and calls fn for
// each (nil: no calls) in score order.
func (z *zsetObj) removeRange(lo, hi int, fn func(zelem)) {
	if lo >= hi {
		return
	}
	z.tree.removeRange(lo, hi, func(e zelem) {
		z.delSlot(z.find(bytesOf(e.member)))
		if fn != nil {
			fn(e)
		}
	})
}

// zset returns the sorted set of e, a TypeZSet entry in the tree form.
func (e *entry) zset() *zsetObj { return e.coll.(*zsetObj) }

// zlen returns the number of elements of c, a sorted set in either form.
func zlen(c collection) int {
	if p, ok := c.(*zpack); ok {
		return p.len()
	}
	return c.(*zsetObj).len()
}

// zset returns key's sorted-set entry (nil if missing) or ErrWrongType.
func (t *tx) zset(key []byte) (*shardData, *entry, error) {
	sd, e, err := t.lookup(t.db, key)
	if e != nil && e.typ() != backend.TypeZSet {
		return sd, nil, backend.ErrWrongType
	}
	return sd, e, err
}

// zwriter makes a sorted-set entry writable on its first change: it copies
// the entry if a snapshot shares it, and accounts the size change and
// removes the key left empty in done. Operations that change nothing
// never copy.
type zwriter struct {
	t      *tx
	sd     *shardData
	e      *entry
	w      bool
	before int64
}

// entry returns the writable entry.
func (w *zwriter) entry() *entry {
	if !w.w {
		w.e = w.sd.writable(w.e, w.t.epoch)
		w.before = w.e.size()
		w.w = true
	}
	return w.e
}

// z returns the writable sorted set, which is in the tree form.
func (w *zwriter) z() *zsetObj { return w.entry().zset() }

// set replaces the sorted set by c: a new packed slice, or the tree form
// a packed set became.
func (w *zwriter) set(c collection) { w.entry().coll = c }

// setPacked replaces the sorted set by the packed set of es, the elements
// in order.
func (w *zwriter) setPacked(es []zelem) { w.set(zpackEncode(es)) }

func (w *zwriter) done() {
	if !w.w {
		return
	}
	w.sd.used.Add(w.e.size() - w.before)
	if zlen(w.e.coll) == 0 {
		w.sd.remove(w.e)
	}
}

// ZAdd implements backend.Tx. It copies the members it stores.
func (t *tx) ZAdd(key []byte, flags backend.ZAddFlags, pairs []backend.ScoredMember) (backend.ZAddResult, error) {
	var res backend.ZAddResult
	if !t.write {
		return res, backend.ErrReadOnlyTx
	}
	sd, e, err := t.zset(key)
	if err != nil || len(pairs) == 0 {
		return res, err
	}
	if flags&backend.ZAddIncr != 0 {
		pairs = pairs[:1]
	}
	for _, p := range pairs {
		if math.IsNaN(p.Score) {
			return res, backend.ErrNotANumber
		}
	}
	if e == nil {
		if flags&backend.ZAddXX != 0 {
			if flags&backend.ZAddIncr != 0 {
				res.Score = pairs[0].Score
			}
			return res, nil // nothing to update, and nothing is added
		}
		// A new key's score has nothing to add to: no NaN, no error.
		var c collection
		if len(pairs) <= zpackMaxEntries {
			var buf [zpackMaxEntries]zelem
			es, z, _, _ := zaddPacked(buf[:0], flags, pairs, &res)
			if c = z; z == nil {
				c = zpackEncode(es)
			}
		} else {
			z := newZSet(len(pairs))
			for _, p := range pairs {
				_ = zadd(z, nil, flags, p, &res)
			}
			c = z
		}
		sd.insert(key, &entry{tb: backend.TypeZSet, coll: c}, t.epoch)
		return res, nil
	}
	w := zwriter{t: t, sd: sd, e: e}
	if p, ok := e.coll.(*zpack); ok && len(pairs) == 1 {
		if done, err := zaddSplice(p, &w, flags, pairs[0], &res); done || err != nil {
			return res, err
		}
	}
	if p, ok := e.coll.(*zpack); ok {
		var buf [zpackMaxEntries]zelem
		es, z, changed, err := zaddPacked(p.elems(buf[:0]), flags, pairs, &res)
		if err != nil || !changed {
			return res, err // an error only with ZAddIncr: nothing changed
		}
		if z != nil {
			w.set(z)
		} else {
			w.setPacked(es)
		}
		w.done()
		return res, nil
	}
	for _, p := range pairs {
		if err := zadd(e.zset(), &w, flags, p, &res); err != nil {
			return res, err // only with ZAddIncr: nothing changed
		}
		if w.w {
			e = w.e
		}
	}
	w.done()
	return res, nil
}

// zadd applies one pair of ZADD to z, in the tree form, under flags,
// counting in res. It gets the sorted set to change from w (nil: z
// itself) only when there is a change to make.
func zadd(z *zsetObj, w *zwriter, flags backend.ZAddFlags, p backend.ScoredMember, res *backend.ZAddResult) error {
	i := z.find(p.Member)
	var cur float64
	if i >= 0 {
		cur = z.scores[i]
	}
	s, do, err := zaddApply(flags, p, cur, i >= 0, res)
	if err != nil || !do {
		return err
	}
	if w != nil {
		z = w.z()
	}
	if i < 0 {
		z.insert(p.Member, s)
	} else {
		z.update(i, s)
	}
	return nil
}

// zaddApply decides one pair p of ZADD under flags, for a member that is
// in the set with score cur (exists) or not, and counts it in res. It
// returns the score to store and whether to store it: a new member, or a
// changed score.
func zaddApply(flags backend.ZAddFlags, p backend.ScoredMember, cur float64, exists bool, res *backend.ZAddResult) (float64, bool, error) {
	if !exists {
		res.Score = p.Score
		if flags&backend.ZAddXX != 0 {
			return 0, false, nil
		}
		res.Added++
		res.Applied = true
		return p.Score, true, nil
	}
	res.Score = cur
	if flags&backend.ZAddNX != 0 {
		return 0, false, nil
	}
	s := p.Score
	if flags&backend.ZAddIncr != 0 {
		s += cur
		if math.IsNaN(s) {
			return 0, false, backend.ErrNotANumber
		}
	}
	if flags&backend.ZAddGT != 0 && s <= cur || flags&backend.ZAddLT != 0 && s >= cur {
		return 0, false, nil
	}
	res.Score = s
	res.Applied = true
	if s == cur {
		return 0, false, nil
	}
	res.Updated++
	return s, true, nil
}

// ZRem implements backend.Tx.
func (t *tx) ZRem(key []byte, members [][]byte) (int64, error) {
	if !t.write {
		return 0, backend.ErrReadOnlyTx
	}
	sd, e, err := t.zset(key)
	if e == nil {
		return 0, err
	}
	w := zwriter{t: t, sd: sd, e: e}
	if p, ok := e.coll.(*zpack); ok {
		var n int64
		for _, m := range members {
			if off, end, _, ok := p.locate(m); ok {
				p = p.splice(off, end, nil)
				n++
			}
		}
		if n > 0 {
			w.set(p)
			w.done()
		}
		return n, nil
	}
	var n int64
	for _, m := range members {
		if e.zset().find(m) >= 0 {
			w.z().remove(m)
			e = w.e
			n++
		}
	}
	w.done()
	return n, nil
}

// ZScore implements backend.Tx.
func (t *tx) ZScore(key, member []byte) (float64, bool, error) {
	_, e, err := t.zset(key)
	if e == nil {
		return 0, false, err
	}
	if p, ok := e.coll.(*zpack); ok {
		s, _, ok := p.find(member)
		return s, ok, nil
	}
	s, ok := e.zset().score(member)
	return s, ok, nil
}

// ZLen implements backend.Tx.
func (t *tx) ZLen(key []byte) (int64, error) {
	_, e, err := t.zset(key)
	if e == nil {
		return 0, err
	}
	return int64(zlen(e.coll)), nil
}

// ZRank implements backend.Tx in O(log n) (a walk of the packed form).
func (t *tx) ZRank(key, member []byte, rev bool) (int64, float64, bool, error) {
	_, e, err := t.zset(key)
	if e == nil {
		return 0, 0, false, err
	}
	var r int
	var s float64
	if p, ok := e.coll.(*zpack); ok {
		if s, r, ok = p.find(member); !ok {
			return 0, 0, false, nil
		}
	} else {
		z := e.zset()
		i := z.find(member)
		if i < 0 {
			return 0, 0, false, nil
		}
		x := zelem{member: z.fields[i].name, score: z.scores[i]}
		r = z.tree.count(func(e zelem) bool { return zless(e, x) })
		s = x.score
	}
	if rev {
		r = zlen(e.coll) - 1 - r
	}
	return int64(r), s, true, nil
}

// ZIter implements backend.Tx.
func (t *tx) ZIter(key []byte, fn func(member []byte, score float64) bool) error {
	_, e, err := t.zset(key)
	if e == nil {
		return err
	}
	var q zseq
	e.zseq(&q)
	q.ascend(0, func(x zelem) bool { return fn(bytesOf(x.member), x.score) })
	return nil
}

// ZRange implements backend.Tx in O(log n + m): the tree finds the ranks
// of both ends, then walks the m elements (forward by score from the
// first element on, with no offset, it finds the first and walks).
func (t *tx) ZRange(key []byte, r backend.ZRange, fn func(member []byte, score float64) bool) error {
	_, e, err := t.zset(key)
	if e == nil {
		return err
	}
	var q zseq
	e.zseq(&q)
	if r.By == backend.ZByScore && !r.Rev && r.Offset == 0 {
		// Forward by score from the start of the range (GEOSEARCH's
		// boxes, ZRANGEBYSCORE without an offset): one descent to the
		// first element, then the walk, without the ranks of both ends.
		if r.Count == 0 {
			return nil
		}
		n, max := r.Count, r.Max
		q.ascendScore(r.Min.Value, r.Min.Exclusive, func(x zelem) bool {
			if x.score > max.Value || max.Exclusive && x.score == max.Value {
				return false
			}
			n--
			return fn(bytesOf(x.member), x.score) && n != 0
		})
		return nil
	}
	lo, hi := q.span(&r)
	lo, hi = window(&r, lo, hi)
	if lo >= hi {
		return nil
	}
	n := hi - lo
	visit := func(x zelem) bool {
		n--
		return fn(bytesOf(x.member), x.score) && n > 0
	}
	if r.Rev {
		q.descend(hi-1, visit)
	} else {
		q.ascend(lo, visit)
	}
	return nil
}

// ZCount implements backend.Tx in O(log n).
func (t *tx) ZCount(key []byte, r backend.ZRange) (int64, error) {
	_, e, err := t.zset(key)
	if e == nil {
		return 0, err
	}
	var q zseq
	e.zseq(&q)
	lo, hi := q.span(&r)
	return int64(hi - lo), nil
}

// ZRemRange implements backend.Tx in O(log n + m).
func (t *tx) ZRemRange(key []byte, r backend.ZRange) (int64, error) {
	if !t.write {
		return 0, backend.ErrReadOnlyTx
	}
	sd, e, err := t.zset(key)
	if e == nil {
		return 0, err
	}
	r.Rev = false
	var q zseq
	e.zseq(&q)
	lo, hi := q.span(&r)
	if lo >= hi {
		return 0, nil
	}
	w := zwriter{t: t, sd: sd, e: e}
	if q.t == nil {
		w.set(q.cut(lo, hi))
	} else {
		w.z().removeRange(lo, hi, nil)
	}
	w.done()
	return int64(hi - lo), nil
}

// ZPop implements backend.Tx in O(log n + count). The members passed to fn
// are no longer in the set; their bytes stay valid and unchanged.
func (t *tx) ZPop(key []byte, max bool, count int64, fn func(member []byte, score float64)) error {
	if !t.write {
		return backend.ErrReadOnlyTx
	}
	sd, e, err := t.zset(key)
	if e == nil || count <= 0 {
		return err
	}
	var q zseq
	e.zseq(&q)
	n := q.len()
	lo, hi := 0, int(min(count, int64(n)))
	if max {
		lo, hi = n-hi, n
	}
	w := zwriter{t: t, sd: sd, e: e}
	if q.t != nil && !max {
		w.z().removeRange(lo, hi, func(x zelem) { fn(bytesOf(x.member), x.score) })
		w.done()
		return nil
	}
	left := hi - lo
	visit := func(x zelem) bool {
		fn(bytesOf(x.member), x.score)
		left--
		return left > 0
	}
	if max {
		q.descend(hi-1, visit)
	} else {
		q.ascend(lo, visit)
	}
	if q.t == nil {
		w.set(q.cut(lo, hi))
	} else {
		w.z().removeRange(lo, hi, nil)
	}
	w.done()
	return nil
}

// ZScan implements backend.Tx, as HashScan (see hashObj.scan); a packed
// set comes whole, in order, as a listpack does in Redis.
func (t *tx) ZScan(key []byte, cursor uint64, count int, fn func(member []byte, score float64) error) (uint64, error) {
	_, e, err := t.zset(key)
	if e == nil {
		return 0, err
	}
	if p, ok := e.coll.(*zpack); ok {
		var q zseq
		var err error
		p.seq(&q)
		q.ascend(0, func(x zelem) bool {
			err = fn(bytesOf(x.member), x.score)
			return err == nil
		})
		return 0, err
	}
	z := e.zset()
	return z.scan(cursor, count, func(i int) error { return fn(bytesOf(z.fields[i].name), z.scores[i]) })
}

// ZRandom implements backend.Tx in O(count): the members are a slice, so a
// random element is one index (see backend.Sample).
func (t *tx) ZRandom(key []byte, count int, distinct bool, fn func(member []byte, score float64) error) error {
	_, e, err := t.zset(key)
	if e == nil {
		return err
	}
	if p, ok := e.coll.(*zpack); ok {
		var q zseq
		p.seq(&q)
		return backend.Sample(q.n, count, distinct, func(i int) error {
			x := q.at(i)
			return fn(bytesOf(x.member), x.score)
		})
	}
	z := e.zset()
	return backend.Sample(z.len(), count, distinct, func(i int) error {
		return fn(bytesOf(z.fields[i].name), z.scores[i])
	})
}
