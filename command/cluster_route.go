package command

import (
	"bytes"
	"strconv"

	"redpool/backend"
)

// The dispatcher's side of cluster mode: Redis's getNodeByQuery and
// clusterRedirectClient, run by Check after the ACL (as processCommand
// runs them) on every command in cluster mode.

// clusterClient is a client's cluster state (READONLY, ASKING). Only the
// client's own session touches it.
type clusterClient struct {
	readOnly bool // READONLY: reads of its primary's slots served on a replica
	asking   bool // ASKING: the next command may use an importing slot
}

// clusterRefused wraps the error Check returns for a command the slot map
// sends elsewhere: EXEC replies with it as it is, not as EXECABORT.
type clusterRefused struct{ err error }

func (r clusterRefused) Error() string { return r.err.Error() }
func (r clusterRefused) Unwrap() error { return r.err }

// clusterOn reports whether cluster mode is on.
func (e *Engine) clusterOn() bool { return e.cluster.load() != nil }

// serverMode is HELLO's mode and INFO's redis_mode.
func (e *Engine) serverMode() string {
	if e.clusterOn() {
		return "cluster"
	}
	return "standalone"
}

// clusterCheck decides whether the command args of spec runs on this
// node under m: nil if it does, else the error to reply.
func (c *Ctx) clusterCheck(m *slotMap, spec *Spec, args [][]byte) error {
	c.askGuard = clusterAskGuard{}
	cl := &c.Client.cluster
	asking := cl.asking
	if asking && spec.Name != "multi" && (!c.Client.InMulti() || spec.Name == "exec") {
		cl.asking = false // ASKING is good for one command, or one transaction
	}
	if c.Client.flags.has(flagFromPrimary) {
		return nil // the primary's stream is obeyed, as Redis's CLIENT_MASTER
	}
	isExec := spec.Name == "exec"
	if spec.Keys.First <= 0 && spec.FindKeys == nil && !isExec {
		return nil // no keys: runs anywhere
	}
	keys, write := c.keyBuf[:0], spec.Flags&Write != 0
	if isExec {
		if !c.Client.InMulti() {
			return nil
		}
		for _, q := range c.Client.multi.queue {
			keys, _, _ = q.spec.keys(keys, q.args)
			write = write || q.spec.Flags&Write != 0
		}
	} else {
		keys, _, _ = spec.keys(keys, args)
	}
	c.keyBuf = keys[:0]
	return c.clusterRoute(m, spec, keys, write, asking || spec == c.e.cluster.restoreAsking, cl.readOnly)
}

// clusterRoute is getNodeByQuery for a command with keys: write is
// whether it (or a queued command of EXEC) writes, asking whether it may
// use an importing slot, readOnly whether the client sent READONLY.
func (c *Ctx) clusterRoute(m *slotMap, spec *Spec, keys [][]byte, write, asking, readOnly bool) error {
	if len(keys) == 0 {
		return nil
	}
	first, slot := keys[0], backend.KeySlot(keys[0])
	owner := int(m.owner[slot])
	if owner == noNode {
		return ErrClusterUnbound
	}
	multiple := false
	for _, k := range keys[1:] {
		if bytes.Equal(k, first) {
			continue
		}
		if backend.KeySlot(k) != slot {
			return ErrCrossSlot
		}
		multiple = true
	}
	migrating, importing := false, false
	var to int
	if m.open > 0 {
		if owner == m.myself {
			to, migrating = m.migrating[slot]
		}
		if !migrating {
			_, importing = m.importing[slot]
		}
	}
	if !c.e.cluster.stateOK(m) {
		switch {
		case !c.e.cluster.readsWhenDown.Load():
			return ErrClusterDown
		case write:
			return ErrClusterDownRO
		}
	}
	if !migrating && !importing {
		if owner == m.myself {
			return nil
		}
		return c.clusterElsewhere(m, owner, slot, write, readOnly)
	}
	if spec.Name == "migrate" {
		return nil // MIGRATE works on an open slot's keys, wherever they are
	}
	missing := c.clusterMissing(keys)
	switch {
	case migrating && missing > 0:
		return clusterAskOrTryAgain(missing, len(keys), slot, &m.nodes[to])
	case migrating:
		c.askGuard = clusterAskGuard{slot: slot, to: &m.nodes[to]}
		return nil
	case importing && asking:
		if multiple && missing > 0 {
			return ErrTryAgain
		}
		return nil
	case owner == m.myself:
		return nil
	}
	return c.clusterElsewhere(m, owner, slot, write, readOnly)
}

// clusterElsewhere is the verdict for a slot owner serves, not this
// node: served here after READONLY if this node replicates owner, else
// -MOVED.
func (c *Ctx) clusterElsewhere(m *slotMap, owner, slot int, write, readOnly bool) error {
	if readOnly && !write && m.me().primary == owner {
		return nil
	}
	return clusterRedirect("MOVED", slot, &m.nodes[owner])
}

