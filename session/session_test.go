package session_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"sync"
	"testing"

	"redpool/backend/memory"
	"redpool/command"
	"redpool/session"
	"redpool/session/resp"
)

// sessionTestEngine returns an engine over a fresh memory backend, which
// closes at cleanup (after the cleanups registered later: the sessions'),
// and a loopback listener.
func sessionTestEngine(tb testing.TB) (*command.Engine, net.Listener) {
	tb.Helper()
	m := memory.New(memory.Options{ExpiryInterval: -1})
	tb.Cleanup(func() { _ = m.Close() })
	e, err := command.NewEngine(command.Options{Backend: m})
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return e, ln
}

// serve starts sessions on a loopback listener for the benchmark and
// returns a connected client; everything stops at cleanup.
func serve(b *testing.B) (net.Conn, *bufio.Reader) {
	c, br, _ := serveAddr(b)
	return c, br
}

// serveAddr is serve, with the listener's address. The sessions share
// one Settings, as a server's do.
func serveAddr(b testing.TB) (net.Conn, *bufio.Reader, string) {
	b.Helper()
	e, ln := sessionTestEngine(b)
	settings := session.NewSettings(0, 512<<20)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sessions []*session.Session
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s := session.New(context.Background(), conn, e, settings, nil)
			mu.Lock()
			sessions = append(sessions, s)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); s.Serve() }()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = c.Close()
		_ = ln.Close()
		mu.Lock()
		for _, s := range sessions {
			s.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return c, bufio.NewReader(c), ln.Addr().String()
}

// benchPipeline sends depth GETs at a time and reads their replies.
func benchPipeline(b *testing.B, depth int) {
	c, br := serve(b)
	roundTrips(b, c, br, depth, "GET", "k") // "$-1\r\n"
}

// roundTrips sends args depth times per round trip until b.N requests
// have gone, reading each one-line reply.
func roundTrips(b *testing.B, c net.Conn, br *bufio.Reader, depth int, args ...string) {
	var req []byte
	for range depth {
		req = resp.AppendCommandStrings(req, args...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += depth {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		for range depth {
			if _, err := br.ReadSlice('\n'); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkSessionGET is one request per round trip.
func BenchmarkSessionGET(b *testing.B) { benchPipeline(b, 1) }

// BenchmarkSessionGETPipeline is 32 requests per round trip, one flush.
func BenchmarkSessionGETPipeline(b *testing.B) { benchPipeline(b, 32) }

// benchPublish publishes to a channel with n subscribers that read and
// discard what they get, depth PUBLISHes per round trip.
func benchPublish(b *testing.B, n, depth int) {
	c, br, addr := serveAddr(b)
	var wg sync.WaitGroup
	var subs []net.Conn
	for range n {
		sc, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sc.Write(resp.AppendCommandStrings(nil, "SUBSCRIBE", "ch")); err != nil {
			b.Fatal(err)
		}
		sbr := bufio.NewReader(sc)
		for range 6 { // *3 $9 subscribe $2 ch :n
			if _, err := sbr.ReadSlice('\n'); err != nil {
				b.Fatal(err)
			}
		}
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = io.Copy(io.Discard, sc) }()
		subs = append(subs, sc)
	}
	b.Cleanup(func() {
		for _, sc := range subs {
			_ = sc.Close()
		}
		wg.Wait()
	})
	roundTrips(b, c, br, depth, "PUBLISH", "ch", "hello world")
}

func BenchmarkPublish1(b *testing.B)          { benchPublish(b, 1, 1) }
func BenchmarkPublish50(b *testing.B)         { benchPublish(b, 50, 1) }
func BenchmarkPublish1Pipeline(b *testing.B)  { benchPublish(b, 1, 16) }
func BenchmarkPublish50Pipeline(b *testing.B) { benchPublish(b, 50, 16) }
