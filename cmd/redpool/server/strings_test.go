package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// Transcript tests for the string family: exact RESP bytes, every backend,
// the injected clock for every TTL.

func TestStringSetOptions(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, clk := startClocked(t, b)
		c.Expect(wireOK, "SET", "k", "v")
		c.Expect(wire.Bulk("v"), "GET", "k")
		c.Expect(wireNull, "GET", "missing")

		// NX and XX.
		c.Expect(wireNull, "SET", "k", "x", "NX")
		c.Expect(wireNull, "SET", "nk", "x", "XX")
		c.Expect(wire.Int(0), "EXISTS", "nk")
		c.Expect(wireOK, "SET", "nk", "x", "nx")
		c.Expect(wireOK, "SET", "k", "v2", "XX")
		c.Expect(wire.Bulk("v2"), "GET", "k")

		// GET returns the old value, with or without NX/XX aborting.
		c.Expect(wire.Bulk("v2"), "SET", "k", "v3", "GET")
		c.Expect(wireNull, "SET", "fresh", "f", "GET")
		c.Expect(wire.Bulk("f"), "GET", "fresh")
		c.Expect(wire.Bulk("v3"), "SET", "k", "ignored", "NX", "GET")
		c.Expect(wire.Bulk("v3"), "GET", "k")
		c.Expect(wireNull, "SET", "nope", "x", "XX", "GET")
		c.Expect(wire.Int(0), "EXISTS", "nope")

		// Relative and absolute expiry, each logged as PXAT.
		c.Expect(wireOK, "SET", "k", "v", "EX", "10")
		c.Expect(wire.Int(10), "TTL", "k")
		c.Expect(wire.Int(10000), "PTTL", "k")
		c.Expect(wireOK, "SET", "k", "v", "PX", "1500")
		c.Expect(wire.Int(1500), "PTTL", "k")
		c.Expect(wire.Int(2), "TTL", "k") // rounded
		c.Expect(wireOK, "SET", "k", "v", "EXAT", atSecs(100*time.Second))
		c.Expect(wire.Int(100), "TTL", "k")
		c.Expect(wireOK, "SET", "k", "v", "PXAT", atMs(5*time.Second+time.Millisecond))
		c.Expect(wire.Int(5001), "PTTL", "k")
		c.Expect(wire.Int(clockStart.Add(5*time.Second+time.Millisecond).UnixMilli()), "PEXPIRETIME", "k")

		// KEEPTTL keeps it; a plain SET clears it.
		c.Expect(wireOK, "SET", "k", "w", "KEEPTTL")
		c.Expect(wire.Int(5001), "PTTL", "k")
		c.Expect(wire.Bulk("w"), "GET", "k")
		c.Expect(wireOK, "SET", "k", "w")
		c.Expect(wire.Int(-1), "TTL", "k")

		// The key expires exactly at its time.
		c.Expect(wireOK, "SET", "k", "v", "PX", "100")
		clk.Advance(99 * time.Millisecond)
		c.Expect(wire.Bulk("v"), "GET", "k")
		clk.Advance(time.Millisecond)
		c.Expect(wireNull, "GET", "k")
		c.Expect(wire.Int(-2), "TTL", "k")

		// An absolute time in the past stores nothing.
		c.Expect(wireOK, "SET", "k", "v", "EXAT", "1")
		c.Expect(wire.Int(0), "EXISTS", "k")
		c.Expect(wireOK, "SET", "k", "v", "PXAT", atMs(-time.Millisecond))
		c.Expect(wire.Int(0), "EXISTS", "k")

		// Options repeat, in any case and order; the last time wins.
		c.Expect(wireOK, "SET", "k", "v", "ex", "10", "EX", "20")
		c.Expect(wire.Int(20), "TTL", "k")
		c.Expect(wireOK, "SET", "k", "v", "KEEPTTL", "keepttl")
		c.Expect(wire.Int(20), "TTL", "k")
		c.Expect(wireNull, "SET", "k", "v", "nx", "NX")
		c.Expect(wire.Bulk("v"), "SET", "k", "v", "GET", "get", "xx", "PX", "300")
		c.Expect(wire.Int(300), "PTTL", "k")
	})
}

