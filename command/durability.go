package command

import (
	"sync"
	"time"

	"redpool/backend"
)

// Durability measures how long acknowledged writes stay not durable: the
// window between a write's reply and the moment a power cut could no
// longer lose it (the AOF fsync that covered it, the bbolt fsync after its
// commit, the completion of the snapshot that holds it). INFO persistence
// reports it as ack_not_durable_p99_us, ack_not_durable_max_us and
// ack_not_durable_writes (see Info).
//
// The layers that make writes durable report to it through the
// fsutil.DurabilityRecorder methods, in groups, never per write: Acked(n)
// when n writes were acknowledged while not durable, Syncing when a
// durability point begins that covers every write acknowledged so far,
// Synced when it ends. A group is recorded when its point ends, at the
// window of its oldest write (the first Acked of the group), counted once
// per write: the percentiles are upper bounds, never shorter than the real
// windows. Under appendfsync always nothing is reported (a reply waits for
// its fsync), so every figure stays 0.
//
// Safe for concurrent use. Acked takes a mutex and reads the clock only
// for the first write of a group: it does not allocate.
type Durability struct {
	clock      backend.Clock
	engineAcks bool

	mu     sync.Mutex
	open   durGroup // acknowledged, not covered by a durability point yet
	flight durGroup // covered by the durability point in progress
	hist   durHist
	writes int64 // acknowledged while not durable, since start or RESETSTAT
	max    int64 // longest recorded window, µs
}

// durGroup is writes acknowledged while not durable: how many, and when
// the first of them was acknowledged.
type durGroup struct {
	n     int64
	since time.Time
}

// DurabilityOptions configure a Durability.
type DurabilityOptions struct {
	// Clock times the windows (nil: the system clock).
	Clock backend.Clock
	// EngineAcks: the engine reports every write it acknowledges (Acked,
	// after the write is applied): when no AOF reports them, that is with
	// snapshots, without persistence (nothing ever becomes durable) and
	// with bbolt when its commits are not fsynced before the reply.
	EngineAcks bool
}

// NewDurability returns a Durability with nothing recorded.
func NewDurability(o DurabilityOptions) *Durability {
	if o.Clock == nil {
		o.Clock = backend.SystemClock{}
	}
	return &Durability{clock: o.Clock, engineAcks: o.EngineAcks}
}

// Acked records n writes acknowledged now and not durable yet.
func (d *Durability) Acked(n int64) {
	d.mu.Lock()
	if d.open.n == 0 {
		d.open.since = d.clock.Now()
	}
	d.open.n += n
	d.writes += n
	d.mu.Unlock()
}

// Syncing begins a durability point covering every write Acked so far. If
// one is still in progress (it should not be), the two are merged.
func (d *Durability) Syncing() {
	d.mu.Lock()
	d.flight = d.flight.merge(d.open)
	d.open = durGroup{}
	d.mu.Unlock()
}

// Synced ends the durability point: its writes are recorded as durable
// now if ok; otherwise they wait for the next point.
func (d *Durability) Synced(ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	g := d.flight
	d.flight = durGroup{}
	if g.n == 0 {
		return
	}
	if !ok {
		d.open = d.open.merge(g)
		return
	}
	us := max(d.clock.Now().Sub(g.since).Microseconds(), 0)
	d.hist.record(us, g.n)
	d.max = max(d.max, us)
}

// merge returns the writes of g and o together.
func (g durGroup) merge(o durGroup) durGroup {
	switch {
	case o.n == 0:
		return g
	case g.n == 0 || o.since.Before(g.since):
		return durGroup{n: g.n + o.n, since: o.since}
	default:
		return durGroup{n: g.n + o.n, since: g.since}
	}
}

// engineAcked records one write the engine acknowledges on c, if the
// engine reports them (DurabilityOptions.EngineAcks). d may be nil. While
// c runs a batch the writes add up in c and are recorded together when
// its statistics are published (batchStats), before any reply goes: one
// lock per batch instead of one per write.
func (d *Durability) engineAcked(c *Ctx) {
	if d == nil || !d.engineAcks {
		return
	}
	if c.batching() {
		c.pending.acked++
		return
	}
	d.Acked(1)
}

// Reset forgets what was recorded (CONFIG RESETSTAT); writes still not
// durable are kept, counted again from now. d may be nil.
func (d *Durability) Reset() {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.hist = durHist{}
	d.max = 0
	d.writes = d.open.n + d.flight.n
}

// DurabilityFigures are what Durability measured.
type DurabilityFigures struct {
	// P99 is the 99th percentile of the windows recorded; Max the longest,
	// counting the writes still not durable as of now.
	P99, Max time.Duration
	// Writes is how many writes were acknowledged while not durable.
	Writes int64
}

// Figures returns what was measured since start or CONFIG RESETSTAT.
func (d *Durability) Figures() DurabilityFigures {
	d.mu.Lock()
	defer d.mu.Unlock()
	maxUS := d.max
	now := d.clock.Now()
	for _, g := range [2]durGroup{d.open, d.flight} {
		if g.n > 0 {
			maxUS = max(maxUS, now.Sub(g.since).Microseconds())
		}
	}
	return DurabilityFigures{
		P99:    time.Duration(d.hist.percentile(99)) * time.Microsecond,
		Max:    time.Duration(maxUS) * time.Microsecond,
		Writes: d.writes,
	}
}

// Info returns the INFO persistence fields: ack_not_durable_p99_us,
// ack_not_durable_max_us (Figures) and ack_not_durable_writes.
func (d *Durability) Info() [][2]string {
	f := d.Figures()
	return [][2]string{
		{"ack_not_durable_p99_us", fmtInt(f.P99.Microseconds())},
		{"ack_not_durable_max_us", fmtInt(f.Max.Microseconds())},
		{"ack_not_durable_writes", fmtInt(f.Writes)},
	}
}

// durHist is a histogram of windows in µs, laid out as latencyHist
// (two significant digits) but reaching about 12 days, with counts per
// record. Not safe for concurrent use (Durability.mu guards it).
type durHist struct {
	total  int64
	counts [durHistLen]int64
}

const (
	durHistMax = 1<<40 - 1 // µs
	durHistLen = (40 - histSubBits + 2) * histHalf
)

func (h *durHist) record(us, n int64) {
	us = min(max(us, histMinRecording), durHistMax)
	h.counts[histIndex(us)] += n
	h.total += n
}

// percentile is the value at percentile p (0..100), as latencyHist's; 0
// when nothing is recorded.
func (h *durHist) percentile(p float64) int64 {
	if h.total == 0 {
		return 0
	}
	want := max(int64(min(p, 100)/100*float64(h.total)+0.5), 1)
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= want {
			return histHighest(histValueAt(i))
		}
	}
	return 0
}
