package server_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
	"redpool/persistence/aof"
)

// aofConfig is the default config (mode = "aof") in dir with fsync f.
func aofConfig(dir string, f config.FsyncPolicy) config.Config {
	cfg := config.Default()
	cfg.Port = 0
	cfg.Dir = dir
	cfg.Persistence.Mode = config.ModeAOF
	cfg.Persistence.AOF.Fsync = f
	return cfg
}

// restart shuts s down gracefully and starts a server on the same config.
func restart(t *testing.T, s *servertest.Server, o server.Options) *servertest.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	return servertest.StartConfig(t, s.Config, o)
}

func TestAOFIsTheDefault(t *testing.T) {
	cfg := config.Default()
	if cfg.PersistMode() != config.ModeAOF || cfg.Persistence.AOF.Fsync != config.FsyncEverySec {
		t.Fatalf("default persistence %+v, want aof with fsync everysec", cfg.Persistence)
	}
	s := servertest.Start(t)
	c := servertest.Dial(t, s.Addr)
	c.Expect("+OK\r\n", "SET", "k", "v")
	s = restart(t, s, server.Options{})
	servertest.Dial(t, s.Addr).Expect("$1\r\nv\r\n", "GET", "k")
	if _, err := os.Stat(filepath.Join(s.Config.Dir, "appendonly.aof.manifest")); err != nil {
		t.Errorf("no manifest in the data dir: %v", err)
	}
}

func TestAOFSurvivesRestart(t *testing.T) {
	for _, f := range []config.FsyncPolicy{config.FsyncAlways, config.FsyncEverySec, config.FsyncNo} {
		t.Run(string(f), func(t *testing.T) {
			s := servertest.StartConfig(t, aofConfig(t.TempDir(), f), server.Options{})
			c := servertest.Dial(t, s.Addr)
			keys := []string{"plain", "with space", "crlf\r\nkey", "nul\x00key", "colon:a:b", "", "*1\r\n$4\r\nPING\r\n"}
			for i, k := range keys {
				c.Expect("+OK\r\n", "SET", k, keys[len(keys)-1-i]+"\x00\r\n")
			}
			c.Expect("+OK\r\n", "SELECT", "9")
			c.Expect(":3\r\n", "INCRBY", "n", "3")
			c.Expect("+OK\r\n", "MSET", "a", "1", "b", "2")
			c.Expect(":1\r\n", "DEL", "a")
			s = restart(t, s, server.Options{})
			c = servertest.Dial(t, s.Addr)
			for i, k := range keys {
				v := keys[len(keys)-1-i] + "\x00\r\n"
				c.Expect("$"+strconv.Itoa(len(v))+"\r\n"+v+"\r\n", "GET", k)
			}
			c.Expect("+OK\r\n", "SELECT", "9")
			c.Expect("$1\r\n3\r\n", "GET", "n")
			c.Expect(":0\r\n", "EXISTS", "a")
			c.Expect("$1\r\n2\r\n", "GET", "b")
		})
	}
}

func TestAOFReplayKeepsAbsoluteTTLs(t *testing.T) {
	clk := backend.NewManualClock(time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC))
	s := servertest.StartConfig(t, aofConfig(t.TempDir(), config.FsyncAlways), server.Options{Clock: clk})
	c := servertest.Dial(t, s.Addr)
	c.Expect("+OK\r\n", "SET", "a", "v", "EX", "100")
	c.Expect("+OK\r\n", "SETEX", "b", "100", "v")
	c.Expect("+OK\r\n", "SET", "c", "v")
	c.Expect(":1\r\n", "EXPIRE", "c", "100")
	c.Expect("+OK\r\n", "SET", "d", "v", "EX", "5")
	clk.Advance(40 * time.Second)
	s = restart(t, s, server.Options{Clock: clk})
	c = servertest.Dial(t, s.Addr)
	for _, k := range []string{"a", "b", "c"} {
		c.Expect(":60\r\n", "TTL", k)
	}
	c.Expect(":-2\r\n", "TTL", "d")
}

