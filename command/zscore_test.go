package command

import (
	"math"
	"testing"

	"redpool/backend"
)

// TestParseScore checks score parsing against what Redis 7.0 (string2d,
// glibc strtod) accepts and refuses.
func TestParseScore(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 1, true}, {"-1.5", -1.5, true}, {"+2", 2, true}, {".5", 0.5, true}, {"5.", 5, true},
		{"1e3", 1000, true}, {"1E-2", 0.01, true}, {"inf", inf, true}, {"+inf", inf, true},
		{"-inf", -inf, true}, {"Infinity", inf, true}, {"-INFINITY", -inf, true}, {"0x10", 16, true},
		{"0X1p3", 8, true}, {"0x.8", 0.5, true}, {"-0x1P-1", -0.5, true}, {"5e-324", 5e-324, true},
		{"3.0000000000000001", 3, true}, {"1e308", 1e308, true}, {"-0", 0, true},
		{"", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"1e", 0, false}, {"1e+", 0, false},
		{"0x", 0, false}, {"0xg", 0, false}, {"nan", 0, false}, {"NaN", 0, false}, {"-nan", 0, false},
		{"nan(123)", 0, false}, {"1e400", 0, false}, {"-1e400", 0, false}, {"1e-400", 0, false},
		{"0x1p-1080", 0, false}, {"abc", 0, false}, {"1\x00", 0, false}, {"inf1", 0, false},
		{"infinit", 0, false}, {".", 0, false}, {"+", 0, false}, {"--1", 0, false}, {"1_0", 0, false},
		{"0e500", 0, true}, {"0x0p-5000", 0, true},
	} {
		got, ok := parseScore([]byte(tc.in))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseScore(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestParseScoreBound checks range bounds as Redis's zslParseRange reads
// them: strtod straight, so space first, an empty bound and out-of-range
// values are accepted.
func TestParseScoreBound(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		in   string
		want backend.ScoreBound
		ok   bool
	}{
		{"1", backend.ScoreBound{Value: 1}, true},
		{"(1", backend.ScoreBound{Value: 1, Exclusive: true}, true},
		{"", backend.ScoreBound{}, true},
		{"(", backend.ScoreBound{Exclusive: true}, true},
		{" 1", backend.ScoreBound{Value: 1}, true},
		{"( 1", backend.ScoreBound{Value: 1, Exclusive: true}, true},
		{"1e400", backend.ScoreBound{Value: inf}, true},
		{"(1e-400", backend.ScoreBound{Exclusive: true}, true},
		{"-inf", backend.ScoreBound{Value: -inf}, true},
		{"+inf", backend.ScoreBound{Value: inf}, true},
		{"0x10", backend.ScoreBound{Value: 16}, true},
		{"2\x00junk", backend.ScoreBound{Value: 2}, true},
		{"0x", backend.ScoreBound{}, false},
		{"nan", backend.ScoreBound{}, false},
		{"(nan", backend.ScoreBound{}, false},
		{"1 ", backend.ScoreBound{}, false},
		{" ", backend.ScoreBound{}, false},
		{"abc", backend.ScoreBound{}, false},
		{"((1", backend.ScoreBound{}, false},
		{"[1", backend.ScoreBound{}, false},
	} {
		got, ok := parseScoreBound([]byte(tc.in))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseScoreBound(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseLexBound(t *testing.T) {
	for _, tc := range []struct {
		in       string
		value    string
		excl, ok bool
		inf      int8
	}{
		{"-", "", true, true, -1}, {"+", "", true, true, 1}, {"+\x00x", "", true, true, 1},
		{"[a", "a", false, true, 0}, {"(a", "a", true, true, 0}, {"[", "", false, true, 0},
		{"(", "", true, true, 0}, {"", "", false, false, 0}, {"a", "", false, false, 0},
		{"-a", "", false, false, 0}, {"++", "", false, false, 0},
	} {
		got, ok := parseLexBound([]byte(tc.in))
		if ok != tc.ok || (ok && (string(got.Value) != tc.value || got.Exclusive != tc.excl || got.Inf != tc.inf)) {
			t.Errorf("parseLexBound(%q) = %+v, %v", tc.in, got, ok)
		}
	}
}
