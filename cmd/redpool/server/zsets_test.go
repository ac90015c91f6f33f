package server_test

import (
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// Transcript tests for the sorted-set family, with exact RESP replies, on
// every backend; the differential tests (diff_zsets_test.go) compare
// every command, option and error with a real Redis when one is installed.

// wireDouble is a RESP3 double.
func wireDouble(s string) string { return "," + s + "\r\n" }

func TestZSetAddScore(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wireOK, "SET", "str", "x")
		c.Expect(wire.Int(3), "ZADD", "z", "1", "a", "2", "b", "3", "c")
		c.Expect(wire.Int(0), "ZADD", "z", "5", "a")
		c.Expect(wire.Int(1), "ZADD", "z", "CH", "6", "a", "2", "b")
		c.Expect(wire.Int(1), "ZADD", "z", "NX", "9", "a", "9", "d")
		c.Expect(wire.Int(1), "ZADD", "z", "XX", "CH", "10", "d", "10", "e")
		c.Expect(wire.Int(0), "ZADD", "z", "GT", "CH", "1", "a")
		c.Expect(wire.Int(1), "ZADD", "z", "LT", "CH", "1", "a")
		c.Expect(wire.Bulk("3.5"), "ZADD", "z", "INCR", "2.5", "a")
		c.Expect(wireNull, "ZADD", "z", "NX", "INCR", "1", "a")
		c.Expect(wire.Bulk("4.5"), "ZINCRBY", "z", "1", "a")
		c.Expect(wire.Bulk("4.5"), "ZSCORE", "z", "a")
		c.Expect(wireNull, "ZSCORE", "z", "nope")
		c.Expect(wire.Array(wire.Bulk("4.5"), wireNull, wire.Bulk("2")), "ZMSCORE", "z", "a", "nope", "b")
		c.Expect(wire.Int(4), "ZCARD", "z")
		c.Expect(wire.Err("ERR XX and NX options at the same time are not compatible"), "ZADD", "z", "NX", "XX", "1", "a")
		c.Expect(wire.Err("ERR GT, LT, and/or NX options at the same time are not compatible"), "ZADD", "z", "GT", "LT", "1", "a")
		c.Expect(wire.Err("ERR INCR option supports a single increment-element pair"), "ZADD", "z", "INCR", "1", "a", "2", "b")
		c.Expect(wire.Err("ERR value is not a valid float"), "ZADD", "z", "nan", "a")
		c.Expect(wire.Err("ERR value is not a valid float"), "ZADD", "z", " 1", "a")
		c.Expect(wireSyntax, "ZADD", "z", "1", "a", "2")
		c.Expect(wireSyntax, "ZINCRBY", "z", "nx", "a")
		c.Expect(wireWrongType, "ZADD", "str", "1", "a")
		c.Expect(wire.Int(1), "ZADD", "z", "inf", "i")
		c.Expect(wire.Err("ERR resulting score is not a number (NaN)"), "ZADD", "z", "INCR", "-inf", "i")
		c.Expect(wire.Err("ERR resulting score is not a number (NaN)"), "ZINCRBY", "z", "-inf", "i")
		c.Expect(wire.Bulk("inf"), "ZSCORE", "z", "i")
		// Scores print as Redis 7.0 prints them.
		for _, tc := range [][2]string{
			{"0.1", "0.10000000000000001"}, {"1e100", "1e+100"}, {"-0", "0"}, {"-inf", "-inf"},
			{"3.0000000000000001", "3"}, {"5e-324", "4.9406564584124654e-324"}, {"0x10", "16"},
			{"1e16", "10000000000000000"}, {"1e17", "1e+17"}, {"1.5e-7", "1.4999999999999999e-07"},
		} {
			c.Expect(wire.Int(1), "ZADD", "f", tc[0], "m"+tc[0])
			c.Expect(wire.Bulk(tc[1]), "ZSCORE", "f", "m"+tc[0])
		}
		c.Expect(wire.Simple("zset"), "TYPE", "z")
	})
}

