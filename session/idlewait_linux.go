//go:build linux

package session

import (
	"syscall"
	"unsafe"
)

// waitReadable waits until the socket under raw has input, has reached
// its end, or has an error, without reading: an idle session waits there
// holding no read buffer (resp.Waiter). A deadline (the idle timeout,
// Close, the park deadline) ends the wait too: it is returned, and the
// Read that follows reports it.
func waitReadable(raw syscall.RawConn) error { return raw.Read(peekReady) }

// peekReady reports whether a read of fd would not block: it peeks at one
// byte without waiting.
func peekReady(fd uintptr) bool {
	var b [1]byte
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1,
			syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
		if errno != syscall.EINTR {
			return errno != syscall.EAGAIN
		}
	}
}
