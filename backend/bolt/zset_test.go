package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/backendtest"
)

// zmodel is the in-test model of one sorted set: member -> score.
type zmodel map[string]float64

// sorted returns the elements in score order.
func (m zmodel) sorted() []backend.ScoredMember {
	out := make([]backend.ScoredMember, 0, len(m))
	for k, s := range m {
		out = append(out, backend.ScoredMember{Member: []byte(k), Score: s})
	}
	slices.SortFunc(out, backend.CompareScored)
	return out
}

func inScore(s float64, r backend.ZRange) bool {
	lo := s > r.Min.Value || (s == r.Min.Value && !r.Min.Exclusive)
	hi := s < r.Max.Value || (s == r.Max.Value && !r.Max.Exclusive)
	return lo && hi
}

// lexSel returns the positions (in score order) a lex range selects, by
// Redis's listpack walk (checked against redis-server 7.0.15): forward from the first element >= min while <=
// max; reverse from the last element <= max while >= min (returned in
// reverse order).
func lexSel(el []backend.ScoredMember, r backend.ZRange, rev bool) []int {
	var out []int
	// zzlIsInLexRange: nothing if min > max, the last element is below
	// min, or the first above max.
	if len(el) == 0 || lexEmpty(r.LexMin, r.LexMax) || !gteMin(el[len(el)-1].Member, r.LexMin) || !lteMax(el[0].Member, r.LexMax) {
		return nil
	}
	if !rev {
		i := 0
		for i < len(el) && !gteMin(el[i].Member, r.LexMin) {
			i++
		}
		for ; i < len(el) && lteMax(el[i].Member, r.LexMax); i++ {
			out = append(out, i)
		}
		return out
	}
	i := len(el) - 1
	for i >= 0 && !lteMax(el[i].Member, r.LexMax) {
		i--
	}
	for ; i >= 0 && gteMin(el[i].Member, r.LexMin); i-- {
		out = append(out, i)
	}
	return out
}

// selectModel returns the positions r selects, in r's order, without
// LIMIT.
func selectModel(el []backend.ScoredMember, r backend.ZRange, rev bool) []int {
	var out []int
	switch r.By {
	case backend.ZByRank:
		for i := r.Start; i <= r.Stop; i++ {
			if rev {
				out = append(out, len(el)-1-int(i))
			} else {
				out = append(out, int(i))
			}
		}
	case backend.ZByScore:
		for i := range el {
			if inScore(el[i].Score, r) {
				out = append(out, i)
			}
		}
		if rev {
			slices.Reverse(out)
		}
	case backend.ZByLex:
		out = lexSel(el, r, rev)
	}
	return out
}

func limit(sel []int, off, count int64) []int {
	if off < 0 {
		return nil
	}
	if off >= int64(len(sel)) {
		return nil
	}
	sel = sel[off:]
	if count >= 0 && count < int64(len(sel)) {
		sel = sel[:count]
	}
	return sel
}

func fmtScored(el []backend.ScoredMember) string {
	var b []byte
	for _, e := range el {
		b = append(b, e.Member...)
		b = append(b, '=')
		b = backend.AppendScore(b, e.Score)
		b = append(b, ' ')
	}
	return string(b)
}

