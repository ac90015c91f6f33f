// Package lualib provides, for a github.com/yuin/gopher-lua state, the four
// libraries Redis 7.0 exposes to scripts, written in Go to behave as Redis's
// vendored C versions do:
//
//   - cjson: lua-cjson 2.1.0 with Redis's patches (encode, decode, the
//     configuration functions, cjson.null, cjson.new);
//   - cmsgpack: lua-cmsgpack 0.4.0 (pack, unpack, unpack_one, unpack_limit);
//   - bit: LuaBitOp 1.0.2 (32-bit operations on Lua numbers);
//   - struct: lua_struct with Redis's fixes (pack, unpack, size).
//
// # API
//
// Open installs the four global tables into a state, as Redis does when it
// creates its scripting VM; OpenCJSON, OpenCMsgpack, OpenBit and OpenStruct
// install one each and return its table. Call them once per state, before
// the sandbox protects the globals. The tables hold Go functions only; they
// keep no reference to anything outside the state, and the state owns them.
// A state is not safe for concurrent use, and neither are these libraries:
// cjson's configuration (encode_max_depth, ...) lives in the state that
// Open was given, like Redis's, so a script that changes it changes it for
// the scripts that run after it in the same state.
//
// # Fidelity
//
// Results and error texts are Redis 7.0.15's, byte for byte, checked by the
// tests in this package against values recorded from a real redis-server
// (see redis_test.go). Known differences, all inherent to gopher-lua:
//
//   - The order of the keys of a table with more than one non-array key
//     follows gopher-lua's table iteration, not C Lua's hash order, so
//     cjson.encode and cmsgpack.pack emit such objects/maps with their
//     entries in another order (the same entries, and the same bytes for
//     arrays and one-key objects).
//   - Lua's stack limit (LUAI_MAXCSTACK, 8000 slots) is emulated where the C
//     code checks it (cmsgpack.unpack, struct.unpack), giving the same
//     "stack overflow (...)" errors at the same counts; the state must have
//     room for that many values (gopher-lua's Options.RegistrySize or
//     RegistryMaxSize of at least 8192 plus what the script uses).
//   - Error positions ("user_script:1: ") are added, as luaL_error adds them,
//     from the calling Lua function's chunk name and line as gopher-lua
//     records them; the sandbox names the chunk.
package lualib

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Open installs the globals cjson, cmsgpack, bit and struct into L.
func Open(L *lua.LState) {
	OpenCJSON(L)
	OpenCMsgpack(L)
	OpenBit(L)
	OpenStruct(L)
}

// FormatNumber formats f as Lua 5.1 converts a number to a string
// (tostring, concatenation, lua_tolstring): C's "%.14g" with glibc, so
// 2^53 is "9.007199254741e+15", 1/0 "inf" and 0/0 "-nan" or "nan" by its
// sign. gopher-lua's own conversion prints Go's shortest form instead; the
// scripting sandbox can use this one to give Redis's results.
func FormatNumber(f float64) string { return formatG(f, 14) }

// ParseNumber converts s as Lua 5.1 converts a string to a number
// (tonumber, arithmetic on strings, lua_tonumber): optional space, then
// what glibc's strtod reads (decimal, 0x hexadecimal, inf, nan), then
// only space; a NUL byte ends the string. ok is false when s is not a
// number.
func ParseNumber(s string) (f float64, ok bool) { return strToNumber(s) }

// maxCStack is Lua 5.1's LUAI_MAXCSTACK: the most stack slots a C function
// may use, which bounds the number of values cmsgpack.unpack and
// struct.unpack return and the nesting cmsgpack.unpack accepts.
const maxCStack = 8000

// newLib builds a table of functions and sets it as the global name.
func newLib(L *lua.LState, name string, funcs map[string]lua.LGFunction) *lua.LTable {
	t := L.NewTable()
	for k, f := range funcs {
		t.RawSetString(k, L.NewFunction(f))
	}
	L.SetGlobal(name, t)
	return t
}

// where returns the position luaL_where(L, 1) gives: "chunk:line: " when
// the function that called the running Go function is a Lua function, ""
// otherwise (for example when it was called by pcall directly).
func where(L *lua.LState) string {
	dbg, ok := L.GetStack(1)
	if !ok {
		return ""
	}
	if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
		return ""
	}
	if dbg.What == "G" || dbg.CurrentLine <= 0 {
		return ""
	}
	return dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ": "
}

