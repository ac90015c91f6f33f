package server_test

import (
	"testing"
	"time"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// TestActiveExpiryControl: DEBUG SET-ACTIVE-EXPIRE 0 and CLIENT PAUSE stop
// active expiry (an expired key stays counted by DBSIZE; during a pause a
// read does not see it and leaves it); SET-ACTIVE-EXPIRE 1, UNPAUSE and the end of a pause's
// timeout start it again. The clock is a ManualClock; the expiry cycles
// run on their real timers, so the test waits for the key to go with a
// deadline.
func TestActiveExpiryControl(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		clock := backend.NewManualClock(time.Now())
		s := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithClock(clock),
			servertest.WithConfig(func(c *config.Config) { c.DebugCommand = config.AllowYes }))
		c := servertest.Dial(t, s.Addr)
		expired := func(key string) { // not read: a read removes it
			t.Helper()
			c.Expect("+OK\r\n", "SET", key, "v", "PX", "10")
			clock.Advance(time.Second)
		}
		stays := func(what string) {
			t.Helper()
			time.Sleep(300 * time.Millisecond) // three expiry cycles: nothing may happen
			if got := c.Do("DBSIZE"); got != ":1\r\n" {
				t.Fatalf("%s: DBSIZE %q, want the expired key still counted", what, got)
			}
		}
		goes := func(what string) {
			t.Helper()
			waitFor(t, what, func() bool { return c.Do("DBSIZE") == ":0\r\n" })
		}

		c.Expect("+OK\r\n", "DEBUG", "SET-ACTIVE-EXPIRE", "0")
		expired("k1")
		stays("with active expiry off")
		c.Expect("+OK\r\n", "DEBUG", "SET-ACTIVE-EXPIRE", "1")
		goes("after SET-ACTIVE-EXPIRE 1")

		c.Expect("+OK\r\n", "SET", "k2", "v", "PX", "10") // a write: before the pause
		c.Expect("+OK\r\n", "CLIENT", "PAUSE", "100000", "WRITE")
		clock.Advance(time.Second)
		c.Expect("$-1\r\n", "GET", "k2") // and a read leaves it, as in Redis
		stays("during CLIENT PAUSE")
		c.Expect("+OK\r\n", "CLIENT", "UNPAUSE")
		goes("after UNPAUSE")

		c.Expect("+OK\r\n", "SET", "k3", "v", "PX", "10")
		clock.Advance(time.Second)
		c.Expect("+OK\r\n", "CLIENT", "PAUSE", "200", "WRITE")
		goes("after the pause's 200 ms")
	})
}
