package command

import (
	"bytes"
	"slices"
	"testing"
	"unsafe"

	"redpool/backend"
	"redpool/backend/memory"
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

// TestMultiOwnedArgsLogged: the AOF record of a queued command that took
// an argument over holds the argument as it was sent, even when a later
// command of the same EXEC changes the value stored from it.
func TestMultiOwnedArgsLogged(t *testing.T) {
	m := memory.New(memory.Options{ExpiryInterval: -1})
	t.Cleanup(func() { _ = m.Close() })
	lg := &recordLog{}
	e, err := NewEngine(Options{Backend: m, Log: lg})
	if err != nil {
		t.Fatal(err)
	}
	c := e.NewCtx(e.NewClient("a", "b"), nil)
	big := bytes.Repeat([]byte("v"), 70_000)
	sent := string(big) // SETRANGE changes big in place once SET stored it
	e.Exec(c, benchArgs("MULTI"))
	owned := [][]byte{big}
	c.GiveArgs(owned)
	e.Exec(c, [][]byte{[]byte("SET"), []byte("big"), big})
	c.GiveArgs(nil)
	if owned[0] != nil {
		t.Fatal("the queued SET did not take its value over")
	}
	e.Exec(c, benchArgs("SETRANGE", "big", "0", "zz"))
	e.Exec(c, benchArgs("EXEC"))
	if got, want := string(c.Out()), "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:70000\r\n"; got != want {
		t.Fatalf("replies %q, want %q", got, want)
	}
	want := []string{"MULTI", "0: SET big " + sent, "0: SETRANGE big 0 zz", "EXEC"}
	if got := lg.records; !slices.Equal(got, want) {
		t.Fatalf("records %.120q, want %.120q", got, want)
	}
}
