package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"redpool/backend"
)

// Unit tests of the codec: round trips of every encoding (the legacy ones
// through the test encoders below), the Writer's choices, hostile input.

func TestCRC64(t *testing.T) {
	// Redis's crc64.c test vector.
	if got := CRC64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("CRC64(123456789) = %#x", got)
	}
	// Table-driven and bitwise agree at every length and split.
	rng := rand.New(rand.NewPCG(1, 1))
	data := make([]byte, 300)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for n := range len(data) {
		want := crcBitwise(0, data[:n])
		if got := CRC64(0, data[:n]); got != want {
			t.Fatalf("len %d: %#x, want %#x", n, got, want)
		}
		if got := CRC64(CRC64(0, data[:n/3]), data[n/3:n]); got != want {
			t.Fatalf("len %d split: %#x, want %#x", n, got, want)
		}
	}
	var d Digest
	_, _ = d.Write(data[:100])
	_, _ = d.Write(data[100:])
	if d.Sum64() != crcBitwise(0, data) {
		t.Fatal("Digest differs")
	}
}

func crcBitwise(crc uint64, b []byte) uint64 {
	for _, x := range b {
		crc ^= uint64(x)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ crcPoly
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

func TestLZFRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	inputs := [][]byte{
		[]byte(strings.Repeat("a", 21)), []byte(strings.Repeat("ab", 1000)), []byte(strings.Repeat("abcdefgh", 10000)),
		[]byte("the quick brown fox jumps over the lazy dog, the quick brown fox"),
	}
	for range 200 {
		n := rng.IntN(3000) + 1
		b := make([]byte, n)
		alphabet := rng.IntN(255) + 1
		for i := range b {
			b[i] = byte(rng.IntN(alphabet))
		}
		inputs = append(inputs, b)
	}
	for _, in := range inputs {
		out, ok := lzfCompress([]byte("prefix"), in, len(in)-4)
		if !ok {
			continue
		}
		if !bytes.HasPrefix(out, []byte("prefix")) {
			t.Fatal("prefix lost")
		}
		back, err := lzfDecompress(nil, out[6:], len(in))
		if err != nil || !bytes.Equal(back, in) {
			t.Fatalf("round trip of %d bytes: %v", len(in), err)
		}
	}
	if _, ok := lzfCompress(nil, []byte("abcdefghijklmnopqrstuvwxyz0123456789"), 32); ok {
		t.Error("incompressible input compressed")
	}
}

func TestLZFDecompressHostile(t *testing.T) {
	for _, tc := range []struct {
		in []byte
		n  int
	}{
		{[]byte{0x05, 'a'}, 6},             // literal past the input
		{[]byte{0x00, 'a', 0x20, 0x05}, 4}, // reference before the start
		{[]byte{0x00, 'a', 0xe0}, 10},      // truncated long reference
		{[]byte{0x00, 'a', 0x20}, 10},      // truncated reference
		{[]byte{0x00, 'a', 0x20, 0x00}, 3}, // expands past n
		{[]byte{0x01, 'a', 'b'}, 3},        // shorter than n
	} {
		if _, err := lzfDecompress(nil, tc.in, tc.n); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%x (n %d): %v", tc.in, tc.n, err)
		}
	}
}

