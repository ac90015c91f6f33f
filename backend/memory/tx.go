package memory

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"unsafe"

	"redpool/backend"
)

// tx is a transaction. It is pooled by its Memory and valid only during
// the View or Update call that handed it out.
type tx struct {
	m      *Memory
	db     int
	base   int    // db * shardsPerDB
	locked uint64 // bitmap of the locked shards of db (all ones with all)
	all    bool   // every shard of every database is locked
	write  bool
	epoch  uint32 // Memory.epoch during the transaction
	now    int64
	nowSet bool

	// The entry the last lookup found, so that a read-modify-write (INCR:
	// Get then Set) probes the index once. It is still key's entry while
	// its shard's gen has not moved.
	last    *entry
	lastSD  *shardData
	lastGen uint64

	// noTouch: TxOptions.NoTouch. touched is the entry this transaction
	// last counted an access of (see touch).
	noTouch bool
	touched *entry

	// The keys the transaction named, when they are at most
	// maxHashedKeys, and their hashes: the operations pass those same
	// slices (one command) or the same bytes (the commands of an EXEC or
	// of a run sharing the transaction, each with its own arguments), and
	// so skip hashing them again. hashed is a copy of the list in
	// hashedBuf: a caller that reuses its list meanwhile changes nothing.
	hashed    [][]byte
	hashes    [maxHashedKeys]uint64
	hashedBuf [maxHashedKeys][]byte

	keys backend.KeySet // TxOptions.Keys, unless all

	// stale are the keys a read transaction found expired (TakeStale).
	stale [][]byte

	// xbuf is XRange's fields buffer, kept with the pooled tx.
	xbuf [][]byte
}

var _ backend.Tx = (*tx)(nil)

// TakeStale returns the keys of t's database that the read transaction
// t found expired and left in place (a read cannot delete), in the order
// it met them, and forgets them; a write transaction deletes such keys and
// lists none. The caller may remove them in a write transaction of its
// own (a read of an expired key deletes it in Redis). The slices are
// valid until t ends and must not be modified.
func (t *tx) TakeStale() [][]byte {
	keys := t.stale
	t.stale = nil
	return keys
}

// DB implements backend.Tx.
func (t *tx) DB() int { return t.db }

// Now implements backend.Tx. It reads the clock once, on first use.
func (t *tx) Now() int64 {
	if !t.nowSet {
		t.now = backend.NowMs(t.m.clock)
		t.nowSet = true
	}
	return t.now
}

// WithDB implements backend.Tx. The Tx it returns shares t's locks and
// clock reading; only t is ended by View or Update.
func (t *tx) WithDB(db int) (backend.Tx, error) {
	if uint(db) >= uint(t.m.ndb) {
		return nil, backend.ErrBadDB
	}
	if !t.all {
		return nil, notAll("WithDB")
	}
	if db == t.db {
		return t, nil
	}
	t.Now() // the same Now for both
	return &tx{
		m: t.m, db: db, base: db * shardsPerDB, locked: t.locked, all: true,
		write: t.write, epoch: t.epoch, now: t.now, nowSet: true, noTouch: t.noTouch,
	}, nil
}

// data returns the shard data holding key of database db and key's hash,
// or ErrNotLocked if the transaction did not name key (with All it may
// touch any key of any database).
func (t *tx) data(db int, key []byte) (*shardData, uint64, error) {
	h, ok := t.hashOf(db, key)
	if !ok {
		if !t.all && (db != t.db || !t.keys.Has(key)) {
			return nil, 0, fmt.Errorf("%w: key %q of database %d not named in TxOptions.Keys", backend.ErrNotLocked, string(key), db)
		}
		h = t.m.hash(key)
	}
	return t.m.shards[db*shardsPerDB+int(h&(shardsPerDB-1))].data.Load(), h, nil
}

// maxHashedKeys is the most keys named in TxOptions.Keys whose hashes a
// transaction keeps (hashed).
const maxHashedKeys = 8

