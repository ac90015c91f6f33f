package lualib

import (
	"math"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// cjsonNull is the Value of the userdata that stands for JSON null
// (cjson.null); C cjson uses a NULL light userdata.
type cjsonNull struct{}

// cjsonConfig is one cjson table's configuration, as lua-cjson's
// json_config_t: each table from OpenCJSON or cjson.new has its own.
type cjsonConfig struct {
	sparseConvert    bool
	sparseRatio      int
	sparseSafe       int
	encodeMaxDepth   int
	decodeMaxDepth   int
	encodeInvalidNum int // 0 off, 1 on, 2 "null"
	decodeInvalidNum bool
	keepBuffer       bool
	precision        int
	buf              []byte // kept between encodes when keepBuffer
	null             *lua.LUserData
}

// OpenCJSON installs the global table cjson (lua-cjson 2.1.0 as Redis
// builds it) and returns it.
func OpenCJSON(L *lua.LState) *lua.LTable {
	null := L.NewUserData()
	null.Value = cjsonNull{}
	t := newCJSON(L, null)
	L.SetGlobal("cjson", t)
	return t
}

// newCJSON builds a cjson module table with a fresh configuration. All
// the tables of a state share one null, as C's NULL light userdata is one
// value.
func newCJSON(L *lua.LState, null *lua.LUserData) *lua.LTable {
	c := &cjsonConfig{
		sparseRatio:      2,
		sparseSafe:       10,
		encodeMaxDepth:   1000,
		decodeMaxDepth:   1000,
		decodeInvalidNum: true,
		keepBuffer:       true,
		precision:        14,
		null:             null,
	}
	t := L.NewTable()
	for name, fn := range map[string]lua.LGFunction{
		"encode":                  c.encode,
		"decode":                  c.decode,
		"encode_sparse_array":     c.cfgSparseArray,
		"encode_max_depth":        c.intOption(&c.encodeMaxDepth, 1, math.MaxInt32),
		"decode_max_depth":        c.intOption(&c.decodeMaxDepth, 1, math.MaxInt32),
		"encode_number_precision": c.intOption(&c.precision, 1, 14),
		"encode_keep_buffer":      c.cfgKeepBuffer,
		"encode_invalid_numbers":  c.cfgEncodeInvalid,
		"decode_invalid_numbers":  c.cfgDecodeInvalid,
		"new":                     func(L *lua.LState) int { L.Push(newCJSON(L, null)); return 1 },
	} {
		t.RawSetString(name, L.NewFunction(fn))
	}
	t.RawSetString("null", null)
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	return t
}

// ===== configuration =====

// cjsonArgInit is json_arg_init: at most n arguments, padded with nil to
// n so that the results the option functions push come after them.
func cjsonArgInit(L *lua.LState, n int) {
	if L.GetTop() > n {
		argError(L, n+1, "found too many arguments")
	}
	for L.GetTop() < n {
		L.Push(lua.LNil)
	}
}

// intOption is json_integer_option for a setting in [min, max].
func (c *cjsonConfig) intOption(setting *int, min, max int64) lua.LGFunction {
	return func(L *lua.LState) int {
		cjsonArgInit(L, 1)
		c.setInt(L, 1, setting, min, max)
		return 1
	}
}

func (c *cjsonConfig) setInt(L *lua.LState, n int, setting *int, min, max int64) {
	if L.Get(n) != lua.LNil {
		v := int64(int32(checkInteger(L, n))) // C int
		if v < min || v > max {
			argError(L, 1, "expected integer between "+strconv.FormatInt(min, 10)+" and "+strconv.FormatInt(max, 10))
		}
		*setting = int(v)
	}
	L.Push(lua.LNumber(*setting))
}

// enumOption is json_enum_option with bool_true = 1; options[0] is off.
func enumOption(L *lua.LState, n int, setting *int, options []string) {
	if v := L.Get(n); v != lua.LNil {
		if b, ok := v.(lua.LBool); ok {
			*setting = 0
			if b {
				*setting = 1
			}
		} else {
			*setting = checkOption(L, n, options)
		}
	}
	if *setting <= 1 {
		L.Push(lua.LBool(*setting == 1))
	} else {
		L.Push(lua.LString(options[*setting]))
	}
}

// checkOption is luaL_checkoption without a default.
func checkOption(L *lua.LState, n int, options []string) int {
	s := checkString(L, n)
	for i, o := range options {
		if o == s {
			return i
		}
	}
	argError(L, n, "invalid option '"+s+"'")
	return 0
}

func boolSetting(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (c *cjsonConfig) cfgSparseArray(L *lua.LState) int {
	cjsonArgInit(L, 3)
	conv := boolSetting(c.sparseConvert)
	enumOption(L, 1, &conv, []string{"off", "on"})
	c.sparseConvert = conv == 1
	c.setInt(L, 2, &c.sparseRatio, 0, math.MaxInt32)
	c.setInt(L, 3, &c.sparseSafe, 0, math.MaxInt32)
	return 3
}

func (c *cjsonConfig) cfgKeepBuffer(L *lua.LState) int {
	cjsonArgInit(L, 1)
	keep := boolSetting(c.keepBuffer)
	enumOption(L, 1, &keep, []string{"off", "on"})
	c.keepBuffer = keep == 1
	if !c.keepBuffer {
		c.buf = nil
	}
	return 1
}

func (c *cjsonConfig) cfgEncodeInvalid(L *lua.LState) int {
	cjsonArgInit(L, 1)
	enumOption(L, 1, &c.encodeInvalidNum, []string{"off", "on", "null"})
	return 1
}

func (c *cjsonConfig) cfgDecodeInvalid(L *lua.LState) int {
	cjsonArgInit(L, 1)
	v := boolSetting(c.decodeInvalidNum)
	enumOption(L, 1, &v, []string{"off", "on"})
	c.decodeInvalidNum = v == 1
	return 1
}

// ===== encoding =====

// appendEscaped appends byte c as lua-cjson's char2escape table writes it:
// control characters, '"', '\\', '/' and DEL escaped, every other byte
// (invalid UTF-8 included) as it is.
func appendEscaped(b []byte, c byte) []byte {
	const hex = "0123456789abcdef"
	switch c {
	case '\b':
		return append(b, '\\', 'b')
	case '\t':
		return append(b, '\\', 't')
	case '\n':
		return append(b, '\\', 'n')
	case '\f':
		return append(b, '\\', 'f')
	case '\r':
		return append(b, '\\', 'r')
	case '"', '\\', '/':
		return append(b, '\\', c)
	}
	if c < 0x20 || c == 0x7f {
		return append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
	}
	return append(b, c)
}

// cjsonEncoder holds one encode call's state.
type cjsonEncoder struct {
	L   *lua.LState
	cfg *cjsonConfig
	buf []byte
}

func (c *cjsonConfig) encode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	e := cjsonEncoder{L: L, cfg: c}
	if c.keepBuffer {
		e.buf = c.buf[:0]
	}
	e.value(L.Get(1), 0, 1)
	L.Push(lua.LString(e.buf))
	if c.keepBuffer {
		c.buf = e.buf
	}
	return 1
}

func (e *cjsonEncoder) fail(v lua.LValue, reason string) {
	raise(e.L, "Cannot serialise %s: %s", v.Type().String(), reason)
}

func (e *cjsonEncoder) str(s string) {
	e.buf = append(e.buf, '"')
	for i := 0; i < len(s); i++ {
		e.buf = appendEscaped(e.buf, s[i])
	}
	e.buf = append(e.buf, '"')
}

func (e *cjsonEncoder) number(v lua.LNumber) {
	f := float64(v)
	switch e.cfg.encodeInvalidNum {
	case 0:
		if math.IsInf(f, 0) || math.IsNaN(f) {
			e.fail(v, "must not be NaN or Inf")
		}
	case 1:
		if math.IsNaN(f) {
			e.buf = append(e.buf, "nan"...)
			return
		}
	default:
		if math.IsInf(f, 0) || math.IsNaN(f) {
			e.buf = append(e.buf, "null"...)
			return
		}
	}
	e.buf = appendG(e.buf, f, e.cfg.precision)
}

// value appends v, at the given table nesting depth; top is the number of
// Lua stack slots the C encoder would be using, v's included.
func (e *cjsonEncoder) value(v lua.LValue, depth, top int) {
	switch x := v.(type) {
	case lua.LString:
		e.str(string(x))
	case lua.LNumber:
		e.number(x)
	case lua.LBool:
		if x {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	case *lua.LTable:
		depth++
		if depth > e.cfg.encodeMaxDepth || top+3 > maxCStack {
			raise(e.L, "Cannot serialise, excessive nesting (%d)", depth)
		}
		if n := e.arrayLength(x); n > 0 {
			e.array(x, n, depth, top)
		} else {
			e.object(x, depth, top)
		}
	case *lua.LNilType:
		e.buf = append(e.buf, "null"...)
	case *lua.LUserData:
		if _, ok := x.Value.(cjsonNull); ok {
			e.buf = append(e.buf, "null"...)
			return
		}
		e.fail(v, "type not supported")
	default:
		e.fail(v, "type not supported")
	}
}

// arrayLength is lua_array_length: the largest key when every key is an
// integer >= 1 (and the array is not excessively sparse), -1 otherwise.
func (e *cjsonEncoder) arrayLength(t *lua.LTable) int {
	// max is a C int: a key past INT_MAX stores INT_MIN (x86-64's
	// conversion of an out-of-range double), which a later key can raise.
	max, items := int32(0), 0
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		if !ok || math.Floor(float64(n)) != float64(n) || n < 1 {
			return -1
		}
		if float64(n) > float64(max) {
			max = math.MinInt32
			if n <= math.MaxInt32 {
				max = int32(n)
			}
		}
		items++
	}
	c := e.cfg
	if c.sparseRatio > 0 && int(max) > items*c.sparseRatio && int(max) > c.sparseSafe {
		if !c.sparseConvert {
			e.fail(t, "excessively sparse array")
		}
		return -1
	}
	return int(max)
}

func (e *cjsonEncoder) array(t *lua.LTable, n, depth, top int) {
	e.buf = append(e.buf, '[')
	for i := 1; i <= n; i++ {
		if i > 1 {
			e.buf = append(e.buf, ',')
		}
		e.value(t.RawGetInt(i), depth, top+1)
	}
	e.buf = append(e.buf, ']')
}

func (e *cjsonEncoder) object(t *lua.LTable, depth, top int) {
	e.buf = append(e.buf, '{')
	first := true
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		switch key := k.(type) {
		case lua.LNumber:
			e.buf = append(e.buf, '"')
			e.number(key)
			e.buf = append(e.buf, '"', ':')
		case lua.LString:
			e.str(string(key))
			e.buf = append(e.buf, ':')
		default:
			e.fail(k, "table key must be a number or string")
		}
		e.value(v, depth, top+2)
	}
	e.buf = append(e.buf, '}')
}

