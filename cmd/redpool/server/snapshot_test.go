package server_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
	"redpool/command"
	"redpool/persistence/snapshot"
	"redpool/persistence/snapshot/snapshottest"
	"redpool/session/resp"
)

var snapT0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// snapshotMode puts a test config in snapshot mode with rules that do not
// fire on their own during a test.
func snapshotMode(rules ...config.SaveRule) func(*config.Config) {
	return func(c *config.Config) {
		c.Persistence.Mode = config.ModeSnapshot
		c.Persistence.Snapshot.Save = rules
	}
}

// snapFile is the server's snapshot file.
func snapFile(s *servertest.Server) string {
	return s.Config.Path(s.Config.Persistence.Snapshot.File)
}

// waitSave waits for the background save to end.
func waitSave(t *testing.T, s *servertest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Snapshotter().Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// shutdown shuts s down now (it is idempotent, so the cleanup's call is harmless).
func shutdown(t *testing.T, s *servertest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func snapInfo(t *testing.T, c *servertest.Conn, field string) string {
	t.Helper()
	raw := c.Do("INFO", "persistence")
	for _, line := range strings.Split(raw, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO persistence has no %s:\n%s", field, raw)
	return ""
}

// TestSnapshotSaveAndRestart: SAVE, restart, and every key is back with its
// value and expiry, in every database, binary-safe.
func TestSnapshotSaveAndRestart(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		clk := backend.NewManualClock(snapT0)
		s := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithConfig(snapshotMode()), servertest.WithClock(clk))
		c := servertest.Dial(t, s.Addr)
		c.Expect("+OK\r\n", "SET", "a key: with spaces", "v\r\n\x00")
		c.Expect("+OK\r\n", "SET", "", "")
		c.Expect("+OK\r\n", "SET", "ttl", "x", "PX", "90000")
		c.Expect("+OK\r\n", "SET", "short", "x", "PX", "1000")
		exp := snapT0.UnixMilli() + 50_000
		for db := 0; db < 16; db++ {
			key := []byte("k:" + strconv.Itoa(db))
			snapshottest.Put(t, s.Backend(),
				backend.Entry{DB: db, Key: append([]byte("list "), key...), Type: backend.TypeList, Items: [][]byte{[]byte("a"), []byte(""), []byte("\r\n")}},
				backend.Entry{DB: db, Key: append([]byte("hash\x00"), key...), Type: backend.TypeHash, ExpireAt: exp, Items: [][]byte{[]byte("f"), []byte("v"), []byte(""), []byte("")}},
				backend.Entry{DB: db, Key: key, Type: backend.TypeString, Items: [][]byte{bytes.Repeat([]byte{byte(db)}, db*100)}},
			)
		}
		want := snapshottest.Dump(t, s.Backend())
		c.Expect("+OK\r\n", "SAVE")
		c.Expect(":"+strconv.FormatInt(snapT0.Unix(), 10)+"\r\n", "LASTSAVE")
		if h, err := snapshot.VerifyFile(snapFile(s)); err != nil || h.Keys != uint64(len(want)) {
			t.Fatalf("snapshot file: %+v %v (want %d keys)", h, err, len(want))
		}
		shutdown(t, s)

		// Two seconds later: "short" expired while the server was down.
		clk.Advance(2 * time.Second)
		s2 := servertest.StartConfig(t, s.Config, server.Options{Clock: clk})
		got := snapshottest.Dump(t, s2.Backend())
		var wantNow []string
		for _, w := range want {
			if !strings.Contains(w, `"short"`) {
				wantNow = append(wantNow, w)
			}
		}
		if !slices.Equal(got, wantNow) {
			t.Fatalf("after restart:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantNow, "\n"))
		}
		c2 := servertest.Dial(t, s2.Addr)
		c2.Expect("$4\r\nv\r\n\x00\r\n", "GET", "a key: with spaces")
		c2.Expect(":88000\r\n", "PTTL", "ttl")
		if s2.Config.Backend == config.BackendMemory {
			if got := snapInfo(t, c2, "rdb_last_load_keys_loaded"); got != strconv.Itoa(len(wantNow)) {
				t.Fatalf("rdb_last_load_keys_loaded = %s, want %d", got, len(wantNow))
			}
			if got := snapInfo(t, c2, "rdb_last_load_keys_expired"); got != "1" {
				t.Fatalf("rdb_last_load_keys_expired = %s", got)
			}
		}
	})
}

// TestSnapshotShutdown: a graceful shutdown saves (memory backend; bolt
// only on SHUTDOWN SAVE), SHUTDOWN NOSAVE does not.
func TestSnapshotShutdown(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		cases := []struct {
			args       []string
			wantMemory bool // the file holds the key afterwards (memory)
			wantBolt   bool // (bolt)
		}{
			{[]string{"SHUTDOWN"}, true, false},
			{[]string{"SHUTDOWN", "NOSAVE"}, false, false},
			{[]string{"SHUTDOWN", "SAVE"}, true, true},
			{nil, true, false}, // Shutdown without the command: SIGTERM's path
		}
		for _, tc := range cases {
			t.Run(strings.Join(append([]string{"cmd"}, tc.args...), "_"), func(t *testing.T) {
				s := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithConfig(snapshotMode()))
				c := servertest.Dial(t, s.Addr)
				c.Expect("+OK\r\n", "SET", "k", "v")
				if tc.args != nil {
					c.Send(tc.args...)
					c.ExpectClosed()
					select {
					case <-s.ShutdownRequested():
					case <-time.After(5 * time.Second):
						t.Fatal("SHUTDOWN did not request a shutdown")
					}
				}
				shutdown(t, s)
				want := tc.wantMemory
				if s.Config.Backend == config.BackendBolt {
					want = tc.wantBolt
				}
				h, err := snapshot.VerifyFile(snapFile(s))
				switch {
				case want && (err != nil || h.Keys != 1):
					t.Fatalf("want a snapshot with the key: %+v, %v", h, err)
				case !want && !errors.Is(err, os.ErrNotExist):
					t.Fatalf("want no snapshot, got %+v, %v", h, err)
				}
			})
		}
	})
}

