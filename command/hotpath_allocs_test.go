package command

import (
	"bytes"
	"testing"
)

// TestHotPathAllocs fails when the whole dispatcher path of GET, SET and
// INCR (lookup, checks, transaction, handler, statistics, reply) on the
// memory backend allocates more than it does today: nothing for GET and
// INCR, the stored copy of the value for SET. BenchmarkGet, BenchmarkSet
// and BenchmarkIncr measure the same paths' time.
func TestHotPathAllocs(t *testing.T) {
	_, c := newMemoryCtx(t)
	e := c.Engine()
	e.Exec(c, benchArgs("SET", "key:000001", "value-of-sixteen"))
	c.Reset()
	for _, tc := range []struct {
		args   [][]byte
		reply  string
		allocs float64
	}{
		{benchArgs("GET", "key:000001"), "$16\r\nvalue-of-sixteen\r\n", 0},
		{benchArgs("SET", "key:000002", "value-of-sixteen"), "+OK\r\n", 1},
		{benchArgs("INCR", "counter"), "", 0},
	} {
		e.Exec(c, tc.args)
		if got := c.Out(); tc.reply != "" && !bytes.Equal(got, []byte(tc.reply)) {
			t.Fatalf("%s: got %q, want %q", tc.args[0], got, tc.reply)
		}
		c.Reset()
		n := testing.AllocsPerRun(1000, func() {
			e.Exec(c, tc.args)
			c.Reset()
		})
		if n > tc.allocs {
			t.Errorf("%s allocates %.1f times per call, want at most %.0f", tc.args[0], n, tc.allocs)
		}
	}
}
