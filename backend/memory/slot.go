package memory

import (
	"sync"
	"sync/atomic"

	"redpool/backend"
)

// The cluster slot index (Options.SlotIndex): database 0's keys by hash
// slot, for backend.SlotTx.
//
// Redis 7.0 threads a doubly linked list per slot through its dict
// entries (two pointers a key). Here each slot has a slice of its
// entries, and an entry knows its position in that slice in the three
// bytes of padding that follow entry.tb, so the entry keeps its size
// class (112 bytes) and the index costs a key one pointer in a slice
// (8 bytes, plus the slice's spare capacity and the fixed 450 KB of the
// table: 11.6 bytes a key at 1,000,000 keys, measured by
// TestSlotIndexBytesPerKey) and nothing when the option is off. Removal swaps the slice's last entry into the
// hole (as shardData.keys does), so adding and removing a key are O(1);
// CountKeysInSlot is O(1) and KeysInSlot O(count). A slot of more than
// 2^24-1 keys (one hash tag on 16 million keys) keeps the positions
// that do not fit in three bytes in a map.
//
// The index belongs to database 0's data: every shardData of database 0
// points to it (shardData.slots), those of other databases do not, and
// shardData.insert, remove, replace, addVol and delVol keep it exact, so
// that every path a key takes (writes of every type, expiry, eviction,
// RENAME, MOVE, COPY) goes through it. FLUSHDB and FLUSHALL clear it and
// SWAPDB with database 0 rebuilds it from the new database 0 (O(keys);
// Redis refuses SWAPDB in cluster mode anyway).
//
// Concurrency: the shards of database 0 are locked independently, so
// writers of different shards may add keys of one slot at once; a slot's
// slice, the positions of its entries and its far map are guarded by
// the slot's stripe lock (taken while the writer holds its shard's lock:
// shard, then stripe). nvol is atomic. A reader (CountKeysInSlot,
// KeysInSlot) holds every shard lock (TxOptions.All), so no writer runs
// and it reads without the stripe locks.
type slotIndex struct {
	mu   [slotStripes]sync.Mutex
	far  [slotStripes]map[*entry]int // positions >= sposFar, by stripe
	keys [backend.ClusterSlots][]*entry
	nvol [backend.ClusterSlots]atomic.Int32 // entries of the slot with an expiry
}

const (
	slotStripes = 256
	// sposFar in entry.spos means "the position is in the far map".
	sposFar = 1<<24 - 1
)

func newSlotIndex() *slotIndex { return new(slotIndex) }

// slotOf is the hash slot of e's key.
func slotOf(e *entry) int { return backend.KeySlot(bytesOf(e.key)) }

// pos returns e's position in its slot's slice; the stripe lock is held
// (or every shard lock).
func (ix *slotIndex) pos(e *entry, stripe int) int {
	p := int(e.spos[0]) | int(e.spos[1])<<8 | int(e.spos[2])<<16
	if p == sposFar {
		return ix.far[stripe][e]
	}
	return p
}

// setPos records e's position p; the stripe lock is held.
func (ix *slotIndex) setPos(e *entry, stripe, p int) {
	if p >= sposFar {
		if ix.far[stripe] == nil {
			ix.far[stripe] = make(map[*entry]int)
		}
		ix.far[stripe][e] = p
		p = sposFar
	} else if e.spos == [3]byte{0xff, 0xff, 0xff} {
		delete(ix.far[stripe], e)
	}
	e.spos = [3]byte{byte(p), byte(p >> 8), byte(p >> 16)}
}

// add indexes e, which has just been inserted.
func (ix *slotIndex) add(e *entry) {
	s := slotOf(e)
	st := s % slotStripes
	e.spos = [3]byte{} // a fresh entry, or a moved one with a stale position
	ix.mu[st].Lock()
	ks := ix.keys[s]
	ix.setPos(e, st, len(ks))
	ix.keys[s] = append(ks, e)
	ix.mu[st].Unlock()
}

// del removes e, which is leaving the shard.
func (ix *slotIndex) del(e *entry) {
	s := slotOf(e)
	st := s % slotStripes
	ix.mu[st].Lock()
	ks := ix.keys[s]
	p, last := ix.pos(e, st), len(ks)-1
	if p != last {
		mv := ks[last]
		ks[p] = mv
		ix.setPos(mv, st, p)
	}
	if e.spos == [3]byte{0xff, 0xff, 0xff} {
		delete(ix.far[st], e)
	}
	ks[last] = nil
	ks = ks[:last]
	if c := cap(ks); c > 64 && last < c/4 {
		ks = append(make([]*entry, 0, c/2), ks...)
	}
	ix.keys[s] = ks
	ix.mu[st].Unlock()
}

