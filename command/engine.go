package command

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"redpool/backend"
)

// Log records the effect of every write (the append-only file). The engine
// calls Append inside the write's locks, so records reach the log in the
// order they were applied to each key. Implementations are safe for
// concurrent use.
type Log interface {
	// Append records argv as a command on database db. argv is only read
	// during the call. It returns a sequence number for Wait.
	Append(db int, argv [][]byte) uint64
	// Wait blocks until the record seq is as durable as the fsync policy
	// promises. A non-nil error means the write is not acknowledged.
	Wait(seq uint64) error
	// AppendMulti records the commands of one transaction (EXEC) as a
	// unit: MULTI, recs, EXEC, with no other record between them. recs and
	// their arguments are only read during the call. It returns the
	// sequence number of the last record for Wait.
	AppendMulti(recs []Record) uint64
	// Err is non-nil while the log cannot be written; writes are refused.
	Err() error
}

// Record is one command of a transaction for Log.AppendMulti: Argv runs
// on database DB.
type Record struct {
	DB   int
	Argv [][]byte
}

// Persister runs the persistence commands (SAVE, BGSAVE, LASTSAVE,
// BGREWRITEAOF) and reports INFO persistence. Safe for concurrent use.
type Persister interface {
	Save() error
	BGSave() error
	LastSave() time.Time
	BGRewriteAOF() error
	// Info returns the INFO persistence fields, in order.
	Info() [][2]string
	// AOFBuffered is how many AOF bytes are not yet written to the file
	// (aof_buffer_length); 0 without an AOF.
	AOFBuffered() int64
	// Err is non-nil while writes must be refused (MISCONF).
	Err() error
}

// ShutdownFunc stops the server after SHUTDOWN; save says whether to save
// first (nil: as configured). It returns an error if shutdown cannot proceed.
type ShutdownFunc func(save *bool) error

// Options configures an Engine. Backend is required; the rest may be zero.
type Options struct {
	Backend   backend.Backend
	Clock     backend.Clock
	Logger    *slog.Logger
	Params    *Params
	Log       Log
	Persister Persister
	Shutdown  ShutdownFunc
	// Rewrite is CONFIG REWRITE's; nil: the server has no config file.
	Rewrite RewriteFunc
	// Families overrides the command families (tests); nil means Families().
	Families [][]Spec
	// Info adds extra INFO sections (name, fields), e.g. the listener's.
	Info func() []InfoSection
	// Notifier delivers keyspace events; nil publishes them on the
	// engine's own Pub/Sub (keyspacePublisher in pubsub.go).
	Notifier Notifier
	// NotifyEvents is the initial notify-keyspace-events setting (0: off);
	// CONFIG SET changes it.
	NotifyEvents NotifyClass
	// OutputLimits are the initial client-output-buffer-limit; nil means
	// Redis's defaults (DefaultOutputLimits).
	OutputLimits *OutputLimits
	// Functions are the function libraries to serve; nil means a new,
	// empty set. The AOF replayer's engine shares the server's.
	Functions *FunctionLibraries
	// ACL are the users to start with; nil means only the default user,
	// with every permission and no password.
	ACL *ACLOptions
	// Cluster turns cluster mode on with its slot map; nil: off.
	Cluster *ClusterOptions
	// Durability measures acknowledged-but-not-durable windows (INFO
	// persistence's ack_not_durable_*); nil: not measured, not reported.
	Durability *Durability
	// Reloader is DEBUG RELOAD's and LOADAOF's way to the files; nil: they
	// fail.
	Reloader Reloader
}

// InfoSection is one INFO section.
type InfoSection struct {
	Name   string
	Fields [][2]string
}

