// Package snapshottest renders and fills backends for tests that compare
// data across saves, loads, restarts and backends.
package snapshottest

import (
	"context"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
	"testing"

	"redpool/backend"
)

// Dump renders every key of b (through a Snapshot), one string per key,
// sorted, so that two backends holding the same data give equal slices.
func Dump(t testing.TB, b backend.Backend) []string {
	t.Helper()
	snap, err := b.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	var out []string
	err = snap.Each(context.Background(), func(e *backend.Entry) error {
		out = append(out, EntryString(e))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// EntryString renders one entry: database, key, type, expiry and value
// (strings over 64 bytes by length and CRC; hash pairs sorted, since their
// order is the backend's).
func EntryString(e *backend.Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "db=%d key=%q type=%s exp=%d", e.DB, e.Key, e.Type, e.ExpireAt)
	switch e.Type {
	case backend.TypeString:
		if len(e.Str) > 64 {
			fmt.Fprintf(&b, " str=len%d/crc%08x", len(e.Str), crc32.ChecksumIEEE(e.Str))
		} else {
			fmt.Fprintf(&b, " str=%q", e.Str)
		}
	case backend.TypeList:
		fmt.Fprintf(&b, " list=%q", e.List)
	case backend.TypeHash:
		var pairs []string
		for i := 0; i+1 < len(e.Hash); i += 2 {
			pairs = append(pairs, fmt.Sprintf("%q=%q", e.Hash[i], e.Hash[i+1]))
		}
		slices.Sort(pairs)
		fmt.Fprintf(&b, " hash=%s", strings.Join(pairs, ","))
	}
	return b.String()
}

// Put stores entries in b with backend.Put, one transaction each.
func Put(t testing.TB, b backend.Backend, entries ...backend.Entry) {
	t.Helper()
	for i := range entries {
		e := &entries[i]
		err := b.Update(backend.TxOptions{DB: e.DB, Keys: [][]byte{e.Key}}, func(tx backend.Tx) error {
			return backend.Put(tx, e)
		})
		if err != nil {
			t.Fatalf("put %q in db %d: %v", e.Key, e.DB, err)
		}
	}
}
