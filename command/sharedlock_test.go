package command

import (
	"strings"
	"testing"
)

// sharedlockCmds splits lines into commands as a session reads them.
func sharedlockCmds(lines ...string) [][][]byte {
	cmds := make([][][]byte, len(lines))
	for i, l := range lines {
		cmds[i] = benchArgs(strings.Fields(l)...)
	}
	return cmds
}

func TestSharedRunLength(t *testing.T) {
	_, c := newMemoryCtx(t)
	e := c.e
	for _, tc := range []struct {
		lines []string
		want  int
	}{
		{[]string{"INCR k", "INCR k", "INCR k"}, 3},
		{[]string{"INCR k", "INCR k", "INCR j"}, 2},
		{[]string{"INCR k", "INCRBY k 2"}, 1}, // another command
		{[]string{"INCR k"}, 0},
		{[]string{"INCR k", "INCR"}, 1},         // arity
		{[]string{"MGET k", "MGET k"}, 2},       // one key
		{[]string{"MGET k j", "MGET k j"}, 0},   // two
		{[]string{"BLPOP k 0", "BLPOP k 0"}, 0}, // blocking
		{[]string{"PING", "PING"}, 0},           // no data
		{[]string{"NOSUCH k", "NOSUCH k"}, 0},   // unknown
		{[]string{"SETBIT b 7 1", "SETBIT b 9 1"}, 2},
	} {
		if got := e.SharedRun(c, sharedlockCmds(tc.lines...)); got != tc.want {
			t.Errorf("SharedRun(%q) = %d, want %d", tc.lines, got, tc.want)
		}
	}
	execAll(c, "MULTI")
	if got := e.SharedRun(c, sharedlockCmds("INCR k", "INCR k")); got != 0 {
		t.Errorf("SharedRun in MULTI = %d, want 0", got)
	}
	execAll(c, "DISCARD")
	execAll(c, "CONFIG SET maxmemory 100mb")
	if got := e.SharedRun(c, sharedlockCmds("INCR k", "INCR k")); got != 0 {
		t.Errorf("SharedRun with maxmemory = %d, want 0", got)
	}
	execAll(c, "CONFIG SET maxmemory 0")
	execAll(c, "CLIENT REPLY SKIP")
	if got := e.SharedRun(c, sharedlockCmds("INCR k", "INCR k")); got != 0 {
		t.Errorf("SharedRun after CLIENT REPLY SKIP = %d, want 0", got)
	}
}

// TestExecSharedReplies: a shared run replies as the commands one by one,
// a failing one included, and leaves the same data.
func TestExecSharedReplies(t *testing.T) {
	lines := []string{"SETBIT b 7 1", "SETBIT b x 1", "SETBIT b 7 0", "SETBIT b 9 1"}
	const want = ":0\r\n-ERR bit offset is not an integer or out of range\r\n:1\r\n:0\r\n"
	_, one := newMemoryCtx(t)
	if got := execAll(one, lines...); got != want {
		t.Fatalf("one by one: %q, want %q", got, want)
	}
	_, c := newMemoryCtx(t)
	cmds := sharedlockCmds(lines...)
	if n := c.e.SharedRun(c, cmds); n != len(cmds) {
		t.Fatalf("SharedRun = %d, want %d", n, len(cmds))
	}
	c.e.ExecShared(c, cmds)
	if got := string(c.Out()); got != want {
		t.Errorf("shared: %q, want %q", got, want)
	}
	c.Reset()
	if got, want := execAll(c, "GET b", "INFO commandstats"), "$2\r\n\x00@\r\n"; !strings.HasPrefix(got, want) ||
		!strings.Contains(got, "cmdstat_setbit:calls=4,") || !strings.Contains(got, "failed_calls=1") {
		t.Errorf("after: %q", got)
	}
}
