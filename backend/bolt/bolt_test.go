package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"redpool/backend"
)

func all(db int) backend.TxOptions { return backend.TxOptions{DB: db, All: true} }

func mustUpdate(t testing.TB, b backend.Backend, db int, fn func(tx backend.Tx) error) {
	t.Helper()
	if err := b.Update(all(db), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func mustView(t testing.TB, b backend.Backend, db int, fn func(tx backend.Tx) error) {
	t.Helper()
	if err := b.View(all(db), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func TestSyncString(t *testing.T) {
	for _, s := range []Sync{SyncAlways, SyncBatch, SyncNone} {
		p, err := ParseSync(strings.ToUpper(s.String()))
		if err != nil || p != s {
			t.Errorf("ParseSync(%q) = %v, %v", s, p, err)
		}
	}
	if _, err := ParseSync("sometimes"); err == nil {
		t.Error("ParseSync accepted nonsense")
	}
	if got := Sync(9).String(); got != "Sync(9)" {
		t.Errorf("Sync(9).String() = %q", got)
	}
}

// TestRestart fills every database with every type, closes, moves the clock
// on and reopens: everything is there and TTLs, being absolute, shrank.
func TestRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "restart.db")
	clock := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	b, err := Open(Options{Path: path, Clock: clock, Sync: SyncAlways})
	if err != nil {
		t.Fatal(err)
	}
	if b.Databases() != 16 {
		t.Fatalf("Databases() = %d, want 16", b.Databases())
	}
	start := backend.NowMs(clock)
	for db := range 16 {
		mustUpdate(t, b, db, func(tx backend.Tx) error {
			d := fmt.Sprint(db)
			if err := tx.Set([]byte("s"), []byte("str"+d), 0, false); err != nil {
				return err
			}
			if err := tx.Set([]byte("ttl"), []byte("t"+d), start+60_000, false); err != nil {
				return err
			}
			if err := tx.Set([]byte("short"), []byte("x"), start+5_000, false); err != nil {
				return err
			}
			if _, err := tx.ListPush([]byte("l"), false, [][]byte{[]byte("a"), []byte(d)}, false); err != nil {
				return err
			}
			if _, err := tx.ListPush([]byte("l"), true, [][]byte{[]byte("z")}, false); err != nil {
				return err
			}
			if _, err := tx.HashSet([]byte("h"), [][]byte{[]byte("f"), []byte(d), []byte("g"), nil}, false); err != nil {
				return err
			}
			_, err := tx.SetExpireAt([]byte("h"), start+120_000)
			return err
		})
	}
	before := dump(t, b)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := b.View(all(0), func(backend.Tx) error { return nil }); !errors.Is(err, backend.ErrClosed) {
		t.Fatalf("View after Close: %v", err)
	}
	if err := b.Update(all(0), func(backend.Tx) error { return nil }); !errors.Is(err, backend.ErrClosed) {
		t.Fatalf("Update after Close: %v", err)
	}

	clock.Advance(10 * time.Second) // "short" expires while we are down
	b = openTest(t, Options{Path: path, Clock: clock})
	after := dump(t, b)
	var want []string
	for _, line := range before {
		if !strings.Contains(line, `"short"`) {
			want = append(want, line)
		}
	}
	if !slices.Equal(after, want) {
		t.Fatalf("after restart:\n%s\nwant:\n%s", strings.Join(after, "\n"), strings.Join(want, "\n"))
	}
	now := backend.NowMs(clock)
	for db := range 16 {
		mustView(t, b, db, func(tx backend.Tx) error {
			at, ok, err := tx.ExpireAt([]byte("ttl"))
			if err != nil || !ok || at != start+60_000 {
				return fmt.Errorf("db %d: ExpireAt(ttl) = %d, %v, %v", db, at, ok, err)
			}
			if ttl := at - now; ttl != 50_000 {
				return fmt.Errorf("db %d: ttl %d ms, want 50000", db, ttl)
			}
			if ok, _ := tx.Exists([]byte("short")); ok {
				return fmt.Errorf("db %d: short survived", db)
			}
			var l []string
			err = tx.ListRange([]byte("l"), 0, -1, func(v []byte) error { l = append(l, string(v)); return nil })
			if want := []string{"z", "a", fmt.Sprint(db)}; err != nil || !slices.Equal(l, want) {
				return fmt.Errorf("db %d: list %q, %v; want %q", db, l, err, want)
			}
			return nil
		})
	}
	st := b.Stats()
	for db := range 16 {
		// "short" is not reclaimed yet, or is; both are allowed.
		if st.Keys[db] < 4 || st.Keys[db] > 5 {
			t.Errorf("db %d: Stats.Keys = %d", db, st.Keys[db])
		}
	}
	checkInvariants(t, b)
}

func TestLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	openTest(t, Options{Path: path})
	start := time.Now()
	b2, err := Open(Options{Path: path})
	elapsed := time.Since(start)
	if err == nil {
		b2.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	if !strings.Contains(err.Error(), "locked by another process") || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not say the file is locked", err)
	}
	if elapsed > 2*time.Second {
		t.Errorf("second Open took %v", elapsed)
	}
	t.Logf("second Open failed after %v: %v", elapsed.Round(time.Millisecond), err)
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(Options{}); err == nil {
		t.Error("Open without a path succeeded")
	}
	dir := t.TempDir()
	// A bbolt file that is not ours.
	other := filepath.Join(dir, "other.db")
	db, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(btx *bolt.Tx) error { _, err := btx.CreateBucket([]byte("keys")); return err })
	db.Close()
	if b, err := Open(Options{Path: other}); err == nil {
		b.Close()
		t.Error("Open accepted a foreign bbolt file")
	}
	// Fewer databases than the file uses.
	path := filepath.Join(dir, "dbs.db")
	b, err := Open(Options{Path: path, Databases: 16})
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, b, 10, func(tx backend.Tx) error { return tx.Set([]byte("k"), []byte("v"), 0, false) })
	b.Close()
	if b, err := Open(Options{Path: path, Databases: 4}); err == nil {
		b.Close()
		t.Error("Open with 4 databases accepted a file with keys in database 10")
	} else {
		t.Logf("Open with too few databases: %v", err)
	}
	// More is fine, and fewer is fine once the extra databases are empty.
	b, err = Open(Options{Path: path, Databases: 32})
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, b, 10, func(tx backend.Tx) error { return tx.Flush() })
	b.Close()
	b = openTest(t, Options{Path: path, Databases: 4})
	if b.Databases() != 4 {
		t.Fatal(b.Databases())
	}
	if err := b.View(backend.TxOptions{DB: 4}, func(backend.Tx) error { return nil }); !errors.Is(err, backend.ErrBadDB) {
		t.Errorf("View on db 4: %v", err)
	}
	checkInvariants(t, b)
}

