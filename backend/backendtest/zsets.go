package backendtest

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"redpool/backend"
)

// zs parses "member=score ..." (the last '=' splits; scores as
// strconv.ParseFloat reads them, "inf" and "-inf" included) into pairs.
func zs(s string) []backend.ScoredMember {
	var out []backend.ScoredMember
	for _, f := range strings.Fields(s) {
		i := strings.LastIndexByte(f, '=')
		if i < 0 {
			panic("zs: no score in " + f)
		}
		score, err := strconv.ParseFloat(f[i+1:], 64)
		if err != nil {
			panic("zs: bad score in " + f)
		}
		out = append(out, backend.ScoredMember{Member: b(f[:i]), Score: score})
	}
	return out
}

// zstr renders pairs as zs reads them (members quoted when not plain).
func zstr(pairs []backend.ScoredMember) string {
	var sb strings.Builder
	for i, p := range pairs {
		if i > 0 {
			sb.WriteByte(' ')
		}
		m := string(p.Member)
		if m == "" || strings.ContainsAny(m, " =") || strconv.Quote(m) != `"`+m+`"` {
			m = strconv.Quote(m)
		}
		sb.WriteString(m + "=" + strings.ToLower(strings.TrimPrefix(strconv.FormatFloat(p.Score, 'g', -1, 64), "+")))
	}
	return sb.String()
}

func (h *harness) tryZAdd(db int, key string, flags backend.ZAddFlags, pairs []backend.ScoredMember) (backend.ZAddResult, error) {
	var res backend.ZAddResult
	err := h.tryUpdate(db, k(key), func(tx backend.Tx) (err error) {
		res, err = tx.ZAdd(b(key), flags, pairs)
		return err
	})
	return res, err
}

func (h *harness) zadd(db int, key string, pairs string) int64 {
	h.t.Helper()
	res, err := h.tryZAdd(db, key, 0, zs(pairs))
	if err != nil {
		h.t.Fatalf("ZAdd(%q, %s): %v", key, pairs, err)
	}
	return res.Added
}

func (h *harness) zrem(db int, key string, members ...string) int64 {
	h.t.Helper()
	var n int64
	h.update(db, k(key), func(tx backend.Tx) (err error) {
		n, err = tx.ZRem(b(key), bs(members...))
		return err
	})
	return n
}

// zset returns key's elements in order through ZIter (nil if missing).
func (h *harness) zset(db int, key string) []backend.ScoredMember {
	h.t.Helper()
	var out []backend.ScoredMember
	h.view(db, k(key), func(tx backend.Tx) error {
		out = nil
		return tx.ZIter(b(key), func(m []byte, s float64) bool {
			out = append(out, backend.ScoredMember{Member: slices.Clone(m), Score: s})
			return true
		})
	})
	return out
}

// mustZSet checks key's elements, in order, through ZIter, ZLen, ZScore
// and ZRank both ways; want "" means the key must be missing.
func (h *harness) mustZSet(db int, key string, want string) {
	h.t.Helper()
	h.mustZPairs(db, key, zs(want))
}

func (h *harness) mustZPairs(db int, key string, want []backend.ScoredMember) {
	h.t.Helper()
	got := h.zset(db, key)
	if g, w := zstr(got), zstr(want); g != w {
		h.t.Fatalf("zset %q = %s\nwant %s", key, g, w)
	}
	if len(want) == 0 {
		h.mustMissing(db, key)
		return
	}
	if typ := h.typeOf(db, key); typ != backend.TypeZSet {
		h.t.Fatalf("Type(%q) = %v, want zset", key, typ)
	}
	h.view(db, k(key), func(tx backend.Tx) error {
		if n, err := tx.ZLen(b(key)); n != int64(len(want)) || err != nil {
			return fmt.Errorf("ZLen(%q) = %d, %v, want %d", key, n, err, len(want))
		}
		for i, p := range want {
			if s, ok, err := tx.ZScore(b(key), p.Member); !ok || err != nil || s != p.Score {
				return fmt.Errorf("ZScore(%q, %q) = %v, %v, %v; want %v", key, p.Member, s, ok, err, p.Score)
			}
			for _, rev := range []bool{false, true} {
				want := int64(i)
				if rev {
					want = int64(len(got) - 1 - i)
				}
				r, s, ok, err := tx.ZRank(b(key), p.Member, rev)
				if r != want || !ok || err != nil || s != p.Score {
					return fmt.Errorf("ZRank(%q, %q, rev %v) = %d, %v, %v, %v; want %d, %v", key, p.Member, rev, r, s, ok, err, want, p.Score)
				}
			}
		}
		return nil
	})
}

