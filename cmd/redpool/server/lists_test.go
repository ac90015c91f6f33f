package server_test

import (
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// Transcript tests for the list family: every command and error path, with
// exact RESP replies, on every backend.

const (
	wireZero         = ":0\r\n"
	wireEmptyArray   = "*0\r\n"
	wireCountPos     = "-ERR value is out of range, must be positive\r\n"
	wireNumKeys      = "-ERR numkeys should be greater than 0\r\n"
	wireCountGT0     = "-ERR count should be greater than 0\r\n"
	wireNoSuchKey    = "-ERR no such key\r\n"
	wireIndexRange   = "-ERR index out of range\r\n"
	wireTimeoutFloat = "-ERR timeout is not a float or out of range\r\n"
	wireTimeoutNeg   = "-ERR timeout is negative\r\n"
)

func wireArity(cmd string) string {
	return wire.Err("ERR wrong number of arguments for '" + cmd + "' command")
}

func TestListPushPop(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wire.Int(1), "LPUSH", "l", "a")
		c.Expect(wire.Int(3), "LPUSH", "l", "b", "c")
		c.Expect(wire.Int(5), "RPUSH", "l", "d", "e")
		c.Expect(wire.Bulks("c", "b", "a", "d", "e"), "LRANGE", "l", "0", "-1")
		c.Expect(wire.Int(6), "LPUSHX", "l", "x")
		c.Expect(wire.Int(8), "RPUSHX", "l", "y", "z")
		c.Expect(wireZero, "LPUSHX", "nokey", "a")
		c.Expect(wireZero, "RPUSHX", "nokey", "a", "b")
		c.Expect(wireZero, "EXISTS", "nokey")
		c.Expect(wire.Bulk("x"), "LPOP", "l")
		c.Expect(wire.Bulk("z"), "RPOP", "l")
		c.Expect(wire.Bulks("c", "b"), "LPOP", "l", "2")
		c.Expect(wire.Bulks("y", "e"), "RPOP", "l", "2")
		c.Expect(wireEmptyArray, "LPOP", "l", "0")
		c.Expect(wireEmptyArray, "RPOP", "l", "0")
		c.Expect(wire.Bulks("a", "d"), "LPOP", "l", "100")
		// Popping the last element deleted the key.
		c.Expect(wireZero, "EXISTS", "l")
		c.Expect(wire.Simple("none"), "TYPE", "l")
		c.Expect(wireNull, "LPOP", "l")
		c.Expect(wireNull, "RPOP", "l")
		c.Expect(wireNullArray, "LPOP", "l", "0")
		c.Expect(wireNullArray, "RPOP", "l", "3")
		c.Expect(wireCountPos, "LPOP", "l", "-1")
		c.Expect(wireCountPos, "RPOP", "l", "x")
		c.Expect(wireArity("lpop"), "LPOP", "l", "1", "2")
		c.Expect(wireArity("rpop"), "RPOP")
		c.Expect(wireArity("lpush"), "LPUSH", "l")
		c.Expect(wireArity("rpushx"), "RPUSHX", "l")
		c.Expect(wire.Int(1), "RPUSH", "l", "")
		c.Expect(wireEmpty, "LPOP", "l")
		c.Expect(wire.Int(1), "RPUSH", "l", "only")
		c.Expect(wire.Bulk("only"), "RPOP", "l")
		c.Expect(wire.Simple("none"), "TYPE", "l")
	})
}

