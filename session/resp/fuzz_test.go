package resp

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// fuzzLimits are small so that the fuzzer reaches every limit.
func fuzzLimits() Limits { return Limits{MaxBulkLen: 4096, MaxMultibulkLen: 64, MaxInlineLen: 128} }

type fuzzResult struct {
	cmds [][][]byte
	offs []int64
	err  string
	off  int64
}

func fuzzRead(t *testing.T, rd io.Reader, dataLen int) fuzzResult {
	var res fuzzResult
	r := NewReader(rd, fuzzLimits())
	for {
		args, err := r.ReadCommand()
		if err != nil {
			res.err = errMsg(err)
			res.off = r.Offset()
			return res
		}
		if len(args) == 0 {
			t.Fatal("empty command")
		}
		total := 0
		cp := make([][]byte, len(args))
		for i, a := range args {
			total += len(a)
			cp[i] = append([]byte{}, a...)
		}
		if total > dataLen {
			t.Fatalf("args total %d bytes > input %d bytes", total, dataLen)
		}
		if n := len(res.offs); n > 0 && r.Offset()-res.offs[n-1] < int64(total) {
			t.Fatalf("Offset advanced %d for %d bytes of args", r.Offset()-res.offs[n-1], total)
		}
		res.cmds = append(res.cmds, cp)
		res.offs = append(res.offs, r.Offset())
	}
}

// fuzzReadBatched reads as a session does: one ReadCommand, then every
// command already buffered through ReadBuffered, copying the arguments only
// once the whole batch is read (they must stay valid until then).
func fuzzReadBatched(t *testing.T, rd io.Reader) fuzzResult {
	var res fuzzResult
	r := NewReader(rd, fuzzLimits())
	for {
		args, err := r.ReadCommand()
		var batch [][][]byte
		for err == nil {
			batch = append(batch, append([][]byte(nil), args...))
			res.offs = append(res.offs, r.Offset())
			if args, err = r.ReadBuffered(); args == nil && err == nil {
				break
			}
		}
		for _, b := range batch {
			cp := make([][]byte, len(b))
			for i, a := range b {
				cp[i] = append([]byte{}, a...)
			}
			res.cmds = append(res.cmds, cp)
		}
		if err != nil {
			res.err = errMsg(err)
			res.off = r.Offset()
			return res
		}
	}
}

func FuzzReader(f *testing.F) {
	seeds := []string{
		"*1\r\n$4\r\nPING\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
		"*0\r\n*-1\r\nPING\r\n\r\n\n",
		"set \"a\\x41\\n b\" 'it\\'s' c\r\n",
		"foo\"bar baz\" \"\"\n",
		"*1\r\n$3\r\nfooXY",
		"*1\rX",
		"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
		"*1\r\n$-1\r\n",
		"*abc\r\n",
		"\"unbalanced\n",
		"*2\r\n$4\r\na\r\nb\r\n$3\r\n\x00\xff\x00\r\n",
		strings.Repeat("x", 200),
		"*" + strings.Repeat("1", 200),
		"*1\r\n$" + strings.Repeat("1", 200),
		"*1\r\n$5000\r\n",
		"a b\x00c\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		whole := fuzzRead(t, bytes.NewReader(data), len(data))
		one := fuzzRead(t, iotest.OneByteReader(bytes.NewReader(data)), len(data))
		chunks := fuzzRead(t, &chunkReader{data: data, rnd: rand.New(rand.NewPCG(uint64(len(data)), 7)), max: 13}, len(data))
		if !reflect.DeepEqual(whole, one) || !reflect.DeepEqual(whole, chunks) {
			t.Fatalf("results depend on chunking:\nwhole:  %+v\nonebyte: %+v\nchunks: %+v", whole, one, chunks)
		}
		batched := fuzzReadBatched(t, &chunkReader{data: data, rnd: rand.New(rand.NewPCG(uint64(len(data)), 9)), max: 40})
		if !reflect.DeepEqual(whole, batched) {
			t.Fatalf("ReadBuffered changes the result:\nwhole:   %+v\nbatched: %+v", whole, batched)
		}
		if whole.off > int64(len(data)) {
			t.Fatalf("Offset %d > input %d", whole.off, len(data))
		}
		switch whole.err {
		case io.EOF.Error():
			if whole.off != int64(len(data)) {
				t.Fatalf("clean EOF at Offset %d, input %d", whole.off, len(data))
			}
		case io.ErrUnexpectedEOF.Error():
			// The torn tail alone is still torn and holds no command.
			tail := fuzzRead(t, bytes.NewReader(data[whole.off:]), len(data))
			if len(tail.cmds) != 0 || tail.err != whole.err {
				t.Fatalf("torn tail %q: %+v", data[whole.off:], tail)
			}
		}
		// Every command survives a round trip through AppendCommand.
		for _, args := range whole.cmds {
			enc := AppendCommand(nil, args...)
			r := NewReader(bytes.NewReader(enc), Limits{})
			got, err := r.ReadCommand()
			if err != nil || !reflect.DeepEqual(got, args) {
				t.Fatalf("round trip of %q: got %q, %v", args, got, err)
			}
			if _, err := r.ReadCommand(); err != io.EOF {
				t.Fatalf("round trip of %q: trailing err %v", args, err)
			}
		}
	})
}

