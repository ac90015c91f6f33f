package memory

import (
	"hash/maphash"
	"math"
	"strconv"
	"sync/atomic"
	"unsafe"

	"redpool/backend"
)

// Approximate per-item overheads for Stats.UsedBytes.
const (
	entryOverhead = 144 // entry struct (96), index slot, key slice slot
	elemOverhead  = 48  // a list element: its slice header, its slot in the deque (grown by doubling), its allocation rounded up
	fieldOverhead = 80  // a hash field: its slot, index entry and allocations rounded up
)

// entry is one key and its value.
//
// An entry that existed when the open snapshot was taken (epoch < the
// shard's cow) is shared with the snapshot reader until the reader has
// finished the shard: it is never mutated in place then (see
// shardData.writable); writers replace it by a copy instead. The fields
// the reader reads without the lock (key, typ, expireAt, coll, slen,
// scap) are therefore immutable while shared; pos and vpos may change
// under the lock, and epoch/seen are only accessed under the lock. access
// is written atomically by readers too (under a shared lock; see
// access.go) and is not part of the value, so it may change on a shared
// entry.
//
// A string, the one scalar type, is its bytes' pointer (in coll, see
// strData), length and capacity, so that the hot string path has no
// indirection; every other type is a collection.
type entry struct {
	key      string        // in kbuf when it fits (see setKey)
	kbuf     [24]byte      // keeps a short key in the entry's cache lines
	coll     collection    // every type but strings: *deque (TypeList), *hashObj (TypeHash), ...; a string's bytes (see strBytes)
	slen     uint32        // a string's length (see strBytes)
	scap     uint32        // a string's capacity
	expireAt int64         // absolute Unix ms, 0 = none
	pos      int32         // index in shardData.keys
	vpos     int32         // index in shardData.vol, -1 if no expiry
	epoch    uint32        // Memory.epoch when the entry was created
	seen     uint32        // epoch of the snapshot that collected it
	access   atomic.Uint32 // Redis's lru field: LRU clock or LFU time and counter (access.go)
	tb       backend.Type  // the type, and a string's form: see typ and form
	spos     [3]byte       // position in its slot's slice, when database 0 is slot-indexed (slot.go)
}

// A string's bytes share coll with the collections, so that the entry is
// 96 bytes (a Go size class) rather than 112: coll holds a *strData, the
// first byte of the value's slice (nil for a nil slice), and slen and scap
// its length and capacity; a value whose length or capacity does not fit
// in 32 bits (beyond backend.MaxStringLen: only with a huge
// proto_max_bulk_len) is a *bigStr instead. Reading the value is one
// comparison of coll's type word and no extra load.

// strData is the first byte of a string's value, as a collection only so
// that it fits in entry.coll; its collection methods are never called
// (the entry's own methods check the type first).
type strData byte

func (*strData) size() int64       { panic("backend/memory: a string is not a collection") }
func (*strData) clone() collection { panic("backend/memory: a string is not a collection") }
func (*strData) appendItems(dst [][]byte) [][]byte {
	panic("backend/memory: a string is not a collection")
}

// bigStr is a string value too large for strData's 32-bit length.
type bigStr struct{ b []byte }

func (*bigStr) size() int64       { panic("backend/memory: a string is not a collection") }
func (*bigStr) clone() collection { panic("backend/memory: a string is not a collection") }
func (*bigStr) appendItems(dst [][]byte) [][]byte {
	panic("backend/memory: a string is not a collection")
}

// strBytes returns the value of e, a string entry. The slice aliases e's
// value, with its capacity.
func (e *entry) strBytes() []byte {
	if p, ok := e.coll.(*strData); ok {
		return unsafe.Slice((*byte)(p), e.scap)[:e.slen]
	}
	if b, ok := e.coll.(*bigStr); ok {
		return b.b
	}
	return nil
}

// setStr makes v the value of e, a string entry, keeping v itself (not a
// copy). The caller sets e's type.
func (e *entry) setStr(v []byte) {
	e.slen, e.scap = uint32(len(v)), uint32(cap(v))
	switch p := unsafe.SliceData(v); {
	case uint64(cap(v)) > math.MaxUint32:
		e.coll, e.slen, e.scap = &bigStr{v}, 0, 0
	case p == nil:
		e.coll = nil
	default:
		e.coll = (*strData)(p)
	}
}

// newStrEntry returns a new entry of the string v (kept, not copied) that
// expires at expireAt (0 = never).
func newStrEntry(v []byte, expireAt int64) *entry {
	e := &entry{tb: backend.TypeString, expireAt: expireAt}
	e.setStr(v)
	return e
}

// strLen is the length of e's string.
func (e *entry) strLen() int { return len(e.strBytes()) }

// isStr reports whether e is a string (its value is strBytes, not coll).
func (e *entry) isStr() bool { return e.typ() == backend.TypeString }