func TestListReads(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wire.Int(6), "RPUSH", "l", "a", "b", "c", "d", "e", "f")
		c.Expect(wire.Int(6), "LLEN", "l")
		c.Expect(wireZero, "LLEN", "nokey")
		c.Expect(wire.Bulks("b", "c", "d"), "LRANGE", "l", "1", "3")
		c.Expect(wire.Bulks("d", "e", "f"), "LRANGE", "l", "-3", "-1")
		c.Expect(wire.Bulks("a", "b", "c", "d", "e", "f"), "LRANGE", "l", "-100", "100")
		c.Expect(wire.Bulks("f"), "LRANGE", "l", "5", "10")
		c.Expect(wireEmptyArray, "LRANGE", "l", "6", "10")
		c.Expect(wireEmptyArray, "LRANGE", "l", "3", "1")
		c.Expect(wireEmptyArray, "LRANGE", "nokey", "0", "-1")
		c.Expect(wireNotInt, "LRANGE", "l", "x", "1")
		c.Expect(wireNotInt, "LRANGE", "nokey", "0", "1.5")
		c.Expect(wire.Bulks("a", "b", "c", "d", "e", "f"), "LGET", "l")
		c.Expect(wireEmptyArray, "LGET", "nokey")
		c.Expect(wireArity("lget"), "LGET")
		c.Expect(wire.Bulk("a"), "LINDEX", "l", "0")
		c.Expect(wire.Bulk("f"), "LINDEX", "l", "-1")
		c.Expect(wire.Bulk("a"), "LINDEX", "l", "-6")
		c.Expect(wireNull, "LINDEX", "l", "6")
		c.Expect(wireNull, "LINDEX", "l", "-7")
		c.Expect(wireNotInt, "LINDEX", "l", "x")
		c.Expect(wireNull, "LINDEX", "nokey", "x") // the key is looked up first
		c.Expect(wireNull, "LINDEX", "nokey", "0")
		c.Expect(wireArity("lindex"), "LINDEX", "l")
		c.Expect(wireArity("lrange"), "LRANGE", "l", "0")
		c.Expect(wireArity("llen"), "LLEN", "l", "l")
	})
}

func TestListChanges(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wire.Int(3), "RPUSH", "l", "a", "b", "c")
		c.Expect(wireOK, "LSET", "l", "0", "A")
		c.Expect(wireOK, "LSET", "l", "-1", "C")
		c.Expect(wire.Bulks("A", "b", "C"), "LRANGE", "l", "0", "-1")
		c.Expect(wireIndexRange, "LSET", "l", "3", "x")
		c.Expect(wireIndexRange, "LSET", "l", "-4", "x")
		c.Expect(wireNotInt, "LSET", "l", "x", "v")
		c.Expect(wireNoSuchKey, "LSET", "nokey", "0", "v")
		c.Expect(wireNoSuchKey, "LSET", "nokey", "x", "v")
		c.Expect(wireArity("lset"), "LSET", "l", "0")

		c.Expect(wire.Int(1), "DEL", "l")
		c.Expect(wire.Int(7), "RPUSH", "l", "a", "b", "a", "c", "a", "b", "a")
		c.Expect(wire.Int(1), "LREM", "l", "1", "a")
		c.Expect(wire.Bulks("b", "a", "c", "a", "b", "a"), "LRANGE", "l", "0", "-1")
		c.Expect(wire.Int(1), "LREM", "l", "-1", "a")
		c.Expect(wire.Bulks("b", "a", "c", "a", "b"), "LRANGE", "l", "0", "-1")
		c.Expect(wire.Int(2), "LREM", "l", "0", "a")
		c.Expect(wire.Bulks("b", "c", "b"), "LRANGE", "l", "0", "-1")
		c.Expect(wireZero, "LREM", "l", "0", "zz")
		c.Expect(wireZero, "LREM", "nokey", "0", "a")
		c.Expect(wireNotInt, "LREM", "l", "x", "a")
		c.Expect(wire.Int(2), "LREM", "l", "5", "b")
		c.Expect(wire.Int(1), "LREM", "l", "1", "c")
		c.Expect(wireZero, "EXISTS", "l")

		c.Expect(wire.Int(9), "RPUSH", "l", "1", "2", "3", "4", "5", "6", "7", "8", "9")
		c.Expect(wireOK, "LTRIM", "l", "1", "-2")
		c.Expect(wire.Bulks("2", "3", "4", "5", "6", "7", "8"), "LRANGE", "l", "0", "-1")
		c.Expect(wireOK, "LTRIM", "l", "-3", "-1")
		c.Expect(wire.Bulks("6", "7", "8"), "LRANGE", "l", "0", "-1")
		c.Expect(wireOK, "LTRIM", "l", "0", "100")
		c.Expect(wire.Int(3), "LLEN", "l")
		c.Expect(wireNotInt, "LTRIM", "l", "x", "1")
		c.Expect(wireNotInt, "LTRIM", "l", "0", "y")
		c.Expect(wireOK, "LTRIM", "l", "2", "1")
		c.Expect(wireZero, "EXISTS", "l")
		c.Expect(wireOK, "LTRIM", "nokey", "0", "1")

		c.Expect(wire.Int(3), "RPUSH", "l", "a", "b", "c")
		c.Expect(wire.Int(4), "LINSERT", "l", "BEFORE", "b", "x")
		c.Expect(wire.Int(5), "LINSERT", "l", "after", "c", "y")
		c.Expect(wire.Bulks("a", "x", "b", "c", "y"), "LRANGE", "l", "0", "-1")
		c.Expect(wire.Int(-1), "LINSERT", "l", "AFTER", "zz", "q")
		c.Expect(wireSyntax, "LINSERT", "l", "middle", "a", "q")
		c.Expect(wireZero, "LINSERT", "nokey", "before", "a", "b")
		c.Expect(wireSyntax, "LINSERT", "nokey", "middle", "a", "b")
		c.Expect(wireZero, "EXISTS", "nokey")
		c.Expect(wireArity("linsert"), "LINSERT", "l", "before", "a")
	})
}

