package memory

import (
	"bytes"
	"testing"
	"unsafe"
)

// TestBulkMemValues: the values a bulk load carves from a chunk are copies
// with no spare capacity, so an append to one copies it rather than
// writing over the next; small integers come from the shared table, and
// big values are allocated alone.
func TestBulkMemValues(t *testing.T) {
	var bm bulkMem
	src := []byte("value:12345")
	a := bm.value(src)
	b := bm.value([]byte("value:67890"))
	src[0] = 'X' // the load's buffer is reused: the value must not alias it
	if string(a) != "value:12345" || string(b) != "value:67890" {
		t.Fatalf("values %q %q", a, b)
	}
	if cap(a) != len(a) {
		t.Fatalf("cap %d, len %d", cap(a), len(a))
	}
	a2 := append(a, "!"...)
	if string(b) != "value:67890" || string(a2) != "value:12345!" {
		t.Fatalf("append overwrote a neighbour: %q %q", a2, b)
	}
	if n := bm.value([]byte("42")); !bytes.Equal(n, []byte("42")) || !isShared(n) {
		t.Fatalf("small integer %q not from the shared table", n)
	}
	big := bytes.Repeat([]byte("x"), bulkMaxValue+1)
	if v := bm.value(big); !bytes.Equal(v, big) || &v[0] == &big[0] {
		t.Fatal("big value not copied")
	}
	// A new chunk starts when a value does not fit in the rest.
	bm.chunk = bm.chunk[:3]
	if c := bm.value([]byte("value:1")); string(c) != "value:1" || len(bm.chunk) != minValueChunk-7 {
		t.Fatalf("value %q, chunk left %d", c, len(bm.chunk))
	}
	bm.done()
}

// TestBulkMemEntries: entries come zeroed, distinct, in blocks sized by
// the keys still to come, at most entryBlock.
func TestBulkMemEntries(t *testing.T) {
	bm := bulkMem{left: 100}
	seen := map[*entry]bool{}
	for range 100 {
		e := bm.entry()
		if seen[e] || e.key != "" || e.coll != nil || e.slen != 0 || e.expireAt != 0 || e.tb != 0 {
			t.Fatal("entry reused or not zero")
		}
		seen[e] = true
	}
	if len(bm.block) != 0 {
		t.Fatalf("block of 100 has %d left", len(bm.block))
	}
	bm.entry() // past the hint: a block of the minimum size
	if len(bm.block) != 63 {
		t.Fatalf("block past the hint has %d left, want 63", len(bm.block))
	}
	bm = bulkMem{left: 10 * entryBlock}
	bm.entry()
	if len(bm.block) != entryBlock-1 {
		t.Fatalf("block has %d left, want %d", len(bm.block), entryBlock-1)
	}
	bm.done()
}

// isShared reports whether v lies in the table of small integers.
func isShared(v []byte) bool {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(v)))
	base := uintptr(unsafe.Pointer(unsafe.SliceData(intTable)))
	return p >= base && p < base+uintptr(len(intTable))
}
