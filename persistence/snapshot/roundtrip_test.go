package snapshot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/bolt"
)

var t0 = time.UnixMilli(1700000000000)

// roundTripEntries covers every type, with and without TTL, in all 16
// databases, with keys and values holding spaces, colons, CRLF and NUL,
// empty keys and values, and a 10 MB value.
func roundTripEntries() []backend.Entry {
	odd := [][]byte{[]byte("a b"), []byte("c:d"), []byte("\r\n"), []byte("\x00"), []byte(""), []byte("\xff\xfe RESP *1\r\n$3\r\n")}
	var es []backend.Entry
	for db := 0; db < 16; db++ {
		for i, k := range odd {
			key := append([]byte(fmt.Sprintf("db%d:", db)), k...)
			var exp int64
			if i%2 == 1 {
				exp = t0.UnixMilli() + int64(1000*(db+1)*(i+1))
			}
			es = append(es,
				backend.Entry{DB: db, Key: append([]byte("s:"), key...), Type: backend.TypeString, ExpireAt: exp, Items: [][]byte{odd[(i+1)%len(odd)]}},
				backend.Entry{DB: db, Key: append([]byte("l:"), key...), Type: backend.TypeList, ExpireAt: exp, Items: odd},
				backend.Entry{DB: db, Key: append([]byte("h:"), key...), Type: backend.TypeHash, ExpireAt: exp,
					Items: [][]byte{[]byte("f1"), k, k, []byte("v:2"), []byte(""), []byte("")}},
			)
		}
		es = append(es, backend.Entry{DB: db, Key: []byte(""), Type: backend.TypeString, Items: [][]byte{[]byte("empty key")}})
	}
	big := bytes.Repeat([]byte("0123456789abcde\n"), 10<<20/16)
	es = append(es, backend.Entry{DB: 7, Key: []byte("big value"), Type: backend.TypeString, ExpireAt: t0.UnixMilli() + 3600_000, Items: [][]byte{big}})
	long := make([][]byte, 5000)
	for i := range long {
		long[i] = []byte(strings.Repeat("x", i%100))
	}
	es = append(es, backend.Entry{DB: 3, Key: []byte("long list"), Type: backend.TypeList, Items: long})
	return es
}

// saveBackend saves every key of b to path.
func saveBackend(t testing.TB, b backend.Backend, path string) Header {
	t.Helper()
	snap, err := b.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Save(context.Background(), path, snap, t0.UnixMilli())
	if cerr := snap.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestRoundTripMemory(t *testing.T) {
	clk := backend.NewManualClock(t0)
	src := newMemory(t, clk)
	entries := roundTripEntries()
	fill(t, src, entries)
	want := dump(t, src)
	if len(want) != len(entries) {
		t.Fatalf("source holds %d keys, want %d", len(want), len(entries))
	}
	path := filepath.Join(t.TempDir(), "dump.rpsnap")
	h := saveBackend(t, src, path)
	if h.Keys != uint64(len(entries)) {
		t.Fatalf("header keys %d, want %d", h.Keys, len(entries))
	}

	dst := newMemory(t, clk)
	st, err := Load(context.Background(), path, dst)
	if err != nil {
		t.Fatal(err)
	}
	if st.Loaded != int64(len(entries)) || st.Expired != 0 {
		t.Fatalf("load stats %+v", st)
	}
	if got := dump(t, dst); !slices.Equal(got, want) {
		t.Fatalf("loaded data differs:\n%s", diffLines(got, want))
	}

	// Keys whose expiry passed while the file sat on disk are not loaded.
	clk.Advance(3 * time.Second)
	dst2 := newMemory(t, clk)
	st, err = Load(context.Background(), path, dst2)
	if err != nil {
		t.Fatal(err)
	}
	if st.Expired == 0 || st.Loaded+st.Expired != int64(len(entries)) {
		t.Fatalf("after 3s: load stats %+v", st)
	}
	if got := dump(t, dst2); len(got) != int(st.Loaded) {
		t.Fatalf("after 3s: %d keys, stats say %d", len(got), st.Loaded)
	}
}

// TestCrossBackend: a snapshot taken from memory loads into bolt, and one
// taken from bolt loads back into memory, with identical data.
func TestCrossBackend(t *testing.T) {
	clk := backend.NewManualClock(t0)
	mem := newMemory(t, clk)
	fill(t, mem, roundTripEntries())
	want := dump(t, mem)
	dir := t.TempDir()
	saveBackend(t, mem, filepath.Join(dir, "from-memory.rpsnap"))

	bl, err := bolt.Open(bolt.Options{Path: filepath.Join(dir, "bolt.db"), Sync: bolt.SyncNone, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bl.Close() })
	if _, err := Load(context.Background(), filepath.Join(dir, "from-memory.rpsnap"), bl); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, bl); !slices.Equal(got, want) {
		t.Fatalf("bolt holds different data:\n%s", diffLines(got, want))
	}
	saveBackend(t, bl, filepath.Join(dir, "from-bolt.rpsnap"))
	back := newMemory(t, clk)
	if _, err := Load(context.Background(), filepath.Join(dir, "from-bolt.rpsnap"), back); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, back); !slices.Equal(got, want) {
		t.Fatalf("memory from bolt holds different data:\n%s", diffLines(got, want))
	}
}

