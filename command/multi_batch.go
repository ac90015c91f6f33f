package command

// A transaction read whole in one batch.
//
// A client that pipelines transactions (MULTI; SET; INCR; EXEC, 16 of
// them per write) has each of them whole in the batch its session runs
// (Ctx.BeginBatch). MultiLen finds such a transaction at the head of the
// commands left, and ExecMulti runs it at once: the per-command work of
// Exec around the checks that decide what a command does (the memory,
// pause and busy-script checks, the tracking hook, the reply-mode and
// reply-peak bookkeeping) is done once for the transaction, as nothing
// between MULTI and EXEC runs. Every command still goes through Check
// (counted, ACL, arity, refused writes) and is queued by dispatchMulti,
// and EXEC runs through exec: the replies, the statistics, EXECABORT, WATCH
// and the AOF unit are those of the commands run one by one.

// MultiLen reports how many of cmds, commands c's session read together
// and runs in a batch, make a transaction ExecMulti can run: cmds[0] is
// MULTI, cmds[n-1] the EXEC that ends it, and every command between is
// one to queue (known, not MULTI, EXEC, DISCARD or WATCH). 0: cmds does
// not begin with such a transaction, or something asks for the general
// path (Exec, one command at a time): the client is in MULTI already,
// replies are off, tracking waits for CLIENT CACHING, the client's class
// has an output-buffer limit, or clients are paused, a script is busy,
// maxmemory is set, or a client is in MONITOR.
func (e *Engine) MultiLen(c *Ctx, cmds [][][]byte) int {
	cl := c.Client
	if len(cmds) < 2 || len(cmds[0]) != 1 || !c.batching() || cl.multi.on || cl.replyMode != replyOn ||
		cl.tracking.caching || e.pause.on.Load() || e.scripts.busyN.Load() != 0 || e.mm.limit.Load() != 0 ||
		e.monitors.n.Load() != 0 || e.OutputLimited(cl) {
		return 0
	}
	if spec := c.lookup(cmds[0][0]); spec == nil || spec.Name != "multi" {
		return 0
	}
	for n := 1; n < len(cmds); n++ {
		spec := c.lookup(cmds[n][0])
		switch {
		case spec == nil:
			return 0 // refused while queueing: the general path
		case spec.Flags&RunsInMulti == 0:
			continue
		case spec.Name == "exec" && len(cmds[n]) == 1:
			return n + 1
		default:
			return 0
		}
	}
	return 0 // EXEC comes in a later batch
}

// ExecMulti runs cmds, a transaction MultiLen accepted, appending the
// replies to c's buffer as Exec would run its commands one by one, and
// returns how many ran: all of them, or only the MULTI if it was refused
// (the others then run as commands of their own).
func (e *Engine) ExecMulti(c *Ctx, cmds [][][]byte) int {
	spec, err := e.Check(c, cmds[0])
	if err != nil {
		c.refuse(cmds[0], err)
		return 1
	}
	c.Run(spec, cmds[0])
	last := len(cmds) - 1
	for _, args := range cmds[1:last] {
		if spec, err := e.Check(c, args); err != nil {
			c.refuse(args, err) // EXEC aborts
		} else {
			c.dispatchMulti(spec, args)
		}
	}
	e.exec(c, cmds[last])
	c.noteReplyPeak()
	return len(cmds)
}
