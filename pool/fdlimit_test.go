package pool_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"reflect"
	"sync"
	"syscall"
	"testing"

	"redpool/backend/memory"
	"redpool/cmd/redpool/server/servertest"
	"redpool/command"
	"redpool/pool"
	"redpool/session"
)

// fakeLimit is an RLIMIT_NOFILE that an unprivileged process could set:
// any soft limit up to the hard one, and a lower hard limit.
type fakeLimit struct {
	mu         sync.Mutex
	soft, hard uint64
	getErr     error
}

func (f *fakeLimit) Get() (uint64, uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.soft, f.hard, f.getErr
}

func (f *fakeLimit) Set(soft, hard uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if hard > f.hard {
		return syscall.EPERM
	}
	if soft > hard {
		return syscall.EINVAL
	}
	f.soft, f.hard = soft, hard
	return nil
}

// logRecords collects what a logger writes, as "LEVEL message".
type logRecords struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Level.String()+" "+r.Message)
	return nil
}
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecords) WithGroup(string) slog.Handler      { return l }

func (l *logRecords) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.msgs...)
}

func newPool(t *testing.T, maxClients int, lim pool.FDLimit, logs *logRecords) (*pool.Server, error) {
	t.Helper()
	b := memory.New(memory.Options{})
	t.Cleanup(func() { _ = b.Close() })
	e, err := command.NewEngine(command.Options{Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := pool.New(pool.Options{MaxClients: maxClients, Engine: e, Settings: session.NewSettings(0, 512<<20),
		Logger: slog.New(logs), FDLimit: lim})
	if err == nil {
		t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	}
	return srv, err
}

// TestMaxClientsFitTheFileLimit: as Redis's adjustOpenFilesLimit, New
// raises the soft open-file limit to max clients + 32, up to the hard
// limit, and past that lowers max clients to fit, with Redis's warnings.
func TestMaxClientsFitTheFileLimit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		lim        *fakeLimit
		want       int
		soft, hard uint64
		logs       []string
	}{
		{"fits", &fakeLimit{soft: 20000, hard: 20000}, 10000, 20000, 20000, nil},
		{"raised", &fakeLimit{soft: 1024, hard: 1 << 20}, 10000, 10032, 1 << 20,
			[]string{"INFO Increased maximum number of open files to 10032 (it was originally set to 1024)."}},
		{"hard limit", &fakeLimit{soft: 1024, hard: 4096}, 4064, 4096, 4096, []string{
			"WARN You requested maxclients of 10000 requiring at least 10032 max file descriptors.",
			"WARN Server can't set maximum open files to 10032 because of OS error: operation not permitted.",
			"WARN Current maximum open files is 4096. maxclients has been reduced to 4064 to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
		}},
		{"unknown", &fakeLimit{getErr: syscall.EINVAL}, 992, 0, 0, []string{
			"WARN Unable to obtain the current NOFILE limit (invalid argument), assuming 1024 and setting the max clients configuration accordingly.",
		}},
		{"no such limit", &fakeLimit{getErr: errors.ErrUnsupported}, 10000, 0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs logRecords
			srv, err := newPool(t, 10000, tc.lim, &logs)
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.MaxClients(); got != tc.want {
				t.Errorf("MaxClients() = %d, want %d", got, tc.want)
			}
			if soft, hard, _ := tc.lim.Get(); soft != tc.soft || hard != tc.hard {
				t.Errorf("limit %d/%d, want %d/%d", soft, hard, tc.soft, tc.hard)
			}
			if got := logs.list(); !reflect.DeepEqual(got, tc.logs) {
				t.Errorf("log:\n%q\nwant\n%q", got, tc.logs)
			}
		})
	}
	var logs logRecords
	_, err := newPool(t, 10000, &fakeLimit{soft: 32, hard: 32}, &logs)
	want := "Your current 'ulimit -n' of 32 is not enough for the server to start. Please increase your open file limit to at least 10032."
	if err == nil || err.Error() != want {
		t.Errorf("32 descriptors: err %v, want %s", err, want)
	}
}

// TestSetMaxClientsFitsTheFileLimit: CONFIG SET maxclients past what the
// open-file limit allows is refused with Redis's error and changes nothing.
func TestSetMaxClientsFitsTheFileLimit(t *testing.T) {
	lim := &fakeLimit{soft: 200, hard: 1000}
	srv, err := newPool(t, 100, lim, &logRecords{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SetMaxClients(500); err != nil || srv.MaxClients() != 500 {
		t.Fatalf("SetMaxClients(500): %v, MaxClients %d", err, srv.MaxClients())
	}
	if soft, _, _ := lim.Get(); soft != 532 {
		t.Errorf("soft limit %d, want 532", soft)
	}
	err = srv.SetMaxClients(5000)
	if want := "The operating system is not able to handle the specified number of clients, try with 968"; err == nil || err.Error() != want {
		t.Errorf("SetMaxClients(5000): %v, want %s", err, want)
	}
	if srv.MaxClients() != 500 {
		t.Errorf("MaxClients() = %d after a refused SetMaxClients, want 500", srv.MaxClients())
	}
}

// errListener fails Accept with EMFILE n times, then accepts from ln.
type errListener struct {
	net.Listener
	mu sync.Mutex
	n  int
}

func (l *errListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	fail := l.n > 0
	l.n--
	l.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: &os.SyscallError{Syscall: "accept4", Err: syscall.EMFILE}}
	}
	return l.Listener.Accept()
}

// TestAcceptErrorsDoNotFloodTheLog: a run of EMFILE from Accept is logged
// once when it starts and once when it ends, the acceptor backing off in
// between; the next client is served.
func TestAcceptErrorsDoNotFloodTheLog(t *testing.T) {
	var logs logRecords
	srv, err := newPool(t, 10, &fakeLimit{soft: 1000, hard: 1000}, &logs)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(&errListener{Listener: inner, n: 6}) }()
	servertest.Dial(t, inner.Addr().String()).Expect("+PONG\r\n", "PING")
	want := []string{"WARN accept error; retrying with backoff", "INFO accepting connections again"}
	if got := logs.list(); !reflect.DeepEqual(got, want) {
		t.Errorf("log:\n%q\nwant\n%q", got, want)
	}
	_ = srv.Shutdown(context.Background())
	if err := <-done; !errors.Is(err, pool.ErrServerClosed) {
		t.Errorf("Serve = %v", err)
	}
}
