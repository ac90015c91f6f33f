package server_test

import (
	"strconv"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// TestSetLarge builds a set of 200,000 members on each backend and times
// the operations whose cost must not grow with the set (SISMEMBER, SADD,
// SREM, SRANDMEMBER and SPOP of a few, DEL), logging the figures. The
// bound checked is loose (a second each, against a few milliseconds
// measured) so that a loaded machine cannot make it flake; an O(n) walk
// of 200,000 members per call over many calls would still exceed it.
func TestSetLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a set of 200,000 members")
	}
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		c := servertest.Dial(t, s.Addr)
		const n, batch = 200_000, 1000
		for i := 0; i < n; i += batch {
			args := []string{"SADD", "big"}
			for j := i; j < i+batch; j++ {
				args = append(args, "member:"+strconv.Itoa(j))
			}
			c.Expect(wire.Int(batch), args...)
		}
		c.Expect(wire.Int(n), "SCARD", "big")
		mid := "member:" + strconv.Itoa(n/2)
		timeSteps(t, c, "set", n, []largeStep{
			{"SISMEMBER", []string{"SISMEMBER", "big", mid}},
			{"SMISMEMBER", []string{"SMISMEMBER", "big", mid, "nope"}},
			{"SADD", []string{"SADD", "big", "new"}},
			{"SREM", []string{"SREM", "big", "new"}},
			{"SRANDMEMBER", []string{"SRANDMEMBER", "big"}},
			{"SRANDMEMBER 10", []string{"SRANDMEMBER", "big", "10"}},
			{"SRANDMEMBER -10", []string{"SRANDMEMBER", "big", "-10"}},
			{"SPOP", []string{"SPOP", "big"}},
			{"SPOP 10", []string{"SPOP", "big", "10"}},
			{"SSCAN", []string{"SSCAN", "big", "0"}},
		})
		start := time.Now()
		c.Expect(wire.Int(1), "DEL", "big")
		t.Logf("%-18s %v", "DEL", time.Since(start))
	})
}

// largeStep is one command a large-collection test times.
type largeStep struct {
	name string
	args []string
}

// timeSteps runs each step 20 times on c, logs the time per call and
// fails a step slower than a second per call on a collection (what) of n
// elements: loose, so that a loaded machine cannot make it flake, while an
// O(n) walk per call would still exceed it.
func timeSteps(t *testing.T, c *servertest.Conn, what string, n int, steps []largeStep) {
	t.Helper()
	for _, step := range steps {
		const calls = 20
		start := time.Now()
		for range calls {
			c.Do(step.args...)
		}
		per := time.Since(start) / calls
		t.Logf("%-18s %v per call", step.name, per)
		if per > time.Second {
			t.Errorf("%s took %v per call on a %s of %d", step.name, per, what, n)
		}
	}
}
