package lualib

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// luaQuote writes s as a Lua string literal with every byte escaped, so
// any bytes survive the trip through EVAL.
func luaQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "\\%d", s[i])
	}
	b.WriteByte('\'')
	return b.String()
}

// randomGen makes random snippets for the differential test.
type randomGen struct{ r *rand.Rand }

func (g randomGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// jsonish is a string of JSON-like tokens, valid or not.
func (g randomGen) jsonish() string {
	var b strings.Builder
	for n := 1 + g.r.IntN(10); n > 0; n-- {
		switch g.r.IntN(4) {
		case 0:
			b.WriteString(g.pick("{", "}", "[", "]", ",", ":", "\"", "\\", " ", "\t", "\x00", "-", "+", ".", "e", "E", "x", "0", "1", "9"))
		case 1:
			b.WriteString(g.pick("true", "false", "null", "nan", "NaN", "inf", "-Infinity", "tru", "nul", "0x1F", "0x", "1e5", "1.5e-3", "-0", "01", "1e400", "0x1p3", ".5", "5."))
		case 2:
			b.WriteString(g.pick(`"a"`, `"\u00e9"`, `"\ud83d\ude00"`, `"\ud800"`, `"\u12"`, `"\q"`, `"\/\b\f\n\r\t"`, `"\uDC00"`, `"x\u0000y"`))
		default:
			b.WriteByte(byte(g.r.IntN(256)))
		}
	}
	return b.String()
}

// jsonValue is a random valid JSON text.
func (g randomGen) jsonValue(depth int) string {
	switch k := g.r.IntN(8); {
	case k == 0 && depth < 4:
		var parts []string
		for n := g.r.IntN(4); n > 0; n-- {
			parts = append(parts, g.jsonValue(depth+1))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case k == 1 && depth < 4:
		return `{"k` + fmt.Sprint(g.r.IntN(3)) + `": ` + g.jsonValue(depth+1) + "}"
	case k == 2:
		return g.pick("true", "false", "null", `""`, `"abc"`, `"\u20ac"`)
	default:
		return g.number()
	}
}

func (g randomGen) number() string {
	switch g.r.IntN(6) {
	case 0:
		return fmt.Sprint(g.r.IntN(1000) - 500)
	case 1:
		return fmt.Sprint(g.r.Int64() >> uint(g.r.IntN(64)))
	case 2:
		return fmt.Sprintf("%g", g.r.NormFloat64()*math.Pow(10, float64(g.r.IntN(40)-20)))
	case 3:
		f := math.Float64frombits(g.r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "0"
		}
		return fmt.Sprintf("%.17g", f)
	case 4:
		return fmt.Sprintf("%d.%de%d", g.r.IntN(100), g.r.IntN(1000), g.r.IntN(600)-300)
	}
	return fmt.Sprint(float64(g.r.IntN(1<<20)) / 1024)
}

// luaValue is a random Lua value constructor whose tables have array keys
// or one string key, so that C Lua and gopher-lua iterate them alike.
func (g randomGen) luaValue(depth int) string {
	switch k := g.r.IntN(9); {
	case k == 0 && depth < 4:
		var parts []string
		for n := g.r.IntN(5); n > 0; n-- {
			parts = append(parts, g.luaValue(depth+1))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case k == 1 && depth < 4:
		return "{k=" + g.luaValue(depth+1) + "}"
	case k == 2 && depth < 4:
		return fmt.Sprintf("{[%d]=%s, [%d]=%s}", 1+g.r.IntN(3), g.luaValue(depth+1), 4+g.r.IntN(30), g.luaValue(depth+1))
	case k == 3:
		return luaQuote(g.bytes(g.r.IntN(40)))
	case k == 4:
		return g.pick("true", "false", "cjson.null", "1/0", "-1/0", "0/0", "2^63", "-2^63", "2^31", "2^32", "-2^31")
	default:
		return "(" + g.number() + ")"
	}
}

func (g randomGen) bytes(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return string(b)
}

// msgpackish is random bytes biased to type markers and short lengths.
func (g randomGen) msgpackish() string {
	var b []byte
	for n := 1 + g.r.IntN(12); n > 0; n-- {
		switch g.r.IntN(3) {
		case 0:
			b = append(b, byte(0xc0+g.r.IntN(0x20)))
		case 1:
			b = append(b, byte(g.r.IntN(4)))
		default:
			b = append(b, byte(g.r.IntN(256)))
		}
	}
	return string(b)
}

func (g randomGen) structFormat() string {
	var b strings.Builder
	for n := 1 + g.r.IntN(6); n > 0; n-- {
		b.WriteString(g.pick("<", ">", "!", "!2", "!4", "b", "B", "h", "H", "l", "L", "T", "i", "I", "i3", "I5", "i12", "c", "c0", "c2", "s", "f", "d", "x", " ", "z", "3"))
	}
	return b.String()
}

func (g randomGen) snippet() string {
	switch g.r.IntN(12) {
	case 0:
		return "return cjson.decode(" + luaQuote(g.jsonish()) + ")"
	case 1:
		return "return cjson.decode(" + luaQuote(g.jsonValue(0)) + ")"
	case 2:
		return "return cjson.encode(" + g.luaValue(0) + ")"
	case 3:
		return "return cmsgpack.pack(" + g.luaValue(0) + ", " + g.luaValue(0) + ")"
	case 4:
		return "return cmsgpack.unpack(" + luaQuote(g.msgpackish()) + ")"
	case 5:
		return fmt.Sprintf("return cmsgpack.unpack_limit(%s, %d, %d)", luaQuote(g.msgpackish()), g.r.IntN(4), g.r.IntN(6)-1)
	case 6:
		return "return cmsgpack.unpack(cmsgpack.pack(" + g.luaValue(0) + "))"
	case 7:
		return fmt.Sprintf("return struct.unpack(%s, %s)", luaQuote(g.structFormat()), luaQuote(g.bytes(g.r.IntN(24))))
	case 8:
		return fmt.Sprintf("return struct.pack(%s, %s, %s, %s)", luaQuote(g.structFormat()), g.number(), luaQuote(g.bytes(g.r.IntN(6))), g.number())
	case 9:
		return fmt.Sprintf("return struct.size(%s)", luaQuote(g.structFormat()))
	}
	op := g.pick("tobit", "bnot", "band", "bor", "bxor", "lshift", "rshift", "arshift", "rol", "ror", "bswap", "tohex")
	return fmt.Sprintf("return bit.%s(%s, %s)", op, g.number(), g.pick("0", "1", "7", "31", "32", "-3", "2^40+1", "0.5", "1.5", "-8"))
}

// TestRandomMatchesRedis runs random snippets (random JSON, MessagePack
// bytes, struct formats, values) on a real redis-server and in gopher-lua
// and requires the same results.
func TestRandomMatchesRedis(t *testing.T) {
	rdb := startRedis(t)
	ctx := context.Background()
	L := newState(t)
	seed := uint64(2026)
	if v, err := strconv.ParseUint(os.Getenv("LUALIB_SEED"), 10, 64); err == nil {
		seed = v
	}
	g := randomGen{rand.New(rand.NewPCG(17, seed))}
	n := 3000
	if v, err := strconv.Atoi(os.Getenv("LUALIB_N")); err == nil {
		n = v
	}
	if testing.Short() {
		n = 300
	}
	bad := 0
	for i := 0; i < n && bad < 20; i++ {
		c := luaCase{lua: g.snippet()}
		want, err := rdb.Eval(ctx, c.script(), nil).Text()
		if err != nil {
			want = "redis error: " + err.Error()
		}
		if got := runLua(t, L, c); got != want {
			bad++
			t.Errorf("%s\ngot:   %q\nredis: %q", c.lua, got, want)
		}
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
}
