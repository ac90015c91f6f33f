package command

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"redpool/backend"
)

// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, as Redis 7.0.
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
		{Name: "multi", Arity: 1, Flags: NoScript | AllowBusy | Fast | RunsInMulti, Run: multi, Group: "transactions", Summary: "Starts a transaction.", Since: "1.2.0"},
		{Name: "exec", Arity: 1, Flags: NoScript | RunsInMulti | SkipSlowlog, Run: exec, Group: "transactions", Summary: "Executes all commands in a transaction.", Since: "1.2.0"},
		{Name: "discard", Arity: 1, Flags: NoScript | AllowBusy | Fast | RunsInMulti, Run: discard, Group: "transactions", Summary: "Discards a transaction.", Since: "2.0.0"},
		{Name: "watch", Arity: -2, Flags: NoScript | AllowBusy | Fast | RunsInMulti, Keys: KeySpec{1, -1, 1}, Run: watch, Group: "transactions", Summary: "Monitors changes to keys to determine the execution of a transaction.", Since: "2.2.0"},
		{Name: "unwatch", Arity: 1, Flags: NoScript | AllowBusy | Fast, Run: unwatch, Group: "transactions", Summary: "Forgets about watched keys of a transaction.", Since: "2.2.0"},
	}
}

// multiState is a client's transaction in the making, made by its first
// MULTI and kept for its life (Client.transaction). Only the client's own
// session touches it.
//
// What EXEC needs of the queued commands is worked out as each is
// queued, once: the spec (looked up and checked then), the ACL user it
// was checked against, and what EXEC locks (write, all and keys).
type multiState struct {
	on    bool
	dirty bool // a command was refused while queueing: EXEC aborts
	queue []queuedCmd
	args  argArena // the queued commands' arguments
	// kept are the big arguments the session gave away (Ctx.GiveArgs)
	// that queued commands took over instead of copying them; each
	// queuedCmd.kept is a part of it.
	kept [][]byte
	// write: a queued command writes, or is PFCOUNT (read-only, but it
	// may cache a cardinality); all: EXEC locks every key (a command's
	// keys are not known in advance); keys[:nkeys] are the queued
	// commands' keys, to which EXEC adds the watched ones (execOptions).
	write, all bool
	keys       [][]byte
	nkeys      int
	// borrowed: a queued command's arguments are the batch's
	// (Ctx.BeginBatch), copied if the batch ends first (keepBorrowed).
	borrowed bool
	// shown is what CLIENT LIST reports, read by other clients: the
	// number of queued commands plus one, 0 outside MULTI. While the
	// session runs a batch (Ctx.BeginBatch) it is published with its
	// statistics (show). It is the client's multiShown, outside the
	// multiState, which other clients do not see.
	shown *atomic.Int32
}

// queuedCmd is a command queued after MULTI. args is a copy in the
// queue's arena, except the arguments in kept, which the session gave
// away; all are valid until EXEC or DISCARD ends the transaction.
type queuedCmd struct {
	spec *Spec
	args [][]byte
	kept [][]byte
	// user is the ACL user (an immutable snapshot) the command was
	// checked against when queued: EXEC checks it again only if the
	// client's user is another one by then (checkQueuedACL).
	user *aclUser
	// borrowed: args are the session's (the list and its arguments),
	// valid until its batch ends.
	borrowed bool
}

// maxKeptQueue is the largest queue whose memory is kept for the next
// transaction.
const maxKeptQueue = 1024

// reset ends the transaction, if any, and lets go of the queue.
func (m *multiState) reset() {
	if m == nil {
		return
	}
	clear(m.queue)
	m.queue = m.queue[:0]
	clear(m.keys)
	m.keys, m.nkeys = m.keys[:0], 0
	clear(m.kept)
	m.kept = m.kept[:0]
	m.args.reset()
	if cap(m.queue) > maxKeptQueue {
		m.queue, m.keys, m.kept = nil, nil, nil
	}
	m.on, m.dirty, m.write, m.all, m.borrowed = false, false, false, false, false
	m.show()
}

// show publishes the transaction's size for CLIENT LIST (shown).
func (m *multiState) show() {
	if m == nil {
		return
	}
	n := int32(0)
	if m.on {
		n = int32(len(m.queue) + 1)
	}
	if m.shown.Load() != n { // a load costs less than a store
		m.shown.Store(n)
	}
}