func TestZSetRanges(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wire.Int(6), "ZADD", "z", "1", "a", "2", "b", "2", "c", "3", "d", "4", "e", "5", "f")
		c.Expect(wire.Bulks("a", "b", "c", "d", "e", "f"), "ZRANGE", "z", "0", "-1")
		c.Expect(wire.Bulks("c", "2", "b", "2"), "ZREVRANGE", "z", "3", "4", "WITHSCORES")
		c.Expect(wire.Bulks("e", "d"), "ZRANGE", "z", "1", "2", "REV")
		c.Expect(wire.Bulks("c", "2", "d", "3"), "ZRANGE", "z", "(1", "5", "BYSCORE", "LIMIT", "1", "2", "WITHSCORES")
		c.Expect(wire.Bulks("f", "e"), "ZREVRANGEBYSCORE", "z", "+inf", "(3")
		c.Expect(wire.Bulks("b", "c"), "ZRANGEBYSCORE", "z", "2", "2")
		c.Expect(wireEmptyArray, "ZRANGEBYSCORE", "z", "(2", "2")
		c.Expect(wireEmptyArray, "ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "5")
		c.Expect(wire.Int(3), "ZCOUNT", "z", "2", "(4")
		c.Expect(wire.Int(0), "ZRANK", "z", "a")
		c.Expect(wire.Int(5), "ZREVRANK", "z", "a")
		c.Expect(wireNull, "ZRANK", "z", "nope")
		c.Expect(wire.Err("ERR min or max is not a float"), "ZCOUNT", "z", "x", "1")
		c.Expect(wire.Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"), "ZRANGE", "z", "0", "1", "LIMIT", "0", "1")
		c.Expect(wire.Int(4), "ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d")
		c.Expect(wire.Bulks("b", "c"), "ZRANGEBYLEX", "l", "(a", "[c")
		c.Expect(wire.Bulks("d", "c"), "ZREVRANGEBYLEX", "l", "+", "[c")
		c.Expect(wire.Int(2), "ZLEXCOUNT", "l", "-", "(c")
		c.Expect(wire.Err("ERR min or max not valid string range item"), "ZLEXCOUNT", "l", "a", "+")
		c.Expect(wire.Int(2), "ZRANGESTORE", "d", "z", "0", "1")
		c.Expect(wire.Bulks("a", "1", "b", "2"), "ZRANGE", "d", "0", "-1", "WITHSCORES")
		c.Expect(wire.Int(0), "ZRANGESTORE", "d", "z", "9", "10")
		c.Expect(wireZero, "EXISTS", "d")
	})
}

func TestZSetRemovePop(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wire.Int(6), "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f")
		c.Expect(wire.Int(2), "ZREM", "z", "a", "nope", "b")
		c.Expect(wire.Int(1), "ZREMRANGEBYRANK", "z", "-1", "-1")
		c.Expect(wire.Int(1), "ZREMRANGEBYSCORE", "z", "(3", "4")
		c.Expect(wire.Bulks("c", "3"), "ZPOPMIN", "z")
		c.Expect(wire.Bulks("e", "5"), "ZPOPMAX", "z", "5")
		c.Expect(wireZero, "EXISTS", "z")
		c.Expect(wireEmptyArray, "ZPOPMIN", "z")
		c.Expect(wire.Err("ERR value is out of range, must be positive"), "ZPOPMIN", "z", "-1")
		c.Expect(wire.Int(2), "ZADD", "z", "1", "a", "2", "b")
		c.Expect(wire.Array(wire.Bulk("z"), wire.Array(wire.Bulks("b", "2"), wire.Bulks("a", "1"))), "ZMPOP", "2", "nope", "z", "MAX", "COUNT", "9")
		c.Expect(wireNullArray, "ZMPOP", "1", "z", "MIN")
		c.Expect(wire.Err("ERR count should be greater than 0"), "ZMPOP", "1", "z", "MIN", "COUNT", "0")
		c.Expect(wire.Int(3), "ZADD", "l", "0", "a", "0", "b", "0", "c")
		c.Expect(wire.Int(2), "ZREMRANGEBYLEX", "l", "[a", "(c")
		c.Expect(wire.Bulks("c"), "ZRANGE", "l", "0", "-1")
	})
}

