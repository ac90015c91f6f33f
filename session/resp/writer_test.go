package resp

import (
	"math"
	"testing"
)

func TestAppend(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"simple", AppendSimple(nil, "OK"), "+OK\r\n"},
		{"simple empty", AppendSimple(nil, ""), "+\r\n"},
		{"simple crlf", AppendSimple(nil, "a\r\nb"), "+a  b\r\n"},
		{"error", AppendError(nil, "ERR unknown command 'foo'"), "-ERR unknown command 'foo'\r\n"},
		{"error crlf", AppendError(nil, "ERR bad\r\n-injected"), "-ERR bad  -injected\r\n"},
		{"int zero", AppendInt(nil, 0), ":0\r\n"},
		{"int", AppendInt(nil, 12345), ":12345\r\n"},
		{"int negative", AppendInt(nil, -7), ":-7\r\n"},
		{"int min", AppendInt(nil, math.MinInt64), ":-9223372036854775808\r\n"},
		{"int max", AppendInt(nil, math.MaxInt64), ":9223372036854775807\r\n"},
		{"bulk", AppendBulk(nil, []byte("foo")), "$3\r\nfoo\r\n"},
		{"bulk empty", AppendBulk(nil, []byte{}), "$0\r\n\r\n"},
		{"bulk nil", AppendBulk(nil, nil), "$0\r\n\r\n"},
		{"bulk binary", AppendBulk(nil, []byte("a\r\n\x00b")), "$5\r\na\r\n\x00b\r\n"},
		{"bulk string", AppendBulkString(nil, "hello world"), "$11\r\nhello world\r\n"},
		{"bulk string empty", AppendBulkString(nil, ""), "$0\r\n\r\n"},
		{"bulk int", AppendBulkInt(nil, 42), "$2\r\n42\r\n"},
		{"bulk int zero", AppendBulkInt(nil, 0), "$1\r\n0\r\n"},
		{"bulk int 9", AppendBulkInt(nil, 9), "$1\r\n9\r\n"},
		{"bulk int 10", AppendBulkInt(nil, 10), "$2\r\n10\r\n"},
		{"bulk int negative", AppendBulkInt(nil, -100), "$4\r\n-100\r\n"},
		{"bulk int min", AppendBulkInt(nil, math.MinInt64), "$20\r\n-9223372036854775808\r\n"},
		{"bulk int max", AppendBulkInt(nil, math.MaxInt64), "$19\r\n9223372036854775807\r\n"},
		{"null", AppendNull(nil), "$-1\r\n"},
		{"null array", AppendNullArray(nil), "*-1\r\n"},
		{"array len", AppendArrayLen(nil, 3), "*3\r\n"},
		{"array len zero", AppendArrayLen(nil, 0), "*0\r\n"},
		{"command", AppendCommand(nil, []byte("SET"), []byte("k"), []byte("")), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"},
		{"command empty", AppendCommand(nil), "*0\r\n"},
		{"command strings", AppendCommandStrings(nil, "GET", "key"), "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"},
		{"appends", AppendInt(AppendSimple([]byte("x"), "OK"), 1), "x+OK\r\n:1\r\n"},
		{"nil", AppendNil(nil), "_\r\n"},
		{"map len", AppendMapLen(nil, 2), "%2\r\n"},
		{"set len", AppendSetLen(nil, 0), "~0\r\n"},
		{"push len", AppendPushLen(nil, 3), ">3\r\n"},
		{"bool true", AppendBool(nil, true), "#t\r\n"},
		{"bool false", AppendBool(nil, false), "#f\r\n"},
		{"double", AppendDouble(nil, 1.5), ",1.5\r\n"},
		{"double 0.1", AppendDouble(nil, 0.1), ",0.10000000000000001\r\n"},
		{"double int", AppendDouble(nil, 3), ",3\r\n"},
		{"double neg zero", AppendDouble(nil, math.Copysign(0, -1)), ",-0\r\n"},
		{"double big", AppendDouble(nil, 1e17), ",1e+17\r\n"},
		{"double below 1e17", AppendDouble(nil, 12345678901234567), ",12345678901234568\r\n"},
		{"double small", AppendDouble(nil, 0.00001), ",1.0000000000000001e-05\r\n"},
		{"double 1e-4", AppendDouble(nil, 0.0001), ",0.0001\r\n"},
		{"double inf", AppendDouble(nil, math.Inf(1)), ",inf\r\n"},
		{"double -inf", AppendDouble(nil, math.Inf(-1)), ",-inf\r\n"},
		{"double nan", AppendDouble(nil, math.NaN()), ",nan\r\n"},
		{"verbatim", AppendVerbatim(nil, "txt", []byte("a\r\nb")), "=8\r\ntxt:a\r\nb\r\n"},
		{"verbatim empty", AppendVerbatim(nil, "mkd", nil), "=4\r\nmkd:\r\n"},
		{"big number", AppendBigNumber(nil, "-3492890328409238509324850943850943825024385"), "(-3492890328409238509324850943850943825024385\r\n"},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestIntLen(t *testing.T) {
	for _, n := range []int64{0, 1, 9, 10, 99, 100, -1, -9, -10, 1e18, math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		if got, want := intLen(n), len(AppendInt(nil, n))-3; got != want {
			t.Errorf("intLen(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestAppendNoAllocs(t *testing.T) {
	dst := make([]byte, 0, 4096)
	val := []byte("some value")
	allocs := testing.AllocsPerRun(100, func() {
		b := dst[:0]
		b = AppendSimple(b, "OK")
		b = AppendError(b, "ERR x")
		b = AppendInt(b, -123)
		b = AppendBulk(b, val)
		b = AppendBulkString(b, "str")
		b = AppendBulkInt(b, 99)
		b = AppendNull(b)
		b = AppendNullArray(b)
		b = AppendArrayLen(b, 2)
		b = AppendCommand(b, val, val)
		b = AppendCommandStrings(b, "GET", "k")
		b = AppendNil(b)
		b = AppendMapLen(b, 1)
		b = AppendSetLen(b, 1)
		b = AppendPushLen(b, 1)
		b = AppendBool(b, true)
		b = AppendDouble(b, 0.1)
		b = AppendVerbatim(b, "txt", val)
		b = AppendBigNumber(b, "123")
		_ = b
	})
	if allocs != 0 {
		t.Fatalf("%v allocs, want 0", allocs)
	}
}
