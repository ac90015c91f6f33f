package server_test

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
	"redpool/session/resp"
)

// Transcript tests for the generic key commands and expiry.

// TestOriginalServerCommands exercises the commands of the original C++
// server with their documented replies.
func TestOriginalServerCommands(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, clk := startClocked(t, b)
		c.Expect("+PONG\r\n", "PING")
		c.Expect(wire.Bulk("hello"), "PING", "hello")
		c.Expect(wire.Bulk("hello world"), "ECHO", "hello world")
		c.Expect(wireOK, "FLUSHALL")
		c.Expect(wireOK, "SET", "name", "redpool")
		c.Expect(wire.Bulk("redpool"), "GET", "name")
		c.Expect(wireNull, "GET", "nothing")
		c.Expect(wireOK, "SET", "user:1", "a")
		c.Expect(wireOK, "SET", "user:2", "b")
		c.Expect(wire.Bulks("name"), "KEYS", "n*")
		c.Expect(wire.Bulks(), "KEYS", "zzz*")
		expectUnordered(t, c, []string{"user:1", "user:2"}, "KEYS", "user:*")
		c.Expect(wire.Simple("string"), "TYPE", "name")
		c.Expect(wire.Simple("none"), "TYPE", "nothing")
		c.Expect(wire.Int(1), "DEL", "user:1")
		c.Expect(wire.Int(0), "DEL", "user:1")
		c.Expect(wire.Int(1), "UNLINK", "user:2", "nothing")
		c.Expect(wire.Int(1), "EXPIRE", "name", "10")
		c.Expect(wire.Int(0), "EXPIRE", "nothing", "10")
		clk.Advance(9 * time.Second)
		c.Expect(wire.Bulk("redpool"), "GET", "name")
		c.Expect(wireOK, "RENAME", "name", "renamed")
		c.Expect(wireNull, "GET", "name")
		c.Expect(wire.Bulk("redpool"), "GET", "renamed")
		c.Expect(wire.Err("ERR no such key"), "RENAME", "name", "other")
		clk.Advance(time.Second) // the TTL moved with the key
		c.Expect(wireNull, "GET", "renamed")
		c.Expect(wire.Bulks(), "KEYS", "*")
		c.Expect(wireOK, "FLUSHALL")
	})
}

func TestKeysBasics(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wireOK, "MSET", "a", "1", "b", "2", "c", "3")
		c.Expect(wire.Int(5), "EXISTS", "a", "a", "b", "c", "missing", "c")
		c.Expect(wire.Int(3), "TOUCH", "a", "b", "missing", "a")
		c.Expect(wire.Int(2), "DEL", "a", "a", "b", "missing")
		c.Expect(wire.Int(1), "UNLINK", "c")
		c.Expect(wire.Int(0), "EXISTS", "a", "b", "c")
		c.Expect(wire.Err("ERR wrong number of arguments for 'del' command"), "DEL")
		c.Expect(wire.Err("ERR wrong number of arguments for 'exists' command"), "EXISTS")
		c.Expect(wire.Err("ERR wrong number of arguments for 'touch' command"), "TOUCH")
		c.Expect(wire.Err("ERR wrong number of arguments for 'type' command"), "TYPE", "a", "b")

		c.Expect(wireNull, "RANDOMKEY")
		c.Expect(wireOK, "SET", "only", "x")
		c.Expect(wire.Bulk("only"), "RANDOMKEY")
		c.Expect(wireOK, "SET", "other", "y")
		for i := 0; i < 20; i++ {
			if got := c.Do("RANDOMKEY"); got != wire.Bulk("only") && got != wire.Bulk("other") {
				t.Fatalf("RANDOMKEY = %q", got)
			}
		}
		c.Expect(wire.Err("ERR wrong number of arguments for 'randomkey' command"), "RANDOMKEY", "x")

		// Binary-safe and empty key names.
		c.Expect(wireOK, "SET", "", "empty")
		c.Expect(wire.Bulk("empty"), "GET", "")
		c.Expect(wire.Int(1), "EXISTS", "")
		c.Expect(wireOK, "SET", "a\x00b", "nul")
		c.Expect(wire.Simple("string"), "TYPE", "a\x00b")
		c.Expect(wire.Bulks("a\x00b"), "KEYS", "a?b")
	})
}