func TestAOFRewriteOverTheWire(t *testing.T) {
	s := servertest.StartConfig(t, aofConfig(t.TempDir(), config.FsyncEverySec), server.Options{})
	c := servertest.Dial(t, s.Addr)
	for range 2000 {
		c.Send("INCR", "counter")
	}
	for range 2000 {
		c.Read()
	}
	for db := range 16 {
		c.Expect("+OK\r\n", "SELECT", strconv.Itoa(db))
		c.Expect("+OK\r\n", "SET", "k", "db"+strconv.Itoa(db))
	}
	c.Expect("+Background append only file rewriting started\r\n", "BGREWRITEAOF")
	waitInfo(t, c, "aof_rewrite_in_progress", "0")
	info := infoFields(t, c)
	if info["aof_last_bgrewrite_status"] != "ok" || info["aof_rewrites"] != "1" || info["aof_base_size"] != info["aof_current_size"] {
		t.Errorf("INFO after rewrite: %v", info)
	}
	c.Expect("+OK\r\n", "SELECT", "0")
	c.Expect("+OK\r\n", "SET", "after", "rewrite")
	s = restart(t, s, server.Options{})
	c = servertest.Dial(t, s.Addr)
	c.Expect("$4\r\n2000\r\n", "GET", "counter")
	c.Expect("$7\r\nrewrite\r\n", "GET", "after")
	c.Expect("+OK\r\n", "SELECT", "15")
	c.Expect("$4\r\ndb15\r\n", "GET", "k")
}

func TestAOFInfoPersistence(t *testing.T) {
	s := servertest.StartConfig(t, aofConfig(t.TempDir(), config.FsyncEverySec), server.Options{})
	c := servertest.Dial(t, s.Addr)
	c.Expect("+OK\r\n", "SET", "a", "1")
	c.Expect("+OK\r\n", "SET", "a", "2")
	raw := c.Do("INFO", "persistence")
	want := []string{"loading", "async_loading", "current_cow_peak", "current_cow_size", "current_cow_size_age",
		"current_fork_perc", "current_save_keys_processed", "current_save_keys_total",
		"rdb_changes_since_last_save", "rdb_bgsave_in_progress", "rdb_last_save_time",
		"rdb_last_bgsave_status", "rdb_last_bgsave_time_sec", "rdb_current_bgsave_time_sec", "rdb_saves",
		"rdb_last_cow_size", "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded",
		"aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled", "aof_last_rewrite_time_sec",
		"aof_current_rewrite_time_sec", "aof_last_bgrewrite_status", "aof_rewrites", "aof_rewrites_consecutive_failures",
		"aof_last_write_status", "aof_last_cow_size", "module_fork_in_progress", "module_fork_last_cow_size", "aof_current_size", "aof_base_size", "aof_pending_rewrite", "aof_buffer_length",
		"aof_pending_bio_fsync", "aof_delayed_fsync",
		"ack_not_durable_p99_us", "ack_not_durable_max_us", "ack_not_durable_writes"}
	var names []string
	for _, line := range strings.Split(raw, "\r\n")[2:] {
		if name, _, ok := strings.Cut(line, ":"); ok {
			names = append(names, name)
		}
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("INFO persistence fields:\n%q\nwant\n%q", names, want)
	}
	info := infoFields(t, c)
	for k, v := range map[string]string{
		"rdb_changes_since_last_save": "2", "aof_enabled": "1", "aof_rewrite_in_progress": "0",
		"aof_last_rewrite_time_sec": "-1", "aof_current_rewrite_time_sec": "-1", "aof_last_bgrewrite_status": "ok",
		"aof_rewrites": "0", "aof_last_write_status": "ok", "aof_base_size": "0", "rdb_last_bgsave_status": "ok",
	} {
		if info[k] != v {
			t.Errorf("%s = %q, want %q", k, info[k], v)
		}
	}
	waitInfo(t, c, "aof_current_size", strconv.Itoa(len(
		"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"+"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"+"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n2\r\n")))
	c.Expect("-ERR persistence is not configured for this server\r\n", "SAVE")
	c.Expect("-ERR persistence is not configured for this server\r\n", "BGSAVE")
}

// TestDiffAOFInfoFields checks the INFO persistence fields redpool reports
// against a real Redis with appendonly yes: same names, same formats.
func TestDiffAOFInfoFields(t *testing.T) {
	r := servertest.StartRedis(t, "--appendonly", "yes")
	s := servertest.StartConfig(t, aofConfig(t.TempDir(), config.FsyncEverySec), server.Options{})
	rc, pc := servertest.Dial(t, r.Addr), servertest.Dial(t, s.Addr)
	rc.Expect("+OK\r\n", "SET", "k", "v")
	pc.Expect("+OK\r\n", "SET", "k", "v")
	theirs, ours := infoFields(t, rc), infoFields(t, pc)
	cases := 0
	for name, v := range ours {
		if strings.HasPrefix(name, "ack_not_durable_") {
			continue // redpool's own
		}
		rv, ok := theirs[name]
		if !ok {
			t.Errorf("Redis has no INFO field %q", name)
			continue
		}
		cases++
		if shape(v) != shape(rv) {
			t.Errorf("%s: redpool %q, Redis %q", name, v, rv)
		}
	}
	for _, name := range []string{"aof_enabled", "aof_rewrite_in_progress", "aof_last_rewrite_time_sec", "aof_last_bgrewrite_status", "aof_last_write_status", "aof_rewrites", "rdb_changes_since_last_save"} {
		if ours[name] != theirs[name] {
			t.Errorf("%s: redpool %q, Redis %q", name, ours[name], theirs[name])
		}
	}
	t.Logf("%d INFO persistence fields compared", cases)
}

