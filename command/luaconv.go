package command

import (
	"math"
	"strconv"

	lua "github.com/yuin/gopher-lua"

	"redpool/session/resp"
)

// Conversions between Lua values and RESP, as Redis 7.0's script_lua.c.
//
// A command a script calls writes its reply into the caller's reply
// buffer in the protocol the script chose (redis.setresp, RESP2 by
// default); replyToLua reads it back as Lua values and the buffer is cut
// back. RESP2: integer -> number, bulk string -> string, null bulk or
// null array -> false, array -> table, status -> {ok=...}, error ->
// {err=...}. RESP3 adds map -> {map={...}}, set -> {set={m=true}}, null
// -> nil, double -> {double=n}, boolean -> true/false, big number ->
// {big_number="..."}, verbatim string -> {verbatim_string={format=,
// string=}}.
//
// What a script returns is written with the Ctx's protocol-aware reply
// methods (luaReply): string -> bulk, number -> integer (truncated),
// true -> :1 (#t after setresp(3)), false -> null (#f after setresp(3)),
// nil -> null, {err=} -> error, {ok=} -> status, {double=}, {big_number=},
// {map=}, {set=} -> their RESP3 types, other tables -> arrays up to their
// first nil.

// replyToLua parses the first reply in b and returns it as a Lua value
// and the bytes after it. b is a well-formed reply written by a handler.
func (vm *luaVM) replyToLua(b []byte) (lua.LValue, []byte) {
	L := vm.L
	line, rest := replyLine(b)
	switch b[0] {
	case '+':
		t := L.CreateTable(0, 1)
		t.RawSetString("ok", lua.LString(line[1:]))
		return t, rest
	case '-':
		return vm.errTableFromReply(string(line)), rest
	case ':':
		n, _ := resp.ParseInt(line[1:])
		return lua.LNumber(n), rest
	case '$', '=':
		n, _ := strconv.Atoi(string(line[1:]))
		if n < 0 {
			return lua.LFalse, rest
		}
		s := rest[:n]
		rest = rest[n+2:]
		if b[0] == '=' {
			t, v := L.CreateTable(0, 1), L.CreateTable(0, 2)
			v.RawSetString("format", lua.LString(s[:3]))
			v.RawSetString("string", lua.LString(s[4:]))
			t.RawSetString("verbatim_string", v)
			return t, rest
		}
		return lua.LString(s), rest
	case '*', '~', '%', '>':
		n, _ := strconv.Atoi(string(line[1:]))
		if n < 0 {
			return lua.LFalse, rest
		}
		return vm.aggregateToLua(b[0], n, rest)
	case '_':
		return lua.LNil, rest
	case '#':
		return lua.LBool(line[1] == 't'), rest
	case ',':
		f, _ := strconv.ParseFloat(string(line[1:]), 64)
		switch string(line[1:]) {
		case "inf":
			f = math.Inf(1)
		case "-inf":
			f = math.Inf(-1)
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("double", lua.LNumber(f))
		return t, rest
	case '(':
		t := L.CreateTable(0, 1)
		t.RawSetString("big_number", lua.LString(line[1:]))
		return t, rest
	}
	return lua.LNil, rest
}

// aggregateToLua reads the n elements of an aggregate of kind k.
func (vm *luaVM) aggregateToLua(k byte, n int, b []byte) (lua.LValue, []byte) {
	L := vm.L
	var v lua.LValue
	switch k {
	case '%':
		m := L.CreateTable(0, n)
		for i := 0; i < n; i++ {
			var key, val lua.LValue
			key, b = vm.replyToLua(b)
			val, b = vm.replyToLua(b)
			m.RawSet(key, val)
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("map", m)
		return t, b
	case '~':
		s := L.CreateTable(0, n)
		for i := 0; i < n; i++ {
			v, b = vm.replyToLua(b)
			s.RawSet(v, lua.LTrue)
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("set", s)
		return t, b
	}
	t := L.CreateTable(n, 0)
	for i := 1; i <= n; i++ {
		v, b = vm.replyToLua(b)
		t.RawSetInt(i, v)
	}
	return t, b
}

// replyLine splits the first line of b (without CRLF) from what follows.
func replyLine(b []byte) (line, rest []byte) {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return b[:i], b[i+2:]
		}
	}
	return b, nil
}

// luaReply writes v, a script's result, as the reply to c; resp is the
// protocol the script chose with redis.setresp. depth bounds nesting.
func luaReply(c *Ctx, v lua.LValue, resp int, depth int) {
	if depth > 1000 {
		c.Error(Error("ERR reached lua stack limit"))
		return
	}
	switch v := v.(type) {
	case lua.LString:
		c.BulkString(string(v))
	case lua.LNumber:
		c.Int(luaInt(v))
	case lua.LBool:
		switch {
		case resp == 3:
			c.Boolean(bool(v))
		case bool(v):
			c.Int(1)
		default:
			c.Null()
		}
	case *lua.LTable:
		luaTableReply(c, v, resp, depth)
	default:
		c.Null()
	}
}

// luaInt truncates a Lua number to an integer as C's cast does.
func luaInt(n lua.LNumber) int64 {
	f := float64(n)
	switch {
	case f != f:
		return math.MinInt64
	case f >= 9.2233720368547758e18, f < -9.2233720368547758e18:
		return math.MinInt64
	}
	return int64(f)
}

func luaTableReply(c *Ctx, t *lua.LTable, resp int, depth int) {
	if s, ok := t.RawGetString("err").(lua.LString); ok {
		c.Error(Error(sanitize(string(s))))
		return
	}
	if s, ok := t.RawGetString("ok").(lua.LString); ok {
		c.Simple(mapCRLF(string(s)))
		return
	}
	if n, ok := t.RawGetString("double").(lua.LNumber); ok {
		c.Double(float64(n))
		return
	}
	if s, ok := t.RawGetString("big_number").(lua.LString); ok {
		c.BigNumber(mapCRLF(string(s)))
		return
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		mark, n := c.ArrayMark(), 0
		m.ForEach(func(k, v lua.LValue) {
			luaReply(c, k, resp, depth+1)
			luaReply(c, v, resp, depth+1)
			n++
		})
		c.MapEnd(mark, n)
		return
	}
	if s, ok := t.RawGetString("set").(*lua.LTable); ok {
		mark, n := c.ArrayMark(), 0
		s.ForEach(func(k, _ lua.LValue) {
			luaReply(c, k, resp, depth+1)
			n++
		})
		c.SetEnd(mark, n)
		return
	}
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	c.Array(n)
	for i := 1; i <= n; i++ {
		luaReply(c, t.RawGetInt(i), resp, depth+1)
	}
}

// mapCRLF replaces CR and LF with spaces, as Redis does for status texts.
func mapCRLF(s string) string { return sanitize(s) }