func TestKeysPatterns(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		for _, k := range []string{"hello", "hallo", "hxllo", "hllo", "heeello", "h*llo", "h[llo", `h\llo`, "user:1", "user:22"} {
			c.Expect(wireOK, "SET", k, "x")
		}
		for _, tc := range []struct {
			pat  string
			want []string
		}{
			{"h?llo", []string{"h*llo", "h[llo", `h\llo`, "hallo", "hello", "hxllo"}},
			{"h*llo", []string{"h*llo", "h[llo", `h\llo`, "hallo", "heeello", "hello", "hllo", "hxllo"}},
			{"h[ae]llo", []string{"hallo", "hello"}},
			{"h[^e]llo", []string{"h*llo", "h[llo", `h\llo`, "hallo", "hxllo"}},
			{"h[a-e]llo", []string{"hallo", "hello"}},
			{"h[e-a]llo", []string{"hallo", "hello"}},
			{`h\*llo`, []string{"h*llo"}},
			{`h[\[]llo`, []string{"h[llo"}},
			{`h\\llo`, []string{`h\llo`}},
			{"user:?", []string{"user:1"}},
			{"user:*", []string{"user:1", "user:22"}},
			{"*", []string{"h*llo", "h[llo", `h\llo`, "hallo", "heeello", "hello", "hllo", "hxllo", "user:1", "user:22"}},
			{"nomatch*", nil},
			{"HELLO", nil},
		} {
			expectUnordered(t, c, tc.want, "KEYS", tc.pat)
		}
		c.Expect(wire.Err("ERR wrong number of arguments for 'keys' command"), "KEYS")
	})
}

// expectUnordered checks a flat array reply of bulk strings regardless of
// order.
func expectUnordered(t *testing.T, c *servertest.Conn, want []string, args ...string) {
	t.Helper()
	got := servertest.SortedElements(c.Do(args...))
	if w := servertest.SortedElements(wire.Bulks(want...)); got != w {
		t.Errorf("%s\n got: %s\nwant: %s", servertest.Quote(args), got, w)
	}
}

// scanAll runs a SCAN iteration to the end and returns every key seen,
// with how often, and the number of calls.
func scanAll(t *testing.T, c *servertest.Conn, opts ...string) (map[string]int, int) {
	t.Helper()
	seen := map[string]int{}
	cursor, calls := "0", 0
	for {
		raw := c.Do(append([]string{"SCAN", cursor}, opts...)...)
		calls++
		v, err := resp.ReadReply(bufio.NewReader(strings.NewReader(raw)))
		if err != nil || v.Kind != resp.Array || len(v.Array) != 2 || v.Array[1].Kind != resp.Array {
			t.Fatalf("SCAN %s: bad reply %q (%v)", cursor, raw, err)
		}
		if !strings.HasPrefix(raw, "*2\r\n$") {
			t.Fatalf("SCAN cursor is not a bulk string: %q", raw)
		}
		for _, k := range v.Array[1].Array {
			seen[string(k.Str)]++
		}
		cursor = string(v.Array[0].Str)
		if cursor == "0" {
			return seen, calls
		}
		if calls > 1_000_000 {
			t.Fatal("SCAN does not end")
		}
	}
}