// TestSnapshotBGSave: BGSAVE's replies, INFO persistence, and a second
// BGSAVE while one runs.
func TestSnapshotBGSave(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		clk := backend.NewManualClock(snapT0)
		s := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithConfig(snapshotMode(config.SaveRule{Seconds: 3600, Changes: 1})), servertest.WithClock(clk))
		c := servertest.Dial(t, s.Addr)
		if got := snapInfo(t, c, "rdb_last_bgsave_time_sec"); got != "-1" {
			t.Fatalf("rdb_last_bgsave_time_sec = %s before any save", got)
		}
		var req []byte
		for i := 0; i < 50_000; i++ {
			req = resp.AppendCommandStrings(req, "SET", "key:"+strconv.Itoa(i), strings.Repeat("v", 64))
		}
		c.Write(string(req))
		for i := 0; i < 50_000; i++ {
			if got := c.Read(); got != "+OK\r\n" {
				t.Fatalf("SET: %q", got)
			}
		}
		if got := snapInfo(t, c, "rdb_changes_since_last_save"); got != "50000" {
			t.Fatalf("rdb_changes_since_last_save = %s", got)
		}
		clk.Advance(10 * time.Second)
		// Pipelined: the second arrives while the first is still writing.
		c.Write(string(resp.AppendCommandStrings(resp.AppendCommandStrings(nil, "BGSAVE"), "BGSAVE")))
		if got := c.Read(); got != "+Background saving started\r\n" {
			t.Fatalf("BGSAVE: %q", got)
		}
		if got := c.Read(); got != "-"+string(command.ErrBackgroundSave)+"\r\n" {
			t.Fatalf("second BGSAVE: %q", got)
		}
		c.Expect("+OK\r\n", "SET", "after", "x")
		waitSave(t, s)
		fields := map[string]string{
			"rdb_changes_since_last_save": "1",
			"rdb_bgsave_in_progress":      "0",
			"rdb_last_save_time":          strconv.FormatInt(snapT0.Unix()+10, 10),
			"rdb_last_bgsave_status":      "ok",
			"rdb_last_bgsave_time_sec":    "0",
			"rdb_current_bgsave_time_sec": "-1",
			"rdb_saves":                   "1",
			"aof_enabled":                 "0",
			"loading":                     "0",
		}
		for f, want := range fields {
			if got := snapInfo(t, c, f); got != want {
				t.Errorf("%s = %s, want %s", f, got, want)
			}
		}
		c.Expect(":"+strconv.FormatInt(snapT0.Unix()+10, 10)+"\r\n", "LASTSAVE")
		if h, err := snapshot.VerifyFile(snapFile(s)); err != nil || h.Keys != 50_000 {
			t.Fatalf("file %+v %v", h, err)
		}
		c.Expect("-"+string(command.ErrPersistDisabled)+"\r\n", "BGREWRITEAOF")
	})
}

