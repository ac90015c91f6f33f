package snapshot

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"redpool/backend"
)

// bulkHidden hides a backend's BulkLoader, so that Load takes the batch
// path: the reference the bulk load is compared with.
type bulkHidden struct{ backend.Backend }

// bulkTestEntries is every type, packed and not, with and without expiry
// (some past at t0+1s), in several databases, with keys that come twice
// (the later record wins), and values big enough to come in pieces.
func bulkTestEntries() []backend.Entry {
	es := roundTripEntries()
	s := func(v ...string) [][]byte {
		out := make([][]byte, len(v))
		for i, x := range v {
			out[i] = []byte(x)
		}
		return out
	}
	var bigSet, bigZ [][]byte
	for i := range 300 {
		bigSet = append(bigSet, []byte("member:"+strconv.Itoa(i)))
		bigZ = append(bigZ, []byte(strconv.Itoa(i%17)+".5"), []byte("m"+strconv.Itoa(i)))
	}
	past := t0.UnixMilli() + 500 // expired once the clock moves on by 1s
	es = append(es,
		backend.Entry{DB: 0, Key: []byte("set"), Type: backend.TypeSet, Items: s("a", "b", "c")},
		backend.Entry{DB: 0, Key: []byte("intset"), Type: backend.TypeSet, Items: s("1", "2", "3")},
		backend.Entry{DB: 2, Key: []byte("bigset"), Type: backend.TypeSet, ExpireAt: t0.UnixMilli() + 9000, Items: bigSet},
		backend.Entry{DB: 0, Key: []byte("zset"), Type: backend.TypeZSet, Items: s("1", "a", "-inf", "b", "inf", "c")},
		backend.Entry{DB: 5, Key: []byte("bigzset"), Type: backend.TypeZSet, Items: bigZ},
		backend.Entry{DB: 0, Key: []byte("gone"), Type: backend.TypeString, ExpireAt: past, Items: s("x")},
		backend.Entry{DB: 1, Key: []byte("gone hash"), Type: backend.TypeHash, ExpireAt: past, Items: s("f", "v")},
		// Keys that come twice: the later record replaces the earlier.
		backend.Entry{DB: 0, Key: []byte("dup"), Type: backend.TypeString, Items: s("first")},
		backend.Entry{DB: 0, Key: []byte("dup"), Type: backend.TypeString, ExpireAt: t0.UnixMilli() + 7000, Items: s("second")},
		backend.Entry{DB: 0, Key: []byte("dup2"), Type: backend.TypeString, ExpireAt: t0.UnixMilli() + 7000, Items: s("a string")},
		backend.Entry{DB: 0, Key: []byte("dup2"), Type: backend.TypeHash, Items: s("then", "a hash")},
		backend.Entry{DB: 0, Key: []byte("dup3"), Type: backend.TypeList, Items: s("a", "list")},
		backend.Entry{DB: 0, Key: []byte("dup3"), Type: backend.TypeString, Items: s("then a string")},
		backend.Entry{DB: 0, Key: []byte("dup4"), Type: backend.TypeString, Items: s("alive")},
		backend.Entry{DB: 0, Key: []byte("dup4"), Type: backend.TypeString, ExpireAt: past, Items: s("expired: skipped")},
	)
	for i := range 2000 { // enough keys for presized indexes
		es = append(es, backend.Entry{DB: 4, Key: fmt.Appendf(nil, "key:%d", i), Type: backend.TypeString, Items: [][]byte{fmt.Appendf(nil, "%d", i)}})
	}
	return append(es, bigEntries(3*loadBatchItems/2)...)
}

