package rdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/memory"
)

// importNow is the clock of FuzzImport's backends (2023-11-14), before
// the golden files' expiry times.
const importNow = 1_700_000_000_000

// FuzzImport imports arbitrary RDB files into a memory backend as
// import-rdb does (Load): it ends with nil or an error of the package (or
// a key in a database the server lacks), never one of the backend's
// refusing what the reader handed it; it allocates no more than the input
// can justify (a declared length of 2^40 allocates nothing like it); and
// what it loaded, written as an RDB file and imported again, is the same
// keyspace.
func FuzzImport(f *testing.F) {
	for _, name := range []string{"strings.rdb", "all.rdb", "stream.rdb"} {
		f.Add(golden(f, name))
	}
	f.Add([]byte("REDIS0010\xfe\x00\x00\x01k\xc0\x01\xff"))
	f.Add([]byte("REDIS0010\xfe\x00\x00\x01k\x80\x00\x00\x01\x00\x00\x00\x00\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A zero checksum is not checked (as in Redis): let files the
		// fuzzer changed load whole.
		if n := len(data); n >= 9 && data[n-9] == OpEOF {
			clear(data[n-8:])
		}
		var before, after runtimeMem
		before.read()
		b, err := importRDB(data)
		after.read()
		if limit := 4096*uint64(len(data)) + 64<<20; after.total-before.total > limit {
			t.Fatalf("importing %d bytes allocated %d", len(data), after.total-before.total)
		}
		if err != nil {
			for _, e := range []error{ErrNotRDB, ErrVersion, ErrCorrupt, ErrTruncated, ErrChecksum, ErrNotSupported, ErrPayload, backend.ErrBadDB} {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("import: %v", err)
		}
		defer b.Close()
		keys := keyspace(t, b)
		var out bytes.Buffer
		snap, err := b.Snapshot(func() {})
		if err != nil {
			t.Fatal(err)
		}
		err = WriteSnapshot(context.Background(), &out, snap, nil, FileOptions{Created: 1})
		_ = snap.Close()
		if err != nil {
			t.Fatalf("writing what was imported: %v", err)
		}
		b2, err := importRDB(out.Bytes())
		if err != nil {
			t.Fatalf("our own file does not import: %v", err)
		}
		defer b2.Close()
		if again := keyspace(t, b2); !slices.Equal(keys, again) {
			t.Fatalf("the keyspace changed on a round trip:\n%q\n%q", keys, again)
		}
	})
}

// importRDB loads data into a fresh memory backend of 16 databases.
func importRDB(data []byte) (*memory.Memory, error) {
	fr, err := NewFileReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	clk := backend.NewManualClock(time.UnixMilli(importNow))
	b := memory.New(memory.Options{Clock: clk, ExpiryInterval: -1})
	if _, err := Load(context.Background(), fr, b, importNow, nil); err != nil {
		_ = b.Close()
		return nil, err
	}
	return b, nil
}

// keyspace lists b's keys, one line each, sorted, with the elements of
// sets, hashes and sorted sets in order.
func keyspace(t *testing.T, b backend.Backend) []string {
	t.Helper()
	snap, err := b.Snapshot(func() {})
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	var out []string
	err = snap.Each(context.Background(), func(e *backend.Entry) error {
		items := slices.Clone(e.Items)
		switch e.Type {
		case backend.TypeSet:
			slices.SortFunc(items, bytes.Compare)
		case backend.TypeHash, backend.TypeZSet:
			pairs := make([]string, 0, len(items)/2)
			for i := 0; i+1 < len(items); i += 2 {
				pairs = append(pairs, fmt.Sprintf("%q=%q", items[i], items[i+1]))
			}
			slices.Sort(pairs)
			out = append(out, fmt.Sprintf("%d %q %v %d %v", e.DB, e.Key, e.Type, e.ExpireAt, pairs))
			return nil
		}
		out = append(out, fmt.Sprintf("%d %q %v %d %q", e.DB, e.Key, e.Type, e.ExpireAt, items))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
