package lualib

import (
	"math"
	"testing"
)

// TestFormatNumber checks FormatNumber against tostring() in Redis 7.0.15
// (recorded with EVAL "return tostring(...)").
func TestFormatNumber(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{math.Pow(2, 53), "9.007199254741e+15"},
		{1.0 / 3, "0.33333333333333"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.Copysign(math.NaN(), -1), "-nan"},
		{math.NaN(), "nan"},
		{100, "100"},
		{1e15, "1e+15"},
		{123456789012345, "1.2345678901234e+14"},
		{1e-5, "1e-05"},
		{123.456, "123.456"},
		{math.Pow(2, 63), "9.2233720368548e+18"},
		{1e100, "1e+100"},
		{5e-324, "4.9406564584125e-324"},
		{0.1, "0.1"},
		{math.Copysign(0, -1), "-0"}, // cjson.encode(-0) in Redis
	} {
		if got := FormatNumber(c.f); got != c.want {
			t.Errorf("FormatNumber(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

// TestParseNumber checks ParseNumber against tonumber() in Redis 7.0.15.
func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		s    string
		want float64
		ok   bool
	}{
		{" 0x1A ", 26, true},
		{"1e", 0, false},
		{"0x1p4", 16, true},
		{"inf", math.Inf(1), true},
		{"1e2", 100, true},
		{"4\x00x", 4, true},
		{"\t7\n", 7, true},
		{"0x", 0, false},
		{"1 2", 0, false},
		{"", 0, false},
	} {
		got, ok := ParseNumber(c.s)
		if ok != c.ok || got != c.want {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v, %v", c.s, got, ok, c.want, c.ok)
		}
	}
	if f, ok := ParseNumber("nan"); !ok || !math.IsNaN(f) {
		t.Errorf("ParseNumber(nan) = %v, %v", f, ok)
	}
}
