package memory

import "redpool/backend"

// Small hashes and sets are packed, as Redis packs them in a listpack: all
// their fields (or members) and values in one byte slice, hashObj.lp, of
// entries
//
//	+---------+------+---------+-----+
//	| nameLen | name | valLen  | val |   nameLen, valLen: one byte each
//	+---------+------+---------+-----+
//
// in insertion order (a set's values are empty). That is one allocation
// and no pointers for the whole collection, where the fields form costs
// a slot of 40 bytes and one or two allocations per field: a hash of 10
// small fields takes about 280 bytes less than half its unpacked size, and
// the collector has nothing in it to scan. Lookups walk the entries, as
// Redis's do; a collection is unpacked (for good, as in Redis) once it
// has more than packedMaxEntries entries or a name or value longer than
// packedMaxBytes. packedMaxBytes is Redis's default
// hash-max-listpack-value; packedMaxEntries is a quarter of its
// hash-max-listpack-entries, because a packed write here copies the whole
// slice (Redis moves bytes within its listpack): at 100 fields an HSET of
// an existing field took 13 times as long packed, 18.7 against 1.4 us. The
// encoding OBJECT ENCODING reports does not depend on this one: the
// command layer applies Redis's rules itself.
//
// lp is never modified in place below its length: a replaced or removed
// entry gives a new slice, so the slices handed out (capped at their end)
// stay valid until the transaction ends, and a clone has its own copy. New
// entries are appended in place when they fit in lp's capacity.
const (
	packedMaxEntries = 32
	packedMaxBytes   = 64
	packedOverhead   = 80 // a packed hashObj: its struct, rounded to its size class
)

// packed reports whether h is in the packed form.
func (h *hashObj) packed() bool { return h.lp != nil }

// newPackedHash returns an empty packed hashObj.
func newPackedHash() hashObj { return hashObj{lp: []byte{}} }

// packedEntry returns the name and value of the packed entry at offset off
// of lp, capped at their ends, and the offset of the next entry.
func packedEntry(lp []byte, off int) (name, val []byte, next int) {
	n := int(lp[off])
	off++
	name = lp[off : off+n : off+n]
	off += n
	n = int(lp[off])
	off++
	return name, lp[off : off+n : off+n], off + n
}

// packedFind returns the offset of field's entry in lp, or -1.
func packedFind(lp []byte, field []byte) int {
	for off := 0; off < len(lp); {
		name, _, next := packedEntry(lp, off)
		if string(name) == string(field) {
			return off
		}
		off = next
	}
	return -1
}

// packable reports whether name and val may be stored packed.
func packable(name, val []byte) bool {
	return len(name) <= packedMaxBytes && len(val) <= packedMaxBytes
}

// len returns the number of fields.
func (h *hashObj) len() int {
	if h.packed() {
		return int(h.plen)
	}
	return len(h.fields)
}

// get returns field's value.
func (h *hashObj) get(field []byte) ([]byte, bool) {
	if h.packed() {
		off := packedFind(h.lp, field)
		if off < 0 {
			return nil, false
		}
		_, val, _ := packedEntry(h.lp, off)
		return val, true
	}
	i := h.find(field)
	if i < 0 {
		return nil, false
	}
	return h.fields[i].val, true
}

// each calls fn with every field and value, in order, until it returns
// false.
func (h *hashObj) each(fn func(name, val []byte) bool) {
	if h.packed() {
		for off := 0; off < len(h.lp); {
			name, val, next := packedEntry(h.lp, off)
			if !fn(name, val) {
				return
			}
			off = next
		}
		return
	}
	for _, f := range h.fields {
		if !fn(bytesOf(f.name), f.val) {
			return
		}
	}
}

// reserve makes room for extra more bytes of packed entries, so that a
// command adding many fields allocates once.
func (h *hashObj) reserve(extra int) {
	if h.packed() && cap(h.lp)-len(h.lp) < extra {
		lp := make([]byte, len(h.lp), len(h.lp)+extra)
		copy(lp, h.lp)
		h.lp = lp
	}
}

// put sets field to val, adding the field if it is new, and reports
// whether it was added. It copies field and val.
func (h *hashObj) put(field, val []byte) bool {
	if h.packed() {
		off := packedFind(h.lp, field)
		switch {
		case off >= 0 && packable(field, val):
			_, _, next := packedEntry(h.lp, off)
			lp := make([]byte, 0, len(h.lp)-(next-off)+2+len(field)+len(val))
			lp = append(lp, h.lp[:off]...)
			lp = appendPacked(lp, field, val)
			h.lp = append(lp, h.lp[next:]...)
			return false
		case off < 0 && int(h.plen) < packedMaxEntries && packable(field, val):
			h.lp = appendPacked(h.lp, field, val)
			h.plen++
			return true
		}
		h.unpack()
	}
	if j := h.find(field); j >= 0 {
		h.bytes += int64(len(val) - len(h.fields[j].val))
		h.fields[j].val = copyBytes(val)
		return false
	}
	h.add(field, val)
	return true
}

func appendPacked(lp, name, val []byte) []byte {
	lp = append(lp, byte(len(name)))
	lp = append(lp, name...)
	lp = append(lp, byte(len(val)))
	return append(lp, val...)
}

// remove deletes field and reports whether it was there.
func (h *hashObj) remove(field []byte) bool {
	if !h.packed() {
		i := h.find(field)
		if i >= 0 {
			h.del(i)
		}
		return i >= 0
	}
	off := packedFind(h.lp, field)
	if off < 0 {
		return false
	}
	_, _, next := packedEntry(h.lp, off)
	lp := make([]byte, 0, len(h.lp)-(next-off))
	lp = append(lp, h.lp[:off]...)
	h.lp = append(lp, h.lp[next:]...)
	h.plen--
	return true
}

// unpack converts a packed h to the fields form.
func (h *hashObj) unpack() {
	lp := h.lp
	h.lp, h.plen = nil, 0
	h.fields = make([]hfield, 0, packedMaxEntries+1)
	for off := 0; off < len(lp); {
		name, val, next := packedEntry(lp, off)
		h.add(name, val)
		off = next
	}
}

// packedOffsets fills offs with the offsets of lp's entries and returns
// their number.
func packedOffsets(lp []byte, offs *[packedMaxEntries]uint16) int {
	n := 0
	for off := 0; off < len(lp); n++ {
		offs[n] = uint16(off)
		_, _, off = packedEntry(lp, off)
	}
	return n
}

// eachErr calls fn with every field and value, in order, until it returns
// an error, which it returns.
func (h *hashObj) eachErr(fn func(name, val []byte) error) error {
	var err error
	h.each(func(name, val []byte) bool {
		err = fn(name, val)
		return err == nil
	})
	return err
}

// sample calls fn with count random fields and their values, as
// backend.Sample picks them: O(count) once the entries' offsets are known.
func (h *hashObj) sample(count int, distinct bool, fn func(name, val []byte) error) error {
	if !h.packed() {
		fs := h.fields
		return backend.Sample(len(fs), count, distinct, func(i int) error {
			return fn(bytesOf(fs[i].name), fs[i].val)
		})
	}
	var offs [packedMaxEntries]uint16
	n := packedOffsets(h.lp, &offs)
	return backend.Sample(n, count, distinct, func(i int) error {
		name, val, _ := packedEntry(h.lp, int(offs[i]))
		return fn(name, val)
	})
}
