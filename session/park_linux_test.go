//go:build linux

package session_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"redpool/session"
)

// parkTestAfter is how long a test session waits before it parks.
const parkTestAfter = 20 * time.Millisecond

// parkServer is a listener whose sessions park on one Parker, as the
// pool's do; every session runs on a goroutine of its own.
type parkServer struct {
	addr     string
	parker   *session.Parker
	settings *session.Settings

	mu       sync.Mutex
	sessions []*session.Session
	ended    int
}

// parkServe starts a parkServer whose sessions park after
// parkTestAfter; everything stops at cleanup.
func parkServe(t *testing.T) *parkServer {
	t.Helper()
	return parkServeAfter(t, parkTestAfter)
}

// parkServeAfter is parkServe with sessions parking after after.
func parkServeAfter(t *testing.T, after time.Duration) *parkServer {
	t.Helper()
	e, ln := sessionTestEngine(t)
	var wg sync.WaitGroup
	// Held until the parker is closed, so that a session the poller
	// resumes during cleanup (a client closing) is never counted from
	// zero while cleanup waits.
	wg.Add(1)
	run := func(task func()) {
		wg.Add(1)
		go func() { defer wg.Done(); task() }()
	}
	p, err := session.NewParker(run, after)
	if err != nil {
		t.Fatal(err)
	}
	p.Start()
	ps := &parkServer{addr: ln.Addr().String(), parker: p, settings: session.NewSettings(0, 512<<20)}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s := session.New(context.Background(), conn, e, ps.settings, nil)
			s.UseParker(p, ps.sessionEnded)
			ps.mu.Lock()
			ps.sessions = append(ps.sessions, s)
			ps.mu.Unlock()
			run(s.Serve)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		ps.mu.Lock()
		for _, s := range ps.sessions {
			s.Close()
		}
		ps.mu.Unlock()
		if err := p.Close(); err != nil { // no more resumptions from the poller
			t.Error(err)
		}
		wg.Done()
		wg.Wait()
	})
	return ps
}

// parkDial connects a client.
func parkDial(t *testing.T, ps *parkServer) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", ps.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, bufio.NewReader(c)
}

// parkDo sends req and checks that the reply is exactly want.
func parkDo(t *testing.T, c net.Conn, br *bufio.Reader, req, want string) {
	t.Helper()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	parkExpect(t, c, br, want)
}

// parkExpect reads exactly want.
func parkExpect(t *testing.T, c net.Conn, br *bufio.Reader, want string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(br, got); err != nil {
		t.Fatalf("reading %q: %v (got %q)", want, err, got)
	}
	if string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// parkWait waits until cond holds, failing after 5 s.
func parkWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// parkHello3 switches c to RESP3 and reads HELLO's reply.
func parkHello3(t *testing.T, c net.Conn, br *bufio.Reader) {
	t.Helper()
	if _, err := io.WriteString(c, "HELLO 3\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	hello := make([]byte, 0, 256)
	for !strings.HasSuffix(string(hello), "$7\r\nmodules\r\n*0\r\n") {
		b, err := br.ReadByte()
		if err != nil {
			t.Fatalf("reading HELLO's reply: %v", err)
		}
		hello = append(hello, b)
	}
}

// parkExpectEOF waits for the server to close c.
func parkExpectEOF(t *testing.T, c net.Conn, br *bufio.Reader) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("got %q, %v; want the connection closed", b, err)
	}
}

// sessionEnded counts a session that ended.
func (ps *parkServer) sessionEnded(*session.Session) {
	ps.mu.Lock()
	ps.ended++
	ps.mu.Unlock()
}

func (ps *parkServer) endedCount() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.ended
}

