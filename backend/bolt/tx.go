package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"redpool/backend"
)

// errUndeclared is returned for a key the transaction did not name.
var errUndeclared = fmt.Errorf("%w: key not named in TxOptions.Keys", backend.ErrNotLocked)

// notAll is the error of a whole-database or cross-database operation in
// a transaction opened without All.
func notAll(op string) error {
	return fmt.Errorf("%w: %s needs TxOptions.All (or no keys)", backend.ErrNotLocked, op)
}

// tx implements backend.Tx on a bbolt transaction. In a View w is nil; in
// an Update it is the writer's batch state.
type tx struct {
	b   *Bolt
	btx *bolt.Tx
	w   *batchState

	bk     [nBuckets]bucket // loaded on first use
	kc, dc *bolt.Cursor     // point lookups only

	db   int
	ns   uint32
	now  int64
	all  bool
	keys backend.KeySet // TxOptions.Keys, unless all

	// A Tx that WithDB made has root, the tx View or Update made; the root
	// has the others in kids.
	root *tx
	kids []*tx

	kbuf, kbuf2, ebuf, dbuf, sbuf []byte // scratch keys; bbolt copies keys it keeps

	stale [][]byte // the keys a read found expired (TakeStale)
}

var _ backend.Tx = (*tx)(nil)

// open makes t work in btx (a write transaction if w is not nil).
func (t *tx) open(b *Bolt, btx *bolt.Tx, w *batchState) {
	t.b, t.btx, t.w = b, btx, w
	t.bk = [nBuckets]bucket{}
	t.kc, t.dc = nil, nil
}

// begin starts work for one View or Update function.
func (t *tx) begin(o backend.TxOptions, now int64) error {
	t.db, t.now = o.DB, now
	t.all = o.All || len(o.Keys) == 0
	t.keys.Reset(nil)
	if !t.all {
		t.keys.Reset(o.Keys)
	}
	t.root, t.kids = nil, t.kids[:0]
	t.stale = nil
	ns, err := t.nsFor(o.DB)
	t.ns = ns
	return err
}

// clear drops the references to the bbolt transaction and the caller's keys.
func (t *tx) clear() {
	t.btx, t.w = nil, nil
	t.bk = [nBuckets]bucket{}
	t.kc, t.dc = nil, nil
	t.keys.Reset(nil)
	clear(t.kids)
	t.root, t.kids = nil, t.kids[:0]
}

// WithDB implements backend.Tx. The Tx it returns shares t's bbolt
// transaction, batch state and Now.
func (t *tx) WithDB(db int) (backend.Tx, error) {
	if db < 0 || db >= t.b.nDBs {
		return nil, backend.ErrBadDB
	}
	if !t.all {
		return nil, notAll("WithDB")
	}
	if db == t.db {
		return t, nil
	}
	ns, err := t.nsFor(db)
	if err != nil {
		return nil, err
	}
	root := t
	if t.root != nil {
		root = t.root
	}
	c := &tx{b: t.b, btx: t.btx, w: t.w, bk: t.bk, db: db, ns: ns, now: t.now, all: true, root: root}
	root.kids = append(root.kids, c)
	return c, nil
}

// bucket returns bucket id, loading it on first use.
func (t *tx) bucket(id bucketID) *bucket {
	b := &t.bk[id]
	if b.bb == nil {
		b.bb = t.btx.Bucket(bucketNames[id])
		if b.bb == nil {
			panic(fmt.Sprintf("bolt: bucket %q is missing", bucketNames[id]))
		}
		b.w, b.id = t.w, id
	}
	return b
}

func (t *tx) metaB() *bucket { return t.bucket(bMeta) }
func (t *tx) keysB() *bucket { return t.bucket(bKeys) }
func (t *tx) dataB() *bucket { return t.bucket(bData) }
func (t *tx) expB() *bucket  { return t.bucket(bExpire) }
func (t *tx) garbB() *bucket { return t.bucket(bGarbage) }

