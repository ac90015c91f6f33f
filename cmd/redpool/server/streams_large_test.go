package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// TestStreamLarge builds a stream of 1,000,000 entries on memory (200,000
// on bolt, whose XADD costs a bolt transaction each: about 2,000 a second
// here, slowing as the file grows) with pipelined XADDs and times, through the server, what must not grow
// with the stream: XADD, XRANGE and XREVRANGE of 10 entries from the
// middle, XLEN, XINFO STREAM, XDEL; then XTRIM MAXLEN ~ 1000 (Redis's
// default LIMIT of 100 nodes' worth of entries per call, then LIMIT 0 for
// the rest) and DEL of a second stream as large, logging the figures. The bounds are loose, as in TestZSetLarge.
func TestStreamLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds streams of 1,000,000 entries")
	}
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		c := servertest.Dial(t, s.Addr)
		n := 1_000_000
		if b.Name == "bolt" {
			n = 200_000
		}
		start := time.Now()
		loadStream(t, c, "big", n)
		t.Logf("%-18s %v (%.0f entries/s)", "XADD x"+strconv.Itoa(n), time.Since(start), float64(n)/time.Since(start).Seconds())
		c.Expect(wire.Int(int64(n)), "XLEN", "big")
		mid := strconv.Itoa(n/2) + "-0"
		timeSteps(t, c, "stream", n, []largeStep{
			{"XADD", []string{"XADD", "big", "*", "field", "value"}},
			{"XRANGE 10", []string{"XRANGE", "big", mid, "+", "COUNT", "10"}},
			{"XREVRANGE 10", []string{"XREVRANGE", "big", mid, "-", "COUNT", "10"}},
			{"XRANGE ( 10", []string{"XRANGE", "big", "(" + mid, "+", "COUNT", "10"}},
			{"XLEN", []string{"XLEN", "big"}},
			{"XINFO STREAM", []string{"XINFO", "STREAM", "big"}},
			{"XREAD 10", []string{"XREAD", "COUNT", "10", "STREAMS", "big", mid}},
			{"XDEL", []string{"XDEL", "big", mid}},
		})
		trim := func(args ...string) {
			t.Helper()
			start := time.Now()
			reply := c.Do(args...)
			t.Logf("%-18s %v: %s", strings.Join(args[2:], " "), time.Since(start), strings.TrimSpace(reply))
		}
		trim("XTRIM", "big", "MAXLEN", "~", "1000")
		trim("XTRIM", "big", "MAXLEN", "~", "1000", "LIMIT", "0")
		if got := c.Do("XLEN", "big"); got < ":1000\r\n" || len(got) != len(":1000\r\n") {
			t.Errorf("XLEN after XTRIM MAXLEN ~ 1000: %q", got)
		}
		loadStream(t, c, "big2", n)
		start = time.Now()
		c.Expect(wire.Int(2), "DEL", "big", "big2")
		t.Logf("%-18s %v", "DEL "+strconv.Itoa(n), time.Since(start))
	})
}

// loadStream adds entries 1-0 ... n-0 to key, 1000 pipelined XADDs at a
// time.
func loadStream(t *testing.T, c *servertest.Conn, key string, n int) {
	t.Helper()
	const batch = 1000
	for i := 1; i <= n; i += batch {
		var sb strings.Builder
		for j := i; j < i+batch && j <= n; j++ {
			id := strconv.Itoa(j) + "-0"
			sb.WriteString(servertestCommand("XADD", key, id, "field", "value:"+strconv.Itoa(j), "n", strconv.Itoa(j%1000)))
		}
		c.Write(sb.String())
		for j := i; j < i+batch && j <= n; j++ {
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
