package server_test

import (
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffStreamUnblockOnDelete: a client blocked in XREADGROUP gets
// Redis's -UNBLOCKED when its stream goes by any path (DEL, RENAME, SET
// over it, expiry, FLUSHDB, FLUSHALL, MOVE, SWAPDB), and a blocked XREAD
// waits on and is served by the next XADD after a DEL, as Redis 7.0.15.
func TestDiffStreamUnblockOnDelete(t *testing.T) {
	r := servertest.StartRedis(t)
	ops := [][]string{
		{"DEL", "s"}, {"RENAME", "s", "s2"}, {"SET", "s", "x"}, {"PEXPIRE", "s", "1"},
		{"FLUSHDB"}, {"FLUSHALL"}, {"MOVE", "s", "3"}, {"SWAPDB", "0", "1"},
	}
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		for _, op := range ops {
			var got [2]string
			for i, addr := range []string{r.Addr, s.Addr} {
				c, blocked := servertest.Dial(t, addr), servertest.Dial(t, addr)
				c.Do("FLUSHALL")
				c.Expect("+OK\r\n", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
				blocked.Send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "10000", "STREAMS", "s", ">")
				waitFor(t, "the reader to block", func() bool {
					return strings.Contains(c.Do("INFO", "clients"), "blocked_clients:1\r\n")
				})
				c.Do(op...)
				got[i] = blocked.Read()
			}
			if got[0] != got[1] {
				t.Errorf("%v: redpool %q, Redis %q", op, got[1], got[0])
			}
		}
		// XREAD waits on after a DEL and takes the next entry.
		var got [2]string
		for i, addr := range []string{r.Addr, s.Addr} {
			c, blocked := servertest.Dial(t, addr), servertest.Dial(t, addr)
			c.Do("FLUSHALL")
			c.Do("XADD", "s", "1-1", "a", "b")
			blocked.Send("XREAD", "BLOCK", "10000", "STREAMS", "s", "$")
			waitFor(t, "the reader to block", func() bool {
				return strings.Contains(c.Do("INFO", "clients"), "blocked_clients:1\r\n")
			})
			c.Do("DEL", "s")
			c.Do("XADD", "s", "5-1", "c", "d")
			got[i] = blocked.Read()
		}
		if got[0] != got[1] {
			t.Errorf("XREAD after DEL: redpool %q, Redis %q", got[1], got[0])
		}
	})
}
