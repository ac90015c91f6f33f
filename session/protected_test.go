package session

import (
	"net"
	"testing"
)

// unixAddr is a Unix socket's address, local as in Redis.
type unixAddr struct{}

func (unixAddr) Network() string { return "unix" }
func (unixAddr) String() string  { return "/tmp/redis.sock" }

// TestDenied: protected mode refuses exactly the clients Redis 7.0's
// clientAcceptHandler refuses: protected mode on, the default user with
// no password, and an address beyond loopback.
func TestDenied(t *testing.T) {
	tcp := func(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 5000} }
	tests := []struct {
		protected, noPass bool
		addr              net.Addr
		want              bool
	}{
		{true, true, tcp("192.0.2.7"), true},
		{true, true, tcp("10.1.2.3"), true},
		{true, true, tcp("2001:db8::1"), true},
		{true, true, tcp("::ffff:192.0.2.7"), true},
		{true, true, tcp("127.0.0.1"), false},
		{true, true, tcp("127.3.4.5"), false}, // all of 127/8 is loopback
		{true, true, tcp("::1"), false},
		{true, true, tcp("::ffff:127.0.0.1"), false},
		{true, true, unixAddr{}, false},
		{true, true, nil, false},
		{true, false, tcp("192.0.2.7"), false}, // a password is set
		{false, true, tcp("192.0.2.7"), false}, // protected-mode no
	}
	for _, tt := range tests {
		s := NewSettings(0, 1<<20)
		s.SetProtectedMode(tt.protected)
		if got := s.Denied(tt.noPass, tt.addr); got != tt.want {
			t.Errorf("protected=%v noPass=%v addr=%v: Denied = %v, want %v", tt.protected, tt.noPass, tt.addr, got, tt.want)
		}
	}
	if !NewSettings(0, 1<<20).ProtectedMode() {
		t.Error("protected mode is off by default; Redis has it on")
	}
}
