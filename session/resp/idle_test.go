package resp

import (
	"errors"
	"testing"
)

// idleFailWaiter is bigvalueWaiter whose first wait fails with errIdleWait.
type idleFailWaiter struct {
	bigvalueWaiter
	failed bool
}

var errIdleWait = errors.New("wait ended")

func (w *idleFailWaiter) WaitInput() error {
	if !w.failed {
		w.failed = true
		return errIdleWait
	}
	return w.bigvalueWaiter.WaitInput()
}

// TestIdleWaitFailsBufferless: a wait for input that fails (a session
// about to park) leaves the Reader without a buffer, its own back in the
// pool; the next read borrows one again.
func TestIdleWaitFailsBufferless(t *testing.T) {
	w := &idleFailWaiter{bigvalueWaiter: bigvalueWaiter{chunks: [][]byte{AppendCommandStrings(nil, "PING")}}}
	r := NewReader(w, Limits{})
	w.r = r
	var pool BufPool
	r.UseBufPool(&pool)
	if _, err := r.ReadCommand(); err != errIdleWait {
		t.Fatalf("first read: %v, want the wait's error", err)
	}
	if n := r.BufSize(); n != 0 {
		t.Fatalf("buffer of %d bytes held after a failed wait", n)
	}
	args, err := r.ReadCommand()
	if err != nil || len(args) != 1 || string(args[0]) != "PING" {
		t.Fatalf("read %q, %v; want PING", args, err)
	}
}
