package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// Transcript tests for the set family: every command and error path, with
// exact RESP replies, on every backend. Replies whose order a set does not
// define are compared sorted (their kind, array or set, included).

const (
	wireLimitNeg    = "-ERR LIMIT can't be negative\r\n"
	wireNumKeysArgs = "-ERR Number of keys can't be greater than number of args\r\n"
	wireOutOfRange  = "-ERR value is out of range\r\n"
)

func TestSetAddRem(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wire.Int(3), "SADD", "s", "a", "b", "a", "c")
		c.Expect(wire.Int(1), "SADD", "s", "c", "d")
		c.Expect(wireZero, "SADD", "s", "a")
		c.Expect(wireArity("sadd"), "SADD", "s")
		c.Expect(wire.Int(4), "SCARD", "s")
		c.Expect(wireZero, "SCARD", "nokey")
		c.Expect(wireArity("scard"), "SCARD", "s", "x")
		c.Expect(wire.Int(1), "SISMEMBER", "s", "a")
		c.Expect(wireZero, "SISMEMBER", "s", "zz")
		c.Expect(wireZero, "SISMEMBER", "nokey", "a")
		c.Expect(wireArity("sismember"), "SISMEMBER", "s")
		c.Expect(wire.Array(wire.Int(1), wireZero, wire.Int(1)), "SMISMEMBER", "s", "a", "zz", "d")
		c.Expect(wire.Array(wireZero, wireZero), "SMISMEMBER", "nokey", "a", "b")
		c.Expect(wireArity("smismember"), "SMISMEMBER", "s")
		expectUnordered(t, c, []string{"a", "b", "c", "d"}, "SMEMBERS", "s")
		c.Expect(wireEmptyArray, "SMEMBERS", "nokey")
		c.Expect(wireArity("smembers"), "SMEMBERS")
		c.Expect(wire.Int(2), "SREM", "s", "a", "zz", "b", "a")
		c.Expect(wireZero, "SREM", "s", "zz")
		c.Expect(wireZero, "SREM", "nokey", "a")
		c.Expect(wireArity("srem"), "SREM", "s")
		expectUnordered(t, c, []string{"c", "d"}, "SMEMBERS", "s")
		// Removing the last member deletes the key.
		c.Expect(wire.Int(2), "SREM", "s", "c", "d")
		c.Expect(wireZero, "EXISTS", "s")
		c.Expect(wire.Simple("none"), "TYPE", "s")
		// The empty member and binary members.
		c.Expect(wire.Int(2), "SADD", "e", "", "\x00\xff")
		c.Expect(wire.Int(1), "SISMEMBER", "e", "")
		c.Expect(wire.Int(1), "SISMEMBER", "e", "\x00\xff")
		c.Expect(wire.Simple("set"), "TYPE", "e")
	})
}

func TestSetMove(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wireOK, "SET", "str", "x")
		c.Expect(wire.Int(2), "SADD", "src", "a", "b")
		c.Expect(wireZero, "SMOVE", "nokey", "dst", "a")
		c.Expect(wireZero, "SMOVE", "nokey", "str", "a") // a missing source answers first
		c.Expect(wireWrongType, "SMOVE", "src", "str", "a")
		c.Expect(wireWrongType, "SMOVE", "str", "src", "a")
		c.Expect(wire.Int(1), "SMOVE", "src", "src", "a") // same key: membership
		c.Expect(wireZero, "SMOVE", "src", "src", "zz")
		c.Expect(wireZero, "SMOVE", "src", "dst", "zz")
		c.Expect(wireZero, "EXISTS", "dst")
		c.Expect(wire.Int(1), "SMOVE", "src", "dst", "a")
		c.Expect(wire.Bulks("a"), "SMEMBERS", "dst")
		c.Expect(wire.Bulks("b"), "SMEMBERS", "src")
		c.Expect(wire.Int(1), "SADD", "dst", "b")
		c.Expect(wire.Int(1), "SMOVE", "src", "dst", "b") // already there: still 1
		c.Expect(wireZero, "EXISTS", "src")
		expectUnordered(t, c, []string{"a", "b"}, "SMEMBERS", "dst")
		c.Expect(wireArity("smove"), "SMOVE", "src", "dst")
	})
}

