package memory

import (
	"bytes"

	"redpool/backend"
)

// deque is a list: a ring buffer whose length is zero or a power of two.
// Push and pop at either end are amortised O(1) (the buffer doubles when
// full and halves when a quarter full); indexing is O(1).
//
// Elements are never modified in place (ListSet stores a new slice), so two
// deques may share element slices; shared marks that, and makes pops hand
// out copies, since popped elements belong to the caller.
type deque struct {
	buf    [][]byte
	head   int
	n      int
	bytes  int64 // sum of element lengths
	shared bool
}

func (d *deque) idx(i int) int { return (d.head + i) & (len(d.buf) - 1) }

func (d *deque) at(i int) []byte { return d.buf[d.idx(i)] }

func (d *deque) set(i int, v []byte) { d.buf[d.idx(i)] = v }

// resize moves the elements to a new buffer of c slots (c >= n, power of 2).
func (d *deque) resize(c int) {
	nb := make([][]byte, c)
	if d.n > 0 {
		end := d.head + d.n
		if end <= len(d.buf) {
			copy(nb, d.buf[d.head:end])
		} else {
			k := copy(nb, d.buf[d.head:])
			copy(nb[k:], d.buf[:end-len(d.buf)])
		}
	}
	d.buf, d.head = nb, 0
}

func (d *deque) grow() {
	d.resize(max(8, 2*len(d.buf)))
}

// compact shrinks the buffer after removals, keeping amortised O(1).
func (d *deque) compact() {
	c := len(d.buf)
	if c <= 64 || d.n >= c/4 {
		return
	}
	for c > 64 && d.n < c/4 {
		c /= 2
	}
	d.resize(c)
}

func (d *deque) pushBack(v []byte) {
	if d.n == len(d.buf) {
		d.grow()
	}
	d.buf[d.idx(d.n)] = v
	d.n++
	d.bytes += int64(len(v))
}

func (d *deque) pushFront(v []byte) {
	if d.n == len(d.buf) {
		d.grow()
	}
	d.head = (d.head - 1) & (len(d.buf) - 1)
	d.buf[d.head] = v
	d.n++
	d.bytes += int64(len(v))
}

// popFront removes the head without shrinking the buffer.
func (d *deque) popFront() []byte {
	v := d.buf[d.head]
	d.buf[d.head] = nil
	d.head = (d.head + 1) & (len(d.buf) - 1)
	d.n--
	d.bytes -= int64(len(v))
	return v
}

// popBack removes the tail without shrinking the buffer.
func (d *deque) popBack() []byte {
	i := d.idx(d.n - 1)
	v := d.buf[i]
	d.buf[i] = nil
	d.n--
	d.bytes -= int64(len(v))
	return v
}

// insert puts v at index i (0 <= i <= n), moving the shorter side.
func (d *deque) insert(i int, v []byte) {
	if d.n == len(d.buf) {
		d.grow()
	}
	if i < d.n/2 {
		d.head = (d.head - 1) & (len(d.buf) - 1)
		d.n++
		for j := 0; j < i; j++ {
			d.set(j, d.at(j+1))
		}
	} else {
		d.n++
		for j := d.n - 1; j > i; j-- {
			d.set(j, d.at(j-1))
		}
	}
	d.set(i, v)
	d.bytes += int64(len(v))
}

// removeEqual removes elements equal to val: up to count from the head if
// count > 0, up to -count from the tail if count < 0, all if 0.
func (d *deque) removeEqual(count int64, val []byte) int64 {
	var removed int64
	limit := count
	if limit < 0 {
		limit = -limit
	}
	if count >= 0 {
		w := 0
		for r := 0; r < d.n; r++ {
			v := d.at(r)
			if (limit == 0 || removed < limit) && bytes.Equal(v, val) {
				removed++
				d.bytes -= int64(len(v))
				continue
			}
			if w != r {
				d.set(w, v)
			}
			w++
		}
		for i := w; i < d.n; i++ {
			d.set(i, nil)
		}
		d.n = w
	} else {
		w := d.n - 1
		for r := d.n - 1; r >= 0; r-- {
			v := d.at(r)
			if removed < limit && bytes.Equal(v, val) {
				removed++
				d.bytes -= int64(len(v))
				continue
			}
			if w != r {
				d.set(w, v)
			}
			w--
		}
		gone := w + 1
		for i := 0; i < gone; i++ {
			d.set(i, nil)
		}
		if gone > 0 {
			d.head = d.idx(gone)
			d.n -= gone
		}
	}
	d.compact()
	return removed
}

