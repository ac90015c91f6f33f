package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	"redpool/backend"
)

// A sorted set is a collection (see coll) with three families of data
// keys under its id (see doc.go, "Sorted sets"):
//
//	id 'm' member             -> score(8)   membership, ZSCORE: one lookup
//	id 's' sort(8) member     -> score(8)   the score-ordered index
//	id 'c' fence              -> count(8)   the rank chunks of the index
//
// score(8) is the float64's bits, so -0 stays -0 as Redis keeps it; sort(8)
// is zsort's order-preserving encoding, in which -0 and +0 are equal. The
// coll's own family (get, put, del, scan, sample) is the member family.
//
// The rank chunks cut the index into runs of consecutive elements: a chunk
// holds the elements whose index key (without id 's') is >= its fence and
// < the next chunk's fence, and stores how many there are. The first
// chunk's fence is empty, so every element has a chunk. A chunk splits in
// two halves when it passes tuning.zChunk elements (B, 512 by default), and
// one left with fewer than B/4 merges with a neighbour (splitting again if
// the two exceed B), so a set of n elements has at most 4n/B + 1 chunks
// and a rank costs one walk over the chunks plus one over at most B index
// keys: O(n/B + B) cursor steps, and no element's write touches more than
// its own chunk (plus, once in about B/4 writes, a neighbour and a walk of
// B/2 keys).

// zset is a sorted set as a Tx method works on it: its coll (on the member
// family) and scratch keys.
type zset struct {
	coll
	ibuf, cbuf []byte // an index key, a chunk key
}

// zspan is the run of index keys lo <= k < hi (whole data keys).
type zspan struct{ lo, hi []byte }

func (t *tx) openZSet(key []byte, create bool) (z zset, ok bool, err error) {
	c, ok, err := t.openColl(key, backend.TypeZSet, create)
	c.fam = zMemberFam
	return zset{coll: c}, ok, err
}

// famPrefix appends id fam to dst.
func (z *zset) famPrefix(dst []byte, fam byte) []byte { return append(appendID(dst, z.r.id), fam) }

// idxKey returns id 's' sort member in z.ibuf, valid until the next call.
func (z *zset) idxKey(score float64, member []byte) []byte {
	z.ibuf = binary.BigEndian.AppendUint64(z.famPrefix(z.ibuf[:0], zfamIndex), zsort(score))
	z.ibuf = append(z.ibuf, member...)
	return z.ibuf
}

// chunkKey returns the key of the chunk whose fence is the index key ik
// without id 's', in z.cbuf, valid until the next call.
func (z *zset) chunkKey(ik []byte) []byte {
	z.cbuf = append(z.famPrefix(z.cbuf[:0], zfamChunk), ik[zHead:]...)
	return z.cbuf
}

func (z *zset) damaged(what string) error {
	return fmt.Errorf("bolt: damaged sorted set %q: %s", z.kk[nsLen:], what)
}

// decodeScore decodes a stored score.
func (z *zset) decodeScore(v []byte) (float64, error) {
	if len(v) != scoreLen {
		return 0, z.damaged("a score is not 8 bytes")
	}
	return math.Float64frombits(u64(v)), nil
}

func (z *zset) decodeCount(v []byte) (int64, error) {
	if len(v) != countLen {
		return 0, z.damaged("a chunk count is not 8 bytes")
	}
	return int64(u64(v)), nil
}

// score returns member's score.
func (z *zset) score(member []byte) (float64, bool, error) {
	v, ok := z.get(member)
	if !ok {
		return 0, false, nil
	}
	s, err := z.decodeScore(v)
	return s, err == nil, err
}

// putData stores v at the data key k (k is copied; v must stay unchanged
// until the transaction ends).
func (z *zset) putData(k, v []byte) error {
	z.t.touch()
	return z.t.dataB().Put(k, v)
}

func (z *zset) delData(k []byte) error {
	z.t.touch()
	return z.t.dataB().Delete(k)
}

func (z *zset) putCount(ck []byte, n int64) error {
	v := z.t.w.arena.alloc(countLen)
	putU64(v, uint64(n))
	return z.putData(ck, v)
}

// insert adds member, which is not in the set, with score.
func (z *zset) insert(member []byte, score float64) error {
	z.r.size++
	return z.store(member, score)
}

// update changes member's score from old to score.
func (z *zset) update(member []byte, old, score float64) error {
	if err := z.unindex(member, old); err != nil {
		return err
	}
	return z.store(member, score)
}