// TestSnapshotSaveRules runs the save rules with an injected clock.
func TestSnapshotSaveRules(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		clk := backend.NewManualClock(snapT0)
		s := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithConfig(snapshotMode(config.SaveRule{Seconds: 60, Changes: 2})), servertest.WithClock(clk))
		c := servertest.Dial(t, s.Addr)
		c.Expect("+OK\r\n", "SET", "a", "1")
		clk.Advance(61 * time.Second)
		s.Snapshotter().CheckRules()
		waitSave(t, s)
		if _, err := os.Stat(snapFile(s)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("saved after one change: %v", err)
		}
		c.Expect("+OK\r\n", "SET", "b", "2")
		s.Snapshotter().CheckRules()
		waitSave(t, s)
		if h, err := snapshot.VerifyFile(snapFile(s)); err != nil || h.Keys != 2 {
			t.Fatalf("file %+v %v", h, err)
		}
		if got := snapInfo(t, c, "rdb_changes_since_last_save"); got != "0" {
			t.Fatalf("rdb_changes_since_last_save = %s", got)
		}
		c.Expect(":"+strconv.FormatInt(snapT0.Unix()+61, 10)+"\r\n", "LASTSAVE")
	})
}

// TestSnapshotMisconf: a failed background save refuses writes (memory
// backend) until a save succeeds.
func TestSnapshotMisconf(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithConfig(snapshotMode(config.SaveRule{Seconds: 3600, Changes: 1})))
		c := servertest.Dial(t, s.Addr)
		c.Expect("+OK\r\n", "SET", "k", "v")
		// A directory where the file should go makes the rename fail.
		block := filepath.Join(snapFile(s), "x")
		if err := os.MkdirAll(block, 0o755); err != nil {
			t.Fatal(err)
		}
		c.Expect("+Background saving started\r\n", "BGSAVE")
		waitSave(t, s)
		if got := snapInfo(t, c, "rdb_last_bgsave_status"); got != "err" {
			t.Fatalf("rdb_last_bgsave_status = %s", got)
		}
		if s.Config.Backend == config.BackendBolt {
			// bolt is durable on its own: a failed backup does not stop writes.
			c.Expect("+OK\r\n", "SET", "k", "v")
		} else {
			c.Expect("-"+string(command.ErrMisconfRDB)+"\r\n", "SET", "k", "w")
		}
		c.Expect("$1\r\nv\r\n", "GET", "k")
		// Redis answers a failed SAVE with a bare -ERR (shared.err).
		c.Expect("-ERR\r\n", "SAVE")
		if err := os.RemoveAll(snapFile(s)); err != nil {
			t.Fatal(err)
		}
		c.Expect("+OK\r\n", "SAVE")
		c.Expect("+OK\r\n", "SET", "k", "w")
		if got := snapInfo(t, c, "rdb_last_bgsave_status"); got != "ok" {
			t.Fatalf("rdb_last_bgsave_status = %s after SAVE", got)
		}
	})
}

// TestSnapshotBadFileStopsStart: a corrupt, truncated or foreign file stops
// the start with the specific error, and is left as it was.
func TestSnapshotBadFileStopsStart(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		cfg := config.Default()
		b.Apply(&cfg)
		snapshotMode()(&cfg)
		cfg.Port = 0
		cfg.Dir = t.TempDir()
		if cfg.Backend == config.BackendBolt {
			t.Skip("bolt does not load the snapshot at start")
		}
		good, err := snapshot.Encode(snapT0.UnixMilli(), []backend.Entry{{Key: []byte("k"), Type: backend.TypeString, Items: [][]byte{[]byte("v")}}})
		if err != nil {
			t.Fatal(err)
		}
		flip := bytes.Clone(good)
		flip[len(flip)-10] ^= 1
		cases := []struct {
			name string
			data []byte
			want error
		}{
			{"checksum", flip, snapshot.ErrChecksum},
			{"truncated", good[:len(good)-3], snapshot.ErrTruncated},
			{"magic", []byte("REDIS0011 not ours"), snapshot.ErrBadMagic},
			{"version", append(append([]byte(nil), good[:8]...), append([]byte{0, 9}, good[10:]...)...), snapshot.ErrBadVersion},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				path := cfg.Path(cfg.Persistence.Snapshot.File)
				if err := os.WriteFile(path, tc.data, 0o644); err != nil {
					t.Fatal(err)
				}
				srv, err := server.New(cfg, server.Options{})
				if err == nil {
					_ = srv.Shutdown(context.Background())
					t.Fatal("server started on a bad snapshot")
				}
				if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error %q, want %v naming %s", err, tc.want, path)
				}
				if got, _ := os.ReadFile(path); !bytes.Equal(got, tc.data) {
					t.Fatal("the failed start changed the snapshot file")
				}
			})
		}
	})
}

