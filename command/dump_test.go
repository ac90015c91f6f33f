package command

import (
	"strconv"
	"strings"
	"testing"

	"redpool/backend"
	"redpool/persistence/rdb"
)

// Transcripts of DUMP and RESTORE on both backends with an injected
// clock: exact replies, what goes to the AOF, the keyspace events, WATCH.
// The differential tests (cmd/redpool/server/diff_dump_test.go) compare
// the rest with a real Redis.

// helloPayload is Redis 7.0.15's DUMP of the string "hello".
const helloPayload = "\x00\x05hello\n\x00cr\xdfve4 \n"

func TestDumpRestoreTranscript(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		log := &recordLog{}
		e, err := NewEngine(Options{Backend: b, Clock: clk, Log: log})
		if err != nil {
			t.Fatal(err)
		}
		ev := &eventLog{}
		e.notifier = ev
		c := e.NewCtx(e.NewClient("a", "b"), nil)
		if got := execLine(e, c, "CONFIG SET notify-keyspace-events KEAnm"); got != "+OK\r\n" {
			t.Fatal(got)
		}
		p := helloPayload
		lp := string(rdbAppendFooter("\x12\x01\x02\x0a\x0a\x00\x00\x00\x01\x00\x81a\x02\xff"))
		for _, tc := range []struct {
			args   []string
			reply  string
			log    []string
			events []string
		}{
			{[]string{"SET", "k", "hello"}, "+OK\r\n", []string{"0: SET k hello"}, []string{"new k", "set k"}},
			{[]string{"DUMP", "k"}, "$17\r\n" + p + "\r\n", nil, nil},
			{[]string{"DUMP", "nokey"}, "$-1\r\n", nil, []string{"keymiss nokey"}},
			{[]string{"RESTORE", "k", "0", p}, "-BUSYKEY Target key name already exists.\r\n", nil, nil},
			{[]string{"RESTORE", "k2", "5000", p}, "+OK\r\n", []string{"0: RESTORE k2 1700000005000 " + p + " ABSTTL"}, []string{"new k2", "restore k2"}},
			{[]string{"PTTL", "k2"}, ":5000\r\n", nil, nil},
			{[]string{"GET", "k2"}, "$5\r\nhello\r\n", nil, nil},
			{[]string{"RESTORE", "k2", "1", p, "ABSTTL", "REPLACE"}, "+OK\r\n", []string{"0: DEL k2"}, []string{"del k2"}},
			{[]string{"EXISTS", "k2"}, ":0\r\n", nil, []string{"keymiss k2"}},
			{[]string{"RESTORE", "k2", "1", p, "ABSTTL"}, "+OK\r\n", nil, nil},
			{[]string{"RESTORE", "k3", "0", p, "IDLETIME", "10"}, "+OK\r\n", []string{"0: RESTORE k3 0 " + p + " IDLETIME 10"}, []string{"new k3", "restore k3"}},
			{[]string{"RESTORE", "k3", "1700000009000", p, "ABSTTL", "REPLACE"}, "+OK\r\n", []string{"0: RESTORE k3 1700000009000 " + p + " ABSTTL REPLACE"}, []string{"new k3", "restore k3"}},
			{[]string{"PTTL", "k3"}, ":9000\r\n", nil, nil},
			{[]string{"RESTORE", "k3", "0", "junk", "REPLACE"}, "-ERR DUMP payload version or checksum are wrong\r\n", nil, nil},
			{[]string{"RESTORE", "k3", "0", p[:1] + "\x09" + p[2:], "REPLACE"}, "-ERR DUMP payload version or checksum are wrong\r\n", nil, nil},
			{[]string{"RESTORE", "k3", "-1", p, "REPLACE"}, "-ERR Invalid TTL value, must be >= 0\r\n", nil, nil},
			{[]string{"RESTORE", "k3", "0", p, "FREQ", "1", "IDLETIME", "1"}, "-ERR syntax error\r\n", nil, nil},
			{[]string{"RESTORE", "k3", "0", p, "REPLACE", "IDLETIME", "-1"}, "-ERR Invalid IDLETIME value, must be >= 0\r\n", nil, nil},
			{[]string{"RESTORE", "k3", "0", p, "REPLACE", "FREQ", "256"}, "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n", nil, nil},
			{[]string{"RESTORE", "l", "0", lp}, "+OK\r\n", []string{"0: RESTORE l 0 " + lp}, []string{"new l", "restore l"}},
			{[]string{"LRANGE", "l", "0", "-1"}, "*1\r\n$1\r\na\r\n", nil, nil},
			{[]string{"RESTORE", "bad", "0", string(rdbAppendFooter("\x12\x01\x02\x0a\x0a\x00\x00\x00\x01\x00\x81"))}, "-ERR Bad data format\r\n", nil, nil},
		} {
			e.Exec(c, benchArgs(tc.args...))
			got := string(c.Out())
			c.Reset()
			if got != tc.reply {
				t.Errorf("%q: %q, want %q", tc.args, got, tc.reply)
			}
			if tc.args[0] == "RESTORE" && tc.log == nil && strings.HasPrefix(got, "+") {
				tc.log = []string{} // an OK that changed nothing logs nothing
			}
			if logged := log.take(); tc.log != nil && strings.Join(logged, "\n") != strings.Join(tc.log, "\n") {
				t.Errorf("%q: logged %q, want %q", tc.args, logged, tc.log)
			}
			if events := ev.take(); strings.Join(events, "\n") != strings.Join(tc.events, "\n") {
				t.Errorf("%q: events %q, want %q", tc.args, events, tc.events)
			}
		}
	})
}