func testZSetBasics(h *harness) {
	t := h.t
	if n := h.zadd(0, "z", "b=2 a=1 c=2 a=3"); n != 3 {
		t.Fatalf("ZAdd = %d, want 3 (a given twice counts once)", n)
	}
	// a given twice is applied twice, in order: 3 wins.
	h.mustZSet(0, "z", "b=2 c=2 a=3")
	// Equal scores order by member bytes; infinities at the ends.
	h.zadd(0, "z", "B=2 bb=2 ninf=-inf pinf=inf zero=0 neg=-1.5")
	h.mustZSet(0, "z", "ninf=-inf neg=-1.5 zero=0 B=2 b=2 bb=2 c=2 a=3 pinf=inf")
	h.view(0, k("z", "nope"), func(tx backend.Tx) error {
		if s, ok, err := tx.ZScore(b("z"), b("zz")); ok || err != nil {
			return fmt.Errorf("ZScore(missing member) = %v, %v, %v", s, ok, err)
		}
		if s, ok, err := tx.ZScore(b("nope"), b("a")); ok || err != nil {
			return fmt.Errorf("ZScore(missing key) = %v, %v, %v", s, ok, err)
		}
		if r, _, ok, err := tx.ZRank(b("z"), b("zz"), false); ok || err != nil {
			return fmt.Errorf("ZRank(missing member) = %d, %v, %v", r, ok, err)
		}
		if r, _, ok, err := tx.ZRank(b("nope"), b("a"), true); ok || err != nil {
			return fmt.Errorf("ZRank(missing key) = %d, %v, %v", r, ok, err)
		}
		if n, err := tx.ZLen(b("nope")); n != 0 || err != nil {
			return fmt.Errorf("ZLen(missing) = %d, %v", n, err)
		}
		calls := 0
		if err := tx.ZIter(b("nope"), func([]byte, float64) bool { calls++; return true }); err != nil || calls != 0 {
			return fmt.Errorf("ZIter(missing) = %d calls, %v", calls, err)
		}
		return nil
	})
	// ZRem counts the members that were there.
	if n := h.zrem(0, "z", "a", "nope", "B", "a"); n != 2 {
		t.Fatalf("ZRem = %d, want 2", n)
	}
	h.mustZSet(0, "z", "ninf=-inf neg=-1.5 zero=0 b=2 bb=2 c=2 pinf=inf")
	if n := h.zrem(0, "z", "zz"); n != 0 {
		t.Fatalf("ZRem(missing member) = %d", n)
	}
	if n := h.zrem(0, "z", "ninf", "neg", "zero", "b", "bb", "c", "pinf"); n != 7 {
		t.Fatalf("ZRem(all) = %d, want 7", n)
	}
	h.mustZSet(0, "z", "") // removing the last element deletes the key
	if n := h.zrem(0, "z", "a"); n != 0 {
		t.Fatalf("ZRem(missing key) = %d", n)
	}
	// The empty member and binary members, ordered by bytes.
	h.update(0, k("e"), func(tx backend.Tx) error {
		_, err := tx.ZAdd(b("e"), 0, []backend.ScoredMember{
			{Member: b("\xff"), Score: 0}, {Member: b(""), Score: 0}, {Member: b("\x00\x01"), Score: 0}, {Member: b("A"), Score: 0},
		})
		return err
	})
	h.mustZPairs(0, "e", []backend.ScoredMember{{Member: b("")}, {Member: b("\x00\x01")}, {Member: b("A")}, {Member: b("\xff")}})
	// ZAdd with no pairs creates nothing; neither does ZRem of nothing.
	if res, err := h.tryZAdd(0, "none", 0, nil); err != nil || res != (backend.ZAddResult{}) {
		t.Fatalf("ZAdd(no pairs) = %+v, %v", res, err)
	}
	h.mustZSet(0, "none", "")
	// ZIter stops when fn says so.
	var many []string
	for i := range 300 {
		many = append(many, fmt.Sprintf("m%03d=%d", i, i))
	}
	h.zadd(0, "big", strings.Join(many, " "))
	calls := 0
	h.view(0, k("big"), func(tx backend.Tx) error {
		calls = 0
		return tx.ZIter(b("big"), func([]byte, float64) bool { calls++; return calls < 3 })
	})
	if calls != 3 {
		t.Fatalf("ZIter made %d calls after stop", calls)
	}
	h.mustZSet(0, "big", strings.Join(many, " "))
	// Input slices are copied.
	m := b("mem")
	h.update(0, k("c"), func(tx backend.Tx) error {
		_, err := tx.ZAdd(b("c"), 0, []backend.ScoredMember{{Member: m, Score: 1}})
		return err
	})
	copy(m, "XXX")
	h.mustZSet(0, "c", "mem=1")
}

