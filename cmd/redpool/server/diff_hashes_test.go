package server_test

import (
	"strconv"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// Differential tests of the hash family against a real Redis. HGETALL,
// HKEYS and HVALS are compared regardless of order; HRANDFIELD and HSCAN
// only where Redis's reply is deterministic (errors, empty and whole-hash
// replies), the rest structurally in hashes_test.go.

var hashSetGetCases = script(
	"SET s x",
	"HSET h", "HSET h f", "HSET h f v g", "HSET h f v g w", "HSET h f v2 n 1", "HSET h f v2",
	"HSET s f v", "HSET s f", "HSET h '' ''", "HGET h ''",
	"HSETNX h f x", "HSETNX h new x", "HSETNX s n x", "HSETNX nokey n x", "HSETNX h f", "HSETNX h f x y",
	"HGET h f", "HGET h zz", "HGET nokey f", "HGET s f", "HGET h", "HGET h f g",
	"HMGET h f zz g", "HMGET nokey a b", "HMGET s a", "HMGET h",
	"HMSET h a 1", "HMSET h a 1 b", "HMSET s a 1", "HMSET h a", "HMSET h a 1 b 2",
	"HDEL h zz", "HDEL nokey a", "HDEL s a", "HDEL h a b a", "HDEL h",
	"HEXISTS h f", "HEXISTS h zz", "HEXISTS nokey f", "HEXISTS s f", "HEXISTS h",
	"HLEN h", "HLEN nokey", "HLEN s", "HLEN",
	"HSTRLEN h f", "HSTRLEN h zz", "HSTRLEN nokey f", "HSTRLEN s f", "HSTRLEN h",
	"HKEYS nokey", "HVALS nokey", "HGETALL nokey", "HKEYS s", "HVALS s", "HGETALL s", "HKEYS", "HGETALL h x",
	"DEL h", "HSET h only 1", "HDEL h only", "EXISTS h", "TYPE h",
	"HSET h a 1 b 2", "HDEL h a b", "EXISTS h",
)

var hashIncrCases = script(
	"SET s x",
	"HSET h str abc n 10 sp ' 1' lz 01 big 9223372036854775807 small -9223372036854775808 e 1e3 inf inf",
	"HINCRBY h n 5", "HINCRBY h n -20", "HINCRBY h new 7", "HINCRBY h str 1", "HINCRBY h sp 1", "HINCRBY h lz 1",
	"HINCRBY h e 1", "HINCRBY h n x", "HINCRBY h n 1.5", "HINCRBY h n ''", "HINCRBY h n 9223372036854775808",
	"HINCRBY h big 1", "HINCRBY h big 0", "HINCRBY h big -1", "HINCRBY h small -1", "HINCRBY h small 1",
	"HINCRBY h n2 9223372036854775807", "HINCRBY h n2 1", "HINCRBY h n3 -9223372036854775808", "HINCRBY h n3 -1",
	"HINCRBY s n 1", "HINCRBY s n x", "HINCRBY nokey f 1", "HINCRBY h n", "HGET h n",
	"HINCRBYFLOAT h f 1.5", "HINCRBYFLOAT h f 1.5", "HINCRBYFLOAT h f -3", "HINCRBYFLOAT h n 0.1",
	"HINCRBYFLOAT h n 1e3", "HINCRBYFLOAT h e 1", "HINCRBYFLOAT h str 1", "HINCRBYFLOAT h sp 1",
	"HINCRBYFLOAT h lz 1", "HINCRBYFLOAT h f x", "HINCRBYFLOAT h f ''", "HINCRBYFLOAT h f inf",
	"HINCRBYFLOAT h f -inf", "HINCRBYFLOAT h f nan", "HINCRBYFLOAT h f ' 1'", "HINCRBYFLOAT h f 1e400",
	"HINCRBYFLOAT h inf 1", "HINCRBYFLOAT h f 0x10", "HINCRBYFLOAT h g 1e-5", "HINCRBYFLOAT h g 3.0e3",
	"HINCRBYFLOAT h g .5", "HINCRBYFLOAT h g 5.", "HINCRBYFLOAT h g -0", "HINCRBYFLOAT h z -0.0",
	"HINCRBYFLOAT s f 1", "HINCRBYFLOAT s f x", "HINCRBYFLOAT s f inf", "HINCRBYFLOAT nokey2 f 2.5",
	"HINCRBYFLOAT h f", "HINCRBY h big2", "HGET h f", "HGET h g", "HGET h z",
)

var hashScanRandCases = script(
	"SET s x",
	"HSET h a 1 b 2 c 3",
	"HSCAN nokey 0", "HSCAN nokey 0 bogus", "HSCAN nokey x", "HSCAN h x", "HSCAN h -1 COUNT 0",
	"HSCAN s 0", "HSCAN s 0 bogus", "HSCAN s x", "HSCAN h 0 COUNT 0", "HSCAN h 0 COUNT -1",
	"HSCAN h 0 COUNT x", "HSCAN h 0 BOGUS", "HSCAN h 0 MATCH", "HSCAN h 0 COUNT", "HSCAN h 0 TYPE string",
	"HSCAN h", "HSCAN h 0 MATCH zz*", "HSCAN h 18446744073709551616",
	"HDEL h b c", "HSCAN h 0", "HSCAN h 0 MATCH a", "HSCAN h 0 MATCH b", "HSCAN h 0 COUNT 100 MATCH *",
	"HRANDFIELD nokey", "HRANDFIELD nokey 5", "HRANDFIELD nokey 0", "HRANDFIELD nokey -5",
	"HRANDFIELD nokey x", "HRANDFIELD nokey 1 WITHVALUES", "HRANDFIELD nokey 1 bogus",
	"HRANDFIELD nokey 1 WITHVALUES extra", "HRANDFIELD nokey -9223372036854775808",
	"HRANDFIELD h", "HRANDFIELD h 1", "HRANDFIELD h 5", "HRANDFIELD h -3", "HRANDFIELD h 1 WITHVALUES",
	"HRANDFIELD h -3 withvalues", "HRANDFIELD h 0", "HRANDFIELD h 0 WITHVALUES", "HRANDFIELD h x",
	"HRANDFIELD h x WITHVALUES", "HRANDFIELD h 1 bogus", "HRANDFIELD h 1 WITHVALUES extra",
	"HRANDFIELD h -9223372036854775808", "HRANDFIELD h -9223372036854775807 WITHVALUES",
	"HRANDFIELD h 9223372036854775807 WITHVALUES", "HRANDFIELD h -4611686018427387904 WITHVALUES",
	"HRANDFIELD h 4611686018427387904 WITHVALUES", "HRANDFIELD h 4611686018427387903 WITHVALUES",
	"HRANDFIELD h 9223372036854775807", "HRANDFIELD h 9223372036854775808",
	"HRANDFIELD s", "HRANDFIELD s 1", "HRANDFIELD s x", "HRANDFIELD s 1 bogus", "HRANDFIELD",
)

func TestDiffHashSetGet(t *testing.T) { diffScript(t, hashSetGetCases) }
func TestDiffHashIncr(t *testing.T)   { diffScript(t, hashIncrCases) }
func TestDiffHashScanRand(t *testing.T) {
	diffScript(t, hashScanRandCases)
}

// TestDiffHashWhole compares the whole-hash replies regardless of order,
// on hashes small and large.
func TestDiffHashWhole(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		for _, n := range []int{1, 3, 20, 300} {
			key := "h" + strconv.Itoa(n)
			args := []string{"HSET", key}
			for i := range n {
				args = append(args, "field:"+strconv.Itoa(i), "value:"+strconv.Itoa(i*i))
			}
			d.Do(args...)
			d.DoPairsUnordered("HGETALL", key)
			d.DoUnordered("HKEYS", key)
			d.DoUnordered("HVALS", key)
			d.Do("HLEN", key)
			d.DoUnordered("HRANDFIELD", key, strconv.Itoa(n))
			d.DoUnordered("HRANDFIELD", key, strconv.Itoa(n+5))
			d.DoPairsUnordered("HRANDFIELD", key, strconv.Itoa(n*2), "WITHVALUES")
			d.Do("HDEL", key, "field:0", "nofield")
			d.DoPairsUnordered("HGETALL", key)
		}
		t.Logf("%d cases compared", d.Cases)
	})
}

// TestDiffHashKeyCommands checks the generic key commands on hashes.
func TestDiffHashKeyCommands(t *testing.T) {
	diffScript(t, script(
		"HSET h a 1 b 2", "EXISTS h", "TYPE h", "EXPIRE h 100", "TTL h", "PERSIST h", "TTL h",
		"RENAME h h2", "EXISTS h", "HGET h2 a", "COPY h2 h3", "HSET h3 c 3", "HLEN h2", "HLEN h3",
		"MOVE h3 1", "EXISTS h3", "SELECT 1", "HGET h3 c", "SELECT 0", "DEL h2", "EXISTS h2",
		"HSET h a 1", "EXPIRE h 100", "HDEL h a", "TTL h", "HSET h a 1", "TTL h",
	))
}