// clusterAskOrTryAgain is the verdict for a command on a migrating slot
// with missing of its n keys gone: -ASK if all are, else -TRYAGAIN.
func clusterAskOrTryAgain(missing, n, slot int, to *clusterNode) error {
	if missing < n {
		return ErrTryAgain // some keys here, some gone already
	}
	return clusterRedirect("ASK", slot, to)
}

// clusterAskGuard closes the window between the cluster check, which
// found a migrating slot's keys here, and the command's transaction:
// MIGRATE holds the keys' locks while it moves them, so a key missing
// under the command's own locks has gone to the target.
type clusterAskGuard struct {
	slot int
	to   *clusterNode
}

// recheck is the guard's check in tx, which holds the command's keys:
// the command's own keys (a queued one's, inside EXEC) of the guarded
// slot.
func (g *clusterAskGuard) recheck(c *Ctx, tx backend.Tx) error {
	if c.spec == nil || tx.DB() != 0 {
		return nil
	}
	keys, _, _ := c.spec.keys(nil, c.Args)
	if missing, n := clusterCountMissing(tx, keys, g.slot); missing > 0 {
		return clusterAskOrTryAgain(missing, n, g.slot, g.to)
	}
	return nil
}

// clusterRedirect is -MOVED or -ASK (kind) to n for slot.
func clusterRedirect(kind string, slot int, n *clusterNode) Error {
	return Error(kind + " " + strconv.Itoa(slot) + " " + n.addr())
}

// clusterMissing counts the keys (each occurrence) that do not exist in
// database 0 (an open slot's keys: Redis's lookupKeyReadWithFlags with
// NOTOUCH).
// Inside an open transaction (a script) it looks there; a key the
// transaction does not hold counts as missing.
func (c *Ctx) clusterMissing(keys [][]byte) int {
	if c.open != nil {
		missing, _ := clusterCountMissing(c.open, keys, -1)
		return missing
	}
	missing := 0
	err := c.e.backend.View(backend.TxOptions{DB: 0, Keys: keys, NoTouch: true}, func(tx backend.Tx) error {
		missing, _ = clusterCountMissing(tx, keys, -1)
		return nil
	})
	if err != nil {
		return len(keys)
	}
	return missing
}

// clusterCountMissing counts, of keys (each occurrence) whose slot is
// slot (every key for -1), how many tx does not hold (missing) and how
// many there are (n).
func clusterCountMissing(tx backend.Tx, keys [][]byte, slot int) (missing, n int) {
	for _, k := range keys {
		if slot >= 0 && backend.KeySlot(k) != slot {
			continue
		}
		n++
		if ok, err := tx.Exists(k); err != nil || !ok {
			missing++
		}
	}
	return missing, n
}

// clusterScriptCheck is Redis 7.0's scriptVerifyClusterState for the
// command argv of spec that the script r calls: the message of the error
// redis.call raises, or "" if it runs. Scripts with a shebang and
// functions keep to one slot unless flagged allow-cross-slot-keys; a
// script without one (Redis's compatibility mode) may cross slots.
func (c *Ctx) clusterScriptCheck(spec *Spec, argv [][]byte, r *scriptRun) string {
	m := c.e.cluster.load()
	if m == nil || c.Client.flags.has(flagFromPrimary) {
		return ""
	}
	keys, _, _ := spec.keys(c.keyBuf[:0], argv)
	c.keyBuf = keys[:0]
	cl := &c.Client.cluster
	err := c.clusterRoute(m, spec, keys, spec.Flags&Write != 0, cl.asking, cl.readOnly)
	switch err {
	case nil:
	case ErrClusterDownRO:
		return "Script attempted to execute a write command while the cluster is down and readonly"
	case ErrClusterDown:
		return "Script attempted to execute a command while the cluster is down"
	default:
		return "Script attempted to access a non local key in a cluster node"
	}
	flags := r.target.clusterScriptFlags()
	if len(keys) == 0 || flags&scriptAllowCrossSlot != 0 || (r.target.sc != nil && !r.target.sc.shebang) {
		return ""
	}
	if r.clusterSlot == 0 && len(r.keys) > 0 { // the declared keys' slot (the dispatcher checked them)
		r.clusterSlot = 1 + backend.KeySlot(r.keys[0])
	}
	s := 1 + backend.KeySlot(keys[0])
	if r.clusterSlot == 0 {
		r.clusterSlot = s
	} else if r.clusterSlot != s {
		return "Script attempted to access keys that do not hash to the same slot"
	}
	return ""
}

// clusterScriptFlags are the shebang flags of a script or function.
func (t *runTarget) clusterScriptFlags() scriptFlags {
	if t.def != nil {
		return t.def.flags
	}
	return t.sc.flags
}
