package memory

import (
	"math"

	"redpool/backend"
)

// Bulk loading (backend.BulkLoader): a snapshot loaded into an empty Memory
// at start. The load takes every lock once, for its whole length, instead
// of once per batch. A string becomes its entry and goes to the end of its
// shard's keys with no index lookup; the shard's index is built when the
// load ends (or before anything else needs it), sized from the number of
// keys it gets, one shard at a time so that its tables stay in cache. Other
// types, and the pieces of a value loaded in parts, take the transaction
// path (backend.Put, BulkTx.Tx) after their shard's index is built. The
// strings' entries and values, the keys lists and the index tables come
// from a few big allocations backed by huge pages (bulkmem.go, which says
// what that costs in memory after the load).
//
// The result is the Memory that loading the same entries through Update
// and backend.Put leaves: a later entry of a key replaces an earlier one.

var _ backend.BulkLoader = (*Memory)(nil)

// BulkLoad implements backend.BulkLoader: fn runs if no database holds a
// key (expired keys not yet reclaimed count), with every shard of every
// database locked for writing until it returns.
func (m *Memory) BulkLoad(keys int, fn func(tx backend.BulkTx) error) (bool, error) {
	t, err := m.begin(backend.TxOptions{All: true}, true)
	if err != nil {
		return false, err
	}
	defer m.end(t)
	for i := range m.shards {
		if m.shards[i].data.Load().nkeys.Load() != 0 {
			return false, nil
		}
	}
	b := &bulkTx{
		t:     t,
		acc:   m.acc.Load().newAccess(m.nowSec()),
		left:  max(keys, 0),
		dbs:   make([]*tx, m.ndb),
		sized: make([]bool, m.ndb),
		pend:  make([][]uint64, len(m.shards)),
		used:  make([]int64, len(m.shards)),
	}
	b.dbs[0] = t
	b.mem.left = b.left
	defer b.finish()
	return true, fn(b)
}

// bulkTx is the backend.BulkTx of a Memory. Owned by the BulkLoad call,
// one goroutine at a time.
type bulkTx struct {
	t    *tx    // the all-databases write transaction, on database 0
	acc  uint32 // the access clock of a new key (one reading for the load)
	left int    // keys still to come, by the hint
	// sized: the database's shards have room for left keys (see reserve).
	sized []bool
	dbs   []*tx // the transaction on each database, made on first use
	// pend holds, for each shard, the hashes of the entries at the end of
	// its keys that its index does not have yet, in the order they came;
	// used the bytes those entries add to the shard's used.
	pend [][]uint64
	used []int64
	mem  bulkMem // where the entries and values stored go
}

// Now implements backend.BulkTx.
func (b *bulkTx) Now() int64 { return b.t.Now() }

// SetAux implements backend.BulkTx.
func (b *bulkTx) SetAux(name string, val []byte) error { return b.t.SetAux(name, val) }

// Tx implements backend.BulkTx.
func (b *bulkTx) Tx(db int) (backend.Tx, error) {
	t, err := b.dbTx(db)
	if err != nil {
		return nil, err
	}
	b.indexAll()
	return t, nil
}

// dbTx returns the transaction on db.
func (b *bulkTx) dbTx(db int) (*tx, error) {
	if uint(db) >= uint(b.t.m.ndb) {
		return nil, backend.ErrBadDB
	}
	if b.dbs[db] == nil {
		t, err := b.t.WithDB(db)
		if err != nil {
			return nil, err
		}
		b.dbs[db] = t.(*tx)
	}
	return b.dbs[db], nil
}

// Store implements backend.BulkTx.
func (b *bulkTx) Store(e *backend.Entry) error {
	m := b.t.m
	if uint(e.DB) >= uint(m.ndb) {
		return backend.ErrBadDB
	}
	b.reserve(e.DB)
	b.left--
	h := m.hash(e.Key)
	i := e.DB*shardsPerDB + int(h&(shardsPerDB-1))
	sd := m.shards[i].data.Load()
	if e.Type != backend.TypeString || len(e.Items) != 1 {
		t, err := b.dbTx(e.DB)
		if err != nil {
			return err
		}
		b.index(i, sd) // Put looks the key up
		return backend.Put(t, e)
	}
	if e.ExpireAt != 0 && e.ExpireAt <= b.Now() {
		return nil // as Put: skipped
	}
	ne := b.mem.entry()
	ne.tb, ne.expireAt = backend.TypeString, e.ExpireAt
	ne.setStr(b.mem.value(e.Items[0]))
	ne.setKey(e.Key)
	ne.epoch = b.t.epoch
	ne.access.Store(b.acc)
	ne.pos = int32(len(sd.keys))
	sd.keys = append(sd.keys, ne)
	ne.vpos = -1
	if sd.slots != nil {
		sd.slots.add(ne)
	}
	if ne.expireAt != 0 {
		sd.addVol(ne)
	}
	b.pend[i] = append(b.pend[i], h)
	b.used[i] += ne.size()
	return nil
}

// reserve gives the keys of db's shards, and their lists of pending
// hashes, room for the keys still to come, the first time the load reaches
// db: a snapshot holds its databases one after the other, so the last one
// gets them all. Room an earlier one did not use is given back by indexAll.
func (b *bulkTx) reserve(db int) {
	if b.sized[db] {
		return
	}
	b.sized[db] = true
	per := b.left / shardsPerDB
	if per < 64 {
		return
	}
	per += 4*int(math.Sqrt(float64(per))) + 16 // a shard's share varies by about its square root
	keys := b.mem.keys(per * shardsPerDB)
	pend := make([]uint64, per*shardsPerDB) // garbage once the load ends
	for j := range shardsPerDB {
		i := db*shardsPerDB + j
		sd := b.t.m.shards[i].data.Load()
		if len(sd.keys) <= per && len(b.pend[i]) <= per {
			sd.keys = append(keys[j*per:j*per:(j+1)*per], sd.keys...)
			b.pend[i] = append(pend[j*per:j*per:(j+1)*per], b.pend[i]...)
		}
	}
}

