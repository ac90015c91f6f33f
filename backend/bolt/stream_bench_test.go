package bolt

import (
	"os"
	"strconv"
	"testing"
	"time"

	"redpool/backend"
)

// xLarge is the size of the large stream: 1,000,000 entries with
// REDPOOL_LARGE=1 (the figure), else 100,000 so that the package's
// tests stay quick.
func xLarge() int {
	if os.Getenv("REDPOOL_LARGE") == "1" {
		return 1_000_000
	}
	return 100_000
}

// xNodeEntries is the entries per node of the large stream (Redis's
// stream-node-max-entries default).
const xNodeEntries = 100

// xEntry returns the fields of entry i of the large stream: two pairs, as
// a small event ("sensor", "value").
func xEntry(i int) [][]byte {
	return [][]byte{[]byte("sensor"), []byte("s-" + strconv.Itoa(i%100)), []byte("value"), []byte(strconv.Itoa(i))}
}

// fillStream stores entries 1-0 .. n-0 at key, in nodes of xNodeEntries,
// in Updates of 20,000 entries, and returns the time it took.
func fillStream(tb testing.TB, be *Bolt, key []byte, n int) time.Duration {
	tb.Helper()
	start := time.Now()
	const step = 20_000
	for lo := 1; lo <= n; lo += step {
		mustUpdate(tb, be, 0, func(tx backend.Tx) error {
			for i := lo; i < min(lo+step, n+1); i++ {
				fields := xEntry(i)
				if err := tx.XAppend(key, backend.StreamID{Ms: uint64(i)}, fields, i%xNodeEntries == 1, 20); err != nil {
					return err
				}
			}
			return tx.XSetMeta(key, backend.StreamMeta{LastID: backend.StreamID{Ms: uint64(n)}, EntriesAdded: int64(n)})
		})
	}
	mustUpdate(tb, be, 0, func(tx backend.Tx) error {
		if _, err := tx.XSetGroup(key, backend.StreamGroup{Name: []byte("g")}); err != nil {
			return err
		}
		_, err := tx.XSetConsumer(key, []byte("g"), backend.StreamConsumer{Name: []byte("c")})
		return err
	})
	return time.Since(start)
}

// TestStreamLarge runs each operation once on a large stream (xLarge) and
// logs its time and the bytes on disk per entry (see doc.go for the
// figures); it checks the results, and that the point operations' work
// does not depend on the size, not the times.
func TestStreamLarge(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("large, and timed")
	}
	n := xLarge()
	be := openTest(t, Options{Sync: SyncNone, tuning: tuning{noExpirer: true}})
	key := []byte("big")
	t.Logf("fill %d entries: %v", n, fillStream(t, be, key, n))
	st, err := os.Stat(be.Path())
	if err != nil {
		t.Fatal(err)
	}
	mustView(t, be, 0, func(tx backend.Tx) error {
		used, _, err := tx.MemoryUsage(key, 0)
		t.Logf("file %d bytes: %.1f per entry; B+tree keys and values %.1f per entry", st.Size(),
			float64(st.Size())/float64(n), float64(used)/float64(n))
		return err
	})
	timed := func(name string, write bool, fn func(tx backend.Tx) error) {
		t.Helper()
		timedOp(t, be, name, write, fn)
	}
	mid := backend.StreamID{Ms: uint64(n / 2)}
	timed("XAppend", true, func(tx backend.Tx) error {
		return tx.XAppend(key, backend.StreamID{Ms: uint64(n + 1)}, xEntry(n+1), false, 20)
	})
	timed("XRange 10 (middle)", false, func(tx backend.Tx) error {
		got := 0
		err := tx.XRange(key, mid, backend.MaxStreamID, false, func(id backend.StreamID, f [][]byte) bool {
			if want := strconv.Itoa(n/2 + got); string(f[3]) != want {
				t.Errorf("entry %v = %q, want value %s", id, f, want)
			}
			got++
			return got < 10
		})
		if got != 10 {
			t.Errorf("XRange: %d entries", got)
		}
		return err
	})
	timed("XDelete (middle)", true, func(tx backend.Tx) error {
		ok, err := tx.XDelete(key, mid)
		if !ok {
			t.Errorf("XDelete: not found")
		}
		return err
	})
	timed("XRemoveNode x10 (head)", true, func(tx backend.Tx) error {
		return removeHeadNodes(tx, key, 10)
	})
	timed("XSetPending", true, func(tx backend.Tx) error {
		return tx.XSetPending(key, []byte("g"), backend.StreamPending{ID: mid, Consumer: []byte("c"), DeliveryTime: 1, DeliveryCount: 1})
	})
	timed("XAck", true, func(tx backend.Tx) error {
		ok, err := tx.XAck(key, []byte("g"), mid)
		if !ok {
			t.Errorf("XAck: not pending")
		}
		return err
	})
	// Point operations' work is bounded (see bounded in bolt_test.go).
	next := backend.StreamID{Ms: uint64(n + 2)}
	bounded(t, be, "XAppend", 0, true, func(tx backend.Tx) error { return tx.XAppend(key, next, xEntry(n+2), false, 20) })
	bounded(t, be, "XRange 10", 0, false, func(tx backend.Tx) error {
		got := 0
		return tx.XRange(key, mid, backend.MaxStreamID, true, func(backend.StreamID, [][]byte) bool { got++; return got < 10 })
	})
	bounded(t, be, "XDelete", 0, true, func(tx backend.Tx) error {
		_, err := tx.XDelete(key, backend.StreamID{Ms: uint64(n/2 + 1)})
		return err
	})
	timed("DEL", true, func(tx backend.Tx) error {
		ok, err := tx.Delete(key)
		if !ok {
			t.Errorf("DEL: not found")
		}
		return err
	})
	start := time.Now()
	waitSwept(t, be)
	t.Logf("%-28s %v", "sweeper (after DEL)", time.Since(start))
}

