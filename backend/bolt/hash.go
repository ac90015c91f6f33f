package bolt

import (
	"math/rand/v2"

	"redpool/backend"
)

// A hash is a collection (see coll) whose subkeys are its fields.

func (t *tx) HashSet(key []byte, pairs [][]byte, onlyNew bool) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	pairs = pairs[:len(pairs)&^1] // a trailing field without a value is ignored
	for i := 0; i < len(pairs); i += 2 {
		if len(pairs[i]) > maxFieldLen {
			return 0, backend.ErrTooLarge
		}
	}
	c, ok, err := t.openColl(key, backend.TypeHash, len(pairs) > 0)
	if !ok || err != nil {
		return 0, err
	}
	var added int64
	for i := 0; i < len(pairs); i += 2 {
		if _, exists := c.get(pairs[i]); exists {
			if onlyNew {
				continue
			}
		} else {
			added++
		}
		if err := c.put(pairs[i], t.w.arena.copy(pairs[i+1])); err != nil {
			return 0, err
		}
	}
	c.r.size += added
	return added, c.save()
}

func (t *tx) HashGet(key, field []byte) ([]byte, bool, error) {
	c, ok, err := t.openColl(key, backend.TypeHash, false)
	if !ok {
		return nil, false, err
	}
	v, ok := c.get(field)
	return v, ok, nil
}

func (t *tx) HashDel(key []byte, fields [][]byte) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	c, ok, err := t.openColl(key, backend.TypeHash, false)
	if !ok {
		return 0, err
	}
	return c.delSubs(fields)
}

// delSubs deletes the subkeys of subs that exist (a hash's fields, a set's
// members), saves the collection and returns how many there were.
func (c *coll) delSubs(subs [][]byte) (int64, error) {
	var removed int64
	for _, s := range subs {
		if _, ok := c.get(s); !ok {
			continue
		}
		if err := c.del(s); err != nil {
			return 0, err
		}
		removed++
	}
	c.r.size -= removed
	return removed, c.save()
}

func (t *tx) HashLen(key []byte) (int64, error) {
	c, ok, err := t.openColl(key, backend.TypeHash, false)
	if !ok {
		return 0, err
	}
	return c.r.size, nil
}

func (t *tx) HashIter(key []byte, fn func(field, val []byte) bool) error {
	c, ok, err := t.openColl(key, backend.TypeHash, false)
	if !ok {
		return err
	}
	return c.iter(nil, false, func(f, v []byte) (bool, error) { return fn(f, v), nil })
}

func (t *tx) HashScan(key []byte, cursor uint64, count int, fn func(field, val []byte) error) (uint64, error) {
	c, ok, err := t.openColl(key, backend.TypeHash, false)
	if !ok {
		return 0, err
	}
	return c.scan(cursor, count, fn)
}

// scan visits about count elements from cursor and returns the next cursor
// (0 = done). A cursor names the subkey to resume at (see cursorTable), so
// every element present for the whole scan is visited.
func (c *coll) scan(cursor uint64, count int, fn func(sub, val []byte) error) (uint64, error) {
	if count <= 0 {
		count = 10
	}
	var start []byte
	slot := -1
	if cursor != 0 {
		start, slot = c.t.b.cursors.lookup(cursor)
	}
	n := 0
	var last, next []byte
	err := c.iter(start, false, func(f, v []byte) (bool, error) {
		if n == count {
			next = f
			return false, nil
		}
		n++
		last = f
		return true, fn(f, v)
	})
	if err != nil || next == nil {
		return 0, err
	}
	return c.t.b.cursors.issue(slot, last, next), nil
}

// randomWalkMax is the size up to which HashRandom reads the whole hash
// and picks uniformly, rather than by random descents.
const randomWalkMax = 64

// HashRandom implements backend.Tx. A hash of at most randomWalkMax fields
// is read whole and sampled uniformly. In a larger one an independent pick
// is one random descent of the hash's keys (see randomIn: O(log n) page
// reads; every field can come out, though not with equal chances), and so
// are distinct picks while they are few against the size (count*3 <= size,
// a repeated field retried a bounded number of times). Beyond that, or when
// the descents keep repeating, the hash is walked once (O(n), as Redis
// does for such counts), picking the fields by Floyd's sampling.
func (t *tx) HashRandom(key []byte, count int, distinct bool, fn func(field, val []byte) error) error {
	c, ok, err := t.openColl(key, backend.TypeHash, false)
	if !ok || count <= 0 {
		return err
	}
	return c.sample(count, distinct, fn)
}

// sample calls fn with count elements picked at random (see HashRandom
// for the rules and their cost).
func (c *coll) sample(count int, distinct bool, fn func(sub, val []byte) error) error {
	size := int(c.r.size)
	if size <= randomWalkMax {
		fs := make([][]byte, 0, 2*size)
		err := c.iter(nil, false, func(f, v []byte) (bool, error) {
			fs = append(fs, f, v)
			return true, nil
		})
		if err != nil {
			return err
		}
		return backend.Sample(len(fs)/2, count, distinct, func(i int) error { return fn(fs[2*i], fs[2*i+1]) })
	}
	if !distinct {
		for range count {
			f, v, ok := c.random()
			if !ok {
				return errDamagedColl(c)
			}
			if err := fn(f, v); err != nil {
				return err
			}
		}
		return nil
	}
	count = min(count, size)
	seen := make(map[string]bool, count)
	if count*3 <= size {
		for tries := 4*count + 16; tries > 0 && len(seen) < count; tries-- {
			f, v, ok := c.random()
			if !ok {
				return errDamagedColl(c)
			}
			if seen[string(f)] {
				continue
			}
			seen[string(f)] = true
			if err := fn(f, v); err != nil {
				return err
			}
		}
	}
	// Walk: pick the positions of the elements still wanted among those
	// not handed out yet (Floyd's algorithm), then take them in one pass.
	want := count - len(seen)
	if want == 0 {
		return nil
	}
	rest := size - len(seen)
	chosen := floyd(rest, want)
	i := 0
	return c.iter(nil, false, func(f, v []byte) (bool, error) {
		if seen[string(f)] {
			return true, nil
		}
		if chosen[i] {
			if err := fn(f, v); err != nil {
				return false, err
			}
		}
		i++
		return i < rest, nil
	})
}

// floyd picks k distinct positions out of n (k <= n) uniformly, by Floyd's
// algorithm, in O(k).
func floyd(n, k int) map[int]bool {
	chosen := make(map[int]bool, k)
	for j := n - k; j < n; j++ {
		if p := rand.IntN(j + 1); chosen[p] {
			chosen[j] = true
		} else {
			chosen[p] = true
		}
	}
	return chosen
}
