package snapshot

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"redpool/backend"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const goldenCreated = 1700000000000 // 2023-11-14T22:13:20Z

// goldenEntries is the content of testdata/golden.rpsnap: every type, with
// and without expiry, in several databases, with awkward bytes.
func goldenEntries() []backend.Entry {
	return []backend.Entry{
		{DB: 0, Key: []byte("greeting"), Type: backend.TypeString, Items: [][]byte{[]byte("hello world")}},
		{DB: 0, Key: []byte("a key: with spaces"), Type: backend.TypeString, Items: [][]byte{[]byte("line1\r\nline2\x00end")}},
		{DB: 0, Key: []byte(""), Type: backend.TypeString, Items: [][]byte{[]byte("")}},
		{DB: 0, Key: []byte("session:42"), Type: backend.TypeString, ExpireAt: 1700000600000, Items: [][]byte{[]byte("token")}},
		{DB: 1, Key: []byte("queue"), Type: backend.TypeList, Items: [][]byte{[]byte("first"), []byte(""), []byte("th\x00ird")}},
		{DB: 1, Key: []byte("user:1"), Type: backend.TypeHash, ExpireAt: 1800000000000, Items: [][]byte{[]byte("name"), []byte("Ada"), []byte("email"), []byte("ada@example.com")}},
		{DB: 15, Key: []byte("\x00\xff\r\n"), Type: backend.TypeHash, Items: [][]byte{[]byte(""), []byte("empty field")}},
		{DB: 15, Key: []byte("big"), Type: backend.TypeString, Items: [][]byte{bytes.Repeat([]byte("0123456789"), 20)}},
	}
}

func goldenStrings() []string {
	var out []string
	for _, e := range goldenEntries() {
		out = append(out, entryString(&e))
	}
	return out
}

func readGolden(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "golden.rpsnap"))
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	return data
}

// TestGoldenEncode pins the format: encoding the golden entries gives the
// golden file byte for byte.
func TestGoldenEncode(t *testing.T) {
	got, err := Encode(goldenCreated, goldenEntries())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden.rpsnap")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := readGolden(t)
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding differs from %s (format changed? bump Version, then go test -update)\n got: %x\nwant: %x", path, got, want)
	}
}