// nsFor returns the namespace of logical database db.
func (t *tx) nsFor(db int) (uint32, error) {
	v := t.metaB().Get(metaDBs)
	if db < 0 || (db+1)*nsLen > len(v) || db >= t.b.nDBs {
		return 0, backend.ErrBadDB
	}
	return nsOf(v[db*nsLen:]), nil
}

// dbOf returns the database whose namespace is ns, if any.
func (t *tx) dbOf(ns uint32) (int, bool) {
	if ns == t.ns {
		return t.db, true
	}
	tbl := t.metaB().Get(metaDBs)
	for i := 0; i+nsLen <= len(tbl) && i/nsLen < t.b.nDBs; i += nsLen {
		if nsOf(tbl[i:]) == ns {
			return i / nsLen, true
		}
	}
	return 0, false
}

func (t *tx) setNS(db int, ns uint32) error {
	v := t.metaB().Get(metaDBs)
	nv := t.w.arena.copy(v)
	binary.BigEndian.PutUint32(nv[db*nsLen:], ns)
	t.w.tableChanged = true
	root := t // every Tx of the transaction on db uses ns from now on
	if t.root != nil {
		root = t.root
	}
	if root.db == db {
		root.ns = ns
	}
	for _, x := range root.kids {
		if x.db == db {
			x.ns = ns
		}
	}
	return t.metaB().Put(metaDBs, nv)
}

func (t *tx) writable() error {
	if t.w == nil {
		return backend.ErrReadOnlyTx
	}
	return nil
}

// touch notes that the batch writes.
func (t *tx) touch() {
	t.w.dirty = true
}

// kkey returns ns|key in a scratch buffer, valid until the next kkey call,
// or nil if the transaction did not name key (get and getType then fail
// with ErrNotLocked).
func (t *tx) kkey(key []byte) []byte {
	if !t.all && !t.keys.Has(key) {
		return nil
	}
	t.kbuf = appendNSKey(t.kbuf[:0], t.ns, key)
	return t.kbuf
}

// kkey2 is kkey for a second key, in namespace ns (of database db), in
// another scratch buffer.
func (t *tx) kkey2(db int, ns uint32, key []byte) []byte {
	if !t.all && (db != t.db || !t.keys.Has(key)) {
		return nil
	}
	t.kbuf2 = appendNSKey(t.kbuf2[:0], ns, key)
	return t.kbuf2
}

// seekExact looks key up with cursor c.
func seekExact(c *bolt.Cursor, key []byte) ([]byte, bool) {
	k, v := c.Seek(key)
	if k == nil || !bytes.Equal(k, key) {
		return nil, false
	}
	return v, true
}

func (t *tx) keysCursor() *bolt.Cursor {
	if t.kc == nil {
		t.kc = t.keysB().Cursor()
	}
	return t.kc
}

func (t *tx) dataCursor() *bolt.Cursor {
	if t.dc == nil {
		t.dc = t.dataB().Cursor()
	}
	return t.dc
}

func (t *tx) dataGet(k []byte) ([]byte, bool) { return seekExact(t.dataCursor(), k) }

// raw returns the record at kk, expired or not.
func (t *tx) raw(kk []byte) (record, bool, error) {
	v, ok := seekExact(t.keysCursor(), kk)
	if !ok {
		return record{}, false, nil
	}
	r, ok := decodeRecord(v)
	if !ok {
		return record{}, false, fmt.Errorf("bolt: damaged metadata record for key %q", kk[nsLen:])
	}
	return r, true, nil
}

// get returns the live record at kk (ns|key, from kkey or kkey2). An
// expired record is absent; in an Update it is also deleted and reported.
func (t *tx) get(kk []byte) (record, bool, error) {
	if kk == nil {
		return record{}, false, errUndeclared
	}
	r, ok, err := t.raw(kk)
	if !ok || err != nil {
		return r, false, err
	}
	if r.exp != 0 && r.exp <= t.now {
		if t.w != nil {
			if err := t.expire(kk, &r); err != nil {
				return record{}, false, err
			}
		} else if nsOf(kk) == t.ns {
			t.stale = append(t.stale, append([]byte(nil), kk[nsLen:]...))
		}
		return record{}, false, nil
	}
	return r, true, nil
}

