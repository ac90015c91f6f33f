package command

import (
	"math"
	"strconv"

	"redpool/backend"
)

// Sorted-set scores and range bounds, parsed as Redis 7.0 parses them.
//
// Redis reads every score with C's strtod, in two ways. A score to store
// (ZADD, ZINCRBY, WEIGHTS) goes through string2d: the whole argument must
// convert, with no leading space, no overflow to infinity and no
// underflow to zero, and NaN is refused. A range bound (ZRANGEBYSCORE min
// max, ZCOUNT ...) goes through zslParseRange: strtod straight, so leading
// space is skipped, an empty argument is 0, out-of-range values become
// infinities or zero, and the conversion may stop at a NUL byte; only
// NaN and trailing garbage are refused.

// strtod emulates glibc's strtod on b: it returns the value of the
// longest prefix that converts, how many bytes that prefix has (0 if
// nothing converts, as strtod then sets its end to b), and whether the
// result overflowed to an infinity or underflowed to zero (errno ERANGE
// with those results).
func strtod(b []byte) (v float64, n int, erange bool) {
	i := 0
	for i < len(b) && isCSpace(b[i]) {
		i++
	}
	start := i
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	body := i
	switch {
	case hasWordFold(b[body:], "infinity"):
		return signed(math.Inf(1), neg), body + 8, false
	case hasWordFold(b[body:], "inf"):
		return signed(math.Inf(1), neg), body + 3, false
	case hasWordFold(b[body:], "nan"):
		end := body + 3
		if end < len(b) && b[end] == '(' {
			j := end + 1
			for j < len(b) && (isAlnum(b[j]) || b[j] == '_') {
				j++
			}
			if j < len(b) && b[j] == ')' {
				end = j + 1
			}
		}
		return math.NaN(), end, false
	case body+2 < len(b) && b[body] == '0' && (b[body+1] == 'x' || b[body+1] == 'X'):
		if end, ok := scanNumber(b, body+2, true); ok {
			v, erange := convertPrefix(b[start:end], b[body+2:end], true)
			return v, end, erange
		}
	}
	end, ok := scanNumber(b, body, false)
	if !ok {
		return 0, 0, false
	}
	v, erange = convertPrefix(b[start:end], b[body:end], false)
	return v, end, erange
}

// scanNumber returns the end of the digits [. digits] [exponent] that
// start at i (hexadecimal digits and a 'p' exponent with hex). ok is
// false if there is no digit. An exponent marker not followed by digits
// is not part of the number.
func scanNumber(b []byte, i int, hex bool) (end int, ok bool) {
	isDigit := isDecDigit
	expChar := byte('e')
	if hex {
		isDigit, expChar = isHexDigit, 'p'
	}
	digits := 0
	for i < len(b) && isDigit(b[i]) {
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && isDigit(b[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(b) && b[i]|0x20 == expChar {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j < len(b) && isDecDigit(b[j]) {
			for j < len(b) && isDecDigit(b[j]) {
				j++
			}
			i = j
		}
	}
	return i, true
}

// convertPrefix converts the number text (sign included) whose digits
// and exponent are mant, as strtod would.
func convertPrefix(text, mant []byte, hex bool) (v float64, erange bool) {
	s := string(text)
	if hex && !containsExp(mant) {
		s += "p0" // Go wants the binary exponent C leaves optional
	}
	v, err := strconv.ParseFloat(s, 64)
	erange = err != nil // only ErrRange is possible here: an overflow
	if v == 0 && hasNonZeroDigit(mant, hex) {
		erange = true // underflow to zero
	}
	return v, erange
}

func containsExp(mant []byte) bool {
	for _, c := range mant {
		if c|0x20 == 'p' {
			return true
		}
	}
	return false
}

// hasNonZeroDigit reports whether the mantissa of mant (before any
// exponent) has a digit other than 0.
func hasNonZeroDigit(mant []byte, hex bool) bool {
	for _, c := range mant {
		switch {
		case c == '.' || c == '0':
		case !hex && c|0x20 == 'e', hex && c|0x20 == 'p':
			return false
		default:
			return true
		}
	}
	return false
}

func signed(f float64, neg bool) float64 {
	if neg {
		return -f
	}
	return f
}

// isCSpace is C's isspace in the C locale.
func isCSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func isDecDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool {
	return isDecDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

func isAlnum(c byte) bool { return isDecDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') }

// hasWordFold reports whether b begins with the lower-case word w,
// ignoring case.
func hasWordFold(b []byte, w string) bool {
	return len(b) >= len(w) && equalFold(b[:len(w)], w)
}

// parseScore parses a score to store as Redis's string2d: the whole of b
// converts, no leading space, no overflow, no underflow to zero, no NaN.
// ok is false where Redis replies "value is not a valid float" (or the
// command's own text, such as WEIGHTS's).
func parseScore(b []byte) (float64, bool) {
	if len(b) == 0 || isCSpace(b[0]) {
		return 0, false
	}
	v, n, erange := strtod(b)
	if n != len(b) || erange || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// storedScore is the score redpool stores for s: -0 becomes 0, as Redis's
// small (listpack) sorted sets store it, so that it prints "0".
func storedScore(s float64) float64 {
	if s == 0 {
		return 0
	}
	return s
}

// parseScoreBound parses a ZRANGEBYSCORE-style bound as Redis's
// zslParseRange: "(" makes it exclusive, then strtod, which must stop at
// the end of b or at a NUL byte and must not give NaN.
func parseScoreBound(b []byte) (backend.ScoreBound, bool) {
	var sb backend.ScoreBound
	if len(b) > 0 && b[0] == '(' {
		sb.Exclusive = true
		b = b[1:]
	}
	v, n, _ := strtod(b)
	if (n < len(b) && b[n] != 0) || math.IsNaN(v) {
		return sb, false
	}
	sb.Value = v
	return sb, true
}

// parseScoreRange parses min and max, ErrMinMaxNotFloat if either fails.
func parseScoreRange(minArg, maxArg []byte) (lo, hi backend.ScoreBound, err error) {
	lo, ok1 := parseScoreBound(minArg)
	hi, ok2 := parseScoreBound(maxArg)
	if !ok1 || !ok2 {
		return lo, hi, ErrMinMaxNotFloat
	}
	return lo, hi, nil
}

// parseLexBound parses a ZRANGEBYLEX-style bound as Redis's
// zslParseLexRangeItem: "-" and "+" (alone, or before a NUL byte) are the
// ends, "[x" includes x, "(x" excludes it. The value aliases b.
func parseLexBound(b []byte) (backend.LexBound, bool) {
	if len(b) == 0 {
		return backend.LexBound{}, false
	}
	switch b[0] {
	case '-', '+':
		if len(b) > 1 && b[1] != 0 {
			return backend.LexBound{}, false
		}
		inf := int8(1)
		if b[0] == '-' {
			inf = -1
		}
		return backend.LexBound{Inf: inf, Exclusive: true}, true
	case '(':
		return backend.LexBound{Value: b[1:], Exclusive: true}, true
	case '[':
		return backend.LexBound{Value: b[1:]}, true
	}
	return backend.LexBound{}, false
}

// parseLexRange parses min and max, ErrLexRange if either fails.
func parseLexRange(minArg, maxArg []byte) (lo, hi backend.LexBound, err error) {
	lo, ok1 := parseLexBound(minArg)
	hi, ok2 := parseLexBound(maxArg)
	if !ok1 || !ok2 {
		return lo, hi, ErrLexRange
	}
	return lo, hi, nil
}