// checkZSet compares the stored sorted set at key with m, and checks the
// rank chunks: they add up to the size, each counts exactly the index keys
// between its fence and the next, and each is within its bounds.
func checkZSet(t *testing.T, be *Bolt, key string, m zmodel) {
	t.Helper()
	mustView(t, be, 0, func(btx backend.Tx) error {
		tx := btx.(*tx)
		var got []backend.ScoredMember
		if err := tx.ZIter([]byte(key), func(mem []byte, s float64) bool {
			got = append(got, backend.ScoredMember{Member: bytes.Clone(mem), Score: s})
			return true
		}); err != nil {
			return err
		}
		if g, w := fmtScored(got), fmtScored(m.sorted()); g != w {
			t.Fatalf("%s: ZIter = %s, model %s", key, g, w)
		}
		n, err := tx.ZLen([]byte(key))
		if err != nil || n != int64(len(m)) {
			t.Fatalf("%s: ZLen = %d, %v; model %d", key, n, err, len(m))
		}
		for mem, s := range m {
			got, ok, err := tx.ZScore([]byte(key), []byte(mem))
			if err != nil || !ok || math.Float64bits(got) != math.Float64bits(s) {
				t.Fatalf("%s: ZScore(%q) = %v %v %v, model %v", key, mem, got, ok, err, s)
			}
		}
		z, ok, err := tx.openZSet([]byte(key), false)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		type chunk struct {
			fence []byte
			n     int64
		}
		var cs []chunk
		cp := z.famPrefix(nil, zfamChunk)
		c := tx.dataB().Cursor()
		for k, v := c.Seek(cp); k != nil && hasPrefix(k, cp); k, v = c.Next() {
			cs = append(cs, chunk{bytes.Clone(k[zHead:]), int64(u64(v))})
		}
		if len(cs) == 0 || len(cs[0].fence) != 0 {
			t.Fatalf("%s: chunks %v: no first chunk", key, cs)
		}
		bmax := tx.b.tuning.zChunk
		var sum int64
		ip := z.famPrefix(nil, zfamIndex)
		for i, ch := range cs {
			sum += ch.n
			if ch.n > bmax || ch.n < 1 || (len(cs) > 1 && ch.n < bmax/4) {
				t.Fatalf("%s: chunk %d of %d counts %d (B=%d)", key, i, len(cs), ch.n, bmax)
			}
			lo := append(bytes.Clone(ip), ch.fence...)
			hi := prefixSuccessor(ip)
			if i+1 < len(cs) {
				hi = append(bytes.Clone(ip), cs[i+1].fence...)
			}
			var real int64
			for k, _ := c.Seek(lo); k != nil && bytes.Compare(k, hi) < 0; k, _ = c.Next() {
				real++
			}
			if real != ch.n {
				t.Fatalf("%s: chunk %d counts %d, holds %d", key, i, ch.n, real)
			}
		}
		if sum != int64(len(m)) {
			t.Fatalf("%s: chunks add up to %d, size %d", key, sum, len(m))
		}
		return nil
	})
}

var errZFail = errors.New("fail after writing")

// TestZSetModel runs random sorted-set operations against zmodel,
// including operations undone by a failing Update, with small rank chunks
// (many splits and merges) and with the default ones.
func TestZSetModel(t *testing.T) {
	steps := 4000
	if testing.Short() {
		steps = 1000
	}
	for _, tc := range []struct {
		name    string
		tun     tuning
		members int
	}{
		{"chunk4", tuning{zChunk: 4, iterChunk: 2}, 40},
		{"chunk8-sweep", tuning{zChunk: 8, smallDrop: -1}, 120},
		{"default", tuning{}, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runZModel(t, 1, steps, tc.tun, tc.members)
		})
	}
}

