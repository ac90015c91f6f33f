package server_test

import (
	"strconv"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// Sorted sets survive a restart in every persistence mode: AOF replay
// (pops are logged as ZPOPMIN or ZPOPMAX of the key served), the AOF
// rewrite (ZADD score member ... in batches), snapshots and bolt.

// zsetWorkload runs sorted-set writes of every kind on c, ending with a
// set larger than a rewrite batch.
func zsetWorkload(t *testing.T, c *servertest.Conn) {
	t.Helper()
	c.Expect(":6\r\n", "ZADD", "z", "1", "a", "2.5", "b", "inf", "c", "-inf", "d", "1e100", "e", "0.1", "f")
	c.Expect(":1\r\n", "ZREM", "z", "e")
	c.Expect("$3\r\n3.5\r\n", "ZINCRBY", "z", "1", "b")
	c.Do("ZADD", "z", "GT", "CH", "0", "a", "7", "f")
	c.Do("ZPOPMIN", "z")
	c.Do("ZPOPMAX", "z", "1")
	c.Expect(":4\r\n", "ZADD", "p", "1", "w", "2", "x", "3", "y", "4", "z")
	c.Do("ZMPOP", "2", "nokey", "p", "MAX", "COUNT", "2")
	c.Do("BZPOPMIN", "p", "0")
	c.Expect(":3\r\n", "ZADD", "r", "1", "a", "2", "b", "3", "c")
	c.Expect(":1\r\n", "ZREMRANGEBYRANK", "r", "0", "0")
	c.Expect(":3\r\n", "ZADD", "lx", "0", "a", "0", "b", "0", "c")
	c.Expect(":1\r\n", "ZREMRANGEBYLEX", "lx", "[a", "(b")
	c.Expect(":2\r\n", "ZUNIONSTORE", "u", "2", "r", "lx", "WEIGHTS", "2", "3")
	c.Expect(":2\r\n", "ZINTERSTORE", "i", "2", "r", "u", "AGGREGATE", "MAX")
	c.Do("ZDIFFSTORE", "d", "2", "z", "r")
	c.Expect(":1\r\n", "ZRANGESTORE", "rs", "z", "0", "0")
	c.Expect(":1\r\n", "EXPIRE", "u", "1000")
	args := []string{"ZADD", "big"}
	for i := range 300 {
		args = append(args, strconv.Itoa(i%7)+".5", "member:"+strconv.Itoa(i))
	}
	c.Expect(":300\r\n", args...)
	c.Expect("+OK\r\n", "SELECT", "3")
	c.Expect(":2\r\n", "ZADD", "in3", "1", "", "2", "\x00\r\n")
	c.Expect("+OK\r\n", "SELECT", "0")
}

// zsetState returns every sorted set of the workload's keys, with scores,
// and the TTL of u (last but one) and db 3's set (last).
func zsetState(t *testing.T, c *servertest.Conn) []string {
	t.Helper()
	var out []string
	for _, k := range []string{"z", "p", "r", "lx", "u", "i", "d", "rs", "big"} {
		out = append(out, k+"="+c.Do("ZRANGE", k, "0", "-1", "WITHSCORES"))
	}
	out = append(out, "ttl(u)="+c.Do("TTL", "u"))
	c.Expect("+OK\r\n", "SELECT", "3")
	out = append(out, "in3="+c.Do("ZRANGE", "in3", "0", "-1", "WITHSCORES"))
	c.Expect("+OK\r\n", "SELECT", "0")
	return out
}

var zsetPersist = persistCase{zsetWorkload, zsetState, []string{"ZADD", "z", "9", "after"}}

func TestZSetAOFRestartAndRewrite(t *testing.T) { zsetPersist.aofRestartAndRewrite(t) }

func TestZSetSnapshotAndBoltRestart(t *testing.T) { zsetPersist.snapshotAndBoltRestart(t) }
