package command

// What a transaction did.
//
// A handler never acts on the world outside its transaction directly: it
// records what it did on its Ctx. Two things happen with that record. As
// each command ends inside the transaction, with the locks still held, its
// AOF records are written, so the log has the writes of each key in the
// order they were applied, and the clients WATCHing the keys it changed
// are marked. After the transaction commits, the transaction's counters
// are added, the clients blocked on the keys it wrote are woken and its
// keyspace events are delivered (later: client-side caching
// invalidations); if it fails, that part is dropped. Because Backend.Update
// runs its function exactly once, nothing is recorded twice.

// cmdEffects is what the running command did, logged as it ends.
type cmdEffects struct {
	dirty int64
	props [][][]byte // explicit AOF records; none means "log Args"
	// ownTouch: the command named the keys it changed (Touch), so only
	// touched, not all its key arguments, mark the clients WATCHing them.
	ownTouch bool
	touched  []dbKey
}

func (m *cmdEffects) reset() {
	m.dirty = 0
	clear(m.props)
	m.props = m.props[:0]
	clear(m.touched)
	m.touched, m.ownTouch = m.touched[:0], false
}

// effects is what the current transaction did that applies after it
// commits.
type effects struct {
	dirty  int64
	wakes  []dbKey       // keys written, for blocked clients
	after  []func()      // jobs scheduled inside EXEC (BGSAVE), run after it
	events []notifyEvent // keyspace events, delivered after the commit
	// invalid are the keys written, flushed whether data was flushed, for
	// client-side caching (tracking.go); recorded only while some client
	// tracks.
	invalid [][]byte
	flushed bool
	// stale are the expired keys reads found and could not delete
	// (notify.go); a key is nil once removed.
	stale []dbKey
}

type dbKey struct {
	db  int
	key []byte
}

func (fx *effects) reset() {
	fx.dirty = 0
	clear(fx.wakes)
	fx.wakes = fx.wakes[:0]
	clear(fx.after)
	fx.after = fx.after[:0]
	clear(fx.events)
	fx.events = fx.events[:0]
	clear(fx.invalid)
	fx.invalid, fx.flushed = fx.invalid[:0], false
	clear(fx.stale)
	fx.stale = fx.stale[:0]
}

// afterCommit schedules job to run once the transaction commits: for
// commands that wait for every lock (a snapshot), run inside EXEC, which
// holds some of them.
func (c *Ctx) afterCommit(job func()) { c.fx.after = append(c.fx.after, job) }

// Dirty records that the command changed n things. A Write command that
// never calls Dirty (or Propagate) is not logged to the AOF.
func (c *Ctx) Dirty(n int64) { c.cmd.dirty += n }

// Propagate logs argv to the AOF instead of the command's own arguments (for
// example PEXPIREAT for EXPIRE). It may be called several times; it also
// marks the command dirty. argv is retained until the command ends.
func (c *Ctx) Propagate(argv ...[]byte) {
	c.cmd.props = append(c.cmd.props, argv)
	if c.cmd.dirty == 0 {
		c.cmd.dirty = 1
	}
}

// Signal tells clients blocked on key (in the database the command works
// on) that it may have data, once the transaction commits.
func (c *Ctx) Signal(key []byte) { c.SignalDB(c.cmdDB(), key) }

// cmdDB is the database the running command works on.
func (c *Ctx) cmdDB() int {
	if c.Tx != nil {
		return c.Tx.DB()
	}
	return c.Client.DB()
}

// SignalDB is Signal for a key of database db.
func (c *Ctx) SignalDB(db int, key []byte) {
	c.fx.wakes = append(c.fx.wakes, dbKey{db, append([]byte(nil), key...)})
}

// Touch records that the command changed key, in the database it works
// on, for the clients WATCHing it. A command that calls Touch names every
// key it changed (DEL: only the keys it deleted); for one that never
// does, every key argument counts as changed once it is dirty.
func (c *Ctx) Touch(key []byte) { c.TouchDB(c.cmdDB(), key) }

// TouchDB is Touch for a key of database db.
func (c *Ctx) TouchDB(db int, key []byte) {
	c.cmd.ownTouch = true
	if c.e.watches.n.Load() == 0 && !c.e.tracking.active() {
		// Nobody watches or tracks: a WATCH of key waits for the
		// command's locks, so it cannot start watching before the
		// command ends.
		return
	}
	c.cmd.touched = append(c.cmd.touched, dbKey{db, append([]byte(nil), key...)})
}