// testValues are values of every type in the sizes that pick each
// encoding with the default thresholds, with the RDB type expected.
func testValues() []struct {
	name string
	v    Value
	typ  byte
} {
	str := func(s string) Value { return Value{Type: backend.TypeString, Items: [][]byte{[]byte(s)}} }
	coll := func(t backend.Type, n int, f func(i int) []string) Value {
		v := Value{Type: t}
		for i := range n {
			for _, s := range f(i) {
				v.Items = append(v.Items, []byte(s))
			}
		}
		return v
	}
	long := strings.Repeat("x", 100)
	vals := []struct {
		name string
		v    Value
		typ  byte
	}{
		{"string", str("hello"), TypeString},
		{"string empty", str(""), TypeString},
		{"string int8", str("-128"), TypeString},
		{"string int16", str("32767"), TypeString},
		{"string int32", str("-2147483648"), TypeString},
		{"string int64", str("2147483648"), TypeString},
		{"string not canonical", str("007"), TypeString},
		{"string lzf", str(strings.Repeat("abc", 50)), TypeString},
		{"string binary", str("\x00\xff\r\n"), TypeString},
		{"list", coll(backend.TypeList, 10, func(i int) []string { return []string{strconv.Itoa(i * 1000), "e" + strconv.Itoa(i)} }), TypeListQuicklist2},
		{"list ints", coll(backend.TypeList, 1, func(int) []string {
			return []string{"0", "127", "128", "-1", "-4096", "4095", "-4097", "32767", "-32768", "8388607", "-8388608", "2147483647", "-2147483648", "9223372036854775807", "-9223372036854775808"}
		}), TypeListQuicklist2},
		{"list long strings", coll(backend.TypeList, 3, func(i int) []string { return []string{strings.Repeat("y", 63+i*4000)} }), TypeListQuicklist2},
		{"list many nodes", coll(backend.TypeList, 3000, func(i int) []string { return []string{"element-" + strconv.Itoa(i)} }), TypeListQuicklist2},
		{"set intset", coll(backend.TypeSet, 1, func(int) []string { return []string{"5", "-3", "100000", "9223372036854775807"} }), TypeSetIntset},
		{"set intset16", coll(backend.TypeSet, 1, func(int) []string { return []string{"5", "-3"} }), TypeSetIntset},
		{"set strings", coll(backend.TypeSet, 1, func(int) []string { return []string{"a", "1", "b"} }), TypeSet},
		{"set many ints", coll(backend.TypeSet, 513, func(i int) []string { return []string{strconv.Itoa(i)} }), TypeSet},
		{"hash", coll(backend.TypeHash, 1, func(int) []string { return []string{"f", "v", "n", "-77", "e", ""} }), TypeHashListpack},
		{"hash long value", coll(backend.TypeHash, 1, func(int) []string { return []string{"f", long} }), TypeHash},
		{"hash many", coll(backend.TypeHash, 513, func(i int) []string { return []string{"f" + strconv.Itoa(i), "v"} }), TypeHash},
		{"zset", coll(backend.TypeZSet, 1, func(int) []string {
			return []string{"1", "a", "2.5", "b", "-inf", "c", "inf", "d", "0", "e", "1e+300", "f"}
		}), TypeZSetListpack},
		{"zset long member", coll(backend.TypeZSet, 1, func(int) []string { return []string{"1", long} }), TypeZSet2},
		{"zset many", coll(backend.TypeZSet, 129, func(i int) []string { return []string{strconv.Itoa(i % 7), "m" + strconv.Itoa(i)} }), TypeZSet2},
	}
	for _, st := range testStreams() {
		vals = append(vals, struct {
			name string
			v    Value
			typ  byte
		}{st.name, st.v, TypeStreamListpack2})
	}
	return vals
}

