package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// TestAOFBulkReplayMatchesReload: an AOF loaded at start (its leading
// SET records in one bulk load) leaves what DEBUG LOADAOF (every record
// through the engine) leaves, key by key: type, encoding, TTL, value,
// memory usage, and the digest and key counts. Once on the log as written
// and once after a rewrite (a base of SET and PEXPIREAT records and an
// incr file).
func TestAOFBulkReplayMatchesReload(t *testing.T) {
	for _, rewrite := range []bool{false, true} {
		t.Run("rewrite="+strconv.FormatBool(rewrite), func(t *testing.T) {
			clk := backend.NewManualClock(time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC))
			cfg := aofConfig(t.TempDir(), config.FsyncAlways)
			cfg.DebugCommand = config.AllowYes
			s := servertest.StartConfig(t, cfg, server.Options{Clock: clk})
			c := servertest.Dial(t, s.Addr)
			keys := aofbulkFill(t, c, rewrite)
			c.Expect("+OK\r\n", "DEBUG", "LOADAOF")
			want := aofbulkState(c, keys)
			shutdown(t, s)

			s2 := servertest.StartConfig(t, s.Config, server.Options{Clock: clk})
			c2 := servertest.Dial(t, s2.Addr)
			if got := aofbulkState(c2, keys); got != want {
				t.Fatalf("after a restart (bulk replay):\n%s\nafter DEBUG LOADAOF:\n%s", got, want)
			}
		})
	}
}

// aofbulkFill writes strings of every encoding, with and without TTLs,
// duplicates and a few other types, in several databases, through c; with
// rewrite, it rewrites the log and writes more after. It returns the keys.
func aofbulkFill(t *testing.T, c *servertest.Conn, rewrite bool) []loadKey {
	t.Helper()
	var keys []loadKey
	db := 0
	do := func(key string, args ...string) {
		t.Helper()
		if got := c.Do(args...); strings.HasPrefix(got, "-") {
			t.Fatalf("%q: %s", args, got)
		}
		keys = append(keys, loadKey{db, key})
	}
	sel := func(n int) {
		t.Helper()
		c.Expect("+OK\r\n", "SELECT", strconv.Itoa(n))
		db = n
	}
	sel(0)
	for i := range 300 {
		k := "key:" + strconv.Itoa(i)
		do(k, "SET", k, "value:"+strconv.Itoa(i))
		if i%10 == 0 {
			do(k, "PEXPIRE", k, strconv.Itoa(1000*(i+1)))
		}
	}
	do("str", "SET", "str", "hello")
	do("int", "SET", "int", "12345")
	do("neg", "SET", "neg", "-12")
	do("lead", "SET", "lead", "0123")
	do("empty", "SET", "empty", "")
	do("dup", "SET", "dup", "first")
	do("dup", "SET", "dup", "second")
	do("long", "SET", "long", strings.Repeat("x", 100))
	do("big", "SET", "big", strings.Repeat("y", 5000))
	do("ttl", "SET", "ttl", "v", "PX", "90000")
	do("ttl2", "SET", "ttl2", "v")
	do("ttl2", "PEXPIRE", "ttl2", "50000")
	do("raw", "SET", "raw", "12")
	do("raw", "APPEND", "raw", "3")
	do("float", "INCRBYFLOAT", "float", "1.5")
	do("hash", "HSET", "hash", "f", "v")
	do("after", "SET", "after", "1")
	sel(3)
	do("str3", "SET", "str3", "three", "PX", "70000")
	do("n3", "SET", "n3", "-5")
	do("hash3", "HSET", "hash3", "a", "1")
	sel(15)
	do("z", "SET", "z", "1")
	if rewrite {
		c.Expect("+Background append only file rewriting started\r\n", "BGREWRITEAOF")
		waitInfo(t, c, "aof_rewrite_in_progress", "0")
		sel(0)
		do("str", "SET", "str", "world")
		do("new", "SET", "new", "1")
		do("key:5", "DEL", "key:5")
		sel(3)
		do("n3", "DEL", "n3")
		c.Expect("+OK\r\n", "MULTI")
		c.Expect("+QUEUED\r\n", "SET", "m", "1")
		c.Expect("+QUEUED\r\n", "INCR", "m")
		c.Expect("*2\r\n+OK\r\n:2\r\n", "EXEC")
		keys = append(keys, loadKey{3, "m"})
	}
	c.Expect("+OK\r\n", "SELECT", "0")
	return keys
}

// aofbulkState renders loadState's figures (digest, database sizes, each
// key's type, encoding, TTL and value digest), INFO keyspace and each
// key's memory usage and string value.
func aofbulkState(c *servertest.Conn, keys []loadKey) string {
	var b strings.Builder
	b.WriteString(loadState(c, keys))
	for _, line := range strings.Split(c.Do("INFO", "keyspace"), "\r\n") {
		if strings.HasPrefix(line, "$") {
			continue // the length varies with avg_ttl
		}
		line, _, _ = strings.Cut(line, ",avg_ttl") // an estimate
		b.WriteString(line + "\n")
	}
	for _, k := range keys {
		c.Do("SELECT", strconv.Itoa(k.db))
		b.WriteString(strconv.Itoa(k.db) + " " + k.key + ": " + c.Do("MEMORY", "USAGE", k.key))
		if strings.HasPrefix(c.Do("TYPE", k.key), "+string") {
			b.WriteString(c.Do("GET", k.key))
		}
	}
	c.Do("SELECT", "0")
	return b.String()
}