// TakeStale returns the keys of t's database that the read transaction
// t found expired and left in place (a View cannot delete), in the order
// it met them, and forgets them; an Update deletes such keys and lists
// none. The caller may remove them in an Update of its own (a read of an
// expired key deletes it in Redis).
func (t *tx) TakeStale() [][]byte {
	keys := t.stale
	t.stale = nil
	return keys
}

// expire removes the expired record r at kk, counts it and reports it to
// Options.OnExpire (if kk is in a database: not in a flushed namespace).
func (t *tx) expire(kk []byte, r *record) error {
	db, live, err := t.removeExpired(kk, r)
	if err != nil {
		return err
	}
	t.w.removed = append(t.w.removed, t.w.arena.copy(kk))
	if live && t.b.onExpire != nil {
		t.b.onExpire(db, kk[nsLen:])
	}
	return nil
}

// removeExpired removes the expired record r at kk and counts it if kk is
// in a database, which it returns.
func (t *tx) removeExpired(kk []byte, r *record) (db int, live bool, err error) {
	t.w.expiring = true
	err = t.removeKey(kk, r)
	t.w.expiring = false
	if err != nil {
		return 0, false, err
	}
	if db, live = t.dbOf(nsOf(kk)); live {
		t.w.expired++
	}
	return db, live, nil
}

// getType is get plus a type check (TypeNone: any type).
func (t *tx) getType(kk []byte, want backend.Type) (record, bool, error) {
	r, ok, err := t.get(kk)
	if ok && want != backend.TypeNone && r.typ != want {
		return record{}, false, backend.ErrWrongType
	}
	return r, ok, err
}

func (t *tx) expKey(at int64, kk []byte) []byte {
	t.ebuf = appendExpKey(t.ebuf[:0], at, kk)
	return t.ebuf
}

// removeKey deletes the record at kk, its expiry entry and its data.
func (t *tx) removeKey(kk []byte, r *record) error {
	t.touch()
	if err := t.keysB().Delete(kk); err != nil {
		return err
	}
	if err := t.slotRemoved(kk, r.exp != 0); err != nil {
		return err
	}
	d := t.w.delta(nsOf(kk))
	d.keys--
	if r.exp != 0 {
		d.expires--
		if err := t.expB().Delete(t.expKey(r.exp, kk)); err != nil {
			return err
		}
	}
	if r.id != 0 && r.size > 0 {
		return t.dropData(r.id, r.size)
	}
	return nil
}

// dropData disposes of a collection's elements: at once if there are few,
// otherwise through the garbage bucket and the sweeper. A small
// collection's data keys are deleted on the spot up to a budget of
// dropKeysPerElem per element (a sorted set has more than one data key per
// element); whatever is left goes to the sweeper.
func (t *tx) dropData(id uint64, size int64) error {
	if small := t.b.tuning.smallDrop; size <= small {
		_, done, err := t.deletePrefix(id, dropKeysPerElem*int(small)+dropKeysPerElem)
		if err != nil || done {
			return err
		}
	}
	v := t.w.arena.alloc(8)
	putU64(v, uint64(size))
	t.w.garbage++
	t.w.sweep = true
	return t.garbB().Put(garbageIDKey(id), v)
}

// deletePrefix deletes up to budget data keys of collection id. done
// reports that none are left.
func (t *tx) deletePrefix(id uint64, budget int) (n int, done bool, err error) {
	t.touch()
	prefix := appendID(t.dbuf[:0], id)
	t.dbuf = prefix
	var ks [][]byte
	c := t.dataB().Cursor()
	k, _ := c.Seek(prefix)
	for ; k != nil && hasPrefix(k, prefix) && len(ks) < budget; k, _ = c.Next() {
		ks = append(ks, k)
	}
	done = k == nil || !hasPrefix(k, prefix)
	for _, k := range ks {
		if err := t.dataB().Delete(k); err != nil {
			return 0, false, err
		}
	}
	return len(ks), done, nil
}