// testZSetAddFlags checks every valid combination of ZADD's flags (the
// command layer refuses NX with XX, GT with LT, and NX with GT or LT), with
// and without INCR, on existing members, new ones and a missing key.
func testZSetAddFlags(h *harness) {
	t := h.t
	const start = "a=1 b=2 c=3"
	X, N, G, L, I := backend.ZAddXX, backend.ZAddNX, backend.ZAddGT, backend.ZAddLT, backend.ZAddIncr
	cases := []struct {
		flags          backend.ZAddFlags
		pairs          string
		added, updated int64
		want           string // the set afterwards
	}{
		// a goes up, b stays, c goes down, d is new.
		{0, "a=5 b=2 c=0 d=4", 1, 2, "c=0 b=2 d=4 a=5"},
		{N, "a=5 b=2 c=0 d=4", 1, 0, "a=1 b=2 c=3 d=4"},
		{X, "a=5 b=2 c=0 d=4", 0, 2, "c=0 b=2 a=5"},
		{G, "a=5 b=2 c=0 d=4", 1, 1, "b=2 c=3 d=4 a=5"},
		{L, "a=5 b=2 c=0 d=4", 1, 1, "c=0 a=1 b=2 d=4"},
		{X | G, "a=5 b=2 c=0 d=4", 0, 1, "b=2 c=3 a=5"},
		{X | L, "a=5 b=2 c=0 d=4", 0, 1, "c=0 a=1 b=2"},
		// A member given twice is applied twice.
		{0, "a=7 a=8", 0, 2, "b=2 c=3 a=8"},
		{G, "a=7 a=6", 0, 1, "b=2 c=3 a=7"},
		{N, "d=7 d=8", 1, 0, "a=1 b=2 c=3 d=7"},
		// Infinities are scores like any other.
		{0, "a=inf c=-inf", 0, 2, "c=-inf b=2 a=inf"},
		{G, "a=inf b=-inf", 0, 1, "b=2 c=3 a=inf"},
	}
	for i, tc := range cases {
		key := fmt.Sprint("f", i)
		h.zadd(0, key, start)
		res, err := h.tryZAdd(0, key, tc.flags, zs(tc.pairs))
		if err != nil || res.Added != tc.added || res.Updated != tc.updated {
			t.Fatalf("case %d: ZAdd(flags %b, %s) = %+v, %v; want added %d, updated %d", i, tc.flags, tc.pairs, res, err, tc.added, tc.updated)
		}
		h.mustZSet(0, key, tc.want)
	}
	// On a missing key: XX adds nothing and creates nothing; the others add.
	for _, flags := range []backend.ZAddFlags{X, X | G, X | L, X | I} {
		res, err := h.tryZAdd(0, "nokey", flags, zs("a=1"))
		if err != nil || res.Added != 0 || res.Updated != 0 || res.Applied {
			t.Fatalf("ZAdd(flags %b) on a missing key = %+v, %v", flags, res, err)
		}
		h.mustZSet(0, "nokey", "")
	}
	for _, flags := range []backend.ZAddFlags{0, N, G, L} {
		key := fmt.Sprint("new", flags)
		res, err := h.tryZAdd(0, key, flags, zs("a=1 b=2"))
		if err != nil || res.Added != 2 || res.Updated != 0 {
			t.Fatalf("ZAdd(flags %b) on a new key = %+v, %v", flags, res, err)
		}
		h.mustZSet(0, key, "a=1 b=2")
	}

	// INCR: one pair whose score is an increment.
	incr := []struct {
		flags   backend.ZAddFlags
		pair    string
		applied bool
		score   float64 // the new score, when applied
		added   int64
		updated int64
		want    string
	}{
		{I, "a=2.5", true, 3.5, 0, 1, "b=2 c=3 a=3.5"},
		{I, "a=-3", true, -2, 0, 1, "a=-2 b=2 c=3"},
		{I, "a=0", true, 1, 0, 0, start}, // unchanged: applied, not updated
		{I, "d=4", true, 4, 1, 0, "a=1 b=2 c=3 d=4"},
		{I | N, "a=1", false, 0, 0, 0, start},
		{I | N, "d=4", true, 4, 1, 0, "a=1 b=2 c=3 d=4"},
		{I | X, "a=1", true, 2, 0, 1, "a=2 b=2 c=3"},
		{I | X, "d=4", false, 0, 0, 0, start},
		{I | G, "a=1", true, 2, 0, 1, "a=2 b=2 c=3"},
		{I | G, "a=-1", false, 0, 0, 0, start},
		{I | G, "a=0", false, 0, 0, 0, start}, // equal is not greater
		{I | G, "d=4", true, 4, 1, 0, "a=1 b=2 c=3 d=4"},
		{I | L, "a=-1", true, 0, 0, 1, "a=0 b=2 c=3"},
		{I | L, "a=1", false, 0, 0, 0, start},
		{I | L, "a=0", false, 0, 0, 0, start},
		{I | X | G, "c=0.5", true, 3.5, 0, 1, "a=1 b=2 c=3.5"},
		{I | X | L, "c=0.5", false, 0, 0, 0, start},
		{I, "a=inf", true, math.Inf(1), 0, 1, "b=2 c=3 a=inf"},
	}
	for i, tc := range incr {
		key := fmt.Sprint("i", i)
		h.zadd(0, key, start)
		res, err := h.tryZAdd(0, key, tc.flags, zs(tc.pair))
		if err != nil || res.Applied != tc.applied || res.Added != tc.added || res.Updated != tc.updated || tc.applied && res.Score != tc.score {
			t.Fatalf("incr case %d: ZAdd(flags %b, %s) = %+v, %v; want applied %v score %v added %d updated %d",
				i, tc.flags, tc.pair, res, err, tc.applied, tc.score, tc.added, tc.updated)
		}
		h.mustZSet(0, key, tc.want)
	}
	// INCR on a missing key creates it with the increment as the score.
	res, err := h.tryZAdd(0, "inew", I, zs("m=-2.5"))
	if err != nil || !res.Applied || res.Score != -2.5 || res.Added != 1 {
		t.Fatalf("ZAdd INCR on a missing key = %+v, %v", res, err)
	}
	h.mustZSet(0, "inew", "m=-2.5")
	// inf + -inf is NaN: ErrNotANumber, and nothing changes.
	h.zadd(0, "nan", "a=inf b=-inf c=1")
	for _, tc := range []struct {
		flags backend.ZAddFlags
		pair  string
	}{{I, "a=-inf"}, {I, "b=inf"}, {I | X, "a=-inf"}, {I | G, "b=inf"}, {I | L, "a=-inf"}} {
		if res, err := h.tryZAdd(0, "nan", tc.flags, zs(tc.pair)); !errors.Is(err, backend.ErrNotANumber) {
			t.Fatalf("ZAdd(flags %b, %s) = %+v, %v; want ErrNotANumber", tc.flags, tc.pair, res, err)
		}
	}
	h.mustZSet(0, "nan", "b=-inf c=1 a=inf")
	// inf + inf stays inf: applied, unchanged.
	res, err = h.tryZAdd(0, "nan", I, zs("a=inf"))
	if err != nil || !res.Applied || !math.IsInf(res.Score, 1) || res.Updated != 0 {
		t.Fatalf("ZAdd INCR inf+inf = %+v, %v", res, err)
	}
	h.mustZSet(0, "nan", "b=-inf c=1 a=inf")
}

// zref is the test's model of a sorted set: its elements in order.
type zref []backend.ScoredMember

func (z zref) sorted() zref {
	out := slices.Clone(z)
	slices.SortFunc(out, backend.CompareScored)
	return out
}

// inScore and inLex say whether an element lies within r's bounds.
func inScore(r backend.ZRange, s float64) bool {
	above := s > r.Min.Value || !r.Min.Exclusive && s == r.Min.Value
	below := s < r.Max.Value || !r.Max.Exclusive && s == r.Max.Value
	return above && below
}

func inLex(r backend.ZRange, m []byte) bool {
	cmpTo := func(v backend.LexBound) int {
		if v.Inf != 0 {
			return -int(v.Inf)
		}
		return strings.Compare(string(m), string(v.Value))
	}
	lo, hi := cmpTo(r.LexMin), cmpTo(r.LexMax)
	return (lo > 0 || lo == 0 && !r.LexMin.Exclusive) && (hi < 0 || hi == 0 && !r.LexMax.Exclusive)
}

// selected returns the elements r selects, in r's order, without Offset
// and Count (what ZCount counts and ZRemRange removes, in r's order).
func (z zref) selected(r backend.ZRange) zref {
	order := slices.Clone(z)
	if r.Rev {
		slices.Reverse(order)
	}
	var out zref
	for i, p := range order {
		switch r.By {
		case backend.ZByRank:
			if int64(i) >= r.Start && int64(i) <= r.Stop {
				out = append(out, p)
			}
		case backend.ZByScore:
			if inScore(r, p.Score) {
				out = append(out, p)
			}
		case backend.ZByLex:
			if inLex(r, p.Member) {
				out = append(out, p)
			}
		}
	}
	return out
}

// ranged returns what ZRange(r) yields.
func (z zref) ranged(r backend.ZRange) zref {
	out := z.selected(r)
	if r.By == backend.ZByRank {
		return out
	}
	if r.Offset < 0 {
		return nil
	}
	out = out[min(int(r.Offset), len(out)):]
	if r.Count >= 0 && int(r.Count) < len(out) {
		out = out[:r.Count]
	}
	return out
}

