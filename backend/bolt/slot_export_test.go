package bolt

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"redpool/backend"
)

// CheckSlotIndex verifies the slot index against the keys bucket (the
// contract suite calls it; see backendtest.RunSlots): one index entry per
// record and none else, the per-slot counts of keys and of keys with an
// expiry exact (and absent when zero), and the index marked complete.
func (b *Bolt) CheckSlotIndex() error {
	if !b.slotIndex || b.closed.Load() {
		return nil
	}
	return b.db.View(func(btx *bolt.Tx) error {
		if btx.Bucket(bucketMeta).Get(metaSlotIndex) == nil {
			return fmt.Errorf("the slot index is not marked complete")
		}
		slots, counts := btx.Bucket(bucketSlots), btx.Bucket(bucketSlotCounts)
		want := map[string]counter{}
		n := 0
		c := btx.Bucket(bucketKeys).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			slot := backend.KeySlot(k[nsLen:])
			if slots.Get(appendSlotKey(nil, k, slot)) == nil {
				return fmt.Errorf("key %q of namespace %d is not indexed", k[nsLen:], nsOf(k))
			}
			r, _ := decodeRecord(v)
			ck := string(binary.BigEndian.AppendUint16(append([]byte(nil), k[:nsLen]...), uint16(slot)))
			w := want[ck]
			w.keys++
			w.expires += b2i(r.exp != 0)
			want[ck] = w
			n++
		}
		if got := slots.Stats().KeyN; got != n {
			return fmt.Errorf("the slot index has %d entries for %d records", got, n)
		}
		got := 0
		cc := counts.Cursor()
		for k, v := cc.First(); k != nil; k, v = cc.Next() {
			got++
			if w := want[string(k)]; decodeCounter(v) != w {
				return fmt.Errorf("slot counts of %x: %+v, want %+v", k, decodeCounter(v), w)
			}
		}
		if got != len(want) {
			return fmt.Errorf("%d slot count records, want %d", got, len(want))
		}
		return nil
	})
}
