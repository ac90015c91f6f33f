package bolt

import (
	"bytes"
	"fmt"
	"slices"

	"redpool/backend"
)

// listKey returns id|pos in a scratch buffer valid until the next call.
func (t *tx) listKey(id uint64, pos int64) []byte {
	t.dbuf = appendListKey(t.dbuf[:0], id, pos)
	return t.dbuf
}

func (t *tx) listGet(r *record, pos int64) ([]byte, bool) {
	return t.dataGet(t.listKey(r.id, pos))
}

func (t *tx) listPut(r *record, pos int64, val []byte) error {
	t.touch()
	return t.dataB().Put(t.listKey(r.id, pos), val)
}

func (t *tx) listDel(r *record, pos int64) error {
	t.touch()
	return t.dataB().Delete(t.listKey(r.id, pos))
}

// normIndex maps a Redis list index to an offset from the head.
func normIndex(index, size int64) (int64, bool) {
	if index < 0 {
		index += size
	}
	return index, index >= 0 && index < size
}

// normRange maps LRANGE/LTRIM start and stop to offsets from the head;
// ok is false for an empty range.
func normRange(start, stop, size int64) (int64, int64, bool) {
	if start < 0 {
		start += size
	}
	if stop < 0 {
		stop += size
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= size {
		return 0, 0, false
	}
	if stop >= size {
		stop = size - 1
	}
	return start, stop, true
}

func (t *tx) ListLen(key []byte) (int64, error) {
	r, _, err := t.getType(t.kkey(key), backend.TypeList)
	return r.size, err
}

func (t *tx) ListPush(key []byte, left bool, vals [][]byte, onlyExisting bool) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	if err := checkKey(key); err != nil {
		return 0, err
	}
	kk := t.kkey(key)
	r, found, err := t.getType(kk, backend.TypeList)
	if err != nil {
		return 0, err
	}
	if !found {
		if onlyExisting || len(vals) == 0 {
			return 0, nil
		}
		id, err := t.newID()
		if err != nil {
			return 0, err
		}
		r = record{typ: backend.TypeList, id: id}
	}
	for _, v := range vals {
		var pos int64
		if left {
			r.head--
			pos = r.head
		} else {
			pos = r.tail
			r.tail++
		}
		if err := t.listPut(&r, pos, t.w.arena.copy(v)); err != nil {
			return 0, err
		}
	}
	r.size = r.tail - r.head
	if !found {
		return r.size, t.put(kk, nil, &r)
	}
	if len(vals) == 0 {
		return r.size, nil
	}
	return r.size, t.putMeta(kk, &r)
}

func (t *tx) ListPop(key []byte, left bool, count int64) ([][]byte, error) {
	if err := t.writable(); err != nil {
		return nil, err
	}
	kk := t.kkey(key)
	r, found, err := t.getType(kk, backend.TypeList)
	if !found || err != nil || count <= 0 {
		return nil, err
	}
	n := min(count, r.size)
	vals := make([][]byte, 0, n)
	total := 0
	start := r.head
	if !left {
		start = r.tail - 1
	}
	prefix := appendID(nil, r.id)
	err = t.iterate(t.dataB(), prefix, appendListKey(nil, r.id, start), !left, func(_, v []byte) (bool, error) {
		vals = append(vals, v)
		total += len(v)
		return int64(len(vals)) < n, nil
	})
	if err != nil {
		return nil, err
	}
	// The caller owns the result: copy it out of the database.
	buf := make([]byte, 0, total)
	for i, v := range vals {
		s := len(buf)
		buf = append(buf, v...)
		vals[i] = buf[s:len(buf):len(buf)]
	}
	if n == r.size {
		return vals, t.removeKey(kk, &r)
	}
	for range n {
		var pos int64
		if left {
			pos = r.head
			r.head++
		} else {
			r.tail--
			pos = r.tail
		}
		if err := t.listDel(&r, pos); err != nil {
			return nil, err
		}
	}
	r.size = r.tail - r.head
	return vals, t.putMeta(kk, &r)
}

