package bolt

import "redpool/backend"

// A set is a collection (see coll) whose subkeys are its members, each
// with an empty value: membership is one O(log n) lookup, and SetRandom
// picks as HashRandom does (coll.sample).

// noValue is the value of every set member's data key.
var noValue = []byte{}

func (t *tx) SetAdd(key []byte, members [][]byte) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	for _, m := range members {
		if len(m) > maxFieldLen {
			return 0, backend.ErrTooLarge
		}
	}
	c, ok, err := t.openColl(key, backend.TypeSet, len(members) > 0)
	if !ok || err != nil {
		return 0, err
	}
	var added int64
	for _, m := range members {
		if _, exists := c.get(m); exists {
			continue
		}
		if err := c.put(m, noValue); err != nil {
			return 0, err
		}
		added++
	}
	c.r.size += added
	return added, c.save()
}

func (t *tx) SetRem(key []byte, members [][]byte) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	c, ok, err := t.openColl(key, backend.TypeSet, false)
	if !ok {
		return 0, err
	}
	return c.delSubs(members)
}

func (t *tx) SetIsMember(key, member []byte) (bool, error) {
	c, ok, err := t.openColl(key, backend.TypeSet, false)
	if !ok {
		return false, err
	}
	_, ok = c.get(member)
	return ok, nil
}

func (t *tx) SetLen(key []byte) (int64, error) {
	c, ok, err := t.openColl(key, backend.TypeSet, false)
	if !ok {
		return 0, err
	}
	return c.r.size, nil
}

func (t *tx) SetIter(key []byte, fn func(member []byte) bool) error {
	c, ok, err := t.openColl(key, backend.TypeSet, false)
	if !ok {
		return err
	}
	return c.iter(nil, false, func(m, _ []byte) (bool, error) { return fn(m), nil })
}

func (t *tx) SetScan(key []byte, cursor uint64, count int, fn func(member []byte) error) (uint64, error) {
	c, ok, err := t.openColl(key, backend.TypeSet, false)
	if !ok {
		return 0, err
	}
	return c.scan(cursor, count, func(m, _ []byte) error { return fn(m) })
}

// SetRandom implements backend.Tx with HashRandom's method and cost.
func (t *tx) SetRandom(key []byte, count int, distinct bool, fn func(member []byte) error) error {
	c, ok, err := t.openColl(key, backend.TypeSet, false)
	if !ok || count <= 0 {
		return err
	}
	return c.sample(count, distinct, func(m, _ []byte) error { return fn(m) })
}
