//go:build linux

package session_test

import (
	"net"
	"strconv"
	"syscall"
	"testing"
)

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
	if idleMemRace {
		t.Skip("the race detector's frames and allocations are larger than a server's")
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 2*idleMemSessions+100 {
		t.Skipf("needs %d open files (limit %d)", 2*idleMemSessions+100, lim.Cur)
	}
	ps := parkServe(t)
	_, portText, _ := net.SplitHostPort(ps.addr)
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatal(err)
	}
	var fds []int
	t.Cleanup(func() { // before parkServe's: the sessions end at once
		for _, fd := range fds {
			_ = syscall.Close(fd)
		}
	})
	fds = append(fds, idleMemClient(t, port))
	parkWait(t, "the first session to park", func() bool { return ps.parker.Parked() == 1 })
	heap0, stack0 := idleMemStats()
	for range idleMemSessions {
		fds = append(fds, idleMemClient(t, port))
	}
	parkWait(t, "the sessions to park", func() bool { return ps.parker.Parked() == idleMemSessions+1 })
	heap1, stack1 := idleMemStats()
	heap := (int64(heap1) - int64(heap0)) / idleMemSessions
	stack := (int64(stack1) - int64(stack0)) / idleMemSessions
	t.Logf("per parked idle client: heap %d bytes, stack %d bytes", heap, stack)
	if heap > parkMemMaxHeap {
		t.Errorf("a parked idle client costs %d bytes of heap, more than %d", heap, parkMemMaxHeap)
	}
	if stack > parkMemMaxStack {
		t.Errorf("a parked idle client costs %d bytes of stack, more than %d", stack, parkMemMaxStack)
	}
}
