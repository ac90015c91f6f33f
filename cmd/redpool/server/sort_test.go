package server_test

import (
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
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

// TestSortStoreSurvivesRestart: SORT ... STORE is logged as it was sent
// and replayed from the AOF, patterns (which lock everything) included,
// inside and outside MULTI.
func TestSortStoreSurvivesRestart(t *testing.T) {
	s := servertest.StartConfig(t, aofConfig(t.TempDir(), config.FsyncAlways), server.Options{})
	c := servertest.Dial(t, s.Addr)
	c.Expect(wire.Int(3), "RPUSH", "l", "3", "1", "2")
	c.Expect("+OK\r\n", "MSET", "w_1", "9", "w_2", "8", "w_3", "7")
	c.Expect(wire.Int(1), "HSET", "h_2", "f", "two")
	c.Expect(wire.Int(6), "SORT", "l", "BY", "w_*", "GET", "#", "GET", "h_*->f", "STORE", "d1")
	c.Expect(wire.Int(3), "SORT", "l", "DESC", "STORE", "d2")
	c.Expect("+OK\r\n", "MULTI")
	c.Expect("+QUEUED\r\n", "SORT", "l", "ALPHA", "LIMIT", "0", "2", "STORE", "d3")
	c.Expect("+QUEUED\r\n", "SORT", "l", "LIMIT", "0", "0", "STORE", "d2")
	c.Expect("*2\r\n:2\r\n:0\r\n", "EXEC")
	s = restart(t, s, server.Options{})
	c = servertest.Dial(t, s.Addr)
	c.Expect(wire.Bulks("3", "", "2", "two", "1", ""), "LRANGE", "d1", "0", "-1")
	c.Expect(wire.Int(0), "EXISTS", "d2")
	c.Expect(wire.Bulks("1", "2"), "LRANGE", "d3", "0", "-1")
}