// work is what one transaction cost, counted rather than timed (absolute
// times flaked with the machine's load): bbolt's pages written at commit,
// nodes materialized (pages loaded to be changed or deleted from) and
// cursors opened (one per Get or Seek), and the bytes Go allocated
// meanwhile. Bytes are bounded only for reads: a commit allocates in
// proportion to bbolt's freelist, and wakes the sweeper. A read that walks
// a collection with one cursor, allocating nothing, is not caught.
type work struct {
	pages, nodes, cursors int64
	bytes                 uint64
}

// measure runs fn in an Update (write) or a View of db and returns the work
// of its bbolt transaction. Nothing else may write meanwhile (so that the
// transaction is fn's alone and nothing else allocates): the caller opens b
// without the expirer, and measure first waits for the sweeper to finish.
func measure(t *testing.T, b *Bolt, what string, db int, write bool, fn func(tx backend.Tx) error) work {
	t.Helper()
	waitSwept(t, b)
	var btx *bolt.Tx
	run := func(x backend.Tx) error {
		if bt, ok := x.(*tx); ok {
			btx = bt.btx
		}
		return fn(x)
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	var err error
	if write {
		err = b.Update(all(db), run)
	} else {
		err = b.View(all(db), run)
	}
	runtime.ReadMemStats(&ms1)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if btx == nil {
		t.Fatalf("%s: the function was not given a *tx", what)
	}
	st := btx.Stats()
	w := work{pages: st.GetWrite(), nodes: st.GetNodeCount(), cursors: st.GetCursorCount(), bytes: ms1.TotalAlloc - ms0.TotalAlloc}
	t.Logf("%-24s %d pages written, %d nodes, %d cursors, %d bytes allocated", what, w.pages, w.nodes, w.cursors, w.bytes)
	return w
}

// bounded runs fn as measure does and fails unless its work is that of an
// operation that does not depend on the size of the collection or database
// it works on (measured: at most 5 pages, 5 nodes, 22 cursors, 3 KB for a
// read). An O(n) operation on the tests' collections (tens of thousands of
// elements, thousands of pages) changes or copies them all: thousands of
// pages and nodes, megabytes allocated, or a cursor per element.
func bounded(t *testing.T, b *Bolt, what string, db int, write bool, fn func(tx backend.Tx) error) {
	t.Helper()
	limit := work{pages: 64, nodes: 64, cursors: 64, bytes: 256 << 10}
	w := measure(t, b, what, db, write, fn)
	if w.pages > limit.pages || w.nodes > limit.nodes || w.cursors > limit.cursors || !write && w.bytes > limit.bytes {
		t.Errorf("%s: %+v, more than %+v: it depends on the size", what, w, limit)
	}
}

// waitSwept waits until the sweeper has nothing left to delete.
func waitSwept(t *testing.T, b *Bolt) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for b.garbage.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("sweeper: %d garbage entries left", b.garbage.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLargeCollections checks that point operations and DEL on big
// collections do not depend on their size (their work is bounded), and
// that the sweeper reclaims the data afterwards.
func TestLargeCollections(t *testing.T) {
	const n = 200_000
	b := openTest(t, Options{Sync: SyncNone, tuning: tuning{noExpirer: true}})
	elems := make([][]byte, 0, 2*10_000)
	for chunk := 0; chunk < n; chunk += 10_000 {
		elems = elems[:0]
		for i := chunk; i < chunk+10_000; i++ {
			elems = append(elems, []byte(fmt.Sprintf("f%07d", i)), []byte(fmt.Sprintf("v%07d", i)))
		}
		mustUpdate(t, b, 0, func(tx backend.Tx) error {
			vals := make([][]byte, 0, 10_000)
			for i := 1; i < len(elems); i += 2 {
				vals = append(vals, elems[i])
			}
			if _, err := tx.ListPush([]byte("list"), false, vals, false); err != nil {
				return err
			}
			_, err := tx.HashSet([]byte("hash"), elems, false)
			return err
		})
	}
	bounded(t, b, "LINDEX middle", 0, false, func(tx backend.Tx) error {
		v, ok, err := tx.ListIndex([]byte("list"), n/2)
		if err != nil || !ok || string(v) != fmt.Sprintf("v%07d", n/2) {
			return fmt.Errorf("LINDEX = %q, %v, %v", v, ok, err)
		}
		return nil
	})
	bounded(t, b, "LINDEX -1", 0, false, func(tx backend.Tx) error {
		v, ok, err := tx.ListIndex([]byte("list"), -1)
		if err != nil || !ok || string(v) != fmt.Sprintf("v%07d", n-1) {
			return fmt.Errorf("LINDEX = %q, %v, %v", v, ok, err)
		}
		return nil
	})
	bounded(t, b, "LSET middle", 0, true, func(tx backend.Tx) error {
		return tx.ListSet([]byte("list"), n/2+1, []byte("changed"))
	})
	bounded(t, b, "HGET middle", 0, false, func(tx backend.Tx) error {
		v, ok, err := tx.HashGet([]byte("hash"), []byte(fmt.Sprintf("f%07d", n/2)))
		if err != nil || !ok || string(v) != fmt.Sprintf("v%07d", n/2) {
			return fmt.Errorf("HGET = %q, %v, %v", v, ok, err)
		}
		return nil
	})
	bounded(t, b, "LPUSH", 0, true, func(tx backend.Tx) error {
		m, err := tx.ListPush([]byte("list"), true, [][]byte{[]byte("head")}, false)
		if m != n+1 {
			return fmt.Errorf("LPUSH = %d, %v", m, err)
		}
		return err
	})
	bounded(t, b, "RPUSH", 0, true, func(tx backend.Tx) error {
		m, err := tx.ListPush([]byte("list"), false, [][]byte{[]byte("tail")}, false)
		if m != n+2 {
			return fmt.Errorf("RPUSH = %d, %v", m, err)
		}
		return err
	})
	bounded(t, b, "LRANGE 10 in the middle", 0, false, func(tx backend.Tx) error {
		var got []string
		err := tx.ListRange([]byte("list"), n/2, n/2+9, func(v []byte) error { got = append(got, string(v)); return nil })
		if len(got) != 10 || got[0] != fmt.Sprintf("v%07d", n/2-1) {
			return fmt.Errorf("LRANGE = %q, %v", got, err)
		}
		return err
	})
	bounded(t, b, "HSET new field", 0, true, func(tx backend.Tx) error {
		_, err := tx.HashSet([]byte("hash"), [][]byte{[]byte("new"), []byte("x")}, false)
		return err
	})
	bounded(t, b, "HSCAN 10", 0, false, func(tx backend.Tx) error {
		_, err := tx.HashScan([]byte("hash"), 0, 10, func(f, v []byte) error { return nil })
		return err
	})
	bounded(t, b, "LPOP", 0, true, func(tx backend.Tx) error {
		_, err := tx.ListPop([]byte("list"), true, 1)
		return err
	})
	listID, nl := dataKeysOf(t, b, 0, []byte("list"))
	hashID, nh := dataKeysOf(t, b, 0, []byte("hash"))
	if nl != n+1 || nh != n+1 {
		t.Fatalf("data keys: list %d, hash %d", nl, nh)
	}
	bounded(t, b, "DEL list", 0, true, func(tx backend.Tx) error {
		ok, err := tx.Delete([]byte("list"))
		if !ok {
			return fmt.Errorf("DEL = %v, %v", ok, err)
		}
		return err
	})
	bounded(t, b, "SET over hash", 0, true, func(tx backend.Tx) error {
		return tx.Set([]byte("hash"), []byte("now a string"), 0, false)
	})
	// The sweeper reclaims both collections.
	sweepStart := time.Now()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var left int
		b.db.View(func(btx *bolt.Tx) error {
			left = countPrefix(btx, listID) + countPrefix(btx, hashID)
			return nil
		})
		g := bucketLen(t, b, bucketGarbage)
		if left == 0 && g == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sweeper: %d data keys and %d garbage entries left", left, g)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("sweeper reclaimed %d data keys in %v", nl+nh, time.Since(sweepStart).Round(time.Millisecond))
	if n := bucketLen(t, b, bucketData); n != 0 {
		t.Errorf("data bucket still has %d keys", n)
	}
	checkInvariants(t, b)
	t.Logf("file %d bytes; extra %v", b.Stats().UsedBytes, b.Stats().Extra)
}

// TestFlushSwapLarge checks that FLUSHDB, FLUSHALL and SWAPDB are O(1):
// their work is bounded however many keys the databases hold.
func TestFlushSwapLarge(t *testing.T) {
	const n = 50_000
	b := openTest(t, Options{Sync: SyncNone, Databases: 4, tuning: tuning{noExpirer: true}})
	for db := range 2 {
		for chunk := 0; chunk < n; chunk += 10_000 {
			mustUpdate(t, b, db, func(tx backend.Tx) error {
				for i := chunk; i < chunk+10_000; i++ {
					k := []byte(fmt.Sprintf("k%06d", i))
					var err error
					switch i % 3 {
					case 0:
						err = tx.Set(k, k, 0, false)
					case 1:
						_, err = tx.ListPush(k, false, [][]byte{k, k}, false)
					case 2:
						_, err = tx.HashSet(k, [][]byte{k, k}, false)
					}
					if err != nil {
						return err
					}
					if i%10 == 0 {
						if _, err := tx.SetExpireAt(k, tx.Now()+3_600_000); err != nil {
							return err
						}
					}
				}
				return nil
			})
		}
	}
	st := b.Stats()
	if st.Keys[0] != n || st.Keys[1] != n || st.Expires[0] != n/10 {
		t.Fatalf("Stats: keys %v expires %v", st.Keys, st.Expires)
	}
	bounded(t, b, "SWAPDB", 0, true, func(tx backend.Tx) error { return tx.SwapDB(0, 3) })
	mustView(t, b, 3, func(tx backend.Tx) error {
		if n, _ := tx.Len(); n != 50_000 {
			return fmt.Errorf("db 3 Len after swap = %d", n)
		}
		return nil
	})
	if st := b.Stats(); st.Keys[0] != 0 || st.Keys[3] != n || st.Expires[3] != n/10 {
		t.Fatalf("Stats after swap: keys %v expires %v", st.Keys, st.Expires)
	}
	bounded(t, b, "FLUSHDB", 0, true, func(tx backend.Tx) error {
		if err := tx.SwapDB(0, 3); err != nil {
			return err
		}
		return tx.Flush()
	})
	bounded(t, b, "FLUSHALL", 0, true, func(tx backend.Tx) error { return tx.FlushAll() })
	if st := b.Stats(); slices.Max(st.Keys) != 0 || slices.Max(st.Expires) != 0 {
		t.Fatalf("Stats after flush: keys %v expires %v", st.Keys, st.Expires)
	}
	deadline := time.Now().Add(60 * time.Second)
	for bucketLen(t, b, bucketKeys)+bucketLen(t, b, bucketData)+bucketLen(t, b, bucketExpire)+bucketLen(t, b, bucketGarbage) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("sweeper left keys %d data %d expire %d garbage %d", bucketLen(t, b, bucketKeys),
				bucketLen(t, b, bucketData), bucketLen(t, b, bucketExpire), bucketLen(t, b, bucketGarbage))
		}
		time.Sleep(20 * time.Millisecond)
	}
	checkInvariants(t, b)
}

