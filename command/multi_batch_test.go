package command

import (
	"strings"
	"testing"
)

// multiLenOf is multiLen with commands of up to 99 bytes of arguments.
func multiLenOf(c *Ctx, cmds [][][]byte) int {
	var specs [maxWholeTx]*Spec
	return c.e.multiLen(c, cmds, 100, &specs)
}

func TestMultiLenCases(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  int
	}{
		{"whole", []string{"MULTI", "SET k v", "incr n", "EXEC", "GET k"}, 4},
		{"empty", []string{"multi", "exec"}, 2},
		{"refused while queueing", []string{"MULTI", "SET k v", "INCR", "EXEC"}, 4},
		{"unknown command", []string{"MULTI", "NOSUCH", "EXEC"}, 0},
		{"nested MULTI", []string{"MULTI", "MULTI", "EXEC"}, 0},
		{"DISCARD", []string{"MULTI", "SET k v", "DISCARD"}, 0},
		{"WATCH inside", []string{"MULTI", "WATCH k", "EXEC"}, 0},
		{"EXEC refused", []string{"MULTI", "SET k v", "EXEC x"}, 0},
		{"EXEC in a later batch", []string{"MULTI", "SET k v"}, 0},
		{"not MULTI", []string{"SET k v", "MULTI", "EXEC"}, 0},
		{"MULTI with an argument", []string{"MULTI x", "EXEC"}, 0},
		{"big argument", []string{"MULTI", "SET k " + strings.Repeat("v", 100), "EXEC"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newMemoryCtx(t)
			c.BeginBatch()
			defer c.EndBatch()
			if got := multiLenOf(c, sharedlockCmds(tc.lines...)); got != tc.want {
				t.Errorf("multiLen = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestMultiLenGeneralPath: outside a batch, inside MULTI, and with
// replies off the general path runs the transaction.
func TestMultiLenGeneralPath(t *testing.T) {
	_, c := newMemoryCtx(t)
	tx := sharedlockCmds("MULTI", "SET k v", "EXEC")
	if n := multiLenOf(c, tx); n != 0 {
		t.Errorf("outside a batch: multiLen = %d, want 0", n)
	}
	c.BeginBatch()
	defer c.EndBatch()
	execAll(c, "MULTI")
	if n := multiLenOf(c, tx); n != 0 {
		t.Errorf("in MULTI: multiLen = %d, want 0", n)
	}
	execAll(c, "DISCARD", "CLIENT REPLY OFF")
	if n := multiLenOf(c, tx); n != 0 {
		t.Errorf("replies off: multiLen = %d, want 0", n)
	}
}

// TestExecMultiMatchesExec: ExecMulti replies and counts as Exec does
// one command at a time, a CLIENT REPLY the transaction runs included.
func TestExecMultiMatchesExec(t *testing.T) {
	for _, lines := range [][]string{
		{"SET s abc", "MULTI", "INCR s", "SET k v", "INCR n", "EXEC"},
		{"SET s abc", "MULTI", "CLIENT REPLY OFF", "SET k v", "EXEC"},
		{"SET s abc", "MULTI", "CLIENT REPLY SKIP", "SET k v", "EXEC"},
	} {
		wantOut, wantStats := multiBatchRun(t, lines, false)
		gotOut, gotStats := multiBatchRun(t, lines, true)
		if gotOut != wantOut {
			t.Errorf("%q: replies %q, want %q", lines, gotOut, wantOut)
		}
		if multiBatchCalls(gotStats) != multiBatchCalls(wantStats) {
			t.Errorf("%q: calls %s, want %s", lines, multiBatchCalls(gotStats), multiBatchCalls(wantStats))
		}
	}
}

// multiBatchRun runs lines in one batch on a new engine, the transaction
// after the first line through ExecMulti if whole, and returns the
// replies and then INFO commandstats.
func multiBatchRun(t *testing.T, lines []string, whole bool) (string, string) {
	t.Helper()
	_, c := newMemoryCtx(t)
	c.BeginBatch()
	cmds := sharedlockCmds(lines...)
	c.e.Exec(c, cmds[0])
	if whole {
		if n := c.e.ExecMulti(c, cmds[1:], 100); n != len(cmds)-1 {
			t.Fatalf("ExecMulti ran %d commands, want %d", n, len(cmds)-1)
		}
	} else {
		for _, args := range cmds[1:] {
			c.e.Exec(c, args)
		}
	}
	c.EndBatch()
	out := string(c.Out())
	c.Reset()
	execAll(c, "CLIENT REPLY ON")
	return out, execAll(c, "INFO commandstats")
}

// multiBatchCalls is the calls of every command in an INFO commandstats.
func multiBatchCalls(info string) string {
	var b strings.Builder
	for _, l := range strings.Split(info, "\r\n") {
		if name, rest, ok := strings.Cut(l, ":calls="); ok {
			n, _, _ := strings.Cut(rest, ",")
			b.WriteString(name + "=" + n + " ")
		}
	}
	return b.String()
}