func runZModel(t *testing.T, seed uint64, steps int, tun tuning, members int) {
	clock := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	be := openTest(t, Options{Sync: SyncNone, Clock: clock, tuning: tun})
	rng := rand.New(rand.NewPCG(seed, 99))
	keys := []string{"z1", "z2"}
	model := map[string]zmodel{"z1": {}, "z2": {}}
	scores := []float64{0, math.Copysign(0, -1), 1, 2.5, -3, 7, 1e100, math.Inf(1), math.Inf(-1), 0.1}
	member := func() []byte {
		if rng.IntN(10) == 0 {
			return []byte{}
		}
		return []byte("m" + strconv.Itoa(rng.IntN(members)))
	}
	score := func() float64 {
		if rng.IntN(3) == 0 {
			return float64(rng.IntN(5))
		}
		return scores[rng.IntN(len(scores))]
	}
	zr := backendtest.ZRandom{Rng: rng, Member: member, Score: score}

	for step := 0; step < steps; step++ {
		key := keys[rng.IntN(len(keys))]
		m := model[key]
		el := m.sorted()
		k := []byte(key)
		fail := rng.IntN(12) == 0 // the Update fails after the operation: nothing may change
		var got, want string
		next := m
		clone := func() zmodel {
			next = make(zmodel, len(m))
			for a, b := range m {
				next[a] = b
			}
			return next
		}
		var op func(tx backend.Tx) string
		switch c := rng.IntN(20); {
		case c < 6: // ZADD
			var flags backend.ZAddFlags
			switch rng.IntN(4) {
			case 1:
				flags |= backend.ZAddNX
			case 2:
				flags |= backend.ZAddXX
			}
			if flags&backend.ZAddNX == 0 {
				switch rng.IntN(4) {
				case 1:
					flags |= backend.ZAddGT
				case 2:
					flags |= backend.ZAddLT
				}
			}
			n := 1 + rng.IntN(6)
			if rng.IntN(4) == 0 {
				flags |= backend.ZAddIncr
				n = 1
			}
			pairs := make([]backend.ScoredMember, n)
			for i := range pairs {
				pairs[i] = backend.ScoredMember{Member: member(), Score: score()}
			}
			nx := clone()
			var res backend.ZAddResult
			var err error
			for _, p := range pairs {
				cur, ok := nx[string(p.Member)]
				s := p.Score
				if !ok {
					if flags&backend.ZAddXX == 0 {
						nx[string(p.Member)] = s
						res.Added++
						res.Score, res.Applied = s, true
					}
					continue
				}
				if flags&backend.ZAddNX != 0 {
					continue
				}
				if flags&backend.ZAddIncr != 0 {
					if s += cur; math.IsNaN(s) {
						res, err, next = backend.ZAddResult{}, backend.ErrNotANumber, m
						break
					}
				}
				if (flags&backend.ZAddGT != 0 && s <= cur) || (flags&backend.ZAddLT != 0 && s >= cur) {
					continue
				}
				res.Score, res.Applied = s, true
				if s != cur {
					nx[string(p.Member)] = s
					res.Updated++
				}
			}
			want = fmt.Sprint(res, err)
			op = func(tx backend.Tx) string { r, err := tx.ZAdd(k, flags, pairs); return fmt.Sprint(r, err) }
		case c < 8: // ZREM
			ms := [][]byte{member(), member(), member()}[:1+rng.IntN(3)]
			nx := clone()
			var n int64
			for _, x := range ms {
				if _, ok := nx[string(x)]; ok {
					delete(nx, string(x))
					n++
				}
			}
			want = fmt.Sprint(n, nil)
			op = func(tx backend.Tx) string { n, err := tx.ZRem(k, ms); return fmt.Sprint(n, err) }
		case c < 9: // ZRANK
			x, rev := member(), rng.IntN(2) == 0
			want = fmt.Sprint(0, 0, false, nil)
			if s, ok := m[string(x)]; ok {
				i := slices.IndexFunc(el, func(e backend.ScoredMember) bool { return string(e.Member) == string(x) })
				if rev {
					i = len(el) - 1 - i
				}
				want = fmt.Sprint(i, s, true, nil)
			}
			op = func(tx backend.Tx) string { r, s, ok, err := tx.ZRank(k, x, rev); return fmt.Sprint(r, s, ok, err) }
		case c < 12: // ZRANGE
			r := zr.Range(len(el))
			if r.By == backend.ZByRank && len(el) == 0 {
				continue
			}
			sel := selectModel(el, r, r.Rev)
			if r.By != backend.ZByRank {
				sel = limit(sel, r.Offset, r.Count)
			}
			var out []backend.ScoredMember
			for _, i := range sel {
				out = append(out, el[i])
			}
			want = fmtScored(out) + "<nil>"
			op = func(tx backend.Tx) string {
				var out []backend.ScoredMember
				err := tx.ZRange(k, r, func(mem []byte, s float64) bool {
					out = append(out, backend.ScoredMember{Member: bytes.Clone(mem), Score: s})
					return true
				})
				return fmtScored(out) + fmt.Sprint(err)
			}
		case c < 13: // ZCOUNT, ZLEXCOUNT
			r := zr.Range(len(el))
			if r.By == backend.ZByRank {
				r.By = backend.ZByScore
			}
			want = fmt.Sprint(len(selectModel(el, r, false)), nil)
			op = func(tx backend.Tx) string { n, err := tx.ZCount(k, r); return fmt.Sprint(n, err) }
		case c < 15: // ZREMRANGEBY*
			r := zr.Range(len(el))
			if r.By == backend.ZByRank && len(el) == 0 {
				continue
			}
			sel := selectModel(el, r, false)
			nx := clone()
			for _, i := range sel {
				delete(nx, string(el[i].Member))
			}
			want = fmt.Sprint(len(sel), nil)
			op = func(tx backend.Tx) string { n, err := tx.ZRemRange(k, r); return fmt.Sprint(n, err) }
		case c < 17: // ZPOPMIN, ZPOPMAX
			hi, count := rng.IntN(2) == 0, int64(rng.IntN(4))
			if rng.IntN(8) == 0 {
				count = int64(len(el) + rng.IntN(2))
			}
			nx := clone()
			var out []backend.ScoredMember
			for i := 0; i < int(count) && i < len(el); i++ {
				e := el[i]
				if hi {
					e = el[len(el)-1-i]
				}
				out = append(out, e)
				delete(nx, string(e.Member))
			}
			want = fmtScored(out) + "<nil>"
			op = func(tx backend.Tx) string {
				var out []backend.ScoredMember
				err := tx.ZPop(k, hi, count, func(mem []byte, s float64) {
					out = append(out, backend.ScoredMember{Member: bytes.Clone(mem), Score: s})
				})
				return fmtScored(out) + fmt.Sprint(err)
			}
		case c < 18: // ZRANDMEMBER
			count, distinct := 1+rng.IntN(5), rng.IntN(2) == 0
			op = func(tx backend.Tx) string {
				seen := map[string]bool{}
				n := 0
				err := tx.ZRandom(k, count, distinct, func(mem []byte, s float64) error {
					n++
					if ms, ok := m[string(mem)]; !ok || math.Float64bits(ms) != math.Float64bits(s) {
						return fmt.Errorf("picked %q %v, not in the set", mem, s)
					}
					if distinct && seen[string(mem)] {
						return fmt.Errorf("picked %q twice", mem)
					}
					seen[string(mem)] = true
					return nil
				})
				want := count
				if distinct {
					want = min(count, len(m))
				}
				if len(m) == 0 {
					want = 0
				}
				if n != want {
					return fmt.Sprintf("%d picks, want %d", n, want)
				}
				return fmt.Sprint(err)
			}
			want = "<nil>"
		case c < 19: // ZSCAN, whole
			want = fmtScored(el)
			op = func(tx backend.Tx) string {
				var out []backend.ScoredMember
				var cur uint64
				for {
					var err error
					cur, err = tx.ZScan(k, cur, 3, func(mem []byte, s float64) error {
						out = append(out, backend.ScoredMember{Member: bytes.Clone(mem), Score: s})
						return nil
					})
					if err != nil {
						return err.Error()
					}
					if cur == 0 {
						break
					}
				}
				slices.SortFunc(out, backend.CompareScored)
				return fmtScored(out)
			}
		default: // DEL, or COPY to the other key
			if rng.IntN(2) == 0 {
				next = zmodel{}
				want = fmt.Sprint(len(m) > 0, nil)
				op = func(tx backend.Tx) string { ok, err := tx.Delete(k); return fmt.Sprint(ok, err) }
			} else {
				other := keys[0]
				if other == key {
					other = keys[1]
				}
				want = fmt.Sprint(len(m) > 0, nil)
				cp := clone()
				if len(m) > 0 {
					model[other] = cp
				}
				next = m
				op = func(tx backend.Tx) string { ok, err := tx.Copy(k, 0, []byte(other), true); return fmt.Sprint(ok, err) }
				fail = false
			}
		}
		err := be.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
			got = op(tx)
			if fail {
				return errZFail
			}
			return nil
		})
		if got != want {
			t.Fatalf("step %d on %s (%v): got %q, want %q", step, key, el, got, want)
		}
		if fail {
			if !errors.Is(err, errZFail) {
				t.Fatalf("step %d: Update = %v", step, err)
			}
		} else {
			if err != nil {
				t.Fatalf("step %d: Update = %v", step, err)
			}
			model[key] = next
		}
		checkZSet(t, be, key, model[key])
		if step%50 == 0 {
			for _, k := range keys {
				checkZSet(t, be, k, model[k])
			}
			checkInvariants(t, be)
		}
	}
}