// TestBackgroundConcurrency runs writers, readers, snapshots, the sweeper
// and active expiry together (run it with -race).
func TestBackgroundConcurrency(t *testing.T) {
	// smallDrop 4 sends most collections through the sweeper.
	b := openTest(t, Options{Sync: SyncBatch, Databases: 2, tuning: tuning{smallDrop: 4}})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var ops atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := []byte(fmt.Sprintf("w%d:%d", w, i%50))
				err := b.Update(all(i%2), func(tx backend.Tx) error {
					switch i % 5 {
					case 0:
						return tx.Set(k, k, tx.Now()+int64(i%7)*10, false)
					case 1:
						vals := make([][]byte, 1+i%20)
						for j := range vals {
							vals[j] = k
						}
						if _, err := tx.ListPush(k, i%2 == 0, vals, false); err != nil && !errors.Is(err, backend.ErrWrongType) {
							return err
						}
						_, err := tx.SetExpireAt(k, tx.Now()+int64(i%3)*50)
						return err
					case 2:
						_, err := tx.HashSet(k, [][]byte{k, k, []byte(fmt.Sprint(i)), k}, false)
						if errors.Is(err, backend.ErrWrongType) {
							err = nil
						}
						return err
					case 3:
						_, err := tx.Delete(k)
						return err
					default:
						if i%100 == 4 {
							return tx.Flush()
						}
						_, err := tx.Copy(k, 1-i%2, k, true)
						return err
					}
				})
				if err != nil {
					t.Errorf("Update: %v", err)
					return
				}
				ops.Add(1)
			}
		}()
	}
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				err := b.View(all(r), func(tx backend.Tx) error {
					var cur uint64
					for {
						next, err := tx.Scan(cur, 20, func(k []byte, typ backend.Type) error {
							if typ == backend.TypeList {
								return tx.ListRange(k, 0, -1, func([]byte) error { return nil })
							}
							return nil
						})
						if err != nil || next == 0 {
							return err
						}
						cur = next
					}
				})
				if err != nil {
					t.Errorf("View: %v", err)
					return
				}
				if i%20 == 0 {
					s, err := b.Snapshot(nil)
					if err != nil {
						t.Errorf("Snapshot: %v", err)
						return
					}
					s.Each(context.Background(), func(*backend.Entry) error { return nil })
					s.Close()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()
	st := b.Stats()
	t.Logf("%d updates; ExpiredKeys %d; %v", ops.Load(), st.ExpiredKeys, st.Extra)
	if st.ExpiredKeys == 0 {
		t.Error("active expiry removed nothing")
	}
	checkInvariants(t, b)
}