// hashOf returns the hash of key of database db if it is one of the keys
// the transaction named and kept the hash of (hashed): no hashing and no
// KeySet probe.
func (t *tx) hashOf(db int, key []byte) (uint64, bool) {
	if db != t.db || len(key) == 0 {
		return 0, false
	}
	p := unsafe.SliceData(key)
	for i, k := range t.hashed { // mostly the very slice named
		if unsafe.SliceData(k) == p && len(k) == len(key) {
			return t.hashes[i], true
		}
	}
	for i, k := range t.hashed {
		if string(k) == string(key) {
			return t.hashes[i], true
		}
	}
	return 0, false
}

// notAll is the error of a whole-database or cross-database operation in
// a transaction opened without All.
func notAll(op string) error {
	return fmt.Errorf("%w: %s needs TxOptions.All (or no keys)", backend.ErrNotLocked, op)
}

// lookup returns key's live entry in db (nil if missing) and counts the
// access (see access.go). An expired entry is deleted (and reported) in a
// write transaction and ignored in a read one.
func (t *tx) lookup(db int, key []byte) (*shardData, *entry, error) {
	sd, e, err := t.find(db, key)
	if e != nil {
		t.touch(e)
	}
	return sd, e, err
}

// find is lookup without counting an access (Redis's LOOKUP_NOTOUCH).
func (t *tx) find(db int, key []byte) (*shardData, *entry, error) {
	sd, h, err := t.data(db, key)
	if err != nil {
		return nil, nil, err
	}
	var e *entry
	if c := t.last; c != nil && t.lastSD == sd && t.lastGen == sd.gen && c.key == string(key) {
		e = c // still the live entry of key
	} else {
		e = sd.ix.get(h, key)
	}
	if e != nil && e.expireAt != 0 && e.expireAt <= t.Now() {
		if t.write {
			sd.remove(e)
			t.m.expiredKey(db, e.key)
		} else if db == t.db {
			t.stale = append(t.stale, bytesOf(e.key))
		}
		return sd, nil, nil
	}
	t.last, t.lastSD, t.lastGen = e, sd, sd.gen
	return sd, e, nil
}

func (t *tx) expired(e *entry) bool {
	return e.expireAt != 0 && e.expireAt <= t.Now()
}

// Type implements backend.Tx.
func (t *tx) Type(key []byte) (backend.Type, error) {
	_, e, err := t.find(t.db, key)
	if e == nil {
		return backend.TypeNone, err
	}
	return e.typ(), nil
}

// MemoryUsage implements backend.Tx: the entry's accounted size (its
// struct, index slot, key, and value bytes with the per-element overhead
// of its collection), the same figure Stats.UsedBytes sums. samples is
// not needed.
func (t *tx) MemoryUsage(key []byte, samples int) (int64, bool, error) {
	_, e, err := t.find(t.db, key)
	if e == nil {
		return 0, false, err
	}
	return e.size(), true, nil
}

// Exists implements backend.Tx.
func (t *tx) Exists(key []byte) (bool, error) {
	_, e, err := t.find(t.db, key)
	return e != nil, err
}

// Delete implements backend.Tx.
func (t *tx) Delete(key []byte) (bool, error) {
	if !t.write {
		return false, backend.ErrReadOnlyTx
	}
	sd, e, err := t.find(t.db, key)
	if e == nil {
		return false, err
	}
	sd.remove(e)
	return true, nil
}

// ExpireAt implements backend.Tx.
func (t *tx) ExpireAt(key []byte) (int64, bool, error) {
	_, e, err := t.find(t.db, key)
	if e == nil {
		return 0, false, err
	}
	return e.expireAt, true, nil
}

// SetExpireAt implements backend.Tx.
func (t *tx) SetExpireAt(key []byte, at int64) (bool, error) {
	if !t.write {
		return false, backend.ErrReadOnlyTx
	}
	sd, e, err := t.lookup(t.db, key)
	if e == nil {
		return false, err
	}
	if at != 0 && at <= t.Now() {
		sd.remove(e)
		return true, nil
	}
	if e.expireAt != at {
		e = sd.writable(e, t.epoch)
		sd.setExpire(e, at)
	}
	return true, nil
}

