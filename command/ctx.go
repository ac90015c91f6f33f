package command

import (
	"time"

	"redpool/backend"
)

// Ctx carries one command through the dispatcher and its handler. A session
// owns one Ctx and reuses it for every command; it is not safe for
// concurrent use. An idle session may let its Ctx go between commands
// (Release) and take a new one when its client sends more (SessionCtx):
// a field that carries something from one command to the next must be
// either handed on by Release or safe to lose.
//
// Execution has two steps. Check does the generic work (unknown command,
// arity, refused writes); Run then runs the handler in a transaction: its
// own, opened on the command's keys, or the one an enclosing Atomically
// (EXEC, a script) holds open, with no second lock. Either way the handler
// sees the transaction as c.Tx, and what it did goes into c's effects
// record: AOF records are written under the locks as each command ends,
// wake-ups and counters are applied after the commit.
type Ctx struct {
	// Args are the command's arguments, the name first. They alias the
	// session's read buffer: valid until the handler returns.
	Args [][]byte
	// Tx is open for Write and ReadOnly commands, nil otherwise.
	Tx     backend.Tx
	Client *Client
	Link   Link // set by NewCtx or SessionCtx, never changed

	e    *Engine
	spec *Spec
	out  []byte
	mark int // len(out) when the current command started
	// outCap is cap(out) at the last Reset: INFO's reply_buffer_expands
	// counts the Resets that find it grew past replyChunk and past that,
	// reply_buffer_shrinks those that let a big one go.
	outCap int

	// recent are the last commands lookup found, replaced in turn
	// (recentNext the next to go): a client mostly sends the same few
	// commands again (a transaction's MULTI, SET, INCR, EXEC), and
	// comparing a name with theirs costs less than a lookup.
	recent     [recentSpecs]*Spec
	recentNext int

	// askGuard is set by the cluster check for a command on a slot this
	// node is migrating whose keys were all here: its transaction checks
	// again, under the keys' locks, that MIGRATE has not moved one since.
	askGuard clusterAskGuard // to is nil: no guard

	owned [][]byte // arguments the session gave away (GiveArgs, owned.go)

	keyBuf     [][]byte
	keyScratch [][]byte // committed's per-database key lists
	lookupKeys [][]byte // countLookups' key list (keyspace_stats.go)
	// open is the transaction an enclosing Atomically holds, nil outside one.
	open     backend.Tx
	body     Handler // what runTx runs: the spec's handler, or InTx's fn
	cmd      cmdEffects
	fx       effects
	logSeq   uint64   // highest AOF record this batch must wait for
	watchBuf [][]byte // touchWatched's key list
	runTxFn  func(backend.Tx) error
	// atomFn and atomBody are Atomically's transaction body and what it
	// runs, execFn EXEC's (multi.go): bound once, so that neither makes a
	// closure. runTxFn and atomFn are bound at their first use.
	atomFn   func(backend.Tx) error
	atomBody func() error
	execFn   func() error
	// rare holds the buffers of commands most clients never run; nil
	// until the first of them (rareBufs).
	rare *ctxRare
	// shared is the run of commands ExecShared runs under one lock,
	// sharedDone how many have run; sharedKeys its key (sharedlock.go).
	shared     [][][]byte
	sharedDone int
	sharedKeys [][]byte
	sharedFn   func() error

	// stats[:depth] measure the commands running, the innermost last
	// (stats.go); stats grows to the deepest nesting seen.
	stats      []runStat
	depth      int
	waited     time.Duration // time the command spent blocked, not counted
	resets     int           // calls of Reset: replies flushed
	lastEnd    time.Duration // when the last top-level command ended
	lastIO     int64         // the client's ioMark then
	errReplies int64         // error replies written on c
	scripts    int           // scripts running on c (nested FCALL/EVAL: refused, but counted)
	counted    int64         // errReplies already charged to a command
	// pushes are the frames TakePushes took from the client's outbox,
	// written after out.
	pushes [][]byte
	// wakes are the sessions to wake once the batch is flushed (WakePushed).
	wakes []PushLink
	// oomAtStart: memory was over maxmemory, with nothing to evict, when
	// the command running began (Redis's pre_command_oom_state; set by
	// checkMemory while maxmemory is set): a script's redis.call of a
	// DenyOOM command is refused then.
	oomAtStart bool
	// repliesFiltered: the command dropped its own replies written while
	// CLIENT REPLY was OFF (EXEC, whose queued commands may turn it off
	// or on), so Exec drops none after it for OFF.
	repliesFiltered bool
	// pending are the statistics batched while the session runs commands
	// it read together (BeginBatch); nil until the first batch.
	pending *pendingStats
}

