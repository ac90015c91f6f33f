package bolt

import (
	"bytes"
	"fmt"

	"redpool/backend"
)

// coll is one collection key (a list, a hash, a set, a sorted set or a
// stream) as a Tx method works on it: its metadata record, and the
// family of data keys id|subkey that hold its elements. Every collection
// type's operations go through it:
//
//	c, ok, err := t.openColl(key, backend.TypeHash, true)  // the record, or a new one
//	c.get(sub) / c.put(sub, val) / c.del(sub) / c.iter(...)
//	c.r.size += added                                   // keep the size right
//	return c.save()                                     // record written, or the key removed when empty
//
// A coll is valid during the Tx method that opened it, and only until the
// method calls kkey again (c.kk is the transaction's scratch key).
type coll struct {
	t     *tx
	kk    []byte // ns|key
	fam   []byte // the family get, put, del, iter, scan and sample use: id|fam|sub (nil: id|sub)
	r     record // as the method changes it
	orig  record // as it was read (size 0 and id 0 for a new collection)
	found bool   // the key existed
}

// openColl reads key's record, which must be of type typ (ErrWrongType
// otherwise). ok reports that c is usable: the key exists, or it did not
// and create (in a write transaction that will add elements) made a new
// collection with a fresh data id, whose record save writes. (coll is a
// value so that opening one allocates nothing.)
func (t *tx) openColl(key []byte, typ backend.Type, create bool) (c coll, ok bool, err error) {
	if create {
		if err := checkKey(key); err != nil {
			return coll{}, false, err
		}
	}
	kk := t.kkey(key)
	r, found, err := t.getType(kk, typ)
	if err != nil {
		return coll{}, false, err
	}
	if !found {
		if !create {
			return coll{}, false, nil
		}
		id, err := t.newID()
		if err != nil {
			return coll{}, false, err
		}
		r = record{typ: typ, id: id}
	}
	return coll{t: t, kk: kk, r: r, orig: r, found: found}, true, nil
}

// subkey returns id|fam|sub in the transaction's data scratch buffer,
// valid until the next call.
func (c *coll) subkey(sub []byte) []byte {
	c.t.dbuf = append(append(appendID(c.t.dbuf[:0], c.r.id), c.fam...), sub...)
	return c.t.dbuf
}

// prefix returns a fresh id|fam prefix of the family.
func (c *coll) prefix() []byte { return append(appendID(nil, c.r.id), c.fam...) }

// get returns the value at sub. It is valid until the transaction ends.
func (c *coll) get(sub []byte) ([]byte, bool) { return c.t.dataGet(c.subkey(sub)) }

// put stores val at sub. val must stay unchanged until the transaction
// ends: pass a copy (t.w.arena.copy) of anything the caller owns.
func (c *coll) put(sub, val []byte) error {
	c.t.touch()
	return c.t.dataB().Put(c.subkey(sub), val)
}

// del deletes sub, which the caller knows exists (it does not look).
func (c *coll) del(sub []byte) error {
	c.t.touch()
	return c.t.dataB().Delete(c.subkey(sub))
}

// iter calls fn with the subkeys from start (nil: the first, or the last
// when reverse) in byte order (reversed if reverse) and their values until
// fn returns false or an error. fn may write the family (see tx.iterate).
func (c *coll) iter(start []byte, reverse bool, fn func(sub, val []byte) (bool, error)) error {
	prefix := c.prefix()
	from := prefix
	switch {
	case start != nil:
		from = append(c.prefix(), start...)
	case reverse:
		from = prefixSuccessor(prefix) // sorts after every key of the family
		if from == nil {
			from = bytes.Repeat([]byte{0xff}, len(prefix)+1)
		}
	}
	return c.t.iterate(c.t.dataB(), prefix, from, reverse, func(k, v []byte) (bool, error) {
		return fn(k[len(prefix):], v)
	})
}

// random returns an element picked by a random descent of the family's
// keys (see randomIn): every element can come out, but not uniformly, at a
// cost of O(depth * log n) page reads.
func (c *coll) random() (sub, val []byte, ok bool) {
	prefix := c.prefix()
	k, v := randomIn(c.t.dataB().Cursor(), prefix)
	if k == nil {
		return nil, nil, false
	}
	return k[len(prefix):], v, true
}

// remove deletes the key and all of its elements (O(1) for a large
// collection: the sweeper deletes the elements later).
func (c *coll) remove() error {
	if !c.found {
		return nil
	}
	c.found = false
	return c.t.removeKey(c.kk, &c.r)
}

// save writes what the method changed: the record of a new collection that
// got elements, the record of an existing one whose size or positions
// moved, or the removal of a collection left empty.
func (c *coll) save() error {
	switch {
	case c.r.size <= 0 && c.found:
		// Its elements are gone already: removeKey has no data to drop.
		c.r.size = 0
		c.found = false
		return c.t.removeKey(c.kk, &c.r)
	case c.r.size <= 0:
		return nil
	case !c.found:
		c.found = true
		return c.t.put(c.kk, nil, &c.r)
	case c.r.size != c.orig.size || c.r.head != c.orig.head || c.r.tail != c.orig.tail || c.r.id != c.orig.id:
		return c.t.putMeta(c.kk, &c.r)
	}
	return nil
}

func errDamagedColl(c *coll) error {
	return fmt.Errorf("bolt: damaged %v %q: its record says %d elements, its data has none", c.r.typ, c.kk[nsLen:], c.r.size)
}
