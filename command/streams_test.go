package command

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/backend"
)

// Tests of the stream core commands inside the command package, on both
// backends with a ManualClock: the ids XADD takes from the clock (and
// when the clock goes back), what the commands log to the AOF, and XINFO
// STREAM FULL with groups built through the backend primitives.
// Everything else is compared with a real Redis in
// cmd/redpool/server/diff_streams_test.go.

// TestStreamClockIDs: "*" takes the clock's ms with seq 0, then the next
// seq within the same ms, and keeps growing when the clock goes back;
// "ms-*" takes the next seq of ms.
func TestStreamClockIDs(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		c, _ := newLoggedCtx(t, b, clk)
		for _, step := range []struct {
			cmd, want string
			advance   time.Duration
		}{
			{"XADD s * f v", "$15\r\n1700000000000-0\r\n", 0},
			{"XADD s * f v", "$15\r\n1700000000000-1\r\n", 0},
			{"XADD s * f v", "$15\r\n1700000000005-0\r\n", 5 * time.Millisecond},
			{"XADD s * f v", "$15\r\n1700000000005-1\r\n", -time.Second}, // the clock went back
			{"XADD s 1700000000005-* f v", "$15\r\n1700000000005-2\r\n", 0},
			{"XADD s 1700000000006-* f v", "$15\r\n1700000000006-0\r\n", 0},
			{"XADD s * f v", "$15\r\n1700000000006-1\r\n", 0},
			{"XADD s * f v", "$15\r\n1700000001005-0\r\n", 2 * time.Second},
			{"XADD s 1700000001004-* f v", "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n", 0},
			{"XLEN s", ":8\r\n", 0},
		} {
			clk.Advance(step.advance)
			if got := execAll(c, step.cmd); got != step.want {
				t.Errorf("%s: %q, want %q", step.cmd, got, step.want)
			}
		}
	})
}

// TestStreamPropagation checks what the stream commands log: XADD with the
// id it added, approximate trims as exact ones with the threshold reached
// and no LIMIT (so that a replay trims as much), nothing for what changed
// nothing.
func TestStreamPropagation(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		c, log := newLoggedCtx(t, b, clk)
		execAll(c, "CONFIG SET stream-node-max-entries 2")
		log.take()
		for _, tc := range []struct {
			cmd  string
			want []string
		}{
			{"XADD s * f v", []string{"0: XADD s 1700000000000-0 f v"}},
			{"XADD s 5-* f v", nil},
			{"XADD s 1700000000000-* f v", []string{"0: XADD s 1700000000000-1 f v"}},
			{"XADD s NOMKSTREAM 1700000000001 f v", []string{"0: XADD s NOMKSTREAM 1700000000001 f v"}},
			{"XADD nokey NOMKSTREAM * f v", nil},
			{"XADD s 1700000000002-0 f v", []string{"0: XADD s 1700000000002-0 f v"}},
			{"XADD s MAXLEN ~ 1 LIMIT 10 1700000000003-0 f v", []string{"0: XADD s MAXLEN = 1 1700000000003-0 f v"}},
			{"XADD s MAXLEN = 4 1700000000004-0 f v", []string{"0: XADD s MAXLEN = 4 1700000000004-0 f v"}},
			{"XADD s MINID ~ 1700000000004 * f v", []string{"0: XADD s MINID = 1700000000003-0 1700000000004-1 f v"}},
			{"XTRIM s MAXLEN 100", nil},
			{"XTRIM s MAXLEN ~ 0", []string{"0: XTRIM s MAXLEN = 0"}},
			{"XTRIM s MINID 1700000000005", nil}, // empty already
			{"XDEL s 1-1", nil},
			{"XADD s 9-* f v", nil},
			{"XADD s 1800000000000-0 f v", []string{"0: XADD s 1800000000000-0 f v"}},
			{"XDEL s 1800000000000-0 1-1", []string{"0: XDEL s 1800000000000-0 1-1"}},
			{"XSETID s 1900000000000-0", []string{"0: XSETID s 1900000000000-0"}},
			{"XSETID s 1-0", []string{"0: XSETID s 1-0"}}, // allowed: the stream is empty
			{"XADD s 1-0 f v", nil},
			{"XREAD STREAMS s 0", nil},
			{"XREAD BLOCK 0 STREAMS s $", nil}, // no connection: as a timeout
		} {
			reply := execAll(c, tc.cmd)
			got := log.take()
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("%s (reply %q): logged %q, want %q", tc.cmd, reply, got, tc.want)
			}
		}
	})
}