// NewCtx returns a context for a session of client on e, for the
// session's whole life: a link not nil is the client's connection for
// other clients too (CLIENT KILL), reached through c.
func (e *Engine) NewCtx(client *Client, link Link) *Ctx {
	c := e.newCtx(client, link)
	if link != nil {
		client.link.Store(&c.Link) // c.Link never changes: no copy of it to allocate
	}
	return c
}

// SessionCtx returns a context for a session of client on e that holds
// its connection at link itself, for as long as client is registered,
// and lets its context go while idle (Release), then takes another
// here: other clients reach the connection through link (CLIENT KILL),
// not through a context. *link must not change.
func (e *Engine) SessionCtx(client *Client, link *Link) *Ctx {
	if client.link.Load() != link {
		client.link.Store(link)
	}
	return e.newCtx(client, *link)
}

func (e *Engine) newCtx(client *Client, link Link) *Ctx {
	c := &Ctx{e: e, Client: client, Link: link} // out grows with the first replies: an idle client holds none
	c.execFn = c.execQueued
	return c
}

// Release ends a session's use of c between commands, its replies
// flushed (a SessionCtx the session no longer needs while its client is
// idle): what c holds for the shared counters (batched statistics, the
// reply buffer's growth) goes there, and c must not be used again. What
// else c carries from one command to the next only saves work and is
// lost: the commands looked up lately, when the last command ended (the
// next one reads the clock), the error replies counted so far (a
// command's own are those after its start).
func (c *Ctx) Release() {
	c.PublishStats()
	c.Reset() // counts a grown reply buffer, as a flush does
}

// ctxRare is the part of a Ctx that only some commands use: allocated
// at the first of them (Ctx.rareBufs), so that the Ctx of a client that
// never runs them, an idle one above all, stays small. Owned by the Ctx,
// reused for its life.
type ctxRare struct {
	txLog  txLog     // EXEC's and scripts' records, logged as one unit (effects.go)
	pubEnc [2][]byte // PUBLISH's encoding buffers (pubsub.go)
	// streamProp and streamID hold what XADD and XTRIM propagate
	// (streams_trim.go): reused, as Propagate's argv lives only until the
	// command ends.
	streamProp [][]byte
	streamID   streamIDText
	geo        geoCollector // GEOSEARCH's buffers (geo.go)
	// txSpecs are the specs of the transaction ExecMulti runs, kept
	// here so that it clears no array of its own.
	txSpecs [maxWholeTx]*Spec
}

// rareBufs returns c's rarely used buffers, allocating them the first
// time.
func (c *Ctx) rareBufs() *ctxRare {
	if c.rare == nil {
		c.rare = new(ctxRare)
	}
	return c.rare
}

// Engine returns the engine the command runs on.
func (c *Ctx) Engine() *Engine { return c.e }

// Out returns the replies written since the last Reset. The slice belongs
// to c and is valid until the next call on c.
func (c *Ctx) Out() []byte { return c.out }

// replyChunk is Redis's PROTO_REPLY_CHUNK_BYTES, a client's reply buffer
// before it expands.
const replyChunk = 16 * 1024

// Reset empties the reply buffer after the session has written it out. A
// buffer grown far beyond normal by one huge reply is released.
func (c *Ctx) Reset() {
	if n := cap(c.out); n != c.outCap {
		if n > max(c.outCap, replyChunk) {
			c.e.counters.replyExpands.Add(1)
		}
		if n > 1<<20 {
			c.out = make([]byte, 0, replyChunk)
			c.e.counters.replyShrinks.Add(1)
		}
		c.outCap = cap(c.out)
	}
	c.out = c.out[:0]
	c.logSeq = 0
	c.resets++
	if c.pushes != nil {
		c.Client.FramesWritten(c.pushes)
		c.pushes = nil
	}
}

// BeginBatch tells c that its session runs, until EndBatch, commands it
// read together: their argument lists and arguments stay as they are
// until then (a command queued in MULTI keeps them instead of copying
// them), and their statistics are batched (batchStats). Only c's
// session calls it.
func (c *Ctx) BeginBatch() { c.batchStats(true) }

// EndBatch ends the batch: its statistics are published, and a
// transaction still open copies the arguments its queued commands
// borrowed.
func (c *Ctx) EndBatch() {
	c.batchStats(false)
	c.Client.multi.keepBorrowed()
}

// LogSeq is the AOF record the replies in Out must wait for (0: none).
func (c *Ctx) LogSeq() uint64 { return c.logSeq }

