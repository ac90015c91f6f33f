package server_test

import (
	"bufio"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
	"redpool/session/resp"
)

// Transcript tests for the hash family: every command and error path, with
// exact RESP replies, on every backend. Replies whose order a hash does not
// define are compared sorted.

func TestHashSetGet(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wire.Int(2), "HSET", "h", "f", "v", "g", "w")
		c.Expect(wire.Int(1), "HSET", "h", "f", "v2", "n", "1")
		c.Expect(wireZero, "HSET", "h", "f", "v3")
		c.Expect(wireArity("hset"), "HSET", "h", "f")
		c.Expect(wireArity("hset"), "HSET", "h", "f", "v", "g")
		c.Expect(wireZero, "HSETNX", "h", "f", "x")
		c.Expect(wire.Int(1), "HSETNX", "h", "new", "x")
		c.Expect(wire.Int(1), "HSETNX", "other", "a", "b")
		c.Expect(wireArity("hsetnx"), "HSETNX", "h", "f")
		c.Expect(wire.Bulk("v3"), "HGET", "h", "f")
		c.Expect(wireNull, "HGET", "h", "zz")
		c.Expect(wireNull, "HGET", "nokey", "f")
		c.Expect(wire.Array(wire.Bulk("v3"), wireNull, wire.Bulk("w")), "HMGET", "h", "f", "zz", "g")
		c.Expect(wire.Array(wireNull, wireNull), "HMGET", "nokey", "a", "b")
		c.Expect(wireArity("hmget"), "HMGET", "h")
		c.Expect(wireOK, "HMSET", "h", "a", "1", "b", "2")
		c.Expect(wireArity("hmset"), "HMSET", "h", "a", "1", "b")
		c.Expect(wire.Int(6), "HLEN", "h")
		c.Expect(wireZero, "HLEN", "nokey")
		c.Expect(wire.Int(1), "HEXISTS", "h", "f")
		c.Expect(wireZero, "HEXISTS", "h", "zz")
		c.Expect(wireZero, "HEXISTS", "nokey", "f")
		c.Expect(wire.Int(2), "HSTRLEN", "h", "f")
		c.Expect(wireZero, "HSTRLEN", "h", "zz")
		c.Expect(wireZero, "HSTRLEN", "nokey", "f")
		c.Expect(wire.Int(2), "HDEL", "h", "a", "b", "a", "zz")
		c.Expect(wireZero, "HDEL", "h", "zz")
		c.Expect(wireZero, "HDEL", "nokey", "a")
		c.Expect(wireArity("hdel"), "HDEL", "h")
		expectUnordered(t, c, []string{"f", "g", "n", "new"}, "HKEYS", "h")
		expectUnordered(t, c, []string{"v3", "w", "1", "x"}, "HVALS", "h")
		expectPairs(t, c, map[string]string{"f": "v3", "g": "w", "n": "1", "new": "x"}, "HGETALL", "h")
		c.Expect(wireEmptyArray, "HKEYS", "nokey")
		c.Expect(wireEmptyArray, "HVALS", "nokey")
		c.Expect(wireEmptyArray, "HGETALL", "nokey")
		c.Expect(wireArity("hgetall"), "HGETALL", "h", "x")
		c.Expect(wire.Int(1), "HSET", "h", "", "")
		c.Expect(wireEmpty, "HGET", "h", "")
		// Deleting the last field deletes the key.
		c.Expect(wire.Int(1), "HSET", "one", "f", "v")
		c.Expect(wire.Int(1), "HDEL", "one", "f")
		c.Expect(wireZero, "EXISTS", "one")
		c.Expect(wire.Simple("none"), "TYPE", "one")
	})
}