func TestStringSetErrors(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		invalid := wire.Err("ERR invalid expire time in 'set' command")
		c.Expect(wireOK, "SET", "k", "orig")
		for _, args := range [][]string{
			{"NX", "XX"}, {"XX", "NX"}, {"EX", "10", "PX", "100"}, {"PX", "1", "EX", "1"},
			{"EX", "1", "EXAT", "1"}, {"PXAT", "1", "EXAT", "1"}, {"KEEPTTL", "EX", "10"}, {"EX", "10", "KEEPTTL"},
			{"EX"}, {"PX"}, {"EXAT"}, {"PXAT"}, {"BOGUS"}, {"PERSIST"}, {"EX", "abc", "NX", "XX"}, {"GET", "EX"},
		} {
			c.Expect(wireSyntax, append([]string{"SET", "k", "v"}, args...)...)
		}
		for _, args := range [][]string{
			{"EX", "0"}, {"EX", "-1"}, {"PX", "0"}, {"PX", "-5"}, {"EXAT", "0"}, {"PXAT", "-1"},
			{"EX", "9223372036854775807"}, {"EX", "9223372036854776"}, {"PX", "9223372036854775807"},
			{"EXAT", "9223372036854775807"},
		} {
			c.Expect(invalid, append([]string{"SET", "k", "v"}, args...)...)
		}
		for _, args := range [][]string{{"EX", "abc"}, {"PX", "1.5"}, {"EXAT", " 1"}, {"PXAT", ""}, {"EX", "+1"}} {
			c.Expect(wireNotInt, append([]string{"SET", "k", "v"}, args...)...)
		}
		c.Expect(wire.Bulk("orig"), "GET", "k")
		c.Expect(wire.Int(-1), "TTL", "k")
		// PXAT is not relative, so the largest time is accepted.
		c.Expect(wireOK, "SET", "k", "v", "PXAT", "9223372036854775807")
		c.Expect(wire.Int(9223372036854775807), "PEXPIRETIME", "k")
		c.Expect(wire.Err("ERR wrong number of arguments for 'set' command"), "SET", "k")
	})
}

func TestStringWrongType(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wire.Int(1), "RPUSH", "l", "a")
		for _, args := range [][]string{
			{"GET", "l"}, {"SET", "l", "v", "GET"}, {"SET", "l", "v", "NX", "GET"}, {"SET", "l", "v", "XX", "GET", "EX", "10"},
			{"GETSET", "l", "v"}, {"GETDEL", "l"}, {"GETEX", "l"}, {"GETEX", "l", "EX", "10"}, {"GETEX", "l", "EX", "abc"},
			{"GETEX", "l", "PERSIST"}, {"INCR", "l"}, {"DECR", "l"}, {"INCRBY", "l", "2"}, {"DECRBY", "l", "2"},
			{"INCRBYFLOAT", "l", "1.5"}, {"INCRBYFLOAT", "l", "abc"}, {"APPEND", "l", "x"}, {"STRLEN", "l"},
			{"GETRANGE", "l", "0", "-1"}, {"SUBSTR", "l", "0", "-1"}, {"SETRANGE", "l", "0", "x"}, {"SETRANGE", "l", "0", ""},
		} {
			c.Expect(wireWrongType, args...)
		}
		// Nothing was written.
		c.Expect(wire.Simple("list"), "TYPE", "l")
		c.Expect(wire.Bulks("a"), "LRANGE", "l", "0", "-1")
		c.Expect(wire.Int(-1), "TTL", "l")
		// Argument errors come before the type check where Redis checks them first.
		c.Expect(wireNotInt, "INCRBY", "l", "x")
		c.Expect(wireNotInt, "GETRANGE", "l", "x", "1")
		c.Expect(wire.Err("ERR offset is out of range"), "SETRANGE", "l", "-1", "x")
		c.Expect(wireSyntax, "SET", "l", "v", "GET", "NX", "XX")
		c.Expect(wire.Err("ERR invalid expire time in 'set' command"), "SET", "l", "v", "GET", "EX", "0")
		// Plain SET replaces any type; MGET answers nil for other types.
		c.Expect(wire.Int(1), "HSET", "h", "f", "v")
		c.Expect(wireOK, "SET", "s", "str")
		c.Expect(wire.Array(wireNull, wire.Bulk("str"), wireNull, wireNull), "MGET", "l", "s", "h", "missing")
		c.Expect(wireOK, "SET", "l", "now a string")
		c.Expect(wire.Simple("string"), "TYPE", "l")
		c.Expect(wireOK, "MSET", "h", "1")
		c.Expect(wire.Simple("string"), "TYPE", "h")
	})
}