// ===== decoding =====

// jsonToken is a lexical token of lua-cjson's decoder.
type jsonToken uint8

const (
	tObjBegin jsonToken = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tWhitespace
	tError
	tUnknown
)

// String is the token's name as lua-cjson's errors print it.
func (t jsonToken) String() string {
	return [...]string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END",
		"T_STRING", "T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA",
		"T_END", "T_WHITESPACE", "T_ERROR", "T_UNKNOWN"}[t]
}

// charToken is lua-cjson's ch2token table.
func charToken(c byte) jsonToken {
	switch c {
	case '{':
		return tObjBegin
	case '}':
		return tObjEnd
	case '[':
		return tArrBegin
	case ']':
		return tArrEnd
	case ',':
		return tComma
	case ':':
		return tColon
	case 0:
		return tEnd
	case ' ', '\t', '\n', '\r':
		return tWhitespace
	case 'f', 'i', 'I', 'n', 'N', 't', '"', '+', '-':
		return tUnknown
	}
	if isDigit(c) {
		return tUnknown
	}
	return tError
}

// jsonTok is one token: its type, where it starts, and its value.
type jsonTok struct {
	typ   jsonToken
	index int
	err   string // for tError
	str   string
	num   float64
	b     bool
}

// cjsonDecoder holds one decode call's state. The input is read as the C
// string it is in lua-cjson: a NUL byte, or the end, ends it.
type cjsonDecoder struct {
	L     *lua.LState
	cfg   *cjsonConfig
	data  string
	ptr   int
	depth int
	tmp   []byte
}

