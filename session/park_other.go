//go:build !linux

package session

import (
	"net"
	"time"
)

// A Parker parks no session where there is no epoll: sessions wait for
// input on their goroutines, as before. The nil *Parker NewParker returns
// is ready for use.
type Parker struct {
	after time.Duration
	epoch time.Time
}

// NewParker returns nil: no parking here.
func NewParker(run func(task func()), after time.Duration) (*Parker, error) { return nil, nil }

// Start does nothing.
func (p *Parker) Start() {}

// Close does nothing.
func (p *Parker) Close() error { return nil }

// Parked is 0.
func (p *Parker) Parked() int { return 0 }

// park refuses.
func (p *Parker) park(*Session, int) bool { return false }

// unpark has nothing to resume.
func (p *Parker) unpark(*Session, uint32, bool) bool { return false }

// reconnect is never called: nothing parks.
func (p *Parker) reconnect(*Session) bool { return true }

// withConn runs f with s's connection, which stays.
func (p *Parker) withConn(s *Session, f func(net.Conn)) { f(s.conn) }
