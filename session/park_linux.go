//go:build linux

package session

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// A Parker holds the sockets of parked sessions (see park.go) in an epoll
// instance of its own and resumes each session when its socket becomes
// readable, by handing it to run. One poller goroutine waits on the epoll
// instance from Start until Close. A socket is in the Go runtime's
// poller and in this one at once: Go's reads try the socket first, so
// the read that follows the resumption simply succeeds.
//
// Every change of a session's parked state happens under mu: parking
// (the session's goroutine), resumption on input (the poller), on a
// Close or Kill (any goroutine) and on the idle timeout (a timer). Safe
// for concurrent use.
type Parker struct {
	epfd  int
	wakeR int // read end of the pipe Close writes to, to stop the poller
	wakeW int
	run   func(task func())
	after time.Duration
	epoch time.Time // when it was made: sessions note times since (parkState.idleAt)

	mu sync.Mutex
	// parked are the parked sessions by socket, nparked how many: the
	// kernel gives a new socket the lowest descriptor free, so parked
	// stays as long as the most descriptors open at once, 8 bytes each.
	parked  []*Session
	nparked int
	started bool
	closed  bool
	done    chan struct{} // closed when the poller returns
	// freeing is what the sessions parked lately let go, noted as freed
	// (Settings.TakeFreed) by freeTimer.
	freeing   int64
	freeTimer *time.Timer
}

// parkFreeDelay is how long after a session parks what it let go is
// noted as freed, together with what the sessions that park meanwhile
// let go: a storm of parks adds up once.
const parkFreeDelay = 3 * time.Second

// NewParker returns a Parker that runs resumed sessions with run (a
// worker pool's submit: it must not block) and parks a session once it
// has waited for input for after (and less than twice that). Start
// starts its poller; Close releases it.
func NewParker(run func(task func()), after time.Duration) (*Parker, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("session: epoll: %w", err)
	}
	var pipe [2]int
	if err := syscall.Pipe2(pipe[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		_ = syscall.Close(epfd)
		return nil, fmt.Errorf("session: parker pipe: %w", err)
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(pipe[0])}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, pipe[0], &ev); err != nil {
		_ = syscall.Close(epfd)
		_ = syscall.Close(pipe[0])
		_ = syscall.Close(pipe[1])
		return nil, fmt.Errorf("session: epoll: %w", err)
	}
	return &Parker{
		epfd: epfd, wakeR: pipe[0], wakeW: pipe[1], run: run, after: after, epoch: time.Now(),
		done: make(chan struct{}),
	}, nil
}

// Start starts the poller goroutine, once; Close stops it.
func (p *Parker) Start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started || p.closed {
		return
	}
	p.started = true
	go p.poll()
}

// Close stops the poller, waits for it and releases the epoll instance.
// Sessions are refused parking from then on; the caller ends every
// session first (their Close resumes the parked ones). Idempotent.
func (p *Parker) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	started := p.started
	if p.freeTimer != nil {
		p.freeTimer.Stop()
	}
	p.mu.Unlock()
	if started {
		if _, err := syscall.Write(p.wakeW, []byte{0}); err != nil {
			return fmt.Errorf("session: stopping the parker: %w", err)
		}
		<-p.done
	}
	return errors.Join(syscall.Close(p.epfd), syscall.Close(p.wakeR), syscall.Close(p.wakeW))
}

// Parked is how many sessions are parked now.
func (p *Parker) Parked() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.nparked
}

// poll is the poller goroutine: it resumes the sessions whose sockets
// became readable until Close writes to the pipe.
func (p *Parker) poll() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 128)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return // EBADF and the like: the instance is gone
		}
		for _, ev := range events[:n] {
			if int(ev.Fd) == p.wakeR {
				return
			}
			p.ready(ev.Fd)
		}
	}
}

// ready resumes the session parked on fd, if it still is: its socket has
// input, or its end, or an error.
func (p *Parker) ready(fd int32) {
	p.mu.Lock()
	var s *Session
	if int(fd) < len(p.parked) {
		s = p.parked[fd]
	}
	if s == nil { // resumed meanwhile by a Close or its timeout
		p.mu.Unlock()
		return
	}
	p.unparkLocked(s)
	p.mu.Unlock()
	p.run(func() { s.resume(false) })
}

