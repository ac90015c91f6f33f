// Package memory is redpool's default backend: every database lives in the
// process's memory.
//
// # Concurrency
//
// Each database is split into shardsPerDB shards, each a sync.RWMutex guarding
// an index of the shard's keys (index.go). A transaction locks the shards of
// the keys named in its TxOptions (read locks for View, write locks for
// Update) in ascending order, so transactions on different keys run in
// parallel and lock order is always (database, shard) ascending, which
// cannot deadlock. A transaction with All, or with no keys, locks every
// shard of every database. An operation on a key the Tx did not name fails
// with backend.ErrNotLocked (a bug in the caller), even if the key's shard
// happens to be locked.
//
// # Expiry
//
// An expired key is absent for every operation. A write transaction deletes
// an expired key it meets; a read transaction just ignores it. A goroutine
// owned by the Memory runs Redis's active-expiry cycle (see ExpireCycle).
// Each removal is reported to Options.OnExpire under the key's shard lock.
//
// # Snapshots
//
// Snapshot uses copy-on-write; see Memory.Snapshot.
//
// # Cluster slots
//
// With Options.SlotIndex, database 0's keys are also indexed by cluster
// hash slot (backend.SlotTx); see slot.go.
package memory

import (
	"hash/maphash"
	"log/slog"
	"math/bits"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"redpool/backend"
)

// shardsPerDB is the number of shards of each database. It is 64 so that the
// set of shards a transaction locks is one uint64 bitmap.
const shardsPerDB = 1 << shardBits

// Defaults for Options.
const (
	DefaultDatabases      = 16
	DefaultExpiryInterval = 100 * time.Millisecond // Redis hz 10
	DefaultExpiryBudget   = 25 * time.Millisecond  // 25% of the interval
)

// Options configure a Memory. The zero value is usable.
type Options struct {
	// Databases is the number of databases (default 16).
	Databases int
	// Clock decides expiry (default backend.SystemClock{}).
	Clock backend.Clock
	// Logger, if not nil, gets debug messages about background work.
	Logger *slog.Logger
	// ExpiryInterval is how often the active-expiry cycle runs (default
	// 100ms). A negative value disables the background goroutine; callers
	// may still run ExpireCycle themselves.
	ExpiryInterval time.Duration
	// ExpiryBudget is the wall time one cycle may use (default 25ms).
	ExpiryBudget time.Duration
	// OnExpire, if not nil, hears of every key that expiry removes, lazy
	// or active (see backend.ExpireFunc). It is called with the key's
	// shard locked for writing.
	OnExpire backend.ExpireFunc
	// SlotIndex keeps database 0's keys indexed by cluster hash slot
	// (backend.SlotTx), for cluster mode.
	SlotIndex bool
}

// Memory is the in-memory backend. It is safe for concurrent use. It owns a
// background goroutine (active expiry) that Close stops.
type Memory struct {
	clock  backend.Clock
	log    *slog.Logger
	seed   maphash.Seed
	ndb    int
	shards []shard // database d's shard s is shards[d*shardsPerDB+s]

	epoch    atomic.Uint32 // snapshot epoch; new entries are stamped with it
	closed   atomic.Bool
	expired  atomic.Int64 // keys removed because they expired
	onExpire backend.ExpireFunc

	txPool sync.Pool
	snapMu sync.Mutex // held by the open Snapshot, if any

	auxMu sync.Mutex
	aux   map[string][]byte // immutable values, replaced whole

	activeOff atomic.Bool // SetActiveExpiry(false)
	expMu     sync.Mutex  // serializes ExpireCycle
	expNext   int         // shard where the next cycle starts
	expStats  *backend.ExpireCycleCounter
	budget    time.Duration
	stop      chan struct{}
	done      chan struct{}

	// Access clocks (access.go) and eviction (evict.go).
	acc       atomic.Pointer[accessConfig]
	sysClock  bool         // clock is the system clock: use cachedSec
	cachedSec atomic.Int64 // Unix seconds, refreshed by clockLoop
	clockDone chan struct{}
	evict     evictState
}

// shard is one lock and the data it guards. data only changes while mu is
// held for writing (SwapDB, Flush, Close swap it); it is atomic so that
// Stats can read counters without locking.
type shard struct {
	mu   sync.RWMutex
	data atomic.Pointer[shardData]
	_    [32]byte // keep neighbouring shards off one cache line
}

var _ backend.Backend = (*Memory)(nil)

