//go:build !unix

package session

import "net"

// rawReader is empty without the unix read call: sessions read and write
// through their connection.
type rawReader struct{}

// readConn reads from the connection into p.
func (s *Session) readConn(p []byte) (int, error) { return s.conn.Read(p) }

// leaveRaw does nothing: there is no raw read to leave.
func (s *Session) leaveRaw() {}

// waitInput waits until the socket may be readable (source.WaitInput).
func (s *Session) waitInput() error { return waitReadable(s.raw) }

// clearRawErr does nothing: there is no raw read.
func (s *Session) clearRawErr() {}

// vecWriter writes through the connection: there is no raw write.
type vecWriter struct{}

// writeTo writes all of bufs to conn.
func (*vecWriter) writeTo(conn net.Conn, bufs net.Buffers) (int64, error) { return bufs.WriteTo(conn) }
