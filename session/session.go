// Package session runs one client connection: it reads requests (RESP2
// multibulk and inline), runs every command already buffered through the
// command engine, and writes all their replies in one flush.
//
// Frames other clients push to this one (Pub/Sub messages, keyspace
// events: command.Engine.Push) wait in the client's outbox. Every flush
// takes them along behind the replies, and a session idle in a read is
// woken to flush them at once: the pusher interrupts the read by moving
// its deadline to now (Wake), and the session, seeing frames queued and no
// bytes read, flushes and reads again. So no goroutine is added per
// connection and the request/response path costs one atomic load more per
// flush. While a blocking command (BLPOP) waits, pushed frames wait with
// it and go out with its reply.
package session

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"redpool/command"
	"redpool/session/resp"
)

// flushThreshold bounds the replies buffered before a flush, so a long
// pipeline cannot grow the output buffer without limit.
const flushThreshold = 64 * 1024

// maxBatch bounds the buffered commands read ahead together so that the
// backend can warm its caches for all of their keys (Engine.Prefetch).
const maxBatch = 32

// Settings are the run-time settings sessions read before each request.
// CONFIG SET changes them; they are safe for concurrent use.
type Settings struct {
	idleTimeout atomic.Int64 // nanoseconds; 0 = never
	maxBulkLen  atomic.Int64
}

// NewSettings returns settings with the given idle timeout and bulk limit.
func NewSettings(idle time.Duration, maxBulkLen int64) *Settings {
	s := &Settings{}
	s.SetIdleTimeout(idle)
	s.SetMaxBulkLen(maxBulkLen)
	return s
}

// IdleTimeout is how long a client may stay idle (0 = forever).
func (s *Settings) IdleTimeout() time.Duration { return time.Duration(s.idleTimeout.Load()) }

// SetIdleTimeout changes the idle timeout for the next read of every session.
func (s *Settings) SetIdleTimeout(d time.Duration) { s.idleTimeout.Store(int64(d)) }

// MaxBulkLen is proto-max-bulk-len.
func (s *Settings) MaxBulkLen() int64 { return s.maxBulkLen.Load() }

// SetMaxBulkLen changes proto-max-bulk-len for the next request of every session.
func (s *Settings) SetMaxBulkLen(n int64) { s.maxBulkLen.Store(n) }

// Session is one client connection. It is driven by one goroutine (Serve);
// Close may be called from any goroutine.
type Session struct {
	conn     net.Conn
	engine   *command.Engine
	settings *Settings
	logger   *slog.Logger
	ctx      context.Context

	client *command.Client
	cmd    *command.Ctx
	rd     *resp.Reader
	src    source
	bulk   int64

	// A batch of buffered commands: batch[i] is a slice of flat.
	flat  [][]byte
	ends  []int
	batch [][][]byte

	closing atomic.Bool
	// woken is set by Wake: the read deadline may have been moved to
	// interrupt a read, and must be set again before the next one.
	woken atomic.Bool
}

// New prepares a session for conn. ctx is done when the server shuts down.
func New(ctx context.Context, conn net.Conn, e *command.Engine, st *Settings, logger *slog.Logger) *Session {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Session{conn: conn, engine: e, settings: st, logger: logger, ctx: ctx}
	s.src.s = s
	s.bulk = st.MaxBulkLen()
	lim := resp.DefaultLimits()
	lim.MaxBulkLen = s.bulk
	s.rd = resp.NewReader(&s.src, lim)
	return s
}

// Serve runs the session until the client leaves, a protocol error, or
// Close. It closes the connection before it returns. A panic in a command
// is recovered: it is logged with its stack and ends only this session.
func (s *Session) Serve() {
	s.client = s.engine.NewClient(addrString(s.conn.RemoteAddr()), addrString(s.conn.LocalAddr()))
	s.cmd = s.engine.NewCtx(s.client, s)
	s.client.SetPushLink(s)
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("panic serving client", "client", s.client.Addr, "panic", r, "stack", string(debug.Stack()))
		}
		s.engine.Unregister(s.client)
		_ = s.conn.Close()
	}()
	s.loop()
}

func (s *Session) loop() {
	for {
		if n := s.settings.MaxBulkLen(); n != s.bulk {
			s.bulk = n
			lim := resp.DefaultLimits()
			lim.MaxBulkLen = n
			s.rd.SetLimits(lim)
		}
		args, err := s.rd.ReadCommand()
		if err != nil {
			s.fail(err)
			return
		}
		if s.rd.Buffered() == 0 || !s.engine.CanPrefetch() {
			if !s.exec(args) {
				return
			}
			continue
		}
		// More commands are buffered: read them too, warm the backend for
		// all their keys at once, then run them in order.
		s.flat = append(s.flat[:0], args...)
		s.ends = append(s.ends[:0], len(s.flat))
		for len(s.ends) < maxBatch {
			if args, err = s.rd.ReadBuffered(); args == nil {
				break
			}
			s.flat = append(s.flat, args...)
			s.ends = append(s.ends, len(s.flat))
		}
		s.batch = s.batch[:0]
		start := 0
		for _, end := range s.ends {
			s.batch = append(s.batch, s.flat[start:end:end])
			start = end
		}
		s.engine.Prefetch(s.cmd, s.batch)
		for _, args := range s.batch {
			if !s.exec(args) {
				return
			}
		}
		clear(s.flat) // let go of a huge request's buffer
		if err != nil {
			s.fail(err)
			return
		}
	}
}

// exec runs one command and reports whether the session goes on.
func (s *Session) exec(args [][]byte) bool {
	s.engine.Exec(s.cmd, args)
	if s.client.Quit {
		_ = s.Flush()
		return false
	}
	if len(s.cmd.Out()) >= flushThreshold {
		return s.Flush() == nil
	}
	return true
}