func TestHashIncr(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		notInt := wire.Err("ERR hash value is not an integer")
		notFloat := wire.Err("ERR hash value is not a float")
		overflow := wire.Err("ERR increment or decrement would overflow")
		c.Expect(wire.Int(5), "HSET", "h", "str", "abc", "n", "10", "sp", " 1", "big", "9223372036854775807", "inf", "inf")
		c.Expect(wire.Int(15), "HINCRBY", "h", "n", "5")
		c.Expect(wire.Int(-5), "HINCRBY", "h", "n", "-20")
		c.Expect(wire.Int(7), "HINCRBY", "h", "new", "7")
		c.Expect(wire.Int(1), "HINCRBY", "fresh", "f", "1")
		c.Expect(notInt, "HINCRBY", "h", "str", "1")
		c.Expect(notInt, "HINCRBY", "h", "sp", "1")
		c.Expect(wireNotInt, "HINCRBY", "h", "n", "x")
		c.Expect(wireNotInt, "HINCRBY", "h", "n", "9223372036854775808")
		c.Expect(overflow, "HINCRBY", "h", "big", "1")
		c.Expect(wire.Int(9223372036854775806), "HINCRBY", "h", "big", "-1")
		c.Expect(wire.Int(-9223372036854775808), "HINCRBY", "h", "small", "-9223372036854775808")
		c.Expect(overflow, "HINCRBY", "h", "small", "-1")
		c.Expect(wire.Bulk("-5"), "HGET", "h", "n")

		c.Expect(wire.Bulk("1.5"), "HINCRBYFLOAT", "h", "f", "1.5")
		c.Expect(wire.Bulk("3"), "HINCRBYFLOAT", "h", "f", "1.5")
		c.Expect(wire.Bulk("-4.9"), "HINCRBYFLOAT", "h", "n", "0.1")
		c.Expect(wire.Bulk("5000"), "HINCRBYFLOAT", "h", "g", "5.0e3")
		c.Expect(wire.Bulk("3"), "HGET", "h", "f")
		c.Expect(notFloat, "HINCRBYFLOAT", "h", "str", "1")
		c.Expect(notFloat, "HINCRBYFLOAT", "h", "sp", "1")
		c.Expect(wire.Err("ERR value is not a valid float"), "HINCRBYFLOAT", "h", "f", "x")
		c.Expect(wire.Err("ERR value is NaN or Infinity"), "HINCRBYFLOAT", "h", "f", "inf")
		c.Expect(wire.Err("ERR value is NaN or Infinity"), "HINCRBYFLOAT", "s", "f", "-inf")
		c.Expect(wire.Err("ERR increment would produce NaN or Infinity"), "HINCRBYFLOAT", "h", "inf", "1")
		c.Expect(wireArity("hincrbyfloat"), "HINCRBYFLOAT", "h", "f")
		c.Expect(wireArity("hincrby"), "HINCRBY", "h", "f")
	})
}

func TestHashScan(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		emptyScan := wire.Array(wire.Bulk("0"), wireEmptyArray)
		c.Expect(emptyScan, "HSCAN", "nokey", "0")
		c.Expect(emptyScan, "HSCAN", "nokey", "0", "BOGUS") // options are read after the key
		c.Expect(wire.Err("ERR invalid cursor"), "HSCAN", "nokey", "x")
		c.Expect(wire.Int(3), "HSET", "h", "a", "1", "b", "2", "c", "3")
		c.Expect(wireSyntax, "HSCAN", "h", "0", "COUNT", "0")
		c.Expect(wireNotInt, "HSCAN", "h", "0", "COUNT", "x")
		c.Expect(wireSyntax, "HSCAN", "h", "0", "BOGUS")
		c.Expect(wireSyntax, "HSCAN", "h", "0", "MATCH")
		c.Expect(wireSyntax, "HSCAN", "h", "0", "TYPE", "string")
		c.Expect(wireArity("hscan"), "HSCAN", "h")
		c.Expect(wire.Array(wire.Bulk("0"), wire.Bulks("b", "2")), "HSCAN", "h", "0", "MATCH", "b")
		c.Expect(wire.Array(wire.Bulk("0"), wire.Bulks("b")), "HSCAN", "h", "0", "MATCH", "b", "NOVALUES")
		c.Expect(wire.Array(wire.Bulk("0"), wireEmptyArray), "HSCAN", "h", "0", "MATCH", "zz*")

		// A large hash, scanned in small steps: every field exactly once
		// (nothing changes meanwhile), values with their fields.
		const n = 500
		args := []string{"HSET", "big"}
		for i := range n {
			args = append(args, "f"+strconv.Itoa(i), "v"+strconv.Itoa(i))
		}
		c.Expect(wire.Int(n), args...)
		for _, novalues := range []bool{false, true} {
			seen := map[string]int{}
			cursor, calls := "0", 0
			for {
				cmd := []string{"HSCAN", "big", cursor, "COUNT", "7"}
				if novalues {
					cmd = append(cmd, "NOVALUES")
				}
				next, elems := parseScanReply(t, c.Do(cmd...))
				calls++
				if novalues {
					for _, f := range elems {
						seen[f]++
					}
				} else {
					if len(elems)%2 != 0 {
						t.Fatalf("HSCAN returned %d elements", len(elems))
					}
					for i := 0; i < len(elems); i += 2 {
						if "v"+strings.TrimPrefix(elems[i], "f") != elems[i+1] {
							t.Fatalf("field %q has value %q", elems[i], elems[i+1])
						}
						seen[elems[i]]++
					}
				}
				if cursor = next; cursor == "0" {
					break
				}
			}
			if len(seen) != n || calls < 2 {
				t.Fatalf("HSCAN saw %d fields in %d calls, want %d in several", len(seen), calls, n)
			}
			for f, k := range seen {
				if k != 1 {
					t.Fatalf("field %s returned %d times", f, k)
				}
			}
		}
	})
}