// New returns an empty Memory and starts its active-expiry goroutine. The
// caller must Close it.
func New(o Options) *Memory {
	if o.Databases <= 0 {
		o.Databases = DefaultDatabases
	}
	if o.Clock == nil {
		o.Clock = backend.SystemClock{}
	}
	if o.ExpiryInterval == 0 {
		o.ExpiryInterval = DefaultExpiryInterval
	}
	if o.ExpiryBudget <= 0 {
		o.ExpiryBudget = DefaultExpiryBudget
	}
	m := &Memory{
		clock:    o.Clock,
		log:      o.Logger,
		onExpire: o.OnExpire,
		seed:     maphash.MakeSeed(),
		ndb:      o.Databases,
		shards:   make([]shard, o.Databases*shardsPerDB),
		budget:   o.ExpiryBudget,
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		expStats: backend.NewExpireCycleCounter(o.Databases),
	}
	m.epoch.Store(1)
	m.acc.Store(&defaultAccessConfig)
	_, m.sysClock = o.Clock.(backend.SystemClock)
	m.clockDone = make(chan struct{})
	if m.sysClock {
		m.cachedSec.Store(o.Clock.Now().Unix())
		go m.clockLoop()
	} else {
		close(m.clockDone)
	}
	for i := range m.shards {
		m.shards[i].data.Store(newShardData(m, &m.shards[i]))
	}
	if o.SlotIndex {
		ix := newSlotIndex()
		for i := range shardsPerDB {
			m.shards[i].data.Load().slots = ix
		}
	}
	m.txPool.New = func() any { return &tx{m: m} }
	if o.ExpiryInterval > 0 {
		go m.expireLoop(o.ExpiryInterval, o.ExpiryBudget)
	} else {
		close(m.done)
	}
	return m
}

// Databases returns the number of databases.
func (m *Memory) Databases() int { return m.ndb }

// expiredKey counts a key that expiry removed from db and reports it to
// OnExpire. The caller holds the key's shard lock for writing.
func (m *Memory) expiredKey(db int, key string) {
	m.expired.Add(1)
	if m.onExpire != nil {
		m.onExpire(db, bytesOf(key))
	}
}

// shardOf returns the shard index (within a database) of key.
func (m *Memory) shardOf(key []byte) int {
	return int(m.hash(key) & (shardsPerDB - 1))
}

// hash is key's hash: its low bits pick the shard, the rest place it in the
// shard's index.
func (m *Memory) hash(key []byte) uint64 { return maphash.Bytes(m.seed, key) }

// maxPrefetch bounds the keys one Prefetch warms.
const maxPrefetch = 64

// Prefetch implements backend.Prefetcher. It holds the read locks of the
// keys' shards together, so that no locked instruction sits between the
// loads of one key and the next.
func (m *Memory) Prefetch(db int, keys [][]byte) uint64 {
	if uint(db) >= uint(m.ndb) || len(keys) < 2 || m.closed.Load() {
		return 0
	}
	keys = keys[:min(len(keys), maxPrefetch)]
	var hs [maxPrefetch]uint64
	var set uint64
	for i, k := range keys {
		hs[i] = m.hash(k)
		set |= 1 << (hs[i] & (shardsPerDB - 1))
	}
	sh := m.shards[db*shardsPerDB : (db+1)*shardsPerDB]
	for s := set; s != 0; s &= s - 1 {
		sh[bits.TrailingZeros64(s)].mu.RLock()
	}
	var v uint64
	for i, h := range hs[:len(keys)] {
		v += sh[h&(shardsPerDB-1)].data.Load().ix.warm(h, keys[i])
	}
	for s := set; s != 0; s &= s - 1 {
		sh[bits.TrailingZeros64(s)].mu.RUnlock()
	}
	return v
}

// View runs fn in a read-only transaction holding read locks on the shards
// of o.Keys (every shard if o.All or no keys). See backend.Backend. The
// locks are not reentrant: fn must not call View, Update or Snapshot of the
// same Memory. Slices the Tx returns point into the store and are valid
// until fn returns. If fn panics the locks are released.
func (m *Memory) View(o backend.TxOptions, fn func(tx backend.Tx) error) error {
	t, err := m.begin(o, false)
	if err != nil {
		return err
	}
	defer m.end(t)
	return fn(t)
}

