package server_test

import (
	"io"
	"net"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
	"redpool/command"
)

// ownAddress is the machine's first non-loopback IPv4 address, that of one
// of its own interfaces: a connection from it to it is not on loopback. A
// second address on lo would be. The test is skipped loudly without one.
func ownAddress(t *testing.T) net.IP {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Skipf("!!! SKIPPING PROTECTED MODE TEST: cannot list interfaces: %v !!!", err)
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
				return n.IP.To4()
			}
		}
	}
	t.Skip("!!! SKIPPING PROTECTED MODE TEST: this machine has no non-loopback IPv4 address !!!")
	return nil
}

// dialFrom connects from the address ip to port on ip.
func dialFrom(t *testing.T, ip net.IP, port string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", net.JoinHostPort(ip.String(), port))
	if err != nil {
		t.Fatalf("dial from %s: %v", ip, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// readUntilClosed reads what the server sends until it closes the connection.
func readUntilClosed(t *testing.T, c net.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, b)
	}
	return string(b)
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// TestProtectedMode: bound beyond loopback with no password, a client
// from the machine's own interface address gets Redis's DENIED error and
// is closed, byte for byte as a real Redis 7.0 does it, and the refusal
// counts in rejected_connections; a loopback client is served. A
// password for the default user, or protected-mode off, lets it in.
func TestProtectedMode(t *testing.T) {
	ip := ownAddress(t)
	want := "-" + string(command.ErrProtectedMode) + "\r\n"

	r := servertest.StartRedis(t, "--bind", "0.0.0.0", "--protected-mode", "yes")
	if got := readUntilClosed(t, dialFrom(t, ip, portOf(t, r.Addr))); got != want {
		t.Fatalf("redis-server: got %q\nwant %q", got, want)
	}

	s := servertest.Start(t, servertest.WithConfig(func(c *config.Config) {
		c.Bind, c.ProtectedMode = "0.0.0.0", true
	}))
	port := portOf(t, s.Addr)
	local := servertest.Dial(t, net.JoinHostPort("127.0.0.1", port))
	local.Expect("*2\r\n$14\r\nprotected-mode\r\n$3\r\nyes\r\n", "CONFIG", "GET", "protected-mode")

	if got := readUntilClosed(t, dialFrom(t, ip, port)); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if got := infoField(t, local, "stats", "rejected_connections"); got != "1" {
		t.Errorf("rejected_connections = %s, want 1", got)
	}

	// A password for the default user: the client is let in (and must
	// authenticate).
	local.Expect("+OK\r\n", "CONFIG", "SET", "requirepass", "pw")
	c := servertest.Dial(t, net.JoinHostPort(ip.String(), port))
	c.Expect("-NOAUTH Authentication required.\r\n", "PING")
	c.Expect("+OK\r\n", "AUTH", "pw")
	c.Expect("+PONG\r\n", "PING")
	c.Expect("+OK\r\n", "CONFIG", "SET", "requirepass", "")

	// Protected mode off: let in without a password.
	local.Expect("+OK\r\n", "CONFIG", "SET", "protected-mode", "no")
	servertest.Dial(t, net.JoinHostPort(ip.String(), port)).Expect("+PONG\r\n", "PING")
	local.Expect("+OK\r\n", "CONFIG", "SET", "protected-mode", "yes")
	if got := readUntilClosed(t, dialFrom(t, ip, port)); got != want {
		t.Fatalf("protected mode back on: got %q", got)
	}
}