// InMulti reports whether the client is between MULTI and EXEC/DISCARD.
func (cl *Client) InMulti() bool { return cl.multi != nil && cl.multi.on }

// transaction returns the client's multiState, making it the first time.
func (cl *Client) transaction() *multiState {
	if cl.multi == nil {
		cl.multi = &multiState{shown: &cl.multiShown}
	}
	return cl.multi
}

// dispatchMulti handles a command that passed Check while the client is in
// MULTI, and reports whether it did (false: run it now).
func (c *Ctx) dispatchMulti(spec *Spec, args [][]byte) bool {
	if spec.Flags&RunsInMulti != 0 {
		return false
	}
	m := c.Client.multi
	if spec.Flags&NoMulti != 0 {
		m.dirty = true
		c.Error(ErrNotInMulti)
		return true
	}
	q := queuedCmd{spec: spec, user: c.aclUser()}
	if c.batching() && len(c.owned) == 0 {
		// The batch's own list, valid until the batch ends, which mostly
		// runs the EXEC too: nothing to copy.
		q.args, q.borrowed = args, true
		m.borrowed = true
	} else {
		q.args, q.kept = m.queueArgs(c, args)
	}
	m.addLocks(spec, q.args)
	m.queue = append(m.queue, q)
	if !c.batching() {
		m.show()
	}
	c.out = append(c.out, "+QUEUED\r\n"...) // as OK: the same in RESP2 and RESP3
	return true
}

// queueArgs returns the arguments args of a command to queue, valid
// until the transaction ends: a copy in the arena, except the arguments
// the session gave away, which are taken over as they are (kept).
func (m *multiState) queueArgs(c *Ctx, args [][]byte) (argv, kept [][]byte) {
	if len(c.owned) == 0 {
		return m.args.copy(args), nil
	}
	start, first := len(m.args.argv), len(m.kept)
	for _, x := range args {
		if c.takeArg(x) {
			m.args.argv = append(m.args.argv, x)
			m.kept = append(m.kept, x)
			continue
		}
		m.args.copy([][]byte{x})
	}
	end, last := len(m.args.argv), len(m.kept)
	return m.args.argv[start:end:end], m.kept[first:last:last]
}

// keepBorrowed copies, while the transaction is open, the arguments its
// queued commands borrowed from a batch that ends (Ctx.EndBatch), and
// works out again the keys EXEC locks, which were theirs.
func (m *multiState) keepBorrowed() {
	if m == nil || !m.borrowed {
		return
	}
	m.borrowed = false
	if !m.on {
		return
	}
	clear(m.keys)
	m.keys, m.nkeys, m.write, m.all = m.keys[:0], 0, false, false
	for i := range m.queue {
		q := &m.queue[i]
		if q.borrowed {
			q.args, q.borrowed = m.args.copy(q.args), false
		}
		m.addLocks(q.spec, q.args)
	}
}

// addLocks adds what EXEC must lock for a command queued: its keys, or
// every key when they are not known in advance (keyless data commands,
// commands crossing databases, SELECT inside the transaction).
func (m *multiState) addLocks(spec *Spec, args [][]byte) {
	f := spec.Flags
	if len(spec.Subcommands) > 0 && len(args) > 1 {
		if sub := spec.findSub(args[1]); sub != nil {
			f |= sub.Flags // FUNCTION LOAD writes
		}
	}
	if f&(Write|UpdateTx) != 0 { // PFCOUNT may cache a cardinality
		m.write = true
	}
	if spec.Name == "select" {
		m.all = true
	}
	if f&Script != 0 || spec.Name == "debug" { // DEBUG RELOAD holds every key
		m.write, m.all = true, true
	}
	if f&(Write|ReadOnly) == 0 || m.all {
		return
	}
	keys, all, ok := spec.keys(m.keys[:m.nkeys], args)
	if all || !ok || len(keys) == m.nkeys {
		m.all = true
	}
	m.keys, m.nkeys = keys, len(keys)
}

// refuse replies to a command Check refused. Inside MULTI that dooms the
// transaction; EXEC itself, refused, aborts it with the reason (and
// forgets the watched keys, as every EXEC does).
func (c *Ctx) refuse(args [][]byte, err error) {
	if spec := c.e.table.Lookup(args[0]); spec != nil && spec.Name == "exec" {
		c.Client.multi.reset()
		c.unwatchAll()
		if _, redirect := err.(clusterRefused); redirect {
			c.Error(err) // Redis discards the transaction and sends the redirect as it is
			return
		}
		c.Error(execAbort(err))
		return
	}
	if c.Client.InMulti() {
		c.Client.multi.dirty = true
	}
	c.Error(err)
}

