package server_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffMonitor compares what a MONITOR client receives with Redis: the
// line of each command as Redis formats it (quoting and escapes), the
// commands EXEC runs one by one and then EXEC, a script's commands as from
// "lua", SELECT's new database, and no admin command. Times and ports are
// masked.
func TestDiffMonitor(t *testing.T) {
	stamp := regexp.MustCompile(`^\+\d+\.\d{6} \[(\d+) (127\.0\.0\.1:\d+|lua)\]`)
	mask := func(line string) string {
		return stamp.ReplaceAllStringFunc(line, func(m string) string {
			sub := stamp.FindStringSubmatch(m)
			addr := "client"
			if sub[2] == "lua" {
				addr = "lua"
			}
			return "+T [" + sub[1] + " " + addr + "]"
		})
	}
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		r := servertest.StartRedis(t)
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		cmds := [][]string{
			{"SET", "a b", "x\"y\\z"}, {"set", "bin", "\x01\x02\xff\n\r\t"}, {"GET", "a b"}, {"INCR", "n"},
			{"CONFIG", "GET", "maxmemory"}, {"MULTI"}, {"SET", "k", "v"}, {"INCR", "n"}, {"EXEC"},
			{"EVAL", "return redis.call('incr', KEYS[1])", "1", "n"}, {"SELECT", "2"}, {"SET", "in2", "1"},
			{"SELECT", "0"}, {"PING"}, {"ECHO", "end"},
		}
		var want, got []string
		for _, side := range []struct {
			addr string
			out  *[]string
		}{{r.Addr, &want}, {s.Addr, &got}} {
			mon := servertest.Dial(t, side.addr)
			mon.Expect("+OK\r\n", "MONITOR")
			c := servertest.Dial(t, side.addr)
			for _, cmd := range cmds {
				c.Do(cmd...)
			}
			for {
				line, err := mon.TryRead(5 * time.Second)
				if err != nil {
					t.Fatalf("%s: MONITOR read: %v (so far %q)", side.addr, err, *side.out)
				}
				*side.out = append(*side.out, mask(line))
				if strings.HasSuffix(line, `"end"`+"\r\n") {
					break
				}
			}
		}
		// CLIENT LIST shows the monitor with flags=O, as Redis.
		for _, addr := range []string{r.Addr, s.Addr} {
			if l := servertest.Dial(t, addr).Do("CLIENT", "LIST"); !strings.Contains(l, "flags=O ") {
				t.Errorf("%s: CLIENT LIST has no monitor (flags=O): %q", addr, l)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("MONITOR lines:\n redpool: %q\n   redis: %q", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("MONITOR line %d:\n redpool: %q\n   redis: %q", i, got[i], want[i])
			}
		}
	})
}

// TestMonitorCutOff: a monitor that never reads is disconnected once its
// output passes the replica class's limit, and the clients whose commands
// it was sent go on unhindered.
func TestMonitorCutOff(t *testing.T) {
	s := servertest.Start(t)
	c := servertest.Dial(t, s.Addr)
	c.Expect("+OK\r\n", "CONFIG", "SET", "client-output-buffer-limit", "replica 1mb 0 0")
	mon := servertest.Dial(t, s.Addr)
	mon.Expect("+OK\r\n", "MONITOR") // and never read again
	val := strings.Repeat("v", 1024)
	for i := range 5000 {
		c.Expect("+OK\r\n", "SET", "k"+strconv.Itoa(i%10), val)
	}
	for i := 0; strings.Contains(c.Do("CLIENT", "LIST"), "flags=O "); i++ {
		if i > 10000 {
			t.Fatal("the monitor is still connected after 5 MB of output over a 1 MB limit")
		}
		time.Sleep(time.Millisecond)
	}
}
