package memory

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"redpool/backend"
	"redpool/backend/backendtest"
)

// zpackCheck verifies a packed sorted set: its header, entries in
// strictly increasing (score, member) order within the packing limits.
func zpackCheck(t *testing.T, key string, p *zpack) {
	t.Helper()
	b := p.bytes()
	if len(b) < zpackHeader || p.len() == 0 || p.len() > zpackMaxEntries {
		t.Fatalf("packed zset %q: %d bytes, %d elements", key, len(b), p.len())
	}
	es := p.elems(nil)
	if len(es) != p.len() {
		t.Fatalf("packed zset %q: %d entries, header says %d", key, len(es), p.len())
	}
	for i, x := range es {
		if len(x.member) > zpackMaxBytes || math.IsNaN(x.score) {
			t.Fatalf("packed zset %q: element %d %q=%v", key, i, x.member, x.score)
		}
		if i > 0 && !zless(es[i-1], x) {
			t.Fatalf("packed zset %q: %v before %v", key, es[i-1], x)
		}
	}
}

// TestZPackEncode round-trips the score forms (integers of every varint
// length, -0, infinities, fractions, the float64 extremes) and member
// lengths (0 and zpackMaxBytes) through the packed form.
func TestZPackEncode(t *testing.T) {
	scores := []float64{math.Inf(-1), -math.MaxFloat64, -1 << 53, -(1 << 53) + 1, -8193, -8192, -65, -64, -1.5, -1,
		math.Copysign(0, -1), 0, math.SmallestNonzeroFloat64, 0.1, 1, 63, 64, 8191, 8192, 1<<53 - 1, 1 << 53, 1<<53 + 2,
		math.MaxFloat64, math.Inf(1)}
	var es []zelem
	for i, s := range scores {
		es = append(es, zelem{member: fmt.Sprintf("%02d", i) + strings.Repeat("x", i%3*31), score: s})
	}
	// -0 and 0 are equal scores: order those two by member. Members of
	// 0, 2, 33 and 64 bytes.
	es[10].member, es[11].member = "", "b"
	p := zpackEncode(es)
	got := p.elems(nil)
	if len(got) != len(es) || p.len() != len(es) {
		t.Fatalf("%d elements back, header %d, want %d", len(got), p.len(), len(es))
	}
	for i := range es {
		g, w := got[i], es[i]
		if g.member != w.member || math.Float64bits(g.score) != math.Float64bits(w.score) {
			t.Fatalf("element %d: %q=%v, want %q=%v", i, g.member, g.score, w.member, w.score)
		}
		s, r, ok := p.find([]byte(w.member))
		if !ok || r != i || math.Float64bits(s) != math.Float64bits(w.score) {
			t.Fatalf("find %q: %v, %d, %v", w.member, s, r, ok)
		}
	}
	if _, _, ok := p.find([]byte("nope")); ok {
		t.Fatal("found a missing member")
	}
	// Small integer scores take one byte: 10 members of 3 bytes in 64.
	var ten []zelem
	for i := range 10 {
		ten = append(ten, zelem{member: fmt.Sprintf("m:%d", i), score: float64(i)})
	}
	if n := len(zpackEncode(ten).bytes()); n != zpackHeader+10*5 {
		t.Fatalf("10 small members take %d bytes", n)
	}
}