// TestZSetResp3 checks the RESP3 shapes: doubles, and [member, score]
// pairs where Redis 7.0 nests them.
func TestZSetResp3(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		c := servertest.DialProto(t, s.Addr, 3)
		pair := func(m, s string) string { return wire.Array(wire.Bulk(m), wireDouble(s)) }
		c.Expect(wire.Int(3), "ZADD", "z", "1", "a", "2.5", "b", "inf", "c")
		c.Expect(wireDouble("2.5"), "ZSCORE", "z", "b")
		c.Expect("_\r\n", "ZSCORE", "z", "nope")
		c.Expect(wire.Array(wireDouble("inf"), "_\r\n"), "ZMSCORE", "z", "c", "nope")
		c.Expect(wireDouble("3.5"), "ZINCRBY", "z", "1", "b")
		c.Expect(wire.Array(pair("a", "1"), pair("b", "3.5")), "ZRANGE", "z", "0", "1", "WITHSCORES")
		c.Expect(wire.Array(wire.Bulk("a"), wireDouble("1")), "ZPOPMIN", "z")
		c.Expect(wire.Array(pair("c", "inf")), "ZPOPMAX", "z", "1")
		c.Expect(wire.Array(wire.Bulk("z"), wire.Bulk("b"), wireDouble("3.5")), "BZPOPMIN", "z", "0")
		c.Expect("_\r\n", "ZMPOP", "1", "z", "MIN")
		c.Expect(wire.Int(1), "ZADD", "z", "1", "a")
		c.Expect(wire.Array(wire.Bulk("z"), wire.Array(pair("a", "1"))), "ZMPOP", "1", "z", "MIN")
		c.Expect(wire.Int(1), "ZADD", "z", "1", "a")
		c.Expect(wire.Array(pair("a", "1")), "ZRANDMEMBER", "z", "5", "WITHSCORES")
		c.Expect(wire.Array(wire.Bulk("0"), wire.Bulks("a", "1")), "ZSCAN", "z", "0")
	})
}

func TestZSetAlgebra(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wireOK, "SET", "str", "x")
		c.Expect(wire.Int(3), "ZADD", "a", "1", "x", "2", "y", "3", "z")
		c.Expect(wire.Int(2), "ZADD", "b", "10", "y", "20", "w")
		c.Expect(wire.Int(2), "SADD", "s", "y", "q")
		c.Expect(wire.Bulks("q", "1", "x", "1", "z", "3", "y", "13", "w", "20"), "ZUNION", "3", "a", "b", "s", "WITHSCORES")
		c.Expect(wire.Bulks("y", "10"), "ZINTER", "3", "a", "b", "s", "AGGREGATE", "MAX", "WITHSCORES")
		c.Expect(wire.Bulks("y", "24"), "ZINTER", "2", "a", "b", "WEIGHTS", "2", "2", "WITHSCORES")
		c.Expect(wire.Bulks("x", "z"), "ZDIFF", "2", "a", "b")
		c.Expect(wire.Int(4), "ZUNIONSTORE", "d", "2", "a", "b")
		c.Expect(wire.Int(1), "ZINTERSTORE", "d", "2", "a", "s")
		c.Expect(wire.Bulks("y", "3"), "ZRANGE", "d", "0", "-1", "WITHSCORES")
		c.Expect(wire.Int(0), "ZDIFFSTORE", "d", "2", "a", "a")
		c.Expect(wireZero, "EXISTS", "d")
		c.Expect(wire.Int(1), "ZINTERCARD", "2", "a", "b")
		c.Expect(wire.Int(1), "ZINTERCARD", "2", "a", "a", "LIMIT", "1")
		// inf times a weight of 0 is NaN, which counts as 0.
		c.Expect(wire.Int(1), "ZADD", "i", "inf", "m")
		c.Expect(wire.Bulks("m", "0"), "ZUNION", "1", "i", "WEIGHTS", "0", "WITHSCORES")
		c.Expect(wire.Err("ERR at least 1 input key is needed for 'zunionstore' command"), "ZUNIONSTORE", "d", "0", "a")
		c.Expect(wire.Err("ERR weight value is not a float"), "ZUNION", "1", "a", "WEIGHTS", "x")
		c.Expect(wireSyntax, "ZDIFF", "1", "a", "WEIGHTS", "1")
		c.Expect(wireWrongType, "ZUNION", "2", "a", "str")
		c.Expect(wire.Bulks("d", "a", "b"), "COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2")
		c.Expect(wire.Bulks("a", "b"), "COMMAND", "GETKEYS", "BZMPOP", "0", "2", "a", "b", "MIN")
	})
}