func TestKeysScan(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, clk := startClocked(t, b)
		c.Expect(wire.Array(wire.Bulk("0"), wire.Array()), "SCAN", "0")
		const n = 500
		for i := 0; i < n; i++ {
			c.Expect(wireOK, "SET", fmt.Sprintf("key:%03d", i), "v")
		}
		c.Expect(wire.Int(2), "RPUSH", "list:1", "a", "b")
		c.Expect(wire.Int(1), "HSET", "hash:1", "f", "v")

		seen, calls := scanAll(t, c)
		if len(seen) != n+2 {
			t.Errorf("SCAN saw %d keys, want %d", len(seen), n+2)
		}
		if calls < 2 {
			t.Errorf("SCAN with COUNT 10 took %d calls for %d keys", calls, n+2)
		}
		seen, _ = scanAll(t, c, "COUNT", "1000")
		if len(seen) != n+2 {
			t.Errorf("SCAN COUNT 1000 saw %d keys", len(seen))
		}
		seen, _ = scanAll(t, c, "MATCH", "key:1*", "COUNT", "7")
		if len(seen) != 100 {
			t.Errorf("SCAN MATCH key:1* saw %d keys, want 100", len(seen))
		}
		for k := range seen {
			if !strings.HasPrefix(k, "key:1") {
				t.Errorf("SCAN MATCH returned %q", k)
			}
		}
		for typ, want := range map[string]string{"list": "list:1", "HASH": "hash:1"} {
			seen, _ = scanAll(t, c, "TYPE", typ, "COUNT", "50")
			if len(seen) != 1 || seen[want] != 1 {
				t.Errorf("SCAN TYPE %s = %v", typ, seen)
			}
		}
		if seen, _ = scanAll(t, c, "TYPE", "string", "MATCH", "*"); len(seen) != n {
			t.Errorf("SCAN TYPE string saw %d keys", len(seen))
		}
		if seen, _ = scanAll(t, c, "TYPE", "nosuchtype", "COUNT", "100"); len(seen) != 0 {
			t.Errorf("SCAN TYPE nosuchtype = %v", seen)
		}
		// Expired keys are not returned.
		c.Expect(wireOK, "SET", "key:001", "v", "PX", "10")
		clk.Advance(10 * time.Millisecond)
		if seen, _ = scanAll(t, c, "MATCH", "key:00?", "COUNT", "100"); len(seen) != 9 || seen["key:001"] != 0 {
			t.Errorf("SCAN after expiry = %v", seen)
		}

		invalid := wire.Err("ERR invalid cursor")
		for _, cur := range []string{"abc", " 1", "1 ", "1.5", "+", "-", "18446744073709551616", "0x10"} {
			c.Expect(invalid, "SCAN", cur)
		}
		c.Expect(invalid, "SCAN", "x", "COUNT", "0") // the cursor is checked first
		for _, opts := range [][]string{
			{"COUNT", "0"}, {"COUNT", "-1"}, {"MATCH"}, {"COUNT"}, {"TYPE"}, {"BOGUS", "x"}, {"COUNT", "5", "MATCH"},
		} {
			c.Expect(wireSyntax, append([]string{"SCAN", "0"}, opts...)...)
		}
		c.Expect(wireNotInt, "SCAN", "0", "COUNT", "ten")
		c.Expect(wire.Err("ERR wrong number of arguments for 'scan' command"), "SCAN")
		// Cursors Redis accepts: empty, signed, leading zeros.
		for _, cur := range []string{"", "+0", "-0", "000"} {
			if raw := c.Do("SCAN", cur, "COUNT", "1"); !strings.HasPrefix(raw, "*2\r\n$") {
				t.Errorf("SCAN %q = %q", cur, raw)
			}
		}
	})
}

