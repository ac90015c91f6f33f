package command

import (
	"strings"
	"testing"
)

// Tests of the sorted-set family inside the command package: what it logs
// to the AOF, the keyspace events it records, blocking pops, and its cost.

// TestZSetPropagation checks what the sorted-set commands write to the
// AOF: most as given, pops of several keys and blocking pops as ZPOPMIN or
// ZPOPMAX of the key served, and nothing for commands that change nothing.
func TestZSetPropagation(t *testing.T) {
	e, c, log := listTestEngine(t)
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"ZADD z 1 a 2 b 3 c", []string{"0: ZADD z 1 a 2 b 3 c"}},
		{"ZADD z 1 a", nil},
		{"ZADD z NX 5 a", nil},
		{"ZADD z XX CH 5 a", []string{"0: ZADD z XX CH 5 a"}},
		{"ZADD z INCR 1 a", []string{"0: ZADD z INCR 1 a"}},
		{"ZADD z GT INCR -1 a", nil},
		{"ZINCRBY z 2 b", []string{"0: ZINCRBY z 2 b"}},
		{"ZINCRBY z x b", nil},
		{"ZREM z nope", nil},
		{"ZREM z c nope", []string{"0: ZREM z c nope"}},
		{"ZADD z 10 c 11 d 12 e", []string{"0: ZADD z 10 c 11 d 12 e"}},
		{"ZREMRANGEBYRANK z 10 20", nil},
		{"ZREMRANGEBYRANK z -1 -1", []string{"0: ZREMRANGEBYRANK z -1 -1"}},
		{"ZREMRANGEBYSCORE z 100 200", nil},
		{"ZREMRANGEBYSCORE z 11 11", []string{"0: ZREMRANGEBYSCORE z 11 11"}},
		{"ZPOPMIN z", []string{"0: ZPOPMIN z"}},
		{"ZPOPMAX z 1", []string{"0: ZPOPMAX z 1"}},
		{"ZPOPMIN nope", nil},
		{"ZMPOP 2 nope z MAX COUNT 5", []string{"0: ZPOPMAX z 1"}},
		{"ZMPOP 1 z MIN", nil},
		{"ZADD z 1 a 2 b 3 c", []string{"0: ZADD z 1 a 2 b 3 c"}},
		{"ZMPOP 1 z MIN", []string{"0: ZPOPMIN z 1"}},
		{"BZPOPMIN nope z 0", []string{"0: ZPOPMIN z"}},
		{"BZPOPMAX z 1", []string{"0: ZPOPMAX z"}},
		{"BZPOPMAX z 0", nil}, // no connection to block on: null at once
		{"ZADD z 1 a 2 b 3 c", []string{"0: ZADD z 1 a 2 b 3 c"}},
		{"BZMPOP 0 1 z MAX COUNT 2", []string{"0: ZPOPMAX z 2"}},
		{"ZADD lx 0 a 0 b 0 c", []string{"0: ZADD lx 0 a 0 b 0 c"}},
		{"ZREMRANGEBYLEX lx (c +", nil},
		{"ZREMRANGEBYLEX lx [a [b", []string{"0: ZREMRANGEBYLEX lx [a [b"}},
		{"ZUNIONSTORE d 2 z lx", []string{"0: ZUNIONSTORE d 2 z lx"}},
		{"ZINTERSTORE d 2 z lx", []string{"0: ZINTERSTORE d 2 z lx"}},
		{"ZINTERSTORE d 2 z lx", nil}, // nothing to store, nothing to delete
		{"ZDIFFSTORE d 1 lx", []string{"0: ZDIFFSTORE d 1 lx"}},
		{"ZRANGESTORE d2 lx 0 -1", []string{"0: ZRANGESTORE d2 lx 0 -1"}},
		{"ZRANGESTORE d2 nope 0 -1", []string{"0: ZRANGESTORE d2 nope 0 -1"}},
		{"ZRANGESTORE d2 nope 0 -1", nil},
		{"ZRANGE lx 0 -1", nil},
		{"ZRANDMEMBER lx 2", nil},
		{"ZSCAN lx 0", nil},
	} {
		reply := execLine(e, c, tc.cmd)
		got := log.take()
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s (reply %q): logged %q, want %q", tc.cmd, reply, got, tc.want)
		}
	}
}

