package pool_test

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"redpool/backend/memory"
	"redpool/cmd/redpool/server/servertest"
	"redpool/command"
	"redpool/pool"
	"redpool/session"
)

// start runs a pool server with the standard commands plus extra families.
func start(t *testing.T, maxClients int, extra ...[]command.Spec) (*pool.Server, string, chan error) {
	t.Helper()
	return startWith(t, pool.Options{MaxClients: maxClients}, extra...)
}

// startWith is start with options o (Engine and Settings are filled in).
func startWith(t *testing.T, o pool.Options, extra ...[]command.Spec) (*pool.Server, string, chan error) {
	t.Helper()
	b := memory.New(memory.Options{Databases: 16})
	t.Cleanup(func() { _ = b.Close() })
	fams := append(command.Families(), extra...)
	e, err := command.NewEngine(command.Options{Backend: b, Families: fams})
	if err != nil {
		t.Fatal(err)
	}
	o.Engine, o.Settings = e, session.NewSettings(0, 512<<20)
	srv, err := pool.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	return srv, ln.Addr().String(), done
}

func TestPanicEndsOnlyThatClient(t *testing.T) {
	boom := []command.Spec{{Name: "boom", Arity: 1, Run: func(c *command.Ctx) error { panic("boom") }}}
	srv, addr, done := start(t, 10, boom)
	defer func() {
		_ = srv.Shutdown(context.Background())
		<-done
	}()
	other := servertest.Dial(t, addr)
	other.Expect("+OK\r\n", "SET", "a", "1")

	victim := servertest.Dial(t, addr)
	victim.Send("BOOM")
	victim.ExpectClosed()

	other.Expect("$1\r\n1\r\n", "GET", "a")
	servertest.Dial(t, addr).Expect("+PONG\r\n", "PING")
}

func TestShutdownLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, addr, done := start(t, 10)
	var conns []*servertest.Conn
	for i := 0; i < 5; i++ {
		c := servertest.Dial(t, addr)
		c.Expect("+PONG\r\n", "PING")
		conns = append(conns, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-done; !errors.Is(err, pool.ErrServerClosed) {
		t.Fatalf("Serve = %v, want ErrServerClosed", err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	for _, c := range conns {
		c.ExpectClosed()
	}
	// The backend's goroutines end at its cleanup; count after closing it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before+2 { // the memory backend's expiry and clock loops, closed at cleanup
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines before, %d after shutdown:\n%s", before, n, leaked(buf))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func leaked(stacks []byte) string {
	var out []string
	for _, g := range strings.Split(string(stacks), "\n\n") {
		if strings.Contains(g, "redpool/") || strings.Contains(g, "ants") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

func TestServeAfterShutdown(t *testing.T) {
	srv, _, done := start(t, 1)
	_ = srv.Shutdown(context.Background())
	<-done
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(ln); !errors.Is(err, pool.ErrServerClosed) {
		t.Fatalf("Serve after Shutdown = %v", err)
	}
}
