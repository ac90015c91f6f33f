package server_test

import (
	"bufio"
	"net"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// The redis-cli tools of the "Done when" (--bigkeys, --memkeys,
// --stat, --latency-history, MONITOR), each run against a real Redis and
// against redpool holding the same data, in RESP2 and RESP3 (-3), on both
// backends. Their output is compared line for line: exactly where it
// depends only on the data, by shape where the figures are each
// server's own (memory, request counts, latencies, times, addresses).

// ops14CLI is a redis-cli run whose output lines arrive on lines; stop
// kills it (also at cleanup). stdbuf makes redis-cli write line by line
// to a pipe, as it does to a terminal.
type ops14CLI struct {
	lines <-chan string
	stop  func()
}

func ops14StartCLI(t *testing.T, addr string, proto int, args ...string) *ops14CLI {
	t.Helper()
	cli := servertest.LookTool(t, "redis-cli", "redis-tools", "REDIS-CLI TOOL TEST")
	stdbuf := servertest.LookTool(t, "stdbuf", "coreutils", "REDIS-CLI TOOL TEST")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	argv := []string{"-oL", cli, "-h", host, "-p", port}
	if proto == 3 {
		argv = append(argv, "-3")
	}
	cmd := exec.Command(stdbuf, append(argv, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-cli: %v", err)
	}
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(stop)
	return &ops14CLI{lines: lines, stop: stop}
}

// next returns the next n lines (fewer if redis-cli ends first). The
// deadline only keeps a broken run from hanging the test.
func (c *ops14CLI) next(t *testing.T, n int) []string {
	t.Helper()
	var got []string
	deadline := time.After(30 * time.Second)
	for len(got) < n {
		select {
		case l, ok := <-c.lines:
			if !ok {
				return got
			}
			got = append(got, l)
		case <-deadline:
			t.Fatalf("redis-cli: %d lines after 30 s, want %d: %q", len(got), n, got)
		}
	}
	return got
}

// ops14RunCLI runs redis-cli to its end and returns its output lines.
func ops14RunCLI(t *testing.T, addr string, proto int, args ...string) []string {
	t.Helper()
	c := ops14StartCLI(t, addr, proto, args...)
	defer c.stop()
	return c.next(t, 1<<20)
}

// ops14CLIData writes the same data to a server: keys of every type with
// sizes that differ per type (so that the biggest key of each is one).
func ops14CLIData(t *testing.T, addr string) {
	t.Helper()
	c := servertest.Dial(t, addr)
	for i := range 30 {
		c.Do("SET", "str:"+strconv.Itoa(i), strings.Repeat("v", i+1))
	}
	for i := range 5 {
		n := strconv.Itoa(i)
		list, set, hash, zset := []string{"RPUSH", "list:" + n}, []string{"SADD", "set:" + n}, []string{"HSET", "hash:" + n}, []string{"ZADD", "zset:" + n}
		for j := range i + 1 {
			m := "m" + strconv.Itoa(j)
			list, set, hash, zset = append(list, m), append(set, m), append(hash, m, "v"), append(zset, strconv.Itoa(j), m)
			c.Do("XADD", "stream:"+n, "*", "f", m)
		}
		c.Do(list...)
		c.Do(set...)
		c.Do(hash...)
		c.Do(zset...)
	}
	c.Do("RPUSH", "biglist", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10")
}

// ops14CLIServers starts a Redis and a redpool on backend b, both
// holding ops14CLIData, and returns their addresses.
func ops14CLIServers(t *testing.T, b servertest.Backend) (redis, redpool string) {
	t.Helper()
	redis, redpool = servertest.StartRedis(t).Addr, servertest.Start(t, servertest.WithConfig(b.Apply)).Addr
	ops14CLIData(t, redis)
	ops14CLIData(t, redpool)
	return redis, redpool
}

// ops14Summary returns what --bigkeys and --memkeys print after their
// "-------- summary -------" line, with mask applied, after checking the
// shape of their progress lines ("found so far": which and how many
// depends on the SCAN order, which differs between the servers and
// between runs of Redis).
func ops14Summary(t *testing.T, lines []string, mask func(string) string) []string {
	t.Helper()
	var summary []string
	in, sofar := false, 0
	for _, l := range lines {
		switch {
		case strings.Contains(l, "summary"):
			in = true
		case in:
			summary = append(summary, mask(l))
		case strings.Contains(l, "found so far"):
			sofar++
			if !ops14Progress.MatchString(l) {
				t.Errorf("progress line %q", l)
			}
		}
	}
	if sofar < 6 { // one per type at least
		t.Errorf("%d progress lines in %q", sofar, lines)
	}
	return summary
}

var (
	ops14Progress = regexp.MustCompile(`^\[\d\d\.\d\d%\] Biggest +[a-z]+ +found so far '".+"' with \d+ [a-z]+$`)
	ops14Numbers  = regexp.MustCompile(`\d+(\.\d+)?`)
)

// TestDiffOps14RedisCLIKeys compares redis-cli --bigkeys (exactly, but for
// the SCAN order of its progress lines) and --memkeys (the memory figures
// masked) with Redis's, on the same data.
func TestDiffOps14RedisCLIKeys(t *testing.T) {
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		r, s := ops14CLIServers(t, b)
		same := func(l string) string { return l }
		want, got := ops14Summary(t, ops14RunCLI(t, r, proto, "--bigkeys"), same), ops14Summary(t, ops14RunCLI(t, s, proto, "--bigkeys"), same)
		if len(want) < 10 || !slices.Equal(got, want) {
			t.Errorf("--bigkeys:\n redpool %q\n   redis %q", got, want)
		}
		// MEMORY USAGE is each server's own: which key of a type is the
		// biggest may differ too, so the key names go as well.
		mask := func(l string) string {
			return ops14Numbers.ReplaceAllString(regexp.MustCompile(`'"[^"]*"'`).ReplaceAllString(l, "KEY"), "N")
		}
		want, got = ops14Summary(t, ops14RunCLI(t, r, proto, "--memkeys"), mask), ops14Summary(t, ops14RunCLI(t, s, proto, "--memkeys"), mask)
		if len(want) < 10 || !slices.Equal(got, want) {
			t.Errorf("--memkeys (figures masked):\n redpool %q\n   redis %q", got, want)
		}
	})
}

// TestDiffOps14RedisCLIStat compares the shape of redis-cli --stat and
// --latency-history with Redis's: the same header lines, then lines of
// the same columns (a few samples each).
func TestDiffOps14RedisCLIStat(t *testing.T) {
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		r, s := ops14CLIServers(t, b)
		for _, tool := range [][]string{{"--stat", "-i", "0.1"}, {"--latency-history", "-i", "1"}} {
			shape := func(addr string) []string {
				c := ops14StartCLI(t, addr, proto, tool...)
				defer c.stop()
				lines := c.next(t, 5)
				for i, l := range lines {
					lines[i] = ops14Numbers.ReplaceAllString(strings.Join(strings.Fields(l), " "), "N")
				}
				return lines
			}
			want, got := shape(r), shape(s)
			if len(want) != 5 || !slices.Equal(got, want) {
				t.Errorf("redis-cli %s (figures masked):\n redpool %q\n   redis %q", tool[0], got, want)
			}
		}
	})
}

