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
// The members alias z; each score gets its own bytes, in an append-only
// arena (a full one is replaced, never written again).
func (z *zsetObj) appendItems(dst [][]byte) [][]byte {
	var arena []byte
	z.tree.ascend(0, func(e zelem) bool {
		if cap(arena)-len(arena) < 32 { // a score takes at most 24 bytes
			arena = make([]byte, 0, 4096)
		}
		start := len(arena)
		arena = backend.AppendScore(arena, e.score)
		dst = append(dst, arena[start:len(arena):len(arena)], bytesOf(e.member))
		return true
	})
	return dst
}

// span returns the ranks [lo, hi), in score order, of the elements r
// selects before its Offset and Count: by rank in r's order, by score, or
// by member bytes (lex).
func (z *zsetObj) span(r *backend.ZRange) (lo, hi int) {
	n := z.len()
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
		lo = z.tree.count(func(e zelem) bool {
			return e.score < r.Min.Value || r.Min.Exclusive && e.score == r.Min.Value
		})
		hi = z.tree.count(func(e zelem) bool {
			return e.score < r.Max.Value || !r.Max.Exclusive && e.score == r.Max.Value
		})
	case backend.ZByLex:
		lo = z.lexRank(r.LexMin, true)
		hi = z.lexRank(r.LexMax, false)
	}
	return lo, max(lo, hi)
}

// lexRank returns the number of leading elements below the bound b: the
// low end of a range (min) excludes its own value only if exclusive, the
// high end includes it unless exclusive. As in Redis, it assumes the
// elements are in member order (equal scores).
func (z *zsetObj) lexRank(b backend.LexBound, min bool) int {
	switch b.Inf {
	case -1:
		return 0
	case 1:
		return z.len()
	}
	v := string(b.Value)
	inclusiveBelow := min == b.Exclusive // the bound's own value counts as below
	return z.tree.count(func(e zelem) bool {
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

// zset returns the sorted set of e, which is a TypeZSet entry.
func (e *entry) zset() *zsetObj { return e.coll.(*zsetObj) }

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

// z returns the writable sorted set.
func (w *zwriter) z() *zsetObj {
	if !w.w {
		w.e = w.sd.writable(w.e, w.t.epoch)
		w.before = w.e.size()
		w.w = true
	}
	return w.e.zset()
}

func (w *zwriter) done() {
	if !w.w {
		return
	}
	w.sd.used.Add(w.e.size() - w.before)
	if w.e.zset().len() == 0 {
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
		z := newZSet(len(pairs))
		for _, p := range pairs {
			zadd(z, nil, flags, p, &res)
		}
		sd.insert(key, &entry{tb: backend.TypeZSet, coll: z}, t.epoch)
		return res, nil
	}
	w := zwriter{t: t, sd: sd, e: e}
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

// zadd applies one pair of ZADD to z under flags, counting in res. It gets
// the sorted set to change from w (nil: z itself) only when there is a
// change to make.
func zadd(z *zsetObj, w *zwriter, flags backend.ZAddFlags, p backend.ScoredMember, res *backend.ZAddResult) error {
	mut := func() *zsetObj {
		if w == nil {
			return z
		}
		return w.z()
	}
	incr := flags&backend.ZAddIncr != 0
	i := z.find(p.Member)
	if i < 0 {
		res.Score = p.Score
		if flags&backend.ZAddXX != 0 {
			return nil
		}
		mut().insert(p.Member, p.Score)
		res.Added++
		res.Applied = true
		return nil
	}
	cur := z.scores[i]
	res.Score = cur
	if flags&backend.ZAddNX != 0 {
		return nil
	}
	s := p.Score
	if incr {
		s += cur
		if math.IsNaN(s) {
			return backend.ErrNotANumber
		}
	}
	if flags&backend.ZAddGT != 0 && s <= cur || flags&backend.ZAddLT != 0 && s >= cur {
		return nil
	}
	res.Score = s
	res.Applied = true
	if s != cur {
		mut().update(i, s)
		res.Updated++
	}
	return nil
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
	s, ok := e.zset().score(member)
	return s, ok, nil
}

// ZLen implements backend.Tx.
func (t *tx) ZLen(key []byte) (int64, error) {
	_, e, err := t.zset(key)
	if e == nil {
		return 0, err
	}
	return int64(e.zset().len()), nil
}

// ZRank implements backend.Tx in O(log n).
func (t *tx) ZRank(key, member []byte, rev bool) (int64, float64, bool, error) {
	_, e, err := t.zset(key)
	if e == nil {
		return 0, 0, false, err
	}
	z := e.zset()
	i := z.find(member)
	if i < 0 {
		return 0, 0, false, nil
	}
	x := zelem{member: z.fields[i].name, score: z.scores[i]}
	r := z.tree.count(func(e zelem) bool { return zless(e, x) })
	if rev {
		r = z.len() - 1 - r
	}
	return int64(r), x.score, true, nil
}

// ZIter implements backend.Tx.
func (t *tx) ZIter(key []byte, fn func(member []byte, score float64) bool) error {
	_, e, err := t.zset(key)
	if e == nil {
		return err
	}
	e.zset().tree.ascend(0, func(x zelem) bool { return fn(bytesOf(x.member), x.score) })
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
	z := e.zset()
	if r.By == backend.ZByScore && !r.Rev && r.Offset == 0 {
		// Forward by score from the start of the range (GEOSEARCH's
		// boxes, ZRANGEBYSCORE without an offset): one descent to the
		// first element, then the walk, without the ranks of both ends.
		if r.Count == 0 {
			return nil
		}
		n, max := r.Count, r.Max
		z.tree.ascendScore(r.Min.Value, r.Min.Exclusive, func(x zelem) bool {
			if x.score > max.Value || max.Exclusive && x.score == max.Value {
				return false
			}
			n--
			return fn(bytesOf(x.member), x.score) && n != 0
		})
		return nil
	}
	lo, hi := z.span(&r)
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
		z.tree.descend(hi-1, visit)
	} else {
		z.tree.ascend(lo, visit)
	}
	return nil
}

// ZCount implements backend.Tx in O(log n).
func (t *tx) ZCount(key []byte, r backend.ZRange) (int64, error) {
	_, e, err := t.zset(key)
	if e == nil {
		return 0, err
	}
	lo, hi := e.zset().span(&r)
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
	lo, hi := e.zset().span(&r)
	if lo >= hi {
		return 0, nil
	}
	w := zwriter{t: t, sd: sd, e: e}
	w.z().removeRange(lo, hi, nil)
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
	n := e.zset().len()
	lo, hi := 0, int(min(count, int64(n)))
	if max {
		lo, hi = n-hi, n
	}
	w := zwriter{t: t, sd: sd, e: e}
	z := w.z()
	if max {
		left := hi - lo
		z.tree.descend(hi-1, func(x zelem) bool {
			fn(bytesOf(x.member), x.score)
			left--
			return left > 0
		})
		z.removeRange(lo, hi, nil)
	} else {
		z.removeRange(lo, hi, func(x zelem) { fn(bytesOf(x.member), x.score) })
	}
	w.done()
	return nil
}

// ZScan implements backend.Tx, as HashScan (see hashObj.scan).
func (t *tx) ZScan(key []byte, cursor uint64, count int, fn func(member []byte, score float64) error) (uint64, error) {
	_, e, err := t.zset(key)
	if e == nil {
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
	z := e.zset()
	return backend.Sample(z.len(), count, distinct, func(i int) error {
		return fn(bytesOf(z.fields[i].name), z.scores[i])
	})
}
