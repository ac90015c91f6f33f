package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
	"redpool/persistence/rdb"
)

// rdbKeys reads the keys of an RDB file as sorted lines: db, key, type,
// expiry and the items (a stream's records).
func rdbKeys(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := rdb.NewFileReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if _, err := rdb.Each(f, 0, func(e *backend.Entry) error {
		out = append(out, fmt.Sprintf("%d %s %s %d %q", e.DB, e.Key, e.Type, e.ExpireAt, e.Items))
		return nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestImportExportRDBStreams: the streams of a file Redis 7.0.15 wrote
// (persistence/rdb/testdata/streams.rdb: nodes, deleted entries, groups,
// consumers, pending entries, an empty stream, an expiry) go into a
// snapshot, which inspect counts, and come out of export-rdb the same.
func TestImportExportRDBStreams(t *testing.T) {
	src := filepath.Join("..", "..", "persistence", "rdb", "testdata", "streams.rdb")
	cfg := config.Default()
	cfg.Dir = t.TempDir()
	cfg.Persistence.Mode = config.ModeSnapshot
	cfgPath := servertest.WriteConfig(t, cfg.Dir, cfg)
	code, out, errOut := runCmd(t, "snapshot", "import-rdb", "-config", cfgPath, src)
	if code != 0 || !strings.Contains(out, "imported 4 keys and 0 function libraries") {
		t.Fatalf("import-rdb: exit %d: %q %q", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "snapshot", "inspect", cfg.Path(cfg.Persistence.Snapshot.File))
	if code != 0 {
		t.Fatalf("inspect: exit %d: %q", code, errOut)
	}
	// The stream column counts them: 3 in db 0 (one expiring), 1 in db 2.
	var rows []string
	for _, line := range strings.Split(out, "\n") {
		rows = append(rows, strings.Join(strings.Fields(line), " "))
	}
	for _, want := range []string{"db string list hash set zset stream keys expires", "0 0 0 0 0 0 3 3 1", "2 0 0 0 0 0 1 1 0"} {
		if !slices.Contains(rows, want) {
			t.Errorf("inspect says\n%s\nwithout the row %q", out, want)
		}
	}
	dst := filepath.Join(t.TempDir(), "out.rdb")
	if code, out, errOut = runCmd(t, "snapshot", "export-rdb", "-config", cfgPath, dst); code != 0 || !strings.Contains(out, "exported 4 keys") {
		t.Fatalf("export-rdb: exit %d: %q %q", code, out, errOut)
	}
	want, got := rdbKeys(t, src), rdbKeys(t, dst)
	if !slices.Equal(got, want) {
		t.Errorf("exported\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	redisCheckRDB(t, dst)
}