// execAbort is EXEC's reply when the EXEC itself is refused: the refusal's
// text without its "ERR " prefix, as Redis's execCommandAbort.
func execAbort(err error) Error {
	return Error("EXECABORT Transaction discarded because of: " + strings.TrimPrefix(replyError(err), "ERR "))
}

// argArena copies argument lists end to end into buffers it keeps from one
// use to the next, so that queueing a command allocates nothing once they
// have grown. A copy is valid until reset: growing a buffer leaves the
// copies already made in the old one, which is never written again.
type argArena struct {
	buf  []byte
	argv [][]byte
}

// maxKeptArena is the largest arena buffer kept across resets.
const maxKeptArena = 64 * 1024

// copy copies args into the arena.
func (a *argArena) copy(args [][]byte) [][]byte {
	start := len(a.argv)
	for _, x := range args {
		a.argv = append(a.argv, a.keep(x))
	}
	return a.argv[start:len(a.argv):len(a.argv)]
}

// keep returns a copy of x in the arena, valid until reset.
func (a *argArena) keep(x []byte) []byte {
	a.buf = append(a.buf, x...)
	n := len(a.buf)
	return a.buf[n-len(x) : n : n]
}

// reset forgets every copy.
func (a *argArena) reset() {
	clear(a.argv)
	a.argv, a.buf = a.argv[:0], a.buf[:0]
	if cap(a.buf) > maxKeptArena || cap(a.argv) > maxKeptArena/8 {
		a.argv, a.buf = nil, nil
	}
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
	m := c.Client.transaction()
	if m.on {
		return ErrMultiNested
	}
	m.on = true
	if !c.batching() {
		m.show()
	}
	c.tookNoTime()
	c.OK()
	return nil
}

func discard(c *Ctx) error {
	if !c.Client.InMulti() {
		return ErrDiscardNoMulti
	}
	c.Client.multi.reset()
	c.unwatchAll()
	c.OK()
	return nil
}

func exec(c *Ctx) error {
	m := c.Client.multi
	if m == nil || !m.on {
		return ErrExecNoMulti
	}
	defer func() {
		m.reset()
		c.unwatchAll()
	}()
	if m.dirty {
		return ErrExecAbort
	}
	m.show() // a queued CLIENT LIST sees multi= as Redis shows it
	if c.Client.flags.has(flagWatchTouched) {
		c.NullArray()
		return nil
	}
	write, o := c.execOptions()
	if write {
		if err := c.e.writeBlocked(); err != nil {
			return execAbort(err)
		}
	}
	mark := len(c.out)
	if err := c.Atomically(write, o, c.execFn); err != nil {
		c.out = c.out[:mark]
		return err
	}
	return nil
}

// execQueued runs the queued commands inside EXEC's transaction. NewCtx
// binds it to c.execFn once, so that EXEC makes no closure.
func (c *Ctx) execQueued() error {
	m := c.Client.multi
	if c.watchesBroken() {
		c.NullArray()
		return nil
	}
	// As in Redis, a reply is dropped if CLIENT REPLY is OFF when it is
	// written: a queued CLIENT REPLY OFF or ON applies from the next
	// reply on (the array's header included).
	c.repliesFiltered = true
	mark := len(c.out)
	c.Array(len(m.queue))
	c.dropIfRepliesOff(mark)
	c.beginTxLog()
	t := &c.rare.txLog // beginTxLog made c.rare
	// The first command starts when EXEC did (its locks taken since are
	// its time, as a command's own locks are): no clock read.
	c.lastEnd, c.lastIO = c.statNow().start, c.ioMark()
	owned, ran := c.owned, false
	for _, q := range m.queue {
		mark = len(c.out)
		if q.user != c.aclUser() {
			if err := c.checkQueuedACL(q.spec, q.args); err != nil {
				c.Error(err) // the user lost the permission since MULTI
				c.dropIfRepliesOff(mark)
				continue
			}
		}
		c.owned, t.lasting = q.kept, q.args
		if len(q.kept) != 0 {
			// The backend may own a kept argument by the time the log is
			// written, and a later command change it in place: copy.
			t.lasting = nil
		}
		c.Run(q.spec, q.args)
		c.dropIfRepliesOff(mark)
		ran = true
	}
	c.owned, t.lasting = owned, nil
	c.endTxLog()
	if ran {
		c.endWithInner()
	}
	return nil
}

