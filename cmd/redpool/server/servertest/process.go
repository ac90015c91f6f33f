package servertest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/session/resp"
)

// This file runs redpool as a child process, for tests that need a real
// crash (kill -9) and for tools that drive the binary (benchmarks).

var build struct {
	once sync.Once
	bin  string
	err  error
}

// BuildBinary builds ./cmd/redpool once per test process and returns the
// binary's path. The binary lives in a temp directory that outlives the
// test (other tests of the process reuse it); directories left by test
// processes more than a day ago are removed.
func BuildBinary(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		removeOldBinaries()
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			build.err = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		root := filepath.Dir(strings.TrimSpace(string(out)))
		dir, err := os.MkdirTemp("", "redpool-bin-")
		if err != nil {
			build.err = err
			return
		}
		bin := filepath.Join(dir, "redpool")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/redpool")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build ./cmd/redpool: %v\n%s", err, out)
			return
		}
		build.bin = bin
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bin
}

// removeOldBinaries removes what BuildBinary left a day ago or more.
func removeOldBinaries() {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), "redpool-bin-*"))
	for _, dir := range old {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() && time.Since(fi.ModTime()) > 24*time.Hour {
			_ = os.RemoveAll(dir)
		}
	}
}

// WriteConfig writes cfg as a TOML config file in dir and returns its path.
// A Port of 0 is replaced by a free port, so that the address is known (and
// stays the same across restarts of the process). The file is read back
// and must decode to exactly cfg.
func WriteConfig(t testing.TB, dir string, cfg config.Config) string {
	t.Helper()
	if cfg.Port == 0 {
		cfg.Port = freePort(t)
	}
	q := strconv.Quote
	var b strings.Builder
	fmt.Fprintf(&b, "bind = %s\nport = %d\ndir = %s\ndatabases = %d\nmax_clients = %d\nthreads = %d\n",
		q(cfg.Bind), cfg.Port, q(cfg.Dir), cfg.Databases, cfg.MaxClients, cfg.Threads)
	fmt.Fprintf(&b, "timeout = %s\nlog_level = %s\nproto_max_bulk_len = %s\nbackend = %s\n",
		q(cfg.Timeout.String()), q(cfg.LogLevel.String()), q(cfg.ProtoMaxBulkLen.String()), q(cfg.Backend.String()))
	fmt.Fprintf(&b, "notify_keyspace_events = %s\n", q(cfg.NotifyKeyspaceEvents))
	fmt.Fprintf(&b, "\n[bolt]\nfile = %s\nsync = %s\n", q(cfg.Bolt.File), q(cfg.Bolt.Sync.String()))
	p := cfg.Persistence
	fmt.Fprintf(&b, "\n[persistence]\nmode = %s\n", q(p.Mode.String()))
	fmt.Fprintf(&b, "\n[persistence.aof]\nfile = %s\nfsync = %s\nrewrite_percentage = %d\nrewrite_min_size = %s\n",
		q(p.AOF.File), q(p.AOF.Fsync.String()), p.AOF.RewritePercentage, q(p.AOF.RewriteMinSize.String()))
	rules := make([]string, len(p.Snapshot.Save))
	for i, r := range p.Snapshot.Save {
		rules[i] = fmt.Sprintf("[%d, %d]", r.Seconds, r.Changes)
	}
	fmt.Fprintf(&b, "\n[persistence.snapshot]\nfile = %s\nsave = [%s]\n", q(p.Snapshot.File), strings.Join(rules, ", "))

	path := filepath.Join(dir, "redpool.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := config.Load(path)
	if err != nil {
		t.Fatalf("WriteConfig: the file does not load: %v\n%s", err, b.String())
	}
	if got.Persistence.Snapshot.Save == nil && len(cfg.Persistence.Snapshot.Save) == 0 {
		got.Persistence.Snapshot.Save = cfg.Persistence.Snapshot.Save
	}
	if !reflect.DeepEqual(got, cfg) {
		t.Fatalf("WriteConfig: the file decodes to\n%+v\nwant\n%+v", got, cfg)
	}
	return path
}

// Process is redpool running as a child process.
type Process struct {
	Addr string
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
	err  error // from Wait, once done is closed
}

// StartProcess starts `bin -config cfgPath` and waits until it answers
// PING (up to 30s, long enough to load a big log). The process is killed
// at cleanup if still running.
func StartProcess(t testing.TB, bin, cfgPath string) *Process {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("StartProcess: %v", err)
	}
	if cfg.Port == 0 {
		t.Fatal("StartProcess: the config must name a port (WriteConfig picks one)")
	}
	p := &Process{Addr: cfg.Addr(), log: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "-config", cfgPath)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.Exited() {
			p.Kill9()
		}
		if t.Failed() {
			t.Logf("redpool process output:\n%s", p.Output())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for !pingOK(p.Addr) {
		if p.Exited() {
			t.Fatalf("redpool exited before serving (%v):\n%s", p.err, p.Output())
		}
		if time.Now().After(deadline) {
			t.Fatalf("redpool did not answer PING on %s within 30s:\n%s", p.Addr, p.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return p
}

func pingOK(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

// Kill9 kills the process with SIGKILL (a crash: nothing is flushed) and
// waits for it.
func (p *Process) Kill9() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop sends SIGTERM (a graceful shutdown) and returns the exit error,
// waiting at most 30s before killing it.
func (p *Process) Stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.Kill9()
		return errors.New("redpool did not stop within 30s of SIGTERM")
	}
	return p.err
}

// Wait waits for the process to exit and returns its exit error.
func (p *Process) Wait() error {
	<-p.done
	return p.err
}

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Output is what the process wrote to stdout and stderr so far.
func (p *Process) Output() string { return p.log.String() }

// RunBinary runs bin with args to completion (up to 60s) and returns its
// exit code and combined output, for commands expected to exit.
func RunBinary(t testing.TB, bin string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	default:
		t.Fatalf("run %s %q: %v", bin, args, err)
		return -1, ""
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// AckLog records every write a CrashLoad client got a reply for.
type AckLog struct {
	t       testing.TB
	run     string // key prefix of this load: unique per CrashLoad call
	clients []*ackClient
}

// crashRuns numbers CrashLoad calls, so each writes its own keys.
var crashRuns atomic.Int64

// ackClient is one load client's acknowledged writes. Client c of load
// run r writes keys "crash:<r>:<c>:set:<i>" (SET to "v<i>"), "crash:<r>:<c>:n"
// (INCR) and "crash:<r>:<c>:list" (RPUSH "e<i>"), in turns.
type ackClient struct {
	sets   []int // i of every acknowledged SET
	incr   int64 // the last acknowledged INCR reply
	pushes []int // i of every acknowledged RPUSH, in order
}

// CrashLoad runs clients connections that write to addr for dur, or until
// the server goes away (each client stops at its first network error),
// and returns the log of acknowledged writes.
func CrashLoad(t testing.TB, addr string, clients int, dur time.Duration) *AckLog {
	t.Helper()
	a := &AckLog{t: t, run: "crash:" + strconv.FormatInt(crashRuns.Add(1), 10) + ":", clients: make([]*ackClient, clients)}
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for c := range clients {
		ac := &ackClient{}
		a.clients[c] = ac
		wg.Go(func() { _ = ac.run(addr, a.run+strconv.Itoa(c)+":", deadline) }) // a network error ends the client: the server died
	}
	wg.Wait()
	return a
}

func (ac *ackClient) run(addr, prefix string, deadline time.Time) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	var req []byte
	for i := 0; time.Now().Before(deadline); i++ {
		si := strconv.Itoa(i)
		switch i % 3 {
		case 0:
			req = resp.AppendCommandStrings(req[:0], "SET", prefix+"set:"+si, "v"+si)
		case 1:
			req = resp.AppendCommandStrings(req[:0], "INCR", prefix+"n")
		default:
			req = resp.AppendCommandStrings(req[:0], "RPUSH", prefix+"list", "e"+si)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write(req); err != nil {
			return err
		}
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		switch {
		case i%3 == 0 && line == "+OK\r\n":
			ac.sets = append(ac.sets, i)
		case i%3 != 0 && strings.HasPrefix(line, ":"):
			n, err := strconv.ParseInt(strings.TrimSpace(line[1:]), 10, 64)
			if err != nil {
				return fmt.Errorf("bad reply %q", line)
			}
			if i%3 == 1 {
				ac.incr = n
			} else {
				ac.pushes = append(ac.pushes, i)
			}
		default:
			return fmt.Errorf("unexpected reply %q", line)
		}
	}
	return nil
}

// Acked is the number of acknowledged writes.
func (a *AckLog) Acked() int {
	n := 0
	for _, c := range a.clients {
		n += len(c.sets) + int(c.incr) + len(c.pushes)
	}
	return n
}

// Verify checks every acknowledged write against the server at addr and
// returns how many are lost: a SET key missing or different, an INCR
// counter below its last acknowledged value, list elements missing. The
// first losses are logged.
func (a *AckLog) Verify(addr string) (lost int) {
	a.t.Helper()
	conn := Dial(a.t, addr)
	report := func(format string, args ...any) {
		lost++
		if lost <= 10 {
			a.t.Logf("lost: "+format, args...)
		}
	}
	for c, ac := range a.clients {
		prefix := a.run + strconv.Itoa(c) + ":"
		for _, i := range ac.sets {
			si := strconv.Itoa(i)
			if got, want := conn.Do("GET", prefix+"set:"+si), "$"+strconv.Itoa(len(si)+1)+"\r\nv"+si+"\r\n"; got != want {
				report("GET %sset:%s = %q, want %q", prefix, si, got, want)
			}
		}
		if ac.incr > 0 {
			got := conn.Do("GET", prefix+"n")
			n, _ := strconv.ParseInt(bulkBody(got), 10, 64)
			if n < ac.incr {
				report("%sn = %q, acknowledged %d", prefix, got, ac.incr)
				lost += int(ac.incr-n) - 1
			}
		}
		if len(ac.pushes) > 0 {
			want := make([]string, len(ac.pushes))
			for j, i := range ac.pushes {
				want[j] = "e" + strconv.Itoa(i)
			}
			got := conn.Do("LRANGE", prefix+"list", "0", strconv.Itoa(len(want)-1))
			if w := string(resp.AppendCommandStrings(nil, want...)); got != w {
				report("LRANGE %slist = %.200q, want the %d acknowledged elements", prefix, got, len(want))
				lost += missing(got, want) - 1
			}
		}
	}
	return lost
}

// missing counts the elements of want absent from the raw array got.
func missing(got string, want []string) int {
	n := 0
	for _, w := range want {
		if !strings.Contains(got, "\r\n"+w+"\r\n") {
			n++
		}
	}
	return max(n, 1)
}

// bulkBody returns the payload of a raw bulk reply ("" for others).
func bulkBody(raw string) string {
	_, body, ok := strings.Cut(raw, "\r\n")
	if !ok || !strings.HasPrefix(raw, "$") {
		return ""
	}
	return strings.TrimSuffix(body, "\r\n")
}