// TestZSetCommandInfo checks the head of COMMAND INFO (name, arity, flags,
// first, last, step) for the commands whose keys are found by numkeys.
func TestZSetCommandInfo(t *testing.T) {
	s := servertest.Start(t)
	c := servertest.Dial(t, s.Addr)
	for _, tc := range []struct {
		name, head string
	}{
		{"zunionstore", "*10\r\n$11\r\nzunionstore\r\n:-4\r\n*3\r\n+write\r\n+denyoom\r\n+movablekeys\r\n:1\r\n:1\r\n:1\r\n"},
		{"zunion", "*10\r\n$6\r\nzunion\r\n:-3\r\n*2\r\n+readonly\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n"},
		{"bzpopmin", "*10\r\n$8\r\nbzpopmin\r\n:-3\r\n*3\r\n+write\r\n+blocking\r\n+fast\r\n:1\r\n:-2\r\n:1\r\n"},
		{"zrangestore", "*10\r\n$11\r\nzrangestore\r\n:-5\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:2\r\n:1\r\n"},
	} {
		got := c.Do("COMMAND", "INFO", tc.name)
		want := "*1\r\n" + tc.head
		if len(got) < len(want) || got[:len(want)] != want {
			t.Errorf("COMMAND INFO %s = %q, want it to begin %q", tc.name, got, want)
		}
	}
}

// --- blocking ---

func TestZSetBlockingWakeUp(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		c := servertest.Dial(t, s.Addr)
		c.Send("BZPOPMIN", "k1", "k2", "0")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wire.Int(2), "ZADD", "k2", "2", "b", "1", "a")
		expectReply(t, c, wire.Bulks("k2", "a", "1"), "BZPOPMIN")
		waitBlocked(t, ctl, 0)
		ctl.Expect(wire.Bulks("b"), "ZRANGE", "k2", "0", "-1")

		c.Send("BZPOPMAX", "k3", "0")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wire.Int(1), "ZUNIONSTORE", "k3", "2", "k2", "k4")
		expectReply(t, c, wire.Bulks("k3", "b", "2"), "BZPOPMAX woken by ZUNIONSTORE")

		c.Send("BZMPOP", "0", "2", "m1", "m2", "MAX", "COUNT", "2")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wire.Int(3), "ZADD", "m2", "1", "x", "2", "y", "3", "z")
		expectReply(t, c, wire.Array(wire.Bulk("m2"), wire.Array(wire.Bulks("z", "3"), wire.Bulks("y", "2"))), "BZMPOP")
		ctl.Expect(wire.Bulks("x"), "ZRANGE", "m2", "0", "-1")

		// Woken by EXEC.
		c.Send("BZPOPMIN", "e", "0")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wireOK, "MULTI")
		ctl.Expect(wire.Simple("QUEUED"), "ZADD", "e", "1", "a")
		ctl.Expect(wire.Simple("QUEUED"), "ZADD", "e", "2", "b")
		ctl.Expect(wire.Array(wire.Int(1), wire.Int(1)), "EXEC")
		expectReply(t, c, wire.Bulks("e", "a", "1"), "BZPOPMIN woken by EXEC")
		waitBlocked(t, ctl, 0)
	})
}