func TestStringSetVariants(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, clk := startClocked(t, b)
		// SETNX
		c.Expect(wire.Int(1), "SETNX", "k", "a")
		c.Expect(wire.Int(0), "SETNX", "k", "b")
		c.Expect(wire.Bulk("a"), "GET", "k")

		// SETEX / PSETEX
		c.Expect(wireOK, "SETEX", "k", "10", "v")
		c.Expect(wire.Int(10), "TTL", "k")
		c.Expect(wire.Bulk("v"), "GET", "k")
		c.Expect(wireOK, "PSETEX", "k", "250", "p")
		c.Expect(wire.Int(250), "PTTL", "k")
		clk.Advance(250 * time.Millisecond)
		c.Expect(wireNull, "GET", "k")
		c.Expect(wire.Err("ERR invalid expire time in 'setex' command"), "SETEX", "k", "0", "v")
		c.Expect(wire.Err("ERR invalid expire time in 'setex' command"), "SETEX", "k", "-1", "v")
		c.Expect(wire.Err("ERR invalid expire time in 'setex' command"), "SETEX", "k", "9223372036854776", "v")
		c.Expect(wire.Err("ERR invalid expire time in 'psetex' command"), "PSETEX", "k", "0", "v")
		c.Expect(wireNotInt, "SETEX", "k", "ten", "v")
		c.Expect(wire.Err("ERR wrong number of arguments for 'setex' command"), "SETEX", "k", "10")

		// GETSET clears the TTL.
		c.Expect(wireNull, "GETSET", "g", "1")
		c.Expect(wireOK, "SET", "g", "2", "EX", "100")
		c.Expect(wire.Bulk("2"), "GETSET", "g", "3")
		c.Expect(wire.Int(-1), "TTL", "g")
		c.Expect(wire.Bulk("3"), "GET", "g")

		// GETDEL
		c.Expect(wire.Bulk("3"), "GETDEL", "g")
		c.Expect(wireNull, "GETDEL", "g")
		c.Expect(wire.Int(0), "EXISTS", "g")

		// MSET / MSETNX / MGET
		c.Expect(wireOK, "MSET", "a", "1", "b", "2", "a", "3")
		c.Expect(wire.Bulks("3", "2"), "MGET", "a", "b")
		c.Expect(wire.Err("ERR wrong number of arguments for 'mset' command"), "MSET", "a", "1", "b")
		c.Expect(wire.Err("ERR wrong number of arguments for 'mset' command"), "MSET", "a")
		c.Expect(wire.Err("ERR wrong number of arguments for 'msetnx' command"), "MSETNX", "a", "1", "b")
		c.Expect(wire.Int(0), "MSETNX", "x", "1", "a", "9")
		c.Expect(wire.Int(0), "EXISTS", "x")
		c.Expect(wire.Int(1), "MSETNX", "x", "1", "y", "2")
		c.Expect(wire.Bulks("1", "2"), "MGET", "x", "y")
		c.Expect(wire.Err("ERR wrong number of arguments for 'mget' command"), "MGET")
		c.Expect(wireOK, "SET", "a", "v", "EX", "100")
		c.Expect(wireOK, "MSET", "a", "w")
		c.Expect(wire.Int(-1), "TTL", "a")
	})
}