// TestZSetNotifications checks the keyspace events the sorted-set
// commands record: Redis 7.0's t_zset.c names, and "del" when a command
// empties its key.
func TestZSetNotifications(t *testing.T) {
	e, c, _ := listTestEngine(t)
	events := &eventLog{}
	e.notifier = events
	e.notify.mask.Store(uint32(NotifyKeyevent | NotifyGeneric | NotifyZSet))
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"ZADD z 1 a 2 b 3 c 4 d", []string{"zadd z"}},
		{"ZADD z 1 a", nil},
		{"ZADD z INCR 1 a", []string{"zincr z"}},
		{"ZINCRBY z 1 a", []string{"zincr z"}},
		{"ZREM z nope", nil},
		{"ZREM z a", []string{"zrem z"}},
		{"ZREMRANGEBYRANK z 0 0", []string{"zremrangebyrank z"}},
		{"ZREMRANGEBYSCORE z 3 3", []string{"zremrangebyscore z"}},
		{"ZREMRANGEBYLEX z - +", []string{"zremrangebylex z", "del z"}},
		{"ZADD z 1 a 2 b 3 c", []string{"zadd z"}},
		{"ZPOPMIN z", []string{"zpopmin z"}},
		{"ZPOPMAX z 5", []string{"zpopmax z", "del z"}},
		{"ZADD z 1 a", []string{"zadd z"}},
		{"ZMPOP 1 z MAX", []string{"zpopmax z", "del z"}},
		{"ZADD z 1 a 2 b", []string{"zadd z"}},
		{"BZPOPMIN z 0", []string{"zpopmin z"}},
		{"ZUNIONSTORE d 1 z", []string{"zunionstore d"}},
		{"ZINTERSTORE d 1 z", []string{"zinterstore d"}},
		{"ZDIFFSTORE d 2 z z", []string{"del d"}},
		{"ZDIFFSTORE d 2 z z", nil},
		{"ZRANGESTORE d z 0 0", []string{"zrangestore d"}},
		{"ZRANGESTORE d z 5 6", []string{"del d"}},
		{"ZREM z b", []string{"zrem z", "del z"}},
	} {
		execLine(e, c, tc.cmd)
		if got := events.take(); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: events %q, want %q", tc.cmd, got, tc.want)
		}
	}
}

// TestZSetBlockingPropagationAfterWake: a blocking pop served after
// blocking is logged as ZPOPMIN or ZPOPMAX, after the write that woke it.
func TestZSetBlockingPropagationAfterWake(t *testing.T) {
	checkWokenLogs(t, []wokenCase{
		{"BZPOPMIN k 0", "ZADD k 1 v", "*3\r\n$1\r\nk\r\n$1\r\nv\r\n$1\r\n1\r\n", []string{"0: ZADD k 1 v", "0: ZPOPMIN k"}},
		{"BZPOPMAX x k 0", "ZADD k 1 a 2 b", "*3\r\n$1\r\nk\r\n$1\r\nb\r\n$1\r\n2\r\n", []string{"0: ZADD k 1 a 2 b", "0: ZPOPMAX k"}},
		{"BZMPOP 0 1 m MIN COUNT 5", "ZADD m 1 a 2 b", "*2\r\n$1\r\nm\r\n*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", []string{"0: ZADD m 1 a 2 b", "0: ZPOPMIN m 2"}},
		{"BZPOPMIN u 0", "ZUNIONSTORE u 1 k", "*3\r\n$1\r\nu\r\n$1\r\na\r\n$1\r\n1\r\n", []string{"0: ZUNIONSTORE u 1 k", "0: ZPOPMIN u"}},
	})
}

// TestZSetBlockingHandOff: clients blocked on one sorted set are served
// first come, first served, before the ZADD that woke them returns.
func TestZSetBlockingHandOff(t *testing.T) {
	e, c, _ := listTestEngine(t)
	var replies []<-chan string
	for i := range 3 {
		replies = append(replies, blockedExec(e, newBlockLink(), "BZPOPMIN k 0"))
		waitCount(t, e, i+1, "client "+itoa(i+1))
	}
	if r := execLine(e, c, "ZADD k 1 a 2 b 3 c 4 d"); r != ":4\r\n" {
		t.Fatalf("ZADD = %q", r)
	}
	if r := execLine(e, c, "ZRANGE k 0 -1"); r != "*1\r\n$1\r\nd\r\n" {
		t.Fatalf("ZRANGE right after ZADD = %q, want only d left", r)
	}
	for i, v := range []string{"a", "b", "c"} {
		want := "*3\r\n$1\r\nk\r\n$1\r\n" + v + "\r\n$1\r\n" + itoa(i+1) + "\r\n"
		if r := <-replies[i]; r != want {
			t.Errorf("client %d got %q, want %q", i+1, r, want)
		}
	}
}

// --- benchmarks (bench/compare.sh compares them with Redis over the wire) ---

func benchZSet(b *testing.B, members int) (*Engine, *Ctx) {
	b.Helper()
	e, c := benchEngine(b)
	args := benchArgs("ZADD", "zset")
	for i := range members {
		args = append(args, []byte(itoa(i)), []byte("member:"+itoa(i)))
	}
	e.Exec(c, args)
	c.Reset()
	return e, c
}

func BenchmarkZAddExisting(b *testing.B) {
	e, c := benchZSet(b, 1000)
	benchExec(b, e, c, benchArgs("ZADD", "zset", "500", "member:500"), ":0\r\n")
}

func BenchmarkZScore(b *testing.B) {
	e, c := benchZSet(b, 1000)
	benchExec(b, e, c, benchArgs("ZSCORE", "zset", "member:500"), "$3\r\n500\r\n")
}

func BenchmarkZRange10(b *testing.B) {
	e, c := benchZSet(b, 1000)
	e.Exec(c, benchArgs("ZRANGE", "zset", "500", "509"))
	want := string(c.Out())
	c.Reset()
	benchExec(b, e, c, benchArgs("ZRANGE", "zset", "500", "509"), want)
}

// BenchmarkZAddZPopMin adds an element and pops the lowest of 1,000.
func BenchmarkZAddZPopMin(b *testing.B) {
	e, c := benchZSet(b, 1000)
	add, pop := benchArgs("ZADD", "zset", "-1", "low"), benchArgs("ZPOPMIN", "zset")
	b.ReportAllocs()
	for b.Loop() {
		e.Exec(c, add)
		e.Exec(c, pop)
		c.Reset()
	}
}
