package bolt

import (
	"redpool/backend"
)

// hashKey returns id|field in a scratch buffer valid until the next call.
func (t *tx) hashKey(id uint64, field []byte) []byte {
	t.dbuf = appendHashKey(t.dbuf[:0], id, field)
	return t.dbuf
}

func (t *tx) HashSet(key []byte, pairs [][]byte, onlyNew bool) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	pairs = pairs[:len(pairs)&^1] // a trailing field without a value is ignored
	if err := checkKey(key); err != nil {
		return 0, err
	}
	for i := 0; i < len(pairs); i += 2 {
		if len(pairs[i]) > maxFieldLen {
			return 0, backend.ErrTooLarge
		}
	}
	kk := t.kkey(key)
	r, found, err := t.getType(kk, backend.TypeHash)
	if err != nil {
		return 0, err
	}
	if !found {
		if len(pairs) == 0 {
			return 0, nil
		}
		id, err := t.newID()
		if err != nil {
			return 0, err
		}
		r = record{typ: backend.TypeHash, id: id}
	}
	var added int64
	for i := 0; i < len(pairs); i += 2 {
		hk := t.hashKey(r.id, pairs[i])
		if _, exists := t.dataGet(hk); exists {
			if onlyNew {
				continue
			}
		} else {
			added++
		}
		t.touch()
		if err := t.dataB().Put(hk, t.w.arena.copy(pairs[i+1])); err != nil {
			return 0, err
		}
	}
	r.size += added
	if !found {
		return added, t.put(kk, nil, &r)
	}
	if added > 0 {
		return added, t.putMeta(kk, &r)
	}
	return 0, nil
}

func (t *tx) HashGet(key, field []byte) ([]byte, bool, error) {
	r, found, err := t.getType(t.kkey(key), backend.TypeHash)
	if !found || err != nil {
		return nil, false, err
	}
	v, ok := t.dataGet(t.hashKey(r.id, field))
	return v, ok, nil
}

func (t *tx) HashDel(key []byte, fields [][]byte) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	kk := t.kkey(key)
	r, found, err := t.getType(kk, backend.TypeHash)
	if !found || err != nil {
		return 0, err
	}
	var removed int64
	for _, f := range fields {
		hk := t.hashKey(r.id, f)
		if _, ok := t.dataGet(hk); !ok {
			continue
		}
		t.touch()
		if err := t.dataB().Delete(hk); err != nil {
			return 0, err
		}
		removed++
	}
	if removed == 0 {
		return 0, nil
	}
	r.size -= removed
	if r.size <= 0 {
		return removed, t.removeKey(kk, &r)
	}
	return removed, t.putMeta(kk, &r)
}

func (t *tx) HashLen(key []byte) (int64, error) {
	r, _, err := t.getType(t.kkey(key), backend.TypeHash)
	return r.size, err
}

func (t *tx) HashIter(key []byte, fn func(field, val []byte) bool) error {
	r, found, err := t.getType(t.kkey(key), backend.TypeHash)
	if !found || err != nil {
		return err
	}
	prefix := appendID(nil, r.id)
	return t.iterate(t.dataB(), prefix, prefix, false, func(k, v []byte) (bool, error) {
		return fn(k[idLen:], v), nil
	})
}

func (t *tx) HashScan(key []byte, cursor uint64, count int, fn func(field, val []byte) error) (uint64, error) {
	r, found, err := t.getType(t.kkey(key), backend.TypeHash)
	if !found || err != nil {
		return 0, err
	}
	if count <= 0 {
		count = 10
	}
	prefix := appendID(nil, r.id)
	start, slot := prefix, -1
	if cursor != 0 {
		var pos []byte
		pos, slot = t.b.cursors.lookup(cursor)
		start = append(prefix[:idLen:idLen], pos...)
	}
	n := 0
	var last, next []byte
	err = t.iterate(t.dataB(), prefix, start, false, func(k, v []byte) (bool, error) {
		if n == count {
			next = k[idLen:]
			return false, nil
		}
		n++
		last = k[idLen:]
		return true, fn(k[idLen:], v)
	})
	if err != nil || next == nil {
		return 0, err
	}
	return t.b.cursors.issue(slot, last, next), nil
}
