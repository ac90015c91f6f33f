//go:build linux

package server_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// parkClientsIdleRe finds a client's age and idle seconds in its CLIENT
// LIST line.
var parkClientsIdleRe = regexp.MustCompile(` age=(\d+) idle=(\d+) `)

// parkClientsLine is the CLIENT LIST line of the client with id, as seen
// by c ("" if there is none).
func parkClientsLine(c *servertest.Conn, id string) string {
	for _, line := range strings.Split(c.Do("CLIENT", "LIST"), "\n") {
		if strings.HasPrefix(line, "id="+id+" ") {
			return line
		}
	}
	return ""
}

// parkClientsWaitParked waits until CLIENT LIST shows the client with id
// idle for 2 s (and no longer than its age): a session parks once it has
// waited 1 s for its next request (session.DefaultParkAfter), so it is
// parked then.
func parkClientsWaitParked(t *testing.T, c *servertest.Conn, id string) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		line := parkClientsLine(c, id)
		if m := parkClientsIdleRe.FindStringSubmatch(line); m != nil {
			age, _ := strconv.Atoi(m[1])
			idle, _ := strconv.Atoi(m[2])
			if idle > age {
				t.Fatalf("client %s idle longer than its age: %q", id, line)
			}
			if idle >= 2 {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("client %s never idle for 2 s: %q", id, line)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// parkClientsID is the client's CLIENT ID.
func parkClientsID(t *testing.T, c *servertest.Conn) string {
	t.Helper()
	r := c.Do("CLIENT", "ID")
	if !strings.HasPrefix(r, ":") {
		t.Fatalf("CLIENT ID = %q", r)
	}
	return strings.TrimSpace(r[1:])
}

// TestParkedClientAdmin: a parked client is listed and counted as any
// idle one, CLIENT KILL closes it, and it runs on when it sends a
// command.
func TestParkedClientAdmin(t *testing.T) {
	s := servertest.Start(t)
	a := servertest.Dial(t, s.Addr)
	aID := parkClientsID(t, a)
	b := servertest.Dial(t, s.Addr)
	bID := parkClientsID(t, b)
	admin := servertest.Dial(t, s.Addr)
	parkClientsWaitParked(t, admin, aID)
	line := parkClientsWaitParked(t, admin, bID)
	for _, want := range []string{" qbuf=0 ", " qbuf-free=0 ", " flags=N ", " cmd=client|id "} {
		if !strings.Contains(line, want) {
			t.Errorf("parked client's CLIENT LIST line %q lacks %q", line, want)
		}
	}

	if info := admin.Do("INFO", "clients"); !strings.Contains(info, "connected_clients:3\r\n") {
		t.Fatalf("INFO clients with two parked clients: %q", info)
	}
	admin.Expect(":1\r\n", "CLIENT", "KILL", "ID", aID)
	a.ExpectClosed()
	// Resumed; as in Redis, reading a command ends the idle time.
	if own := b.Do("CLIENT", "INFO"); !strings.Contains(own, " idle=0 ") {
		t.Errorf("CLIENT INFO of a client idle for 2 s before it: %q", own)
	}
	b.Expect("+PONG\r\n", "PING")
	if info := admin.Do("INFO", "clients"); !strings.Contains(info, "connected_clients:2\r\n") {
		t.Fatalf("INFO clients after the kill: %q", info)
	}
}

// TestParkedClientTimeout: the idle timeout closes a parked client on
// time.
func TestParkedClientTimeout(t *testing.T) {
	s := servertest.Start(t, servertest.WithConfig(func(c *config.Config) {
		c.Timeout = config.Duration(3 * time.Second)
	}))
	a := servertest.Dial(t, s.Addr)
	start := time.Now() // before its last command
	aID := parkClientsID(t, a)
	admin := servertest.Dial(t, s.Addr)
	parkClientsWaitParked(t, admin, aID)
	a.ExpectClosed()
	if d := time.Since(start); d < 3*time.Second || d > 5*time.Second {
		t.Fatalf("parked client closed after %v, want the 3 s timeout", d)
	}
}