// store writes member's score and its index key, and counts the key in.
func (z *zset) store(member []byte, score float64) error {
	v := z.t.w.arena.alloc(scoreLen)
	putU64(v, math.Float64bits(score))
	if err := z.put(member, v); err != nil {
		return err
	}
	ik := z.idxKey(score, member)
	if err := z.putData(ik, v); err != nil {
		return err
	}
	return z.chunkInc(ik)
}

// unindex removes member's index key (for score old) and counts it out.
func (z *zset) unindex(member []byte, old float64) error {
	ik := z.idxKey(old, member)
	if err := z.delData(ik); err != nil {
		return err
	}
	return z.chunkDec(ik)
}

// removeIdx removes the element whose index key is ik (not in z.ibuf).
func (z *zset) removeIdx(ik []byte) error {
	if err := z.del(ik[zIdxHead:]); err != nil {
		return err
	}
	if err := z.delData(ik); err != nil {
		return err
	}
	z.r.size--
	return z.chunkDec(ik)
}

// --- rank chunks ---

// chunkAt returns the key and count of the chunk holding the index key ik
// (which need not exist; a key beyond the family is in the last chunk).
// ok is false when the set has no chunk.
func (z *zset) chunkAt(ik []byte) (ck []byte, n int64, ok bool, err error) {
	cp := z.famPrefix(nil, zfamChunk)
	cur := z.t.dataB().Cursor()
	var k, v []byte
	switch ip := z.famPrefix(nil, zfamIndex); {
	case !hasPrefix(ik, ip) && bytes.Compare(ik, ip) > 0:
		k, v = lastWithPrefix(cur, cp)
	case !hasPrefix(ik, ip):
		k, v = cur.Seek(cp)
	default:
		want := z.chunkKey(ik)
		k, v = cur.Seek(want)
		switch {
		case k == nil:
			k, v = cur.Last()
		case !bytes.Equal(k, want):
			k, v = cur.Prev()
		}
	}
	if k == nil || !hasPrefix(k, cp) {
		return nil, 0, false, nil
	}
	n, err = z.decodeCount(v)
	return k, n, err == nil, err
}

// chunkInc counts in a new index key ik (already stored).
func (z *zset) chunkInc(ik []byte) error {
	ck, n, ok, err := z.chunkAt(ik)
	switch {
	case err != nil:
		return err
	case !ok: // the first element: the first chunk
		return z.putCount(z.famPrefix(nil, zfamChunk), 1)
	case n+1 > z.t.b.tuning.zChunk:
		return z.split(ck, n+1)
	}
	return z.putCount(ck, n+1)
}

// chunkDec counts out the index key ik (already deleted), merging its
// chunk with a neighbour when it gets small.
func (z *zset) chunkDec(ik []byte) error {
	ck, n, ok, err := z.chunkAt(ik)
	if err != nil {
		return err
	}
	if !ok || n <= 0 {
		return z.damaged("an element outside the rank chunks")
	}
	n--
	if n >= z.t.b.tuning.zChunk/4 {
		return z.putCount(ck, n)
	}
	ck = bytes.Clone(ck)
	prefix := ck[:zHead]
	cur := z.t.dataB().Cursor()
	cur.Seek(ck)
	if nk, nv := cur.Next(); nk != nil && hasPrefix(nk, prefix) {
		m, err := z.decodeCount(nv)
		if err != nil {
			return err
		}
		if err := z.delData(nk); err != nil {
			return err
		}
		return z.setCount(ck, n+m)
	}
	cur.Seek(ck)
	if pk, pv := cur.Prev(); pk != nil && hasPrefix(pk, prefix) {
		m, err := z.decodeCount(pv)
		if err != nil {
			return err
		}
		pk = bytes.Clone(pk)
		if err := z.delData(ck); err != nil {
			return err
		}
		return z.setCount(pk, n+m)
	}
	if n == 0 { // the last element of the set
		return z.delData(ck)
	}
	return z.putCount(ck, n)
}

// setCount stores n at chunk ck, splitting it if it is too large.
func (z *zset) setCount(ck []byte, n int64) error {
	if n > z.t.b.tuning.zChunk {
		return z.split(ck, n)
	}
	return z.putCount(ck, n)
}