// put writes the record r at kk, which holds old (nil: nothing), keeping
// the expiry index, the counters and the data of old in order.
func (t *tx) put(kk []byte, old *record, r *record) error {
	t.touch()
	d := t.w.delta(nsOf(kk))
	oldExp := int64(0)
	if old != nil {
		oldExp = old.exp
		if old.id != 0 && old.id != r.id && old.size > 0 {
			if err := t.dropData(old.id, old.size); err != nil {
				return err
			}
		}
	} else {
		d.keys++
		if err := t.slotAdded(kk, r.exp != 0); err != nil {
			return err
		}
	}
	if old != nil && (oldExp != 0) != (r.exp != 0) {
		if err := t.slotVolatile(kk, b2i(r.exp != 0)-b2i(oldExp != 0)); err != nil {
			return err
		}
	}
	if oldExp != r.exp {
		if oldExp != 0 {
			d.expires--
			if err := t.expB().Delete(t.expKey(oldExp, kk)); err != nil {
				return err
			}
		}
		if r.exp != 0 {
			d.expires++
			if err := t.expB().Put(t.expKey(r.exp, kk), emptyValue); err != nil {
				return err
			}
		}
	}
	v, err := r.encode(&t.w.arena)
	if err != nil {
		return err
	}
	return t.keysB().Put(kk, v)
}

// putMeta rewrites the record of an existing collection whose expiry did
// not change (head, tail or size moved).
func (t *tx) putMeta(kk []byte, r *record) error {
	t.touch()
	v, err := r.encode(&t.w.arena)
	if err != nil {
		return err
	}
	return t.keysB().Put(kk, v)
}

func (t *tx) newID() (uint64, error) {
	t.touch()
	return t.dataB().NextSequence()
}

func putU64(b []byte, v uint64) { binary.BigEndian.PutUint64(b, v) }

func checkKey(key []byte) error {
	if len(key) > maxKeyLen {
		return backend.ErrTooLarge
	}
	return nil
}

// --- transaction ---

func (t *tx) DB() int    { return t.db }
func (t *tx) Now() int64 { return t.now }

// --- keys ---

func (t *tx) Type(key []byte) (backend.Type, error) {
	r, ok, err := t.get(t.kkey(key))
	if !ok || err != nil {
		return backend.TypeNone, err
	}
	return r.typ, nil
}

// MemoryUsage implements backend.Tx: the bytes the key takes in the
// file's B+trees: its metadata entry (key and record), and for a
// collection its data entries (id|subkey and value), summed over the
// first samples of them and extrapolated to the element count. Page
// headers and free space are not counted.
func (t *tx) MemoryUsage(key []byte, samples int) (int64, bool, error) {
	kk := t.kkey(key)
	r, ok, err := t.get(kk)
	if !ok || err != nil {
		return 0, false, err
	}
	v, _ := seekExact(t.keysCursor(), kk)
	n := int64(len(kk) + len(v))
	if r.id == 0 || r.size == 0 {
		return n, true, nil
	}
	c := coll{t: t, r: r}
	var seen, size int64
	spans, err := t.liveSpans(&r)
	if err != nil {
		return 0, false, err
	}
	zmembers := r.typ == backend.TypeZSet && samples > 0
	if zmembers {
		// Sample the member family: the score index holds the same
		// members and a score each, about as many bytes (counted twice
		// below); the rank chunks are few.
		spans = [][2][]byte{{zMemberFam, []byte{zfamMember + 1}}}
	}
	for _, sp := range spans {
		err = c.iter(sp[0], false, func(sub, val []byte) (bool, error) {
			if sp[1] != nil && bytes.Compare(sub, sp[1]) >= 0 {
				return false, nil // past the span
			}
			seen++
			size += int64(idLen + len(sub) + len(val))
			return samples <= 0 || seen < int64(samples), nil
		})
		if err != nil {
			return 0, false, err
		}
		if samples > 0 && seen >= int64(samples) {
			break
		}
	}
	if seen > 0 && seen < r.size {
		size = size * r.size / seen
	}
	if zmembers {
		size *= 2
	}
	return n + size, true, nil
}

func (t *tx) Exists(key []byte) (bool, error) {
	_, ok, err := t.get(t.kkey(key))
	return ok, err
}

