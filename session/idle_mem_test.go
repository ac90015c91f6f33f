//go:build linux

package session_test

import (
	"net"
	"runtime"
	"strconv"
	"syscall"
	"testing"
)

// idleMemSessions is how many idle clients TestIdleClientMemory holds.
const idleMemSessions = 2000

// idleMemMaxHeap bounds the heap an idle client costs the server: its
// Client, Ctx, Session with its running part, request Reader, connection
// and goroutine (about 3.08 KB when this was written; 3.45 KB with the
// 688-byte Client, 4.2 KB before the state commands rarely use moved
// behind pointers allocated on first use).
const idleMemMaxHeap = 3400

// idleMemMaxStack bounds an idle client's goroutine stack: the collector
// halves a stack only while less than a quarter of it is in use, so an
// idle wait deeper than about 1.2 KB of frames would keep 8 KB.
const idleMemMaxStack = 4096 + 512

// TestIdleClientMemory measures, with runtime.MemStats after collections,
// the heap and stack that idleMemSessions idle clients (each sent one
// PING, then nothing) cost the server, and fails if one costs more than
// the bounds above: a field added to the per-client state, a buffer kept
// while idle, or a deeper idle wait shows here. The clients are raw
// sockets, so that only the server's side is on the Go heap.
func TestIdleClientMemory(t *testing.T) {
	_, _, addr := serveAddr(t)
	heap, stack := idleMemMeasure(t, addr, func(int) {}) // its PONG came: the session is idle
	idleMemCheck(t, "an idle client", heap, stack, idleMemMaxHeap, idleMemMaxStack)
}

// idleMemMeasure holds idleMemSessions idle clients of the server at addr
// and returns the heap and stack each costs it, measured once settled(n)
// returns with n clients connected; it skips without the race detector
// off or enough open files. The clients close at cleanup, before the
// server's.
func idleMemMeasure(t *testing.T, addr string, settled func(clients int)) (heap, stack int64) {
	t.Helper()
	if idleMemRace {
		t.Skip("the race detector's frames and allocations are larger than a server's")
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 2*idleMemSessions+100 {
		t.Skipf("needs %d open files (limit %d)", 2*idleMemSessions+100, lim.Cur)
	}
	_, portText, _ := net.SplitHostPort(addr)
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatal(err)
	}
	var fds []int
	t.Cleanup(func() { // before the server's: the sessions end at once
		for _, fd := range fds {
			_ = syscall.Close(fd)
		}
	})
	// One client first, so that what every server has once (pools,
	// the engine's maps) is there before the baseline.
	fds = append(fds, idleMemClient(t, port))
	settled(1)
	heap0, stack0 := idleMemStats()
	for range idleMemSessions {
		fds = append(fds, idleMemClient(t, port))
	}
	settled(idleMemSessions + 1)
	heap1, stack1 := idleMemStats()
	return (int64(heap1) - int64(heap0)) / idleMemSessions, (int64(stack1) - int64(stack0)) / idleMemSessions
}

// idleMemCheck logs what one client costs and fails past the bounds.
func idleMemCheck(t *testing.T, what string, heap, stack, maxHeap, maxStack int64) {
	t.Helper()
	t.Logf("per %s: heap %d bytes, stack %d bytes", what, heap, stack)
	if heap > maxHeap {
		t.Errorf("%s costs %d bytes of heap, more than %d", what, heap, maxHeap)
	}
	if stack > maxStack {
		t.Errorf("%s costs %d bytes of stack, more than %d", what, stack, maxStack)
	}
}

// idleMemClient connects a raw socket to port, sends PING and reads the
// reply, so that the server holds the client as an idle session.
func idleMemClient(t *testing.T, port int) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Connect(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		_ = syscall.Close(fd)
		t.Fatal(err)
	}
	if _, err := syscall.Write(fd, []byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	var buf [16]byte
	got := 0
	for got < len("+PONG\r\n") {
		n, err := syscall.Read(fd, buf[got:])
		if err != nil || n <= 0 {
			t.Fatalf("reading PONG: %d, %v", n, err)
		}
		got += n
	}
	if string(buf[:got]) != "+PONG\r\n" {
		t.Fatalf("got %q, want +PONG", buf[:got])
	}
	return fd
}

// idleMemStats returns the live heap and the stacks in use after
// collections, once the stacks have had two collections to shrink in.
func idleMemStats() (heap, stack uint64) {
	var ms runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, ms.StackInuse
}
