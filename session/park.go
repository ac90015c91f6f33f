package session

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"time"

	"redpool/command"
)

// Parking: no goroutine for an idle client.
//
// A session that has waited for input for a while (the Parker's after,
// DefaultParkAfter) with nothing half read, nothing to write and its
// client in plain state hands its socket to the server's Parker and
// returns its goroutine (the pool's worker): it is parked. It keeps its
// client record and its socket, through a duplicate descriptor; its
// connection (net.Conn: the runtime's poll descriptor, the addresses),
// command context (command.Ctx.Release), request reader, batch buffers
// and raw read go (a parked client holds about 0.7 KB of heap and no
// stack, where a waiting goroutine costs 4 KB of stack and 0.65 KB
// beside). When its socket becomes readable the Parker hands the
// session to a worker again (resume), which makes a new connection over
// the socket, takes a new context and reader and reads on.
//
// When to park is told by the read deadline, so that a busy session pays
// nothing per request: the first wait arms a deadline after from then,
// and when it passes during a wait, the session parks if that wait is the
// one it was armed in (idle all along), and otherwise arms it again. A
// deadline passing during a read (which Go's net.Conn reads refuse
// then) is armed again and the read retried. The idle timeout, when
// set, is the deadline if it comes first, as before; a parked session's
// idle timeout is a timer that resumes it to close it.
//
// A new session's first graces are short (firstParkAfter): most clients
// that connect and then wait do so for long (a connection pool's spare
// connections), and a connection storm would otherwise keep a goroutine
// per client alive for after, whose descriptor the runtime keeps for
// good. Once the session has parked, or shortGraces graces have passed
// with the client busy, it waits the Parker's after: a busy client pays
// shortGraces more deadlines than before, once; a client that pauses a
// little longer than firstParkAfter, one park more.
//
// Only a client in plain state parks: a normal client (not a replica,
// primary or subscriber) whose session never started its push writer
// (nothing was ever pushed to it: no MONITOR, tracking or keyspace
// frames) and has no stalled output, over a socket with a descriptor
// (not TLS, whose connection buffers input). A frame pushed to a parked
// client resumes it (Wake), and the session writes it as it goes idle
// again (a push to an idle session that is not parked starts the
// writer, as before). Close and Kill resume a parked session, which
// then ends.

// DefaultParkAfter is how long a session waits for input before it parks
// (it parks between that and twice that after its last request).
const DefaultParkAfter = time.Second

// firstParkAfter is a new session's first graces (at most the Parker's
// after), shortGraces how many of them pass busy before the Parker's
// after applies.
const (
	firstParkAfter = 25 * time.Millisecond
	shortGraces    = 4
)

// errPark is what the session's WaitInput returns, through the request
// reader, when the session should park: loop parks it.
var errPark = errors.New("session: park")

// parkState is a session's part in parking; p is nil where it cannot
// park.
type parkState struct {
	p *Parker
	// timer (the idle timeout while parked), gen (parkings so far),
	// parked and fd (the duplicate of its socket that is in the epoll set
	// while it is parked; -1 otherwise) change under p.mu; parked is
	// read without it too (Wake), to see whether to take it.
	timer *time.Timer
	// idleAt is when the idle timeout closes the session, as a time
	// since p.epoch (idleTime; 0: never); set at each wait, read by
	// park.
	idleAt time.Duration
	fd     int32
	gen    uint32
	// waits counts the session's waits for input; armed is the wait in
	// which the park deadline was last armed. The session's goroutine
	// only, as busy.
	waits, armed uint32
	parked       atomic.Bool
	// busy counts the graces that passed with the client busy, up to
	// shortGraces; a session that parked has it so.
	busy uint8
}

// idleTime is idleAt as a time; the zero time if there is none.
func (pk *parkState) idleTime() time.Time {
	if pk.idleAt == 0 {
		return time.Time{}
	}
	return pk.p.epoch.Add(pk.idleAt)
}

// grace is how long the session waits for input before it parks.
func (pk *parkState) grace() time.Duration {
	if pk.busy >= shortGraces {
		return pk.p.after
	}
	return min(firstParkAfter, pk.p.after)
}

// UseParker has the session park on p while it is idle, instead of
// holding its goroutine (p nil: it never parks): Serve may then return
// while the session lives on, and ended is called once with the session
// when it has ended, its connection closed (whether or not it parked;
// nil: none). One ended serves every session: a parked client holds no
// closure of its own. Called before Serve.
func (s *Session) UseParker(p *Parker, ended func(*Session)) {
	s.ended = ended
	if p == nil || s.raw == nil {
		return
	}
	if s.connFD() < 0 {
		return
	}
	s.pk = parkState{p: p, fd: -1}
}

