package server_test

import (
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// Differential tests of the consumer group commands (XGROUP, XREADGROUP,
// XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO GROUPS/CONSUMERS) against a
// real Redis, byte for byte in RESP2 and RESP3, with explicit ids. The
// times a reply carries (XPENDING's idle, XINFO CONSUMERS's idle) are
// compared by shape: a step written "% CMD ..." masks them. Delivery
// times that decide a reply (IDLE filters, min-idle-time) are set with
// XCLAIM ... TIME, so that both servers see the same idle times.

var groupXGroupCases = script(
	"SET str x",
	"XGROUP", "XGROUP HELP", "XGROUP HELP extra", "XGROUP FOO s g", "XGROUP CREATE s", "XGROUP CREATE s g",
	"XGROUP CREATE s g $", "XGROUP DESTROY s g", "XGROUP SETID s g 0", "XGROUP CREATECONSUMER s g c", "XGROUP DELCONSUMER s g c",
	"XGROUP CREATE s g $ MKSTREAM", "TYPE s", "XLEN s", "XGROUP CREATE s g $ MKSTREAM", "XGROUP CREATE s g 0",
	"XGROUP CREATE s g2 0 ENTRIESREAD -2", "XGROUP CREATE s g2 0 ENTRIESREAD x", "XGROUP CREATE s g2 0 FOO",
	"XGROUP CREATE s g2 0 ENTRIESREAD", "XGROUP CREATE s g2 bad", "XGROUP CREATE s g2 -", "XGROUP CREATE s g2 +",
	"XGROUP CREATE s g2 (1", "XGROUP CREATE s g2 1-x", "XGROUP CREATE s g2 0 MKSTREAM MKSTREAM MKSTREAM MKSTREAM",
	"XGROUP CREATE s g2 0 MKSTREAM ENTRIESREAD 5 MKSTREAM", "XGROUP CREATE s g3 0 ENTRIESREAD -1",
	"XGROUP CREATE str g 0", "XGROUP CREATE str g 0 MKSTREAM", "XGROUP SETID str g 0", "XGROUP DESTROY str g",
	"XGROUP CREATE nokey g 0 ENTRIESREAD -5", "XGROUP CREATE nokey g bad MKSTREAM", "EXISTS nokey",
	"XINFO GROUPS s",
	"XADD s 1-1 a 1", "XADD s 1-2 b 2", "XADD s 2-1 c 3",
	"XGROUP CREATE s g5 $", "XGROUP CREATE s g6 1-1", "XGROUP CREATE s g7 1", "XGROUP CREATE s g8 0 ENTRIESREAD 1",
	"XGROUP CREATE s g9 2-1 ENTRIESREAD 3", "XGROUP CREATE s g10 5-0", "XINFO GROUPS s",
	"XGROUP SETID s nog 0", "XGROUP SETID s g 0 FOO 1", "XGROUP SETID s g 0 ENTRIESREAD 1 2", "XGROUP SETID s g 0 ENTRIESREAD",
	"XGROUP SETID s g 0 ENTRIESREAD -3", "XGROUP SETID s g 0 ENTRIESREAD x", "XGROUP SETID s g bad", "XGROUP SETID s g (1",
	"XGROUP SETID s g 1-2", "XINFO GROUPS s", "XGROUP SETID s g 1-2 ENTRIESREAD 2", "XINFO GROUPS s",
	"XGROUP SETID s g $", "XINFO GROUPS s", "XGROUP SETID s g 1 ENTRIESREAD -1", "XGROUP SETID s g +", "XGROUP SETID s g -",
	"XINFO GROUPS s", "XGROUP SETID s g 1-1",
	"XGROUP CREATECONSUMER s g c1", "XGROUP CREATECONSUMER s g c1", "XGROUP CREATECONSUMER s nog c1",
	"XGROUP CREATECONSUMER s g", "XGROUP CREATECONSUMER s g c x", "XGROUP CREATECONSUMER nokey g c",
	"XGROUP DELCONSUMER s g nobody", "XGROUP DELCONSUMER s nog c1", "XGROUP DELCONSUMER s g c1", "XGROUP DELCONSUMER s g c1",
	"XGROUP DELCONSUMER s g", "XGROUP DESTROY s nog", "XGROUP DESTROY nokey g", "XGROUP DESTROY s g x",
	"XGROUP DESTROY s g5", "XGROUP DESTROY s g5", "XINFO GROUPS s",
	"XINFO GROUPS nokey", "XINFO GROUPS str", "XINFO GROUPS", "XINFO GROUPS s x",
	"XINFO CONSUMERS s nog", "XINFO CONSUMERS nokey g", "XINFO CONSUMERS str g", "XINFO CONSUMERS s", "XINFO CONSUMERS s g",
	"XINFO HELP",
)

var groupReadCases = script(
	"SET str x",
	"XADD s 1-1 a 1", "XADD s 1-2 b 2 c 3", "XADD s 2-1 d 4", "XADD s 3-1 e 5", "XADD s2 1-1 x y",
	"XGROUP CREATE s g 0", "XGROUP CREATE s2 g 0", "XGROUP CREATE s h $",
	"XREADGROUP", "XREADGROUP GROUP g c STREAMS s", "XREADGROUP GROUP g c STREAMS s > x", "XREADGROUP GROUP g c COUNT 1",
	"XREADGROUP GROUP g c NOACK 1 STREAMS s", "XREADGROUP COUNT 1 STREAMS s >", "XREADGROUP g c STREAMS s >",
	"XREADGROUP GROUP g STREAMS s >", "XREADGROUP GROUP g c STREAMS nokey >", "XREADGROUP GROUP nog c STREAMS s >",
	"XREADGROUP GROUP g c COUNT x STREAMS s >", "XREADGROUP GROUP g c BLOCK -1 STREAMS s >",
	"XREADGROUP GROUP g c BLOCK x STREAMS s >", "XREADGROUP GROUP g c FOO STREAMS s >", "XREADGROUP GROUP g c STREAMS s $",
	"XREADGROUP GROUP g c STREAMS s bad", "XREADGROUP GROUP g c STREAMS s -", "XREADGROUP GROUP g c STREAMS s +",
	"XREADGROUP GROUP g c STREAMS str >", "XREADGROUP GROUP g c STREAMS s str > >", "XREADGROUP GROUP g c STREAMS s nokey > >",
	"XREADGROUP GROUP g c STREAMS s s2 > $", "XREADGROUP GROUP g c STREAMS s s2 bad >", "XREAD STREAMS s >",
	"XINFO CONSUMERS s g",
	"XREADGROUP GROUP g c1 COUNT 1 STREAMS s >", "XINFO GROUPS s", "XPENDING s g",
	"XREADGROUP GROUP g c1 COUNT 0 STREAMS s 0", "XREADGROUP GROUP g c2 COUNT -5 STREAMS s >", "XINFO GROUPS s",
	"XREADGROUP GROUP g c2 STREAMS s >", "XREADGROUP GROUP g c2 BLOCK 10 STREAMS s >", "XREADGROUP GROUP g c3 STREAMS s s2 > >",
	"XREADGROUP GROUP g c3 STREAMS s2 s > >", "XREADGROUP GROUP g c3 STREAMS s 0", "XREADGROUP GROUP g nobody STREAMS s 0",
	"XREADGROUP GROUP g c2 STREAMS s 0", "XREADGROUP GROUP g c2 COUNT 1 STREAMS s 0", "XREADGROUP GROUP g c2 STREAMS s 1-2",
	"XREADGROUP GROUP g c2 STREAMS s 2", "XREADGROUP GROUP g c2 STREAMS s 9-9", "XREADGROUP GROUP g c2 STREAMS s s 0 0",
	"XPENDING s g", "XDEL s 1-2", "XREADGROUP GROUP g c2 STREAMS s 0", "XPENDING s g", "XINFO GROUPS s",
	"XADD s 4-1 f 6", "XADD s 5-1 g 7", "XREADGROUP GROUP g c4 NOACK STREAMS s >", "XPENDING s g", "XINFO GROUPS s",
	"XREADGROUP GROUP h c5 NOACK COUNT 1 STREAMS s >", "XINFO GROUPS s", "XDEL s 5-1", "XINFO GROUPS s",
	"XREADGROUP GROUP h c5 STREAMS s >", "XINFO GROUPS s", "XREADGROUP GROUP h c5 STREAMS s >",
	"XGROUP SETID s h 0", "XINFO GROUPS s", "XREADGROUP GROUP h c5 COUNT 2 STREAMS s >", "XINFO GROUPS s", "XPENDING s h",
	"XGROUP CREATE s k 0 ENTRIESREAD 1", "XREADGROUP GROUP k c STREAMS s >", "XINFO GROUPS s",
	"XGROUP CREATE s e 9-9", "XINFO GROUPS s", "XADD s 10-1 z 1", "XINFO GROUPS s", "XREADGROUP GROUP e c STREAMS s >", "XINFO GROUPS s",
	"XGROUP CREATE m g $ MKSTREAM", "XREADGROUP GROUP g c STREAMS m >", "XREADGROUP GROUP g c STREAMS m 0", "XINFO GROUPS m",
	"XADD m 1-1 a 1", "XDEL m 1-1", "XINFO GROUPS m", "XREADGROUP GROUP g c STREAMS m >", "XINFO GROUPS m",
	"% XINFO CONSUMERS s g", "% XINFO CONSUMERS s h", "% XINFO CONSUMERS m g",
	"XACK s g", "XACK s g 1-1 bad", "XACK s g bad", "XACK s g -", "XACK s g +", "XACK nokey g 1-1", "XACK nokey g bad",
	"XACK s nog bad", "XACK str g 1-1", "XACK s g 1-1 1-1 2-1 9-9", "XACK s g 1", "XACK s g 3-1", "XPENDING s g",
)

var groupPendingClaimCases = script(
	"SET str x",
	"XADD s 1-1 a 1", "XADD s 1-2 b 2", "XADD s 2-1 c 3", "XADD s 3-1 d 4", "XADD s 4-1 e 5", "XADD s 5-1 f 6",
	"XGROUP CREATE s g 0", "XGROUP CREATE s empty 0",
	"XPENDING s empty", "XPENDING s empty - + 10", "XPENDING nokey g", "XPENDING s nog", "XPENDING str g",
	"XPENDING s g - +", "XPENDING s g - + 10 c x y", "XPENDING s g IDLE 10 - +", "XPENDING s g IDLE x - + 10",
	"XPENDING s g IDLE 10 - + x", "XPENDING s g - + x", "XPENDING s g bad + 10", "XPENDING s g - bad 10",
	"XPENDING s g (- + 10", "XPENDING s g - (+ 10", "XPENDING s g (18446744073709551615-18446744073709551615 + 10",
	"XPENDING s g - (0-0 10", "XPENDING nokey g - + 10", "XPENDING s g IDLE 10", "XPENDING s g IDLE 10 - + 10 c extra",
	"XREADGROUP GROUP g c1 COUNT 3 STREAMS s >", "XREADGROUP GROUP g c2 STREAMS s >",
	"XPENDING s g", "% XPENDING s g - + 10", "% XPENDING s g - + 2", "% XPENDING s g - + 0", "% XPENDING s g - + -1",
	"% XPENDING s g (1-1 (3-1 10", "% XPENDING s g 2 + 10", "% XPENDING s g - 2 10", "% XPENDING s g 3-1 1-1 10",
	"% XPENDING s g - + 10 c1", "% XPENDING s g - + 10 nobody", "% XPENDING s g - + 10 c2 extra",
	"XCLAIM s g c3 0 1-1 TIME 1000 JUSTID", "XCLAIM s g c3 0 1-2 TIME 1000 RETRYCOUNT 7",
	"% XPENDING s g IDLE 100000 - + 10", "% XPENDING s g IDLE 100000 - + 10 c3", "% XPENDING s g IDLE 100000 - + 10 c1",
	"% XPENDING s g IDLE -5 - + 10", "% XPENDING s g IDLE 0 - + 10",
	"XCLAIM nokey g c 0 1-1", "XCLAIM s nog c 0 1-1", "XCLAIM str g c 0 1-1", "XCLAIM s g c x 1-1", "XCLAIM s g c 0 bad",
	"XCLAIM s g c 0 1-1 IDLE", "XCLAIM s g c 0 1-1 IDLE x", "XCLAIM s g c 0 1-1 TIME x", "XCLAIM s g c 0 1-1 RETRYCOUNT x",
	"XCLAIM s g c 0 1-1 LASTID bad", "XCLAIM s g c 0 1-1 LASTID -", "XCLAIM s g c 0 1-1 FOO", "XCLAIM s g c 0 1-1 + JUSTID",
	"XCLAIM s g c 0 1-1 JUSTID 1-2", "XCLAIM nokey g c x 1-1", "XCLAIM s g c x bad",
	"XCLAIM s g c4 100000 1-1 2-1 JUSTID", "XCLAIM s g c4 100000 1-1 1-2", "XCLAIM s g c4 -5 9-9 JUSTID",
	"XCLAIM s g c4 0 9-9 FORCE", "XCLAIM s g c4 0 5-1", "XCLAIM s g c4 0 5-1 IDLE 0",
	"XCLAIM s g c5 0 2-1 TIME 500 RETRYCOUNT 3 JUSTID", "XCLAIM s g c5 0 2-1 IDLE -10 JUSTID", "XCLAIM s g c5 0 2-1 TIME 99999999999999 JUSTID",
	"XCLAIM s g c5 0 2-1 JUSTID FORCE RETRYCOUNT 0", "% XPENDING s g - + 10 c5",
	"XPENDING s g", "XINFO GROUPS s",
	"XGROUP CREATE s f 0", "XCLAIM s f c6 0 3-1 FORCE JUSTID", "XCLAIM s f c6 0 4-1 FORCE", "XCLAIM s f c6 0 4-1 FORCE RETRYCOUNT 9 JUSTID",
	"XPENDING s f", "XCLAIM s f c7 0 1-1 FORCE LASTID 3-1 JUSTID", "XINFO GROUPS s", "XCLAIM s f c7 0 LASTID 9-9", "XCLAIM s f c7 0 1-1 LASTID 4-1",
	"XINFO GROUPS s", "% XINFO CONSUMERS s f",
	"XDEL s 2-1 3-1", "XCLAIM s g c8 0 2-1 3-1 4-1 JUSTID", "XPENDING s g", "XCLAIM s f c8 0 3-1 4-1 FORCE", "XPENDING s f",
	"XAUTOCLAIM s g c", "XAUTOCLAIM nokey g c 0 0", "XAUTOCLAIM s nog c 0 0", "XAUTOCLAIM str g c 0 0", "XAUTOCLAIM s g c x 0",
	"XAUTOCLAIM s g c 0 bad", "XAUTOCLAIM s g c 0 (-", "XAUTOCLAIM s g c 0 (18446744073709551615-18446744073709551615",
	"XAUTOCLAIM s g c 0 0 COUNT 0", "XAUTOCLAIM s g c 0 0 COUNT x", "XAUTOCLAIM s g c 0 0 COUNT -1", "XAUTOCLAIM s g c 0 0 COUNT",
	"XAUTOCLAIM s g c 0 0 FOO", "XAUTOCLAIM s g c 0 0 COUNT 1152921504606846976", "XAUTOCLAIM nokey g c x 0",
	"XAUTOCLAIM nokey g c 0 0 FOO", "XAUTOCLAIM s g c 0 bad COUNT 0", "XAUTOCLAIM s g c x bad",
	"XADD s 6-1 g 7", "XADD s 7-1 h 8", "XREADGROUP GROUP g c9 STREAMS s >", "XDEL s 6-1",
	"XAUTOCLAIM s g c10 100000 0 JUSTID", "XPENDING s g", "XAUTOCLAIM s g c10 0 0 COUNT 1", "XAUTOCLAIM s g c10 0 0 COUNT 1 JUSTID",
	"XAUTOCLAIM s g c10 0 (1-1 COUNT 2", "XAUTOCLAIM s g c10 0 - COUNT 100 JUSTID", "XAUTOCLAIM s g c10 0 5-1",
	"XAUTOCLAIM s g c11 0 9-9", "XPENDING s g", "XINFO GROUPS s", "XDEL s 7-1", "XAUTOCLAIM s g c11 0 0 JUSTID", "XPENDING s g",
	"XAUTOCLAIM s f c12 0 0 COUNT 1", "XAUTOCLAIM s f c12 0 0", "XPENDING s f", "XINFO GROUPS s",
	"XGROUP DELCONSUMER s g c10", "XPENDING s g", "XGROUP DELCONSUMER s g c4", "XPENDING s g",
)

func TestDiffStreamGroupXGroup(t *testing.T)  { diffGroupScript(t, groupXGroupCases) }
func TestDiffStreamGroupRead(t *testing.T)    { diffGroupScript(t, groupReadCases) }
func TestDiffStreamGroupPending(t *testing.T) { diffGroupScript(t, groupPendingClaimCases) }

// diffGroupScript is diffScript with the times masked in the steps
// written "% CMD ...".
func diffGroupScript(t *testing.T, cmds [][]string) {
	t.Helper()
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		for _, c := range cmds {
			if c[0] == "%" {
				d.DoMasked(maskGroupTimes, c[1:]...)
				continue
			}
			d.Do(c...)
		}
		t.Logf("%d cases compared", d.Cases)
	})
}

