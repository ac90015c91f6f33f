package bolt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/backendtest"
	"redpool/backend/memory"
)

// TestAgainstMemory runs the same random operations on a Bolt and on the
// memory backend and checks that every result, and the whole contents,
// agree.
func TestAgainstMemory(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4}
	steps := 3000
	if testing.Short() {
		seeds, steps = seeds[:1], 1000
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			runModel(t, seed, steps, tuning{})
		})
	}
	// Push every collection through the sweeper and every write-transaction
	// iteration through several read-ahead chunks.
	t.Run("tiny", func(t *testing.T) {
		for _, seed := range seeds {
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				runModel(t, seed+100, steps, tuning{smallDrop: -1, iterChunk: 2})
			})
		}
	})
}

func runModel(t *testing.T, seed uint64, steps int, tun tuning) {
	const dbs = 3
	clock := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	bo := openTest(t, Options{Sync: SyncNone, Clock: clock, Databases: dbs, tuning: tun})
	mem := memory.New(memory.Options{Databases: dbs, Clock: clock, ExpiryInterval: -1})
	t.Cleanup(func() { mem.Close() })
	rng := rand.New(rand.NewPCG(seed, seed*7+1))

	keys := []string{"a", "b", "c", "d", "", "long:" + strings.Repeat("x", 40)}
	vals := []string{"x", "y", "z", "", "xy"}
	key := func() []byte { return []byte(keys[rng.IntN(len(keys))]) }
	val := func() []byte { return []byte(vals[rng.IntN(len(vals))]) }
	valsN := func(n int) [][]byte {
		out := make([][]byte, n)
		for i := range out {
			out[i] = val()
		}
		return out
	}
	idx := func() int64 { return int64(rng.IntN(12) - 6) }

	for step := 0; step < steps; step++ {
		db := rng.IntN(dbs)
		now := backend.NowMs(clock)
		var op func(tx backend.Tx) string
		write := true
		choice := rng.IntN(46)
		switch choice {
		case 0, 1:
			k, v, exp, keep := key(), val(), int64(0), rng.IntN(4) == 0
			if rng.IntN(3) == 0 {
				exp = now + int64(rng.IntN(3000)) - 500
			}
			op = func(tx backend.Tx) string { return res(tx.Set(k, v, exp, keep)) }
		case 2:
			k := key()
			write = rng.IntN(2) == 0
			op = func(tx backend.Tx) string { v, ok, err := tx.Get(k); return res(string(v), ok, err) }
		case 3:
			k, v := key(), val()
			op = func(tx backend.Tx) string { return res(tx.Append(k, v)) }
		case 4:
			k, off, v := key(), int64(rng.IntN(6)), val()
			op = func(tx backend.Tx) string { return res(tx.SetRange(k, off, v)) }
		case 5:
			k := key()
			op = func(tx backend.Tx) string { return res(tx.Delete(k)) }
		case 6:
			k := key()
			write = rng.IntN(2) == 0
			op = func(tx backend.Tx) string {
				e, err1 := tx.Exists(k)
				ty, err2 := tx.Type(k)
				at, ok, err3 := tx.ExpireAt(k)
				return res(e, err1, ty, err2, at, ok, err3)
			}
		case 7:
			k := key()
			var at int64
			switch rng.IntN(3) {
			case 1:
				at = now - int64(rng.IntN(100))
			case 2:
				at = now + 1 + int64(rng.IntN(3000))
			}
			op = func(tx backend.Tx) string { return res(tx.SetExpireAt(k, at)) }
		case 8:
			s, d := key(), key()
			op = func(tx backend.Tx) string { return res(tx.Rename(s, d)) }
		case 9:
			s, d, ddb, rep := key(), key(), rng.IntN(dbs), rng.IntN(2) == 0
			op = func(tx backend.Tx) string { return res(tx.Copy(s, ddb, d, rep)) }
		case 10:
			k, ddb := key(), rng.IntN(dbs)
			op = func(tx backend.Tx) string { return res(tx.Move(k, ddb)) }
		case 11:
			write = rng.IntN(2) == 0
			// Len may count expired keys not yet reclaimed, at either
			// backend's discretion: compare the live keys Scan sees.
			op = func(tx backend.Tx) string {
				n, err := tx.Len()
				var live []string
				var cur uint64
				for err == nil {
					cur, err = tx.Scan(cur, 1+rng.IntN(3), func(k []byte, ty backend.Type) error {
						live = append(live, fmt.Sprintf("%q:%v", k, ty))
						return nil
					})
					if cur == 0 {
						break
					}
				}
				sort.Strings(live)
				return res(n >= int64(len(live)), live, err)
			}
		case 12:
			if rng.IntN(5) != 0 {
				continue
			}
			op = func(tx backend.Tx) string { return res(tx.Flush()) }
		case 13:
			if rng.IntN(10) != 0 {
				continue
			}
			op = func(tx backend.Tx) string { return res(tx.FlushAll()) }
		case 14:
			a, b := rng.IntN(dbs), rng.IntN(dbs)
			op = func(tx backend.Tx) string { return res(tx.SwapDB(a, b)) }
		case 15, 16, 17:
			k, left, vs, only := key(), rng.IntN(2) == 0, valsN(rng.IntN(4)), rng.IntN(5) == 0
			op = func(tx backend.Tx) string { return res(tx.ListPush(k, left, vs, only)) }
		case 18:
			k, left, n := key(), rng.IntN(2) == 0, int64(rng.IntN(4))
			op = func(tx backend.Tx) string {
				out, err := tx.ListPop(k, left, n)
				return res(strs(out), err)
			}
		case 19:
			k, i := key(), idx()
			write = rng.IntN(2) == 0
			op = func(tx backend.Tx) string { v, ok, err := tx.ListIndex(k, i); return res(string(v), ok, err) }
		case 20:
			k, i, v := key(), idx(), val()
			op = func(tx backend.Tx) string { return res(tx.ListSet(k, i, v)) }
		case 21:
			k, a, b := key(), idx(), idx()
			write = rng.IntN(2) == 0
			op = func(tx backend.Tx) string {
				var out []string
				err := tx.ListRange(k, a, b, func(v []byte) error { out = append(out, string(v)); return nil })
				n, err2 := tx.ListLen(k)
				return res(out, err, n, err2)
			}
		case 22:
			k, a, b := key(), idx(), idx()
			op = func(tx backend.Tx) string { return res(tx.ListTrim(k, a, b)) }
		case 23, 24:
			k, n, v := key(), int64(rng.IntN(5)-2), val()
			op = func(tx backend.Tx) string { return res(tx.ListRem(k, n, v)) }
		case 25, 26:
			k, before, p, v := key(), rng.IntN(2) == 0, val(), val()
			op = func(tx backend.Tx) string { return res(tx.ListInsert(k, before, p, v)) }
		case 27:
			k, rev, stop := key(), rng.IntN(2) == 0, rng.IntN(6)
			write = rng.IntN(2) == 0
			op = func(tx backend.Tx) string {
				var out []string
				err := tx.ListIter(k, rev, func(i int64, v []byte) bool {
					out = append(out, fmt.Sprint(i, string(v)))
					return len(out) < stop
				})
				return res(out, err)
			}
		case 28, 29, 30:
			k, only := key(), rng.IntN(4) == 0
			pairs := valsN(2 * rng.IntN(4))
			op = func(tx backend.Tx) string { return res(tx.HashSet(k, pairs, only)) }
		case 31:
			k, f := key(), val()
			write = rng.IntN(2) == 0
			op = func(tx backend.Tx) string { v, ok, err := tx.HashGet(k, f); return res(string(v), ok, err) }
		case 32:
			k, fs := key(), valsN(rng.IntN(3))
			op = func(tx backend.Tx) string { return res(tx.HashDel(k, fs)) }
		case 33:
			k := key()
			write = rng.IntN(2) == 0
			op = func(tx backend.Tx) string {
				n, err := tx.HashLen(k)
				m := map[string]string{}
				err2 := tx.HashIter(k, func(f, v []byte) bool { m[string(f)] = string(v); return true })
				return res(n, err, fmt.Sprint(m), err2)
			}
		case 34:
			k := key()
			write = rng.IntN(2) == 0
			op = func(tx backend.Tx) string {
				m := map[string]string{}
				var cur uint64
				for {
					next, err := tx.HashScan(k, cur, 1+rng.IntN(2), func(f, v []byte) error { m[string(f)] = string(v); return nil })
					if err != nil || next == 0 {
						return res(fmt.Sprint(m), err)
					}
					cur = next
				}
			}
		case 35, 36:
			clock.Advance(time.Duration(rng.IntN(800)) * time.Millisecond)
			continue
		case 37:
			// A failing transaction: a write, then an error. Bolt rolls it
			// back, memory does not; only compare the error.
			k := key()
			_ = bo.Update(backend.TxOptions{DB: db, All: true}, func(tx backend.Tx) error {
				_, err := tx.Type(k)
				if err != nil {
					return err
				}
				return errors.New("boom")
			})
			continue
		case 38:
			write = rng.IntN(2) == 0
			op = func(tx backend.Tx) string {
				k, err := tx.RandomKey()
				if err != nil || k == nil {
					return res(k == nil, err)
				}
				ex, err := tx.Exists(k)
				return res(ex, err)
			}
		case 39, 40, 41, 42, 43, 44:
			k := key()
			op = zmodelOp(rng, choice-39, k, valsN)
		default:
			compareAll(t, bo, mem, step)
			continue
		}
		o := backend.TxOptions{DB: db, All: true}
		var got, want string
		run := func(be backend.Backend, out *string) error {
			f := func(tx backend.Tx) error { *out = op(tx); return nil }
			if write {
				return be.Update(o, f)
			}
			return be.View(o, f)
		}
		if err := run(bo, &got); err != nil {
			t.Fatalf("step %d: bolt: %v", step, err)
		}
		if err := run(mem, &want); err != nil {
			t.Fatalf("step %d: memory: %v", step, err)
		}
		if got != want {
			t.Fatalf("step %d (op %d, db %d, write %v): bolt %s, memory %s", step, choice, db, write, got, want)
		}
	}
	compareAll(t, bo, mem, steps)
}