// size implements collection.
func (d *deque) size() int64 { return d.bytes + int64(d.n)*elemOverhead }

// clone implements collection: a deque with the same elements; both are
// marked shared.
func (d *deque) clone() collection {
	c := 8
	for c < d.n {
		c *= 2
	}
	nd := &deque{bytes: d.bytes, shared: true}
	nd.buf = make([][]byte, c)
	for i := 0; i < d.n; i++ {
		nd.buf[i] = d.at(i)
	}
	nd.n = d.n
	d.shared = true
	return nd
}

// appendItems implements collection: the elements, head first.
func (d *deque) appendItems(dst [][]byte) [][]byte {
	for i := 0; i < d.n; i++ {
		dst = append(dst, d.at(i))
	}
	return dst
}

// listRange converts Redis start/stop indexes to [lo, hi) over n elements;
// lo >= hi means empty.
func listRange(start, stop int64, n int) (lo, hi int) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= ln {
		return 0, 0
	}
	if stop >= ln {
		stop = ln - 1
	}
	return int(start), int(stop) + 1
}

// listIndex converts a Redis index to 0..n-1, or -1 when out of range.
func listIndex(index int64, n int) int {
	if index < 0 {
		index += int64(n)
	}
	if index < 0 || index >= int64(n) {
		return -1
	}
	return int(index)
}

// list returns the list of e, which is a TypeList entry.
func (e *entry) list() *deque { return e.coll.(*deque) }

// list returns key's list entry (nil if missing) or ErrWrongType.
func (t *tx) list(key []byte) (*shardData, *entry, error) {
	sd, e, err := t.lookup(t.db, key)
	if e != nil && e.typ() != backend.TypeList {
		return sd, nil, backend.ErrWrongType
	}
	return sd, e, err
}

// ListLen implements backend.Tx.
func (t *tx) ListLen(key []byte) (int64, error) {
	_, e, err := t.list(key)
	if e == nil {
		return 0, err
	}
	return int64(e.list().n), nil
}

// ListPush implements backend.Tx.
func (t *tx) ListPush(key []byte, left bool, vals [][]byte, onlyExisting bool) (int64, error) {
	if !t.write {
		return 0, backend.ErrReadOnlyTx
	}
	sd, e, err := t.list(key)
	if err != nil {
		return 0, err
	}
	if e == nil {
		if onlyExisting || len(vals) == 0 {
			return 0, nil
		}
		e = &entry{tb: backend.TypeList, coll: &deque{}}
		pushAll(e.list(), left, vals)
		sd.insert(key, e, t.epoch)
		return int64(e.list().n), nil
	}
	e = sd.writable(e, t.epoch)
	before := e.size()
	pushAll(e.list(), left, vals)
	sd.used.Add(e.size() - before)
	return int64(e.list().n), nil
}

func pushAll(d *deque, left bool, vals [][]byte) {
	for _, v := range vals {
		if left {
			d.pushFront(copyBytes(v))
		} else {
			d.pushBack(copyBytes(v))
		}
	}
}

// ListPop implements backend.Tx.
func (t *tx) ListPop(key []byte, left bool, count int64) ([][]byte, error) {
	if !t.write {
		return nil, backend.ErrReadOnlyTx
	}
	sd, e, err := t.list(key)
	if e == nil || count <= 0 {
		return nil, err
	}
	e = sd.writable(e, t.epoch)
	d := e.list()
	count = min(count, int64(d.n))
	before := e.size()
	out := make([][]byte, count)
	for i := range out {
		var v []byte
		if left {
			v = d.popFront()
		} else {
			v = d.popBack()
		}
		if d.shared {
			v = copyBytes(v)
		}
		out[i] = v
	}
	if d.n == 0 {
		sd.used.Add(e.size() - before)
		sd.remove(e)
		return out, nil
	}
	d.compact()
	sd.used.Add(e.size() - before)
	return out, nil
}

