package command

import (
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/memory"
)

// durabilityTestEngine is an engine with no AOF whose engine reports every
// write it acknowledges to a Durability on a manual clock.
func durabilityTestEngine(t *testing.T) (*Engine, *Ctx, *Durability, *backend.ManualClock) {
	t.Helper()
	clk := backend.NewManualClock(time.Unix(1_700_000_000, 0))
	m := memory.New(memory.Options{ExpiryInterval: -1, Clock: clk})
	t.Cleanup(func() { _ = m.Close() })
	d := NewDurability(DurabilityOptions{Clock: clk, EngineAcks: true})
	e, err := NewEngine(Options{Backend: m, Clock: clk, Durability: d})
	if err != nil {
		t.Fatal(err)
	}
	return e, e.NewCtx(e.NewClient("a", "b"), nil), d, clk
}

// durabilityInfo returns the ack_not_durable_* lines of INFO persistence.
func durabilityInfo(t *testing.T, e *Engine, c *Ctx) string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(execLine(e, c, "INFO persistence"), "\r\n") {
		if strings.HasPrefix(line, "ack_not_durable_") {
			out = append(out, line)
		}
	}
	return strings.Join(out, " ")
}

// TestDurabilityWindows: writes acknowledged before a durability point
// are recorded at the window of the oldest of them when it ends; a failed
// point leaves them waiting; the longest window counts the writes still
// waiting; CONFIG RESETSTAT forgets the record.
func TestDurabilityWindows(t *testing.T) {
	e, c, d, clk := durabilityTestEngine(t)
	check := func(want string) {
		t.Helper()
		if got := durabilityInfo(t, e, c); got != want {
			t.Fatalf("INFO: %s\nwant: %s", got, want)
		}
	}
	check("ack_not_durable_p99_us:0 ack_not_durable_max_us:0 ack_not_durable_writes:0")
	execLine(e, c, "SET a 1")
	execLine(e, c, "GET a") // a read acknowledges no write
	clk.Advance(300 * time.Millisecond)
	execLine(e, c, "SET b 2")
	check("ack_not_durable_p99_us:0 ack_not_durable_max_us:300000 ack_not_durable_writes:2")

	d.Syncing()
	execLine(e, c, "SET c 3") // after the point began: waits for the next
	clk.Advance(200 * time.Millisecond)
	d.Synced(true) // a and b: 500 ms for the oldest
	check("ack_not_durable_p99_us:501759 ack_not_durable_max_us:500000 ack_not_durable_writes:3")

	d.Syncing()
	clk.Advance(time.Second)
	d.Synced(false) // c waits on
	check("ack_not_durable_p99_us:501759 ack_not_durable_max_us:1200000 ack_not_durable_writes:3")
	d.Syncing()
	d.Synced(true)
	check("ack_not_durable_p99_us:1204223 ack_not_durable_max_us:1200000 ack_not_durable_writes:3")

	if got := execLine(e, c, "CONFIG RESETSTAT"); got != "+OK\r\n" {
		t.Fatalf("CONFIG RESETSTAT: %q", got)
	}
	check("ack_not_durable_p99_us:0 ack_not_durable_max_us:0 ack_not_durable_writes:0")
}

// TestDurabilityNotReported: an engine without a Durability reports no
// ack_not_durable_* field, and one whose AOF reports acknowledgements
// (EngineAcks false) counts nothing by itself.
func TestDurabilityNotReported(t *testing.T) {
	e, c, _ := listTestEngine(t)
	if got := durabilityInfo(t, e, c); got != "" {
		t.Errorf("INFO without Durability: %s", got)
	}
	e.durability = NewDurability(DurabilityOptions{})
	execLine(e, c, "SET a 1")
	if got := durabilityInfo(t, e, c); got != "ack_not_durable_p99_us:0 ack_not_durable_max_us:0 ack_not_durable_writes:0" {
		t.Errorf("INFO: %s", got)
	}
}

// TestDurabilityHistLimits: the histogram's largest value has a slot.
func TestDurabilityHistLimits(t *testing.T) {
	if i := histIndex(durHistMax); i >= durHistLen {
		t.Fatalf("histIndex(durHistMax) = %d, durHistLen = %d", i, durHistLen)
	}
	var h durHist
	h.record(1<<50, 3)
	if got := h.percentile(99); got < durHistMax {
		t.Errorf("p99 of a clamped value = %d", got)
	}
}

// TestDurabilityAckAllocs: acknowledging does not allocate.
func TestDurabilityAckAllocs(t *testing.T) {
	d := NewDurability(DurabilityOptions{})
	if n := testing.AllocsPerRun(1000, func() { d.Acked(1) }); n != 0 {
		t.Errorf("Acked allocates %v times", n)
	}
}

// BenchmarkDurabilitySet is BenchmarkSet with the engine reporting each
// write to a Durability (snapshots, no persistence, bbolt without
// sync = always): one uncontended mutex per write, no allocation.
func BenchmarkDurabilitySet(b *testing.B) {
	e, c := benchEngine(b)
	e.durability = NewDurability(DurabilityOptions{EngineAcks: true})
	benchExec(b, e, c, benchArgs("SET", "key:000001", "value-of-sixteen"), "+OK\r\n")
}

// BenchmarkDurabilityIncr is BenchmarkIncr with a Durability, as above.
func BenchmarkDurabilityIncr(b *testing.B) {
	e, c := benchEngine(b)
	e.durability = NewDurability(DurabilityOptions{EngineAcks: true})
	benchExec(b, e, c, benchArgs("INCR", "counter"), ":1\r\n")
}
