package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// TestBoltWALKill9UnderLoad: bolt with sync = "always" (its write-ahead
// log) killed with -9 under 50 writing clients, at times that fall before,
// on and after its once-a-second checkpoints, loses no acknowledged write
// of any round, and replays its log at its starts (not necessarily each:
// a kill that falls just after a checkpoint, before the next batch is
// logged, leaves nothing to replay).
func TestBoltWALKill9UnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes for several seconds")
	}
	bin := servertest.BuildBinary(t)
	cfg := boltConfig(t, config.BoltSyncAlways)
	cfg.LogLevel = config.LogInfo
	path := servertest.WriteConfig(t, t.TempDir(), cfg)
	var logs []*servertest.AckLog
	replays := 0
	kills := []time.Duration{400 * time.Millisecond, 1100 * time.Millisecond, 1700 * time.Millisecond, 2300 * time.Millisecond}
	for round := 0; ; round++ {
		p := servertest.StartProcess(t, bin, path)
		for i, acked := range logs {
			if lost := acked.Verify(p.Addr); lost > 0 {
				t.Fatalf("after kill -9 number %d: %d of the %d writes acknowledged in round %d lost", round, lost, acked.Acked(), i)
			}
		}
		if round > 0 {
			t.Logf("after kill -9 number %d: 0 of %d acknowledged writes lost (all rounds checked)", round, walAckedTotal(logs))
			if strings.Contains(p.Output(), "replayed the write-ahead log") {
				replays++
			}
		}
		if round == len(kills) {
			if replays < len(kills)/2 {
				t.Errorf("%d of %d starts after kill -9 replayed the log", replays, len(kills))
			}
			if err := p.Stop(); err != nil {
				t.Errorf("graceful stop: %v\n%s", err, p.Output())
			}
			if _, err := os.Stat(filepath.Join(cfg.Dir, cfg.Bolt.File+".wal")); !os.IsNotExist(err) {
				t.Errorf("the log outlives a graceful stop: %v", err)
			}
			return
		}
		c := servertest.Dial(t, p.Addr)
		if info := c.Do("INFO", "backend"); !strings.Contains(info, "bolt_wal:true") {
			t.Fatalf("sync = always runs without the log:\n%s", info)
		}

		done := make(chan struct{})
		go func() {
			defer close(done)
			time.Sleep(kills[round])
			p.Kill9()
		}()
		acked := servertest.CrashLoad(t, p.Addr, 50, 10*time.Second)
		<-done
		if acked.Acked() == 0 {
			t.Fatalf("no write acknowledged:\n%s", p.Output())
		}
		logs = append(logs, acked)
	}
}

// walAckedTotal counts the writes acknowledged in all rounds.
func walAckedTotal(logs []*servertest.AckLog) int {
	n := 0
	for _, a := range logs {
		n += a.Acked()
	}
	return n
}
