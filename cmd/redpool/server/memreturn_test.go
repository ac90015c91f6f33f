package server

import "testing"

// TestReturnPolicyDue: a return comes when freed memory (the data
// shrinking plus what sessions let go of) reaches returnThreshold, or at
// the first quiet tick after at least half the live heap (at least
// idleMinBurst) was allocated since the last return.
func TestReturnPolicyDue(t *testing.T) {
	const mb = 1 << 20
	var p returnPolicy
	p.start(100*mb, 40*mb)
	steps := []struct {
		allocs, live        uint64
		used, sessionsFreed int64
		want                bool
	}{
		{101 * mb, 20 * mb, 40 * mb, 0, false},              // busy, little allocated
		{120 * mb, 20 * mb, 40 * mb, 0, false},              // a burst: not quiet
		{120*mb + 1000, 20 * mb, 40 * mb, 0, true},          // quiet after 20 MB (>= live/2)
		{140 * mb, 100 * mb, 40 * mb, 0, false},             // busy again
		{140 * mb, 100 * mb, 40 * mb, 0, false},             // quiet, but 20 MB < live/2
		{150 * mb, 20 * mb, 40 * mb, 0, false},              // busy
		{150 * mb, 20 * mb, 40 * mb, 0, true},               // quiet after 30 MB
		{150*mb + idleQuiet, 1, 40 * mb, 0, false},          // exactly idleQuiet in one tick: busy
		{150*mb + idleQuiet + 1, 1, 40 * mb, 0, false},      // quiet, below idleMinBurst
		{150*mb + idleMinBurst, 1, 40 * mb, 0, false},       // busy
		{150*mb + idleMinBurst + 1000, 1, 40 * mb, 0, true}, // quiet at idleMinBurst
		{160 * mb, 20 * mb, 30 * mb, 0, false},              // busy; the data shrank by 10 MB
		{170 * mb, 20 * mb, 30 * mb, 5 * mb, false},         // sessions let 5 MB go: 15 < 16 MB
		{180 * mb, 20 * mb, 29 * mb, 0, true},               // 1 MB more: 16 MB freed, busy or not
		{190 * mb, 20 * mb, 200 * mb, 20 * mb, false},       // the data grew; 20 MB < a quarter of it
		{200 * mb, 20 * mb, 150 * mb, 0, true},              // 70 MB freed >= 150/4
	}
	for i, s := range steps {
		if got := p.due(s.allocs, s.live, s.used, s.sessionsFreed); got != s.want {
			t.Fatalf("step %d: due(%d, %d, %d, %d) = %v, want %v", i, s.allocs, s.live, s.used, s.sessionsFreed, got, s.want)
		}
		if s.want {
			p.returned(s.allocs)
		}
	}
}