func (d *cjsonDecoder) at(i int) byte {
	if i < len(d.data) {
		return d.data[i]
	}
	return 0
}

func (c *cjsonConfig) decode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	d := cjsonDecoder{L: L, cfg: c, data: checkString(L, 1)}
	if len(d.data) >= 2 && (d.data[0] == 0 || d.data[1] == 0) {
		raise(L, "JSON parser does not support UTF-16 or UTF-32")
	}
	var tok jsonTok
	d.next(&tok)
	v := d.value(&tok, 1)
	d.next(&tok)
	if tok.typ != tEnd {
		d.fail("the end", &tok)
	}
	L.Push(v)
	return 1
}

func (d *cjsonDecoder) tokenError(tok *jsonTok, msg string) {
	tok.typ = tError
	tok.index = d.ptr
	tok.err = msg
}

// fail is json_throw_parse_error.
func (d *cjsonDecoder) fail(expected string, tok *jsonTok) {
	found := tok.typ.String()
	if tok.typ == tError {
		found = tok.err
	}
	raise(d.L, "Expected %s but found %s at character %d", expected, found, tok.index+1)
}

func (d *cjsonDecoder) next(tok *jsonTok) {
	var c byte
	for {
		c = d.at(d.ptr)
		tok.typ = charToken(c)
		if tok.typ != tWhitespace {
			break
		}
		d.ptr++
	}
	tok.index = d.ptr
	switch tok.typ {
	case tError:
		d.tokenError(tok, "invalid token")
		return
	case tEnd:
		return
	case tUnknown:
	default:
		d.ptr++
		return
	}
	rest := d.data[d.ptr:]
	switch {
	case c == '"':
		d.string(tok)
	case c == '-' || isDigit(c):
		if !d.cfg.decodeInvalidNum && d.invalidNumber() {
			d.tokenError(tok, "invalid number")
			return
		}
		d.number(tok)
	case hasPrefix(rest, "true"):
		tok.typ, tok.b = tBoolean, true
		d.ptr += 4
	case hasPrefix(rest, "false"):
		tok.typ, tok.b = tBoolean, false
		d.ptr += 5
	case hasPrefix(rest, "null"):
		tok.typ = tNull
		d.ptr += 4
	case d.cfg.decodeInvalidNum && d.invalidNumber():
		d.number(tok)
	default:
		d.tokenError(tok, "invalid token")
	}
}

