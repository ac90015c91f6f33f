package bolt

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/backendtest"
)

// xtrimFill stores entries from-0 .. to-0 at key in nodes of 100 (the
// first at from), with a group "g" whose consumer "c" has pending every
// entry whose number ends in 50, and the header of a stream that held
// 1-0 .. to-0.
func xtrimFill(t testing.TB, tx backend.Tx, key []byte, from, to int) error {
	t.Helper()
	for i := from; i <= to; i++ {
		id := backend.StreamID{Ms: uint64(i)}
		fields := [][]byte{[]byte("n"), []byte(fmt.Sprint(i))}
		master := backend.StreamID{Ms: uint64(from + (i-from)/100*100)}
		if err := tx.XAppend(key, id, fields, uint64(i) == master.Ms, backend.StreamEntryCost(master, fields[:1], id, fields)); err != nil {
			return err
		}
	}
	if err := tx.XSetMeta(key, backend.StreamMeta{LastID: backend.StreamID{Ms: uint64(to)}, EntriesAdded: int64(to)}); err != nil {
		return err
	}
	if _, err := tx.XSetGroup(key, backend.StreamGroup{Name: []byte("g")}); err != nil {
		return err
	}
	if _, err := tx.XSetConsumer(key, []byte("g"), backend.StreamConsumer{Name: []byte("c")}); err != nil {
		return err
	}
	for i := 50; i <= to; i += 100 {
		p := backend.StreamPending{ID: backend.StreamID{Ms: uint64(i)}, Consumer: []byte("c"), DeliveryTime: 1, DeliveryCount: 1}
		if err := tx.XSetPending(key, []byte("g"), p); err != nil {
			return err
		}
	}
	return nil
}

// xtrimKeys returns how many data keys stream key has under its id,
// trimmed or not, and its record's size.
func xtrimKeys(t *testing.T, b *Bolt, key []byte) (keys, size int64) {
	t.Helper()
	mustView(t, b, 0, func(btx backend.Tx) error {
		bt := btx.(*tx)
		r, ok, err := bt.get(bt.kkey(key))
		if err != nil || !ok {
			t.Fatalf("record of %q: %v %v", key, ok, err)
		}
		keys, size = xtrimIDKeys(bt, r.id), r.size
		return nil
	})
	return keys, size
}

