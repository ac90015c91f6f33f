// Package pool accepts client connections and runs each one's session on a
// bounded ants worker pool. Past the client limit, a new client gets
// Redis's "max number of clients reached" error. A session idle for a
// while parks (session.Parker): its worker goes back to the pool, and the
// Parker hands the session to a worker again when its client sends more.
// So clients are counted apart from the workers; the pool has as many
// workers as the limit allows clients, and a session that finds none free
// (a worker not yet back, or a limit lowered under the clients connected)
// runs on a goroutine of its own, which the server waits for too.
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
	"sync/atomic"
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
	// MaxClients is the client limit asked for. New lowers it to what the
	// open-file limit allows (see FDLimit); MaxClients reports the result.
	MaxClients int
	Engine     *command.Engine
	Settings   *session.Settings
	Logger     *slog.Logger
	// FDLimit is the open-file limit the clients must fit under, with
	// ReservedFDs to spare (nil: ProcessFDLimit).
	FDLimit FDLimit
	// ParkAfter is how long a session waits for input before it parks
	// (0: session.DefaultParkAfter).
	ParkAfter time.Duration
}

// Server accepts connections and serves them. Safe for concurrent use.
type Server struct {
	engine   *command.Engine
	settings *session.Settings
	logger   *slog.Logger
	workers  *ants.Pool
	fdLimit  FDLimit
	tuneMu   sync.Mutex // serializes SetMaxClients
	// parker parks idle sessions; its poller runs from the first Serve
	// to Shutdown. Nil where sessions cannot park.
	parker *session.Parker
	// forgetFn is forget, bound once: every session calls it as it ends
	// (session.UseParker).
	forgetFn func(*session.Session)
	// clients are the clients connected (parked or not), maxClients the
	// limit on them.
	clients    atomic.Int64
	maxClients atomic.Int64
	// extra are the sessions running beside the pool's workers (run).
	extra sync.WaitGroup

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
	if o.FDLimit == nil {
		o.FDLimit = ProcessFDLimit{}
	}
	maxClients, err := fitMaxClients(o.MaxClients, o.FDLimit, o.Logger)
	if err != nil {
		return nil, err
	}
	s := &Server{
		engine: o.Engine, settings: o.Settings, logger: o.Logger, fdLimit: o.FDLimit,
		listeners: make(map[net.Listener]struct{}),
		sessions:  make(map[*session.Session]struct{}),
	}
	s.forgetFn = s.forget
	s.ctx, s.cancel = context.WithCancel(context.Background())
	logger := o.Logger
	// A parked session's worker goes: its stack is most of what an idle
	// client would cost.
	wp, err := ants.NewPool(maxClients,
		ants.WithNonblocking(true),
		ants.WithExpiryDuration(workerExpiry),
		ants.WithPanicHandler(func(p any) { logger.Error("panic in worker", "panic", p) }),
		ants.WithLogger(antsLogger{logger}),
	)
	if err != nil {
		return nil, fmt.Errorf("pool: %w", err)
	}
	s.workers = wp
	s.maxClients.Store(int64(maxClients))
	if o.ParkAfter <= 0 {
		o.ParkAfter = session.DefaultParkAfter
	}
	s.parker, err = session.NewParker(s.run, o.ParkAfter)
	if err != nil {
		wp.Release()
		return nil, fmt.Errorf("pool: %w", err)
	}
	return s, nil
}

// workerExpiry is how long a worker with nothing to run stays.
const workerExpiry = time.Second

// Running is the number of clients connected now, parked or not.
func (s *Server) Running() int { return int(s.clients.Load()) }

// Parked is the number of clients whose sessions are parked now.
func (s *Server) Parked() int { return s.parker.Parked() }

// MaxClients is the current client limit.
func (s *Server) MaxClients() int { return int(s.maxClients.Load()) }

// run runs task, a session's, on a worker, or on a goroutine of its own
// if none is free. It never blocks. The session.Parker's way to resume.
func (s *Server) run(task func()) {
	err := s.workers.Submit(task)
	if err == nil {
		return
	}
	s.extra.Add(1)
	go func() {
		defer s.extra.Done()
		task()
	}()
}

