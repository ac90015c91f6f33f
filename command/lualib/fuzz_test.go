package lualib

import (
	"errors"
	"runtime"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// callLib calls lib.fn(args...) in L in protected mode and fails the test
// when the call panicked in Go (a Lua error is a fine answer to bad input).
func callLib(t *testing.T, L *lua.LState, lib, fn string, args ...lua.LValue) {
	t.Helper()
	f := L.GetGlobal(lib).(*lua.LTable).RawGetString(fn)
	top := L.GetTop()
	err := L.CallByParam(lua.P{Fn: f, NRet: lua.MultRet, Protect: true}, args...)
	L.SetTop(top)
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) && apiErr.Type != lua.ApiErrorRun {
		t.Fatalf("%s.%s(%q): %v", lib, fn, args, err)
	}
}

func FuzzCJSONDecode(f *testing.F) {
	for _, s := range []string{`[1,2,3]`, `{"a":[true,false,null]}`, `"\ud83d\ude00"`, `0x1p3`, `-Infinity`,
		`[[[[[[[[[[1]]]]]]]]]]`, `{"a":{"b":{"c":{}}}}`, "\"\\u12", "[1,", "1e999"} {
		f.Add(s)
	}
	L := newState(f)
	f.Fuzz(func(t *testing.T, s string) {
		callLib(t, L, "cjson", "decode", lua.LString(s))
	})
}

func FuzzCMsgpackUnpack(f *testing.F) {
	for _, s := range []string{"\x93\x01\x02\x03", "\x81\xa1a\x01", "\xdd\xff\xff\xff\xff", "\xdb\xff\xff\xff\xff",
		"\xdf\xff\xff\xff\xff\x01", "\xcb\x3f\xb9\x99\x99\x99\x99\x99\x9a", "\x91\x91\x91\x91\x01", "\xc1"} {
		f.Add(s, int64(0), int64(0))
	}
	L := newState(f)
	f.Fuzz(func(t *testing.T, s string, limit, offset int64) {
		callLib(t, L, "cmsgpack", "unpack", lua.LString(s))
		callLib(t, L, "cmsgpack", "unpack_limit", lua.LString(s), lua.LNumber(limit), lua.LNumber(offset))
	})
}

func FuzzStructUnpack(f *testing.F) {
	for _, s := range [][2]string{{">I2", "\x01\x02"}, {"b c0", "\x03abc"}, {"!4 b i", "\x01\x00\x00\x00\x02\x00\x00\x00"},
		{"s", "hi\x00"}, {"i16 d f", "0123456789abcdef01234567890"}, {"c99999999999", ""}, {"<i32 >I9", "x"}} {
		f.Add(s[0], s[1], int64(1))
	}
	L := newState(f)
	f.Fuzz(func(t *testing.T, format, data string, pos int64) {
		callLib(t, L, "struct", "unpack", lua.LString(format), lua.LString(data), lua.LNumber(pos))
		callLib(t, L, "struct", "size", lua.LString(format))
		callLib(t, L, "struct", "pack", lua.LString(format), lua.LNumber(pos), lua.LString(data), lua.LNumber(-pos))
	})
}

// TestHostileLengths feeds declared lengths far beyond the input and
// checks that each fails with Redis's error without allocating for the
// declared length.
func TestHostileLengths(t *testing.T) {
	L := newState(t)
	for _, c := range []luaCase{
		{`return cmsgpack.unpack('\221\255\255\255\255')`, "err user_script:4: Missing bytes in input."},
		{`return cmsgpack.unpack('\223\255\255\255\255\1')`, "err user_script:4: Missing bytes in input."},
		{`return cmsgpack.unpack('\219\255\255\255\255abc')`, "err user_script:4: Missing bytes in input."},
		{`return cmsgpack.unpack(string.rep('\221\255\255\255\255', 1000))`, "err user_script:4: Missing bytes in input."},
		{`return struct.unpack('c2147483647', 'abc')`, "err user_script:4: bad argument #2 to 'unpack' (data string too short)"},
		{`return struct.unpack('b c0', '\127abc')`, "err user_script:4: bad argument #2 to 'unpack' (data string too short)"},
		{`return struct.pack('c2147483647', 'abc')`, "err user_script:4: bad argument #3 to 'pack' (string too short)"},
		{`return struct.unpack('b', 'x', 2^62)`, "err user_script:4: bad argument #2 to 'unpack' (data string too short)"},
		{`return cjson.decode(string.rep('[', 100000))`, "err user_script:4: Found too many nested data structures (1001) at character 1001"},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got := runLua(t, L, c)
		runtime.ReadMemStats(&after)
		if got != c.want {
			t.Errorf("%s\ngot:  %q\nwant: %q", c.lua, got, c.want)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
			t.Errorf("%s allocated %d bytes", c.lua, n)
		}
	}
}
