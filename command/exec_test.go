package command

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/bolt"
	"redpool/backend/memory"
)

// eachBackend runs body on a fresh memory and a fresh bolt backend.
func eachBackend(t *testing.T, body func(t *testing.T, b backend.Backend, clk *backend.ManualClock)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) {
		clk := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
		m := memory.New(memory.Options{Clock: clk, ExpiryInterval: -1})
		t.Cleanup(func() { _ = m.Close() })
		body(t, m, clk)
	})
	t.Run("bolt", func(t *testing.T) {
		clk := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
		b, err := bolt.Open(bolt.Options{Path: filepath.Join(t.TempDir(), "db"), Sync: bolt.SyncNone, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close() })
		body(t, b, clk)
	})
}

// newMemoryCtx returns a session context on an engine over a fresh memory
// backend with no active expiry, closed when the test ends.
func newMemoryCtx(t testing.TB) (*memory.Memory, *Ctx) {
	t.Helper()
	m := memory.New(memory.Options{ExpiryInterval: -1})
	t.Cleanup(func() { _ = m.Close() })
	e, err := NewEngine(Options{Backend: m})
	if err != nil {
		t.Fatal(err)
	}
	return m, e.NewCtx(e.NewClient("a", "b"), nil)
}

// execAll runs each command line (space-separated words) on c and returns
// the replies written since the last Reset, then resets.
func execAll(c *Ctx, lines ...string) string {
	for _, l := range lines {
		c.e.Exec(c, benchArgs(strings.Fields(l)...))
	}
	out := string(c.Out())
	c.Reset()
	return out
}

// TestNestedExecution runs commands inside a transaction that Atomically
// holds open, as EXEC and scripts will: each runs in the open transaction
// with no second lock (no deadlock), commands that open their own
// transactions (InTx, blocking pops) reuse it, the AOF gets each command's
// record under the locks, and wake-ups wait for the commit.
func TestNestedExecution(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		c, log := newLoggedCtx(t, b, clk)
		var inside string
		err := c.Atomically(true, backend.TxOptions{All: true}, func() error {
			inside = execAll(c,
				"SET a 1", "INCR a", "RPUSH l x y", "LMPOP 1 l LEFT",
				"COPY a b", "BLPOP l 0", "BLPOP nothing 0", "GET b", "LPUSH a z", "EXPIRE a 100")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := ":2\r\n" + ":2\r\n" + "*2\r\n$1\r\nl\r\n*1\r\n$1\r\nx\r\n" +
			":1\r\n" + "*2\r\n$1\r\nl\r\n$1\r\ny\r\n" + "*-1\r\n" + "$1\r\n2\r\n" +
			"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" + ":1\r\n"
		if inside != "+OK\r\n"+want {
			t.Fatalf("replies inside the transaction:\n got %q\nwant %q", inside, "+OK\r\n"+want)
		}
		wantLog := []string{"0: SET a 1", "0: INCR a", "0: RPUSH l x y", "0: LPOP l 1", "0: COPY a b",
			"0: LPOP l", "0: PEXPIREAT a 1700000100000"}
		if got := log.take(); strings.Join(got, "|") != strings.Join(wantLog, "|") {
			t.Fatalf("AOF records:\n got %q\nwant %q", got, wantLog)
		}
		if got := execAll(c, "GET a", "EXISTS l", "DBSIZE"); got != "$1\r\n2\r\n:0\r\n:2\r\n" {
			t.Fatalf("after the transaction: %q", got)
		}
	})
}

