package session_test

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"

	"redpool/session/resp"
)

// A transaction a batch holds whole runs at once (command.Engine.ExecMulti):
// the replies are Redis 7.0's byte for byte (taken from redis-server with
// the same writes), whether the transaction is whole in one read or not.

// multiBatchExchange writes cmds in one write and checks that the replies
// are want, byte for byte.
func multiBatchExchange(t *testing.T, c net.Conn, br *bufio.Reader, want string, cmds ...[]string) {
	t.Helper()
	multiWrite(t, c, cmds...)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(br, got); err != nil {
		t.Fatalf("reading %q: %v (got %q)", want, err, got)
	}
	if string(got) != want {
		t.Fatalf("replies %q, want %q", got, want)
	}
}

// multiWrite writes cmds to c in one write.
func multiWrite(t *testing.T, c net.Conn, cmds ...[]string) {
	t.Helper()
	var req []byte
	for _, args := range cmds {
		req = resp.AppendCommandStrings(req, args...)
	}
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
}

// multiDial connects another client to addr, closed when the test ends.
func multiDial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, bufio.NewReader(c)
}

func TestMultiBatchQueueErrors(t *testing.T) {
	c, br, _ := serveAddr(t)
	// Refused while queueing: EXEC aborts.
	multiBatchExchange(t, c, br, "+OK\r\n+QUEUED\r\n"+
		"-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n"+
		"-ERR wrong number of arguments for 'incr' command\r\n"+
		"-EXECABORT Transaction discarded because of previous errors.\r\n$-1\r\n",
		[]string{"MULTI"}, []string{"SET", "k", "v"}, []string{"NOSUCH", "x"}, []string{"INCR"}, []string{"EXEC"},
		[]string{"GET", "k"})
	// A runtime error is one element of EXEC's reply.
	multiBatchExchange(t, c, br, "+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n",
		[]string{"SET", "s", "abc"}, []string{"MULTI"}, []string{"INCR", "s"}, []string{"SET", "k", "v"}, []string{"EXEC"})
	// EXEC refused aborts with the reason; WATCH inside MULTI is refused
	// and the transaction goes on.
	multiBatchExchange(t, c, br, "+OK\r\n-ERR wrong number of arguments for 'get' command\r\n"+
		"-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n"+
		"-ERR EXEC without MULTI\r\n",
		[]string{"MULTI"}, []string{"GET"}, []string{"EXEC", "x"}, []string{"EXEC"})
	multiBatchExchange(t, c, br, "+OK\r\n-ERR WATCH inside MULTI is not allowed\r\n+QUEUED\r\n*1\r\n+OK\r\n",
		[]string{"MULTI"}, []string{"WATCH", "k"}, []string{"SET", "k", "1"}, []string{"EXEC"})
}

func TestMultiBatchNestedAndDiscard(t *testing.T) {
	c, br, _ := serveAddr(t)
	multiBatchExchange(t, c, br, "+OK\r\n-ERR MULTI calls can not be nested\r\n+QUEUED\r\n*1\r\n+OK\r\n$1\r\nw\r\n",
		[]string{"MULTI"}, []string{"MULTI"}, []string{"SET", "k", "w"}, []string{"EXEC"}, []string{"GET", "k"})
	multiBatchExchange(t, c, br, "+OK\r\n+QUEUED\r\n*1\r\n:1\r\n+OK\r\n+QUEUED\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n$1\r\n1\r\n",
		[]string{"MULTI"}, []string{"INCR", "n"}, []string{"EXEC"},
		[]string{"MULTI"}, []string{"INCR", "n"}, []string{"DISCARD"},
		[]string{"MULTI"}, []string{"GET", "n"}, []string{"EXEC"})
}

// TestMultiBatchSplit: a transaction whose EXEC comes in a later read.
func TestMultiBatchSplit(t *testing.T) {
	c, br, _ := serveAddr(t)
	multiBatchExchange(t, c, br, "+OK\r\n+QUEUED\r\n", []string{"MULTI"}, []string{"SET", "k", "x"})
	multiBatchExchange(t, c, br, "+QUEUED\r\n*2\r\n+OK\r\n:1\r\n", []string{"INCR", "n"}, []string{"EXEC"})
	multiBatchExchange(t, c, br, "$1\r\nx\r\n", []string{"GET", "k"})
}

// TestMultiBatchWatchTouched: a key watched in one read and changed by
// another client before the batch with the whole transaction.
func TestMultiBatchWatchTouched(t *testing.T) {
	c, br, addr := serveAddr(t)
	other, obr := multiDial(t, addr)
	multiBatchExchange(t, c, br, "+OK\r\n", []string{"WATCH", "k"})
	multiBatchExchange(t, other, obr, "+OK\r\n", []string{"SET", "k", "y"})
	multiBatchExchange(t, c, br, "+OK\r\n+QUEUED\r\n*-1\r\n$1\r\ny\r\n",
		[]string{"MULTI"}, []string{"SET", "k", "z"}, []string{"EXEC"}, []string{"GET", "k"})
	// Not touched: it runs, and the watch ends with EXEC.
	multiBatchExchange(t, c, br, "+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n",
		[]string{"WATCH", "k"}, []string{"MULTI"}, []string{"SET", "k", "z"}, []string{"EXEC"})
	multiBatchExchange(t, other, obr, "+OK\r\n", []string{"SET", "k", "q"})
	multiBatchExchange(t, c, br, "+OK\r\n+QUEUED\r\n*1\r\n$1\r\nq\r\n",
		[]string{"MULTI"}, []string{"GET", "k"}, []string{"EXEC"})
}

// TestMultiBatchStats: the commands of whole transactions count as they
// do one by one.
func TestMultiBatchStats(t *testing.T) {
	c, br, _ := serveAddr(t)
	var cmds [][]string
	want := ""
	for range 3 {
		cmds = append(cmds, []string{"MULTI"}, []string{"SET", "k", "v"}, []string{"INCR", "n"}, []string{"EXEC"})
	}
	for i := 1; i <= 3; i++ {
		want += "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:" + string(rune('0'+i)) + "\r\n"
	}
	multiBatchExchange(t, c, br, want, cmds...)
	info := multiStatsSend(t, c, br, 1, []string{"INFO", "commandstats"})[0]
	for _, name := range []string{"cmdstat_multi", "cmdstat_set", "cmdstat_incr", "cmdstat_exec"} {
		if !strings.Contains(info, name+":calls=3,") {
			t.Errorf("INFO commandstats %q, want %s with 3 calls", info, name)
		}
	}
	stats := multiStatsSend(t, c, br, 1, []string{"INFO", "stats"})[0]
	if v := multiStatsField(t, stats, "total_commands_processed"); v != "14" { // 12, INFO, INFO
		t.Errorf("total_commands_processed %s, want 14", v)
	}
}
