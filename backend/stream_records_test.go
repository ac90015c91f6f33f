package backend_test

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"redpool/backend"
	"redpool/backend/memory"
)

func newMem(t *testing.T) *memory.Memory {
	m := memory.New(memory.Options{ExpiryInterval: -1})
	t.Cleanup(func() { m.Close() })
	return m
}

func update(t *testing.T, m *memory.Memory, key string, fn func(tx backend.Tx) error) {
	t.Helper()
	if err := m.Update(backend.TxOptions{Keys: [][]byte{[]byte(key)}}, fn); err != nil {
		t.Fatal(err)
	}
}

// buildStream fills key with n entries over several nodes (some deleted),
// a header and two groups with consumers and pending entries.
func buildStream(t *testing.T, m *memory.Memory, key string, n int) {
	update(t, m, key, func(tx backend.Tx) error {
		k := []byte(key)
		var tail backend.StreamNode
		for i := 1; i <= n; i++ {
			id := backend.StreamID{Ms: uint64(i / 4), Seq: uint64(i)}
			fields := [][]byte{[]byte("f"), []byte(strconv.Itoa(i)), []byte("g"), []byte(strings.Repeat("v", i%5))}
			if i%7 == 0 {
				fields = fields[:2]
			}
			newNode := i%50 == 1
			if newNode {
				tail = backend.StreamNode{Master: id, MasterFields: [][]byte{[]byte("f"), []byte("g")}}
			}
			if err := tx.XAppend(k, id, fields, newNode, backend.StreamEntryCost(tail.Master, tail.MasterFields, id, fields)); err != nil {
				return err
			}
		}
		for i := 1; i <= n; i += 3 {
			if _, err := tx.XDelete(k, backend.StreamID{Ms: uint64(i / 4), Seq: uint64(i)}); err != nil {
				return err
			}
		}
		if err := tx.XSetMeta(k, backend.StreamMeta{LastID: backend.StreamID{Ms: uint64(n), Seq: 1}, EntriesAdded: int64(n), MaxDeletedID: backend.StreamID{Ms: 1}}); err != nil {
			return err
		}
		for _, g := range []string{"g2", "g1"} {
			if _, err := tx.XSetGroup(k, backend.StreamGroup{Name: []byte(g), LastID: backend.StreamID{Ms: 3}, EntriesRead: 7}); err != nil {
				return err
			}
			for _, c := range []string{"idle", "busy"} {
				if _, err := tx.XSetConsumer(k, []byte(g), backend.StreamConsumer{Name: []byte(c), SeenTime: 99}); err != nil {
					return err
				}
			}
			for i := 2; i < n; i += 5 {
				if err := tx.XSetPending(k, []byte(g), backend.StreamPending{ID: backend.StreamID{Ms: uint64(i / 4), Seq: uint64(i)}, Consumer: []byte("busy"), DeliveryTime: int64(i), DeliveryCount: 2}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func readItems(t *testing.T, m *memory.Memory, key string) (items [][]byte, chunks []int) {
	t.Helper()
	info, _ := backend.Lookup(backend.TypeStream)
	err := m.View(backend.TxOptions{Keys: [][]byte{[]byte(key)}}, func(tx backend.Tx) error {
		return info.Read(tx, []byte(key), func(chunk [][]byte) error {
			chunks = append(chunks, len(chunk))
			for _, it := range chunk {
				items = append(items, bytes.Clone(it))
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return items, chunks
}

func nodes(t *testing.T, m *memory.Memory, key string) []string {
	t.Helper()
	var out []string
	err := m.View(backend.TxOptions{Keys: [][]byte{[]byte(key)}}, func(tx backend.Tx) error {
		return tx.XNodes([]byte(key), func(n backend.StreamNode) bool {
			out = append(out, fmt.Sprintf("%v %q %v %d/%d %d %d", n.Master, n.MasterFields, n.Last, n.Live, n.Total, n.EntriesBytes, n.LPBytes()))
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStreamReadLoadChunks: Read hands out chunks of at most 256 records;
// Load takes the records in chunks cut anywhere (one transaction each, as
// the snapshot loader does) and rebuilds the same stream, with the same
// nodes as a load in one piece: each starts at the first live entry of an
// original node and holds only live entries, their costs recomputed.
func TestStreamReadLoadChunks(t *testing.T) {
	m := newMem(t)
	buildStream(t, m, "x", 700)
	items, chunks := readItems(t, m, "x")
	for i, c := range chunks {
		if c > 256 || c == 0 || (i < len(chunks)-1 && c != 256) {
			t.Fatalf("chunk sizes %v", chunks)
		}
	}
	info, _ := backend.Lookup(backend.TypeStream)
	update(t, m, "whole", func(tx backend.Tx) error { return info.Load(tx, []byte("whole"), items) })
	for _, sizes := range [][]int{{1}, {2, 3}, {7}, {100, 1}, {256}} {
		key := fmt.Sprint("chunked", sizes)
		for i, j := 0, 0; i < len(items); j++ {
			end := min(len(items), i+sizes[j%len(sizes)])
			update(t, m, key, func(tx backend.Tx) error { return info.Load(tx, []byte(key), items[i:end]) })
			i = end
		}
		if got, _ := readItems(t, m, key); !slices.EqualFunc(got, items, bytes.Equal) {
			t.Fatalf("loaded in chunks of %v: items differ", sizes)
		}
		if got, want := nodes(t, m, key), nodes(t, m, "whole"); !slices.Equal(got, want) {
			t.Fatalf("loaded in chunks of %v: nodes\n%s\nwant\n%s", sizes, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if got, _ := readItems(t, m, "whole"); !slices.EqualFunc(got, items, bytes.Equal) {
		t.Fatal("loaded whole: items differ")
	}
	orig, loaded := nodes(t, m, "x"), nodes(t, m, "whole")
	if len(orig) != len(loaded) {
		t.Fatalf("%d nodes, loaded %d", len(orig), len(loaded))
	}
	for _, n := range loaded {
		var live, total int
		for _, f := range strings.Fields(n) {
			if strings.Contains(f, "/") {
				fmt.Sscanf(f, "%d/%d", &live, &total)
			}
		}
		if live != total || live == 0 {
			t.Fatalf("a loaded node holds deleted entries: %s", n)
		}
	}
}

// TestStreamRewrite: the commands of the AOF rewrite, as Redis's
// rewriteStreamObject writes them (XADD per entry, XSETID, XGROUP CREATE
// with ENTRIESREAD), with the consumers by XGROUP CREATECONSUMER and the
// PEL by XCLAIM ... FORCE.
func TestStreamRewrite(t *testing.T) {
	m := newMem(t)
	update(t, m, "x", func(tx backend.Tx) error {
		k := []byte("x")
		for i, id := range []backend.StreamID{{Ms: 1}, {Ms: 1, Seq: 1}, {Ms: 2}} {
			fields := [][]byte{[]byte("f"), []byte(strconv.Itoa(i))}
			if err := tx.XAppend(k, id, fields, false, 10); err != nil {
				return err
			}
		}
		if _, err := tx.XDelete(k, backend.StreamID{Ms: 1, Seq: 1}); err != nil {
			return err
		}
		if err := tx.XSetMeta(k, backend.StreamMeta{LastID: backend.StreamID{Ms: 5}, EntriesAdded: 3, MaxDeletedID: backend.StreamID{Ms: 1, Seq: 1}}); err != nil {
			return err
		}
		if _, err := tx.XSetGroup(k, backend.StreamGroup{Name: []byte("g"), LastID: backend.StreamID{Ms: 2}, EntriesRead: 2}); err != nil {
			return err
		}
		for _, c := range []string{"b", "a"} {
			if _, err := tx.XSetConsumer(k, []byte("g"), backend.StreamConsumer{Name: []byte(c), SeenTime: 5}); err != nil {
				return err
			}
		}
		return tx.XSetPending(k, []byte("g"), backend.StreamPending{ID: backend.StreamID{Ms: 2}, Consumer: []byte("b"), DeliveryTime: 1234, DeliveryCount: 3})
	})
	update(t, m, "e", func(tx backend.Tx) error {
		return tx.XSetMeta([]byte("e"), backend.StreamMeta{LastID: backend.StreamID{Ms: 7, Seq: 7}, EntriesAdded: 9})
	})
	info, _ := backend.Lookup(backend.TypeStream)
	rewrite := func(key string) []string {
		items, _ := readItems(t, m, key)
		var out []string
		err := info.Rewrite([]byte(key), items, func(argv ...[]byte) error {
			out = append(out, string(bytes.Join(argv, []byte(" "))))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := []string{
		"XADD x 1-0 f 0",
		"XADD x 2-0 f 2",
		"XSETID x 5-0 ENTRIESADDED 3 MAXDELETEDID 1-1",
		"XGROUP CREATE x g 2-0 ENTRIESREAD 2",
		"XGROUP CREATECONSUMER x g a", // b owns an entry: Redis writes only its XCLAIM
		"XCLAIM x g b 0 2-0 TIME 1234 RETRYCOUNT 3 JUSTID FORCE",
	}
	if got := rewrite("x"); !slices.Equal(got, want) {
		t.Fatalf("rewrite:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	want = []string{"XADD e MAXLEN 0 0-1 x y", "XSETID e 7-7 ENTRIESADDED 9 MAXDELETEDID 0-0"}
	if got := rewrite("e"); !slices.Equal(got, want) {
		t.Fatalf("rewrite of an empty stream:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