func TestStringGetex(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, clk := startClocked(t, b)
		c.Expect(wireNull, "GETEX", "k")
		c.Expect(wireNull, "GETEX", "k", "EX", "abc") // a missing key answers before the time is parsed
		c.Expect(wireOK, "SET", "k", "v")
		c.Expect(wire.Bulk("v"), "GETEX", "k")
		c.Expect(wire.Int(-1), "TTL", "k")
		c.Expect(wire.Bulk("v"), "GETEX", "k", "EX", "100")
		c.Expect(wire.Int(100), "TTL", "k")
		c.Expect(wire.Bulk("v"), "GETEX", "k", "PX", "5000")
		c.Expect(wire.Int(5000), "PTTL", "k")
		c.Expect(wire.Bulk("v"), "GETEX", "k", "EXAT", atSecs(50*time.Second))
		c.Expect(wire.Int(50), "TTL", "k")
		c.Expect(wire.Bulk("v"), "GETEX", "k", "PXAT", atMs(1234*time.Millisecond))
		c.Expect(wire.Int(1234), "PTTL", "k")
		c.Expect(wire.Bulk("v"), "GETEX", "k", "PERSIST")
		c.Expect(wire.Int(-1), "TTL", "k")
		c.Expect(wire.Bulk("v"), "GETEX", "k", "PERSIST")
		// A passed absolute time replies the value and deletes the key.
		c.Expect(wire.Bulk("v"), "GETEX", "k", "PXAT", atMs(0))
		c.Expect(wire.Int(0), "EXISTS", "k")
		c.Expect(wireOK, "SET", "k", "v")
		c.Expect(wire.Bulk("v"), "GETEX", "k", "EXAT", "1")
		c.Expect(wire.Int(0), "EXISTS", "k")

		c.Expect(wireOK, "SET", "k", "v")
		for _, args := range [][]string{
			{"BOGUS"}, {"PERSIST", "EX", "10"}, {"EX", "10", "PERSIST"}, {"EX", "1", "PX", "1"}, {"GET"},
			{"NX"}, {"XX"}, {"KEEPTTL"}, {"EX"}, {"PXAT"},
		} {
			c.Expect(wireSyntax, append([]string{"GETEX", "k"}, args...)...)
		}
		c.Expect(wire.Err("ERR invalid expire time in 'getex' command"), "GETEX", "k", "PX", "0")
		c.Expect(wire.Err("ERR invalid expire time in 'getex' command"), "GETEX", "k", "EXAT", "-3")
		c.Expect(wireNotInt, "GETEX", "k", "EX", "1.5")
		c.Expect(wire.Int(-1), "TTL", "k")
		c.Expect(wire.Bulk("v"), "GETEX", "k", "ex", "1")
		clk.Advance(time.Second)
		c.Expect(wireNull, "GETEX", "k")
	})
}

