// Package servertest starts redpool servers in-process for tests, on
// 127.0.0.1:0, and talks to them (and to a real redis-server) in raw RESP.
package servertest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/pool"
	"redpool/session/resp"
)

// Server is a redpool started for one test. It shuts down at cleanup.
type Server struct {
	*server.Server
	Addr   string
	Config config.Config
}

// Option adjusts the config (or options) of a test server.
type Option func(*config.Config, *server.Options)

// WithClock injects a clock.
func WithClock(c backend.Clock) Option {
	return func(_ *config.Config, o *server.Options) { o.Clock = c }
}

// WithConfig edits the config.
func WithConfig(f func(*config.Config)) Option {
	return func(c *config.Config, _ *server.Options) { f(c) }
}

// Backend is a backend a test body runs on.
type Backend struct {
	Name  string
	Apply func(*config.Config)
}

// Backends are the backends every transcript test runs on. A backend that is
// not built yet is absent.
func Backends() []Backend {
	return backends()
}

// Protos are the RESP versions every differential case runs in.
func Protos() []int { return []int{2, 3} }

// EachBackendProto runs body as a subtest on every backend in every RESP
// version of Protos ("memory/resp3").
func EachBackendProto(t *testing.T, body func(t *testing.T, b Backend, proto int)) {
	t.Helper()
	EachBackend(t, func(t *testing.T, b Backend) {
		for _, p := range Protos() {
			t.Run("resp"+strconv.Itoa(p), func(t *testing.T) { body(t, b, p) })
		}
	})
}

// EachBackend runs body as a subtest on every backend.
func EachBackend(t *testing.T, body func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { body(t, b) })
	}
}

// Start starts a server on 127.0.0.1:0 with a temp dir and the defaults,
// adjusted by opts.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.Port = 0
	cfg.Dir = t.TempDir()
	cfg.ProtectedMode = false // as the Redis the diff tests start
	var so server.Options
	for _, o := range opts {
		o(&cfg, &so)
	}
	return StartConfig(t, cfg, so)
}

// StartConfig starts a server with exactly cfg (port 0 picks a free port).
func StartConfig(t testing.TB, cfg config.Config, so server.Options) *Server {
	t.Helper()
	srv, err := server.New(cfg, so)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Bind, strconv.Itoa(cfg.Port)))
	if err != nil {
		_ = srv.Shutdown(context.Background())
		t.Fatalf("listen: %v", err)
	}
	ServeUntilCleanup(t, srv, func() error { return srv.Serve(ln) })
	return &Server{Server: srv, Addr: ln.Addr().String(), Config: cfg}
}

// ServeUntilCleanup runs serve (srv's Serve of some listeners) in a
// goroutine and, at cleanup, shuts srv down and checks that serve
// returned pool.ErrServerClosed.
func ServeUntilCleanup(t testing.TB, srv *server.Server, serve func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, pool.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
}

// Conn is a raw RESP connection.
type Conn struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
}

// Dial connects to addr; the connection closes at cleanup.
func Dial(t testing.TB, addr string) *Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &Conn{t: t, conn: c, br: bufio.NewReader(c)}
}

// DialProto is Dial followed, for proto 3, by HELLO 3 (its reply is
// checked to be a RESP3 map and dropped).
func DialProto(t testing.TB, addr string, proto int) *Conn {
	t.Helper()
	c := Dial(t, addr)
	if proto != 2 {
		if r := c.Do("HELLO", strconv.Itoa(proto)); !strings.HasPrefix(r, "%7\r\n") {
			t.Fatalf("HELLO %d to %s: %q", proto, addr, r)
		}
	}
	return c
}

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.conn }

// Write sends raw bytes.
func (c *Conn) Write(raw string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(raw)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// Send sends one command as a multibulk request.
func (c *Conn) Send(args ...string) {
	c.t.Helper()
	c.Write(string(resp.AppendCommandStrings(nil, args...)))
}

// readTimeout bounds Read: a server that hangs fails the test, while a
// slow one (a million-argument command under -race on a busy machine)
// does not.
const readTimeout = 30 * time.Second

// Read reads one whole reply and returns its raw bytes.
func (c *Conn) Read() string {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(readTimeout))
	raw, err := ReadRaw(c.br)
	if err != nil {
		c.t.Fatalf("read reply: %v", err)
	}
	return raw
}

