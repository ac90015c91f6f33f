package bolt

import (
	"bytes"
	"math"

	"redpool/backend"
)

// Lazy trimming. Trimming a stream removes whole nodes from its head
// (XRemoveNode, called for the first node, then the next, ...), and each
// node's entries are data keys of their own: removing them on the spot
// costs a delete per entry, 10,000 for XTRIM MAXLEN ~ with Redis's
// default LIMIT. Instead, XRemoveNode of the first node of more than
// tuning.smallDrop live entries raises the stream's trim floor past it,
// in the header: every read starts at the floor (XRange, XNodes,
// tailNode, XDelete), so the node and its entries are gone at once, in
// O(log n), and durably so in the transaction of the trim. The record's
// size drops by the keys left below the floor, and the garbage bucket
// gets (or has raised)
//
//	't' id(8) -> floor(16)
//
// which the sweeper reads as "delete collection id's entry and node keys
// below floor", in transactions of at most sweepBudget deletes
// (sweepTrim), and deletes when none are left; the entry survives a
// restart like the rest of the garbage bucket, so a half-swept stream is
// swept on. The floor stays in the header (it hides nothing once swept).
//
// The floor only rises, and nothing is added below it: entry ids only
// grow, except after XSETID to an id below a trimmed one (the floor is
// one past the last entry trimmed), where XAppend of an id under the
// floor first deletes the keys below it and drops the floor and its
// garbage entry (unfloor, O(keys left below it)). A DEL (or overwrite)
// of a stream with a trim pending drops its data id as usual: the
// sweeper then deletes everything under it, and the trim's entry finds
// nothing left. RENAME and MOVE keep the id and the entry with it; COPY
// and MEMORY USAGE read the live spans only (liveSpans).

// garbageTrim marks a trim floor in the garbage bucket.
const garbageTrim = 't'

func garbageTrimKey(id uint64) []byte { return appendID([]byte{garbageTrim}, id) }

// trimLazily removes node n, if it is the first node at or above the
// floor and holds more than tuning.smallDrop live entries, by raising the
// floor past it (see "Lazy trimming"). It reports whether it did; s's
// header is loaded.
func (s *stream) trimLazily(n *backend.StreamNode) (bool, error) {
	if n.Live <= s.t.b.tuning.smallDrop {
		return false, nil
	}
	next, ok := n.Last.Next() // every entry of n is at or below Last
	if !ok {
		return false, nil
	}
	prefix := append(appendID(nil, s.r.id), xNodeFam...)
	k, _ := s.t.dataB().Cursor().Seek(s.floor.AppendBinary(bytes.Clone(prefix)))
	if k == nil || !hasPrefix(k, prefix) || !bytes.Equal(k[len(prefix):], n.Master.AppendBinary(s.sub[:0])) {
		return false, nil // not the first: removed on the spot
	}
	s.floor = next
	s.m.Length -= n.Live
	s.m.Nodes--
	s.r.size -= n.Live + 1 // its entries and its record, left to the sweeper
	if err := s.t.putTrimGarbage(s.r.id, next); err != nil {
		return false, err
	}
	return true, s.finish()
}

// putTrimGarbage records (or raises) collection id's trim floor in the
// garbage bucket for the sweeper.
func (t *tx) putTrimGarbage(id uint64, floor backend.StreamID) error {
	g := t.garbB()
	k := garbageTrimKey(id)
	if g.Get(k) == nil {
		t.w.garbage++
	}
	t.touch()
	t.w.sweep = true
	return g.Put(k, floor.AppendBinary(t.w.arena.alloc(xIDLen)[:0]))
}

// unfloor deletes the keys below the floor at once and drops the floor
// and its garbage entry, for an entry to be added below it (after
// XSETID): O(keys not yet swept).
func (s *stream) unfloor() error {
	if _, _, err := s.t.sweepTrim(s.r.id, s.floor, math.MaxInt); err != nil {
		return err
	}
	g := s.t.garbB()
	if k := garbageTrimKey(s.r.id); g.Get(k) != nil {
		s.t.w.garbage--
		if err := g.Delete(k); err != nil {
			return err
		}
	}
	s.floor = backend.StreamID{}
	return nil
}

// sweepTrim deletes up to budget entry and node keys of stream id below
// floor. done reports that none are left.
func (t *tx) sweepTrim(id uint64, floor backend.StreamID, budget int) (n int, done bool, err error) {
	for _, fam := range [][]byte{xEntryFam, xNodeFam} {
		k, done, err := t.deleteBelow(append(appendID(nil, id), fam...), floor, budget-n)
		n += k
		if err != nil || !done {
			return n, false, err
		}
	}
	return n, true, nil
}

// deleteBelow deletes up to budget data keys prefix|id(16) with id below
// floor. done reports that none are left.
func (t *tx) deleteBelow(prefix []byte, floor backend.StreamID, budget int) (n int, done bool, err error) {
	t.touch()
	end := floor.AppendBinary(bytes.Clone(prefix))
	for {
		var ks [][]byte
		c := t.dataB().Cursor()
		k, _ := c.Seek(prefix)
		for ; k != nil && bytes.Compare(k, end) < 0 && len(ks) < min(budget-n, sweepBudget); k, _ = c.Next() {
			ks = append(ks, k)
		}
		if k == nil || bytes.Compare(k, end) >= 0 {
			done = true // end starts with prefix: k is past the family too
		}
		for _, k := range ks {
			if err := t.dataB().Delete(k); err != nil {
				return n, false, err
			}
		}
		n += len(ks)
		if done || n >= budget {
			return n, done, nil
		}
	}
}

// liveSpans returns the spans [from, to) of subkeys (nil: open) of
// collection r's data keys that hold what it holds: the whole of it,
// except for a stream with a trim floor, whose entries and nodes below it
// are left out (COPY, MEMORY USAGE).
func (t *tx) liveSpans(r *record) ([][2][]byte, error) {
	whole := [][2][]byte{{nil, nil}}
	if r.typ != backend.TypeStream {
		return whole, nil
	}
	v, ok := t.dataGet(append(appendID(nil, r.id), xHeaderFam...))
	if !ok || len(v) != xHeaderFloor {
		return whole, nil // no floor (a damaged header is the reads' to report)
	}
	floor := backend.StreamIDFromBinary(v[xHeaderLen:])
	return [][2][]byte{
		{nil, xEntryFam},
		{floor.AppendBinary(bytes.Clone(xEntryFam)), xNodeFam},
		{floor.AppendBinary(bytes.Clone(xNodeFam)), nil},
	}, nil
}
