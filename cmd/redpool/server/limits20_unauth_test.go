package server_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// limits20Exchange connects to addr, authenticates first in RESP3 when
// proto is 3 (HELLO 3 AUTH default pw, whose reply is dropped), sends raw
// followed by QUIT, and returns all the server answers until it closes
// the connection: a client that was not closed before ends with QUIT's
// "+OK".
func limits20Exchange(t *testing.T, addr string, proto int, raw string) string {
	t.Helper()
	c := servertest.Dial(t, addr)
	if proto == 3 {
		if r := c.Do("HELLO", "3", "AUTH", "default", "pw"); !strings.HasPrefix(r, "%7\r\n") {
			t.Fatalf("HELLO 3 AUTH to %s: %.300q", addr, r)
		}
	}
	conn := c.NetConn()
	// The server may close before it reads all: a failed write is fine.
	_, _ = conn.Write([]byte(raw + "*1\r\n$4\r\nQUIT\r\n"))
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(conn)
	if err != nil && !isReset(err) {
		t.Fatalf("read from %s: %v (got %.300q)", addr, err, got)
	}
	return string(got)
}

// TestDiffLimits20Unauthenticated: while the default user needs a
// password, a client that has not authenticated may send at most 10
// arguments of at most 16384 bytes each, as in Redis 7.0: more is
// "Protocol error: unauthenticated multibulk length" or "... bulk
// length", at the header already, and the client is closed. AUTH lifts
// the limits for the commands that follow it in the same pipeline; RESET
// (which logs the client out) brings them back, also for commands
// already read with it. Inline commands have no such limit. Byte for
// byte as a real Redis, in RESP2 and (after HELLO 3 AUTH) RESP3.
func TestDiffLimits20Unauthenticated(t *testing.T) {
	r := servertest.StartRedis(t, "--requirepass", "pw")
	const (
		mbulk  = "-ERR Protocol error: unauthenticated multibulk length\r\n"
		bulk   = "-ERR Protocol error: unauthenticated bulk length\r\n"
		noauth = "-NOAUTH Authentication required.\r\n"
		quit   = "+OK\r\n"
	)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithConfig(func(c *config.Config) {
			c.RequirePass = "pw"
		}))
		// The cases for a client that is not authenticated; in RESP3 it
		// authenticated with HELLO and RESET logs it out first.
		prefix, reset := "", ""
		if proto == 3 {
			prefix, reset = "*1\r\n$5\r\nRESET\r\n", "+RESET\r\n"
		}
		args11 := "*11\r\n$4\r\nECHO\r\n" + strings.Repeat("$1\r\na\r\n", 10)
		for _, tc := range []struct{ name, in, want string }{
			{"count over 10", "*11\r\n", mbulk},
			{"count over 10, complete", args11, mbulk},
			{"count 10", "*10\r\n$4\r\nECHO\r\n" + strings.Repeat("$1\r\na\r\n", 9), "-ERR wrong number of arguments for 'echo' command\r\n" + quit},
			{"bulk over 16384", "*2\r\n$16385\r\n", bulk},
			{"bulk over 16384, second", "*2\r\n$4\r\nPING\r\n$100000\r\n", bulk},
			{"bulk 16384", "*2\r\n$4\r\nECHO\r\n$16384\r\n" + strings.Repeat("e", 16384) + "\r\n", noauth + quit},
			{"after a command", "*1\r\n$4\r\nPING\r\n*11\r\n", noauth + mbulk},
			{"after a wrong AUTH", "*2\r\n$4\r\nAUTH\r\n$2\r\nxx\r\n*11\r\n",
				"-WRONGPASS invalid username-password pair or user is disabled.\r\n" + mbulk},
			{"after AUTH", "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n" + args11 + "*2\r\n$4\r\nECHO\r\n$16385\r\n" + strings.Repeat("e", 16385) + "\r\n",
				"+OK\r\n-ERR wrong number of arguments for 'echo' command\r\n$16385\r\n" + strings.Repeat("e", 16385) + "\r\n" + quit},
			{"after AUTH, then RESET", "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*1\r\n$5\r\nRESET\r\n" + args11,
				"+OK\r\n+RESET\r\n" + mbulk},
			{"inline", "PING " + strings.Repeat("a ", 20) + "\r\nPING " + strings.Repeat("b", 20000) + "\r\n", noauth + noauth + quit},
		} {
			want := reset + tc.want
			wantRedis := limits20Exchange(t, r.Addr, proto, prefix+tc.in)
			if wantRedis != want {
				t.Errorf("%s: Redis answers %.300q, the test expects %.300q", tc.name, wantRedis, want)
			}
			if got := limits20Exchange(t, s.Addr, proto, prefix+tc.in); got != wantRedis {
				t.Errorf("%s: differs from Redis\n redpool: %.300q\n   redis: %.300q", tc.name, got, wantRedis)
			}
		}
	})
}
