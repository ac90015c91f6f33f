package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// chunkReader returns its data in chunks of random sizes in [1, max].
type chunkReader struct {
	data []byte
	rnd  *rand.Rand
	max  int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := 1 + c.rnd.IntN(c.max)
	n = min(n, len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// countReader counts calls to Read.
type countReader struct {
	r     io.Reader
	calls int
}

func (c *countReader) Read(p []byte) (int, error) {
	c.calls++
	return c.r.Read(p)
}

// feeders deliver the same input in different ways; every Reader test
// must give the same result for all of them.
func feeders(data string) map[string]io.Reader {
	m := map[string]io.Reader{
		"whole":      strings.NewReader(data),
		"onebyte":    iotest.OneByteReader(strings.NewReader(data)),
		"dataerr":    iotest.DataErrReader(strings.NewReader(data)),
		"halfreader": iotest.HalfReader(strings.NewReader(data)),
	}
	for seed := range uint64(4) {
		m[fmt.Sprintf("chunks%d", seed)] = &chunkReader{
			data: []byte(data),
			rnd:  rand.New(rand.NewPCG(seed, 42)),
			max:  1 + int(seed)*7,
		}
	}
	return m
}

// readAll reads commands until an error and returns copies of them.
func readAll(r *Reader) ([][]string, error) {
	var out [][]string
	for {
		args, err := r.ReadCommand()
		if err != nil {
			return out, err
		}
		if len(args) == 0 {
			return out, errors.New("ReadCommand returned an empty command")
		}
		cmd := make([]string, len(args))
		for i, a := range args {
			cmd[i] = string(a)
		}
		out = append(out, cmd)
	}
}

func cmds(c ...[]string) [][]string { return c }
func cmd(a ...string) []string      { return a }

func errMsg(err error) string {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return "proto: " + pe.Msg
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func proto(msg string) string { return "proto: Protocol error: " + msg }

const (
	eof  = "EOF"            // io.EOF.Error()
	uEOF = "unexpected EOF" // io.ErrUnexpectedEOF.Error()
)

func TestReaderTable(t *testing.T) {
	big := strings.Repeat("x", 70000)
	tests := []struct {
		name string
		in   string
		lim  Limits
		want [][]string
		err  string
	}{
		{"empty", "", Limits{}, nil, eof},
		{"multibulk", "*1\r\n$4\r\nPING\r\n", Limits{}, cmds(cmd("PING")), eof},
		{"pipeline", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
			Limits{}, cmds(cmd("SET", "k", "value"), cmd("GET", "k")), eof},
		{"empty bulk", "*2\r\n$0\r\n\r\n$0\r\n\r\n", Limits{}, cmds(cmd("", "")), eof},
		{"binary bulk", "*2\r\n$4\r\na\r\nb\r\n$3\r\n\x00\xff\x00\r\n", Limits{},
			cmds(cmd("a\r\nb", "\x00\xff\x00")), eof},
		{"bulk contains header", "*1\r\n$11\r\n*1\r\n$1\r\nx\r\n\r\n", Limits{}, cmds(cmd("*1\r\n$1\r\nx\r\n")), eof},
		{"star zero skipped", "*0\r\n*1\r\n$1\r\na\r\n*0\r\n", Limits{}, cmds(cmd("a")), eof},
		{"star negative skipped", "*-1\r\n*-10\r\n*1\r\n$1\r\na\r\n", Limits{}, cmds(cmd("a")), eof},
		{"inline crlf", "PING\r\n", Limits{}, cmds(cmd("PING")), eof},
		{"inline lf", "PING\n", Limits{}, cmds(cmd("PING")), eof},
		{"inline args", "set  key\tvalue \r\n", Limits{}, cmds(cmd("set", "key", "value")), eof},
		{"inline double quotes", `set "a b" "" c` + "\r\n", Limits{}, cmds(cmd("set", "a b", "", "c")), eof},
		{"inline single quotes", `set 'a b' 'it\'s' 'x\ny'` + "\n", Limits{},
			cmds(cmd("set", "a b", "it's", `x\ny`)), eof},
		{"inline escapes", `"\x41\x7a\n\r\t\b\a\\\"\z\x4g\xFF"` + "\n", Limits{},
			cmds(cmd("Az\n\r\t\b\a\\\"zx4g\xff")), eof},
		{"inline quote mid token", `foo"bar baz" x` + "\n", Limits{}, cmds(cmd("foobar baz", "x")), eof},
		{"inline quote then vtab", "\"a\"\vb\n", Limits{}, cmds(cmd("a", "b")), eof},
		{"inline vtab inside token", "a\vb\n", Limits{}, cmds(cmd("a\vb")), eof},
		{"inline cr inside line", "a\rb\r\n", Limits{}, cmds(cmd("a", "b")), eof},
		{"inline nul ends line", "a b\x00c d\nPING\n", Limits{}, cmds(cmd("a", "b"), cmd("PING")), eof},
		{"inline escaped nul", `"a\x00b"` + "\n", Limits{}, cmds(cmd("a\x00b")), eof},
		{"empty lines skipped", "\r\n\n   \r\n\t\nPING\n\n", Limits{}, cmds(cmd("PING")), eof},
		{"mixed", "PING\r\n*1\r\n$4\r\nPING\r\nECHO x\n", Limits{},
			cmds(cmd("PING"), cmd("PING"), cmd("ECHO", "x")), eof},
		{"inline then star", "a*b\n", Limits{}, cmds(cmd("a*b")), eof},

		// Incomplete input.
		{"eof after star", "*", Limits{}, nil, uEOF},
		{"eof in header", "*1\r", Limits{}, nil, uEOF},
		{"eof after header", "*1\r\n", Limits{}, nil, uEOF},
		{"eof in bulk header", "*1\r\n$3", Limits{}, nil, uEOF},
		{"eof in bulk", "*1\r\n$3\r\nfo", Limits{}, nil, uEOF},
		{"eof before crlf", "*1\r\n$3\r\nfoo", Limits{}, nil, uEOF},
		{"eof in crlf", "*1\r\n$3\r\nfoo\r", Limits{}, nil, uEOF},
		{"eof in second arg", "*2\r\n$3\r\nfoo\r\n", Limits{}, nil, uEOF},
		{"eof in inline", "PING", Limits{}, nil, uEOF},
		{"eof in blank inline", "  ", Limits{}, nil, uEOF},
		{"eof after command", "PING\r\n*1", Limits{}, cmds(cmd("PING")), uEOF},
		{"eof waiting for dollar line", "*1\r\nfoo", Limits{}, nil, uEOF},

		// Protocol errors, as in Redis's tests/unit/protocol.tcl.
		{"out of range multibulk length", "*99999999999\r\n", Limits{}, nil, proto("invalid multibulk length")},
		{"multibulk over limit", "*2147483648\r\n", Limits{}, nil, proto("invalid multibulk length")},
		{"multibulk INT_MAX", "*2147483647\r\n$1\r\na\r\n", Limits{}, nil, uEOF},
		{"multibulk at limit", "*1048576\r\n", Limits{}, nil, uEOF},
		{"non-number multibulk", "*abc\r\n", Limits{}, nil, proto("invalid multibulk length")},
		{"empty multibulk", "*\r\n", Limits{}, nil, proto("invalid multibulk length")},
		{"multibulk plus", "*+1\r\n", Limits{}, nil, proto("invalid multibulk length")},
		{"multibulk leading zero", "*01\r\n", Limits{}, nil, proto("invalid multibulk length")},
		{"multibulk space", "*1 \r\n", Limits{}, nil, proto("invalid multibulk length")},
		{"multibulk overflow", "*99999999999999999999\r\n", Limits{}, nil, proto("invalid multibulk length")},
		{"wrong multibulk payload header", "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", Limits{}, nil,
			proto("expected '$', got 'f'")},
		{"not followed by bulk", "*1\r\nfoo\r\n", Limits{}, nil, proto("expected '$', got 'f'")},
		{"expected dollar got cr", "*1\r\n\r\n", Limits{}, nil, proto("expected '$', got ' '")},
		{"expected dollar got lf", "*1\r\n\n\r\n", Limits{}, nil, proto("expected '$', got ' '")},
		{"negative bulk length", "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n", Limits{}, nil, proto("invalid bulk length")},
		{"null bulk in request", "*1\r\n$-1\r\n", Limits{}, nil, proto("invalid bulk length")},
		{"out of range bulk length", "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n", Limits{}, nil,
			proto("invalid bulk length")},
		{"non-number bulk length", "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n", Limits{}, nil,
			proto("invalid bulk length")},
		{"bulk over limit", "*1\r\n$536870913\r\n", Limits{}, nil, proto("invalid bulk length")},
		{"bulk at limit", "*1\r\n$536870912\r\n", Limits{}, nil, uEOF},
		{"bulk leading zero", "*1\r\n$03\r\nfoo\r\n", Limits{}, nil, proto("invalid bulk length")},
		{"bulk minus zero", "*1\r\n$-0\r\n\r\n", Limits{}, nil, proto("invalid bulk length")},
		{"bulk empty length", "*1\r\n$\r\n\r\n", Limits{}, nil, proto("invalid bulk length")},
		{"bulk not followed by crlf", "*1\r\n$3\r\nfooXY", Limits{}, nil, proto("invalid bulk length")},
		{"bulk followed by lf only", "*2\r\n$3\r\nfoo\n$1\r\nx\r\n", Limits{}, nil, proto("invalid bulk length")},
		{"multibulk header cr without lf", "*1\rX$1\r\na\r\n", Limits{}, nil, proto("invalid multibulk length")},
		{"bulk header cr without lf", "*1\r\n$1\rXa\r\n", Limits{}, nil, proto("invalid bulk length")},
		{"multibulk header lf only", "*1\n$1\r\na\r\n", Limits{}, nil, proto("invalid multibulk length")},
		{"error after good command", "PING\r\n*x\r\n", Limits{}, cmds(cmd("PING")), proto("invalid multibulk length")},
		{"unbalanced quotes", `set """test-key""" test-value` + "\r\n", Limits{}, nil,
			proto("unbalanced quotes in request")},
		{"unterminated double quote", "set \"abc\r\n", Limits{}, nil, proto("unbalanced quotes in request")},
		{"unterminated single quote", "set 'abc\n", Limits{}, nil, proto("unbalanced quotes in request")},
		{"quote followed by char", "\"a\"b\n", Limits{}, nil, proto("unbalanced quotes in request")},
		{"single quote followed by char", "'a'b\n", Limits{}, nil, proto("unbalanced quotes in request")},
		{"trailing backslash in quotes", "\"abc\\\n", Limits{}, nil, proto("unbalanced quotes in request")},
		{"nul inside quotes", "\"ab\x00c\"\n", Limits{}, nil, proto("unbalanced quotes in request")},

		// Size limits.
		{"too big inline", big, Limits{}, nil, proto("too big inline request")},
		{"too big inline with newline", big + "\n", Limits{}, nil, proto("too big inline request")},
		{"inline at limit", strings.Repeat("y", 65536) + "\n", Limits{}, cmds(cmd(strings.Repeat("y", 65536))), eof},
		{"inline over limit by one", strings.Repeat("y", 65537) + "\n", Limits{}, nil, proto("too big inline request")},
		{"too big mbulk count", "*" + strings.Repeat("1", 65537), Limits{}, nil, proto("too big mbulk count string")},
		{"too big bulk count", "*1\r\n$" + strings.Repeat("1", 65536), Limits{}, nil, proto("too big bulk count string")},
		{"small bulk limit ok", "*1\r\n$4\r\nabcd\r\n", Limits{MaxBulkLen: 4}, cmds(cmd("abcd")), eof},
		{"small bulk limit", "*1\r\n$5\r\nabcde\r\n", Limits{MaxBulkLen: 4}, nil, proto("invalid bulk length")},
		{"small multibulk limit ok", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", Limits{MaxMultibulkLen: 2}, cmds(cmd("a", "b")), eof},
		{"small multibulk limit", "*3\r\n", Limits{MaxMultibulkLen: 2}, nil, proto("invalid multibulk length")},
		{"small inline ok", "12345678\r\n", Limits{MaxInlineLen: 9}, cmds(cmd("12345678")), eof},
		{"small inline", "123456789\r\n", Limits{MaxInlineLen: 9}, nil, proto("too big inline request")},
		{"small inline no newline", "1234567890", Limits{MaxInlineLen: 9}, nil, proto("too big inline request")},
		{"small mbulk count", "*1234567890", Limits{MaxInlineLen: 9}, nil, proto("too big mbulk count string")},
		{"tiny mbulk count", "*12\r\n", Limits{MaxInlineLen: 2}, nil, proto("too big mbulk count string")},
		{"tiny mbulk count ok", "*12\r\n$1\r\n", Limits{MaxInlineLen: 3}, nil, uEOF},
		{"tiny bulk count", "*1\r\n$12\r\n", Limits{MaxInlineLen: 2}, nil, proto("too big bulk count string")},
		{"two-digit counts", "*10\r\n" + strings.Repeat("$1\r\na\r\n", 9) + "$12\r\nabcdefghijkl\r\n", Limits{},
			cmds(cmd("a", "a", "a", "a", "a", "a", "a", "a", "a", "abcdefghijkl")), eof},
		{"small mbulk count ok", "*12345678\r\n", Limits{MaxInlineLen: 9, MaxMultibulkLen: 1 << 30}, nil, uEOF},
		{"small bulk count", "*1\r\n$1234567890", Limits{MaxInlineLen: 9}, nil, proto("too big bulk count string")},
		{"big bulk over inline limit", "*1\r\n$20\r\n" + strings.Repeat("z", 20) + "\r\n", Limits{MaxInlineLen: 9},
			cmds(cmd(strings.Repeat("z", 20))), eof},
	}
	for _, tt := range tests {
		for fname, f := range feeders(tt.in) {
			t.Run(tt.name+"/"+fname, func(t *testing.T) {
				r := NewReader(f, tt.lim)
				got, err := readAll(r)
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("commands = %q, want %q", got, tt.want)
				}
				if e := errMsg(err); e != tt.err {
					t.Errorf("error = %q, want %q", e, tt.err)
				}
				// Protocol errors are sticky.
				if _, ok := err.(*ProtocolError); ok {
					if _, err2 := r.ReadCommand(); err2 != err {
						t.Errorf("second error = %v, want the same %v", err2, err)
					}
				}
			})
		}
	}
}

func TestReaderOffset(t *testing.T) {
	c1 := "*1\r\n$4\r\nPING\r\n"
	c2 := "\r\n\nECHO x\r\n"
	c3 := "*0\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
	tail := "*-1\r\n\n"
	for fname, f := range feeders(c1 + c2 + c3 + tail + "*3\r\n$1") {
		t.Run(fname, func(t *testing.T) {
			r := NewReader(f, Limits{})
			want := []int{len(c1), len(c1 + c2), len(c1 + c2 + c3)}
			for i, w := range want {
				if _, err := r.ReadCommand(); err != nil {
					t.Fatal(err)
				}
				if r.Offset() != int64(w) {
					t.Fatalf("command %d: Offset = %d, want %d", i, r.Offset(), w)
				}
			}
			_, err := r.ReadCommand()
			if err != io.ErrUnexpectedEOF {
				t.Fatalf("err = %v, want ErrUnexpectedEOF", err)
			}
			// The torn command starts after the skipped empty commands.
			if w := int64(len(c1 + c2 + c3 + tail)); r.Offset() != w {
				t.Fatalf("Offset at torn tail = %d, want %d", r.Offset(), w)
			}
		})
	}
}

func TestReaderOffsetProtocolError(t *testing.T) {
	good := "*1\r\n$4\r\nPING\r\n"
	r := NewReader(strings.NewReader(good+"*1\r\n$3\r\nfooXY"), Limits{})
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadCommand(); err == nil {
		t.Fatal("expected an error")
	}
	if r.Offset() != int64(len(good)) {
		t.Fatalf("Offset = %d, want %d", r.Offset(), len(good))
	}
}

func TestReaderPipelineSingleRead(t *testing.T) {
	data := "*1\r\n$4\r\nPING\r\n" + "ECHO a\r\n" + "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
	cr := &countReader{r: strings.NewReader(data)}
	r := NewReader(cr, Limits{})
	want := [][]string{{"PING"}, {"ECHO", "a"}, {"GET", "k"}}
	for i, w := range want {
		args, err := r.ReadCommand()
		if err != nil {
			t.Fatal(err)
		}
		if got := strs(args); !reflect.DeepEqual(got, w) {
			t.Fatalf("command %d = %q, want %q", i, got, w)
		}
		if cr.calls != 1 {
			t.Fatalf("after command %d: %d Read calls, want 1", i, cr.calls)
		}
	}
	if r.Buffered() != 0 {
		t.Fatalf("Buffered = %d, want 0", r.Buffered())
	}
	if _, err := r.ReadCommand(); err != io.EOF {
		t.Fatalf("err = %v, want EOF", err)
	}
}

func TestReaderBuffered(t *testing.T) {
	data := "PING\r\nPING\r\n*1\r\n$3\r\nfo"
	r := NewReader(strings.NewReader(data), Limits{})
	if r.Buffered() != 0 {
		t.Fatalf("Buffered = %d before reading", r.Buffered())
	}
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	if want := len(data) - 6; r.Buffered() != want {
		t.Fatalf("Buffered = %d, want %d", r.Buffered(), want)
	}
}

// TestReaderReadBuffered reads ahead only what is buffered: it never calls
// the underlying reader, leaves a partial command for ReadCommand, keeps
// the earlier commands' arguments intact, and reports a protocol error in
// a buffered inline command; a multibulk with an error is left to the
// next ReadCommand, which reports it. AppendBuffered does the same.
func TestReaderReadBuffered(t *testing.T) {
	for _, mode := range []string{"ReadBuffered", "AppendBuffered"} {
		t.Run(mode, func(t *testing.T) { testReadBuffered(t, mode == "AppendBuffered") })
	}
}

func testReadBuffered(t *testing.T, appending bool) {
	for _, tc := range []struct {
		name, data string
		want       [][]string
		wantErr    string
	}{
		{"complete", "PING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n\r\nECHO a\r\n",
			[][]string{{"GET", "k"}, {"ECHO", "a"}}, ""},
		{"partial", "PING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPI",
			[][]string{{"GET", "k"}}, ""},
		{"protocol error", "PING\r\nECHO b\r\n*1\r\n$x\r\n", [][]string{{"ECHO", "b"}}, ""},
		{"inline protocol error", "PING\r\nECHO b\r\nECHO \"c\r\n", [][]string{{"ECHO", "b"}}, proto("unbalanced quotes in request")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cr := &countReader{r: io.MultiReader(strings.NewReader(tc.data), strings.NewReader("NG\r\n"))}
			r := NewReader(cr, Limits{})
			first, err := r.ReadCommand()
			if err != nil || strs(first)[0] != "PING" {
				t.Fatalf("first command %q, %v", strs(first), err)
			}
			first = append([][]byte(nil), first...) // the outer slice is reused
			var got [][]string
			var kept, flat [][]byte
			readBuffered := func() ([][]byte, error) {
				if !appending {
					return r.ReadBuffered()
				}
				dst, ok, err := r.AppendBuffered(flat)
				if !ok {
					return nil, err
				}
				args := dst[len(flat):]
				flat = dst
				return args, nil
			}
			for {
				args, err := readBuffered()
				if err != nil {
					if errMsg(err) != tc.wantErr {
						t.Fatalf("err %q, want %q", errMsg(err), tc.wantErr)
					}
					break
				}
				if args == nil {
					if tc.wantErr != "" {
						t.Fatal("no error")
					}
					break
				}
				got = append(got, strs(args))
				kept = append(kept, args...)
			}
			if cr.calls != 1 {
				t.Fatalf("%d Read calls, want 1", cr.calls)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if string(first[0]) != "PING" || (len(kept) > 0 && string(kept[0]) != tc.want[0][0]) {
				t.Fatal("earlier arguments changed")
			}
			if tc.name == "protocol error" {
				if _, err := r.ReadCommand(); errMsg(err) != proto("invalid bulk length") {
					t.Fatalf("after the bad multibulk: %v", err)
				}
			}
			if tc.name == "partial" {
				args, err := r.ReadCommand()
				if err != nil || !reflect.DeepEqual(strs(args), []string{"PING"}) {
					t.Fatalf("after the partial command: %q, %v", strs(args), err)
				}
			}
		})
	}
}

func strs(args [][]byte) []string {
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = string(a)
	}
	return s
}

// errReader returns data, then err once, then the rest of data.
type errReader struct {
	parts []string
	err   error
}

func (e *errReader) Read(p []byte) (int, error) {
	if len(e.parts) == 0 {
		return 0, io.EOF
	}
	s := e.parts[0]
	e.parts = e.parts[1:]
	if s == "" {
		return 0, e.err
	}
	return copy(p, s), nil
}

func TestReaderResumesAfterReadError(t *testing.T) {
	timeout := errors.New("timeout")
	er := &errReader{parts: []string{"*2\r\n$3\r\nGE", "", "T\r\n$1\r\nk\r\n"}, err: timeout}
	r := NewReader(er, Limits{})
	if _, err := r.ReadCommand(); err != timeout {
		t.Fatalf("err = %v, want timeout", err)
	}
	args, err := r.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	if got := strs(args); !reflect.DeepEqual(got, []string{"GET", "k"}) {
		t.Fatalf("got %q", got)
	}
	if _, err := r.ReadCommand(); err != io.EOF {
		t.Fatalf("err = %v, want EOF", err)
	}
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestReaderNoProgress(t *testing.T) {
	r := NewReader(emptyReader{}, Limits{})
	if _, err := r.ReadCommand(); err != io.ErrNoProgress {
		t.Fatalf("err = %v, want ErrNoProgress", err)
	}
}

func TestReaderArgsCapacity(t *testing.T) {
	r := NewReader(strings.NewReader("*2\r\n$1\r\na\r\n$1\r\nb\r\nc d\n"), Limits{})
	args, err := r.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range args {
		if cap(a) != len(a) {
			t.Fatalf("cap %d != len %d", cap(a), len(a))
		}
	}
	_ = append(args[0], 'X') // must not overwrite args[1]
	if string(args[1]) != "b" {
		t.Fatalf("append to args[0] clobbered args[1]: %q", args[1])
	}
	args, err = r.ReadCommand()
	if err != nil || !reflect.DeepEqual(strs(args), []string{"c", "d"}) {
		t.Fatalf("got %q, %v", args, err)
	}
}

func TestReaderSetLimits(t *testing.T) {
	r := NewReader(strings.NewReader("*1\r\n$5\r\nabcde\r\n*1\r\n$5\r\nabcde\r\n"), Limits{})
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	r.SetLimits(Limits{MaxBulkLen: 4})
	if _, err := r.ReadCommand(); errMsg(err) != proto("invalid bulk length") {
		t.Fatalf("err = %v", err)
	}
	if d := DefaultLimits(); d != (Limits{MaxBulkLen: 512 << 20, MaxMultibulkLen: 1<<31 - 1, MaxInlineLen: 64 << 10, MaxQueryBuf: 1 << 30}) {
		t.Fatalf("DefaultLimits = %+v", d)
	}
}

func TestReaderLargeValues(t *testing.T) {
	val := bytes.Repeat([]byte("0123456789abcdef"), 100000) // 1.6 MB
	var data []byte
	data = AppendCommand(data, []byte("SET"), []byte("k"), val)
	data = AppendCommandStrings(data, "GET", "k")
	for fname, f := range map[string]io.Reader{
		"whole":  bytes.NewReader(data),
		"chunks": &chunkReader{data: data, rnd: rand.New(rand.NewPCG(1, 2)), max: 5000},
	} {
		t.Run(fname, func(t *testing.T) {
			r := NewReader(f, Limits{})
			args, err := r.ReadCommand()
			if err != nil {
				t.Fatal(err)
			}
			if len(args) != 3 || !bytes.Equal(args[2], val) {
				t.Fatalf("bad SET: %d args", len(args))
			}
			if len(r.buf) > 2*len(data) {
				t.Fatalf("buffer grew to %d for %d bytes of input", len(r.buf), len(data))
			}
			args, err = r.ReadCommand()
			if err != nil || !reflect.DeepEqual(strs(args), []string{"GET", "k"}) {
				t.Fatalf("got %q, %v", args, err)
			}
			if _, err := r.ReadCommand(); err != io.EOF {
				t.Fatalf("err = %v, want EOF", err)
			}
			if len(r.buf) > defaultBufSize || r.big != nil || len(r.ext) != 0 {
				t.Fatalf("buffer of %d bytes, big argument %d kept after the big command", len(r.buf), len(r.big)+len(r.ext))
			}
		})
	}
}

func TestReaderManyArgsReleased(t *testing.T) {
	const n = 100000
	var data []byte
	data = AppendArrayLen(data, n)
	for range n {
		data = AppendBulkString(data, "a")
	}
	data = AppendCommandStrings(data, "PING")
	r := NewReader(&chunkReader{data: data, rnd: rand.New(rand.NewPCG(3, 4)), max: 3000}, Limits{})
	args, err := r.ReadCommand()
	if err != nil || len(args) != n {
		t.Fatalf("got %d args, %v", len(args), err)
	}
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	if cap(r.args) > maxRetainArgs || cap(r.offs) > 2*maxRetainArgs || len(r.buf) != defaultBufSize {
		t.Fatalf("memory not released: cap(args)=%d cap(offs)=%d len(buf)=%d", cap(r.args), cap(r.offs), len(r.buf))
	}
}

// allocBytes returns how many bytes f allocates.
func allocBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestReaderMemoryBounded(t *testing.T) {
	const limit = 1 << 20
	tests := []struct {
		name string
		in   string
	}{
		{"huge multibulk count", "*1048576\r\n"},
		{"huge multibulk count some args", "*1048576\r\n" + strings.Repeat("$1\r\na\r\n", 100)},
		{"huge bulk", "*1\r\n$536870000\r\nabc"},
		{"huge bulk 100KB", "*1\r\n$536870000\r\n" + strings.Repeat("v", 100000)},
		{"huge bulk second arg", "*2\r\n$3\r\nSET\r\n$536870000\r\nabc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			n := allocBytes(func() {
				r := NewReader(strings.NewReader(tt.in), Limits{})
				_, err = r.ReadCommand()
			})
			if err != io.ErrUnexpectedEOF {
				t.Fatalf("err = %v, want ErrUnexpectedEOF", err)
			}
			if n > limit {
				t.Fatalf("allocated %d bytes for %d bytes of input", n, len(tt.in))
			}
			t.Logf("allocated %d bytes", n)
		})
	}
}

