package lualib

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// OpenCMsgpack installs the global table cmsgpack (lua-cmsgpack 0.4.0) and
// returns it.
func OpenCMsgpack(L *lua.LState) *lua.LTable {
	t := newLib(L, "cmsgpack", map[string]lua.LGFunction{
		"pack":         msgpackPack,
		"unpack":       msgpackUnpack,
		"unpack_one":   msgpackUnpackOne,
		"unpack_limit": msgpackUnpackLimit,
	})
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	return t
}

// msgpackMaxNesting is LUACMSGPACK_MAX_NESTING: tables nested deeper are
// packed as nil, which also ends cycles.
const msgpackMaxNesting = 16

// ===== packing =====

func msgpackPack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		argError(L, 0, "MessagePack pack needs input.")
	}
	var b []byte
	for i := 1; i <= n; i++ {
		b = msgpackEncode(b, L.Get(i), 0)
	}
	L.Push(lua.LString(b))
	return 1
}

func msgpackEncode(b []byte, v lua.LValue, level int) []byte {
	switch x := v.(type) {
	case lua.LString:
		return msgpackBytes(b, string(x))
	case lua.LBool:
		if x {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case lua.LNumber:
		return msgpackNumber(b, float64(x))
	case *lua.LTable:
		if level == msgpackMaxNesting {
			return append(b, 0xc0)
		}
		return msgpackTable(b, x, level)
	}
	return append(b, 0xc0)
}

func msgpackBytes(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= 0xff:
		b = append(b, 0xd9, byte(n))
	case n <= 0xffff:
		b = append(b, 0xda, byte(n>>8), byte(n))
	default:
		b = append(b, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, s...)
}

// msgpackNumber packs a number as an integer when it is one that fits in
// an int64, else as a float when that is exact, else as a double.
func msgpackNumber(b []byte, f float64) []byte {
	if !math.IsInf(f, 0) && !math.IsNaN(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0 && float64(int64(f)) == f {
		return msgpackInt(b, int64(f))
	}
	if float64(float32(f)) == f {
		return binary.BigEndian.AppendUint32(append(b, 0xca), math.Float32bits(float32(f)))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(f))
}

func msgpackInt(b []byte, n int64) []byte {
	switch {
	case n >= 0 && n <= 127:
		return append(b, byte(n))
	case n >= 0 && n <= 0xff:
		return append(b, 0xcc, byte(n))
	case n >= 0 && n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(n))
	case n >= 0 && n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
	case n >= 0:
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(n))
	case n >= -32:
		return append(b, byte(n))
	case n >= -128:
		return append(b, 0xd0, byte(n))
	case n >= -32768:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(n))
	case n >= -2147483648:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

func msgpackHeader(b []byte, n int, fix, b16, b32 byte) []byte {
	switch {
	case n <= 15:
		return append(b, fix|byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, b16), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, b32), uint32(n))
}

// msgpackTable packs t as an array when its keys are exactly 1..n (an
// empty table included), else as a map.
func msgpackTable(b []byte, t *lua.LTable, level int) []byte {
	count, max := 0, 0
	isArray := true
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		if !ok || n <= 0 || n > math.MaxInt32 || float64(int32(n)) != float64(n) {
			isArray = false
			break
		}
		max = int(math.Max(float64(max), float64(n)))
		count++
	}
	if isArray && max == count {
		b = msgpackHeader(b, count, 0x90, 0xdc, 0xdd)
		for i := 1; i <= count; i++ {
			b = msgpackEncode(b, t.RawGetInt(i), level+1)
		}
		return b
	}
	count = 0
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		count++
	}
	b = msgpackHeader(b, count, 0x80, 0xde, 0xdf)
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		b = msgpackEncode(b, k, level+1)
		b = msgpackEncode(b, v, level+1)
	}
	return b
}

// ===== unpacking =====

// msgpackDecoder reads values from a string, emulating the Lua stack the C
// decoder uses so that its "stack overflow" errors come at the same points.
type msgpackDecoder struct {
	L   *lua.LState
	s   string
	p   int
	top int // Lua stack slots in use, as in the C function
	err string
}

