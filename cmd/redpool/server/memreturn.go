package server

import (
	"runtime/debug"
	"time"

	"redpool/backend"
	"redpool/session"
)

// minReturn is the least memory that must have been freed, by the data
// shrinking (a DEL of a big value, a FLUSHALL) or by sessions letting go
// of big buffers, before it is handed back to the operating system; a
// bigger dataset needs a quarter of its size (returnThreshold), so that
// the collection FreeOSMemory runs stays a small share of the work.
const minReturn = 16 << 20

// returnThreshold is the freed bytes that make a return worth it with
// used bytes of data.
func returnThreshold(used int64) int64 { return max(minReturn, used/4) }

// memReturner hands freed memory back to the operating system soon after
// much of it is freed, rather than when Go's collector next runs (up to
// two minutes on a quiet server): once a tick it adds up what the data
// shrank by and what the sessions let go of since the last return, and
// when that reaches returnThreshold it runs debug.FreeOSMemory (a
// collection, then every free page released), as MEMORY PURGE does. Its
// goroutine runs from start until stop.
type memReturner struct {
	backend  backend.Backend
	settings *session.Settings
	quit     chan struct{}
	done     chan struct{}
}

// startMemReturner starts checking every tick.
func startMemReturner(b backend.Backend, st *session.Settings, tick time.Duration) *memReturner {
	m := &memReturner{backend: b, settings: st, quit: make(chan struct{}), done: make(chan struct{})}
	go m.run(tick)
	return m
}

func (m *memReturner) run(tick time.Duration) {
	defer close(m.done)
	t := time.NewTicker(tick)
	defer t.Stop()
	last := m.backend.Stats().UsedBytes
	var freed int64
	for {
		select {
		case <-m.quit:
			return
		case <-t.C:
		}
		used := m.backend.Stats().UsedBytes
		freed += max(0, last-used) + m.settings.TakeFreed()
		last = used
		if freed >= returnThreshold(used) {
			debug.FreeOSMemory()
			m.settings.TakeFreed() // what the collection just returned
			freed = 0
		}
	}
}

// stop ends the goroutine and waits for it; nil-safe and idempotent.
func (m *memReturner) stop() {
	if m == nil {
		return
	}
	select {
	case <-m.quit:
	default:
		close(m.quit)
	}
	<-m.done
}
