package command

import (
	"regexp"
	"strconv"
	"testing"
)

// TestExecTimeCoversQueue: EXEC, which ends when its last queued command
// did (endWithInner), is still charged that command's time, and so is
// the command, in a batch or not.
func TestExecTimeCoversQueue(t *testing.T) {
	_, c := newMemoryCtx(t)
	c.e.params.Register(Param{Name: "enable-debug-command", Get: func() string { return "yes" }})
	for _, batch := range []bool{false, true} {
		if batch {
			c.BeginBatch()
		}
		got := execAll(c, "MULTI", "SET k v", "DEBUG SLEEP 0.02", "EXEC", "MULTI", "EXEC")
		if batch {
			c.EndBatch()
		}
		if want := "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n+OK\r\n+OK\r\n*0\r\n"; got != want {
			t.Fatalf("batch %v: replies %q, want %q", batch, got, want)
		}
		info := execAll(c, "INFO commandstats")
		for _, name := range []string{"exec", "debug"} {
			m := regexp.MustCompile(`cmdstat_` + name + `:calls=\d+,usec=(\d+),`).FindStringSubmatch(info)
			if m == nil {
				t.Fatalf("batch %v: no cmdstat_%s in %q", batch, name, info)
			}
			if usec, _ := strconv.Atoi(m[1]); usec < 20000 {
				t.Errorf("batch %v: cmdstat_%s usec=%d, want at least DEBUG SLEEP's 20000", batch, name, usec)
			}
		}
		execAll(c, "CONFIG RESETSTAT")
	}
}