func (h *harness) zrange(db int, key string, r backend.ZRange) zref {
	h.t.Helper()
	var out zref
	h.view(db, k(key), func(tx backend.Tx) error {
		out = nil
		return tx.ZRange(b(key), r, func(m []byte, s float64) bool {
			out = append(out, backend.ScoredMember{Member: slices.Clone(m), Score: s})
			return true
		})
	})
	return out
}

func (h *harness) zcount(db int, key string, r backend.ZRange) int64 {
	h.t.Helper()
	var n int64
	h.view(db, k(key), func(tx backend.Tx) (err error) {
		n, err = tx.ZCount(b(key), r)
		return err
	})
	return n
}

// Range constructors for the tests.
func byRank(start, stop int64, rev bool) backend.ZRange {
	return backend.ZRange{By: backend.ZByRank, Start: start, Stop: stop, Rev: rev, Count: -1}
}

func byScore(min, max string, rev bool, offset, count int64) backend.ZRange {
	return backend.ZRange{By: backend.ZByScore, Min: scoreBound(min), Max: scoreBound(max), Rev: rev, Offset: offset, Count: count}
}

func byLex(min, max string, rev bool, offset, count int64) backend.ZRange {
	return backend.ZRange{By: backend.ZByLex, LexMin: lexBound(min), LexMax: lexBound(max), Rev: rev, Offset: offset, Count: count}
}

// scoreBound reads "1.5", "(1.5", "-inf", "(inf" as ZRANGEBYSCORE does.
func scoreBound(s string) backend.ScoreBound {
	var sb backend.ScoreBound
	if strings.HasPrefix(s, "(") {
		sb.Exclusive, s = true, s[1:]
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic("scoreBound: " + s)
	}
	sb.Value = v
	return sb
}

// lexBound reads "-", "+", "[a", "(a" as ZRANGEBYLEX does.
func lexBound(s string) backend.LexBound {
	switch {
	case s == "-":
		return backend.LexBound{Inf: -1}
	case s == "+":
		return backend.LexBound{Inf: 1}
	case strings.HasPrefix(s, "("):
		return backend.LexBound{Value: b(s[1:]), Exclusive: true}
	case strings.HasPrefix(s, "["):
		return backend.LexBound{Value: b(s[1:])}
	}
	panic("lexBound: " + s)
}

func describeRange(r backend.ZRange) string {
	switch r.By {
	case backend.ZByRank:
		return fmt.Sprintf("rank %d..%d rev %v", r.Start, r.Stop, r.Rev)
	case backend.ZByScore:
		return fmt.Sprintf("score %+v..%+v rev %v limit %d %d", r.Min, r.Max, r.Rev, r.Offset, r.Count)
	}
	return fmt.Sprintf("lex %+v..%+v rev %v limit %d %d", r.LexMin, r.LexMax, r.Rev, r.Offset, r.Count)
}

// checkRange compares ZRange and ZCount of key with the model.
func (h *harness) checkRange(key string, model zref, r backend.ZRange) {
	h.t.Helper()
	if g, w := zstr(h.zrange(0, key, r)), zstr(model.ranged(r)); g != w {
		h.t.Fatalf("ZRange(%q, %s) = %s\nwant %s", key, describeRange(r), g, w)
	}
	if g, w := h.zcount(0, key, r), int64(len(model.selected(r))); g != w {
		h.t.Fatalf("ZCount(%q, %s) = %d, want %d", key, describeRange(r), g, w)
	}
}

