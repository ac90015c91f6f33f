package bolt

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"redpool/backend"
)

// The cluster slot index (Options.SlotIndex): keys by hash slot, for
// backend.SlotTx. Two buckets, written in the same bbolt transaction as
// the key's record, so the index is exactly as durable as the keys:
//
//	slots       ns(4) slot(2) key  -> ""                  one per key
//	slotcounts  ns(4) slot(2)      -> keys(8) expires(8)  per slot, absent when both are 0
//
// The namespace prefix keeps the index with the data it indexes: SWAPDB
// and FLUSHDB stay O(1) (they move or drop namespaces), MOVE and COPY go
// through put and removeKey like any write, and the sweeper's removal of a
// flushed namespace's records removes their index entries too. So every
// database is indexed, not only database 0 (cluster mode keeps keys in
// database 0 alone, so that costs nothing there).
//
// put, putString and removeKey keep it: a key that appears adds its entry
// and counts it, one that goes deletes both, and a change between having
// an expiry and not moves the slot's expires count, which
// CountKeysInSlot needs to answer in O(1) when no key of the slot can
// have expired. Records of expired keys stay indexed until they are
// removed, as they stay counted in the namespace counters.
//
// meta's "slotindex" key marks a file whose index is complete. Open with
// SlotIndex checks an indexed file (the slot counts of each database sum
// to its key count) and rebuilds the index of one that was opened
// without the option since (or never had it); Open without the option
// drops the index and the mark, since writes will not keep it.

var (
	bucketSlots      = []byte("slots")
	bucketSlotCounts = []byte("slotcounts")
	metaSlotIndex    = []byte("slotindex")
)

// slotLen is a slot number in the index keys.
const slotLen = 2

// rebuildChunk is how many records one transaction of a rebuild indexes.
const rebuildChunk = 10_000

func (t *tx) slotsB() *bucket      { return t.bucket(bSlots) }
func (t *tx) slotCountsB() *bucket { return t.bucket(bSlotCounts) }

// appendSlotKey appends ns | slot | key for an nsKey (ns | key).
func appendSlotKey(dst []byte, nsKey []byte, slot int) []byte {
	dst = append(dst, nsKey[:nsLen]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(slot))
	return append(dst, nsKey[nsLen:]...)
}

// slotAdded indexes the key at kk, which has just appeared (vol: with an
// expiry). It does nothing without Options.SlotIndex.
func (t *tx) slotAdded(kk []byte, vol bool) error {
	if !t.b.slotIndex {
		return nil
	}
	slot := backend.KeySlot(kk[nsLen:])
	t.sbuf = appendSlotKey(t.sbuf[:0], kk, slot)
	if err := t.slotsB().Put(t.sbuf, emptyValue); err != nil {
		return err
	}
	return t.slotCount(kk, slot, 1, b2i(vol))
}

// slotRemoved drops the key at kk from the index (vol: it had an expiry).
func (t *tx) slotRemoved(kk []byte, vol bool) error {
	if !t.b.slotIndex {
		return nil
	}
	slot := backend.KeySlot(kk[nsLen:])
	t.sbuf = appendSlotKey(t.sbuf[:0], kk, slot)
	if err := t.slotsB().Delete(t.sbuf); err != nil {
		return err
	}
	return t.slotCount(kk, slot, -1, -b2i(vol))
}

// slotVolatile counts a key that got an expiry (d = 1) or lost it (-1).
func (t *tx) slotVolatile(kk []byte, d int64) error {
	if !t.b.slotIndex {
		return nil
	}
	return t.slotCount(kk, backend.KeySlot(kk[nsLen:]), 0, d)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// slotCount adds dk keys and dv expires to the counts of kk's slot.
func (t *tx) slotCount(kk []byte, slot int, dk, dv int64) error {
	ck := binary.BigEndian.AppendUint16(append(t.sbuf[:0], kk[:nsLen]...), uint16(slot))
	t.sbuf = ck
	c := decodeCounter(t.slotCountsB().Get(ck))
	c.keys += dk
	c.expires += dv
	if c.keys == 0 && c.expires == 0 {
		return t.slotCountsB().Delete(ck)
	}
	v := t.w.arena.alloc(16)
	putU64(v, uint64(c.keys))
	putU64(v[8:], uint64(c.expires))
	return t.slotCountsB().Put(ck, v)
}

var _ backend.SlotTx = (*tx)(nil)

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

// slotPrefix returns ns | slot of t's database.
func (t *tx) slotPrefix(slot int) []byte {
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint32(nil, t.ns), uint16(slot))
}

