package memory

import "redpool/backend"

// setObj is a set: a hashObj whose fields are the members, with no values,
// so that membership is one index lookup, a random member one slice index
// (backend.Sample) and SetScan has HashScan's cursor guarantee.
type setObj struct{ hashObj }

// clone implements collection.
func (s *setObj) clone() collection { return &setObj{*s.hashObj.clone().(*hashObj)} }

// appendItems implements collection: the members.
func (s *setObj) appendItems(dst [][]byte) [][]byte {
	for _, f := range s.fields {
		dst = append(dst, bytesOf(f.name))
	}
	return dst
}

// set returns the set of e, which is a TypeSet entry.
func (e *entry) set() *setObj { return e.coll.(*setObj) }

// set returns key's set entry (nil if missing) or ErrWrongType.
func (t *tx) set(key []byte) (*shardData, *entry, error) {
	sd, e, err := t.lookup(t.db, key)
	if e != nil && e.typ != backend.TypeSet {
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
		e = &entry{typ: backend.TypeSet, coll: &setObj{}}
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
		if s.find(m) < 0 {
			return true
		}
	}
	return false
}

func addMembers(s *setObj, members [][]byte) int64 {
	var added int64
	for _, m := range members {
		if s.find(m) < 0 {
			s.add(m, nil)
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
	return e.set().find(member) >= 0, nil
}

// SetLen implements backend.Tx.
func (t *tx) SetLen(key []byte) (int64, error) {
	_, e, err := t.set(key)
	if e == nil {
		return 0, err
	}
	return int64(len(e.set().fields)), nil
}

// SetIter implements backend.Tx.
func (t *tx) SetIter(key []byte, fn func(member []byte) bool) error {
	_, e, err := t.set(key)
	if e == nil {
		return err
	}
	for _, f := range e.set().fields {
		if !fn(bytesOf(f.name)) {
			return nil
		}
	}
	return nil
}

// SetScan implements backend.Tx, as HashScan.
func (t *tx) SetScan(key []byte, cursor uint64, count int, fn func(member []byte) error) (uint64, error) {
	_, e, err := t.set(key)
	if e == nil {
		return 0, err
	}
	fs := e.set().fields
	return e.set().scan(cursor, count, func(i int) error { return fn(bytesOf(fs[i].name)) })
}

// SetRandom implements backend.Tx in O(count): the members are a slice,
// so a random member is one index (see backend.Sample).
func (t *tx) SetRandom(key []byte, count int, distinct bool, fn func(member []byte) error) error {
	_, e, err := t.set(key)
	if e == nil {
		return err
	}
	fs := e.set().fields
	return backend.Sample(len(fs), count, distinct, func(i int) error { return fn(bytesOf(fs[i].name)) })
}