// testZSetRange checks ZRange and ZCount by rank, score and lex: a few
// exact cases, then every combination of bounds against the model.
func testZSetRange(h *harness) {
	t := h.t
	h.zadd(0, "z", "a=1 b=2 c=2 d=3 e=inf f=-inf g=2.5")
	exact := []struct {
		r    backend.ZRange
		want string
	}{
		{byRank(0, 6, false), "f=-inf a=1 b=2 c=2 g=2.5 d=3 e=inf"},
		{byRank(1, 2, false), "a=1 b=2"},
		{byRank(1, 2, true), "d=3 g=2.5"},
		{byRank(6, 6, true), "f=-inf"},
		{backend.ZRange{By: backend.ZByRank, Start: 2, Stop: 3, Offset: 1, Count: 0}, "b=2 c=2"}, // LIMIT is for score and lex
		{byScore("2", "3", false, 0, -1), "b=2 c=2 g=2.5 d=3"},
		{byScore("(2", "3", false, 0, -1), "g=2.5 d=3"},
		{byScore("2", "(3", false, 0, -1), "b=2 c=2 g=2.5"},
		{byScore("(2", "(2.5", false, 0, -1), ""},
		{byScore("2", "3", true, 0, -1), "d=3 g=2.5 c=2 b=2"},
		{byScore("2", "3", true, 1, 2), "g=2.5 c=2"},
		{byScore("2", "3", false, 1, 2), "c=2 g=2.5"},
		{byScore("2", "3", false, 3, 5), "d=3"},
		{byScore("2", "3", false, 4, 5), ""},
		{byScore("2", "3", false, 0, 0), ""},
		{byScore("2", "3", false, -1, 2), ""}, // a negative offset selects nothing
		{byScore("2", "3", true, -2, -1), ""},
		{byScore("-inf", "inf", false, 0, -1), "f=-inf a=1 b=2 c=2 g=2.5 d=3 e=inf"},
		{byScore("(-inf", "(inf", false, 0, -1), "a=1 b=2 c=2 g=2.5 d=3"},
		{byScore("inf", "inf", false, 0, -1), "e=inf"},
		{byScore("3", "2", false, 0, -1), ""}, // min above max
	}
	model := zref(zs("a=1 b=2 c=2 d=3 e=inf f=-inf g=2.5")).sorted()
	for _, tc := range exact {
		if g := zstr(h.zrange(0, "z", tc.r)); g != tc.want {
			t.Fatalf("ZRange(%s) = %s, want %s", describeRange(tc.r), g, tc.want)
		}
		h.checkRange("z", model, tc.r)
	}
	// Lex ranges, on equal scores.
	h.zadd(0, "lex", "a=0 b=0 ba=0 c=0 d=0 e=0 =0")
	lexModel := zref(zs("a=0 b=0 ba=0 c=0 d=0 e=0 =0")).sorted()
	lexExact := []struct {
		r    backend.ZRange
		want string
	}{
		{byLex("-", "+", false, 0, -1), `""=0 a=0 b=0 ba=0 c=0 d=0 e=0`},
		{byLex("-", "+", true, 0, -1), `e=0 d=0 c=0 ba=0 b=0 a=0 ""=0`},
		{byLex("[b", "[c", false, 0, -1), "b=0 ba=0 c=0"},
		{byLex("(b", "(c", false, 0, -1), "ba=0"},
		{byLex("[b", "(c", true, 0, -1), "ba=0 b=0"},
		{byLex("(a", "+", false, 1, 2), "ba=0 c=0"},
		{byLex("-", "(b", true, 0, 1), "a=0"},
		{byLex("[", "[a", false, 0, -1), `""=0 a=0`},
		{byLex("(", "[a", false, 0, -1), "a=0"},
		{byLex("+", "-", false, 0, -1), ""},
		{byLex("[c", "[b", false, 0, -1), ""},
		{byLex("[bb", "[bz", false, 0, -1), ""},
		{byLex("-", "+", false, -1, 3), ""},
	}
	for _, tc := range lexExact {
		if g := zstr(h.zrange(0, "lex", tc.r)); g != tc.want {
			t.Fatalf("ZRange(%s) = %s, want %s", describeRange(tc.r), g, tc.want)
		}
		h.checkRange("lex", lexModel, tc.r)
	}
	// Every combination on a larger set, with many equal scores.
	var pairs []string
	for i := range 200 {
		pairs = append(pairs, fmt.Sprintf("m%03d=%d", (i*37)%200, i/7))
	}
	h.zadd(0, "big", strings.Join(pairs, " "))
	big := zref(zs(strings.Join(pairs, " "))).sorted()
	h.mustZPairs(0, "big", big)
	for _, rev := range []bool{false, true} {
		for _, span := range [][2]int64{{0, 0}, {0, 199}, {5, 17}, {199, 199}, {100, 150}} {
			h.checkRange("big", big, byRank(span[0], span[1], rev))
		}
		for _, lo := range []string{"-inf", "0", "(0", "3", "(3", "27.5", "28", "(28", "inf"} {
			for _, hi := range []string{"-inf", "(0", "0", "3", "(3", "14.2", "(28", "28", "inf"} {
				for _, lim := range [][2]int64{{0, -1}, {0, 3}, {2, 10}, {50, -1}, {300, 5}} {
					h.checkRange("big", big, byScore(lo, hi, rev, lim[0], lim[1]))
				}
			}
		}
	}
	var lexPairs []string
	for i := range 150 {
		lexPairs = append(lexPairs, fmt.Sprintf("%c%d=0", 'a'+i%26, i/26))
	}
	h.zadd(0, "biglex", strings.Join(lexPairs, " "))
	biglex := zref(zs(strings.Join(lexPairs, " "))).sorted()
	for _, rev := range []bool{false, true} {
		for _, lo := range []string{"-", "+", "[a", "(a0", "[c3", "(c3", "[zz"} {
			for _, hi := range []string{"-", "+", "[a", "(b", "[m2", "(m2", "[z"} {
				for _, lim := range [][2]int64{{0, -1}, {1, 4}, {40, -1}} {
					h.checkRange("biglex", biglex, byLex(lo, hi, rev, lim[0], lim[1]))
				}
			}
		}
	}
	// fn stops the walk.
	calls := 0
	h.view(0, k("big"), func(tx backend.Tx) error {
		calls = 0
		return tx.ZRange(b("big"), byScore("-inf", "inf", true, 0, -1), func([]byte, float64) bool { calls++; return calls < 4 })
	})
	if calls != 4 {
		t.Fatalf("ZRange made %d calls after stop", calls)
	}
	// A missing key has nothing.
	if got := h.zrange(0, "nope", byScore("-inf", "inf", false, 0, -1)); got != nil {
		t.Fatalf("ZRange(missing) = %s", zstr(got))
	}
	if n := h.zcount(0, "nope", byLex("-", "+", false, 0, -1)); n != 0 {
		t.Fatalf("ZCount(missing) = %d", n)
	}
}

// testZSetRemRange: ZRemRange by rank, score and lex removes what ZCount
// counts; removing everything deletes the key.
func testZSetRemRange(h *harness) {
	t := h.t
	var pairs, lexPairs []string
	for i := range 300 {
		pairs = append(pairs, fmt.Sprintf("m%03d=%d", i, i/3))
		lexPairs = append(lexPairs, fmt.Sprintf("m%03d=0", i))
	}
	ranges := []backend.ZRange{
		byRank(0, 0, false), byRank(10, 120, false), byRank(0, 299, false), byRank(299, 299, false),
		byRank(3, 7, true),                                                  // Rev is ignored: ranks in score order
		byScore("5", "(40", false, 0, -1), byScore("(5", "40", false, 7, 1), // Offset and Count ignored
		byScore("-inf", "inf", false, 0, -1), byScore("50", "20", false, 0, -1), byScore("99", "inf", false, 0, -1),
		byLex("-", "+", false, 0, -1), byLex("[m100", "(m200", false, 0, -1), byLex("(m298", "+", true, 0, -1),
	}
	for i, r := range ranges {
		key := fmt.Sprint("r", i)
		all := strings.Join(pairs, " ")
		if r.By == backend.ZByLex {
			all = strings.Join(lexPairs, " ") // lex ranges need equal scores
		}
		h.zadd(0, key, all)
		model := zref(zs(all)).sorted()
		fwd := r
		fwd.Rev = false // ignored
		want := model.selected(fwd)
		var n int64
		h.update(0, k(key), func(tx backend.Tx) (err error) {
			n, err = tx.ZRemRange(b(key), r)
			return err
		})
		if n != int64(len(want)) {
			t.Fatalf("ZRemRange(%s) = %d, want %d", describeRange(r), n, len(want))
		}
		gone := map[string]bool{}
		for _, p := range want {
			gone[string(p.Member)] = true
		}
		var left zref
		for _, p := range model {
			if !gone[string(p.Member)] {
				left = append(left, p)
			}
		}
		h.mustZPairs(0, key, left)
	}
	if n := func() (n int64) {
		h.update(0, k("nope"), func(tx backend.Tx) (err error) {
			n, err = tx.ZRemRange(b("nope"), byRank(0, 5, false))
			return err
		})
		return n
	}(); n != 0 {
		t.Fatalf("ZRemRange(missing) = %d", n)
	}
}

