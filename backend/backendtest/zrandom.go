package backendtest

import (
	"math/rand/v2"

	"redpool/backend"
)

// ZRandom draws random sorted-set arguments for the backends' own model
// tests: score and lex bounds and ZRANGE specs, over the members Member
// draws and the scores Score draws. Not safe for concurrent use (nor is
// its Rng).
type ZRandom struct {
	Rng    *rand.Rand
	Member func() []byte
	Score  func() float64
}

// ScoreBound returns a bound at a random score, exclusive one time in
// three.
func (z ZRandom) ScoreBound() backend.ScoreBound {
	return backend.ScoreBound{Value: z.Score(), Exclusive: z.Rng.IntN(3) == 0}
}

// LexBound returns -, + (one time in six each) or a random member,
// exclusive half the time.
func (z ZRandom) LexBound() backend.LexBound {
	switch z.Rng.IntN(6) {
	case 0:
		return backend.LexBound{Inf: -1}
	case 1:
		return backend.LexBound{Inf: 1}
	}
	return backend.LexBound{Value: z.Member(), Exclusive: z.Rng.IntN(2) == 0}
}

// Range returns a random range of a sorted set of n members, as the
// command layer hands them to a backend: by rank (0 <= Start <= Stop <
// n; zero for an empty set), by score or by lex, reversed half the
// time; a score or lex range has a LIMIT (Offset 0..n+1, Count -1..n)
// one time in three.
func (z ZRandom) Range(n int) backend.ZRange {
	r := backend.ZRange{By: backend.ZRangeBy(z.Rng.IntN(3)), Rev: z.Rng.IntN(2) == 0, Count: -1}
	switch r.By {
	case backend.ZByRank:
		if n > 0 {
			r.Start = int64(z.Rng.IntN(n))
			r.Stop = r.Start + int64(z.Rng.IntN(n-int(r.Start)))
		}
	case backend.ZByScore:
		r.Min, r.Max = z.ScoreBound(), z.ScoreBound()
	case backend.ZByLex:
		r.LexMin, r.LexMax = z.LexBound(), z.LexBound()
	}
	if r.By != backend.ZByRank && z.Rng.IntN(3) == 0 {
		r.Offset, r.Count = int64(z.Rng.IntN(n+2)), int64(z.Rng.IntN(n+2)-1)
	}
	return r
}