// TestKeysScanConcurrentWrites checks SCAN's guarantee through the server:
// while writers add and delete other keys, every key present for the whole
// iteration is returned.
func TestKeysScanConcurrentWrites(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		c := servertest.Dial(t, s.Addr)
		const stable = 2000
		var req strings.Builder
		for i := 0; i < stable; i++ {
			req.Write(resp.AppendCommandStrings(nil, "SET", "stable:"+strconv.Itoa(i), "v"))
		}
		c.Write(req.String())
		for i := 0; i < stable; i++ {
			if got := c.Read(); got != wireOK {
				t.Fatalf("SET reply %q", got)
			}
		}

		var stop atomic.Bool
		var writes atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wc := servertest.Dial(t, s.Addr)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; !stop.Load(); i++ {
					k := fmt.Sprintf("churn:%d:%d", w, i%300)
					var raw string
					if i%3 == 2 {
						raw = wc.Do("DEL", k)
					} else {
						raw = wc.Do("SET", k, "x")
					}
					if strings.HasPrefix(raw, "-") {
						t.Errorf("writer: %q", raw)
						return
					}
					writes.Add(1)
				}
			}()
		}
		var seen map[string]int
		var calls int
		for round := 0; round < 5; round++ {
			seen, calls = scanAll(t, c, "COUNT", "25")
			for i := 0; i < stable; i++ {
				if seen["stable:"+strconv.Itoa(i)] == 0 {
					t.Errorf("round %d: SCAN missed stable:%d", round, i)
				}
			}
		}
		stop.Store(true)
		wg.Wait()
		t.Logf("last SCAN: %d calls, %d distinct keys; %d concurrent writes", calls, len(seen), writes.Load())
		if writes.Load() == 0 {
			t.Error("writers made no progress while SCAN ran")
		}
	})
}

func TestKeysRename(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, clk := startClocked(t, b)
		noKey := wire.Err("ERR no such key")
		c.Expect(noKey, "RENAME", "a", "b")
		c.Expect(noKey, "RENAME", "a", "a")
		c.Expect(noKey, "RENAMENX", "a", "b")
		c.Expect(noKey, "RENAMENX", "a", "a")
		c.Expect(wireOK, "SET", "a", "1", "EX", "100")
		c.Expect(wireOK, "RENAME", "a", "a")
		c.Expect(wire.Int(0), "RENAMENX", "a", "a")
		c.Expect(wire.Int(100), "TTL", "a")
		c.Expect(wireOK, "RENAME", "a", "b")
		c.Expect(wire.Int(0), "EXISTS", "a")
		c.Expect(wire.Int(100), "TTL", "b")
		c.Expect(wireOK, "SET", "c", "3")
		c.Expect(wire.Int(0), "RENAMENX", "b", "c")
		c.Expect(wire.Bulk("3"), "GET", "c")
		c.Expect(wire.Int(1), "RENAMENX", "b", "d")
		c.Expect(wire.Int(100), "TTL", "d")
		// RENAME replaces the destination, its TTL included.
		c.Expect(wireOK, "SET", "e", "5")
		c.Expect(wireOK, "RENAME", "e", "d")
		c.Expect(wire.Int(-1), "TTL", "d")
		c.Expect(wire.Bulk("5"), "GET", "d")
		// Any type moves.
		c.Expect(wire.Int(2), "RPUSH", "l", "x", "y")
		c.Expect(wireOK, "RENAME", "l", "d")
		c.Expect(wire.Simple("list"), "TYPE", "d")
		// An expired source is gone.
		c.Expect(wireOK, "SET", "gone", "x", "PX", "5")
		clk.Advance(5 * time.Millisecond)
		c.Expect(noKey, "RENAME", "gone", "x")
	})
}