// TestActiveExpiry checks that the background goroutine removes due keys
// without anyone touching them.
func TestActiveExpiry(t *testing.T) {
	clock := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	b := openTest(t, Options{Sync: SyncNone, Clock: clock, Databases: 2})
	const n = 2500 // more than one expiry transaction
	mustUpdate(t, b, 1, func(tx backend.Tx) error {
		for i := range n {
			k := []byte(fmt.Sprint(i))
			if _, err := tx.ListPush(k, false, [][]byte{k}, false); err != nil {
				return err
			}
			if _, err := tx.SetExpireAt(k, tx.Now()+1000+int64(i%2)*1_000_000); err != nil {
				return err
			}
		}
		return nil
	})
	clock.Advance(2 * time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for b.Stats().Keys[1] != n/2 {
		if time.Now().After(deadline) {
			t.Fatalf("Keys = %d, want %d", b.Stats().Keys[1], n/2)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := b.Stats(); st.ExpiredKeys != n/2 || st.Expires[1] != n/2 {
		t.Errorf("ExpiredKeys %d, Expires %d; want %d", st.ExpiredKeys, st.Expires[1], n/2)
	}
	checkInvariants(t, b)
}

// TestGroupCommit measures SyncAlways Updates from one goroutine and from
// 50: the 50 share commits, so they must get far more done.
func TestGroupCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	b := openTest(t, Options{Sync: SyncAlways})
	run := func(workers int, d time.Duration) float64 {
		var ops atomic.Int64
		var wg sync.WaitGroup
		deadline := time.Now().Add(d)
		start := time.Now()
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := []byte(fmt.Sprintf("key:%d", w))
				for i := 0; time.Now().Before(deadline); i++ {
					err := b.Update(backend.TxOptions{Keys: [][]byte{k}}, func(tx backend.Tx) error {
						return tx.Set(k, []byte(fmt.Sprint(i)), 0, false)
					})
					if err != nil {
						t.Error(err)
						return
					}
					ops.Add(1)
				}
			}()
		}
		wg.Wait()
		return float64(ops.Load()) / time.Since(start).Seconds()
	}
	// Alternate short rounds so that drifting disk latency hits both alike.
	var singles, multis, perCommit []float64
	for range 3 {
		singles = append(singles, run(1, 300*time.Millisecond))
		c0, u0 := b.commits.Load(), b.updates.Load()
		multis = append(multis, run(50, 300*time.Millisecond))
		perCommit = append(perCommit, float64(b.updates.Load()-u0)/float64(b.commits.Load()-c0))
	}
	median := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	single, multi, per := median(singles), median(multis), median(perCommit)
	t.Logf("SyncAlways: 1 goroutine %.0f updates/s; 50 goroutines %.0f updates/s (%.1fx), %.1f updates per commit",
		single, multi, multi/single, per)
	if multi < 3*single || per < 10 {
		t.Errorf("50 writers: %.0f updates/s and %.1f updates per commit, not well above 1 writer's %.0f", multi, per, single)
	}
}

