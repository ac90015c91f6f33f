package command

import (
	"strings"
	"testing"
)

// TestSessionCtxRelease: a session's context may go between commands
// (Release) and a new one take its place (SessionCtx): the client's
// connection stays the session's own, and the statistics the first
// context batched reach INFO.
func TestSessionCtxRelease(t *testing.T) {
	_, admin := newMemoryCtx(t)
	e := admin.e
	client := e.NewClient("c", "c")
	var link Link = admin.Link // any value: only where it lives counts
	c := e.SessionCtx(client, &link)
	if client.link.Load() != &link {
		t.Fatal("SessionCtx did not make link the client's connection")
	}
	c.BeginBatch()
	e.Exec(c, benchArgs("SET", "k", "v"))
	e.Exec(c, benchArgs("INCR", "k"))
	c.Reset()
	c.Release() // batched, not published yet: Release publishes them
	info := execArgs(admin, "INFO", "commandstats")
	for _, want := range []string{"cmdstat_set:calls=1,", "cmdstat_incr:calls=1,"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO commandstats lacks %q after Release:\n%s", want, info)
		}
	}
	if !strings.Contains(info, "rejected_calls=0,failed_calls=1\r\n") {
		t.Errorf("INCR's failure not counted:\n%s", info)
	}
	if c2 := e.SessionCtx(client, &link); c2 == c || client.link.Load() != &link {
		t.Fatal("a second SessionCtx is not a new context on the same link")
	}
}