// typeBits is the part of entry.tb that holds the type. The entry has no
// spare byte (it is 96 bytes), so a string's backend.StringForm lives in
// the bits of tb above it: every Type is below 1<<typeBits, and tb is only
// read through typ and form.
const typeBits = 5

// typ returns the type of e's value.
func (e *entry) typ() backend.Type { return e.tb & (1<<typeBits - 1) }

// form returns the form of e's string (StringDerived for other types).
func (e *entry) form() backend.StringForm {
	return backend.StringForm(e.tb>>typeBits) & backend.StringFormMask
}

// setForm records f as the form of e's string; e is writable.
func (e *entry) setForm(f backend.StringForm) {
	e.tb = e.typ() | backend.Type(f&backend.StringFormMask)<<typeBits
}

// setKey stores a copy of key in e, inline when it fits. It is called once,
// before e is shared.
func (e *entry) setKey(key []byte) {
	if len(key) <= len(e.kbuf) {
		n := copy(e.kbuf[:], key)
		e.key = unsafe.String(&e.kbuf[0], n)
		return
	}
	e.key = string(key)
}

// size is the entry's contribution to Stats.UsedBytes.
func (e *entry) size() int64 {
	n := int64(entryOverhead + len(e.key))
	if e.isStr() {
		return n + int64(len(e.strBytes()))
	}
	if e.coll != nil {
		n += e.coll.size()
	}
	return n
}

// clone returns an independent copy of e's value and expiry (no key, no
// positions). The element bytes of a collection are shared, which is safe
// because they are never modified in place (see collection.clone).
func (e *entry) clone() *entry {
	ne := &entry{tb: e.tb, expireAt: e.expireAt, vpos: -1}
	ne.access.Store(e.access.Load())
	if e.isStr() {
		ne.setStr(append([]byte(nil), e.strBytes()...))
	} else if e.coll != nil {
		ne.coll = e.coll.clone()
	}
	return ne
}

// shardData is the content of one shard. Everything but the atomic counters
// and owner is guarded by the lock of the shard that owns it.
type shardData struct {
	ix   index
	m    *Memory      // for the access clock of new entries
	seed maphash.Seed // Memory.seed, to hash the keys of entries
	keys []*entry     // every entry, in no order; entry.pos indexes it
	vol  []*entry     // entries with an expiry; entry.vpos indexes it

	// cow is the epoch of the open snapshot while it still needs this
	// shard's pre-snapshot state, else 0. old holds pre-snapshot entries
	// that were removed or replaced before the snapshot collected them.
	cow uint32
	old []*entry

	// gen changes whenever an entry leaves the shard or is replaced.
	gen uint64

	// slots is database 0's slot index (slot.go) in database 0's data
	// when Options.SlotIndex is set, else nil.
	slots *slotIndex

	nkeys atomic.Int64
	nvol  atomic.Int64
	used  atomic.Int64

	// owner is the shard whose lock guards this data; nil once detached
	// (by Flush, FlushAll or Close), after which nothing writes it.
	owner atomic.Pointer[shard]
}

func newShardData(m *Memory, owner *shard) *shardData {
	sd := &shardData{m: m, seed: m.seed}
	sd.owner.Store(owner)
	return sd
}

// hash is key's hash, the same as Memory.hash gives.
func (sd *shardData) hash(key string) uint64 { return maphash.String(sd.seed, key) }

// shared reports whether e must not be mutated in place (see entry).
func (sd *shardData) shared(e *entry) bool {
	return sd.cow != 0 && e.epoch < sd.cow
}

// preserve keeps e for the snapshot if it needs it; e is leaving the shard.
func (sd *shardData) preserve(e *entry) {
	if sd.cow != 0 && e.epoch < sd.cow && e.seen != sd.cow {
		sd.old = append(sd.old, e)
	}
}

// insert adds e, a new entry without a key, at key (which is not in the
// shard), with the access clock of a new key.
func (sd *shardData) insert(key []byte, e *entry, epoch uint32) {
	e.setKey(key)
	e.epoch, e.seen = epoch, 0
	e.access.Store(sd.m.acc.Load().newAccess(sd.m.nowSec()))
	e.pos = int32(len(sd.keys))
	sd.keys = append(sd.keys, e)
	sd.ix.insert(sd.hash(e.key), e)
	e.vpos = -1
	if sd.slots != nil {
		sd.slots.add(e)
	}
	if e.expireAt != 0 {
		sd.addVol(e)
	}
	sd.nkeys.Add(1)
	sd.used.Add(e.size())
}

// remove deletes e from the shard. It does not write e (a snapshot reader
// may be reading it).
func (sd *shardData) remove(e *entry) {
	sd.ix.remove(sd.hash(e.key), e)
	sd.unlist(e)
}

