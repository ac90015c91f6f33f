//go:build linux

package session_test

import "testing"

// parkMemMaxHeap bounds the heap a parked idle client costs the server:
// its Client, Ctx, Session (reader and buffers let go), connection and
// its place in the Parker.
const parkMemMaxHeap = 2600

// parkMemMaxStack bounds its stack: none, as it has no goroutine.
const parkMemMaxStack = 64

// TestIdleParkedMemory is TestIdleClientMemory with the sessions parked
// (park.go), as the server's are once idle: idleMemSessions clients each
// sent one PING and parked; it fails if one costs more than the bounds
// above.
func TestIdleParkedMemory(t *testing.T) {
	ps := parkServe(t)
	heap, stack := idleMemMeasure(t, ps.addr, func(n int) {
		parkWait(t, "the sessions to park", func() bool { return ps.parker.Parked() == n })
	})
	idleMemCheck(t, "a parked idle client", heap, stack, parkMemMaxHeap, parkMemMaxStack)
}