// aclUser is the client's ACL user now (nil: none).
func (c *Ctx) aclUser() *aclUser {
	if ref := c.Client.acl.user.Load(); ref != nil {
		return ref.load()
	}
	return nil
}

// execOptions returns what EXEC locks: the queued commands' keys
// (addLocks) and the watched keys in the client's database, or everything;
// write is whether any queued command writes.
func (c *Ctx) execOptions() (write bool, o backend.TxOptions) {
	m := c.Client.multi
	o.DB, o.All = c.Client.DB(), m.all
	keys := m.keys[:m.nkeys]
	for k := range c.Client.watching {
		if k.db != o.DB {
			o.All = true
			break
		}
		keys = append(keys, []byte(k.key))
	}
	m.keys = keys
	if !o.All {
		o.Keys = keys
	}
	return m.write, o
}

// WATCH: optimistic locking.
//
// A client's watched keys are in the engine's watch registry. A command that
// changes something (Ctx.logCommand, under its locks) marks every client
// watching one of its keys: the keys it names itself if it does
// (Ctx.Touch: DEL marks only the keys it deleted, SORT only its STORE key;
// FLUSHDB, FLUSHALL and SWAPDB only the watched keys that existed, as
// Redis's touchAllWatchedKeysInDb), else its key arguments in its own
// database, the same names in every database for commands that cross
// databases (MOVE, COPY ... DB). Expiry needs no hook: WATCH notes the key's
// expiry time, and a key that existed then and whose time has come by EXEC
// has expired since (lazily or not), unless a write already marked it. A
// key already expired when watched was absent, so only a later write
// marks it, as in Redis 7.0. EXEC checks the mark inside its transaction,
// with the watched keys locked too, so a write is either before the check
// (EXEC answers a null array) or after the whole EXEC.
//
// WATCH itself runs in a write transaction on its keys (without writing):
// on bolt, whose reads do not wait for writes, that orders it after every
// write already marking clients, so a read after WATCH sees every write
// that did not mark it.

// watchKey is a watched key of a database.
type watchKey struct {
	db  int
	key string
}

// watchRegistry maps watched keys to the clients watching them. It is safe
// for concurrent use.
type watchRegistry struct {
	n     atomic.Int64 // watched (client, key) pairs: marking is skipped while 0
	mu    sync.Mutex
	byKey map[watchKey][]*Client
}

// add registers cl as watching k.
func (w *watchRegistry) add(cl *Client, k watchKey) {
	w.mu.Lock()
	if w.byKey == nil {
		w.byKey = make(map[watchKey][]*Client)
	}
	w.byKey[k] = append(w.byKey[k], cl)
	w.mu.Unlock()
	w.n.Add(1)
}

// remove forgets every key cl watches (keys: cl's watched keys).
func (w *watchRegistry) remove(cl *Client, keys map[watchKey]int64) {
	if len(keys) == 0 {
		return
	}
	w.mu.Lock()
	for k := range keys {
		list := w.byKey[k]
		if i := slices.Index(list, cl); i >= 0 {
			list = slices.Delete(list, i, i+1)
		}
		if len(list) == 0 {
			delete(w.byKey, k)
		} else {
			w.byKey[k] = list
		}
	}
	w.mu.Unlock()
	w.n.Add(-int64(len(keys)))
}

// touch marks the clients watching keys of database db (db < 0: those
// names in every database), or, with no keys, every watched key of db (db
// < 0: of every database).
func (w *watchRegistry) touch(db int, keys [][]byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(keys) == 0 || db < 0 {
		for k, list := range w.byKey {
			if (db < 0 || k.db == db) && (len(keys) == 0 || slices.ContainsFunc(keys, func(b []byte) bool { return string(b) == k.key })) {
				markAll(list)
			}
		}
		return
	}
	for _, key := range keys {
		markAll(w.byKey[watchKey{db, string(key)}])
	}
}

// touchKey marks the clients watching key of database db.
func (w *watchRegistry) touchKey(db int, key []byte) {
	w.mu.Lock()
	markAll(w.byKey[watchKey{db, string(key)}])
	w.mu.Unlock()
}

