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
	keptFor := int64(0) // bytes the last drop covered
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
			keptFor = n
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
		if int64(len(u.free)-1)*unsyncedChunk >= max(maxKeepBuf, min(keptFor, maxKeepUnsynced)) {
			t.Fatalf("step %d: keeps %d free chunks", step, len(u.free))
		}
	}
}

// TestUnsyncedBufReuse: a steady load of more than maxKeepBuf a second,
// fsynced once a second, reuses the same chunks instead of allocating.
func TestUnsyncedBufReuse(t *testing.T) {
	var u unsyncedBuf
	p := make([]byte, 1000)
	second := func() {
		for range 10_000 { // 10 MB
			u.append(p)
		}
		u.drop(u.len())
	}
	second()
	if allocs := testing.AllocsPerRun(3, second); allocs != 0 {
		t.Errorf("%v allocations per second of writes, want 0", allocs)
	}
}
