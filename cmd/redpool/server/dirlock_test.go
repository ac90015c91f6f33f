package server_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
	"redpool/persistence/fsutil"
)

// TestSecondServerOnTheSameDirRefused: a server that writes to dir (an AOF,
// snapshots or bolt) locks it, so a second one on the same dir refuses to
// start, naming the dir and the holder's pid, instead of writing over the
// first one's files; once the first one stops, the dir is free again. A
// server that writes nothing locks nothing.
func TestSecondServerOnTheSameDirRefused(t *testing.T) {
	for _, mode := range []config.PersistMode{config.ModeAOF, config.ModeSnapshot} {
		t.Run(mode.String(), func(t *testing.T) {
			cfg := config.Default()
			cfg.Port = 0
			cfg.Dir = t.TempDir()
			cfg.Persistence.Mode = mode
			first, err := server.New(cfg, server.Options{})
			if err != nil {
				t.Fatal(err)
			}
			lock := filepath.Join(cfg.Dir, fsutil.LockFile)
			want := `dir "` + cfg.Dir + `" is in use: ` + lock + ` is locked by another process (pid ` + strconv.Itoa(os.Getpid()) + `)`
			second, err := server.New(cfg, server.Options{})
			if err == nil {
				_ = second.Shutdown(context.Background())
				t.Fatal("a second server started on the same dir")
			}
			if !errors.Is(err, fsutil.ErrLocked) || err.Error() != want {
				t.Fatalf("second server.New: %v\nwant %s", err, want)
			}
			if err := first.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			// Released at shutdown: the next one starts and sees the data dir free.
			servertest.StartConfig(t, cfg, server.Options{})
		})
	}
	t.Run("none", func(t *testing.T) {
		cfg := config.Default()
		cfg.Port = 0
		cfg.Dir = t.TempDir()
		cfg.Persistence.Mode = config.ModeNone
		servertest.StartConfig(t, cfg, server.Options{})
		servertest.StartConfig(t, cfg, server.Options{})
		if _, err := os.Stat(filepath.Join(cfg.Dir, fsutil.LockFile)); !os.IsNotExist(err) {
			t.Errorf("lock file with nothing persisted: %v", err)
		}
	})
}

// TestSecondProcessOnTheSameDirRefused runs two redpool processes with the
// default AOF on one dir: the second exits 1, naming the dir, and the
// first one's AOF keeps its data.
func TestSecondProcessOnTheSameDirRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	bin := servertest.BuildBinary(t)
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Dir = dir
	p := servertest.StartProcess(t, bin, servertest.WriteConfig(t, dir, cfg))
	servertest.Dial(t, p.Addr).Expect("+OK\r\n", "SET", "k", "first")

	other := t.TempDir()
	cfg.Port = 0
	code, out := servertest.RunBinary(t, bin, "-config", servertest.WriteConfig(t, other, cfg))
	want := `dir \"` + dir + `\" is in use: ` + filepath.Join(dir, fsutil.LockFile) + ` is locked by another process (pid `
	if code != 1 || !strings.Contains(out, want) {
		t.Fatalf("second process: exit %d, output:\n%s\nwant exit 1 and %s", code, out, want)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	p = servertest.StartProcess(t, bin, servertest.WriteConfig(t, dir, cfg))
	servertest.Dial(t, p.Addr).Expect("$5\r\nfirst\r\n", "GET", "k")
}

// TestLockedWhereTheAOFLives: with the AOF named by an absolute path
// outside dir, a second server with another dir but the same AOF is
// refused too, naming the AOF's directory (the one `redpool check-aof
// --fix` locks).
func TestLockedWhereTheAOFLives(t *testing.T) {
	aofDir := t.TempDir()
	cfg := config.Default()
	cfg.Port = 0
	cfg.Dir = t.TempDir()
	cfg.Persistence.AOF.File = filepath.Join(aofDir, "appendonly.aof")
	servertest.StartConfig(t, cfg, server.Options{})
	cfg.Dir = t.TempDir()
	second, err := server.New(cfg, server.Options{})
	if err == nil {
		_ = second.Shutdown(context.Background())
		t.Fatal("a second server started on the same AOF")
	}
	want := `dir "` + aofDir + `" is in use: ` + filepath.Join(aofDir, fsutil.LockFile) + ` is locked by another process (pid ` + strconv.Itoa(os.Getpid()) + `)`
	if !errors.Is(err, fsutil.ErrLocked) || err.Error() != want {
		t.Fatalf("second server.New: %v\nwant %s", err, want)
	}
	// The second server's own dir was locked first and is free again.
	if lock, err := fsutil.LockDir(cfg.Dir); err != nil {
		t.Fatalf("the refused server kept its dir locked: %v", err)
	} else if err := lock.Unlock(); err != nil {
		t.Fatal(err)
	}
}
