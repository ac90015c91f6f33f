package bolt

import (
	"strconv"
	"testing"
	"time"

	"redpool/backend"
)

const zLarge = 200_000

// zMember is member i of the large sets: scores are i, in shuffled order
// of insertion so that the index is built out of order.
func zMember(i int) []byte { return []byte("member:" + strconv.Itoa(i)) }

// fillZSet stores a sorted set of n members at key, member i with score i,
// in chunks of Updates.
func fillZSet(tb testing.TB, be *Bolt, key []byte, n int) {
	tb.Helper()
	const step = 20_000
	for lo := 0; lo < n; lo += step {
		pairs := make([]backend.ScoredMember, 0, step)
		for i := lo; i < min(lo+step, n); i++ {
			j := (i * 7919) % n // a permutation of 0..n-1 for n not a multiple of 7919
			pairs = append(pairs, backend.ScoredMember{Member: zMember(j), Score: float64(j)})
		}
		mustUpdate(tb, be, 0, func(tx backend.Tx) error {
			_, err := tx.ZAdd(key, 0, pairs)
			return err
		})
	}
}

// TestZSetLarge runs each operation the issue names once on a 200,000
// member set and logs its time (see doc.go for the figures); it checks the
// results, not the times.
func TestZSetLarge(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("large, and timed")
	}
	be := openTest(t, Options{Sync: SyncNone})
	key := []byte("big")
	start := time.Now()
	fillZSet(t, be, key, zLarge)
	t.Logf("fill %d members: %v", zLarge, time.Since(start))
	mid := zMember(zLarge / 2)
	timed := func(name string, write bool, fn func(tx backend.Tx) error) {
		t.Helper()
		timedOp(t, be, name, write, fn)
	}
	timed("ZADD (new member)", true, func(tx backend.Tx) error {
		r, err := tx.ZAdd(key, 0, []backend.ScoredMember{{Member: []byte("new"), Score: 0.5}})
		if err == nil && r.Added != 1 {
			t.Errorf("ZAdd = %+v", r)
		}
		return err
	})
	timed("ZSCORE", false, func(tx backend.Tx) error {
		s, ok, err := tx.ZScore(key, mid)
		if err == nil && (!ok || s != zLarge/2) {
			t.Errorf("ZScore = %v %v", s, ok)
		}
		return err
	})
	timed("ZRANK (middle)", false, func(tx backend.Tx) error {
		r, _, ok, err := tx.ZRank(key, mid, false)
		if err == nil && (!ok || r != zLarge/2+1) { // "new" sorts before it
			t.Errorf("ZRank = %v %v", r, ok)
		}
		return err
	})
	timed("ZRANGE 10 from the middle", false, func(tx backend.Tx) error {
		var got []string
		err := tx.ZRange(key, backend.ZRange{By: backend.ZByRank, Start: zLarge / 2, Stop: zLarge/2 + 9}, func(m []byte, _ float64) bool {
			got = append(got, string(m))
			return true
		})
		if err == nil && (len(got) != 10 || got[0] != "member:99999") {
			t.Errorf("ZRange = %q", got)
		}
		return err
	})
	timed("walk to the middle (O(rank))", false, func(tx backend.Tx) error {
		n := 0 // what a rank by walking would cost, for comparison
		return tx.ZIter(key, func([]byte, float64) bool { n++; return n < zLarge/2 })
	})
	timed("ZRANGEBYSCORE LIMIT 100000 10", false, func(tx backend.Tx) error {
		n := 0
		err := tx.ZRange(key, backend.ZRange{By: backend.ZByScore, Min: backend.ScoreBound{Value: 1}, Max: backend.ScoreBound{Value: zLarge},
			Offset: zLarge / 2, Count: 10}, func(m []byte, _ float64) bool {
			if n++; n == 1 && string(m) != "member:100001" {
				t.Errorf("ZRange by score from %q", m)
			}
			return true
		})
		if err == nil && n != 10 {
			t.Errorf("ZRange by score gave %d", n)
		}
		return err
	})
	timed("ZCOUNT (middle half)", false, func(tx backend.Tx) error {
		n, err := tx.ZCount(key, backend.ZRange{By: backend.ZByScore, Min: backend.ScoreBound{Value: zLarge / 4}, Max: backend.ScoreBound{Value: 3 * zLarge / 4, Exclusive: true}})
		if err == nil && n != zLarge/2 {
			t.Errorf("ZCount = %d", n)
		}
		return err
	})
	timed("ZREM (middle)", true, func(tx backend.Tx) error {
		n, err := tx.ZRem(key, [][]byte{mid})
		if err == nil && n != 1 {
			t.Errorf("ZRem = %d", n)
		}
		return err
	})
	timed("DEL", true, func(tx backend.Tx) error {
		ok, err := tx.Delete(key)
		if err == nil && !ok {
			t.Errorf("Delete = false")
		}
		return err
	})
}

// openLargeZSet opens a Bolt with a 200,000 member set at "big".
func openLargeZSet(b *testing.B) (*Bolt, []byte) {
	be := openTest(b, Options{Sync: SyncNone})
	key := []byte("big")
	fillZSet(b, be, key, zLarge)
	return be, key
}

func benchView(b *testing.B, be *Bolt, fn func(tx backend.Tx, i int) error) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := be.View(all(0), func(tx backend.Tx) error { return fn(tx, i) }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkZAddLarge(b *testing.B) {
	be, key := openLargeZSet(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		pairs := []backend.ScoredMember{{Member: zMember(i % zLarge), Score: float64((i * 7919) % zLarge)}}
		mustUpdate(b, be, 0, func(tx backend.Tx) error {
			_, err := tx.ZAdd(key, 0, pairs)
			return err
		})
	}
}

func BenchmarkZScoreLarge(b *testing.B) {
	be, key := openLargeZSet(b)
	benchView(b, be, func(tx backend.Tx, i int) error {
		_, _, err := tx.ZScore(key, zMember(i*7919%zLarge))
		return err
	})
}

func BenchmarkZRankLarge(b *testing.B) {
	be, key := openLargeZSet(b)
	benchView(b, be, func(tx backend.Tx, i int) error {
		_, _, _, err := tx.ZRank(key, zMember(i*7919%zLarge), false)
		return err
	})
}

func BenchmarkZRange10Large(b *testing.B) {
	be, key := openLargeZSet(b)
	benchView(b, be, func(tx backend.Tx, i int) error {
		start := int64(i * 7919 % (zLarge - 10))
		return tx.ZRange(key, backend.ZRange{By: backend.ZByRank, Start: start, Stop: start + 9}, func([]byte, float64) bool { return true })
	})
}

func BenchmarkZRangeByScore10Large(b *testing.B) {
	be, key := openLargeZSet(b)
	benchView(b, be, func(tx backend.Tx, i int) error {
		lo := float64(i * 7919 % zLarge)
		return tx.ZRange(key, backend.ZRange{By: backend.ZByScore, Min: backend.ScoreBound{Value: lo}, Max: backend.ScoreBound{Value: lo + 9}, Count: -1},
			func([]byte, float64) bool { return true })
	})
}

// BenchmarkZPopMin pops from a set refilled as it empties: the pops walk
// and merge the first rank chunks.
func BenchmarkZPopMin(b *testing.B) {
	be := openTest(b, Options{Sync: SyncNone})
	key := []byte("z")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%1000 == 0 {
			b.StopTimer()
			fillZSet(b, be, key, 1000)
			b.StartTimer()
		}
		mustUpdate(b, be, 0, func(tx backend.Tx) error {
			return tx.ZPop(key, false, 1, func([]byte, float64) {})
		})
	}
}
