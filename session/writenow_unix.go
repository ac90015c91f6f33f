//go:build unix

package session

import (
	"net"
	"syscall"
)

// rawConn is conn's descriptor for writeNow, or nil if it has none.
func rawConn(conn net.Conn) syscall.RawConn {
	if sc, ok := conn.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			return raw
		}
	}
	return nil
}

// writeNow writes as much of b as the socket under raw takes without
// waiting, and returns how much that was. A deadline passed (Kill)
// returns its error.
func writeNow(raw syscall.RawConn, b []byte) (int, error) {
	n := 0
	var werr error
	err := raw.Write(func(fd uintptr) bool {
		for n < len(b) {
			m, e := syscall.Write(int(fd), b[n:])
			if m > 0 {
				n += m
			}
			if e == syscall.EINTR {
				continue
			}
			if e != nil && e != syscall.EAGAIN {
				werr = e
			}
			if e != nil || m <= 0 {
				break
			}
		}
		return true // never wait for the socket
	})
	if err == nil {
		err = werr
	}
	return n, err
}