// TestFailedUpdateInBatch checks that a function that fails after writing
// is rolled back alone, while the rest of its batch commits.
func TestFailedUpdateInBatch(t *testing.T) {
	b := openTest(t, Options{Sync: SyncAlways})
	mustUpdate(t, b, 0, func(tx backend.Tx) error { return tx.Set([]byte("str"), nil, 0, false) })
	var wg sync.WaitGroup
	boom := errors.New("boom")
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := []byte(fmt.Sprint(i))
			err := b.Update(all(0), func(tx backend.Tx) error {
				if i%4 == 1 {
					// Fails before writing: no rollback needed.
					_, err := tx.ListPush([]byte("str"), false, [][]byte{k}, false)
					return err
				}
				if err := tx.Set(k, k, 0, false); err != nil {
					return err
				}
				if i%4 == 0 {
					return boom // fails after writing: rolled back
				}
				return nil
			})
			switch {
			case i%4 == 0 && !errors.Is(err, boom):
				t.Errorf("%d: err %v, want boom", i, err)
			case i%4 == 1 && !errors.Is(err, backend.ErrWrongType):
				t.Errorf("%d: err %v, want WRONGTYPE", i, err)
			case i%4 > 1 && err != nil:
				t.Errorf("%d: err %v", i, err)
			}
		}()
	}
	wg.Wait()
	mustView(t, b, 0, func(tx backend.Tx) error {
		for i := range 40 {
			ok, _ := tx.Exists([]byte(fmt.Sprint(i)))
			if ok != (i%4 > 1) {
				t.Errorf("key %d exists = %v", i, ok)
			}
		}
		return nil
	})
	checkInvariants(t, b)
}