func TestListPos(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wire.Int(8), "RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c")
		c.Expect(wire.Int(2), "LPOS", "l", "c")
		c.Expect(wire.Int(6), "LPOS", "l", "c", "RANK", "2")
		c.Expect(wire.Int(7), "LPOS", "l", "c", "RANK", "-1")
		c.Expect(wire.Int(6), "LPOS", "l", "c", "RANK", "-2")
		c.Expect(wireNull, "LPOS", "l", "c", "RANK", "4")
		c.Expect(wire.Array(wire.Int(2), wire.Int(6), wire.Int(7)), "LPOS", "l", "c", "COUNT", "0")
		c.Expect(wire.Array(wire.Int(2), wire.Int(6)), "LPOS", "l", "c", "COUNT", "2")
		c.Expect(wire.Array(wire.Int(7), wire.Int(6), wire.Int(2)), "LPOS", "l", "c", "COUNT", "0", "RANK", "-1")
		c.Expect(wire.Array(wire.Int(6), wire.Int(7)), "LPOS", "l", "c", "COUNT", "2", "RANK", "2")
		c.Expect(wire.Array(wire.Int(2)), "LPOS", "l", "c", "COUNT", "0", "MAXLEN", "3")
		c.Expect(wireNull, "LPOS", "l", "c", "MAXLEN", "2")
		c.Expect(wire.Int(7), "LPOS", "l", "c", "RANK", "-1", "MAXLEN", "1")
		c.Expect(wireNull, "LPOS", "l", "zz")
		c.Expect(wireEmptyArray, "LPOS", "l", "zz", "COUNT", "1")
		c.Expect(wireNull, "LPOS", "nokey", "a")
		c.Expect(wireEmptyArray, "LPOS", "nokey", "a", "COUNT", "0")
		c.Expect(wire.Int(0), "LPOS", "l", "a", "RANK", "-9223372036854775808")
		c.Expect(wire.Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"), "LPOS", "l", "c", "RANK", "0")
		c.Expect(wireNotInt, "LPOS", "l", "c", "RANK", "x")
		c.Expect(wire.Err("ERR COUNT can't be negative"), "LPOS", "l", "c", "COUNT", "-1")
		c.Expect(wire.Err("ERR COUNT can't be negative"), "LPOS", "l", "c", "COUNT", "x")
		c.Expect(wire.Err("ERR MAXLEN can't be negative"), "LPOS", "l", "c", "MAXLEN", "-1")
		c.Expect(wireSyntax, "LPOS", "l", "c", "BOGUS")
		c.Expect(wireSyntax, "LPOS", "l", "c", "COUNT")
		c.Expect(wireArity("lpos"), "LPOS", "l")
	})
}

