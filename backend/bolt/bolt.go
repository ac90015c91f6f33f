package bolt

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"redpool/backend"
)

// Sync says how durable an acknowledged Update is.
type Sync uint8

const (
	// SyncAlways: Update returns after the commit has been fsynced.
	SyncAlways Sync = iota
	// SyncBatch: commits are fsynced at least every 10 ms; Update returns
	// after the commit, before the fsync.
	SyncBatch
	// SyncNone: never fsync; the OS writes the file back when it likes.
	SyncNone
)

// String returns "always", "batch" or "none".
func (s Sync) String() string {
	switch s {
	case SyncAlways:
		return "always"
	case SyncBatch:
		return "batch"
	case SyncNone:
		return "none"
	default:
		return "Sync(" + strconv.Itoa(int(s)) + ")"
	}
}

// ParseSync maps "always", "batch" (or "everysec") and "none" (or "no"),
// case-insensitively, to a Sync.
func ParseSync(s string) (Sync, error) {
	switch strings.ToLower(s) {
	case "always":
		return SyncAlways, nil
	case "batch", "everysec":
		return SyncBatch, nil
	case "none", "no":
		return SyncNone, nil
	}
	return 0, fmt.Errorf("bolt: unknown sync mode %q (want always, batch or none)", s)
}

// Options configure Open.
type Options struct {
	// Path is the database file; it is created if missing.
	Path string
	// Sync is the durability of an acknowledged Update.
	Sync Sync
	// Databases is the number of databases (default 16). A file that holds
	// keys in a database at or above this number is refused.
	Databases int
	// Clock is the time used for expiry (default backend.SystemClock).
	Clock backend.Clock
	// Logger receives errors from background work. It may be nil.
	Logger *slog.Logger
	// OnCommit, if not nil, hears of every commit: how many Updates it
	// held and how long bbolt's Commit took (metrics). It is called from
	// the committing goroutine: it must be quick and must not call the
	// backend.
	OnCommit func(updates int, took time.Duration)
	// OnSync, if not nil, hears each fsync that makes earlier unsynced
	// commits durable (SyncBatch's syncer, and Close under SyncBatch and
	// SyncNone): Syncing before it, Synced after (ok: it succeeded). The
	// server measures acknowledged-but-not-durable windows with it.
	OnSync SyncRecorder
	// LockTimeout is how long Open waits for the file lock (default 1s).
	LockTimeout time.Duration
	// InitialMmapSize is the initial size of the memory map (default
	// 256 MB). It costs only address space; while a read transaction or a
	// Snapshot is open, a commit that has to grow the map past its current
	// size waits for it to close.
	InitialMmapSize int
	// OnExpire, if not nil, hears of every key that expiry removes, lazy
	// or active (see backend.ExpireFunc). It is called in the goroutine
	// running the write batch that removes the key, before the batch
	// commits; if the commit fails the key may be reported again later.
	OnExpire backend.ExpireFunc
	// NoActiveExpiry turns the background active expiry off, for tests
	// that control expiry with a manual clock (memory's ExpiryInterval
	// -1): expired keys are then removed only when a write meets them.
	NoActiveExpiry bool

	// tuning is left zero (the defaults) except by this package's tests.
	tuning tuning
	// SlotIndex keeps database 0's keys indexed by cluster hash slot
	// (backend.SlotTx), for cluster mode.
	SlotIndex bool
}

// tuning holds sizes that tests shrink to reach rare paths.
type tuning struct {
	// smallDrop: a dropped collection of at most this many elements is
	// deleted on the spot instead of going through the sweeper (default
	// 64; negative means 0).
	smallDrop int64
	// iterChunk is how many keys iterate reads ahead in a write
	// transaction (default 256).
	iterChunk int
	// noExpirer: no background active expiry (tests run expireAll).
	noExpirer bool
	// noSweeper: no background sweeper (tests run sweep).
	noSweeper bool
	// sweepSlice bounds a sweeper transaction's time (default sweepSlice;
	// negative: no bound).
	sweepSlice time.Duration
	// zChunk is the most elements a sorted set's rank chunk holds before
	// it splits (default 512; see zset.go).
	zChunk int64
	// walCheckpointEvery and walCheckpointBytes bound the log between
	// checkpoints (defaults walCheckpointEvery and walCheckpointBytes).
	walCheckpointEvery time.Duration
	walCheckpointBytes int64
}

