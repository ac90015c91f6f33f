package bolt

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"redpool/backend"
)

// TestUndoUnderLoad runs writers that do every kind of write (collections
// large enough for the sweeper, expiries met lazily, flushes, swaps, moves,
// writes through WithDB) in shared batches, and make a third of their
// functions fail after writing and some panic. Each function runs once,
// each expired key is reported once, and the file's records, counters,
// expiry index and garbage stay consistent: undoing a member in the middle
// of a batch keeps everything the others did, and nothing of its own but
// its expiry removals.
func TestUndoUnderLoad(t *testing.T) {
	clock := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	// reported holds "db/key@n", n the round when the key was reported. A
	// round ends when the clock moves (keys set again may expire again), at
	// every SWAPDB (a key of the same name from the other database may
	// expire next) and after a function that swapped (undoing it swaps back).
	var reported sync.Map
	var round atomic.Int64
	var reports atomic.Int64
	b := openTest(t, Options{Sync: SyncNone, Clock: clock, Databases: 3,
		OnExpire: func(db int, key []byte) {
			reports.Add(1)
			k := fmt.Sprintf("%d/%s@%d", db, key, round.Load())
			if _, dup := reported.LoadOrStore(k, true); dup {
				t.Errorf("%s reported twice", k)
			}
		},
		tuning: tuning{smallDrop: 2, noExpirer: true}})
	const writers, each = 8, 120
	boom := errors.New("boom")
	var calls [writers][each]atomic.Int32
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range each {
				fail := rng.IntN(3) // 0: fails after writing, 1: panics (1 in 4), else succeeds
				if fail == 1 && rng.IntN(4) != 0 {
					fail = 2
				}
				seed := rng.Uint64()
				func() {
					defer func() {
						if p := recover(); p != nil && (p != "kaboom" || fail != 1) {
							t.Errorf("writer %d op %d: panic %v", w, i, p)
						}
					}()
					err := b.Update(backend.TxOptions{DB: w % 3, All: true}, func(tx backend.Tx) error {
						calls[w][i].Add(1)
						swaps := 0
						err := randomWrites(tx, rand.New(rand.NewPCG(seed, 2)), func() { round.Add(1); swaps++ })
						if swaps > 0 {
							// Undoing this function undoes its swaps: the
							// keys reported after that are other ones.
							round.Add(1)
						}
						if err != nil {
							return err
						}
						switch fail {
						case 0:
							return boom
						case 1:
							panic("kaboom")
						}
						return nil
					})
					if err != nil && !(fail == 0 && errors.Is(err, boom)) {
						t.Errorf("writer %d op %d: %v", w, i, err)
					}
				}()
				if i%20 == 19 && w == 0 {
					round.Add(1)
					clock.Advance(50 * time.Millisecond)
					round.Add(1) // a writer may have read the round before the clock moved
				}
			}
		})
	}
	wg.Wait()
	for w := range writers {
		for i := range each {
			if c := calls[w][i].Load(); c != 1 {
				t.Errorf("writer %d op %d: called %d times", w, i, c)
			}
		}
	}
	round.Add(1)
	clock.Advance(time.Hour)
	if err := b.expireAll(); err != nil {
		t.Fatal(err)
	}
	if got, n := b.Stats().ExpiredKeys, reports.Load(); got != n || n == 0 {
		t.Errorf("ExpiredKeys %d, reported %d", got, n)
	}
	for b.garbage.Load() > 0 {
		if err := b.job(func(t *tx) error { _, err := t.sweep(sweepBudget, time.Time{}); return err }); err != nil {
			t.Fatal(err)
		}
	}
	checkInvariants(t, b)
}

// randomWrites makes a few random writes of every kind in tx (opened with
// All), on a small set of keys so that writers collide. swapped is called
// before each SwapDB.
func randomWrites(tx backend.Tx, rng *rand.Rand, swapped func()) error {
	key := func() []byte { return []byte(fmt.Sprint("k", rng.IntN(12))) }
	for range 1 + rng.IntN(4) {
		var err error
		switch rng.IntN(12) {
		case 0, 1:
			exp := int64(0)
			if rng.IntN(2) == 0 {
				exp = tx.Now() + 1 + int64(rng.IntN(200))
			}
			err = tx.Set(key(), []byte("v"), exp, false)
		case 2, 3:
			vals := make([][]byte, 1+rng.IntN(6))
			for i := range vals {
				vals[i] = []byte(fmt.Sprint("e", i))
			}
			_, err = tx.ListPush(key(), rng.IntN(2) == 0, vals, false)
			if errors.Is(err, backend.ErrWrongType) {
				err = nil
			}
		case 4:
			_, err = tx.HashSet(key(), [][]byte{[]byte(fmt.Sprint("f", rng.IntN(5))), []byte("v")}, false)
			if errors.Is(err, backend.ErrWrongType) {
				err = nil
			}
		case 5:
			_, err = tx.Delete(key())
		case 6:
			_, err = tx.SetExpireAt(key(), tx.Now()+1+int64(rng.IntN(100)))
		case 7:
			if err = tx.Rename(key(), key()); errors.Is(err, backend.ErrNoSuchKey) {
				err = nil
			}
		case 8:
			_, err = tx.Copy(key(), rng.IntN(3), key(), true)
		case 9:
			_, err = tx.Move(key(), rng.IntN(3))
		case 10:
			var o backend.Tx
			if o, err = tx.WithDB(rng.IntN(3)); err == nil {
				_, err = o.ListPop(key(), true, 2)
				if errors.Is(err, backend.ErrWrongType) {
					err = nil
				}
			}
		case 11:
			if rng.IntN(8) == 0 {
				swapped()
				err = tx.SwapDB(rng.IntN(3), rng.IntN(3))
			} else if rng.IntN(8) == 0 {
				err = tx.Flush()
			} else {
				_, _, err = tx.Get(key()) // may expire it
				if errors.Is(err, backend.ErrWrongType) {
					err = nil
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
