package server_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffClientAdmin compares the errors and simple replies of CLIENT
// KILL, REPLY, NO-EVICT, UNBLOCK, PAUSE, UNPAUSE and HELP with Redis.
func TestDiffClientAdmin(t *testing.T) {
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		r := servertest.StartRedis(t) // its own: the test kills and pauses clients
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		for _, c := range [][]string{
			{"CLIENT", "HELP"}, {"CLIENT", "KILL"}, {"CLIENT", "KILL", "1.2.3.4:5"}, {"CLIENT", "KILL", "id", "x"},
			{"CLIENT", "KILL", "id", "0"}, {"CLIENT", "KILL", "id", "-3"}, {"CLIENT", "KILL", "id", "999999"},
			{"CLIENT", "KILL", "user", "bob"}, {"CLIENT", "KILL", "skipme", "maybe"}, {"CLIENT", "KILL", "id", "1", "type"},
			{"CLIENT", "KILL", "bogus", "1"}, {"CLIENT", "KILL", "type", "bogus"}, {"CLIENT", "KILL", "laddr", "1.1.1.1:1"},
			{"CLIENT", "KILL", "addr", "1.1.1.1:1", "type", "normal"}, {"CLIENT", "KILL", "type", "pubsub", "skipme", "no"},
			{"CLIENT", "KILL", "user", "default"}, {"CLIENT", "KILL", "type", "normal", "skipme", "yes"},
			{"CLIENT", "REPLY"}, {"CLIENT", "REPLY", "bogus"}, {"CLIENT", "REPLY", "on"}, {"CLIENT", "REPLY", "ON", "x"},
			{"CLIENT", "NO-EVICT"}, {"CLIENT", "NO-EVICT", "maybe"}, {"CLIENT", "NO-EVICT", "on"}, {"CLIENT", "NO-EVICT", "OFF"},
			{"CLIENT", "UNBLOCK"}, {"CLIENT", "UNBLOCK", "x"}, {"CLIENT", "UNBLOCK", "1", "bogus"}, {"CLIENT", "UNBLOCK", "99"},
			{"CLIENT", "UNBLOCK", "99", "error"}, {"CLIENT", "UNBLOCK", "99", "timeout", "x"},
			{"CLIENT", "PAUSE"}, {"CLIENT", "PAUSE", "x"}, {"CLIENT", "PAUSE", "-1"}, {"CLIENT", "PAUSE", "10", "bogus"},
			{"CLIENT", "PAUSE", "10", "write", "extra"}, {"CLIENT", "UNPAUSE", "x"}, {"CLIENT", "UNPAUSE"},
			{"CLIENT", "PAUSE", "0"}, {"CLIENT", "PAUSE", "1", "WRITE"}, {"CLIENT", "UNPAUSE"},
		} {
			d.Do(c...)
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// TestClientAdmin runs the same scenarios of CLIENT KILL, REPLY, UNBLOCK
// and PAUSE, with several connections, against a real Redis and against
// redpool on each backend, with the same exact expectations.
func TestClientAdmin(t *testing.T) {
	t.Run("redis", func(t *testing.T) {
		for _, proto := range servertest.Protos() {
			t.Run("resp"+strconv.Itoa(proto), func(t *testing.T) { clientAdmin(t, servertest.StartRedis(t).Addr, proto) })
		}
	})
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		clientAdmin(t, servertest.Start(t, servertest.WithConfig(b.Apply)).Addr, proto)
	})
}

var clientIDField = regexp.MustCompile(`id=(\d+) `)

