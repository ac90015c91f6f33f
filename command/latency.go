package command

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Latency tracking (per-command histograms for INFO latencystats and
// LATENCY HISTOGRAM) and the latency monitor (LATENCY LATEST, HISTORY,
// RESET, GRAPH, DOCTOR), as Redis's latency.c.

// latency is the engine's latency state. Safe for concurrent use.
type latency struct {
	tracking    atomic.Bool  // latency-tracking
	threshold   atomic.Int64 // latency-monitor-threshold, ms; 0 = off
	percentiles atomic.Pointer[[]float64]

	mu     sync.Mutex
	events map[string]*latencyEvent
}

// latencyHistoryLen is how many samples an event keeps, as Redis's
// LATENCY_TS_LEN.
const latencyHistoryLen = 160

// latencyEvent is one event's samples: at most one per second (the
// highest), the newest latencyHistoryLen of them, and the highest ever.
type latencyEvent struct {
	samples []latencySample
	max     int64
}

type latencySample struct {
	at int64 // unix seconds
	ms int64
}

func newLatency() *latency {
	l := &latency{events: make(map[string]*latencyEvent)}
	l.tracking.Store(true)
	p := []float64{50, 99, 99.9}
	l.percentiles.Store(&p)
	return l
}

func (l *latency) params() []Param {
	return []Param{
		BoolParam("latency-tracking", &l.tracking),
		IntParam("latency-monitor-threshold", 0, 1<<63-1, l.threshold.Load, func(n int64) error {
			l.threshold.Store(n)
			return nil
		}),
		{
			Name: "latency-tracking-info-percentiles",
			Get: func() string {
				ps := *l.percentiles.Load()
				words := make([]string, len(ps))
				for i, p := range ps {
					words[i] = formatPercentile(p)
				}
				return strings.Join(words, " ")
			},
			Set: func(value string) error {
				var ps []float64
				for _, w := range strings.Split(value, " ") {
					if w == "" && value == "" {
						break
					}
					p, ok := parseCDouble(w)
					if !ok {
						return errors.New(ReasonPercentiles)
					}
					if p < 0 || p > 100 {
						return errors.New(ReasonPercentRange)
					}
					ps = append(ps, p)
				}
				l.percentiles.Store(&ps)
				return nil
			},
		},
	}
}

// parseCDouble parses a number as C's strtod does for a whole word
// (inf and nan included, which the range check then refuses).
func parseCDouble(w string) (float64, bool) {
	if w == "" || w[0] == ' ' {
		return 0, false
	}
	f, err := strconv.ParseFloat(w, 64)
	return f, err == nil
}

// formatPercentile prints p as Redis does: %f with the trailing zeros
// (and point) trimmed.
func formatPercentile(p float64) string {
	s := strconv.FormatFloat(p, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// observeSpike records a call that took took as a "command" or
// "fast-command" sample if it reached latency-monitor-threshold. (Its
// histogram, with latency-tracking on, is the command's counters':
// Ctx.charge.)
func (l *latency) observeSpike(fast bool, took time.Duration) {
	if th := l.threshold.Load(); th > 0 {
		if ms := int64(took / time.Millisecond); ms >= th {
			name := "command"
			if fast {
				name = "fast-command"
			}
			l.add(name, ms, time.Now().Unix())
		}
	}
}

// add records a sample of event, as Redis's latencyAddSample.
func (l *latency) add(event string, ms, at int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := l.events[event]
	if ev == nil {
		ev = &latencyEvent{}
		l.events[event] = ev
	}
	ev.max = max(ev.max, ms)
	if n := len(ev.samples); n > 0 && ev.samples[n-1].at == at {
		ev.samples[n-1].ms = max(ev.samples[n-1].ms, ms)
		return
	}
	if len(ev.samples) == latencyHistoryLen {
		copy(ev.samples, ev.samples[1:])
		ev.samples = ev.samples[:latencyHistoryLen-1]
	}
	ev.samples = append(ev.samples, latencySample{at: at, ms: ms})
}

// latencyStatFields is INFO latencystats: the configured percentiles of
// every command called since the last reset, in µs.
func (e *Engine) latencyStatFields() [][2]string {
	ps := *e.latency.percentiles.Load()
	var out [][2]string
	add := func(s *Spec) {
		h := s.stats.hist.Load()
		if h == nil || h.total() == 0 {
			return
		}
		var b []byte
		for i, p := range ps {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, 'p')
			b = append(b, formatPercentile(p)...)
			b = append(b, '=')
			b = strconv.AppendFloat(b, float64(h.percentile(p))/1000, 'f', 3, 64)
		}
		out = append(out, [2]string{"latency_percentiles_usec_" + s.FullName(), string(b)})
	}
	e.table.eachSpec(add)
	return out
}

func latencyCommands() []Spec {
	return []Spec{
		{Name: "latency", Arity: -2, Run: latencyCmd, Group: "server", Summary: "A container for latency diagnostics commands.", Since: "2.8.13",
			Subcommands: []Spec{
				{Name: "latest", Arity: 2, Flags: Admin | NoScript, Run: latencyLatest, Summary: "Returns the latest latency samples for all events."},
				{Name: "history", Arity: 3, Flags: Admin | NoScript, Run: latencyHistory, Summary: "Returns timestamp-latency samples for an event."},
				{Name: "reset", Arity: -2, Flags: Admin | NoScript, Run: latencyReset, Summary: "Resets the latency data for one or more events."},
				{Name: "graph", Arity: 3, Flags: Admin | NoScript, Run: latencyGraph, Summary: "Returns a latency graph for an event."},
				{Name: "doctor", Arity: 2, Flags: Admin | NoScript, Run: latencyDoctor, Summary: "Returns a human-readable latency analysis report."},
				{Name: "histogram", Arity: -2, Flags: Admin | NoScript, Run: latencyHistogram, Summary: "Returns the cumulative distribution of latencies of a subset or all commands."},
				{Name: "help", Arity: 2, Run: latencyHelp, Summary: "Returns helpful text about the different subcommands."},
			}},
	}
}

func latencyCmd(c *Ctx) error { return c.Sub("LATENCY") }

// eventNames returns the events with samples, sorted.
func (l *latency) eventNames() []string {
	names := make([]string, 0, len(l.events))
	for name := range l.events {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func latencyLatest(c *Ctx) error {
	l := c.e.latency
	l.mu.Lock()
	defer l.mu.Unlock()
	names := l.eventNames()
	c.Array(len(names))
	for _, name := range names {
		ev := l.events[name]
		last := ev.samples[len(ev.samples)-1]
		c.Array(4)
		c.BulkString(name)
		c.Int(last.at)
		c.Int(last.ms)
		c.Int(ev.max)
	}
	return nil
}

func latencyHistory(c *Ctx) error {
	l := c.e.latency
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := l.events[string(c.Args[2])]
	if ev == nil {
		c.Array(0)
		return nil
	}
	c.Array(len(ev.samples))
	for _, s := range ev.samples {
		c.Array(2)
		c.Int(s.at)
		c.Int(s.ms)
	}
	return nil
}

func latencyReset(c *Ctx) error {
	l := c.e.latency
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	if len(c.Args) == 2 {
		n = len(l.events)
		clear(l.events)
	} else {
		for _, a := range c.Args[2:] {
			if _, ok := l.events[string(a)]; ok {
				delete(l.events, string(a))
				n++
			}
		}
	}
	c.Int(int64(n))
	return nil
}

// latencyHistogram is LATENCY HISTOGRAM [command ...]: for each command
// (all that were called, or the named ones that were), its calls and the
// cumulative distribution of their latencies.
func latencyHistogram(c *Ctx) error {
	c.PublishStats() // the commands before count
	var specs []*Spec
	add := func(s *Spec) {
		if h := s.stats.hist.Load(); h != nil && h.total() > 0 {
			specs = append(specs, s)
		}
	}
	if len(c.Args) == 2 {
		// A container has no histogram of its own: its subcommands do.
		c.e.table.eachSpec(add)
	} else {
		for _, a := range c.Args[2:] {
			if s := c.e.table.lookupFull(a); s != nil {
				s.withSubs(add)
			}
		}
	}
	c.Map(len(specs))
	for _, s := range specs {
		h := s.stats.hist.Load()
		c.BulkString(s.FullName())
		c.Map(2)
		c.BulkString("calls")
		c.Int(h.total())
		c.BulkString("histogram_usec")
		mark, n := c.ArrayMark(), 0
		h.cdf(func(usec, cum int64) {
			c.Int(usec)
			c.Int(cum)
			n++
		})
		c.MapEnd(mark, n)
	}
	return nil
}

// lookupFull finds a command or a subcommand by its full name
// ("config|get"), case-insensitively.
func (t *Table) lookupFull(name []byte) *Spec {
	parent, sub, ok := strings.Cut(strings.ToLower(string(name)), "|")
	s := t.byName[parent]
	if s == nil || !ok {
		return s
	}
	return s.findSub([]byte(sub))
}

func latencyHelp(c *Ctx) error {
	return helpReply(c, "LATENCY", []string{
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	})
}

// latencyGraph is LATENCY GRAPH event: the event's samples as Redis's
// ASCII sparkline, each labelled with how long ago it was.
func latencyGraph(c *Ctx) error {
	l := c.e.latency
	l.mu.Lock()
	ev := l.events[string(c.Args[2])]
	var samples []latencySample
	var allTime int64
	if ev != nil {
		samples, allTime = append(samples, ev.samples...), ev.max
	}
	l.mu.Unlock()
	if ev == nil {
		return NoLatencySamples(c.Args[2])
	}
	now := time.Now().Unix()
	lo, hi := samples[0].ms, samples[0].ms
	values := make([]float64, len(samples))
	labels := make([]string, len(samples))
	for i, s := range samples {
		lo, hi = min(lo, s.ms), max(hi, s.ms)
		values[i] = float64(s.ms)
		labels[i] = agoLabel(now - s.at)
	}
	var b []byte
	b = append(b, string(c.Args[2])+" - high "+strconv.FormatInt(hi, 10)+" ms, low "+strconv.FormatInt(lo, 10)+
		" ms (all time high "+strconv.FormatInt(allTime, 10)+" ms)\n"...)
	b = append(b, strings.Repeat("-", latencyGraphCols)+"\n"...)
	b = sparkline(b, values, labels, latencyGraphCols, 4)
	c.Verbatim(b)
	return nil
}

const latencyGraphCols = 80

// agoLabel is a sample's label: seconds, minutes, hours or days ago.
func agoLabel(sec int64) string {
	switch {
	case sec < 60:
		return strconv.FormatInt(sec, 10) + "s"
	case sec < 3600:
		return strconv.FormatInt(sec/60, 10) + "m"
	case sec < 86400:
		return strconv.FormatInt(sec/3600, 10) + "h"
	}
	return strconv.FormatInt(sec/86400, 10) + "d"
}

// sparkline renders values as Redis's filled ASCII sparkline: rows of
// height, three levels per row ("_o#", with '|' below the top), then the
// labels written vertically under their columns after one blank line; at
// most cols values per block, blocks separated by an empty line.
func sparkline(b []byte, values []float64, labels []string, cols, rows int) []byte {
	const levels = "_o#"
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	span := hi - lo
	if span == 0 {
		span = 1
	}
	steps := len(levels) * rows
	for start := 0; start < len(values); start += cols {
		if start > 0 {
			b = append(b, '\n')
		}
		end := min(start+cols, len(values))
		line := make([]byte, end-start)
		for row := 0; row < rows; row++ {
			for j := start; j < end; j++ {
				// As Redis computes it: (int)(relval*steps)/relmax.
				step := int(float64(int((values[j]-lo)*float64(steps))) / span)
				step = min(max(step, 0), steps-1)
				ch := byte(' ')
				switch idx := step - (rows-row-1)*len(levels); {
				case idx >= 0 && idx < len(levels):
					ch = levels[idx]
				case idx >= len(levels):
					ch = '|'
				}
				line[j-start] = ch
			}
			b = append(append(b, line...), '\n')
		}
		longest := 0
		for _, lb := range labels[start:end] {
			longest = max(longest, len(lb))
		}
		if longest > 0 {
			b = append(b, strings.Repeat(" ", end-start)+"\n"...) // the margin above the labels
		}
		for k := 0; k < longest; k++ {
			for j := start; j < end; j++ {
				ch := byte(' ')
				if k < len(labels[j]) {
					ch = labels[j][k]
				}
				line[j-start] = ch
			}
			b = append(append(b, line...), '\n')
		}
	}
	return b
}

// latencyDoctor is LATENCY DOCTOR: Redis's report on the events recorded
// and its advice for them.
func latencyDoctor(c *Ctx) error {
	l := c.e.latency
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	if len(l.events) == 0 && l.threshold.Load() == 0 {
		b.WriteString("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n")
		c.Verbatim([]byte(b.String()))
		return nil
	}
	var slowlogOff, slowlogTuning, slowlogInspect, scheduler, largeObjects bool
	advices := 0
	now := time.Now().Unix()
	for i, name := range l.eventNames() {
		ev := l.events[name]
		if i == 0 {
			b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
		}
		var sum, oldest int64
		for _, s := range ev.samples {
			sum += s.ms
			if oldest == 0 || s.at < oldest {
				oldest = s.at
			}
		}
		n := int64(len(ev.samples))
		avg := sum / n
		var dev int64
		for _, s := range ev.samples {
			dev += max(avg-s.ms, s.ms-avg)
		}
		period := max(now-oldest, 1)
		b.WriteString(strconv.Itoa(i+1) + ". " + name + ": " + strconv.FormatInt(n, 10) + " latency spikes (average " +
			strconv.FormatInt(avg, 10) + "ms, mean deviation " + strconv.FormatInt(dev/n, 10) + "ms, period " +
			strconv.FormatFloat(float64(period)/float64(n), 'f', 2, 64) + " sec). Worst all time event " +
			strconv.FormatInt(ev.max, 10) + "ms.")
		switch name {
		case "command":
			switch th := c.e.slowlog.threshold.Load(); {
			case th < 0:
				slowlogOff = true
				advices++
			case th/1000 > l.threshold.Load():
				slowlogTuning = true
				advices++
			}
			slowlogInspect, largeObjects = true, true
			advices += 2
		case "fast-command":
			scheduler = true
			advices++
		}
		b.WriteString("\n")
	}
	threshold := strconv.FormatInt(l.threshold.Load()*1000, 10)
	switch {
	case len(l.events) == 0 && advices == 0:
		b.WriteString("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n")
	case advices == 0:
		b.WriteString("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n")
	default:
		b.WriteString("\nI have a few advices for you:\n\n")
		if slowlogOff {
			b.WriteString("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than " + threshold + "'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n")
		}
		if slowlogTuning {
			b.WriteString("- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than " + threshold + "'.\n")
		}
		if slowlogInspect {
			b.WriteString("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n")
		}
		if scheduler {
			b.WriteString("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
				"  1) Lower the system load.\n" +
				"  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
				"  3) Check if you have a \"noisy neighbour\" problem.\n" +
				"  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
				"  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n")
		}
		if largeObjects {
			b.WriteString("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n")
		}
	}
	c.Verbatim([]byte(b.String()))
	return nil
}