// Prefetch warms the backend for the keys of cmds, commands the session has
// read and is about to run on c, if the backend is a backend.Prefetcher.
// It is only a hint: it changes nothing. A key equal to one of the last
// few keys before it is left out: a pipeline on one hot key, or on a few
// (pipelined transactions: MULTI; SET k v; INCR n; EXEC), warms nothing,
// and so takes no lock of those keys' shards beyond the ones its
// commands take. Once prefetchQuiet commands in a row have named only
// such keys, the rest of the batch is taken to repeat them too, and is
// not read: a batch of transactions on a few keys costs a few commands'
// lookups, not all of them.
func (e *Engine) Prefetch(c *Ctx, cmds [][][]byte) {
	if e.prefetcher == nil {
		return
	}
	keys, quiet := c.keyBuf[:0], 0
	for _, args := range cmds {
		spec := c.lookup(args[0])
		if spec == nil || spec.Flags&(Write|ReadOnly) == 0 || !spec.arityOK(len(args)) {
			continue
		}
		n := len(keys)
		keys, _, _ = spec.keys(keys, args)
		if len(keys) != n+1 || !prefetchSeen(keys[max(n-prefetchWindow, 0):n], keys[n]) {
			quiet = 0
			continue
		}
		keys = keys[:n]
		if quiet++; quiet == prefetchQuiet {
			break
		}
	}
	if len(keys) > 1 {
		_ = e.prefetcher.Prefetch(c.Client.DB(), keys)
	}
	c.keyBuf = keys[:0]
}

// prefetchWindow is how many of the keys before a key Prefetch compares
// it with.
const prefetchWindow = 4

// prefetchQuiet is how many commands in a row naming only keys just seen
// end Prefetch's reading of a batch.
const prefetchQuiet = 2 * prefetchWindow

// prefetchSeen reports whether key is one of keys.
func prefetchSeen(keys [][]byte, key []byte) bool {
	for _, k := range keys {
		if string(k) == string(key) {
			return true
		}
	}
	return false
}

// Exec runs one command and appends its reply to c's buffer. After MULTI
// it queues the command instead (multi.go).
func (e *Engine) Exec(c *Ctx, args [][]byte) { e.execFound(c, nil, args) }

// execFound is Exec for args, whose command is spec if not nil (already
// looked up, not yet counted or checked).
func (e *Engine) execFound(c *Ctx, spec *Spec, args [][]byte) {
	mark, resets := len(c.out), c.resets
	e.exec(c, spec, args)
	c.noteReplyPeak()
	if c.Client.replyMode != replyOn { // CLIENT REPLY OFF or SKIP
		if c.resets != resets { // flushed while blocking
			mark = 0
		}
		if !c.repliesFiltered || c.Client.replyMode != replyOff {
			c.applyReplyMode(mark)
		}
	}
	c.repliesFiltered = false
}

func (e *Engine) exec(c *Ctx, spec *Spec, args [][]byte) {
	spec, err := e.check(c, spec, args)
	defer c.trackingAfterCommand(spec)
	if err != nil {
		c.refuse(args, err)
		return
	}
	if e.scripts.busyN.Load() != 0 {
		if err := e.checkBusy(spec, args); err != nil {
			c.Error(err)
			return
		}
	}
	if e.pause.on.Load() {
		c.waitPause(spec)
	}
	if e.mm.limit.Load() != 0 {
		if err := c.checkMemory(spec, args); err != nil {
			c.refuse(args, err)
			return
		}
	}
	if c.Client.InMulti() && c.dispatchMulti(spec, args) {
		// No clock read: a command queued with the EXEC in one batch
		// (commands read together, with no read or write between them)
		// counts in EXEC's time, as the queue of a batch is short;
		// after a read or write the EXEC reads the clock at its start.
		return
	}
	c.Run(spec, args)
}

// Check does the dispatcher's generic checks on args, a command about to
// run (or be queued) on c: the command exists, its arity fits, and writes
// are not refused. It returns the command's spec, or the error to reply.
func (e *Engine) Check(c *Ctx, args [][]byte) (*Spec, error) { return e.check(c, nil, args) }

// check is Check for args, whose command is spec if not nil.
func (e *Engine) check(c *Ctx, spec *Spec, args [][]byte) (*Spec, error) {
	c.countCommand()
	if spec == nil {
		if spec = c.lookup(args[0]); spec == nil {
			return nil, UnknownCommand(args)
		}
	}
	if err := e.checkFound(c, spec, args); err != nil {
		return nil, err
	}
	return spec, nil
}

// countCommand counts a command processed (total_commands_processed).
func (c *Ctx) countCommand() {
	if c.batching() {
		c.pending.commands++ // published with the batch
	} else {
		c.Client.traffic.commands.Add(1)
	}
}

