package command

import (
	"strconv"
	"testing"

	"redpool/backend"
	"redpool/session/resp"
)

// bitmapsRefOffset is parseBitOffset as string2ll and the range check
// define it, through resp.ParseInt: what the fast parser must agree with.
func bitmapsRefOffset(arg []byte, width uint) (int64, bool) {
	hash := width > 0 && len(arg) > 0 && arg[0] == '#'
	if hash {
		arg = arg[1:]
	}
	n, ok := resp.ParseInt(arg)
	if !ok {
		return 0, false
	}
	if hash {
		n *= int64(width)
	}
	if n < 0 || n>>3 >= backend.MaxStringLen {
		return 0, false
	}
	return n, true
}

// TestBitmapsParseOffset compares parseBitOffset and parseBitValue with
// the reference on edge cases: signs, leading zeros, spaces, the range's
// ends, overflow, BITFIELD's "#".
func TestBitmapsParseOffset(t *testing.T) {
	limit := int64(backend.MaxStringLen) * 8
	cases := []string{"", "0", "1", "7", "00", "01", "-0", "-1", "+1", " 1", "1 ", "1a", "a",
		"#", "#0", "#1", "#-1", "#01", "##1", "8388607", "1234567890",
		strconv.FormatInt(limit-1, 10), strconv.FormatInt(limit, 10), strconv.FormatInt(limit+1, 10),
		"9999999999", "10000000000", "00000000001", "99999999999999999999", "9223372036854775807",
		"9223372036854775808", "-9223372036854775808", "#536870911", "#536870912", "#9223372036854775807",
		"1\x00", "\xff", "/", ":"}
	for _, s := range cases {
		for _, width := range []uint{0, 1, 8, 64} {
			want, wantOK := bitmapsRefOffset([]byte(s), width)
			got, err := parseBitOffset([]byte(s), width)
			if (err == nil) != wantOK || got != want || err != nil && err != ErrBitOffset {
				t.Errorf("parseBitOffset(%q, %d) = %d, %v; want %d, ok %v", s, width, got, err, want, wantOK)
			}
		}
		n, ok := resp.ParseInt([]byte(s))
		wantOK := ok && n&^1 == 0
		on, err := parseBitValue([]byte(s))
		if (err == nil) != wantOK || wantOK && on != (n == 1) || err != nil && err != ErrBitValue {
			t.Errorf("parseBitValue(%q) = %v, %v; want %d, ok %v", s, on, err, n, wantOK)
		}
	}
}

// FuzzBitmapsParseOffset checks parseBitOffset against the reference on
// any input.
func FuzzBitmapsParseOffset(f *testing.F) {
	for _, s := range []string{"0", "8388607", "#3", "-1", "4294967295", "01"} {
		f.Add(s, uint(0))
		f.Add(s, uint(8))
	}
	f.Fuzz(func(t *testing.T, s string, width uint) {
		width %= 65
		want, wantOK := bitmapsRefOffset([]byte(s), width)
		got, err := parseBitOffset([]byte(s), width)
		if (err == nil) != wantOK || got != want {
			t.Fatalf("parseBitOffset(%q, %d) = %d, %v; want %d, ok %v", s, width, got, err, want, wantOK)
		}
	})
}
