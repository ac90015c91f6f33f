package backend

import (
	"bytes"
	"cmp"
	"errors"
	"math"
	"strconv"
)

// ErrNotANumber: a sorted-set score would become NaN (ZINCRBY or
// ZADD INCR adding inf to -inf). Nothing is changed.
var ErrNotANumber = errors.New("backend: resulting score is not a number")

// ScoredMember is one sorted-set element.
type ScoredMember struct {
	Member []byte
	Score  float64
}

// CompareScored orders two elements as a sorted set holds them: by score,
// equal scores by member bytes.
func CompareScored(a, b ScoredMember) int {
	if c := cmp.Compare(a.Score, b.Score); c != 0 {
		return c
	}
	return bytes.Compare(a.Member, b.Member)
}

// ZAddFlags are ZADD's options. NX and XX, and GT and LT, exclude each
// other, as do NX and GT/LT; the command layer refuses those combinations
// before calling ZAdd.
type ZAddFlags uint8

const (
	ZAddNX   ZAddFlags = 1 << iota // only add new members
	ZAddXX                         // only update existing members
	ZAddGT                         // update only when the new score is greater
	ZAddLT                         // update only when the new score is less
	ZAddIncr                       // add the score to the existing one (one pair)
)

// ZAddResult is what ZAdd did.
type ZAddResult struct {
	Added   int64 // new members
	Updated int64 // existing members whose score changed
	// With ZAddIncr: Score is the member's new score, and Applied is false
	// when NX, XX, GT or LT refused the change (ZADD INCR then replies nil).
	Score   float64
	Applied bool
}

// ScoreBound is one end of a score range: Value, excluded if Exclusive
// ("(1.5"). -inf and +inf are math.Inf values.
type ScoreBound struct {
	Value     float64
	Exclusive bool
}

// LexBound is one end of a lexicographic range: "-" (Inf -1, the lowest),
// "+" (Inf +1, the highest), or Value, included ("[a") or excluded ("(a").
type LexBound struct {
	Value     []byte
	Exclusive bool
	Inf       int8
}

// ZRangeBy says how a ZRange selects elements.
type ZRangeBy uint8

const (
	ZByRank ZRangeBy = iota
	ZByScore
	ZByLex
)

// ZRange selects a run of sorted-set elements, in score order (equal
// scores in member byte order), or the reverse with Rev.
//
//   - ZByRank: Start..Stop, inclusive, 0-based positions in the chosen
//     order, already clamped by the caller to 0 <= Start <= Stop < len
//     (the caller checks for an empty range with ZLen first).
//   - ZByScore: the elements with Min <= score <= Max (bounds as given;
//     Min is always the low end, also with Rev).
//   - ZByLex: the elements with LexMin <= member <= LexMax; as in Redis the
//     result is meaningful only when all scores are equal.
//
// Offset and Count apply to ZByScore and ZByLex (LIMIT): skip Offset
// matching elements, then return at most Count (Count < 0: all). As in
// Redis, a negative Offset selects nothing.
type ZRange struct {
	By             ZRangeBy
	Start, Stop    int64
	Min, Max       ScoreBound
	LexMin, LexMax LexBound
	Rev            bool
	Offset, Count  int64
}

// The sorted-set type's registry functions (see typeTable). Its items are
// score, member per element: the order ZADD takes them.

func readZSet(tx Tx, key []byte, fn func(items [][]byte) error) error {
	c := newChunker(2, fn)
	// The chunker keeps the slices it is given until it hands out a chunk,
	// so each score gets its own bytes: appended to an arena whose used
	// part is never written again (a full arena is replaced, not reused).
	var arena []byte
	return c.done(tx.ZIter(key, func(member []byte, s float64) bool {
		if cap(arena)-len(arena) < 32 {
			arena = make([]byte, 0, 4096)
		}
		start := len(arena)
		arena = AppendScore(arena, s)
		return c.add(arena[start:len(arena):len(arena)], member)
	}))
}

func loadZSet(tx Tx, key []byte, items [][]byte) error {
	pairs := make([]ScoredMember, 0, len(items)/2)
	for i := 0; i+1 < len(items); i += 2 {
		s, err := strconv.ParseFloat(string(items[i]), 64)
		if err != nil || math.IsNaN(s) {
			return errors.New("backend: bad sorted-set score in a stored value")
		}
		pairs = append(pairs, ScoredMember{Member: items[i+1], Score: s})
	}
	_, err := tx.ZAdd(key, 0, pairs)
	return err
}

// AppendScore appends s as Redis 7.0 prints a score: "inf" and "-inf", else
// C's %.17g (17 significant digits, no trailing zeros, integers without a
// decimal point).
func AppendScore(dst []byte, s float64) []byte {
	switch {
	case math.IsInf(s, 1):
		return append(dst, "inf"...)
	case math.IsInf(s, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, s, 'g', 17, 64)
}

// zsetEncoding answers as Redis 7.0 would for a sorted set built by adding
// its elements: "listpack" while it has at most zset-max-listpack-entries
// elements and no member longer than zset-max-listpack-value bytes, else
// "skiplist". Redis keeps a skiplist a skiplist when elements are removed
// later; redpool answers from the elements it holds now.
func zsetEncoding(tx Tx, key []byte, param func(string, int64) int64) (string, error) {
	maxEntries := param("zset-max-listpack-entries", 128)
	maxValue := param("zset-max-listpack-value", 64)
	n, err := tx.ZLen(key)
	if err != nil {
		return "", err
	}
	if n > maxEntries {
		return "skiplist", nil
	}
	small := true
	err = tx.ZIter(key, func(member []byte, _ float64) bool {
		small = int64(len(member)) <= maxValue
		return small
	})
	if err != nil {
		return "", err
	}
	if small {
		return "listpack", nil
	}
	return "skiplist", nil
}
