package command

import (
	"redpool/backend"
)

// Ctx carries one command through the dispatcher and its handler. A session
// owns one Ctx for its whole life and reuses it for every command; it is not
// safe for concurrent use.
type Ctx struct {
	// Args are the command's arguments, the name first. They alias the
	// session's read buffer: valid until the handler returns.
	Args [][]byte
	// Tx is open for Write and ReadOnly commands, nil otherwise.
	Tx     backend.Tx
	Client *Client
	Link   Link

	e    *Engine
	spec *Spec
	out  []byte
	mark int // len(out) when the current command started

	keyBuf  [][]byte
	body    Handler  // what runTx runs: the spec's handler, or InTx's fn
	signals [][]byte // keys written by this command, for blocked clients
	// dbSignals are keys written in other databases (MOVE, COPY ... DB, SWAPDB).
	dbSignals []dbKey
	dirty     int64
	props     [][][]byte // explicit AOF records; nil means "log Args"
	logSeq    uint64     // highest AOF record this batch must wait for
	runTxFn   func(backend.Tx) error
}

// NewCtx returns a context for a session of client on e.
func (e *Engine) NewCtx(client *Client, link Link) *Ctx {
	c := &Ctx{e: e, Client: client, Link: link, out: make([]byte, 0, 16*1024)}
	c.runTxFn = c.runTx
	return c
}

// Engine returns the engine the command runs on.
func (c *Ctx) Engine() *Engine { return c.e }

// Out returns the replies written since the last Reset. The slice belongs
// to c and is valid until the next call on c.
func (c *Ctx) Out() []byte { return c.out }

// Reset empties the reply buffer after the session has written it out. A
// buffer grown far beyond normal by one huge reply is released.
func (c *Ctx) Reset() {
	if cap(c.out) > 1<<20 {
		c.out = make([]byte, 0, 16*1024)
	}
	c.out = c.out[:0]
	c.logSeq = 0
}

// LogSeq is the AOF record the replies in Out must wait for (0: none).
func (c *Ctx) LogSeq() uint64 { return c.logSeq }

// CanPrefetch reports whether Prefetch does anything, so that a session
// need not gather commands for it otherwise.
func (e *Engine) CanPrefetch() bool { return e.prefetcher != nil }

// Prefetch warms the backend for the keys of cmds, commands the session has
// read and is about to run on c. It is only a hint: it changes nothing.
func (e *Engine) Prefetch(c *Ctx, cmds [][][]byte) {
	keys := c.keyBuf[:0]
	for _, args := range cmds {
		spec := e.table.Lookup(args[0])
		if spec != nil && spec.Flags&(Write|ReadOnly) != 0 && spec.arityOK(len(args)) {
			keys = spec.keys(keys, args)
		}
	}
	_ = e.prefetcher.Prefetch(c.Client.DB(), keys)
	c.keyBuf = keys[:0]
}

// Exec runs one command and appends its reply to c's buffer.
func (e *Engine) Exec(c *Ctx, args [][]byte) {
	c.Client.traffic.commands.Add(1)
	spec := e.table.Lookup(args[0])
	if spec == nil {
		c.Error(UnknownCommand(args))
		return
	}
	c.Client.lastCmd.Store(spec)
	if !spec.arityOK(len(args)) {
		c.Error(WrongArity(spec.Name))
		return
	}
	c.run(spec, args)
}

func (c *Ctx) run(spec *Spec, args [][]byte) {
	e := c.e
	if spec.Flags&Write != 0 {
		if err := e.writeBlocked(); err != nil {
			c.Error(err)
			return
		}
	}
	c.Args, c.spec, c.mark, c.body = args, spec, len(c.out), spec.Run
	var err error
	switch {
	case spec.Flags&NoTx != 0 || spec.Flags&(Write|ReadOnly) == 0:
		err = spec.Run(c)
	case spec.Flags&Write != 0:
		err = e.backend.Update(c.txOptions(spec, args), c.runTxFn)
	default:
		err = e.backend.View(c.txOptions(spec, args), c.runTxFn)
	}
	if err != nil {
		c.out = c.out[:c.mark]
		c.Error(err)
	}
	c.fireSignals()
	c.Args, c.Tx = nil, nil
	c.keyBuf = c.keyBuf[:0]
}