// TestGoldenDecode reads the golden file back.
func TestGoldenDecode(t *testing.T) {
	data := readGolden(t)
	h, got, err := decodeAll(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := goldenStrings(); !slices.Equal(got, want) {
		t.Fatalf("decoded\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if h.Version != 1 || h.Created != goldenCreated || h.Length != int64(len(data)) || h.Keys != uint64(len(goldenEntries())) {
		t.Fatalf("header = %+v", h)
	}
	if h.CRC != crc32.Checksum(data[:len(data)-4], castagnoli) {
		t.Fatalf("header CRC %08x", h.CRC)
	}
	// The same file through the file API, which verifies first.
	path := filepath.Join(t.TempDir(), "g.rpsnap")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var viaFile []string
	if _, err := ReadFile(path, func(e *backend.Entry) error { viaFile = append(viaFile, entryString(e)); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(viaFile, got) {
		t.Fatalf("ReadFile gave %q", viaFile)
	}
}

// TestDocExample checks the record example in the package doc.
func TestDocExample(t *testing.T) {
	data, err := Encode(0, []backend.Entry{{DB: 3, Key: []byte("a b"), Type: backend.TypeString, ExpireAt: 1700000000000, Items: [][]byte{[]byte("x")}}})
	if err != nil {
		t.Fatal(err)
	}
	rec := data[HeaderSize : len(data)-5]
	want := []byte{0x10, 0x03, 0x81, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, 0x03, 'a', ' ', 'b', 0x01, 'x'}
	if !bytes.Equal(rec, want) {
		t.Fatalf("record = % x\n want   % x", rec, want)
	}
	if string(data[:8]) != "\x89RPSNAP\n" || len(data) != HeaderSize+len(want)+5 {
		t.Fatalf("file = % x", data)
	}
}

func TestCRCCombine(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 7, 8, 63, 64, 1000, 4096, 100000} {
		a := make([]byte, r.IntN(100))
		b := make([]byte, n)
		for i := range a {
			a[i] = byte(r.Uint32())
		}
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		want := crc32.Checksum(append(a[:len(a):len(a)], b...), castagnoli)
		got := crcCombine(crc32.Checksum(a, castagnoli), crc32.Checksum(b, castagnoli), int64(len(b)))
		if got != want {
			t.Fatalf("len(b)=%d: combine = %08x, want %08x", n, got, want)
		}
	}
}

// writeTempFile writes data to a fresh file and returns its path.
func writeTempFile(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.rpsnap")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFlipEveryByte: changing any single byte of a valid file gives the
// error for the region it is in, and nothing is decoded.
func TestFlipEveryByte(t *testing.T) {
	data := readGolden(t)
	path := filepath.Join(t.TempDir(), "s.rpsnap")
	bad := make([]byte, len(data))
	for i := range data {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			copy(bad, data)
			bad[i] ^= x
			if err := os.WriteFile(path, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			want := ErrChecksum
			switch {
			case i < 8:
				want = ErrBadMagic
			case i < 10:
				want = ErrBadVersion
			}
			calls := 0
			_, err := ReadFile(path, func(*backend.Entry) error { calls++; return nil })
			if !errors.Is(err, want) {
				t.Fatalf("byte %d ^%#02x: ReadFile error %v, want %v", i, x, err, want)
			}
			if calls != 0 {
				t.Fatalf("byte %d ^%#02x: %d entries decoded from a bad file", i, x, calls)
			}
			if _, err := VerifyFile(path); !errors.Is(err, want) {
				t.Fatalf("byte %d ^%#02x: VerifyFile error %v, want %v", i, x, err, want)
			}
			// The streaming decoder finds the problem too (possibly as
			// ErrCorrupt, before it reaches the checksum).
			if _, _, err := decodeAll(bad); !errors.Is(err, want) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("byte %d ^%#02x: Decode error %v, want %v or ErrCorrupt", i, x, err, want)
			}
		}
	}
}

// TestTruncateEveryLength: a file cut short anywhere is ErrTruncated.
func TestTruncateEveryLength(t *testing.T) {
	data := readGolden(t)
	path := filepath.Join(t.TempDir(), "s.rpsnap")
	for n := 0; n < len(data); n++ {
		if err := os.WriteFile(path, data[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := VerifyFile(path); !errors.Is(err, ErrTruncated) {
			t.Fatalf("length %d: VerifyFile error %v, want ErrTruncated", n, err)
		}
		if _, err := ReadFile(path, func(*backend.Entry) error { t.Fatal("decoded a truncated file"); return nil }); !errors.Is(err, ErrTruncated) {
			t.Fatalf("length %d: ReadFile error %v, want ErrTruncated", n, err)
		}
		if _, _, err := decodeAll(data[:n]); !errors.Is(err, ErrTruncated) {
			t.Fatalf("length %d: Decode error %v, want ErrTruncated", n, err)
		}
	}
}

func TestTrailingData(t *testing.T) {
	data := append(readGolden(t), 0)
	if _, err := VerifyFile(writeTempFile(t, data)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("VerifyFile error %v, want ErrCorrupt", err)
	}
	if _, _, err := decodeAll(data); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Decode error %v, want ErrCorrupt", err)
	}
}

func TestNotASnapshot(t *testing.T) {
	for _, data := range []string{"REDIS0011\xfa", "hello", "\x89RPSNAQ\n...."} {
		if _, err := VerifyFile(writeTempFile(t, []byte(data))); !errors.Is(err, ErrBadMagic) {
			t.Errorf("%q: error %v, want ErrBadMagic", data, err)
		}
	}
}

func TestFutureVersion(t *testing.T) {
	data := readGolden(t)
	binary.BigEndian.PutUint16(data[offVersion:], 2)
	_, err := VerifyFile(writeTempFile(t, data))
	if !errors.Is(err, ErrBadVersion) || !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("error %v, want ErrBadVersion naming version 2", err)
	}
}

// TestStructureErrors: files whose checksums match but whose records are
// malformed fail with ErrCorrupt and a description, never a panic.
func TestStructureErrors(t *testing.T) {
	exp := []byte{0, 0, 1, 0x8b, 0xcf, 0xe5, 0x68, 0}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		name string
		keys uint64
		body []byte
		want string
	}{
		{"no end marker", 1, []byte{4, 0, 1, 0, 0, 0x80}, "no end marker"},
		{"record past the end", 1, []byte{100, 0, 1, 0, 0, 0}, "past the end"},
		{"unknown kind", 1, []byte{4, 0, 9, 0, 0, 0}, "unknown kind"},
		{"zero expiry", 1, cat([]byte{12, 0, 0x81}, make([]byte, 8), []byte{0, 0, 0}), "expiry 0"},
		{"short expiry", 1, []byte{5, 0, 0x81, 1, 2, 3, 0}, "too short"},
		{"key past the record", 1, []byte{4, 0, 1, 9, 0, 0}, "past the end of the record"},
		{"left over", 1, []byte{6, 0, 1, 0, 0, 7, 7, 0}, "left over"},
		{"empty list", 1, []byte{4, 0, 2, 0, 0, 0}, "count 0"},
		{"list count too big", 1, []byte{5, 0, 2, 0, 200, 1, 0}, "count"},
		{"hash odd", 1, []byte{6, 0, 3, 0, 1, 1, 'f', 0}, "bad length"},
		{"more records than keys", 0, []byte{4, 0, 1, 0, 0, 0}, "past the 0 keys"},
		{"fewer records than keys", 2, []byte{10, 0, 1, 0, 6, 'a', 'b', 'c', 'd', 'e', 'f', 0}, "1 key records, header says 2"},
		{"end marker early", 1, []byte{4, 0, 1, 0, 0, 0, 0}, "end marker at offset"},
		{"bad db varint", 1, cat([]byte{10}, bytes.Repeat([]byte{0xff}, 10), []byte{0}), "bad length"},
		{"ok with expiry", 1, cat([]byte{12, 0, 0x81}, exp, []byte{0, 0, 0}), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := decodeAll(frame(0, c.keys, c.body))
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrCorrupt mentioning %q", err, c.want)
			}
		})
	}
}

