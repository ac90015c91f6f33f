package snapshot

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"redpool/backend"
)

// maxAlloc is what decoding n bytes of input may allocate: a bounded
// multiple of the input (item slice headers are 24 bytes per 1-byte empty
// item) plus the fixed buffers.
func maxAlloc(n int) uint64 { return uint64(64*n) + 2<<20 }

// FuzzDecode feeds arbitrary bytes to the decoder, both as a whole file and
// as a body framed with valid checksums (so that the record parser is
// reached). It must never panic, must not allocate more than the input
// justifies, and whatever decodes must re-encode to the same bytes.
func FuzzDecode(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "golden.rpsnap"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add(golden[HeaderSize : len(golden)-trailerSize])
	f.Add([]byte{4, 0, 1, 0, 0, 0})
	f.Add([]byte{12, 0, 0x81, 0, 0, 1, 0x8b, 0xcf, 0xe5, 0x68, 0, 0, 0, 0})
	f.Add([]byte{8, 0, 2, 0, 2, 1, 'a', 1, 'b', 0})
	f.Add([]byte{1, 1, 'a', 1, 'b', 4, 0, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, frame(5, uint64(len(data)/minRecord), data), frame(5, 1, data), frameAux(1, data)} {
			var entries []backend.Entry
			var h Header
			var err error
			got := allocBytes(func() {
				h, err = Decode(bytes.NewReader(in), func(e *backend.Entry) error {
					if len(entries) < 64 {
						entries = append(entries, cloneEntry(e))
					}
					return nil
				})
			})
			if got > maxAlloc(len(in))+uint64(len(entries))*uint64(len(in)) {
				t.Fatalf("decoding %d bytes allocated %d", len(in), got)
			}
			// Splitting records into pieces changes nothing but the pieces.
			_, whole, errWhole := decodeAll(in)
			split, _, errSplit := decodeSplit(t, in, 3)
			if (errWhole == nil) != (errSplit == nil) || !equalStrings(whole, split) {
				t.Fatalf("split decoding differs: %v %v\n%q\n%q", errWhole, errSplit, whole, split)
			}
			if err != nil || len(entries) == 64 {
				continue
			}
			out, err := Encode(h.Created, entries)
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			// Decoding accepts non-minimal varints, so compare decoded forms.
			_, a, err1 := decodeAll(out)
			_, b, err2 := decodeAll(in)
			if err1 != nil || err2 != nil || !equalStrings(a, b) {
				t.Fatalf("round trip differs: %v %v\n%q\n%q", err1, err2, a, b)
			}
		}
	})
}

func cloneEntry(e *backend.Entry) backend.Entry {
	c := *e
	c.Key = bytes.Clone(e.Key)
	c.Items = cloneAll(e.Items)
	return c
}

func cloneAll(s [][]byte) [][]byte {
	if s == nil {
		return nil
	}
	out := make([][]byte, len(s))
	for i, b := range s {
		out[i] = bytes.Clone(b)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestWriteAllocs: encoding a key allocates nothing.
func TestWriteAllocs(t *testing.T) {
	w := newWriter(discard{}, 0, 64<<10)
	str := backend.Entry{DB: 3, Key: []byte("key:000001"), Type: backend.TypeString, ExpireAt: 1, Items: [][]byte{bytes.Repeat([]byte("v"), 64)}}
	list := backend.Entry{Key: []byte("l"), Type: backend.TypeList, Items: [][]byte{[]byte("a"), []byte("bb")}}
	hash := backend.Entry{Key: []byte("h"), Type: backend.TypeHash, Items: [][]byte{[]byte("f"), []byte("v")}}
	allocs := testing.AllocsPerRun(1000, func() {
		_ = w.Write(&str)
		_ = w.Write(&list)
		_ = w.Write(&hash)
	})
	if allocs != 0 {
		t.Fatalf("Write allocates %v times per call", allocs)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// benchEntries is 100k string keys of 64-byte values, as the heavy
// benchmark uses (1M) at a smaller scale.
func benchEntries() []backend.Entry {
	es := make([]backend.Entry, 100_000)
	val := bytes.Repeat([]byte("v"), 64)
	for i := range es {
		es[i] = backend.Entry{Key: []byte("key:" + itoa6(i)), Type: backend.TypeString, Items: [][]byte{val}}
	}
	return es
}

func itoa6(i int) string {
	b := []byte("000000")
	for j := 5; j >= 0; j-- {
		b[j] = byte('0' + i%10)
		i /= 10
	}
	return string(b)
}

func BenchmarkEncode(b *testing.B) {
	es := benchEntries()
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		w := newWriter(discard{}, 0, writeBufSize)
		for i := range es {
			if err := w.Write(&es[i]); err != nil {
				b.Fatal(err)
			}
		}
		h, _, err := w.Close()
		if err != nil {
			b.Fatal(err)
		}
		n = h.Length
	}
	b.SetBytes(n)
}

func BenchmarkDecode(b *testing.B) {
	data, err := Encode(0, benchEntries())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(bytes.NewReader(data), func(*backend.Entry) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadMemory(b *testing.B) {
	path := filepath.Join(b.TempDir(), "b.rpsnap")
	data, err := Encode(0, benchEntries())
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		m := newMemory(b, nil)
		if _, err := Load(b.Context(), path, m); err != nil {
			b.Fatal(err)
		}
		_ = m.Close()
	}
}
