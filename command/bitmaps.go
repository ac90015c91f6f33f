package command

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"

	"redpool/backend"
	"redpool/session/resp"
)

// The bitmap family, as Redis 7.0's bitops.c. A bitmap is a string (TYPE
// string): bit 0 is the most significant bit of the first byte. A write
// past the end grows the string with zero bytes, up to
// backend.MaxStringLen; a read past the end sees zeros.
//
// Writes go through the string operations of the Tx: one byte (SETBIT) or
// the few bytes of a field (BITFIELD) with SetRange, which the memory
// backend applies in place; the destination of BITOP with Set. Reads take
// the value from Get without copying it. BITCOUNT, BITPOS and BITOP work
// on 8-byte words.

func bitmapCommands() []Spec {
	return []Spec{
		{Name: "setbit", Arity: 4, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: setbit, Warm: setbitWarm, Group: "bitmap", Summary: "Sets or clears the bit at offset in the string value stored at key", Since: "2.2.0"},
		{Name: "getbit", Arity: 3, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: getbit, Group: "bitmap", Summary: "Returns the bit value at offset in the string value stored at key", Since: "2.2.0"},
		{Name: "bitcount", Arity: -2, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: bitcount, Group: "bitmap", Summary: "Count set bits in a string", Since: "2.6.0"},
		{Name: "bitpos", Arity: -3, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: bitpos, Group: "bitmap", Summary: "Find first bit set or clear in a string", Since: "2.8.7"},
		{Name: "bitop", Arity: -4, Flags: Write, Keys: KeySpec{2, -1, 1}, Run: bitop, Group: "bitmap", Summary: "Perform bitwise operations between strings", Since: "2.6.0"},
		{Name: "bitfield", Arity: -2, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: bitfield, Group: "bitmap", Summary: "Perform arbitrary bitfield integer operations on strings", Since: "3.2.0"},
		{Name: "bitfield_ro", Arity: -2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: bitfieldRO, Group: "bitmap", Summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", Since: "6.0.0"},
	}
}

// parseBitOffset parses a bit offset as Redis's getBitOffsetFromArgument:
// a non-negative integer whose byte lies within backend.MaxStringLen. With
// width > 0 (BITFIELD) "#n" means n*width.
func parseBitOffset(arg []byte, width uint) (int64, error) {
	if width == 0 || len(arg) == 0 || arg[0] != '#' {
		return parsePlainBitOffset(arg)
	}
	n, ok := resp.ParseInt(arg[1:])
	if !ok {
		return 0, ErrBitOffset
	}
	n *= int64(width) // wraps as Redis's does; a negative result is refused
	if n < 0 || n>>3 >= backend.MaxStringLen {
		return 0, ErrBitOffset
	}
	return n, nil
}

// bitOffsetDigits is the most digits of a valid bit offset: every one is
// below backend.MaxStringLen*8 = 2^32.
const bitOffsetDigits = 10

// parsePlainBitOffset is parseBitOffset of a bit offset without "#": the
// decimal integer string2ll reads (no sign, no leading zero, no space),
// within range. A valid one fits in bitOffsetDigits, so it needs none of
// resp.ParseInt's overflow checks: SETBIT, run millions of times a
// second, spends its parsing here.
func parsePlainBitOffset(arg []byte) (int64, error) {
	if len(arg) == 0 || len(arg) > bitOffsetDigits || arg[0] == '0' && len(arg) > 1 {
		return 0, ErrBitOffset
	}
	var n int64
	for _, c := range arg {
		if c-'0' > 9 {
			return 0, ErrBitOffset
		}
		n = n*10 + int64(c-'0')
	}
	if n>>3 >= backend.MaxStringLen {
		return 0, ErrBitOffset
	}
	return n, nil
}

// parseBitValue parses SETBIT's value: "0" or "1", the only integers
// string2ll reads that are 0 or 1.
func parseBitValue(arg []byte) (bool, error) {
	if len(arg) != 1 || arg[0]-'0' > 1 {
		return false, ErrBitValue
	}
	return arg[0] == '1', nil
}

// bitMask is the mask of bit off within its byte.
func bitMask(off int64) byte { return 0x80 >> (off & 7) }

// setbitWarm reads the bytes the SETBITs cmds (on one key) are about to
// write: the offsets first, then the bytes one after the other, so that
// their cache misses overlap. A random bit of a big bitmap is a miss
// each; a run of 16 then waits for memory about once. Spec.Warm.
func setbitWarm(tx backend.Tx, cmds [][][]byte) uint64 {
	v, _, err := tx.Get(cmds[0][1])
	if err != nil || len(v) == 0 {
		return 0
	}
	var idx [32]int64
	var sum uint64
	for len(cmds) > 0 {
		n := 0
		for _, args := range cmds[:min(len(cmds), len(idx))] {
			if off, err := parseBitOffset(args[2], 0); err == nil && off>>3 < int64(len(v)) {
				idx[n] = off >> 3
				n++
			}
		}
		for _, i := range idx[:n] {
			sum += uint64(v[i])
		}
		cmds = cmds[min(len(cmds), len(idx)):]
	}
	return sum
}

// setbit is SETBIT key offset 0|1. It writes (and emits "setbit") only
// when the bit changes or the string grows, as Redis 7.0.15.
func setbit(c *Ctx) error {
	off, err := parseBitOffset(c.Args[2], 0)
	if err != nil {
		return err
	}
	on, err := parseBitValue(c.Args[3])
	if err != nil {
		return err
	}
	key := c.Args[1]
	v, exists, err := c.Tx.Get(key)
	if err != nil {
		return err
	}
	i, mask := off>>3, bitMask(off)
	var old byte
	grow := i >= int64(len(v))
	if !grow {
		old = v[i]
	}
	was := old&mask != 0
	if grow || was != on {
		b := old &^ mask
		if on {
			b |= mask
		}
		if _, err := c.Tx.SetRange(key, i, append(scratch(c), b)); err != nil {
			return err
		}
		c.Dirty(1)
		c.notifyNew(!exists, key)
		c.Notify(NotifyString, "setbit", key)
	} else if err := c.Tx.SetStringForm(key, backend.StringRaw); err != nil {
		// Redis unshares the string (making it raw) even when no bit changes.
		return err
	}
	c.Bool(was)
	return nil
}

func getbit(c *Ctx) error {
	off, err := parseBitOffset(c.Args[2], 0)
	if err != nil {
		return err
	}
	v, _, err := c.Tx.Get(c.Args[1])
	if err != nil {
		return err
	}
	i := off >> 3
	c.Bool(i < int64(len(v)) && v[i]&bitMask(off) != 0)
	return nil
}

// parseBitUnit parses BITCOUNT's and BITPOS's BYTE|BIT.
func parseBitUnit(arg []byte) (isBit bool, err error) {
	switch {
	case equalFold(arg, "bit"):
		return true, nil
	case equalFold(arg, "byte"):
		return false, nil
	}
	return false, ErrSyntax
}

// bitRange turns start and end, counted in bytes or (isBit) bits of a
// string of n bytes, negative from the end, into the bit range lo..hi
// (inclusive) as Redis clamps them; empty is true when nothing is left.
func bitRange(start, end int64, isBit bool, n int64) (lo, hi int64, empty bool) {
	total := n
	if isBit {
		total <<= 3
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	if end >= total {
		end = total - 1
	}
	if start > end {
		return 0, 0, true
	}
	if isBit {
		return start, end, false
	}
	return start << 3, end<<3 + 7, false
}

// bitcount is BITCOUNT key [start end [BYTE|BIT]]. As in Redis 7.0, a
// missing key counts 0 before the arguments are looked at.
func bitcount(c *Ctx) error {
	v, ok, err := c.Tx.Get(c.Args[1])
	if err != nil {
		return err
	}
	if !ok {
		c.Int(0)
		return nil
	}
	lo, hi := int64(0), int64(len(v))*8-1
	switch len(c.Args) {
	case 2:
	case 4, 5:
		start, err := parseInt(c.Args[2])
		if err != nil {
			return err
		}
		end, err := parseInt(c.Args[3])
		if err != nil {
			return err
		}
		isBit := false
		if len(c.Args) == 5 {
			if isBit, err = parseBitUnit(c.Args[4]); err != nil {
				return err
			}
		}
		if start < 0 && end < 0 && start > end {
			c.Int(0)
			return nil
		}
		var empty bool
		if lo, hi, empty = bitRange(start, end, isBit, int64(len(v))); empty {
			c.Int(0)
			return nil
		}
	default:
		return ErrSyntax
	}
	c.Int(countBits(v, lo, hi))
	return nil
}

// countBits counts the set bits of p from bit lo to bit hi inclusive
// (0 <= lo, hi < len(p)*8); none if lo > hi.
func countBits(p []byte, lo, hi int64) int64 {
	if lo > hi {
		return 0
	}
	first, last := lo>>3, hi>>3
	n := popcount(p[first : last+1])
	// Take off the bits of the edge bytes outside the range.
	n -= int64(bits.OnesCount8(p[first] &^ (0xff >> (lo & 7))))
	n -= int64(bits.OnesCount8(p[last] & (0x7f >> (hi & 7))))
	return n
}

// popcount counts the set bits of b, 8 bytes at a time.
func popcount(b []byte) int64 {
	var n0, n1, n2, n3 int
	for len(b) >= 32 {
		n0 += bits.OnesCount64(binary.LittleEndian.Uint64(b))
		n1 += bits.OnesCount64(binary.LittleEndian.Uint64(b[8:]))
		n2 += bits.OnesCount64(binary.LittleEndian.Uint64(b[16:]))
		n3 += bits.OnesCount64(binary.LittleEndian.Uint64(b[24:]))
		b = b[32:]
	}
	for len(b) >= 8 {
		n0 += bits.OnesCount64(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	for _, x := range b {
		n1 += bits.OnesCount8(x)
	}
	return int64(n0 + n1 + n2 + n3)
}

// bitpos is BITPOS key bit [start [end [BYTE|BIT]]], as Redis 7.0: the bit
// is checked first, then a missing key answers (an infinite run of
// zeros), then the range is parsed.
func bitpos(c *Ctx) error {
	bit, err := parseInt(c.Args[2])
	if err != nil {
		return err
	}
	if bit != 0 && bit != 1 {
		return ErrBitArgument
	}
	v, ok, err := c.Tx.Get(c.Args[1])
	if err != nil {
		return err
	}
	if !ok {
		c.Int(-bit)
		return nil
	}
	n := int64(len(v))
	start, end, isBit, endGiven := int64(0), n-1, false, false
	switch len(c.Args) {
	case 3:
	case 4, 5, 6:
		if start, err = parseInt(c.Args[3]); err != nil {
			return err
		}
		if len(c.Args) == 6 {
			if isBit, err = parseBitUnit(c.Args[5]); err != nil {
				return err
			}
		}
		if len(c.Args) >= 5 {
			if end, err = parseInt(c.Args[4]); err != nil {
				return err
			}
			endGiven = true
		}
	default:
		return ErrSyntax
	}
	lo, hi, empty := bitRange(start, end, isBit, n)
	if empty {
		c.Int(-1)
		return nil
	}
	pos := findBit(v, lo, hi, byte(bit))
	if pos < 0 && bit == 0 && !endGiven {
		// Past the end of the string, the zero padding begins.
		pos = hi + 1
	}
	c.Int(pos)
	return nil
}

// findBit returns the position of the first bit equal to bit in p from
// bit lo to bit hi inclusive, or -1.
func findBit(p []byte, lo, hi int64, bit byte) int64 {
	at := func(i int64) byte {
		if p[i>>3]&bitMask(i) != 0 {
			return 1
		}
		return 0
	}
	for ; lo <= hi && lo&7 != 0; lo++ {
		if at(lo) == bit {
			return lo
		}
	}
	if whole := (hi + 1) >> 3; lo <= hi && lo>>3 < whole {
		if i := firstBit(p[lo>>3:whole], bit); i >= 0 {
			return lo + i
		}
		lo = whole << 3
	}
	for ; lo <= hi; lo++ {
		if at(lo) == bit {
			return lo
		}
	}
	return -1
}

// firstBit returns the position of the first bit equal to bit (0 or 1) in
// b, or -1. It skips 8 bytes at a time.
func firstBit(b []byte, bit byte) int64 {
	var skip uint64
	if bit == 0 {
		skip = math.MaxUint64
	}
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if w := binary.BigEndian.Uint64(b[i:]); w != skip {
			return int64(i)*8 + int64(bits.LeadingZeros64(w^skip))
		}
	}
	for ; i < len(b); i++ {
		if x := b[i] ^ byte(skip); x != 0 {
			return int64(i)*8 + int64(bits.LeadingZeros8(x))
		}
	}
	return -1
}

// bitopKind is BITOP's operation.
type bitopKind uint8

const (
	bitopAnd bitopKind = iota
	bitopOr
	bitopXor
	bitopNot
)

func parseBitop(arg []byte) (bitopKind, error) {
	switch {
	case equalFold(arg, "and"):
		return bitopAnd, nil
	case equalFold(arg, "or"):
		return bitopOr, nil
	case equalFold(arg, "xor"):
		return bitopXor, nil
	case equalFold(arg, "not"):
		return bitopNot, nil
	}
	return 0, ErrSyntax
}

// bitop is BITOP AND|OR|XOR|NOT destkey key [key ...]: missing keys are
// empty strings, shorter strings are padded with zeros, and an empty
// result deletes destkey. Only destkey counts as changed for WATCH.
func bitop(c *Ctx) error {
	op, err := parseBitop(c.Args[1])
	if err != nil {
		return err
	}
	if op == bitopNot && len(c.Args) != 4 {
		return ErrBitopNot
	}
	dest, keys := c.Args[2], c.Args[3:]
	srcs := make([][]byte, len(keys))
	maxLen := 0
	for i, k := range keys {
		v, ok, err := c.Tx.Get(k)
		if err != nil {
			return err
		}
		c.readLookup(k, ok)
		srcs[i] = v
		maxLen = max(maxLen, len(v))
	}
	if maxLen == 0 {
		deleted, err := c.Tx.Delete(dest)
		if err != nil {
			return err
		}
		if deleted {
			c.Touch(dest)
			c.Dirty(1)
			c.Notify(NotifyGeneric, "del", dest)
		}
		c.Int(0)
		return nil
	}
	res := bitopApply(op, srcs, maxLen)
	absent, err := c.absentForNew(dest)
	if err != nil {
		return err
	}
	if err := c.Tx.Set(dest, res, 0, false); err != nil {
		return err
	}
	if err := c.Tx.SetStringForm(dest, backend.StringRaw); err != nil { // as Redis's new SDS
		return err
	}
	c.Touch(dest)
	c.Dirty(1)
	c.notifyNew(absent, dest)
	c.Notify(NotifyString, "set", dest)
	c.Int(int64(maxLen))
	return nil
}

// bitopApply computes op over srcs (NOT: one source) into a new string of
// n bytes, the length of the longest source.
func bitopApply(op bitopKind, srcs [][]byte, n int) []byte {
	res := make([]byte, n)
	copy(res, srcs[0])
	if op == bitopNot {
		notBytes(res)
		return res
	}
	for _, s := range srcs[1:] {
		combineBytes(op, res[:len(s)], s)
		if op == bitopAnd {
			clear(res[len(s):]) // AND with the zero padding
		}
	}
	return res
}

// combineBytes sets dst[i] = dst[i] op src[i] for every byte of dst
// (len(src) >= len(dst)), 8 bytes at a time.
func combineBytes(op bitopKind, dst, src []byte) {
	i := 0
	le := binary.LittleEndian
	switch op {
	case bitopAnd:
		for ; i+8 <= len(dst); i += 8 {
			le.PutUint64(dst[i:], le.Uint64(dst[i:])&le.Uint64(src[i:]))
		}
		for ; i < len(dst); i++ {
			dst[i] &= src[i]
		}
	case bitopOr:
		for ; i+8 <= len(dst); i += 8 {
			le.PutUint64(dst[i:], le.Uint64(dst[i:])|le.Uint64(src[i:]))
		}
		for ; i < len(dst); i++ {
			dst[i] |= src[i]
		}
	case bitopXor:
		for ; i+8 <= len(dst); i += 8 {
			le.PutUint64(dst[i:], le.Uint64(dst[i:])^le.Uint64(src[i:]))
		}
		for ; i < len(dst); i++ {
			dst[i] ^= src[i]
		}
	}
}

// notBytes inverts every bit of b, 8 bytes at a time.
func notBytes(b []byte) {
	i := 0
	le := binary.LittleEndian
	for ; i+8 <= len(b); i += 8 {
		le.PutUint64(b[i:], ^le.Uint64(b[i:]))
	}
	for ; i < len(b); i++ {
		b[i] = ^b[i]
	}
}

// --- BITFIELD ---

// bitfieldCode is what a BITFIELD operation does.
type bitfieldCode uint8

const (
	bfGet bitfieldCode = iota
	bfSet
	bfIncrBy
)

// overflowMode is BITFIELD's OVERFLOW setting.
type overflowMode uint8

const (
	overflowWrap overflowMode = iota
	overflowSat
	overflowFail
)

// bitfieldOp is one GET, SET or INCRBY of a BITFIELD command.
type bitfieldOp struct {
	code     bitfieldCode
	overflow overflowMode // in force when the op was given
	signed   bool
	width    uint  // 1..64 signed, 1..63 unsigned
	offset   int64 // in bits
	value    int64 // SET's value, INCRBY's increment
}

// parseBitfieldType parses i1..i64 or u1..u63. As Redis (strlen), the
// width ends at a NUL byte.
func parseBitfieldType(arg []byte) (signed bool, width uint, err error) {
	if len(arg) == 0 || (arg[0] != 'i' && arg[0] != 'u') {
		return false, 0, ErrBitfieldType
	}
	signed = arg[0] == 'i'
	num := arg[1:]
	if i := bytes.IndexByte(num, 0); i >= 0 {
		num = num[:i]
	}
	n, ok := resp.ParseInt(num)
	limit := int64(63)
	if signed {
		limit = 64
	}
	if !ok || n < 1 || n > limit {
		return false, 0, ErrBitfieldType
	}
	return signed, uint(n), nil
}

// parseBitfield parses BITFIELD's subcommands (the arguments after the
// key) as Redis's bitfieldGeneric, reporting the first error in argument
// order. write reports whether any op is a SET or INCRBY, and highest the
// last bit they reach.
func parseBitfield(args [][]byte) (ops []bitfieldOp, highest int64, write bool, err error) {
	mode := overflowWrap
	for j := 0; j < len(args); j++ {
		rem := len(args) - j - 1
		var code bitfieldCode
		switch sub := args[j]; {
		case equalFold(sub, "get") && rem >= 2:
			code = bfGet
		case equalFold(sub, "set") && rem >= 3:
			code = bfSet
		case equalFold(sub, "incrby") && rem >= 3:
			code = bfIncrBy
		case equalFold(sub, "overflow") && rem >= 1:
			j++
			switch w := args[j]; {
			case equalFold(w, "wrap"):
				mode = overflowWrap
			case equalFold(w, "sat"):
				mode = overflowSat
			case equalFold(w, "fail"):
				mode = overflowFail
			default:
				return nil, 0, false, ErrBitfieldOverflow
			}
			continue
		default:
			return nil, 0, false, ErrSyntax
		}
		op := bitfieldOp{code: code, overflow: mode}
		if op.signed, op.width, err = parseBitfieldType(args[j+1]); err != nil {
			return nil, 0, false, err
		}
		if op.offset, err = parseBitOffset(args[j+2], op.width); err != nil {
			return nil, 0, false, err
		}
		if code != bfGet {
			write = true
			highest = max(highest, op.offset+int64(op.width)-1)
			if op.value, err = parseInt(args[j+3]); err != nil {
				return nil, 0, false, err
			}
			j++
		}
		j += 2
		ops = append(ops, op)
	}
	return ops, highest, write, nil
}

// A field of up to 64 bits at any bit offset lies within 9 bytes: the
// window, copied from the string at the field's first byte (zeros past
// the end). shift is the field's offset within the window's first byte.
type fieldWindow [9]byte

func loadWindow(v []byte, offset int64) (w fieldWindow) {
	if first := offset >> 3; first < int64(len(v)) {
		copy(w[:], v[first:])
	}
	return w
}

// get returns the width bits at shift, as an unsigned number.
func (w *fieldWindow) get(shift, width uint) uint64 {
	hi := binary.BigEndian.Uint64(w[:8])
	x := hi << shift
	if shift > 0 {
		x |= uint64(w[8]) >> (8 - shift)
	}
	return x >> (64 - width)
}

// set stores the low width bits of x at shift.
func (w *fieldWindow) set(shift, width uint, x uint64) {
	for i := uint(0); i < width; i++ {
		pos := shift + i
		m := byte(0x80) >> (pos & 7)
		if x>>(width-1-i)&1 != 0 {
			w[pos>>3] |= m
		} else {
			w[pos>>3] &^= m
		}
	}
}

// fieldBytes is how many bytes of the window a field at shift covers.
func fieldBytes(shift, width uint) int { return int((shift+width-1)>>3) + 1 }

// signExtend reads the width-bit two's complement number x.
func signExtend(x uint64, width uint) int64 {
	return int64(x<<(64-width)) >> (64 - width)
}

// fieldMask has the low width bits set.
func fieldMask(width uint) uint64 {
	if width == 64 {
		return math.MaxUint64
	}
	return 1<<width - 1
}

// addUnsigned is value+incr in a width-bit unsigned field (width < 64)
// under mode, as Redis's checkUnsignedBitfieldOverflow: it reports an
// overflow, and the wrapped or saturated result (FAIL: meaningless).
func addUnsigned(value uint64, incr int64, width uint, mode overflowMode) (uint64, bool) {
	limit := fieldMask(width)
	var sat uint64
	switch {
	case value > limit || (incr > 0 && uint64(incr) > limit-value):
		sat = limit
	case incr < 0 && uint64(-incr) > value: // -MinInt64 wraps to itself, which is > any field
		sat = 0
	default:
		return value + uint64(incr), false
	}
	if mode == overflowSat {
		return sat, true
	}
	return (value + uint64(incr)) & limit, true
}

// addSigned is value+incr in a width-bit signed field under mode, as
// Redis's checkSignedBitfieldOverflow.
func addSigned(value, incr int64, width uint, mode overflowMode) (int64, bool) {
	maxV := int64(fieldMask(width - 1))
	minV := -maxV - 1
	var sat int64
	switch {
	case value > maxV || (incr > 0 && value+incr < value) || (incr > 0 && value+incr > maxV):
		sat = maxV
	case value < minV || (incr < 0 && value+incr > value) || (incr < 0 && value+incr < minV):
		sat = minV
	default:
		return value + incr, false
	}
	if mode == overflowSat {
		return sat, true
	}
	return signExtend(uint64(value+incr)&fieldMask(width), width), true
}

// apply runs a SET or INCRBY on the raw field old: the reply (the old
// value for SET, the new one for INCRBY), the raw field to store, and
// whether it fails (OVERFLOW FAIL, nothing stored, null reply).
func (op *bitfieldOp) apply(old uint64) (reply int64, stored uint64, fail bool) {
	var overflow bool
	if op.signed {
		cur := signExtend(old, op.width)
		var next int64
		if op.code == bfIncrBy {
			next, overflow = addSigned(cur, op.value, op.width, op.overflow)
			reply = next
		} else {
			next, overflow = addSigned(op.value, 0, op.width, op.overflow)
			reply = cur
		}
		stored = uint64(next) & fieldMask(op.width)
	} else {
		var next uint64
		if op.code == bfIncrBy {
			next, overflow = addUnsigned(old, op.value, op.width, op.overflow)
			reply = int64(next)
		} else {
			next, overflow = addUnsigned(uint64(op.value), 0, op.width, op.overflow)
			reply = int64(old)
		}
		stored = next
	}
	return reply, stored, overflow && op.overflow == overflowFail
}

// read returns the field's value in v.
func (op *bitfieldOp) read(v []byte) int64 {
	w := loadWindow(v, op.offset)
	x := w.get(uint(op.offset&7), op.width)
	if op.signed {
		return signExtend(x, op.width)
	}
	return int64(x)
}

func bitfield(c *Ctx) error { return bitfieldGeneric(c, false) }

func bitfieldRO(c *Ctx) error { return bitfieldGeneric(c, true) }

// bitfieldGeneric is BITFIELD and (readOnly) BITFIELD_RO key [GET type
// offset | SET type offset value | INCRBY type offset increment |
// OVERFLOW WRAP|SAT|FAIL] ...: every argument is parsed first; a command
// that writes grows the string to its highest bit before the first op
// runs, as Redis does (even when every op then fails). Each op that
// changed its field (or ran on a grown string) counts as a change, as in
// Redis: a BITFIELD whose every op failed changes nothing, so it is not
// logged to the AOF and touches no WATCH even if it grew the string.
func bitfieldGeneric(c *Ctx, readOnly bool) error {
	key := c.Args[1]
	ops, highest, write, err := parseBitfield(c.Args[2:])
	if err != nil {
		return err
	}
	if !write {
		v, ok, err := c.Tx.Get(key)
		if err != nil {
			return err
		}
		if !ok && !readOnly {
			c.notifyMiss(key) // the dispatcher reports ReadOnly commands' misses only
		}
		c.Array(len(ops))
		for i := range ops {
			c.Int(ops[i].read(v))
		}
		return nil
	}
	if readOnly {
		return ErrBitfieldRO
	}
	v, exists, err := c.Tx.Get(key)
	if err != nil {
		return err
	}
	grown := false
	if last := highest >> 3; last >= int64(len(v)) {
		if _, err := c.Tx.SetRange(key, last, append(scratch(c), 0)); err != nil {
			return err
		}
		grown = true
		c.notifyNew(!exists, key) // Redis creates the key before the ops run
	}
	// Redis unshares the string (making it raw) before the ops run, even
	// when none of them changes it.
	if err := c.Tx.SetStringForm(key, backend.StringRaw); err != nil {
		return err
	}
	var changes int64
	c.Array(len(ops))
	for i := range ops {
		op := &ops[i]
		if v, _, err = c.Tx.Get(key); err != nil {
			return err
		}
		if op.code == bfGet {
			c.Int(op.read(v))
			continue
		}
		shift := uint(op.offset & 7)
		w := loadWindow(v, op.offset)
		old := w.get(shift, op.width)
		reply, stored, fail := op.apply(old)
		if fail {
			c.Null()
			continue
		}
		c.Int(reply)
		if grown || stored != old {
			changes++
		}
		if stored == old {
			continue
		}
		w.set(shift, op.width, stored)
		// The window goes through the reply buffer's spare room, which
		// SetRange reads (and copies) before the next reply is written.
		buf := append(scratch(c), w[:fieldBytes(shift, op.width)]...)
		if _, err := c.Tx.SetRange(key, op.offset>>3, buf); err != nil {
			return err
		}
	}
	if changes > 0 {
		c.Dirty(changes)
		c.Notify(NotifyString, "setbit", key)
	}
	return nil
}
