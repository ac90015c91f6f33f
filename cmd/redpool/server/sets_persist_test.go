package server_test

import (
	"strconv"
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// Sets survive a restart in every persistence mode: AOF replay (SPOP is
// logged as the SREM or DEL of what it popped, so the replay pops the
// same members), the AOF rewrite (SADD in batches), snapshots and bolt.

// setWorkload runs set writes of every kind on c, ending with a set larger
// than a rewrite batch.
func setWorkload(t *testing.T, c *servertest.Conn) {
	t.Helper()
	c.Expect(":5\r\n", "SADD", "s", "a", "b", "c", "d", "e")
	c.Expect(":1\r\n", "SREM", "s", "e")
	c.Do("SPOP", "s")
	c.Do("SPOP", "s", "2")
	c.Expect(":3\r\n", "SADD", "p", "x", "y", "z")
	c.Do("SPOP", "p", "10") // the whole set
	c.Expect(":3\r\n", "SADD", "a", "1", "2", "3")
	c.Expect(":2\r\n", "SADD", "b", "2", "3")
	c.Expect(":1\r\n", "SMOVE", "a", "m", "1")
	c.Expect(":2\r\n", "SINTERSTORE", "i", "a", "b")
	c.Expect(":3\r\n", "SUNIONSTORE", "u", "a", "m")
	c.Expect(":1\r\n", "SDIFFSTORE", "d", "u", "b")
	c.Expect(":1\r\n", "EXPIRE", "u", "1000")
	args := []string{"SADD", "big"}
	for i := range 300 {
		args = append(args, "member:"+strconv.Itoa(i))
	}
	c.Expect(":300\r\n", args...)
	c.Expect("+OK\r\n", "SELECT", "3")
	c.Expect(":2\r\n", "SADD", "in3", "", "\x00\r\n")
	c.Expect("+OK\r\n", "SELECT", "0")
}

// setState returns every set of the workload's keys, as sorted members.
func setState(t *testing.T, c *servertest.Conn) []string {
	t.Helper()
	var out []string
	for _, k := range []string{"s", "p", "a", "b", "m", "i", "u", "d", "big"} {
		out = append(out, k+"="+servertest.SortedElements(c.Do("SMEMBERS", k)))
	}
	out = append(out, "ttl(u)="+c.Do("TTL", "u"))
	c.Expect("+OK\r\n", "SELECT", "3")
	out = append(out, "in3="+servertest.SortedElements(c.Do("SMEMBERS", "in3")))
	c.Expect("+OK\r\n", "SELECT", "0")
	return out
}

// persistCase is one type's restart test: a workload, the state it
// leaves (the TTL of a key last but one, as "ttl(u)=..."), and a write to
// make after an AOF rewrite, which replies :1.
type persistCase struct {
	workload func(*testing.T, *servertest.Conn)
	state    func(*testing.T, *servertest.Conn) []string
	after    []string
}

var setPersist = persistCase{setWorkload, setState, []string{"SADD", "s", "after"}}

// expectState fails unless c's server holds want, the TTL allowed to have
// ticked by a second.
func (pc persistCase) expectState(t *testing.T, c *servertest.Conn, want []string) {
	t.Helper()
	got := pc.state(t, c)
	for i := range want {
		if got[i] != want[i] && !(i == len(want)-2 && got[i] == "ttl(u)=:999\r\n") {
			t.Fatalf("after restart %q, want %q", got[i], want[i])
		}
	}
}

// aofRestartAndRewrite: the workload survives an AOF replay, then a
// rewrite, a write after it and a replay of the rewritten log.
func (pc persistCase) aofRestartAndRewrite(t *testing.T) {
	s := servertest.StartConfig(t, aofConfig(t.TempDir(), config.FsyncAlways), server.Options{})
	c := servertest.Dial(t, s.Addr)
	pc.workload(t, c)
	want := pc.state(t, c)
	s = restart(t, s, server.Options{})
	c = servertest.Dial(t, s.Addr)
	pc.expectState(t, c, want)
	c.Expect("+Background append only file rewriting started\r\n", "BGREWRITEAOF")
	waitInfo(t, c, "aof_rewrite_in_progress", "0")
	c.Expect(":1\r\n", pc.after...)
	want = pc.state(t, c)
	s = restart(t, s, server.Options{})
	pc.expectState(t, servertest.Dial(t, s.Addr), want)
}

// snapshotAndBoltRestart: the workload survives SAVE and a restart, on
// each backend.
func (pc persistCase) snapshotAndBoltRestart(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithConfig(snapshotMode()))
		c := servertest.Dial(t, s.Addr)
		pc.workload(t, c)
		want := pc.state(t, c)
		c.Expect("+OK\r\n", "SAVE")
		shutdown(t, s)
		s2 := servertest.StartConfig(t, s.Config, server.Options{})
		pc.expectState(t, servertest.Dial(t, s2.Addr), want)
	})
}

func TestSetAOFRestartAndRewrite(t *testing.T) { setPersist.aofRestartAndRewrite(t) }

func TestSetSnapshotAndBoltRestart(t *testing.T) { setPersist.snapshotAndBoltRestart(t) }