func (h *harness) zpop(db int, key string, max bool, count int64) zref {
	h.t.Helper()
	var out zref
	h.update(db, k(key), func(tx backend.Tx) error {
		out = nil
		return tx.ZPop(b(key), max, count, func(m []byte, s float64) {
			out = append(out, backend.ScoredMember{Member: slices.Clone(m), Score: s})
		})
	})
	return out
}

func testZSetPop(h *harness) {
	t := h.t
	h.zadd(0, "z", "a=1 b=2 c=2 d=3 e=inf f=-inf")
	check := func(got zref, want string) {
		t.Helper()
		if zstr(got) != zstr(zs(want)) {
			t.Fatalf("ZPop = %s, want %s", zstr(got), want)
		}
	}
	check(h.zpop(0, "z", false, 1), "f=-inf")
	check(h.zpop(0, "z", true, 1), "e=inf")
	check(h.zpop(0, "z", false, 2), "a=1 b=2")
	check(h.zpop(0, "z", true, 0), "")
	check(h.zpop(0, "z", false, -1), "")
	h.mustZSet(0, "z", "c=2 d=3")
	check(h.zpop(0, "z", true, 10), "d=3 c=2")
	h.mustZSet(0, "z", "")
	check(h.zpop(0, "z", true, 3), "")
	// A large set, popped from both ends past the whole.
	var pairs []string
	for i := range 1000 {
		pairs = append(pairs, fmt.Sprintf("m%04d=%d", i, i/10))
	}
	h.zadd(0, "big", strings.Join(pairs, " "))
	model := zref(zs(strings.Join(pairs, " "))).sorted()
	if got, want := h.zpop(0, "big", false, 300), model[:300]; zstr(got) != zstr(want) {
		t.Fatalf("ZPop(min 300) = %s", zstr(got))
	}
	top := slices.Clone(model[600:])
	slices.Reverse(top)
	if got := h.zpop(0, "big", true, 400); zstr(got) != zstr(top) {
		t.Fatalf("ZPop(max 400) = %s", zstr(got))
	}
	h.mustZPairs(0, "big", model[300:600])
	if got := h.zpop(0, "big", true, 5000); len(got) != 300 {
		t.Fatalf("ZPop(max 5000) = %d elements, want 300", len(got))
	}
	h.mustZSet(0, "big", "")
}

// zscan collects key's elements with ZScan calls of count, running
// between(i) after each call (outside any transaction).
func (h *harness) zscan(db int, key string, count int, between func(i int)) map[string]float64 {
	h.t.Helper()
	got := map[string]float64{}
	h.scanLoop(db, k(key), "ZScan", between, func(tx backend.Tx, cursor uint64) (uint64, error) {
		return tx.ZScan(b(key), cursor, count, func(m []byte, s float64) error {
			got[string(m)] = s
			return nil
		})
	})
	return got
}

// testZSetScan: every element once or more for any count, with its score;
// every element present for the whole scan although others come and go
// between calls.
func testZSetScan(h *harness) {
	t := h.t
	want := map[string]float64{}
	var pairs []string
	for i := range 1000 {
		want[fmt.Sprint("m", i)] = float64(i % 7)
		pairs = append(pairs, fmt.Sprintf("m%d=%d", i, i%7))
	}
	h.zadd(0, "big", strings.Join(pairs, " "))
	for _, count := range []int{1, 10, 333, 5000} {
		if got := h.zscan(0, "big", count, nil); !maps.Equal(got, want) {
			t.Fatalf("ZScan(count %d) saw %d of %d elements (or wrong scores)", count, len(got), len(want))
		}
	}
	h.zadd(0, "small", "a=1 b=2")
	if got := h.zscan(0, "small", 1, nil); !maps.Equal(got, map[string]float64{"a": 1, "b": 2}) {
		t.Fatalf("ZScan(small) = %v", got)
	}
	if got := h.zscan(0, "nope", 10, nil); len(got) != 0 {
		t.Fatalf("ZScan(missing) = %v", got)
	}
	stop := errors.New("stop")
	err := h.tryView(0, k("big"), func(tx backend.Tx) error {
		_, err := tx.ZScan(b("big"), 0, 10, func([]byte, float64) error { return stop })
		return err
	})
	if !errors.Is(err, stop) {
		t.Fatalf("ZScan with failing fn err = %v", err)
	}
	// Churn: elements added, removed and rescored between the calls.
	c := &churner{name: "c", rng: rand.New(rand.NewPCG(9, 10))}
	for range 600 {
		h.zadd(0, "big", c.add()+"=1")
	}
	between := func(int) {
		for range 10 {
			name, add := c.step()
			if add {
				h.zadd(0, "big", fmt.Sprintf("%s=%d", name, c.rng.IntN(10)))
			} else if n := h.zrem(0, "big", name); n != 1 {
				t.Fatalf("churn member %q missing", name)
			}
		}
	}
	for _, count := range []int{5, 40} {
		got := h.zscan(0, "big", count, between)
		for m := range want {
			if _, ok := got[m]; !ok {
				t.Fatalf("ZScan(count %d) under churn missed %q", count, m)
			}
		}
	}
}

