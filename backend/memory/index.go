package memory

// index maps a shard's keys to their entries. It replaces a Go map so that
// a lookup touches two places in memory, the slot and the entry (whose key
// bytes are inline, see entry.kbuf), instead of four (control word, slot,
// key bytes, entry): at 100,000 random keys those cache misses were a
// third of a command's CPU time.
//
// It is extendible hashing over small linear-probing tables: the top bits
// of a key's hash pick a table through dir, and a full table of
// maxTableSlots splits in two rather than the whole index rehashing, so no
// insert moves more than maxTableSlots slots. Each slot keeps its key's
// full hash, so a probe compares keys only when the hashes are equal.
//
// The hash's low shardBits bits picked the shard and are the same for all of
// its keys; slot positions use the bits above them. An index is guarded by
// its shard's lock.
type index struct {
	dir   []*table // 1<<depth tables; a table of local depth d appears 1<<(depth-d) times
	depth uint8
}

type table struct {
	slots []slot // power-of-two length; an empty slot has e == nil
	n     int
	depth uint8 // the table's keys share the top depth bits of their hash
}

type slot struct {
	h uint64
	e *entry
}

const (
	shardBits     = 6 // shardsPerDB is 1<<shardBits
	minTableSlots = 8
	maxTableSlots = 1024
)

// home is the slot where a key with hash h starts probing in a table of
// mask+1 slots.
func home(h, mask uint64) uint64 { return (h >> shardBits) & mask }

func (ix *index) table(h uint64) *table {
	return ix.dir[h>>(64-uint64(ix.depth))&(uint64(len(ix.dir))-1)]
}

// get returns the entry of key, whose hash is h, or nil. The key is bytes
// so that comparing it allocates nothing, whatever its length.
func (ix *index) get(h uint64, key []byte) *entry {
	if ix.dir == nil {
		return nil
	}
	t := ix.table(h)
	mask := uint64(len(t.slots) - 1)
	for i := home(h, mask); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.e == nil {
			return nil
		}
		if s.h == h && s.e.key == string(key) {
			return s.e
		}
	}
}

// find returns the slot holding e, whose hash is h; e must be present.
func (t *table) find(h uint64, e *entry) uint64 {
	mask := uint64(len(t.slots) - 1)
	for i := home(h, mask); ; i = (i + 1) & mask {
		if t.slots[i].e == e {
			return i
		}
		if t.slots[i].e == nil {
			panic("backend/memory: index lost an entry")
		}
	}
}

// insert adds e, whose hash is h and whose key is not present.
func (ix *index) insert(h uint64, e *entry) {
	if ix.dir == nil {
		ix.dir = []*table{{slots: make([]slot, minTableSlots)}}
	}
	t := ix.table(h)
	for (t.n+1)*4 > len(t.slots)*3 { // keep the load at most 3/4
		if len(t.slots) < maxTableSlots || !ix.split(t) {
			t.rehash(len(t.slots) * 2)
		}
		t = ix.table(h)
	}
	t.put(h, e)
}

// put stores e in t, which has a free slot.
func (t *table) put(h uint64, e *entry) {
	mask := uint64(len(t.slots) - 1)
	i := home(h, mask)
	for t.slots[i].e != nil {
		i = (i + 1) & mask
	}
	t.slots[i] = slot{h, e}
	t.n++
}

// rehash moves t's entries to n fresh slots.
func (t *table) rehash(n int) {
	old := t.slots
	t.slots = make([]slot, n)
	t.n = 0
	for _, s := range old {
		if s.e != nil {
			t.put(s.h, s.e)
		}
	}
}

// split replaces t by two tables one bit deeper, doubling dir if needed.
// It reports false, changing nothing, if the split would leave all of t's
// entries on one side, which only equal hashes can cause.
func (ix *index) split(t *table) bool {
	bit := uint64(1) << (63 - t.depth)
	nhi := 0
	for _, s := range t.slots {
		if s.e != nil && s.h&bit != 0 {
			nhi++
		}
	}
	if nhi == 0 || nhi == t.n {
		return false
	}
	if t.depth == ix.depth {
		dir := make([]*table, 2*len(ix.dir))
		for i, u := range ix.dir {
			dir[2*i], dir[2*i+1] = u, u
		}
		ix.dir, ix.depth = dir, ix.depth+1
	}
	lo := &table{slots: make([]slot, len(t.slots)), depth: t.depth + 1}
	hi := &table{slots: make([]slot, len(t.slots)), depth: t.depth + 1}
	for _, s := range t.slots {
		switch {
		case s.e == nil:
		case s.h&bit == 0:
			lo.put(s.h, s.e)
		default:
			hi.put(s.h, s.e)
		}
	}
	// t's dir entries are a run of 1<<(ix.depth-t.depth) starting at a
	// multiple of that; the first half now goes to lo.
	run := 1 << (ix.depth - t.depth)
	first := 0
	for ix.dir[first] != t {
		first += run
	}
	for i := range run {
		if i < run/2 {
			ix.dir[first+i] = lo
		} else {
			ix.dir[first+i] = hi
		}
	}
	return true
}

// replace puts ne in the slot of old (same key, hash h).
func (ix *index) replace(h uint64, old, ne *entry) {
	t := ix.table(h)
	t.slots[t.find(h, old)].e = ne
}

// remove deletes e, whose hash is h, closing the gap by shifting later
// members of its probe run back (no tombstones). A table that falls to an
// eighth full is halved.
func (ix *index) remove(h uint64, e *entry) {
	t := ix.table(h)
	mask := uint64(len(t.slots) - 1)
	i := t.find(h, e)
	for j := (i + 1) & mask; t.slots[j].e != nil; j = (j + 1) & mask {
		// The member at j may fill the gap at i unless its home lies
		// cyclically in (i, j].
		k := home(t.slots[j].h, mask)
		if (j > i && (k <= i || k > j)) || (j < i && k <= i && k > j) {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = slot{}
	t.n--
	if len(t.slots) > minTableSlots && t.n*8 < len(t.slots) {
		t.rehash(len(t.slots) / 2)
	}
}

// warm reads the memory a lookup of key (hash h) reads: the slots of its
// probe run, and its entry and string value. It returns a value derived
// from what it read (see backend.Prefetcher).
func (ix *index) warm(h uint64, key []byte) uint64 {
	e := ix.get(h, key)
	if e == nil {
		return 0
	}
	v := uint64(len(e.key)) + uint64(e.expireAt) + uint64(e.tb) // each of its cache lines
	if e.isStr() && e.slen > 0 {
		v += uint64(e.strBytes()[0])
	}
	return v
}