func TestListMoves(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, clk := startClocked(t, b)
		c.Expect(wire.Int(3), "RPUSH", "src", "a", "b", "c")
		c.Expect(wire.Bulk("a"), "LMOVE", "src", "dst", "LEFT", "RIGHT")
		c.Expect(wire.Bulk("c"), "LMOVE", "src", "dst", "right", "left")
		c.Expect(wire.Bulks("c", "a"), "LRANGE", "dst", "0", "-1")
		c.Expect(wire.Bulk("b"), "RPOPLPUSH", "src", "dst")
		c.Expect(wireZero, "EXISTS", "src")
		c.Expect(wire.Bulks("b", "c", "a"), "LRANGE", "dst", "0", "-1")
		c.Expect(wireNull, "LMOVE", "nokey", "dst", "LEFT", "RIGHT")
		c.Expect(wireNull, "RPOPLPUSH", "nokey", "dst")
		c.Expect(wireSyntax, "LMOVE", "dst", "dst", "MIDDLE", "RIGHT")
		c.Expect(wireSyntax, "LMOVE", "nokey", "dst", "LEFT", "UP")
		// Rotation.
		c.Expect(wire.Bulk("b"), "LMOVE", "dst", "dst", "LEFT", "RIGHT")
		c.Expect(wire.Bulks("c", "a", "b"), "LRANGE", "dst", "0", "-1")
		c.Expect(wire.Bulk("b"), "RPOPLPUSH", "dst", "dst")
		c.Expect(wire.Bulks("b", "c", "a"), "LRANGE", "dst", "0", "-1")
		// A one-element rotation keeps the key and its TTL.
		c.Expect(wire.Int(1), "RPUSH", "one", "x")
		c.Expect(wire.Int(1), "EXPIRE", "one", "100")
		c.Expect(wire.Bulk("x"), "LMOVE", "one", "one", "LEFT", "RIGHT")
		c.Expect(wire.Int(100), "TTL", "one")
		clk.Advance(100 * time.Second)
		c.Expect(wireZero, "EXISTS", "one")
		c.Expect(wireArity("lmove"), "LMOVE", "a", "b", "LEFT")
		c.Expect(wireArity("rpoplpush"), "RPOPLPUSH", "a")
	})
}

func TestListMpop(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		keyed := func(key string, elems ...string) string { return wire.Array(wire.Bulk(key), wire.Bulks(elems...)) }
		c.Expect(wire.Int(5), "RPUSH", "l", "a", "b", "c", "d", "e")
		c.Expect(keyed("l", "a"), "LMPOP", "1", "l", "LEFT")
		c.Expect(keyed("l", "e"), "LMPOP", "1", "l", "RIGHT")
		c.Expect(keyed("l", "b", "c"), "LMPOP", "1", "l", "left", "COUNT", "2")
		c.Expect(keyed("l", "d"), "LMPOP", "2", "nokey", "l", "LEFT", "count", "10")
		c.Expect(wireZero, "EXISTS", "l")
		c.Expect(wireNullArray, "LMPOP", "2", "nokey", "l", "LEFT")
		c.Expect(wireNumKeys, "LMPOP", "0", "l", "LEFT")
		c.Expect(wireNumKeys, "LMPOP", "x", "l", "LEFT")
		c.Expect(wireSyntax, "LMPOP", "2", "l", "LEFT")
		c.Expect(wireSyntax, "LMPOP", "1", "l", "MIDDLE")
		c.Expect(wireSyntax, "LMPOP", "9223372036854775807", "l", "LEFT")
		c.Expect(wireCountGT0, "LMPOP", "1", "l", "LEFT", "COUNT", "0")
		c.Expect(wireCountGT0, "LMPOP", "1", "l", "LEFT", "COUNT", "x")
		c.Expect(wireSyntax, "LMPOP", "1", "l", "LEFT", "COUNT")
		c.Expect(wireSyntax, "LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1")
		c.Expect(wireSyntax, "LMPOP", "1", "l", "LEFT", "5")
		c.Expect(wireArity("lmpop"), "LMPOP", "1", "l")
	})
}

