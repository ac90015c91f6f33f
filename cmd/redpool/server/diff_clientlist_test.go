package server_test

import (
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// clientFields keeps the named fields of each CLIENT LIST line in raw (a
// bulk or verbatim reply), in order, one line per client.
func clientFields(raw string, names ...string) string {
	var out []string
	for _, line := range strings.Split(raw, "\n") {
		if !strings.Contains(line, "id=") {
			continue
		}
		var kept []string
		for _, f := range strings.Fields(line) {
			k, _, _ := strings.Cut(f, "=")
			for _, n := range names {
				if k == n {
					kept = append(kept, f)
				}
			}
		}
		out = append(out, strings.Join(kept, " "))
	}
	return strings.Join(out, "\n")
}

// TestDiffClientListState compares what CLIENT LIST and CLIENT INFO say
// about a client's state with Redis: flags (x in MULTI, b while blocked),
// multi (the queued count), db, cmd (subcommands as "client|list") and
// resp. Fields whose values differ by nature (ids, addresses, ages,
// buffer sizes) are left out.
func TestDiffClientListState(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		// A second client on each side, whose state the first observes.
		other := map[string]*servertest.Conn{r.Addr: servertest.Dial(t, r.Addr), s.Addr: servertest.Dial(t, s.Addr)}
		fields := []string{"flags", "db", "multi", "cmd", "resp", "name"}
		look := func(step string) {
			t.Helper()
			rc, pc := d.Conns()
			want := clientFields(rc.Do("CLIENT", "LIST", "TYPE", "normal"), fields...)
			got := clientFields(pc.Do("CLIENT", "LIST", "TYPE", "normal"), fields...)
			if got != want {
				t.Errorf("%s: CLIENT LIST differs from Redis\n redpool: %q\n   redis: %q", step, got, want)
			}
		}
		both := func(args ...string) {
			for _, c := range other {
				c.Do(args...)
			}
		}
		both("CLIENT", "SETNAME", "other")
		look("idle")
		both("SELECT", "3")
		both("MULTI")
		look("in MULTI, nothing queued")
		both("SET", "k", "v")
		both("INCR", "n")
		look("two queued")
		both("EXEC")
		look("after EXEC")
		both("MULTI")
		both("DISCARD")
		look("after DISCARD")
		for _, c := range other {
			c.Send("BLPOP", "nolist", "0")
		}
		// Wait until both servers have the client blocked.
		for _, addr := range []string{r.Addr, s.Addr} {
			c := servertest.Dial(t, addr)
			for i := 0; !strings.Contains(c.Do("CLIENT", "LIST"), "flags=b"); i++ {
				if i > 1000 {
					t.Fatalf("%s: the client never shows as blocked", addr)
				}
			}
		}
		look("blocked")
		d.Both("SELECT", "3")
		d.Both("LPUSH", "nolist", "x")
		for _, c := range other {
			c.Read()
		}
		look("unblocked")
		for _, c := range [][]string{
			{"CLIENT", "LIST", "TYPE", "bogus"}, {"CLIENT", "LIST", "ID", "x"}, {"CLIENT", "LIST", "ID", "1", "x"},
			{"CLIENT", "LIST", "ID", "0"}, {"CLIENT", "LIST", "ID", "-1"}, {"CLIENT", "LIST", "bogus"}, {"CLIENT", "LIST", "TYPE"},
			{"CLIENT", "LIST", "ID"}, {"CLIENT", "LIST", "TYPE", "normal", "ID", "1"}, {"CLIENT", "LIST", "TYPE", "pubsub"},
			{"CLIENT", "LIST", "TYPE", "master"}, {"CLIENT", "LIST", "TYPE", "slave"}, {"CLIENT", "LIST", "TYPE", "REPLICA"},
		} {
			d.Do(c...)
		}
		rc, pc := d.Conns()
		if got, want := clientFields(pc.Do("CLIENT", "INFO"), fields...), clientFields(rc.Do("CLIENT", "INFO"), fields...); got != want {
			t.Errorf("CLIENT INFO differs from Redis\n redpool: %q\n   redis: %q", got, want)
		}
	})
}