// Engine is the shared state every session runs commands against: the
// command table, the backend and the server-wide counters. It is safe for
// concurrent use by many sessions.
type Engine struct {
	table      *Table
	backend    backend.Backend
	prefetcher backend.Prefetcher // o.Backend if it is one, else nil
	clock      backend.Clock
	logger     *slog.Logger
	params     *Params
	log        Log
	persister  Persister
	reloader   Reloader
	counters   infoCounters // info_counters.go
	durability *Durability
	shutdown   ShutdownFunc
	rewrite    RewriteFunc
	extraInfo  func() []InfoSection
	clients    clients
	blocking   *blocking
	watches    watchRegistry
	notify     notifyConfig
	slowlog    *slowlog
	latency    *latency
	pause      pauseState
	expiry     expiryControl
	monitors   monitors
	repl       *replication
	// startupHeap and memPeak are MEMORY STATS's startup.allocated and
	// peak.allocated (the highest heap seen when asked).
	startupHeap int64
	memPeak     atomic.Int64
	errors      errorStats
	notifier    Notifier
	started     time.Time
	// epoch is a time.Now with its monotonic reading: time.Since(epoch)
	// reads only the monotonic clock, half the cost of time.Now.
	epoch    time.Time
	pubsub   broker
	tracking trackingTable
	// outputLimits is client-output-buffer-limit (pubsub_outbox.go).
	outputLimits outputLimits
	scripts      *scripting
	functions    *functionRegistry
	// id is the run and replication ids INFO reports; instant its
	// instantaneous_* rates.
	id      identity
	instant instantRates
	peaks   recentPeaks // client_recent_max_* (keyspace_stats.go)
	// metas is Redis's command metadata (cmddocs.go), parsed at first use.
	metas func() commandMetas
	mm    maxMemory // maxmemory.go
	acl   aclUsers  // users, ACL LOG and AUTH (acl.go)
	// streams is stream-node-max-bytes/-entries (streams.go).
	streams streamConfig
	// clientEvict is maxmemory-clients and client eviction (clientadmin.go).
	clientEvict clientEviction
	// cluster is cluster mode's slot map and settings (cluster.go).
	cluster clusterState

	// The counters below are written while commands run (dirty at every
	// write's commit), on any core: kept off the cache lines of the
	// fields above, which every command reads (cluster's map, the
	// table), so that a write on one core does not make the others
	// fetch those again.
	_        [64]byte
	dirty    changeCount // changes since start
	conns    atomic.Int64
	rejected atomic.Int64
	statsAt  atomic.Int64 // unix ms of the last CONFIG RESETSTAT
	// base holds the traffic of clients that have gone, minus what CONFIG
	// RESETSTAT discounted; live clients count their own (uncontended)
	// traffic, and INFO adds the two.
	base traffic
}

