package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// TestPowerlossInfo: INFO persistence reports, for each way of keeping
// data, how many writes were acknowledged while not durable, and the
// windows once a durability point (fsync, save) covers them; strategies
// that fsync before the reply report nothing; CONFIG RESETSTAT forgets;
// /metrics exports the same figures.
func TestPowerlossInfo(t *testing.T) {
	for _, tc := range []struct {
		name    string
		apply   func(*config.Config)
		writes  string
		durable func(c *servertest.Conn) // makes the writes durable, if it can
	}{
		{"aof-always", func(c *config.Config) {
			c.Persistence.Mode, c.Persistence.AOF.Fsync = config.ModeAOF, config.FsyncAlways
		}, "0", nil},
		{"aof-everysec", func(c *config.Config) {
			c.Persistence.Mode, c.Persistence.AOF.Fsync = config.ModeAOF, config.FsyncEverySec
		}, "3", func(*servertest.Conn) {}},
		{"aof-no", func(c *config.Config) { c.Persistence.Mode, c.Persistence.AOF.Fsync = config.ModeAOF, config.FsyncNo }, "3", nil},
		{"snapshot", func(c *config.Config) { c.Persistence.Mode = config.ModeSnapshot }, "3", func(c *servertest.Conn) { c.Expect("+OK\r\n", "SAVE") }},
		{"none", func(c *config.Config) { c.Persistence.Mode = config.ModeNone }, "3", nil},
		{"bolt-always", func(c *config.Config) { c.Backend, c.Bolt.Sync = config.BackendBolt, config.BoltSyncAlways }, "0", nil},
		{"bolt-batch", func(c *config.Config) { c.Backend, c.Bolt.Sync = config.BackendBolt, config.BoltSyncBatch }, "3", func(*servertest.Conn) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := servertest.Start(t, servertest.WithConfig(func(c *config.Config) {
				tc.apply(c)
				c.Metrics.Listen = "127.0.0.1:0"
			}))
			c := servertest.Dial(t, s.Addr)
			for _, k := range []string{"a", "b", "c"} {
				c.Expect("+OK\r\n", "SET", k, "1")
			}
			c.Expect("$1\r\n1\r\n", "GET", "a")
			info := infoFields(t, c)
			if info["ack_not_durable_writes"] != tc.writes {
				t.Errorf("ack_not_durable_writes = %q, want %s", info["ack_not_durable_writes"], tc.writes)
			}
			if tc.writes == "0" && (info["ack_not_durable_max_us"] != "0" || info["ack_not_durable_p99_us"] != "0") {
				t.Errorf("windows reported where every reply waits for the disk: %v", info)
			}
			if tc.durable != nil {
				tc.durable(c) // then the background fsync, if any, covers them
				powerlossWaitNonZero(t, c, "ack_not_durable_p99_us")
			}
			if got := powerlossScrape(t, s); !strings.Contains(got, "\nredpool_ack_not_durable_writes "+tc.writes+"\n") {
				t.Errorf("/metrics has no redpool_ack_not_durable_writes %s", tc.writes)
			}
			c.Expect("+OK\r\n", "CONFIG", "RESETSTAT")
			if tc.durable != nil {
				info = infoFields(t, c)
				if info["ack_not_durable_writes"] != "0" || info["ack_not_durable_p99_us"] != "0" {
					t.Errorf("after CONFIG RESETSTAT: %v", info)
				}
			}
		})
	}
}

// powerlossWaitNonZero polls INFO persistence until field is not 0.
func powerlossWaitNonZero(t *testing.T, c *servertest.Conn, field string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for infoFields(t, c)[field] == "0" {
		if time.Now().After(deadline) {
			t.Fatalf("INFO %s stays 0", field)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// powerlossScrape returns the /metrics page of s.
func powerlossScrape(t *testing.T, s *servertest.Server) string {
	t.Helper()
	resp, err := http.Get("http://" + s.MetricsAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