// CountKeysInSlot implements backend.SlotTx; it needs All. With the index
// it is one lookup, unless some keys of the slot have an expiry: then it
// reads their records to leave out expired ones, O(keys of the slot).
// Without the index it scans the database.
func (t *tx) CountKeysInSlot(slot int) (int64, error) {
	if err := t.checkSlot("CountKeysInSlot", slot); err != nil {
		return 0, err
	}
	var n int64
	count := func([]byte) (bool, error) { n++; return true, nil }
	if !t.b.slotIndex {
		return n, t.scanSlot(slot, count)
	}
	c := decodeCounter(t.slotCountsB().Get(t.slotPrefix(slot)))
	if c.expires == 0 {
		return c.keys, nil
	}
	return n, t.walkSlot(slot, true, count)
}

// KeysInSlot implements backend.SlotTx; it needs All. With the index it is
// O(count) lookups (plus the expired keys it steps over); without, it
// scans the database. In an Update fn may delete the key it is given.
func (t *tx) KeysInSlot(slot, count int, fn func(key []byte) error) error {
	if err := t.checkSlot("KeysInSlot", slot); err != nil {
		return err
	}
	if count <= 0 {
		return nil
	}
	visit := func(key []byte) (bool, error) {
		count--
		return count > 0, fn(key)
	}
	if !t.b.slotIndex {
		return t.scanSlot(slot, visit)
	}
	c := decodeCounter(t.slotCountsB().Get(t.slotPrefix(slot)))
	return t.walkSlot(slot, c.expires != 0, visit)
}

// walkSlot calls fn with the keys of slot in t's database from the index
// (checking each key's record for expiry if check), until fn returns false
// or an error.
func (t *tx) walkSlot(slot int, check bool, fn func(key []byte) (bool, error)) error {
	prefix := t.slotPrefix(slot)
	return t.iterate(t.slotsB(), prefix, prefix, false, func(k, _ []byte) (bool, error) {
		key := k[nsLen+slotLen:]
		if check {
			t.kbuf = appendNSKey(t.kbuf[:0], t.ns, key)
			r, ok, err := t.raw(t.kbuf)
			if err != nil {
				return false, err
			}
			if !ok || (r.exp != 0 && r.exp <= t.now) {
				return true, nil
			}
		}
		return fn(key)
	})
}

// scanSlot calls fn with the live keys of slot in t's database, reading
// every record: the fallback without an index, O(keys of the database).
func (t *tx) scanSlot(slot int, fn func(key []byte) (bool, error)) error {
	prefix := appendNSKey(nil, t.ns, nil)
	return t.iterate(t.keysB(), prefix, prefix, false, func(k, v []byte) (bool, error) {
		key := k[nsLen:]
		if backend.KeySlot(key) != slot {
			return true, nil
		}
		r, ok := decodeRecord(v)
		if !ok {
			return false, fmt.Errorf("bolt: damaged metadata record for key %q", key)
		}
		if r.exp != 0 && r.exp <= t.now {
			return true, nil
		}
		return fn(key)
	})
}

// initSlotIndex brings the index in line with Options.SlotIndex at Open:
// with the option, it checks a marked index and rebuilds a missing or
// inconsistent one; without, it drops the index.
func (b *Bolt) initSlotIndex() error {
	if !b.slotIndex {
		some := false
		err := b.db.View(func(btx *bolt.Tx) error {
			some = btx.Bucket(bucketMeta).Get(metaSlotIndex) != nil ||
				btx.Bucket(bucketSlots) != nil || btx.Bucket(bucketSlotCounts) != nil
			return nil
		})
		if err != nil || !some {
			return err
		}
		return b.db.Update(dropSlotIndex)
	}
	ok := false
	err := b.db.View(func(btx *bolt.Tx) error {
		ok = btx.Bucket(bucketMeta).Get(metaSlotIndex) != nil && b.slotIndexAgrees(btx)
		return nil
	})
	if err != nil || ok {
		return err
	}
	b.log.Info("bolt: building the cluster slot index", "path", b.path)
	return b.rebuildSlotIndex()
}

