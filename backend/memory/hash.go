package memory

import (
	"maps"

	"redpool/backend"
)

// smallHash is the field count up to which a hash has no index map and is
// searched linearly.
const smallHash = 16

// hashObj is a hash, packed while it is small (lp, see packed.go), else
// its fields in a slice (so that HashScan can use the same cursor technique
// as Scan), plus an index from name to position once the hash is larger
// than smallHash. Deletion swaps the last field into the hole. Values are
// never modified in place (HashSet stores a new slice), so two hashObj may
// share them. A sorted set's hashObj is never packed (its tree shares the
// member strings of fields); find, add, del and scan are the fields form's.
type hashObj struct {
	lp     []byte // the packed form, or nil
	plen   int32  // the packed form's number of fields
	fields []hfield
	idx    map[string]int32
	bytes  int64 // sum of name and value lengths
}

type hfield struct {
	name string
	val  []byte
}

// find returns the position of field, or -1.
func (h *hashObj) find(field []byte) int {
	if h.idx != nil {
		if i, ok := h.idx[string(field)]; ok {
			return int(i)
		}
		return -1
	}
	for i := range h.fields {
		if h.fields[i].name == string(field) {
			return i
		}
	}
	return -1
}

func (h *hashObj) add(field, val []byte) {
	name := string(field)
	if h.idx != nil {
		h.idx[name] = int32(len(h.fields))
	}
	h.fields = append(h.fields, hfield{name: name, val: copyBytes(val)})
	h.bytes += int64(len(field) + len(val))
	if h.idx == nil && len(h.fields) > smallHash {
		h.idx = make(map[string]int32, len(h.fields)*2)
		for i, f := range h.fields {
			h.idx[f.name] = int32(i)
		}
	}
}

func (h *hashObj) del(i int) {
	f := h.fields[i]
	h.bytes -= int64(len(f.name) + len(f.val))
	last := len(h.fields) - 1
	if i != last {
		h.fields[i] = h.fields[last]
		if h.idx != nil {
			h.idx[h.fields[i].name] = int32(i)
		}
	}
	h.fields[last] = hfield{}
	h.fields = h.fields[:last]
	if h.idx != nil {
		delete(h.idx, f.name)
	}
	if c := cap(h.fields); c > 64 && last < c/4 {
		h.fields = append(make([]hfield, 0, c/2), h.fields...)
	}
}

// size implements collection.
func (h *hashObj) size() int64 {
	if h.packed() {
		return int64(cap(h.lp)) + packedOverhead
	}
	return h.bytes + int64(len(h.fields))*fieldOverhead
}

// clone implements collection.
func (h *hashObj) clone() collection {
	if h.packed() {
		return &hashObj{lp: append(make([]byte, 0, len(h.lp)), h.lp...), plen: h.plen}
	}
	nh := &hashObj{fields: append([]hfield(nil), h.fields...), bytes: h.bytes}
	if h.idx != nil {
		nh.idx = maps.Clone(h.idx)
	}
	return nh
}

// appendItems implements collection: field, value, field, value, ...
func (h *hashObj) appendItems(dst [][]byte) [][]byte {
	h.each(func(name, val []byte) bool {
		dst = append(dst, name, val)
		return true
	})
	return dst
}

// hash returns the hash of e, which is a TypeHash entry.
func (e *entry) hash() *hashObj { return e.coll.(*hashObj) }

// hash returns key's hash entry (nil if missing) or ErrWrongType.
func (t *tx) hash(key []byte) (*shardData, *entry, error) {
	sd, e, err := t.lookup(t.db, key)
	if e != nil && e.typ() != backend.TypeHash {
		return sd, nil, backend.ErrWrongType
	}
	return sd, e, err
}

// HashSet implements backend.Tx. An odd trailing element of pairs is ignored.
func (t *tx) HashSet(key []byte, pairs [][]byte, onlyNew bool) (int64, error) {
	if !t.write {
		return 0, backend.ErrReadOnlyTx
	}
	sd, e, err := t.hash(key)
	if err != nil {
		return 0, err
	}
	np := len(pairs) &^ 1
	if np == 0 {
		return 0, nil
	}
	if e == nil {
		h := newPackedHash()
		e = &entry{tb: backend.TypeHash, coll: &h}
		n := setPairs(e.hash(), pairs[:np], onlyNew)
		sd.insert(key, e, t.epoch)
		return n, nil
	}
	if onlyNew && !hasNewField(e.hash(), pairs[:np]) {
		return 0, nil
	}
	e = sd.writable(e, t.epoch)
	before := e.size()
	n := setPairs(e.hash(), pairs[:np], onlyNew)
	sd.used.Add(e.size() - before)
	return n, nil
}