// InTx runs fn in a transaction on the client's database, as the dispatcher
// runs ordinary commands: keys are locked (nil keys: everything), fn's
// replies and AOF effects are kept only if it returns nil, and its signals
// fire after the commit. It is for NoTx commands, such as blocking pops,
// that need several transactions.
func (c *Ctx) InTx(write bool, keys [][]byte, fn Handler) error {
	savedBody, savedMark := c.body, c.mark
	c.body, c.mark = fn, len(c.out)
	o := backend.TxOptions{DB: c.Client.DB(), Keys: keys, All: len(keys) == 0}
	var err error
	if write {
		err = c.e.backend.Update(o, c.runTxFn)
	} else {
		err = c.e.backend.View(o, c.runTxFn)
	}
	mark := c.mark
	c.body, c.mark, c.Tx = savedBody, savedMark, nil
	if err != nil {
		c.out = c.out[:mark]
		c.signals, c.dbSignals = c.signals[:0], c.dbSignals[:0]
		return err
	}
	c.fireSignals()
	return nil
}

// Signal tells clients blocked on key (in the client's database) that it
// may have data, once the current transaction commits.
func (c *Ctx) Signal(key []byte) {
	c.signals = append(c.signals, append([]byte(nil), key...))
}

// SignalDB is Signal for a key of database db.
func (c *Ctx) SignalDB(db int, key []byte) {
	c.dbSignals = append(c.dbSignals, dbKey{db, append([]byte(nil), key...)})
}

type dbKey struct {
	db  int
	key []byte
}

func (c *Ctx) fireSignals() {
	if len(c.signals) > 0 {
		c.e.blocking.signal(c.Client.DB(), c.signals)
		c.signals = c.signals[:0]
	}
	for _, s := range c.dbSignals {
		c.e.blocking.signal(s.db, [][]byte{s.key})
	}
	c.dbSignals = c.dbSignals[:0]
}

func (c *Ctx) txOptions(spec *Spec, args [][]byte) backend.TxOptions {
	c.keyBuf = spec.keys(c.keyBuf[:0], args)
	return backend.TxOptions{
		DB:   c.Client.DB(),
		Keys: c.keyBuf,
		All:  spec.Flags&AllDBs != 0 || len(c.keyBuf) == 0,
	}
}

// runTx is the transaction body for every data command. It may run more
// than once (group-commit retries), so it resets what the handler produces.
func (c *Ctx) runTx(tx backend.Tx) error {
	c.out = c.out[:c.mark]
	c.dirty, c.props, c.signals, c.dbSignals = 0, c.props[:0], c.signals[:0], c.dbSignals[:0]
	c.Tx = tx
	err := c.body(c)
	if err != nil {
		return err
	}
	if c.dirty > 0 {
		c.e.dirty.Add(c.dirty)
		c.logEffects(tx.DB())
	}
	return nil
}

// logEffects hands the command's effect to the AOF, inside the locks.
func (c *Ctx) logEffects(db int) {
	lg := c.e.log
	if lg == nil {
		return
	}
	if len(c.props) == 0 {
		c.logSeq = lg.Append(db, c.Args)
		return
	}
	for _, p := range c.props {
		c.logSeq = lg.Append(db, p)
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

// Dirty records that the command changed n things. A Write command that
// never calls Dirty is not logged to the AOF.
func (c *Ctx) Dirty(n int64) { c.dirty += n }

// Propagate logs argv to the AOF instead of the command's own arguments (for
// example PEXPIREAT for EXPIRE). It may be called several times; it also
// marks the command dirty. argv is retained until the command ends.
func (c *Ctx) Propagate(argv ...[]byte) {
	c.props = append(c.props, argv)
	if c.dirty == 0 {
		c.dirty = 1
	}
}

// Sub dispatches a container command (CONFIG, CLIENT, ...) to the
// subcommand named by Args[1], checking its arity. cmd is the name Redis
// prints in its hint, e.g. "CONFIG".
func (c *Ctx) Sub(cmd string) error {
	sub := c.spec.findSub(c.Args[1])
	if sub == nil {
		return UnknownSubcommand(c.Args[1], cmd)
	}
	if !sub.arityOK(len(c.Args)) {
		return WrongArity(c.spec.Name + "|" + sub.Name)
	}
	return sub.Run(c)
}