// TryRead reads one reply, reporting errors (EOF when the server closed).
func (c *Conn) TryRead(timeout time.Duration) (string, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	return ReadRaw(c.br)
}

// Do sends args and returns the raw reply.
func (c *Conn) Do(args ...string) string {
	c.t.Helper()
	c.Send(args...)
	return c.Read()
}

// Expect sends args and fails the test unless the raw reply is want.
func (c *Conn) Expect(want string, args ...string) {
	c.t.Helper()
	if got := c.Do(args...); got != want {
		c.t.Errorf("%s\n got: %q\nwant: %q", Quote(args), got, want)
	}
}

// ExpectClosed fails unless the server closes the connection.
func (c *Conn) ExpectClosed() {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := c.br.ReadByte()
	if err == nil {
		c.t.Fatalf("connection still open: got byte %q", b)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.t.Fatal("connection still open after 5s")
	}
}

// Quote renders a command for messages.
func Quote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}

// ReadRaw reads one RESP2 or RESP3 reply from br and returns its exact
// bytes.
func ReadRaw(br *bufio.Reader) (string, error) {
	var buf bytes.Buffer
	if err := readRaw(br, &buf, 0); err != nil {
		return buf.String(), err
	}
	return buf.String(), nil
}

func readRaw(br *bufio.Reader, buf *bytes.Buffer, depth int) error {
	if depth > 64 {
		return errors.New("reply nested too deep")
	}
	line, err := br.ReadString('\n')
	buf.WriteString(line)
	if err != nil {
		return err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return fmt.Errorf("bad reply line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return nil
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil {
			return fmt.Errorf("bad bulk length %q", line)
		}
		if n < 0 {
			return nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(br, b); err != nil {
			return err
		}
		buf.Write(b)
		return nil
	case '*', '%', '~', '>', '|':
		n, err := strconv.Atoi(body)
		if err != nil {
			return fmt.Errorf("bad array length %q", line)
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readRaw(br, buf, depth+1); err != nil {
				return err
			}
		}
		if line[0] == '|' { // an attribute comes with the reply it describes
			return readRaw(br, buf, depth+1)
		}
		return nil
	default:
		return fmt.Errorf("unknown reply type %q", line)
	}
}

// Redis is a real redis-server started for differential tests.
type Redis struct {
	Addr string
}

// StartRedis starts a real redis-server on a free loopback port, with no
// persistence, and stops it at cleanup. Without redis-server on PATH the test
// is skipped with a loud message, unless REDPOOL_DIFF=1, when it fails.
func StartRedis(t testing.TB, extra ...string) *Redis {
	t.Helper()
	bin := LookTool(t, "redis-server", "redis-server", "DIFFERENTIAL TEST")
	port := freePort(t)
	dir := t.TempDir()
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no", "--protected-mode", "no", "--logfile", filepath.Join(dir, "redis.log")}, extra...)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	StartTool(t, addr, bin, args...)
	return &Redis{Addr: addr}
}

// LookTool returns the path of the program name (from Debian package
// pkg) for a test of kind what, or skips the test with a loud message;
// under REDPOOL_DIFF=1 (CI, which installs it) a missing program fails it.
func LookTool(t testing.TB, name, pkg, what string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("REDPOOL_DIFF") == "1" {
			t.Fatalf("REDPOOL_DIFF=1 but %s is not on PATH: install %s (apt-get install -y %s)", name, pkg, pkg)
		}
		t.Skipf("!!! SKIPPING %s: %s is not on PATH (apt-get install -y %s); set REDPOOL_DIFF=1 to make this a failure !!!", what, name, pkg)
	}
	return bin
}

// StartTool runs bin with args, kills it at cleanup, and waits (up to
// 10 s) until it accepts connections on addr.
func StartTool(t testing.TB, addr, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", filepath.Base(bin), err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start on %s", filepath.Base(bin), addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Diff sends the same commands to a real Redis and to redpool and compares
// the raw replies byte for byte.
type Diff struct {
	t       testing.TB
	redis   *Conn
	redpool *Conn
	// Cases counts the commands compared.
	Cases int
}

// NewDiff connects to both servers in RESP version proto (2, or 3 after
// HELLO 3 on both connections, whose replies must match but for the client
// id). Each Diff starts with FLUSHALL on both.
func NewDiff(t testing.TB, redisAddr, redpoolAddr string, proto int) *Diff {
	t.Helper()
	d := &Diff{t: t, redis: Dial(t, redisAddr), redpool: Dial(t, redpoolAddr)}
	want := maskHelloID(d.redis.Do("HELLO", strconv.Itoa(proto)))
	if got := maskHelloID(d.redpool.Do("HELLO", strconv.Itoa(proto))); got != want {
		t.Fatalf("HELLO %d differs from Redis:\n redpool: %q\n   redis: %q", proto, got, want)
	}
	d.redis.Do("FLUSHALL")
	d.redpool.Do("FLUSHALL")
	return d
}

// Do sends args to both and fails on any difference. It returns the reply.
func (d *Diff) Do(args ...string) string {
	d.t.Helper()
	want := d.redis.Do(args...)
	got := d.redpool.Do(args...)
	d.Cases++
	if got != want {
		d.t.Errorf("differs from Redis: %s\n redpool: %q\n   redis: %q", Quote(args), got, want)
	}
	return got
}

// DoTTL is Do for TTL, which rounds the time left to the nearest second:
// the two servers read their clocks a moment apart, so when the time left
// is near half a second the replies may differ by one. That difference is
// accepted; any other is not.
func (d *Diff) DoTTL(key string) {
	d.t.Helper()
	want := d.redis.Do("TTL", key)
	got := d.redpool.Do("TTL", key)
	d.Cases++
	if got == want {
		return
	}
	w, werr := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(want, ":"), "\r\n"), 10, 64)
	g, gerr := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(got, ":"), "\r\n"), 10, 64)
	if werr != nil || gerr != nil || w < 1 || g < 1 || g-w > 1 || w-g > 1 {
		d.t.Errorf("differs from Redis: TTL %s\n redpool: %q\n   redis: %q", key, got, want)
	}
}

