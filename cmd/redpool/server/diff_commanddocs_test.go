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
		name := string(v.Str)
		names = append(names, name)
		info := parseReply(t, ours.Do("COMMAND", "INFO", name)).Array[0].Array
		for _, sub := range info[9].Array {
			names = append(names, string(sub.Array[0].Str))
		}
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
		d.Do("COMMAND", "INFO", "get", "nosuchcommand", "CONFIG|GET", "config|nosuch")
	}
}

// containerDiffs are containers whose subcommands differ from Redis 7.0's.
var containerDiffs = map[string]string{
	"client":  "CLIENT SETINFO is 7.2's, which newer clients send at connect",
	"script":  "SCRIPT DEBUG, Lua's debugger, is not implemented",
	"config":  "CONFIG REWRITE",
	"command": "GETKEYSANDFLAGS",
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