// checkFound is Check's part after the lookup: spec is args's command,
// already counted as processed.
func (e *Engine) checkFound(c *Ctx, spec *Spec, args [][]byte) error {
	c.noteCmd(spec)
	if !spec.arityOK(len(args)) {
		c.reject(spec)
		return WrongArity(spec.Name)
	}
	if err := c.checkACL(spec, args); err != nil {
		c.reject(spec)
		return err
	}
	if m := e.cluster.load(); m != nil { // cluster mode: Redis's getNodeByQuery (cluster_route.go)
		if err := c.clusterCheck(m, spec, args); err != nil {
			c.reject(spec)
			return clusterRefused{err}
		}
	}
	if spec.Flags&Write != 0 {
		if err := e.writeBlocked(); err != nil {
			c.reject(spec)
			return err
		}
		if e.repl.minReplicas.Load() != 0 && !e.repl.enoughReplicas() {
			c.reject(spec)
			return ErrNoReplicas
		}
	}
	if e.repl.replicaOn.Load() && !c.Client.flags.has(flagFromPrimary) {
		if err := e.repl.refuse(spec); err != nil {
			c.reject(spec)
			return err
		}
	}
	if spec.Flags&SubscribedOK == 0 && c.Client.Subscribed() && !c.resp3() {
		return subscribedModeError(spec, args)
	}
	return nil
}

// recentSpecs is how many commands lookup remembers.
const recentSpecs = 4

// lookup is e.table.Lookup, remembering the last few commands found
// (Ctx.recent). The table never changes.
func (c *Ctx) lookup(name []byte) *Spec {
	for _, s := range &c.recent {
		if s != nil && len(s.Name) == len(name) && equalFold(name, s.Name) {
			return s
		}
	}
	s := c.e.table.Lookup(name)
	if s != nil {
		c.recent[c.recentNext] = s
		c.recentNext = (c.recentNext + 1) % recentSpecs
	}
	return s
}

// Run runs a command that passed Check and appends its reply to c's
// buffer. Inside Atomically it runs in the open transaction; otherwise a
// data command runs in a transaction of its own on its keys.
func (c *Ctx) Run(spec *Spec, args [][]byte) {
	c.beginStat(spec, args)
	defer c.endStat(args)
	c.Args, c.spec, c.mark = args, spec, len(c.out)
	if spec.Flags&ReadOnly != 0 {
		c.trackRead(spec, args)
	}
	var err error
	switch {
	case spec.Flags&NoTx != 0 || spec.Flags&(Write|ReadOnly) == 0:
		err = spec.Run(c)
	case c.open != nil:
		err = c.runOpen(spec.Run)
	default:
		err = c.transact(spec.Flags&(Write|UpdateTx) != 0, c.txOptions(spec, args), spec.Run)
	}
	if err != nil {
		c.out = c.out[:c.mark]
		c.Error(err)
	}
	c.Args, c.Tx = nil, nil
	c.keyBuf = c.keyBuf[:0]
	if r := c.rare; r != nil && len(r.streamProp) != 0 {
		clear(r.streamProp) // it aliased Args
		r.streamProp = r.streamProp[:0]
	}
}

// Atomically runs fn with one transaction open on o (a write transaction
// if write): every command that fn runs through Exec or Run, and every
// InTx, runs inside it without taking locks of its own, so no other client
// sees part of what fn does. Commands touching keys o does not name fail
// with backend.ErrNotLocked. Wake-ups and counters of all of them apply
// after the commit; if the transaction fails they are dropped. Inside an
// open transaction, Atomically just calls fn.
func (c *Ctx) Atomically(write bool, o backend.TxOptions, fn func() error) error {
	if c.open != nil || c.Tx != nil {
		return fn()
	}
	c.atomBody = fn
	if c.atomFn == nil {
		c.atomFn = c.runAtomic // bound once
	}
	var err error
	if write {
		err = c.e.backend.Update(o, c.atomFn)
	} else {
		err = c.e.backend.View(o, c.atomFn)
	}
	c.atomBody = nil
	if err != nil {
		c.fx.reset()
		return err
	}
	c.committed()
	return nil
}

// runAtomic is the body of Atomically's transaction.
func (c *Ctx) runAtomic(tx backend.Tx) error {
	c.open = tx
	defer func() { c.open = nil }()
	return c.atomBody()
}