// canonical returns v's items in a comparable form: sorted elements for
// unordered types, scores reformatted.
func canonical(t *testing.T, v Value) []string {
	t.Helper()
	info, _ := backend.Lookup(v.Type)
	var els []string
	for i := 0; i < len(v.Items); i += info.Width {
		parts := make([]string, info.Width)
		for j := range info.Width {
			parts[j] = string(v.Items[i+j])
		}
		if v.Type == backend.TypeZSet {
			s, err := strconv.ParseFloat(parts[0], 64)
			if err != nil {
				t.Fatalf("bad score %q", parts[0])
			}
			parts[0] = string(backend.AppendScore(nil, s))
		}
		els = append(els, strings.Join(parts, "\x00"))
	}
	if !info.Ordered {
		slices.Sort(els)
	}
	return els
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range testValues() {
		t.Run(tc.name, func(t *testing.T) {
			p, err := DumpPayload(tc.v, DefaultParams())
			if err != nil {
				t.Fatal(err)
			}
			if p[0] != tc.typ {
				t.Errorf("type %d, want %d", p[0], tc.typ)
			}
			for _, sanitize := range []bool{false, true} {
				got, err := ParseDumpPayload(p, sanitize)
				if err != nil {
					t.Fatalf("sanitize %v: %v", sanitize, err)
				}
				if got.Type != tc.v.Type || !slices.Equal(canonical(t, got), canonical(t, tc.v)) {
					t.Fatalf("sanitize %v: got %v %q, want %v %q", sanitize, got.Type, got.Items, tc.v.Type, tc.v.Items)
				}
			}
			// The streaming Writer and Reader agree with the payload.
			var buf bytes.Buffer
			w := NewWriter(&buf, DefaultParams())
			if err := w.WriteKeyValue([]byte("key"), tc.v); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			sum := CRC64(0, buf.Bytes())
			r := NewReader(&buf, ReadOptions{Checksum: true})
			typ, _ := r.ReadByte()
			key, err := r.ReadString()
			if err != nil || string(key) != "key" || typ != tc.typ {
				t.Fatalf("file form: type %d key %q: %v", typ, key, err)
			}
			got, err := r.ReadValue(typ)
			if err != nil || !slices.Equal(canonical(t, got), canonical(t, tc.v)) {
				t.Fatalf("file form: %v", err)
			}
			if _, err := r.ReadByte(); err != io.EOF {
				t.Fatalf("file form: %v after the value", err)
			}
			if r.Sum64() != sum {
				t.Fatalf("Sum64 %#x, want %#x", r.Sum64(), sum)
			}
		})
	}
}

// TestWriterParams: the thresholds pick the encodings as Redis's do.
func TestWriterParams(t *testing.T) {
	p := DefaultParams()
	p.HashMaxListpackEntries, p.ZSetMaxListpackValue, p.SetMaxIntsetEntries = 1, 1, 2
	p.Compression = false
	for _, tc := range []struct {
		v   Value
		typ byte
	}{
		{Value{backend.TypeHash, items("f", "v")}, TypeHashListpack},
		{Value{backend.TypeHash, items("f", "v", "g", "w")}, TypeHash},
		{Value{backend.TypeZSet, items("1", "a")}, TypeZSetListpack},
		{Value{backend.TypeZSet, items("1", "ab")}, TypeZSet2},
		{Value{backend.TypeSet, items("1", "2")}, TypeSetIntset},
		{Value{backend.TypeSet, items("1", "2", "3")}, TypeSet},
	} {
		pl, err := DumpPayload(tc.v, p)
		if err != nil || pl[0] != tc.typ {
			t.Errorf("%v %q: type %d (%v), want %d", tc.v.Type, tc.v.Items, pl[0], err, tc.typ)
		}
	}
	long := Value{backend.TypeString, items(strings.Repeat("a", 100))}
	if pl, _ := DumpPayload(long, p); len(pl) != 1+2+100+10 {
		t.Errorf("compression off: %d bytes", len(pl))
	}
	// list-max-listpack-size > 0: nodes of at most that many elements.
	p.ListMaxListpackSize = 3
	pl, _ := DumpPayload(Value{backend.TypeList, items("a", "b", "c", "d", "e", "f", "g")}, p)
	if pl[1] != 3 { // node count
		t.Errorf("fill 3: %d nodes, want 3", pl[1])
	}
}

func items(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, x := range s {
		out[i] = []byte(x)
	}
	return out
}

func TestWriterRefuses(t *testing.T) {
	for _, v := range []Value{
		{backend.TypeList, nil},
		{backend.TypeHash, items("f")},
		{backend.TypeString, items("a", "b")},
		{backend.TypeZSet, items("x", "m")},
		{backend.TypeZSet, items("nan", "m")},
		{backend.TypeNone, items("a")},
	} {
		var buf bytes.Buffer
		w := NewWriter(&buf, DefaultParams())
		if err := w.WriteValue(v); err == nil {
			t.Errorf("%v %q written", v.Type, v.Items)
		}
		if err := w.Flush(); err != nil || buf.Len() != 0 {
			t.Errorf("%v %q: %d bytes left behind", v.Type, v.Items, buf.Len())
		}
	}
}