const (
	defaultDatabases   = 16
	defaultLockTimeout = time.Second
	defaultMmapSize    = 256 << 20

	// maxBatch is the most Update functions that share one commit.
	maxBatch = 1000
	// sweepBudget and expireBudget bound the deletes of one background transaction.
	sweepBudget    = 1000
	expireBudget   = 1000
	expireEvery    = 100 * time.Millisecond
	sweepEvery     = time.Second
	syncBatchEvery = 10 * time.Millisecond
	// A sweeper transaction deletes sweepStep keys at a time and no more
	// once it has run for sweepSlice; a pause as long as it took, at most
	// sweepPauseMax, follows it.
	sweepStep     = 100
	sweepSlice    = 2 * time.Millisecond
	sweepPauseMax = 20 * time.Millisecond
)

// Bolt is a backend.Backend stored in a bbolt file. It is safe for
// concurrent use.
type Bolt struct {
	activeOff atomic.Bool // SetActiveExpiry(false)
	tuning    tuning
	db        *bolt.DB
	path      string
	sync      Sync
	clock     backend.Clock
	log       *slog.Logger
	nDBs      int
	closed    atomic.Bool

	onExpire  backend.ExpireFunc
	onCommit  func(int, time.Duration)
	slotIndex bool // Options.SlotIndex (slot.go)
	onSync    SyncRecorder

	// Writers (see writer.go).
	qmu           sync.Mutex
	queue         []*request // waiting for a batch; guarded by qmu
	busy          bool       // batches are being run; guarded by qmu
	committerDown bool       // guarded by qmu
	work          chan struct{}
	cstop         chan struct{}
	cwg           sync.WaitGroup

	// The batch runner's, guarded by wmu. Snapshot and Close take wmu too.
	wmu      sync.Mutex
	wclosed  bool
	self     *request   // the leader's own request, if a leader runs the batch
	members  []*request // the running batch
	finished *request   // done, to be woken: a list through next
	t        tx         // the running batch's transaction
	state    *batchState

	// Background goroutines.
	stop      chan struct{}
	bg        sync.WaitGroup
	sweepWake chan struct{}
	syncWake  chan struct{}

	closeOnce sync.Once
	closeErr  error

	// Statistics, in memory, updated after each commit.
	statMu      sync.Mutex
	table       []uint32            // logical db -> namespace
	counts      map[uint32]*counter // namespace -> counters
	expiredKeys atomic.Int64
	garbage     atomic.Int64 // entries in the garbage bucket
	swept       atomic.Int64 // garbage entries the sweeper finished since Open
	commits     atomic.Int64
	updates     atomic.Int64
	syncs       atomic.Int64
	// walOn and walCheckpoints mirror wal.on and wal.checkpoints for Stats.
	walOn          atomic.Bool
	walCheckpoints atomic.Int64

	cursors cursorTable
	txPool  sync.Pool

	wal    walState  // SyncAlways's write-ahead log; guarded by wmu
	gather walGather // waiting for a batch's members (wal_gather.go)
}

type counter struct{ keys, expires int64 }

var _ backend.Backend = (*Bolt)(nil)