// Rename implements backend.Tx.
func (t *tx) Rename(src, dst []byte) error {
	if !t.write {
		return backend.ErrReadOnlyTx
	}
	ssd, se, err := t.lookup(t.db, src)
	if err != nil {
		return err
	}
	if se == nil {
		return backend.ErrNoSuchKey
	}
	if bytes.Equal(src, dst) {
		return nil
	}
	dsd, de, err := t.lookup(t.db, dst)
	if err != nil {
		return err
	}
	ne := se
	if ssd.shared(se) {
		ne = se.clone()
	}
	ssd.remove(se)
	t.place(dsd, de, ne, dst, se.access.Load())
	return nil
}

// place stores the detached entry ne (value and expireAt set) at key in
// sd, replacing cur (the key's current entry, or nil), with the access
// clock access: the moved key's own (RENAME, MOVE) or a new key's (COPY).
func (t *tx) place(sd *shardData, cur, ne *entry, key []byte, access uint32) {
	if cur != nil {
		sd.replace(cur, ne, t.epoch)
	} else {
		sd.insert(key, ne, t.epoch)
	}
	ne.access.Store(access)
}

// Copy implements backend.Tx. Copying a key onto itself does nothing and
// reports false.
func (t *tx) Copy(src []byte, dstDB int, dst []byte, replace bool) (bool, error) {
	if !t.write {
		return false, backend.ErrReadOnlyTx
	}
	if uint(dstDB) >= uint(t.m.ndb) {
		return false, backend.ErrBadDB
	}
	if dstDB != t.db && !t.all {
		return false, notAll("cross-database Copy")
	}
	_, se, err := t.lookup(t.db, src)
	if se == nil {
		return false, err
	}
	if dstDB == t.db && bytes.Equal(src, dst) {
		return false, nil
	}
	dsd, de, err := t.lookup(dstDB, dst)
	if err != nil {
		return false, err
	}
	if de != nil && !replace {
		return false, nil
	}
	t.place(dsd, de, se.clone(), dst, t.m.acc.Load().newAccess(t.m.nowSec()))
	return true, nil
}

// Move implements backend.Tx.
func (t *tx) Move(key []byte, dstDB int) (bool, error) {
	if !t.write {
		return false, backend.ErrReadOnlyTx
	}
	if uint(dstDB) >= uint(t.m.ndb) {
		return false, backend.ErrBadDB
	}
	if !t.all {
		return false, notAll("Move")
	}
	if dstDB == t.db {
		return false, nil
	}
	ssd, se, err := t.lookup(t.db, key)
	if se == nil {
		return false, err
	}
	dsd, de, err := t.lookup(dstDB, key)
	if de != nil || err != nil {
		return false, err
	}
	ne := se
	if ssd.shared(se) {
		ne = se.clone()
	}
	ssd.remove(se)
	t.place(dsd, nil, ne, key, se.access.Load())
	return true, nil
}

// Len implements backend.Tx. It reads counters, so it needs no locks.
func (t *tx) Len() (int64, error) {
	var n int64
	for i := range shardsPerDB {
		n += t.m.shards[t.base+i].data.Load().nkeys.Load()
	}
	return n, nil
}

// Scan implements backend.Tx; it needs All.
//
// Every shard keeps its entries in a slice (swap-with-last on delete, append
// on insert), and Scan walks each shard's slice from the end down. The
// cursor is shard<<32 | v, where v == 0 means "start this shard at its
// current end" and v > 0 means positions v-2 down to 0 remain. A delete only
// moves the last element (already visited, or added during the scan) down
// into the hole, and inserts land at the end, so a key present for the
// whole scan is never skipped.
func (t *tx) Scan(cursor uint64, count int, fn func(key []byte, t backend.Type) error) (uint64, error) {
	if !t.all {
		return 0, notAll("Scan")
	}
	if count <= 0 {
		count = 10
	}
	s := int(cursor >> 32)
	v := uint32(cursor)
	visited := 0
	for s < shardsPerDB {
		sd := t.m.shards[t.base+s].data.Load()
		p := len(sd.keys)
		if v != 0 && int(v-1) < p {
			p = int(v - 1)
		}
		for p > 0 && visited < count {
			p--
			visited++
			e := sd.keys[p]
			if t.expired(e) {
				continue
			}
			if err := fn(bytesOf(e.key), e.typ()); err != nil {
				return 0, err
			}
		}
		if p > 0 {
			return uint64(s)<<32 | uint64(p+1), nil
		}
		s++
		v = 0
		if visited >= count {
			break
		}
	}
	if s >= shardsPerDB {
		return 0, nil
	}
	return uint64(s) << 32, nil
}