func TestReaderSteadyStateAllocs(t *testing.T) {
	one := AppendCommandStrings(nil, "SET", "key:000001", strings.Repeat("v", 64))
	one = append(one, "GET key:000001\r\n"...)
	rr := &repeatReader{data: bytes.Repeat(one, 50)}
	r := NewReader(rr, Limits{})
	for range 1000 { // warm up
		if _, err := r.ReadCommand(); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := r.ReadCommand(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per ReadCommand, want 0", allocs)
	}
}

// repeatReader returns data over and over, never EOF.
type repeatReader struct {
	data []byte
	pos  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.data[r.pos:])
		n += k
		r.pos = (r.pos + k) % len(r.data)
	}
	return n, nil
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in string
		n  int64
		ok bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true}, {"123", 123, true},
		{"9223372036854775807", 1<<63 - 1, true}, {"-9223372036854775808", -1 << 63, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551615", 0, false}, {"99999999999999999999", 0, false},
		{"", 0, false}, {"-", 0, false}, {"-0", 0, false}, {"01", 0, false}, {"+1", 0, false},
		{" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false}, {"00", 0, false},
	}
	for _, tt := range tests {
		n, ok := ParseInt([]byte(tt.in))
		if n != tt.n || ok != tt.ok {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tt.in, n, ok, tt.n, tt.ok)
		}
	}
}

