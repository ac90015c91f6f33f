//go:build linux

package session_test

import (
	"runtime"
	"testing"
)

// parkMemMaxHeap bounds the heap a parked idle client costs the server:
// its Client (312 bytes), Session (its running part and connection let
// go) and its place in the Parker (0.66 to 0.81 KB when this was
// written; 0.97 KB while it kept its net.Conn, 1.35 KB with the 688-byte
// Client, 2.55 to 2.7 KB while it kept its command context; what varies
// is the descriptors of the goroutines that served the clients before
// they parked, which the runtime keeps for reuse: more of them run at
// once when the machine is slow, up to about 0.15 KB a client).
const parkMemMaxHeap = 950

// parkMemMaxStack bounds its stack: none, as it has no goroutine (the
// test waits until the goroutine count is back where it was); what is
// measured is stacks freed but still counted in the runtime's stack
// spans (0 to 0.7 KB).
const parkMemMaxStack = 1024

// TestIdleParkedMemory is TestIdleClientMemory with the sessions parked
// (park.go), as the server's are once idle: idleMemSessions clients each
// sent one PING and parked; it fails if one costs more than the bounds
// above.
func TestIdleParkedMemory(t *testing.T) {
	ps := parkServe(t)
	// Measured once the goroutines that served the clients have
	// returned: their stacks are not a parked client's.
	base := 0
	heap, stack := idleMemMeasure(t, ps.addr, func(n int) {
		parkWait(t, "the sessions to park and their goroutines to end", func() bool {
			if ps.parker.Parked() != n {
				return false
			}
			if base == 0 {
				base = runtime.NumGoroutine()
			}
			return runtime.NumGoroutine() <= base
		})
	})
	idleMemCheck(t, "a parked idle client", heap, stack, parkMemMaxHeap, parkMemMaxStack)
}
