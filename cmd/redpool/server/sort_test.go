package server_test

import (
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestSortStoreWakesBlocked: SORT ... STORE creates a list, so a client
// blocked on the destination is served, with or without patterns (which
// make SORT lock everything).
func TestSortStoreWakesBlocked(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		c := servertest.Dial(t, s.Addr)
		ctl.Expect(wire.Int(3), "RPUSH", "l", "3", "1", "2")
		ctl.Expect("+OK\r\n", "MSET", "w_1", "9", "w_2", "8", "w_3", "7")

		c.Send("BLPOP", "dst", "0")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wire.Int(3), "SORT", "l", "STORE", "dst")
		expectReply(t, c, keyed("dst", "1"), "BLPOP woken by SORT ... STORE")

		c.Send("BRPOP", "dst2", "0")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wire.Int(3), "SORT", "l", "BY", "w_*", "STORE", "dst2")
		expectReply(t, c, keyed("dst2", "1"), "BRPOP woken by SORT ... BY w_* STORE")
		ctl.Expect(wire.Bulks("3", "2"), "LRANGE", "dst2", "0", "-1")
	})
}
