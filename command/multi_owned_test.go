package command

import (
	"bytes"
	"testing"
	"unsafe"

	"redpool/backend"
)

// TestMultiOwnedArgs: a big argument the session gives away with a
// command queued after MULTI is taken over when queued (the session must
// not reuse its buffer), and EXEC hands it to SET, which stores it as it
// is; an argument not given away is copied.
func TestMultiOwnedArgs(t *testing.T) {
	m, c := newMemoryCtx(t)
	big := bytes.Repeat([]byte("v"), 70_000)
	small := []byte("small")
	exec := func(args [][]byte, owned [][]byte) {
		t.Helper()
		c.GiveArgs(owned)
		c.e.Exec(c, args)
	}
	exec(benchArgs("MULTI"), nil)
	owned := [][]byte{big}
	exec([][]byte{[]byte("SET"), []byte("big"), big}, owned)
	if owned[0] != nil {
		t.Fatal("the queued SET did not take its value over")
	}
	exec([][]byte{[]byte("SET"), []byte("small"), small}, nil)
	small[0] = 'S' // the session reuses its buffer: the queue holds a copy
	exec(benchArgs("EXEC"), nil)
	if got, want := string(c.Out()), "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n+OK\r\n"; got != want {
		t.Fatalf("replies %q, want %q", got, want)
	}
	c.Reset()
	err := m.View(backend.TxOptions{All: true}, func(tx backend.Tx) error {
		v, ok, err := tx.Get([]byte("big"))
		if err != nil || !ok || len(v) != len(big) || unsafe.SliceData(v) != unsafe.SliceData(big) {
			t.Errorf("big: stored %d bytes (%v, %v), not the buffer given away", len(v), ok, err)
		}
		v, ok, err = tx.Get([]byte("small"))
		if err != nil || !ok || string(v) != "small" {
			t.Errorf("small: %q, %v, %v", v, ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
