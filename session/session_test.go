package session_test

import (
	"bufio"
	"context"
	"net"
	"sync"
	"testing"

	"redpool/backend/memory"
	"redpool/command"
	"redpool/session"
	"redpool/session/resp"
)

// serve starts sessions on a loopback listener for the benchmark and
// returns a connected client; everything stops at cleanup.
func serve(b *testing.B) (net.Conn, *bufio.Reader) {
	b.Helper()
	m := memory.New(memory.Options{ExpiryInterval: -1})
	e, err := command.NewEngine(command.Options{Backend: m})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
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
			s := session.New(context.Background(), conn, e, session.NewSettings(0, 512<<20), nil)
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
		_ = m.Close()
	})
	return c, bufio.NewReader(c)
}

// benchPipeline sends depth GETs at a time and reads their replies.
func benchPipeline(b *testing.B, depth int) {
	c, br := serve(b)
	var req []byte
	for range depth {
		req = resp.AppendCommandStrings(req, "GET", "k")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += depth {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		for range depth {
			if _, err := br.ReadSlice('\n'); err != nil { // "$-1\r\n"
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkSessionGET is one request per round trip.
func BenchmarkSessionGET(b *testing.B) { benchPipeline(b, 1) }

// BenchmarkSessionGETPipeline is 32 requests per round trip, one flush.
func BenchmarkSessionGETPipeline(b *testing.B) { benchPipeline(b, 32) }