// TestZSetLexMixedScores checks lex ranges over unequal scores against
// what redis-server 7.0.15 answers for a listpack-encoded set.
func TestZSetLexMixedScores(t *testing.T) {
	be := openTest(t, Options{Sync: SyncNone})
	lb := func(s string) backend.LexBound {
		switch s {
		case "-":
			return backend.LexBound{Inf: -1}
		case "+":
			return backend.LexBound{Inf: 1}
		}
		return backend.LexBound{Value: []byte(s[1:]), Exclusive: s[0] == '('}
	}
	add := func(key string, pairs ...any) {
		var sm []backend.ScoredMember
		for i := 0; i < len(pairs); i += 2 {
			sm = append(sm, backend.ScoredMember{Score: float64(pairs[i].(int)), Member: []byte(pairs[i+1].(string))})
		}
		mustUpdate(t, be, 0, func(tx backend.Tx) error { _, err := tx.ZAdd([]byte(key), 0, sm); return err })
	}
	add("z", 1, "a", 2, "c", 3, "b", 4, "d")
	add("z2", 1, "c", 2, "b", 3, "a")
	for _, c := range []struct {
		key, min, max string
		rev           bool
		off, count    int64
		want          string
	}{
		{"z", "[b", "[c", false, 0, -1, "c b"},
		{"z", "-", "+", false, 0, -1, "a c b d"},
		{"z", "(a", "[c", false, 0, -1, "c b"},
		{"z", "[b", "[c", true, 0, -1, "b c"},
		{"z", "(c", "+", true, 0, -1, "d"},
		{"z", "[b", "[c", false, 1, 5, "b"},
		{"z2", "-", "[b", false, 0, -1, ""},
		{"z2", "[b", "+", false, 0, -1, ""},
		{"z2", "-", "[b", true, 0, -1, ""},
	} {
		r := backend.ZRange{By: backend.ZByLex, LexMin: lb(c.min), LexMax: lb(c.max), Rev: c.rev, Offset: c.off, Count: c.count}
		var got []string
		mustView(t, be, 0, func(tx backend.Tx) error {
			return tx.ZRange([]byte(c.key), r, func(m []byte, _ float64) bool { got = append(got, string(m)); return true })
		})
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%s %s %s rev=%v limit %d %d: %q, want %q", c.key, c.min, c.max, c.rev, c.off, c.count, g, c.want)
		}
	}
	count := func(key, min, max string) (n int64) {
		mustView(t, be, 0, func(tx backend.Tx) (err error) {
			n, err = tx.ZCount([]byte(key), backend.ZRange{By: backend.ZByLex, LexMin: lb(min), LexMax: lb(max)})
			return err
		})
		return n
	}
	if n := count("z", "[b", "[c"); n != 2 {
		t.Errorf("ZLEXCOUNT z [b [c = %d, want 2", n)
	}
	if n := count("z2", "[b", "+"); n != 0 {
		t.Errorf("ZLEXCOUNT z2 [b + = %d, want 0", n)
	}
	mustUpdate(t, be, 0, func(tx backend.Tx) error {
		n, err := tx.ZRemRange([]byte("z"), backend.ZRange{By: backend.ZByLex, LexMin: lb("[b"), LexMax: lb("[c")})
		if n != 2 {
			t.Errorf("ZREMRANGEBYLEX z [b [c = %d, want 2", n)
		}
		return err
	})
	checkZSet(t, be, "z", zmodel{"a": 1, "d": 4})
}
