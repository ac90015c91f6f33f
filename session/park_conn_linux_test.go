//go:build linux

package session_test

import (
	"os"
	"testing"
	"time"
)

// openFDs is how many descriptors the process has open.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

// TestParkKeepsOneDescriptor: a parked session holds its socket through
// one descriptor (its connection closed, the duplicate in the Parker's
// epoll set), takes a connection again at each resume, and leaks none
// over many parkings; its end closes the socket.
func TestParkKeepsOneDescriptor(t *testing.T) {
	ps := parkServe(t)
	base := openFDs(t)
	c, br := parkDial(t, ps)
	parkDo(t, c, br, "SET k v\r\n", "+OK\r\n")
	for i := range 10 {
		parkWait(t, "the session to park", func() bool { return ps.parker.Parked() == 1 })
		if n := openFDs(t) - base; n != 2 { // the client's and the parked server side
			t.Fatalf("parking %d: %d descriptors more than before the client, want 2", i, n)
		}
		parkDo(t, c, br, "GET k\r\n", "$1\r\nv\r\n")
	}
	_ = c.Close()
	parkWait(t, "the session to end", func() bool { return ps.endedCount() == 1 })
	parkWait(t, "the descriptors to close", func() bool { return openFDs(t) == base })
}

// TestParkClientKill: CLIENT KILL from another client ends a parked
// client's session.
func TestParkClientKill(t *testing.T) {
	ps := parkServe(t)
	c, br := parkDial(t, ps)
	parkDo(t, c, br, "CLIENT SETNAME victim\r\n", "+OK\r\n")
	parkWait(t, "the session to park", func() bool { return ps.parker.Parked() == 1 })
	k, kbr := parkDial(t, ps)
	parkDo(t, k, kbr, "CLIENT KILL ID 1\r\n", ":1\r\n")
	parkExpectEOF(t, c, br)
	parkDo(t, k, kbr, "CLIENT LIST ID 1\r\n", "$0\r\n\r\n")
}

// TestParkPushesWhileParking: an invalidation pushed to a parked
// tracking client resumes it and arrives, again and again; then, pushed
// at every moment of its parking and resuming (the writer pausing around
// the park deadline), each arrives once, in order.
func TestParkPushesWhileParking(t *testing.T) {
	ps := parkServe(t)
	w, wbr := parkDial(t, ps)
	parkDo(t, w, wbr, "SET k v\r\n", "+OK\r\n")
	for _, parked := range []bool{true, false} {
		a, abr := parkDial(t, ps)
		parkHello3(t, a, abr)
		parkDo(t, a, abr, "CLIENT TRACKING on\r\n", "+OK\r\n")
		for i := range 30 {
			parkDo(t, a, abr, "GET k\r\n", "$1\r\nv\r\n")
			if parked {
				parkWait(t, "both sessions to park", func() bool { return ps.parker.Parked() == 2 })
			} else {
				time.Sleep(time.Duration(i%9) * parkTestAfter / 4) // 0 to twice the grace
			}
			parkDo(t, w, wbr, "SET k v\r\n", "+OK\r\n")
			parkExpect(t, a, abr, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n")
		}
		parkDo(t, a, abr, "PING\r\n", "+PONG\r\n")
		_ = a.Close()
		parkWait(t, "the client to end", func() bool { return ps.parker.Parked() <= 1 })
	}
}
