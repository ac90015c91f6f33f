package aof

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// aofUnsyncedFile is a File that only collects what is written to it.
type aofUnsyncedFile struct{ bytes.Buffer }

func (*aofUnsyncedFile) Truncate(int64) error { return nil }
func (*aofUnsyncedFile) Sync() error          { return nil }
func (*aofUnsyncedFile) Close() error         { return nil }

// TestUnsyncedBufModel appends, drops and resets at random, across chunk
// boundaries, and checks the bytes held against a plain slice after every
// step.
func TestUnsyncedBufModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var u unsyncedBuf
	var want []byte
	next := byte(0)
	for step := range 3000 {
		switch op := rng.IntN(100); {
		case op < 70:
			n := rng.IntN(3 * unsyncedChunk / 2)
			if rng.IntN(4) > 0 {
				n = rng.IntN(5000)
			}
			p := make([]byte, n)
			for i := range p {
				p[i] = next
				next++
			}
			u.append(p)
			want = append(want, p...)
		case op < 98:
			n := int64(0)
			if len(want) > 0 {
				n = rng.Int64N(int64(len(want)) + 1)
			}
			u.drop(n)
			want = want[n:]
		default:
			u.reset()
			want = want[:0]
		}
		if u.len() != int64(len(want)) {
			t.Fatalf("step %d: len %d, want %d", step, u.len(), len(want))
		}
		var f aofUnsyncedFile
		if err := u.writeTo(&f); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(f.Bytes(), want) {
			t.Fatalf("step %d: holds %d bytes that differ from the %d expected", step, f.Len(), len(want))
		}
		if len(u.free)*unsyncedChunk > maxKeepBuf {
			t.Fatalf("step %d: keeps %d free chunks", step, len(u.free))
		}
	}
}