// zpackForceTree converts key's sorted set, if packed, to the tree form,
// as growing past the limits would.
func zpackForceTree(t *testing.T, m *Memory, key []byte) {
	t.Helper()
	err := m.Update(backend.TxOptions{Keys: [][]byte{key}}, func(btx backend.Tx) error {
		tx := btx.(*tx)
		sd, e, err := tx.zset(key)
		if e == nil || err != nil {
			return err
		}
		if p, ok := e.coll.(*zpack); ok {
			w := zwriter{t: tx, sd: sd, e: e}
			w.set(zfromElems(p.elems(nil), 0))
			w.done()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// zpackForm returns "packed", "tree" or "none" for key.
func zpackForm(t *testing.T, m *Memory, key []byte) string {
	t.Helper()
	form := "none"
	err := m.View(backend.TxOptions{Keys: [][]byte{key}}, func(btx backend.Tx) error {
		_, e, err := btx.(*tx).zset(key)
		switch {
		case e == nil:
		case zpackIs(e):
			form = "packed"
		default:
			form = "tree"
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return form
}

func zpackIs(e *entry) bool { _, ok := e.coll.(*zpack); return ok }

// zpackOp runs one random sorted-set operation, the same on each of keys,
// and returns each key's results rendered as text.
type zpackOp func(tx backend.Tx, key []byte) (string, error)

// zpackRandomOp returns a random operation over members m0..m39, "" and
// one long member, with scores that take every packed form.
func zpackRandomOp(rng *rand.Rand) (string, zpackOp) {
	member := func() []byte {
		switch rng.IntN(60) {
		case 0:
			return []byte(strings.Repeat("L", zpackMaxBytes+1))
		case 1:
			return []byte{}
		case 2:
			return []byte(strings.Repeat("k", zpackMaxBytes))
		}
		return fmt.Appendf(nil, "m%d", rng.IntN(40))
	}
	scores := []float64{0, math.Copysign(0, -1), 1, -1, 2.5, -3.25, 63, 64, -65, 8192, 1 << 53, 1<<53 + 2, 1e300, math.Inf(1), math.Inf(-1)}
	score := func() float64 {
		if rng.IntN(2) == 0 {
			return float64(rng.IntN(8))
		}
		return scores[rng.IntN(len(scores))]
	}
	zr := backendtest.ZRandom{Rng: rng, Member: member, Score: score}
	elems := func(out *strings.Builder) func([]byte, float64) bool {
		return func(mb []byte, s float64) bool {
			fmt.Fprintf(out, " %q=%v", mb, s)
			return true
		}
	}
	switch rng.IntN(14) {
	case 0, 1, 2, 3:
		var flags backend.ZAddFlags
		switch rng.IntN(6) {
		case 1:
			flags = backend.ZAddNX
		case 2:
			flags = backend.ZAddXX
		case 3:
			flags = backend.ZAddGT
		case 4:
			flags = backend.ZAddLT | backend.ZAddXX
		case 5:
			flags = backend.ZAddIncr
		}
		var pairs []backend.ScoredMember
		n := 1 // one pair takes zaddSplice's path, more zaddPacked's
		if rng.IntN(2) == 0 {
			n += rng.IntN(12)
		}
		for range n {
			pairs = append(pairs, backend.ScoredMember{Member: member(), Score: score()})
		}
		return fmt.Sprintf("ZAdd %v %v", flags, pairs), func(tx backend.Tx, key []byte) (string, error) {
			res, err := tx.ZAdd(key, flags, pairs)
			return fmt.Sprintf("%+v", res), err
		}
	case 4, 5:
		var ms [][]byte
		for range 1 + rng.IntN(6) {
			ms = append(ms, member())
		}
		return fmt.Sprintf("ZRem %q", ms), func(tx backend.Tx, key []byte) (string, error) {
			n, err := tx.ZRem(key, ms)
			return fmt.Sprint(n), err
		}
	case 6:
		r := zr.Range(40)
		return fmt.Sprintf("ZRange %+v", r), func(tx backend.Tx, key []byte) (string, error) {
			var out strings.Builder
			err := tx.ZRange(key, r, elems(&out))
			n, err2 := tx.ZCount(key, r)
			fmt.Fprint(&out, " count ", n)
			return out.String(), cmpOr(err, err2)
		}
	case 7:
		r := zr.Range(40)
		r.Rev = false
		return fmt.Sprintf("ZRemRange %+v", r), func(tx backend.Tx, key []byte) (string, error) {
			n, err := tx.ZRemRange(key, r)
			return fmt.Sprint(n), err
		}
	case 8:
		max, count := rng.IntN(2) == 0, int64(rng.IntN(6)-1)
		return fmt.Sprintf("ZPop %v %d", max, count), func(tx backend.Tx, key []byte) (string, error) {
			var out strings.Builder
			err := tx.ZPop(key, max, count, func(mb []byte, s float64) { elems(&out)(mb, s) })
			return out.String(), err
		}
	case 9:
		mb, rev := member(), rng.IntN(2) == 0
		return fmt.Sprintf("ZRank/ZScore %q %v", mb, rev), func(tx backend.Tx, key []byte) (string, error) {
			r, s, ok, err := tx.ZRank(key, mb, rev)
			s2, ok2, err2 := tx.ZScore(key, mb)
			n, err3 := tx.ZLen(key)
			return fmt.Sprint(r, s, ok, s2, ok2, n), cmpOr(err, err2, err3)
		}
	case 10:
		return "ZScan", func(tx backend.Tx, key []byte) (string, error) {
			var got []string
			var cursor uint64
			for {
				var err error
				cursor, err = tx.ZScan(key, cursor, 3, func(mb []byte, s float64) error {
					got = append(got, fmt.Sprintf("%q=%v", mb, s))
					return nil
				})
				if err != nil || cursor == 0 {
					slices.Sort(got)
					return strings.Join(got, " "), err
				}
			}
		}
	case 11:
		count, distinct := rng.IntN(12), rng.IntN(2) == 0
		return fmt.Sprintf("ZRandom %d %v", count, distinct), func(tx backend.Tx, key []byte) (string, error) {
			seen := map[string]bool{}
			n := 0
			err := tx.ZRandom(key, count, distinct, func(mb []byte, s float64) error {
				if got, ok, _ := tx.ZScore(key, mb); !ok || got != s {
					return fmt.Errorf("ZRandom gave %q=%v, not in the set", mb, s)
				}
				if distinct && seen[string(mb)] {
					return fmt.Errorf("ZRandom gave %q twice", mb)
				}
				seen[string(mb)] = true
				n++
				return nil
			})
			return fmt.Sprint(n), err // the count: the picks are random
		}
	default:
		return "ZIter", func(tx backend.Tx, key []byte) (string, error) {
			var out strings.Builder
			err := tx.ZIter(key, elems(&out))
			return out.String(), err
		}
	}
}

func cmpOr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// TestZPackBothForms runs the same random operations on a sorted set kept
// packed while it may be and on one always in the tree form, and requires
// the same results from both: every operation, across conversions (the
// packed one outgrows zpackMaxEntries or gets a long member, shrinks back
// below and, emptied, comes back packed), with snapshots sharing both.
func TestZPackBothForms(t *testing.T) {
	m := New(Options{Databases: 1, ExpiryInterval: -1})
	defer m.Close()
	rng := rand.New(rand.NewPCG(7, 22))
	pk, tk := []byte("packed"), []byte("tree")
	o := backend.TxOptions{Keys: [][]byte{pk, tk}}
	grown := false // pk has outgrown the packed form since it was created
	var snap backend.Snapshot
	var snapWant map[string]string
	conversions, packedSteps := 0, 0
	for step := range 30_000 {
		desc, op := zpackRandomOp(rng)
		var got [2]string
		err := m.Update(o, func(tx backend.Tx) error {
			for i, k := range [][]byte{pk, tk} {
				s, err := op(tx, k)
				got[i] = fmt.Sprintf("%s err %v", s, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != got[1] {
			t.Fatalf("step %d: %s:\npacked %s\ntree   %s", step, desc, got[0], got[1])
		}
		// The forms: the packed key stays packed until it outgrows it,
		// and then stays a tree until it is deleted.
		form := zpackForm(t, m, pk)
		if form == "packed" {
			packedSteps++
		}
		switch {
		case form == "none":
			grown = false
		case form == "tree" && !grown:
			grown = true
			conversions++
			var n int64
			var long bool
			_ = m.View(o, func(tx backend.Tx) error {
				n, _ = tx.ZLen(pk)
				return tx.ZIter(pk, func(mb []byte, _ float64) bool { long = long || len(mb) > zpackMaxBytes; return true })
			})
			if n <= zpackMaxEntries && !long {
				t.Fatalf("step %d: %s: converted at %d members, none long", step, desc, n)
			}
		case form == "packed" && grown:
			t.Fatalf("step %d: %s: back to packed", step, desc)
		}
		zpackForceTree(t, m, tk)
		switch rng.IntN(500) {
		case 0:
			if snap != nil {
				checkSnapshot(t, snap, snapWant)
			}
			snapWant = dump(t, m)
			if snap, err = m.Snapshot(nil); err != nil {
				t.Fatal(err)
			}
		case 1, 2:
			if snap != nil {
				checkSnapshot(t, snap, snapWant)
				snap = nil
			}
		case 3, 4, 5, 6, 7, 8, 9, 10: // start over, small
			grown = false
			_ = m.Update(o, func(tx backend.Tx) error {
				_, _ = tx.Delete(pk)
				_, err := tx.Delete(tk)
				return err
			})
		}
		if snap == nil && step%200 == 0 {
			checkInvariants(t, m)
		}
	}
	if snap != nil {
		checkSnapshot(t, snap, snapWant)
	}
	t.Logf("%d conversions; the set was packed in %d steps", conversions, packedSteps)
	if conversions < 5 || packedSteps < 10_000 {
		t.Fatalf("only %d conversions to the tree form", conversions)
	}
}