// --- the legacy encodings, which only the Reader knows ---

// ziplist builds a ziplist of entries, integers where they parse.
func ziplist(entries ...string) []byte {
	var body []byte
	prev, last := 0, 10
	for _, e := range entries {
		start := len(body)
		last = 10 + start
		if prev < 254 {
			body = append(body, byte(prev))
		} else {
			body = binary.LittleEndian.AppendUint32(append(body, 0xfe), uint32(prev))
		}
		if v, err := strconv.ParseInt(e, 10, 64); err == nil && strconv.FormatInt(v, 10) == e {
			switch {
			case v >= 0 && v <= 12:
				body = append(body, 0xf1+byte(v))
			case v >= math.MinInt8 && v <= math.MaxInt8:
				body = append(body, 0xfe, byte(v))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				body = binary.LittleEndian.AppendUint16(append(body, 0xc0), uint16(v))
			case v >= -1<<23 && v < 1<<23:
				body = append(body, 0xf0, byte(v), byte(v>>8), byte(v>>16))
			case v >= math.MinInt32 && v <= math.MaxInt32:
				body = binary.LittleEndian.AppendUint32(append(body, 0xd0), uint32(v))
			default:
				body = binary.LittleEndian.AppendUint64(append(body, 0xe0), uint64(v))
			}
		} else {
			switch n := len(e); {
			case n < 64:
				body = append(body, byte(n))
			case n < 16384:
				body = append(body, 0x40|byte(n>>8), byte(n))
			default:
				body = binary.BigEndian.AppendUint32(append(body, 0x80), uint32(n))
			}
			body = append(body, e...)
		}
		prev = len(body) - start
	}
	zl := binary.LittleEndian.AppendUint32(nil, uint32(10+len(body)+1))
	zl = binary.LittleEndian.AppendUint32(zl, uint32(last))
	zl = binary.LittleEndian.AppendUint16(zl, uint16(len(entries)))
	return append(append(zl, body...), 0xff)
}

// zipmap builds a zipmap of field, value pairs.
func zipmap(pairs ...string) []byte {
	zm := []byte{byte(len(pairs) / 2)}
	for i, s := range pairs {
		if len(s) < 254 {
			zm = append(zm, byte(len(s)))
		} else {
			zm = binary.LittleEndian.AppendUint32(append(zm, 0xfe), uint32(len(s)))
		}
		if i%2 == 1 {
			zm = append(zm, 2) // two free bytes
		}
		zm = append(zm, s...)
		if i%2 == 1 {
			zm = append(zm, 0, 0)
		}
	}
	return append(zm, 0xff)
}

// legacy builds a payload of type t holding body.
func legacy(t byte, body ...[]byte) []byte {
	p := []byte{t}
	for _, b := range body {
		p = append(p, b...)
	}
	return AppendDumpFooter(p)
}

func rdbStr(s string) []byte { return AppendString(nil, []byte(s), false) }