// testZSetRandom checks ZRandom's picks as testSetRandom checks SetRandom's:
// elements of the set with their scores, distinct when asked (every one
// once when count reaches the size), repeats allowed otherwise, uniform
// on a small set (counted, so it cannot flake).
func testZSetRandom(h *harness) {
	t := h.t
	var calls int
	h.view(0, k("nokey"), func(tx backend.Tx) error {
		return tx.ZRandom(b("nokey"), 5, false, func([]byte, float64) error { calls++; return nil })
	})
	if calls != 0 {
		t.Fatalf("ZRandom on a missing key made %d calls", calls)
	}
	for _, size := range []int{10, 300} {
		key := fmt.Sprint("z", size)
		want := map[string]float64{}
		var pairs []string
		for i := range size {
			want[fmt.Sprint("m", i)] = float64(i) / 2
			pairs = append(pairs, fmt.Sprintf("m%d=%g", i, float64(i)/2))
		}
		h.zadd(0, key, strings.Join(pairs, " "))
		pick := func(count int, distinct bool) []string {
			t.Helper()
			var got []string
			h.view(0, k(key), func(tx backend.Tx) error {
				got = got[:0]
				return tx.ZRandom(b(key), count, distinct, func(m []byte, s float64) error {
					if w, ok := want[string(m)]; !ok || w != s {
						return fmt.Errorf("ZRandom gave %q=%v", m, s)
					}
					got = append(got, string(m))
					return nil
				})
			})
			return got
		}
		for _, count := range []int{1, 2, size / 3, size - 1, size, size + 7} {
			got := pick(count, true)
			if len(got) != min(count, size) || len(setOf(got...)) != len(got) {
				t.Fatalf("size %d: ZRandom(%d, distinct) = %q", size, count, got)
			}
		}
		if got := pick(0, true); len(got) != 0 {
			t.Fatalf("ZRandom(0) = %q", got)
		}
		if size > 10 {
			if got := pick(3*size, false); len(got) != 3*size {
				t.Fatalf("size %d: ZRandom(%d) gave %d elements", size, 3*size, len(got))
			}
			continue
		}
		counts := map[string]int{}
		for _, m := range pick(100_000, false) {
			counts[m]++
		}
		for m := range want {
			if c := counts[m]; c < 8_500 || c > 11_500 {
				t.Fatalf("ZRandom(100000) picked %q %d times, want about 10000: %v", m, c, counts)
			}
		}
	}
}

// testZSetExpiry: a sorted set with a TTL disappears for every operation,
// and another type can take its key.
func testZSetExpiry(h *harness) {
	t := h.t
	h.zadd(0, "z", "a=1 b=2")
	h.setExpire(0, "z", h.now()+100)
	h.mustZSet(0, "z", "a=1 b=2")
	h.advance(100)
	h.inBoth(0, k("z"), func(tx backend.Tx, mode string) error {
		if n, err := tx.ZLen(b("z")); n != 0 || err != nil {
			return fmt.Errorf("%s ZLen = %d, %v", mode, n, err)
		}
		if _, ok, err := tx.ZScore(b("z"), b("a")); ok || err != nil {
			return fmt.Errorf("%s ZScore = %v, %v", mode, ok, err)
		}
		calls := 0
		if err := tx.ZRange(b("z"), byScore("-inf", "inf", false, 0, -1), func([]byte, float64) bool { calls++; return true }); err != nil || calls != 0 {
			return fmt.Errorf("%s ZRange: %d calls, %v", mode, calls, err)
		}
		if _, _, err := tx.Get(b("z")); err != nil {
			return fmt.Errorf("%s Get on an expired zset: %w", mode, err)
		}
		return nil
	})
	h.mustZSet(0, "z", "")
	// ZAdd on an expired key of another type starts a new sorted set.
	h.set(0, "s", "v", h.now()+10)
	h.advance(10)
	h.zadd(0, "s", "x=1")
	h.mustZSet(0, "s", "x=1")
	if at, ok := h.expireAt(0, "s"); !ok || at != 0 {
		t.Fatalf("ExpireAt of a new zset = %d, %v", at, ok)
	}
	// Changing a sorted set keeps its TTL.
	at := h.now() + 5000
	h.setExpire(0, "s", at)
	h.zadd(0, "s", "y=2")
	h.zrem(0, "s", "x")
	if got, ok := h.expireAt(0, "s"); !ok || got != at {
		t.Fatalf("ExpireAt after changes = %d, %v; want %d", got, ok, at)
	}
}

// testZSetKeyOps: Rename, Copy and Move carry a sorted set whole, and the
// copy is independent of the original.
func testZSetKeyOps(h *harness) {
	t := h.t
	var pairs []string
	for i := range 500 {
		pairs = append(pairs, fmt.Sprintf("m%03d=%d", i, i%50))
	}
	all := zref(zs(strings.Join(pairs, " "))).sorted()
	h.zadd(0, "z", strings.Join(pairs, " "))
	h.update(0, nil, func(tx backend.Tx) error {
		if ok, err := tx.Copy(b("z"), 0, b("c"), false); !ok || err != nil {
			return fmt.Errorf("Copy = %v, %v", ok, err)
		}
		return nil
	})
	h.zrem(0, "z", "m000", "m001")
	h.zadd(0, "c", "new=-1")
	h.mustZPairs(0, "z", slices.DeleteFunc(slices.Clone(all), func(p backend.ScoredMember) bool {
		return string(p.Member) == "m000" || string(p.Member) == "m001"
	}))
	h.mustZPairs(0, "c", append(zs("new=-1"), all...))
	h.update(0, nil, func(tx backend.Tx) error {
		if err := tx.Rename(b("c"), b("r")); err != nil {
			return err
		}
		_, err := tx.Move(b("r"), 1)
		return err
	})
	h.mustZSet(0, "c", "")
	h.mustZPairs(1, "r", append(zs("new=-1"), all...))
	if n := h.zpop(1, "r", false, 1); zstr(n) != "new=-1" {
		t.Fatalf("ZPop after Move = %s", zstr(n))
	}
}