// TestDiffOps14RedisCLIMonitor runs redis-cli MONITOR against both and
// compares what it prints for the same commands (from another client,
// in EXEC and in a script), times and addresses masked.
func TestDiffOps14RedisCLIMonitor(t *testing.T) {
	addrs := regexp.MustCompile(`^\d+\.\d{6} \[(\d+) (127\.0\.0\.1:\d+|lua)\]`)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		r := servertest.StartRedis(t)
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		cmds := [][]string{
			{"SET", "k", "a b\n\"c\""}, {"GET", "k"}, {"SELECT", "2"}, {"INCR", "n"},
			{"MULTI"}, {"LPUSH", "l", "x"}, {"EXEC"},
			{"EVAL", "return redis.call('get', KEYS[1])", "1", "n"}, {"PING"},
		}
		watch := func(addr string) []string {
			mon := ops14StartCLI(t, addr, proto, "MONITOR")
			defer mon.stop()
			if l := mon.next(t, 1); len(l) != 1 || l[0] != "OK" {
				t.Fatalf("MONITOR: %q", l)
			}
			c := servertest.Dial(t, addr)
			for _, cmd := range cmds {
				c.Do(cmd...)
			}
			lines := mon.next(t, len(cmds)+1) // and the script's GET
			for i, l := range lines {
				lines[i] = addrs.ReplaceAllString(l, "T [$1 ADDR]")
			}
			return lines
		}
		want, got := watch(r.Addr), watch(s.Addr)
		if !slices.Equal(got, want) {
			t.Errorf("redis-cli MONITOR (times and addresses masked):\n redpool %q\n   redis %q", got, want)
		}
	})
}