// Open opens (creating if needed) the database file o.Path. If another
// process (or another Bolt in this one) has the file open, Open fails after
// o.LockTimeout with an error saying so.
func Open(o Options) (*Bolt, error) {
	if o.Path == "" {
		return nil, errors.New("bolt: Options.Path is empty")
	}
	if o.Sync > SyncNone {
		return nil, fmt.Errorf("bolt: invalid sync mode %d", o.Sync)
	}
	if o.Databases <= 0 {
		o.Databases = defaultDatabases
	}
	if o.Databases > 1<<16 {
		return nil, fmt.Errorf("bolt: too many databases (%d)", o.Databases)
	}
	if o.Clock == nil {
		o.Clock = backend.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = defaultLockTimeout
	}
	if o.InitialMmapSize <= 0 {
		o.InitialMmapSize = defaultMmapSize
	}
	if o.Sync == SyncAlways {
		o.InitialMmapSize = max(o.InitialMmapSize, walMmapSize)
	}
	start := time.Now()
	// The file is locked and its write-ahead log's meta pages written
	// back before bbolt reads it (wal.go); bbolt fsyncs until Open is
	// done (the replay and init), and then as o.Sync says.
	var rec *walRecovery
	db, err := bolt.Open(o.Path, 0o600, &bolt.Options{
		Timeout:         o.LockTimeout,
		NoFreelistSync:  true,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: o.InitialMmapSize,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			if err != nil {
				return nil, err
			}
			if err = walLock(f, o.LockTimeout); err == nil {
				rec, err = walRestoreMetas(f, o.Path)
			}
			if err != nil {
				f.Close()
				return nil, err
			}
			return f, nil
		},
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("bolt: database file %s is locked by another process (waited %v)", o.Path, time.Since(start).Round(time.Millisecond))
	}
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", o.Path, err)
	}
	if o.tuning.smallDrop == 0 {
		o.tuning.smallDrop = 64
	}
	o.tuning.smallDrop = max(o.tuning.smallDrop, 0)
	if o.tuning.iterChunk <= 0 {
		o.tuning.iterChunk = 256
	}
	if o.tuning.zChunk <= 0 {
		o.tuning.zChunk = 512
	}
	o.tuning.zChunk = max(o.tuning.zChunk, 4)
	if o.tuning.walCheckpointEvery <= 0 {
		o.tuning.walCheckpointEvery = walCheckpointEvery
	}
	if o.tuning.walCheckpointBytes <= 0 {
		o.tuning.walCheckpointBytes = walCheckpointBytes
	}
	b := &Bolt{
		tuning:    o.tuning,
		db:        db,
		path:      o.Path,
		sync:      o.Sync,
		clock:     o.Clock,
		log:       o.Logger,
		onCommit:  o.OnCommit,
		onSync:    o.OnSync,
		nDBs:      o.Databases,
		stop:      make(chan struct{}),
		sweepWake: make(chan struct{}, 1),
		syncWake:  make(chan struct{}, 1),
		counts:    make(map[uint32]*counter),
		state:     &batchState{deltas: make(map[uint32]*delta)},
		onExpire:  o.OnExpire,
		slotIndex: o.SlotIndex,
		work:      make(chan struct{}, 1),
		gather:    walGather{wake: make(chan struct{}, 1)},
		cstop:     make(chan struct{}),
	}
	b.txPool.New = func() any { return new(tx) }
	if err := b.open(rec); err != nil {
		b.walRelease()
		db.Close()
		return nil, err
	}
	if err := b.initSlotIndex(); err != nil {
		db.Close()
		return nil, fmt.Errorf("bolt: %s: slot index: %w", o.Path, err)
	}
	b.cwg.Add(1)
	go b.committer()
	if !b.tuning.noSweeper {
		b.bg.Add(1)
		go b.sweeper()
	}
	if !b.tuning.noExpirer && !o.NoActiveExpiry {
		b.bg.Add(1)
		go b.expirer()
	}
	if b.sync == SyncBatch {
		b.bg.Add(1)
		go b.syncer()
	}
	if b.wal.on {
		b.bg.Add(1)
		go b.walCheckpointer()
	}
	if b.garbage.Load() > 0 {
		b.kickSweeper()
	}
	return b, nil
}

// open replays a recovered write-ahead log, runs init and starts the log
// (SyncAlways) or bbolt's NoSync commits (the other modes).
func (b *Bolt) open(rec *walRecovery) error {
	if rec != nil {
		if err := b.walReplay(rec); err != nil {
			return err
		}
	}
	if err := b.init(); err != nil {
		return err
	}
	if b.sync != SyncAlways {
		b.db.NoSync = true
		return nil
	}
	fi, err := os.Stat(b.path)
	if err != nil {
		return err
	}
	return b.walStart(int(fi.Size()))
}

