package server_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// notifyScripts reads testdata/notify.txt: named scripts of commands,
// each command's arguments split at single spaces ("" is empty).
func notifyScripts(t *testing.T) (names []string, scripts [][][]string) {
	t.Helper()
	data, err := os.ReadFile("testdata/notify.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			names = append(names, strings.Trim(line, "[]"))
			scripts = append(scripts, nil)
		default:
			args := strings.Split(line, " ")
			for i, a := range args {
				if a == `""` {
					args[i] = ""
				}
			}
			scripts[len(scripts)-1] = append(scripts[len(scripts)-1], args)
		}
	}
	return names, scripts
}

// until reads the frames each side gets up to and including one that
// contains end, and fails on any difference in them, byte for byte.
func (p *connPair) until(what, end string) {
	p.t.Helper()
	want := readUntil(p.t, p.redis, end)
	got := readUntil(p.t, p.redpool, end)
	if strings.Join(got, "") != strings.Join(want, "") {
		p.t.Errorf("%s: differs from Redis\n redpool: %q\n   redis: %q", what, got, want)
	}
}

func readUntil(t *testing.T, c *servertest.Conn, end string) []string {
	t.Helper()
	var msgs []string
	for {
		m, err := c.TryRead(10 * time.Second)
		if err != nil {
			t.Fatalf("reading events (so far %q): %v", msgs, err)
		}
		msgs = append(msgs, m)
		if strings.Contains(m, end) {
			return msgs
		}
	}
}

// TestDiffNotify compares the keyspace notifications of every command
// with Redis's: a subscriber to __key*__:* on each server receives, byte
// for byte, the same messages (__keyspace@ and __keyevent@, every class
// on) while the scripts of testdata/notify.txt run on both, in RESP2
// and RESP3, on both backends. A PUBLISH on __keymark__ ends each script,
// so the messages compared are exactly those of the script.
func TestDiffNotify(t *testing.T) {
	r := servertest.StartRedis(t)
	names, scripts := notifyScripts(t)
	servertest.EachBackendProto(t, func(t *testing.T, bk servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(bk.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Do("CONFIG", "SET", "notify-keyspace-events", "AKEnm")
		d.Do("CONFIG", "GET", "notify-keyspace-events")
		sub := dialPair(t, r.Addr, s.Addr, proto)
		sub.do("PSUBSCRIBE __key*__:*")
		for i, script := range scripts {
			d.Do("FLUSHALL")
			d.Do("SELECT", "0")
			for _, args := range script {
				d.Do(args...)
			}
			d.Do("PUBLISH", "__keymark__:end", names[i])
			sub.until(names[i], names[i])
		}
		// Active expiry: only the "expired" class, waiting for each
		// server's cycle. Reads of expired keys are compared with Redis's
		// recorded events on a manual clock (TestNotifyExpiredOnRead).
		d.Do("CONFIG", "SET", "notify-keyspace-events", "Ex")
		d.Do("SET", "k", "v", "PX", "50")
		sub.until("expired k", "\r\nk\r\n")
		d.Do("HSET", "h", "f", "v")
		d.Do("PEXPIRE", "h", "50")
		sub.until("expired h", "\r\nh\r\n")
		d.Do("CONFIG", "SET", "notify-keyspace-events", "")
		d.Do("SET", "k", "v")
		d.Do("PUBLISH", "__keymark__:end", "off")
		sub.until("notifications off", "off")
		d.Do("FLUSHALL")
	})
}