// RandomKey implements backend.Tx; it needs All.
func (t *tx) RandomKey() ([]byte, error) {
	if !t.all {
		return nil, notAll("RandomKey")
	}
	var sds [shardsPerDB]*shardData
	for try := 0; try < 100; try++ {
		total := 0
		for i := range sds {
			sds[i] = t.m.shards[t.base+i].data.Load()
			total += len(sds[i].keys)
		}
		if total == 0 {
			return nil, nil
		}
		r := rand.IntN(total)
		for _, sd := range sds {
			if r >= len(sd.keys) {
				r -= len(sd.keys)
				continue
			}
			e := sd.keys[r]
			if !t.expired(e) {
				return bytesOf(e.key), nil
			}
			if t.write {
				sd.remove(e)
				t.m.expiredKey(t.db, e.key)
			}
			break
		}
	}
	// Nearly everything is expired: look for a live key the slow way.
	for _, sd := range sds {
		for _, e := range sd.keys {
			if !t.expired(e) {
				return bytesOf(e.key), nil
			}
		}
	}
	return nil, nil
}

// Flush implements backend.Tx; it needs All. It detaches the database's
// shard data (O(shards)); an open snapshot keeps reading the old data.
func (t *tx) Flush() error {
	if !t.write {
		return backend.ErrReadOnlyTx
	}
	if !t.all {
		return notAll("Flush")
	}
	t.m.flushDB(t.db)
	return nil
}

// FlushAll implements backend.Tx; it needs All.
func (t *tx) FlushAll() error {
	if !t.write {
		return backend.ErrReadOnlyTx
	}
	if !t.all {
		return notAll("FlushAll")
	}
	for db := range t.m.ndb {
		t.m.flushDB(db)
	}
	return nil
}

// flushDB replaces db's shard data by empty data. The caller holds all locks.
func (m *Memory) flushDB(db int) {
	ix := m.shards[db*shardsPerDB].data.Load().slots
	if ix != nil {
		ix.reset()
	}
	for i := range shardsPerDB {
		sh := &m.shards[db*shardsPerDB+i]
		old := sh.data.Load()
		if old.nkeys.Load() == 0 && old.cow == 0 {
			continue
		}
		old.owner.Store(nil)
		nd := newShardData(m, sh)
		nd.slots = ix
		sh.data.Store(nd)
	}
}

// SwapDB implements backend.Tx; it needs All. It exchanges the two
// databases' shard data (O(shards)); with a slot index, a swap with
// database 0 also rebuilds the index (O(keys), see slot.go).
func (t *tx) SwapDB(a, b int) error {
	if !t.write {
		return backend.ErrReadOnlyTx
	}
	if uint(a) >= uint(t.m.ndb) || uint(b) >= uint(t.m.ndb) {
		return backend.ErrBadDB
	}
	if !t.all {
		return notAll("SwapDB")
	}
	if a == b {
		return nil
	}
	for i := range shardsPerDB {
		sa, sb := &t.m.shards[a*shardsPerDB+i], &t.m.shards[b*shardsPerDB+i]
		da, db := sa.data.Load(), sb.data.Load()
		sa.data.Store(db)
		sb.data.Store(da)
		db.owner.Store(sa)
		da.owner.Store(sb)
	}
	if a == 0 || b == 0 {
		// The slot index went along with the old database 0's data.
		if ix := t.m.shards[(a+b)*shardsPerDB].data.Load().slots; ix != nil {
			t.m.indexDB0(ix)
		}
	}
	return nil
}

// --- strings ---

// str returns key's string entry (nil if missing) or ErrWrongType.
func (t *tx) str(key []byte) (*shardData, *entry, error) {
	sd, e, err := t.lookup(t.db, key)
	if e != nil && e.typ() != backend.TypeString {
		return sd, nil, backend.ErrWrongType
	}
	return sd, e, err
}