// split cuts chunk ck of n elements into two halves.
func (z *zset) split(ck []byte, n int64) error {
	start := append(z.famPrefix(nil, zfamIndex), ck[zHead:]...)
	half := n / 2
	cur := z.t.dataB().Cursor()
	k, _ := cur.Seek(start)
	for i := int64(0); i < half && k != nil; i++ {
		k, _ = cur.Next()
	}
	if k == nil || !hasPrefix(k, start[:zHead]) {
		return z.damaged("a rank chunk counts more elements than it has")
	}
	nk := append(z.famPrefix(nil, zfamChunk), k[zHead:]...)
	ck = bytes.Clone(ck)
	if err := z.putCount(ck, half); err != nil {
		return err
	}
	return z.putCount(nk, n-half)
}

// pos is a position in the index: a chunk, and how many of its elements
// come before the position.
type pos struct {
	ck     []byte // the chunk's key; nil for an empty set
	n, off int64  // the chunk's count; its elements before the position
}

// locate returns the position of the index key ik (which need not exist;
// beyond the family is the end): one seek in the chunks and a walk of at
// most B index keys.
func (z *zset) locate(ik []byte) (pos, error) {
	ck, n, ok, err := z.chunkAt(ik)
	if !ok {
		return pos{}, err
	}
	p := pos{ck: ck, n: n}
	ic := z.t.dataB().Cursor()
	start := append(z.famPrefix(nil, zfamIndex), ck[zHead:]...)
	for k, _ := ic.Seek(start); k != nil && bytes.Compare(k, ik) < 0 && p.off < n; k, _ = ic.Next() {
		p.off++
	}
	return p, nil
}

// rankOf returns how many elements have an index key below ik (which need
// not exist): its position, and a walk over the chunks before it.
func (z *zset) rankOf(ik []byte) (int64, error) {
	p, err := z.locate(ik)
	if p.ck == nil || err != nil {
		return 0, err
	}
	rank := p.off
	cur := z.t.dataB().Cursor()
	cur.Seek(p.ck)
	for k, v := cur.Prev(); k != nil && hasPrefix(k, p.ck[:zHead]); k, v = cur.Prev() {
		n, err := z.decodeCount(v)
		if err != nil {
			return 0, err
		}
		rank += n
	}
	return rank, nil
}

// atOffset returns the index key off elements after the first of chunk ck.
func (z *zset) atOffset(ck []byte, off int64) ([]byte, error) {
	start := append(z.famPrefix(nil, zfamIndex), ck[zHead:]...)
	ic := z.t.dataB().Cursor()
	k, _ := ic.Seek(start)
	for i := int64(0); i < off && k != nil; i++ {
		k, _ = ic.Next()
	}
	if k == nil || !hasPrefix(k, start[:zHead]) {
		return nil, z.damaged("a rank chunk counts more elements than it has")
	}
	return k, nil
}

// skipFrom returns the index key skip elements after the position of ik
// (with rev: skip elements before the last key below ik), or nil when
// there is none: a walk over the chunks in between and over one chunk,
// O(skip/B + B).
func (z *zset) skipFrom(ik []byte, skip int64, rev bool) ([]byte, error) {
	p, err := z.locate(ik)
	if p.ck == nil || err != nil {
		return nil, err
	}
	cur := z.t.dataB().Cursor()
	cur.Seek(p.ck)
	ck, n, at := p.ck, p.n, p.off+skip
	if rev {
		at = p.off - 1 - skip
	}
	for at < 0 || at >= n {
		var k, v []byte
		if rev {
			k, v = cur.Prev()
		} else {
			k, v = cur.Next()
		}
		if k == nil || !hasPrefix(k, ck[:zHead]) {
			return nil, nil
		}
		m, err := z.decodeCount(v)
		if err != nil {
			return nil, err
		}
		if rev {
			at += m
		} else {
			at -= n
		}
		ck, n = k, m
	}
	return z.atOffset(ck, at)
}