// logCommand ends a command that succeeded inside a transaction on db:
// the clients watching what it changed are marked and its AOF records go
// to the log (the locks are still held), and its change count goes to the
// transaction's record.
func (c *Ctx) logCommand(db int) {
	if c.cmd.dirty == 0 {
		return
	}
	c.fx.dirty += c.cmd.dirty
	c.touchWatched(db)
	c.signalChanged(db)
	c.trackWritten()
	lg := c.e.log
	if lg == nil {
		return
	}
	if r := c.rare; r != nil && r.txLog.on {
		r.txLog.add(db, c.Args, c.cmd.props)
		return
	}
	switch len(c.cmd.props) {
	case 0:
		c.logSeq = lg.Append(db, c.Args)
	case 1:
		c.logSeq = lg.Append(db, c.cmd.props[0])
	default:
		// Several records of one command (XREADGROUP's XCLAIMs) are one
		// unit, as Redis 7.0 wraps them: a torn log never replays part of
		// it. txLog's slice is free outside EXEC; the records are only
		// read during the call.
		t := &c.rareBufs().txLog
		for _, p := range c.cmd.props {
			t.recs = append(t.recs, Record{DB: db, Argv: p})
		}
		c.logSeq = lg.AppendMulti(t.recs)
		clear(t.recs)
		t.recs = t.recs[:0]
	}
}

// txLog gathers the AOF records of the commands an EXEC runs, so that they
// reach the log as one MULTI ... EXEC unit, written while the
// transaction's locks are still held.
type txLog struct {
	on   bool
	recs []Record // arguments copied into args: a command's own die with it
	args argArena
	// lasting is an argument list that outlives the log (the queued
	// command EXEC runs): recorded as it is, not copied.
	lasting [][]byte
}

// add copies the records of one command on db: props, or args if none.
func (t *txLog) add(db int, args [][]byte, props [][][]byte) {
	if len(props) == 0 {
		if len(args) != len(t.lasting) || len(args) == 0 || &args[0] != &t.lasting[0] {
			args = t.args.copy(args)
		}
		t.recs = append(t.recs, Record{DB: db, Argv: args})
		return
	}
	for _, p := range props {
		t.recs = append(t.recs, Record{DB: db, Argv: t.args.copy(p)})
	}
}

// beginTxLog starts gathering records (EXEC, inside its transaction).
func (c *Ctx) beginTxLog() { c.rareBufs().txLog.on = true }

// inTxLog reports whether records are being gathered (beginTxLog).
func (c *Ctx) inTxLog() bool { return c.rare != nil && c.rare.txLog.on }

// endTxLog stops gathering and logs what was gathered, still under the
// transaction's locks: one record alone, as Redis does (a single command
// is atomic), several wrapped in MULTI ... EXEC.
func (c *Ctx) endTxLog() {
	t := &c.rareBufs().txLog
	switch len(t.recs) {
	case 0:
	case 1:
		c.logSeq = c.e.log.Append(t.recs[0].DB, t.recs[0].Argv)
	default:
		c.logSeq = c.e.log.AppendMulti(t.recs)
	}
	clear(t.recs)
	t.recs, t.on, t.lasting = t.recs[:0], false, nil
	t.args.reset()
}

// committed applies the part of the record that waits for the commit and
// empties it.
func (c *Ctx) committed() {
	if c.fx.dirty != 0 {
		c.e.dirty.add(c.Client, c.fx.dirty)
		c.e.durability.engineAcked(c)
	}
	for _, job := range c.fx.after {
		job()
	}
	for i := 0; i < len(c.fx.wakes); {
		// One signal per run of keys of the same database.
		db, j := c.fx.wakes[i].db, i
		keys := c.keyScratch[:0]
		for ; j < len(c.fx.wakes) && c.fx.wakes[j].db == db; j++ {
			keys = append(keys, c.fx.wakes[j].key)
		}
		c.e.blocking.signal(db, keys)
		clear(keys)
		c.keyScratch = keys[:0]
		i = j
	}
	c.deliverEvents()
	c.deliverInvalidations()
	c.fx.reset()
}
