package lualib

import (
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// OpenStruct installs the global table struct (lua_struct, with Redis's
// fixes) and returns it.
//
// The format language, with x86-64 sizes as Redis is built: '<' little and
// '>' big endian (native: little), "![n]" maximum alignment (default 8),
// 'b'/'B' 1-byte, 'h'/'H' 2-byte, 'l'/'L' and 'T' 8-byte, "i[n]"/"I[n]"
// n-byte (default 4, at most 32) signed/unsigned integers, 'f' float, 'd'
// double, "c[n]" n chars (0: the whole string when packing, the previous
// number when unpacking), 's' zero-terminated string, 'x' a zero byte, ' '
// ignored.
func OpenStruct(L *lua.LState) *lua.LTable {
	return newLib(L, "struct", map[string]lua.LGFunction{
		"pack":   structPack,
		"unpack": structUnpack,
		"size":   structSize,
	})
}

const (
	structMaxIntSize = 32 // MAXINTSIZE
	structMaxAlign   = 8  // MAXALIGN on x86-64
)

// structFormat walks a format string; it stops at a NUL, as the C string
// it is in lua_struct does.
type structFormat struct {
	L      *lua.LState
	fmt    string
	at     int
	little bool
	align  int
}

func newStructFormat(L *lua.LState, f string) *structFormat {
	if i := strings.IndexByte(f, 0); i >= 0 {
		f = f[:i]
	}
	return &structFormat{L: L, fmt: f, little: true, align: 1}
}

func (f *structFormat) more() bool { return f.at < len(f.fmt) }

func (f *structFormat) next() byte {
	c := f.fmt[f.at]
	f.at++
	return c
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// getnum reads an optional decimal number, refusing one past INT_MAX.
func (f *structFormat) getnum(df int) int {
	if !f.more() || !isDigit(f.fmt[f.at]) {
		return df
	}
	a := 0
	for f.more() && isDigit(f.fmt[f.at]) {
		d := int(f.fmt[f.at] - '0')
		if a > math.MaxInt32/10 || a*10 > math.MaxInt32-d {
			raise(f.L, "integral size overflow")
		}
		a = a*10 + d
		f.at++
	}
	return a
}

// optsize is the size of option opt (0 for those without a size).
func (f *structFormat) optsize(opt byte) int {
	switch opt {
	case 'B', 'b', 'x':
		return 1
	case 'H', 'h':
		return 2
	case 'L', 'l', 'T', 'd':
		return 8
	case 'f':
		return 4
	case 'c':
		return f.getnum(1)
	case 'i', 'I':
		sz := f.getnum(4)
		if sz > structMaxIntSize {
			raise(f.L, "integral size %d is larger than limit of %d", sz, structMaxIntSize)
		}
		return sz
	}
	return 0
}

// toalign is the padding before an item of the given size at offset n.
func (f *structFormat) toalign(n int, opt byte, size int) int {
	if size == 0 || opt == 'c' {
		return 0
	}
	if size > f.align {
		size = f.align
	}
	return (size - (n & (size - 1))) & (size - 1)
}

// control handles the options that are not items.
func (f *structFormat) control(opt byte) {
	switch opt {
	case ' ':
	case '>':
		f.little = false
	case '<':
		f.little = true
	case '!':
		a := f.getnum(structMaxAlign)
		if a <= 0 || a&(a-1) != 0 {
			raise(f.L, "alignment %d is not a power of 2", a)
		}
		f.align = a
	default:
		argError(f.L, 1, "invalid format option '"+string([]byte{opt})+"'")
	}
}

// putInteger appends size bytes of n's two's complement representation.
func putInteger(b []byte, n float64, little bool, size int) []byte {
	if n < 0 {
		return putBits(b, uint64(toInteger(n)), size, little)
	}
	return putBits(b, toUint64(n), size, little)
}

// putBits appends the low size bytes of v (zeros past the eighth) in the
// given byte order.
func putBits(b []byte, v uint64, size int, little bool) []byte {
	start := len(b)
	b = append(b, make([]byte, size)...)
	out := b[start:]
	for i := 0; i < size; i++ {
		if little {
			out[i] = byte(v)
		} else {
			out[size-1-i] = byte(v)
		}
		v >>= 8
	}
	return b
}

// toUint64 is a C cast of a non-negative double to uint64 on x86-64.
func toUint64(f float64) uint64 {
	switch {
	case math.IsNaN(f):
		return 1 << 63
	case f < 9223372036854775808.0:
		return uint64(int64(f))
	case f < 18446744073709551616.0:
		return uint64(f)
	}
	return 0
}

func structPack(L *lua.LState) int {
	f := newStructFormat(L, checkString(L, 1))
	// C pushes a nil above the arguments, so a missing one is "got nil".
	L.Push(lua.LNil)
	arg := 2
	var b []byte
	for f.more() {
		opt := f.next()
		size := f.optsize(opt)
		pad := f.toalign(len(b), opt, size)
		b = append(b, make([]byte, pad)...)
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			b = putInteger(b, checkNumber(L, arg), f.little, size)
			arg++
		case 'x':
			b = append(b, 0)
		case 'f':
			b = putBits(b, uint64(math.Float32bits(float32(checkNumber(L, arg)))), 4, f.little)
			arg++
		case 'd':
			b = putBits(b, math.Float64bits(checkNumber(L, arg)), 8, f.little)
			arg++
		case 'c', 's':
			s := checkString(L, arg)
			arg++
			if size == 0 {
				size = len(s)
			}
			if len(s) < size {
				argError(L, arg, "string too short")
			}
			b = append(b, s[:size]...)
			if opt == 's' {
				b = append(b, 0)
			}
		default:
			f.control(opt)
		}
	}
	L.Push(lua.LString(b))
	return 1
}

// getInteger reads size bytes as lua_struct does: into a 64-bit value, so
// bytes past the eighth only shift the others out, and a signed value is
// sign-extended from its top bit (the shift count taken modulo 64, as the
// x86-64 instruction does).
func getInteger(p string, little, signed bool, size int) float64 {
	l := getBits(p, little)
	if !signed {
		return float64(l)
	}
	mask := ^uint64(0) << (uint(size*8-1) & 63)
	if l&mask != 0 {
		l |= mask
	}
	return float64(int64(l))
}

// getBits reads p as an unsigned integer in the given byte order; bytes
// past the eighth shift the first ones out.
func getBits(p string, little bool) uint64 {
	var l uint64
	for i := 0; i < len(p); i++ {
		c := p[i]
		if little {
			c = p[len(p)-1-i]
		}
		l = l<<8 | uint64(c)
	}
	return l
}

func structUnpack(L *lua.LState) int {
	f := newStructFormat(L, checkString(L, 1))
	data := checkString(L, 2)
	ld := len(data)
	start := optInteger(L, 3, 1)
	if start <= 0 {
		argError(L, 3, "offset must be 1 or greater")
	}
	// size_t arithmetic: an offset past the data fails the length check.
	pos := uint64(start - 1)
	base := L.GetTop()
	n := 0
	fits := func(size uint64) bool {
		return size <= uint64(ld) && pos <= uint64(ld)-size
	}
	for f.more() {
		opt := f.next()
		size := uint64(f.optsize(opt))
		pos += uint64(f.toalign(int(pos), opt, int(size)))
		if !fits(size) {
			argError(L, 2, "data string too short")
		}
		if base+n+2 > maxCStack {
			raise(L, "stack overflow (too many results)")
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			signed := 'a' <= opt && opt <= 'z'
			L.Push(lua.LNumber(getInteger(data[pos:pos+size], f.little, signed, int(size))))
			n++
		case 'x':
		case 'f':
			L.Push(lua.LNumber(math.Float32frombits(uint32(getBits(data[pos:pos+4], f.little)))))
			n++
		case 'd':
			L.Push(lua.LNumber(math.Float64frombits(getBits(data[pos:pos+8], f.little))))
			n++
		case 'c':
			if size == 0 {
				prev, ok := lua.LNil, false
				if n > 0 {
					prev = L.Get(-1)
					_, ok = toNumber(prev)
				}
				if !ok {
					raise(L, "format 'c0' needs a previous size")
				}
				num, _ := toNumber(prev)
				L.Pop(1)
				n--
				if num < 0 {
					size = uint64(toInteger(num))
				} else {
					size = toUint64(num)
				}
				if !fits(size) {
					argError(L, 2, "data string too short")
				}
			}
			L.Push(lua.LString(data[pos : pos+size]))
			n++
		case 's':
			e := strings.IndexByte(data[pos:], 0)
			if e < 0 {
				raise(L, "unfinished string in data")
			}
			size = uint64(e) + 1
			L.Push(lua.LString(data[pos : pos+uint64(e)]))
			n++
		default:
			f.control(opt)
		}
		pos += size
	}
	L.Push(lua.LNumber(float64(pos + 1)))
	return n + 1
}

func structSize(L *lua.LState) int {
	f := newStructFormat(L, checkString(L, 1))
	pos := 0
	for f.more() {
		opt := f.next()
		size := f.optsize(opt)
		pos += f.toalign(pos, opt, size)
		if opt == 's' {
			argError(L, 1, "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			argError(L, 1, "option 'c0' has no fixed size")
		}
		if !isAlnum(opt) {
			f.control(opt)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos))
	return 1
}

func isAlnum(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
