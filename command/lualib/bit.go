package lualib

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// OpenBit installs the global table bit (LuaBitOp 1.0.2) and returns it.
// Every operation works on 32-bit integers and returns a signed 32-bit
// result as a Lua number.
func OpenBit(L *lua.LState) *lua.LTable {
	return newLib(L, "bit", map[string]lua.LGFunction{
		"tobit":   bitToBit,
		"bnot":    bitBNot,
		"band":    bitBAnd,
		"bor":     bitBOr,
		"bxor":    bitBXor,
		"lshift":  bitShift(func(b, n uint32) uint32 { return b << n }),
		"rshift":  bitShift(func(b, n uint32) uint32 { return b >> n }),
		"arshift": bitShift(func(b, n uint32) uint32 { return uint32(int32(b) >> n) }),
		"rol":     bitShift(func(b, n uint32) uint32 { return b<<n | b>>((32-n)&31) }),
		"ror":     bitShift(func(b, n uint32) uint32 { return b<<((32-n)&31) | b>>n }),
		"bswap":   bitBSwap,
		"tohex":   bitToHex,
	})
}

// barg converts argument n as LuaBitOp does: add 2^52+2^51 to the number
// and keep the low 32 bits of the double, which rounds to the nearest
// integer and wraps modulo 2^32. A value that is not a number (nor a
// numeric string) is an error only when the conversion gives 0, as in C.
func barg(L *lua.LState, n int) uint32 {
	f, ok := toNumber(L.Get(n))
	b := uint32(math.Float64bits(f + 6755399441055744.0))
	if b == 0 && !ok {
		typeError(L, n, "number")
	}
	return b
}

// bret pushes b as a signed 32-bit Lua number.
func bret(L *lua.LState, b uint32) int {
	L.Push(lua.LNumber(int32(b)))
	return 1
}

func bitToBit(L *lua.LState) int { return bret(L, barg(L, 1)) }

func bitBNot(L *lua.LState) int { return bret(L, ^barg(L, 1)) }

// bitFold applies op to argument 1 and then to the others from the last to
// the second, the order in which LuaBitOp reads (and rejects) them.
func bitFold(L *lua.LState, op func(a, b uint32) uint32) int {
	b := barg(L, 1)
	for i := L.GetTop(); i > 1; i-- {
		b = op(b, barg(L, i))
	}
	return bret(L, b)
}

func bitBAnd(L *lua.LState) int { return bitFold(L, func(a, b uint32) uint32 { return a & b }) }
func bitBOr(L *lua.LState) int  { return bitFold(L, func(a, b uint32) uint32 { return a | b }) }
func bitBXor(L *lua.LState) int { return bitFold(L, func(a, b uint32) uint32 { return a ^ b }) }

// bitShift makes a shift or rotation of argument 1 by argument 2 modulo 32.
func bitShift(fn func(b, n uint32) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		b := barg(L, 1)
		n := barg(L, 2) & 31
		return bret(L, fn(b, n))
	}
}

func bitBSwap(L *lua.LState) int {
	b := barg(L, 1)
	return bret(L, b>>24|(b>>8)&0xff00|(b&0xff00)<<8|b<<24)
}

// bitToHex formats argument 1 as n hexadecimal digits (default 8, at most
// 8; a negative n means upper case).
func bitToHex(L *lua.LState) int {
	b := barg(L, 1)
	n := int32(8)
	if L.GetTop() >= 2 {
		n = int32(barg(L, 2))
	}
	digits := "0123456789abcdef"
	if n < 0 {
		n = -n
		digits = "0123456789ABCDEF"
	}
	if n > 8 {
		n = 8
	}
	if n < 0 { // -2^31 stays negative; C would read past its buffer
		n = 0
	}
	var buf [8]byte
	for i := n - 1; i >= 0; i-- {
		buf[i] = digits[b&15]
		b >>= 4
	}
	L.Push(lua.LString(buf[:n]))
	return 1
}