// selectRank returns the index key at forward rank r (0 <= r < size): a
// walk over the chunks from the nearer end, and over one chunk.
func (z *zset) selectRank(r int64) ([]byte, error) {
	if r < 0 || r >= z.r.size {
		return nil, z.damaged(fmt.Sprintf("rank %d of %d", r, z.r.size))
	}
	prefix := z.famPrefix(nil, zfamChunk)
	cur := z.t.dataB().Cursor()
	var ck []byte
	var base int64 // the rank of the chunk's first element
	if r < z.r.size/2 {
		for k, v := cur.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = cur.Next() {
			n, err := z.decodeCount(v)
			if err != nil {
				return nil, err
			}
			if base+n > r {
				ck = k
				break
			}
			base += n
		}
	} else {
		base = z.r.size
		for k, v := lastWithPrefix(cur, prefix); k != nil && hasPrefix(k, prefix); k, v = cur.Prev() {
			n, err := z.decodeCount(v)
			if err != nil {
				return nil, err
			}
			if base -= n; base <= r {
				ck = k
				break
			}
		}
	}
	if ck == nil || base < 0 {
		return nil, z.damaged("the rank chunks do not add up to its size")
	}
	return z.atOffset(ck, r-base)
}

// --- spans ---

// all returns the span of every element.
func (z *zset) all() zspan {
	p := z.famPrefix(nil, zfamIndex)
	return zspan{lo: p, hi: prefixSuccessor(p)}
}

// fromRank returns the span that starts at forward rank r (0 <= r <
// size), to the end, or with rev the span that ends with it: with a limit,
// a run of ranks costs one rank selection.
func (z *zset) fromRank(r int64, rev bool) (zspan, error) {
	k, err := z.selectRank(r)
	if err != nil {
		return zspan{}, err
	}
	sp := z.all()
	if rev {
		sp.hi = append(bytes.Clone(k), 0)
	} else {
		sp.lo = bytes.Clone(k)
	}
	return sp, nil
}

func (z *zset) scoreSpan(min, max backend.ScoreBound) zspan {
	p := z.famPrefix(nil, zfamIndex)
	lo := binary.BigEndian.AppendUint64(p, zsort(min.Value))
	if min.Exclusive {
		lo = prefixSuccessor(lo)
	}
	hi := binary.BigEndian.AppendUint64(z.famPrefix(nil, zfamIndex), zsort(max.Value))
	if !max.Exclusive {
		hi = prefixSuccessor(hi)
	}
	return zspan{lo: lo, hi: hi}
}

func gteMin(m []byte, b backend.LexBound) bool {
	if b.Inf != 0 {
		return b.Inf < 0
	}
	c := bytes.Compare(m, b.Value)
	return c > 0 || (c == 0 && !b.Exclusive)
}

func lteMax(m []byte, b backend.LexBound) bool {
	if b.Inf != 0 {
		return b.Inf > 0
	}
	c := bytes.Compare(m, b.Value)
	return c < 0 || (c == 0 && !b.Exclusive)
}

// lexEmpty reports a lex range that selects nothing whatever the set
// holds: min above max, or equal with an end excluded.
func lexEmpty(min, max backend.LexBound) bool {
	c := lexCmp(min, max)
	return c > 0 || (c == 0 && min.Inf == 0 && (min.Exclusive || max.Exclusive))
}

// lexCmp orders two lex bounds: "-" first, "+" last, values by bytes.
func lexCmp(a, b backend.LexBound) int {
	switch {
	case a.Inf != 0 || b.Inf != 0:
		return int(a.Inf) - int(b.Inf)
	}
	return bytes.Compare(a.Value, b.Value)
}