func TestKeysCopyMoveSwap(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		same := wire.Err("ERR source and destination objects are the same")
		outOfRange := wire.Err("ERR DB index is out of range")
		intRange := wire.Err("ERR value is out of range, value must between -2147483648 and 2147483647")

		c.Expect(wireOK, "SET", "k", "v", "EX", "100")
		c.Expect(wire.Int(0), "COPY", "missing", "x")
		c.Expect(same, "COPY", "k", "k")
		c.Expect(same, "COPY", "k", "k", "DB", "0")
		c.Expect(wire.Int(1), "COPY", "k", "k2")
		c.Expect(wire.Int(100), "TTL", "k2")
		c.Expect(wire.Int(0), "COPY", "k", "k2")
		c.Expect(wireOK, "SET", "k", "new")
		c.Expect(wire.Int(1), "COPY", "k", "k2", "REPLACE")
		c.Expect(wire.Bulk("new"), "GET", "k2")
		c.Expect(wire.Int(-1), "TTL", "k2")
		c.Expect(wire.Int(1), "COPY", "k", "k", "DB", "1")
		c.Expect(wire.Int(0), "COPY", "k", "k", "db", "1")
		c.Expect(wire.Int(1), "COPY", "k", "k", "replace", "db", "1", "REPLACE")
		c.Expect(outOfRange, "COPY", "k", "x", "DB", "16")
		c.Expect(outOfRange, "COPY", "k", "x", "DB", "-1")
		c.Expect(intRange, "COPY", "k", "x", "DB", "2147483648")
		c.Expect(wireNotInt, "COPY", "k", "x", "DB", "one")
		c.Expect(wireSyntax, "COPY", "k", "x", "DB")
		c.Expect(wireSyntax, "COPY", "k", "x", "BOGUS")
		c.Expect(wire.Int(2), "RPUSH", "l", "a", "b")
		c.Expect(wire.Int(1), "COPY", "l", "l2")
		c.Expect(wire.Int(3), "RPUSH", "l", "c") // the copy is independent
		c.Expect(wire.Bulks("a", "b"), "LRANGE", "l2", "0", "-1")
		c.Expect(wire.Int(1), "HSET", "h", "f", "v")
		c.Expect(wire.Int(1), "COPY", "h", "h2", "DB", "2")

		c.Expect(wireOK, "SELECT", "1")
		c.Expect(wire.Bulk("new"), "GET", "k")
		c.Expect(wireOK, "SELECT", "2")
		c.Expect(wire.Simple("hash"), "TYPE", "h2")
		c.Expect(wireOK, "SELECT", "0")

		// MOVE
		c.Expect(same, "MOVE", "k", "0")
		c.Expect(outOfRange, "MOVE", "k", "16")
		c.Expect(outOfRange, "MOVE", "k", "-1")
		c.Expect(intRange, "MOVE", "k", "-2147483649")
		c.Expect(wireNotInt, "MOVE", "k", "x")
		c.Expect(wire.Int(0), "MOVE", "missing", "1")
		c.Expect(wire.Int(0), "MOVE", "k", "1") // exists there
		c.Expect(wireOK, "SET", "m", "v", "PX", "50000")
		c.Expect(wire.Int(1), "MOVE", "m", "3")
		c.Expect(wire.Int(0), "EXISTS", "m")
		c.Expect(wireOK, "SELECT", "3")
		c.Expect(wire.Int(50000), "PTTL", "m")

		// SWAPDB
		c.Expect(wireOK, "SWAPDB", "3", "0")
		c.Expect(wire.Int(0), "EXISTS", "m")
		c.Expect(wire.Int(1), "EXISTS", "k2")
		c.Expect(wireOK, "SELECT", "0")
		c.Expect(wire.Bulk("v"), "GET", "m")
		c.Expect(wireOK, "SWAPDB", "0", "0")
		c.Expect(wire.Bulk("v"), "GET", "m")
		c.Expect(wire.Err("ERR invalid first DB index"), "SWAPDB", "a", "0")
		c.Expect(wire.Err("ERR invalid first DB index"), "SWAPDB", "2147483648", "0")
		c.Expect(wire.Err("ERR invalid second DB index"), "SWAPDB", "0", "b")
		c.Expect(wire.Err("ERR invalid first DB index"), "SWAPDB", "x", "y")
		c.Expect(outOfRange, "SWAPDB", "0", "16")
		c.Expect(outOfRange, "SWAPDB", "-1", "0")
		c.Expect(wire.Err("ERR wrong number of arguments for 'swapdb' command"), "SWAPDB", "0")
	})
}

