package server

import "time"

// ticking runs a function every tick on a goroutine of its own, from
// startTicking until stop; the Server owns each (the memory returner,
// the idle-client check).
type ticking struct {
	quit chan struct{}
	done chan struct{}
}

// startTicking calls fn every tick until stop.
func startTicking(tick time.Duration, fn func()) *ticking {
	t := &ticking{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(t.done)
		tk := time.NewTicker(tick)
		defer tk.Stop()
		for {
			select {
			case <-t.quit:
				return
			case <-tk.C:
				fn()
			}
		}
	}()
	return t
}

// stop ends the goroutine and waits for it; nil-safe and idempotent
// (from one goroutine at a time: the Server's Shutdown).
func (t *ticking) stop() {
	if t == nil {
		return
	}
	select {
	case <-t.quit:
	default:
		close(t.quit)
	}
	<-t.done
}
