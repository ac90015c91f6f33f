package bolt

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"

	bolt "go.etcd.io/bbolt"

	"redpool/backend"
)

func seekDir(c *bolt.Cursor, start []byte, reverse bool) ([]byte, []byte) {
	k, v := c.Seek(start)
	if !reverse {
		return k, v
	}
	if k == nil {
		return c.Last()
	}
	if !bytes.Equal(k, start) {
		return c.Prev()
	}
	return k, v
}

func stepDir(c *bolt.Cursor, reverse bool) ([]byte, []byte) {
	if reverse {
		return c.Prev()
	}
	return c.Next()
}

// iterate calls fn for the keys of bucket b that have prefix, from start
// (forward: the first key >= start; reverse: the last key <= start), until
// fn returns false or an error. In a write transaction it reads ahead in
// chunks and seeks again after each, so fn may write to b (bbolt cursors
// must not be moved across writes).
func (t *tx) iterate(b *bucket, prefix, start []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	if t.w == nil {
		c := b.Cursor()
		for k, v := seekDir(c, start, reverse); k != nil && hasPrefix(k, prefix); k, v = stepDir(c, reverse) {
			if more, err := fn(k, v); err != nil || !more {
				return err
			}
		}
		return nil
	}
	var kvs [][]byte
	pos := start
	first := true
	for {
		c := b.Cursor()
		k, v := seekDir(c, pos, reverse)
		if !first && k != nil && bytes.Equal(k, pos) {
			k, v = stepDir(c, reverse)
		}
		kvs = kvs[:0]
		for ; k != nil && hasPrefix(k, prefix) && len(kvs) < 2*t.b.tuning.iterChunk; k, v = stepDir(c, reverse) {
			kvs = append(kvs, k, v)
		}
		// The slices stay valid: bbolt does not change stored bytes in
		// place, and frees no page before the transaction ends.
		for i := 0; i < len(kvs); i += 2 {
			if more, err := fn(kvs[i], kvs[i+1]); err != nil || !more {
				return err
			}
		}
		if len(kvs) < 2*t.b.tuning.iterChunk {
			return nil
		}
		pos = kvs[len(kvs)-2]
		first = false
	}
}

func (t *tx) Scan(cursor uint64, count int, fn func(key []byte, typ backend.Type) error) (uint64, error) {
	if !t.all {
		return 0, notAll("Scan")
	}
	if count <= 0 {
		count = 10
	}
	prefix := appendNSKey(nil, t.ns, nil)
	start, slot := prefix, -1
	if cursor != 0 {
		var pos []byte
		pos, slot = t.b.cursors.lookup(cursor)
		start = append(prefix[:nsLen:nsLen], pos...)
	}
	n := 0
	var last, next []byte
	err := t.iterate(t.keysB(), prefix, start, false, func(k, v []byte) (bool, error) {
		if n == count {
			next = k[nsLen:]
			return false, nil
		}
		n++
		last = k[nsLen:]
		r, ok := decodeRecord(v)
		if !ok {
			return false, fmt.Errorf("bolt: damaged metadata record for key %q", k[nsLen:])
		}
		if r.exp != 0 && r.exp <= t.now {
			return true, nil
		}
		return true, fn(k[nsLen:], r.typ)
	})
	if err != nil || next == nil {
		return 0, err
	}
	return t.b.cursors.issue(slot, last, next), nil
}

func (t *tx) RandomKey() ([]byte, error) {
	if !t.all {
		return nil, notAll("RandomKey")
	}
	prefix := appendNSKey(nil, t.ns, nil)
	c := t.keysB().Cursor()
	for try := 0; try < 16; try++ {
		k, v := randomIn(c, prefix)
		if k == nil {
			return nil, nil
		}
		r, ok := decodeRecord(v)
		if ok && (r.exp == 0 || r.exp > t.now) {
			return k[nsLen:], nil
		}
	}
	// Nearly everything sampled had expired: take the first live key.
	var key []byte
	err := t.iterate(t.keysB(), prefix, prefix, false, func(k, v []byte) (bool, error) {
		r, ok := decodeRecord(v)
		if ok && (r.exp == 0 || r.exp > t.now) {
			key = k[nsLen:]
			return false, nil
		}
		return true, nil
	})
	return key, err
}

// randomIn picks a key with the given prefix by a random descent of the
// implicit trie of keys: at the first byte where the smallest and largest
// candidates differ, it picks a byte between theirs at random and narrows
// the range to the keys with that byte. It is not uniform but reaches every
// key, and costs O(depth * log n).
func randomIn(c *bolt.Cursor, prefix []byte) ([]byte, []byte) {
	lo, lv := c.Seek(prefix)
	if lo == nil || !hasPrefix(lo, prefix) {
		return nil, nil
	}
	hi, _ := lastWithPrefix(c, prefix)
	for range 256 {
		if bytes.Equal(lo, hi) {
			return lo, lv
		}
		cp := commonPrefixLen(lo, hi)
		loB := -1 // lo is a prefix of hi: lo itself is a candidate
		if cp < len(lo) {
			loB = int(lo[cp])
		}
		b := loB + rand.IntN(int(hi[cp])-loB+1)
		if b < 0 {
			return lo, lv
		}
		target := append(bytes.Clone(hi[:cp]), byte(b))
		nlo, nlv := c.Seek(target)
		if nlo == nil {
			return lo, lv
		}
		if !hasPrefix(nlo, target) {
			return nlo, nlv
		}
		nhi, _ := lastWithPrefix(c, target)
		lo, lv, hi = nlo, nlv, nhi
	}
	return lo, lv
}

