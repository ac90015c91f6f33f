package server

import (
	"runtime/debug"
	"time"

	"redpool/backend"
	"redpool/session"
)

// returnThreshold is how much memory must have been freed, by the data
// shrinking (a DEL of a big value, a FLUSHALL) or by sessions letting go
// of big buffers, before it is handed back to the operating system.
const returnThreshold = 32 << 20

// memReturner hands freed memory back to the operating system soon after
// much of it is freed, rather than when Go's collector next runs (up to
// two minutes on a quiet server): once a tick, if the data shrank or the
// sessions let go of at least returnThreshold bytes, it runs
// debug.FreeOSMemory (a collection, then every free page released), as
// MEMORY PURGE does. Its goroutine runs from start until stop.
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
	for {
		select {
		case <-m.quit:
			return
		case <-t.C:
		}
		used := m.backend.Stats().UsedBytes
		if last-used >= returnThreshold || m.settings.TakeFreed() >= returnThreshold {
			debug.FreeOSMemory()
			m.settings.TakeFreed() // what the collection just returned
		}
		last = used
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
