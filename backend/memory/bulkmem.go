package memory

import "unsafe"

// The memory a bulk load stores strings in. A load of a million keys made
// two million small allocations (an entry and its value each): their cost,
// and the page faults of the memory they take for the first time, were
// most of a load's time. bulkMem carves the entries out of blocks of
// entryBlock entries, and the values out of chunks of valueChunk bytes,
// with as few allocations as there are blocks and chunks, in memory the
// kernel is asked to back with huge pages while the load fills it
// (bulkAdvise).
//
// The cost: a block, or a chunk, is one object for the collector, freed
// only when none of the entries (values) carved from it is reachable. A
// key deleted or overwritten after the load keeps the memory of its entry
// (112 bytes) and value while a neighbour of the same load lives. A data
// set whose loaded keys all go (expiry, FLUSHALL, overwrites of every key)
// frees it all; one that keeps one key in a block keeps the whole block.
// Measured on 1,000,000 loaded keys (DEBUG POPULATE's): the resident
// memory after the load is 192 MB against 207 MB with an allocation each
// (values packed, not rounded up to a size class); after deleting every other key and setting
// 500,000 new ones it is 249 MB against 200 MB, the deleted keys' entries
// held by their blocks instead of reused.
// A block holds at most entryBlock entries, about 7 MB; a chunk 4 MB.
// The load's shards' keys lists and index tables are carved from one slab
// each too (keys, slots), which stays while a shard still uses its part:
// until its list or table is next reallocated (a table grows, splits or
// shrinks).
const (
	entryBlock    = 1 << 16  // entries per block, at most
	valueChunk    = 4 << 20  // bytes per value chunk, at most
	minValueChunk = 64 << 10 // and at least
	// bulkMaxValue is the largest value carved from a chunk; a larger one
	// is allocated alone.
	bulkMaxValue = 256
)

// bulkMem hands out the entries and values of one bulk load. Owned by
// the load, one goroutine at a time.
type bulkMem struct {
	left    int     // entries still to come by the hint
	block   []entry // the rest of the current block
	chunk   []byte  // the rest of the current value chunk
	advised [][]byte
}

// entry returns a zero entry from the current block, starting a block,
// sized for the entries still to come, when it is used up.
func (bm *bulkMem) entry() *entry {
	if len(bm.block) == 0 {
		n := min(max(bm.left, 64), entryBlock)
		bm.block = make([]entry, n)
		bm.advise(unsafe.Slice((*byte)(unsafe.Pointer(&bm.block[0])), uintptr(n)*unsafe.Sizeof(entry{})))
	}
	e := &bm.block[0]
	bm.block = bm.block[1:]
	bm.left--
	return e
}

// keys returns n zero key pointers, for the keys of the load's shards,
// in memory advised as the entries' blocks are.
func (bm *bulkMem) keys(n int) []*entry {
	k := make([]*entry, n)
	bm.advise(unsafe.Slice((*byte)(unsafe.Pointer(&k[0])), uintptr(n)*unsafe.Sizeof(k[0])))
	return k
}

// slots returns n zero index slots, for the tables of the load's indexes,
// in memory advised as the entries' blocks are.
func (bm *bulkMem) slots(n int) []slot {
	if n == 0 {
		return nil
	}
	s := make([]slot, n)
	bm.advise(unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), uintptr(n)*unsafe.Sizeof(s[0])))
	return s
}

// value returns v as a string value's bytes (see strValue): a small
// integer from the shared table, else a copy in the current chunk, with
// no spare capacity, so that an append copies it.
func (bm *bulkMem) value(v []byte) []byte {
	n := len(v)
	if n <= 4 || n > bulkMaxValue {
		return strValue(v)
	}
	if len(bm.chunk) < n {
		bm.chunk = make([]byte, min(max(bm.left*16, minValueChunk), valueChunk))
		bm.advise(bm.chunk)
	}
	c := bm.chunk[:n:n]
	copy(c, v)
	bm.chunk = bm.chunk[n:]
	return c
}

// advise asks that the memory b, new and not yet touched, be backed by
// huge pages while the load fills it.
func (bm *bulkMem) advise(b []byte) {
	if bulkAdvise(b, true) {
		bm.advised = append(bm.advised, b)
	}
}

// done ends the load: the memory it advised goes back to the kernel's
// default for the process (see bulkAdvise), and the blocks and chunks not
// used up are dropped (what is left of them stays with the last entries
// carved from them).
func (bm *bulkMem) done() {
	for _, b := range bm.advised {
		bulkAdvise(b, false)
	}
	*bm = bulkMem{}
}