func TestLegacyEncodings(t *testing.T) {
	long := strings.Repeat("z", 300)
	scoreStr := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	for _, tc := range []struct {
		name string
		p    []byte
		want Value
	}{
		{"list", legacy(TypeList, appendLen(nil, 3), rdbStr("a"), rdbStr("12"), rdbStr(long)),
			Value{backend.TypeList, items("a", "12", long)}},
		{"zset string scores", legacy(TypeZSet, appendLen(nil, 3), rdbStr("a"), scoreStr("1.5"), rdbStr("b"), []byte{254}, rdbStr("c"), []byte{255}),
			Value{backend.TypeZSet, items("1.5", "a", "inf", "b", "-inf", "c")}},
		{"hash zipmap", legacy(TypeHashZipmap, rdbStr(string(zipmap("f", "v", "long", long)))),
			Value{backend.TypeHash, items("f", "v", "long", long)}},
		{"list ziplist", legacy(TypeListZiplist, rdbStr(string(ziplist("a", "0", "12", "13", "-100", "1000", "-1000000", "100000000", "-5000000000", long, strings.Repeat("q", 20000))))),
			Value{backend.TypeList, items("a", "0", "12", "13", "-100", "1000", "-1000000", "100000000", "-5000000000", long, strings.Repeat("q", 20000))}},
		{"zset ziplist", legacy(TypeZSetZiplist, rdbStr(string(ziplist("a", "1", "b", "2.5")))),
			Value{backend.TypeZSet, items("1", "a", "2.5", "b")}},
		{"hash ziplist", legacy(TypeHashZiplist, rdbStr(string(ziplist("f", "1", "g", "v")))),
			Value{backend.TypeHash, items("f", "1", "g", "v")}},
		{"list quicklist", legacy(TypeListQuicklist, appendLen(nil, 3), rdbStr(string(ziplist("a", "b"))), rdbStr(string(ziplist())), rdbStr(string(ziplist("7")))),
			Value{backend.TypeList, items("a", "b", "7")}},
		{"quicklist 2 plain node", legacy(TypeListQuicklist2, appendLen(nil, 2), appendLen(nil, containerPlain), rdbStr("plain"), appendLen(nil, containerPacked), rdbStr(string(listpack("x", "1")))),
			Value{backend.TypeList, items("plain", "x", "1")}},
		{"string lzf from the reader's side", legacy(TypeString, AppendString(nil, []byte(long), true)),
			Value{backend.TypeString, items(long)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDumpPayload(tc.p, true)
			if err != nil {
				t.Fatal(err)
			}
			if got.Type != tc.want.Type || !slices.Equal(canonical(t, got), canonical(t, tc.want)) {
				t.Fatalf("got %v %q", got.Type, got.Items)
			}
		})
	}
}

func listpack(entries ...string) []byte {
	var w lpWriter
	w.start(nil)
	for _, e := range entries {
		w.add([]byte(e))
	}
	return w.finish()
}

