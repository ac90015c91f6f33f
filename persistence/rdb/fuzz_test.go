package rdb

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Fuzz tests of the decoders: whatever the input, they return a value or
// an error and never panic; what they return encodes and decodes again.
// The seed corpus is in testdata/fuzz (TestWriteFuzzSeeds writes it) and
// testdata/redis.

// fuzzSeeds are payloads of every encoding: the test values' and Redis's
// golden ones.
func fuzzSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	for _, tc := range testValues() {
		p, err := DumpPayload(tc.v, DefaultParams())
		if err != nil {
			tb.Fatal(err)
		}
		if len(p) < 4096 {
			seeds = append(seeds, p)
		}
	}
	golden, _ := filepath.Glob(filepath.Join("testdata", "redis", "*.dump"))
	for _, g := range golden {
		if b, err := os.ReadFile(g); err == nil && len(b) < 4096 {
			seeds = append(seeds, b)
		}
	}
	return seeds
}

func FuzzParseDumpPayload(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, p []byte, sanitize bool) {
		// Fix the footer so that the decoders see the data.
		if len(p) >= dumpFooterSize {
			p = AppendDumpFooter(p[:len(p)-dumpFooterSize])
		}
		v, err := ParseDumpPayload(p, sanitize)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrPayload) {
				t.Fatalf("error %v is neither ErrCorrupt nor ErrPayload", err)
			}
			return
		}
		again, err := DumpPayload(v, DefaultParams())
		if err != nil {
			// Without sanitization repeats pass; anything else must encode.
			if sanitize {
				t.Fatalf("a decoded value does not encode: %v", err)
			}
			return
		}
		if _, err := ParseDumpPayload(again, true); err != nil && sanitize {
			t.Fatalf("our own payload does not decode: %v", err)
		}
	})
}

func FuzzListpack(f *testing.F) {
	f.Add(listpack("a", "1", "-5000", "hello world"), true)
	f.Add(listpack(), false)
	f.Add(setCount(listpack("x"), lpCountUnknown), true)
	f.Fuzz(func(t *testing.T, lp []byte, deep bool) {
		var a arena
		items, err := decodeListpack(lp, deep, nil, &a)
		if err != nil {
			return
		}
		// A valid listpack re-encodes to one that decodes the same.
		var w lpWriter
		w.start(nil)
		for _, it := range items {
			w.add(it)
		}
		back, err := decodeListpack(w.finish(), true, nil, &a)
		if err != nil || len(back) != len(items) {
			t.Fatalf("re-encoded listpack: %v", err)
		}
		for i := range items {
			if !bytes.Equal(back[i], items[i]) && !sameInt(back[i], items[i]) {
				t.Fatalf("entry %d: %q became %q", i, items[i], back[i])
			}
		}
	})
}

// sameInt: a listpack string holding a canonical integer comes back as
// the integer, which is the same bytes; anything else must be equal.
func sameInt(a, b []byte) bool {
	x, err1 := strconv.ParseInt(string(a), 10, 64)
	y, err2 := strconv.ParseInt(string(b), 10, 64)
	return err1 == nil && err2 == nil && x == y
}

func FuzzZiplist(f *testing.F) {
	f.Add(ziplist("a", "1", "-5000", "300", "hello world"))
	f.Add(ziplist())
	f.Add(zipmap("f", "v", "g", "w"))
	f.Fuzz(func(t *testing.T, zl []byte) {
		var a arena
		_, _ = decodeZiplist(zl, nil, &a)
		_, _ = decodeZipmap(zl, nil)
	})
}

func FuzzIntset(f *testing.F) {
	f.Add(appendIntset(nil, []int64{-3, 1, 70000}), true)
	f.Add(appendIntset(nil, []int64{1, 1 << 40}), false)
	f.Fuzz(func(t *testing.T, is []byte, deep bool) {
		var a arena
		_, _ = decodeIntset(is, deep, nil, &a)
	})
}

func FuzzLZF(f *testing.F) {
	f.Add([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 60)
	f.Add([]byte("abcabcabcabcabcabcabcabcabcabcabcabcabcabc"), 10)
	f.Fuzz(func(t *testing.T, in []byte, n int) {
		// Arbitrary data as compressed input.
		if n >= 0 && n <= 1<<16 {
			_, _ = lzfDecompress(nil, in, n)
		}
		// Compression round trips, and never needs more than it may.
		for _, room := range []int{len(in) - 4, len(in) + 64} {
			out, ok := lzfCompress(nil, in, room)
			if !ok {
				continue
			}
			if len(out) > room {
				t.Fatalf("%d bytes out, room for %d", len(out), room)
			}
			back, err := lzfDecompress(nil, out, len(in))
			if err != nil || !bytes.Equal(back, in) {
				t.Fatalf("round trip: %v", err)
			}
		}
	})
}

// TestWriteFuzzSeeds writes the seed corpus of FuzzParseDumpPayload into
// testdata/fuzz when RDB_WRITE_FUZZ_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("RDB_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set RDB_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParseDumpPayload")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range fuzzSeeds(t) {
		data := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nbool(%v)\n", s, i%2 == 0)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
