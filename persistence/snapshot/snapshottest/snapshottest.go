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
// (items over 64 bytes by length and CRC; the elements of a type whose
// order is the backend's, such as hash fields, sorted).
func EntryString(e *backend.Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "db=%d key=%q type=%s exp=%d", e.DB, e.Key, e.Type, e.ExpireAt)
	info, ok := backend.Lookup(e.Type)
	if !ok || info.CheckItems(e.Items) != nil {
		fmt.Fprintf(&b, " BAD type=%d items=%d", e.Type, len(e.Items))
		return b.String()
	}
	elems := make([]string, 0, len(e.Items)/info.Width)
	for i := 0; i < len(e.Items); i += info.Width {
		parts := make([]string, info.Width)
		for j, it := range e.Items[i : i+info.Width] {
			if len(it) > 64 {
				parts[j] = fmt.Sprintf("len%d/crc%08x", len(it), crc32.ChecksumIEEE(it))
			} else {
				parts[j] = fmt.Sprintf("%q", it)
			}
		}
		elems = append(elems, strings.Join(parts, "="))
	}
	if !info.Ordered {
		slices.Sort(elems)
	}
	fmt.Fprintf(&b, " %s=%s", info.Name, strings.Join(elems, ","))
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