// SetMaxClients changes the client limit (CONFIG SET maxclients), raising
// the open-file limit if needed. If n clients do not fit under it, the limit
// stays and the error, Redis's, says how many would. Clients already
// connected stay.
func (s *Server) SetMaxClients(n int) error {
	if n < 1 {
		return fmt.Errorf("pool: max clients must be at least 1, got %d", n)
	}
	s.tuneMu.Lock()
	defer s.tuneMu.Unlock()
	fit, err := fitMaxClients(n, s.fdLimit, s.logger)
	if err != nil {
		return err
	}
	if fit != n {
		return fmt.Errorf(command.ReasonTooManyClients, fit)
	}
	s.workers.Tune(n)
	s.maxClients.Store(int64(n))
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
	s.parker.Start()
	defer func() {
		s.mu.Lock()
		s.serving--
		s.mu.Unlock()
	}()

	retry := acceptRetry{logger: s.logger}
	for {
		conn, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			if !isTemporary(err) {
				return err
			}
			select {
			case <-time.After(retry.failed(err, time.Now())):
			case <-s.ctx.Done():
			}
			continue
		}
		retry.succeeded()
		s.handle(conn)
	}
}

// isTemporary reports whether an Accept error may go away by itself: a
// timeout, or EMFILE, ENFILE and the like (which net reports as temporary).
func isTemporary(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// acceptLogEvery is how often a run of failing Accepts is logged again.
const acceptLogEvery = 30 * time.Second

// acceptRetry paces the acceptor through a run of temporary Accept errors
// (out of file descriptors, typically), as net/http does: it waits 5 ms,
// doubling up to 1 s. It logs the run's first error, then at most one line
// per acceptLogEvery, and the end of the run, so that a long run cannot
// flood the log. Owned by one Serve loop.
type acceptRetry struct {
	logger  *slog.Logger
	backoff time.Duration
	errors  int       // in this run
	logged  time.Time // when this run was last logged
}

// failed records a temporary Accept error at now and returns how long to
// wait before the next Accept.
func (r *acceptRetry) failed(err error, now time.Time) time.Duration {
	r.backoff = min(max(2*r.backoff, 5*time.Millisecond), time.Second)
	r.errors++
	switch {
	case r.errors == 1:
		r.logged = now
		r.logger.Warn("accept error; retrying with backoff", "err", err)
	case now.Sub(r.logged) >= acceptLogEvery:
		r.logged = now
		r.logger.Warn("accept errors continue; retrying", "err", err, "errors", r.errors)
	}
	return r.backoff
}

// succeeded ends a run of errors, if one was going on.
func (r *acceptRetry) succeeded() {
	if r.errors > 0 {
		r.logger.Info("accepting connections again", "errors", r.errors)
	}
	r.backoff, r.errors = 0, 0
}

// handle hands conn to a worker, or turns it away past the client limit.
// It never blocks on the client.
func (s *Server) handle(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if s.clients.Add(1) > s.maxClients.Load() {
		s.clients.Add(-1)
		s.engine.CountRejected()
		s.reject(conn)
		return
	}
	sess := session.New(s.ctx, conn, s.engine, s.settings, s.logger)
	sess.UseParker(s.parker, s.forgetFn) // before Shutdown can see it
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.clients.Add(-1)
		_ = conn.Close()
		return
	}
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()
	s.run(func() {
		if s.settings.Denied(s.engine.DefaultUserNoPass(), conn.RemoteAddr()) {
			s.deny(conn)
			s.forget(sess)
			return
		}
		sess.Serve() // ends with forget, perhaps on another worker after it parked
	})
}

// reject sends the max-clients error and closes conn. A fresh socket's send
// buffer takes the few bytes at once; the deadline guards the odd case.
func (s *Server) reject(conn net.Conn) {
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = conn.Write(resp.AppendError(nil, string(command.ErrMaxClients)))
	_ = conn.Close()
}

// deny turns conn away in protected mode, as Redis does (and counts it
// as a rejected connection): the DENIED error, then close. It runs on
// the client's worker, so a client that does not read holds up no one.
func (s *Server) deny(conn net.Conn) {
	s.engine.CountRejected()
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = conn.Write(resp.AppendError(nil, string(command.ErrProtectedMode)))
	_ = conn.Close()
}

// forget drops an ended session and its client.
func (s *Server) forget(sess *session.Session) {
	s.mu.Lock()
	delete(s.sessions, sess)
	s.mu.Unlock()
	s.clients.Add(-1)
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
	// Every session ended (Close resumed the parked ones): no one parks
	// or resumes any more.
	s.extra.Wait()
	if err := s.parker.Close(); err != nil {
		return err
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