// init creates the buckets on a new file, checks the format of an old one,
// sizes the database table and loads the counters.
func (b *Bolt) init() error {
	err := b.db.Update(func(btx *bolt.Tx) error {
		meta := btx.Bucket(bucketMeta)
		if meta == nil {
			if btx.Bucket(bucketKeys) != nil {
				return fmt.Errorf("bolt: %s is not a redpool database", b.path)
			}
			for _, name := range [][]byte{bucketMeta, bucketKeys, bucketData, bucketExpire, bucketGarbage} {
				if _, err := btx.CreateBucket(name); err != nil {
					return err
				}
			}
			meta = btx.Bucket(bucketMeta)
			if err := meta.Put(metaFormat, formatValue); err != nil {
				return err
			}
		} else if string(meta.Get(metaFormat)) != string(formatValue) {
			return fmt.Errorf("bolt: %s has unknown format %q", b.path, meta.Get(metaFormat))
		}
		for _, name := range [][]byte{bucketKeys, bucketData, bucketExpire, bucketGarbage} {
			if btx.Bucket(name) == nil {
				return fmt.Errorf("bolt: %s is damaged: bucket %q is missing", b.path, name)
			}
		}
		table := decodeTable(meta.Get(metaDBs))
		if len(table) > b.nDBs {
			for i := b.nDBs; i < len(table); i++ {
				if c := decodeCounter(meta.Get(counterKey(table[i]))); c.keys > 0 {
					return fmt.Errorf("bolt: %s holds keys in database %d but only %d databases are configured", b.path, i, b.nDBs)
				}
			}
			// Reclaim whatever the dropped (empty) databases still hold.
			g := btx.Bucket(bucketGarbage)
			for _, ns := range table[b.nDBs:] {
				if err := g.Put(garbageNSKey(ns), make([]byte, 8)); err != nil {
					return err
				}
				if err := meta.Delete(counterKey(ns)); err != nil {
					return err
				}
			}
			table = table[:b.nDBs]
		}
		for len(table) < b.nDBs {
			ns, err := nextNS(meta)
			if err != nil {
				return err
			}
			table = append(table, ns)
		}
		return meta.Put(metaDBs, encodeTable(table))
	})
	if err != nil {
		return err
	}
	return b.db.View(func(btx *bolt.Tx) error {
		meta := btx.Bucket(bucketMeta)
		b.table = decodeTable(meta.Get(metaDBs))
		for _, ns := range b.table {
			c := decodeCounter(meta.Get(counterKey(ns)))
			b.counts[ns] = &c
		}
		b.garbage.Store(int64(btx.Bucket(bucketGarbage).Stats().KeyN))
		return nil
	})
}

func decodeTable(v []byte) []uint32 {
	t := make([]uint32, len(v)/nsLen)
	for i := range t {
		t[i] = nsOf(v[i*nsLen:])
	}
	return t
}

func encodeTable(t []uint32) []byte {
	v := make([]byte, 0, len(t)*nsLen)
	for _, ns := range t {
		v = appendNSKey(v, ns, nil)
	}
	return v
}

func decodeCounter(v []byte) counter {
	if len(v) < 16 {
		return counter{}
	}
	return counter{keys: int64(u64(v)), expires: int64(u64(v[8:]))}
}

// nextNS hands out a namespace id that was never used in this file. meta
// is the meta bucket (a *bolt.Bucket, or a tx's *bucket).
func nextNS(meta interface {
	Get(k []byte) []byte
	Put(k, v []byte) error
}) (uint32, error) {
	var ns uint32
	if v := meta.Get(metaNSSeq); len(v) == 4 {
		ns = nsOf(v)
	}
	ns++
	if ns == 0 {
		return 0, errors.New("bolt: namespace ids exhausted")
	}
	return ns, meta.Put(metaNSSeq, appendNSKey(nil, ns, nil))
}

// Databases is the number of databases.
func (b *Bolt) Databases() int { return b.nDBs }

// Path is the database file.
func (b *Bolt) Path() string { return b.path }

// View runs fn in a bbolt read-only transaction.
func (b *Bolt) View(o backend.TxOptions, fn func(tx backend.Tx) error) error {
	if b.closed.Load() {
		return backend.ErrClosed
	}
	if o.DB < 0 || o.DB >= b.nDBs {
		return backend.ErrBadDB
	}
	btx, err := b.db.Begin(false)
	if err != nil {
		if errors.Is(err, berrors.ErrDatabaseNotOpen) {
			return backend.ErrClosed
		}
		return err
	}
	defer btx.Rollback()
	t := b.txPool.Get().(*tx)
	t.open(b, btx, nil)
	t.begin(o, backend.NowMs(b.clock))
	err = fn(t)
	t.clear()
	b.txPool.Put(t)
	return err
}

// Update runs fn in a write transaction shared with concurrent Updates
// (group commit) and returns once the commit is as durable as Options.Sync
// asks. Write functions run one at a time in the goroutine running the
// batch (the caller's, another caller's or the committer's), each exactly
// once. If fn returns an error or panics, what it wrote is undone and the
// rest of the batch commits (keys that expiry removed meanwhile stay
// removed). A panic in fn is raised again in the caller's goroutine;
// runtime.Goexit (t.FailNow) in fn ends the goroutine running it as well
// as the caller's.
func (b *Bolt) Update(o backend.TxOptions, fn func(tx backend.Tx) error) error {
	if o.DB < 0 || o.DB >= b.nDBs {
		return backend.ErrBadDB
	}
	return b.write(o, fn, nil)
}

