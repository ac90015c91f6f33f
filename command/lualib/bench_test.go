package lualib

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// benchDoc is a typical small document: an object of scalars and an array.
const benchDoc = `{"id":12345,"name":"redpool","tags":["a","b","c"],"score":3.25,"ok":true,"nested":{"x":1,"y":[1,2,3,4,5]}}`

// benchCall returns a function that calls lib.fn with args in L and drops
// the results.
func benchCall(b *testing.B, L *lua.LState, lib, fn string, args ...lua.LValue) func() {
	f := L.GetGlobal(lib).(*lua.LTable).RawGetString(fn)
	p := lua.P{Fn: f, NRet: 1, Protect: true}
	return func() {
		if err := L.CallByParam(p, args...); err != nil {
			b.Fatal(err)
		}
		L.Pop(1)
	}
}

// benchValue decodes benchDoc into a Lua table.
func benchValue(b *testing.B, L *lua.LState) lua.LValue {
	if err := L.DoString(`return cjson.decode('` + benchDoc + `')`); err != nil {
		b.Fatal(err)
	}
	v := L.Get(-1)
	L.Pop(1)
	return v
}

func BenchmarkCJSONEncode(b *testing.B) {
	L := newState(b)
	call := benchCall(b, L, "cjson", "encode", benchValue(b, L))
	b.ReportAllocs()
	for b.Loop() {
		call()
	}
}

func BenchmarkCJSONDecode(b *testing.B) {
	L := newState(b)
	call := benchCall(b, L, "cjson", "decode", lua.LString(benchDoc))
	b.SetBytes(int64(len(benchDoc)))
	b.ReportAllocs()
	for b.Loop() {
		call()
	}
}

func BenchmarkCMsgpackPack(b *testing.B) {
	L := newState(b)
	call := benchCall(b, L, "cmsgpack", "pack", benchValue(b, L))
	b.ReportAllocs()
	for b.Loop() {
		call()
	}
}

func BenchmarkCMsgpackUnpack(b *testing.B) {
	L := newState(b)
	if err := L.DoString(`return cmsgpack.pack(cjson.decode('` + benchDoc + `'))`); err != nil {
		b.Fatal(err)
	}
	packed := L.Get(-1)
	L.Pop(1)
	call := benchCall(b, L, "cmsgpack", "unpack", packed)
	b.ReportAllocs()
	for b.Loop() {
		call()
	}
}

func BenchmarkStructPackUnpack(b *testing.B) {
	L := newState(b)
	pack := benchCall(b, L, "struct", "pack", lua.LString(">I4 d c5"), lua.LNumber(7), lua.LNumber(0.5), lua.LString("hello"))
	unpack := benchCall(b, L, "struct", "unpack", lua.LString(">I4 d c5"), lua.LString(strings.Repeat("x", 17)))
	b.ReportAllocs()
	for b.Loop() {
		pack()
		unpack()
	}
}

func BenchmarkBitBand(b *testing.B) {
	L := newState(b)
	call := benchCall(b, L, "bit", "band", lua.LNumber(0xff00), lua.LNumber(0x0ff0), lua.LNumber(-1))
	b.ReportAllocs()
	for b.Loop() {
		call()
	}
}