func TestSetRandMemberPop(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		longRange := wire.Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
		c.Expect(wireOK, "SET", "str", "x")
		c.Expect(wireNull, "SRANDMEMBER", "nokey")
		c.Expect(wireEmptyArray, "SRANDMEMBER", "nokey", "5")
		c.Expect(wireEmptyArray, "SRANDMEMBER", "nokey", "-5")
		c.Expect(wireNotInt, "SRANDMEMBER", "nokey", "x")
		c.Expect(longRange, "SRANDMEMBER", "nokey", "-9223372036854775808")
		c.Expect(wireSyntax, "SRANDMEMBER", "nokey", "1", "2")
		c.Expect(wireWrongType, "SRANDMEMBER", "str")
		c.Expect(wireWrongType, "SRANDMEMBER", "str", "0")
		c.Expect(wireNull, "SPOP", "nokey")
		c.Expect(wireEmptyArray, "SPOP", "nokey", "2")
		c.Expect(wireEmptyArray, "SPOP", "nokey", "0")
		c.Expect(wireCountPos, "SPOP", "nokey", "-1")
		c.Expect(wireCountPos, "SPOP", "nokey", "x")
		c.Expect(wireSyntax, "SPOP", "nokey", "1", "2")
		c.Expect(wireWrongType, "SPOP", "str")
		c.Expect(wireWrongType, "SPOP", "str", "0")
		c.Expect(wireArity("spop"), "SPOP")
		c.Expect(wireArity("srandmember"), "SRANDMEMBER")

		members := []string{"a", "b", "c", "d", "e"}
		c.Expect(wire.Int(5), append([]string{"SADD", "s"}, members...)...)
		c.Expect(wireEmptyArray, "SRANDMEMBER", "s", "0")
		c.Expect(wireOutOfRange, "SRANDMEMBER", "s", "-100000000") // redpool's bound, as HRANDFIELD's
		expectUnordered(t, c, members, "SRANDMEMBER", "s", "5")
		expectUnordered(t, c, members, "SRANDMEMBER", "s", "50")
		for _, count := range []int{1, 2, 3, 4} {
			for range 20 {
				got := arrayElems(t, c.Do("SRANDMEMBER", "s", strconv.Itoa(count)))
				if len(got) != count || !distinctOf(got, members) {
					t.Fatalf("SRANDMEMBER s %d = %q", count, got)
				}
			}
		}
		// A negative count: |count| picks, repeats allowed, each member
		// about as often (100,000 picks of 5: 20,000 ± 126 each).
		counts := map[string]int{}
		for _, m := range arrayElems(t, c.Do("SRANDMEMBER", "s", "-100000")) {
			counts[m]++
		}
		for _, m := range members {
			if counts[m] < 18_000 || counts[m] > 22_000 {
				t.Fatalf("SRANDMEMBER s -100000 counts %v", counts)
			}
		}
		c.Expect(wire.Int(1), "SADD", "one", "x")
		c.Expect(wire.Bulks("x", "x", "x"), "SRANDMEMBER", "one", "-3")
		c.Expect(wire.Bulk("x"), "SRANDMEMBER", "one")
		c.Expect(wire.Bulks("x"), "SRANDMEMBER", "one", "1")

		// SPOP: each member exactly once, then the key is gone.
		c.Expect(wireEmptyArray, "SPOP", "s", "0")
		seen := map[string]int{}
		seen[bulkValue(t, c.Do("SPOP", "s"))]++
		for _, m := range arrayElems(t, c.Do("SPOP", "s", "2")) {
			seen[m]++
		}
		c.Expect(wire.Int(2), "SCARD", "s")
		for _, m := range arrayElems(t, c.Do("SPOP", "s", "10")) {
			seen[m]++
		}
		if len(seen) != 5 || !distinctOf(mapKeys(seen), members) {
			t.Fatalf("SPOP returned %v", seen)
		}
		for m, n := range seen {
			if n != 1 {
				t.Fatalf("SPOP returned %q %d times", m, n)
			}
		}
		c.Expect(wireZero, "EXISTS", "s")
		c.Expect(wire.Int(1), "SADD", "one", "y")
		c.Expect(wire.Int(1), "SREM", "one", "y")
		c.Expect(wire.Bulk("x"), "SPOP", "one")
		c.Expect(wireZero, "EXISTS", "one")

		// The first member SPOP takes is uniform: 3,000 pops from a fresh
		// set of 6 give each 500 ± 20; the bound is seven deviations.
		first := map[string]int{}
		for range 3000 {
			c.Expect(wire.Int(6), "SADD", "u", "0", "1", "2", "3", "4", "5")
			first[bulkValue(t, c.Do("SPOP", "u"))]++
			c.Expect(wire.Int(1), "DEL", "u")
		}
		for i := range 6 {
			if n := first[strconv.Itoa(i)]; n < 350 || n > 650 {
				t.Fatalf("SPOP took %v", first)
			}
		}
	})
}

