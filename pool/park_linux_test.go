//go:build linux

package pool_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
	"redpool/pool"
)

// parkStart runs a pool server whose sessions park after 10 ms.
func parkStart(t *testing.T, maxClients int) (*pool.Server, string, chan error) {
	t.Helper()
	return startWith(t, pool.Options{MaxClients: maxClients, ParkAfter: 10 * time.Millisecond})
}

// parkWaitFor waits until cond holds, failing after 5 s.
func parkWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestParkMaxClients: parked clients free their workers but still count
// against maxclients: the next client gets Redis's error, and a client
// leaving makes room again. Raising the limit admits more.
func TestParkMaxClients(t *testing.T) {
	srv, addr, done := parkStart(t, 2)
	defer func() {
		_ = srv.Shutdown(context.Background())
		<-done
	}()
	a := servertest.Dial(t, addr)
	a.Expect("+PONG\r\n", "PING")
	b := servertest.Dial(t, addr)
	b.Expect("+PONG\r\n", "PING")
	parkWaitFor(t, "both clients to park", func() bool { return srv.Parked() == 2 })
	if n := srv.Running(); n != 2 {
		t.Fatalf("Running = %d, want 2", n)
	}
	c := servertest.Dial(t, addr)
	c.Expect("-ERR max number of clients reached\r\n", "PING")
	c.ExpectClosed()

	_ = a.NetConn().Close()
	parkWaitFor(t, "the client to leave", func() bool { return srv.Running() == 1 })
	d := servertest.Dial(t, addr)
	d.Expect("+PONG\r\n", "PING")
	b.Expect("+PONG\r\n", "PING") // resumed

	if err := srv.SetMaxClients(3); err != nil {
		t.Fatal(err)
	}
	e := servertest.Dial(t, addr)
	e.Expect("+PONG\r\n", "PING")
}

// TestParkShutdown: Shutdown ends parked sessions too, and waits for them.
func TestParkShutdown(t *testing.T) {
	srv, addr, done := parkStart(t, 10)
	var conns []*servertest.Conn
	for range 3 {
		c := servertest.Dial(t, addr)
		c.Expect("+PONG\r\n", "PING")
		conns = append(conns, c)
	}
	parkWaitFor(t, "the clients to park", func() bool { return srv.Parked() == 3 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-done; !errors.Is(err, pool.ErrServerClosed) {
		t.Fatalf("Serve = %v, want ErrServerClosed", err)
	}
	for _, c := range conns {
		c.ExpectClosed()
	}
	if n := srv.Running(); n != 0 {
		t.Fatalf("Running = %d after Shutdown", n)
	}
}
