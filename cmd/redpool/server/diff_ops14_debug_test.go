package server_test

import (
	"regexp"
	"strings"
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// ops14DebugObjectVolatile matches what DEBUG OBJECT's line holds that
// differs by nature: the address and the access clock.
var ops14DebugObjectVolatile = regexp.MustCompile(`at:0x[0-9a-f]+|lru:\d+ lru_seconds_idle:\d+`)

func ops14MaskDebugObject(raw string) string {
	return ops14DebugObjectVolatile.ReplaceAllString(raw, "<masked>")
}

// TestDiffOps14DebugObject compares DEBUG OBJECT with a real Redis for
// values of every type and encoding (the address and the access clock
// masked: refcount, encoding, serializedlength and the ql_* figures
// compared exactly), its errors, and CHANGE-REPL-ID.
func TestDiffOps14DebugObject(t *testing.T) {
	r := servertest.StartRedis(t, "--enable-debug-command", "yes")
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(func(c *config.Config) {
			b.Apply(c)
			c.DebugCommand = config.AllowYes
		}))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		long := strings.Repeat("x", 100)
		var many []string
		for i := range 3000 {
			many = append(many, strings.Repeat("e", i%50))
		}
		for _, c := range [][]string{
			{"SET", "s", "hello"}, {"SET", "n", "123"}, {"SET", "big", "12345678901"}, {"SET", "raw", long},
			{"SET", "comp", strings.Repeat("ab", 500)}, {"SET", "neg", "-5"},
			{"RPUSH", "l", "a", "b", "c", "1", "2", "-300", "70000", long},
			append([]string{"RPUSH", "ql"}, many...),
			{"SADD", "st", "a"}, {"SADD", "is", "1", "2", "3"}, {"HSET", "h", "f", "v", "n", "1"},
			{"ZADD", "z", "1", "a", "2.5", "b"}, {"HSET", "bigh", "f", long}, {"ZADD", "bigz", "1", long},
			{"XADD", "x", "1-1", "f", "v"}, {"XADD", "x", "2-1", "f", "w", "g", "1"},
			{"SET", "ttl", "v", "EX", "100"},
		} {
			d.Do(c...)
		}
		for _, k := range []string{"s", "n", "big", "raw", "comp", "neg", "l", "ql", "st", "is", "h", "z", "bigh", "bigz", "x", "ttl"} {
			d.DoMasked(ops14MaskDebugObject, "DEBUG", "OBJECT", k)
		}
		for _, c := range [][]string{
			{"DEBUG", "OBJECT", "nokey"}, {"DEBUG", "OBJECT"}, {"DEBUG", "OBJECT", "a", "b"},
			// Redis takes the compress depth when it creates the list;
			// redpool reports the current one: set before.
			{"CONFIG", "SET", "list-max-listpack-size", "5"}, {"CONFIG", "SET", "list-compress-depth", "1"},
			{"DEL", "l"}, {"RPUSH", "l", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"},
			{"CONFIG", "SET", "rdbcompression", "no"},
		} {
			d.Do(c...)
		}
		for _, k := range []string{"l", "comp"} {
			d.DoMasked(ops14MaskDebugObject, "DEBUG", "OBJECT", k)
		}
		d.Do("MULTI")
		d.Do("DEBUG", "OBJECT", "s")
		d.DoMasked(ops14MaskDebugObject, "EXEC")
		for _, c := range [][]string{{"CONFIG", "SET", "list-max-listpack-size", "-2"}, {"CONFIG", "SET", "rdbcompression", "yes"},
			{"CONFIG", "SET", "list-compress-depth", "0"}} {
			d.Do(c...)
		}

		// CHANGE-REPL-ID: a new id, and no second one.
		rc, pc := d.Conns()
		before := ops14InfoLine(t, pc.Do("INFO", "replication"), "master_replid")
		d.Do("DEBUG", "CHANGE-REPL-ID")
		d.Do("DEBUG", "CHANGE-REPL-ID", "x")
		for _, c := range []*servertest.Conn{rc, pc} {
			info := c.Do("INFO", "replication")
			if id := ops14InfoLine(t, info, "master_replid"); len(id) != 40 || c == pc && id == before {
				t.Errorf("master_replid after DEBUG CHANGE-REPL-ID: %q (before %q)", id, before)
			}
			if id2 := ops14InfoLine(t, info, "master_replid2"); id2 != strings.Repeat("0", 40) {
				t.Errorf("master_replid2 after DEBUG CHANGE-REPL-ID: %q", id2)
			}
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// ops14InfoLine returns the value of the field name of a raw INFO reply.
func ops14InfoLine(t *testing.T, raw, name string) string {
	t.Helper()
	for _, line := range strings.Split(raw, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO has no %s", name)
	return ""
}
