package server_test

import (
	"strconv"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffEvictionExceededTime runs the same steps on a real Redis and on
// redpool (memory backend: bolt does not evict) and checks INFO's
// total_eviction_exceeded_time and current_eviction_exceeded_time on
// both: a write refused under noeviction opens the window, it grows while
// the memory stays over the limit, a write within the limit closes it
// (current 0, total kept), CONFIG RESETSTAT clears both.
func TestDiffEvictionExceededTime(t *testing.T) {
	r := servertest.StartRedis(t)
	s := servertest.Start(t)
	for _, side := range []struct {
		name string
		addr string
	}{{"redis", r.Addr}, {"redpool", s.Addr}} {
		t.Run(side.name, func(t *testing.T) {
			c := servertest.Dial(t, side.addr)
			times := func() (total, current int64) {
				t.Helper()
				info := c.Do("INFO", "stats")
				field := func(name string) int64 {
					n, err := strconv.ParseInt(ops14InfoLine(t, info, name), 10, 64)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					return n
				}
				return field("total_eviction_exceeded_time"), field("current_eviction_exceeded_time")
			}
			c.Do("CONFIG", "SET", "maxmemory-policy", "noeviction")
			c.Do("CONFIG", "RESETSTAT")
			if total, cur := times(); total != 0 || cur != 0 {
				t.Fatalf("after RESETSTAT: total %d, current %d", total, cur)
			}
			c.Do("CONFIG", "SET", "maxmemory", "1")
			if got, want := c.Do("SET", "k", "v"), "-OOM command not allowed when used memory > 'maxmemory'.\r\n"; got != want {
				t.Fatalf("SET over the limit = %q, want %q", got, want)
			}
			waitFor(t, "current_eviction_exceeded_time > 0", func() bool {
				total, cur := times()
				if total < cur {
					t.Fatalf("total %d < current %d", total, cur)
				}
				return cur > 0
			})
			c.Do("CONFIG", "SET", "maxmemory", "0")
			c.Do("CONFIG", "SET", "maxmemory", "1gb")
			if got := c.Do("SET", "k", "v"); got != "+OK\r\n" {
				t.Fatalf("SET within the limit = %q", got)
			}
			total, cur := times()
			if cur != 0 || total <= 0 {
				t.Fatalf("after the window: total %d, current %d; want total > 0, current 0", total, cur)
			}
			c.Do("CONFIG", "RESETSTAT")
			if total, cur := times(); total != 0 || cur != 0 {
				t.Fatalf("after RESETSTAT: total %d, current %d", total, cur)
			}
			c.Do("CONFIG", "SET", "maxmemory", "0")
		})
	}
}