var (
	// pendingIdle is the idle time of an XPENDING extended entry: id,
	// consumer, idle, deliveries.
	pendingIdle = regexp.MustCompile(`(\*4\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n[^\r]*\r\n):\d+\r\n`)
	// consumerIdle is XINFO CONSUMERS's idle.
	consumerIdle = regexp.MustCompile(`(\$4\r\nidle\r\n):\d+\r\n`)
)

// maskGroupTimes replaces the idle times of a reply with "T".
func maskGroupTimes(raw string) string {
	raw = pendingIdle.ReplaceAllString(raw, "${1}:T\r\n")
	return consumerIdle.ReplaceAllString(raw, "${1}:T\r\n")
}

func TestMaskGroupTimes(t *testing.T) {
	in := "*1\r\n*4\r\n$3\r\n1-1\r\n$2\r\nc1\r\n:15\r\n:2\r\n" + "%3\r\n$4\r\nname\r\n$1\r\nc\r\n$7\r\npending\r\n:1\r\n$4\r\nidle\r\n:7\r\n"
	want := "*1\r\n*4\r\n$3\r\n1-1\r\n$2\r\nc1\r\n:T\r\n:2\r\n" + "%3\r\n$4\r\nname\r\n$1\r\nc\r\n$7\r\npending\r\n:1\r\n$4\r\nidle\r\n:T\r\n"
	if got := maskGroupTimes(in); got != want {
		t.Errorf("got %q", strings.ReplaceAll(got, "\r\n", " "))
	}
}