// NewEngine builds an engine. It fails if the command table is inconsistent.
func NewEngine(o Options) (*Engine, error) {
	fams := o.Families
	if fams == nil {
		fams = Families()
	}
	t, err := NewTable(fams...)
	if err != nil {
		return nil, err
	}
	if o.Clock == nil {
		o.Clock = backend.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Params == nil {
		o.Params = NewParams()
	}
	e := &Engine{
		table: t, backend: o.Backend, clock: o.Clock, logger: o.Logger, params: o.Params,
		log: o.Log, persister: o.Persister, reloader: o.Reloader, shutdown: o.Shutdown, rewrite: o.Rewrite, extraInfo: o.Info,
		notifier: o.Notifier,
		started:  o.Clock.Now(),
		id:       newIdentity(),
	}
	e.durability = o.Durability
	e.repl = newReplication(e)
	for _, p := range e.repl.params() {
		e.params.Register(p)
	}
	e.registerReplicationAliases()
	e.log = replLog{inner: o.Log, stream: e.repl.stream}
	e.expiry.backend, _ = o.Backend.(backend.ActiveExpiry)
	e.pause.expiry = func(paused bool) { e.expiry.set(nil, &paused) }
	e.metas = sync.OnceValue(func() commandMetas {
		m, err := parseCommandMetas(redisCommandDocs)
		if err != nil {
			e.logger.Error("cannot parse the embedded command metadata", "err", err)
		}
		return m
	})
	e.prefetcher, _ = o.Backend.(backend.Prefetcher)
	e.notify.mask.Store(uint32(o.NotifyEvents))
	e.params.Register(e.notify.param())
	e.params.Register(e.tracking.param())
	for _, p := range e.streams.params() {
		e.params.Register(p)
	}
	e.pubsub.init()
	if e.notifier == nil {
		e.notifier = keyspacePublisher{e}
	}
	limits := DefaultOutputLimits()
	if o.OutputLimits != nil {
		limits = *o.OutputLimits
	}
	e.outputLimits.store(limits)
	o.Params.Register(e.outputLimits.param())
	e.clients.byID = make(map[int64]*Client)
	e.blocking = newBlocking()
	e.epoch = time.Now()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	e.startupHeap = int64(ms.HeapAlloc)
	e.initMaxMemory(e.startupHeap)
	e.params.Register(e.clientEvict.param())
	e.slowlog = newSlowlog()
	e.latency = newLatency()
	for _, p := range append(e.slowlog.params(), e.latency.params()...) {
		e.params.Register(p)
	}
	e.scripts = newScripting(e)
	e.functions = o.Functions
	if e.functions == nil {
		e.functions = newFunctionRegistry()
	}
	e.acl.init(t)
	if err := e.acl.setup(o.ACL); err != nil {
		return nil, err
	}
	for _, p := range e.acl.params() {
		e.params.Register(p)
	}
	e.initCluster(o.Cluster)
	return e, nil
}

// Families returns every command family redpool serves.
func Families() [][]Spec {
	return [][]Spec{
		connectionCommands(),
		serverCommands(),
		keyCommands(),
		stringCommands(),
		listCommands(),
		hashCommands(),
		setCommands(),
		zsetCommands(),
		hllCommands(),
		geoCommands(),
		multiCommands(),
		sortCommands(),
		pubsubCommands(),
		slowlogCommands(),
		memoryCommands(),
		latencyCommands(),
		debugCommands(),
		monitorCommands(),
		replicationCommands(),
		replicaOfCommands(),
		scriptCommands(),
		functionCommands(),
		bitmapCommands(),
		migrateCommands(),
		dumpCommands(),
		aclCommands(),
		streamCommands(),
		streamGroupCommands(),
		clusterCommands(),
	}
}

// Table returns the command table.
func (e *Engine) Table() *Table { return e.table }

// Backend returns the backend the engine runs on.
func (e *Engine) Backend() backend.Backend { return e.backend }

// Params returns the CONFIG parameters.
func (e *Engine) Params() *Params { return e.params }

// Dirty is the number of changes made since start (for save rules).
func (e *Engine) Dirty() int64 { return e.dirty.load() }

// CountRejected counts a connection refused because of max clients.
func (e *Engine) CountRejected() { e.rejected.Add(1) }

// traffic counts commands, bytes, keyspace lookups and socket reads and
// writes. Each client has its own, so the hot path never touches a
// counter shared between cores. fields (keyspace_stats.go) lists them.
type traffic struct {
	commands atomic.Int64
	netIn    atomic.Int64
	netOut   atomic.Int64
	hits     atomic.Int64 // keyspace_hits: read lookups that found the key
	misses   atomic.Int64 // keyspace_misses
	reads    atomic.Int64 // total_reads_processed: reads of the socket
	writes   atomic.Int64 // total_writes_processed: writes to it
}

func (t *traffic) add(o *traffic, sign int64) {
	mine, theirs := t.fields(), o.fields()
	for i := range mine {
		mine[i].Add(sign * theirs[i].Load())
	}
}

// totals returns the server-wide traffic counters for INFO.
func (e *Engine) totals() (commands, netIn, netOut int64) {
	f := e.trafficTotals()
	return f.commands, f.netIn, f.netOut
}

// resetTraffic zeroes the totals (CONFIG RESETSTAT).
func (e *Engine) resetTraffic() {
	e.clients.mu.Lock()
	defer e.clients.mu.Unlock()
	for _, f := range e.base.fields() {
		f.Store(0)
	}
	for _, c := range e.clients.byID {
		e.base.add(&c.traffic, -1)
	}
}

// CountNet adds network byte counts for INFO stats: a read of in bytes
// (in > 0, or no bytes at all: the read that sees the client leave), or
// a write of out bytes. Only the client's own session calls it.
func (c *Client) CountNet(in, out int) {
	// Each Add is a locked instruction: none adds 0.
	if in != 0 {
		c.traffic.netIn.Add(int64(in))
	}
	if out != 0 {
		c.traffic.netOut.Add(int64(out))
	}
	if out > 0 {
		c.traffic.writes.Add(1)
	} else {
		c.traffic.reads.Add(1)
	}
}

// WakeAll releases every blocked client (at shutdown).
func (e *Engine) WakeAll() { e.blocking.closeAll() }

// clients is the registry of connected clients.
type clients struct {
	mu     sync.Mutex
	nextID int64
	byID   map[int64]*Client
}

// Client is the per-connection state commands see. It is owned by its
// session's goroutine; fields other than those read by CLIENT LIST and INFO
// under the registry lock are only touched by that goroutine.
type Client struct {
	ID    int64
	Addr  string
	LAddr string
	// created is when the client connected, in Unix nanoseconds of the
	// engine's clock (age).
	created int64

	// mu guards names and pushLink, read by other clients, and the making
	// of the outbox.
	mu sync.Mutex
	// names are CLIENT SETNAME's and CLIENT SETINFO's; nil until one is
	// set (an idle client's Client stays small).
	names *clientNames
	// pushLink is the client's session, given by SetPushLink: what its
	// outbox wakes, and what client eviction closes.
	pushLink PushLink

	// The parts most clients never use are made at their first use, so
	// that a plain client's Client stays small (TestClientSize):
	//   - multi: MULTI ... EXEC (multi.go), made by the first MULTI and
	//     kept; only the client's session touches it (other clients read
	//     multiShown).
	//   - watching: the keys the client WATCHes and their expiry times
	//     then; only the client's session touches it. flagWatchTouched is
	//     set by any client's write to one of them (multi.go).
	//   - subs: Pub/Sub subscriptions (pubsub.go), made by the first
	//     SUBSCRIBE and kept; published atomically, as other clients read
	//     its counts.
	//   - outbox: the frames other goroutines push to the client
	//     (pubsub_outbox.go), made by the first push (Client.makeOutbox)
	//     and kept.
	//   - tracking: client-side caching (tracking.go), made by the first
	//     CLIENT TRACKING ON and kept.
	multi    *multiState
	watching map[watchKey]int64
	subs     atomic.Pointer[subscriptions]
	outbox   atomic.Pointer[outbox]
	tracking atomic.Pointer[clientTracking]

	traffic traffic
	lastCmd atomic.Pointer[Spec] // for CLIENT LIST; set by the dispatcher
	// active is when the client's last command started or ended, in whole
	// seconds since the engine's epoch (CLIENT LIST's idle); markActive.
	active atomic.Int64

	// link is the client's connection, for CLIENT KILL from other clients.
	link atomic.Pointer[Link]
	// unblock carries CLIENT UNBLOCK's request to the client's wait. The
	// client's session makes it before it first blocks, and other clients
	// read it only once flagBlocked says so.
	unblock chan unblockReason
	mem     clientMem // the session's buffers, for CLIENT LIST (clientadmin.go)
	acl     clientACL // the client's user (acl.go)

	// The fields of 4 bytes and less, together so that they pack.
	//
	// db and proto are written by the client's own session (SELECT, HELLO)
	// and read by others (CLIENT LIST), so they are atomic.
	db    atomic.Int32
	proto atomic.Int32
	// multiShown is CLIENT LIST's view of multi (multiState.shown).
	multiShown atomic.Int32
	flags      clientFlags
	// Quit asks the session to close after sending the replies so far.
	Quit bool
	// replyMode and skipArmed are CLIENT REPLY's state; only the client's
	// session touches them.
	replyMode uint8
	skipArmed bool
	cluster   clusterClient // READONLY and ASKING (cluster_route.go)
}

// clientFlag is one of a client's flags (clientFlags).
type clientFlag uint32

const (
	// flagWatchTouched: a key the client watches changed (multi.go).
	flagWatchTouched clientFlag = 1 << iota
	flagBlocked                 // waiting in a blocking command (CLIENT LIST)
	flagNoEvict                 // CLIENT NO-EVICT
	flagMonitor                 // in MONITOR mode (monitor.go)
	// flagReplicaSynced: the client is a replica that asked for a sync
	// (replication.go); its connection carries the stream.
	flagReplicaSynced
	// flagFromPrimary: the client of a replica's link, applying the
	// stream.
	flagFromPrimary
	// flagAuthed: the client is authenticated as its user (acl.go).
	flagAuthed
)

// clientFlags are a client's flags, in one word: the Client stays small.
// Safe for concurrent use; a change of one flag leaves the others as they
// are.
type clientFlags struct{ bits atomic.Uint32 }

// has reports whether flag f is set.
func (fl *clientFlags) has(f clientFlag) bool { return fl.bits.Load()&uint32(f) != 0 }

// set sets flag f, or clears it if not on.
func (fl *clientFlags) set(f clientFlag, on bool) {
	if on {
		fl.bits.Or(uint32(f))
	} else {
		fl.bits.And(^uint32(f))
	}
}

// clientNames are the names a client gave itself; guarded by Client.mu.
type clientNames struct {
	name, libName, libVer string
}

// NewClient registers a connection and returns its state. The caller must
// call Unregister when the connection ends.
func (e *Engine) NewClient(addr, laddr string) *Client {
	c := &Client{Addr: addr, LAddr: laddr, created: e.clock.Now().UnixNano()}
	c.active.Store(int64(time.Since(e.epoch) / time.Second))
	c.proto.Store(2)
	e.acl.initClient(c)
	e.clients.mu.Lock()
	e.clients.nextID++
	c.ID = e.clients.nextID
	e.clients.byID[c.ID] = c
	e.clients.mu.Unlock()
	e.conns.Add(1)
	return c
}

// Unregister forgets a client, the keys it watched and its subscriptions.
func (e *Engine) Unregister(c *Client) {
	e.monitors.remove(c)
	e.repl.remove(c)
	e.watches.remove(c, c.watching)
	e.pubsub.unsubscribeAll(c)
	e.tracking.disable(c)
	e.clients.mu.Lock()
	delete(e.clients.byID, c.ID)
	e.base.add(&c.traffic, 1)
	e.clients.mu.Unlock()
}

// ConnectedClients is the number of registered clients.
func (e *Engine) ConnectedClients() int {
	e.clients.mu.Lock()
	defer e.clients.mu.Unlock()
	return len(e.clients.byID)
}

// age is how long the client has been connected at now, a time of the
// engine's clock.
func (c *Client) age(now time.Time) time.Duration {
	return time.Duration(now.UnixNano() - c.created)
}

// DB is the client's selected database.
func (c *Client) DB() int { return int(c.db.Load()) }

// SetDB selects database db for the client.
func (c *Client) SetDB(db int) { c.db.Store(int32(db)) }

// Proto is the RESP version the client speaks: 2 or 3.
func (c *Client) Proto() int { return int(c.proto.Load()) }

// SetProto switches the client's RESP version (HELLO).
func (c *Client) SetProto(p int) { c.proto.Store(int32(p)) }

// Name returns the client's name (CLIENT SETNAME).
func (c *Client) Name() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.namesLocked().name
}

