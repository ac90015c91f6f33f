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
// one command at a time.
func TestExecMultiMatchesExec(t *testing.T) {
	lines := []string{"SET s abc", "MULTI", "INCR s", "SET k v", "INCR n", "EXEC"}
	run := func(whole bool) (string, string) {
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
		return out, execAll(c, "INFO commandstats")
	}
	wantOut, wantStats := run(false)
	gotOut, gotStats := run(true)
	if gotOut != wantOut {
		t.Errorf("replies %q, want %q", gotOut, wantOut)
	}
	calls := func(info string) string {
		var b strings.Builder
		for _, l := range strings.Split(info, "\r\n") {
			if name, rest, ok := strings.Cut(l, ":calls="); ok {
				n, _, _ := strings.Cut(rest, ",")
				b.WriteString(name + "=" + n + " ")
			}
		}
		return b.String()
	}
	if calls(gotStats) != calls(wantStats) {
		t.Errorf("calls %s, want %s", calls(gotStats), calls(wantStats))
	}
}
