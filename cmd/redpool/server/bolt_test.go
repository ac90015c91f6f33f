package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

func boltConfig(t *testing.T, sync config.BoltSync) config.Config {
	cfg := config.Default()
	cfg.Port = 0
	cfg.Dir = t.TempDir()
	cfg.Backend = config.BackendBolt
	cfg.Bolt.Sync = sync
	cfg.Persistence.Mode = config.ModeNone
	return cfg
}

func TestBoltSecondServerFailsFast(t *testing.T) {
	cfg := boltConfig(t, config.BoltSyncNone)
	servertest.StartConfig(t, cfg, server.Options{})
	start := time.Now()
	_, err := server.New(cfg, server.Options{})
	if err == nil || !strings.Contains(err.Error(), "locked by another process") {
		t.Fatalf("second server.New err = %v, want a lock error", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("second server took %v to fail", d)
	}
}

func TestBoltRefusesAOF(t *testing.T) {
	cfg := boltConfig(t, config.BoltSyncAlways)
	cfg.Persistence.Mode = config.ModeAOF
	_, err := server.New(cfg, server.Options{})
	if err == nil || err.Error() != `persistence.mode: "aof" cannot be used with backend = "bolt": bolt is already durable (want "auto" or "none", or "snapshot" for backups)` {
		t.Fatalf("err = %v", err)
	}
}

func TestBoltInfoAndRestart(t *testing.T) {
	cfg := boltConfig(t, config.BoltSyncAlways)
	s := servertest.StartConfig(t, cfg, server.Options{})
	c := servertest.Dial(t, s.Addr)
	c.Expect("+OK\r\n", "SET", "s", "v")
	c.Expect(":2\r\n", "RPUSH", "l", "a", "b")
	c.Expect(":1\r\n", "HSET", "h", "f", "v")
	c.Expect("+OK\r\n", "SELECT", "15")
	c.Expect("+OK\r\n", "SET", "in15", "x")
	c.Expect(":1\r\n", "EXPIRE", "in15", "1000")
	info := c.Do("INFO", "backend")
	for _, f := range []string{"# Backend\r\n", "bolt_file_size:", "bolt_free_pages:", "bolt_sweeper_pending_keys:", "bolt_sync:always"} {
		if !strings.Contains(info, f) {
			t.Errorf("INFO backend lacks %q:\n%s", f, info)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	cfg.Port = 0
	s2 := servertest.StartConfig(t, cfg, server.Options{})
	c2 := servertest.Dial(t, s2.Addr)
	c2.Expect("$1\r\nv\r\n", "GET", "s")
	c2.Expect("*2\r\n$1\r\na\r\n$1\r\nb\r\n", "LRANGE", "l", "0", "-1")
	c2.Expect("$1\r\nv\r\n", "HGET", "h", "f")
	c2.Expect("+OK\r\n", "SELECT", "15")
	if got := c2.Do("TTL", "in15"); got != ":1000\r\n" && got != ":999\r\n" {
		t.Fatalf("TTL after restart = %q", got)
	}
}

// TestBoltKill9UnderLoad: with sync = "always", a kill -9 under load from
// several clients loses no acknowledged write.
func TestBoltKill9UnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes for a few seconds")
	}
	bin := servertest.BuildBinary(t)
	cfg := boltConfig(t, config.BoltSyncAlways)
	cfg.LogLevel = config.LogWarn
	path := servertest.WriteConfig(t, t.TempDir(), cfg)
	acked, p := killUnderLoad(t, bin, path, 3, "bolt sync = always")
	if err := p.Stop(); err != nil {
		t.Errorf("graceful stop: %v\n%s", err, p.Output())
	}
	if acked.Acked() == 0 {
		t.Fatal("nothing acknowledged")
	}
}