// TestHugeLengthsDoNotAllocate: a record or count claiming far more than
// the file holds fails before anything big is allocated.
func TestHugeLengthsDoNotAllocate(t *testing.T) {
	bodies := [][]byte{
		binary.AppendUvarint(nil, 1<<40),                                         // record length
		append([]byte{20, 0, 1, 0}, binary.AppendUvarint(nil, 1<<40)...),         // string length
		append([]byte{20, 0, 2, 0}, binary.AppendUvarint(nil, 1<<40)...),         // list count
		append([]byte{20, 0, 3, 0}, binary.AppendUvarint(nil, 1<<62)...),         // hash pairs
		append([]byte{20, 0, 2, 0, 1}, binary.AppendUvarint(nil, 1<<63-1)...),    // element length
		append(binary.AppendUvarint(nil, 1<<30), bytes.Repeat([]byte{0}, 64)...), // record longer than the stream
	}
	for i, body := range bodies {
		data := frame(0, 1, append(body, 0))
		got := allocBytes(func() { _, _, _ = decodeAll(data) })
		if got > 1<<20 {
			t.Errorf("body %d: decoding %d bytes allocated %d bytes", i, len(data), got)
		}
		if _, _, err := decodeAll(data); err == nil {
			t.Errorf("body %d: no error", i)
		}
	}
	// A header that claims a 4 GB file on a short stream.
	h := encodeHeader(Header{Version: Version, Length: 4 << 30, Keys: 1})
	data := append(h[:], binary.AppendUvarint(nil, 3<<30)...)
	data = append(data, make([]byte, 1000)...)
	if got := allocBytes(func() { _, _, _ = decodeAll(data) }); got > 4<<20 {
		t.Errorf("lying header: allocated %d bytes for %d of input", got, len(data))
	}
	if _, _, err := decodeAll(data); !errors.Is(err, ErrTruncated) {
		t.Errorf("lying header: error %v, want ErrTruncated", err)
	}
}
