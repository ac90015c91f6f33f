package backendtest

import (
	"fmt"
	"slices"

	"redpool/backend"
)

// testStreamTrimHead: removing a stream's head nodes, as trimming does,
// leaves exactly what a stream that never held them holds, for every
// read, COPY and snapshots; nodes of 100 entries, so that bolt trims them
// lazily (behind a floor the sweeper works down later; see
// backend/bolt's stream_trim.go) and the reads meet the trimmed keys.
// An emptied stream then takes an entry below the ids it trimmed (as
// after XSETID).
func testStreamTrimHead(h *harness) {
	t := h.t
	fill := func(key string, from, to int) {
		var es []string
		for i := from; i <= to; i++ {
			e := fmt.Sprintf("%d-0 n %d", i, i)
			if (i-from)%100 == 0 {
				e = "+" + e
			}
			es = append(es, e)
		}
		h.xadd(key, es...)
		h.update(0, k(key), func(tx backend.Tx) error {
			if _, err := tx.XSetGroup(b(key), backend.StreamGroup{Name: b("g")}); err != nil {
				return err
			}
			if _, err := tx.XSetConsumer(b(key), b("g"), backend.StreamConsumer{Name: b("c")}); err != nil {
				return err
			}
			for _, id := range []string{"50-0", "250-0"} {
				p := backend.StreamPending{ID: sid(id), Consumer: b("c"), DeliveryTime: 1, DeliveryCount: 1}
				if err := tx.XSetPending(b(key), b("g"), p); err != nil {
					return err
				}
			}
			return nil
		})
	}
	fill("x", 1, 300)
	fill("ref", 201, 300) // x once trimmed
	remove := func(master string) int64 { return h.xremoveNode("x", master) }
	if remove("1-0") != 100 || remove("101-0") != 100 {
		t.Fatal("XRemoveNode of the head nodes: not 100 entries each")
	}
	if n := remove("1-0"); n != 0 {
		t.Fatalf("XRemoveNode(1-0) again = %d", n)
	}
	// The pending entries below stay pending (as in Redis).
	same := func(key string) {
		t.Helper()
		h.inBoth(0, k(key, "ref"), func(tx backend.Tx, mode string) error {
			got, err := xdump(tx, key)
			if err != nil {
				return err
			}
			want, err := xdump(tx, "ref")
			if err != nil {
				return err
			}
			if got != want {
				t.Fatalf("%s in %s:\n%s\nwant\n%s", key, mode, got, want)
			}
			ge, err := ReadEntry(tx, b(key))
			if err != nil {
				return err
			}
			we, err := ReadEntry(tx, b("ref"))
			if err != nil {
				return err
			}
			if !slices.EqualFunc(ge.Items, we.Items, slices.Equal) {
				t.Fatalf("%s's items in %s:\n%q\nwant\n%q", key, mode, ge.Items, we.Items)
			}
			return nil
		})
	}
	same("x")
	h.mustRange("x", "150-0", "203-0", false, -1, "201-0 n=201", "202-0 n=202", "203-0 n=203")
	h.mustRange("x", "-", "300-0", true, 2, "300-0 n=300", "299-0 n=299")
	h.mustRange("x", "100-0", "200-0", true, -1)
	h.mustRange("x", "-", "+", false, 1, "201-0 n=201")
	h.update(0, k("x"), func(tx backend.Tx) error {
		if ok, err := tx.XDelete(b("x"), sid("150-0")); ok || err != nil {
			t.Fatalf("XDelete of a trimmed entry = %v, %v", ok, err)
		}
		return nil
	})
	h.update(0, nil, func(tx backend.Tx) error {
		_, err := tx.Copy(b("x"), 0, b("y"), false)
		return err
	})
	same("y")
	h.update(0, nil, func(tx backend.Tx) error {
		return tx.Rename(b("y"), b("z"))
	})
	same("z")
	// Trim the last node, then add below the trimmed ids.
	if n := remove("201-0"); n != 100 {
		t.Fatalf("XRemoveNode(201-0) = %d", n)
	}
	h.update(0, k("x"), func(tx backend.Tx) error {
		m, _, err := tx.XMeta(b("x"))
		if err != nil {
			return err
		}
		m.LastID = sid("5-0")
		return tx.XSetMeta(b("x"), m)
	})
	h.xadd("x", "7-0 a 1")
	h.mustRange("x", "-", "+", false, -1, "7-0 a=1")
	h.mustNodes("x", fmt.Sprintf("node 7-0 [a] last=7-0 live=1 total=1 bytes=%d", cost("7-0 a 1")))
}

// xremoveNode removes key's node master (XRemoveNode) in an Update of its
// own and returns the live entries it held.
func (h *harness) xremoveNode(key, master string) int64 {
	h.t.Helper()
	var n int64
	h.update(0, k(key), func(tx backend.Tx) (err error) {
		n, err = tx.XRemoveNode(b(key), sid(master))
		return err
	})
	return n
}
