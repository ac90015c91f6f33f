package memory

import (
	"fmt"
	"testing"

	"redpool/backend"
)

// Benchmarks of the operations on a sorted set of 10 members, the shape of
// bench/keysmem.sh (packed, see zpack.go): each runs one transaction per
// iteration on the key of benchZ (members "m<i>" of score i).

// BenchmarkZPackAdd10 changes the score of one member of 10.
func BenchmarkZPackAdd10(b *testing.B) {
	pairs := []backend.ScoredMember{{Member: []byte("m5")}}
	i := 0
	benchZ(b, 10, true, func(tx backend.Tx, key []byte) error {
		i++
		pairs[0].Score = float64(i % 16)
		_, err := tx.ZAdd(key, 0, pairs)
		return err
	})
}

// BenchmarkZPackAddNew10 creates a sorted set of 10 members by one ZADD
// (and deletes it, in the same transaction).
func BenchmarkZPackAddNew10(b *testing.B) {
	pairs := make([]backend.ScoredMember, 10)
	for i := range pairs {
		pairs[i] = backend.ScoredMember{Member: fmt.Appendf(nil, "m:%d", i), Score: float64(i)}
	}
	benchZ(b, 10, true, func(tx backend.Tx, key []byte) error {
		if _, err := tx.Delete(key); err != nil {
			return err
		}
		_, err := tx.ZAdd(key, 0, pairs)
		return err
	})
}

// BenchmarkZPackScore10 reads the score of one member of 10.
func BenchmarkZPackScore10(b *testing.B) {
	m := []byte("m7")
	benchZ(b, 10, false, func(tx backend.Tx, key []byte) error {
		_, _, err := tx.ZScore(key, m)
		return err
	})
}

// BenchmarkZPackRank10 reads the rank of one member of 10.
func BenchmarkZPackRank10(b *testing.B) {
	m := []byte("m7")
	benchZ(b, 10, false, func(tx backend.Tx, key []byte) error {
		_, _, _, err := tx.ZRank(key, m, false)
		return err
	})
}

// BenchmarkZPackRange10 reads all 10 members by rank (ZRANGE key 0 -1).
func BenchmarkZPackRange10(b *testing.B) {
	r := backend.ZRange{By: backend.ZByRank, Start: 0, Stop: -1 + 10}
	visit := func([]byte, float64) bool { return true }
	benchZ(b, 10, false, func(tx backend.Tx, key []byte) error { return tx.ZRange(key, r, visit) })
}

// BenchmarkZPackRangeRevByScore10 reads 3 members of 10 by score, from
// the top (ZREVRANGEBYSCORE key 8 0 LIMIT 1 3).
func BenchmarkZPackRangeRevByScore10(b *testing.B) {
	r := backend.ZRange{By: backend.ZByScore, Rev: true, Min: backend.ScoreBound{Value: 0}, Max: backend.ScoreBound{Value: 8}, Offset: 1, Count: 3}
	visit := func([]byte, float64) bool { return true }
	benchZ(b, 10, false, func(tx backend.Tx, key []byte) error { return tx.ZRange(key, r, visit) })
}

// BenchmarkZPackPopAdd10 pops the lowest member of 10 and adds it back.
func BenchmarkZPackPopAdd10(b *testing.B) {
	pairs := make([]backend.ScoredMember, 1)
	var buf []byte
	score := 10.0
	benchZ(b, 10, true, func(tx backend.Tx, key []byte) error {
		err := tx.ZPop(key, false, 1, func(mb []byte, _ float64) { buf = append(buf[:0], mb...) })
		if err != nil {
			return err
		}
		score++
		pairs[0] = backend.ScoredMember{Member: buf, Score: score}
		_, err = tx.ZAdd(key, 0, pairs)
		return err
	})
}
