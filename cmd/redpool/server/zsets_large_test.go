package server_test

import (
	"strconv"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// TestZSetLarge builds a sorted set of 200,000 members on each backend and
// times, through the server, the operations whose cost must not grow with
// the set (ZSCORE, ZADD, ZRANK of the middle member, ZRANGE of 10 members
// from the middle by rank, score and lex, ZCOUNT, ZPOPMIN, DEL), logging
// the figures. The bound checked is loose (a second each, against the
// milliseconds measured) so that a loaded machine cannot make it flake;
// an O(n) walk per call over many calls would still exceed it.
func TestZSetLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a sorted set of 200,000 members")
	}
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		c := servertest.Dial(t, s.Addr)
		const n, batch = 200_000, 1000
		for i := 0; i < n; i += batch {
			args := []string{"ZADD", "big"}
			lex := []string{"ZADD", "lex"}
			for j := i; j < i+batch; j++ {
				m := "member:" + strconv.Itoa(j)
				args = append(args, strconv.Itoa(j), m)
				lex = append(lex, "0", m)
			}
			c.Expect(wire.Int(batch), args...)
			c.Expect(wire.Int(batch), lex...)
		}
		c.Expect(wire.Int(n), "ZCARD", "big")
		mid := strconv.Itoa(n / 2)
		midMember := "member:" + mid
		c.Expect(wire.Int(n/2), "ZRANK", "big", midMember)
		timeSteps(t, c, "sorted set", n, []largeStep{
			{"ZSCORE", []string{"ZSCORE", "big", midMember}},
			{"ZADD new", []string{"ZADD", "big", "100000.5", "new"}},
			{"ZADD update", []string{"ZADD", "big", "100000.25", "new"}},
			{"ZREM", []string{"ZREM", "big", "new"}},
			{"ZRANK", []string{"ZRANK", "big", midMember}},
			{"ZREVRANK", []string{"ZREVRANK", "big", midMember}},
			{"ZRANGE 10", []string{"ZRANGE", "big", mid, strconv.Itoa(n/2 + 9)}},
			{"ZRANGE REV 10", []string{"ZRANGE", "big", mid, strconv.Itoa(n/2 + 9), "REV"}},
			{"ZRANGEBYSCORE 10", []string{"ZRANGEBYSCORE", "big", mid, "+inf", "LIMIT", "0", "10"}},
			{"ZRANGEBYLEX 10", []string{"ZRANGEBYLEX", "lex", "[" + midMember, "+", "LIMIT", "0", "10"}},
			{"ZCOUNT", []string{"ZCOUNT", "big", "1000", "(150000"}},
			{"ZLEXCOUNT", []string{"ZLEXCOUNT", "lex", "[member:1", "(member:5"}},
			{"ZRANDMEMBER 10", []string{"ZRANDMEMBER", "big", "10"}},
			{"ZPOPMIN", []string{"ZPOPMIN", "big"}},
			{"ZSCAN", []string{"ZSCAN", "big", "0"}},
		})
		start := time.Now()
		c.Expect(wire.Int(2), "DEL", "big", "lex")
		t.Logf("%-18s %v", "DEL", time.Since(start))
	})
}