func clientAdmin(t *testing.T, addr string, proto int) {
	null := "*-1\r\n"
	if proto == 3 {
		null = "_\r\n"
	}
	dial := func(name string) (*servertest.Conn, string) {
		c := servertest.DialProto(t, addr, proto)
		c.Expect("+OK\r\n", "CLIENT", "SETNAME", name)
		m := clientIDField.FindStringSubmatch(c.Do("CLIENT", "INFO"))
		if m == nil {
			t.Fatal("CLIENT INFO has no id")
		}
		return c, m[1]
	}
	admin, _ := dial("admin")
	blockedBy := func(c *servertest.Conn, args ...string) {
		t.Helper()
		c.Send(args...)
		for i := 0; !strings.Contains(admin.Do("CLIENT", "LIST"), "flags=b"); i++ {
			if i > 5000 {
				t.Fatal("the client never blocks")
			}
		}
	}

	// REPLY OFF, ON and SKIP: the replies that are not sent.
	c, _ := dial("replies")
	c.Send("CLIENT", "REPLY", "OFF")
	c.Send("SET", "a", "1")
	c.Send("GET", "nosuchcmd", "x")
	c.Send("CLIENT", "REPLY", "ON")
	c.Send("GET", "a")
	c.Send("CLIENT", "REPLY", "SKIP")
	c.Send("INCR", "a")
	c.Send("GET", "a")
	c.Send("CLIENT", "REPLY", "SKIP")
	c.Send("CLIENT", "REPLY", "SKIP")
	c.Send("GET", "a")
	c.Send("ECHO", "end")
	var got []string
	for {
		r := c.Read()
		got = append(got, r)
		if r == "$3\r\nend\r\n" {
			break
		}
	}
	// SKIP twice in a row skips the second SKIP's next command (GET a).
	if g, w := strings.Join(got, ""), "+OK\r\n$1\r\n1\r\n$1\r\n2\r\n$3\r\nend\r\n"; g != w {
		t.Errorf("CLIENT REPLY: got %q, want %q", g, w)
	}

	// UNBLOCK with TIMEOUT and with ERROR; a client not blocked.
	w, wid := dial("waiter")
	blockedBy(w, "BLPOP", "nolist", "0")
	admin.Expect(":1\r\n", "CLIENT", "UNBLOCK", wid)
	if r := w.Read(); r != null {
		t.Errorf("UNBLOCK TIMEOUT: the waiter got %q, want %q", r, null)
	}
	admin.Expect(":0\r\n", "CLIENT", "UNBLOCK", wid)
	blockedBy(w, "BLPOP", "nolist", "0")
	admin.Expect(":1\r\n", "CLIENT", "UNBLOCK", wid, "ERROR")
	if r, want := w.Read(), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"; r != want {
		t.Errorf("UNBLOCK ERROR: the waiter got %q, want %q", r, want)
	}
	w.Expect("+PONG\r\n", "PING")

	// KILL by id, a blocked client, by address (the old form), and itself.
	v, vid := dial("victim")
	admin.Expect(":1\r\n", "CLIENT", "KILL", "ID", vid)
	v.ExpectClosed()
	blockedBy(w, "BLPOP", "nolist", "0")
	admin.Expect(":1\r\n", "CLIENT", "KILL", "ID", wid)
	w.ExpectClosed()
	v2, _ := dial("victim2")
	laddr := v2.NetConn().LocalAddr().String()
	admin.Expect("+OK\r\n", "CLIENT", "KILL", laddr)
	v2.ExpectClosed()
	admin.Expect("-ERR No such client\r\n", "CLIENT", "KILL", laddr)
	self, sid := dial("self")
	self.Expect(":1\r\n", "CLIENT", "KILL", "ID", sid, "SKIPME", "no")
	self.ExpectClosed()
	other, _ := dial("other")
	admin.Expect(":2\r\n", "CLIENT", "KILL", "TYPE", "normal") // c and other, not admin
	other.ExpectClosed()

	// PAUSE WRITE holds writes, not reads, until UNPAUSE.
	writer, _ := dial("writer")
	reader, _ := dial("reader")
	admin.Expect("+OK\r\n", "CLIENT", "PAUSE", "20000", "WRITE")
	writer.Send("SET", "p", "1")
	if r, err := writer.TryRead(150 * time.Millisecond); err == nil {
		t.Errorf("a write ran during CLIENT PAUSE WRITE: %q", r)
	}
	reader.Expect("$1\r\n2\r\n", "GET", "a")
	admin.Expect("+OK\r\n", "CLIENT", "UNPAUSE")
	if r := writer.Read(); r != "+OK\r\n" {
		t.Errorf("the held write replied %q", r)
	}
	// PAUSE ALL holds reads too, until it times out.
	admin.Expect("+OK\r\n", "CLIENT", "PAUSE", "400", "ALL")
	reader.Send("GET", "p")
	if r, err := reader.TryRead(100 * time.Millisecond); err == nil {
		t.Errorf("a read ran during CLIENT PAUSE ALL: %q", r)
	}
	if r := reader.Read(); r != "$1\r\n1\r\n" {
		t.Errorf("the held read replied %q", r)
	}
}