const (
	errMissingBytes = "Missing bytes in input."
	errBadFormat    = "Bad data format in input."
)

// checkStack is luaL_checkstack.
func (d *msgpackDecoder) checkStack(n int, msg string) {
	if d.top+n > maxCStack {
		raise(d.L, "stack overflow (%s)", msg)
	}
}

// need reports whether n more bytes are there, recording the error if not.
func (d *msgpackDecoder) need(n uint64) bool {
	if uint64(len(d.s)-d.p) < n {
		d.err = errMissingBytes
		return false
	}
	return true
}

func (d *msgpackDecoder) u(off, n int) uint64 {
	var v uint64
	for i := 0; i < n; i++ {
		v = v<<8 | uint64(d.s[d.p+off+i])
	}
	return v
}

// value decodes one value; on error it sets d.err and returns nil.
func (d *msgpackDecoder) value() lua.LValue {
	if !d.need(1) {
		return lua.LNil
	}
	d.checkStack(1, "too many return values at once; use unpack_one or unpack_limit instead.")
	c := d.s[d.p]
	switch c {
	case 0xcc:
		return d.scalar(1, func(u uint64) lua.LNumber { return lua.LNumber(u) })
	case 0xd0:
		return d.scalar(1, func(u uint64) lua.LNumber { return lua.LNumber(int8(u)) })
	case 0xcd:
		return d.scalar(2, func(u uint64) lua.LNumber { return lua.LNumber(u) })
	case 0xd1:
		return d.scalar(2, func(u uint64) lua.LNumber { return lua.LNumber(int16(u)) })
	case 0xce:
		return d.scalar(4, func(u uint64) lua.LNumber { return lua.LNumber(u) })
	case 0xd2:
		return d.scalar(4, func(u uint64) lua.LNumber { return lua.LNumber(int32(u)) })
	case 0xcf, 0xd3: // uint64 is pushed as a lua_Integer: it wraps to negative
		return d.scalar(8, func(u uint64) lua.LNumber { return lua.LNumber(int64(u)) })
	case 0xca:
		return d.scalar(4, func(u uint64) lua.LNumber { return lua.LNumber(math.Float32frombits(uint32(u))) })
	case 0xcb:
		return d.scalar(8, func(u uint64) lua.LNumber { return lua.LNumber(math.Float64frombits(u)) })
	case 0xc0:
		d.p++
		return lua.LNil
	case 0xc3:
		d.p++
		return lua.LTrue
	case 0xc2:
		d.p++
		return lua.LFalse
	case 0xd9:
		return d.str(1)
	case 0xda:
		return d.str(2)
	case 0xdb:
		return d.str(4)
	case 0xdc:
		return d.container(2, false)
	case 0xdd:
		return d.container(4, false)
	case 0xde:
		return d.container(2, true)
	case 0xdf:
		return d.container(4, true)
	}
	switch {
	case c&0x80 == 0:
		d.p++
		return lua.LNumber(c)
	case c&0xe0 == 0xe0:
		d.p++
		return lua.LNumber(int8(c))
	case c&0xe0 == 0xa0:
		n := int(c & 0x1f)
		if !d.need(uint64(1 + n)) {
			return lua.LNil
		}
		v := lua.LString(d.s[d.p+1 : d.p+1+n])
		d.p += 1 + n
		return v
	case c&0xf0 == 0x90:
		d.p++
		return d.array(uint64(c & 0xf))
	case c&0xf0 == 0x80:
		d.p++
		return d.hash(uint64(c & 0xf))
	}
	d.err = errBadFormat
	return lua.LNil
}

// scalar decodes a number of n big-endian bytes after the type byte.
func (d *msgpackDecoder) scalar(n int, conv func(uint64) lua.LNumber) lua.LValue {
	if !d.need(uint64(1 + n)) {
		return lua.LNil
	}
	v := conv(d.u(1, n))
	d.p += 1 + n
	return v
}

// str decodes a string with an n-byte length.
func (d *msgpackDecoder) str(n int) lua.LValue {
	if !d.need(uint64(1 + n)) {
		return lua.LNil
	}
	l := d.u(1, n)
	d.p += 1 + n
	if !d.need(l) {
		return lua.LNil
	}
	v := lua.LString(d.s[d.p : d.p+int(l)])
	d.p += int(l)
	return v
}