func TestStringCounters(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, clk := startClocked(t, b)
		c.Expect(wire.Int(1), "INCR", "n")
		c.Expect(wire.Int(0), "DECR", "n")
		c.Expect(wire.Int(-1), "DECR", "n")
		c.Expect(wire.Int(9), "INCRBY", "n", "10")
		c.Expect(wire.Int(-91), "DECRBY", "n", "100")
		c.Expect(wire.Int(-5), "DECRBY", "fresh", "5")
		c.Expect(wire.Bulk("-91"), "GET", "n")

		overflow := wire.Err("ERR increment or decrement would overflow")
		c.Expect(wireOK, "SET", "big", "9223372036854775807")
		c.Expect(overflow, "INCR", "big")
		c.Expect(overflow, "INCRBY", "big", "1")
		c.Expect(wire.Int(9223372036854775806), "DECR", "big")
		c.Expect(wireOK, "SET", "small", "-9223372036854775808")
		c.Expect(overflow, "DECR", "small")
		c.Expect(overflow, "INCRBY", "small", "-1")
		c.Expect(overflow, "DECRBY", "small", "1")
		c.Expect(wire.Err("ERR decrement would overflow"), "DECRBY", "small", "-9223372036854775808")
		c.Expect(wire.Int(-9223372036854775808), "INCRBY", "zero", "-9223372036854775808")
		c.Expect(wire.Bulk("-9223372036854775808"), "GET", "small")

		for _, v := range []string{"abc", " 1", "1 ", "+1", "01", "-0", "1.0", "", "99999999999999999999"} {
			c.Expect(wireOK, "SET", "bad", v)
			c.Expect(wireNotInt, "INCR", "bad")
			c.Expect(wire.Bulk(v), "GET", "bad")
		}
		c.Expect(wireNotInt, "INCRBY", "n", "1.5")
		c.Expect(wireNotInt, "DECRBY", "n", "abc")
		c.Expect(wireNotInt, "INCRBY", "n", "9223372036854775808")

		// Counters keep the key's TTL.
		c.Expect(wireOK, "SET", "t", "1", "PX", "10000")
		clk.Advance(time.Second)
		c.Expect(wire.Int(2), "INCR", "t")
		c.Expect(wire.Int(9000), "PTTL", "t")
		c.Expect(wire.Bulk("3.5"), "INCRBYFLOAT", "t", "1.5")
		c.Expect(wire.Int(9000), "PTTL", "t")
	})
}

func TestStringIncrByFloat(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		for _, tc := range []struct{ key, incr, want string }{
			{"a", "10.5", "10.5"}, {"a", "0.1", "10.6"},
			{"b", "1.1", "1.1"}, {"b", "2.2", "3.3"},
			{"c", "5.0e3", "5000"}, {"d", "3.0e3", "3000"}, {"d", "-3000", "0"},
			{"e", "0.1", "0.1"}, {"e", "0.2", "0.3"},
			{"f", "3.14159265358979323846", "3.14159265358979324"},
			{"g", "-1.5", "-1.5"}, {"g", "1", "-0.5"},
			{"h", "1e20", "100000000000000000000"}, {"h", "1", "100000000000000000000"},
			{"i", "0x10", "16"}, {"i", "0x1p-2", "16.25"}, {"i", "+.5", "16.75"}, {"i", "5.", "21.75"},
			{"j", "-0", "0"}, {"j", "1e-20", "0"}, {"j", "-1e-20", "0"},
			{"k", "123456789012345678901234567890", "123456789012345678899921813504"},
			{"l", "1e-400", "0"}, {"m", "0.000000000000000025", "0.00000000000000002"},
		} {
			c.Expect(wire.Bulk(tc.want), "INCRBYFLOAT", tc.key, tc.incr)
		}
		c.Expect(wire.Bulk("10.6"), "GET", "a")
		notFloat := wire.Err("ERR value is not a valid float")
		nanInf := wire.Err("ERR increment would produce NaN or Infinity")
		for _, incr := range []string{"abc", "nan", " 1", "1 ", "1_0", "1e", "0x", ".", "", "1e5000", "1e-5000", "--1", "1.19e4932"} {
			c.Expect(notFloat, "INCRBYFLOAT", "a", incr)
		}
		for _, incr := range []string{"inf", "-inf", "Infinity"} {
			c.Expect(nanInf, "INCRBYFLOAT", "a", incr)
		}
		c.Expect(wireOK, "SET", "s", "hello")
		c.Expect(notFloat, "INCRBYFLOAT", "s", "1")
		c.Expect(notFloat, "INCRBYFLOAT", "s", "abc")
		c.Expect(wireOK, "SET", "s", "")
		c.Expect(notFloat, "INCRBYFLOAT", "s", "1")
		c.Expect(wireOK, "SET", "s", "inf")
		c.Expect(nanInf, "INCRBYFLOAT", "s", "1")
		c.Expect(wire.Bulk("10.6"), "GET", "a")
		// Long doubles reach far beyond doubles, and print in full.
		c.Expect(wire.Bulk(longDouble1e400), "INCRBYFLOAT", "huge", "1e400")
		c.Expect(wire.Int(1), "EXISTS", "huge")
		c.Expect(wireOK, "SET", "huge2", "1.18e4932")
		c.Expect(wire.Err("ERR increment would produce NaN or Infinity"), "INCRBYFLOAT", "huge2", "1.18e4932")
		c.Send("INCRBYFLOAT", "huge2", "0")
		if got := c.Read(); !strings.HasPrefix(got, "$4933\r\n1180000000000000000000652812918093699") {
			t.Errorf("INCRBYFLOAT huge2 0 = %.60q", got)
		}
	})
}