// TestZSetBlockingWokenByKeyCommands: as in Redis, a sorted set created by
// RENAME, MOVE or SWAPDB serves clients blocked on its name.
func TestZSetBlockingWokenByKeyCommands(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		for _, tc := range []struct {
			name    string
			waitDB  string
			trigger []string
			reply   string
		}{
			{"rename", "0", []string{"RENAME", "src", "dst"}, "+OK\r\n"},
			{"copy", "0", []string{"COPY", "src", "dst"}, ":1\r\n"},
			{"move", "1", []string{"MOVE", "src", "1"}, ":1\r\n"},
			{"swapdb", "1", []string{"SWAPDB", "0", "1"}, "+OK\r\n"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctl.Expect("+OK\r\n", "FLUSHALL")
				w := servertest.Dial(t, s.Addr)
				w.Expect("+OK\r\n", "SELECT", tc.waitDB)
				key := "dst"
				if tc.name == "move" {
					key = "src"
				}
				if tc.name == "swapdb" {
					key = "src"
				}
				w.Send("BZPOPMIN", key, "5")
				waitBlocked(t, ctl, 1)
				ctl.Expect(wire.Int(1), "ZADD", "src", "7", "m")
				ctl.Expect(tc.reply, tc.trigger...)
				if got, want := w.Read(), wire.Bulks(key, "m", "7"); got != want {
					t.Fatalf("woken client got %q, want %q", got, want)
				}
				waitBlocked(t, ctl, 0)
			})
		}
	})
}

func TestZSetBlockingFIFO(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		var clients []*servertest.Conn
		for i := range 3 {
			c := servertest.Dial(t, s.Addr)
			c.Send("BZPOPMIN", "k", "0")
			waitBlocked(t, ctl, i+1)
			clients = append(clients, c)
		}
		ctl.Expect(wire.Int(4), "ZADD", "k", "1", "a", "2", "b", "3", "c", "4", "d")
		for i, m := range []string{"a", "b", "c"} {
			expectReply(t, clients[i], wire.Bulks("k", m, string(rune('1'+i))), "client "+m)
		}
		ctl.Expect(wire.Bulks("d"), "ZRANGE", "k", "0", "-1")
	})
}

// TestZSetBlockingMixedTypes: a client blocked on a key for a list is not
// served by a sorted set there, and does not keep the one blocked for a
// sorted set behind it from being served.
func TestZSetBlockingMixedTypes(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		l := servertest.Dial(t, s.Addr)
		z := servertest.Dial(t, s.Addr)
		l.Send("BLPOP", "k", "0")
		waitBlocked(t, ctl, 1)
		z.Send("BZPOPMIN", "k", "0")
		waitBlocked(t, ctl, 2)
		ctl.Expect(wire.Int(1), "ZADD", "k", "1", "a")
		expectReply(t, z, wire.Bulks("k", "a", "1"), "BZPOPMIN behind a BLPOP")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wire.Int(1), "RPUSH", "k", "v")
		expectReply(t, l, wire.Bulks("k", "v"), "BLPOP")
		waitBlocked(t, ctl, 0)
	})
}

func TestZSetBlockingTimeouts(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		c := servertest.Dial(t, s.Addr)
		for _, cmd := range [][]string{
			{"BZPOPMIN", "k", "0.1"},
			{"BZPOPMAX", "k", "k2", "0.1"},
			{"BZMPOP", "0.1", "2", "k", "k2", "MIN", "COUNT", "3"},
		} {
			start := time.Now()
			c.Expect(wireNullArray, cmd...)
			if el := time.Since(start); el < 90*time.Millisecond || el > 3*time.Second {
				t.Errorf("%s timed out after %v, want 0.1s", servertest.Quote(cmd), el)
			}
		}
		c.Expect(wire.Err("ERR timeout is negative"), "BZPOPMIN", "k", "-1")
		c.Expect(wire.Err("ERR timeout is not a float or out of range"), "BZMPOP", "x", "1", "k", "MIN")
		// Inside MULTI a blocking pop does not block.
		c.Expect(wireOK, "MULTI")
		c.Expect(wire.Simple("QUEUED"), "BZPOPMIN", "k", "0")
		c.Expect(wire.Simple("QUEUED"), "BZMPOP", "0", "1", "k", "MIN")
		c.Expect(wire.Array(wireNullArray, wireNullArray), "EXEC")
		waitBlocked(t, ctl, 0)
	})
}