// swap puts ne in old's place (the same key).
func (ix *slotIndex) swap(old, ne *entry) {
	s := slotOf(old)
	st := s % slotStripes
	ix.mu[st].Lock()
	p := ix.pos(old, st)
	if old.spos == [3]byte{0xff, 0xff, 0xff} {
		delete(ix.far[st], old)
	}
	ix.keys[s][p] = ne
	ne.spos = [3]byte{}
	ix.setPos(ne, st, p)
	ix.mu[st].Unlock()
}

// vol counts a change of e's expiry (+1: it got one, -1: it lost it or left).
func (ix *slotIndex) vol(e *entry, d int32) { ix.nvol[slotOf(e)].Add(d) }

// reset empties the index (FLUSHDB, FLUSHALL). Every shard lock is held.
func (ix *slotIndex) reset() {
	clear(ix.keys[:])
	for i := range ix.nvol {
		ix.nvol[i].Store(0)
	}
	clear(ix.far[:])
}

// indexDB0 attaches ix to database 0's shard data (detaching it from
// every other database's) and rebuilds it from database 0's keys: after
// SWAPDB has moved other data into database 0. Every shard lock is held.
func (m *Memory) indexDB0(ix *slotIndex) {
	ix.reset()
	for i := range m.shards {
		sd := m.shards[i].data.Load()
		if i >= shardsPerDB {
			sd.slots = nil
			continue
		}
		sd.slots = ix
		for _, e := range sd.keys {
			ix.add(e)
			if e.vpos >= 0 {
				ix.vol(e, 1)
			}
		}
	}
}

var _ backend.SlotTx = (*tx)(nil)

// slotIndex returns the index of t's database: database 0's, if kept.
func (t *tx) slotIndex() *slotIndex {
	if t.db != 0 {
		return nil
	}
	return t.m.shards[0].data.Load().slots
}

// checkSlot validates the arguments common to both SlotTx methods.
func (t *tx) checkSlot(op string, slot int) error {
	if !t.all {
		return notAll(op)
	}
	if uint(slot) >= backend.ClusterSlots {
		return backend.ErrBadSlot
	}
	return nil
}

// CountKeysInSlot implements backend.SlotTx; it needs All. With the index
// it is O(1), unless some keys of the slot have an expiry: then it checks
// the slot's keys for expired ones, O(keys of the slot). Without the
// index it scans the database.
func (t *tx) CountKeysInSlot(slot int) (int64, error) {
	if err := t.checkSlot("CountKeysInSlot", slot); err != nil {
		return 0, err
	}
	ix := t.slotIndex()
	if ix == nil {
		var n int64
		err := t.scanSlot(slot, func(*entry) bool { n++; return true })
		return n, err
	}
	ks := ix.keys[slot]
	if ix.nvol[slot].Load() == 0 {
		return int64(len(ks)), nil
	}
	var n int64
	for _, e := range ks {
		if !t.expired(e) {
			n++
		}
	}
	return n, nil
}

// KeysInSlot implements backend.SlotTx; it needs All. With the index it is
// O(count) (plus the expired keys it steps over); without, it scans the
// database. fn may delete the key it is given (the walk goes from the end
// of a slice that a removal fills from its end).
func (t *tx) KeysInSlot(slot, count int, fn func(key []byte) error) error {
	if err := t.checkSlot("KeysInSlot", slot); err != nil {
		return err
	}
	if count <= 0 {
		return nil
	}
	var err error
	visit := func(e *entry) bool {
		if err = fn(bytesOf(e.key)); err != nil {
			return false
		}
		count--
		return count > 0
	}
	ix := t.slotIndex()
	if ix == nil {
		if serr := t.scanSlot(slot, visit); serr != nil {
			return serr
		}
		return err
	}
	for i := len(ix.keys[slot]) - 1; i >= 0; i-- {
		ks := ix.keys[slot]
		if i >= len(ks) {
			i = len(ks)
			continue
		}
		if e := ks[i]; !t.expired(e) && !visit(e) {
			break
		}
	}
	return err
}

// scanSlot calls fn for the live entries of t's database in slot, until it
// returns false: the fallback without an index, O(keys of the database).
// Each shard's slice is walked from its end, so fn may delete the key.
func (t *tx) scanSlot(slot int, fn func(e *entry) bool) error {
	for s := range shardsPerDB {
		sd := t.m.shards[t.base+s].data.Load()
		for i := len(sd.keys) - 1; i >= 0; i-- {
			if i >= len(sd.keys) {
				i = len(sd.keys)
				continue
			}
			e := sd.keys[i]
			if t.expired(e) || slotOf(e) != slot {
				continue
			}
			if !fn(e) {
				return nil
			}
		}
	}
	return nil
}
