package server_test

import (
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffFoundation compares redpool with a real Redis, byte for byte, on
// the foundation commands and their error paths.
func TestDiffFoundation(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		cases := [][]string{
			{"PING"}, {"PING", "hello"}, {"PING", "a", "b"},
			{"ECHO", "hi"}, {"ECHO"}, {"ECHO", "a", "b"},
			{"SELECT", "1"}, {"SET", "k", "db1"}, {"SELECT", "0"}, {"GET", "k"},
			{"SELECT", "16"}, {"SELECT", "-1"}, {"SELECT", "x"}, {"SELECT"},
			{"SET", "k", "v"}, {"GET", "k"}, {"GET", "nope"}, {"GET"}, {"SET", "k"},
			{"SET", "k", "v", "bogus"},
			{"DEL", "k", "k", "nope"}, {"DEL"},
			{"SET", "n", "10"}, {"INCR", "n"}, {"INCR", "new"}, {"SET", "s", "abc"}, {"INCR", "s"},
			{"SET", "big", "9223372036854775807"}, {"INCR", "big"},
			{"SET", "sp", " 1"}, {"INCR", "sp"}, {"SET", "plus", "+1"}, {"INCR", "plus"},
			{"SET", "lz", "01"}, {"INCR", "lz"}, {"SET", "negz", "-0"}, {"INCR", "negz"},
			{"EXISTS", "n", "n", "nope"}, {"EXISTS"},
			{"TYPE", "n"}, {"TYPE", "nope"},
			{"TTL", "n"}, {"TTL", "nope"}, {"EXPIRE", "n", "100"}, {"TTL", "n"},
			{"EXPIRE", "nope", "100"}, {"EXPIRE", "n", "abc"}, {"EXPIRE", "n"},
			{"EXPIRE", "n", "-1"}, {"EXISTS", "n"},
			{"DBSIZE"}, {"DBSIZE", "x"},
			{"FLUSHDB", "bogus"}, {"FLUSHALL", "bogus"},
			{"SELECT", "2"}, {"SET", "x", "1"}, {"FLUSHDB"}, {"DBSIZE"}, {"SELECT", "0"}, {"DBSIZE"},
			{"FLUSHDB", "ASYNC"}, {"FLUSHALL", "SYNC"}, {"DBSIZE"},
			{"NOSUCHCOMMAND"}, {"NOSUCHCOMMAND", "a", "b"}, {"nosuch", strings.Repeat("x", 200)},
			{"HELLO", "1"}, {"HELLO", "x"}, {"HELLO", "2", "BOGUS"},
			{"CLIENT", "SETNAME", "bad name"}, {"CLIENT", "SETNAME", "good"}, {"CLIENT", "GETNAME"},
			{"CLIENT", "SETNAME", ""}, {"CLIENT", "GETNAME"},
			{"CLIENT", "BOGUS"}, {"CLIENT"},
			{"CONFIG", "GET", "maxclients"}, {"CONFIG", "GET", "databases"}, {"CONFIG", "GET", "nosuchparam"},
			{"CONFIG", "GET", "list-max-listpack-size"}, {"CONFIG", "SET", "list-max-listpack-size", "-2"},
			{"CONFIG", "SET", "nosuchparam", "1"}, {"CONFIG", "SET", "maxclients"}, {"CONFIG", "BOGUS"}, {"CONFIG"},
			{"CONFIG", "GET"}, {"CONFIG", "RESETSTAT"}, {"CONFIG", "SET", "timeout", "abc"},
			{"CONFIG", "SET", "timeout", "0"}, {"CONFIG", "GET", "timeout"},
			{"COMMAND", "BOGUS"}, {"COMMAND", "INFO", "nosuchcmd"},
			{"KEYS"},
		}
		for _, c := range cases {
			d.Do(c...)
		}
		d.Both("FLUSHALL")
		for _, k := range []string{"user:1", "user:2", "user:10", "u", "hello", "hallo", "hxllo", "a*b", "a\\b"} {
			d.Both("SET", k, "x")
		}
		for _, p := range []string{"*", "user:*", "user:?", "h?llo", "h[ae]llo", "h[^e]llo", "h[a-f]llo", "a\\*b", "nomatch*", "*o", "[u]*"} {
			d.DoUnordered("KEYS", p)
		}
		d.DoPairsUnordered("CONFIG", "GET", "hash-max-*")
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// TestDiffHello compares HELLO with Redis: switching protocols both ways,
// HELLO without a version keeping the protocol, the options taking effect
// in order, and every error.
func TestDiffHello(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		for _, c := range [][]string{
			{"HELLO"}, {"GET", "nokey"}, {"HELLO", "3"}, {"GET", "nokey"}, {"LPOP", "nokey", "2"}, {"HELLO"},
			{"GET", "nokey"}, {"HELLO", "2"}, {"GET", "nokey"}, {"LPOP", "nokey", "2"}, {"HELLO"},
			{"HELLO", "3", "SETNAME", "a", "b"}, {"CLIENT", "GETNAME"}, {"GET", "nokey"},
			{"HELLO", "3", "AUTH", "default", "anything", "SETNAME", "n"}, {"CLIENT", "GETNAME"}, {"GET", "nokey"},
			{"HELLO", "2", "AUTH", "foo", "bar"}, {"HELLO", "2", "SETNAME", "z", "AUTH", "foo", "bar"}, {"CLIENT", "GETNAME"},
			{"HELLO", "2", "AUTH", "foo", "bar", "SETNAME", "y"}, {"CLIENT", "GETNAME"}, {"GET", "nokey"},
			{"HELLO", "4", "BOGUS"}, {"HELLO", "0"}, {"HELLO", "-1"}, {"HELLO", "1"}, {"HELLO", "9223372036854775808"},
			{"HELLO", "x"}, {"HELLO", "3", "SETNAME"}, {"HELLO", "3", "AUTH", "a"}, {"HELLO", "2", "setname", "bad\x01"},
			{"HELLO", "3", "BOGUS"}, {"GET", "nokey"}, {"HELLO", "3", "SETNAME", ""}, {"CLIENT", "GETNAME"},
			{"HELLO", "2", "setname", "x"}, {"CLIENT", "GETNAME"}, {"GET", "nokey"},
		} {
			if c[0] == "HELLO" {
				d.DoHello(c...)
			} else {
				d.Do(c...)
			}
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}
