package server_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// startLogged starts a server whose log goes to a file; logged reads it.
func startLogged(t *testing.T) (s *servertest.Server, logged func() string) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	s = servertest.Start(t, func(_ *config.Config, o *server.Options) {
		o.Logger = slog.New(slog.NewTextHandler(f, nil))
	})
	return s, func() string {
		b, _ := os.ReadFile(f.Name())
		return string(b)
	}
}

// pipelineGets writes GETs of key to c, up to total bytes of requests or
// until a write fails (the server closed the connection), never reading.
// It returns how many bytes it wrote and the error that stopped it.
func pipelineGets(c net.Conn, key string, total int64, deadline time.Time) (int64, error) {
	req := []byte("*2\r\n$3\r\nGET\r\n$" + strconv.Itoa(len(key)) + "\r\n" + key + "\r\n")
	chunk := bytes.Repeat(req, 64<<10/len(req))
	_ = c.SetWriteDeadline(deadline)
	var sent int64
	for sent < total {
		n, err := c.Write(chunk)
		sent += int64(n)
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// pingLatency is the longest PING round trip on c over n tries.
func pingLatency(t *testing.T, c *servertest.Conn, n int) time.Duration {
	t.Helper()
	var worst time.Duration
	for range n {
		start := time.Now()
		c.Expect("+PONG\r\n", "PING")
		worst = max(worst, time.Since(start))
	}
	return worst
}

// TestOutputLimitPipelineNoRead: with a normal-class output-buffer limit,
// a client that pipelines 1 GB of GETs and never reads is disconnected
// when its unsent replies reach the hard limit, as Redis does, long
// before the gigabyte is sent; RSS stays bounded, and another client gets
// its PONGs meanwhile.
func TestOutputLimitPipelineNoRead(t *testing.T) {
	s, logged := startLogged(t)
	admin := servertest.Dial(t, s.Addr)
	admin.Expect("+OK\r\n", "SET", "k", strings.Repeat("v", 10<<10))
	admin.Expect("+OK\r\n", "CONFIG", "SET", "client-output-buffer-limit", "normal 32mb 0 0")
	rss0 := vmRSS()

	c, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type result struct {
		sent int64
		err  error
	}
	done := make(chan result, 1)
	go func() {
		sent, err := pipelineGets(c, "k", 1<<30, time.Now().Add(40*time.Second))
		done <- result{sent, err}
	}()

	other := servertest.Dial(t, s.Addr)
	var worst time.Duration
	var r result
wait:
	for {
		select {
		case r = <-done:
			break wait
		default:
			worst = max(worst, pingLatency(t, other, 1))
		}
	}
	if r.err == nil || errors.Is(r.err, os.ErrDeadlineExceeded) {
		t.Fatalf("sent %d bytes of GETs without being disconnected (err %v)", r.sent, r.err)
	}
	if r.sent >= 1<<30 {
		t.Fatalf("all of 1 GB sent before the disconnection")
	}
	rss := vmRSS()
	t.Logf("disconnected after %d MB of requests (%v); RSS %d MB -> %d MB; worst PING %v",
		r.sent>>20, r.err, rss0>>20, rss>>20, worst)
	if rss-rss0 > 256<<20 && !raceEnabled {
		t.Errorf("RSS grew by %d MB", (rss-rss0)>>20)
	}
	if worst > 2*time.Second {
		t.Errorf("a PING took %v while the client was pipelining", worst)
	}
	if !strings.Contains(logged(), "scheduled to be closed ASAP for overcoming of output buffer limits.") {
		t.Errorf("no output-buffer log line in %q", logged())
	}
	// The server is fine and the limit is reported as set.
	admin.Expect("*2\r\n$26\r\nclient-output-buffer-limit\r\n$74\r\nnormal 33554432 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60\r\n",
		"CONFIG", "GET", "client-output-buffer-limit")
	pingLatency(t, other, 10)
}

// TestNoOutputLimitPipelineNoRead: without a normal-class limit (Redis's
// default), a client that pipelines and never reads is not dropped, but
// the server stops reading from it once its socket is full, so its
// memory stays bounded, and other clients are served.
func TestNoOutputLimitPipelineNoRead(t *testing.T) {
	s := servertest.Start(t)
	admin := servertest.Dial(t, s.Addr)
	admin.Expect("+OK\r\n", "SET", "k", strings.Repeat("v", 10<<10))
	rss0 := vmRSS()
	c, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The writes stop going through once both sockets' buffers are full:
	// the deadline ends the attempt.
	sent, err := pipelineGets(c, "k", 1<<30, time.Now().Add(3*time.Second))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after %d bytes: %v, want the write deadline", sent, err)
	}
	rss := vmRSS()
	t.Logf("%d MB of requests went through; RSS %d MB -> %d MB", sent>>20, rss0>>20, rss>>20)
	if rss-rss0 > 256<<20 && !raceEnabled {
		t.Errorf("RSS grew by %d MB", (rss-rss0)>>20)
	}
	pingLatency(t, admin, 10)
}

// TestQueryBufferLimit: a client whose unparsed input grows past
// client-query-buffer-limit is closed without a reply, on both servers
// (Redis's "Closing client that reached max query buffer length").
func TestQueryBufferLimit(t *testing.T) {
	r := servertest.StartRedis(t)
	s, logged := startLogged(t)
	for name, addr := range map[string]string{"redis": r.Addr, "redpool": s.Addr} {
		admin := servertest.Dial(t, addr)
		admin.Expect("+OK\r\n", "CONFIG", "SET", "client-query-buffer-limit", "1mb")
		admin.Expect("*2\r\n$25\r\nclient-query-buffer-limit\r\n$7\r\n1048576\r\n", "CONFIG", "GET", "client-query-buffer-limit")

		// A 2 MB argument arriving: closed once 1 MB of it is buffered.
		c := servertest.Dial(t, addr)
		c.Write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + strconv.Itoa(2<<20) + "\r\n")
		conn := c.NetConn()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		part := bytes.Repeat([]byte("x"), 64<<10)
		sent := 0
		var err error
		for sent < 2<<20 && err == nil {
			var n int
			n, err = conn.Write(part)
			sent += n
		}
		got, rerr := io.ReadAll(conn)
		if len(got) != 0 || (rerr != nil && !isReset(rerr)) {
			t.Errorf("%s: got %q, %v; want the connection closed without a reply", name, got, rerr)
		}
		if name == "redpool" && !strings.Contains(logged(), `Closing client that reached max query buffer length: id=`) ||
			name == "redpool" && !strings.Contains(logged(), `(qbuf initial bytes: \"xxxxxxxx`) {
			t.Errorf("no query buffer log line in %q", logged())
		}
		// Within the limit all is well.
		admin.Expect("+OK\r\n", "SET", "small", strings.Repeat("y", 512<<10))
		admin.Expect("+OK\r\n", "CONFIG", "SET", "client-query-buffer-limit", "1gb")
		admin.Expect("-ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be a memory value\r\n",
			"CONFIG", "SET", "client-query-buffer-limit", "1x")
	}
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "reset") || strings.Contains(err.Error(), "broken pipe"))
}

