package bolt

import (
	"bytes"
	"fmt"
	"slices"

	"redpool/backend"
)

// A list is a collection (see coll) whose subkeys are positions: its
// elements sit at head <= pos < tail, and its record keeps head and tail.

// listGet returns the element at position pos.
func (c *coll) listGet(pos int64) ([]byte, bool) {
	var k [posLen]byte
	putPos(k[:], pos)
	return c.get(k[:])
}

// listPut stores val (which must stay unchanged until the transaction
// ends) at position pos.
func (c *coll) listPut(pos int64, val []byte) error {
	var k [posLen]byte
	putPos(k[:], pos)
	return c.put(k[:], val)
}

func (c *coll) listDel(pos int64) error {
	var k [posLen]byte
	putPos(k[:], pos)
	return c.del(k[:])
}

// listIter calls fn with the positions and elements from position from,
// towards the tail (or the head when reverse), until fn returns false.
func (c *coll) listIter(from int64, reverse bool, fn func(pos int64, val []byte) (bool, error)) error {
	var k [posLen]byte
	putPos(k[:], from)
	return c.iter(k[:], reverse, func(sub, v []byte) (bool, error) { return fn(getPos(sub), v) })
}

// resized sets the size of a list from its positions.
func (c *coll) resized() { c.r.size = c.r.tail - c.r.head }

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
	c, ok, err := t.openColl(key, backend.TypeList, false)
	if !ok {
		return 0, err
	}
	return c.r.size, nil
}

func (t *tx) ListPush(key []byte, left bool, vals [][]byte, onlyExisting bool) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	c, ok, err := t.openColl(key, backend.TypeList, !onlyExisting && len(vals) > 0)
	if !ok {
		return 0, err
	}
	for _, v := range vals {
		var pos int64
		if left {
			c.r.head--
			pos = c.r.head
		} else {
			pos = c.r.tail
			c.r.tail++
		}
		if err := c.listPut(pos, t.w.arena.copy(v)); err != nil {
			return 0, err
		}
	}
	c.resized()
	return c.r.size, c.save()
}

