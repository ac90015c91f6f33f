package server_test

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// Differential tests of the key and expiry commands against a real Redis.
// RANDOMKEY and SCAN cursors other than the start are not compared: their
// values depend on each server's internals.

func TestDiffKeys(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		cases := [][]string{
			// DEL, UNLINK, EXISTS, TOUCH, TYPE, RANDOMKEY.
			{"RANDOMKEY"}, {"MSET", "a", "1", "b", "2", "c", "3"}, {"EXISTS", "a", "a", "b", "nope"}, {"TOUCH", "a", "b", "nope", "a"},
			{"DEL", "a", "a", "nope"}, {"UNLINK", "b", "nope"}, {"DEL"}, {"UNLINK"}, {"TOUCH"}, {"EXISTS"},
			{"TYPE", "c"}, {"TYPE", "nope"}, {"RPUSH", "l", "x"}, {"TYPE", "l"}, {"HSET", "h", "f", "v"}, {"TYPE", "h"},
			{"TYPE"}, {"TYPE", "a", "b"}, {"RANDOMKEY", "x"}, {"DEL", "l", "h"}, {"RANDOMKEY"},
			// RENAME, RENAMENX.
			{"RENAME", "nope", "x"}, {"RENAME", "nope", "nope"}, {"RENAMENX", "nope", "x"}, {"RENAMENX", "nope", "nope"},
			{"RENAME", "c", "c"}, {"RENAMENX", "c", "c"}, {"SET", "d", "4"}, {"RENAMENX", "c", "d"}, {"RENAME", "c", "d"},
			{"GET", "d"}, {"EXISTS", "c"}, {"SETEX", "e", "100", "v"}, {"RENAME", "e", "f"}, {"TTL", "f"}, {"RENAMENX", "f", "g"},
			{"TTL", "g"}, {"SET", "h", "x"}, {"RENAME", "g", "h"}, {"TTL", "h"}, {"RENAME", "h"}, {"RENAMENX", "a", "b", "c"},
			{"RPUSH", "list", "a", "b"}, {"RENAME", "list", "list2"}, {"TYPE", "list2"}, {"RENAMENX", "list2", "d"},
			// COPY, MOVE, SWAPDB.
			{"SET", "k", "v"}, {"COPY", "k", "k"}, {"COPY", "k", "k", "DB", "0"}, {"COPY", "k", "k", "DB", "1"},
			{"COPY", "k", "k2", "DB", "abc"}, {"COPY", "k", "k2", "DB", "99999999999"}, {"COPY", "k", "k2", "DB", "16"},
			{"COPY", "k", "k2", "DB", "-1"}, {"COPY", "k", "k2", "BOGUS"}, {"COPY", "k", "k2", "DB"},
			{"COPY", "k", "k2", "REPLACE", "REPLACE"}, {"COPY", "nope", "k2"}, {"COPY", "k", "k2"}, {"COPY", "k", "k2", "replace"},
			{"COPY", "k", "k3", "db", "0"}, {"COPY", "list2", "l3"}, {"RPUSH", "l3", "c"}, {"LRANGE", "list2", "0", "-1"},
			{"SETEX", "ttl", "100", "v"}, {"COPY", "ttl", "ttl2"}, {"TTL", "ttl2"}, {"COPY", "k"},
			{"SELECT", "1"}, {"GET", "k"}, {"SELECT", "0"},
			{"MOVE", "k", "abc"}, {"MOVE", "k", "99999999999"}, {"MOVE", "k", "16"}, {"MOVE", "k", "-1"}, {"MOVE", "k", "0"},
			{"MOVE", "nope", "1"}, {"MOVE", "k", "1"}, {"MOVE", "k2", "1"}, {"EXISTS", "k2"}, {"MOVE", "ttl", "2"},
			{"SELECT", "1"}, {"GET", "k2"}, {"SELECT", "2"}, {"TTL", "ttl"}, {"SELECT", "0"}, {"MOVE", "k"},
			{"SWAPDB", "a", "0"}, {"SWAPDB", "0", "a"}, {"SWAPDB", "0", "16"}, {"SWAPDB", "99999999999", "0"},
			{"SWAPDB", "0", "99999999999"}, {"SWAPDB", "0", "0"}, {"SWAPDB", "-1", "0"}, {"SWAPDB", "0", "1"}, {"GET", "k2"},
			{"DBSIZE"}, {"SWAPDB", "1", "0"}, {"DBSIZE"}, {"SWAPDB", "0"},
			// EXPIRE family.
			{"EXPIRE", "k", "10", "nx", "xx"}, {"EXPIRE", "k", "10", "gt", "lt"}, {"EXPIRE", "k", "10", "nx", "gt"},
			{"EXPIRE", "k", "10", "nx", "lt"}, {"EXPIRE", "k", "10", "foo"}, {"EXPIRE", "k", "10", "nx", "foo"},
			{"EXPIRE", "k", "abc", "foo"}, {"EXPIRE", "k", "abc", "nx", "xx"}, {"EXPIRE", "k", "abc"},
			{"EXPIRE", "k", "9223372036854776"}, {"EXPIRE", "k", "-9223372036854776"}, {"EXPIRE", "k", "9223372036854775"},
			{"PEXPIRE", "k", "9223372036854775807"}, {"PEXPIRE", "k", "9223372036850000000"}, {"EXPIREAT", "k", "9223372036854776"},
			{"SET", "k", "v"}, {"PEXPIREAT", "k", "9223372036854775807"}, {"EXPIRETIME", "k"}, {"PEXPIRETIME", "k"},
			{"EXPIREAT", "k", "9223372036854775"}, {"EXPIRETIME", "k"}, {"EXPIREAT", "k", futureSecs}, {"EXPIRETIME", "k"},
			{"PEXPIRETIME", "k"}, {"PEXPIREAT", "k", futureMs}, {"PEXPIRETIME", "k"}, {"PERSIST", "k"}, {"PERSIST", "k"},
			{"PERSIST", "nope"}, {"TTL", "k"}, {"PTTL", "k"}, {"TTL", "nope"}, {"PTTL", "nope"}, {"EXPIRETIME", "nope"},
			{"PEXPIRETIME", "nope"}, {"EXPIRE", "k", "-9223372036854775"}, {"EXISTS", "k"},
			{"SET", "k", "v"}, {"PEXPIREAT", "k", "-5"}, {"EXISTS", "k"}, {"SET", "k", "v"}, {"EXPIRE", "k", "0"}, {"EXISTS", "k"},
			{"SET", "k", "v"}, {"EXPIREAT", "k", "1"}, {"EXISTS", "k"}, {"EXPIRE", "nope", "10", "nx"},
			{"SET", "k", "v"}, {"EXPIRE", "k", "100", "xx"}, {"EXPIRE", "k", "101", "gt"}, {"EXPIRE", "k", "100", "lt"},
			{"EXPIRE", "k", "100", "nx"}, {"EXPIRE", "k", "200", "gt"}, {"EXPIRE", "k", "100", "lt"}, {"EXPIRE", "k", "100", "LT"},
			{"EXPIRE", "k", "101", "GT"}, // 100 would race the clock against the EXPIRE 100 above
			{"EXPIRE", "k", "300", "XX", "GT"}, {"TTL", "k"}, {"EXPIRE", "k", "-1", "LT"},
			{"EXISTS", "k"}, {"EXPIRE"}, {"EXPIRE", "k"}, {"TTL"}, {"PERSIST"}, {"EXPIRETIME", "a", "b"},
			// OBJECT.
			{"OBJECT", "foo"}, {"OBJECT", "FOO", "bar"}, {"OBJECT"}, {"OBJECT", "encoding"}, {"OBJECT", "encoding", "nope"},
			{"OBJECT", "help", "x"}, {"OBJECT", "encoding", "k", "x"}, {"OBJECT", "freq", "nope"}, {"OBJECT", "idletime", "nope"},
			{"OBJECT", "refcount", "nope"},
			{"SET", "k", "v"}, {"OBJECT", "encoding", "k"}, {"OBJECT", "refcount", "k"}, {"OBJECT", "freq", "k"},
			{"SET", "i", "123"}, {"OBJECT", "ENCODING", "i"}, {"OBJECT", "REFCOUNT", "i"}, {"SET", "i", "123456"},
			{"OBJECT", "REFCOUNT", "i"}, {"OBJECT", "ENCODING", "i"}, {"SET", "i", "-1"}, {"OBJECT", "REFCOUNT", "i"},
			{"SET", "i", "9999"}, {"OBJECT", "REFCOUNT", "i"}, {"SET", "i", "10000"}, {"OBJECT", "REFCOUNT", "i"},
			{"SET", "i", "01"}, {"OBJECT", "ENCODING", "i"}, {"SET", "i", "9223372036854775808"}, {"OBJECT", "ENCODING", "i"},
			{"SET", "e", "12345678901234567890123456789012345678901234"}, {"OBJECT", "ENCODING", "e"},
			{"SET", "e", "123456789012345678901234567890123456789012345"}, {"OBJECT", "ENCODING", "e"},
			{"RPUSH", "ol", "a", "b"}, {"OBJECT", "ENCODING", "ol"}, {"OBJECT", "REFCOUNT", "ol"},
			{"HSET", "oh", "a", "b"}, {"OBJECT", "ENCODING", "oh"},
			{"HSET", "oh", "big", "0123456789012345678901234567890123456789012345678901234567890123456789"},
			{"OBJECT", "ENCODING", "oh"},
			// SCAN: errors, and complete iterations of small databases.
			{"SCAN", "abc"}, {"SCAN", " 1"}, {"SCAN", "1 "}, {"SCAN", "+"}, {"SCAN", "-"}, {"SCAN", "18446744073709551616"},
			{"SCAN", "-18446744073709551616"}, {"SCAN", "0", "count", "0"}, {"SCAN", "0", "count", "-1"},
			{"SCAN", "0", "count", "abc"}, {"SCAN", "0", "match"}, {"SCAN", "0", "foo", "bar"}, {"SCAN", "0", "type"},
			{"SCAN", "0", "count"}, {"SCAN", "0", "count", "1", "match"}, {"SCAN", "x", "count", "0"}, {"SCAN"},
			{"FLUSHALL"}, {"SCAN", "0"}, {"SCAN", ""}, {"SCAN", "+0"}, {"SCAN", "-0"}, {"SCAN", "0", "TYPE", "STRING"},
			{"SCAN", "0", "type", "foo"}, {"SCAN", "0", "match", "*", "count", "100", "type", "string"},
			{"SET", "only", "1"}, {"SCAN", "0"}, {"SCAN", "0", "TYPE", "string"}, {"SCAN", "0", "TYPE", "list"},
			{"SCAN", "0", "MATCH", "o*"}, {"SCAN", "0", "MATCH", "x*"}, {"SCAN", "0", "COUNT", "10", "COUNT", "20"},
			// KEYS
			{"KEYS"}, {"KEYS", "a", "b"}, {"KEYS", "*"},
		}
		for _, c := range cases {
			d.Do(c...)
		}
		// KEYS and complete SCANs over the same keys compare as sets.
		d.Both("FLUSHALL")
		for i := 0; i < 200; i++ {
			d.Both("SET", "key:"+strconv.Itoa(i), "v")
		}
		d.Both("RPUSH", "alist", "x")
		d.Both("HSET", "ahash", "f", "v")
		for _, p := range []string{"*", "key:1*", "key:?", "key:[1-3]?", "key:[^1]*", "a*", "nomatch"} {
			d.DoUnordered("KEYS", p)
			d.Cases++
			compareScan(t, d, "MATCH", p)
		}
		for _, typ := range []string{"string", "list", "hash", "none", "zset"} {
			d.Cases++
			compareScan(t, d, "TYPE", typ, "COUNT", "7")
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// compareScan runs a whole SCAN iteration on both servers and compares the
// sets of keys returned.
func compareScan(t *testing.T, d *servertest.Diff, opts ...string) {
	t.Helper()
	rc, pc := d.Conns()
	want, _ := scanAll(t, rc, opts...)
	got, _ := scanAll(t, pc, opts...)
	if len(got) != len(want) {
		t.Errorf("SCAN %v: redpool saw %d keys, redis %d", opts, len(got), len(want))
	}
	for k := range want {
		if got[k] == 0 {
			t.Errorf("SCAN %v: redpool missed %q", opts, k)
		}
	}
}

// TestDiffExpireSemantics compares the effect of expiry conditions over a
// grid of current and new expiry times.
func TestDiffExpireSemantics(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		flags := [][]string{nil, {"NX"}, {"XX"}, {"GT"}, {"LT"}, {"XX", "GT"}, {"XX", "LT"}, {"NX", "XX"}, {"GT", "LT"}}
		for _, cmd := range []string{"EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"} {
			var times []string
			switch cmd {
			// Relative times stay off the start expiry (EX 100): a relative time
			// equal to it races the clock between the two commands. The
			// absolute forms cover equality exactly.
			case "EXPIRE":
				times = []string{"-1", "0", "50", "99", "101", "200"}
			case "PEXPIRE":
				times = []string{"-1", "0", "50000", "99000", "101000", "200000"}
			case "EXPIREAT":
				times = []string{"1", "4102444700", futureSecs, "4102444900"}
			case "PEXPIREAT":
				times = []string{"1", "4102444700000", futureMs, "4102444900000"}
			}
			for _, start := range [][]string{{"SET", "k", "v"}, {"SET", "k", "v", "EX", "100"}, {"SET", "k", "v", "EXAT", futureSecs}, {"DEL", "k"}} {
				for _, when := range times {
					for _, f := range flags {
						d.Both(start...)
						d.Do(append([]string{cmd, "k", when}, f...)...)
						d.DoTTL("k")
					}
				}
			}
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// TestDiffGlob compares KEYS over random keys and patterns made of the
// glob's special characters, which exercises every branch of Redis's
// stringmatchlen.
func TestDiffGlob(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		rng := rand.New(rand.NewPCG(7, 11))
		const alphabet = `ab-^]\[*?c`
		word := func(max int) string {
			w := make([]byte, rng.IntN(max+1))
			for i := range w {
				w[i] = alphabet[rng.IntN(len(alphabet))]
			}
			return string(w)
		}
		for i := 0; i < 300; i++ {
			d.Both("SET", word(6), "v")
		}
		for i := 0; i < 2000; i++ {
			d.DoUnordered("KEYS", word(7))
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}