// park parks s, unless the session is closing, the parker closed, or a
// frame was pushed to the client or its writer started meanwhile: it
// registers a duplicate of the socket fd (the session's connection's)
// and closes the connection, so that the runtime's poll descriptor and
// the connection's state go while the session is parked (reconnect
// makes a new connection at resume). The checks and the swap happen
// under p.mu, where Wake, Close and Kill look (unpark, withConn). After
// it returns true the session may already be running again on another
// goroutine.
func (p *Parker) park(s *Session, fd int) bool {
	pk := &s.pk
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || !p.started || s.closing.Load() {
		return false
	}
	// Marked parked before the push checks, as a pusher pushes before
	// it looks (Wake): one of them sees the other.
	pk.parked.Store(true)
	var dup uintptr
	ok := !s.writerOn.Load() && !s.client.HasPushes()
	if ok {
		var errno syscall.Errno
		dup, _, errno = syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
		ok = errno == 0
	}
	if !ok {
		pk.parked.Store(false)
		return false
	}
	pk.fd = int32(dup)
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: pk.fd}
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, int(dup), &ev); err != nil {
		_ = syscall.Close(int(dup))
		pk.fd = -1
		pk.parked.Store(false)
		return false
	}
	if n := int(pk.fd) + 1; n > len(p.parked) {
		p.parked = append(p.parked, make([]*Session, n-len(p.parked))...)
	}
	p.parked[pk.fd] = s
	p.nparked++
	pk.gen++
	conn := s.conn
	s.conn = nil
	_ = conn.Close() // the socket stays open through dup
	p.noteFreed(s.settings)
	if pk.idleAt != 0 { // the idle timeout goes on while parked
		gen := pk.gen
		pk.timer = time.AfterFunc(time.Until(pk.idleTime()), func() { p.unpark(s, gen, true) })
	}
	return true
}

// reconnect gives a resumed session a connection again, over the
// duplicate socket park kept (closed here: the connection has its own).
// False if it could not: the session has none and must end.
func (p *Parker) reconnect(s *Session) bool {
	fd := int(s.pk.fd)
	s.pk.fd = -1
	// Blocking, so that os.NewFile does not put it in the runtime's
	// poller: only the connection's own duplicate goes there.
	_ = syscall.SetNonblock(fd, false)
	f := os.NewFile(uintptr(fd), "")
	conn, err := net.FileConn(f)
	_ = f.Close()
	if err != nil {
		s.logger.Warn("cannot resume parked client", "client", s.client.Addr, "err", err)
		return false
	}
	p.mu.Lock()
	s.conn = conn
	p.mu.Unlock()
	return true
}

// withConn runs f with s's connection, unless s has none (it is parked,
// or being resumed): for Close and Kill, from any goroutine.
func (p *Parker) withConn(s *Session, f func(net.Conn)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.conn != nil {
		f(s.conn)
	}
}

// parkFreed is about what a session lets go when it parks: its command
// context, its running part, its request reader and its connection (its
// reply buffer is noted apart; the poll descriptor goes back to the
// runtime's cache, not the heap). Its worker's stack is not counted:
// workers serve many sessions and exit only when the pool has too many
// idle.
const parkFreed = 1792

// noteFreed notes what a session that parks lets go as freed, after
// parkFreeDelay (with what the sessions that park meanwhile let go);
// p.mu is held.
func (p *Parker) noteFreed(st *Settings) {
	p.freeing += parkFreed
	if p.freeTimer != nil {
		return
	}
	p.freeTimer = time.AfterFunc(parkFreeDelay, func() {
		p.mu.Lock()
		n := p.freeing
		p.freeing, p.freeTimer = 0, nil
		p.mu.Unlock()
		st.freed.Add(n)
	})
}

// unpark resumes s if it is parked (and, for a timeout, still in the
// parking gen), and reports whether it did: timedOut ends it as an idle
// client, otherwise it runs on (a Close or Kill makes it end at once; a
// Wake has it write what was pushed).
func (p *Parker) unpark(s *Session, gen uint32, timedOut bool) bool {
	pk := &s.pk
	p.mu.Lock()
	if !pk.parked.Load() || (timedOut && pk.gen != gen) {
		p.mu.Unlock()
		return false
	}
	p.unparkLocked(s)
	p.mu.Unlock()
	p.run(func() { s.resume(timedOut) })
	return true
}

// unparkLocked marks s no longer parked and takes its socket out of the
// epoll set (a registration lasts as long as the socket, which the
// resumed session's connection keeps open); p.mu is held.
func (p *Parker) unparkLocked(s *Session) {
	pk := &s.pk
	p.parked[pk.fd] = nil
	p.nparked--
	pk.parked.Store(false)
	_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, int(pk.fd), nil)
	if pk.timer != nil {
		pk.timer.Stop() // a timer firing now finds the generation over
		pk.timer = nil
	}
}