// DoHello is Do for HELLO, whose replies differ in the client id only.
func (d *Diff) DoHello(args ...string) {
	d.t.Helper()
	want := maskHelloID(d.redis.Do(args...))
	got := maskHelloID(d.redpool.Do(args...))
	d.Cases++
	if got != want {
		d.t.Errorf("differs from Redis: %s\n redpool: %q\n   redis: %q", Quote(args), got, want)
	}
}

// DoUnordered is Do for replies whose array order Redis does not define
// (KEYS, HGETALL ...): it compares the sorted elements of a flat array.
func (d *Diff) DoUnordered(args ...string) {
	d.t.Helper()
	want := d.redis.Do(args...)
	got := d.redpool.Do(args...)
	d.Cases++
	if SortedElements(got) != SortedElements(want) {
		d.t.Errorf("differs from Redis (unordered): %s\n redpool: %q\n   redis: %q", Quote(args), got, want)
	}
}

// DoPairsUnordered compares a flat array of pairs (HGETALL, CONFIG GET)
// regardless of pair order.
func (d *Diff) DoPairsUnordered(args ...string) {
	d.t.Helper()
	want := d.redis.Do(args...)
	got := d.redpool.Do(args...)
	d.Cases++
	if sortedPairs(got) != sortedPairs(want) {
		d.t.Errorf("differs from Redis (pairs): %s\n redpool: %q\n   redis: %q", Quote(args), got, want)
	}
}

