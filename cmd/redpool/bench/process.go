package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is one child server process (redpool or redis-server) serving on
// 127.0.0.1.
type server struct {
	cmd     *exec.Cmd
	addr    string
	started time.Time     // just before the process was started
	exited  chan struct{} // closed once the process has exited and been reaped
	waitErr error         // Wait's result; read only after exited is closed
	log     *tailBuffer   // the process's stdout and stderr
}

// errPortInUse is a start that failed because another process took the port
// between freePort and the server's listen.
var errPortInUse = errors.New("port in use")

// launcher is how to start one server: a program, its arguments, and the
// flag that gives it the port.
type launcher struct {
	bin      string
	args     []string
	portFlag string // "-port" for redpool, "--port" for redis-server
}

// command returns the command line of a start on port.
func (l launcher) command(port int) *exec.Cmd {
	args := append(slices.Clone(l.args), l.portFlag, strconv.Itoa(port))
	return exec.Command(l.bin, args...)
}

// launch starts the server l describes on a free port and waits until it
// answers PING. A start that loses its port to another process is retried.
func launch(ctx context.Context, l launcher, timeout time.Duration) (*server, error) {
	for attempt := 0; ; attempt++ {
		s, err := startServer(l)
		if err != nil {
			return nil, err
		}
		err = s.waitReady(ctx, timeout)
		if err == nil {
			return s, nil
		}
		s.kill()
		if !errors.Is(err, errPortInUse) || attempt == 2 {
			return nil, err
		}
	}
}

// startServer starts the process; the caller must kill or stop it.
func startServer(l launcher) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{
		addr:   net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		exited: make(chan struct{}),
		log:    &tailBuffer{max: 16 << 10},
	}
	s.cmd = l.command(port)
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	s.cmd.SysProcAttr = sysProcAttr()
	s.started = time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start %s: %w", l.bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	return port, ln.Close()
}

// pid returns the process id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// alive reports whether the process has not exited.
func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// exitedWithin reports whether the process exits within d.
func (s *server) exitedWithin(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.exited:
		return true
	case <-t.C:
		return false
	}
}

// waitReady polls until the server answers PING, the process exits, ctx is
// done or timeout passes.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if !s.alive() {
			return s.exitError("cannot start")
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server did not answer PING within %v", timeout)
		}
		if c, err := dial(s.addr, 100*time.Millisecond); err == nil {
			_ = c.nc.SetDeadline(time.Now().Add(timeout))
			_, err := c.do("PING")
			_ = c.Close()
			if err == nil {
				return nil
			}
		}
		time.Sleep(time.Millisecond)
	}
}

// waitKeys polls DBSIZE until it equals want; it reports the keys found if
// that does not happen within grace. Data is loaded before the server
// listens, so the first answer is normally final.
func (s *server) waitKeys(ctx context.Context, want int64, grace time.Duration) error {
	c, err := dial(s.addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	deadline := time.Now().Add(grace)
	for {
		_ = c.nc.SetDeadline(time.Now().Add(grace + time.Second))
		r, err := c.do("DBSIZE")
		if err != nil {
			return err
		}
		if r.n == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("recovered %d of %d keys", r.n, want)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// kill sends SIGKILL to the process and to the children it forked (a
// redis-server saving in the background), and waits for the process to be
// reaped.
func (s *server) kill() {
	if s.alive() {
		killGroup(s.cmd.Process)
	}
	<-s.exited
}

// stop asks the server to shut down gracefully (SIGTERM) and waits for it,
// killing it after timeout. It returns an error unless the server exited 0.
func (s *server) stop(timeout time.Duration) error {
	if !s.alive() {
		return s.exitError("server exited")
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-s.exited:
	case <-t.C:
		s.kill()
		return fmt.Errorf("server did not shut down within %v", timeout)
	}
	if s.waitErr != nil {
		return s.exitError("shutdown failed")
	}
	return nil
}

// exitError describes why the exited process failed, from its last logged
// error if any. Call it only after the process exited.
func (s *server) exitError(what string) error {
	<-s.exited
	status := "exited"
	if s.waitErr != nil {
		status = s.waitErr.Error()
	}
	log := s.log.String()
	if strings.Contains(strings.ToLower(log), "address already in use") {
		return fmt.Errorf("%s: %w", what, errPortInUse)
	}
	if msg := lastLoggedError(log); msg != "" {
		if strings.HasPrefix(msg, what+":") {
			return errors.New(msg)
		}
		return fmt.Errorf("%s: %s", what, msg)
	}
	return fmt.Errorf("%s: server %s", what, status)
}

// lastLoggedError extracts the message and err attribute of the last
// ERROR record of slog's text format, e.g. `cannot start: bad things`.
func lastLoggedError(log string) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		line := lines[i]
		if !strings.Contains(line, "level=ERROR") {
			continue
		}
		msg := attr(line, "msg")
		if e := attr(line, "err"); e != "" {
			return msg + ": " + e
		}
		return msg
	}
	for _, crash := range []string{"panic:", "fatal error:"} {
		if i := strings.LastIndex(log, crash); i >= 0 {
			line, _, _ := strings.Cut(log[i:], "\n")
			return line
		}
	}
	// Not a log record, e.g. "redpool: bad config: ...".
	last := strings.TrimSpace(lines[len(lines)-1])
	return strings.TrimPrefix(last, "redpool: ")
}

// attr returns the value of key in a slog text record line, unquoted.
func attr(line, key string) string {
	i := strings.Index(line, " "+key+"=")
	if i < 0 {
		return ""
	}
	v := line[i+len(key)+2:]
	if strings.HasPrefix(v, `"`) {
		// A quoted value ends at the first unescaped quote.
		for j := 1; j < len(v); j++ {
			if v[j] == '\\' {
				j++
				continue
			}
			if v[j] == '"' {
				if u, err := strconv.Unquote(v[:j+1]); err == nil {
					return u
				}
				break
			}
		}
		return v
	}
	v, _, _ = strings.Cut(v, " ")
	return v
}

// tailBuffer keeps the last max bytes written to it. Safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

// Write appends p, dropping the oldest bytes beyond max.
func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

// String returns the kept bytes.
func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