// indexAll indexes every shard's pending entries. The tables of the
// shards whose index is still empty take their slots from one slab.
func (b *bulkTx) indexAll() {
	plans := make([]tablePlan, len(b.pend))
	total := 0
	for i := range b.pend {
		if len(b.pend[i]) > 0 && b.t.m.shards[i].data.Load().ix.dir == nil {
			plans[i] = planTables(b.pend[i])
			total += plans[i].slots()
		}
	}
	slab := b.mem.slots(total)
	for i := range b.pend {
		if len(b.pend[i]) > 0 {
			slab = b.indexPlanned(i, b.t.m.shards[i].data.Load(), plans[i], slab)
		}
	}
}

// finish ends the load: every entry indexed, and the room reserve made
// that the keys did not take given back.
func (b *bulkTx) finish() {
	b.indexAll()
	b.mem.done()
	for i := range b.t.m.shards {
		sd := b.t.m.shards[i].data.Load()
		if c := cap(sd.keys); c > 1024 && len(sd.keys) < c/2 {
			sd.keys = append([]*entry(nil), sd.keys...)
		}
	}
}

// index puts the pending entries of shard i (data sd) in its index, in the
// order they came: an entry whose key is already there replaces it, as a
// later Set would, and the entry it replaced leaves the shard. Then the
// shard's counters include them.
func (b *bulkTx) index(i int, sd *shardData) {
	if len(b.pend[i]) > 0 && sd.ix.dir == nil {
		p := planTables(b.pend[i])
		b.indexPlanned(i, sd, p, make([]slot, p.slots()))
		return
	}
	b.indexPlanned(i, sd, tablePlan{}, nil)
}

// indexPlanned is index, with the tables of an empty index laid out by
// plan (planTables of the pending hashes) and their slots taken from the
// front of slab. It returns the rest of slab.
func (b *bulkTx) indexPlanned(i int, sd *shardData, plan tablePlan, slab []slot) []slot {
	hs := b.pend[i]
	if len(hs) == 0 {
		return slab
	}
	if sd.ix.dir == nil {
		slab = sd.ix.presize(plan, slab)
	}
	first := len(sd.keys) - len(hs)
	var gone []*entry
	for j, h := range hs {
		if old := sd.ix.bulkPut(h, sd.keys[first+j]); old != nil {
			gone = append(gone, old)
		}
	}
	sd.nkeys.Add(int64(len(hs)))
	sd.used.Add(b.used[i])
	b.pend[i], b.used[i] = hs[:0], 0
	for _, e := range gone { // rare: a snapshot holds a key once
		sd.unlist(e)
	}
	return slab
}

// tablePlan lays out an empty index for the keys it will get: 1<<depth
// tables, each of sizes[j] slots.
type tablePlan struct {
	depth uint8
	sizes []int
}

// planTables plans the index of keys with hashes hs: as many tables as
// keep each under half full of maxTableSlots, each sized for the keys it
// gets.
func planTables(hs []uint64) tablePlan {
	var depth uint8
	for len(hs)>>depth > maxTableSlots/2 {
		depth++
	}
	counts := make([]int, 1<<depth)
	if depth > 0 {
		for _, h := range hs {
			counts[h>>(64-uint64(depth))]++
		}
	} else {
		counts[0] = len(hs)
	}
	for j, n := range counts {
		size := minTableSlots
		for size < maxTableSlots && (n+1)*4 > size*3 {
			size *= 2
		}
		counts[j] = size
	}
	return tablePlan{depth: depth, sizes: counts}
}

// slots is the number of slots the plan's tables take.
func (p tablePlan) slots() int {
	n := 0
	for _, size := range p.sizes {
		n += size
	}
	return n
}

// presize makes the empty ix the index p plans, its tables' slots taken
// from the front of slab (of zero slots, at least p.slots() of them), each
// with no spare capacity. It returns the rest of slab.
func (ix *index) presize(p tablePlan, slab []slot) []slot {
	ix.depth = p.depth
	ix.dir = make([]*table, len(p.sizes))
	for j, size := range p.sizes {
		ix.dir[j] = &table{slots: slab[:size:size], depth: p.depth}
		slab = slab[size:]
	}
	return slab
}

// bulkPut puts e, whose hash is h, in ix, in one probe when its table has
// room. If an entry of the same key is there, e takes its slot and bulkPut
// returns it.
func (ix *index) bulkPut(h uint64, e *entry) *entry {
	if ix.dir == nil {
		ix.dir = []*table{{slots: make([]slot, minTableSlots)}}
	}
	t := ix.table(h)
	if (t.n+1)*4 > len(t.slots)*3 { // the table must grow first: the general path
		if old := ix.get(h, bytesOf(e.key)); old != nil {
			ix.replace(h, old, e)
			return old
		}
		ix.insert(h, e)
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	i := home(h, mask)
	for ; t.slots[i].e != nil; i = (i + 1) & mask {
		if s := &t.slots[i]; s.h == h && s.e.key == e.key {
			old := s.e
			s.e = e
			return old
		}
	}
	t.slots[i] = slot{h, e}
	t.n++
	return nil
}
