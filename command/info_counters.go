package command

import (
	"io"
	"sync/atomic"
	"time"

	"redpool/backend"
)

// infoCounters are INFO stats figures counted where the work happens, as
// Redis counts them; CONFIG RESETSTAT zeroes them. Safe for concurrent
// use.
type infoCounters struct {
	// dumpSanitized is dump_payload_sanitizations: the packed encodings
	// (listpacks, intsets, stream nodes) RESTORE deep-sanitized.
	dumpSanitized atomic.Int64
	// replIn and replOut are total_net_repl_input_bytes and
	// total_net_repl_output_bytes: the bytes a replica reads from its
	// primary (the RDB of a full sync and the command stream), the bytes a
	// primary writes to its replicas (the RDB and the stream).
	replIn, replOut atomic.Int64
	// expCPU and expCapped are the backend's expiry cycle figures at the
	// last CONFIG RESETSTAT, which INFO subtracts.
	expCPU, expCapped atomic.Int64
	// replyExpands and replyShrinks are reply_buffer_expands and
	// reply_buffer_shrinks: a client's reply buffer found grown after a
	// flush, or let go after one because it grew past 1 MB (Ctx.Reset).
	replyExpands, replyShrinks atomic.Int64
	// migrateSockets is migrate_cached_sockets: MIGRATE's cached
	// connections (migrate.go).
	migrateSockets atomic.Int64
	// lazyFreed is the backend's LazyFreed at the last CONFIG RESETSTAT,
	// which INFO's lazyfreed_objects subtracts.
	lazyFreed atomic.Int64
}

func (x *infoCounters) reset(st backend.Stats) {
	cycle := st.ExpireCycle
	x.lazyFreed.Store(st.LazyFreed)
	x.dumpSanitized.Store(0)
	x.replIn.Store(0)
	x.replOut.Store(0)
	x.replyExpands.Store(0)
	x.replyShrinks.Store(0)
	x.expCPU.Store(int64(cycle.CPU))
	x.expCapped.Store(cycle.TimeCapReached)
}

// sinceReset returns expire_cycle_cpu_milliseconds and
// expired_time_cap_reached_count: the backend's figures since the last
// CONFIG RESETSTAT.
func (x *infoCounters) sinceReset(cycle backend.ExpireCycleStats) (cpuMs, capped int64) {
	return (int64(cycle.CPU) - x.expCPU.Load()) / int64(time.Millisecond), cycle.TimeCapReached - x.expCapped.Load()
}

// countingWriter adds the bytes written through it to n.
type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// countSanitized counts one deep check of a RESTORE payload.
func (e *Engine) countSanitized() { e.counters.dumpSanitized.Add(1) }
