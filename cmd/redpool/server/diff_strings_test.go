package server_test

import (
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// Differential tests of the string family against a real Redis, byte for
// byte. Replies that depend on the exact time (PTTL right after a relative
// expire) are not compared; TTL in seconds is.

// futureSecs and futureMs are absolute times far ahead (2100-01-01).
const (
	futureSecs = "4102444800"
	futureMs   = "4102444800000"
)

// setOptionWords are SET's options with their arguments, for combinations.
var setOptionWords = [][]string{
	{"NX"}, {"XX"}, {"GET"}, {"KEEPTTL"}, {"EX", "100"}, {"PX", "100000"}, {"EXAT", futureSecs}, {"PXAT", futureMs},
}

// optionSequences returns every sequence of up to n distinct options.
func optionSequences(opts [][]string, n int) [][]string {
	var out [][]string
	var rec func(prefix []string, used []bool, depth int)
	rec = func(prefix []string, used []bool, depth int) {
		if depth > 0 {
			out = append(out, append([]string(nil), prefix...))
		}
		if depth == n {
			return
		}
		for i, o := range opts {
			if used[i] {
				continue
			}
			used[i] = true
			rec(append(prefix, o...), used, depth+1)
			used[i] = false
		}
	}
	rec(nil, make([]bool, len(opts)), 0)
	return out
}

func TestDiffStringSetCombinations(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		for _, opts := range optionSequences(setOptionWords, 3) {
			for _, start := range [][]string{
				{"DEL", "k"}, {"SET", "k", "old"}, {"SET", "k", "old", "EX", "1000"}, {"RPUSH", "k", "x"},
			} {
				d.Both("DEL", "k")
				d.Both(start...)
				d.Do(append([]string{"SET", "k", "new"}, opts...)...)
				d.Do("TYPE", "k")
				d.DoTTL("k")
			}
		}
		for _, opts := range optionSequences([][]string{
			{"EX", "100"}, {"PX", "100000"}, {"EXAT", futureSecs}, {"PXAT", futureMs}, {"PERSIST"}, {"EX", "0"}, {"BOGUS"},
		}, 2) {
			for _, start := range [][]string{
				{"DEL", "k"}, {"SET", "k", "old"}, {"SET", "k", "old", "EX", "1000"}, {"RPUSH", "k", "x"},
			} {
				d.Both("DEL", "k")
				d.Both(start...)
				d.Do(append([]string{"GETEX", "k"}, opts...)...)
				d.DoTTL("k")
			}
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

func TestDiffStrings(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		cases := [][]string{
			// SET errors and edge cases.
			{"SET", "k", "v", "EX", "0"}, {"SET", "k", "v", "EX", "-1"}, {"SET", "k", "v", "EX", "abc"},
			{"SET", "k", "v", "EX", "10", "PX", "100"}, {"SET", "k", "v", "NX", "XX"},
			{"SET", "k", "v", "EX", "9223372036854775807"}, {"SET", "k", "v", "PX", "9223372036854775807"},
			{"SET", "k", "v", "EXAT", "9223372036854775807"}, {"SET", "k", "v", "PXAT", "9223372036854775807"},
			{"SET", "k", "v", "EX", "9223372036854775"}, {"SET", "k", "v", "EX", "9223372036854"}, {"TTL", "k"},
			{"SET", "k", "v", "EX"}, {"SET", "k", "v", "PERSIST"}, {"SET", "k", "v", "EX", "1", "EX", "2"}, {"TTL", "k"},
			{"SET", "k", "v", "KEEPTTL", "KEEPTTL"}, {"SET", "k", "v", "get", "GET"}, {"SET", "k", "v", "EXAT", "1"}, {"GET", "k"},
			{"SET", "k", "v", "PXAT", "1", "GET"}, {"SET", "k", "v", "ex", "+1"}, {"SET", "k", "v", "px", " 1"},
			{"SET", "k"}, {"SET"}, {"SET", "", ""}, {"GET", ""},
			{"SETEX", "k", "0", "v"}, {"SETEX", "k", "-1", "v"}, {"SETEX", "k", "abc", "v"}, {"SETEX", "k", "10", "v"}, {"TTL", "k"},
			{"SETEX", "k", "9223372036854775", "v"}, {"SETEX", "k"}, {"PSETEX", "k", "0", "v"}, {"PSETEX", "k", "100000", "v"},
			{"TTL", "k"}, {"PSETEX", "k", "9223372036854775807", "v"},
			{"SETNX", "k", "x"}, {"SETNX", "nx", "x"}, {"SETNX", "nx"}, {"GET", "nx"},
			// GETSET, GETDEL, GETEX.
			{"GETSET", "k", "y"}, {"GETSET", "fresh", "y"}, {"TTL", "k"}, {"GETSET", "k"},
			{"GETDEL", "k"}, {"GETDEL", "k"}, {"GETDEL", "k", "x"},
			{"SET", "k", "v"}, {"GETEX", "k"}, {"GETEX", "k", "EX", "100"}, {"TTL", "k"}, {"GETEX", "k", "PERSIST"}, {"TTL", "k"},
			{"GETEX", "k", "PX", "0"}, {"GETEX", "k", "PXAT", "0"}, {"GETEX", "k", "EX", "1.5"}, {"GETEX", "k", "GET"},
			{"GETEX", "k", "EXAT", "1"}, {"EXISTS", "k"}, {"GETEX", "missing", "EX", "abc"}, {"GETEX"},
			// MGET, MSET, MSETNX.
			{"MSET", "a", "1", "b", "2", "a", "3"}, {"MGET", "a", "b", "c", "a"}, {"MSET", "a", "1", "b"}, {"MSET", "a"},
			{"MSETNX", "a", "1", "b"}, {"MSETNX", "x", "1", "a", "2"}, {"EXISTS", "x"}, {"MSETNX", "x", "1", "y", "2"},
			{"MGET", "x", "y"}, {"MGET"}, {"RPUSH", "list", "a"}, {"MGET", "a", "list", "x"}, {"MSETNX", "list", "v"},
			{"SET", "e", "v", "EX", "100"}, {"MSET", "e", "w"}, {"TTL", "e"},
			// Counters.
			{"SET", "n", "10"}, {"INCR", "n"}, {"DECR", "n"}, {"INCRBY", "n", "5"}, {"DECRBY", "n", "3"}, {"INCRBY", "n", "-20"},
			{"DECRBY", "n", "-9223372036854775808"}, {"DECRBY", "n", "abc"}, {"INCRBY", "n", "abc"}, {"INCRBY", "nope", "abc"},
			{"INCR", "list"}, {"INCRBY", "list", "abc"}, {"INCRBY", "list", "1"}, {"DECRBY", "list", "1"},
			{"SET", "big", "9223372036854775807"}, {"INCR", "big"}, {"INCRBY", "big", "1"}, {"DECR", "big"},
			{"SET", "small", "-9223372036854775808"}, {"DECR", "small"}, {"DECRBY", "small", "1"}, {"INCRBY", "small", "-1"},
			{"INCRBY", "z", "-9223372036854775808"}, {"DECRBY", "z2", "9223372036854775807"}, {"DECR", "z2"}, {"DECR", "z2"},
			{"SET", "sp", " 1"}, {"INCR", "sp"}, {"SET", "lz", "01"}, {"INCR", "lz"}, {"SET", "e2", ""}, {"INCR", "e2"},
			{"SET", "f", "1.5"}, {"INCR", "f"}, {"SET", "p", "+1"}, {"INCR", "p"}, {"SET", "m0", "-0"}, {"INCR", "m0"},
			{"SET", "t", "1", "EX", "100"}, {"INCR", "t"}, {"TTL", "t"}, {"INCRBYFLOAT", "t", "0.5"}, {"TTL", "t"},
			{"INCR"}, {"INCRBY", "n"}, {"DECRBY", "n", "1", "2"},
			// APPEND, STRLEN.
			{"APPEND", "s", "hello"}, {"APPEND", "s", " world"}, {"APPEND", "s", ""}, {"STRLEN", "s"}, {"STRLEN", "nope"},
			{"APPEND", "empty", ""}, {"EXISTS", "empty"}, {"STRLEN", "empty"}, {"APPEND", "list", "x"}, {"STRLEN", "list"},
			{"SET", "num", "123"}, {"APPEND", "num", "4"}, {"INCR", "num"}, {"STRLEN", "num"},
			// GETRANGE, SUBSTR, SETRANGE.
			{"GETRANGE", "s", "abc", "1"}, {"GETRANGE", "s", "1", "abc"}, {"GETRANGE", "nope", "0", "-1"}, {"GETRANGE", "list", "0", "1"},
			{"GETRANGE", "empty", "0", "-1"}, {"GETRANGE", "num", "0", "1"},
			{"SETRANGE", "s", "-1", "x"}, {"SETRANGE", "s", "abc", "x"}, {"SETRANGE", "nope", "5", ""}, {"EXISTS", "nope"},
			{"SETRANGE", "pad", "3", "x"}, {"GET", "pad"}, {"SETRANGE", "s", "536870911", "xx"}, {"SETRANGE", "list", "0", ""},
			{"SETRANGE", "list", "0", "x"}, {"SETRANGE", "nope", "536870912", ""}, {"SETRANGE", "nope", "536870912", "x"},
			{"SETRANGE", "nope", "9223372036854775807", "x"}, {"SETRANGE", "s", "0", "J"}, {"SETRANGE", "s", "20", "!"}, {"GET", "s"},
			{"SETRANGE", "s", "2", ""}, {"SETRANGE", "num", "1", "0"}, {"GET", "num"}, {"INCR", "num"},
			// LCS.
			{"MSET", "l1", "ohmytext", "l2", "mynewtext"}, {"LCS", "l1", "l2"}, {"LCS", "l1", "l2", "LEN"},
			{"LCS", "l1", "l2", "IDX"}, {"LCS", "l1", "l2", "IDX", "MINMATCHLEN", "4"}, {"LCS", "l1", "l2", "IDX", "WITHMATCHLEN"},
			{"LCS", "l1", "l2", "IDX", "MINMATCHLEN", "-5", "WITHMATCHLEN"}, {"LCS", "l1", "l2", "IDX", "LEN"},
			{"LCS", "l1", "l2", "LEN", "IDX"}, {"LCS", "l1", "l2", "foo"}, {"LCS", "l1", "l2", "MINMATCHLEN"},
			{"LCS", "l1", "l2", "MINMATCHLEN", "abc"}, {"LCS", "l1", "nope"}, {"LCS", "nope", "nope2", "IDX"},
			{"LCS", "l1", "list"}, {"LCS", "list", "l1", "foo"}, {"LCS", "l1"},
			{"MSET", "g1", "GTCGTTCGGAATGCCGTTGCTCTGTAAA", "g2", "ACCGGTCGAGTGCGCGGAAGCCGGCCGAA"},
			{"LCS", "g1", "g2"}, {"LCS", "g1", "g2", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "2"}, {"LCS", "g2", "g1", "IDX"},
			{"MSET", "r1", "abcabcabcxyz", "r2", "xyzabcabc"}, {"LCS", "r1", "r2", "IDX", "WITHMATCHLEN"},
		}
		for _, c := range cases {
			d.Do(c...)
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// TestDiffIncrByFloat compares INCRBYFLOAT's long double arithmetic and
// formatting with Redis's.
func TestDiffIncrByFloat(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		incrs := []string{
			"10.5", "0.1", "1.1", "2.2", "5.0e3", "3.0e3", "0x10", "0x1p-2", "0X1P+2", "0x.8", "0x1.8p1", "0x", "0x1p",
			" 1", "1 ", "+1.5", ".5", "5.", ".", "1_0", "1e", "1e+", "1e+2", "1E-2", "-", "+", "", "INF", "Infinity", "infinit",
			"-inf", "nan", "NaN", "1e400", "-1e400", "1e5000", "1e4932", "1.18e4932", "1.19e4932", "1e-400", "1e-4950", "1e-5000",
			"-0", "-0.0", "1e-20", "-1e-20", "123456789012345678901234567890", "3.14159265358979323846", "-1.5",
			"0.000000000000000005", "0.000000000000000015", "0.000000000000000025", "1.000000000000000005",
			"99999999999999999.999999999", "12345.6789", "-12345.6789", "0.3", "-0.1", "1.7976931348623157e308",
			"4.9e-324", "2.2250738585072014e-308", "9007199254740993", "18446744073709551616", "0.1e1", "00001.5",
			"1" + strings.Repeat("0", 5118), "1" + strings.Repeat("0", 5119), "0." + strings.Repeat("0", 4000) + "1",
		}
		// Each increment on a fresh key, then chained on one key.
		for i, incr := range incrs {
			d.Do("INCRBYFLOAT", "fresh"+strings.Repeat("x", i), incr)
			d.Do("INCRBYFLOAT", "chain", incr)
		}
		for _, start := range []string{"10", "1.5", "-0", "abc", "", "inf", "1e4932", "0x10", " 1", "9223372036854775807"} {
			d.Both("SET", "v", start)
			for _, incr := range []string{"0", "1", "-1.25", "0.1", "1e-30", "abc"} {
				d.Do("INCRBYFLOAT", "v", incr)
				d.Do("GET", "v")
			}
		}
		d.Both("RPUSH", "list", "x")
		d.Do("INCRBYFLOAT", "list", "1")
		d.Do("INCRBYFLOAT", "list", "abc")
		d.Do("INCRBYFLOAT", "v")
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}