// raise is luaL_error: the message, prefixed with the caller's position.
func raise(L *lua.LState, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	L.Error(lua.LString(where(L)+msg), 0)
}

// funcName is the name Lua 5.1's debug info gives the running function, as
// luaL_argerror prints it: "?" when the caller is not Lua code.
func funcName(L *lua.LState) string {
	dbg, ok := L.GetStack(0)
	if !ok {
		return "?"
	}
	if _, err := L.GetInfo("n", dbg, lua.LNil); err != nil {
		return "?"
	}
	caller, ok := L.GetStack(1)
	if !ok {
		return "?"
	}
	if _, err := L.GetInfo("S", caller, lua.LNil); err != nil || caller.What == "G" {
		return "?"
	}
	name := dbg.Name
	if name == "" || strings.HasPrefix(name, "<") || name == "(anonymous)" {
		return "?"
	}
	return name
}

// argError is luaL_argerror.
func argError(L *lua.LState, n int, msg string) {
	raise(L, "bad argument #%d to '%s' (%s)", n, funcName(L), msg)
}

// typeName is luaL_typename: "no value" for an absent argument.
func typeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// typeError is luaL_typerror.
func typeError(L *lua.LState, n int, want string) {
	argError(L, n, want+" expected, got "+typeName(L, n))
}

// toNumber is lua_tonumber: numbers, and strings that convert.
func toNumber(v lua.LValue) (float64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x), true
	case lua.LString:
		return strToNumber(string(x))
	}
	return 0, false
}

// strToNumber is Lua 5.1's luaO_str2d on a C string (so a NUL byte ends
// it): glibc's strtod after optional space (decimal, 0x hexadecimal, inf,
// nan), then only space may follow.
func strToNumber(s string) (float64, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	f, n := strtod(s[i:])
	if n == 0 {
		return 0, false
	}
	for i += n; i < len(s); i++ {
		if !isSpace(s[i]) {
			return 0, false
		}
	}
	return f, true
}

func isSpace(c byte) bool {
	return c == ' ' || '\t' <= c && c <= '\r'
}

// checkNumber is luaL_checknumber.
func checkNumber(L *lua.LState, n int) float64 {
	f, ok := toNumber(L.Get(n))
	if !ok {
		typeError(L, n, "number")
	}
	return f
}

// toInteger is lua_Number to lua_Integer as Lua 5.1 converts on x86-64
// (a C cast: truncation; out of range gives the minimum int64).
func toInteger(f float64) int64 {
	if math.IsNaN(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		return math.MinInt64
	}
	return int64(f)
}

// checkInteger is luaL_checkinteger.
func checkInteger(L *lua.LState, n int) int64 {
	return toInteger(checkNumber(L, n))
}

// optInteger is luaL_optinteger.
func optInteger(L *lua.LState, n int, def int64) int64 {
	if L.Get(n) == lua.LNil {
		return def
	}
	return checkInteger(L, n)
}

// toLString is lua_tolstring: strings, and numbers formatted as Lua 5.1
// formats them ("%.14g").
func toLString(v lua.LValue) (string, bool) {
	switch x := v.(type) {
	case lua.LString:
		return string(x), true
	case lua.LNumber:
		return formatG(float64(x), 14), true
	}
	return "", false
}

// checkString is luaL_checklstring.
func checkString(L *lua.LState, n int) string {
	s, ok := toLString(L.Get(n))
	if !ok {
		typeError(L, n, "string")
	}
	return s
}

// formatG formats f as C's printf("%.<prec>g") does with glibc.
func formatG(f float64, prec int) string {
	var buf [32]byte
	return string(appendG(buf[:0], f, prec))
}

// appendG appends f as C's printf("%.<prec>g") formats it with glibc.
func appendG(b []byte, f float64, prec int) []byte {
	switch {
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(b, "-nan"...)
		}
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case f == math.Trunc(f) && math.Abs(f) < 1e14 && (f != 0 || !math.Signbit(f)):
		// An integer of at most 14 digits: "%.14g" prints it whole. (Fewer
		// digits of precision than it has switch to exponent form.)
		if prec >= 14 || math.Abs(f) < math.Pow10(prec) {
			return strconv.AppendInt(b, int64(f), 10)
		}
	}
	return strconv.AppendFloat(b, f, 'g', prec, 64)
}
