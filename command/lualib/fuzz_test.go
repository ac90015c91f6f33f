package lualib

import (
	"errors"
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
