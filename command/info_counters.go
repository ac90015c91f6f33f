package command

import (
	"io"
	"sync/atomic"
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
}

func (x *infoCounters) reset() {
	x.dumpSanitized.Store(0)
	x.replIn.Store(0)
	x.replOut.Store(0)
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
