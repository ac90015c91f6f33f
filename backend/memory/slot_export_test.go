package memory

import "fmt"

// CheckSlotIndex verifies the slot index's bookkeeping against the shards
// (the contract suite calls it; see backendtest.RunSlots): every entry of
// database 0 sits at its recorded position in its slot's slice, nothing
// else does, the expiry counts are right, and no other database's data
// points to the index. It takes every lock for reading.
func (m *Memory) CheckSlotIndex() error {
	if m.closed.Load() {
		return nil
	}
	m.lockAll(false)
	defer m.unlockAll(false)
	ix := m.shards[0].data.Load().slots
	for i := range m.shards {
		sd := m.shards[i].data.Load()
		if i >= shardsPerDB && sd.slots != nil {
			return fmt.Errorf("shard %d of database %d has a slot index", i%shardsPerDB, i/shardsPerDB)
		}
		if i < shardsPerDB && sd.slots != ix {
			return fmt.Errorf("shard %d of database 0 has another slot index", i)
		}
	}
	if ix == nil {
		return nil
	}
	var vol [len(ix.keys)]int32
	n := 0
	for i := range shardsPerDB {
		for _, e := range m.shards[i].data.Load().keys {
			s := slotOf(e)
			ks := ix.keys[s]
			p := ix.pos(e, s%slotStripes)
			if p >= len(ks) || ks[p] != e {
				return fmt.Errorf("key %q of slot %d is not at its position %d (of %d)", e.key, s, p, len(ks))
			}
			if e.vpos >= 0 {
				vol[s]++
			}
			n++
		}
	}
	total := 0
	for s := range ix.keys {
		total += len(ix.keys[s])
		if got := ix.nvol[s].Load(); got != vol[s] {
			return fmt.Errorf("slot %d counts %d keys with an expiry, has %d", s, got, vol[s])
		}
	}
	if total != n {
		return fmt.Errorf("the slot index holds %d entries, database 0 %d keys", total, n)
	}
	return nil
}
