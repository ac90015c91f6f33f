package memory

import (
	"math"
	"math/rand/v2"
	"sync"

	"redpool/backend"
)

// Eviction for maxmemory, as Redis's evict.c: an LRU, LFU or TTL policy
// samples keys of every database into a pool of the best candidates seen
// so far (kept across calls) and evicts the best one still there; a
// random policy evicts a random key of the next database in turn.

// evpoolSize is Redis's EVPOOL_SIZE.
const evpoolSize = 16

// evictTries bounds the sampling rounds of one Evict whose candidates all
// vanished before they could be evicted (concurrent deletes).
const evictTries = 100

// poolEntry is one eviction candidate. A larger score is a better one.
type poolEntry struct {
	score uint64
	db    int
	key   string
}

// evictState is the eviction pool and the counters of a Memory.
type evictState struct {
	mu     sync.Mutex  // serializes Evict; guards pool and nextDB
	pool   []poolEntry // ascending by score, at most evpoolSize
	nextDB int         // the random policies' next database
}

var _ backend.Evictor = (*Memory)(nil)

// UsedBytes implements backend.Evictor: the sum of the shards' accounted
// sizes (1,024 atomic loads with 16 databases).
func (m *Memory) UsedBytes() int64 {
	var n int64
	for i := range m.shards {
		n += m.shards[i].data.Load().used.Load()
	}
	return n
}

// Evict implements backend.Evictor. It locks one shard at a time (for
// reading while it samples, for writing to evict), so the caller must not
// be inside a transaction of m. fn runs with the evicted key's shard
// locked for writing. Concurrent calls are serialized.
func (m *Memory) Evict(p backend.EvictPolicy, samples int, fn backend.EvictFunc) (int64, bool) {
	ev := &m.evict
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if m.closed.Load() {
		return 0, false
	}
	volatile := p.Volatile()
	if p == backend.EvictRandom || p == backend.EvictVolatileRandom {
		for range m.ndb {
			ev.nextDB = (ev.nextDB + 1) % m.ndb
			if n, ok := m.evictRandom(ev.nextDB, volatile, fn); ok {
				return n, true
			}
		}
		return 0, false
	}
	samples = max(samples, 1)
	for range evictTries {
		total := int64(0)
		for db := range m.ndb {
			if n := m.dbCount(db, volatile); n > 0 {
				total += n
				m.populate(db, p, samples)
			}
		}
		if total == 0 {
			return 0, false
		}
		for len(ev.pool) > 0 {
			best := ev.pool[len(ev.pool)-1]
			ev.pool = ev.pool[:len(ev.pool)-1]
			if n, ok := m.evictKey(best.db, best.key, volatile, fn); ok {
				return n, true
			}
		}
	}
	return 0, false
}

// dbCount is the number of keys (with an expiry, if volatile) in db.
func (m *Memory) dbCount(db int, volatile bool) int64 {
	var n int64
	for i := db * shardsPerDB; i < (db+1)*shardsPerDB; i++ {
		n += m.shards[i].data.Load().count(volatile)
	}
	return n
}

// count is the number of sd's keys (with an expiry, if volatile), read
// without the lock.
func (sd *shardData) count(volatile bool) int64 {
	if volatile {
		return sd.nvol.Load()
	}
	return sd.nkeys.Load()
}

// candidates is the slice of sd that policies of kind volatile pick from.
func (sd *shardData) candidates(volatile bool) []*entry {
	if volatile {
		return sd.vol
	}
	return sd.keys
}

// populate samples up to samples keys of db, starting at a random shard,
// into the pool (Redis's evictionPoolPopulate).
func (m *Memory) populate(db int, p backend.EvictPolicy, samples int) {
	volatile := p.Volatile()
	c, now := m.acc.Load(), m.nowSec()
	start := rand.IntN(shardsPerDB)
	for i := 0; i < shardsPerDB && samples > 0; i++ {
		sh := &m.shards[db*shardsPerDB+(start+i)%shardsPerDB]
		if sh.data.Load().count(volatile) == 0 {
			continue
		}
		sh.mu.RLock()
		list := sh.data.Load().candidates(volatile)
		for n := min(samples, len(list)); n > 0; n-- {
			e := list[rand.IntN(len(list))]
			var score uint64
			switch p {
			case backend.EvictLRU, backend.EvictVolatileLRU:
				score = uint64(idleMs(e.access.Load(), now))
			case backend.EvictLFU, backend.EvictVolatileLFU:
				score = uint64(255 - c.decayed(e.access.Load(), now))
			default: // volatile-ttl: the soonest to expire first
				score = math.MaxUint64 - uint64(e.expireAt)
			}
			m.evict.offer(poolEntry{score: score, db: db, key: e.key})
			samples--
		}
		sh.mu.RUnlock()
	}
}

// offer puts pe in the pool if it is better than the worst candidate there
// or the pool has room. pe.key is copied if kept (it may live in an entry's
// inline buffer).
func (ev *evictState) offer(pe poolEntry) {
	k := 0
	for k < len(ev.pool) && ev.pool[k].score < pe.score {
		k++
	}
	if len(ev.pool) == evpoolSize {
		if k == 0 {
			return // worse than every candidate of a full pool
		}
		copy(ev.pool[:k-1], ev.pool[1:k]) // drop the worst
		k--
	} else {
		ev.pool = append(ev.pool, poolEntry{})
		copy(ev.pool[k+1:], ev.pool[k:])
	}
	ev.pool[k] = pe
	ev.pool[k].key = string(bytesOf(pe.key))
}

// evictKey removes key of db if it still exists (with an expiry, if
// volatile) and reports it to fn, under its shard's write lock.
func (m *Memory) evictKey(db int, key string, volatile bool, fn backend.EvictFunc) (int64, bool) {
	kb := bytesOf(key)
	h := m.hash(kb)
	sh := &m.shards[db*shardsPerDB+int(h&(shardsPerDB-1))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sd := sh.data.Load()
	e := sd.ix.get(h, kb)
	if e == nil || volatile && e.expireAt == 0 {
		return 0, false
	}
	return m.evicted(db, sd, e, fn), true
}

// evictRandom removes a random key (with an expiry, if volatile) of db.
func (m *Memory) evictRandom(db int, volatile bool, fn backend.EvictFunc) (int64, bool) {
	start := rand.IntN(shardsPerDB)
	for i := range shardsPerDB {
		sh := &m.shards[db*shardsPerDB+(start+i)%shardsPerDB]
		if sh.data.Load().count(volatile) == 0 {
			continue
		}
		sh.mu.Lock()
		sd := sh.data.Load()
		if list := sd.candidates(volatile); len(list) > 0 {
			n := m.evicted(db, sd, list[rand.IntN(len(list))], fn)
			sh.mu.Unlock()
			return n, true
		}
		sh.mu.Unlock()
	}
	return 0, false
}

// evicted removes e from sd (locked for writing) and reports it
// to fn. It returns e's accounted size.
func (m *Memory) evicted(db int, sd *shardData, e *entry, fn backend.EvictFunc) int64 {
	n := e.size()
	sd.remove(e)
	if fn != nil {
		fn(db, bytesOf(e.key))
	}
	return n
}