// keysOf returns a copy of the keys of database db that some client
// watches.
func (w *watchRegistry) keysOf(db int) [][]byte {
	if w.n.Load() == 0 {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var out [][]byte
	for k := range w.byKey {
		if k.db == db {
			out = append(out, []byte(k.key))
		}
	}
	return out
}

// touchLiveWatched records, before a command empties database db or
// replaces its contents with those of database with (SWAPDB; -1: none),
// which watched keys of db that changes, as Redis's
// touchAllWatchedKeysInDb: those that exist in db or in with, and no
// other. The command must hold every lock.
func (c *Ctx) touchLiveWatched(db, with int) error {
	c.cmd.ownTouch = true
	for _, key := range c.e.watches.keysOf(db) {
		live, err := existsIn(c.Tx, db, key)
		if err == nil && !live && with >= 0 {
			live, err = existsIn(c.Tx, with, key)
		}
		if err != nil {
			return err
		}
		if live {
			c.cmd.touched = append(c.cmd.touched, dbKey{db, key})
		}
	}
	return nil
}

// touchSwapped records the watched keys SWAPDB a b changes (none when a
// is b, as in Redis).
func (c *Ctx) touchSwapped(a, b int) error {
	c.cmd.ownTouch = true
	if a == b {
		return nil
	}
	if err := c.touchLiveWatched(a, b); err != nil {
		return err
	}
	return c.touchLiveWatched(b, a)
}

// existsIn reports whether key exists in database db of tx's transaction.
func existsIn(tx backend.Tx, db int, key []byte) (bool, error) {
	if db != tx.DB() {
		var err error
		if tx, err = tx.WithDB(db); err != nil {
			return false, err
		}
	}
	return tx.Exists(key)
}

func markAll(list []*Client) {
	for _, cl := range list {
		cl.flags.set(flagWatchTouched, true)
	}
}

// touchWatched marks the clients watching what the command that just
// changed something on db may have changed. It runs under the command's
// locks.
func (c *Ctx) touchWatched(db int) {
	w := &c.e.watches
	if w.n.Load() == 0 || c.spec == nil {
		return
	}
	if c.cmd.ownTouch {
		for _, k := range c.cmd.touched {
			w.touchKey(k.db, k.key)
		}
		return
	}
	keys, all, ok := c.spec.keys(c.watchBuf[:0], c.Args)
	switch {
	case !ok || len(keys) == 0:
		keys = keys[:0]
		if all {
			db = -1
		}
	case all:
		db = -1
	}
	w.touch(db, keys)
	clear(keys)
	c.watchBuf = keys[:0]
}

// unwatchAll forgets the client's watched keys and their mark.
func (c *Ctx) unwatchAll() {
	cl := c.Client
	if len(cl.watching) != 0 {
		c.e.watches.remove(cl, cl.watching)
		clear(cl.watching)
	}
	if cl.flags.has(flagWatchTouched) { // a load costs less than a store
		cl.flags.set(flagWatchTouched, false)
	}
}

// watchesBroken reports whether a watched key was touched, or has expired,
// since WATCH. EXEC calls it inside its transaction.
func (c *Ctx) watchesBroken() bool {
	cl := c.Client
	if cl.flags.has(flagWatchTouched) {
		return true
	}
	if len(cl.watching) == 0 {
		return false
	}
	now := backend.NowMs(c.e.clock)
	for _, at := range cl.watching {
		if at != 0 && at <= now {
			return true
		}
	}
	return false
}

func watch(c *Ctx) error {
	if c.Client.InMulti() {
		return ErrWatchInMulti
	}
	return c.InTx(true, c.Args[1:], func(c *Ctx) error {
		cl, db := c.Client, c.Tx.DB()
		for _, key := range c.Args[1:] {
			k := watchKey{db, string(key)}
			if _, dup := cl.watching[k]; dup {
				continue
			}
			at, exists, err := c.Tx.ExpireAt(key)
			if err != nil {
				return err
			}
			if !exists {
				at = 0
			}
			if cl.watching == nil {
				cl.watching = make(map[watchKey]int64)
			}
			cl.watching[k] = at
			c.e.watches.add(cl, k)
		}
		c.OK()
		return nil
	})
}

func unwatch(c *Ctx) error {
	c.unwatchAll()
	c.OK()
	return nil
}