// testZSetModel runs random operations against the model (a sorted
// slice), growing past and shrinking below the listpack thresholds (128
// elements, members of 64 bytes), and checks OBJECT ENCODING's answer too.
func testZSetModel(h *harness) {
	t := h.t
	rng := rand.New(rand.NewPCG(11, 12))
	const key = "model"
	info, _ := backend.Lookup(backend.TypeZSet)
	model := map[string]float64{}
	sorted := func() zref {
		var z zref
		for m, s := range model {
			z = append(z, backend.ScoredMember{Member: b(m), Score: s})
		}
		return z.sorted()
	}
	member := func(n int) string {
		i := rng.IntN(n)
		if i%97 == 0 {
			return fmt.Sprintf("long-%d-%s", i, strings.Repeat("x", 64)) // past zset-max-listpack-value
		}
		return fmt.Sprint("m", i)
	}
	score := func() float64 {
		switch rng.IntN(10) {
		case 0:
			return math.Inf(1 - 2*rng.IntN(2))
		case 1:
			return rng.Float64()
		}
		return float64(rng.IntN(20))
	}
	nmembers := 20
	for step := range 3000 {
		if step%500 == 0 {
			nmembers = []int{20, 150, 400}[(step/500)%3]
		}
		z := sorted()
		switch op := rng.IntN(10); {
		case op < 4:
			var pairs []backend.ScoredMember
			for range 1 + rng.IntN(6) {
				pairs = append(pairs, backend.ScoredMember{Member: b(member(nmembers)), Score: score()})
			}
			var want int64
			for _, p := range pairs {
				if _, ok := model[string(p.Member)]; !ok {
					want++
				}
				model[string(p.Member)] = p.Score
			}
			if res, err := h.tryZAdd(0, key, 0, pairs); err != nil || res.Added != want {
				t.Fatalf("step %d: ZAdd(%s) = %+v, %v; want added %d", step, zstr(pairs), res, err, want)
			}
		case op < 6:
			var ms []string
			var want int64
			for range 1 + rng.IntN(6) {
				m := member(nmembers)
				if _, ok := model[m]; ok {
					delete(model, m)
					want++
				}
				ms = append(ms, m)
			}
			if n := h.zrem(0, key, ms...); n != want {
				t.Fatalf("step %d: ZRem(%q) = %d, want %d", step, ms, n, want)
			}
		case op < 7:
			m, d := member(nmembers), float64(rng.IntN(5)-2)
			cur := model[m]
			res, err := h.tryZAdd(0, key, backend.ZAddIncr, []backend.ScoredMember{{Member: b(m), Score: d}})
			model[m] = cur + d
			if err != nil || !res.Applied || res.Score != cur+d {
				t.Fatalf("step %d: ZAdd INCR %s by %v = %+v, %v; want %v", step, m, d, res, err, cur+d)
			}
		case op < 8:
			if len(z) == 0 {
				break
			}
			lo := rng.IntN(len(z))
			hi := lo + rng.IntN(min(len(z)-lo, 30))
			r := byRank(int64(lo), int64(hi), false)
			var n int64
			h.update(0, k(key), func(tx backend.Tx) (err error) {
				n, err = tx.ZRemRange(b(key), r)
				return err
			})
			if n != int64(hi-lo+1) {
				t.Fatalf("step %d: ZRemRange(%s) = %d", step, describeRange(r), n)
			}
			for _, p := range z[lo : hi+1] {
				delete(model, string(p.Member))
			}
		case op < 9:
			max, count := rng.IntN(2) == 0, int64(rng.IntN(4))
			got := h.zpop(0, key, max, count)
			want := z
			if max {
				want = slices.Clone(z)
				slices.Reverse(want)
			}
			want = want[:min(int(count), len(want))]
			if zstr(got) != zstr(want) {
				t.Fatalf("step %d: ZPop(max %v, %d) = %s, want %s", step, max, count, zstr(got), zstr(want))
			}
			for _, p := range want {
				delete(model, string(p.Member))
			}
		default:
			lo, hi := fmt.Sprint(rng.IntN(22)-1), fmt.Sprint(rng.IntN(22)-1)
			if rng.IntN(2) == 0 {
				lo = "(" + lo
			}
			h.checkRange(key, z, byScore(lo, hi, rng.IntN(2) == 0, int64(rng.IntN(5)), int64(rng.IntN(10)-1)))
		}
		if step%25 == 0 || len(model) == 0 {
			z := sorted()
			h.mustZPairs(0, key, z)
			wantEnc := "listpack"
			for _, p := range z {
				if len(p.Member) > 64 {
					wantEnc = "skiplist"
				}
			}
			if len(z) > 128 {
				wantEnc = "skiplist"
			}
			var enc string
			if len(z) > 0 {
				h.view(0, k(key), func(tx backend.Tx) (err error) {
					enc, err = info.Encoding(tx, b(key), func(_ string, def int64) int64 { return def })
					return err
				})
				if enc != wantEnc {
					t.Fatalf("step %d: OBJECT ENCODING of %d elements = %q, want %q", step, len(z), enc, wantEnc)
				}
			}
		}
	}
}

// testZSetSnapshot: a snapshot shows sorted sets as they were when it was
// taken although they change before Each, and loading it into another
// backend with backend.Put restores every score exactly (0.1, -0, 1e100,
// 5e-324, infinities), a large set whole (several load chunks) and TTLs.
func testZSetSnapshot(h *harness) {
	t := h.t
	h.update(0, k("odd"), func(tx backend.Tx) error {
		_, err := tx.ZAdd(b("odd"), 0, []backend.ScoredMember{
			{Member: b("tenth"), Score: 0.1}, {Member: b("negzero"), Score: math.Copysign(0, -1)},
			{Member: b("big"), Score: 1e100}, {Member: b("tiny"), Score: 5e-324}, {Member: b("ninf"), Score: math.Inf(-1)},
			{Member: b("pinf"), Score: math.Inf(1)}, {Member: b("third"), Score: 1.0 / 3}, {Member: b("\x00bin\r\n"), Score: -2.5e-10},
		})
		return err
	})
	h.setExpire(0, "odd", h.now()+60_000)
	var pairs []string
	for i := range 3000 {
		pairs = append(pairs, fmt.Sprintf("m%d=%d", i, i%100))
	}
	h.zadd(1, "large", strings.Join(pairs, " "))
	want := dumpTx(t, h.b)
	s := h.snapshot(nil)
	// Change both sets after the snapshot.
	h.zrem(0, "odd", "tenth")
	h.zpop(1, "large", false, 7)
	h.zadd(1, "large", "m5=-1 new=1")
	dst, _ := h.openBackend()
	err := s.Each(t.Context(), func(e *backend.Entry) error {
		return dst.Update(backend.TxOptions{DB: e.DB, Keys: [][]byte{e.Key}}, func(tx backend.Tx) error {
			return backend.Put(tx, e)
		})
	})
	if err != nil {
		t.Fatalf("Each/Put: %v", err)
	}
	s.Close()
	diff(t, "restored store", dumpTx(t, dst), want)
	var score float64
	err = dst.View(backend.TxOptions{Keys: bs("odd")}, func(tx backend.Tx) (err error) {
		score, _, err = tx.ZScore(b("odd"), b("negzero"))
		return err
	})
	if err != nil || !math.Signbit(score) {
		t.Fatalf("restored -0 = %v, %v", score, err)
	}
}