func TestKeysExpire(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, clk := startClocked(t, b)
		c.Expect(wire.Int(0), "EXPIRE", "k", "10")
		c.Expect(wire.Int(-2), "TTL", "k")
		c.Expect(wire.Int(-2), "PTTL", "k")
		c.Expect(wire.Int(-2), "EXPIRETIME", "k")
		c.Expect(wire.Int(-2), "PEXPIRETIME", "k")
		c.Expect(wire.Int(0), "PERSIST", "k")
		c.Expect(wireOK, "SET", "k", "v")
		c.Expect(wire.Int(-1), "TTL", "k")
		c.Expect(wire.Int(-1), "PTTL", "k")
		c.Expect(wire.Int(-1), "EXPIRETIME", "k")
		c.Expect(wire.Int(-1), "PEXPIRETIME", "k")
		c.Expect(wire.Int(0), "PERSIST", "k")

		c.Expect(wire.Int(1), "EXPIRE", "k", "10")
		c.Expect(wire.Int(10), "TTL", "k")
		c.Expect(wire.Int(10000), "PTTL", "k")
		c.Expect(wire.Int(clockStart.Unix()+10), "EXPIRETIME", "k")
		c.Expect(wire.Int(clockStart.UnixMilli()+10000), "PEXPIRETIME", "k")
		c.Expect(wire.Int(1), "PEXPIRE", "k", "1500")
		c.Expect(wire.Int(2), "TTL", "k")
		clk.Advance(501 * time.Millisecond)
		c.Expect(wire.Int(1), "TTL", "k")
		c.Expect(wire.Int(999), "PTTL", "k")
		c.Expect(wire.Int(1), "EXPIREAT", "k", atSecs(60*time.Second))
		c.Expect(wire.Int(clockStart.Unix()+60), "EXPIRETIME", "k")
		c.Expect(wire.Int(1), "PEXPIREAT", "k", atMs(2*time.Second))
		c.Expect(wire.Int(1499), "PTTL", "k")
		c.Expect(wire.Int(1), "PERSIST", "k")
		c.Expect(wire.Int(-1), "TTL", "k")

		// A time at or before now deletes the key.
		for _, args := range [][]string{
			{"EXPIRE", "k", "0"}, {"EXPIRE", "k", "-10"}, {"PEXPIRE", "k", "0"}, {"EXPIREAT", "k", "1"},
			{"PEXPIREAT", "k", atMs(501 * time.Millisecond)}, {"PEXPIREAT", "k", "-9223372036854775808"},
			{"EXPIRE", "k", "-9223372036854775"},
		} {
			c.Expect(wireOK, "SET", "k", "v")
			c.Expect(wire.Int(1), args...)
			c.Expect(wire.Int(0), "EXISTS", "k")
		}

		// Expiry happens at exactly the expire time.
		c.Expect(wireOK, "SET", "k", "v")
		c.Expect(wire.Int(1), "PEXPIRE", "k", "100")
		clk.Advance(99 * time.Millisecond)
		c.Expect(wire.Int(1), "PTTL", "k")
		c.Expect(wire.Int(1), "EXISTS", "k")
		clk.Advance(time.Millisecond)
		c.Expect(wire.Int(0), "EXISTS", "k")
		c.Expect(wire.Int(-2), "TTL", "k")
		c.Expect(wire.Int(0), "EXPIRE", "k", "100")

		// Overflow.
		c.Expect(wireOK, "SET", "k", "v")
		for _, tc := range []struct{ cmd, arg string }{
			{"EXPIRE", "9223372036854776"}, {"EXPIRE", "-9223372036854776"}, {"EXPIRE", "9223372036854775"},
			{"PEXPIRE", "9223372036854775807"}, {"EXPIREAT", "9223372036854776"},
		} {
			c.Expect(wire.Err("ERR invalid expire time in '"+strings.ToLower(tc.cmd)+"' command"), tc.cmd, "k", tc.arg)
		}
		c.Expect(wireNotInt, "EXPIRE", "k", "ten")
		c.Expect(wireNotInt, "EXPIRE", "k", "1.5")
		c.Expect(wire.Int(1), "PEXPIREAT", "k", "9223372036854775807")
		c.Expect(wire.Int(9223372036854775807), "PEXPIRETIME", "k")
		c.Expect(wire.Int(9223372036854776), "EXPIRETIME", "k")
		c.Expect(wire.Int(1), "EXPIREAT", "k", "9223372036854775")
	})
}