// Get implements backend.Tx.
func (t *tx) Get(key []byte) ([]byte, bool, error) {
	_, e, err := t.str(key)
	if e == nil {
		return nil, false, err
	}
	return e.strBytes(), true, nil
}

// Set implements backend.Tx. An expireAt at or before Now deletes the key.
func (t *tx) Set(key, val []byte, expireAt int64, keepTTL bool) error {
	return t.setString(key, val, expireAt, keepTTL, false)
}

// setString is Set, and SetOwned when owned: val is then kept as it is.
func (t *tx) setString(key, val []byte, expireAt int64, keepTTL, owned bool) error {
	if !t.write {
		return backend.ErrReadOnlyTx
	}
	sd, e, err := t.lookup(t.db, key)
	if err != nil {
		return err
	}
	if keepTTL {
		expireAt = 0
		if e != nil {
			expireAt = e.expireAt
		}
	}
	if expireAt != 0 && expireAt <= t.Now() {
		if e != nil {
			sd.remove(e)
		}
		return nil
	}
	v := val
	if !owned {
		v = strValue(val)
	}
	switch {
	case e == nil:
		sd.insert(key, newStrEntry(v, expireAt), t.epoch)
	case sd.shared(e):
		sd.replace(e, newStrEntry(v, expireAt), t.epoch)
	default:
		before := e.size()
		e.tb = backend.TypeString
		e.setStr(v)
		sd.setExpire(e, expireAt)
		sd.used.Add(e.size() - before)
	}
	return nil
}

// Append implements backend.Tx.
func (t *tx) Append(key, val []byte) (int64, error) {
	if !t.write {
		return 0, backend.ErrReadOnlyTx
	}
	sd, e, err := t.str(key)
	if err != nil {
		return 0, err
	}
	if e == nil {
		sd.insert(key, newStrEntry(strValue(val), 0), t.epoch)
		return int64(len(val)), nil
	}
	if int64(e.strLen())+int64(len(val)) > backend.MaxStringLen {
		return 0, backend.ErrTooLarge
	}
	e = sd.writable(e, t.epoch)
	e.setForm(backend.StringRaw)
	e.setStr(append(e.strBytes(), val...))
	sd.used.Add(int64(len(val)))
	return int64(e.strLen()), nil
}

// StringForm implements backend.Tx.
func (t *tx) StringForm(key []byte) (backend.StringForm, error) {
	_, e, err := t.str(key)
	if e == nil {
		return backend.StringDerived, err
	}
	return e.form(), nil
}

// SetStringForm implements backend.Tx.
func (t *tx) SetStringForm(key []byte, f backend.StringForm) error {
	if !t.write {
		return backend.ErrReadOnlyTx
	}
	sd, e, err := t.str(key)
	if e == nil || e.form() == f {
		return err
	}
	sd.writable(e, t.epoch).setForm(f)
	return nil
}

// SetRange implements backend.Tx. A negative offset is
// backend.ErrIndexOutOfRange.
func (t *tx) SetRange(key []byte, offset int64, val []byte) (int64, error) {
	if !t.write {
		return 0, backend.ErrReadOnlyTx
	}
	if offset < 0 {
		return 0, backend.ErrIndexOutOfRange
	}
	sd, e, err := t.str(key)
	if err != nil {
		return 0, err
	}
	if len(val) == 0 {
		if e == nil {
			return 0, nil
		}
		return int64(e.strLen()), nil
	}
	if offset > backend.MaxStringLen-int64(len(val)) { // no overflow for huge offsets
		return 0, backend.ErrTooLarge
	}
	end := int(offset) + len(val)
	if e == nil {
		buf := make([]byte, end)
		copy(buf[offset:], val)
		e = newStrEntry(buf, 0)
		e.setForm(backend.StringRaw)
		sd.insert(key, e, t.epoch)
		return int64(end), nil
	}
	e = sd.writable(e, t.epoch)
	e.setForm(backend.StringRaw)
	ownStr(e)
	v := e.strBytes()
	if n := len(v); end > n {
		v = append(v, make([]byte, end-n)...)
		e.setStr(v)
		sd.used.Add(int64(end - n))
	}
	copy(v[offset:], val)
	return int64(len(v)), nil
}