// writeEntries writes es, as given (duplicates too), as a snapshot at path
// with functions in its aux section.
func writeEntries(t *testing.T, path string, es []backend.Entry) {
	t.Helper()
	data, err := Encode(t0.UnixMilli(), es)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// bulkCompare renders what a loaded backend holds for comparison: every
// key, each database's key and expiry counts, and the count of string
// forms by key.
func bulkCompare(t *testing.T, b backend.Backend) []string {
	t.Helper()
	out := dump(t, b)
	st := b.Stats()
	out = append(out, fmt.Sprintf("keys %v expires %v", st.Keys, st.Expires))
	return out
}

// TestBulkLoadMatchesBatchLoad: a snapshot loaded in bulk into an empty
// memory backend leaves what the batch path leaves, and both stay
// consistent under later writes and deletes.
func TestBulkLoadMatchesBatchLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dump.rpsnap")
	es := bulkTestEntries()
	writeEntries(t, path, es)
	clk := backend.NewManualClock(t0.Add(time.Second))
	bulk, batch := newMemory(t, clk), newMemory(t, clk)
	stBulk, err := Load(context.Background(), path, bulk)
	if err != nil {
		t.Fatal(err)
	}
	stBatch, err := Load(context.Background(), path, bulkHidden{batch})
	if err != nil {
		t.Fatal(err)
	}
	if stBulk != stBatch || stBulk.Expired != 3 || stBulk.Loaded != int64(len(es))-3 {
		t.Fatalf("bulk %+v, batch %+v (%d entries)", stBulk, stBatch, len(es))
	}
	want := bulkCompare(t, batch)
	if got := bulkCompare(t, bulk); !slices.Equal(got, want) {
		t.Fatalf("bulk load differs:\n%s", diffLines(got, want))
	}
	for _, k := range []string{"dup", "dup2", "dup3", "dup4"} {
		if !slices.ContainsFunc(want, func(s string) bool { return bytes.Contains([]byte(s), []byte(strconv.Quote(k))) }) {
			t.Fatalf("%s is missing", k)
		}
	}

	// The same writes on both: the indexes, key lists and expiry lists the
	// bulk load built hold up (a delete of every other key, an overwrite,
	// an expiry passing).
	for _, m := range []backend.Backend{bulk, batch} {
		for db := range 16 {
			err := m.Update(backend.TxOptions{DB: db, All: true}, func(tx backend.Tx) error {
				var keys [][]byte
				for cur := uint64(0); ; {
					next, err := tx.Scan(cur, 1000, func(k []byte, _ backend.Type) error {
						keys = append(keys, bytes.Clone(k))
						return nil
					})
					if err != nil {
						return err
					}
					if cur = next; cur == 0 {
						break
					}
				}
				slices.SortFunc(keys, bytes.Compare)
				keys = slices.CompactFunc(keys, bytes.Equal)
				for i, k := range keys {
					switch i % 3 {
					case 0:
						if _, err := tx.Delete(k); err != nil {
							return err
						}
					case 1:
						if err := tx.Set(k, []byte("over"), 0, false); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	clk.Advance(time.Hour)
	want = bulkCompare(t, batch)
	if got := bulkCompare(t, bulk); !slices.Equal(got, want) {
		t.Fatalf("after writes, bulk-loaded store differs:\n%s", diffLines(got, want))
	}
}

// TestBulkLoadRefusesNonEmpty: a backend that holds a key is loaded key by
// key (the keys of the file replace keys of the same name, others stay).
func TestBulkLoadRefusesNonEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dump.rpsnap")
	writeEntries(t, path, []backend.Entry{{Key: []byte("k"), Type: backend.TypeString, Items: [][]byte{[]byte("file")}}})
	m := newMemory(t, nil)
	fill(t, m, []backend.Entry{
		{Key: []byte("k"), Type: backend.TypeHash, Items: [][]byte{[]byte("f"), []byte("v")}},
		{DB: 9, Key: []byte("other"), Type: backend.TypeString, Items: [][]byte{[]byte("stays")}},
	})
	ran, err := m.BulkLoad(1, func(backend.BulkTx) error { return nil })
	if ran || err != nil {
		t.Fatalf("BulkLoad on a backend with keys: ran %v, %v", ran, err)
	}
	if _, err := Load(context.Background(), path, m); err != nil {
		t.Fatal(err)
	}
	want := []string{`db=0 key="k" type=string exp=0 string="file"`, `db=9 key="other" type=string exp=0 string="stays"`}
	if got := dump(t, m); !slices.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
}

// TestBulkLoadCorrupt: a damaged snapshot fails the bulk load with the
// error the batch path gives, and one that fails verification stores
// nothing.
func TestBulkLoadCorrupt(t *testing.T) {
	dir := t.TempDir()
	good, err := Encode(t0.UnixMilli(), bulkTestEntries()[:40])
	if err != nil {
		t.Fatal(err)
	}
	flip := bytes.Clone(good)
	flip[len(flip)/2] ^= 0x10
	// A record whose count lies, in a file whose checksums match.
	rec, err := Encode(0, []backend.Entry{
		{Key: []byte("a"), Type: backend.TypeString, Items: [][]byte{[]byte("ok")}},
		{Key: []byte("l"), Type: backend.TypeList, Items: [][]byte{[]byte("x"), []byte("y")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Clone(rec[HeaderSize : len(rec)-trailerSize])
	body[len(body)-6]++ // the list's count
	cases := []struct {
		name     string
		data     []byte
		verified bool // the damage is found before decoding
	}{
		{"checksum", flip, true},
		{"truncated", good[:len(good)-7], true},
		{"trailing", append(bytes.Clone(good), 0), true},
		{"magic", append([]byte("XX"), good[2:]...), true},
		{"structure", frame(0, 2, body), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".rpsnap")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			bulk, batch := newMemory(t, nil), newMemory(t, nil)
			_, errBulk := Load(context.Background(), path, bulk)
			_, errBatch := Load(context.Background(), path, bulkHidden{batch})
			if errBulk == nil || errBatch == nil || errBulk.Error() != errBatch.Error() {
				t.Fatalf("bulk: %v\nbatch: %v", errBulk, errBatch)
			}
			if tc.verified {
				if got := dump(t, bulk); len(got) != 0 {
					t.Fatalf("a file that fails verification stored %q", got)
				}
			}
		})
	}
}