// lexSpan returns the span of a lexicographic range. When every score is
// equal (the only case Redis defines) it is two seeks. Otherwise it
// follows Redis's listpack walk (zzlIsInLexRange, zzlFirstInLexRange,
// zzlLastInLexRange), O(n): nothing if min > max, the last element is
// below min or the first above max; else forward, from the first element
// >= min while the elements are <= max, and with rev, from the last
// element <= max backwards while they are >= min.
func (z *zset) lexSpan(min, max backend.LexBound, rev bool) zspan {
	whole := z.all()
	cur := z.t.dataB().Cursor()
	first, _ := cur.Seek(whole.lo)
	if first == nil || !hasPrefix(first, whole.lo) {
		return zspan{}
	}
	if lexEmpty(min, max) || !lteMax(first[zIdxHead:], max) {
		return zspan{}
	}
	first = first[:zIdxHead]
	last, _ := lastWithPrefix(cur, whole.lo)
	if !gteMin(last[zIdxHead:], min) {
		return zspan{}
	}
	if bytes.Equal(first, last[:zIdxHead]) {
		sp := bytes.Clone(first)
		var lo, hi []byte
		switch {
		case min.Inf < 0:
			lo = sp
		case min.Inf > 0:
			return zspan{}
		default:
			lo = append(bytes.Clone(sp), min.Value...)
			if min.Exclusive {
				lo = append(lo, 0)
			}
		}
		switch {
		case max.Inf > 0:
			hi = prefixSuccessor(sp)
		case max.Inf < 0:
			return zspan{}
		default:
			hi = append(bytes.Clone(sp), max.Value...)
			if !max.Exclusive {
				hi = append(hi, 0)
			}
		}
		return zspan{lo: lo, hi: hi}
	}
	sp := whole
	in := false
	var err error
	if !rev {
		err = z.t.iterate(z.t.dataB(), whole.lo, whole.lo, false, func(k, _ []byte) (bool, error) {
			m := k[zIdxHead:]
			if !in {
				if gteMin(m, min) {
					sp.lo, in = bytes.Clone(k), true
				}
				if in && !lteMax(m, max) {
					sp.hi = sp.lo
					return false, nil
				}
				return true, nil
			}
			if !lteMax(m, max) {
				sp.hi = bytes.Clone(k)
				return false, nil
			}
			return true, nil
		})
	} else {
		err = z.t.iterate(z.t.dataB(), whole.lo, whole.hi, true, func(k, _ []byte) (bool, error) {
			m := k[zIdxHead:]
			if !in {
				if lteMax(m, max) {
					sp.hi, in = append(bytes.Clone(k), 0), true
				}
				if in && !gteMin(m, min) {
					sp.lo = sp.hi
					return false, nil
				}
				return true, nil
			}
			if !gteMin(m, min) {
				sp.lo = append(bytes.Clone(k), 0)
				return false, nil
			}
			return true, nil
		})
	}
	if err != nil || !in {
		return zspan{}
	}
	return sp
}

// spanOf returns the span r selects by score or lex (with rev for the
// direction of a lex walk over mixed scores).
func (z *zset) spanOf(r *backend.ZRange, rev bool) zspan {
	if r.By == backend.ZByLex {
		return z.lexSpan(r.LexMin, r.LexMax, rev)
	}
	return z.scoreSpan(r.Min, r.Max)
}

func (sp zspan) empty() bool { return sp.lo == nil || bytes.Compare(sp.lo, sp.hi) >= 0 }

// count returns the number of elements in sp: the positions of its ends
// and a walk over the chunks between them, O(m/B + B).
func (z *zset) count(sp zspan) (int64, error) {
	if sp.empty() {
		return 0, nil
	}
	lo, err := z.locate(sp.lo)
	if lo.ck == nil || err != nil {
		return 0, err
	}
	lo.ck = bytes.Clone(lo.ck)
	hi, err := z.locate(sp.hi)
	if err != nil {
		return 0, err
	}
	n := hi.off - lo.off
	cur := z.t.dataB().Cursor()
	for k, v := cur.Seek(lo.ck); k != nil && bytes.Compare(k, hi.ck) < 0; k, v = cur.Next() {
		m, err := z.decodeCount(v)
		if err != nil {
			return 0, err
		}
		n += m
	}
	return max(n, 0), nil
}

// walk calls fn for the elements of sp, forward from lo (backward from hi
// with rev), skipping skip of them and stopping after limit (< 0: no
// limit) or when fn returns false. A long skip goes over whole chunks
// (skipFrom) rather than element by element.
func (z *zset) walk(sp zspan, rev bool, skip, limit int64, fn func(ik []byte, score float64) bool) error {
	if sp.empty() || limit == 0 || skip < 0 {
		return nil
	}
	start := sp.lo
	if rev {
		start = sp.hi
	}
	if skip > z.t.b.tuning.zChunk {
		k, err := z.skipFrom(start, skip, rev)
		if k == nil || err != nil {
			return err
		}
		start, skip = k, 0
	}
	return z.t.iterate(z.t.dataB(), sp.lo[:zHead], start, rev, func(k, v []byte) (bool, error) {
		if rev {
			if bytes.Compare(k, sp.hi) >= 0 {
				return true, nil
			}
			if bytes.Compare(k, sp.lo) < 0 {
				return false, nil
			}
		} else if bytes.Compare(k, sp.hi) >= 0 {
			return false, nil
		}
		if skip > 0 {
			skip--
			return true, nil
		}
		s, err := z.decodeScore(v)
		if err != nil {
			return false, err
		}
		if !fn(k, s) {
			return false, nil
		}
		if limit > 0 {
			limit--
		}
		return limit != 0, nil
	})
}

