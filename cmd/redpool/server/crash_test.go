package server_test

import (
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// killUnderLoad runs rounds of: start the server at cfgPath, check every
// write acknowledged before the previous kill, put 8 writing clients on it
// and kill -9 it 700 ms in. A final start checks the last round. It fails
// the test on any lost acknowledged write and returns the last record and
// the running server.
func killUnderLoad(t *testing.T, bin, cfgPath string, rounds int, what string) (*servertest.AckLog, *servertest.Process) {
	t.Helper()
	var acked *servertest.AckLog
	for round := 0; round <= rounds; round++ {
		p := servertest.StartProcess(t, bin, cfgPath)
		if round > 0 {
			lost := acked.Verify(p.Addr)
			t.Logf("%s, after kill -9 number %d: %d of %d acknowledged writes lost", what, round, lost, acked.Acked())
			if lost > 0 {
				t.Fatalf("%s: %d acknowledged writes lost", what, lost)
			}
		}
		if round == rounds {
			return acked, p
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			time.Sleep(700 * time.Millisecond)
			p.Kill9()
		}()
		acked = servertest.CrashLoad(t, p.Addr, 8, 5*time.Second)
		<-done
		if acked.Acked() == 0 {
			t.Fatalf("no write acknowledged:\n%s", p.Output())
		}
	}
	panic("unreachable")
}
