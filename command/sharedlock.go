package command

import "redpool/backend"

// Commands a session read together that work on the same key run under
// one acquisition of that key's lock.
//
// A pipeline of commands on one hot key (XADD, SETBIT, GEOSEARCH to one
// key from many clients) otherwise takes and releases the key's lock once
// per command, and every client's commands contend for it. Run under one
// transaction (Atomically), each still runs through Check and Run as Exec
// runs it, with its own reply, statistics, AOF record (written under the
// lock as it ends) and tracking; the wake-ups, keyspace events and
// counters of the run apply together after the commit. That is the
// order in which the commands could have run anyway, had no other client
// taken the key's lock between two of them; a client blocked on the key
// is woken once, after the run.

// SharedRun reports how many of cmds, from the first, may run under one
// lock with ExecShared: the same data command on the same single key,
// again and again. A result below 2 means none: run cmds[0] with Exec.
// Nothing that changes how Exec treats a command may hold: no MULTI, no
// CLIENT REPLY OFF or SKIP, no pause, busy script or maxmemory (which may
// evict under the locks).
func (e *Engine) SharedRun(c *Ctx, cmds [][][]byte) int {
	if len(cmds) < 2 || c.Client.InMulti() || c.Client.replyMode != replyOn ||
		e.pause.on.Load() || e.scripts.busyN.Load() != 0 || e.mm.limit.Load() != 0 {
		return 0
	}
	spec := c.lookup(cmds[0][0])
	if spec == nil || !sharedOK(spec) {
		return 0
	}
	key, ok := sharedKey(spec, cmds[0], c)
	if !ok {
		return 0
	}
	n := 1
	for ; n < len(cmds); n++ {
		args := cmds[n]
		// The same name as sent (the usual case) needs no lookup.
		if string(args[0]) != string(cmds[0][0]) && c.lookup(args[0]) != spec {
			break
		}
		k, ok := sharedKey(spec, args, c)
		if !ok || string(k) != string(key) {
			break
		}
	}
	return n
}

// sharedOK reports whether spec is a command that may share a lock: a
// data command that runs in the dispatcher's transaction on its own keys.
func sharedOK(spec *Spec) bool {
	const refused = NoTx | AllDBs | Blocking | Script | Admin | NoMulti | RunsInMulti | MovableKeys
	return spec.Flags&(Write|ReadOnly) != 0 && spec.Flags&refused == 0
}

// sharedKey returns the one key of args, a call of spec, if it has
// exactly one and a fitting arity.
func sharedKey(spec *Spec, args [][]byte, c *Ctx) ([]byte, bool) {
	if !spec.arityOK(len(args)) {
		return nil, false
	}
	keys, all, ok := spec.keys(c.sharedKeys[:0], args)
	c.sharedKeys = keys[:0]
	if !ok || all || len(keys) != 1 {
		return nil, false
	}
	return keys[0], true
}

// ExecShared runs cmds, a run SharedRun accepted, in order under one
// transaction on their key, appending their replies to c's buffer as Exec
// would one by one.
func (e *Engine) ExecShared(c *Ctx, cmds [][][]byte) {
	spec := c.lookup(cmds[0][0])
	key, _ := sharedKey(spec, cmds[0], c)
	c.sharedKeys = append(c.sharedKeys[:0], key)
	o := backend.TxOptions{
		DB:      c.Client.DB(),
		Keys:    c.sharedKeys,
		NoTouch: spec.Flags&NoKeyMiss != 0,
	}
	if c.sharedFn == nil {
		c.sharedFn = c.runShared // bound once: a run makes no closure
	}
	c.shared, c.sharedDone = cmds, 0
	_ = c.Atomically(spec.Flags&(Write|UpdateTx) != 0, o, c.sharedFn)
	done := c.sharedDone
	clear(c.sharedKeys)
	c.shared, c.sharedKeys, c.sharedDone = nil, c.sharedKeys[:0], 0
	// What did not run under the lock (the transaction did not start as
	// the backend closed, or Exec would now treat the commands otherwise)
	// runs alone.
	for _, args := range cmds[done:] {
		e.Exec(c, args)
	}
}

// runShared is the body of ExecShared's transaction. It stops early,
// leaving the rest to Exec outside the lock, once a command woke a key
// that clients are blocked on (they are served between two commands, as
// Redis serves them after each: a pipelined RPUSH replies with the length
// after the blocked client took its element), or if a pause, a busy
// script or maxmemory began meanwhile.
func (c *Ctx) runShared() error {
	e := c.e
	for i, args := range c.shared {
		if i > 0 && (len(c.fx.wakes) != 0 && e.blocking.active() ||
			e.pause.on.Load() || e.scripts.busyN.Load() != 0 || e.mm.limit.Load() != 0) {
			break
		}
		c.sharedDone++
		spec, err := c.e.Check(c, args)
		if err != nil {
			c.refuse(args, err)
		} else {
			c.Run(spec, args)
		}
		c.trackingAfterCommand(spec)
		// After the first command, the key is as the rest will find it
		// (an expired one is gone): the warm-up's read has no effect of
		// its own, and counts as the access the transaction counts once.
		if i == 0 && spec != nil && spec.Warm != nil && len(c.shared) > 1 && e.prefetcher != nil && c.open != nil {
			_ = spec.Warm(c.open, c.shared[1:])
		}
	}
	return nil
}
