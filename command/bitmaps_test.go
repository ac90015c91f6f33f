package command

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Unit tests of the bitmap helpers against bit-by-bit references, a fuzz
// test of BITFIELD's parser, and benchmarks. The commands themselves are
// compared with Redis in cmd/redpool/server/diff_bitmaps_test.go.

// refBit is bit i of p (0 past the end).
func refBit(p []byte, i int64) byte {
	if i>>3 >= int64(len(p)) {
		return 0
	}
	return p[i>>3] >> (7 - i&7) & 1
}

// randomBitmap returns n bytes mixing random bytes with runs of zeros and
// ones, so that the word-skipping paths are taken.
func randomBitmap(rng *rand.Rand, n int) []byte {
	p := make([]byte, n)
	for i := 0; i < n; {
		run := 1 + rng.IntN(40)
		fill := rng.IntN(3)
		for j := 0; j < run && i < n; j++ {
			switch fill {
			case 0:
				p[i] = 0
			case 1:
				p[i] = 0xff
			default:
				p[i] = byte(rng.IntN(256))
			}
			i++
		}
	}
	return p
}

func TestPopcount(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		p := randomBitmap(rng, n)
		for start := 0; start <= min(n, 9); start++ {
			var want int64
			for i := int64(start) * 8; i < int64(n)*8; i++ {
				want += int64(refBit(p, i))
			}
			if got := popcount(p[start:]); got != want {
				t.Fatalf("popcount(%x) = %d, want %d", p[start:], got, want)
			}
		}
	}
}

func TestCountBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		p := randomBitmap(rng, 1+rng.IntN(60))
		bits := int64(len(p)) * 8
		lo, hi := rng.Int64N(bits), rng.Int64N(bits)
		var want int64
		for i := lo; i <= hi; i++ {
			want += int64(refBit(p, i))
		}
		if got := countBits(p, lo, hi); got != want {
			t.Fatalf("countBits(%x, %d, %d) = %d, want %d", p, lo, hi, got, want)
		}
	}
}

func TestFirstBitAndFindBit(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ref := func(p []byte, lo, hi int64, bit byte) int64 {
		for i := lo; i <= hi; i++ {
			if refBit(p, i) == bit {
				return i
			}
		}
		return -1
	}
	for range 3000 {
		p := randomBitmap(rng, 1+rng.IntN(80))
		bits := int64(len(p)) * 8
		bit := byte(rng.IntN(2))
		if got, want := firstBit(p, bit), ref(p, 0, bits-1, bit); got != want {
			t.Fatalf("firstBit(%x, %d) = %d, want %d", p, bit, got, want)
		}
		lo, hi := rng.Int64N(bits), rng.Int64N(bits)
		if got, want := findBit(p, lo, hi, bit), ref(p, lo, hi, bit); got != want {
			t.Fatalf("findBit(%x, %d, %d, %d) = %d, want %d", p, lo, hi, bit, got, want)
		}
	}
	// All ones and all zeros, every length around a word.
	for n := range 40 {
		ones, zeros := slices.Repeat([]byte{0xff}, n), make([]byte, n)
		if got := firstBit(ones, 0); got != -1 {
			t.Errorf("firstBit(%d ones, 0) = %d", n, got)
		}
		if got := firstBit(zeros, 1); got != -1 {
			t.Errorf("firstBit(%d zeros, 1) = %d", n, got)
		}
	}
}

func TestBitopApply(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 500 {
		srcs := make([][]byte, 1+rng.IntN(4))
		n := 0
		for i := range srcs {
			srcs[i] = randomBitmap(rng, rng.IntN(70))
			n = max(n, len(srcs[i]))
		}
		if n == 0 {
			continue
		}
		for _, op := range []bitopKind{bitopAnd, bitopOr, bitopXor, bitopNot} {
			in := srcs
			if op == bitopNot {
				in = srcs[:1]
				n = len(in[0])
				if n == 0 {
					continue
				}
			}
			want := make([]byte, n)
			for j := range n {
				at := func(s []byte) byte {
					if j < len(s) {
						return s[j]
					}
					return 0
				}
				b := at(in[0])
				for _, s := range in[1:] {
					switch op {
					case bitopAnd:
						b &= at(s)
					case bitopOr:
						b |= at(s)
					case bitopXor:
						b ^= at(s)
					}
				}
				if op == bitopNot {
					b = ^b
				}
				want[j] = b
			}
			if got := bitopApply(op, in, n); !slices.Equal(got, want) {
				t.Fatalf("bitop %d of %x = %x, want %x", op, in, got, want)
			}
		}
	}
}

func TestFieldWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for range 5000 {
		var w fieldWindow
		for i := range w {
			w[i] = byte(rng.IntN(256))
		}
		shift, width := uint(rng.IntN(8)), uint(1+rng.IntN(64))
		var want uint64
		for i := range width {
			want = want<<1 | uint64(refBit(w[:], int64(shift+i)))
		}
		if got := w.get(shift, width); got != want {
			t.Fatalf("get(%x, %d, %d) = %x, want %x", w, shift, width, got, want)
		}
		x := rng.Uint64() & fieldMask(width)
		before := w
		w.set(shift, width, x)
		if got := w.get(shift, width); got != x {
			t.Fatalf("set then get(%d, %d) = %x, want %x", shift, width, got, x)
		}
		for i := int64(0); i < 72; i++ { // the bits around the field are kept
			if (i < int64(shift) || i >= int64(shift+width)) && refBit(w[:], i) != refBit(before[:], i) {
				t.Fatalf("set(%d, %d) changed bit %d", shift, width, i)
			}
		}
		if n := fieldBytes(shift, width); n < 1 || n > 9 || (int(shift+width)+7)/8 != n {
			t.Fatalf("fieldBytes(%d, %d) = %d", shift, width, n)
		}
	}
}

// TestBitfieldOverflow checks addSigned and addUnsigned against exact
// arithmetic: in range the sum, else WRAP keeps the low bits and SAT the
// nearest limit, on edge values of every width.
func TestBitfieldOverflow(t *testing.T) {
	edges := func(width uint, signed bool) []int64 {
		var lo, hi int64
		if signed {
			hi = int64(fieldMask(width - 1))
			lo = -hi - 1
		} else {
			hi = int64(fieldMask(width))
		}
		return []int64{lo, lo + 1, -1, 0, 1, hi - 1, hi, math.MinInt64, math.MaxInt64, math.MinInt64 + 1, 12345, -12345}
	}
	for width := uint(1); width <= 64; width++ {
		for _, signed := range []bool{true, false} {
			if !signed && width == 64 {
				continue
			}
			lo, hi := new(big.Int), new(big.Int)
			if signed {
				hi.SetInt64(int64(fieldMask(width - 1)))
				lo.Neg(hi).Sub(lo, big.NewInt(1))
			} else {
				hi.SetUint64(fieldMask(width))
			}
			mod := new(big.Int).Lsh(big.NewInt(1), width)
			for _, value := range edges(width, signed) {
				base := big.NewInt(value)
				if !signed {
					base.SetUint64(uint64(value)) // SET's value, as a field sees it
				}
				for _, incr := range edges(width, signed) {
					if (base.Cmp(lo) < 0 || base.Cmp(hi) > 0) && incr != 0 {
						continue // a field holds no such value; SET's are added to 0
					}
					exact := new(big.Int).Add(base, big.NewInt(incr))
					inRange := exact.Cmp(lo) >= 0 && exact.Cmp(hi) <= 0
					wrapped := new(big.Int).Mod(exact, mod)
					if signed && wrapped.Cmp(hi) > 0 {
						wrapped.Sub(wrapped, mod)
					}
					sat := hi
					if exact.Cmp(lo) < 0 {
						sat = lo
					}
					for _, mode := range []overflowMode{overflowWrap, overflowSat} {
						want := wrapped
						if mode == overflowSat && !inRange {
							want = sat
						}
						var got string
						var over bool
						if signed {
							v, o := addSigned(value, incr, width, mode)
							got, over = strconv.FormatInt(v, 10), o
						} else {
							v, o := addUnsigned(uint64(value), incr, width, mode)
							got, over = strconv.FormatUint(v, 10), o
						}
						if over == inRange || got != want.String() {
							t.Fatalf("signed=%v width=%d %d%+d mode=%d: %s overflow=%v, want %s overflow=%v",
								signed, width, value, incr, mode, got, over, want, !inRange)
						}
					}
				}
			}
		}
	}
}