// hasPrefix is strncmp against a C string: a NUL in s stops the match.
func hasPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && s[:len(prefix)] == prefix
}

// invalidNumber is json_is_invalid_number: numbers strict JSON refuses but
// strtod reads (a leading '+', hexadecimal, leading zeros, inf, nan).
func (d *cjsonDecoder) invalidNumber() bool {
	p := d.ptr
	if d.at(p) == '+' {
		return true
	}
	if d.at(p) == '-' {
		p++
	}
	if d.at(p) == '0' {
		c2 := d.at(p + 1)
		return c2|0x20 == 'x' || isDigit(c2)
	} else if d.at(p) <= '9' {
		return false
	}
	return hasPrefixFold(d.data[min(p, len(d.data)):], "inf") || hasPrefixFold(d.data[min(p, len(d.data)):], "nan")
}

// hasPrefixFold is strncasecmp(s, prefix, len(prefix)) == 0.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if s[i]|0x20 != prefix[i] {
			return false
		}
	}
	return true
}

func (d *cjsonDecoder) number(tok *jsonTok) {
	tok.typ = tNumber
	f, n := strtod(d.data[d.ptr:])
	if n == 0 {
		d.tokenError(tok, "invalid number")
		return
	}
	tok.num = f
	d.ptr += n
}

func (d *cjsonDecoder) string(tok *jsonTok) {
	d.ptr++ // the opening quote
	d.tmp = d.tmp[:0]
	for {
		c := d.at(d.ptr)
		if c == '"' {
			break
		}
		if c == 0 {
			d.tokenError(tok, "unexpected end of string")
			return
		}
		if c == '\\' {
			switch esc := d.at(d.ptr + 1); esc {
			case 'u':
				if !d.unicodeEscape() {
					d.tokenError(tok, "invalid unicode escape code")
					return
				}
				continue
			case '"', '\\', '/':
				c = esc
			case 'b':
				c = '\b'
			case 't':
				c = '\t'
			case 'n':
				c = '\n'
			case 'f':
				c = '\f'
			case 'r':
				c = '\r'
			default:
				d.tokenError(tok, "invalid escape code")
				return
			}
			d.ptr++
		}
		d.tmp = append(d.tmp, c)
		d.ptr++
	}
	d.ptr++ // the closing quote
	tok.typ = tString
	tok.str = string(d.tmp)
}