// TestReaderBufferGrowth: a Reader holds no buffer before its first read
// and 1 KB after a small command (an idle client costs little); reads
// that keep filling the buffer double it up to 16 KB (a pipelining
// client); a big argument is read into a buffer of its own, which is let
// go after the command and counted for TakeReleased.
func TestReaderBufferGrowth(t *testing.T) {
	r := NewReader(strings.NewReader("PING\r\n"), Limits{})
	if r.BufSize() != 0 {
		t.Fatalf("buffer of %d bytes before any read", r.BufSize())
	}
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	if r.BufSize() != minBufSize {
		t.Fatalf("buffer of %d bytes after PING, want %d", r.BufSize(), minBufSize)
	}

	pipeline := strings.Repeat("*1\r\n$4\r\nPING\r\n", 10000)
	r = NewReader(strings.NewReader(pipeline), Limits{})
	for range 10000 {
		if _, err := r.ReadCommand(); err != nil {
			t.Fatal(err)
		}
	}
	if r.BufSize() != defaultBufSize {
		t.Fatalf("buffer of %d bytes after a pipeline, want %d", r.BufSize(), defaultBufSize)
	}

	big := "*2\r\n$3\r\nSET\r\n$200000\r\n" + strings.Repeat("x", 200000) + "\r\nPING\r\n"
	r = NewReader(strings.NewReader(big), Limits{})
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	small := r.BufSize()
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	if small > defaultBufSize || r.BufSize() > defaultBufSize || r.TakeReleased() != 200002 || r.TakeReleased() != 0 {
		t.Fatalf("after a 200 KB command: buffer %d (was %d)", r.BufSize(), small)
	}
}

// TestReaderQueryBufLimit: unparsed input beyond MaxQueryBuf ends the
// Reader with ErrQueryBufLimit; the arguments already parsed do not
// count, as in Redis, where they have left the query buffer.
func TestReaderQueryBufLimit(t *testing.T) {
	lim := Limits{MaxQueryBuf: 1000}
	r := NewReader(strings.NewReader("*2\r\n$3\r\nSET\r\n$5000\r\n"+strings.Repeat("x", 5000)), lim)
	if _, err := r.ReadCommand(); !errors.Is(err, ErrQueryBufLimit) {
		t.Fatalf("err = %v, want ErrQueryBufLimit", err)
	}
	if n := r.Unparsed(); n <= 1000 {
		t.Fatalf("Unparsed = %d at the limit", n)
	}
	args := "*3\r\n$3\r\nSET\r\n$900\r\n" + strings.Repeat("k", 900) + "\r\n$900\r\n" + strings.Repeat("v", 900) + "\r\n"
	r = NewReader(iotest.OneByteReader(strings.NewReader(args)), lim)
	if _, err := r.ReadCommand(); err != nil {
		t.Fatalf("two 900-byte arguments with a 1000-byte limit: %v", err)
	}
}