// DoMasked is Do for replies holding values that differ by nature (times,
// ids, addresses): mask rewrites both replies before they are compared.
func (d *Diff) DoMasked(mask func(string) string, args ...string) string {
	d.t.Helper()
	want := mask(d.redis.Do(args...))
	got := mask(d.redpool.Do(args...))
	d.Cases++
	if got != want {
		d.t.Errorf("differs from Redis (masked): %s\n redpool: %q\n   redis: %q", Quote(args), got, want)
	}
	return got
}

// maskHelloID replaces the client id in a HELLO reply by 0.
func maskHelloID(raw string) string {
	head, rest, ok := strings.Cut(raw, "$2\r\nid\r\n:")
	if !ok {
		return raw
	}
	_, tail, _ := strings.Cut(rest, "\r\n")
	return head + "$2\r\nid\r\n:0\r\n" + tail
}

// Both sends args to both servers without comparing (setup steps).
func (d *Diff) Both(args ...string) {
	d.t.Helper()
	d.redis.Do(args...)
	d.redpool.Do(args...)
}

// Conns returns the raw connections (redis, redpool).
func (d *Diff) Conns() (*Conn, *Conn) { return d.redis, d.redpool }

// SortedElements parses a flat array (or set or map) reply and returns its
// kind and the elements sorted, joined for comparison; a map's keys and
// values count as elements. Other replies are returned as is.
func SortedElements(raw string) string {
	v, ok := readAggregate(raw)
	if !ok {
		return raw
	}
	elems := make([]string, len(v.Array))
	for i, e := range v.Array {
		elems[i] = e.String()
	}
	slices.Sort(elems)
	return v.Kind.String() + ":" + strings.Join(elems, "|")
}

// sortedPairs sorts the pairs of a flat array or map of pairs, or of an
// array of two-element arrays (HRANDFIELD WITHVALUES in RESP3).
func sortedPairs(raw string) string {
	v, ok := readAggregate(raw)
	if !ok {
		return raw
	}
	var elems []string
	for _, e := range v.Array {
		if e.Kind == resp.Array && len(e.Array) == 2 {
			elems = append(elems, e.Array[0].String(), e.Array[1].String())
		} else {
			elems = append(elems, e.String())
		}
	}
	if len(elems)%2 != 0 {
		return raw
	}
	pairs := make([]string, 0, len(elems)/2)
	for i := 0; i < len(elems); i += 2 {
		pairs = append(pairs, elems[i]+"="+elems[i+1])
	}
	slices.Sort(pairs)
	return v.Kind.String() + ":" + strings.Join(pairs, "|")
}

// readAggregate parses raw as an array, set or map reply.
func readAggregate(raw string) (resp.Value, bool) {
	v, err := resp.ReadReply(bufio.NewReader(strings.NewReader(raw)))
	if err != nil || (v.Kind != resp.Array && v.Kind != resp.Map && v.Kind != resp.Set) {
		return resp.Value{}, false
	}
	return v, true
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int { return freePort(t) }

// StartSentinel starts a real redis-sentinel monitoring the primary at
// primaryAddr as master "mymaster" with quorum 2, down after 1 s and a
// failover timeout of 20 s (a shorter one lets a second election promote
// another replica while a slow first promotion is still being confirmed),
// and stops it at cleanup; a failed test gets its log. Without
// redis-sentinel on PATH the test is skipped loudly, unless REDPOOL_DIFF=1,
// when it fails.
func StartSentinel(t testing.TB, primaryAddr string) *Redis {
	t.Helper()
	bin := LookTool(t, "redis-sentinel", "redis-sentinel", "SENTINEL TEST")
	host, port, _ := net.SplitHostPort(primaryAddr)
	sport := freePort(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	text := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nlogfile %s\nsentinel monitor mymaster %s %s 2\n"+
		"sentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 20000\nsentinel parallel-syncs mymaster 1\n",
		sport, dir, filepath.Join(dir, "sentinel.log"), host, port)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sport))
	StartTool(t, addr, bin, conf)
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "sentinel.log"))
			t.Logf("sentinel %s log:\n%s", addr, log)
		}
	})
	return &Redis{Addr: addr}
}