// TestDiffStreamGroupBlocking runs blocking XREADGROUPs on several
// connections against Redis and redpool and compares every reply: FIFO
// service by XADD across groups, a consumer of a group that was served
// staying blocked, XGROUP DESTROY (-NOGROUP) and DEL (-UNBLOCKED) waking
// the blocked, a timeout creating no consumer, and no blocking inside
// MULTI or a script.
func TestDiffStreamGroupBlocking(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		want := groupBlockingScenario(t, r.Addr, proto)
		got := groupBlockingScenario(t, s.Addr, proto)
		if len(got) != len(want) {
			t.Fatalf("%d replies, Redis %d", len(got), len(want))
		}
		for i := range want {
			if maskGroupTimes(got[i]) != maskGroupTimes(want[i]) {
				t.Errorf("step %d differs from Redis:\n redpool: %q\n   redis: %q", i, got[i], want[i])
			}
		}
	})
}

// groupBlockingScenario runs the blocking scenario on the server at addr
// and returns the replies, in order.
func groupBlockingScenario(t *testing.T, addr string, proto int) []string {
	ctl := servertest.DialProto(t, addr, proto)
	a, b, c := servertest.DialProto(t, addr, proto), servertest.DialProto(t, addr, proto), servertest.DialProto(t, addr, proto)
	ctl.Do("FLUSHALL")
	var out []string
	do := func(conn *servertest.Conn, args ...string) { out = append(out, conn.Do(args...)) }
	read := func(conn *servertest.Conn) { out = append(out, conn.Read()) }

	do(ctl, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
	do(ctl, "XGROUP", "CREATE", "s", "h", "$")
	a.Send("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">")
	waitBlocked(t, ctl, 1)
	b.Send("XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "STREAMS", "s", ">")
	waitBlocked(t, ctl, 2)
	c.Send("XREADGROUP", "GROUP", "h", "c3", "COUNT", "1", "NOACK", "BLOCK", "0", "STREAMS", "s", ">")
	waitBlocked(t, ctl, 3)
	do(ctl, "XADD", "s", "1-1", "f", "v1")
	read(a) // the first of g's readers gets the entry
	read(c) // h's reader too
	waitBlocked(t, ctl, 1)
	do(ctl, "XADD", "s", "2-1", "f", "v2", "f2", "v3")
	read(b)
	waitBlocked(t, ctl, 0)
	do(ctl, "XPENDING", "s", "g")
	do(ctl, "XINFO", "GROUPS", "s")

	// Several streams: served from the one that has something.
	do(ctl, "XGROUP", "CREATE", "t", "g", "$", "MKSTREAM")
	a.Send("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", "t", ">", ">")
	waitBlocked(t, ctl, 1)
	do(ctl, "XADD", "t", "5-1", "x", "y")
	read(a)

	// XGROUP DESTROY and DEL wake their readers with errors.
	b.Send("XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "STREAMS", "s", ">")
	waitBlocked(t, ctl, 1)
	do(c, "XREADGROUP", "GROUP", "h", "c3", "BLOCK", "0", "STREAMS", "s", ">") // h has 2-1 still
	c.Send("XREADGROUP", "GROUP", "h", "c3", "BLOCK", "0", "STREAMS", "s", ">")
	waitBlocked(t, ctl, 2)
	do(ctl, "XGROUP", "DESTROY", "s", "g")
	read(b)
	waitBlocked(t, ctl, 1)
	do(ctl, "DEL", "s")
	read(c)
	waitBlocked(t, ctl, 0)

	// A timeout replies nil and creates no consumer.
	do(ctl, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
	do(a, "XREADGROUP", "GROUP", "g", "late", "BLOCK", "20", "STREAMS", "s", ">")
	do(ctl, "XINFO", "CONSUMERS", "s", "g")

	// No blocking in MULTI or scripts.
	do(a, "MULTI")
	do(a, "XREADGROUP", "GROUP", "g", "m", "BLOCK", "0", "STREAMS", "s", ">")
	do(a, "EXEC")
	do(a, "EVAL", "return redis.call('XREADGROUP','GROUP','g','e','BLOCK','0','STREAMS','s','>')", "1", "s")
	do(a, "EVAL", "return redis.call('XREADGROUP','GROUP','g','e','STREAMS','s','>')", "1", "s")
	do(ctl, "XINFO", "CONSUMERS", "s", "g")
	return out
}

// TestDiffStreamGroupRandom runs random sequences of group commands
// (reads new and old, acks, claims, autoclaims, deletes, trims, SETID)
// on Redis and redpool and compares every reply and, after each step,
// the groups' state (XINFO GROUPS, XPENDING).
func TestDiffStreamGroupRandom(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		for seed := int64(1); seed <= 3; seed++ {
			rng := rand.New(rand.NewSource(seed))
			d.Both("DEL", "s")
			d.Do("XGROUP", "CREATE", "s", "g1", "0", "MKSTREAM")
			d.Do("XGROUP", "CREATE", "s", "g2", "$")
			ms := 0
			for step := 0; step < 250; step++ {
				args := randomGroupCommand(rng, &ms)
				d.DoMasked(maskGroupTimes, args...)
				if step%10 == 0 {
					d.Do("XINFO", "GROUPS", "s")
					d.DoMasked(maskGroupTimes, "XPENDING", "s", "g1", "-", "+", "1000")
					d.Do("XPENDING", "s", "g2")
				}
			}
			if t.Failed() {
				t.Fatalf("seed %d", seed)
			}
		}
		t.Logf("%d cases compared", d.Cases)
	})
}

// randomGroupCommand returns a random group command on stream s; ms is
// the last id's ms part used by XADD.
func randomGroupCommand(rng *rand.Rand, ms *int) []string {
	group := []string{"g1", "g2"}[rng.Intn(2)]
	consumer := []string{"c1", "c2", "c3"}[rng.Intn(3)]
	id := func() string { return strconv.Itoa(rng.Intn(*ms+2)) + "-" + strconv.Itoa(rng.Intn(2)) }
	count := strconv.Itoa(rng.Intn(4))
	switch n := rng.Intn(100); {
	case n < 25:
		*ms++
		return []string{"XADD", "s", strconv.Itoa(*ms) + "-" + strconv.Itoa(rng.Intn(2)), "f", strconv.Itoa(n)}
	case n < 45:
		args := []string{"XREADGROUP", "GROUP", group, consumer, "COUNT", count}
		if rng.Intn(5) == 0 {
			args = append(args, "NOACK")
		}
		from := ">"
		if rng.Intn(4) == 0 {
			from = []string{"0", id()}[rng.Intn(2)]
		}
		return append(args, "STREAMS", "s", from)
	case n < 58:
		return []string{"XACK", "s", group, id(), id()}
	case n < 68:
		args := []string{"XCLAIM", "s", group, consumer, "0", id(), id()}
		for _, opt := range []string{"JUSTID", "FORCE"} {
			if rng.Intn(3) == 0 {
				args = append(args, opt)
			}
		}
		if rng.Intn(4) == 0 {
			args = append(args, "RETRYCOUNT", count)
		}
		if rng.Intn(6) == 0 {
			args = append(args, "LASTID", id())
		}
		return args
	case n < 78:
		args := []string{"XAUTOCLAIM", "s", group, consumer, "0", []string{"0", id(), "(" + id()}[rng.Intn(3)], "COUNT", strconv.Itoa(1 + rng.Intn(3))}
		if rng.Intn(3) == 0 {
			args = append(args, "JUSTID")
		}
		return args
	case n < 88:
		return []string{"XDEL", "s", id()}
	case n < 91:
		return []string{"XTRIM", "s", "MAXLEN", strconv.Itoa(rng.Intn(6))}
	case n < 94:
		args := []string{"XGROUP", "SETID", "s", group, []string{"0", "$", id()}[rng.Intn(3)]}
		if rng.Intn(2) == 0 {
			args = append(args, "ENTRIESREAD", strconv.Itoa(rng.Intn(*ms+2)-1))
		}
		return args
	case n < 96:
		return []string{"XGROUP", "DELCONSUMER", "s", group, consumer}
	case n < 98:
		return []string{"XINFO", "CONSUMERS", "s", group}
	}
	return []string{"XPENDING", "s", group, "IDLE", "0", "-", "+", count, consumer}
}