// removeSpan removes the n elements of sp (n from count): the whole key
// when that is every element (O(1) for a large set: the sweeper deletes
// the data), else one by one.
func (z *zset) removeSpan(sp zspan, n int64) error {
	if n == z.r.size {
		return z.remove()
	}
	var ks [][]byte
	err := z.walk(sp, false, 0, n, func(ik []byte, _ float64) bool {
		ks = append(ks, bytes.Clone(ik))
		return true
	})
	if err != nil {
		return err
	}
	for _, k := range ks {
		if err := z.removeIdx(k); err != nil {
			return err
		}
	}
	return z.save()
}

// --- backend.Tx ---

func (t *tx) ZAdd(key []byte, flags backend.ZAddFlags, pairs []backend.ScoredMember) (backend.ZAddResult, error) {
	var res backend.ZAddResult
	if err := t.writable(); err != nil {
		return res, err
	}
	for _, p := range pairs {
		if len(p.Member) > zMaxLen {
			return res, backend.ErrTooLarge
		}
	}
	z, ok, err := t.openZSet(key, len(pairs) > 0 && flags&backend.ZAddXX == 0)
	if !ok || err != nil {
		return res, err
	}
	for _, p := range pairs {
		cur, exists, err := z.score(p.Member)
		if err != nil {
			return backend.ZAddResult{}, err
		}
		score := p.Score
		if !exists {
			if flags&backend.ZAddXX != 0 {
				continue
			}
			if err := z.insert(p.Member, score); err != nil {
				return backend.ZAddResult{}, err
			}
			res.Added++
			res.Score, res.Applied = score, true
			continue
		}
		if flags&backend.ZAddNX != 0 {
			continue
		}
		if flags&backend.ZAddIncr != 0 {
			if score += cur; math.IsNaN(score) {
				return backend.ZAddResult{}, backend.ErrNotANumber
			}
		}
		if (flags&backend.ZAddGT != 0 && score <= cur) || (flags&backend.ZAddLT != 0 && score >= cur) {
			continue
		}
		res.Score, res.Applied = score, true
		if score != cur {
			if err := z.update(p.Member, cur, score); err != nil {
				return backend.ZAddResult{}, err
			}
			res.Updated++
		}
	}
	return res, z.save()
}

func (t *tx) ZRem(key []byte, members [][]byte) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	z, ok, err := t.openZSet(key, false)
	if !ok {
		return 0, err
	}
	var removed int64
	for _, m := range members {
		s, ok, err := z.score(m)
		if err != nil {
			return 0, err
		}
		if !ok {
			continue
		}
		if err := z.del(m); err != nil {
			return 0, err
		}
		if err := z.unindex(m, s); err != nil {
			return 0, err
		}
		z.r.size--
		removed++
	}
	return removed, z.save()
}

// ZScore implements backend.Tx: one lookup in the member family.
func (t *tx) ZScore(key, member []byte) (float64, bool, error) {
	z, ok, err := t.openZSet(key, false)
	if !ok {
		return 0, false, err
	}
	return z.score(member)
}

func (t *tx) ZLen(key []byte) (int64, error) {
	z, ok, err := t.openZSet(key, false)
	if !ok {
		return 0, err
	}
	return z.r.size, nil
}

// ZRank implements backend.Tx: one lookup and a rank (O(n/B + B), see the
// top of this file).
func (t *tx) ZRank(key, member []byte, rev bool) (int64, float64, bool, error) {
	z, ok, err := t.openZSet(key, false)
	if !ok {
		return 0, 0, false, err
	}
	s, ok, err := z.score(member)
	if !ok {
		return 0, 0, false, err
	}
	r, err := z.rankOf(z.idxKey(s, member))
	if err != nil {
		return 0, 0, false, err
	}
	if rev {
		r = z.r.size - 1 - r
	}
	return r, s, true, nil
}

func (t *tx) ZIter(key []byte, fn func(member []byte, score float64) bool) error {
	z, ok, err := t.openZSet(key, false)
	if !ok {
		return err
	}
	return z.walk(z.all(), false, 0, -1, func(ik []byte, s float64) bool { return fn(ik[zIdxHead:], s) })
}

