package resp

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestLimits20BigArguments: arguments of bigArg bytes or more are read
// into buffers of their own, whatever the reads' sizes: the command's
// other arguments and the commands pipelined behind it are intact, the
// big buffers leave the Reader after the command (counted by
// TakeReleased), Offset counts them, the Reader's own buffer stays small, qbuf (Unparsed)
// counts the part of a big argument that arrived, and a big argument
// not followed by "\r\n" is a protocol error.
func TestLimits20BigArguments(t *testing.T) {
	big1 := bytes.Repeat([]byte("a"), 3*bigStart+17) // grows twice
	big2 := bytes.Repeat([]byte("b"), bigArg)
	var in []byte
	in = AppendCommand(in, []byte("MSET"), []byte("k1"), big1, []byte("k2"), big2)
	first := int64(len(in))
	in = AppendCommandStrings(in, "GET", "k1")
	for _, max := range []int{1 << 20, 7000, 100} {
		r := NewReader(&chunkReader{data: in, rnd: rand.New(rand.NewPCG(1, uint64(max))), max: max}, Limits{})
		args, err := r.ReadCommand()
		if err != nil || len(args) != 5 || string(args[1]) != "k1" || !bytes.Equal(args[2], big1) ||
			string(args[3]) != "k2" || !bytes.Equal(args[4], big2) {
			t.Fatalf("reads of %d: %d args, %v", max, len(args), err)
		}
		if r.Offset() != first {
			t.Fatalf("reads of %d: Offset %d after the first command of %d bytes", max, r.Offset(), first)
		}
		if len(r.buf) > defaultBufSize {
			t.Fatalf("reads of %d: the Reader's buffer grew to %d", max, len(r.buf))
		}
		args, err = r.ReadCommand()
		if err != nil || len(args) != 2 || string(args[0]) != "GET" {
			t.Fatalf("reads of %d: then %q, %v", max, strs(args), err)
		}
		if rel := r.TakeReleased(); rel < len(big1)+len(big2)+4 {
			t.Fatalf("reads of %d: %d bytes released", max, rel)
		}
		if len(r.ext) != 0 || r.big != nil {
			t.Fatal("big arguments kept")
		}
	}

	half := "*2\r\n$3\r\nSET\r\n$100000\r\n" + strings.Repeat("x", 50000)
	r := NewReader(strings.NewReader(half), Limits{})
	if _, err := r.ReadCommand(); err != io.ErrUnexpectedEOF {
		t.Fatalf("err = %v", err)
	}
	if r.Unparsed() != 50000 {
		t.Fatalf("Unparsed = %d with half of a 100000-byte argument", r.Unparsed())
	}

	r = NewReader(strings.NewReader("*1\r\n$40000\r\n"+strings.Repeat("x", 40000)+"xy"), Limits{})
	if _, err := r.ReadCommand(); errMsg(err) != proto("invalid bulk length") {
		t.Fatalf("err = %v", errMsg(err))
	}
}