// distinctOf reports whether got has no repeats and only members of all.
func distinctOf(got, all []string) bool {
	seen := map[string]bool{}
	for _, m := range got {
		if seen[m] || !strings.Contains(" "+strings.Join(all, " ")+" ", " "+m+" ") {
			return false
		}
		seen[m] = true
	}
	return true
}

func mapKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSetAlgebra(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, clk := startClocked(t, b)
		c.Expect(wireOK, "SET", "str", "x")
		c.Expect(wire.Int(4), "SADD", "a", "1", "2", "3", "4")
		c.Expect(wire.Int(3), "SADD", "b", "3", "4", "5")
		c.Expect(wire.Int(2), "SADD", "c", "4", "6")
		c.Expect(wire.Bulks("4"), "SINTER", "a", "b", "c")
		expectUnordered(t, c, []string{"3", "4"}, "SINTER", "a", "b")
		expectUnordered(t, c, []string{"1", "2", "3", "4"}, "SINTER", "a")
		c.Expect(wireEmptyArray, "SINTER", "a", "nokey")
		c.Expect(wireWrongType, "SINTER", "nokey", "str") // every key is checked
		c.Expect(wireWrongType, "SINTER", "a", "str")
		c.Expect(wireArity("sinter"), "SINTER")
		expectUnordered(t, c, []string{"1", "2", "3", "4", "5", "6"}, "SUNION", "a", "b", "c", "nokey")
		c.Expect(wireEmptyArray, "SUNION", "nokey")
		c.Expect(wireWrongType, "SUNION", "nokey", "str")
		expectUnordered(t, c, []string{"1", "2"}, "SDIFF", "a", "b", "c")
		expectUnordered(t, c, []string{"1", "2", "3", "4"}, "SDIFF", "a", "nokey")
		c.Expect(wireEmptyArray, "SDIFF", "nokey", "a")
		c.Expect(wireEmptyArray, "SDIFF", "a", "a")
		c.Expect(wireWrongType, "SDIFF", "nokey", "str")

		c.Expect(wire.Int(2), "SINTERSTORE", "d", "a", "b")
		expectUnordered(t, c, []string{"3", "4"}, "SMEMBERS", "d")
		c.Expect(wire.Int(6), "SUNIONSTORE", "d", "a", "b", "c")
		c.Expect(wire.Int(6), "SCARD", "d")
		c.Expect(wire.Int(2), "SDIFFSTORE", "d", "a", "b", "c")
		expectUnordered(t, c, []string{"1", "2"}, "SMEMBERS", "d")
		c.Expect(wire.Int(2), "SDIFFSTORE", "a", "a", "b") // the destination among the sources
		expectUnordered(t, c, []string{"1", "2"}, "SMEMBERS", "a")
		// A string or a TTL at the destination is replaced.
		c.Expect(wire.Int(1), "SINTERSTORE", "str", "c", "c", "b")
		c.Expect(wire.Simple("set"), "TYPE", "str")
		c.Expect(wire.Int(1), "EXPIRE", "d", "100")
		c.Expect(wire.Int(3), "SUNIONSTORE", "d", "b")
		c.Expect(wire.Int(-1), "TTL", "d")
		// An empty result deletes the destination.
		c.Expect(wireZero, "SINTERSTORE", "d", "a", "nokey")
		c.Expect(wireZero, "EXISTS", "d")
		c.Expect(wireZero, "SINTERSTORE", "d", "a", "c")
		c.Expect(wireZero, "SDIFFSTORE", "d", "nokey")
		c.Expect(wireZero, "SUNIONSTORE", "d", "nokey")
		c.Expect(wireOK, "SET", "str2", "x")
		c.Expect(wireWrongType, "SINTERSTORE", "d", "str2")
		c.Expect(wireZero, "SINTERSTORE", "str2", "nokey")
		c.Expect(wireZero, "EXISTS", "str2")
		c.Expect(wireArity("sinterstore"), "SINTERSTORE", "d")
		c.Expect(wireArity("sunionstore"), "SUNIONSTORE", "d")
		c.Expect(wireArity("sdiffstore"), "SDIFFSTORE", "d")

		// SINTERCARD.
		c.Expect(wire.Int(3), "SADD", "x", "1", "2", "3")
		c.Expect(wire.Int(3), "SADD", "y", "1", "2", "3")
		c.Expect(wire.Int(3), "SINTERCARD", "2", "x", "y")
		c.Expect(wire.Int(2), "SINTERCARD", "2", "x", "y", "LIMIT", "2")
		c.Expect(wire.Int(3), "SINTERCARD", "2", "x", "y", "limit", "0")
		c.Expect(wire.Int(3), "SINTERCARD", "2", "x", "y", "LIMIT", "5")
		c.Expect(wire.Int(3), "SINTERCARD", "1", "x")
		c.Expect(wire.Int(1), "SINTERCARD", "1", "x", "LIMIT", "1", "LIMIT", "1")
		c.Expect(wireZero, "SINTERCARD", "2", "x", "nokey")
		c.Expect(wireLimitNeg, "SINTERCARD", "1", "x", "LIMIT", "-1")
		c.Expect(wireLimitNeg, "SINTERCARD", "1", "x", "LIMIT", "x")
		c.Expect(wireSyntax, "SINTERCARD", "1", "x", "LIMIT")
		c.Expect(wireSyntax, "SINTERCARD", "1", "x", "y")
		c.Expect(wireNumKeys, "SINTERCARD", "0", "x")
		c.Expect(wireNumKeys, "SINTERCARD", "x", "x")
		c.Expect(wireNumKeysArgs, "SINTERCARD", "3", "x", "y")
		c.Expect(wireOK, "SET", "str3", "x")
		c.Expect(wireWrongType, "SINTERCARD", "2", "nokey", "str3")
		c.Expect(wireArity("sintercard"), "SINTERCARD", "1")

		// Key commands and expiry on sets.
		c.Expect(wire.Int(1), "EXPIRE", "x", "10")
		c.Expect(wireOK, "RENAME", "x", "x2")
		c.Expect(wire.Int(1), "COPY", "x2", "x3")
		c.Expect(wire.Int(1), "MOVE", "x3", "1")
		c.Expect(wireOK, "SELECT", "1")
		c.Expect(wire.Int(3), "SCARD", "x3")
		c.Expect(wireOK, "SELECT", "0")
		c.Expect(wire.Array(wire.Bulk("0"), wire.Bulks("x2")), "SCAN", "0", "TYPE", "set", "MATCH", "x*")
		c.Expect(wire.Bulk("intset"), "OBJECT", "ENCODING", "x2")
		c.Expect(wire.Int(2), "SADD", "w", "1", "w")
		c.Expect(wire.Bulk("hashtable"), "OBJECT", "ENCODING", "w")
		clk.Advance(10 * time.Second)
		c.Expect(wireZero, "EXISTS", "x2")
		c.Expect(wireZero, "SCARD", "x2")
	})
}