// TestLoadTooManyDBs: a snapshot with keys in a database the backend does
// not have is refused with a message naming the setting.
func TestLoadTooManyDBs(t *testing.T) {
	data, err := Encode(0, []backend.Entry{{DB: 20, Key: []byte("k"), Type: backend.TypeString, Items: [][]byte{[]byte("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(context.Background(), writeTempFile(t, data), newMemory(t, nil))
	if !errors.Is(err, backend.ErrBadDB) || !strings.Contains(err.Error(), "databases") {
		t.Fatalf("error %v", err)
	}
}

// TestWriteFileAtomic: a failed write leaves the old snapshot and no
// temporary file; CleanTemp removes what a crash leaves.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dump.rpsnap")
	old := []backend.Entry{{Key: []byte("old"), Type: backend.TypeString, Items: [][]byte{[]byte("1")}}}
	if _, err := WriteFile(path, 1, func(w func(*backend.Entry) error) error { return w(&old[0]) }); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	boom := errors.New("boom")
	_, err := WriteFile(path, 2, func(w func(*backend.Entry) error) error {
		e := backend.Entry{Key: []byte("new"), Type: backend.TypeString, Items: [][]byte{bytes.Repeat([]byte("x"), 3<<20)}}
		if err := w(&e); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("failed write changed the snapshot")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("dir holds %v", ents)
	}
	// A crash mid-save leaves a temp file: it is ignored and cleaned.
	stale := filepath.Join(dir, "dump.rpsnap.tmp-123456")
	if err := os.WriteFile(stale, []byte("half a snapshot"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.tmp-1")
	if err := os.WriteFile(other, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	removed, err := CleanTemp(path)
	if err != nil || len(removed) != 1 || removed[0] != stale {
		t.Fatalf("CleanTemp = %v, %v", removed, err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatal("CleanTemp removed another file")
	}
}

func TestCopyFile(t *testing.T) {
	dir := t.TempDir()
	data := readGolden(t)
	src := writeTempFile(t, data)
	dst := filepath.Join(dir, "dst.rpsnap")
	if _, err := CopyFile(src, dst); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
		t.Fatal("copy differs")
	}
	bad := append([]byte(nil), data...)
	bad[50] ^= 1
	if _, err := CopyFile(writeTempFile(t, bad), dst); !errors.Is(err, ErrChecksum) {
		t.Fatalf("copy of a bad file: %v", err)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
		t.Fatal("failed copy changed the destination")
	}
}

func TestInspect(t *testing.T) {
	sum, err := Inspect(writeTempFile(t, readGolden(t)))
	if err != nil {
		t.Fatal(err)
	}
	str, list, hash := backend.TypeString, backend.TypeList, backend.TypeHash
	want := []DBSummary{
		{DB: 0, ByType: map[backend.Type]int64{str: 4}, Expires: 1},
		{DB: 1, ByType: map[backend.Type]int64{list: 1, hash: 1}, Expires: 1},
		{DB: 15, ByType: map[backend.Type]int64{str: 1, hash: 1}},
	}
	if !slices.EqualFunc(sum.DBs, want, func(a, b DBSummary) bool {
		return a.DB == b.DB && a.Expires == b.Expires && maps.Equal(a.ByType, b.ByType)
	}) || sum.Header.Keys != 8 {
		t.Fatalf("summary %+v", sum)
	}
}

func diffLines(got, want []string) string {
	var b strings.Builder
	for _, g := range got {
		if !slices.Contains(want, g) {
			fmt.Fprintf(&b, "+ %s\n", g)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			fmt.Fprintf(&b, "- %s\n", w)
		}
	}
	return b.String()
}
