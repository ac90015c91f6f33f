package server_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// TestConfigSetTimeoutClosesIdleClients: a timeout set by CONFIG SET
// reaches the clients already waiting for input, as Redis's
// clientsCron does: an idle client is closed about a second after it
// has been idle past the timeout, while a subscriber, a client blocked
// in BLPOP and a client that keeps sending commands stay.
func TestConfigSetTimeoutClosesIdleClients(t *testing.T) {
	s := servertest.Start(t)
	idle := servertest.Dial(t, s.Addr)
	idle.Expect("+PONG\r\n", "PING")
	sub := servertest.Dial(t, s.Addr)
	sub.Expect("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", "SUBSCRIBE", "ch")
	blocked := servertest.Dial(t, s.Addr)
	blocked.Send("BLPOP", "list", "0")
	admin := servertest.Dial(t, s.Addr)
	admin.Expect("+OK\r\n", "CONFIG", "SET", "timeout", "1")
	set := time.Now()
	for {
		if !strings.Contains(admin.Do("CLIENT", "LIST"), "cmd=ping") {
			break // the idle client is gone
		}
		if time.Since(set) > 6*time.Second {
			t.Fatal("the idle client is still connected 6 s after CONFIG SET timeout 1")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, err := idle.TryRead(time.Second); err != io.EOF {
		t.Fatalf("idle client's read after the timeout: %v, want EOF", err)
	}
	admin.Expect(":1\r\n", "RPUSH", "list", "x")
	if got := blocked.Read(); got != "*2\r\n$4\r\nlist\r\n$1\r\nx\r\n" {
		t.Fatalf("blocked client got %q", got)
	}
	sub.Expect("*2\r\n$4\r\npong\r\n$0\r\n\r\n", "PING")
	admin.Expect("+OK\r\n", "CONFIG", "SET", "timeout", "0")
}
