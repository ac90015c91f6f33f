package command

import (
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/bolt"
	"redpool/backend/memory"
)

// TestStreamIDTextFormat: XADD's id text keeps the digits of the last ms
// and formats only the seq while the ms stays.
func TestStreamIDTextFormat(t *testing.T) {
	var txt streamIDText
	for _, id := range []backend.StreamID{
		{Ms: 1700000000000}, {Ms: 1700000000000, Seq: 1}, {Ms: 1700000000000, Seq: 12345},
		{Ms: 1700000000001}, {}, {Seq: 9}, {Ms: 5, Seq: math.MaxUint64},
		backend.MaxStreamID, {Ms: math.MaxUint64, Seq: 3}, {Ms: 1700000000000, Seq: 2},
	} {
		if got, want := string(txt.format(id)), id.String(); got != want {
			t.Errorf("format(%v) = %q, want %q", id, got, want)
		}
	}
}

// xaddTickClock is a clock that moves 1 ms forward at every reading, so
// that each reading shows in the ids XADD takes. Safe for concurrent use.
type xaddTickClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *xaddTickClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Millisecond)
	return c.now
}

// TestStreamXAddRunOneClockReading: the XADDs of one pipelined run on a
// stream (one transaction) take their ms from one clock reading, with
// consecutive seqs, as Redis 7.2's commandTimeSnapshot; XADDs run one by
// one read the clock each, and the ids keep growing across runs.
func TestStreamXAddRunOneClockReading(t *testing.T) {
	open := map[string]func(t *testing.T, clk backend.Clock) backend.Backend{
		"memory": func(t *testing.T, clk backend.Clock) backend.Backend {
			return memory.New(memory.Options{Clock: clk, ExpiryInterval: -1})
		},
		"bolt": func(t *testing.T, clk backend.Clock) backend.Backend {
			b, err := bolt.Open(bolt.Options{Path: filepath.Join(t.TempDir(), "db"), Sync: bolt.SyncNone, Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
	}
	idRE := regexp.MustCompile(`\$\d+\r\n(\d+)-(\d+)\r\n`)
	for name, openB := range open {
		t.Run(name, func(t *testing.T) {
			clk := &xaddTickClock{now: time.UnixMilli(1_700_000_000_000)}
			b := openB(t, clk)
			t.Cleanup(func() { _ = b.Close() })
			c, _ := newLoggedCtx(t, b, clk)
			e := c.Engine()
			ids := func(out string) [][2]uint64 {
				var r [][2]uint64
				for _, m := range idRE.FindAllStringSubmatch(out, -1) {
					ms, _ := strconv.ParseUint(m[1], 10, 64)
					seq, _ := strconv.ParseUint(m[2], 10, 64)
					r = append(r, [2]uint64{ms, seq})
				}
				return r
			}
			var last [2]uint64
			for round := range 3 {
				run := [][][]byte{benchArgs("XADD", "s", "*", "f", "1"), benchArgs("XADD", "s", "*", "f", "2"), benchArgs("XADD", "s", "*", "f", "3")}
				if n := e.SharedRun(c, run); n != len(run) {
					t.Fatalf("SharedRun = %d, want %d", n, len(run))
				}
				e.ExecShared(c, run)
				got := ids(string(c.Out()))
				c.Reset()
				if len(got) != 3 {
					t.Fatalf("round %d: %d ids in the replies", round, len(got))
				}
				for i, id := range got {
					if id != [2]uint64{got[0][0], uint64(i)} {
						t.Errorf("round %d: ids %v: not one ms with seqs 0, 1, 2", round, got)
						break
					}
				}
				if got[0][0] <= last[0] {
					t.Errorf("round %d: ms %d after %d", round, got[0][0], last[0])
				}
				last = got[2]
				// One by one: a transaction, and a clock reading, each.
				one := ids(execAll(c, "XADD s * f 4", "XADD s * f 5"))
				if len(one) != 2 || one[0][0] <= last[0] || one[1][0] <= one[0][0] || one[0][1] != 0 || one[1][1] != 0 {
					t.Errorf("round %d: ids one by one %v after %v", round, one, last)
				}
				last = one[1]
			}
		})
	}
}