// TestPanicAndGoexitInBatch panics and exits inside busy batches, where
// the function may run in another goroutine: the panic reaches its own
// caller, a Goexit ends at most the goroutine that ran it besides its
// caller, and every other write commits.
func TestPanicAndGoexitInBatch(t *testing.T) {
	b := openTest(t, Options{Sync: SyncAlways})
	const writers, each = 16, 50
	var wg sync.WaitGroup
	var committed atomic.Int64
	// Writer 0's panicking calls and the panics it recovered; read after
	// wg.Wait. A writer leading a batch dies with a Goexit it runs, so
	// writer 0 may end early, in the middle of a call.
	var panicCalls, panics int
	finished := make([]bool, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				k := []byte(fmt.Sprintf("%d:%d", w, i))
				func() {
					defer func() {
						if p := recover(); p != nil {
							if p != "kaboom" || w != 0 {
								t.Errorf("writer %d recovered %v", w, p)
							}
							panics++
						}
					}()
					if w == 0 && i%10 == 5 {
						panicCalls++
					}
					err := b.Update(all(0), func(tx backend.Tx) error {
						if err := tx.Set(k, k, 0, false); err != nil {
							return err
						}
						switch {
						case w == 0 && i%10 == 5:
							panic("kaboom")
						case w == 1 && i == 7:
							runtime.Goexit()
						}
						return nil
					})
					if err != nil {
						t.Errorf("%s: %v", k, err)
					}
					committed.Add(1)
				}()
			}
			finished[w] = true
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("writers hung")
	}
	if finished[1] {
		t.Error("writer 1 went on after its Goexit")
	}
	ended := 0
	for _, f := range finished {
		if !f {
			ended++
		}
	}
	if ended > 2 {
		t.Errorf("%d writers ended; a Goexit ends its own and at most the one running it", ended)
	}
	unfinished := 0 // writer 0's call cut short by the Goexit
	if !finished[0] {
		unfinished = 1
	}
	if panics != panicCalls && (panics != panicCalls-unfinished) || finished[0] && panics != 5 {
		t.Errorf("%d panics reached writer 0 of %d calls that panicked (finished %v)", panics, panicCalls, finished[0])
	}
	// Writer 1 ended at its Goexit; at most one other writer ended with it.
	if c := committed.Load(); c < writers*each-5-(each-7)-each || c > writers*each-5-(each-7) {
		t.Errorf("%d writes returned", c)
	}
	// A leader that died running writer 1's Goexit may have had its own
	// write committed (it ran before the Goexit) though its Update never
	// returned; writer 1's write is undone.
	var n int64
	var exited bool
	mustView(t, b, 0, func(tx backend.Tx) error {
		var err error
		if n, err = tx.Len(); err != nil {
			return err
		}
		exited, err = tx.Exists([]byte("1:7"))
		return err
	})
	if c := committed.Load(); n != c && (ended < 2 || n != c+1) {
		t.Errorf("dbsize %d, %d writes returned, %d writers ended", n, c, ended)
	}
	if exited {
		t.Error("the write of the function that called Goexit was committed")
	}
	mustUpdate(t, b, 0, func(tx backend.Tx) error { return tx.Set([]byte("after"), nil, 0, false) })
	checkInvariants(t, b)
}