// TestSnapshotStaleTempFiles: temporary files of an interrupted save are
// removed at start and never loaded.
func TestSnapshotStaleTempFiles(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		dir := t.TempDir()
		stale := filepath.Join(dir, "dump.rpdb.tmp-4242")
		if err := os.WriteFile(stale, []byte("\x89RPSNAP\nhalf"), 0o644); err != nil {
			t.Fatal(err)
		}
		s := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithConfig(snapshotMode()), servertest.WithConfig(func(c *config.Config) { c.Dir = dir }))
		if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("stale temp file still there: %v", err)
		}
		servertest.Dial(t, s.Addr).Expect(":0\r\n", "DBSIZE")
	})
}

// TestSnapshotBGSaveConsistent: writers keep doing MSET a<i> n b<i> n while
// BGSAVE runs over and over; every image has a<i> == b<i> for every i.
func TestSnapshotBGSaveConsistent(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithConfig(snapshotMode()))
		const pairs, writers = 200, 4
		c := servertest.Dial(t, s.Addr)
		// Bulk to make each save take a while.
		var req []byte
		for i := 0; i < 20_000; i++ {
			req = resp.AppendCommandStrings(req, "SET", "filler:"+strconv.Itoa(i), strings.Repeat("f", 100))
		}
		c.Write(string(req))
		for i := 0; i < 20_000; i++ {
			c.Read()
		}
		var stop atomic.Bool
		var writes atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wc := servertest.Dial(t, s.Addr)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; !stop.Load(); n++ {
					i := strconv.Itoa((n*7 + w*13) % pairs)
					v := strconv.Itoa(w*1_000_000 + n)
					if got := wc.Do("MSET", "a"+i, v, "b"+i, v); got != "+OK\r\n" {
						t.Errorf("MSET: %q", got)
						return
					}
					writes.Add(1)
				}
			}()
		}
		for round := 0; round < 8; round++ {
			before := writes.Load()
			c.Expect("+Background saving started\r\n", "BGSAVE")
			waitSave(t, s)
			vals := map[string]string{}
			if _, err := snapshot.ReadFile(snapFile(s), func(e *backend.Entry) error {
				if k := string(e.Key); k[0] == 'a' || k[0] == 'b' {
					vals[k] = string(e.Items[0])
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < pairs; i++ {
				k := strconv.Itoa(i)
				if vals["a"+k] != vals["b"+k] {
					t.Fatalf("round %d: a%s=%q but b%s=%q", round, k, vals["a"+k], k, vals["b"+k])
				}
			}
			if round == 7 {
				t.Logf("8 images consistent; %d MSETs during the last save", writes.Load()-before)
			}
		}
		stop.Store(true)
		wg.Wait()
	})
}

// TestSnapshotShutdownRefusedWhenSaveFails: as in Redis, a SHUTDOWN whose
// save fails is refused and the server keeps serving.
func TestSnapshotShutdownRefusedWhenSaveFails(t *testing.T) {
	s := servertest.Start(t, servertest.WithConfig(snapshotMode()))
	c := servertest.Dial(t, s.Addr)
	c.Expect("+OK\r\n", "SET", "k", "v")
	// A non-empty directory where the snapshot goes makes the rename fail.
	blocker := filepath.Join(snapFile(s), "x")
	if err := os.MkdirAll(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	c.Expect("-ERR Errors trying to SHUTDOWN. Check logs.\r\n", "SHUTDOWN")
	select {
	case <-s.ShutdownRequested():
		t.Fatal("a refused SHUTDOWN requested a shutdown")
	default:
	}
	c.Expect("$1\r\nv\r\n", "GET", "k")
	if err := os.RemoveAll(snapFile(s)); err != nil {
		t.Fatal(err)
	}
	c.Send("SHUTDOWN")
	c.ExpectClosed()
	shutdown(t, s)
	if h, err := snapshot.VerifyFile(snapFile(s)); err != nil || h.Keys != 1 {
		t.Fatalf("snapshot after SHUTDOWN: %+v, %v", h, err)
	}
}