// container decodes an array or map with an n-byte count. The count is
// never used to size anything: a hostile one fails when the bytes run out.
func (d *msgpackDecoder) container(n int, isMap bool) lua.LValue {
	if !d.need(uint64(1 + n)) {
		return lua.LNil
	}
	l := d.u(1, n)
	d.p += 1 + n
	if isMap {
		return d.hash(l)
	}
	return d.array(l)
}

// sizeHint is the room to make in a table for n elements: never more than
// the bytes left (each element takes one at least) nor a few, so that
// neither a hostile count nor deep nesting of large counts allocates for
// elements that are not there; tables grow as elements arrive.
func (d *msgpackDecoder) sizeHint(n uint64) int {
	return int(min(n, uint64(len(d.s)-d.p), 16))
}

func (d *msgpackDecoder) array(n uint64) lua.LValue {
	t := d.L.CreateTable(d.sizeHint(n), 0)
	d.top++
	d.checkStack(1, "in function mp_decode_to_lua_array")
	for i := 1; uint64(i) <= n; i++ {
		d.top++ // the index
		v := d.value()
		if d.err != "" {
			return lua.LNil
		}
		t.RawSetInt(i, v)
		d.top--
	}
	d.top--
	return t
}

func (d *msgpackDecoder) hash(n uint64) lua.LValue {
	t := d.L.CreateTable(0, max(d.sizeHint(n), 1))
	d.top++
	for ; n > 0; n-- {
		k := d.value()
		if d.err != "" {
			return lua.LNil
		}
		d.top++
		v := d.value()
		if d.err != "" {
			return lua.LNil
		}
		switch key := k.(type) {
		case *lua.LNilType:
			d.L.Error(lua.LString("table index is nil"), 0) // a VM error: no position
		case lua.LNumber:
			if math.IsNaN(float64(key)) {
				d.L.Error(lua.LString("table index is NaN"), 0)
			}
		}
		t.RawSet(k, v)
		d.top--
	}
	d.top--
	return t
}

// msgpackUnpackFull is mp_unpack_full: decode up to limit values from
// offset (all of them when both are 0); when not decoding all, the offset
// of the next value (or -1 at the end) comes first in the results.
func msgpackUnpackFull(L *lua.LState, limit, offset int64) int {
	s := checkString(L, 1)
	if offset < 0 || limit < 0 {
		raise(L, "Invalid request to unpack with offset of %d and limit of %d.", int32(offset), int32(len(s)))
	} else if offset > int64(len(s)) {
		raise(L, "Start offset %d greater than input length %d.", int32(offset), int32(len(s)))
	}
	all := limit == 0 && offset == 0
	if all {
		limit = math.MaxInt32
	}
	d := msgpackDecoder{L: L, s: s, p: int(offset), top: L.GetTop()}
	var vals []lua.LValue
	for cnt := int64(0); d.p < len(s) && cnt < limit; cnt++ {
		v := d.value()
		switch d.err {
		case errMissingBytes, errBadFormat:
			raise(L, "%s", d.err)
		}
		vals = append(vals, v)
		d.top++
	}
	if !all {
		next := float64(d.p)
		if d.p == len(s) {
			next = -1
		}
		d.checkStack(1, "in function mp_unpack_full")
		L.Push(lua.LNumber(next))
	}
	for _, v := range vals {
		L.Push(v)
	}
	if all {
		return len(vals)
	}
	return len(vals) + 1
}

func msgpackUnpack(L *lua.LState) int { return msgpackUnpackFull(L, 0, 0) }

func msgpackUnpackOne(L *lua.LState) int {
	offset := optInteger(L, 2, 0)
	L.SetTop(1)
	return msgpackUnpackFull(L, 1, offset)
}

func msgpackUnpackLimit(L *lua.LState) int {
	limit := checkInteger(L, 2)
	offset := optInteger(L, 3, 0)
	L.SetTop(1)
	return msgpackUnpackFull(L, limit, offset)
}