func TestPanicAndGoexit(t *testing.T) {
	b := openTest(t, Options{Sync: SyncNone})
	func() {
		defer func() {
			if p := recover(); p != "kaboom" {
				t.Errorf("recovered %v, want kaboom", p)
			}
		}()
		b.Update(all(0), func(tx backend.Tx) error {
			tx.Set([]byte("p"), []byte("v"), 0, false)
			panic("kaboom")
		})
		t.Error("Update returned after a panic")
	}()
	done := make(chan bool)
	go func() {
		defer func() { done <- true }()
		b.Update(all(0), func(tx backend.Tx) error {
			tx.Set([]byte("g"), []byte("v"), 0, false)
			runtime.Goexit()
			return nil
		})
		t.Error("Update returned after Goexit")
	}()
	<-done
	// The writer survived both and nothing was committed.
	mustUpdate(t, b, 0, func(tx backend.Tx) error { return tx.Set([]byte("ok"), []byte("v"), 0, false) })
	mustView(t, b, 0, func(tx backend.Tx) error {
		for _, k := range []string{"p", "g"} {
			if ok, _ := tx.Exists([]byte(k)); ok {
				t.Errorf("%s was committed", k)
			}
		}
		return nil
	})
	// Snapshot's atomically panics too.
	func() {
		defer func() {
			if p := recover(); p != "snap" {
				t.Errorf("recovered %v, want snap", p)
			}
		}()
		b.Snapshot(func() { panic("snap") })
	}()
	checkInvariants(t, b)
}

func TestSnapshotAtomically(t *testing.T) {
	b := openTest(t, Options{Sync: SyncNone})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var inUpdate atomic.Int32
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				b.Update(all(0), func(tx backend.Tx) error {
					inUpdate.Add(1)
					defer inUpdate.Add(-1)
					_, err := tx.ListPush([]byte(fmt.Sprint(w)), false, [][]byte{[]byte(fmt.Sprint(i))}, false)
					return err
				})
			}
		}()
	}
	for range 50 {
		var n int64
		s, err := b.Snapshot(func() {
			if inUpdate.Load() != 0 {
				t.Error("atomically ran during an Update")
			}
			// What the snapshot sees is what is committed now.
			b.db.View(func(btx *bolt.Tx) error {
				n = int64(btx.Bucket(bucketData).Stats().KeyN)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		var got int64
		s.Each(context.Background(), func(e *backend.Entry) error { got += int64(len(e.Items)); return nil })
		s.Close()
		if got != n {
			t.Fatalf("snapshot has %d elements, %d were committed when it was taken", got, n)
		}
	}
	close(stop)
	wg.Wait()
}

// TestScanCursors checks SCAN across evicted cursor slots and a restart:
// resuming from the prefix kept in the cursor skips nothing.
func TestScanCursors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scan.db")
	b, err := Open(Options{Path: path, Sync: SyncNone})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		for i := range 300 {
			// Many keys share long prefixes, and some are shorter than 5 bytes.
			for _, k := range []string{fmt.Sprintf("user:%06d", i), fmt.Sprint(i)} {
				want = append(want, k)
				if err := tx.Set([]byte(k), nil, 0, false); err != nil {
					return err
				}
			}
		}
		_, err := tx.HashSet([]byte("h"), func() [][]byte {
			var p [][]byte
			for i := range 300 {
				p = append(p, []byte(fmt.Sprintf("field:%06d", i)), nil)
			}
			return p
		}(), false)
		return err
	})
	want = append(want, "h")
	slices.Sort(want)
	scan := func(b *Bolt, evict bool) []string {
		seen := map[string]bool{}
		var cur uint64
		for calls := 0; ; calls++ {
			if calls > 10_000 {
				t.Fatal("scan does not finish")
			}
			mustView(t, b, 0, func(tx backend.Tx) error {
				cur, err = tx.Scan(cur, 7, func(k []byte, _ backend.Type) error { seen[string(k)] = true; return nil })
				return err
			})
			if cur == 0 {
				break
			}
			if evict && (calls == 5 || calls == 60) {
				// Start enough other scans to take this one's slot.
				for range cursorSlots {
					b.cursors.issue(-1, nil, []byte("zzz"))
				}
			}
		}
		var got []string
		for k := range seen {
			got = append(got, k)
		}
		slices.Sort(got)
		return got
	}
	if got := scan(b, false); !slices.Equal(got, want) {
		t.Fatalf("scan: %d keys, want %d", len(got), len(want))
	}
	if got := scan(b, true); !slices.Equal(got, want) {
		t.Fatalf("scan with evicted cursors: %d keys, want %d", len(got), len(want))
	}
	// A cursor from before a restart resumes at its prefix.
	var cur uint64
	first := map[string]bool{}
	mustView(t, b, 0, func(tx backend.Tx) error {
		cur, err = tx.Scan(0, 100, func(k []byte, _ backend.Type) error { first[string(k)] = true; return nil })
		return err
	})
	b.Close()
	b = openTest(t, Options{Path: path})
	for cur != 0 {
		mustView(t, b, 0, func(tx backend.Tx) error {
			cur, err = tx.Scan(cur, 100, func(k []byte, _ backend.Type) error { first[string(k)] = true; return nil })
			return err
		})
	}
	if len(first) != len(want) {
		t.Fatalf("scan across restart saw %d keys, want %d", len(first), len(want))
	}
	// HashScan with evictions.
	fields := map[string]bool{}
	evicted := false
	cur = 0
	for {
		mustView(t, b, 0, func(tx backend.Tx) error {
			cur, err = tx.HashScan([]byte("h"), cur, 9, func(f, _ []byte) error { fields[string(f)] = true; return nil })
			return err
		})
		if cur == 0 {
			break
		}
		if !evicted && len(fields) > 20 {
			evicted = true
			for range cursorSlots {
				b.cursors.issue(-1, nil, nil)
			}
		}
	}
	if len(fields) != 300 {
		t.Fatalf("HashScan saw %d fields", len(fields))
	}
}