// removeHeadNodes removes the first count nodes (approximate trimming).
func removeHeadNodes(tx backend.Tx, key []byte, count int) error {
	var masters []backend.StreamID
	if err := tx.XNodes(key, func(n backend.StreamNode) bool {
		masters = append(masters, n.Master)
		return len(masters) < count
	}); err != nil {
		return err
	}
	for _, m := range masters {
		if _, err := tx.XRemoveNode(key, m); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkStreamLarge measures the stream operations on a large stream
// (xLarge entries; REDPOOL_LARGE=1 for 1,000,000), built once: each is one
// Update or View per op, SyncNone.
func BenchmarkStreamLarge(b *testing.B) {
	n := xLarge()
	be := openTest(b, Options{Sync: SyncNone, tuning: tuning{noExpirer: true}})
	key := []byte("big")
	b.Logf("fill %d entries: %v", n, fillStream(b, be, key, n))
	next := n + 1
	b.Run("XAppend", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			mustUpdate(b, be, 0, func(tx backend.Tx) error {
				next++
				return tx.XAppend(key, backend.StreamID{Ms: uint64(next)}, xEntry(next), next%xNodeEntries == 1, 20)
			})
		}
	})
	// The middle third of the stream, stepped through by the reads and
	// deletes so that each op meets other pages.
	lo, span := n/3, n/3
	at := func(i int) backend.StreamID { return backend.StreamID{Ms: uint64(lo + (i*7919)%span)} }
	b.Run("XRange10", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			mustView(b, be, 0, func(tx backend.Tx) error {
				got := 0
				return tx.XRange(key, at(i), backend.MaxStreamID, false, func(backend.StreamID, [][]byte) bool {
					got++
					return got < 10
				})
			})
		}
	})
	b.Run("XSetPending", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			mustUpdate(b, be, 0, func(tx backend.Tx) error {
				return tx.XSetPending(key, []byte("g"), backend.StreamPending{ID: backend.StreamID{Ms: uint64(i)}, Consumer: []byte("c"), DeliveryTime: 1, DeliveryCount: 1})
			})
		}
	})
	b.Run("XAck", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			mustUpdate(b, be, 0, func(tx backend.Tx) error {
				_, err := tx.XAck(key, []byte("g"), backend.StreamID{Ms: uint64(i)})
				return err
			})
		}
	})
	b.Run("XDelete", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			mustUpdate(b, be, 0, func(tx backend.Tx) error {
				_, err := tx.XDelete(key, at(i))
				return err
			})
		}
	})
	b.Run("XRemoveNode10", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			mustUpdate(b, be, 0, func(tx backend.Tx) error { return removeHeadNodes(tx, key, 10) })
		}
	})
}

// timedOp runs fn once in an Update (write) or a View of database 0 and
// logs how long it took, for the large-collection tests.
func timedOp(t *testing.T, be *Bolt, name string, write bool, fn func(tx backend.Tx) error) {
	t.Helper()
	start := time.Now()
	var err error
	if write {
		err = be.Update(all(0), fn)
	} else {
		err = be.View(all(0), fn)
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Logf("%-28s %v", name, time.Since(start))
}