func strs(bs [][]byte) []string {
	if bs == nil {
		return nil
	}
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

// res renders results, with errors by their sentinel.
func res(vs ...any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		switch v := v.(type) {
		case error:
			parts[i] = errName(v)
		case nil:
			parts[i] = "<nil>"
		default:
			parts[i] = fmt.Sprintf("%q", fmt.Sprint(v))
		}
	}
	return strings.Join(parts, " ")
}

func errName(err error) string {
	for _, s := range []error{backend.ErrWrongType, backend.ErrNoSuchKey, backend.ErrIndexOutOfRange,
		backend.ErrTooLarge, backend.ErrClosed, backend.ErrReadOnlyTx, backend.ErrBadDB} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "other: " + err.Error()
}

// dump renders a backend's contents via a snapshot.
func dump(t *testing.T, be backend.Backend) []string {
	t.Helper()
	s, err := be.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out []string
	err = s.Each(context.Background(), func(e *backend.Entry) error {
		out = append(out, fmt.Sprintf("%d %q %s", e.DB, e.Key, backendtest.Describe(e)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func compareAll(t *testing.T, bo *Bolt, mem backend.Backend, step int) {
	t.Helper()
	got, want := dump(t, bo), dump(t, mem)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("step %d: contents differ\nbolt:\n%s\nmemory:\n%s", step, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	checkInvariants(t, bo)
}

// zmodelOp returns a random sorted-set operation on k for runModel (kind
// 0..5). A lex range runs only when the set's scores are equal: the
// backends may differ where Redis leaves the result undefined.
func zmodelOp(rng *rand.Rand, kind int, k []byte, valsN func(int) [][]byte) func(tx backend.Tx) string {
	scores := []float64{1, 2, math.Copysign(0, -1), 0, math.Inf(1), -1.5}
	score := func() float64 { return scores[rng.IntN(len(scores))] }
	elems := func(tx backend.Tx, r backend.ZRange) string {
		var out []string
		err := tx.ZRange(k, r, func(m []byte, s float64) bool { out = append(out, fmt.Sprint(string(m), s)); return true })
		return res(out, err)
	}
	switch kind {
	case 0, 1:
		flags := []backend.ZAddFlags{0, 0, backend.ZAddNX, backend.ZAddXX, backend.ZAddGT, backend.ZAddLT | backend.ZAddXX}[rng.IntN(6)]
		ms := valsN(1 + rng.IntN(3))
		if rng.IntN(4) == 0 {
			flags |= backend.ZAddIncr
			ms = ms[:1]
		}
		pairs := make([]backend.ScoredMember, len(ms))
		for i, m := range ms {
			pairs[i] = backend.ScoredMember{Member: m, Score: score()}
		}
		return func(tx backend.Tx) string {
			r, err := tx.ZAdd(k, flags, pairs)
			if flags&backend.ZAddIncr == 0 || !r.Applied {
				r.Score = 0 // meaningful only then
			}
			return res(r, errors.Is(err, backend.ErrNotANumber), err)
		}
	case 2:
		ms := valsN(rng.IntN(3))
		return func(tx backend.Tx) string { return res(tx.ZRem(k, ms)) }
	case 3:
		m, rev := valsN(1)[0], rng.IntN(2) == 0
		return func(tx backend.Tx) string {
			r, s, ok, err := tx.ZRank(k, m, rev)
			s2, ok2, err2 := tx.ZScore(k, m)
			n, err3 := tx.ZLen(k)
			return res(r, s, ok, err, s2, ok2, err2, n, err3)
		}
	case 4:
		r := backend.ZRange{By: backend.ZRangeBy(rng.IntN(3)), Rev: rng.IntN(2) == 0, Count: -1,
			Min:    backend.ScoreBound{Value: score(), Exclusive: rng.IntN(2) == 0},
			Max:    backend.ScoreBound{Value: score(), Exclusive: rng.IntN(2) == 0},
			LexMin: backend.LexBound{Value: valsN(1)[0], Inf: int8(rng.IntN(3) - 1)},
			LexMax: backend.LexBound{Value: valsN(1)[0], Exclusive: true, Inf: int8(rng.IntN(3) - 1)}}
		if rng.IntN(3) == 0 {
			r.Offset, r.Count = int64(rng.IntN(3)), int64(rng.IntN(3)-1)
		}
		remove := rng.IntN(3) == 0
		a, b := rng.Int64N(1000), rng.Int64N(1000)
		return func(tx backend.Tx) string {
			all := elems(tx, backend.ZRange{By: backend.ZByScore, Min: backend.ScoreBound{Value: math.Inf(-1)}, Max: backend.ScoreBound{Value: math.Inf(1)}, Count: -1})
			n, err := tx.ZLen(k)
			if err != nil || n == 0 {
				return res(all, n, err)
			}
			if r.By == backend.ZByRank {
				r.Start, r.Stop = a%n, n-1-b%n
				if r.Start > r.Stop {
					r.Start, r.Stop = r.Stop, r.Start
				}
			}
			if r.By == backend.ZByLex {
				first, last := math.NaN(), math.NaN()
				_ = tx.ZIter(k, func(_ []byte, s float64) bool {
					if math.IsNaN(first) {
						first = s
					}
					last = s
					return true
				})
				if first != last {
					return res(all, "mixed scores")
				}
			}
			c, err := tx.ZCount(k, r)
			if remove {
				rn, err2 := tx.ZRemRange(k, r)
				return res(all, c, err, rn, err2, elems(tx, backend.ZRange{By: backend.ZByRank, Start: 0, Stop: 100}))
			}
			return res(all, c, err, elems(tx, r))
		}
	default:
		hi, count := rng.IntN(2) == 0, int64(rng.IntN(4))
		return func(tx backend.Tx) string {
			var out []string
			err := tx.ZPop(k, hi, count, func(m []byte, s float64) { out = append(out, fmt.Sprint(string(m), s)) })
			return res(out, err)
		}
	}
}
