package server_test

import (
	"bufio"
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
	"redpool/session/resp"
)

// TestDiffCommandDocs compares COMMAND DOCS and COMMAND INFO of every
// command and subcommand redpool has with a real Redis, in both
// protocols. Redis lists a container's subcommands in an order that
// changes from one process to the next, so containers are compared with
// their subcommands sorted, and each subcommand on its own. With
// REDPOOL_GEN_DOCS=1 the test instead rewrites command/cmddocs.resp, the
// metadata redpool embeds, from that Redis.
func TestDiffCommandDocs(t *testing.T) {
	r := servertest.StartRedis(t)
	if os.Getenv("REDPOOL_GEN_DOCS") == "1" {
		c := servertest.Dial(t, r.Addr)
		c.Do("HELLO", "3")
		data := c.Do("COMMAND", "DOCS") + c.Do("COMMAND", "INFO")
		if err := os.WriteFile(filepath.Join("..", "..", "..", "command", "cmddocs.resp"), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("wrote command/cmddocs.resp: rebuild and run again")
		return
	}
	s := servertest.Start(t)
	ours := servertest.Dial(t, s.Addr)
	var names []string
	for _, v := range parseReply(t, ours.Do("COMMAND", "LIST")).Array {
		names = append(names, string(v.Str))
	}
	if len(names) < 250 {
		t.Fatalf("%d commands and subcommands", len(names))
	}
	for _, proto := range []int{2, 3} {
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		redis, redpool := d.Conns()
		for _, n := range names {
			if n == "lget" || n == "client|setinfo" || containerDiffs[n] != "" {
				continue
			}
			for _, sub := range []string{"DOCS", "INFO"} {
				want, got := redis.Do("COMMAND", sub, n), redpool.Do("COMMAND", sub, n)
				if want == got {
					continue
				}
				if canonical(t, want, proto) != canonical(t, got, proto) {
					t.Errorf("COMMAND %s %s (RESP%d) differs\n redpool: %q\n   redis: %q", sub, n, proto, got, want)
				}
			}
		}
		d.Do("COMMAND", "DOCS", "get", "nosuchcommand", "config|get", "CONFIG|nosuch")
		for _, args := range [][]string{
			{"FILTERBY", "ACLCAT", "admin"}, {"FILTERBY", "ACLCAT", "KEYSPACE"}, {"FILTERBY", "ACLCAT", "nosuch"},
			{"FILTERBY", "PATTERN", "CONFIG*"}, {"FILTERBY", "PATTERN", "*|*"}, {"FILTERBY", "MODULE", "x"},
		} {
			listDiff(t, redis, redpool, names, args...)
		}
		for _, args := range [][]string{{"FILTERBY"}, {"FILTERBY", "ACLCAT"}, {"FILTERBY", "bogus", "x"}, {"FILTERBY", "ACLCAT", "admin", "extra"}} {
			d.Do(append([]string{"COMMAND", "LIST"}, args...)...)
		}
		for _, line := range getKeysCases {
			args := strings.Fields(line)
			if !slices.Contains(names, args[0]) && args[0] != "nosuch" {
				continue // a command redpool does not have yet
			}
			for i, a := range args {
				if a == `""` {
					args[i] = ""
				}
			}
			d.Do(append([]string{"COMMAND", "GETKEYS"}, args...)...)
			d.Do(append([]string{"COMMAND", "GETKEYSANDFLAGS"}, args...)...)
		}
		d.Do("COMMAND", "INFO", "get", "nosuchcommand", "CONFIG|GET", "config|nosuch")
	}
}

// containerDiffs are containers whose subcommands differ from Redis 7.0's.
var containerDiffs = map[string]string{
	"client": "CLIENT SETINFO is 7.2's, which newer clients send at connect",
	"script": "SCRIPT DEBUG, Lua's debugger, is not implemented",
}

// getKeysCases are commands for COMMAND GETKEYS and GETKEYSANDFLAGS.
var getKeysCases = []string{
	"get k", "set k v", "set k v get", "set k v EX 10 GET", "mset a 1 b 2", "mget a b c", "del a b", "spublish ch msg",
	"ssubscribe a b", "sort k", "sort k by w* store d", "sort_ro k", "zunionstore d 2 a b weights 1 2",
	"zunion 2 a b", "zinterstore d 0 a", "zdiffstore d 3 a", "eval s 2 a b c", "eval s 0", "eval s 5 a",
	"evalsha_ro s 1 a", "fcall f 1 a", "fcall_ro f 0", "lmpop 2 a b left", "blmpop 0 2 a b left count 2",
	"zmpop 1 z min", "bzmpop 1 1 z max", "object encoding k", "object freq k", "object help",
	"memory usage k", "memory usage k samples 5", "xread count 1 block 0 streams a b 0 0", "xread streams a", "memory stats", "lmove a b left right", "blmove a b left right 0",
	"rename a b", "copy a b db 1", "smove a b m", "sintercard 2 a b limit 1", "zintercard 1 a",
	"getrange k 0 1", "bitcount k", "bitfield k get u8 0", "bitfield k set u8 0 1", "bitfield k overflow sat get u8 0",
	"bitfield_ro k get u8 0", "bitop and d a b", "pfcount a b", "pfmerge d a b", "georadius k 0 0 1 m store d",
	"georadius k 0 0 1 m", "geosearchstore d s frommember m byradius 1 m", "migrate h p k 0 5",
	`migrate h p "" 0 5 keys a b`, "migrate h p k 0 5 copy replace", "restore k 0 x", "dump k",
	"xread count 1 streams a b 0 0", "xreadgroup group g c streams a 0", "xadd s * f v", "ping", "get", "nosuch k",
	"config get x", "client list", "zadd k 1 a", "hset h f v", "expire k 10", "watch a b", "publish ch m",
	"exists a b", "touch a", "unlink a", "type k", "scan 0", "keys *", "randomkey", "flushall", "swapdb 0 1",
}

// listDiff compares COMMAND LIST args with Redis's, restricted to the
// commands redpool has (names), ignoring order.
func listDiff(t *testing.T, redis, redpool *servertest.Conn, names []string, args ...string) {
	t.Helper()
	cmd := append([]string{"COMMAND", "LIST"}, args...)
	var want, got []string
	for _, v := range parseReply(t, redis.Do(cmd...)).Array {
		if slices.Contains(names, string(v.Str)) {
			want = append(want, string(v.Str))
		}
	}
	for _, v := range parseReply(t, redpool.Do(cmd...)).Array {
		if n := string(v.Str); n != "lget" && n != "client|setinfo" {
			got = append(got, n)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%q:\n redpool %q\n   redis %q", cmd, got, want)
	}
}

func parseReply(t *testing.T, raw string) resp.Value {
	t.Helper()
	v, err := resp.ReadReply(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	return v
}

// canonical renders a COMMAND DOCS or INFO reply with the subcommands of
// every command sorted by name.
func canonical(t *testing.T, raw string, proto int) string {
	v := parseReply(t, raw)
	sortSubs(&v)
	return v.String()
}

// sortSubs sorts, anywhere in v, the value after a "subcommands" key (a
// DOCS map, flat in RESP2, of name and docs pairs) and the tenth element
// of an INFO entry (an array of entries).
func sortSubs(v *resp.Value) {
	a := v.Array
	if len(a) == 10 && a[0].Kind == resp.BulkString && a[1].Kind == resp.Integer {
		slices.SortFunc(a[9].Array, func(x, y resp.Value) int { return cmp.Compare(string(x.Array[0].Str), string(y.Array[0].Str)) })
	}
	for i := range a {
		sortSubs(&a[i])
		if string(a[i].Str) == "subcommands" && i+1 < len(a) && i%2 == 0 {
			pairs := a[i+1].Array
			type pair struct{ k, v resp.Value }
			ps := make([]pair, 0, len(pairs)/2)
			for j := 0; j+1 < len(pairs); j += 2 {
				ps = append(ps, pair{pairs[j], pairs[j+1]})
			}
			slices.SortFunc(ps, func(x, y pair) int { return cmp.Compare(string(x.k.Str), string(y.k.Str)) })
			for j, p := range ps {
				pairs[2*j], pairs[2*j+1] = p.k, p.v
			}
		}
	}
}
