package session_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"redpool/session"
	"redpool/session/resp"
)

// kernelServer serves sessions on a loopback listener with the given idle
// timeout, for the tests of the raw read (rawread_unix.go); everything
// stops at cleanup. Sessions that end are reported on ended.
type kernelServer struct {
	addr  string
	ended chan struct{}
	mu    sync.Mutex
	sess  []*session.Session
}

func kernelServe(t *testing.T, idle time.Duration) *kernelServer {
	t.Helper()
	e, ln := sessionTestEngine(t)
	ks := &kernelServer{addr: ln.Addr().String(), ended: make(chan struct{}, 16)}
	settings := session.NewSettings(idle, 512<<20)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s := session.New(context.Background(), conn, e, settings, nil)
			ks.mu.Lock()
			ks.sess = append(ks.sess, s)
			ks.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.Serve()
				ks.ended <- struct{}{}
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		ks.closeAll()
		wg.Wait()
	})
	return ks
}

// waitEnded waits for a session to end.
func (ks *kernelServer) waitEnded(t *testing.T) {
	t.Helper()
	select {
	case <-ks.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("session did not end")
	}
}

func (ks *kernelServer) closeAll() {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	for _, s := range ks.sess {
		s.Close()
	}
}

// kernelClient is a connection that sends commands and reads replies.
type kernelClient struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func kernelDial(t *testing.T, addr string) *kernelClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &kernelClient{t: t, c: c, br: bufio.NewReader(c)}
}

func (k *kernelClient) send(args ...string) {
	k.t.Helper()
	if _, err := k.c.Write(resp.AppendCommandStrings(nil, args...)); err != nil {
		k.t.Fatal(err)
	}
}

// expect reads len(want) bytes and compares them with want.
func (k *kernelClient) expect(want string) {
	k.t.Helper()
	_ = k.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(k.br, got); err != nil {
		k.t.Fatalf("reading %q: %v (got %q)", want, err, got)
	}
	if string(got) != want {
		k.t.Fatalf("got %q, want %q", got, want)
	}
}

// do sends one command and expects its exact reply.
func (k *kernelClient) do(want string, args ...string) {
	k.t.Helper()
	k.send(args...)
	k.expect(want)
}

// kernelWarm runs enough single round trips on k for its session to read
// through the raw read from then on.
func kernelWarm(k *kernelClient) {
	for range 20 {
		k.do("+PONG\r\n", "PING")
	}
}

// TestKernelRawReadRoundTrips: one request per round trip, before and
// after the session opens its raw read, then a pipeline, a request bigger
// than the read buffer and a reply bigger than the socket takes at once.
func TestKernelRawReadRoundTrips(t *testing.T) {
	ks := kernelServe(t, 0)
	k := kernelDial(t, ks.addr)
	for i := 1; i <= 200; i++ {
		k.do(":"+strconv.Itoa(i)+"\r\n", "INCR", "n")
	}
	var pipe []byte
	var want strings.Builder
	for i := 201; i <= 300; i++ {
		pipe = resp.AppendCommandStrings(pipe, "INCR", "n")
		want.WriteString(":" + strconv.Itoa(i) + "\r\n")
	}
	if _, err := k.c.Write(pipe); err != nil {
		t.Fatal(err)
	}
	k.expect(want.String())
	big := strings.Repeat("x", 4<<20) // more than the socket takes at once
	k.do("+OK\r\n", "SET", "big", big)
	k.send("GET", "big")
	k.expect("$" + strconv.Itoa(len(big)) + "\r\n" + big + "\r\n")
	k.do(":301\r\n", "INCR", "n")
}

// TestKernelRawReadBlocking: a blocking command leaves the raw read (its
// watcher reads the connection), and the session reads through it again
// after the command returns.
func TestKernelRawReadBlocking(t *testing.T) {
	ks := kernelServe(t, 0)
	k := kernelDial(t, ks.addr)
	other := kernelDial(t, ks.addr)
	kernelWarm(k)
	kernelWarm(other)
	for round := range 3 {
		k.send("BLPOP", "list", "0")
		// Wait until the client blocks, then push.
		for {
			other.send("CLIENT", "LIST")
			line, err := other.br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
			body := make([]byte, n+2)
			if _, err := io.ReadFull(other.br, body); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(body, []byte("cmd=blpop")) {
				break
			}
		}
		v := "v" + strconv.Itoa(round)
		other.do(":1\r\n", "RPUSH", "list", v)
		k.expect("*2\r\n$4\r\nlist\r\n$2\r\n" + v + "\r\n")
		kernelWarm(k)
	}
}

// TestKernelRawReadClose: Close ends a session waiting in its raw read.
func TestKernelRawReadClose(t *testing.T) {
	ks := kernelServe(t, 0)
	k := kernelDial(t, ks.addr)
	kernelWarm(k)
	ks.closeAll()
	ks.waitEnded(t)
	if _, err := k.br.ReadByte(); err != io.EOF {
		t.Fatalf("read after close: %v, want EOF", err)
	}
}

// TestKernelRawReadIdleTimeout: the idle timeout ends a session waiting
// in its raw read, as it ends one reading through the connection.
func TestKernelRawReadIdleTimeout(t *testing.T) {
	ks := kernelServe(t, 200*time.Millisecond)
	k := kernelDial(t, ks.addr)
	kernelWarm(k)
	ks.waitEnded(t)
	if _, err := k.br.ReadByte(); err != io.EOF {
		t.Fatalf("read after the timeout: %v, want EOF", err)
	}
}

// TestKernelRawReadClientGone: a client that leaves ends its session.
func TestKernelRawReadClientGone(t *testing.T) {
	ks := kernelServe(t, 0)
	k := kernelDial(t, ks.addr)
	kernelWarm(k)
	_ = k.c.Close()
	ks.waitEnded(t)
}
