package resp

import (
	"bytes"
	"math/rand/v2"
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