func (t *tx) Delete(key []byte) (bool, error) {
	if err := t.writable(); err != nil {
		return false, err
	}
	kk := t.kkey(key)
	r, ok, err := t.get(kk)
	if !ok || err != nil {
		return false, err
	}
	return true, t.removeKey(kk, &r)
}

func (t *tx) ExpireAt(key []byte) (int64, bool, error) {
	r, ok, err := t.get(t.kkey(key))
	return r.exp, ok, err
}

func (t *tx) SetExpireAt(key []byte, at int64) (bool, error) {
	if err := t.writable(); err != nil {
		return false, err
	}
	kk := t.kkey(key)
	r, ok, err := t.get(kk)
	if !ok || err != nil {
		return false, err
	}
	if at != 0 && at <= t.now {
		return true, t.removeKey(kk, &r)
	}
	if r.exp == at {
		return true, nil
	}
	old := r
	r.exp = at
	return true, t.put(kk, &old, &r)
}

func (t *tx) Rename(src, dst []byte) error {
	if err := t.writable(); err != nil {
		return err
	}
	skk := t.kkey(src)
	r, ok, err := t.get(skk)
	if err != nil {
		return err
	}
	if !ok {
		return backend.ErrNoSuchKey
	}
	if bytes.Equal(src, dst) {
		return nil
	}
	if err := checkKey(dst); err != nil {
		return err
	}
	if t.kkey2(t.db, t.ns, dst) == nil {
		return errUndeclared
	}
	// Take src away (keeping its data), then put it at dst.
	keep := r
	keep.id, keep.size = 0, 0
	if err := t.removeKey(skk, &keep); err != nil {
		return err
	}
	// r.str (a string's value) still points at the deleted record's bytes:
	// bbolt neither changes them nor reuses their page before the commit.
	dkk := t.kkey2(t.db, t.ns, dst)
	old, found, err := t.get(dkk)
	if err != nil {
		return err
	}
	if found {
		return t.put(dkk, &old, &r)
	}
	return t.put(dkk, nil, &r)
}

func (t *tx) Copy(src []byte, dstDB int, dst []byte, replace bool) (bool, error) {
	if err := t.writable(); err != nil {
		return false, err
	}
	if dstDB < 0 || dstDB >= t.b.nDBs {
		return false, backend.ErrBadDB
	}
	if dstDB != t.db && !t.all {
		return false, notAll("cross-database Copy")
	}
	if err := checkKey(dst); err != nil {
		return false, err
	}
	dns, err := t.nsFor(dstDB)
	if err != nil {
		return false, err
	}
	skk := t.kkey(src)
	r, ok, err := t.get(skk)
	if !ok || err != nil {
		return false, err
	}
	dkk := t.kkey2(dstDB, dns, dst)
	if dkk == nil {
		return false, errUndeclared
	}
	if bytes.Equal(skk, dkk) {
		// Copying a key onto itself: nothing to do (COPY refuses it).
		return false, nil
	}
	old, found, err := t.get(dkk)
	if err != nil {
		return false, err
	}
	if found && !replace {
		return false, nil
	}
	nr := r
	if r.id != 0 {
		id, err := t.newID()
		if err != nil {
			return false, err
		}
		spans, err := t.liveSpans(&r)
		if err != nil {
			return false, err
		}
		for _, sp := range spans {
			if err := t.copyData(r.id, id, sp[0], sp[1]); err != nil {
				return false, err
			}
		}
		nr.id = id
	}
	if found {
		return true, t.put(dkk, &old, &nr)
	}
	return true, t.put(dkk, nil, &nr)
}

