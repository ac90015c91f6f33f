package command

import (
	"reflect"
	"syscall"
	"testing"

	"redpool/backend"
)

// newLoggedCtx returns a context on an engine over b that logs to a
// recordLog.
func newLoggedCtx(t *testing.T, b backend.Backend, clk backend.Clock) (*Ctx, *recordLog) {
	t.Helper()
	log := &recordLog{}
	e, err := NewEngine(Options{Backend: b, Clock: clk, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return e.NewCtx(e.NewClient("a", "b"), nil), log
}

// TestExecLogsOneUnit checks what EXEC hands the log: its writes as one
// MULTI ... EXEC unit on the database each ran on, a single write alone,
// nothing for a transaction that changed nothing.
func TestExecLogsOneUnit(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		c, log := newLoggedCtx(t, b, clk)
		got := execAll(c, "MULTI", "SET a 1", "GET a", "DEL nokey", "SELECT 3", "RPUSH l x", "EXPIRE l 100", "EXEC")
		if want := "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*6\r\n+OK\r\n$1\r\n1\r\n:0\r\n+OK\r\n:1\r\n:1\r\n"; got != want {
			t.Fatalf("replies %q, want %q", got, want)
		}
		want := []string{"MULTI", "0: SET a 1", "3: RPUSH l x", "3: PEXPIREAT l 1700000100000", "EXEC"}
		if recs := log.take(); !reflect.DeepEqual(recs, want) {
			t.Errorf("records %q, want %q", recs, want)
		}
		execAll(c, "MULTI", "INCR n", "GET n", "EXEC")
		if recs := log.take(); !reflect.DeepEqual(recs, []string{"3: INCR n"}) {
			t.Errorf("one write: records %q", recs)
		}
		execAll(c, "MULTI", "GET n", "DEL nokey", "EXEC")
		if recs := log.take(); len(recs) != 0 {
			t.Errorf("no write: records %q", recs)
		}
	})
}

// TestExecRefusedWrites: a write queued while the log works, then EXEC
// once it fails, aborts the transaction with the reason, as Redis does;
// a write queued while it fails dooms the transaction at once.
func TestExecRefusedWrites(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		c, log := newLoggedCtx(t, b, clk)
		misconf := "MISCONF Errors writing to the AOF file: No space left on device"
		execAll(c, "MULTI", "SET a 1", "GET a")
		log.setErr(syscall.ENOSPC)
		if got, want := execAll(c, "EXEC"), "-EXECABORT Transaction discarded because of: "+misconf+"\r\n"; got != want {
			t.Errorf("EXEC %q, want %q", got, want)
		}
		if got, want := execAll(c, "MULTI", "GET a", "EXEC"), "+OK\r\n+QUEUED\r\n*1\r\n$-1\r\n"; got != want {
			t.Errorf("read-only transaction %q, want %q", got, want)
		}
		if got, want := execAll(c, "MULTI", "SET a 1", "EXEC"), "+OK\r\n-"+misconf+"\r\n-EXECABORT Transaction discarded because of previous errors.\r\n"; got != want {
			t.Errorf("write queued while refused %q, want %q", got, want)
		}
		log.setErr(nil)
		if recs := log.take(); len(recs) != 0 {
			t.Errorf("records %q", recs)
		}
	})
}

// TestWatchStateIsFreed: watched keys are counted once per client and key,
// and EXEC, DISCARD, UNWATCH and disconnecting forget them.
func TestWatchStateIsFreed(t *testing.T) {
	_, c := newMemoryCtx(t)
	e := c.e
	d := e.NewCtx(e.NewClient("d", "d"), nil)
	pairs := func() int64 { return e.watches.n.Load() }
	execAll(c, "WATCH a b a", "WATCH b c")
	execAll(d, "WATCH a")
	if got := pairs(); got != 4 {
		t.Fatalf("%d watched pairs, want 4", got)
	}
	execAll(c, "MULTI", "EXEC")
	if got := pairs(); got != 1 {
		t.Fatalf("after EXEC: %d watched pairs, want 1", got)
	}
	execAll(c, "WATCH a", "MULTI", "DISCARD")
	execAll(c, "WATCH x", "UNWATCH")
	if got := pairs(); got != 1 {
		t.Fatalf("after DISCARD and UNWATCH: %d watched pairs, want 1", got)
	}
	e.Unregister(d.Client)
	if got := pairs(); got != 0 || len(e.watches.byKey) != 0 {
		t.Fatalf("after disconnect: %d watched pairs, %d keys", got, len(e.watches.byKey))
	}
}
