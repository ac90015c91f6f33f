package rdb

// arena hands out the bytes of decoded items: small ones carved from
// shared slabs, so that a value of many small elements costs a few
// allocations, not one per element. A slab is never written again once
// its bytes are handed out; the items own them (and keep their slab
// alive). Not safe for concurrent use.
type arena struct{ slab []byte }

const (
	arenaSlab  = 16 << 10 // bytes per slab
	arenaSmall = 1 << 10  // larger requests get their own allocation
)

// alloc returns n bytes (len n, cap n) for the caller to fill.
func (a *arena) alloc(n int) []byte {
	if n > arenaSmall {
		return make([]byte, n)
	}
	if cap(a.slab)-len(a.slab) < n {
		a.slab = make([]byte, 0, arenaSlab)
	}
	start := len(a.slab)
	a.slab = a.slab[:start+n]
	return a.slab[start : start+n : start+n]
}

// int returns v in decimal.
func (a *arena) int(v int64) []byte {
	var buf [20]byte
	s := appendInt(buf[:0], v)
	b := a.alloc(len(s))
	copy(b, s)
	return b
}

// bytes returns a copy of s.
func (a *arena) bytes(s []byte) []byte {
	b := a.alloc(len(s))
	copy(b, s)
	return b
}