// TestListWrongType runs every list command against a key of another type.
func TestListWrongType(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wireOK, "SET", "s", "x")
		c.Expect(wire.Int(1), "HSET", "h", "f", "v")
		c.Expect(wire.Int(1), "RPUSH", "l", "a")
		for _, key := range []string{"s", "h"} {
			for _, cmd := range [][]string{
				{"LPUSH", key, "a"}, {"RPUSH", key, "a"}, {"LPUSHX", key, "a"}, {"RPUSHX", key, "a"},
				{"LPOP", key}, {"RPOP", key}, {"LPOP", key, "0"}, {"RPOP", key, "2"},
				{"LLEN", key}, {"LRANGE", key, "0", "-1"}, {"LGET", key}, {"LINDEX", key, "0"},
				{"LINDEX", key, "x"}, {"LSET", key, "0", "v"}, {"LSET", key, "x", "v"},
				{"LREM", key, "0", "a"}, {"LTRIM", key, "0", "1"}, {"LINSERT", key, "BEFORE", "a", "b"},
				{"LPOS", key, "a"}, {"LPOS", key, "a", "COUNT", "0"},
				{"LMOVE", key, "l", "LEFT", "RIGHT"}, {"LMOVE", "l", key, "LEFT", "RIGHT"},
				{"RPOPLPUSH", key, "l"}, {"RPOPLPUSH", "l", key},
				{"LMPOP", "1", key, "LEFT"}, {"LMPOP", "2", "nokey", key, "LEFT"},
				{"BLPOP", key, "0"}, {"BRPOP", "nokey", key, "0"}, {"BLMPOP", "0", "1", key, "LEFT"},
				{"BLMOVE", key, "l", "LEFT", "RIGHT", "0"}, {"BLMOVE", "l", key, "LEFT", "RIGHT", "0"},
				{"BRPOPLPUSH", key, "l", "0"}, {"BRPOPLPUSH", "l", key, "0"},
			} {
				c.Expect(wireWrongType, cmd...)
			}
		}
		// Nothing changed.
		c.Expect(wire.Bulks("a"), "LRANGE", "l", "0", "-1")
		c.Expect(wire.Bulk("x"), "GET", "s")
		c.Expect(wire.Bulks("f", "v"), "HGETALL", "h")
	})
}

// TestListKeyCommands covers the generic key commands on lists.
func TestListKeyCommands(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, clk := startClocked(t, b)
		c.Expect(wire.Int(3), "RPUSH", "l", "a", "b", "c")
		c.Expect(wire.Simple("list"), "TYPE", "l")
		c.Expect(wire.Int(1), "EXPIRE", "l", "10")
		c.Expect(wire.Int(10), "TTL", "l")
		c.Expect(wireOK, "RENAME", "l", "l2")
		c.Expect(wire.Bulks("a", "b", "c"), "LRANGE", "l2", "0", "-1")
		c.Expect(wire.Int(1), "COPY", "l2", "l3")
		c.Expect(wire.Int(4), "LPUSH", "l3", "z")
		c.Expect(wire.Int(3), "LLEN", "l2")
		c.Expect(wire.Int(1), "MOVE", "l3", "1")
		c.Expect(wireOK, "SELECT", "1")
		c.Expect(wire.Bulks("z", "a", "b", "c"), "LRANGE", "l3", "0", "-1")
		c.Expect(wireOK, "SELECT", "0")
		c.Expect(wire.Bulks("l2"), "KEYS", "l*")
		c.Expect(wire.Array(wire.Bulk("0"), wire.Bulks("l2")), "SCAN", "0", "TYPE", "list")
		c.Expect(wire.Array(wire.Bulk("0"), wire.Bulks()), "SCAN", "0", "TYPE", "hash")
		clk.Advance(10 * time.Second)
		c.Expect(wireZero, "EXISTS", "l2")
		c.Expect(wireEmptyArray, "LRANGE", "l2", "0", "-1")
		c.Expect(wire.Int(1), "RPUSH", "l", "a")
		c.Expect(wire.Int(1), "DEL", "l")
		c.Expect(wireZero, "LLEN", "l")
	})
}

// TestListLong pushes and reads a long list at both ends.
func TestListLong(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		const n = 10000
		args := []string{"RPUSH", "l"}
		for i := range n {
			args = append(args, strings.Repeat("x", i%7))
		}
		c.Expect(wire.Int(n), args...)
		c.Expect(wire.Bulk("xxxxxx"), "LINDEX", "l", "6")
		c.Expect(wire.Bulk(strings.Repeat("x", (n-1)%7)), "LINDEX", "l", "-1")
		c.Expect(wireOK, "LSET", "l", "-2", "near-end")
		c.Expect(wire.Bulk("near-end"), "LINDEX", "l", "-2")
		c.Expect(wire.Int(n-2), "LPOS", "l", "near-end", "RANK", "-1")
		c.Expect(wire.Int(n-2), "LPOS", "l", "near-end")
	})
}