// fail ends the session on a read error, replying first to a protocol
// error as Redis does.
func (s *Session) fail(err error) {
	var pe *resp.ProtocolError
	if errors.As(err, &pe) {
		s.cmd.Error(err)
		s.logger.Debug("protocol error", "client", s.client.Addr, "err", pe.Msg)
	}
	_ = s.Flush()
}

// Flush writes the replies produced so far, after waiting for the AOF to
// make the writes they acknowledge durable. Part of command.Link.
func (s *Session) Flush() error {
	s.cmd.TakePushes()
	out := s.cmd.Out()
	if len(out) == 0 {
		return nil
	}
	if seq := s.cmd.LogSeq(); seq > 0 {
		if err := s.engine.WaitDurable(seq); err != nil {
			// Not durable: the writes are not acknowledged. Closing the
			// connection without replying tells the client so.
			s.logger.Warn("write not durable, closing client", "client", s.client.Addr, "err", err)
			s.cmd.Reset()
			_ = s.conn.Close()
			return err
		}
	}
	n, err := s.conn.Write(out)
	s.client.CountNet(0, n)
	s.cmd.Reset()
	return err
}

// Context is done when the server shuts down. Part of command.Link.
func (s *Session) Context() context.Context { return s.ctx }

// Close interrupts the session: a read in progress returns at once and the
// session ends after the command it is running. Safe for concurrent use.
func (s *Session) Close() {
	s.closing.Store(true)
	_ = s.conn.SetReadDeadline(time.Now())
}

// Wake interrupts a read the session is idle in, so that it writes the
// frames pushed to its client. Part of command.PushLink; safe for
// concurrent use.
func (s *Session) Wake() {
	s.woken.Store(true)
	_ = s.conn.SetReadDeadline(time.Now())
}

// Kill ends the session at once, even in the middle of a blocked write:
// its client went over its output-buffer limit. Part of
// command.PushLink; safe for concurrent use.
func (s *Session) Kill() {
	s.closing.Store(true)
	_ = s.conn.SetDeadline(time.Now())
}

// rearm sets the read deadline for the next read: the idle timeout if
// one applies (never to a client with subscriptions, as in Redis), else
// none if a Wake moved it. It returns the deadline (zero: none).
func (s *Session) rearm(start time.Time) time.Time {
	var deadline time.Time
	if d := s.settings.IdleTimeout(); d > 0 && !s.client.Subscribed() {
		deadline = start.Add(d)
		s.woken.Store(false)
		_ = s.conn.SetReadDeadline(deadline)
	} else if s.woken.Load() && s.woken.Swap(false) {
		_ = s.conn.SetReadDeadline(time.Time{})
	}
	return deadline
}

// Watch watches the connection while a blocking command waits: gone closes
// when the client disconnects or the server shuts down. Bytes the client
// sends meanwhile are kept for the next requests. Part of command.Link.
func (s *Session) Watch() (<-chan struct{}, func()) {
	gone := make(chan struct{})
	var once sync.Once
	markGone := func() { once.Do(func() { close(gone) }) }
	stopCtx := context.AfterFunc(s.ctx, markGone)
	var stopping atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf [4096]byte
		for {
			n, err := s.conn.Read(buf[:])
			s.src.side = append(s.src.side, buf[:n]...)
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) && !stopping.Load() && !s.closing.Load() && s.woken.Swap(false) {
					// A Wake for pushed frames: they go out with the
					// command's reply. Read on, unless stop came meanwhile.
					_ = s.conn.SetReadDeadline(time.Time{})
					if !stopping.Load() {
						continue
					}
				}
				if stopping.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
					return
				}
				s.src.err = err
				markGone()
				return
			}
		}
	}()
	stop := func() {
		stopCtx()
		stopping.Store(true)
		_ = s.conn.SetReadDeadline(time.Now())
		<-done
		if !s.closing.Load() {
			_ = s.conn.SetReadDeadline(time.Time{})
		}
	}
	return gone, stop
}

// source is the io.Reader under the request parser. Before it blocks on the
// network it flushes the pending replies: that is how every command already
// buffered runs before one flush. It also serves bytes read while a command
// was blocked, then a read error seen meanwhile. A read that Wake
// interrupts flushes the pushed frames and reads again.
type source struct {
	s    *Session
	side []byte
	err  error
}

func (r *source) Read(p []byte) (int, error) {
	s := r.s
	if len(r.side) > 0 {
		n := copy(p, r.side)
		r.side = r.side[n:]
		return n, nil
	}
	if r.err != nil {
		return 0, r.err
	}
	var start time.Time
	if s.settings.IdleTimeout() > 0 {
		start = time.Now()
	}
	for {
		if err := s.Flush(); err != nil {
			return 0, err
		}
		deadline := s.rearm(start)
		// Shutdown closes every session (Close) before it cancels ctx, so
		// the flag alone says whether to stop; ctx.Err would take a lock
		// that every session shares. It is read after the deadline is set:
		// a Close or Kill that moved it before is seen here.
		if s.closing.Load() {
			return 0, io.EOF
		}
		if s.client.HasPushes() {
			continue
		}
		n, err := s.conn.Read(p)
		s.client.CountNet(n, 0)
		if err != nil && errors.Is(err, os.ErrDeadlineExceeded) && !s.closing.Load() {
			if n == 0 && (deadline.IsZero() || time.Now().Before(deadline)) {
				continue // woken to write pushed frames
			}
			s.logger.Debug("closing idle client", "client", s.client.Addr)
		}
		return n, err
	}
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