func TestHashRandField(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wireNull, "HRANDFIELD", "nokey")
		c.Expect(wireEmptyArray, "HRANDFIELD", "nokey", "5")
		c.Expect(wireEmptyArray, "HRANDFIELD", "nokey", "-5", "WITHVALUES")
		c.Expect(wireNotInt, "HRANDFIELD", "nokey", "x")
		c.Expect(wireSyntax, "HRANDFIELD", "nokey", "1", "bogus")
		c.Expect(wire.Int(5), "HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
		c.Expect(wireEmptyArray, "HRANDFIELD", "h", "0")
		c.Expect(wireEmptyArray, "HRANDFIELD", "h", "0", "WITHVALUES")
		c.Expect(wireSyntax, "HRANDFIELD", "h", "1", "WITHVALUES", "extra")
		c.Expect(wire.Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"), "HRANDFIELD", "h", "-9223372036854775808")
		c.Expect(wire.Err("ERR value is out of range"), "HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES")
		c.Expect(wire.Err("ERR value is out of range"), "HRANDFIELD", "h", "4611686018427387904", "WITHVALUES")
		c.Expect(wire.Err("ERR value is out of range"), "HRANDFIELD", "h", "-100000000") // redpool's bound
		values := map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}
		fieldSeen := map[string]bool{}
		for range 200 {
			raw := c.Do("HRANDFIELD", "h")
			f := bulkValue(t, raw)
			if _, ok := values[f]; !ok {
				t.Fatalf("HRANDFIELD = %q", raw)
			}
			fieldSeen[f] = true
		}
		if len(fieldSeen) != len(values) {
			t.Errorf("200 HRANDFIELD calls returned only %v", fieldSeen)
		}
		for _, count := range []int{1, 2, 3, 4} {
			for range 20 {
				elems := arrayElems(t, c.Do("HRANDFIELD", "h", strconv.Itoa(count)))
				if len(elems) != count {
					t.Fatalf("HRANDFIELD h %d returned %d fields", count, len(elems))
				}
				seen := map[string]bool{}
				for _, f := range elems {
					if _, ok := values[f]; !ok || seen[f] {
						t.Fatalf("HRANDFIELD h %d = %v: unknown or repeated field", count, elems)
					}
					seen[f] = true
				}
				elems = arrayElems(t, c.Do("HRANDFIELD", "h", strconv.Itoa(count), "WITHVALUES"))
				if len(elems) != 2*count {
					t.Fatalf("HRANDFIELD h %d WITHVALUES returned %d elements", count, len(elems))
				}
				for i := 0; i < len(elems); i += 2 {
					if values[elems[i]] != elems[i+1] {
						t.Fatalf("HRANDFIELD WITHVALUES paired %q with %q", elems[i], elems[i+1])
					}
				}
			}
		}
		expectUnordered(t, c, []string{"a", "b", "c", "d", "e"}, "HRANDFIELD", "h", "5")
		expectUnordered(t, c, []string{"a", "b", "c", "d", "e"}, "HRANDFIELD", "h", "50")
		// Negative counts may repeat.
		elems := arrayElems(t, c.Do("HRANDFIELD", "h", "-100", "WITHVALUES"))
		if len(elems) != 200 {
			t.Fatalf("HRANDFIELD h -100 WITHVALUES returned %d elements", len(elems))
		}
		distinct := map[string]bool{}
		for i := 0; i < len(elems); i += 2 {
			if values[elems[i]] != elems[i+1] {
				t.Fatalf("HRANDFIELD WITHVALUES paired %q with %q", elems[i], elems[i+1])
			}
			distinct[elems[i]] = true
		}
		if len(distinct) != len(values) {
			t.Errorf("100 random fields covered only %v", distinct)
		}
		c.Expect(wireEmptyArray, "HRANDFIELD", "one", "-3") // missing key
		c.Expect(wire.Int(1), "HSET", "one", "a", "1")
		c.Expect(wire.Bulks("a", "a", "a"), "HRANDFIELD", "one", "-3")
		c.Expect(wire.Bulks("a", "1", "a", "1"), "HRANDFIELD", "one", "-2", "WITHVALUES")
	})
}

