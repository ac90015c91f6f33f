package server_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
	"redpool/session/resp"
)

// readAll reads replies until the server closes the connection.
func readAll(t *testing.T, c *servertest.Conn) []string {
	t.Helper()
	var out []string
	for {
		r, err := c.TryRead(10 * time.Second)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("after %d replies: %v", len(out), err)
		}
		out = append(out, r)
	}
}

// TestDiffPipelineBatches sends pipelines in one write, so that the session
// runs them as batches read ahead of execution, and compares every reply
// byte with Redis: commands run in order (SELECT in the middle changes the
// database of the ones after it), errors stay in place, nothing after QUIT
// or after a protocol error runs, and what precedes a protocol error runs.
func TestDiffPipelineBatches(t *testing.T) {
	r := servertest.StartRedis(t)
	cmd := func(args ...string) string { return string(resp.AppendCommandStrings(nil, args...)) }
	var long strings.Builder
	for i := range 100 { // more than one batch
		long.WriteString(cmd("INCR", fmt.Sprint("n", i%7)))
		long.WriteString(cmd("GET", fmt.Sprint("n", i%5)))
	}
	cases := []struct{ name, in string }{
		{"mixed", cmd("SET", "a", "1") + cmd("INCR", "a") + cmd("GET", "a") + cmd("SELECT", "3") +
			cmd("GET", "a") + cmd("SET", "a", "x") + cmd("INCR", "a") + cmd("GET") + cmd("NOSUCH", "a") +
			"PING\r\n" + cmd("SELECT", "0") + cmd("GET", "a") + cmd("DEL", "a", "b") + cmd("GET", "a") + cmd("QUIT")},
		{"long", long.String() + cmd("QUIT")},
		{"quit in the middle", cmd("SET", "q", "1") + cmd("QUIT") + cmd("SET", "q", "2") + cmd("SET", "q2", "1")},
		{"protocol error", cmd("SET", "p", "1") + cmd("INCR", "p") + "*1\r\n$x\r\n" + cmd("SET", "p", "9")},
		{"inline and empty", "SET i 5\r\n\r\nINCR i\r\n*0\r\nGET i\r\n" + cmd("QUIT")},
		{"big value between small ones", cmd("SET", "s1", "a") + cmd("SET", "big", strings.Repeat("v", 3<<20)) +
			cmd("STRLEN", "big") + cmd("GET", "s1") + cmd("APPEND", "big", "w") + cmd("GETRANGE", "big", "-3", "-1") + cmd("QUIT")},
	}
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Both("FLUSHALL")
		for _, tc := range cases {
			rc := servertest.DialProto(t, r.Addr, proto)
			pc := servertest.DialProto(t, s.Addr, proto)
			rc.Write(tc.in)
			pc.Write(tc.in)
			want, got := readAll(t, rc), readAll(t, pc)
			if strings.Join(got, "") != strings.Join(want, "") {
				t.Errorf("%s:\n got: %q\nwant: %q", tc.name, got, want)
			}
		}
		// What ran after QUIT or a protocol error would show here.
		for _, k := range []string{"q", "q2", "p", "i", "a", "n0", "n6"} {
			d.Do("GET", k)
		}
		d.Do("SELECT", "3")
		d.Do("GET", "a")
	})
}
