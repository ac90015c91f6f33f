// Package pool accepts client connections and runs each one's session on a
// bounded ants worker pool. The pool's size is the client limit: past it, a
// new client gets Redis's "max number of clients reached" error.
//
// Its lifecycle follows net/http: Serve(ln) blocks until Shutdown, which is
// idempotent and waits for every goroutine the server started.
package pool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/panjf2000/ants/v2"

	"redpool/command"
	"redpool/session"
	"redpool/session/resp"
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("pool: server closed")

// Options configures a Server. Engine and Settings are required.
type Options struct {
	MaxClients int
	Engine     *command.Engine
	Settings   *session.Settings
	Logger     *slog.Logger
}

// Server accepts connections and serves them. Safe for concurrent use.
type Server struct {
	engine   *command.Engine
	settings *session.Settings
	logger   *slog.Logger
	workers  *ants.Pool

	ctx    context.Context // done at Shutdown; sessions watch it
	cancel context.CancelFunc

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	sessions  map[*session.Session]struct{}
	closed    bool
	serving   int // running Serve loops; guarded by mu
	shutdown  sync.Once
	shutErr   error
}

// New builds a server with a pool of MaxClients workers.
func New(o Options) (*Server, error) {
	if o.Engine == nil || o.Settings == nil {
		return nil, errors.New("pool: Engine and Settings are required")
	}
	if o.MaxClients < 1 {
		return nil, fmt.Errorf("pool: max clients must be at least 1, got %d", o.MaxClients)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		engine: o.Engine, settings: o.Settings, logger: o.Logger,
		listeners: make(map[net.Listener]struct{}),
		sessions:  make(map[*session.Session]struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	logger := o.Logger
	wp, err := ants.NewPool(o.MaxClients,
		ants.WithNonblocking(true),
		ants.WithExpiryDuration(10*time.Second),
		ants.WithPanicHandler(func(p any) { logger.Error("panic in worker", "panic", p) }),
		ants.WithLogger(antsLogger{logger}),
	)
	if err != nil {
		return nil, fmt.Errorf("pool: %w", err)
	}
	s.workers = wp
	return s, nil
}

// MaxClients is the current client limit.
func (s *Server) MaxClients() int { return s.workers.Cap() }

// SetMaxClients changes the client limit (CONFIG SET maxclients). Clients
// already connected stay.
func (s *Server) SetMaxClients(n int) error {
	if n < 1 {
		return errors.New("argument must be between 1 and 2147483647 inclusive")
	}
	s.workers.Tune(n)
	return nil
}

// Serve accepts connections on ln until Shutdown, then returns
// ErrServerClosed. The server owns ln and closes it.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.serving++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.serving--
		s.mu.Unlock()
	}()

	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.logger.Warn("accept error; retrying", "err", err, "in", backoff)
				select {
				case <-time.After(backoff):
				case <-s.ctx.Done():
				}
				continue
			}
			return err
		}
		backoff = 0
		s.handle(conn)
	}
}

func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// handle hands conn to a worker, or turns it away when the pool is full.
// It never blocks on the client.
func (s *Server) handle(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	sess := session.New(s.ctx, conn, s.engine, s.settings, s.logger)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = conn.Close()
		return
	}
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()
	err := s.workers.Submit(func() {
		defer s.forget(sess)
		sess.Serve()
	})
	if err == nil {
		return
	}
	s.forget(sess)
	if errors.Is(err, ants.ErrPoolOverload) {
		s.engine.CountRejected()
		s.reject(conn)
		return
	}
	s.logger.Error("cannot start session", "err", err)
	_ = conn.Close()
}

// reject sends the max-clients error and closes conn. A fresh socket's send
// buffer takes the few bytes at once; the deadline guards the odd case.
func (s *Server) reject(conn net.Conn) {
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = conn.Write(resp.AppendError(nil, string(command.ErrMaxClients)))
	_ = conn.Close()
}

func (s *Server) forget(sess *session.Session) {
	s.mu.Lock()
	delete(s.sessions, sess)
	s.mu.Unlock()
}

// drained reports whether every Serve loop and session has ended.
func (s *Server) drained() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serving == 0 && len(s.sessions) == 0
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Shutdown stops accepting, lets each session finish the command it is
// running, closes the sessions and waits for them and for the workers. If
// ctx ends first it returns ctx's error (sessions are still closed). It is
// safe to call more than once; later calls return the first one's result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdown.Do(func() { s.shutErr = s.doShutdown(ctx) })
	return s.shutErr
}

func (s *Server) doShutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for ln := range s.listeners {
		_ = ln.Close()
	}
	for sess := range s.sessions {
		sess.Close()
	}
	s.mu.Unlock()
	s.cancel()
	s.engine.WakeAll()

	// Poll, as net/http does, rather than leave a goroutine waiting behind
	// a Shutdown that gave up.
	interval := time.Millisecond
	timer := time.NewTimer(interval)
	defer timer.Stop()
	for !s.drained() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			interval = min(2*interval, 50*time.Millisecond)
			timer.Reset(interval)
		}
	}
	deadline, ok := ctx.Deadline()
	wait := 5 * time.Second
	if ok {
		wait = time.Until(deadline)
	}
	if err := s.workers.ReleaseTimeout(max(wait, time.Millisecond)); err != nil {
		return fmt.Errorf("pool: releasing workers: %w", err)
	}
	return nil
}

// antsLogger routes ants' messages to slog.
type antsLogger struct{ l *slog.Logger }

func (a antsLogger) Printf(format string, args ...any) {
	a.l.Warn(fmt.Sprintf(format, args...), "component", "ants")
}