func xtrimIDKeys(bt *tx, id uint64) int64 {
	n := int64(0)
	prefix := appendID(nil, id)
	c := bt.dataB().Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

// xtrimDataID returns key's data id.
func xtrimDataID(t *testing.T, b *Bolt, key []byte) (id uint64) {
	t.Helper()
	mustView(t, b, 0, func(btx backend.Tx) error {
		bt := btx.(*tx)
		r, _, err := bt.get(bt.kkey(key))
		id = r.id
		return err
	})
	return id
}

// xtrimSweep runs the sweeper's transaction once with budget and reports
// whether garbage is left.
func xtrimSweep(t *testing.T, b *Bolt, budget int) (more bool) {
	t.Helper()
	if err := b.job(func(t *tx) error {
		var err error
		more, err = t.sweep(budget, time.Time{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return more
}

// xtrimView returns what every read of stream key sees: its digest, its
// snapshot items, ranges across the trim floor (301-0) and its tail node.
func xtrimView(t *testing.T, b *Bolt, key []byte) string {
	t.Helper()
	var out bytes.Buffer
	mustView(t, b, 0, func(tx backend.Tx) error {
		out.WriteString(xdigest(t, tx, key))
		e, err := backendtest.ReadEntry(tx, key)
		if err != nil {
			return err
		}
		fmt.Fprintf(&out, "items %q\n", e.Items)
		for _, r := range []struct {
			start, end uint64
			rev        bool
		}{{0, 305, false}, {150, 302, true}, {299, 300, false}, {0, 300, true}} {
			fmt.Fprintf(&out, "range %d..%d rev=%v:", r.start, r.end, r.rev)
			err := tx.XRange(key, backend.StreamID{Ms: r.start}, backend.StreamID{Ms: r.end}, r.rev, func(id backend.StreamID, _ [][]byte) bool {
				fmt.Fprintf(&out, " %v", id)
				return true
			})
			if err != nil {
				return err
			}
			out.WriteString("\n")
		}
		n, ok, err := tx.XTailNode(key)
		fmt.Fprintf(&out, "tail %v %v\n", fmtNode(n), ok)
		return err
	})
	return out.String()
}

// TestStreamLazyTrim trims the head of a stream lazily (nodes of 100 live
// entries, over smallDrop) and checks every read against a stream that
// never held the trimmed entries, while the sweep is pending, half done
// across a restart, and done; then that COPY takes only what is live,
// that DEL and an overwrite of a stream with a sweep pending leave
// nothing behind, and that an append below the floor (after XSETID)
// deletes what is left below it first.
func TestStreamLazyTrim(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trim.db")
	open := func(o Options) *Bolt {
		t.Helper()
		o.Path, o.Sync = path, SyncNone
		o.tuning.noExpirer = true
		b, err := Open(o)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b := open(Options{tuning: tuning{noSweeper: true}})
	key, ref := []byte("s"), []byte("r")
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		if err := xtrimFill(t, tx, key, 1, 1000); err != nil {
			return err
		}
		return xtrimFill(t, tx, ref, 301, 1000) // what s holds once trimmed
	})
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		for _, m := range []uint64{1, 101, 201} {
			if n, err := tx.XRemoveNode(key, backend.StreamID{Ms: m}); n != 100 || err != nil {
				t.Fatalf("XRemoveNode(%d-0) = %d, %v", m, n, err)
			}
		}
		for _, m := range []uint64{1, 150, 201} { // trimmed, or no node's master
			if n, err := tx.XRemoveNode(key, backend.StreamID{Ms: m}); n != 0 || err != nil {
				t.Fatalf("XRemoveNode(%d-0) below the floor = %d, %v", m, n, err)
			}
		}
		return nil
	})
	if keys, size := xtrimKeys(t, b, key); keys != size+303 {
		t.Fatalf("%d data keys, size %d: want the 303 trimmed ones left to the sweeper", keys, size)
	}
	// XPending still lists the trimmed entries pending (as in Redis).
	want := xtrimView(t, b, ref)
	check := func(when string) {
		t.Helper()
		if got := xtrimView(t, b, key); got != want {
			t.Fatalf("%s: reads of the trimmed stream\n%s\nwant (a stream that never held the trimmed entries)\n%s", when, got, want)
		}
		mustView(t, b, 0, func(tx backend.Tx) error {
			checkSize(t, tx, key)
			got, _, err := tx.MemoryUsage(key, 0)
			if err != nil {
				return err
			}
			// The same keys and values, but for the floor in the header.
			if w, _, _ := tx.MemoryUsage(ref, 0); got != w+xIDLen {
				t.Errorf("%s: MemoryUsage %d, want %d", when, got, w+xIDLen)
			}
			return nil
		})
	}
	check("sweep pending")
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		for _, id := range []uint64{150, 300} {
			if ok, err := tx.XDelete(key, backend.StreamID{Ms: id}); ok || err != nil {
				t.Fatalf("XDelete(%d-0) below the floor = %v, %v", id, ok, err)
			}
		}
		return nil
	})
	// Half swept, then a restart with the sweeper.
	if !xtrimSweep(t, b, 150) {
		t.Fatal("sweep of 150 keys: nothing left")
	}
	if keys, size := xtrimKeys(t, b, key); keys != size+303-150 {
		t.Fatalf("after a sweep of 150: %d data keys, size %d", keys, size)
	}
	check("half swept")
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = open(Options{})
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	check("after the restart")
	waitSwept(t, b)
	if keys, size := xtrimKeys(t, b, key); keys != size {
		t.Fatalf("swept: %d data keys, size %d", keys, size)
	}
	check("swept")

	// COPY while a sweep is pending takes only what is live.
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		_, err := tx.XRemoveNode(key, backend.StreamID{Ms: 301})
		return err
	})
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		_, err := tx.Copy(key, 0, []byte("c"), false)
		return err
	})
	mustView(t, b, 0, func(tx backend.Tx) error {
		checkSize(t, tx, []byte("c"))
		if got, w := xdigest(t, tx, []byte("c")), xdigest(t, tx, key); got != w {
			t.Errorf("copy\n%s\nwant\n%s", got, w)
		}
		return nil
	})
	if keys, size := xtrimKeys(t, b, []byte("c")); keys != size {
		t.Fatalf("copy: %d data keys, size %d", keys, size)
	}

	// DEL, and an overwrite, of a stream whose sweep is pending.
	for _, replace := range []bool{false, true} {
		var id uint64
		mustUpdate(t, b, 0, func(tx backend.Tx) error {
			return xtrimFill(t, tx, []byte("d"), 1, 500)
		})
		id = xtrimDataID(t, b, []byte("d"))
		mustUpdate(t, b, 0, func(tx backend.Tx) error {
			if _, err := tx.XRemoveNode([]byte("d"), backend.StreamID{Ms: 1}); err != nil {
				return err
			}
			if replace {
				return tx.Set([]byte("d"), []byte("v"), 0, false)
			}
			_, err := tx.Delete([]byte("d"))
			return err
		})
		waitSwept(t, b)
		mustView(t, b, 0, func(btx backend.Tx) error {
			if n := xtrimIDKeys(btx.(*tx), id); n != 0 {
				t.Errorf("replace=%v: %d data keys left", replace, n)
			}
			return nil
		})
	}

	// An append below the floor: every node trimmed, then XSETID down.
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		for m := uint64(401); m <= 901; m += 100 {
			if _, err := tx.XRemoveNode(key, backend.StreamID{Ms: m}); err != nil {
				return err
			}
		}
		m, _, err := tx.XMeta(key)
		if err != nil || m.Length != 0 {
			t.Fatalf("XMeta after trimming every node: %+v, %v", m, err)
		}
		m.LastID = backend.StreamID{Ms: 5}
		if err := tx.XSetMeta(key, m); err != nil {
			return err
		}
		return tx.XAppend(key, backend.StreamID{Ms: 7}, [][]byte{[]byte("a"), []byte("b")}, false, 10)
	})
	if g := b.garbage.Load(); g != 0 {
		t.Fatalf("garbage entries after the append below the floor: %d", g)
	}
	mustView(t, b, 0, func(tx backend.Tx) error {
		checkSize(t, tx, key)
		var ids []backend.StreamID
		err := tx.XRange(key, backend.StreamID{}, backend.MaxStreamID, false, func(id backend.StreamID, _ [][]byte) bool {
			ids = append(ids, id)
			return true
		})
		if len(ids) != 1 || ids[0] != (backend.StreamID{Ms: 7}) {
			t.Errorf("entries after the append below the floor: %v", ids)
		}
		return err
	})
	if keys, size := xtrimKeys(t, b, key); keys != size {
		t.Fatalf("after the append below the floor: %d data keys, size %d", keys, size)
	}
}

