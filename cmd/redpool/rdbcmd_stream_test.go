package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
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

// streamInfos returns XINFO STREAM FULL of the streams of streams.rdb on
// the server at addr (radix-tree-nodes masked for sbig, whose deleted
// entries redpool drops: its nodes' master ids are their first live
// entries'). replayed: the streams were rebuilt by commands (an AOF), so
// their nodes are packed afresh and the consumers' seen-times are the
// replay's, as in Redis: those are masked too.
func streamInfos(t *testing.T, addr string, replayed bool) []string {
	t.Helper()
	c := servertest.Dial(t, addr)
	var out []string
	for _, k := range []struct {
		db  string
		key string
	}{{"0", "sbig"}, {"0", "ssmall"}, {"0", "sempty"}, {"2", "sother"}} {
		c.Do("SELECT", k.db)
		info := c.Do("XINFO", "STREAM", k.key, "FULL", "COUNT", "0")
		masked := []string{}
		if k.key == "sbig" || replayed {
			masked = append(masked, "radix-tree-nodes\r\n:")
		}
		if replayed {
			masked = append(masked, "radix-tree-keys\r\n:", "seen-time\r\n:")
		}
		for _, m := range masked {
			info = maskValues(info, m)
		}
		out = append(out, k.key+" "+info, k.key+" ttl "+c.Do("PEXPIRETIME", k.key))
	}
	return out
}

// TestRDBStreamsRoundTripWithRedis: the streams of a file Redis wrote go
// through import-rdb into an AOF, a snapshot and bolt; the server then holds
// Redis's streams (XINFO STREAM FULL), and export-rdb writes a file from
// which Redis loads them again.
func TestRDBStreamsRoundTripWithRedis(t *testing.T) {
	srcDir := t.TempDir() // Redis runs in the directory of its file
	data, err := os.ReadFile(filepath.Join("..", "..", "persistence", "rdb", "testdata", "streams.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(srcDir, "streams.rdb"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	redisAddr := startRedisOn(t, srcDir, "streams.rdb")
	// For the AOF store, what Redis holds once it replayed its own AOF
	// rewrite: XCLAIM ... FORCE drops a pending entry whose entry was
	// deleted, in Redis too.
	replayDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(replayDir, "streams.rdb"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	replayAddr := servertest.StartRedis(t, "--dir", replayDir, "--dbfilename", "streams.rdb",
		"--aof-use-rdb-preamble", "no", "--enable-debug-command", "yes").Addr
	rc := servertest.Dial(t, replayAddr)
	rc.Expect("+OK\r\n", "CONFIG", "SET", "appendonly", "yes")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		info := rc.Do("INFO", "persistence")
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") && strings.Contains(info, "aof_rewrites:1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis's AOF rewrite did not finish: %s", info)
		}
	}
	rc.Expect("+OK\r\n", "DEBUG", "LOADAOF")
	for _, st := range rdbStores {
		t.Run(st.name, func(t *testing.T) {
			replayed := st.name == "memory-aof"
			want := streamInfos(t, redisAddr, replayed)
			if replayed {
				want = streamInfos(t, replayAddr, replayed)
			}
			cfg := config.Default()
			cfg.Dir = t.TempDir()
			st.apply(&cfg)
			cfgPath := servertest.WriteConfig(t, cfg.Dir, cfg)
			if code, out, errOut := runCmd(t, "snapshot", "import-rdb", "-config", cfgPath, filepath.Join(srcDir, "streams.rdb")); code != 0 || !strings.Contains(out, "imported 4 keys") {
				t.Fatalf("import-rdb: exit %d: %q %q", code, out, errOut)
			}
			cfg.Port = 0
			s := servertest.StartConfig(t, cfg, server.Options{})
			if got := streamInfos(t, s.Addr, replayed); !slices.Equal(got, want) {
				t.Errorf("redpool holds\n%q\nRedis\n%q", got, want)
			}
			if err := s.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			outDir := t.TempDir()
			if code, _, errOut := runCmd(t, "snapshot", "export-rdb", "-config", cfgPath, filepath.Join(outDir, "out.rdb")); code != 0 {
				t.Fatalf("export-rdb: exit %d: %s", code, errOut)
			}
			redisCheckRDB(t, filepath.Join(outDir, "out.rdb"))
			if got := streamInfos(t, startRedisOn(t, outDir, "out.rdb"), replayed); !slices.Equal(got, want) {
				t.Errorf("Redis loads from the export\n%q\nfrom its own file\n%q", got, want)
			}
		})
	}
}

// maskValues replaces the integer after every occurrence of prefix by 0.
func maskValues(raw, prefix string) string {
	var b strings.Builder
	for {
		head, rest, ok := strings.Cut(raw, prefix)
		b.WriteString(head)
		if !ok {
			return b.String()
		}
		_, tail, _ := strings.Cut(rest, "\r\n")
		b.WriteString(prefix + "0\r\n")
		raw = tail
	}
}