// copyData copies collection src's elements with subkeys from <= sub <
// to (nil: open) to collection dst, in chunks so that no cursor walks a
// bucket that is being written.
func (t *tx) copyData(src, dst uint64, from, to []byte) error {
	prefix := appendID(nil, src)
	seek := append(bytes.Clone(prefix), from...)
	first := true
	var end []byte
	if to != nil {
		end = append(bytes.Clone(prefix), to...)
	}
	const chunk = 512
	var ks, vs [][]byte
	for {
		ks, vs = ks[:0], vs[:0]
		c := t.dataB().Cursor()
		k, v := c.Seek(seek)
		if k != nil && !first && bytes.Equal(k, seek) {
			k, v = c.Next()
		}
		first = false
		for ; k != nil && hasPrefix(k, prefix) && (end == nil || bytes.Compare(k, end) < 0) && len(ks) < chunk; k, v = c.Next() {
			ks, vs = append(ks, k), append(vs, v)
		}
		for i, k := range ks {
			nk := appendID(t.dbuf[:0], dst)
			nk = append(nk, k[idLen:]...)
			t.dbuf = nk
			if err := t.dataB().Put(nk, vs[i]); err != nil {
				return err
			}
		}
		if len(ks) < chunk {
			return nil
		}
		seek = bytes.Clone(ks[len(ks)-1])
	}
}

func (t *tx) Move(key []byte, dstDB int) (bool, error) {
	if err := t.writable(); err != nil {
		return false, err
	}
	if dstDB < 0 || dstDB >= t.b.nDBs {
		return false, backend.ErrBadDB
	}
	if !t.all {
		return false, notAll("Move")
	}
	dns, err := t.nsFor(dstDB)
	if err != nil {
		return false, err
	}
	if dns == t.ns {
		return false, nil
	}
	skk := t.kkey(key)
	r, ok, err := t.get(skk)
	if !ok || err != nil {
		return false, err
	}
	dkk := t.kkey2(dstDB, dns, key)
	if _, found, err := t.get(dkk); found || err != nil {
		return false, err
	}
	keep := r
	keep.id, keep.size = 0, 0
	if err := t.removeKey(skk, &keep); err != nil {
		return false, err
	}
	return true, t.put(dkk, nil, &r)
}

// count returns the counters of namespace ns as this transaction sees them.
func (t *tx) count(ns uint32) counter {
	c := decodeCounter(t.metaB().Get(counterKey(ns)))
	if t.w != nil {
		if d := t.w.deltas[ns]; d != nil {
			c.keys += d.keys
			c.expires += d.expires
		}
	}
	return c
}

func (t *tx) Len() (int64, error) { return t.count(t.ns).keys, nil }

func (t *tx) Flush() error {
	if err := t.writable(); err != nil {
		return err
	}
	if !t.all {
		return notAll("Flush")
	}
	return t.flushDB(t.db)
}

// flushDB gives db a fresh namespace and leaves the old one to the sweeper.
func (t *tx) flushDB(db int) error {
	old, err := t.nsFor(db)
	if err != nil {
		return err
	}
	prefix := appendNSKey(nil, old, nil)
	if k, _ := t.keysB().Cursor().Seek(prefix); k == nil || !hasPrefix(k, prefix) {
		return nil // nothing stored
	}
	t.touch()
	ns, err := nextNS(t.metaB())
	if err != nil {
		return err
	}
	if err := t.setNS(db, ns); err != nil {
		return err
	}
	v := t.w.arena.alloc(8)
	putU64(v, uint64(t.count(old).keys))
	t.w.delta(old) // make sure the old counters are deleted at commit
	t.w.garbage++
	t.w.sweep = true
	return t.garbB().Put(garbageNSKey(old), v)
}

