package aof

import (
	"strconv"
	"time"
)

// Info returns the aof_* fields of INFO persistence, named and formatted
// as Redis 7 does, in its order.
func (l *Log) Info() [][2]string {
	l.rmu.Lock()
	rewriting, scheduled := l.rewriting, false
	last, current := int64(-1), int64(-1)
	if l.lastRewrite >= 0 {
		last = int64(l.lastRewrite / time.Second)
	}
	if rewriting {
		current = int64(time.Since(l.rewriteAt) / time.Second)
	}
	rewriteStatus := okErr(l.rewriteOK)
	rewrites, streak := l.rewrites, l.failStreak
	l.rmu.Unlock()

	buffered := l.Buffered()
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	return [][2]string{
		{"aof_enabled", "1"},
		{"aof_rewrite_in_progress", boolInt(rewriting)},
		{"aof_rewrite_scheduled", boolInt(scheduled)},
		{"aof_last_rewrite_time_sec", itoa(last)},
		{"aof_current_rewrite_time_sec", itoa(current)},
		{"aof_last_bgrewrite_status", rewriteStatus},
		{"aof_rewrites", itoa(rewrites)},
		{"aof_rewrites_consecutive_failures", itoa(streak)},
		{"aof_last_write_status", okErr(l.Err() == nil)},
		{"aof_current_size", itoa(l.Size())},
		{"aof_base_size", itoa(l.baseSize.Load())},
		{"aof_pending_rewrite", "0"},
		{"aof_buffer_length", itoa(buffered)},
		{"aof_pending_bio_fsync", "0"},
		{"aof_delayed_fsync", itoa(l.delayed.Load())},
	}
}

// Buffered is how many bytes the log holds that are not yet written to
// its file (INFO's aof_buffer_length). Safe for concurrent use.
func (l *Log) Buffered() int64 {
	l.mu.Lock()
	n := int64(len(l.pend))
	for _, s := range l.queue {
		n += int64(len(s.data))
	}
	l.mu.Unlock()
	return n + l.queued.Load()
}

func okErr(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}

func boolInt(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