// TestAtomicallyIsolated checks that another client does not see a write
// made inside Atomically before the transaction ends: its GET, started
// after the first SET, sees the state before the transaction (bolt's
// readers do not wait for writers) or after it (memory's do), never the
// first SET.
func TestAtomicallyIsolated(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		e, err := NewEngine(Options{Backend: b, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		c := e.NewCtx(e.NewClient("a", "b"), nil)
		other := e.NewCtx(e.NewClient("c", "d"), nil)
		got := make(chan string)
		err = c.Atomically(true, backend.TxOptions{Keys: [][]byte{[]byte("k")}}, func() error {
			execAll(c, "SET k first")
			go func() { got <- execAll(other, "GET k") }()
			time.Sleep(10 * time.Millisecond) // give the reader time to try
			execAll(c, "SET k last")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if g := <-got; g != "$4\r\nlast\r\n" && g != "$-1\r\n" {
			t.Fatalf("the other client saw %q inside the transaction", g)
		}
	})
}

// TestKeysOfMovableCommands checks the key-finding functions through
// COMMAND GETKEYS, against Redis 7.0's replies.
func TestKeysOfMovableCommands(t *testing.T) {
	_, c := newMemoryCtx(t)
	for _, tc := range []struct{ cmd, want string }{
		{"COMMAND GETKEYS lmpop 2 a b left", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{"COMMAND GETKEYS lmpop 2 a left", "*2\r\n$1\r\na\r\n$4\r\nleft\r\n"},
		{"COMMAND GETKEYS lmpop 0 a left", "-ERR Invalid arguments specified for command\r\n"},
		{"COMMAND GETKEYS lmpop 5 a left", "-ERR Invalid arguments specified for command\r\n"},
		{"COMMAND GETKEYS lmpop x a left", "-ERR Invalid arguments specified for command\r\n"},
		{"COMMAND GETKEYS lmpop 1 a", "-ERR Invalid number of arguments specified for command\r\n"},
		{"COMMAND GETKEYS blmpop 0 2 a b left count 2", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{"COMMAND GETKEYS copy a b db 3", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{"COMMAND GETKEYS mset a 1 b 2", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{"COMMAND GETKEYS blpop a b 0", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{"COMMAND GETKEYS set k v ex 10", "*1\r\n$1\r\nk\r\n"},
		{"COMMAND GETKEYS object encoding k", "*1\r\n$1\r\nk\r\n"},
		{"COMMAND GETKEYS object encoding", "-ERR Invalid number of arguments specified for command\r\n"},
		{"COMMAND GETKEYS object foo k", "-ERR Invalid command specified\r\n"},
		{"COMMAND GETKEYS swapdb 0 1", "-ERR The command has no key arguments\r\n"},
		{"COMMAND GETKEYS config get x", "-ERR The command has no key arguments\r\n"},
		{"COMMAND GETKEYS get a b", "-ERR Invalid number of arguments specified for command\r\n"},
		{"COMMAND GETKEYS foo x", "-ERR Invalid command specified\r\n"},
		{"COMMAND GETKEYS get", "-ERR wrong number of arguments for 'command|getkeys' command\r\n"},
	} {
		if got := execAll(c, tc.cmd); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
	}
}

// TestOpenTxLimits checks what a command inside Atomically may reach: a
// key the transaction did not lock is an error reply (never a panic), and
// SELECT moves the following commands to another database only when the
// transaction holds every database.
func TestOpenTxLimits(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		e, err := NewEngine(Options{Backend: b, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		c := e.NewCtx(e.NewClient("a", "b"), nil)
		var got string
		err = c.Atomically(true, backend.TxOptions{Keys: [][]byte{[]byte("k")}}, func() error {
			got = execAll(c, "SET k 1", "SET other 1", "GET other", "DBSIZE", "SELECT 2", "GET k", "SELECT 0", "GET k")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		undeclared := "-" + string(ErrUndeclaredKey) + "\r\n"
		// DBSIZE reads a counter, not keys: the backends allow it.
		if want := "+OK\r\n" + undeclared + undeclared + ":1\r\n+OK\r\n" + undeclared + "+OK\r\n$1\r\n1\r\n"; got != want {
			t.Fatalf("inside a transaction on k:\n got %q\nwant %q", got, want)
		}
		err = c.Atomically(true, backend.TxOptions{All: true}, func() error {
			got = execAll(c, "SELECT 2", "SET k two", "RPUSH l a", "SELECT 0", "GET k", "MOVE k 2", "SELECT 2", "LPOP l")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := "+OK\r\n+OK\r\n:1\r\n+OK\r\n$1\r\n1\r\n:0\r\n+OK\r\n$1\r\na\r\n"; got != want {
			t.Fatalf("SELECT inside a transaction on every database:\n got %q\nwant %q", got, want)
		}
		if got := execAll(c, "GET k", "SELECT 0", "GET k"); got != "$3\r\ntwo\r\n+OK\r\n$1\r\n1\r\n" {
			t.Fatalf("after the transaction: %q", got)
		}
	})
}
