package memory

import "redpool/backend"

// setObj is a set: a hashObj whose fields are the members, with no values,
// packed while small (see packed.go); unpacked, membership is one index
// lookup, a random member one slice index (backend.Sample) and SetScan has
// HashScan's cursor guarantee.
type setObj struct{ hashObj }

// clone implements collection.
func (s *setObj) clone() collection { return &setObj{*s.hashObj.clone().(*hashObj)} }

// appendItems implements collection: the members.
func (s *setObj) appendItems(dst [][]byte) [][]byte {
	s.each(func(name, _ []byte) bool {
		dst = append(dst, name)
		return true
	})
	return dst
}

// set returns the set of e, which is a TypeSet entry.
func (e *entry) set() *setObj { return e.coll.(*setObj) }

// set returns key's set entry (nil if missing) or ErrWrongType.
func (t *tx) set(key []byte) (*shardData, *entry, error) {
	sd, e, err := t.lookup(t.db, key)
	if e != nil && e.typ() != backend.TypeSet {
		return sd, nil, backend.ErrWrongType
	}
	return sd, e, err
}

// SetAdd implements backend.Tx.
func (t *tx) SetAdd(key []byte, members [][]byte) (int64, error) {
	if !t.write {
		return 0, backend.ErrReadOnlyTx
	}
	sd, e, err := t.set(key)
	if err != nil || len(members) == 0 {
		return 0, err
	}
	if e == nil {
		e = &entry{tb: backend.TypeSet, coll: &setObj{newPackedHash()}}
		n := addMembers(e.set(), members)
		sd.insert(key, e, t.epoch)
		return n, nil
	}
	if !hasNewMember(e.set(), members) {
		return 0, nil
	}
	e = sd.writable(e, t.epoch)
	before := e.size()
	n := addMembers(e.set(), members)
	sd.used.Add(e.size() - before)
	return n, nil
}

func hasNewMember(s *setObj, members [][]byte) bool {
	for _, m := range members {
		if _, ok := s.get(m); !ok {
			return true
		}
	}
	return false
}

func addMembers(s *setObj, members [][]byte) int64 {
	var added int64
	if len(members) > 1 {
		s.reserve(packedSize(members) + len(members)) // and an empty value each
	}
	for _, m := range members {
		if _, ok := s.get(m); !ok {
			s.put(m, nil)
			added++
		}
	}
	return added
}

// SetRem implements backend.Tx.
func (t *tx) SetRem(key []byte, members [][]byte) (int64, error) {
	if !t.write {
		return 0, backend.ErrReadOnlyTx
	}
	sd, e, err := t.set(key)
	if e == nil {
		return 0, err
	}
	return t.delNames(sd, e, func(e *entry) *hashObj { return &e.set().hashObj }, members), nil
}

// SetIsMember implements backend.Tx.
func (t *tx) SetIsMember(key, member []byte) (bool, error) {
	_, e, err := t.set(key)
	if e == nil {
		return false, err
	}
	_, ok := e.set().get(member)
	return ok, nil
}

// SetLen implements backend.Tx.
func (t *tx) SetLen(key []byte) (int64, error) {
	_, e, err := t.set(key)
	if e == nil {
		return 0, err
	}
	return int64(e.set().len()), nil
}

// SetIter implements backend.Tx.
func (t *tx) SetIter(key []byte, fn func(member []byte) bool) error {
	_, e, err := t.set(key)
	if e == nil {
		return err
	}
	e.set().each(func(name, _ []byte) bool { return fn(name) })
	return nil
}

// SetScan implements backend.Tx, as HashScan.
func (t *tx) SetScan(key []byte, cursor uint64, count int, fn func(member []byte) error) (uint64, error) {
	_, e, err := t.set(key)
	if e == nil {
		return 0, err
	}
	s := e.set()
	if s.packed() { // comes whole, as a listpack does in Redis
		return 0, s.eachErr(func(name, _ []byte) error { return fn(name) })
	}
	fs := s.fields
	return s.scan(cursor, count, func(i int) error { return fn(bytesOf(fs[i].name)) })
}

// SetRandom implements backend.Tx in O(count): the members are a slice,
// so a random member is one index (see backend.Sample).
func (t *tx) SetRandom(key []byte, count int, distinct bool, fn func(member []byte) error) error {
	_, e, err := t.set(key)
	if e == nil {
		return err
	}
	return e.set().sample(count, distinct, func(name, _ []byte) error { return fn(name) })
}
