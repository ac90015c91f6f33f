//go:build !unix

package session

import (
	"errors"
	"net"
	"syscall"
)

// rawConn is nil without the unix write call: sessions then block in
// their writes whatever the output-buffer limits.
func rawConn(net.Conn) syscall.RawConn { return nil }

// writeNow is never called: rawConn is nil.
func writeNow(syscall.RawConn, []byte) (int, error) { return 0, errors.ErrUnsupported }
