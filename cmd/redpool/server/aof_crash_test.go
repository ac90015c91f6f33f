package server_test

import (
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// TestAOFKill9UnderLoad kills redpool with SIGKILL while clients write
// (and automatic rewrites run), restarts it on the same log and checks every
// acknowledged write. Under every fsync policy a reply is sent only once
// its record reached the OS, and a kill -9 keeps the page cache, so nothing
// acknowledged may be lost (a power cut would be another matter for
// everysec and no).
func TestAOFKill9UnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes for a few seconds")
	}
	bin := servertest.BuildBinary(t)
	for _, f := range []config.FsyncPolicy{config.FsyncAlways, config.FsyncEverySec, config.FsyncNo} {
		t.Run(string(f), func(t *testing.T) {
			cfg := aofConfig(t.TempDir(), f)
			cfg.LogLevel = config.LogWarn
			cfg.Persistence.AOF.RewriteMinSize = 256 * config.KB // rewrites happen during the load too
			path := servertest.WriteConfig(t, t.TempDir(), cfg)

			acked, p := killUnderLoad(t, bin, path, 3, "fsync = "+string(f))
			if err := p.Stop(); err != nil {
				t.Errorf("graceful stop: %v\n%s", err, p.Output())
			}
			// After a graceful stop nothing is lost, whatever the policy.
			p = servertest.StartProcess(t, bin, path)
			if lost := acked.Verify(p.Addr); lost > 0 {
				t.Errorf("%d writes lost after a graceful restart", lost)
			}
			c := servertest.Dial(t, p.Addr)
			if got := c.Do("DBSIZE"); got == ":0\r\n" {
				t.Error("empty after restart")
			}
		})
	}
}