// TestParkIdleSessionResumes: an idle session parks, runs on when its
// client sends a command (again and again), and its end is reported.
func TestParkIdleSessionResumes(t *testing.T) {
	ps := parkServe(t)
	c, br := parkDial(t, ps)
	parkDo(t, c, br, "PING\r\n", "+PONG\r\n")
	for i := range 3 {
		parkWait(t, "the session to park", func() bool { return ps.parker.Parked() == 1 })
		if i == 0 {
			parkDo(t, c, br, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", "+OK\r\n")
		}
		parkDo(t, c, br, "GET k\r\n", "$1\r\nv\r\n")
	}
	parkWait(t, "the session to park", func() bool { return ps.parker.Parked() == 1 })
	_ = c.Close()
	parkWait(t, "the session to end", func() bool { return ps.endedCount() == 1 })
	if n := ps.parker.Parked(); n != 0 {
		t.Fatalf("%d sessions parked after the client left", n)
	}
}

// TestParkBusyClientStays: a client sending a request every few
// milliseconds over several park deadlines is served throughout (the
// deadline passing during a read is armed again, not taken for the idle
// timeout), and a request arriving in pieces slower than the deadline is
// not parked half read.
func TestParkBusyClientStays(t *testing.T) {
	ps := parkServe(t)
	c, br := parkDial(t, ps)
	for end := time.Now().Add(10 * parkTestAfter); time.Now().Before(end); {
		parkDo(t, c, br, "PING\r\n", "+PONG\r\n")
		time.Sleep(parkTestAfter / 7)
	}
	if _, err := io.WriteString(c, "*2\r\n$4\r\nECHO\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * parkTestAfter) // several deadlines pass: still no park
	if n := ps.parker.Parked(); n != 0 {
		t.Fatalf("%d sessions parked with a request half read", n)
	}
	parkDo(t, c, br, "$2\r\nhi\r\n", "$2\r\nhi\r\n")
}

// TestParkClose: Close (CLIENT KILL, Shutdown) and Kill (a client over
// its output-buffer limit) of a parked session end it: the client sees
// its connection closed.
func TestParkClose(t *testing.T) {
	for name, end := range map[string]func(*session.Session){"Close": (*session.Session).Close, "Kill": (*session.Session).Kill} {
		t.Run(name, func(t *testing.T) {
			ps := parkServe(t)
			c, br := parkDial(t, ps)
			parkDo(t, c, br, "PING\r\n", "+PONG\r\n")
			parkWait(t, "the session to park", func() bool { return ps.parker.Parked() == 1 })
			ps.mu.Lock()
			s := ps.sessions[0]
			ps.mu.Unlock()
			end(s)
			parkExpectEOF(t, c, br)
			parkWait(t, "the session to end", func() bool { return ps.endedCount() == 1 })
		})
	}
}

// TestParkIdleTimeout: a parked client is still closed by the idle
// timeout, and one that sent a command meanwhile is not.
func TestParkIdleTimeout(t *testing.T) {
	ps := parkServe(t)
	ps.settings.SetIdleTimeout(300 * time.Millisecond)
	c, br := parkDial(t, ps)
	start := time.Now()
	parkDo(t, c, br, "PING\r\n", "+PONG\r\n")
	parkWait(t, "the session to park", func() bool { return ps.parker.Parked() == 1 })
	parkExpectEOF(t, c, br)
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("closed after %v, before the idle timeout", d)
	}
	parkWait(t, "the session to end", func() bool { return ps.endedCount() == 1 })
}

// TestParkPushToParked: an invalidation pushed to a parked RESP3 client
// with tracking on is written at once, and the client then runs on; a
// parked client in MULTI keeps its queued commands.
func TestParkPushToParked(t *testing.T) {
	ps := parkServe(t)
	a, abr := parkDial(t, ps)
	parkHello3(t, a, abr)
	parkDo(t, a, abr, "CLIENT TRACKING on\r\n", "+OK\r\n")
	parkDo(t, a, abr, "GET k\r\n", "_\r\n")
	m, mbr := parkDial(t, ps)
	parkDo(t, m, mbr, "MULTI\r\n", "+OK\r\n")
	parkDo(t, m, mbr, "SET k v\r\n", "+QUEUED\r\n")
	parkWait(t, "both sessions to park", func() bool { return ps.parker.Parked() == 2 })

	b, bbr := parkDial(t, ps)
	parkDo(t, b, bbr, "SET k x\r\n", "+OK\r\n")
	parkExpect(t, a, abr, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n")
	parkDo(t, a, abr, "PING\r\n", "+PONG\r\n")
	parkDo(t, m, mbr, "EXEC\r\n", "*1\r\n+OK\r\n")
	parkDo(t, b, bbr, "GET k\r\n", "$1\r\nv\r\n")
}

// TestParkManyClients: clients pausing around the park deadline, so that
// their sessions park and resume over and over, each get their own
// replies, in order.
func TestParkManyClients(t *testing.T) {
	ps := parkServe(t)
	var wg sync.WaitGroup
	for i := range 20 {
		c, br := parkDial(t, ps)
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "k" + string(rune('a'+i))
			for j := range 15 {
				v := string(rune('a' + j))
				if _, err := io.WriteString(c, "SET "+key+" "+v+"\r\nGET "+key+"\r\n"); err != nil {
					t.Error(err)
					return
				}
				want := "+OK\r\n$1\r\n" + v + "\r\n"
				got := make([]byte, len(want))
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.ReadFull(br, got); err != nil || string(got) != want {
					t.Errorf("client %d: got %q, %v; want %q", i, got, err, want)
					return
				}
				time.Sleep(time.Duration((i*7+j*5)%45) * time.Millisecond)
			}
		}()
	}
	wg.Wait()
}

// TestParkFirstGraceShort: a new session parks after a short first grace
// even where the Parker's is long, so that a connection storm does not
// hold a goroutine per client for long; once it has parked it waits the
// Parker's grace.
func TestParkFirstGraceShort(t *testing.T) {
	ps := parkServeAfter(t, time.Hour)
	c, br := parkDial(t, ps)
	parkDo(t, c, br, "PING\r\n", "+PONG\r\n")
	parkWait(t, "the new session to park", func() bool { return ps.parker.Parked() == 1 })
	parkDo(t, c, br, "PING\r\n", "+PONG\r\n")
	time.Sleep(100 * time.Millisecond) // four first graces
	if n := ps.parker.Parked(); n != 0 {
		t.Fatalf("%d sessions parked a moment after their client's command, grace an hour", n)
	}
}

// TestParkKeepsStats: a session lets its command context go when it
// parks and takes a new one when it resumes; the statistics of its
// commands, a pipelined batch and a failed call among them, stay exact.
func TestParkKeepsStats(t *testing.T) {
	ps := parkServe(t)
	c, br := parkDial(t, ps)
	parkDo(t, c, br, "SET s x\r\nINCR s\r\nGET s\r\n",
		"+OK\r\n-ERR value is not an integer or out of range\r\n$1\r\nx\r\n")
	parkWait(t, "the session to park", func() bool { return ps.parker.Parked() == 1 })
	parkDo(t, c, br, "GET s\r\n", "$1\r\nx\r\n")
	parkWait(t, "the session to park again", func() bool { return ps.parker.Parked() == 1 })
	if _, err := io.WriteString(c, "INFO commandstats\r\n"); err != nil {
		t.Fatal(err)
	}
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "$") {
		t.Fatalf("INFO's reply begins %q, %v", line, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil {
		t.Fatal(err)
	}
	info := make([]byte, n+2)
	if _, err := io.ReadFull(br, info); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`cmdstat_set:calls=1,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=0\r\n`,
		`cmdstat_incr:calls=1,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=1\r\n`,
		`cmdstat_get:calls=2,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=0\r\n`,
	} {
		if !regexp.MustCompile(want).Match(info) {
			t.Errorf("INFO commandstats lacks %s:\n%s", want, info)
		}
	}
}

// TestParkFreesReplyBuffer: a session that parks lets its reply buffer
// go with its command context, and notes it as freed
// (Settings.TakeFreed), so that a big one goes back to the system.
func TestParkFreesReplyBuffer(t *testing.T) {
	ps := parkServe(t)
	c, br := parkDial(t, ps)
	const size = 200 << 10
	val := strings.Repeat("v", size)
	parkDo(t, c, br, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$"+strconv.Itoa(size)+"\r\n"+val+"\r\n", "+OK\r\n")
	parkWait(t, "the session to park", func() bool { return ps.parker.Parked() == 1 })
	ps.settings.TakeFreed() // the request's buffer
	parkDo(t, c, br, "GET k\r\n", "$"+strconv.Itoa(size)+"\r\n"+val+"\r\n")
	parkWait(t, "the session to park again", func() bool { return ps.parker.Parked() == 1 })
	if n := ps.settings.TakeFreed(); n < size {
		t.Fatalf("%d bytes noted as freed after a %d-byte reply's session parked", n, size)
	}
}
