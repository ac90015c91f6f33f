package server_test

import (
	"strconv"
	"strings"
	"testing"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// TestBulkLoadMatchesReload: a memory server that starts from a snapshot
// (the bulk load into an empty backend) holds what DEBUG RELOAD NOSAVE
// (the per-key load, through the command's transaction) makes of the same
// file,
// key for key: DEBUG DIGEST, each key's DEBUG DIGEST-VALUE, TYPE, OBJECT
// ENCODING and PTTL, every database's DBSIZE, the function libraries. The
// data has every type and encoding (strings in each form, packed and big
// hashes, sets and sorted sets, intsets, HLLs, a stream with a group and
// pending entries, a list bigger than the loader's batch, which comes in
// pieces), expiries, and several databases.
func TestBulkLoadMatchesReload(t *testing.T) {
	clk := backend.NewManualClock(snapT0)
	s := servertest.Start(t, servertest.WithConfig(snapshotMode()), servertest.WithClock(clk),
		servertest.WithConfig(func(c *config.Config) { c.DebugCommand = config.AllowYes }))
	c := servertest.Dial(t, s.Addr)
	keys := loadFillAllTypes(t, c)

	c.Expect("+OK\r\n", "SAVE")
	digest := c.Do("DEBUG", "DIGEST")
	// A load changes what the command history decided (a string APPEND
	// made raw is an int again, as in Redis), so the reference is the
	// state after the per-key load, not before.
	c.Expect("+OK\r\n", "DEBUG", "RELOAD", "NOSAVE")
	want := loadState(c, keys)
	if !strings.HasPrefix(want, "digest "+digest) {
		t.Fatalf("DEBUG RELOAD changed the digest from %q:\n%s", digest, want)
	}
	shutdown(t, s)

	s2 := servertest.StartConfig(t, s.Config, server.Options{Clock: clk})
	c2 := servertest.Dial(t, s2.Addr)
	if got := loadState(c2, keys); got != want {
		t.Fatalf("after a restart (bulk load):\n%s\nbefore:\n%s", got, want)
	}
	if got := snapInfo(t, c2, "rdb_last_load_keys_loaded"); got != strconv.Itoa(len(keys)) {
		t.Fatalf("rdb_last_load_keys_loaded = %s, want %d", got, len(keys))
	}
}

// loadKey is a key of a database.
type loadKey struct {
	db  int
	key string
}

// loadFillAllTypes writes keys of every type and encoding through c and
// returns them.
func loadFillAllTypes(t *testing.T, c *servertest.Conn) []loadKey {
	t.Helper()
	var keys []loadKey
	do := func(db int, key string, args ...string) {
		c.Expect("+OK\r\n", "SELECT", strconv.Itoa(db))
		if got := c.Do(args...); strings.HasPrefix(got, "-") {
			t.Fatalf("%q: %s", args, got)
		}
		if len(keys) == 0 || keys[len(keys)-1] != (loadKey{db, key}) {
			keys = append(keys, loadKey{db, key})
		}
	}
	many := func(prefix string, n, width int) []string {
		var out []string
		for i := range n {
			out = append(out, prefix+strconv.Itoa(i))
			if width == 2 {
				out = append(out, strconv.Itoa(i*7))
			}
		}
		return out
	}
	do(0, "str", "SET", "str", "hello")
	do(0, "int", "SET", "int", "12345")
	do(0, "raw", "SET", "raw", "12")
	do(0, "raw", "APPEND", "raw", "3")
	do(0, "float", "INCRBYFLOAT", "float", "1.5")
	do(0, "long", "SET", "long", strings.Repeat("x", 100))
	do(0, "ttl", "SET", "ttl", "v", "PX", "90000")
	do(0, "hll", "PFADD", "hll", "a", "b", "c")
	do(0, "list", "RPUSH", "list", "a", "b", "c")
	do(0, "hash", "HSET", "hash", "f", "v", "g", "w")
	do(0, "bighash", append([]string{"HSET", "bighash"}, many("f", 200, 2)...)...)
	do(0, "set", "SADD", "set", "a", "b", "c")
	do(0, "intset", "SADD", "intset", "1", "2", "3")
	do(0, "bigset", append([]string{"SADD", "bigset"}, many("m", 300, 1)...)...)
	do(0, "zset", "ZADD", "zset", "1", "a", "2.5", "b", "-inf", "c")
	do(0, "bigzset", append([]string{"ZADD", "bigzset"}, many("1", 200, 1)...)...)
	do(0, "bigzset", append([]string{"ZADD", "bigzset"}, "3", "x", "4", "y")...)
	for i := range 3 {
		do(0, "stream", "XADD", "stream", "1-"+strconv.Itoa(i+1), "f", "v"+strconv.Itoa(i))
	}
	do(0, "stream", "XGROUP", "CREATE", "stream", "g", "0")
	do(0, "stream", "XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "stream", ">")
	do(0, "stream", "PEXPIRE", "stream", "500000")
	// A list of more than the loader's 8 MB batch comes in pieces.
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MB
	for range 9 {
		do(0, "huge", "RPUSH", "huge", big)
	}
	do(3, "str3", "SET", "str3", "three", "PX", "70000")
	do(3, "hash3", "HSET", "hash3", "a", "1")
	do(3, "hash3", "PEXPIRE", "hash3", "80000")
	do(15, "zset15", "ZADD", "zset15", "1", "one")
	c.Expect("+OK\r\n", "SELECT", "0")
	if got := c.Do("FUNCTION", "LOAD", "#!lua name=loadlib\nredis.register_function('loadf', function() return 1 end)"); got != "$7\r\nloadlib\r\n" {
		t.Fatalf("FUNCTION LOAD: %q", got)
	}
	return keys
}

// loadState renders what the test compares: the digest, each database's
// size, each key's type, encoding, expiry and value digest, the functions.
func loadState(c *servertest.Conn, keys []loadKey) string {
	var b strings.Builder
	b.WriteString("digest " + c.Do("DEBUG", "DIGEST"))
	for db := range 16 {
		c.Do("SELECT", strconv.Itoa(db))
		b.WriteString("db" + strconv.Itoa(db) + " size " + c.Do("DBSIZE"))
	}
	for _, k := range keys {
		c.Do("SELECT", strconv.Itoa(k.db))
		b.WriteString(strconv.Itoa(k.db) + " " + k.key + ": " + c.Do("TYPE", k.key) + c.Do("OBJECT", "ENCODING", k.key) +
			c.Do("PTTL", k.key) + c.Do("DEBUG", "DIGEST-VALUE", k.key))
		if k.key == "stream" { // its group and pending entries
			b.WriteString(c.Do("XINFO", "GROUPS", k.key) + c.Do("XPENDING", k.key, "g"))
		}
	}
	c.Do("SELECT", "0")
	b.WriteString("functions " + c.Do("FUNCTION", "LIST"))
	return b.String()
}
