package resp

import (
	"bufio"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadReply(t *testing.T) {
	long := strings.Repeat("L", 5000)
	tests := []struct {
		in   string
		want string // Value.String(), or "error: ..." for an error
	}{
		{"+OK\r\n", "+OK"},
		{"+\r\n", "+"},
		{"+" + long + "\r\n", "+" + long},
		{"-ERR wrong\r\n", "-ERR wrong"},
		{":0\r\n", ":0"},
		{":-42\r\n", ":-42"},
		{"$3\r\nfoo\r\n", `"foo"`},
		{"$0\r\n\r\n", `""`},
		{"$4\r\na\r\n\x00\r\n", `"a\r\n\x00"`},
		{"$5000\r\n" + long + "\r\n", `"` + long + `"`},
		{"$-1\r\n", "(nil)"},
		{"*-1\r\n", "(nil array)"},
		{"*0\r\n", "[]"},
		{"*3\r\n:1\r\n$1\r\na\r\n*2\r\n+x\r\n$-1\r\n", `[:1, "a", [+x, (nil)]]`},
		{"", "error: EOF"},
		{"+OK", "error: unexpected EOF"},
		{"+OK\r", "error: unexpected EOF"},
		{"$3\r\nfo", "error: unexpected EOF"},
		{"$3\r\nfoo", "error: unexpected EOF"},
		{"*2\r\n:1\r\n", "error: unexpected EOF"},
		{"*1\r\n", "error: unexpected EOF"},
		{"+OK\n", "error: Protocol error: reply line not terminated by CRLF"},
		{"\r\n", "error: Protocol error: empty reply line"},
		{"?x\r\n", `error: Protocol error: invalid reply type "?"`},
		{":x\r\n", "error: Protocol error: invalid integer reply"},
		{"$-2\r\n", "error: Protocol error: invalid bulk length"},
		{"$x\r\n", "error: Protocol error: invalid bulk length"},
		{"$536870913\r\n", "error: Protocol error: invalid bulk length"},
		{"$3\r\nfooXY", "error: Protocol error: bulk reply not terminated by CRLF"},
		{"*-2\r\n", "error: Protocol error: invalid multibulk length"},
		{"*2147483648\r\n", "error: Protocol error: invalid multibulk length"},
		{strings.Repeat("*1\r\n", 600) + ":1\r\n", "error: Protocol error: reply nested too deeply"},
		// RESP3
		{"_\r\n", "(nil)"},
		{"_x\r\n", "error: Protocol error: invalid null reply"},
		{"#t\r\n", "#t"},
		{"#f\r\n", "#f"},
		{"#x\r\n", "error: Protocol error: invalid boolean reply"},
		{",1.5\r\n", ",1.5"},
		{",-inf\r\n", ",-inf"},
		{",1e400\r\n", ",1e400"},
		{",x\r\n", "error: Protocol error: invalid double reply"},
		{"(-123456789012345678901234567890\r\n", "(-123456789012345678901234567890"},
		{"(\r\n", "error: Protocol error: invalid big number reply"},
		{"(1a\r\n", "error: Protocol error: invalid big number reply"},
		{"=8\r\ntxt:a\r\nb\r\n", `txt:"a\r\nb"`},
		{"=3\r\ntxt\r\n", "error: Protocol error: invalid verbatim string reply"},
		{"=4\r\ntxt-\r\n", "error: Protocol error: invalid verbatim string reply"},
		{"=-1\r\n", "error: Protocol error: invalid bulk length"},
		{"!5\r\nERR x\r\n", "-ERR x"},
		{"%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n%0\r\n", `{"a": :1, "b": {}}`},
		{"%1\r\n$1\r\na\r\n", "error: unexpected EOF"},
		{"%-1\r\n", "error: Protocol error: invalid multibulk length"},
		{"~2\r\n:1\r\n_\r\n", "~[:1, (nil)]"},
		{">2\r\n$7\r\nmessage\r\n$2\r\nhi\r\n", `>["message", "hi"]`},
		{"|1\r\n+key\r\n+val\r\n:5\r\n", ":5"},
		{"*1\r\n|1\r\n+key\r\n+val\r\n:5\r\n", "[:5]"},
		{"|1\r\n+key\r\n+val\r\n", "error: unexpected EOF"},
	}
	for _, tt := range tests {
		for name, rd := range map[string]io.Reader{
			"whole":   strings.NewReader(tt.in),
			"onebyte": iotest.OneByteReader(strings.NewReader(tt.in)),
		} {
			v, err := ReadReply(bufio.NewReaderSize(rd, 16))
			got := v.String()
			if err != nil {
				got = "error: " + err.Error()
			}
			if got != tt.want {
				t.Errorf("%s %q: got %s, want %s", name, trunc(tt.in), trunc(got), trunc(tt.want))
			}
		}
	}
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

func TestReadReplyValues(t *testing.T) {
	var b []byte
	b = AppendArrayLen(b, 7)
	b = AppendSimple(b, "OK")
	b = AppendError(b, "ERR x")
	b = AppendInt(b, 5)
	b = AppendBulkString(b, "v")
	b = AppendNull(b)
	b = AppendNullArray(b)
	b = AppendArrayLen(b, 0)
	b = AppendBulkInt(b, 7)
	br := bufio.NewReader(strings.NewReader(string(b)))
	v, err := ReadReply(br)
	if err != nil {
		t.Fatal(err)
	}
	want := Value{Kind: Array, Array: []Value{
		{Kind: SimpleString, Str: []byte("OK")},
		{Kind: Error, Str: []byte("ERR x")},
		{Kind: Integer, Int: 5},
		{Kind: BulkString, Str: []byte("v")},
		{Kind: Null},
		{Kind: NullArray},
		{Kind: Array, Array: []Value{}},
	}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %v, want %v", v, want)
	}
	v, err = ReadReply(br)
	if err != nil || v.Kind != BulkString || string(v.Str) != "7" {
		t.Fatalf("got %v, %v", v, err)
	}
	if _, err := ReadReply(br); err != io.EOF {
		t.Fatalf("err = %v, want EOF", err)
	}
}

func TestReadReplyOwnsMemory(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("+first\r\n+second\r\n"), 16)
	v1, _ := ReadReply(br)
	v2, _ := ReadReply(br)
	if string(v1.Str) != "first" || string(v2.Str) != "second" {
		t.Fatalf("got %q %q", v1.Str, v2.Str)
	}
}

func TestReadReplyProtocolErrorType(t *testing.T) {
	_, err := ReadReply(bufio.NewReader(strings.NewReader("?\r\n")))
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %T, want *ProtocolError", err)
	}
}

func TestReadReplyMemoryBounded(t *testing.T) {
	for _, in := range []string{"$536870000\r\nabc", "*1048576\r\n:1\r\n"} {
		var err error
		n := allocBytes(func() {
			_, err = ReadReply(bufio.NewReader(strings.NewReader(in)))
		})
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("%q: err = %v", in, err)
		}
		if n > 1<<20 {
			t.Fatalf("%q: allocated %d bytes", in, n)
		}
	}
}

func TestKindString(t *testing.T) {
	want := map[Kind]string{
		SimpleString: "SimpleString", Error: "Error", Integer: "Integer", BulkString: "BulkString",
		Array: "Array", Null: "Null", NullArray: "NullArray", Map: "Map", Set: "Set", Push: "Push",
		Double: "Double", Boolean: "Boolean", BigNumber: "BigNumber", Verbatim: "Verbatim",
		0: "Kind(0)", 42: "Kind(42)",
	}
	for k, s := range want {
		if k.String() != s {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), s)
		}
	}
	if s := (Value{}).String(); s != "(Kind(0))" {
		t.Errorf("zero Value = %q", s)
	}
}
