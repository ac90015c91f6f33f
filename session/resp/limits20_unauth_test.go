package resp

import (
	"strings"
	"testing"
)

// TestLimits20ReaderUnauthenticated: with SetAuthRequired, a multibulk
// count above 10 or a bulk length above 16384 is refused at its header
// with Redis 7.0's text, before the arguments arrive; inline commands
// and a client that need not authenticate have no such limit.
func TestLimits20ReaderUnauthenticated(t *testing.T) {
	big := strings.Repeat("x", 16385)
	for _, tc := range []struct {
		name, data string
		unauth     bool
		wantErr    string
		wantArgs   int
	}{
		{"count 11", "*11\r\n", true, proto("unauthenticated multibulk length"), 0},
		{"count 10", "*10\r\n" + strings.Repeat("$1\r\na\r\n", 10), true, "<nil>", 10},
		{"bulk 16385", "*1\r\n$16385\r\n", true, proto("unauthenticated bulk length"), 0},
		{"bulk 16384", "*1\r\n$16384\r\n" + big[:16384] + "\r\n", true, "<nil>", 1},
		{"invalid count first", "*x\r\n", true, proto("invalid multibulk length"), 0},
		{"invalid bulk first", "*1\r\n$-1\r\n", true, proto("invalid bulk length"), 0},
		{"inline", "ECHO " + strings.Repeat("a ", 20) + "\r\n", true, "<nil>", 21},
		{"authenticated", "*11\r\n" + strings.Repeat("$1\r\na\r\n", 10) + "$16385\r\n" + big + "\r\n", false, "<nil>", 11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tc.data), Limits{})
			r.SetAuthRequired(tc.unauth)
			args, err := r.ReadCommand()
			if errMsg(err) != tc.wantErr {
				t.Fatalf("err %q, want %q", errMsg(err), tc.wantErr)
			}
			if len(args) != tc.wantArgs {
				t.Fatalf("%d arguments, want %d", len(args), tc.wantArgs)
			}
		})
	}
}

// TestLimits20CheckUnauthenticated: a command read ahead is checked as
// its headers would have been: the count first, then the bulks.
func TestLimits20CheckUnauthenticated(t *testing.T) {
	arg := func(n int) []byte { return make([]byte, n) }
	for _, tc := range []struct {
		name    string
		args    [][]byte
		wantErr string
	}{
		{"within", [][]byte{arg(16384), arg(1)}, "<nil>"},
		{"count", make([][]byte, 11), proto("unauthenticated multibulk length")},
		{"bulk", [][]byte{arg(1), arg(16385)}, proto("unauthenticated bulk length")},
		{"both", append(make([][]byte, 10), arg(16385)), proto("unauthenticated multibulk length")},
	} {
		if got := errMsg(CheckUnauthenticated(tc.args)); got != tc.wantErr {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.wantErr)
		}
	}
}
