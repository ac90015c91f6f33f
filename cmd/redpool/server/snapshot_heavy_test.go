package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
	"redpool/session/resp"
)

// heavyKeys is the size of the heavy snapshot benchmark.
const heavyKeys = 1_000_000

// populateHeavy writes heavyKeys keys as Redis's DEBUG POPULATE makes them
// ("key:N" = "value:N" padded with NULs to 64 bytes), pipelined.
func populateHeavy(t *testing.T, c *servertest.Conn) {
	t.Helper()
	const batch = 10_000
	val := make([]byte, 64)
	for i := 0; i < heavyKeys; i += batch {
		var req []byte
		for j := i; j < i+batch; j++ {
			clear(val)
			copy(val, "value:"+strconv.Itoa(j))
			req = resp.AppendCommand(req, []byte("SET"), []byte("key:"+strconv.Itoa(j)), val)
		}
		c.Write(string(req))
		for j := 0; j < batch; j++ {
			if got := c.Read(); got != "+OK\r\n" {
				t.Fatalf("SET: %q", got)
			}
		}
	}
}

func timed(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
}

// bestOf runs measure n times and returns the shortest time it reported.
func bestOf(n int, measure func() time.Duration) time.Duration {
	var best time.Duration
	for i := 0; i < n; i++ {
		if d := measure(); i == 0 || d < best {
			best = d
		}
	}
	return best
}

// pauseProbe runs PINGs and GETs back to back on its own connection and
// records every round trip.
type pauseProbe struct {
	stop atomic.Bool
	lat  []time.Duration
	wg   sync.WaitGroup
}

func startProbe(t *testing.T, addr string) *pauseProbe {
	p := &pauseProbe{}
	c := servertest.Dial(t, addr)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for i := 0; !p.stop.Load(); i++ {
			start := time.Now()
			if i%2 == 0 {
				c.Do("PING")
			} else {
				c.Do("GET", "key:"+strconv.Itoa(i%heavyKeys))
			}
			p.lat = append(p.lat, time.Since(start))
		}
	}()
	return p
}

// finish stops the probe and summarizes its round trips.
func (p *pauseProbe) finish() string {
	p.stop.Store(true)
	p.wg.Wait()
	slices.Sort(p.lat)
	q := func(f float64) time.Duration { return p.lat[int(f*float64(len(p.lat)-1))].Round(10 * time.Microsecond) }
	return fmt.Sprintf("max %v, p99.9 %v, p99 %v over %d requests", q(1), q(0.999), q(0.99), len(p.lat))
}

// probeSaves runs the probe across n BGSAVEs on c and reports it, with
// the BGSAVE reply time (the pause to fix the view) and the save time.
func probeSaves(t *testing.T, addr string, c *servertest.Conn, n int, wait func()) string {
	t.Helper()
	p := startProbe(t, addr)
	var reply, total time.Duration
	for i := 0; i < n; i++ {
		time.Sleep(100 * time.Millisecond)
		start := time.Now()
		c.Expect("+Background saving started\r\n", "BGSAVE")
		reply = max(reply, time.Since(start))
		wait()
		total += time.Since(start)
	}
	time.Sleep(100 * time.Millisecond)
	return fmt.Sprintf("%s; BGSAVE reply at most %v, save %v on average", p.finish(), reply.Round(10*time.Microsecond), (total / time.Duration(n)).Round(time.Millisecond))
}

