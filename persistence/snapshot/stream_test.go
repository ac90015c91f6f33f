package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"redpool/backend"
)

// decodeSplit decodes data with a Reader that splits records longer than
// split bytes, joins the pieces back into whole values and renders them as
// decodeAll does. It checks that the pieces of a value are consecutive,
// start with first and end with last, and it reports the largest arena a
// piece needed (the loader releases it after each).
func decodeSplit(t testing.TB, data []byte, split int) (out []string, maxArena int, err error) {
	t.Helper()
	d, err := NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, 0, err
	}
	d.keep, d.split = true, split
	var whole *backend.Entry
	for {
		e, err := d.Next()
		if err == io.EOF {
			if whole != nil {
				t.Fatalf("the stream ended inside key %q", whole.Key)
			}
			return out, maxArena, nil
		}
		if err != nil {
			return out, maxArena, err
		}
		maxArena = max(maxArena, len(d.arena))
		first, last := d.piece()
		switch {
		case first && whole != nil:
			t.Fatalf("key %q starts inside key %q", e.Key, whole.Key)
		case !first && (whole == nil || !bytes.Equal(whole.Key, e.Key)):
			t.Fatalf("a piece of key %q without its first piece", e.Key)
		case first:
			c := cloneEntry(e)
			whole = &c
		default:
			whole.Items = append(whole.Items, cloneAll(e.Items)...)
		}
		if last {
			out = append(out, entryString(whole))
			whole = nil
		}
		d.release()
	}
}

func bigEntries(n int) []backend.Entry {
	list := make([][]byte, n)
	hash := make([][]byte, 0, 2*n)
	for i := range n {
		list[i] = fmt.Appendf(nil, "element %d", i)
		hash = append(hash, fmt.Appendf(nil, "field %d", i), bytes.Repeat([]byte{byte(i)}, i%7))
	}
	return []backend.Entry{
		{Key: []byte("before"), Type: backend.TypeString, Items: [][]byte{[]byte("1")}},
		{Key: []byte("big list"), Type: backend.TypeList, ExpireAt: 1 << 50, Items: list},
		{DB: 2, Key: []byte("big hash"), Type: backend.TypeHash, Items: hash},
		{DB: 2, Key: []byte("big string"), Type: backend.TypeString, Items: [][]byte{bytes.Repeat([]byte("s"), 5000)}},
		{DB: 2, Key: []byte("small list"), Type: backend.TypeList, Items: [][]byte{[]byte("x")}},
	}
}

// TestSplitRecords: a Reader that splits big records hands out their
// values in pieces of about split bytes, which join into what an ordinary
// Reader gives, and never holds a whole big record.
func TestSplitRecords(t *testing.T) {
	data, err := Encode(0, bigEntries(20_000))
	if err != nil {
		t.Fatal(err)
	}
	_, want, err := decodeAll(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, split := range []int{1, 100, 4096, 1 << 30} {
		got, maxArena, err := decodeSplit(t, data, split)
		if err != nil {
			t.Fatalf("split %d: %v", split, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("split %d: pieces join into\n%s\nwant\n%s", split, diffLines(got, want), diffLines(want, got))
		}
		if split == 4096 && maxArena > 4096+5000+64 { // a piece, or the 5000-byte string whole
			t.Fatalf("split %d: a piece needed an arena of %d bytes", split, maxArena)
		}
	}
}

// TestLoadSplit loads a snapshot holding collections bigger than a load
// batch: they arrive whole, with their expiry, in several transactions.
func TestLoadSplit(t *testing.T) {
	entries := bigEntries(3 * loadBatchItems / 2)
	path := filepath.Join(t.TempDir(), "big.rpsnap")
	data, err := Encode(0, entries)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m := newMemory(t, nil)
	cb := &countUpdates{Backend: m}
	st, err := Load(t.Context(), path, cb)
	if err != nil {
		t.Fatal(err)
	}
	if st.Loaded != int64(len(entries)) || st.Expired != 0 {
		t.Fatalf("loaded %d, expired %d", st.Loaded, st.Expired)
	}
	// The list (1.5 batches of items) and the hash (3 batches) need 2 and
	// 3 transactions of at most loadBatchItems items.
	if cb.updates < 5 {
		t.Fatalf("%d Update transactions", cb.updates)
	}
	_, want, err := decodeAll(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(t, m); !slices.Equal(got, sorted(want)) {
		t.Fatalf("loaded store differs:\n%s", diffLines(got, sorted(want)))
	}
}

type countUpdates struct {
	backend.Backend
	updates int
}

func (c *countUpdates) Update(o backend.TxOptions, fn func(tx backend.Tx) error) error {
	c.updates++
	return c.Backend.Update(o, fn)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestSplitCorrupt: a big record that lies about its count or lengths is
// ErrCorrupt when split, as it is whole.
func TestSplitCorrupt(t *testing.T) {
	body, err := Encode(0, []backend.Entry{{Key: []byte("l"), Type: backend.TypeList, Items: [][]byte{[]byte("aaaa"), []byte("bbbb"), []byte("cccc")}}})
	if err != nil {
		t.Fatal(err)
	}
	rec := body[HeaderSize : len(body)-1-trailerSize] // n db kind klen "l" count (len item)*3
	for i := 3; i < len(rec); i++ {
		for _, delta := range []byte{1, 0xff} {
			bad := bytes.Clone(rec)
			bad[i] += delta
			data := frame(0, 1, append(bad, endMarker))
			_, _, errWhole := decodeAll(data)
			_, _, errSplit := decodeSplit(t, data, 1)
			if (errWhole == nil) != (errSplit == nil) || (errWhole != nil && !errors.Is(errSplit, ErrCorrupt)) {
				t.Fatalf("byte %d %+d: whole %v, split %v", i, delta, errWhole, errSplit)
			}
		}
	}
}