func TestParseBitfield(t *testing.T) {
	for _, tc := range []struct {
		args    string
		err     error
		ops     []bitfieldOp
		highest int64
	}{
		{args: "", ops: nil},
		{args: "GET u8 0 get i64 #2", ops: []bitfieldOp{{code: bfGet, width: 8}, {code: bfGet, signed: true, width: 64, offset: 128}}},
		{args: "OVERFLOW SAT SET i5 3 -1 overflow fail INCRBY u63 #1 7", highest: 125, ops: []bitfieldOp{
			{code: bfSet, overflow: overflowSat, signed: true, width: 5, offset: 3, value: -1},
			{code: bfIncrBy, overflow: overflowFail, width: 63, offset: 63, value: 7}}},
		{args: "GET u64 0", err: ErrBitfieldType},
		{args: "GET i65 0", err: ErrBitfieldType},
		{args: "GET i8 -1", err: ErrBitOffset},
		{args: "GET i8 4294967296", err: ErrBitOffset},
		{args: "SET i8 0 x", err: ErrNotInteger},
		{args: "SET i8 0", err: ErrSyntax},
		{args: "OVERFLOW", err: ErrSyntax},
		{args: "OVERFLOW NONE", err: ErrBitfieldOverflow},
		{args: "GET u8 0 BOGUS", err: ErrSyntax},
	} {
		ops, highest, write, err := parseBitfield(benchArgs(strings.Fields(tc.args)...))
		if err != tc.err {
			t.Errorf("%q: err %v, want %v", tc.args, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		if !slices.Equal(ops, tc.ops) || highest != tc.highest || write != (tc.highest > 0) {
			t.Errorf("%q: %+v highest %d write %v, want %+v highest %d", tc.args, ops, highest, write, tc.ops, tc.highest)
		}
	}
}

// FuzzParseBitfield checks that BITFIELD's parser never panics, that what
// it accepts is in range, and that the ops it returns, written back as
// arguments, parse to the same ops.
func FuzzParseBitfield(f *testing.F) {
	for _, s := range []string{
		"GET u8 0", "SET i64 #3 -9223372036854775808", "OVERFLOW SAT INCRBY u63 4294967231 1 GET i1 #7",
		"OVERFLOW FAIL", "GET u64 0", "GET i8 #-1", "SET u8 0", "INCRBY", "get I8 0", "GET u8\x00x 0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := benchArgs(strings.Split(s, " ")...)
		ops, highest, write, err := parseBitfield(args)
		if err != nil {
			if _, ok := err.(Error); !ok {
				t.Fatalf("%q: error %v is not a reply", s, err)
			}
			return
		}
		var out []string
		var hi int64
		w := false
		for _, op := range ops {
			if op.width < 1 || op.width > 64 || (!op.signed && op.width > 63) || op.offset < 0 || op.offset>>3 >= 512<<20 {
				t.Fatalf("%q: op out of range %+v", s, op)
			}
			typ := "u"
			if op.signed {
				typ = "i"
			}
			typ += strconv.Itoa(int(op.width))
			out = append(out, "OVERFLOW", []string{"WRAP", "SAT", "FAIL"}[op.overflow])
			off := strconv.FormatInt(op.offset, 10)
			switch op.code {
			case bfGet:
				out = append(out, "GET", typ, off)
			case bfSet, bfIncrBy:
				out = append(out, []string{"", "SET", "INCRBY"}[op.code], typ, off, strconv.FormatInt(op.value, 10))
				hi = max(hi, op.offset+int64(op.width)-1)
				w = true
			}
		}
		if hi != highest || w != write {
			t.Fatalf("%q: highest %d write %v, want %d %v", s, highest, write, hi, w)
		}
		again, _, _, err := parseBitfield(benchArgs(out...))
		if err != nil || !slices.Equal(again, ops) {
			t.Fatalf("%q: reparsed %q: %+v %v, want %+v", s, out, again, err, ops)
		}
	})
}

// --- benchmarks ---

// BenchmarkBitcount1MB is BITCOUNT of a 1 MB string through the
// dispatcher: 0 allocations, the time being the popcount.
func BenchmarkBitcount1MB(b *testing.B) {
	e, c := benchEngine(b)
	val := randomBitmap(rand.New(rand.NewPCG(1, 1)), 1<<20)
	e.Exec(c, [][]byte{[]byte("SET"), []byte("bm"), val})
	c.Reset()
	want := fmt.Sprintf(":%d\r\n", popcount(val))
	b.SetBytes(1 << 20)
	benchExec(b, e, c, benchArgs("BITCOUNT", "bm"), want)
}

// BenchmarkSetbit is SETBIT at random offsets in a 1 MB bitmap.
func BenchmarkSetbit(b *testing.B) {
	e, c := benchEngine(b)
	e.Exec(c, benchArgs("SETBIT", "bm", strconv.Itoa(8<<20-1), "0"))
	c.Reset()
	rng := rand.New(rand.NewPCG(2, 2))
	offsets := make([][][]byte, 1024)
	for i := range offsets {
		offsets[i] = benchArgs("SETBIT", "bm", strconv.Itoa(rng.IntN(8<<20)), strconv.Itoa(i&1))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.Exec(c, offsets[i&1023])
		c.Reset()
		i++
	}
}

func BenchmarkPopcount(b *testing.B) {
	p := randomBitmap(rand.New(rand.NewPCG(3, 3)), 1<<20)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		_ = popcount(p)
	}
}

func BenchmarkBitopAnd1MB(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 4))
	srcs := [][]byte{randomBitmap(rng, 1<<20), randomBitmap(rng, 1<<20)}
	b.SetBytes(2 << 20)
	b.ReportAllocs()
	for b.Loop() {
		_ = bitopApply(bitopAnd, srcs, 1<<20)
	}
}