// job runs an internal write function in a batch.
func (b *Bolt) job(fn func(t *tx) error) error {
	return b.write(backend.TxOptions{}, nil, fn)
}

// Stats reports counters for INFO.
func (b *Bolt) Stats() backend.Stats {
	s := backend.Stats{
		Keys:            make([]int64, b.nDBs),
		Expires:         make([]int64, b.nDBs),
		ExpiredKeys:     b.expiredKeys.Load(),
		LazyFreePending: b.garbage.Load(),
		LazyFreed:       b.swept.Load(),
	}
	b.statMu.Lock()
	for i, ns := range b.table {
		if c := b.counts[ns]; c != nil && i < b.nDBs {
			s.Keys[i], s.Expires[i] = c.keys, c.expires
		}
	}
	b.statMu.Unlock()
	var size int64
	if fi, err := os.Stat(b.path); err == nil {
		size = fi.Size()
	}
	s.UsedBytes = size
	var free, pending, freeAlloc, readTx int
	if !b.closed.Load() {
		st := b.db.Stats()
		free, pending, freeAlloc, readTx = st.FreePageN, st.PendingPageN, st.FreeAlloc, st.OpenTxN
	}
	commits, updates := b.commits.Load(), b.updates.Load()
	perCommit := "0"
	if commits > 0 {
		perCommit = strconv.FormatFloat(float64(updates)/float64(commits), 'f', 2, 64)
	}
	s.Extra = [][2]string{
		{"bolt_path", b.path},
		{"bolt_sync", b.sync.String()},
		{"bolt_file_size", strconv.FormatInt(size, 10)},
		{"bolt_free_pages", strconv.Itoa(free)},
		{"bolt_pending_pages", strconv.Itoa(pending)},
		{"bolt_free_bytes", strconv.Itoa(freeAlloc)},
		{"bolt_open_read_txs", strconv.Itoa(readTx)},
		{"bolt_sweeper_pending_keys", strconv.FormatInt(b.garbage.Load(), 10)},
		{"bolt_commits", strconv.FormatInt(commits, 10)},
		{"bolt_updates", strconv.FormatInt(updates, 10)},
		{"bolt_updates_per_commit", perCommit},
		{"bolt_syncs", strconv.FormatInt(b.syncs.Load(), 10)},
		{"bolt_wal", strconv.FormatBool(b.walOn.Load())},
		{"bolt_wal_checkpoints", strconv.FormatInt(b.walCheckpoints.Load(), 10)},
	}
	return s
}

// Close stops the background goroutines, commits the open batch, and closes
// the file. It waits for open Views and Snapshots to end. It is
// idempotent; later calls return the first call's result.
func (b *Bolt) Close() error {
	b.closeOnce.Do(func() {
		b.closed.Store(true)
		close(b.stop)
		b.bg.Wait()
		b.wmu.Lock() // waits for a batch in progress
		b.wclosed = true
		b.wmu.Unlock()
		close(b.cstop)
		b.cwg.Wait()
		var errs []error
		if err := b.walStop(); err != nil {
			errs = append(errs, err)
			b.walRelease() // bbolt's Close waits for the pin
		}
		if b.sync != SyncAlways {
			// A clean shutdown leaves nothing unsynced.
			if err := b.syncFile(); err != nil {
				errs = append(errs, fmt.Errorf("bolt: sync: %w", err))
			}
		}
		if len(errs) == 0 {
			if err := b.persistFreelist(); err != nil {
				errs = append(errs, fmt.Errorf("bolt: writing the freelist: %w", err))
			}
		}
		if err := b.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("bolt: close: %w", err))
		}
		b.closeErr = errors.Join(errs...)
	})
	return b.closeErr
}

// persistFreelist commits once more, writing bbolt's freelist this time,
// when Close finds everything synced and the log gone. Commits run with
// NoFreelistSync (no freelist written, so none rewritten per commit), and
// a file whose meta has no freelist makes bbolt's Open rebuild it by
// walking and checking every page of the file: minutes for 10 GB read from
// disk. With the freelist written, the next Open reads it instead and
// touches no page of the data (its first commit frees the freelist's page
// and goes on without one). After a crash there is no freelist and Open
// walks the file as before.
func (b *Bolt) persistFreelist() error {
	b.db.NoSync = false
	b.db.NoFreelistSync = false
	return b.db.Update(func(*bolt.Tx) error { return nil })
}