func (t *tx) ListIndex(key []byte, index int64) ([]byte, bool, error) {
	r, found, err := t.getType(t.kkey(key), backend.TypeList)
	if !found || err != nil {
		return nil, false, err
	}
	off, ok := normIndex(index, r.size)
	if !ok {
		return nil, false, nil
	}
	v, ok := t.listGet(&r, r.head+off)
	return v, ok, nil
}

func (t *tx) ListSet(key []byte, index int64, val []byte) error {
	if err := t.writable(); err != nil {
		return err
	}
	r, found, err := t.getType(t.kkey(key), backend.TypeList)
	if err != nil {
		return err
	}
	if !found {
		return backend.ErrNoSuchKey
	}
	off, ok := normIndex(index, r.size)
	if !ok {
		return backend.ErrIndexOutOfRange
	}
	return t.listPut(&r, r.head+off, t.w.arena.copy(val))
}

func (t *tx) ListRange(key []byte, start, stop int64, fn func(val []byte) error) error {
	r, found, err := t.getType(t.kkey(key), backend.TypeList)
	if !found || err != nil {
		return err
	}
	start, stop, ok := normRange(start, stop, r.size)
	if !ok {
		return nil
	}
	n := stop - start + 1
	prefix := appendID(nil, r.id)
	return t.iterate(t.dataB(), prefix, appendListKey(nil, r.id, r.head+start), false, func(_, v []byte) (bool, error) {
		n--
		return n > 0, fn(v)
	})
}

func (t *tx) ListIter(key []byte, reverse bool, fn func(index int64, val []byte) bool) error {
	r, found, err := t.getType(t.kkey(key), backend.TypeList)
	if !found || err != nil {
		return err
	}
	start := r.head
	if reverse {
		start = r.tail - 1
	}
	prefix := appendID(nil, r.id)
	return t.iterate(t.dataB(), prefix, appendListKey(nil, r.id, start), reverse, func(k, v []byte) (bool, error) {
		return fn(getPos(k[idLen:])-r.head, v), nil
	})
}

func (t *tx) ListTrim(key []byte, start, stop int64) error {
	if err := t.writable(); err != nil {
		return err
	}
	kk := t.kkey(key)
	r, found, err := t.getType(kk, backend.TypeList)
	if !found || err != nil {
		return err
	}
	start, stop, ok := normRange(start, stop, r.size)
	if !ok {
		return t.removeKey(kk, &r)
	}
	keepHead, keepTail := r.head+start, r.head+stop+1 // keep [keepHead, keepTail)
	kept := keepTail - keepHead
	removed := r.size - kept
	if removed == 0 {
		return nil
	}
	if removed > t.b.tuning.smallDrop && removed > kept {
		// Cheaper to copy what stays to a new collection and drop the old.
		id, err := t.newID()
		if err != nil {
			return err
		}
		nr := r
		nr.id, nr.head, nr.tail, nr.size = id, keepHead, keepTail, kept
		prefix := appendID(nil, r.id)
		err = t.iterate(t.dataB(), prefix, appendListKey(nil, r.id, keepHead), false, func(k, v []byte) (bool, error) {
			pos := getPos(k[idLen:])
			if pos >= keepTail {
				return false, nil
			}
			return true, t.listPut(&nr, pos, v)
		})
		if err != nil {
			return err
		}
		return t.put(kk, &r, &nr)
	}
	for pos := r.head; pos < keepHead; pos++ {
		if err := t.listDel(&r, pos); err != nil {
			return err
		}
	}
	for pos := keepTail; pos < r.tail; pos++ {
		if err := t.listDel(&r, pos); err != nil {
			return err
		}
	}
	r.head, r.tail, r.size = keepHead, keepTail, kept
	return t.putMeta(kk, &r)
}

