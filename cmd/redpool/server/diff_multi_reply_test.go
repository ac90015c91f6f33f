package server_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffMultiClientReply compares CLIENT REPLY OFF, ON and SKIP queued
// in a transaction, and around one, with Redis, byte for byte, in RESP2
// and RESP3: as in Redis, a reply is dropped if replies are off when it
// is written, EXEC's array header and each queued command's reply alike,
// and a SKIP inside applies to the command after EXEC.
func TestDiffMultiClientReply(t *testing.T) {
	cases := []struct {
		cmds []string
		want string
	}{
		{[]string{"MULTI", "CLIENT REPLY OFF", "SET a 1", "EXEC", "PING", "CLIENT REPLY ON"},
			"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n"},
		{[]string{"CLIENT REPLY OFF", "MULTI", "SET a 2", "CLIENT REPLY ON", "GET a", "EXEC"},
			"+OK\r\n$1\r\n2\r\n"},
		{[]string{"MULTI", "CLIENT REPLY SKIP", "SET a 3", "EXEC", "GET a"},
			"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n"},
		{[]string{"CLIENT REPLY SKIP", "MULTI", "SET a 4", "EXEC", "GET a"},
			"+QUEUED\r\n*1\r\n+OK\r\n$1\r\n4\r\n"},
		{[]string{"MULTI", "SET a 5", "CLIENT REPLY SKIP", "EXEC", "GET a"},
			"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n"},
		{[]string{"MULTI", "CLIENT REPLY OFF", "GET a", "CLIENT REPLY ON", "GET a", "EXEC"},
			"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*4\r\n+OK\r\n$1\r\n5\r\n"},
		{[]string{"MULTI", "CLIENT REPLY SKIP", "EXEC", "ECHO x"},
			"+OK\r\n+QUEUED\r\n*1\r\n"},
		{[]string{"MULTI", "CLIENT REPLY OFF", "EXEC", "CLIENT REPLY SKIP", "PING", "CLIENT REPLY ON"},
			"+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n"},
	}
	// Read as bytes: an array header whose elements were dropped is no
	// reply a parser could read.
	const end = "$3\r\nend\r\n"
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		redis, redpool := d.Conns()
		for _, tc := range cases {
			var got [2]string
			for i, c := range []*servertest.Conn{redis, redpool} {
				for _, cmd := range tc.cmds {
					c.Send(strings.Fields(cmd)...)
				}
				c.Send("ECHO", "end")
				got[i] = readRawUntil(t, c.NetConn(), end)
			}
			if got[0] != tc.want+end {
				t.Errorf("%q: Redis gives %q, the test wants %q", tc.cmds, got[0], tc.want+end)
			}
			if got[1] != got[0] {
				t.Errorf("%q: differs from Redis:\n redpool: %q\n   redis: %q", tc.cmds, got[1], got[0])
			}
		}
	})
}

// readRawUntil reads bytes from conn until they end with suffix.
func readRawUntil(t *testing.T, conn net.Conn, suffix string) string {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var got []byte
	buf := make([]byte, 4096)
	for !strings.HasSuffix(string(got), suffix) {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			t.Fatalf("read: %v (got %q)", err, got)
		}
	}
	return string(got)
}