func TestStringRanges(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		// APPEND and STRLEN
		c.Expect(wire.Int(0), "STRLEN", "s")
		c.Expect(wire.Int(5), "APPEND", "s", "hello")
		c.Expect(wire.Int(11), "APPEND", "s", " world")
		c.Expect(wire.Int(11), "APPEND", "s", "")
		c.Expect(wire.Int(11), "STRLEN", "s")
		c.Expect(wire.Int(0), "APPEND", "empty", "")
		c.Expect(wire.Int(1), "EXISTS", "empty")
		c.Expect(wireOK, "SET", "t", "v", "EX", "100")
		c.Expect(wire.Int(2), "APPEND", "t", "w")
		c.Expect(wire.Int(100), "TTL", "t")

		// GETRANGE / SUBSTR, as Redis clamps the indexes.
		for _, tc := range []struct{ start, end, want string }{
			{"0", "-1", "hello world"}, {"0", "4", "hello"}, {"-5", "-1", "world"}, {"-1", "-3", ""},
			{"1", "100", "ello world"}, {"11", "20", ""}, {"-100", "-50", "h"}, {"-100", "2", "hel"},
			{"3", "2", ""}, {"10", "10", "d"}, {"9223372036854775807", "9223372036854775807", ""},
			{"-9223372036854775808", "-1", "hello world"}, {"0", "0", "h"}, {"5", "-7", ""},
		} {
			c.Expect(wire.Bulk(tc.want), "GETRANGE", "s", tc.start, tc.end)
			c.Expect(wire.Bulk(tc.want), "SUBSTR", "s", tc.start, tc.end)
		}
		c.Expect(wireEmpty, "GETRANGE", "missing", "0", "-1")
		c.Expect(wireEmpty, "GETRANGE", "empty", "0", "-1")
		c.Expect(wireNotInt, "GETRANGE", "s", "a", "1")
		c.Expect(wireNotInt, "GETRANGE", "s", "0", "1.0")

		// SETRANGE pads with zero bytes.
		c.Expect(wire.Int(11), "SETRANGE", "s", "0", "J")
		c.Expect(wire.Int(11), "SETRANGE", "s", "6", "W")
		c.Expect(wire.Bulk("Jello World"), "GET", "s")
		c.Expect(wire.Int(14), "SETRANGE", "s", "11", "!!!")
		c.Expect(wire.Int(18), "SETRANGE", "s", "16", "..")
		c.Expect(wire.Bulk("Jello World!!!\x00\x00.."), "GET", "s")
		c.Expect(wire.Int(4), "SETRANGE", "pad", "3", "x")
		c.Expect(wire.Bulk("\x00\x00\x00x"), "GET", "pad")
		c.Expect(wire.Int(18), "SETRANGE", "s", "100", "")
		c.Expect(wire.Int(0), "SETRANGE", "none", "5", "")
		c.Expect(wire.Int(0), "EXISTS", "none")
		c.Expect(wire.Int(0), "SETRANGE", "none", "536870912", "")
		tooBig := wire.Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
		c.Expect(tooBig, "SETRANGE", "s", "536870911", "xx")
		c.Expect(tooBig, "SETRANGE", "none", "536870912", "x")
		c.Expect(tooBig, "SETRANGE", "none", "9223372036854775807", "x")
		c.Expect(wire.Int(0), "EXISTS", "none")
		c.Expect(wire.Err("ERR offset is out of range"), "SETRANGE", "s", "-1", "x")
		c.Expect(wireNotInt, "SETRANGE", "s", "x", "x")
		c.Expect(wire.Int(18), "STRLEN", "s")
		c.Expect(wire.Int(2), "SETRANGE", "t", "1", "x")
		c.Expect(wire.Bulk("vx"), "GET", "t")
		c.Expect(wire.Int(100), "TTL", "t")
	})
}

