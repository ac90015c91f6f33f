package bolt

import (
	"sync/atomic"
	"time"
)

// Gathering a logged batch's members.
//
// A batch commits as soon as it has run what is queued (writer.go), which
// keeps a lone writer's latency low. With the write-ahead log, though,
// each batch costs one fdatasync of the log, and under steady load the
// writers come back in a wave after each commit: the first to arrive
// starts a batch at once, the rest queue during its fdatasync, and a wave
// of 50 writers pays two fdatasyncs instead of one. So a logged batch
// that has fewer members than recent batches had waits for more, at most
// a quarter of the recent fdatasync time (between gatherMin and
// gatherMax), and commits as soon as it has as many. target follows the
// batch sizes: it rises to a bigger batch at once and decays by an eighth
// after a batch that waited in vain, so that a lone writer soon waits no
// more.

const (
	gatherMin = 20 * time.Microsecond
	gatherMax = time.Millisecond
)

// walGather belongs to the goroutine running batches (wmu held), but for
// waiting and wake, which writers use.
type walGather struct {
	waiting atomic.Bool   // the batch waits: a writer that queues signals wake
	wake    chan struct{} // capacity 1
	target  int           // the batch size worth waiting for
	fsync   time.Duration // a moving average of the log's fdatasync time
	timer   *time.Timer
}

// arrived tells a waiting batch that a writer queued.
func (g *walGather) arrived() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// walGather waits for a writer to queue, if the running batch (of n
// members) is logged and smaller than the target and its gathering time
// (until, set at the first wait) is not over. It reports false when the
// batch should commit now.
func (b *Bolt) walGather(n int, until *time.Time) bool {
	g := &b.gather
	if !b.wal.on || n >= g.target {
		return false
	}
	now := time.Now()
	if until.IsZero() {
		*until = now.Add(min(max(g.fsync/4, gatherMin), gatherMax))
	}
	d := until.Sub(now)
	if d <= 0 {
		return false
	}
	g.waiting.Store(true)
	b.qmu.Lock()
	queued := len(b.queue)
	b.qmu.Unlock()
	if queued == 0 {
		if g.timer == nil {
			g.timer = time.NewTimer(d)
		} else {
			g.timer.Reset(d)
		}
		select {
		case <-g.wake:
			g.timer.Stop()
		case <-g.timer.C:
		}
	}
	g.waiting.Store(false)
	select {
	case <-g.wake:
	default:
	}
	return true
}

// batched adjusts the target after a batch of n members that waited (or
// not).
func (g *walGather) batched(n int, waited bool) {
	switch {
	case n >= g.target:
		g.target = n
	case waited:
		g.target = max(n, g.target-g.target/8-1)
	}
}

// synced adds one fdatasync's time to the moving average.
func (g *walGather) synced(d time.Duration) { g.fsync += (d - g.fsync) / 8 }
