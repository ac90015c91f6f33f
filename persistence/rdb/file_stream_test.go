package rdb

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"redpool/backend"
)

// readEntries reads every key of an RDB file.
func readEntries(t *testing.T, data []byte) []backend.Entry {
	t.Helper()
	f, err := NewFileReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []backend.Entry
	if _, err := Each(f, 0, func(e *backend.Entry) error {
		out = append(out, *e)
		return nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFileStreams reads the streams of a file redis-server 7.0.15 wrote
// (testdata/gen.sh: streams.rdb) and writes them back: the same records.
func TestFileStreams(t *testing.T) {
	entries := readEntries(t, golden(t, "streams.rdb"))
	var names []string
	for _, e := range entries {
		if e.Type != backend.TypeStream {
			t.Fatalf("%s is a %s", e.Key, e.Type)
		}
		names = append(names, string(e.Key)+"@"+string(rune('0'+e.DB)))
	}
	slices.Sort(names)
	if strings.Join(names, " ") != "sbig@0 sempty@0 sother@2 ssmall@0" {
		t.Fatalf("keys %q", names)
	}
	for _, e := range entries {
		if string(e.Key) == "ssmall" && e.ExpireAt != 4102444800123 {
			t.Errorf("ssmall expires at %d", e.ExpireAt)
		}
	}
	var buf bytes.Buffer
	if err := WriteSnapshot(context.Background(), &buf, memSnapshot(entries), nil, FileOptions{}); err != nil {
		t.Fatal(err)
	}
	again := readEntries(t, buf.Bytes())
	if len(again) != len(entries) {
		t.Fatalf("%d keys back, want %d", len(again), len(entries))
	}
	for i := range entries {
		a, b := entries[i], again[i]
		if string(a.Key) != string(b.Key) || a.DB != b.DB || a.ExpireAt != b.ExpireAt || !slices.EqualFunc(a.Items, b.Items, bytes.Equal) {
			t.Errorf("%s: written back differently", a.Key)
		}
	}
}