func TestStringLCS(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wireOK, "MSET", "a", "ohmytext", "b", "mynewtext")
		c.Expect(wire.Bulk("mytext"), "LCS", "a", "b")
		c.Expect(wire.Int(6), "LCS", "a", "b", "LEN")
		rng := func(a0, a1, b0, b1 int64, n ...int64) string {
			elems := []string{wire.Array(wire.Int(a0), wire.Int(a1)), wire.Array(wire.Int(b0), wire.Int(b1))}
			for _, l := range n {
				elems = append(elems, wire.Int(l))
			}
			return wire.Array(elems...)
		}
		c.Expect(wire.Array(wire.Bulk("matches"), wire.Array(rng(4, 7, 5, 8), rng(2, 3, 0, 1)), wire.Bulk("len"), wire.Int(6)),
			"LCS", "a", "b", "IDX")
		c.Expect(wire.Array(wire.Bulk("matches"), wire.Array(rng(4, 7, 5, 8, 4)), wire.Bulk("len"), wire.Int(6)),
			"LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN")
		c.Expect(wireEmpty, "LCS", "a", "missing")
		c.Expect(wire.Array(wire.Bulk("matches"), wire.Array(), wire.Bulk("len"), wire.Int(0)), "LCS", "x", "y", "idx")
		c.Expect(wire.Err("ERR If you want both the length and indexes, please just use IDX."), "LCS", "a", "b", "IDX", "LEN")
		c.Expect(wireSyntax, "LCS", "a", "b", "BOGUS")
		c.Expect(wireSyntax, "LCS", "a", "b", "MINMATCHLEN")
		c.Expect(wireNotInt, "LCS", "a", "b", "MINMATCHLEN", "x")
		c.Expect(wire.Int(1), "RPUSH", "l", "x")
		c.Expect(wire.Err("ERR The specified keys must contain string values"), "LCS", "a", "l")
		c.Expect(wire.Err("ERR The specified keys must contain string values"), "LCS", "l", "a", "BOGUS")
	})
}

// longDouble1e400 is Redis's INCRBYFLOAT reply for 1e400: the long double
// nearest to 10^400, printed exactly.
const longDouble1e400 = "10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880"

// TestConcurrentCounters: many clients incrementing the same few keys end
// with the exact totals.
func TestConcurrentCounters(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		ctx := context.Background()
		const clients, rounds, keys = 16, 300, 3
		var wg sync.WaitGroup
		for i := 0; i < clients; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rc := newClient(t, s.Addr)
				for j := 0; j < rounds; j++ {
					key := fmt.Sprintf("ctr%d", j%keys)
					var err error
					switch j % 4 {
					case 0:
						err = rc.Incr(ctx, key).Err()
					case 1:
						err = rc.IncrBy(ctx, key, 5).Err()
					case 2:
						err = rc.DecrBy(ctx, key, 2).Err()
					default:
						err = rc.IncrByFloat(ctx, "f"+key, 0.5).Err()
					}
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		// Per key: j%4 and j%3 cycle through every pair over 12 rounds.
		want := make(map[string]float64)
		for j := 0; j < rounds; j++ {
			key := fmt.Sprintf("ctr%d", j%keys)
			switch j % 4 {
			case 0:
				want[key] += clients
			case 1:
				want[key] += 5 * clients
			case 2:
				want[key] -= 2 * clients
			default:
				want["f"+key] += 0.5 * clients
			}
		}
		rc := newClient(t, s.Addr)
		for key, w := range want {
			got, err := rc.Get(ctx, key).Float64()
			if err != nil || got != w {
				t.Errorf("%s = %v, %v; want %v", key, got, err, w)
			}
		}
	})
}