// TestHashWrongType runs every hash command against a key of another type.
func TestHashWrongType(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wireOK, "SET", "s", "x")
		c.Expect(wire.Int(1), "RPUSH", "l", "a")
		for _, key := range []string{"s", "l"} {
			for _, cmd := range [][]string{
				{"HSET", key, "f", "v"}, {"HSETNX", key, "f", "v"}, {"HMSET", key, "f", "v"},
				{"HGET", key, "f"}, {"HMGET", key, "f", "g"}, {"HDEL", key, "f"}, {"HEXISTS", key, "f"},
				{"HLEN", key}, {"HSTRLEN", key, "f"}, {"HKEYS", key}, {"HVALS", key}, {"HGETALL", key},
				{"HINCRBY", key, "f", "1"}, {"HINCRBYFLOAT", key, "f", "1.5"}, {"HSCAN", key, "0"},
				{"HSCAN", key, "0", "BOGUS"}, {"HRANDFIELD", key}, {"HRANDFIELD", key, "2"},
				{"HRANDFIELD", key, "-2", "WITHVALUES"},
			} {
				c.Expect(wireWrongType, cmd...)
			}
		}
		c.Expect(wire.Bulk("x"), "GET", "s")
		c.Expect(wire.Bulks("a"), "LRANGE", "l", "0", "-1")
	})
}

// TestHashKeyCommands covers the generic key commands on hashes.
func TestHashKeyCommands(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, clk := startClocked(t, b)
		c.Expect(wire.Int(2), "HSET", "h", "a", "1", "b", "2")
		c.Expect(wire.Simple("hash"), "TYPE", "h")
		c.Expect(wire.Int(1), "EXPIRE", "h", "10")
		c.Expect(wire.Int(10), "TTL", "h")
		c.Expect(wireOK, "RENAME", "h", "h2")
		c.Expect(wire.Bulk("1"), "HGET", "h2", "a")
		c.Expect(wire.Int(1), "COPY", "h2", "h3")
		c.Expect(wire.Int(1), "HSET", "h3", "c", "3")
		c.Expect(wire.Int(2), "HLEN", "h2")
		c.Expect(wire.Int(1), "MOVE", "h3", "1")
		c.Expect(wireOK, "SELECT", "1")
		c.Expect(wire.Int(3), "HLEN", "h3")
		c.Expect(wireOK, "SELECT", "0")
		c.Expect(wire.Bulks("h2"), "KEYS", "h*")
		c.Expect(wire.Array(wire.Bulk("0"), wire.Bulks("h2")), "SCAN", "0", "TYPE", "hash")
		clk.Advance(10 * time.Second)
		c.Expect(wireZero, "EXISTS", "h2")
		c.Expect(wireNull, "HGET", "h2", "a")
		c.Expect(wire.Int(1), "HSET", "h", "a", "1")
		c.Expect(wire.Int(1), "DEL", "h")
		c.Expect(wireZero, "HLEN", "h")
	})
}

// expectPairs checks a flat field/value array reply against want, in any
// order.
func expectPairs(t *testing.T, c *servertest.Conn, want map[string]string, args ...string) {
	t.Helper()
	elems := arrayElems(t, c.Do(args...))
	got := map[string]string{}
	for i := 0; i+1 < len(elems); i += 2 {
		got[elems[i]] = elems[i+1]
	}
	if len(elems) != 2*len(want) || len(got) != len(want) {
		t.Fatalf("%s = %v, want %v", servertest.Quote(args), elems, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s = %v, want %v", servertest.Quote(args), got, want)
		}
	}
}

// arrayElems parses a flat array reply of bulk strings.
func arrayElems(t *testing.T, raw string) []string {
	t.Helper()
	v := readReply(t, raw)
	if v.Kind != resp.Array {
		t.Fatalf("reply %q is not an array", raw)
	}
	out := make([]string, len(v.Array))
	for i, e := range v.Array {
		out[i] = string(e.Str)
	}
	return out
}

// bulkValue parses a bulk string reply.
func bulkValue(t *testing.T, raw string) string {
	t.Helper()
	return string(readReply(t, raw).Str)
}

// parseScanReply splits a SCAN-family reply into its cursor and elements.
func parseScanReply(t *testing.T, raw string) (string, []string) {
	t.Helper()
	v := readReply(t, raw)
	if v.Kind != resp.Array || len(v.Array) != 2 || v.Array[1].Kind != resp.Array {
		t.Fatalf("bad scan reply %q", raw)
	}
	elems := make([]string, len(v.Array[1].Array))
	for i, e := range v.Array[1].Array {
		elems[i] = string(e.Str)
	}
	return string(v.Array[0].Str), elems
}

// readReply parses one raw reply.
func readReply(t *testing.T, raw string) resp.Value {
	t.Helper()
	v, err := resp.ReadReply(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("parse reply %q: %v", raw, err)
	}
	return v
}
