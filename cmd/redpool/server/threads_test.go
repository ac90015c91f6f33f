package server_test

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// TestThreadsSetting starts the binary and reads the thread count it logs:
// threads sets GOMAXPROCS, and with threads = 0 an explicit GOMAXPROCS in
// the environment wins.
func TestThreadsSetting(t *testing.T) {
	bin := servertest.BuildBinary(t)
	for _, tc := range []struct {
		threads int
		env     string
		want    string
	}{
		{1, "", "threads=1"},
		{3, "GOMAXPROCS=2", "threads=3"},
		{0, "GOMAXPROCS=3", "threads=3"},
	} {
		cfg := config.Default()
		cfg.Threads = tc.threads
		cfg.Persistence.Mode = config.ModeNone
		cfg.Dir = t.TempDir()
		path := servertest.WriteConfig(t, cfg.Dir, cfg)
		cmd := exec.Command(bin, "-config", path)
		cmd.Env = os.Environ()
		if tc.env != "" {
			cmd.Env = append(cmd.Env, tc.env)
		}
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		found := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "msg=scheduler") {
					found <- sc.Text()
					return
				}
			}
			found <- ""
		}()
		select {
		case line := <-found:
			if !strings.Contains(line, " "+tc.want) {
				t.Errorf("threads %d, %q: logged %q, want %s", tc.threads, tc.env, line, tc.want)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("threads %d: no scheduler line", tc.threads)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}