// parkable reports whether the session may park now: nothing half read
// or left over from a blocking command, nothing to write, and the client
// in plain state. (A client in MULTI parks: what it queued stays in its
// record.)
func (s *Session) parkable() bool {
	return s.rd.Unparsed() == 0 && !s.src.watchedPending() &&
		!s.writerOn.Load() && !s.stalled.Load() && !s.client.HasPushes() &&
		s.client.Type() == command.ClientNormal
}

// overGrace reports whether err, from a wait or a read, is the park
// deadline passing: not Close or Kill, not the idle timeout.
func (s *Session) overGrace(err error) bool {
	return s.pk.p != nil && errors.Is(err, os.ErrDeadlineExceeded) && !s.closing.Load() &&
		(s.pk.idleAt == 0 || time.Now().Before(s.pk.idleTime()))
}

// regrace arms the park deadline again from now (or the idle timeout, if
// that comes first), the grace having passed with the client busy. It
// returns io.EOF if the session is closing: read after the deadline is
// set, as goIdle does.
func (s *Session) regrace() error {
	s.pk.armed = s.pk.waits
	s.pk.busy = min(s.pk.busy+1, shortGraces)
	dl := time.Now().Add(s.pk.grace())
	if at := s.pk.idleTime(); s.pk.idleAt != 0 && at.Before(dl) {
		dl = at
	}
	s.deadline = true
	_ = s.conn.SetReadDeadline(dl)
	if s.closing.Load() {
		return io.EOF
	}
	return nil
}

// armPark arms the park deadline at the start of a wait, unless it is
// armed (rearm; no idle timeout).
func (s *Session) armPark() {
	s.pk.waits++
	s.pk.idleAt = 0
	if !s.deadline {
		s.pk.armed = s.pk.waits
		s.deadline = true
		_ = s.conn.SetReadDeadline(time.Now().Add(s.pk.grace()))
	}
}

// armIdle sets the read deadline at the start of a wait when the idle
// timeout d applies: the timeout, or the park deadline if it comes
// first.
func (s *Session) armIdle(d time.Duration) {
	now := time.Now()
	dl := now.Add(d)
	if pk := &s.pk; pk.p != nil {
		pk.idleAt = dl.Sub(pk.p.epoch)
		pk.waits++
		pk.armed = pk.waits
		if g := now.Add(pk.grace()); g.Before(dl) {
			dl = g
		}
	}
	s.deadline = true
	_ = s.conn.SetReadDeadline(dl)
}

// waitOver handles the park deadline passing during the wait for input
// (WaitInput): errPark if the session should park (idle since the
// deadline was armed), else nil with the deadline armed again (or, for
// a session that may not park, left to the idle timeout until its next
// wait).
func (s *Session) waitOver() error {
	if s.pk.armed == s.pk.waits && s.parkable() {
		return errPark
	}
	if !s.parkable() {
		// Only the idle timeout's deadline, if any, until the next wait.
		s.deadline = s.pk.idleAt != 0
		_ = s.conn.SetReadDeadline(s.pk.idleTime())
		if s.closing.Load() {
			return io.EOF
		}
		return nil
	}
	return s.regrace()
}

// park parks the session (Parker.park) and reports whether it did: its
// goroutine then returns at once and touches the session no more. What
// only a running session needs goes first: the raw read, then the
// running part (the command context, the request reader, the batch
// buffers); the Parker closes the connection.
func (s *Session) park() bool {
	s.leaveRaw()
	s.deadline = false
	_ = s.conn.SetReadDeadline(time.Time{})
	fd := s.connFD()
	out, st := cap(s.cmd.Out()), s.settings
	s.cmd.Release()
	s.engine.SetClientMem(s.client, command.ClientMem{}) // its reply buffer goes
	r := s.running
	s.running = nil
	s.pk.busy = shortGraces // its next graces are long
	if fd >= 0 && s.pk.p.park(s, fd) {
		st.freed.Add(int64(out)) // its reply buffer; the rest: Parker.noteFreed
		return true
	}
	s.running = r
	s.cmd = s.engine.SessionCtx(s.client, &s.link)
	return false
}

// connFD is the descriptor of the session's connection; -1 if it has
// none. Only the session's goroutine calls it.
func (s *Session) connFD() int {
	fd := -1
	if s.raw == nil || s.raw.Control(func(d uintptr) { fd = int(d) }) != nil {
		return -1
	}
	return fd
}

// resume runs a session the Parker resumed, on the caller's goroutine (a
// worker), with a new connection and running part: it reads on, or ends
// if its idle timeout passed (timedOut), it was closed meanwhile, or its
// connection could not be made again.
func (s *Session) resume(timedOut bool) {
	if !s.pk.p.reconnect(s) {
		timedOut = true
	}
	s.idle.Store(false)
	s.waitWriter()
	s.startRunning()
	if timedOut {
		s.logger.Debug("closing idle client", "client", s.client.Addr)
	} else {
		s.cmd = s.engine.SessionCtx(s.client, &s.link)
	}
	s.run(timedOut)
}