// slotIndexAgrees reports whether the slot counts of every database sum to
// its key count (and the buckets exist).
func (b *Bolt) slotIndexAgrees(btx *bolt.Tx) bool {
	counts, slots := btx.Bucket(bucketSlotCounts), btx.Bucket(bucketSlots)
	if counts == nil || slots == nil {
		return false
	}
	meta := btx.Bucket(bucketMeta)
	for _, ns := range decodeTable(meta.Get(metaDBs)) {
		want := decodeCounter(meta.Get(counterKey(ns)))
		var got counter
		prefix := appendNSKey(nil, ns, nil)
		c := counts.Cursor()
		for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
			sc := decodeCounter(v)
			got.keys += sc.keys
			got.expires += sc.expires
		}
		if got != want {
			b.log.Warn("bolt: the cluster slot index disagrees with the key counts; rebuilding it",
				"namespace", ns, "indexed", got.keys, "keys", want.keys)
			return false
		}
	}
	return true
}

// dropSlotIndex deletes the index's buckets and its mark.
func dropSlotIndex(btx *bolt.Tx) error {
	if err := btx.Bucket(bucketMeta).Delete(metaSlotIndex); err != nil {
		return err
	}
	for _, name := range [][]byte{bucketSlots, bucketSlotCounts} {
		if btx.Bucket(name) != nil {
			if err := btx.DeleteBucket(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// rebuildSlotIndex indexes every record of the keys bucket (flushed
// namespaces that the sweeper has not finished included, since its
// removals will unindex them), in transactions of rebuildChunk records,
// and marks the index complete in the last one. A crash in between leaves
// no mark, and the next Open starts again.
func (b *Bolt) rebuildSlotIndex() error {
	err := b.db.Update(func(btx *bolt.Tx) error {
		if err := dropSlotIndex(btx); err != nil {
			return err
		}
		for _, name := range [][]byte{bucketSlots, bucketSlotCounts} {
			if _, err := btx.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	type nsSlot struct {
		ns   uint32
		slot uint16
	}
	counts := make(map[nsSlot]counter)
	var after []byte // the last record indexed
	for done := false; !done; {
		err := b.db.Update(func(btx *bolt.Tx) error {
			slots := btx.Bucket(bucketSlots)
			c := btx.Bucket(bucketKeys).Cursor()
			k, v := c.First()
			if after != nil {
				k, v = c.Seek(after)
				if k != nil && string(k) == string(after) {
					k, v = c.Next()
				}
			}
			var sk []byte
			for n := 0; k != nil && n < rebuildChunk; k, v = c.Next() {
				n++
				if len(k) < nsLen {
					continue
				}
				slot := backend.KeySlot(k[nsLen:])
				sk = appendSlotKey(sk[:0], k, slot)
				if err := slots.Put(sk, emptyValue); err != nil {
					return err
				}
				r, _ := decodeRecord(v)
				id := nsSlot{nsOf(k), uint16(slot)}
				sc := counts[id]
				sc.keys++
				sc.expires += b2i(r.exp != 0)
				counts[id] = sc
				after = append(after[:0], k...)
			}
			done = k == nil
			return nil
		})
		if err != nil {
			return err
		}
	}
	return b.db.Update(func(btx *bolt.Tx) error {
		bc := btx.Bucket(bucketSlotCounts)
		for id, c := range counts {
			v := make([]byte, 16)
			putU64(v, uint64(c.keys))
			putU64(v[8:], uint64(c.expires))
			k := binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint32(nil, id.ns), id.slot)
			if err := bc.Put(k, v); err != nil {
				return err
			}
		}
		return btx.Bucket(bucketMeta).Put(metaSlotIndex, emptyValue)
	})
}
