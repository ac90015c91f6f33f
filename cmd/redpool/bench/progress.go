package bench

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress reports how far the run is on w: on a terminal a bar redrawn in
// place, otherwise one plain line per phase. A nil w reports nothing. Safe
// for concurrent use; close stops its goroutine.
type progress struct {
	w     io.Writer
	term  bool
	total int // strategies

	mu       sync.Mutex
	index    int    // current strategy, 0-based
	name     string // current strategy
	phase    string // current phase
	since    time.Time
	expect   time.Duration // expected length of the phase, 0 if unknown
	lo, hi   float64       // part of the strategy the phase covers
	count    *atomic.Int64 // requests done in the phase, or nil
	of       int64         // requests the phase will do, if count is set
	drawn    bool          // a bar is on screen
	quit     chan struct{} // closed by close
	finished chan struct{} // closed when the redraw goroutine returned
}

// barWidth is the number of cells of the progress bar.
const barWidth = 30

func newProgress(w io.Writer, term bool, total int) *progress {
	p := &progress{w: w, term: term && w != nil, total: total, quit: make(chan struct{}), finished: make(chan struct{})}
	if !p.term {
		close(p.finished)
		return p
	}
	go p.loop()
	return p
}

func (p *progress) loop() {
	defer close(p.finished)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			p.mu.Lock()
			p.draw()
			p.mu.Unlock()
		}
	}
}

// close stops the redraws and clears the bar.
func (p *progress) close() {
	close(p.quit)
	<-p.finished
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

// begin reports the start of strategy i.
func (p *progress) begin(i int, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.index, p.name = i, name
	p.lo, p.hi, p.phase = 0, 0, "starting"
}

// setPhase reports that the current strategy entered a phase expected to
// last expect (0 if unknown) and to cover the fraction lo..hi of it.
func (p *progress) setPhase(phase string, lo, hi float64, expect time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.lo, p.hi, p.expect, p.since = phase, lo, hi, expect, time.Now()
	p.count, p.of = nil, 0
	what := phase
	if expect > 0 {
		what += " (" + expect.String() + ")"
	}
	p.report(what)
}

// setCountedPhase is setPhase for a phase that ends after of requests,
// counted by count.
func (p *progress) setCountedPhase(phase string, lo, hi float64, count *atomic.Int64, of int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.lo, p.hi, p.expect, p.since = phase, lo, hi, 0, time.Now()
	p.count, p.of = count, of
	p.report(fmt.Sprintf("%s (%s requests)", phase, fmtCount(of)))
}

// report draws the bar, or prints what for a new phase; p.mu is held.
func (p *progress) report(what string) {
	if p.term {
		p.draw()
		return
	}
	if p.w != nil {
		fmt.Fprintf(p.w, "bench: [%d/%d] %s: %s\n", p.index+1, p.total, p.name, what)
	}
}

// end reports the result of the current strategy.
func (p *progress) end(r Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.w == nil {
		return
	}
	p.clear()
	line := fmt.Sprintf("%s ops/s, p99 %s, recovery %s", fmtOps(r.OpsPerSec), fmtMs(r.P99Ms), fmtMs(r.RecoveryMs))
	if r.AckedWrites > 0 {
		line += fmt.Sprintf(", crash lost %s of %s acked writes", fmtCount(r.AckedLost), fmtCount(r.AckedWrites))
	}
	if r.Error != "" {
		line = "FAILED: " + r.Error
	}
	fmt.Fprintf(p.w, "bench: [%d/%d] %s: %s\n", p.index+1, p.total, r.Strategy, line)
	p.lo, p.hi, p.phase, p.since = 1, 1, "done", time.Now()
	if p.term {
		p.draw()
	}
}

// draw redraws the bar; p.mu is held.
func (p *progress) draw() {
	if !p.term || p.total == 0 {
		return
	}
	frac := p.lo
	switch {
	case p.count != nil && p.of > 0:
		frac += (p.hi - p.lo) * min(1, float64(p.count.Load())/float64(p.of))
	case p.expect > 0:
		frac += (p.hi - p.lo) * min(1, float64(time.Since(p.since))/float64(p.expect))
	}
	overall := (float64(p.index) + frac) / float64(p.total)
	filled := int(overall * barWidth)
	bar := strings.Repeat("#", filled) + strings.Repeat("-", barWidth-filled)
	elapsed := time.Since(p.since).Truncate(100 * time.Millisecond)
	fmt.Fprintf(p.w, "\r\033[K[%s] %3.0f%%  %d/%d %s: %s %v", bar, overall*100, p.index+1, p.total, p.name, p.phase, elapsed)
	p.drawn = true
}

// clear erases the bar; p.mu is held.
func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}
