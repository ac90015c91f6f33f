package command

import "time"

// Blocking stream reads (XREAD BLOCK, XREADGROUP BLOCK) on the blocking
// machinery of blocking.go (blockOn: FIFO queues per key, wake-ups after
// the writer's commit, the writer waiting for the clients it woke).
//
// What differs from a pop: reading a stream consumes nothing, so every
// client blocked on a key must get its turn after an XADD, not only the
// first. The first in the key's queue is woken; whether it is served or
// not, it passes the key on to the next one (settle passes it when it was
// not served; streamServed when it was), and so on to the end of the
// queue, in arrival order. The XADD's client waits (bounded by
// handoffWait) until the whole queue has had its turn, as in Redis, where
// the blocked clients are served before the next command runs.
//
// The API, for XREAD and XREADGROUP:
//
//   - blockOnStreams(c, keys, timeout, try): runs try once as the
//     non-blocking command (ready == nil) and, if it served nothing, blocks
//     on keys, calling try again (ready: the positions of the keys that
//     were signalled) until it serves, times out (null array), the client
//     goes or CLIENT UNBLOCK. In MULTI and scripts it does not block (null
//     array, as a timeout). try runs in a write transaction on keys and
//     replies itself when it serves.
//   - streamServed(c, key): a woken try calls it after replying from key,
//     so that the next client blocked on key gets its turn.
//   - signalStream(c, key): a write that gives blocked readers something
//     (XADD; XGROUP DESTROY and SETID for XREADGROUP) calls it, inside its
//     transaction; the wake-up happens after the commit.

// blockOnStreams runs a blocking stream read; see the API above.
func blockOnStreams(c *Ctx, keys [][]byte, timeout time.Duration, try attempt) error {
	return blockOn(c, keys, keys, timeout, try)
}

// signalStream wakes the clients blocked on key once the transaction
// commits. It costs one atomic load while nobody is blocked.
func signalStream(c *Ctx, key []byte) {
	if c.e.blocking.active() {
		c.Signal(key)
	}
}

// streamServed passes key on to the next client blocked on it, after the
// blocked client c was served from it (once c's attempt commits). It does
// nothing for a client that is not blocked (a first, non-blocking try).
func streamServed(c *Ctx, key []byte) {
	b := c.e.blocking
	if !b.active() {
		return
	}
	if w := b.waiterOf(c); w != nil {
		w.later = append(w.later, key)
	}
}

// signalChanged wakes the clients blocked on the keys a write changed,
// once it commits, as Redis's signalDeletedKeyAsReady and
// scanDatabaseForDeletedStreams do: a stream deleted, renamed away,
// overwritten or flushed unblocks XREADGROUP with -UNBLOCKED (and a
// woken XREAD or list pop finding nothing waits on). It costs one atomic
// load while nobody is blocked. Keys are the ones WATCH counts as
// touched: the command's own list, else its key arguments; a command
// without keys (FLUSHDB, SWAPDB) wakes every blocked key of db, or of
// every database.
func (c *Ctx) signalChanged(db int) {
	b := c.e.blocking
	if !b.active() || c.spec == nil {
		return
	}
	if c.cmd.ownTouch {
		for _, k := range c.cmd.touched {
			c.SignalDB(k.db, k.key)
		}
		return
	}
	keys, all, ok := c.spec.keys(nil, c.Args)
	switch {
	case all:
		c.signalAllBlocked(-1)
	case !ok || len(keys) == 0:
		c.signalAllBlocked(db)
	default:
		for _, k := range keys {
			c.SignalDB(db, k)
		}
	}
}

// signalAllBlocked wakes, once the write commits, every client blocked
// on a key of db (of every database when db < 0): FLUSHDB, FLUSHALL.
func (c *Ctx) signalAllBlocked(db int) {
	if c.e.blocking.active() {
		c.e.blocking.eachBlockedKey(db, func(db int, key string) { c.SignalDB(db, []byte(key)) })
	}
}

// keyExpired wakes the clients blocked on a key that expiry removed. It
// runs under the backend's locks, so the wake-up (which waits for the
// woken clients) happens in a goroutine of its own, and only when some
// client waits on that very key.
func (b *blocking) keyExpired(db int, key []byte) {
	if !b.active() {
		return
	}
	b.mu.Lock()
	kq := b.dbs[db][string(key)]
	waiting := kq != nil && len(kq.q) > 0
	b.mu.Unlock()
	if waiting {
		k := append([]byte(nil), key...)
		go b.signal(db, [][]byte{k})
	}
}

// eachBlockedKey calls fn for every key a client is blocked on in db
// (every database when db < 0).
func (b *blocking) eachBlockedKey(db int, fn func(db int, key string)) {
	b.mu.Lock()
	var found []dbKey
	for d, m := range b.dbs {
		if db >= 0 && d != db {
			continue
		}
		for k, kq := range m {
			if len(kq.q) > 0 {
				found = append(found, dbKey{d, []byte(k)})
			}
		}
	}
	b.mu.Unlock()
	for _, f := range found {
		fn(f.db, string(f.key))
	}
}