// TestHeavySnapshotVsRedis measures, with 1,000,000 keys of 64-byte values,
// redpool's SAVE time, file size and load time at start next to Redis's
// RDB with rdbcompression yes and no, and the longest pause a BGSAVE
// causes to a client. REDPOOL_HEAVY=1 runs it.
func TestHeavySnapshotVsRedis(t *testing.T) {
	if os.Getenv("REDPOOL_HEAVY") != "1" {
		t.Skip("set REDPOOL_HEAVY=1 to run the 1M-key snapshot benchmark")
	}
	type row struct {
		name       string
		save, load time.Duration
		loadNote   string
		size       int64
	}
	var rows []row

	// --- redpool ---
	s := servertest.Start(t, servertest.WithConfig(snapshotMode()))
	c := servertest.Dial(t, s.Addr)
	populateHeavy(t, c)
	c.Expect(":"+strconv.Itoa(heavyKeys)+"\r\n", "DBSIZE")

	// The longest client pause: first without a save, then across BGSAVEs.
	p := startProbe(t, s.Addr)
	time.Sleep(2 * time.Second)
	t.Logf("redpool, no save:      %s", p.finish())
	t.Logf("redpool, 5 BGSAVEs:    %s", probeSaves(t, s.Addr, c, 5, func() { waitSave(t, s) }))

	save := bestOf(3, func() time.Duration { return timed(func() { c.Expect("+OK\r\n", "SAVE") }) })
	st, err := os.Stat(snapFile(s))
	if err != nil {
		t.Fatal(err)
	}
	c.Send("SHUTDOWN", "NOSAVE")
	c.ExpectClosed()
	shutdown(t, s)
	load := bestOf(3, func() time.Duration {
		var srv *server.Server
		d := timed(func() {
			var err error
			if srv, err = server.New(s.Config, server.Options{}); err != nil {
				t.Fatal(err)
			}
		})
		if n := srv.Backend().Stats().Keys[0]; n != heavyKeys {
			t.Fatalf("loaded %d keys", n)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		return d
	})
	rows = append(rows, row{name: "redpool snapshot", save: save, load: load, loadNote: "server.New", size: st.Size()})

	// --- Redis ---
	for _, comp := range []string{"yes", "no"} {
		dir := t.TempDir()
		r := startRedisAt(t, dir, "--rdbcompression", comp)
		rc := servertest.Dial(t, r.addr)
		populateHeavy(t, rc)
		if comp == "yes" {
			p := startProbe(t, r.addr)
			time.Sleep(2 * time.Second)
			t.Logf("redis, no save:        %s", p.finish())
			t.Logf("redis, 5 BGSAVEs:      %s", probeSaves(t, r.addr, rc, 5, func() { waitRedisSave(t, rc) }))
		}
		save := bestOf(3, func() time.Duration { return timed(func() { rc.Expect("+OK\r\n", "SAVE") }) })
		st, err := os.Stat(filepath.Join(dir, "dump.rdb"))
		if err != nil {
			t.Fatal(err)
		}
		r.stop()
		var wall time.Duration
		load := bestOf(3, func() time.Duration {
			var r2 *redisProc
			w := timed(func() { r2 = startRedisAt(t, dir, "--rdbcompression", comp) })
			defer r2.stop()
			if wall == 0 || w < wall {
				wall = w
			}
			return r2.loadTime(t)
		})
		rows = append(rows, row{name: "redis rdbcompression " + comp, save: save, load: load,
			loadNote: fmt.Sprintf("its log; %v start to PONG", wall.Round(time.Millisecond)), size: st.Size()})
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\n%d keys, 64-byte values (best of 3)\n", heavyKeys)
	fmt.Fprintf(&b, "| %-26s | %9s | %9s | %-32s | %9s |\n", "", "SAVE", "load", "load measured by", "file MB")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %-26s | %9s | %9s | %-32s | %9.1f |\n", r.name, r.save.Round(time.Millisecond), r.load.Round(time.Millisecond), r.loadNote, float64(r.size)/1e6)
	}
	t.Log(b.String())
}

// waitRedisSave polls Redis until its background save has ended.
func waitRedisSave(t *testing.T, c *servertest.Conn) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(c.Do("INFO", "persistence"), "rdb_bgsave_in_progress:0") {
		if time.Now().After(deadline) {
			t.Fatal("redis BGSAVE did not end")
		}
		time.Sleep(time.Millisecond)
	}
}

// redisProc is a redis-server on a data directory of the test's.
type redisProc struct {
	addr string
	log  string
	cmd  *exec.Cmd
}

// startRedisAt starts redis-server on dir (loading dir/dump.rdb if it is
// there) and returns once it answers PING with PONG (loaded).
func startRedisAt(t *testing.T, dir string, extra ...string) *redisProc {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	logf := filepath.Join(dir, "redis-"+strconv.Itoa(port)+".log")
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--dbfilename", "dump.rdb", "--daemonize", "no", "--protected-mode", "no", "--logfile", logf}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &redisProc{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), log: logf, cmd: cmd}
	t.Cleanup(r.stop)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", r.addr, 100*time.Millisecond); err == nil {
			_, _ = c.Write([]byte("PING\r\n"))
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			_ = c.Close()
			if line == "+PONG\r\n" {
				return r
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("redis-server on %s not ready", r.addr)
	return nil
}

func (r *redisProc) stop() {
	if r.cmd.Process != nil && r.cmd.ProcessState == nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
	}
}

var redisLoaded = regexp.MustCompile(`DB loaded from disk: ([0-9.]+) seconds`)

// loadTime is the load time Redis logs.
func (r *redisProc) loadTime(t *testing.T) time.Duration {
	t.Helper()
	data, err := os.ReadFile(r.log)
	if err != nil {
		t.Fatal(err)
	}
	m := redisLoaded.FindSubmatch(data)
	if m == nil {
		t.Fatalf("no load time in %s:\n%s", r.log, data)
	}
	f, _ := strconv.ParseFloat(string(m[1]), 64)
	return time.Duration(f * float64(time.Second))
}