func TestKeysExpireConditions(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wireOK, "SET", "k", "v")
		c.Expect(wire.Int(0), "EXPIRE", "k", "100", "XX")
		c.Expect(wire.Int(0), "EXPIRE", "k", "100", "GT") // no TTL counts as infinite
		c.Expect(wire.Int(-1), "TTL", "k")
		c.Expect(wire.Int(1), "EXPIRE", "k", "100", "LT")
		c.Expect(wire.Int(0), "EXPIRE", "k", "50", "NX")
		c.Expect(wire.Int(0), "EXPIRE", "k", "100", "GT")
		c.Expect(wire.Int(1), "EXPIRE", "k", "200", "gt")
		c.Expect(wire.Int(0), "EXPIRE", "k", "200", "LT")
		c.Expect(wire.Int(1), "EXPIRE", "k", "150", "lt")
		c.Expect(wire.Int(1), "EXPIRE", "k", "300", "XX", "GT")
		c.Expect(wire.Int(0), "EXPIRE", "k", "100", "XX", "GT")
		c.Expect(wire.Int(1), "PEXPIRE", "k", "100", "XX", "LT")
		c.Expect(wire.Int(100), "PTTL", "k")
		c.Expect(wire.Int(1), "PERSIST", "k")
		c.Expect(wire.Int(1), "PEXPIREAT", "k", atMs(time.Hour), "NX")
		c.Expect(wire.Int(3600), "TTL", "k")
		c.Expect(wire.Int(0), "EXPIREAT", "k", atSecs(time.Hour), "GT")
		c.Expect(wire.Int(1), "EXPIREAT", "k", atSecs(time.Hour), "XX")
		// LT with a past time deletes.
		c.Expect(wire.Int(1), "EXPIRE", "k", "-1", "LT")
		c.Expect(wire.Int(0), "EXISTS", "k")
		c.Expect(wire.Int(0), "EXPIRE", "missing", "10", "NX")

		c.Expect(wireOK, "SET", "k", "v")
		nx := wire.Err("ERR NX and XX, GT or LT options at the same time are not compatible")
		gtlt := wire.Err("ERR GT and LT options at the same time are not compatible")
		for _, f := range [][]string{{"NX", "XX"}, {"XX", "NX"}, {"NX", "GT"}, {"LT", "NX"}, {"NX", "GT", "LT"}} {
			c.Expect(nx, append([]string{"EXPIRE", "k", "10"}, f...)...)
		}
		c.Expect(gtlt, "EXPIRE", "k", "10", "GT", "LT")
		c.Expect(gtlt, "PEXPIREAT", "k", "10", "XX", "lt", "gt")
		c.Expect(wire.Err("ERR Unsupported option foo"), "EXPIRE", "k", "10", "foo")
		c.Expect(wire.Err("ERR Unsupported option FOO BAR"), "EXPIRE", "k", "10", "NX", "FOO BAR")
		c.Expect(wire.Err("ERR Unsupported option x"), "EXPIRE", "k", "abc", "x")     // before the time
		c.Expect(nx, "EXPIRE", "k", "abc", "NX", "XX")                                // before the time
		c.Expect(wire.Err("ERR Unsupported option a b"), "PEXPIRE", "k", "1", "a\nb") // newlines become spaces
		c.Expect(wire.Int(-1), "TTL", "k")
	})
}