func TestRandomKeySpread(t *testing.T) {
	b := openTest(t, Options{Sync: SyncNone})
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		for i := range 100 {
			if err := tx.Set([]byte(fmt.Sprintf("user:%04d", i)), nil, 0, false); err != nil {
				return err
			}
		}
		return tx.Set([]byte("other"), nil, 0, false)
	})
	seen := map[string]int{}
	mustView(t, b, 0, func(tx backend.Tx) error {
		for range 2000 {
			k, err := tx.RandomKey()
			if err != nil || k == nil {
				return fmt.Errorf("RandomKey = %q, %v", k, err)
			}
			seen[string(k)]++
		}
		return nil
	})
	if len(seen) < 60 {
		t.Errorf("2000 RandomKey calls saw only %d of 101 keys", len(seen))
	}
	t.Logf("2000 RandomKey calls saw %d of 101 keys", len(seen))
}

func TestStatsExtra(t *testing.T) {
	b := openTest(t, Options{Sync: SyncBatch})
	mustUpdate(t, b, 0, func(tx backend.Tx) error { return tx.Set([]byte("k"), []byte("v"), tx.Now()+10_000, false) })
	st := b.Stats()
	if st.Keys[0] != 1 || st.Expires[0] != 1 || st.UsedBytes <= 0 || len(st.Keys) != 16 {
		t.Errorf("Stats = %+v", st)
	}
	fields := map[string]string{}
	for _, kv := range st.Extra {
		fields[kv[0]] = kv[1]
	}
	for _, name := range []string{"bolt_file_size", "bolt_free_pages", "bolt_pending_pages", "bolt_sweeper_pending_keys", "bolt_sync", "bolt_commits"} {
		if _, ok := fields[name]; !ok {
			t.Errorf("Extra lacks %s", name)
		}
	}
	if fields["bolt_sync"] != "batch" {
		t.Errorf("bolt_sync = %q", fields["bolt_sync"])
	}
	// SyncBatch syncs soon after a commit.
	deadline := time.Now().Add(5 * time.Second)
	for b.syncs.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("SyncBatch never synced")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCloseWithActivity(t *testing.T) {
	for range 5 {
		b, err := Open(Options{Path: filepath.Join(t.TempDir(), "c.db"), Sync: SyncBatch})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					err := b.Update(all(0), func(tx backend.Tx) error {
						return tx.Set([]byte(fmt.Sprint(w)), []byte(fmt.Sprint(i)), 0, false)
					})
					if errors.Is(err, backend.ErrClosed) {
						return
					}
					if err != nil {
						t.Error(err)
						return
					}
					if err := b.View(all(0), func(tx backend.Tx) error { _, _, err := tx.Get([]byte("1")); return err }); errors.Is(err, backend.ErrClosed) {
						return
					} else if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		time.Sleep(20 * time.Millisecond)
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if _, err := b.Snapshot(nil); !errors.Is(err, backend.ErrClosed) {
			t.Errorf("Snapshot after Close: %v", err)
		}
	}
}