func (t *tx) FlushAll() error {
	if err := t.writable(); err != nil {
		return err
	}
	if !t.all {
		return notAll("FlushAll")
	}
	for db := 0; db < t.b.nDBs; db++ {
		if err := t.flushDB(db); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) SwapDB(a, b int) error {
	if err := t.writable(); err != nil {
		return err
	}
	if a < 0 || a >= t.b.nDBs || b < 0 || b >= t.b.nDBs {
		return backend.ErrBadDB
	}
	if !t.all {
		return notAll("SwapDB")
	}
	if a == b {
		return nil
	}
	t.touch()
	na, _ := t.nsFor(a)
	nb, _ := t.nsFor(b)
	if err := t.setNS(a, nb); err != nil {
		return err
	}
	return t.setNS(b, na)
}

// --- strings ---

func (t *tx) Get(key []byte) ([]byte, bool, error) {
	r, ok, err := t.getType(t.kkey(key), backend.TypeString)
	if !ok || err != nil {
		return nil, false, err
	}
	return r.str, true, nil
}

func (t *tx) Set(key, val []byte, expireAt int64, keepTTL bool) error {
	if err := t.writable(); err != nil {
		return err
	}
	if len(val) > backend.MaxStringLen {
		return backend.ErrTooLarge
	}
	if err := checkKey(key); err != nil {
		return err
	}
	kk := t.kkey(key)
	old, found, err := t.get(kk)
	if err != nil {
		return err
	}
	exp := expireAt
	if keepTTL {
		exp = old.exp // 0 when not found
	} else if exp != 0 && exp <= t.now {
		if found {
			return t.removeKey(kk, &old)
		}
		return nil
	}
	r := record{typ: backend.TypeString, exp: exp, str: val}
	if found {
		return t.put(kk, &old, &r)
	}
	return t.put(kk, nil, &r)
}

func (t *tx) Append(key, val []byte) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	if err := checkKey(key); err != nil {
		return 0, err
	}
	kk := t.kkey(key)
	old, found, err := t.getType(kk, backend.TypeString)
	if err != nil {
		return 0, err
	}
	n := len(old.str) + len(val)
	if n > backend.MaxStringLen {
		return 0, backend.ErrTooLarge
	}
	if found && len(val) == 0 {
		// Redis's APPEND leaves a raw string even when it adds nothing.
		return int64(n), t.setForm(kk, old, backend.StringRaw)
	}
	form := backend.StringDerived // APPEND to a new key stores its argument
	if found {
		form = backend.StringRaw
	}
	return int64(n), t.putString(kk, old, found, form, func(s []byte) {
		copy(s, old.str)
		copy(s[len(old.str):], val)
	}, n)
}

// putString stores a string of length n built by fill, in form f, at kk,
// keeping the expiry of old.
func (t *tx) putString(kk []byte, old record, found bool, f backend.StringForm, fill func(s []byte), n int) error {
	t.touch()
	v := t.w.arena.alloc(recHeader + n)
	fill(v[recHeader:])
	v[0] = stringTypeByte(f)
	putU64(v[1:9], uint64(old.exp))
	if !found {
		t.w.delta(nsOf(kk)).keys++
		if err := t.slotAdded(kk, false); err != nil {
			return err
		}
	}
	return t.keysB().Put(kk, v)
}

// StringForm implements backend.Tx.
func (t *tx) StringForm(key []byte) (backend.StringForm, error) {
	r, _, err := t.getType(t.kkey(key), backend.TypeString)
	return r.form, err
}

// SetStringForm implements backend.Tx.
func (t *tx) SetStringForm(key []byte, f backend.StringForm) error {
	if err := t.writable(); err != nil {
		return err
	}
	kk := t.kkey(key)
	r, found, err := t.getType(kk, backend.TypeString)
	if !found || err != nil {
		return err
	}
	return t.setForm(kk, r, f)
}

// setForm rewrites the string record r at kk in form f, if it is not.
func (t *tx) setForm(kk []byte, r record, f backend.StringForm) error {
	if r.form == f {
		return nil
	}
	nr := r
	nr.form = f
	return t.put(kk, &r, &nr)
}

func (t *tx) SetRange(key []byte, offset int64, val []byte) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	if offset < 0 {
		return 0, backend.ErrIndexOutOfRange
	}
	if err := checkKey(key); err != nil {
		return 0, err
	}
	kk := t.kkey(key)
	old, found, err := t.getType(kk, backend.TypeString)
	if err != nil {
		return 0, err
	}
	if len(val) == 0 {
		return int64(len(old.str)), nil
	}
	if offset > backend.MaxStringLen-int64(len(val)) { // without overflowing
		return 0, backend.ErrTooLarge
	}
	end := offset + int64(len(val))
	n := max(int64(len(old.str)), end)
	return n, t.putString(kk, old, found, backend.StringRaw, func(s []byte) {
		copy(s, old.str)
		clear(s[len(old.str):])
		copy(s[offset:], val)
	}, int(n))
}