// lastWithPrefix returns the last key with prefix p (which must exist).
func lastWithPrefix(c *bolt.Cursor, p []byte) ([]byte, []byte) {
	var k, v []byte
	if succ := prefixSuccessor(p); succ == nil {
		k, v = c.Last()
	} else if k, v = c.Seek(succ); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	return k, v
}

// prefixSuccessor returns the smallest key greater than every key with
// prefix p, or nil if there is none.
func prefixSuccessor(p []byte) []byte {
	s := bytes.Clone(p)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] < 0xff {
			s[i]++
			return s[:i+1]
		}
	}
	return nil
}

func commonPrefixLen(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// cursorTable maps SCAN/HSCAN cursors to the key the next call starts at.
//
// A cursor is prefix(40 bits) | prefixLen(3) | slot(12) | generation(9).
// The slot of the table holds the exact position while it still belongs to
// the cursor. A scan keeps its slot from call to call (the generation
// changes), and a new scan takes the least recently used slot, so a scan
// loses its slot only if cursorSlots other scans were used more recently.
// Then the first prefixLen (<= 5) bytes of the position, kept in the cursor
// itself, are where it resumes: at or before the position, so nothing is
// skipped. When the last key visited and the next one differ within their
// first 5 bytes, the prefix is their shortest separator and resuming there
// is exact.
type cursorTable struct {
	mu    sync.Mutex
	init  bool
	slots [cursorSlots]cursorSlot
	lru   int // most recently used slot; slots form a ring through prev/next
}

type cursorSlot struct {
	cursor     uint64
	pos        []byte
	prev, next int
}

const (
	cursorSlots   = 4096
	slotBits      = 12
	genBits       = 9
	lowBits       = slotBits + genBits
	prefixBytes   = 5
	prefixLenBits = 3
)

// touch makes slot i the most recently used. ct.mu is held.
func (ct *cursorTable) touch(i int) {
	if !ct.init {
		for j := range ct.slots {
			ct.slots[j].prev = (j + cursorSlots - 1) % cursorSlots
			ct.slots[j].next = (j + 1) % cursorSlots
		}
		ct.init = true
	}
	if i == ct.lru {
		return
	}
	s := &ct.slots[i]
	ct.slots[s.prev].next, ct.slots[s.next].prev = s.next, s.prev // unlink
	head := &ct.slots[ct.lru]
	s.prev, s.next = head.prev, ct.lru // insert before the head...
	ct.slots[head.prev].next = i
	head.prev = i
	ct.lru = i // ...and make it the head
}

// lookup returns where the scan with this cursor resumes, and the slot to
// pass to issue (-1 if the cursor's slot was taken over).
func (ct *cursorTable) lookup(cur uint64) ([]byte, int) {
	slot := int(cur >> genBits & (1<<slotBits - 1))
	ct.mu.Lock()
	s := ct.slots[slot]
	ct.mu.Unlock()
	if s.cursor == cur && s.pos != nil {
		return s.pos, slot
	}
	n := min(int(cur>>lowBits&(1<<prefixLenBits-1)), prefixBytes)
	p := cur >> (lowBits + prefixLenBits)
	pos := make([]byte, n)
	for i := range n {
		pos[i] = byte(p >> (8 * (prefixBytes - 1 - i)))
	}
	return pos, -1
}

// issue returns a new nonzero cursor for position next (which sorts after
// last, the last key visited; last may be nil), reusing slot if it is not -1.
func (ct *cursorTable) issue(slot int, last, next []byte) uint64 {
	n := commonPrefixLen(last, next) + 1
	if last == nil || n > min(len(next), prefixBytes) {
		n = min(len(next), prefixBytes)
	}
	var p uint64
	for i := range n {
		p |= uint64(next[i]) << (8 * (prefixBytes - 1 - i))
	}
	saved := bytes.Clone(next)
	if saved == nil {
		saved = []byte{}
	}
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if slot < 0 {
		if !ct.init {
			ct.touch(0)
		}
		slot = ct.slots[ct.lru].prev // the least recently used
	}
	s := &ct.slots[slot]
	gen := (s.cursor&(1<<genBits-1))%(1<<genBits-1) + 1 // 1 .. 2^genBits-1
	s.cursor = p<<(lowBits+prefixLenBits) | uint64(n)<<lowBits | uint64(slot)<<genBits | gen
	s.pos = saved
	ct.touch(slot)
	return s.cursor
}