// TestBadPayloads: each is refused with the right error, with and
// without sanitization as Redis refuses it.
func TestBadPayloads(t *testing.T) {
	lp := func(entries ...string) []byte { return rdbStrB(listpack(entries...)) }
	dupIntset := appendIntset(nil, []int64{1, 1})
	for _, tc := range []struct {
		name     string
		p        []byte
		sanitize bool // refused only when sanitizing
	}{
		{"empty body", AppendDumpFooter(nil), false},
		{"unknown type", legacy(99, rdbStr("a")), false},
		{"module", legacy(TypeModule2, rdbStr("a")), false},
		{"stream", legacy(TypeStreamListpack2, rdbStr("a")), false},
		{"truncated string", legacy(TypeString, []byte{0x05, 'a'}), false},
		{"bad length", legacy(TypeString, []byte{0x82}), false},
		{"bad encoding", legacy(TypeString, []byte{0xc4}), false},
		{"forged 64-bit length", legacy(TypeString, []byte{0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), false},
		{"forged count", legacy(TypeList, []byte{0x80, 0xff, 0xff, 0xff, 0xff}, rdbStr("a")), false},
		{"forged lzf length", legacy(TypeString, []byte{0xc3, 0x02, 0x80, 0x7f, 0xff, 0xff, 0xff, 0x00, 'a'}), false},
		{"lzf zero length", legacy(TypeString, []byte{0xc3, 0x02, 0x00, 0x00, 'a'}), false},
		{"empty list", legacy(TypeList, appendLen(nil, 0)), false},
		{"empty set", legacy(TypeSet, appendLen(nil, 0)), false},
		{"set repeats", legacy(TypeSet, appendLen(nil, 2), rdbStr("a"), rdbStr("a")), false},
		{"hash repeats", legacy(TypeHash, appendLen(nil, 2), rdbStr("f"), rdbStr("1"), rdbStr("f"), rdbStr("2")), false},
		{"zset repeats", legacy(TypeZSet2, appendLen(nil, 2), rdbStr("m"), make([]byte, 8), rdbStr("m"), make([]byte, 8)), false},
		{"zset nan", legacy(TypeZSet, appendLen(nil, 1), rdbStr("m"), []byte{253}), false},
		{"zset nan binary", legacy(TypeZSet2, appendLen(nil, 1), rdbStr("m"), binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.NaN()))), false},
		{"zset bad score", legacy(TypeZSet, appendLen(nil, 1), rdbStr("m"), []byte{1, 'x'}), false},
		{"empty intset", legacy(TypeSetIntset, rdbStrB(appendIntset(nil, nil))), false},
		{"intset size", legacy(TypeSetIntset, rdbStrB(appendIntset(nil, []int64{1, 2})[:10])), false},
		{"intset width", legacy(TypeSetIntset, rdbStrB([]byte{3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0})), false},
		{"intset repeats", legacy(TypeSetIntset, rdbStrB(dupIntset)), true},
		{"empty listpack", legacy(TypeHashListpack, lp()), false},
		{"odd hash listpack", legacy(TypeHashListpack, lp("f", "v", "g")), false},
		{"hash listpack repeats", legacy(TypeHashListpack, lp("f", "v", "f", "w")), true},
		{"zset listpack repeats", legacy(TypeZSetListpack, lp("m", "1", "m", "2")), true},
		{"zset listpack bad score", legacy(TypeZSetListpack, lp("m", "x")), false},
		{"listpack size", legacy(TypeHashListpack, rdbStrB(append(listpack("f", "v"), 0))), false},
		{"listpack count", legacy(TypeHashListpack, rdbStrB(setCount(listpack("f", "v"), 4))), true},
		{"listpack backlen", legacy(TypeHashListpack, rdbStrB(flipAt(listpack("f", "v"), 8))), true},
		{"listpack entry past end", legacy(TypeHashListpack, rdbStrB(setAt(listpack("f", "v"), 6, 0xbf))), false},
		{"listpack bad encoding", legacy(TypeHashListpack, rdbStrB(setAt(listpack("f", "v"), 6, 0xf5))), false},
		{"ziplist prevlen", legacy(TypeListZiplist, rdbStrB(flipAt(ziplist("a", "b"), 13))), false},
		{"ziplist tail", legacy(TypeListZiplist, rdbStrB(flipAt(ziplist("a", "b"), 4))), false},
		{"ziplist count", legacy(TypeListZiplist, rdbStrB(flipAt(ziplist("a", "b"), 8))), false},
		{"hash ziplist repeats", legacy(TypeHashZiplist, rdbStrB(ziplist("f", "1", "f", "2"))), false},
		{"zipmap repeats", legacy(TypeHashZipmap, rdbStrB(zipmap("f", "1", "f", "2"))), false},
		{"zipmap count", legacy(TypeHashZipmap, rdbStrB(flipAt(zipmap("f", "1"), 0))), false},
		{"quicklist container", legacy(TypeListQuicklist2, appendLen(nil, 1), appendLen(nil, 3), lp("a")), false},
		{"quicklist empty plain", legacy(TypeListQuicklist2, appendLen(nil, 1), appendLen(nil, containerPlain), rdbStr("")), false},
		{"quicklist all empty", legacy(TypeListQuicklist2, appendLen(nil, 1), appendLen(nil, containerPacked), lp()), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDumpPayload(tc.p, true)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("sanitizing: %v, want ErrCorrupt", err)
			}
			_, err = ParseDumpPayload(tc.p, false)
			if tc.sanitize && err != nil {
				t.Fatalf("not sanitizing: %v, want it taken as Redis takes it", err)
			}
			if !tc.sanitize && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("not sanitizing: %v, want ErrCorrupt", err)
			}
		})
	}
}

func rdbStrB(b []byte) []byte { return AppendString(nil, b, false) }