// TestStreamLazyTrimWAL: a kill -9, or a power loss that leaves the file
// at its last checkpoint, after lazy trims and part of their sweep
// (SyncAlways: every acknowledged write in the log) recovers the trim
// floor with the trims, so that the reopened stream reads as one that
// never held the trimmed entries, and its sweep resumes and ends.
func TestStreamLazyTrimWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redpool.db")
	tun := walTestTuning
	tun.noSweeper = true
	b, err := Open(Options{Path: path, Sync: SyncAlways, tuning: tun})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	key, ref := []byte("s"), []byte("r")
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		if err := xtrimFill(t, tx, key, 1, 1000); err != nil {
			return err
		}
		return xtrimFill(t, tx, ref, 301, 1000)
	})
	atCheckpoint := walTestCheckpoint(t, b)
	for _, m := range []uint64{1, 101, 201} { // one Update each
		mustUpdate(t, b, 0, func(tx backend.Tx) error {
			_, err := tx.XRemoveNode(key, backend.StreamID{Ms: m})
			return err
		})
	}
	xtrimSweep(t, b, 150)
	want := xtrimView(t, b, ref)
	killed := walTestCapture(t, b)
	for name, f := range map[string]walTestFiles{
		"kill -9":                killed,
		"power loss, checkpoint": {db: atCheckpoint, wal: killed.wal},
	} {
		r, err := walTestOpen(t, f, SyncAlways)
		if err != nil {
			t.Fatalf("%s: Open: %v", name, err)
		}
		if got := xtrimView(t, r, key); got != want {
			t.Errorf("%s: reads after recovery\n%s\nwant\n%s", name, got, want)
		}
		waitSwept(t, r)
		if keys, size := xtrimKeys(t, r, key); keys != size {
			t.Errorf("%s: swept after recovery: %d data keys, size %d", name, keys, size)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
