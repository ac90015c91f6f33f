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

// eventSubscribers is a PSUBSCRIBE __key*__:* connection to each server.
type eventSubscribers struct {
	redis, redpool *servertest.Conn
}

// subscribeEvents connects a subscriber to each server in proto and
// checks that their PSUBSCRIBE replies match.
func subscribeEvents(t *testing.T, redisAddr, redpoolAddr string, proto int) *eventSubscribers {
	t.Helper()
	s := &eventSubscribers{servertest.DialProto(t, redisAddr, proto), servertest.DialProto(t, redpoolAddr, proto)}
	want := s.redis.Do("PSUBSCRIBE", "__key*__:*")
	if got := s.redpool.Do("PSUBSCRIBE", "__key*__:*"); got != want {
		t.Fatalf("PSUBSCRIBE differs from Redis:\n redpool: %q\n   redis: %q", got, want)
	}
	return s
}

// until reads the messages each subscriber gets up to and including one
// that contains end, and fails on any difference in them, byte for byte.
func (s *eventSubscribers) until(t *testing.T, name, end string) {
	t.Helper()
	want := readUntil(t, s.redis, end)
	got := readUntil(t, s.redpool, end)
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("%s: the events differ from Redis's\n redpool: %q\n   redis: %q", name, got, want)
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
		sub := subscribeEvents(t, r.Addr, s.Addr, proto)
		for i, script := range scripts {
			d.Do("FLUSHALL")
			d.Do("SELECT", "0")
			for _, args := range script {
				d.Do(args...)
			}
			d.Do("PUBLISH", "__keymark__:end", names[i])
			sub.until(t, names[i], names[i])
		}
		// Expiry: only the "expired" class, as a read of an expired key
		// on Redis removes it (and a keymiss follows) where redpool's
		// read ignores it until the active cycle removes it.
		d.Do("CONFIG", "SET", "notify-keyspace-events", "Ex")
		d.Do("SET", "k", "v", "PX", "50")
		sub.until(t, "expired k", "\r\nk\r\n")
		d.Do("HSET", "h", "f", "v")
		d.Do("PEXPIRE", "h", "50")
		sub.until(t, "expired h", "\r\nh\r\n")
		d.Do("CONFIG", "SET", "notify-keyspace-events", "")
		d.Do("SET", "k", "v")
		d.Do("PUBLISH", "__keymark__:end", "off")
		sub.until(t, "notifications off", "off")
		d.Do("FLUSHALL")
	})
}
