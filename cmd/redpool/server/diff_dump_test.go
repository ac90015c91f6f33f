package server_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
	"redpool/persistence/rdb"
)

// Differential tests of DUMP and RESTORE against a real Redis: payloads
// travel Redis -> redpool -> Redis for keys of every type and encoding,
// and the option and error replies are compared byte for byte.

// dumpCase is a key built in Redis by cmds (on key "k").
type dumpCase struct {
	name string
	cmds [][]string
	// same: redpool's DUMP must be Redis's byte for byte (the encoding
	// does not depend on the order a hash table keeps).
	same bool
}

func dumpCases() []dumpCase {
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 1000)
	for i := range noise {
		noise[i] = byte(rng.IntN(256))
	}
	lorem := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 3)
	var big strings.Builder
	for i := 0; big.Len() < 100<<10; i++ {
		fmt.Fprintf(&big, "%d %s\n", i, lorem[:i%len(lorem)])
	}
	many := func(n int, f func(i int) []string) [][]string {
		var out [][]string
		for i := range n {
			out = append(out, f(i))
		}
		return out
	}
	return []dumpCase{
		{name: "string", cmds: [][]string{{"SET", "k", "hello"}}, same: true},
		{name: "string empty", cmds: [][]string{{"SET", "k", ""}}, same: true},
		{name: "string int", cmds: [][]string{{"SET", "k", "-123456"}}, same: true},
		{name: "string int64", cmds: [][]string{{"SET", "k", "-9223372036854775808"}}, same: true},
		{name: "string lzf", cmds: [][]string{{"SET", "k", lorem}}, same: true},
		{name: "string 100k", cmds: [][]string{{"SET", "k", big.String()}}, same: true},
		{name: "string binary", cmds: [][]string{{"SET", "k", string(noise)}}, same: true},
		{name: "list small", cmds: [][]string{{"RPUSH", "k", "a", "1", "-700", "", lorem, "99999999999"}}, same: true},
		{name: "list big", cmds: many(5000, func(i int) []string { return []string{"RPUSH", "k", strconv.Itoa(i) + lorem[:i%40]} }), same: true},
		{name: "list fat", cmds: many(40, func(i int) []string { return []string{"RPUSH", "k", strings.Repeat("x", 3000+i)} }), same: true},
		{name: "set intset", cmds: [][]string{{"SADD", "k", "3", "1", "-2", "70000", "5000000000"}}, same: true},
		{name: "set strings", cmds: [][]string{{"SADD", "k", "a", "b", "1"}}},
		{name: "set big ints", cmds: many(600, func(i int) []string { return []string{"SADD", "k", strconv.Itoa(i * 3)} })},
		{name: "hash small", cmds: [][]string{{"HSET", "k", "f", "v", "n", "12", "e", ""}}},
		{name: "hash long value", cmds: [][]string{{"HSET", "k", "f", lorem, "g", "1"}}},
		{name: "hash big", cmds: many(1000, func(i int) []string { return []string{"HSET", "k", "f" + strconv.Itoa(i), lorem[:i%60]} })},
		{name: "zset small", cmds: [][]string{{"ZADD", "k", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "1e300", "e", "-0", "f", "3", "g"}}, same: true},
		{name: "zset big", cmds: many(500, func(i int) []string { return []string{"ZADD", "k", strconv.Itoa(i%77) + ".5", "m" + strconv.Itoa(i)} }), same: true},
		{name: "zset long member", cmds: [][]string{{"ZADD", "k", "1", lorem, "2", "x"}}, same: true},
	}
}

// payload returns body (a type byte and a value) as a DUMP payload.
func payload(body string) string { return string(rdb.AppendDumpFooter([]byte(body))) }

