package command

import (
	"math"
	"math/big"
)

// Number parsing and formatting shared by the command families, each
// emulating the C routine Redis uses so that edge cases answer the same.

// parseInt32 parses an integer argument that Redis reads as a C int
// (getIntFromObjectOrReply): not an integer → ErrNotInteger, outside int32
// → ErrIntRange.
func parseInt32(b []byte) (int, error) {
	n, err := parseInt(b)
	if err != nil {
		return 0, err
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, ErrIntRange
	}
	return int(n), nil
}

// parseCursor parses a SCAN cursor as Redis does with strtoul: decimal
// digits after an optional sign ('-' negates modulo 2^64), no leading
// space, nothing after the digits, no overflow. The empty string is 0, as
// strtoul leaves nothing unparsed.
func parseCursor(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	neg := false
	digits := b
	switch b[0] {
	case '-':
		neg = true
		digits = b[1:]
	case '+':
		digits = b[1:]
	}
	if len(digits) == 0 {
		return 0, false // a lone sign converts nothing: strtoul's end is b[0]
	}
	var v uint64
	for _, ch := range digits {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false // ERANGE
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// Long doubles. Redis computes INCRBYFLOAT (and HINCRBYFLOAT) in C long
// double, which on x86-64 is the 80-bit extended format: a 64-bit mantissa
// and a 15-bit exponent. A big.Float with 64 bits of precision and
// round-to-nearest-even reproduces its arithmetic exactly; the exponent
// range is checked by hand.
const (
	longDoublePrec = 64
	// longDoubleMaxExp: finite long doubles are below 2^16384.
	longDoubleMaxExp = 16384
	// longDoubleMinExp: values below 2^-16446 round to zero (the smallest
	// subnormal is 2^-16445).
	longDoubleMinExp = -16445
	// maxLongDoubleChars is Redis's MAX_LONG_DOUBLE_CHARS: string2ld
	// refuses strings of this length or longer.
	maxLongDoubleChars = 5 * 1024
	// longDoubleFracDigits is the "%.17Lf" of Redis's LD_STR_HUMAN.
	longDoubleFracDigits = 17
)

func newLongDouble() *big.Float {
	return new(big.Float).SetPrec(longDoublePrec).SetMode(big.ToNearestEven)
}

// parseLongDouble parses b as Redis's string2ld (strtold, then no leading
// space, nothing left over, no overflow, no underflow to zero, no NaN). It
// accepts decimal and hexadecimal ("0x1p-2") forms and "inf"/"infinity",
// which yield an infinite result. ok is false where Redis replies "value is
// not a valid float".
func parseLongDouble(b []byte) (f *big.Float, ok bool) {
	if len(b) == 0 || len(b) >= maxLongDoubleChars {
		return nil, false
	}
	s := b
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	switch {
	case equalFold(s, "inf") || equalFold(s, "infinity"):
		return new(big.Float).SetInf(neg), true
	case len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		f, ok = parseHexLongDouble(s[2:])
	default:
		f, ok = parseDecLongDouble(s)
	}
	if !ok {
		return nil, false
	}
	if neg {
		f.Neg(f)
	}
	return f, true
}

// parseDecLongDouble parses digits [. digits] [e [sign] digits], with at
// least one mantissa digit, correctly rounded to a long double.
func parseDecLongDouble(s []byte) (*big.Float, bool) {
	mant, exp10, ok := scanFloat(s, 10)
	if !ok {
		return nil, false
	}
	f := newLongDouble()
	if mant.Sign() == 0 {
		return f, true
	}
	// Decide overflow and underflow from the magnitude before building
	// huge powers of ten: the value is below 10^(digits+exp10).
	mag := len(mant.String()) + exp10
	if mag > 4933+1 {
		return nil, false // beyond LDBL_MAX (~1.19e4932): ERANGE, HUGE_VAL
	}
	if mag < -4951-1 {
		return nil, false // below the smallest subnormal (~3.6e-4951): zero
	}
	ten := big.NewInt(10)
	if exp10 >= 0 {
		mant.Mul(mant, new(big.Int).Exp(ten, big.NewInt(int64(exp10)), nil))
		f.SetInt(mant)
	} else {
		var num, den big.Float
		num.SetInt(mant)
		den.SetInt(new(big.Int).Exp(ten, big.NewInt(int64(-exp10)), nil))
		f.Quo(&num, &den)
	}
	return f, longDoubleInRange(f)
}

// parseHexLongDouble parses the part after "0x": hexdigits [. hexdigits]
// [p [sign] digits].
func parseHexLongDouble(s []byte) (*big.Float, bool) {
	mant, exp2, ok := scanFloat(s, 16)
	if !ok {
		return nil, false
	}
	f := newLongDouble()
	if mant.Sign() == 0 {
		return f, true
	}
	if mag := mant.BitLen() + exp2; mag > longDoubleMaxExp+1 || mag < longDoubleMinExp-1 {
		return nil, false
	}
	var exact big.Float
	exact.SetInt(mant)
	f.SetMantExp(&exact, exp2)
	return f, longDoubleInRange(f)
}

// scanFloat reads all of s as a decimal (base 10: digits [. digits]
// [e [sign] digits]) or hexadecimal (base 16: hexdigits [. hexdigits]
// [p [sign] digits]) number without sign, at least one mantissa digit. The
// value is mant × 10^exp (decimal) or mant × 2^exp (hexadecimal).
// Exponents too large to matter are clamped (the callers then report
// overflow or underflow).
func scanFloat(s []byte, base int) (mant *big.Int, exp int, ok bool) {
	mant = new(big.Int)
	b := big.NewInt(int64(base))
	var d big.Int
	digits, fracDigits, point := 0, 0, false
	i := 0
	for ; i < len(s); i++ {
		ch := s[i]
		if ch == '.' && !point {
			point = true
			continue
		}
		v := digitVal(ch)
		if v >= base {
			break
		}
		mant.Mul(mant, b)
		mant.Add(mant, d.SetInt64(int64(v)))
		digits++
		if point {
			fracDigits++
		}
	}
	if digits == 0 {
		return nil, 0, false
	}
	expLetter, fracScale := byte('e'), 1
	if base == 16 {
		expLetter, fracScale = 'p', 4
	}
	exp = -fracScale * fracDigits
	rest := s[i:]
	if len(rest) == 0 {
		return mant, exp, true
	}
	if lower(rest[0]) != expLetter {
		return nil, 0, false
	}
	rest = rest[1:]
	neg := false
	if len(rest) > 0 && (rest[0] == '+' || rest[0] == '-') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return nil, 0, false
	}
	e := 0
	for _, ch := range rest {
		if ch < '0' || ch > '9' {
			return nil, 0, false
		}
		if e < 1<<20 {
			e = e*10 + int(ch-'0')
		}
	}
	if neg {
		e = -e
	}
	return mant, exp + e, true
}

func digitVal(ch byte) int {
	switch {
	case '0' <= ch && ch <= '9':
		return int(ch - '0')
	case 'a' <= ch && ch <= 'f':
		return int(ch-'a') + 10
	case 'A' <= ch && ch <= 'F':
		return int(ch-'A') + 10
	default:
		return 99
	}
}

// longDoubleInRange reports whether f is a finite long double: below
// 2^16384 in magnitude and, unless zero, not rounded away to zero.
func longDoubleInRange(f *big.Float) bool {
	if f.IsInf() {
		return false
	}
	if f.Sign() == 0 {
		return true
	}
	e := f.MantExp(nil) // |f| is in [2^(e-1), 2^e)
	return e <= longDoubleMaxExp && e > longDoubleMinExp
}

// addLongDouble returns a+b in long double arithmetic; ok is false if the
// result is NaN or infinite (Redis: "increment would produce NaN or
// Infinity").
func addLongDouble(a, b *big.Float) (sum *big.Float, ok bool) {
	if a.IsInf() || b.IsInf() {
		return nil, false
	}
	sum = newLongDouble().Add(a, b)
	return sum, longDoubleInRange(sum)
}

// appendLongDouble appends f as Redis's ld2string in LD_STR_HUMAN mode:
// "%.17Lf", then trailing zeros and a trailing point removed, and "-0"
// printed as "0".
func appendLongDouble(dst []byte, f *big.Float) []byte {
	start := len(dst)
	dst = f.Append(dst, 'f', longDoubleFracDigits)
	end := len(dst)
	for end > start && dst[end-1] == '0' {
		end--
	}
	if end > start && dst[end-1] == '.' {
		end--
	}
	dst = dst[:end]
	if end-start == 2 && dst[start] == '-' && dst[start+1] == '0' {
		dst = append(dst[:start], '0')
	}
	return dst
}

// incrLongDouble is the arithmetic of INCRBYFLOAT: cur (if exists) plus
// incr, formatted as Redis stores the result, in a new slice. badCur is the
// error for an unparsable current value (the hash family words it
// differently).
func incrLongDouble(cur []byte, exists bool, incr []byte, badCur error) ([]byte, error) {
	a := newLongDouble()
	if exists {
		var ok bool
		if a, ok = parseLongDouble(cur); !ok {
			return nil, badCur
		}
	}
	b, ok := parseLongDouble(incr)
	if !ok {
		return nil, ErrNotFloat
	}
	sum, ok := addLongDouble(a, b)
	if !ok {
		return nil, ErrIncrNaN
	}
	return appendLongDouble(nil, sum), nil
}
