//go:build !linux

package session

import "syscall"

// waitReadable returns at once where the socket cannot be peeked at: the
// session then waits in its Read, with its buffer.
func waitReadable(syscall.RawConn) error { return nil }