// shape abstracts a field's value: numbers become "N" (keeping a minus).
func shape(v string) string { return regexp.MustCompile(`[0-9]+`).ReplaceAllString(v, "N") }

// stoppedWithAB runs an AOF server in a temp dir that sets a=1 and b=2,
// stops it, and returns its config.
func stoppedWithAB(t *testing.T) config.Config {
	t.Helper()
	cfg := aofConfig(t.TempDir(), config.FsyncAlways)
	s := servertest.StartConfig(t, cfg, server.Options{})
	c := servertest.Dial(t, s.Addr)
	c.Expect("+OK\r\n", "SET", "a", "1")
	c.Expect("+OK\r\n", "SET", "b", "2")
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestAOFTornTailStartsE2E(t *testing.T) {
	cfg := stoppedWithAB(t)
	incr := filepath.Join(cfg.Dir, "appendonly.aof.1.incr.aof")
	f, err := os.OpenFile(incr, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nhal"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	s := servertest.StartConfig(t, cfg, server.Options{})
	c := servertest.Dial(t, s.Addr)
	c.Expect("$1\r\n2\r\n", "GET", "b")
	c.Expect(":0\r\n", "EXISTS", "c")
	c.Expect("+OK\r\n", "SET", "c", "3")
	s = restart(t, s, server.Options{})
	c = servertest.Dial(t, s.Addr)
	c.Expect("$1\r\n3\r\n", "GET", "c")
}

func TestAOFCorruptionRefusesStart(t *testing.T) {
	cfg := stoppedWithAB(t)
	incr := filepath.Join(cfg.Dir, "appendonly.aof.1.incr.aof")
	data, err := os.ReadFile(incr)
	if err != nil {
		t.Fatal(err)
	}
	off := strings.Index(string(data), "$1\r\nb")
	data[off] = '#'
	if err := os.WriteFile(incr, data, 0o644); err != nil {
		t.Fatal(err)
	}
	start := off - len("*3\r\n$3\r\nSET\r\n")
	want := fmt.Sprintf("aof: bad record at offset %d of %s: Protocol error: expected '$', got '#'", start, incr)
	srv, err := server.New(cfg, server.Options{})
	if err == nil {
		_ = srv.Shutdown(context.Background())
		t.Fatal("server started on a corrupt log")
	}
	if err.Error() != want || !errors.Is(err, aof.ErrBadRecord) {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	// The binary exits non-zero with the same message.
	bin := servertest.BuildBinary(t)
	cfg.Port = 0
	code, out := servertest.RunBinary(t, bin, "-config", servertest.WriteConfig(t, t.TempDir(), cfg))
	if code != 1 || !strings.Contains(out, strconv.Quote(want)) {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
	// check-aof finds it, and --fix --yes cuts the log there.
	code, out = servertest.RunBinary(t, bin, "check-aof", filepath.Join(cfg.Dir, "appendonly.aof.manifest"))
	if code != 1 || !strings.Contains(out, want) {
		t.Fatalf("check-aof: exit %d, output:\n%s", code, out)
	}
	if code, out = servertest.RunBinary(t, bin, "check-aof", "--fix", "--yes", incr); code != 0 {
		t.Fatalf("check-aof --fix: exit %d, output:\n%s", code, out)
	}
	s := servertest.StartConfig(t, cfg, server.Options{})
	c := servertest.Dial(t, s.Addr)
	c.Expect("$1\r\n1\r\n", "GET", "a")
	c.Expect(":0\r\n", "EXISTS", "b")
}

// infoFields returns INFO's fields as a map.
func infoFields(t *testing.T, c *servertest.Conn) map[string]string {
	t.Helper()
	raw := c.Do("INFO", "persistence")
	m := map[string]string{}
	for _, line := range strings.Split(raw, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}

// waitInfo polls INFO until field has value (ten seconds at most).
func waitInfo(t *testing.T, c *servertest.Conn, field, value string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := infoFields(t, c)[field]
		if got == value {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("INFO %s = %q, want %q", field, got, value)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