func TestSetScan(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		emptyScan := wire.Array(wire.Bulk("0"), wireEmptyArray)
		c.Expect(emptyScan, "SSCAN", "nokey", "0")
		c.Expect(emptyScan, "SSCAN", "nokey", "0", "BOGUS") // options are read after the key
		c.Expect(wire.Err("ERR invalid cursor"), "SSCAN", "nokey", "x")
		c.Expect(wire.Int(3), "SADD", "s", "a", "b", "c")
		c.Expect(wireSyntax, "SSCAN", "s", "0", "COUNT", "0")
		c.Expect(wireNotInt, "SSCAN", "s", "0", "COUNT", "x")
		c.Expect(wireSyntax, "SSCAN", "s", "0", "BOGUS")
		c.Expect(wireSyntax, "SSCAN", "s", "0", "MATCH")
		c.Expect(wireSyntax, "SSCAN", "s", "0", "TYPE", "set")
		c.Expect(wireArity("sscan"), "SSCAN", "s")
		c.Expect(wire.Array(wire.Bulk("0"), wire.Bulks("b")), "SSCAN", "s", "0", "MATCH", "b")
		c.Expect(wire.Array(wire.Bulk("0"), wireEmptyArray), "SSCAN", "s", "0", "MATCH", "zz*")
		c.Expect(wireOK, "SET", "str", "x")
		c.Expect(wireWrongType, "SSCAN", "str", "0")

		// A large set in small steps: every member exactly once when
		// nothing changes; under churn, every member present throughout.
		const n = 500
		args := []string{"SADD", "big"}
		for i := range n {
			args = append(args, "m"+strconv.Itoa(i))
		}
		c.Expect(wire.Int(n), args...)
		for _, churn := range []bool{false, true} {
			seen := map[string]int{}
			cursor, calls := "0", 0
			for {
				next, elems := parseScanReply(t, c.Do("SSCAN", "big", cursor, "COUNT", "7"))
				calls++
				for _, m := range elems {
					seen[m]++
				}
				if churn {
					c.Expect(wire.Int(1), "SADD", "big", "churn"+strconv.Itoa(calls))
					if calls > 1 {
						c.Expect(wire.Int(1), "SREM", "big", "churn"+strconv.Itoa(calls-1))
					}
				}
				if cursor = next; cursor == "0" {
					break
				}
			}
			if calls < 2 {
				t.Fatalf("SSCAN took %d calls", calls)
			}
			for i := range n {
				m := "m" + strconv.Itoa(i)
				if seen[m] == 0 || (!churn && seen[m] != 1) {
					t.Fatalf("churn %v: member %s returned %d times", churn, m, seen[m])
				}
			}
		}
	})
}

