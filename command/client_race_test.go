package command

import (
	"strings"
	"sync"
	"testing"
)

// TestClientListRacesWithSelect runs SELECT and HELLO on one client while
// another lists the clients. The database and protocol were plain fields
// written by the first and read by the second: `go test -race` reported
// the race. CLIENT LIST must also show the values each one settles on.
func TestClientListRacesWithSelect(t *testing.T) {
	_, a := newMemoryCtx(t)
	e := a.Engine()
	b := e.NewCtx(e.NewClient("127.0.0.1:2", "127.0.0.1:6379"), nil)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 200 {
			execAll(a, "SELECT 3", "HELLO 3", "SELECT 0", "HELLO 2")
		}
		execAll(a, "SELECT 5", "HELLO 3")
	}()
	go func() {
		defer wg.Done()
		for range 200 {
			execAll(b, "CLIENT LIST")
		}
	}()
	wg.Wait()
	out := execAll(b, "CLIENT LIST")
	if !strings.Contains(out, "id=1 addr=a ") || !strings.Contains(out, " db=5 ") || !strings.Contains(out, " resp=3 ") {
		t.Fatalf("CLIENT LIST after SELECT 5 and HELLO 3:\n%s", out)
	}
}
