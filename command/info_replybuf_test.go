package command

import (
	"strings"
	"testing"
)

// TestInfoReplyBuffer: reply_buffer_expands counts the flushes after which
// a client's reply buffer had grown, reply_buffer_shrinks the big buffers
// let go; CONFIG RESETSTAT clears both.
func TestInfoReplyBuffer(t *testing.T) {
	_, c := newMemoryCtx(t)
	fields := func() (shrinks, expands string) {
		t.Helper()
		for _, line := range strings.Split(execArgs(c, "INFO", "stats"), "\r\n") {
			if v, ok := strings.CutPrefix(line, "reply_buffer_shrinks:"); ok {
				shrinks = v
			}
			if v, ok := strings.CutPrefix(line, "reply_buffer_expands:"); ok {
				expands = v
			}
		}
		return shrinks, expands
	}
	execArgs(c, "CONFIG", "RESETSTAT")
	execArgs(c, "PING")
	if s, e := fields(); s != "0" || e != "0" {
		t.Fatalf("after small replies: shrinks %s, expands %s; want 0, 0", s, e)
	}
	execArgs(c, "SET", "big", strings.Repeat("x", 3<<20))
	execArgs(c, "GET", "big") // grows the buffer past 1 MB: expanded, then let go
	if s, e := fields(); s != "1" || e != "1" {
		t.Fatalf("after a 3 MB reply: shrinks %s, expands %s; want 1, 1", s, e)
	}
	execArgs(c, "CONFIG", "RESETSTAT")
	if s, e := fields(); s != "0" || e != "0" {
		t.Fatalf("after RESETSTAT: shrinks %s, expands %s; want 0, 0", s, e)
	}
}