// TestSetWrongType runs every set command against keys of other types.
func TestSetWrongType(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wireOK, "SET", "s", "x")
		c.Expect(wire.Int(1), "RPUSH", "l", "a")
		c.Expect(wire.Int(1), "HSET", "h", "f", "v")
		for _, key := range []string{"s", "l", "h"} {
			for _, cmd := range [][]string{
				{"SADD", key, "m"}, {"SREM", key, "m"}, {"SCARD", key}, {"SISMEMBER", key, "m"},
				{"SMISMEMBER", key, "m"}, {"SMEMBERS", key}, {"SRANDMEMBER", key}, {"SRANDMEMBER", key, "-2"},
				{"SPOP", key}, {"SPOP", key, "2"}, {"SMOVE", key, "d", "m"}, {"SINTER", key},
				{"SINTERCARD", "1", key}, {"SINTERSTORE", "d", key}, {"SUNION", key}, {"SUNIONSTORE", "d", key},
				{"SDIFF", key}, {"SDIFFSTORE", "d", key}, {"SSCAN", key, "0"},
			} {
				c.Expect(wireWrongType, cmd...)
			}
		}
		c.Expect(wireZero, "EXISTS", "d")
		c.Expect(wire.Bulk("x"), "GET", "s")
	})
}

// TestSetRESP3 checks the exact RESP3 bytes: SMEMBERS, SINTER, SUNION,
// SDIFF and SPOP with a count reply a set, SRANDMEMBER and SMISMEMBER an
// array, SSCAN arrays.
func TestSetRESP3(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		c := servertest.DialProto(t, s.Addr, 3)
		for _, step := range []struct {
			want string
			args string
		}{
			{":1\r\n", "SADD s a"},
			{"~1\r\n$1\r\na\r\n", "SMEMBERS s"},
			{"~0\r\n", "SMEMBERS nokey"},
			{"~1\r\n$1\r\na\r\n", "SINTER s"},
			{"~0\r\n", "SINTER s nokey"},
			{"~1\r\n$1\r\na\r\n", "SUNION s nokey"},
			{"~0\r\n", "SUNION nokey"},
			{"~1\r\n$1\r\na\r\n", "SDIFF s nokey"},
			{"~0\r\n", "SDIFF nokey s"},
			{"*2\r\n:1\r\n:0\r\n", "SMISMEMBER s a b"},
			{":1\r\n", "SISMEMBER s a"},
			{"$1\r\na\r\n", "SRANDMEMBER s"},
			{"_\r\n", "SRANDMEMBER nokey"},
			{"*1\r\n$1\r\na\r\n", "SRANDMEMBER s 5"},
			{"*2\r\n$1\r\na\r\n$1\r\na\r\n", "SRANDMEMBER s -2"},
			{"*0\r\n", "SRANDMEMBER nokey 5"},
			{"*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n", "SSCAN s 0"},
			{"~0\r\n", "SPOP nokey 2"},
			{"~0\r\n", "SPOP s 0"},
			{"_\r\n", "SPOP nokey"},
			{"~1\r\n$1\r\na\r\n", "SPOP s 3"},
			{":1\r\n", "SADD s b"},
			{"$1\r\nb\r\n", "SPOP s"},
			{":1\r\n", "SADD s c"},
			{"~1\r\n$1\r\nc\r\n", "SPOP s 1"},
		} {
			c.Expect(step.want, strings.Fields(step.args)...)
		}
		c.Expect(":3\r\n", "SADD", "t", "x", "y", "z")
		for _, cmd := range [][]string{{"SMEMBERS", "t"}, {"SINTER", "t", "t"}, {"SUNION", "t"}, {"SDIFF", "t", "nokey"}} {
			if got, want := servertest.SortedElements(c.Do(cmd...)), "Set:\"x\"|\"y\"|\"z\""; got != want {
				t.Errorf("%v = %s, want %s", cmd, got, want)
			}
		}
		if got, want := servertest.SortedElements(c.Do("SRANDMEMBER", "t", "3")), "Array:\"x\"|\"y\"|\"z\""; got != want {
			t.Errorf("SRANDMEMBER t 3 = %s, want %s", got, want)
		}
		if got, want := servertest.SortedElements(c.Do("SPOP", "t", "3")), "Set:\"x\"|\"y\"|\"z\""; got != want {
			t.Errorf("SPOP t 3 = %s, want %s", got, want)
		}
	})
}
