package command

// A transaction read whole in one batch.
//
// A client that pipelines transactions (MULTI; SET; INCR; EXEC, 16 of
// them per write) has each of them whole in the batch its session runs
// (Ctx.BeginBatch). ExecMulti finds such a transaction at the head of the
// commands left and runs it at once: the per-command work of Exec around
// the checks that decide what a command does (the memory, pause and
// busy-script checks, the tracking hook, the reply-mode and reply-peak
// bookkeeping) is done once for the transaction, as nothing between MULTI
// and EXEC runs, and each command is looked up once. Every command still
// goes through Check's checks (counted, ACL, arity, refused writes) and is
// queued by dispatchMulti, and EXEC runs through Exec: the replies, the
// statistics, EXECABORT, WATCH and the AOF unit are those of the
// commands run one by one.

// maxWholeTx is the most commands of a transaction ExecMulti runs at
// once (a session's batch is at most 64 commands).
const maxWholeTx = 64

// ExecMulti runs the transaction cmds begins with, commands c's session
// read together and runs in a batch, if cmds holds all of it, appending
// the replies to c's buffer as Exec would run the commands one by one. It
// returns how many commands ran: 0 if it ran none (the caller runs
// cmds[0] with Exec), 1 if MULTI was refused (the others then run as
// commands of their own), or the whole transaction. See multiLen for
// what it takes; argvMax bounds the arguments of each command in bytes
// (the session tells the engine bigger ones one by one).
func (e *Engine) ExecMulti(c *Ctx, cmds [][][]byte, argvMax int) int {
	specs := &c.rareBufs().txSpecs
	n := e.multiLen(c, cmds, argvMax, specs)
	if n == 0 {
		return 0
	}
	c.countCommand()
	if err := e.checkFound(c, specs[0], cmds[0]); err != nil {
		c.refuse(cmds[0], err)
		return 1
	}
	c.Run(specs[0], cmds[0])
	for i, args := range cmds[1 : n-1] {
		c.countCommand()
		if err := e.checkFound(c, specs[i+1], args); err != nil {
			c.refuse(args, err) // EXEC aborts
		} else {
			c.dispatchMulti(specs[i+1], args)
		}
	}
	e.execFound(c, specs[n-1], cmds[n-1]) // a queued CLIENT REPLY applies after EXEC
	return n
}

// multiLen reports how many of cmds make a transaction ExecMulti runs,
// with their specs in specs: cmds[0] is MULTI, cmds[n-1] the EXEC that
// ends it, every command between is one to queue (known, not MULTI, EXEC,
// DISCARD, WATCH, QUIT or RESET), and none has argvMax bytes of arguments
// or more. 0: cmds does not begin with such a transaction, or something
// asks for the general path (Exec, one command at a time): c runs no
// batch, the client is in MULTI already, replies are off, tracking waits
// for CLIENT CACHING, the client's class has an output-buffer limit, or
// clients are paused, a script is busy, maxmemory is set, or a client is
// in MONITOR.
func (e *Engine) multiLen(c *Ctx, cmds [][][]byte, argvMax int, specs *[maxWholeTx]*Spec) int {
	cl := c.Client
	if len(cmds) < 2 || len(cmds[0]) != 1 || !c.batching() || cl.InMulti() || cl.replyMode != replyOn ||
		cachingPending(cl) || e.pause.on.Load() || e.scripts.busyN.Load() != 0 || e.mm.limit.Load() != 0 ||
		e.monitors.n.Load() != 0 || e.OutputLimited(cl) {
		return 0
	}
	if specs[0] = c.lookup(cmds[0][0]); specs[0] == nil || specs[0].Name != "multi" {
		return 0
	}
	for n := 1; n < min(len(cmds), maxWholeTx); n++ {
		spec := c.lookup(cmds[n][0])
		switch {
		case spec == nil || argvSize(cmds[n]) >= argvMax:
			return 0 // refused while queueing, or big: the general path
		case spec.Flags&RunsInMulti == 0:
			specs[n] = spec
		case spec.Name == "exec" && len(cmds[n]) == 1:
			specs[n] = spec
			return n + 1
		default:
			return 0
		}
	}
	return 0 // EXEC comes in a later batch
}

// argvSize is the size of a command's arguments.
func argvSize(args [][]byte) int {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	return n
}