// hex4 decodes the four hex digits at i, or returns -1.
func (d *cjsonDecoder) hex4(i int) int {
	v := 0
	for j := 0; j < 4; j++ {
		c := d.at(i + j)
		switch {
		case isDigit(c):
			v = v<<4 | int(c-'0')
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			v = v<<4 | int(c|0x20-'a'+10)
		default:
			return -1
		}
	}
	return v
}

// unicodeEscape appends the UTF-8 of the \uXXXX escape (or surrogate pair)
// at ptr and moves past it.
func (d *cjsonDecoder) unicodeEscape() bool {
	cp := d.hex4(d.ptr + 2)
	if cp < 0 {
		return false
	}
	escLen := 6
	if cp&0xF800 == 0xD800 {
		if cp&0x400 != 0 || d.at(d.ptr+6) != '\\' || d.at(d.ptr+7) != 'u' {
			return false
		}
		low := d.hex4(d.ptr + 8)
		if low < 0 || low&0xFC00 != 0xDC00 {
			return false
		}
		cp = ((cp&0x3FF)<<10 | low&0x3FF) + 0x10000
		escLen = 12
	}
	switch {
	case cp <= 0x7F:
		d.tmp = append(d.tmp, byte(cp))
	case cp <= 0x7FF:
		d.tmp = append(d.tmp, byte(cp>>6|0xC0), byte(cp&0x3F|0x80))
	case cp <= 0xFFFF:
		d.tmp = append(d.tmp, byte(cp>>12|0xE0), byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
	default:
		d.tmp = append(d.tmp, byte(cp>>18|0xF0), byte(cp>>12&0x3F|0x80), byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
	}
	d.ptr += escLen
	return true
}

// descend is json_decode_descend: one more level of nesting, with room for
// slots more stack slots above top.
func (d *cjsonDecoder) descend(top, slots int) {
	d.depth++
	if d.depth <= d.cfg.decodeMaxDepth && top+slots <= maxCStack {
		return
	}
	raise(d.L, "Found too many nested data structures (%d) at character %d", d.depth, d.ptr)
}

// value converts the value starting with tok; top is the number of Lua
// stack slots the C decoder would be using.
func (d *cjsonDecoder) value(tok *jsonTok, top int) lua.LValue {
	switch tok.typ {
	case tString:
		return lua.LString(tok.str)
	case tNumber:
		return lua.LNumber(tok.num)
	case tBoolean:
		return lua.LBool(tok.b)
	case tObjBegin:
		return d.object(top)
	case tArrBegin:
		return d.array(top)
	case tNull:
		return d.cfg.null
	}
	d.fail("value", tok)
	return lua.LNil
}

func (d *cjsonDecoder) object(top int) lua.LValue {
	d.descend(top, 3)
	// A hash capacity of 1 makes gopher-lua create the string-key map
	// small, rather than with 32 slots on the first key.
	t := d.L.CreateTable(0, 1)
	var tok jsonTok
	if d.opened(&tok, tObjEnd) {
		return t
	}
	for {
		if tok.typ != tString {
			d.fail("object key string", &tok)
		}
		key := lua.LString(tok.str)
		d.next(&tok)
		if tok.typ != tColon {
			d.fail("colon", &tok)
		}
		d.next(&tok)
		t.RawSetH(key, d.value(&tok, top+2))
		if d.closed(&tok, tObjEnd, "comma or object end") {
			return t
		}
	}
}

func (d *cjsonDecoder) array(top int) lua.LValue {
	d.descend(top, 2)
	t := d.L.CreateTable(0, 0)
	var tok jsonTok
	if d.opened(&tok, tArrEnd) {
		return t
	}
	for i := 1; ; i++ {
		t.RawSetInt(i, d.value(&tok, top+1))
		if d.closed(&tok, tArrEnd, "comma or array end") {
			return t
		}
	}
}

// opened reads the first token in a container into tok and reports
// whether it ends the container (which is then empty).
func (d *cjsonDecoder) opened(tok *jsonTok, end jsonToken) bool {
	d.next(tok)
	if tok.typ == end {
		d.depth--
		return true
	}
	return false
}

// closed reads the token after an element: it reports true at the end of
// the container, false after a comma (tok then holds the next element's
// first token), and fails on anything else.
func (d *cjsonDecoder) closed(tok *jsonTok, end jsonToken, expected string) bool {
	d.next(tok)
	if tok.typ == end {
		d.depth--
		return true
	}
	if tok.typ != tComma {
		d.fail(expected, tok)
	}
	d.next(tok)
	return false
}
