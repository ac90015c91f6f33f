package command

import (
	"testing"
	"unsafe"
)

// TestClientSize: every connection holds a Client for its life, so its
// size is what 10,000 idle clients cost beyond their buffers (issue 20:
// no more than Redis per client). The parts most clients never use
// (MULTI, WATCH, Pub/Sub, pushed frames, tracking) are pointers made at
// their first use; what remains must fit the Go size class below. Grow
// it only for state every client needs, and then by moving something
// else out.
func TestClientSize(t *testing.T) {
	const sizeClass = 320 // a Go allocation size class
	if n := unsafe.Sizeof(Client{}); n > sizeClass {
		t.Errorf("Client is %d bytes, more than the %d-byte size class", n, sizeClass)
	}
}
