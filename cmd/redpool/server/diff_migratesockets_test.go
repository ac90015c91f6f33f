package server_test

import (
	"net"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffMigrateCachedSockets: INFO's migrate_cached_sockets counts
// MIGRATE's cached connections, on Redis and on redpool alike: none at
// first, one after MIGRATEs to one target (the connection is reused), two
// after a MIGRATE to a second target.
func TestDiffMigrateCachedSockets(t *testing.T) {
	sides := []struct {
		name            string
		src, dst1, dst2 string
	}{
		{"redis", servertest.StartRedis(t).Addr, servertest.StartRedis(t).Addr, servertest.StartRedis(t).Addr},
		{"redpool", servertest.Start(t).Addr, servertest.Start(t).Addr, servertest.Start(t).Addr},
	}
	for _, side := range sides {
		t.Run(side.name, func(t *testing.T) {
			c := servertest.Dial(t, side.src)
			cached := func() string {
				t.Helper()
				return ops14InfoLine(t, c.Do("INFO", "stats"), "migrate_cached_sockets")
			}
			if n := cached(); n != "0" {
				t.Fatalf("before MIGRATE: %s", n)
			}
			migrate := func(dst, key string) {
				t.Helper()
				host, port, _ := net.SplitHostPort(dst)
				c.Do("SET", key, "v")
				if got := c.Do("MIGRATE", host, port, key, "0", "5000"); got != "+OK\r\n" {
					t.Fatalf("MIGRATE %s: %q", key, got)
				}
			}
			migrate(side.dst1, "a")
			migrate(side.dst1, "b")
			if n := cached(); n != "1" {
				t.Fatalf("after two MIGRATEs to one target: %s, want 1", n)
			}
			migrate(side.dst2, "c")
			if n := cached(); n != "2" {
				t.Fatalf("after a MIGRATE to a second target: %s, want 2", n)
			}
		})
	}
}