// InTx runs fn in a transaction on the client's database, as the
// dispatcher runs ordinary commands: keys are locked (nil keys: the whole
// database), fn's replies are kept only if it returns nil, and its
// wake-ups apply after the commit. It is for NoTx commands, such as
// blocking pops, that need several transactions. Inside an open
// transaction (Atomically, or a handler's own) it runs fn there.
func (c *Ctx) InTx(write bool, keys [][]byte, fn Handler) error {
	savedMark := c.mark
	c.mark = len(c.out)
	var err error
	switch {
	case c.Tx != nil:
		err = fn(c)
	case c.open != nil:
		err = c.runOpen(fn)
	default:
		o := backend.TxOptions{DB: c.Client.DB(), Keys: keys, All: len(keys) == 0}
		err = c.transact(write, o, fn)
	}
	if err != nil {
		c.out = c.out[:c.mark]
	}
	c.mark = savedMark
	return err
}

// InScript reports whether the command runs inside a script (Redis's
// CLIENT_SCRIPT): SORT then sorts a set even with BY nosort.
func (c *Ctx) InScript() bool { return c.scripts > 0 }

// InOpenTx reports whether c runs inside a transaction that Atomically
// holds open (EXEC, a script): blocking commands then do not block.
func (c *Ctx) InOpenTx() bool { return c.open != nil }

// transact runs fn as one command in a transaction of its own.
func (c *Ctx) transact(write bool, o backend.TxOptions, fn Handler) error {
	c.body = fn
	if c.runTxFn == nil {
		c.runTxFn = c.runTx // bound once
	}
	var err error
	if write {
		err = c.e.backend.Update(o, c.runTxFn)
	} else {
		err = c.e.backend.View(o, c.runTxFn)
	}
	c.body = nil
	if err != nil {
		c.fx.reset()
		return err
	}
	c.committed()
	return nil
}

// runTx is the body of a transaction transact opened.
func (c *Ctx) runTx(tx backend.Tx) error { return c.step(tx, c.body) }

// runOpen runs fn as one command in the open transaction, on the client's
// database (SELECT may have changed it since the transaction began).
func (c *Ctx) runOpen(fn Handler) error {
	tx := c.open
	if db := c.Client.DB(); db != tx.DB() {
		var err error
		if tx, err = tx.WithDB(db); err != nil {
			return err
		}
	}
	return c.step(tx, fn)
}

// step runs fn as one command against tx and, if it succeeds, records its
// effects while tx's locks are held.
func (c *Ctx) step(tx backend.Tx, fn Handler) error {
	if c.askGuard.to != nil {
		if err := c.askGuard.recheck(c, tx); err != nil {
			return err
		}
	}
	c.Tx = tx
	c.cmd.reset()
	events := len(c.fx.events)
	err := fn(c)
	c.Tx = nil
	c.countLookups(tx, err)
	if c.spec == nil || c.spec.Flags&Write == 0 {
		c.noteStale(tx) // a write's own lookups delete expired keys
	}
	if err != nil {
		c.fx.events = c.fx.events[:events] // a failed command changed nothing
		return err
	}
	if err := c.notifyKeyMisses(tx); err != nil {
		return err
	}
	c.logCommand(tx.DB())
	return nil
}

func (c *Ctx) txOptions(spec *Spec, args [][]byte) backend.TxOptions {
	keys, all, _ := spec.keys(c.keyBuf[:0], args)
	c.keyBuf = keys
	return backend.TxOptions{
		DB:      c.Client.DB(),
		Keys:    keys,
		All:     all || len(keys) == 0,
		NoTouch: spec.Flags&NoKeyMiss != 0, // OBJECT: Redis's LOOKUP_NOTOUCH too
	}
}

// writeBlocked reports why writes are refused, if they are.
func (e *Engine) writeBlocked() error {
	if e.log != nil {
		if err := e.log.Err(); err != nil {
			return MisconfAOF(err)
		}
	}
	if e.persister != nil && e.persister.Err() != nil {
		return ErrMisconfRDB
	}
	return nil
}

// Sub dispatches a container command (CONFIG, CLIENT, ...) to the
// subcommand named by Args[1], checking its arity. cmd is the name Redis
// prints in its hint, e.g. "CONFIG".
func (c *Ctx) Sub(cmd string) error {
	sub := c.spec.findSub(c.Args[1])
	if sub == nil {
		c.chargeSub(nil, false)
		return UnknownSubcommand(c.Args[1], cmd)
	}
	if !sub.arityOK(len(c.Args)) {
		c.chargeSub(sub, true)
		return WrongArity(c.spec.Name + "|" + sub.Name)
	}
	c.chargeSub(sub, false)
	c.Client.lastCmd.Store(sub) // at once: CLIENT INFO shows the client's own
	if c.batching() {
		c.pending.lastCmd = sub
	}
	return sub.Run(c)
}