// bulkBody returns the bytes of a bulk string reply.
func bulkBody(t *testing.T, raw string) string {
	t.Helper()
	head, rest, ok := strings.Cut(raw, "\r\n")
	if !ok || !strings.HasPrefix(head, "$") || !strings.HasSuffix(rest, "\r\n") {
		t.Fatalf("not a bulk string: %q", clip(raw))
	}
	return strings.TrimSuffix(rest, "\r\n")
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// compareKey compares key's type, encoding and value on both servers.
func compareKey(d *servertest.Diff, key string) {
	switch typ := d.Do("TYPE", key); typ {
	case "+string\r\n":
		d.Do("GET", key)
	case "+list\r\n":
		d.Do("LRANGE", key, "0", "-1")
	case "+set\r\n":
		d.DoUnordered("SMEMBERS", key)
	case "+hash\r\n":
		d.DoPairsUnordered("HGETALL", key)
	case "+zset\r\n":
		d.Do("ZRANGE", key, "0", "-1", "WITHSCORES")
	}
	d.Do("OBJECT", "ENCODING", key)
}

// TestDiffDumpRestore: Redis's DUMP restores in redpool to the same value,
// and redpool's DUMP of it restores in Redis to the same value again.
func TestDiffDumpRestore(t *testing.T) {
	r := servertest.StartRedis(t)
	cases := dumpCases()
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		rc, pc := d.Conns()
		for _, tc := range cases {
			d.Both("FLUSHALL")
			for _, cmd := range tc.cmds {
				rc.Do(cmd...)
			}
			fromRedis := bulkBody(t, rc.Do("DUMP", "k"))
			if got := pc.Do("RESTORE", "k", "0", fromRedis); got != "+OK\r\n" {
				t.Fatalf("%s: RESTORE of Redis's payload in redpool: %q", tc.name, got)
			}
			compareKey(d, "k")
			fromUs := bulkBody(t, pc.Do("DUMP", "k"))
			if tc.same && fromUs != fromRedis {
				t.Errorf("%s: redpool's DUMP differs from Redis's\n redpool: %q\n   redis: %q", tc.name, clip(fromUs), clip(fromRedis))
			}
			d.Do("RESTORE", "k2", "0", fromUs)
			compareKey(d, "k2")
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// TestDiffRestoreOptions compares RESTORE's and DUMP's replies and errors,
// options and TTLs with one payload (Redis's) on both servers.
func TestDiffRestoreOptions(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		rc, _ := d.Conns()
		rc.Do("SET", "src", "value")
		p := bulkBody(t, rc.Do("DUMP", "src"))
		rc.Do("RPUSH", "src", "x") // WRONGTYPE for nothing: DUMP works on any type
		lp := bulkBody(t, rc.Do("DUMP", "src"))
		rc.Do("DEL", "src")
		body, footer := p[:len(p)-10], p[len(p)-10:]
		newer := body + "\x0b" + footer[1:]
		flipped := p[:len(p)-1] + string(p[len(p)-1]^1)
		cases := [][]string{
			{"DUMP"}, {"DUMP", "a", "b"}, {"DUMP", "nokey"}, {"RESTORE"}, {"RESTORE", "k", "0"},
			{"RESTORE", "k", "0", p}, {"GET", "k"}, {"TTL", "k"}, {"RESTORE", "k", "0", p}, {"RESTORE", "k", "x", p},
			{"RESTORE", "k", "0", "junk"}, {"RESTORE", "k", "0", p, "BOGUS"}, {"RESTORE", "k", "0", p, "REPLACE"},
			{"RESTORE", "k", "0", p, "REPLACE", "REPLACE", "ABSTTL"}, {"DUMP", "k"},
			{"RESTORE", "n", "x", p}, {"RESTORE", "n", "-1", p}, {"RESTORE", "n", "-1", "junk"},
			{"RESTORE", "n", "0", "junk"}, {"RESTORE", "n", "0", ""}, {"RESTORE", "n", "0", newer},
			{"RESTORE", "n", "0", flipped}, {"RESTORE", "n", "0", "\x00\x05hello"},
			{"RESTORE", "n", "0", p, "IDLETIME"}, {"RESTORE", "n", "0", p, "IDLETIME", "x"},
			{"RESTORE", "n", "0", p, "IDLETIME", "-1"}, {"RESTORE", "n", "0", p, "FREQ", "256"},
			{"RESTORE", "n", "0", p, "FREQ", "-1"}, {"RESTORE", "n", "0", p, "FREQ", "x"}, {"RESTORE", "n", "0", p, "FREQ"},
			{"RESTORE", "n", "0", p, "IDLETIME", "1", "FREQ", "2"}, {"RESTORE", "n", "0", p, "FREQ", "1", "IDLETIME", "2"},
			{"RESTORE", "n", "0", p, "BOGUS", "IDLETIME", "-1"}, {"RESTORE", "n", "0", p, "IDLETIME", "-1", "BOGUS"},
			{"RESTORE", "k", "x", p, "BOGUS"}, {"RESTORE", "k", "0", "junk", "FREQ", "-1"},
			{"RESTORE", "n", "0", p, "FREQ", "1", "FREQ", "255", "idletime"},
			{"RESTORE", "n", "0", p, "IDLETIME", "10", "IDLETIME", "9223372036854775807"}, {"GET", "n"},
			{"RESTORE", "n2", "0", p, "freq", "0", "absttl", "replace"}, {"GET", "n2"},
			// TTLs: relative, absolute, past, overflowing.
			{"RESTORE", "t1", "100000", p}, {"RESTORE", "t2", futureMs, p, "ABSTTL"}, {"PEXPIRETIME", "t2"},
			{"RESTORE", "t3", "1", p, "ABSTTL"}, {"EXISTS", "t3"}, {"SET", "t4", "old"},
			{"RESTORE", "t4", "1", p, "ABSTTL", "REPLACE"}, {"EXISTS", "t4"}, {"RESTORE", "t5", "9223372036854775807", p},
			{"EXISTS", "t5"}, {"SET", "t6", "old"}, {"RESTORE", "t6", "9223372036854775000", p, "REPLACE"}, {"EXISTS", "t6"},
			{"RESTORE", "t7", "9223372036854775807", p, "ABSTTL"}, {"PEXPIRETIME", "t7"},
			{"SET", "t8", "old", "EX", "100"}, {"RESTORE", "t8", "0", p, "REPLACE"}, {"TTL", "t8"},
			// A list payload over a string and back.
			{"RESTORE", "k", "0", lp, "REPLACE"}, {"TYPE", "k"}, {"LRANGE", "k", "0", "-1"}, {"DUMP", "k"},
			{"RESTORE", "k", "0", p, "REPLACE"}, {"TYPE", "k"},
		}
		for _, c := range cases {
			d.Do(c...)
		}
		d.DoTTL("t1")
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// TestDiffRestoreSanitize compares CONFIG GET/SET of sanitize-dump-payload
// and RESTORE of payloads only deep sanitization refuses.
func TestDiffRestoreSanitize(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		// A listpack hash with a repeated field (f, 1, f, 2) and an
		// intset out of order (2, 1): Redis takes them unless it
		// sanitizes.
		dupHash := payload("\x10\x11\x11\x00\x00\x00\x04\x00\x81f\x02\x01\x01\x81f\x02\x02\x01\xff")
		badIntset := payload("\x0b\x0c\x02\x00\x00\x00\x02\x00\x00\x00\x02\x00\x01\x00")
		cases := [][]string{
			{"CONFIG", "GET", "sanitize-dump-payload"}, {"CONFIG", "SET", "sanitize-dump-payload", "maybe"},
			{"RESTORE", "h", "0", badIntset}, {"SCARD", "h"}, {"DEL", "h"},
			{"CONFIG", "SET", "sanitize-dump-payload", "YES"}, {"CONFIG", "GET", "sanitize-dump-payload"},
			{"RESTORE", "h", "0", dupHash}, {"RESTORE", "h", "0", badIntset}, {"EXISTS", "h"},
			{"CONFIG", "SET", "sanitize-dump-payload", "clients"}, {"CONFIG", "GET", "sanitize-dump-payload"},
			{"RESTORE", "h", "0", dupHash}, {"RESTORE", "h", "0", badIntset},
			{"CONFIG", "SET", "sanitize-dump-payload", "no"},
		}
		for _, c := range cases {
			d.Do(c...)
		}
	})
}

// TestRestoreSurvivesRestart: RESTORE reaches the AOF with its TTL made
// absolute (ABSTTL), so the replay gives the key the time it had left,
// and a key a RESTORE REPLACE deleted (its TTL past) stays deleted.
func TestRestoreSurvivesRestart(t *testing.T) {
	clk := backend.NewManualClock(time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC))
	s := servertest.StartConfig(t, aofConfig(t.TempDir(), config.FsyncAlways), server.Options{Clock: clk})
	c := servertest.Dial(t, s.Addr)
	p := payload("\x00\x05hello")
	c.Expect("+OK\r\n", "RESTORE", "k", "100000", p)
	c.Expect("+OK\r\n", "SET", "gone", "v")
	c.Expect("+OK\r\n", "RESTORE", "gone", "1", p, "ABSTTL", "REPLACE")
	c.Expect("+OK\r\n", "RESTORE", "kept", "0", p, "IDLETIME", "5")
	clk.Advance(40 * time.Second)
	s = restart(t, s, server.Options{Clock: clk})
	c = servertest.Dial(t, s.Addr)
	c.Expect(":60\r\n", "TTL", "k")
	c.Expect("$5\r\nhello\r\n", "GET", "k")
	c.Expect(":0\r\n", "EXISTS", "gone")
	c.Expect(":-1\r\n", "TTL", "kept")
}
