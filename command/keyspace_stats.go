package command

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"redpool/backend"
)

// Keyspace and I/O counters of INFO (issue 14): keyspace_hits and
// keyspace_misses, total_reads_processed and total_writes_processed, and
// client_recent_max_input_buffer and client_recent_max_output_buffer.
//
// The counters are per client (Client.traffic: an atomic add that no other
// core writes) and INFO adds them up with those of the clients that have
// gone (Engine.base), as for the command and byte counts.
//
// keyspace_hits and keyspace_misses count as Redis's lookupKeyRead does:
// each key of a read command (one flagged ReadOnly, with EXISTS, TYPE,
// TTL, OBJECT and MEMORY USAGE among them), once per key as the command
// names it (MGET k k counts two), run on its own, in EXEC or from a
// script, whether the command succeeds or meets a value of the wrong
// type. After the command, still in its transaction, the dispatcher asks
// whether each key exists: the backend has just looked it up, so that is
// one more probe of a cached entry. Write commands count their reads of a
// key themselves (readLookup), where they raise "keymiss": GETDEL, GETEX,
// SET ... GET, COPY's source, the sources of the *STORE commands, BITOP
// and PFMERGE. Not counted: SORT's lookups and BITFIELD's.

// trafficFigures are the summed counters of traffic.
type trafficFigures struct {
	commands, netIn, netOut, hits, misses, reads, writes int64
}

// fields lists t's counters, in trafficFigures order.
func (t *traffic) fields() [7]*atomic.Int64 {
	return [7]*atomic.Int64{&t.commands, &t.netIn, &t.netOut, &t.hits, &t.misses, &t.reads, &t.writes}
}

// trafficTotals returns the server-wide counters: the clients that have
// gone (less what CONFIG RESETSTAT discounted) and the connected ones.
func (e *Engine) trafficTotals() trafficFigures {
	e.clients.mu.Lock()
	defer e.clients.mu.Unlock()
	var sum [7]int64
	add := func(t *traffic) {
		for i, f := range t.fields() {
			sum[i] += f.Load()
		}
	}
	add(&e.base)
	for _, c := range e.clients.byID {
		add(&c.traffic)
	}
	return trafficFigures{sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6]}
}

// countLookups counts the keyspace hits and misses of the read command
// that just ran in tx and returned err (see above). It runs before the
// expired keys the command met are noted, which the probe may meet again.
func (c *Ctx) countLookups(tx backend.Tx, err error) {
	if c.spec == nil || c.spec.Flags&ReadOnly == 0 || c.Client == nil {
		return
	}
	if err != nil && !errors.Is(err, backend.ErrWrongType) {
		return // refused before it looked (syntax), or failed
	}
	keys, _, valid := c.spec.keys(c.lookupKeys[:0], c.Args)
	var hits, misses int64
	for _, k := range keys {
		if !valid {
			break
		}
		ok, xerr := tx.Exists(k)
		if xerr != nil {
			break
		}
		if ok {
			hits++
		} else {
			misses++
		}
	}
	clear(keys) // they alias the request
	c.lookupKeys = keys[:0]
	if hits > 0 {
		c.Client.traffic.hits.Add(hits)
	}
	if misses > 0 {
		c.Client.traffic.misses.Add(misses)
	}
}

// readLookup counts a write command's lookup of key for reading (Redis's
// lookupKeyRead in GETDEL, GETEX, SET ... GET, COPY and the sources of
// the *STORE commands, BITOP and PFMERGE): a keyspace hit, or a miss and
// its "keymiss" event.
func (c *Ctx) readLookup(key []byte, found bool) {
	if !found {
		c.notifyMiss(key)
	}
	if c.Client == nil {
		return
	}
	if found {
		c.Client.traffic.hits.Add(1)
	} else {
		c.Client.traffic.misses.Add(1)
	}
}

// recentPeaks is client_recent_max_input_buffer and
// client_recent_max_output_buffer: as Redis's
// clientsCronTrackExpansiveClients, the largest input (request buffer and
// arguments) and output (replies waiting in the outbox) of any client,
// per second, over the last peakSlots seconds. Redis samples every client
// in its cron; redpool samples them when INFO asks. Safe for concurrent
// use.
type recentPeaks struct {
	mu      sync.Mutex
	in, out [peakSlots]int64
	at      [peakSlots]int64 // the second each slot holds
}

const peakSlots = 8 // CLIENTS_PEAK_MEM_USAGE_SLOTS

// recentPeaks records the clients' buffers now and returns the peaks of the
// last peakSlots seconds.
func (e *Engine) recentPeaks(now time.Time) (in, out int64) {
	var curIn, curOut int64
	e.clients.mu.Lock()
	for _, c := range e.clients.byID {
		curIn = max(curIn, c.mem.qbufSize.Load()+c.mem.argv.Load())
		_, queued := c.queuedOutput()
		curOut = max(curOut, queued)
	}
	e.clients.mu.Unlock()
	p := &e.peaks
	p.mu.Lock()
	defer p.mu.Unlock()
	sec := now.Unix()
	i := int(sec % peakSlots)
	if p.at[i] != sec {
		p.at[i], p.in[i], p.out[i] = sec, 0, 0
	}
	p.in[i], p.out[i] = max(p.in[i], curIn), max(p.out[i], curOut)
	for j := range p.at {
		if sec-p.at[j] < peakSlots {
			in, out = max(in, p.in[j]), max(out, p.out[j])
		}
	}
	return in, out
}
