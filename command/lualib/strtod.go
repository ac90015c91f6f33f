package lualib

import (
	"math"
	"strconv"
)

// strtod reads the longest prefix of s that glibc's strtod accepts (after
// no leading space: lua-cjson calls it at a number's first character) and
// returns its value and length; a length of 0 means no number. It accepts
// what strtod does: a sign, decimal digits with an optional fraction and
// exponent, 0x hexadecimal with an optional fraction and p exponent, inf,
// infinity and nan (with an optional "(chars)"), in any case. A NUL byte
// ends s, as it ends a C string.
func strtod(s string) (float64, int) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	rest := s[i:]
	switch {
	case hasPrefixFold(rest, "infinity"):
		return sign(math.Inf(1)), i + 8
	case hasPrefixFold(rest, "inf"):
		return sign(math.Inf(1)), i + 3
	case hasPrefixFold(rest, "nan"):
		n := i + 3
		if n < len(s) && s[n] == '(' {
			j := n + 1
			for j < len(s) && (isDigit(s[j]) || isAlpha(s[j]) || s[j] == '_') {
				j++
			}
			if j < len(s) && s[j] == ')' {
				n = j + 1
			}
		}
		return sign(math.NaN()), n
	case len(rest) >= 2 && rest[0] == '0' && rest[1]|0x20 == 'x':
		if f, n := strtodHex(rest[2:]); n > 0 {
			return sign(f), i + 2 + n
		}
		return sign(0), i + 1 // just the "0"
	}
	j, digits := mantissa(s, i, isDigit)
	if digits == 0 {
		return 0, 0
	}
	j = exponent(s, j, 'e')
	f, err := strconv.ParseFloat(s[:j], 64)
	if err != nil && !isRangeErr(err) {
		return 0, 0
	}
	return f, j
}

// strtodHex reads hex digits with an optional fraction and binary exponent
// after "0x"; it returns 0 length when there is no hex digit.
func strtodHex(s string) (float64, int) {
	j, digits := mantissa(s, 0, isHex)
	if digits == 0 {
		return 0, 0
	}
	mant := s[:j]
	exp := "p0"
	if k := exponent(s, j, 'p'); k > j {
		exp, j = s[j:k], k
	}
	f, err := strconv.ParseFloat("0x"+mant+exp, 64)
	if err != nil && !isRangeErr(err) {
		return 0, 0
	}
	return f, j
}

// mantissa scans digits with an optional '.' and more digits from i; it
// returns where they end and how many digits there were.
func mantissa(s string, i int, digit func(byte) bool) (end, digits int) {
	for i < len(s) && digit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && digit(s[i]) {
			i++
			digits++
		}
	}
	return i, digits
}

// exponent scans an exponent ('e' or 'p', either case, an optional sign,
// decimal digits) at i and returns where it ends: i when there is none.
func exponent(s string, i int, marker byte) int {
	if i >= len(s) || s[i]|0x20 != marker {
		return i
	}
	k := i + 1
	if k < len(s) && (s[k] == '+' || s[k] == '-') {
		k++
	}
	if k >= len(s) || !isDigit(s[k]) {
		return i
	}
	for k < len(s) && isDigit(s[k]) {
		k++
	}
	return k
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
