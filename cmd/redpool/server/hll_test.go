package server_test

import (
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// TestHLLSurvivesAOFRestart replays HLL commands from the AOF, PFCOUNT's
// cached cardinality included (Redis logs PFCOUNT when it caches), and
// finds the same bytes after the restart.
func TestHLLSurvivesAOFRestart(t *testing.T) {
	s := servertest.StartConfig(t, aofConfig(t.TempDir(), config.FsyncAlways), server.Options{})
	c := servertest.Dial(t, s.Addr)
	c.Expect(":1\r\n", "PFADD", "h", "a", "b", "c")
	c.Expect(":3\r\n", "PFCOUNT", "h")
	c.Expect(":1\r\n", "PFADD", "h2", "x")
	c.Expect("+OK\r\n", "PFMERGE", "m", "h", "h2")
	c.Expect(":1\r\n", "PFDEBUG", "TODENSE", "h2")
	c.Expect(":4\r\n", "PFCOUNT", "m")
	want := []string{c.Do("GET", "h"), c.Do("GET", "h2"), c.Do("GET", "m")}
	s = restart(t, s, server.Options{})
	c = servertest.Dial(t, s.Addr)
	for i, k := range []string{"h", "h2", "m"} {
		if got := c.Do("GET", k); got != want[i] {
			t.Errorf("GET %s after restart: %q, want %q", k, got, want[i])
		}
	}
	c.Expect("+dense\r\n", "PFDEBUG", "ENCODING", "h2")
}