func setCount(lp []byte, n uint16) []byte {
	binary.LittleEndian.PutUint16(lp[4:], n)
	return lp
}

func setAt(b []byte, i int, v byte) []byte {
	b = slices.Clone(b)
	b[i] = v
	return b
}

func flipAt(b []byte, i int) []byte {
	b = slices.Clone(b)
	b[i] ^= 0x41
	return b
}

func TestPayloadFooter(t *testing.T) {
	p, _ := DumpPayload(Value{backend.TypeString, items("v")}, DefaultParams())
	if _, err := ParseDumpPayload(p, false); err != nil {
		t.Fatal(err)
	}
	newer := slices.Clone(p)
	newer[len(p)-10] = Version + 1
	older := slices.Clone(p)
	older[len(p)-10] = 9
	older = AppendDumpFooter(older[:len(p)-10])[:len(p)]
	binary.LittleEndian.PutUint16(older[len(p)-10:], 9)
	binary.LittleEndian.PutUint64(older[len(p)-8:], CRC64(0, older[:len(p)-8]))
	for name, bad := range map[string][]byte{
		"short":   p[:9],
		"newer":   newer,
		"crc":     flipAt(p, len(p)-1),
		"body":    flipAt(p, 2),
		"nothing": nil,
	} {
		if _, err := ParseDumpPayload(bad, false); !errors.Is(err, ErrPayload) {
			t.Errorf("%s: %v, want ErrPayload", name, err)
		}
	}
	if _, err := ParseDumpPayload(older, false); err != nil {
		t.Errorf("an older version: %v", err)
	}
}

// TestHostileTruncations: every prefix and every one-byte change of a
// set of payloads decodes or fails cleanly (with the CRC fixed, so the
// decoders see the damage).
func TestHostileTruncations(t *testing.T) {
	for _, tc := range testValues() {
		p, err := DumpPayload(tc.v, DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		body := p[:len(p)-10]
		if len(body) > 2000 {
			continue
		}
		for n := range len(body) {
			if _, err := ParseDumpPayload(AppendDumpFooter(slices.Clone(body[:n])), false); err == nil {
				t.Errorf("%s: a %d-byte prefix decoded", tc.name, n)
			}
		}
		for i := range body {
			for _, sanitize := range []bool{false, true} {
				_, _ = ParseDumpPayload(AppendDumpFooter(flipAt(body, i)), sanitize)
			}
		}
	}
}

// TestForgedLengthsAllocate: a payload promising gigabytes allocates
// nothing like it, with the size known or not.
func TestForgedLengthsAllocate(t *testing.T) {
	forged := [][]byte{
		{TypeString, 0x81, 0, 0, 0, 4, 0, 0, 0, 0},                   // a 16 GB string
		{TypeList, 0x80, 0x7f, 0xff, 0xff, 0xff, 0x01, 'a'},          // 2^31 elements
		{TypeString, 0xc3, 0x80, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x00}, // LZF of 2 GB compressed
	}
	for _, f := range forged {
		allocs := testing.AllocsPerRun(1, func() {
			r := NewReader(bytes.NewReader(f[1:]), ReadOptions{})
			_, _ = r.ReadValue(f[0])
		})
		var ms1, ms2 runtimeMem
		ms1.read()
		r := NewReader(bytes.NewReader(f[1:]), ReadOptions{})
		_, err := r.ReadValue(f[0])
		ms2.read()
		if err == nil {
			t.Errorf("%x decoded", f)
		}
		if grown := ms2.total - ms1.total; grown > 8<<20 {
			t.Errorf("%x: %d bytes allocated (%v allocs)", f, grown, allocs)
		}
	}
}

func ExampleDumpPayload() {
	p, _ := DumpPayload(Value{Type: backend.TypeString, Items: [][]byte{[]byte("hello")}}, DefaultParams())
	fmt.Printf("%q\n", p)
	// Output: "\x00\x05hello\n\x00cr\xdfve4 \n"
}