// unlist is remove but for the index: e, which the index no longer holds,
// leaves the shard's lists and counters.
func (sd *shardData) unlist(e *entry) {
	sd.gen++
	last := len(sd.keys) - 1
	if int(e.pos) != last {
		mv := sd.keys[last]
		sd.keys[e.pos] = mv
		mv.pos = e.pos
	}
	sd.keys[last] = nil
	sd.keys = sd.keys[:last]
	if c := cap(sd.keys); c > 1024 && last < c/4 {
		sd.keys = append(make([]*entry, 0, c/2), sd.keys...)
	}
	if e.vpos >= 0 {
		sd.delVol(e.vpos)
	}
	if sd.slots != nil {
		sd.slots.del(e)
	}
	sd.nkeys.Add(-1)
	sd.used.Add(-e.size())
	sd.preserve(e)
}

// replace puts ne in old's place (same key), with old's access clock.
// ne's expireAt must be set.
func (sd *shardData) replace(old, ne *entry, epoch uint32) {
	sd.gen++
	if len(old.key) > len(ne.kbuf) {
		ne.key = old.key // an immutable string of its own: share it
	} else {
		ne.setKey(bytesOf(old.key))
	}
	ne.epoch, ne.seen = epoch, 0
	ne.access.Store(old.access.Load()) // as Redis's dbOverwrite
	ne.pos = old.pos
	sd.keys[ne.pos] = ne
	sd.ix.replace(sd.hash(ne.key), old, ne)
	if sd.slots != nil {
		sd.slots.swap(old, ne)
	}
	ne.vpos = -1
	switch {
	case old.vpos >= 0 && ne.expireAt != 0:
		ne.vpos = old.vpos
		sd.vol[ne.vpos] = ne
	case old.vpos >= 0:
		sd.delVol(old.vpos)
	case ne.expireAt != 0:
		sd.addVol(ne)
	}
	sd.used.Add(ne.size() - old.size())
	sd.preserve(old)
}

// writable returns e, or a copy that has replaced it if e is shared with
// the snapshot.
func (sd *shardData) writable(e *entry, epoch uint32) *entry {
	if !sd.shared(e) {
		return e
	}
	ne := e.clone()
	sd.replace(e, ne, epoch)
	return ne
}

// setExpire changes the expiry of the writable entry e.
func (sd *shardData) setExpire(e *entry, at int64) {
	switch {
	case at != 0 && e.vpos < 0:
		sd.addVol(e)
	case at == 0 && e.vpos >= 0:
		sd.delVol(e.vpos)
		e.vpos = -1
	}
	e.expireAt = at
}

func (sd *shardData) addVol(e *entry) {
	e.vpos = int32(len(sd.vol))
	sd.vol = append(sd.vol, e)
	sd.nvol.Add(1)
	if sd.slots != nil {
		sd.slots.vol(e, 1)
	}
}

// delVol removes vol[i] without writing that entry.
func (sd *shardData) delVol(i int32) {
	if sd.slots != nil {
		sd.slots.vol(sd.vol[i], -1)
	}
	last := len(sd.vol) - 1
	if int(i) != last {
		mv := sd.vol[last]
		sd.vol[i] = mv
		mv.vpos = i
	}
	sd.vol[last] = nil
	sd.vol = sd.vol[:last]
	if c := cap(sd.vol); c > 1024 && last < c/4 {
		sd.vol = append(make([]*entry, 0, c/2), sd.vol...)
	}
	sd.nvol.Add(-1)
}

// bytesOf returns s's bytes without copying. The result must not be modified.
func bytesOf(s string) []byte {
	if len(s) == 0 {
		return []byte{}
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// copyBytes returns a copy of b.
func copyBytes(b []byte) []byte {
	return append([]byte(nil), b...)
}

// Small non-negative integers (0 to 9999, the ones Redis shares too) in
// canonical form are stored as slices of one shared table rather than a
// copy each: a counter costs no allocation and its digits stay in cache.
// The slices have no spare capacity, so an append copies them; code that
// writes a string in place calls ownStr first.
const sharedInts = 10000

var intTable, intOffsets = buildIntTable()

func buildIntTable() ([]byte, []uint32) {
	var tbl []byte
	offs := make([]uint32, 0, sharedInts+1)
	for i := range sharedInts {
		offs = append(offs, uint32(len(tbl)))
		tbl = strconv.AppendInt(tbl, int64(i), 10)
	}
	return tbl, append(offs, uint32(len(tbl)))
}

// strValue returns the bytes to store for a string value: a shared slice
// for a small integer, else a copy of b.
func strValue(b []byte) []byte {
	n := len(b)
	if n == 0 || n > 4 || (n > 1 && b[0] == '0') {
		return copyBytes(b)
	}
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return copyBytes(b)
		}
		v = v*10 + int(c-'0')
	}
	lo, hi := intOffsets[v], intOffsets[v+1]
	return intTable[lo:hi:hi]
}

// ownStr makes e's string safe to write in place.
func ownStr(e *entry) {
	v := e.strBytes()
	if len(v) == 0 {
		return
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(v)))
	base := uintptr(unsafe.Pointer(unsafe.SliceData(intTable)))
	if p >= base && p < base+uintptr(len(intTable)) {
		e.setStr(copyBytes(v))
	}
}
