package command

import (
	"testing"
	"time"

	"redpool/backend"
)

// TestWatchTouchesOnlyChanges checks, on both backends and with an
// injected clock, which writes break a WATCH: only keys that change, as
// Redis's touchWatchedKey and touchAllWatchedKeysInDb. A key deleted
// while absent, or flushed or swapped while absent on both sides, is not
// changed; a key that had already expired when watched and is then set
// is, as in Redis 7.0; one that expires after WATCH is too.
func TestWatchTouchesOnlyChanges(t *testing.T) {
	const aborted, committed = "*-1\r\n", "*1\r\n+PONG\r\n"
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		e, err := NewEngine(Options{Backend: b, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		a, w := e.NewCtx(e.NewClient("a", "b"), nil), e.NewCtx(e.NewClient("c", "d"), nil)
		for _, tc := range []struct {
			setup  []string // run by w before WATCH
			wait   time.Duration
			watch  string
			writes []string // run by w after WATCH
			want   string
		}{
			{[]string{"SET x 1"}, 0, "WATCH nokey", []string{"DEL x nokey"}, committed},
			{[]string{"SET x 1"}, 0, "WATCH x", []string{"DEL x nokey"}, aborted},
			{[]string{"SET x 1"}, 0, "WATCH nokey", []string{"FLUSHDB"}, committed},
			{[]string{"SET x 1"}, 0, "WATCH x", []string{"FLUSHALL"}, aborted},
			{[]string{"SELECT 1", "SET x 1", "SELECT 0"}, 0, "WATCH x", []string{"SWAPDB 0 1"}, aborted},
			{[]string{"SELECT 1", "SET y 1", "SELECT 0"}, 0, "WATCH x", []string{"SWAPDB 0 1"}, committed},
			{[]string{"SET x 1"}, 0, "WATCH x", []string{"SWAPDB 0 0"}, committed},
			{[]string{"SET e 1 PX 10"}, 20 * time.Millisecond, "WATCH e", []string{"SET e 2"}, aborted},
			{[]string{"SET e 1 PX 10"}, 20 * time.Millisecond, "WATCH e", []string{"DEL e"}, committed},
			{[]string{"SET e 1 PX 10"}, 20 * time.Millisecond, "WATCH e", []string{"FLUSHDB"}, committed},
			{[]string{"SET e 1 PX 10"}, 0, "WATCH e", []string{"FLUSHDB"}, aborted},
		} {
			execAll(w, append([]string{"FLUSHALL"}, tc.setup...)...)
			clk.Advance(tc.wait)
			execAll(a, tc.watch)
			execAll(w, tc.writes...)
			if got := execAll(a, "MULTI", "PING", "EXEC"); got != "+OK\r\n+QUEUED\r\n"+tc.want {
				t.Errorf("%v, %v, %s, %v: EXEC %q, want %q", tc.setup, tc.wait, tc.watch, tc.writes, got, tc.want)
			}
		}
		// A key that expires after WATCH breaks it without any write.
		execAll(w, "SET e 1 PX 10")
		execAll(a, "WATCH e")
		clk.Advance(20 * time.Millisecond)
		if got := execAll(a, "MULTI", "PING", "EXEC"); got != "+OK\r\n+QUEUED\r\n"+aborted {
			t.Errorf("watched key expired: EXEC %q", got)
		}
	})
}