func (t *tx) ListPop(key []byte, left bool, count int64) ([][]byte, error) {
	if err := t.writable(); err != nil {
		return nil, err
	}
	c, ok, err := t.openColl(key, backend.TypeList, false)
	if !ok || count <= 0 {
		return nil, err
	}
	r := &c.r
	n := min(count, r.size)
	vals := make([][]byte, 0, n)
	total := 0
	start := r.head
	if !left {
		start = r.tail - 1
	}
	err = c.listIter(start, !left, func(_ int64, v []byte) (bool, error) {
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
		return vals, c.remove()
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
		if err := c.listDel(pos); err != nil {
			return nil, err
		}
	}
	c.resized()
	return vals, c.save()
}

func (t *tx) ListIndex(key []byte, index int64) ([]byte, bool, error) {
	c, ok, err := t.openColl(key, backend.TypeList, false)
	if !ok {
		return nil, false, err
	}
	off, ok := normIndex(index, c.r.size)
	if !ok {
		return nil, false, nil
	}
	v, ok := c.listGet(c.r.head + off)
	return v, ok, nil
}

func (t *tx) ListSet(key []byte, index int64, val []byte) error {
	if err := t.writable(); err != nil {
		return err
	}
	c, ok, err := t.openColl(key, backend.TypeList, false)
	if err != nil {
		return err
	}
	if !ok {
		return backend.ErrNoSuchKey
	}
	off, ok := normIndex(index, c.r.size)
	if !ok {
		return backend.ErrIndexOutOfRange
	}
	return c.listPut(c.r.head+off, t.w.arena.copy(val))
}

func (t *tx) ListRange(key []byte, start, stop int64, fn func(val []byte) error) error {
	c, ok, err := t.openColl(key, backend.TypeList, false)
	if !ok {
		return err
	}
	start, stop, ok = normRange(start, stop, c.r.size)
	if !ok {
		return nil
	}
	n := stop - start + 1
	return c.listIter(c.r.head+start, false, func(_ int64, v []byte) (bool, error) {
		n--
		return n > 0, fn(v)
	})
}

func (t *tx) ListIter(key []byte, reverse bool, fn func(index int64, val []byte) bool) error {
	c, ok, err := t.openColl(key, backend.TypeList, false)
	if !ok {
		return err
	}
	start := c.r.head
	if reverse {
		start = c.r.tail - 1
	}
	return c.listIter(start, reverse, func(pos int64, v []byte) (bool, error) {
		return fn(pos-c.r.head, v), nil
	})
}

func (t *tx) ListTrim(key []byte, start, stop int64) error {
	if err := t.writable(); err != nil {
		return err
	}
	c, ok, err := t.openColl(key, backend.TypeList, false)
	if !ok {
		return err
	}
	r := &c.r
	start, stop, ok = normRange(start, stop, r.size)
	if !ok {
		return c.remove()
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
		nc := c
		nc.r.id, nc.r.head, nc.r.tail, nc.r.size = id, keepHead, keepTail, kept
		err = c.listIter(keepHead, false, func(pos int64, v []byte) (bool, error) {
			if pos >= keepTail {
				return false, nil
			}
			return true, nc.listPut(pos, v)
		})
		if err != nil {
			return err
		}
		return t.put(c.kk, &c.r, &nc.r)
	}
	for pos := r.head; pos < keepHead; pos++ {
		if err := c.listDel(pos); err != nil {
			return err
		}
	}
	for pos := keepTail; pos < r.tail; pos++ {
		if err := c.listDel(pos); err != nil {
			return err
		}
	}
	r.head, r.tail = keepHead, keepTail
	c.resized()
	return c.save()
}

func (t *tx) ListRem(key []byte, count int64, val []byte) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	c, ok, err := t.openColl(key, backend.TypeList, false)
	if !ok {
		return 0, err
	}
	r := &c.r
	limit := count
	if limit < 0 {
		limit = -limit
	}
	start := r.head
	if count < 0 {
		start = r.tail - 1
	}
	var hits []int64
	err = c.listIter(start, count < 0, func(pos int64, v []byte) (bool, error) {
		if bytes.Equal(v, val) {
			hits = append(hits, pos)
		}
		return limit == 0 || int64(len(hits)) < limit, nil
	})
	if err != nil || len(hits) == 0 {
		return 0, err
	}
	removed := int64(len(hits))
	if removed == r.size {
		return removed, c.remove()
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
				if err := c.listMove(p, w); err != nil {
					return 0, err
				}
			}
			w++
		}
		for p := w; p < r.tail; p++ {
			if err := c.listDel(p); err != nil {
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
				if err := c.listMove(p, w); err != nil {
					return 0, err
				}
			}
			w--
		}
		for p := r.head; p <= w; p++ {
			if err := c.listDel(p); err != nil {
				return 0, err
			}
		}
		r.head = w + 1
	}
	c.resized()
	return removed, c.save()
}

// listMove copies the element at from to position to.
func (c *coll) listMove(from, to int64) error {
	v, ok := c.listGet(from)
	if !ok {
		return errDamagedList(&c.r)
	}
	return c.listPut(to, v)
}

func (t *tx) ListInsert(key []byte, before bool, pivot, val []byte) (int64, error) {
	if err := t.writable(); err != nil {
		return 0, err
	}
	c, ok, err := t.openColl(key, backend.TypeList, false)
	if !ok {
		return 0, err
	}
	r := &c.r
	at := int64(0)
	hit := false
	err = c.listIter(r.head, false, func(pos int64, v []byte) (bool, error) {
		if bytes.Equal(v, pivot) {
			at, hit = pos, true
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
			if err := c.listMove(p, p-1); err != nil {
				return 0, err
			}
		}
		r.head--
		err = c.listPut(ins-1, val)
	} else {
		// Shift the tail side right.
		for p := r.tail - 1; p >= ins; p-- {
			if err := c.listMove(p, p+1); err != nil {
				return 0, err
			}
		}
		r.tail++
		err = c.listPut(ins, val)
	}
	if err != nil {
		return 0, err
	}
	c.resized()
	return r.size, c.save()
}

func errDamagedList(r *record) error {
	return fmt.Errorf("bolt: damaged list %d: an element between head %d and tail %d is missing", r.id, r.head, r.tail)
}