func TestKeysObject(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, _ := startClocked(t, b)
		c.Expect(wire.Err("ERR unknown subcommand 'foo'. Try OBJECT HELP."), "OBJECT", "foo")
		c.Expect(wire.Err("ERR unknown subcommand 'foo'. Try OBJECT HELP."), "OBJECT", "foo", "k")
		c.Expect(wire.Err("ERR wrong number of arguments for 'object' command"), "OBJECT")
		c.Expect(wire.Err("ERR wrong number of arguments for 'object|encoding' command"), "OBJECT", "ENCODING")
		c.Expect(wire.Err("ERR wrong number of arguments for 'object|encoding' command"), "OBJECT", "encoding", "a", "b")
		c.Expect(wire.Err("ERR wrong number of arguments for 'object|help' command"), "OBJECT", "HELP", "x")
		help := c.Do("OBJECT", "HELP")
		if !strings.HasPrefix(help, "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n") {
			t.Errorf("OBJECT HELP = %q", help)
		}
		for _, sub := range []string{"ENCODING", "REFCOUNT", "IDLETIME", "FREQ"} {
			c.Expect(wireNull, "OBJECT", sub, "missing")
		}
		for _, tc := range []struct{ val, enc string }{
			{"v", "embstr"}, {"123", "int"}, {"-1", "int"}, {"9223372036854775807", "int"},
			{"9223372036854775808", "embstr"}, {"01", "embstr"}, {"", "embstr"},
			{strings.Repeat("x", 44), "embstr"}, {strings.Repeat("x", 45), "raw"},
		} {
			c.Expect(wireOK, "SET", "s", tc.val)
			c.Expect(wire.Bulk(tc.enc), "OBJECT", "ENCODING", "s")
		}
		for _, tc := range []struct {
			val  string
			refs int64
		}{{"0", 2147483647}, {"9999", 2147483647}, {"10000", 1}, {"-1", 1}, {"x", 1}} {
			c.Expect(wireOK, "SET", "s", tc.val)
			c.Expect(wire.Int(tc.refs), "OBJECT", "REFCOUNT", "s")
		}
		c.Expect(wire.Int(0), "OBJECT", "IDLETIME", "s")
		c.Expect(wire.Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."),
			"OBJECT", "FREQ", "s")
		c.Expect(wire.Int(3), "RPUSH", "l", "a", "b", "c")
		c.Expect(wire.Bulk("quicklist"), "OBJECT", "ENCODING", "l")
		c.Expect(wire.Int(1), "OBJECT", "REFCOUNT", "l")
		c.Expect(wire.Int(1), "HSET", "h", "f", "v")
		c.Expect(wire.Bulk("listpack"), "OBJECT", "encoding", "h")
		c.Expect(wire.Int(1), "HSET", "h", "big", strings.Repeat("x", 65))
		c.Expect(wire.Bulk("hashtable"), "OBJECT", "ENCODING", "h")

		c.Expect(wireOK, "CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
		c.Expect(wireOK, "SET", "s2", "v") // a new key starts at LFU_INIT_VAL
		c.Expect(wire.Int(5), "OBJECT", "FREQ", "s2")
		c.Expect(wire.Err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."),
			"OBJECT", "IDLETIME", "s")
	})
}

// TestKeysExpireAcrossTypes: TTLs apply to every type and the reads of
// other families see expiry too.
func TestKeysExpireAcrossTypes(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c, clk := startClocked(t, b)
		c.Expect(wire.Int(1), "RPUSH", "l", "a")
		c.Expect(wire.Int(1), "HSET", "h", "f", "v")
		c.Expect(wire.Int(1), "PEXPIRE", "l", "10")
		c.Expect(wire.Int(1), "PEXPIRE", "h", "20")
		c.Expect(wire.Int(2), "EXISTS", "l", "h")
		clk.Advance(10 * time.Millisecond)
		c.Expect(wire.Simple("none"), "TYPE", "l")
		c.Expect(wire.Simple("hash"), "TYPE", "h")
		clk.Advance(10 * time.Millisecond)
		c.Expect(wire.Int(0), "EXISTS", "l", "h")
		keys := c.Do("KEYS", "*")
		if keys != wire.Bulks() {
			t.Errorf("KEYS after expiry = %q", keys)
		}
	})
}