// Update runs fn in a read-write transaction holding write locks on the
// shards of o.Keys (every shard if o.All or no keys). fn is called exactly
// once, in the caller's goroutine; there is no rollback (what fn wrote
// before returning an error or panicking stays), so fn must validate
// before its first write. Changes are visible to later transactions as
// soon as Update returns. If fn panics the locks are released.
func (m *Memory) Update(o backend.TxOptions, fn func(tx backend.Tx) error) error {
	t, err := m.begin(o, true)
	if err != nil {
		return err
	}
	defer m.end(t)
	return fn(t)
}

// begin takes a pooled tx and locks what o names.
func (m *Memory) begin(o backend.TxOptions, write bool) (*tx, error) {
	if m.closed.Load() {
		return nil, backend.ErrClosed
	}
	if uint(o.DB) >= uint(m.ndb) {
		return nil, backend.ErrBadDB
	}
	t := m.txPool.Get().(*tx)
	t.db = o.DB
	t.base = o.DB * shardsPerDB
	t.write = write
	t.nowSet = false
	t.noTouch, t.touched = o.NoTouch, nil
	t.last, t.lastSD = nil, nil
	t.keys.Reset(nil)
	if o.All || len(o.Keys) == 0 {
		t.all = true
		t.locked = ^uint64(0)
		m.lockAll(write)
	} else {
		t.all = false
		t.keys.Reset(o.Keys)
		few := len(o.Keys) <= maxHashedKeys
		var set uint64
		for i, k := range o.Keys {
			h := m.hash(k)
			set |= 1 << (h & (shardsPerDB - 1))
			if few {
				t.hashes[i] = h
			}
		}
		if few {
			t.hashed = append(t.hashedBuf[:0], o.Keys...)
		}
		t.locked = set
		sh := m.shards[t.base : t.base+shardsPerDB]
		for s := set; s != 0; s &= s - 1 {
			i := bits.TrailingZeros64(s)
			if write {
				sh[i].mu.Lock()
			} else {
				sh[i].mu.RLock()
			}
		}
	}
	if m.closed.Load() { // closed while we waited for the locks
		m.end(t)
		return nil, backend.ErrClosed
	}
	t.epoch = m.epoch.Load()
	return t, nil
}

// end releases t's locks and returns it to the pool.
func (m *Memory) end(t *tx) {
	if t.all {
		m.unlockAll(t.write)
	} else {
		sh := m.shards[t.base : t.base+shardsPerDB]
		for s := t.locked; s != 0; s &= s - 1 {
			i := bits.TrailingZeros64(s)
			if t.write {
				sh[i].mu.Unlock()
			} else {
				sh[i].mu.RUnlock()
			}
		}
	}
	t.locked = 0
	t.all = false
	clear(t.hashed)
	t.hashed, t.last, t.lastSD, t.touched = nil, nil, nil, nil
	t.keys.Reset(nil)
	t.stale = nil
	m.txPool.Put(t)
}

func (m *Memory) lockAll(write bool) {
	for i := range m.shards {
		if write {
			m.shards[i].mu.Lock()
		} else {
			m.shards[i].mu.RLock()
		}
	}
}

func (m *Memory) unlockAll(write bool) {
	for i := range m.shards {
		if write {
			m.shards[i].mu.Unlock()
		} else {
			m.shards[i].mu.RUnlock()
		}
	}
}

// Stats reports counters without taking locks; Keys and Expires may
// include expired keys not yet reclaimed.
func (m *Memory) Stats() backend.Stats {
	st := backend.Stats{
		Keys:        make([]int64, m.ndb),
		Expires:     make([]int64, m.ndb),
		ExpiredKeys: m.expired.Load(),
		UsedBytes:   m.UsedBytes(),
	}
	for i := range m.shards {
		sd := m.shards[i].data.Load()
		db := i / shardsPerDB
		st.Keys[db] += sd.nkeys.Load()
		st.Expires[db] += sd.nvol.Load()
	}
	st.ExpireCycle = m.expStats.Stats(st.Expires)
	st.Extra = [][2]string{
		{"backend", "memory"},
		{"shards_per_db", strconv.Itoa(shardsPerDB)},
	}
	return st
}

// Close stops active expiry (waiting for the goroutine to exit), waits for
// running transactions and drops the data. Later calls return nil; later
// transactions and snapshots return backend.ErrClosed. A Snapshot that is
// still open keeps working on the data as it was.
func (m *Memory) Close() error {
	if !m.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(m.stop)
	<-m.done
	<-m.clockDone
	m.lockAll(true)
	for i := range m.shards {
		sh := &m.shards[i]
		sh.data.Load().owner.Store(nil)
		sh.data.Store(newShardData(m, sh))
	}
	m.unlockAll(true)
	return nil
}