// TestDiffProtocolLimits: proto-max-bulk-len and the multibulk count
// limit (INT_MAX in Redis 7.0) give Redis's errors byte for byte, and a
// command of more than a million arguments works as in Redis.
func TestDiffProtocolLimits(t *testing.T) {
	r := servertest.StartRedis(t)
	s := servertest.Start(t)
	for _, addr := range []string{r.Addr, s.Addr} {
		for _, tc := range []struct{ in, want string }{
			{"*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
			{"*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
			{"*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		} {
			c := servertest.Dial(t, addr)
			c.Write(tc.in)
			c.Expect(tc.want)
			c.ExpectClosed()
		}
		c := servertest.Dial(t, addr)
		c.Expect("+OK\r\n", "CONFIG", "SET", "proto-max-bulk-len", "1mb")
		c.Write("*1\r\n$1048577\r\n")
		c.Expect("-ERR Protocol error: invalid bulk length\r\n")
		c.ExpectClosed()
		c = servertest.Dial(t, addr)
		c.Expect("+OK\r\n", "CONFIG", "SET", "proto-max-bulk-len", "512mb")

		// A declared count of INT_MAX costs nothing until the arguments
		// arrive: the server stays well and serves others.
		huge := servertest.Dial(t, addr)
		huge.Write("*2147483647\r\n$4\r\nPING\r\n")
		c.Expect("+PONG\r\n", "PING")

		// An RPUSH of 1,100,000 elements, sent as one command.
		const n = 1_100_000
		var b strings.Builder
		b.WriteString("*" + strconv.Itoa(n+2) + "\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n")
		for i := range n {
			v := strconv.Itoa(i % 10)
			b.WriteString("$1\r\n" + v + "\r\n")
		}
		c.Write(b.String())
		c.Expect(":" + strconv.Itoa(n) + "\r\n")
		c.Expect(":"+strconv.Itoa(n)+"\r\n", "LLEN", "list")
		c.Expect(":1\r\n", "DEL", "list")
	}
}

// clientListField is field's value on the CLIENT LIST line of the client
// named name.
func clientListField(t *testing.T, c *servertest.Conn, name, field string) int {
	t.Helper()
	raw := c.Do("CLIENT", "LIST")
	for _, line := range strings.Split(raw, "\n") {
		if !strings.Contains(line, " name="+name+" ") {
			continue
		}
		m := regexp.MustCompile(` ` + field + `=(\d+)`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("no %s in %q", field, line)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	t.Fatalf("no client %s in %q", name, raw)
	return 0
}

// TestClientListMemory: CLIENT LIST's memory fields show what a client's
// buffers hold: a request arriving shows in qbuf and tot-mem, the
// arguments of the command running in argv-mem, unsent replies in omem.
func TestClientListMemory(t *testing.T) {
	s := servertest.Start(t)
	admin := servertest.Dial(t, s.Addr)
	admin.Expect("+OK\r\n", "CLIENT", "SETNAME", "admin")
	if got := clientListField(t, admin, "admin", "argv-mem"); got != len("CLIENT")+len("LIST") {
		t.Errorf("argv-mem = %d, want 10", got)
	}
	if got := clientListField(t, admin, "admin", "qbuf"); got != 0 {
		t.Errorf("idle qbuf = %d, want 0", got)
	}

	c := servertest.Dial(t, s.Addr)
	c.Expect("+OK\r\n", "CLIENT", "SETNAME", "slow")
	idle := clientListField(t, admin, "slow", "tot-mem")
	// Half of a 200 KB argument.
	c.Write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$200000\r\n" + strings.Repeat("x", 100000))
	deadline := time.Now().Add(10 * time.Second)
	for clientListField(t, admin, "slow", "qbuf") < 100000 {
		if time.Now().After(deadline) {
			t.Fatalf("qbuf stays at %d", clientListField(t, admin, "slow", "qbuf"))
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not a synchronisation
	}
	if got := clientListField(t, admin, "slow", "tot-mem"); got < idle+100000 {
		t.Errorf("tot-mem %d with 100 KB pending, %d idle", got, idle)
	}
	if got := clientListField(t, admin, "slow", "argv-mem"); got != 0 {
		t.Errorf("argv-mem %d while waiting for a request", got)
	}
	c.Write(strings.Repeat("x", 100000) + "\r\n")
	c.Expect("+OK\r\n")
	if got := clientListField(t, admin, "slow", "qbuf"); got != 0 {
		t.Errorf("qbuf %d after the request", got)
	}
	for _, f := range []string{"obl", "oll", "omem"} {
		if got := clientListField(t, admin, "slow", f); got != 0 {
			t.Errorf("%s = %d with nothing unsent", f, got)
		}
	}
}

// TestClientEviction: over maxmemory-clients, the client using the most
// memory (here, half of a 4 MB argument in its request buffer) is
// evicted, logged and counted in evicted_clients, as in Redis 7.0; a
// client with CLIENT NO-EVICT on is spared. maxmemory-clients takes
// Redis's values and errors.
func TestClientEviction(t *testing.T) {
	s, logged := startLogged(t)
	admin := servertest.Dial(t, s.Addr)
	for _, tc := range []struct{ set, reply, get string }{
		{"10%", "+OK\r\n", "10%"},
		{"101%", "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100\r\n", "10%"},
		{"-1", "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument must be a memory or percent value\r\n", "10%"},
		{"1.5%", "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument must be a memory or percent value\r\n", "10%"},
		{"0%", "+OK\r\n", "0"},
		{"1mb", "+OK\r\n", "1048576"},
	} {
		admin.Expect(tc.reply, "CONFIG", "SET", "maxmemory-clients", tc.set)
		admin.Expect("*2\r\n$17\r\nmaxmemory-clients\r\n$"+strconv.Itoa(len(tc.get))+"\r\n"+tc.get+"\r\n", "CONFIG", "GET", "maxmemory-clients")
	}
	admin.Expect("+OK\r\n", "CLIENT", "NO-EVICT", "on")

	sendHalf := func(c *servertest.Conn) {
		c.Write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + strconv.Itoa(4<<20) + "\r\n" + strings.Repeat("x", 2<<20))
	}
	spared := servertest.Dial(t, s.Addr)
	spared.Expect("+OK\r\n", "CLIENT", "NO-EVICT", "on")
	big := servertest.Dial(t, s.Addr)
	sendHalf(big)
	big.ExpectClosed()
	if got := infoField(t, admin, "stats", "evicted_clients"); got != "1" {
		t.Errorf("evicted_clients = %s, want 1", got)
	}
	if !strings.Contains(logged(), "Evicting client: id=") {
		t.Errorf("no eviction log line in %q", logged())
	}
	// The spared client holds as much and stays.
	sendHalf(spared)
	spared.Write(strings.Repeat("x", 2<<20) + "\r\n")
	spared.Expect("+OK\r\n")
	spared.Expect("+PONG\r\n", "PING")
	admin.Expect("+OK\r\n", "CONFIG", "SET", "maxmemory-clients", "0")
	admin.Expect("+OK\r\n", "CONFIG", "RESETSTAT")
	if got := infoField(t, admin, "stats", "evicted_clients"); got != "0" {
		t.Errorf("evicted_clients after RESETSTAT = %s", got)
	}
}