// rdbAppendFooter makes a DUMP payload of body.
func rdbAppendFooter(body string) []byte { return rdb.AppendDumpFooter([]byte(body)) }

// TestRestoreBreaksWatch: RESTORE (and its REPLACE of an expired TTL)
// touches the key for WATCH.
func TestRestoreBreaksWatch(t *testing.T) {
	const aborted, committed = "*-1\r\n", "*1\r\n+PONG\r\n"
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		e, err := NewEngine(Options{Backend: b, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		a, w := e.NewCtx(e.NewClient("a", "b"), nil), e.NewCtx(e.NewClient("c", "d"), nil)
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"RESTORE", "x", "0", helloPayload}, aborted},
			{[]string{"RESTORE", "x", "0", helloPayload}, committed}, // BUSYKEY
			{[]string{"RESTORE", "x", "1", helloPayload, "ABSTTL", "REPLACE"}, aborted},
			{[]string{"RESTORE", "x", "1", helloPayload, "ABSTTL"}, committed}, // nothing created
		} {
			execAll(a, "WATCH x")
			e.Exec(w, benchArgs(tc.args...))
			w.Reset()
			if got := execAll(a, "MULTI", "PING", "EXEC"); got != "+OK\r\n+QUEUED\r\n"+tc.want {
				t.Errorf("%q: EXEC %q, want %q", tc.args, got, tc.want)
			}
		}
	})
}

// dumpBenchKeys builds a 1,000-field hash "h" and a 100 KB string "s" and
// returns their payloads.
func dumpBenchKeys(b *testing.B) (*Engine, *Ctx, map[string]string) {
	e, c := benchEngine(b)
	args := []string{"HSET", "h"}
	for i := range 1000 {
		args = append(args, "field:"+strconv.Itoa(i), "value-"+strconv.Itoa(i*7919))
	}
	e.Exec(c, benchArgs(args...))
	var big strings.Builder
	for i := 0; big.Len() < 100<<10; i++ {
		big.WriteString("line " + strconv.Itoa(i) + " of a string that compresses\n")
	}
	e.Exec(c, benchArgs("SET", "s", big.String()))
	c.Reset()
	payloads := map[string]string{}
	for _, k := range []string{"h", "s"} {
		e.Exec(c, benchArgs("DUMP", k))
		out := string(c.Out())
		c.Reset()
		payloads[k] = out[strings.Index(out, "\r\n")+2 : len(out)-2]
	}
	return e, c, payloads
}

func BenchmarkDumpHash1000(b *testing.B) {
	e, c, _ := dumpBenchKeys(b)
	benchDump(b, e, c, "h")
}

func BenchmarkDumpString100K(b *testing.B) {
	e, c, _ := dumpBenchKeys(b)
	benchDump(b, e, c, "s")
}

func BenchmarkRestoreHash1000(b *testing.B) {
	e, c, p := dumpBenchKeys(b)
	benchExec(b, e, c, benchArgs("RESTORE", "h2", "0", p["h"], "REPLACE"), "+OK\r\n")
}

func BenchmarkRestoreString100K(b *testing.B) {
	e, c, p := dumpBenchKeys(b)
	benchExec(b, e, c, benchArgs("RESTORE", "s2", "0", p["s"], "REPLACE"), "+OK\r\n")
}

func benchDump(b *testing.B, e *Engine, c *Ctx, key string) {
	args := benchArgs("DUMP", key)
	b.ReportAllocs()
	for b.Loop() {
		e.Exec(c, args)
		c.Reset()
	}
}