// ListIndex implements backend.Tx.
func (t *tx) ListIndex(key []byte, index int64) ([]byte, bool, error) {
	_, e, err := t.list(key)
	if e == nil {
		return nil, false, err
	}
	i := listIndex(index, e.list().n)
	if i < 0 {
		return nil, false, nil
	}
	return e.list().at(i), true, nil
}

// ListSet implements backend.Tx.
func (t *tx) ListSet(key []byte, index int64, val []byte) error {
	if !t.write {
		return backend.ErrReadOnlyTx
	}
	sd, e, err := t.list(key)
	if err != nil {
		return err
	}
	if e == nil {
		return backend.ErrNoSuchKey
	}
	i := listIndex(index, e.list().n)
	if i < 0 {
		return backend.ErrIndexOutOfRange
	}
	e = sd.writable(e, t.epoch)
	d := e.list()
	old := d.at(i)
	d.set(i, copyBytes(val))
	delta := int64(len(val) - len(old))
	d.bytes += delta
	sd.used.Add(delta)
	return nil
}

// ListRange implements backend.Tx.
func (t *tx) ListRange(key []byte, start, stop int64, fn func(val []byte) error) error {
	_, e, err := t.list(key)
	if e == nil {
		return err
	}
	d := e.list()
	lo, hi := listRange(start, stop, d.n)
	for i := lo; i < hi; i++ {
		if err := fn(d.at(i)); err != nil {
			return err
		}
	}
	return nil
}

// ListTrim implements backend.Tx.
func (t *tx) ListTrim(key []byte, start, stop int64) error {
	if !t.write {
		return backend.ErrReadOnlyTx
	}
	sd, e, err := t.list(key)
	if e == nil {
		return err
	}
	lo, hi := listRange(start, stop, e.list().n)
	if lo >= hi {
		sd.remove(e)
		return nil
	}
	if lo == 0 && hi == e.list().n {
		return nil
	}
	e = sd.writable(e, t.epoch)
	d := e.list()
	before := e.size()
	for d.n > hi {
		d.popBack()
	}
	for range lo {
		d.popFront()
	}
	d.compact()
	sd.used.Add(e.size() - before)
	return nil
}

// ListRem implements backend.Tx.
func (t *tx) ListRem(key []byte, count int64, val []byte) (int64, error) {
	if !t.write {
		return 0, backend.ErrReadOnlyTx
	}
	sd, e, err := t.list(key)
	if e == nil {
		return 0, err
	}
	// Find out first whether anything matches, to avoid a needless copy.
	found := false
	for d, i := e.list(), 0; i < d.n && !found; i++ {
		found = bytes.Equal(d.at(i), val)
	}
	if !found {
		return 0, nil
	}
	e = sd.writable(e, t.epoch)
	before := e.size()
	n := e.list().removeEqual(count, val)
	if e.list().n == 0 {
		sd.used.Add(e.size() - before)
		sd.remove(e)
		return n, nil
	}
	sd.used.Add(e.size() - before)
	return n, nil
}

// ListInsert implements backend.Tx.
func (t *tx) ListInsert(key []byte, before bool, pivot, val []byte) (int64, error) {
	if !t.write {
		return 0, backend.ErrReadOnlyTx
	}
	sd, e, err := t.list(key)
	if e == nil {
		return 0, err
	}
	at := -1
	for d, i := e.list(), 0; i < d.n; i++ {
		if bytes.Equal(d.at(i), pivot) {
			at = i
			break
		}
	}
	if at < 0 {
		return -1, nil
	}
	if !before {
		at++
	}
	e = sd.writable(e, t.epoch)
	e.list().insert(at, copyBytes(val))
	sd.used.Add(int64(len(val)) + elemOverhead)
	return int64(e.list().n), nil
}

// ListIter implements backend.Tx.
func (t *tx) ListIter(key []byte, reverse bool, fn func(index int64, val []byte) bool) error {
	_, e, err := t.list(key)
	if e == nil {
		return err
	}
	d := e.list()
	if reverse {
		for i := d.n - 1; i >= 0; i-- {
			if !fn(int64(i), d.at(i)) {
				return nil
			}
		}
		return nil
	}
	for i := 0; i < d.n; i++ {
		if !fn(int64(i), d.at(i)) {
			return nil
		}
	}
	return nil
}
