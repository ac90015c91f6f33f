package server_test

import (
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffOps14ScriptDebug compares SCRIPT DEBUG with a real Redis: NO,
// the errors, and the refusal in a pipeline and in EXEC. YES and SYNC,
// which start Redis's Lua debugger, are refused by redpool (it has none)
// with an error of its own.
func TestDiffOps14ScriptDebug(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		for _, c := range [][]string{
			{"SCRIPT", "DEBUG", "NO"}, {"SCRIPT", "DEBUG", "no"}, {"SCRIPT", "DEBUG", "bogus"}, {"SCRIPT", "DEBUG"},
			{"SCRIPT", "DEBUG", "no", "x"}, {"EVAL", "return redis.call('script', 'debug', 'no')", "0"},
			{"MULTI"}, {"SCRIPT", "DEBUG", "NO"}, {"EXEC"},
			{"COMMAND", "INFO", "script|debug"},
		} {
			d.Do(c...)
		}
		// Pipelined after another command, its reply still pending.
		rc, pc := d.Conns()
		for _, c := range []*servertest.Conn{rc, pc} {
			c.Write("*1\r\n$4\r\nPING\r\n*3\r\n$6\r\nSCRIPT\r\n$5\r\nDEBUG\r\n$2\r\nNO\r\n")
		}
		for range 2 {
			if got, want := pc.Read(), rc.Read(); got != want {
				t.Errorf("pipelined PING, SCRIPT DEBUG NO: redpool %q, Redis %q", got, want)
			}
		}
		if got, want := pc.Do("SCRIPT", "DEBUG", "YES"), "-ERR SCRIPT DEBUG YES and SYNC are not supported: redpool has no Lua debugger (SCRIPT DEBUG NO is the only mode)\r\n"; got != want {
			t.Errorf("SCRIPT DEBUG YES: %q, want %q", got, want)
		}
		if got := pc.Do("SCRIPT", "DEBUG", "sync"); got[0] != '-' {
			t.Errorf("SCRIPT DEBUG sync: %q, want an error", got)
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}
