package resp

import (
	"bytes"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// TestBigvalueOwned: Owned lists the big arguments of the command just
// returned (the same slices, with no capacity beyond them) and nothing
// else; the Reader clears that list at the next ReadCommand, never fills
// it again, and does not count an argument taken over (its entry set to
// nil) as released.
func TestBigvalueOwned(t *testing.T) {
	big1 := bytes.Repeat([]byte("a"), bigStart+5)
	big2 := bytes.Repeat([]byte("b"), bigArg)
	var in []byte
	in = AppendCommand(in, []byte("MSET"), []byte("k1"), big1, []byte("k2"), big2)
	in = AppendCommandStrings(in, "GET", "k1")
	in = AppendCommand(in, []byte("SET"), []byte("k3"), big2)
	r := NewReader(&chunkReader{data: in, rnd: rand.New(rand.NewPCG(1, 2)), max: 5000}, Limits{})

	args, err := r.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	owned := r.Owned()
	if len(owned) != 2 || unsafe.SliceData(owned[0]) != unsafe.SliceData(args[2]) ||
		unsafe.SliceData(owned[1]) != unsafe.SliceData(args[4]) {
		t.Fatalf("Owned: %d arguments, not the command's big ones", len(owned))
	}
	for _, o := range owned {
		if cap(o) != len(o) {
			t.Fatalf("an owned argument of %d bytes has capacity %d", len(o), cap(o))
		}
	}
	kept := owned[0]
	owned[0] = nil // taken over

	if args, err = r.ReadCommand(); err != nil || string(args[0]) != "GET" {
		t.Fatalf("then %q, %v", strs(args), err)
	}
	if owned[0] != nil || owned[1] != nil {
		t.Fatal("the list given out still holds the arguments")
	}
	if r.Owned() != nil {
		t.Fatalf("Owned after a small command: %d", len(r.Owned()))
	}
	// big1's buffer grew once: its first buffer is let go, its last is
	// taken over.
	if rel := r.TakeReleased(); rel != bigStart+len(big2)+2 {
		t.Fatalf("released %d bytes, want %d", rel, bigStart+len(big2)+2)
	}

	if args, err = r.ReadCommand(); err != nil || !bytes.Equal(args[2], big2) {
		t.Fatalf("then %d args, %v", len(args), err)
	}
	if owned[0] != nil || owned[1] != nil {
		t.Fatal("the list given out was filled again")
	}
	if !bytes.Equal(kept, big1) {
		t.Fatal("an argument taken over changed")
	}
}

// bigvalueWaiter is an input of chunks, one per wait, that records the
// Reader's buffer size whenever the Reader waits for input.
type bigvalueWaiter struct {
	chunks [][]byte
	r      *Reader
	sizes  []int
}

func (w *bigvalueWaiter) WaitInput() error {
	w.sizes = append(w.sizes, w.r.BufSize())
	return nil
}

func (w *bigvalueWaiter) Read(p []byte) (int, error) {
	if len(w.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, w.chunks[0])
	if w.chunks[0] = w.chunks[0][n:]; len(w.chunks[0]) == 0 {
		w.chunks = w.chunks[1:]
	}
	return n, nil
}

// TestBigvalueIdleBuffer: a Reader with a BufPool over a Waiter holds no
// buffer while it waits with nothing buffered, and its commands read as
// without one, a command split across waits included; a buffer grown for
// a pipeline is kept.
func TestBigvalueIdleBuffer(t *testing.T) {
	pipeline := bytes.Repeat(AppendCommandStrings(nil, "SET", "k", "v"), 200)
	w := &bigvalueWaiter{chunks: [][]byte{
		AppendCommandStrings(nil, "PING"),
		[]byte("*2\r\n$3\r\nGET"), []byte("\r\n$1\r\nk\r\n"),
		pipeline,
		AppendCommandStrings(nil, "PING"),
	}}
	r := NewReader(w, Limits{})
	w.r = r
	var pool BufPool
	r.UseBufPool(&pool)
	var got []string
	for {
		args, err := r.ReadCommand()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(args[0]))
	}
	if len(got) != 203 || got[0] != "PING" || got[1] != "GET" || got[2] != "SET" || got[202] != "PING" {
		t.Fatalf("read %d commands: %q...", len(got), got[:min(len(got), 3)])
	}
	// Waits, each with nothing buffered: at the start, after PING, after
	// the GET (not in its middle: the Reader's Read waits there with its
	// buffer), after the pipeline, whose reads filled the buffer and grew
	// it, which is kept, and after the last PING.
	want := []int{0, 0, 0, 4 * minBufSize, 4 * minBufSize}
	if !slices.Equal(w.sizes, want) {
		t.Fatalf("buffer sizes at the waits: %v, want %v", w.sizes, want)
	}
}
