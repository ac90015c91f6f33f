package command

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseCursor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"", 0, true}, {"+0", 0, true}, {"-0", 0, true}, {"000", 0, true}, {"42", 42, true},
		{"-1", math.MaxUint64, true}, {"-18446744073709551615", 1, true},
		{"18446744073709551615", math.MaxUint64, true}, {"18446744073709551616", 0, false},
		{"-18446744073709551616", 0, false}, {"99999999999999999999", 0, false},
		{"+", 0, false}, {"-", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"0x10", 0, false}, {"1.0", 0, false},
		{"abc", 0, false}, {"+-1", 0, false},
	} {
		got, ok := parseCursor([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseCursor(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseInt32(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		err  error
	}{
		{"0", 0, nil}, {"-2147483648", math.MinInt32, nil}, {"2147483647", math.MaxInt32, nil},
		{"2147483648", 0, ErrIntRange}, {"-2147483649", 0, ErrIntRange}, {"x", 0, ErrNotInteger}, {"01", 0, ErrNotInteger},
	} {
		got, err := parseInt32([]byte(tc.in))
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("parseInt32(%q) = %d, %v; want %d, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestIncrLongDouble checks the long double emulation against outputs of
// Redis 7.0 on x86-64.
func TestIncrLongDouble(t *testing.T) {
	for _, tc := range []struct {
		cur    string // "" with exists false: a missing key
		exists bool
		incr   string
		want   string
		err    error
	}{
		{"10.5", true, "0.1", "10.6", nil},
		{"1.1", true, "2.2", "3.3", nil},
		{"0.1", true, "0.2", "0.3", nil},
		{"", false, "5.0e3", "5000", nil},
		{"", false, "3.0e3", "3000", nil},
		{"", false, "3.14159265358979323846", "3.14159265358979324", nil},
		{"", false, "123456789012345678901234567890", "123456789012345678899921813504", nil},
		{"1e20", true, "1", "100000000000000000000", nil},
		{"-1.5", true, "1", "-0.5", nil},
		{"", false, "-0", "0", nil},
		{"", false, "-1e-20", "0", nil},
		{"", false, "1e-400", "0", nil},
		{"", false, "0.000000000000000025", "0.00000000000000002", nil},
		{"", false, "0.000000000000000015", "0.00000000000000002", nil},
		{"16", true, "0x1p-2", "16.25", nil},
		{"", false, "0X1P+2", "4", nil},
		{"", false, "0x.8", "0.5", nil},
		{"", false, "+.5", "0.5", nil},
		{"", false, "5.", "5", nil},
		{"10", true, "abc", "", ErrNotFloat},
		{"abc", true, "1", "", ErrNotInteger}, // the caller's error for a bad current value
		{"", true, "1", "", ErrNotInteger},
		{"", false, "", "", ErrNotFloat},
		{"", false, " 1", "", ErrNotFloat},
		{"", false, "1 ", "", ErrNotFloat},
		{"", false, "nan", "", ErrNotFloat},
		{"", false, "1_0", "", ErrNotFloat},
		{"", false, "0x", "", ErrNotFloat},
		{"", false, "0x1p", "", ErrNotFloat},
		{"", false, "1e", "", ErrNotFloat},
		{"", false, "1e5000", "", ErrNotFloat},
		{"", false, "1e-5000", "", ErrNotFloat},
		{"", false, "1.19e4932", "", ErrNotFloat},
		{"", false, strings.Repeat("1", 5120), "", ErrNotFloat},
		{"", false, "inf", "", ErrIncrNaN},
		{"", false, "-Infinity", "", ErrIncrNaN},
		{"inf", true, "-inf", "", ErrIncrNaN},
		{"1.18e4932", true, "1.18e4932", "", ErrIncrNaN},
	} {
		got, err := incrLongDouble([]byte(tc.cur), tc.exists, []byte(tc.incr), ErrNotInteger)
		if string(got) != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("incrLongDouble(%q, %v, %q) = %q, %v; want %q, %v", tc.cur, tc.exists, tc.incr, got, err, tc.want, tc.err)
		}
	}
	// The printed digits of a huge value are exact.
	got, err := incrLongDouble(nil, false, []byte("1e400"), ErrNotFloat)
	if err != nil || !strings.HasPrefix(string(got), "10000000000000000000281880683947586514586453433629") || len(got) != 401 {
		t.Errorf("1e400 = %q, %v", got, err)
	}
}

func TestParseSetOptions(t *testing.T) {
	for _, tc := range []struct {
		args   string
		forSet bool
		want   setFlags
		expire string
		err    error
	}{
		{"", true, 0, "", nil},
		{"NX GET", true, setNX | setGet, "", nil},
		{"ex 10 ex 20", true, setEX, "20", nil},
		{"PX 5 XX", true, setPX | setXX, "5", nil},
		{"KEEPTTL keepttl", true, setKeepTTL, "", nil},
		{"NX XX", true, 0, "", ErrSyntax},
		{"EX 1 PX 1", true, 0, "", ErrSyntax},
		{"KEEPTTL EX 1", true, 0, "", ErrSyntax},
		{"EX", true, 0, "", ErrSyntax},
		{"PERSIST", true, 0, "", ErrSyntax},
		{"PERSIST", false, setPersist, "", nil},
		{"PERSIST EX 1", false, 0, "", ErrSyntax},
		{"EXAT 5", false, setEXAT, "5", nil},
		{"GET", false, 0, "", ErrSyntax},
		{"NX", false, 0, "", ErrSyntax},
		{"KEEPTTL", false, 0, "", ErrSyntax},
	} {
		var args [][]byte
		for _, w := range strings.Fields(tc.args) {
			args = append(args, []byte(w))
		}
		f, expire, err := parseSetOptions(args, tc.forSet)
		if f != tc.want && tc.err == nil || string(expire) != tc.expire && tc.err == nil || !errors.Is(err, tc.err) {
			t.Errorf("parseSetOptions(%q, %v) = %b, %q, %v; want %b, %q, %v", tc.args, tc.forSet, f, expire, err, tc.want, tc.expire, tc.err)
		}
	}
}
