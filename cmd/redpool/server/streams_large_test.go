package server_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// streamsLargeBound is what a point operation on a 1,000,000-entry stream
// may take through the server, as the median of its calls: the issue asks
// for "a few milliseconds"; the bound is generous so that a loaded machine
// (or bolt's fdatasync under sync = "always") does not fail the test, and
// still far below what an O(n) operation on a million entries takes.
const streamsLargeBound = 50 * time.Millisecond

// streamsLargeCalls is how many times each operation is timed.
const streamsLargeCalls = 7

// TestStreamLarge is the 1,000,000-entry stream, through the
// server, on memory, on bolt with sync = "none" (the tests' setting) and
// on bolt with sync = "always" (the default: every write through the
// write-ahead log's fdatasync). It loads the stream with pipelined XADDs,
// then times, streamsLargeCalls times each, what must not grow with the
// stream: XADD, XRANGE and XREVRANGE of 10 from the middle, XLEN, XINFO
// STREAM, XREAD of 10, XREADGROUP COUNT 10 through a group placed in the
// middle and XACK of what it read, XDEL, XTRIM MAXLEN ~ 1000 (Redis's
// default LIMIT: at most 100 nodes' worth, 10,000 entries, a call) and
// DEL of a huge stream (the stream, then two copies restored from its
// DUMP); each median must stay under streamsLargeBound on top of what a
// SET takes on the same server (a commit: with sync = "always" the
// log's fdatasync). The figures are logged (-v). Under the race detector
// the stream has 100,000 entries and the times are not checked. On bolt
// it has 200,000 unless REDPOOL_LARGE=1:
//
//	REDPOOL_LARGE=1 go test -run 'TestStreamLarge$' -v -timeout 60m ./cmd/redpool/server
func TestStreamLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds streams of 1,000,000 entries")
	}
	size := func(backend string) int {
		switch {
		case raceEnabled:
			return 100_000
		case strings.HasPrefix(backend, "bolt") && os.Getenv("REDPOOL_LARGE") != "1":
			// Loading and restoring a million entries on bolt takes
			// minutes (about 20 for the whole test on the loaded
			// machine): REDPOOL_LARGE=1 for the figure.
			return 200_000
		}
		return 1_000_000
	}
	var cases []servertest.Backend
	for _, b := range servertest.Backends() {
		cases = append(cases, b)
		if b.Name == "bolt" {
			apply := b.Apply
			cases = append(cases, servertest.Backend{Name: "bolt-always", Apply: func(c *config.Config) {
				apply(c)
				c.Bolt.Sync = config.BoltSyncAlways
			}})
		}
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			n := size(tc.Name)
			s := servertest.Start(t, servertest.WithConfig(tc.Apply))
			c := servertest.Dial(t, s.Addr)
			start := time.Now()
			loadStream(t, c, "big", 1, n)
			t.Logf("%-22s %v (%.0f entries/s)", "XADD x"+strconv.Itoa(n), time.Since(start), float64(n)/time.Since(start).Seconds())
			c.Expect(wire.Int(int64(n)), "XLEN", "big")
			half := n / 2
			mid := strconv.Itoa(half) + "-0"
			// What any write costs here, whatever the stream: under sync =
			// "always", the log's fdatasync (milliseconds on a loaded
			// disk). The bounds are on top of it.
			commit := streamsLargeCommit(t, c)
			dump := streamsLargeBulk(t, c.Do("DUMP", "big"))
			c.Expect("+OK\r\n", "XGROUP", "CREATE", "big", "g", mid)
			read := 0 // entries the group has read: mid+1 ... mid+read
			ackArgs := func() []string {
				args := []string{"XACK", "big", "g"}
				for j := half + read - 9; j <= half+read; j++ {
					args = append(args, strconv.Itoa(j)+"-0")
				}
				return args
			}
			steps := []struct {
				name string
				args func(i int) []string
				want func(reply string) bool
			}{
				{"XADD", streamsLargeArgs("XADD", "big", "*", "field", "value"), streamsLargePrefix("$")},
				{"XRANGE 10", streamsLargeArgs("XRANGE", "big", mid, "+", "COUNT", "10"), streamsLargePrefix("*10\r\n")},
				{"XREVRANGE 10", streamsLargeArgs("XREVRANGE", "big", mid, "-", "COUNT", "10"), streamsLargePrefix("*10\r\n")},
				{"XLEN", streamsLargeArgs("XLEN", "big"), streamsLargePrefix(":")},
				{"XINFO STREAM", streamsLargeArgs("XINFO", "STREAM", "big"), streamsLargePrefix("*")},
				{"XREAD 10", streamsLargeArgs("XREAD", "COUNT", "10", "STREAMS", "big", mid), streamsLargePrefix("*1\r\n")},
				{"XREADGROUP 10", func(int) []string {
					read += 10
					return []string{"XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", "big", ">"}
				}, streamsLargePrefix("*1\r\n")},
				{"XACK 10", func(int) []string { return ackArgs() }, streamsLargePrefix(":10\r\n")},
				{"XDEL", func(i int) []string { return []string{"XDEL", "big", strconv.Itoa(half-100-i) + "-0"} }, streamsLargePrefix(":1\r\n")},
				{"XTRIM MAXLEN ~ 1000", streamsLargeArgs("XTRIM", "big", "MAXLEN", "~", "1000"), func(reply string) bool {
					// Whole nodes, up to LIMIT's 10,000 entries.
					n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(reply, ":"), "\r\n"))
					return err == nil && n > 9_000 && n <= 10_000
				}},
			}
			// XREADGROUP and XACK alternate: each XACK acknowledges what
			// the XREADGROUP before it read.
			for _, st := range steps {
				if st.name == "XACK 10" {
					continue
				}
				var ackTimes []time.Duration
				times := make([]time.Duration, 0, streamsLargeCalls)
				for i := range streamsLargeCalls {
					args := st.args(i)
					start := time.Now()
					reply := c.Do(args...)
					times = append(times, time.Since(start))
					if !st.want(reply) {
						t.Fatalf("%s: %q", strings.Join(args, " "), streamsLargeTruncate(reply, 200))
					}
					if st.name == "XREADGROUP 10" {
						args := ackArgs()
						start := time.Now()
						reply := c.Do(args...)
						ackTimes = append(ackTimes, time.Since(start))
						if reply != ":10\r\n" {
							t.Fatalf("%s: %q", strings.Join(args, " "), reply)
						}
					}
				}
				// (On bolt, XTRIM's 100 nodes go behind the stream's trim
				// floor, O(nodes): the sweeper deletes their 10,000 keys
				// in the background.)
				streamsLargeCheckBound(t, st.name, times, streamsLargeBound+commit)
				if ackTimes != nil {
					streamsLargeCheckBound(t, "XACK 10", ackTimes, streamsLargeBound+commit)
				}
			}
			// DEL of the stream as it is now, then of two copies of it as
			// loaded, restored from a DUMP taken before the trims. A SET
			// just before each DEL shows what any write costs at that
			// moment (on bolt, the sweeper deleting the last DEL's
			// million keys and the log's checkpoint after a RESTORE
			// share the writer and the disk), logged with the sweeper's
			// backlog.
			times := make([]time.Duration, 0, 3)
			for i := range 3 {
				if i > 0 {
					start := time.Now()
					c.Write(servertestCommand("RESTORE", "big", "0", dump))
					// A million keys written in one bolt transaction take
					// longer than Read waits on a loaded machine.
					if r, err := c.TryRead(10 * time.Minute); err != nil || r != "+OK\r\n" {
						t.Fatalf("RESTORE of the DUMP of the whole stream: %q, %v", streamsLargeTruncate(r, 200), err)
					}
					if i == 1 {
						t.Logf("%-22s %v (%d bytes)", "RESTORE "+strconv.Itoa(n), time.Since(start), len(dump))
					}
				}
				start := time.Now()
				c.Expect("+OK\r\n", "SET", "small", "x")
				set := time.Since(start)
				pending := streamsLargeInfoField(c, "lazyfree_pending_objects")
				start = time.Now()
				c.Expect(wire.Int(1), "DEL", "big")
				times = append(times, time.Since(start))
				t.Logf("%-22s %v (a SET just before: %v; lazyfree_pending_objects %s)", "DEL "+strconv.Itoa(i+1), times[i], set, pending)
			}
			streamsLargeCheckBound(t, "DEL", times, streamsLargeBound+commit)
		})
	}
}

