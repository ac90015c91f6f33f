package command

import (
	"strings"

	"redpool/backend"
)

// Transactions: MULTI, EXEC, DISCARD, as Redis 7.0.
//
// After MULTI the dispatcher (Engine.Exec) queues every command instead of
// running it and replies +QUEUED; a command refused while queueing
// (unknown, wrong arity, a write while writes are refused, a command not
// allowed in a transaction) gets its error at once and makes EXEC abort
// with EXECABORT. EXEC runs the queue inside one backend transaction
// (Ctx.Atomically) on the union of the queued commands' keys, so that no
// other client sees part of it; a runtime error (WRONGTYPE) is one element
// of EXEC's reply and the other commands still run. Blocking commands do
// not block inside it. The writes of a transaction reach the AOF as one
// MULTI ... EXEC unit (effects.go).

func multiCommands() []Spec {
	return []Spec{
		{Name: "multi", Arity: 1, Flags: Fast, Run: multi, Group: "transactions", Summary: "Starts a transaction.", Since: "1.2.0"},
		{Name: "exec", Arity: 1, Run: exec, Group: "transactions", Summary: "Executes all commands in a transaction.", Since: "1.2.0"},
		{Name: "discard", Arity: 1, Flags: Fast, Run: discard, Group: "transactions", Summary: "Discards a transaction.", Since: "2.0.0"},
	}
}

// multiState is a client's transaction in the making. Only the client's
// own session touches it.
type multiState struct {
	on    bool
	dirty bool // a command was refused while queueing: EXEC aborts
	queue []queuedCmd
	keys  [][]byte // EXEC's lock set, reused
}

// queuedCmd is a command queued after MULTI. args is a copy that the queue
// owns until EXEC or DISCARD ends the transaction.
type queuedCmd struct {
	spec *Spec
	args [][]byte
}

// reset ends the transaction and lets go of the queue.
func (m *multiState) reset() {
	clear(m.queue)
	m.queue = m.queue[:0]
	clear(m.keys)
	m.keys = m.keys[:0]
	m.on, m.dirty = false, false
}

// InMulti reports whether the client is between MULTI and EXEC/DISCARD.
func (cl *Client) InMulti() bool { return cl.multi.on }

// runsInMulti reports whether s runs at once after MULTI instead of being
// queued, as in Redis's processCommand.
func runsInMulti(s *Spec) bool {
	switch s.Name {
	case "exec", "discard", "multi", "quit":
		return true
	}
	return false
}

// noMulti reports whether s is refused inside a transaction (Redis's
// no-multi flag on the commands redpool has).
func noMulti(s *Spec) bool { return s.Name == "save" || s.Name == "shutdown" }

// dispatchMulti handles a command that passed Check while the client is in
// MULTI, and reports whether it did (false: run it now).
func (c *Ctx) dispatchMulti(spec *Spec, args [][]byte) bool {
	if runsInMulti(spec) {
		return false
	}
	m := &c.Client.multi
	if noMulti(spec) {
		m.dirty = true
		c.Error(ErrNotInMulti)
		return true
	}
	m.queue = append(m.queue, queuedCmd{spec: spec, args: copyArgs(args)})
	c.Simple("QUEUED")
	return true
}

// refuse replies to a command Check refused. Inside MULTI that dooms the
// transaction; EXEC itself, refused, aborts it with the reason.
func (c *Ctx) refuse(args [][]byte, err error) {
	if spec := c.e.table.Lookup(args[0]); spec != nil && spec.Name == "exec" {
		c.Client.multi.reset()
		c.Error(execAbort(err))
		return
	}
	if c.Client.multi.on {
		c.Client.multi.dirty = true
	}
	c.Error(err)
}

// execAbort is EXEC's reply when the EXEC itself is refused: the refusal's
// text without its "ERR " prefix, as Redis's execCommandAbort.
func execAbort(err error) Error {
	return Error("EXECABORT Transaction discarded because of: " + strings.TrimPrefix(replyError(err), "ERR "))
}

// copyArgs copies args into one allocation the caller owns.
func copyArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	flat := make([]byte, 0, n)
	out := make([][]byte, len(args))
	for i, a := range args {
		flat = append(flat, a...)
		out[i] = flat[len(flat)-len(a) : len(flat) : len(flat)]
	}
	return out
}

func multi(c *Ctx) error {
	m := &c.Client.multi
	if m.on {
		return ErrMultiNested
	}
	m.on = true
	c.OK()
	return nil
}

func discard(c *Ctx) error {
	if !c.Client.multi.on {
		return ErrDiscardNoMulti
	}
	c.Client.multi.reset()
	c.OK()
	return nil
}

func exec(c *Ctx) error {
	m := &c.Client.multi
	if !m.on {
		return ErrExecNoMulti
	}
	defer m.reset()
	if m.dirty {
		return ErrExecAbort
	}
	write, o := c.execOptions()
	if write {
		if err := c.e.writeBlocked(); err != nil {
			return execAbort(err)
		}
	}
	mark := len(c.out)
	c.Array(len(m.queue))
	err := c.Atomically(write, o, func() error {
		c.beginTxLog()
		for _, q := range m.queue {
			c.Run(q.spec, q.args)
		}
		c.endTxLog()
		return nil
	})
	if err != nil {
		c.out = c.out[:mark]
		return err
	}
	return nil
}

// execOptions returns what EXEC locks: the union of the queued commands'
// keys in the client's database, or everything when a command's keys are
// not known in advance (keyless data commands, commands crossing
// databases, SELECT inside the transaction); write is whether any queued
// command is a write.
func (c *Ctx) execOptions() (write bool, o backend.TxOptions) {
	m := &c.Client.multi
	keys := m.keys[:0]
	o.DB = c.Client.DB()
	for _, q := range m.queue {
		f := q.spec.Flags
		if f&Write != 0 {
			write = true
		}
		if q.spec.Name == "select" {
			o.All = true
		}
		if f&(Write|ReadOnly) == 0 || o.All {
			continue
		}
		n := len(keys)
		var all, ok bool
		keys, all, ok = q.spec.keys(keys, q.args)
		if all || !ok || len(keys) == n {
			o.All = true
		}
	}
	m.keys = keys
	if !o.All {
		o.Keys = keys
	}
	return write, o
}