// appendInline encodes args as an inline command using \xHH escapes.
func appendInline(dst []byte, args [][]byte) []byte {
	const hex = "0123456789abcdef"
	for i, a := range args {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, '"')
		for _, c := range a {
			dst = append(dst, '\\', 'x', hex[c>>4], hex[c&15])
		}
		dst = append(dst, '"')
	}
	return append(dst, '\r', '\n')
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("SET key value"), byte(' '), uint8(0))
	f.Add([]byte("a\r\nb\x00c"), byte('\x00'), uint8(3))
	f.Add([]byte(""), byte(' '), uint8(200))
	f.Add([]byte("*1\r\n$1\r\n"), byte('$'), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, sep byte, chunk uint8) {
		args := bytes.Split(data, []byte{sep})
		enc := AppendCommand(nil, args...)
		enc = appendInline(enc, args)
		enc = AppendCommand(enc, args...)
		rd := &chunkReader{data: enc, rnd: rand.New(rand.NewPCG(uint64(chunk), 1)), max: 1 + int(chunk)}
		r := NewReader(rd, Limits{})
		for i := range 3 {
			got, err := r.ReadCommand()
			if err != nil {
				t.Fatalf("command %d: %v", i, err)
			}
			if len(got) != len(args) {
				t.Fatalf("command %d: %d args, want %d", i, len(got), len(args))
			}
			for j := range got {
				if !bytes.Equal(got[j], args[j]) {
					t.Fatalf("command %d arg %d: %q, want %q", i, j, got[j], args[j])
				}
			}
		}
		if _, err := r.ReadCommand(); err != io.EOF {
			t.Fatalf("err = %v, want EOF", err)
		}
		if r.Offset() != int64(len(enc)) {
			t.Fatalf("Offset = %d, want %d", r.Offset(), len(enc))
		}
	})
}

// appendValue encodes v (test helper for FuzzReadReply).
func appendValue(dst []byte, v Value) []byte {
	switch v.Kind {
	case SimpleString:
		return AppendSimple(dst, string(v.Str))
	case Error:
		if bytes.ContainsAny(v.Str, "\r\n") {
			// A blob error ("!"): AppendError would map CR and LF to spaces.
			dst = append(strconv.AppendInt(append(dst, '!'), int64(len(v.Str)), 10), '\r', '\n')
			return append(append(dst, v.Str...), '\r', '\n')
		}
		return AppendError(dst, string(v.Str))
	case Integer:
		return AppendInt(dst, v.Int)
	case BulkString:
		return AppendBulk(dst, v.Str)
	case Null:
		return AppendNull(dst)
	case NullArray:
		return AppendNullArray(dst)
	case Array, Set, Push, Map:
		switch v.Kind {
		case Array:
			dst = AppendArrayLen(dst, len(v.Array))
		case Set:
			dst = AppendSetLen(dst, len(v.Array))
		case Push:
			dst = AppendPushLen(dst, len(v.Array))
		case Map:
			dst = AppendMapLen(dst, len(v.Array)/2)
		}
		for _, e := range v.Array {
			dst = appendValue(dst, e)
		}
	case Double:
		dst = append(append(dst, ','), v.Str...)
		return append(dst, '\r', '\n')
	case Boolean:
		return AppendBool(dst, v.Int != 0)
	case BigNumber:
		return AppendBigNumber(dst, string(v.Str))
	case Verbatim:
		return AppendVerbatim(dst, v.Format, v.Str)
	}
	return dst
}

// hasLineBreak reports whether a simple string in v contains a CR or an
// LF, which no simple string can carry (AppendSimple maps them to spaces).
func hasLineBreak(v Value) bool {
	if v.Kind == SimpleString && bytes.ContainsAny(v.Str, "\r\n") {
		return true
	}
	for _, e := range v.Array {
		if hasLineBreak(e) {
			return true
		}
	}
	return false
}

func FuzzReadReply(f *testing.F) {
	for _, s := range []string{
		"+OK\r\n", "-ERR x\r\n", ":-5\r\n", "$3\r\nfoo\r\n", "$-1\r\n", "*-1\r\n",
		"*3\r\n:1\r\n$1\r\na\r\n*2\r\n+x\r\n$-1\r\n", "$3\r\nfooXY", "*2\r\n:1\r\n", "+\r\r\n",
		"_\r\n", "#t\r\n", "#f\r\n", ",1.5\r\n", ",-inf\r\n", ",nan\r\n", "(12345678901234567890\r\n",
		"=7\r\ntxt:foo\r\n", "!5\r\nERR x\r\n", "%1\r\n$1\r\nk\r\n:1\r\n", "~2\r\n:1\r\n_\r\n",
		">2\r\n$7\r\nmessage\r\n$1\r\nx\r\n", "|1\r\n+a\r\n+b\r\n:5\r\n", "%1\r\n*1\r\n,0.1\r\n~0\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(data), 16)
		for {
			v, err := ReadReply(br)
			if err != nil {
				return
			}
			if hasLineBreak(v) {
				continue
			}
			enc := appendValue(nil, v)
			v2, err := ReadReply(bufio.NewReader(bytes.NewReader(enc)))
			// String compares NaN doubles equal, and shows every field.
			if err != nil || v.String() != v2.String() || v.Kind != v2.Kind {
				t.Fatalf("round trip of %v: got %v, %v", v, v2, err)
			}
		}
	})
}