func hasNewField(h *hashObj, pairs [][]byte) bool {
	for i := 0; i < len(pairs); i += 2 {
		if _, ok := h.get(pairs[i]); !ok {
			return true
		}
	}
	return false
}

func setPairs(h *hashObj, pairs [][]byte, onlyNew bool) int64 {
	var added int64
	if len(pairs) > 2 {
		h.reserve(packedSize(pairs))
	}
	for i := 0; i < len(pairs); i += 2 {
		f, v := pairs[i], pairs[i+1]
		if onlyNew {
			if _, ok := h.get(f); ok {
				continue
			}
		}
		if h.put(f, v) {
			added++
		}
	}
	return added
}

// packedSize is what the name, value pairs take packed.
func packedSize(pairs [][]byte) int {
	n := 0
	for _, p := range pairs {
		n += 1 + len(p)
	}
	return n
}

// HashGet implements backend.Tx.
func (t *tx) HashGet(key, field []byte) ([]byte, bool, error) {
	_, e, err := t.hash(key)
	if e == nil {
		return nil, false, err
	}
	v, ok := e.hash().get(field)
	return v, ok, nil
}

// HashDel implements backend.Tx.
func (t *tx) HashDel(key []byte, fields [][]byte) (int64, error) {
	if !t.write {
		return 0, backend.ErrReadOnlyTx
	}
	sd, e, err := t.hash(key)
	if e == nil {
		return 0, err
	}
	return t.delNames(sd, e, (*entry).hash, fields), nil
}

// delNames removes names from the hashObj that obj finds in e (a hash's
// fields, a set's members) and returns how many there were. It copies e
// first if a snapshot shares it, and removes the key when it is left empty.
func (t *tx) delNames(sd *shardData, e *entry, obj func(*entry) *hashObj, names [][]byte) int64 {
	hit := false
	for _, f := range names {
		if _, ok := obj(e).get(f); ok {
			hit = true
			break
		}
	}
	if !hit {
		return 0
	}
	e = sd.writable(e, t.epoch)
	before := e.size()
	var n int64
	h := obj(e)
	for _, f := range names {
		if h.remove(f) {
			n++
		}
	}
	sd.used.Add(e.size() - before)
	if h.len() == 0 {
		sd.remove(e)
	}
	return n
}

// HashLen implements backend.Tx.
func (t *tx) HashLen(key []byte) (int64, error) {
	_, e, err := t.hash(key)
	if e == nil {
		return 0, err
	}
	return int64(e.hash().len()), nil
}

// HashIter implements backend.Tx.
func (t *tx) HashIter(key []byte, fn func(field, val []byte) bool) error {
	_, e, err := t.hash(key)
	if e == nil {
		return err
	}
	e.hash().each(fn)
	return nil
}

// HashScan implements backend.Tx (see hashObj.scan).
func (t *tx) HashScan(key []byte, cursor uint64, count int, fn func(field, val []byte) error) (uint64, error) {
	_, e, err := t.hash(key)
	if e == nil {
		return 0, err
	}
	h := e.hash()
	if h.packed() { // comes whole, as a listpack does in Redis
		return 0, h.eachErr(fn)
	}
	fs := h.fields
	return h.scan(cursor, count, func(i int) error { return fn(bytesOf(fs[i].name), fs[i].val) })
}

// scan calls fn with the positions of about count fields from cursor and
// returns the next cursor. The cursor is the number of positions of the
// field slice still to visit, walked from the end down (see Scan for why
// that keeps the guarantee); a hash of at most smallHash fields comes
// whole. Sets scan their members the same way.
func (h *hashObj) scan(cursor uint64, count int, fn func(i int) error) (uint64, error) {
	if count <= 0 {
		count = 10
	}
	p := len(h.fields)
	if cursor != 0 && cursor < uint64(p) {
		p = int(cursor)
	}
	if len(h.fields) <= smallHash {
		count = len(h.fields) // small hashes come whole
	}
	for n := 0; p > 0 && n < count; n++ {
		p--
		if err := fn(p); err != nil {
			return 0, err
		}
	}
	return uint64(p), nil
}

// HashRandom implements backend.Tx in O(count): the fields are a slice, so
// a random field is one index (see backend.Sample).
func (t *tx) HashRandom(key []byte, count int, distinct bool, fn func(field, val []byte) error) error {
	_, e, err := t.hash(key)
	if e == nil {
		return err
	}
	return e.hash().sample(count, distinct, fn)
}