func (t *tx) ListRem(key []byte, count int64, val []byte) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	kk := t.kkey(key)
	r, found, err := t.getType(kk, backend.TypeList)
	if !found || err != nil {
		return 0, err
	}
	limit := count
	if limit < 0 {
		limit = -limit
	}
	start := r.head
	if count < 0 {
		start = r.tail - 1
	}
	var hits []int64
	prefix := appendID(nil, r.id)
	err = t.iterate(t.dataB(), prefix, appendListKey(nil, r.id, start), count < 0, func(k, v []byte) (bool, error) {
		if bytes.Equal(v, val) {
			hits = append(hits, getPos(k[idLen:]))
		}
		return limit == 0 || int64(len(hits)) < limit, nil
	})
	if err != nil || len(hits) == 0 {
		return 0, err
	}
	removed := int64(len(hits))
	if removed == r.size {
		return removed, t.removeKey(kk, &r)
	}
	slices.Sort(hits)
	first, last := hits[0], hits[len(hits)-1]
	if r.tail-first <= last-r.head+1 {
		// Close the gaps by moving the elements after the first hit left.
		w, h := first, 0
		for p := first; p < r.tail; p++ {
			if h < len(hits) && hits[h] == p {
				h++
				continue
			}
			if p != w {
				if err := t.listMove(&r, p, w); err != nil {
					return 0, err
				}
			}
			w++
		}
		for p := w; p < r.tail; p++ {
			if err := t.listDel(&r, p); err != nil {
				return 0, err
			}
		}
		r.tail = w
	} else {
		// Move the elements before the last hit right.
		w, h := last, len(hits)-1
		for p := last; p >= r.head; p-- {
			if h >= 0 && hits[h] == p {
				h--
				continue
			}
			if p != w {
				if err := t.listMove(&r, p, w); err != nil {
					return 0, err
				}
			}
			w--
		}
		for p := r.head; p <= w; p++ {
			if err := t.listDel(&r, p); err != nil {
				return 0, err
			}
		}
		r.head = w + 1
	}
	r.size = r.tail - r.head
	return removed, t.putMeta(kk, &r)
}

// listMove copies the element at from to position to.
func (t *tx) listMove(r *record, from, to int64) error {
	v, ok := t.listGet(r, from)
	if !ok {
		return errDamagedList(r)
	}
	return t.listPut(r, to, v)
}

func (t *tx) ListInsert(key []byte, before bool, pivot, val []byte) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	kk := t.kkey(key)
	r, found, err := t.getType(kk, backend.TypeList)
	if !found || err != nil {
		return 0, err
	}
	at := int64(0)
	hit := false
	prefix := appendID(nil, r.id)
	err = t.iterate(t.dataB(), prefix, appendListKey(nil, r.id, r.head), false, func(k, v []byte) (bool, error) {
		if bytes.Equal(v, pivot) {
			at, hit = getPos(k[idLen:]), true
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	if !hit {
		return -1, nil
	}
	ins := at // the new element goes in front of the element now at ins
	if !before {
		ins++
	}
	val = t.w.arena.copy(val)
	if ins-r.head < r.tail-ins {
		// Shift the head side left.
		for p := r.head; p < ins; p++ {
			if err := t.listMove(&r, p, p-1); err != nil {
				return 0, err
			}
		}
		r.head--
		err = t.listPut(&r, ins-1, val)
	} else {
		// Shift the tail side right.
		for p := r.tail - 1; p >= ins; p-- {
			if err := t.listMove(&r, p, p+1); err != nil {
				return 0, err
			}
		}
		r.tail++
		err = t.listPut(&r, ins, val)
	}
	if err != nil {
		return 0, err
	}
	r.size = r.tail - r.head
	return r.size, t.putMeta(kk, &r)
}

func errDamagedList(r *record) error {
	return fmt.Errorf("bolt: damaged list %d: an element between head %d and tail %d is missing", r.id, r.head, r.tail)
}