// TestStreamInfoFull: XINFO STREAM FULL shows the groups, their PEL and
// consumers from the backend, COUNT bounding every list, and the lag.
func TestStreamInfoFull(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		c, _ := newLoggedCtx(t, b, clk)
		execAll(c, "XADD s 1-0 a 1", "XADD s 2-0 b 2", "XADD s 3-0 c 3")
		err := b.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
			if _, err := tx.XSetGroup([]byte("s"), backend.StreamGroup{Name: []byte("g"), LastID: backend.StreamID{Ms: 2}, EntriesRead: 2}); err != nil {
				return err
			}
			if _, err := tx.XSetGroup([]byte("s"), backend.StreamGroup{Name: []byte("h"), EntriesRead: -1}); err != nil {
				return err
			}
			if _, err := tx.XSetConsumer([]byte("s"), []byte("g"), backend.StreamConsumer{Name: []byte("alice"), SeenTime: 1700000000000}); err != nil {
				return err
			}
			for _, id := range []uint64{1, 2} {
				p := backend.StreamPending{ID: backend.StreamID{Ms: id}, Consumer: []byte("alice"), DeliveryTime: 1700000000000 + int64(id), DeliveryCount: int64(id)}
				if err := tx.XSetPending([]byte("s"), []byte("g"), p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got := execAll(c, "XINFO STREAM s FULL COUNT 1")
		want := "*18\r\n" +
			"$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n" +
			"$17\r\nlast-generated-id\r\n$3\r\n3-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n" +
			"$13\r\nentries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-0\r\n" +
			"$7\r\nentries\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n" +
			"$6\r\ngroups\r\n*2\r\n" +
			"*14\r\n$4\r\nname\r\n$1\r\ng\r\n$17\r\nlast-delivered-id\r\n$3\r\n2-0\r\n$12\r\nentries-read\r\n:2\r\n" +
			"$3\r\nlag\r\n:1\r\n$9\r\npel-count\r\n:2\r\n$7\r\npending\r\n*1\r\n*4\r\n$3\r\n1-0\r\n$5\r\nalice\r\n:1700000000001\r\n:1\r\n" +
			"$9\r\nconsumers\r\n*1\r\n*8\r\n$4\r\nname\r\n$5\r\nalice\r\n$9\r\nseen-time\r\n:1700000000000\r\n" +
			"$9\r\npel-count\r\n:2\r\n$7\r\npending\r\n*1\r\n*3\r\n$3\r\n1-0\r\n:1700000000001\r\n:1\r\n" +
			"*14\r\n$4\r\nname\r\n$1\r\nh\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n" +
			"$3\r\nlag\r\n:3\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n$9\r\nconsumers\r\n*0\r\n"
		if got != want {
			t.Errorf("XINFO STREAM s FULL COUNT 1:\n got %q\nwant %q", got, want)
		}
		if got := execAll(c, "XINFO STREAM s"); !strings.Contains(got, "$6\r\ngroups\r\n:2\r\n") {
			t.Errorf("XINFO STREAM s: %q", got)
		}
	})
}

// BenchmarkXAdd is XADD s * f v: ids from the clock, entries appended to
// the tail node and new nodes every 100 entries.
func BenchmarkXAdd(b *testing.B) {
	e, c := benchEngine(b)
	args := benchArgs("XADD", "s", "*", "field", "value")
	b.ReportAllocs()
	report := streamsCPUMetric(b)
	for b.Loop() {
		e.Exec(c, args)
		c.Reset()
	}
	report()
}

// BenchmarkXRange10 is XRANGE of 10 entries from the middle of 10,000.
func BenchmarkXRange10(b *testing.B) {
	e, c := benchEngine(b)
	for i := 1; i <= 10000; i++ {
		e.Exec(c, benchArgs("XADD", "s", strconv.Itoa(i), "field", "value"))
		c.Reset()
	}
	args := benchArgs("XRANGE", "s", "5000", "+", "COUNT", "10")
	b.ReportAllocs()
	report := streamsCPUMetric(b)
	for b.Loop() {
		e.Exec(c, args)
		c.Reset()
	}
	report()
}