// ZRange implements backend.Tx. By score or lex it is a seek and a walk,
// O(log n + m), plus the LIMIT offset (stepped over when short, else
// skipped by rank); by rank it is a rank selection (O(n/B + B)) and a walk.
// A lex range over unequal scores walks from an end (see lexSpan).
func (t *tx) ZRange(key []byte, r backend.ZRange, fn func(member []byte, score float64) bool) error {
	z, ok, err := t.openZSet(key, false)
	if !ok {
		return err
	}
	emit := func(ik []byte, s float64) bool { return fn(ik[zIdxHead:], s) }
	if r.By == backend.ZByRank {
		start, stop := max(r.Start, 0), min(r.Stop, z.r.size-1)
		if start > stop {
			return nil
		}
		first := start // the forward rank the walk starts at
		if r.Rev {
			first = z.r.size - 1 - start
		}
		sp, err := z.fromRank(first, r.Rev)
		if err != nil {
			return err
		}
		return z.walk(sp, r.Rev, 0, stop-start+1, emit)
	}
	return z.walk(z.spanOf(&r, r.Rev), r.Rev, r.Offset, r.Count, emit)
}

// ZCount implements backend.Tx: two ranks, O(n/B + B).
func (t *tx) ZCount(key []byte, r backend.ZRange) (int64, error) {
	z, ok, err := t.openZSet(key, false)
	if !ok {
		return 0, err
	}
	if r.By == backend.ZByRank {
		return max(min(r.Stop, z.r.size-1)-max(r.Start, 0)+1, 0), nil
	}
	return z.count(z.spanOf(&r, false))
}

// ZRemRange implements backend.Tx: the span's count (two ranks), then the
// removal of its m elements, O(m log n), or O(1) when that is every
// element.
func (t *tx) ZRemRange(key []byte, r backend.ZRange) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	z, ok, err := t.openZSet(key, false)
	if !ok {
		return 0, err
	}
	var sp zspan
	var n int64
	if r.By == backend.ZByRank {
		start, stop := max(r.Start, 0), min(r.Stop, z.r.size-1)
		if start > stop {
			return 0, nil
		}
		n = stop - start + 1
		if n < z.r.size {
			if sp, err = z.fromRank(start, false); err != nil {
				return 0, err
			}
		}
	} else {
		sp = z.spanOf(&r, false)
		if n, err = z.count(sp); err != nil {
			return 0, err
		}
	}
	if n == 0 {
		return 0, nil
	}
	return n, z.removeSpan(sp, n)
}

// ZPop implements backend.Tx: O(count log n); popping every element
// removes the key in O(1) after the walk.
func (t *tx) ZPop(key []byte, highest bool, count int64, fn func(member []byte, score float64)) error {
	if err := t.writable(); err != nil {
		return err
	}
	z, ok, err := t.openZSet(key, false)
	if !ok || count <= 0 {
		return err
	}
	n := min(count, z.r.size)
	ks := make([][]byte, 0, n)
	ss := make([]float64, 0, n)
	err = z.walk(z.all(), highest, 0, n, func(ik []byte, s float64) bool {
		ks, ss = append(ks, bytes.Clone(ik)), append(ss, s)
		return true
	})
	if err != nil {
		return err
	}
	if n == z.r.size {
		err = z.remove()
	} else {
		for _, k := range ks {
			if err = z.removeIdx(k); err != nil {
				return err
			}
		}
		err = z.save()
	}
	if err != nil {
		return err
	}
	for i, k := range ks {
		fn(k[zIdxHead:], ss[i])
	}
	return nil
}

func (t *tx) ZScan(key []byte, cursor uint64, count int, fn func(member []byte, score float64) error) (uint64, error) {
	z, ok, err := t.openZSet(key, false)
	if !ok {
		return 0, err
	}
	return z.scan(cursor, count, func(m, v []byte) error {
		s, err := z.decodeScore(v)
		if err != nil {
			return err
		}
		return fn(m, s)
	})
}

// ZRandom implements backend.Tx with SetRandom's method, cost and
// distribution, on the member family (coll.sample).
func (t *tx) ZRandom(key []byte, count int, distinct bool, fn func(member []byte, score float64) error) error {
	z, ok, err := t.openZSet(key, false)
	if !ok || count <= 0 {
		return err
	}
	return z.sample(count, distinct, func(m, v []byte) error {
		s, err := z.decodeScore(v)
		if err != nil {
			return err
		}
		return fn(m, s)
	})
}
