//go:build unix

package session

import (
	"io"
	"iter"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// Reads without the empty read.
//
// A net.Conn read tries the socket first and waits for the poller only if
// that finds nothing, because each read begins by forgetting what the
// poller said before. At pipeline 1 that costs a system call per request:
// after each reply the session reads, finds nothing (EAGAIN), and waits.
// A syscall.RawConn read keeps what the poller says for as long as it
// lasts: its callback returning false waits for the socket to become
// readable, or returns at once if it became readable since the last wait.
// So a busy session keeps one such read open in a coroutine (iter.Pull),
// which yields each time the socket may be readable and is resumed to
// wait again. When the session's last read returned less than it asked
// for, the socket was empty then, and any byte that came since made the
// poller say so: it waits before it reads, and reads only once the
// socket is readable. Otherwise it reads first and waits on EAGAIN.
//
// The open read holds the connection's read lock, and closing the
// connection waits for it: Watch (whose goroutine reads the connection)
// and Serve (which closes it) close the raw read first (leaveRaw). The
// coroutine costs a small goroutine stack, so a session opens it only
// after rawAfter reads: an idle client that sent a command or two and a
// client on TLS (no descriptor) read through the connection.

// rawAfter is how many reads through the connection a session does before
// it opens the raw read.
const rawAfter = 8

// rawReader is the session's raw read. Only the session's goroutine (and
// the coroutine it resumes, which never runs at the same time) touch it.
type rawReader struct {
	reads int // reads through the connection so far, up to rawAfter
	// co is the coroutine's state, nil until the raw read first opens:
	// a client that never gets there (an idle one) does without it.
	co *rawCoroutine
}

// rawCoroutine is the state of the raw read's coroutine.
type rawCoroutine struct {
	// next resumes the coroutine, which waits for the socket (the first
	// time it does not wait) and yields with fd valid; nil while no raw
	// read is open.
	next func() (struct{}, bool)
	stop func()
	fd   int
	// drained: the last read returned less than it asked for.
	drained bool
	// err ended the raw read (a deadline, a closed connection).
	err  error
	open func(yield func(struct{}) bool) // the coroutine's body, bound once
}

// opened reports whether a raw read is open.
func (r *rawReader) opened() bool { return r.co != nil && r.co.next != nil }

// rawBody is the coroutine: one raw read, whose callback yields to the
// session each time the socket may be readable and waits when resumed.
func (s *Session) rawBody(yield func(struct{}) bool) {
	r := s.rr.co
	err := s.raw.Read(func(fd uintptr) bool {
		r.fd = int(fd)
		return !yield(struct{}{}) // resumed: wait; stopped: done
	})
	if err != nil {
		r.err = err
	}
}

// wait waits, inside the raw read, until the socket may be readable.
// False means the raw read ended (r.err says why, if it failed).
func (r *rawCoroutine) wait() bool {
	if _, ok := r.next(); ok {
		return true
	}
	r.next, r.stop = nil, nil
	return false
}

// readConn reads from the connection into p, as conn.Read.
func (s *Session) readConn(p []byte) (int, error) {
	rr := &s.rr
	if len(p) == 0 {
		return 0, nil
	}
	r := rr.co
	if !rr.opened() {
		if s.raw == nil || rr.reads < rawAfter {
			rr.reads++
			return s.conn.Read(p)
		}
		if r == nil {
			r = &rawCoroutine{open: s.rawBody}
			rr.co = r
		}
		r.next, r.stop = iter.Pull(r.open)
		r.drained = false
		if !r.wait() { // the first resumption does not wait
			return 0, r.takeErr()
		}
	} else if r.drained {
		r.drained = false
		if !r.wait() {
			return 0, r.takeErr()
		}
	}
	for {
		n, err := rawRead(r.fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			if !r.wait() {
				return 0, r.takeErr()
			}
			continue
		case err != nil:
			return 0, s.opError("read", err)
		case n == 0:
			return 0, io.EOF
		}
		r.drained = n < len(p)
		return n, nil
	}
}

// waitInput waits until the socket may be readable, without reading
// (source.WaitInput): in the open raw read if there is one, which costs no
// system call, else by peeking at the socket (waitReadable). The next
// readConn reads at once. It returns the error that ended the wait (a
// deadline), which the next readConn reports too unless clearRawErr.
func (s *Session) waitInput() error {
	if !s.rr.opened() {
		return waitReadable(s.raw)
	}
	if r := s.rr.co; r.drained {
		r.drained = false
		if !r.wait() {
			return r.err // the next readConn reports it
		}
	}
	return nil
}

// clearRawErr forgets the error that ended the raw read (the park
// deadline: the next readConn opens it again).
func (s *Session) clearRawErr() {
	if r := s.rr.co; r != nil {
		r.err = nil
	}
}

// takeErr is the error the raw read ended with.
func (r *rawCoroutine) takeErr() error {
	err := r.err
	r.err = nil
	if err == nil {
		err = net.ErrClosed
	}
	return err
}

// leaveRaw closes the raw read, if one is open, so that the connection can
// be read by another goroutine (Watch) or closed; the next readConn opens
// it again.
func (s *Session) leaveRaw() {
	if r := s.rr.co; r != nil && r.stop != nil {
		r.stop()
		r.next, r.stop, r.err = nil, nil, nil
	}
}

func (s *Session) opError(op string, err error) error { return connError(s.conn, op, err) }

// connError is the error of a system call op on conn, as net.Conn's.
func connError(conn net.Conn, op string, err error) error {
	return &net.OpError{Op: op, Net: conn.LocalAddr().Network(),
		Source: conn.LocalAddr(), Addr: conn.RemoteAddr(), Err: os.NewSyscallError(op, err)}
}

// rawRead is read(2) on a non-blocking socket, without telling the
// runtime: it returns at once, and the scheduler's monitor (sysmon) then
// neither hands the thread's work to another thread nor stays awake
// polling for such system calls. (vecWriter writes so too, where a write
// to loopback runs the receiver's side as well.)
func rawRead(fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// vecWriter writes a list of buffers with writev(2) on the socket, as
// net.Buffers.WriteTo does, but without telling the runtime (rawRead's
// reason): a write of replies or pushed frames to loopback then hands
// neither the thread's work to another thread nor wakes the scheduler's
// monitor. Flush writes its replies (and the frames behind them) with
// one, the push writer the frames with its own.
// Owned by one goroutine, reused for its writes.
type vecWriter struct {
	conn net.Conn        // the connection raw belongs to
	raw  syscall.RawConn // nil: conn has no descriptor
	bufs net.Buffers     // what is left to write
	iov  []syscall.Iovec
	n    int64
	err  error
	fn   func(fd uintptr) bool // step, bound once
}

// writeTo writes all of bufs to conn, waiting for the socket when it is
// full, until a deadline; it consumes bufs as it goes (the caller clears
// it after).
func (v *vecWriter) writeTo(conn net.Conn, bufs net.Buffers) (int64, error) {
	if conn != v.conn {
		v.conn, v.raw = conn, rawConn(conn)
	}
	v.bufs = bufs // WriteTo's receiver: a parameter's would move to the heap
	if v.raw == nil {
		n, err := v.bufs.WriteTo(conn)
		v.bufs = nil
		return n, err
	}
	if v.fn == nil {
		v.fn = v.step
	}
	v.n, v.err = 0, nil
	err := v.raw.Write(v.fn)
	n := v.n
	if err == nil && v.err != nil {
		err = connError(conn, "writev", v.err)
	}
	v.bufs, v.err = nil, nil
	clear(v.iov[:cap(v.iov)]) // it points into the buffers
	return n, err
}

// maxIovecs bounds the buffers of one writev (the kernel's IOV_MAX).
const maxIovecs = 1024

// step is writeTo's step: it writes what the socket takes of v.bufs, and
// reports whether it is done (false: wait until the socket takes more).
func (v *vecWriter) step(fd uintptr) bool {
	for {
		v.iov = v.iov[:0]
		for _, b := range v.bufs {
			if len(b) == 0 {
				continue
			}
			v.iov = append(v.iov, syscall.Iovec{Base: &b[0]})
			v.iov[len(v.iov)-1].SetLen(len(b))
			if len(v.iov) == maxIovecs {
				break
			}
		}
		if len(v.iov) == 0 {
			return true
		}
		m, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&v.iov[0])), uintptr(len(v.iov)))
		switch e {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		default:
			v.err = e
			return true
		}
		v.n += int64(m)
		v.consume(int64(m))
	}
}

// consume drops the first n bytes of v.bufs.
func (v *vecWriter) consume(n int64) {
	for len(v.bufs) > 0 {
		l := int64(len(v.bufs[0]))
		if n < l {
			v.bufs[0] = v.bufs[0][n:]
			return
		}
		n -= l
		v.bufs[0] = nil
		v.bufs = v.bufs[1:]
	}
}
