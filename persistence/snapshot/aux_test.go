package snapshot

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"path/filepath"
	"testing"

	"redpool/backend"
)

// frameAux is frame with the aux flag set: body starts with the section.
func frameAux(keys uint64, body []byte) []byte {
	h := Header{Version: Version, Created: 5, Length: int64(HeaderSize + len(body) + trailerSize), Keys: keys, Aux: true}
	hdr := encodeHeader(h)
	out := append(hdr[:], body...)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

// A snapshot carries the backend's auxiliary data (function libraries):
// saved with the keys, loaded into the backend before them, and a file
// without any is byte for byte what it was before the section existed.
func TestAuxRoundTrip(t *testing.T) {
	clk := backend.NewManualClock(t0)
	src := newMemory(t, clk)
	fill(t, src, []backend.Entry{{Key: []byte("k"), Type: backend.TypeString, Items: [][]byte{[]byte("v")}}})
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.rpsnap")
	if h := saveBackend(t, src, plain); h.Aux {
		t.Fatal("a backend without aux data wrote the aux flag")
	}
	err := src.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
		return errors.Join(tx.SetAux(backend.AuxFunctions, []byte("payload\x00")), tx.SetAux("b", []byte("x")))
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "aux.rpsnap")
	if h := saveBackend(t, src, path); !h.Aux || h.Keys != 1 {
		t.Fatalf("header %+v", h)
	}
	dst := newMemory(t, clk)
	if _, err := Load(context.Background(), path, dst); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{backend.AuxFunctions: "payload\x00", "b": "x"} {
		if got, _ := dst.Aux(name); string(got) != want {
			t.Errorf("loaded Aux(%q) = %q, want %q", name, got, want)
		}
	}
	if got := dump(t, dst); len(got) != 1 {
		t.Errorf("loaded keys %q", got)
	}
	// The section's bytes: count 2, then "b" "x", then "functions" "payload\0".
	body := []byte{2, 1, 'b', 1, 'x', 9}
	body = append(body, "functions"...)
	body = append(body, 8)
	body = append(body, "payload\x00"...)
	body = append(body, 0) // no keys, end marker
	d, err := NewReader(bytes.NewReader(frameAux(0, body)))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Aux(); len(got) != 2 || string(got["functions"]) != "payload\x00" || string(got["b"]) != "x" {
		t.Fatalf("Aux() = %q", got)
	}
	if _, err := d.Next(); err != io.EOF {
		t.Fatalf("Next after aux = %v, want EOF", err)
	}
}

func TestAuxCorrupt(t *testing.T) {
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"empty section", []byte{0, 0}},
		{"count past the end", []byte{9, 1, 'a', 1, 'b', 0}},
		{"name past the end", []byte{1, 60, 'a', 0}},
		{"value past the end", []byte{1, 1, 'a', 60, 'b', 0}},
		{"empty value", []byte{1, 1, 'a', 0, 0}},
		{"repeated name", []byte{2, 1, 'a', 1, 'x', 1, 'a', 1, 'y', 0}},
		{"no end marker room", []byte{1, 1, 'a', 1}},
	} {
		_, err := NewReader(bytes.NewReader(frameAux(0, tc.body)))
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", tc.name, err)
		}
	}
	// An unknown flag is still refused.
	h := Header{Version: Version, Length: minSize}
	hdr := encodeHeader(h)
	binary.BigEndian.PutUint16(hdr[offFlags:], 2)
	binary.BigEndian.PutUint32(hdr[offHCRC:], crc32.Checksum(hdr[:offHCRC], castagnoli))
	if _, err := decodeHeader(hdr[:]); !errors.Is(err, ErrBadVersion) {
		t.Errorf("flag 2: %v", err)
	}
}