// namesLocked returns the client's names; c.mu must be held.
func (c *Client) namesLocked() clientNames {
	if c.names == nil {
		return clientNames{}
	}
	return *c.names
}

// setNames changes the client's names with set.
func (c *Client) setNames(set func(*clientNames)) {
	c.mu.Lock()
	if c.names == nil {
		c.names = new(clientNames)
	}
	set(c.names)
	c.mu.Unlock()
}

// Link is what a command sees of its connection. The session implements it.
type Link interface {
	// Flush writes the replies produced so far to the client.
	Flush() error
	// Watch starts watching the connection while the command waits; gone
	// is closed when the client disconnects or the server shuts down. stop
	// ends the watch and must be called before the command returns.
	Watch() (gone <-chan struct{}, stop func())
	// Context is done when the server shuts down.
	Context() context.Context
	// Close ends the connection from another goroutine (CLIENT KILL): a
	// read in progress returns at once, the command running finishes.
	Close()
	// Detach writes the replies so far and hands the connection's output
	// to the command, which writes to it from then on, from any goroutine
	// (PSYNC: the replication stream); the command also turns the
	// client's replies off. Reading goes on as before.
	Detach() (io.Writer, error)
}

// WaitDurable blocks until AOF record seq is as durable as the fsync policy
// promises (at once without an AOF).
func (e *Engine) WaitDurable(seq uint64) error {
	if e.log == nil || seq == 0 {
		return nil
	}
	return e.log.Wait(seq)
}