// streamsLargeCommit returns the median time of a SET of a small key on
// c's server: the cost of a write's commit, logged.
func streamsLargeCommit(t *testing.T, c *servertest.Conn) time.Duration {
	t.Helper()
	times := make([]time.Duration, 0, streamsLargeCalls)
	for range streamsLargeCalls {
		start := time.Now()
		c.Expect("+OK\r\n", "SET", "small", "x")
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	t.Logf("%-22s median %v, max %v (%d calls): the bounds are on top of it", "SET (a commit)", times[len(times)/2], times[len(times)-1], len(times))
	return times[len(times)/2]
}

// streamsLargeCheckBound logs the median and the slowest of times, and
// fails the test if the median passes bound (unless under the race
// detector).
func streamsLargeCheckBound(t *testing.T, name string, times []time.Duration, bound time.Duration) {
	t.Helper()
	slices.Sort(times)
	med := times[len(times)/2]
	t.Logf("%-22s median %v, max %v (%d calls)", name, med, times[len(times)-1], len(times))
	if med > bound && !raceEnabled {
		t.Errorf("%s: median %v over %d calls, more than %v", name, med, len(times), bound)
	}
}

// streamsLargeInfoField returns field's value in INFO's reply on c.
func streamsLargeInfoField(c *servertest.Conn, field string) string {
	for _, line := range strings.Split(c.Do("INFO"), "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	return "?"
}

// streamsLargeBulk returns the string of a bulk reply.
func streamsLargeBulk(t *testing.T, reply string) string {
	t.Helper()
	nl := strings.Index(reply, "\r\n")
	n, err := strconv.Atoi(reply[min(1, len(reply)):max(nl, 0)])
	if !strings.HasPrefix(reply, "$") || err != nil || len(reply) != nl+2+n+2 {
		t.Fatalf("not a bulk reply: %q", streamsLargeTruncate(reply, 200))
	}
	return reply[nl+2 : nl+2+n]
}

// streamsLargeArgs returns a step's arguments: the same every call.
func streamsLargeArgs(args ...string) func(int) []string { return func(int) []string { return args } }

// streamsLargePrefix returns a check that a reply starts with p.
func streamsLargePrefix(p string) func(string) bool {
	return func(reply string) bool { return strings.HasPrefix(reply, p) }
}

// streamsLargeTruncate returns s cut to n bytes.
func streamsLargeTruncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// loadStream adds entries from-0 ... to-0 to key, 1000 pipelined XADDs at
// a time.
func loadStream(t *testing.T, c *servertest.Conn, key string, from, to int) {
	t.Helper()
	const batch = 1000
	for i := from; i <= to; i += batch {
		var sb strings.Builder
		for j := i; j < i+batch && j <= to; j++ {
			id := strconv.Itoa(j) + "-0"
			sb.WriteString(servertestCommand("XADD", key, id, "field", "value:"+strconv.Itoa(j), "n", strconv.Itoa(j%1000)))
		}
		c.Write(sb.String())
		for j := i; j < i+batch && j <= to; j++ {
			if r := c.Read(); r[0] != '$' {
				t.Fatalf("XADD %s %d: %q", key, j, r)
			}
		}
	}
}

// servertestCommand encodes args as a RESP command.
func servertestCommand(args ...string) string {
	var sb strings.Builder
	sb.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		sb.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return sb.String()
}
