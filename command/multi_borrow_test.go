package command

import "testing"

// TestQueueOutlivesBatch: commands queued in a batch keep the batch's
// argument lists (borrowed); once it ends they hold copies, so the
// session may reuse its buffers before EXEC comes in a later batch.
func TestQueueOutlivesBatch(t *testing.T) {
	_, c := newMemoryCtx(t)
	cmds := sharedlockCmds("MULTI", "SET k v", "RPUSH l a b", "INCR n")
	c.BeginBatch()
	for _, args := range cmds {
		c.e.Exec(c, args)
	}
	c.EndBatch()
	for _, args := range cmds { // the session reuses its buffers
		for i, a := range args {
			for j := range a {
				a[j] = 'x'
			}
			args[i] = []byte("junk")
		}
	}
	c.BeginBatch()
	got := execAll(c, "EXEC", "GET k", "LRANGE l 0 -1", "GET n")
	c.EndBatch()
	want := "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n:2\r\n:1\r\n" +
		"$1\r\nv\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\n1\r\n"
	if got != want {
		t.Fatalf("replies %q, want %q", got, want)
	}
}
