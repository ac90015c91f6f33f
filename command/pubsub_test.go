package command

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/memory"
)

// pushLink records what the outbox asks of a session.
type pushLink struct{ wakes, kills atomic.Int32 }

func (l *pushLink) Wake() { l.wakes.Add(1) }
func (l *pushLink) Kill() { l.kills.Add(1) }

// pubsubEngine returns an engine on a memory backend with a manual clock.
func pubsubEngine(t *testing.T) (*Engine, *backend.ManualClock) {
	t.Helper()
	clk := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	m := memory.New(memory.Options{Clock: clk, ExpiryInterval: -1})
	t.Cleanup(func() { _ = m.Close() })
	e, err := NewEngine(Options{Backend: m, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return e, clk
}

// pubsubClient is a client of e with a recording push link.
func pubsubClient(e *Engine) (*Ctx, *pushLink) {
	cl := e.NewClient("a", "b")
	l := &pushLink{}
	cl.SetPushLink(l)
	return e.NewCtx(cl, nil), l
}

// setLimits runs CONFIG SET client-output-buffer-limit value.
func setLimits(c *Ctx, value string) string {
	c.e.Exec(c, benchArgs("CONFIG", "SET", "client-output-buffer-limit", value))
	out := string(c.Out())
	c.Reset()
	return out
}

// pushed returns the frames queued for c's client and empties its outbox,
// as a session's flush does.
func pushed(c *Ctx) string {
	c.TakePushes()
	out := string(c.Out())
	for _, b := range c.Pushes() {
		out += string(b)
	}
	c.Reset()
	return out
}

func TestPubSubTranscriptRESP2(t *testing.T) {
	e, _ := pubsubEngine(t)
	c, _ := pubsubClient(e)
	for _, tc := range []struct{ cmd, want string }{
		{"UNSUBSCRIBE", "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"},
		{"PUNSUBSCRIBE", "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n"},
		{"SUNSUBSCRIBE", "*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n"},
		{"SUBSCRIBE a b", "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"},
		{"SUBSCRIBE a", "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n"},
		{"GET x", "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"},
		{"CLIENT LIST", "-ERR Can't execute 'client|list': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"},
		{"CLIENT FOO", "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n"},
		{"FOO", "-ERR unknown command 'FOO', with args beginning with: \r\n"},
		{"PING", "*2\r\n$4\r\npong\r\n$0\r\n\r\n"},
		{"PING hi", "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n"},
		{"PING a b", "-ERR wrong number of arguments for 'ping' command\r\n"},
		{"PSUBSCRIBE a*", "*3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:3\r\n"},
		{"SSUBSCRIBE s1", "*3\r\n$10\r\nssubscribe\r\n$2\r\ns1\r\n:1\r\n"},
		{"UNSUBSCRIBE zz", "*3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:3\r\n"},
		{"UNSUBSCRIBE", "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n"},
		{"PUNSUBSCRIBE", "*3\r\n$12\r\npunsubscribe\r\n$2\r\na*\r\n:0\r\n"},
		// Still subscribed to a shard channel: still in subscribed mode.
		{"GET x", "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"},
		{"SUNSUBSCRIBE s1", "*3\r\n$12\r\nsunsubscribe\r\n$2\r\ns1\r\n:0\r\n"},
		{"GET x", "$-1\r\n"},
		{"PING", "+PONG\r\n"},
	} {
		if got := execAll(c, tc.cmd); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
	}
}

func TestPubSubTranscriptRESP3(t *testing.T) {
	e, _ := pubsubEngine(t)
	c, _ := pubsubClient(e)
	execAll(c, "HELLO 3")
	for _, tc := range []struct{ cmd, want string }{
		{"UNSUBSCRIBE", ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"},
		{"SUBSCRIBE a", ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"},
		{"GET x", "_\r\n"},
		{"PING", "+PONG\r\n"},
		// A message to the publisher itself precedes PUBLISH's reply.
		{"PUBLISH a hi", ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n:1\r\n"},
		{"PSUBSCRIBE *", ">3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:2\r\n"},
		{"PUBLISH a hi", ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n>4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$1\r\na\r\n$2\r\nhi\r\n:2\r\n"},
		{"SPUBLISH a x", ":0\r\n"},
		{"SSUBSCRIBE a", ">3\r\n$10\r\nssubscribe\r\n$1\r\na\r\n:1\r\n"},
		{"SPUBLISH a x", ">3\r\n$8\r\nsmessage\r\n$1\r\na\r\n$1\r\nx\r\n:1\r\n"},
		{"PUBSUB NUMSUB a b", "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:0\r\n"},
		{"PUBSUB CHANNELS", "*1\r\n$1\r\na\r\n"},
		{"PUBSUB CHANNELS b*", "*0\r\n"},
		{"PUBSUB CHANNELS a b", "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n"},
		{"PUBSUB NUMPAT", ":1\r\n"},
		{"PUBSUB NUMPAT x", "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n"},
		{"PUBSUB SHARDNUMSUB a", "*2\r\n$1\r\na\r\n:1\r\n"},
		{"PUBSUB SHARDCHANNELS", "*1\r\n$1\r\na\r\n"},
		{"PUBSUB NUMSUB", "*0\r\n"},
		{"RESET", "+RESET\r\n"},
		{"PUBSUB NUMPAT", ":0\r\n"},
		{"PUBSUB CHANNELS", "*0\r\n"},
		{"GET x", "$-1\r\n"},
	} {
		if got := execAll(c, tc.cmd); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
	}
}

// TestReset: RESET clears MULTI, WATCH, subscriptions, the database, the
// protocol and the name.
func TestReset(t *testing.T) {
	e, _ := pubsubEngine(t)
	c, _ := pubsubClient(e)
	execAll(c, "HELLO 3", "SELECT 3", "CLIENT SETNAME n", "WATCH k", "SUBSCRIBE ch", "MULTI", "SET k 1")
	if got := execAll(c, "RESET"); got != "+RESET\r\n" {
		t.Fatalf("RESET = %q", got)
	}
	cl := c.Client
	if cl.InMulti() || len(cl.watching) != 0 || cl.Subscribed() || cl.DB() != 0 || cl.Proto() != 2 || cl.Name() != "" {
		t.Fatalf("after RESET: multi %v watching %d subscribed %v db %d proto %d name %q",
			cl.InMulti(), len(cl.watching), cl.Subscribed(), cl.DB(), cl.Proto(), cl.Name())
	}
	if got := execAll(c, "EXEC", "PUBSUB NUMSUB ch"); got != "-ERR EXEC without MULTI\r\n*2\r\n$2\r\nch\r\n:0\r\n" {
		t.Fatalf("after RESET: %q", got)
	}
	// RESET runs at once inside MULTI, and in RESP2 subscribed mode.
	if got := execAll(c, "MULTI", "RESET", "EXEC"); got != "+OK\r\n+RESET\r\n-ERR EXEC without MULTI\r\n" {
		t.Fatalf("RESET in MULTI: %q", got)
	}
	if got := execAll(c, "SUBSCRIBE x", "RESET", "GET a"); got != "*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n+RESET\r\n$-1\r\n" {
		t.Fatalf("RESET when subscribed: %q", got)
	}
}

// TestPublishQueues: PUBLISH queues each message once per subscriber,
// encoded for its protocol, and wakes each subscriber once per batch.
func TestPublishQueues(t *testing.T) {
	e, _ := pubsubEngine(t)
	pub, _ := pubsubClient(e)
	s2, l2 := pubsubClient(e)
	s3, l3 := pubsubClient(e)
	execAll(s3, "HELLO 3")
	execAll(s2, "SUBSCRIBE news", "PSUBSCRIBE n*")
	execAll(s3, "SUBSCRIBE news")
	if got := execAll(pub, "PUBLISH news one", "PUBLISH news two", "PUBLISH other x"); got != ":3\r\n:3\r\n:0\r\n" {
		t.Fatalf("PUBLISH = %q", got)
	}
	msg := func(resp3 bool, payload string) string {
		return string(AppendPushFrame(nil, resp3, []byte("message"), []byte("news"), []byte(payload)))
	}
	pmsg := func(payload string) string {
		return string(AppendPushFrame(nil, false, []byte("pmessage"), []byte("n*"), []byte("news"), []byte(payload)))
	}
	if l2.wakes.Load() != 0 {
		t.Errorf("woken before the publisher's batch ended")
	}
	pub.WakePushed() // the publisher's session flushed
	if got, want := pushed(s2), msg(false, "one")+pmsg("one")+msg(false, "two")+pmsg("two"); got != want {
		t.Errorf("RESP2 subscriber got %q\nwant %q", got, want)
	}
	if got, want := pushed(s3), msg(true, "one")+msg(true, "two"); got != want {
		t.Errorf("RESP3 subscriber got %q\nwant %q", got, want)
	}
	if l2.wakes.Load() != 1 || l3.wakes.Load() != 1 {
		t.Errorf("wakes = %d, %d; want 1 each", l2.wakes.Load(), l3.wakes.Load())
	}
	execAll(pub, "PUBLISH news three")
	if l2.wakes.Load() != 1 {
		t.Errorf("woken before the publisher's batch ended")
	}
	pub.WakePushed()
	if l2.wakes.Load() != 2 {
		t.Errorf("wakes after the outbox was emptied = %d, want 2", l2.wakes.Load())
	}
	// A client that goes away is no subscriber any more.
	e.Unregister(s2.Client)
	if got := execAll(pub, "PUBLISH news four", "PUBSUB NUMPAT"); got != ":1\r\n:0\r\n" {
		t.Fatalf("after unregister: %q", got)
	}
}

// TestOutputLimitHard: a subscriber whose queued output reaches the hard
// limit is dropped: killed once, its queue freed, no more frames queued.
func TestOutputLimitHard(t *testing.T) {
	e, _ := pubsubEngine(t)
	pub, _ := pubsubClient(e)
	sub, l := pubsubClient(e)
	if got := setLimits(pub, "pubsub 1kb 0 0") + execAll(pub, "CONFIG GET client-output-buffer-limit"); got !=
		"+OK\r\n*2\r\n$26\r\nclient-output-buffer-limit\r\n$56\r\nnormal 0 0 0 slave 268435456 67108864 60 pubsub 1024 0 0\r\n" {
		t.Fatalf("CONFIG: %q", got)
	}
	execAll(sub, "SUBSCRIBE ch")
	payload := strings.Repeat("x", 100)
	for range 20 {
		execAll(pub, "PUBLISH ch "+payload)
	}
	if l.kills.Load() != 1 {
		t.Fatalf("kills = %d, want 1", l.kills.Load())
	}
	if got := pushed(sub); got != "" {
		t.Fatalf("a dropped client's queue is kept: %d bytes", len(got))
	}
	if e.Push(sub.Client, []byte("+x\r\n")) {
		t.Fatal("Push to a dropped client succeeded")
	}
	// What the session took and has not written counts too.
	sub2, l2 := pubsubClient(e)
	execAll(sub2, "SUBSCRIBE ch")
	for range 3 { // 133 bytes each
		execAll(pub, "PUBLISH ch "+payload)
	}
	sub2.TakePushes() // being written...
	for range 3 {
		execAll(pub, "PUBLISH ch "+payload)
	}
	if l2.kills.Load() != 0 {
		t.Fatal("killed under the limit")
	}
	for range 2 {
		execAll(pub, "PUBLISH ch "+payload)
	}
	if l2.kills.Load() != 1 {
		t.Fatalf("in-flight output not counted: kills = %d", l2.kills.Load())
	}
	// A normal client (not subscribed) has no limit by default.
	n, ln := pubsubClient(e)
	for range 100 {
		e.Push(n.Client, []byte(payload))
	}
	if ln.kills.Load() != 0 {
		t.Fatal("normal client dropped")
	}
}

// TestOutputLimitSoft: over the soft limit for longer than the soft time.
func TestOutputLimitSoft(t *testing.T) {
	e, clk := pubsubEngine(t)
	pub, _ := pubsubClient(e)
	sub, l := pubsubClient(e)
	setLimits(pub, "pubsub 0 200 10")
	execAll(sub, "SUBSCRIBE ch")
	payload := strings.Repeat("x", 100)
	for range 5 {
		execAll(pub, "PUBLISH ch "+payload) // over the soft limit from the second
	}
	clk.Advance(10 * time.Second)
	execAll(pub, "PUBLISH ch "+payload)
	if l.kills.Load() != 0 {
		t.Fatal("dropped at the soft time, not after it")
	}
	// Below the limit again: the time starts over.
	pushed(sub)
	execAll(pub, "PUBLISH ch x") // written: usage below soft
	sub.Reset()
	pushed(sub)
	for range 3 {
		execAll(pub, "PUBLISH ch "+payload)
	}
	clk.Advance(10 * time.Second)
	execAll(pub, "PUBLISH ch "+payload)
	if l.kills.Load() != 0 {
		t.Fatal("soft time did not start over")
	}
	clk.Advance(time.Second)
	execAll(pub, "PUBLISH ch "+payload)
	if l.kills.Load() != 1 {
		t.Fatalf("kills = %d after the soft time, want 1", l.kills.Load())
	}
}

// TestOutputLimitReplies: replies held unsent count against the client's
// class limit, with its pushed frames, as Redis checks whenever a reply
// is added: the normal class has none by default; at its hard limit, or
// over its soft limit for longer than the soft time, the client is
// dropped (and stays dropped).
func TestOutputLimitReplies(t *testing.T) {
	e, clk := pubsubEngine(t)
	c, _ := pubsubClient(e)
	if e.RepliesOverLimit(c.Client, 1<<30) {
		t.Fatal("normal client over a limit by default")
	}
	setLimits(c, "normal 1kb 0 0")
	if e.RepliesOverLimit(c.Client, 1023) {
		t.Fatal("dropped under the hard limit")
	}
	e.Push(c.Client, []byte("+x\r\n")) // queued frames count too
	if !e.RepliesOverLimit(c.Client, 1020) {
		t.Fatal("not dropped at the hard limit")
	}
	if !e.RepliesOverLimit(c.Client, 0) {
		t.Fatal("a dropped client is back")
	}

	s, _ := pubsubClient(e)
	setLimits(s, "normal 0 1kb 10")
	if e.RepliesOverLimit(s.Client, 2000) {
		t.Fatal("dropped as soon as over the soft limit")
	}
	clk.Advance(10 * time.Second)
	if e.RepliesOverLimit(s.Client, 2000) {
		t.Fatal("dropped at the soft time, not after it")
	}
	if e.RepliesOverLimit(s.Client, 10) { // below it again: the time starts over
		t.Fatal("dropped below the soft limit")
	}
	clk.Advance(10 * time.Second)
	if e.RepliesOverLimit(s.Client, 2000) {
		t.Fatal("soft time did not start over")
	}
	clk.Advance(11 * time.Second)
	if !e.RepliesOverLimit(s.Client, 2000) {
		t.Fatal("not dropped after the soft time")
	}
}

func TestOutputLimitConfig(t *testing.T) {
	e, _ := pubsubEngine(t)
	c, _ := pubsubClient(e)
	for _, tc := range []struct{ cmd, want string }{
		{"normal", configErr("client-output-buffer-limit", ReasonBufLimitArgs)},
		{"foo 1 2 3", configErr("client-output-buffer-limit", ReasonBufLimitClass)},
		{"pubsub 1 2 -3", configErr("client-output-buffer-limit", ReasonBufLimitValue)},
		{"pubsub 1x 2 3", configErr("client-output-buffer-limit", ReasonBufLimitValue)},
		{"", getReply("client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")},
		{"replica 1mb 2mb 3", "+OK\r\n"},
		{"", getReply("client-output-buffer-limit", "normal 0 0 0 slave 1048576 2097152 3 pubsub 33554432 8388608 60")},
	} {
		var got string
		if tc.cmd == "" {
			got = execAll(c, "CONFIG GET client-output-buffer-limit")
		} else {
			got = setLimits(c, tc.cmd)
		}
		if got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
	}
	if got := e.outputLimits.forClass(ClassReplica); got != (OutputLimit{1 << 20, 2 << 20, 3}) {
		t.Errorf("replica limit = %+v", got)
	}
}

// TestKeyspaceEventsDelivered: events a command records are published on
// __keyspace@db__:key (K) and __keyevent@db__:event (E) after the commit,
// and only then.
func TestKeyspaceEventsDelivered(t *testing.T) {
	e, _ := pubsubEngine(t)
	c, _ := pubsubClient(e)
	sub, _ := pubsubClient(e)
	execAll(sub, "PSUBSCRIBE __key*")
	notify := func(db int, fail bool) {
		c.Client.SetDB(db)
		_ = c.InTx(true, [][]byte{[]byte("k")}, func(c *Ctx) error {
			c.Notify(NotifyGeneric, "del", []byte("k"))
			if fail {
				return ErrSyntax
			}
			return nil
		})
	}
	notify(0, false)
	if got := pushed(sub); got != "" {
		t.Fatalf("delivered while notifications are off: %q", got)
	}
	e.notify.mask.Store(uint32(NotifyKeyspace | NotifyKeyevent | NotifyGeneric))
	notify(3, false)
	notify(3, true)
	pm := func(ch, msg string) string {
		return string(AppendPushFrame(nil, false, []byte("pmessage"), []byte("__key*"), []byte(ch), []byte(msg)))
	}
	if got, want := pushed(sub), pm("__keyspace@3__:k", "del")+pm("__keyevent@3__:del", "k"); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	e.notify.mask.Store(uint32(NotifyKeyevent | NotifyGeneric))
	notify(0, false)
	if got, want := pushed(sub), pm("__keyevent@0__:del", "k"); got != want {
		t.Fatalf("E only: got %q\nwant %q", got, want)
	}
}

// TestPublishConcurrent: publishers and subscribers coming and going at
// once (run with -race): every message a subscriber gets is whole.
func TestPublishConcurrent(t *testing.T) {
	e, _ := pubsubEngine(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _ := pubsubClient(e)
			for j := range 200 {
				if i%2 == 0 {
					execAll(c, "PUBLISH ch m")
				} else if j%2 == 0 {
					execAll(c, "SUBSCRIBE ch", "PSUBSCRIBE c*")
				} else {
					execAll(c, "UNSUBSCRIBE", "PUNSUBSCRIBE")
					if got := pushed(c); len(got)%len("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n") != 0 && !strings.Contains(got, "pmessage") {
						t.Errorf("torn frames: %q", got)
					}
				}
			}
			e.Unregister(c.Client)
		}()
	}
	wg.Wait()
	if got := e.pubsub.n.Load(); got != 0 {
		t.Fatalf("%d subscriptions left", got)
	}
}

// BenchmarkPublish1 is PUBLISH to one subscriber, whose frames are taken
// after every 16 messages, as its session would write them (-P 16).
func BenchmarkPublish1(b *testing.B) {
	e, c := benchEngine(b)
	sub := e.NewCtx(e.NewClient("s", "t"), nil)
	sub.Client.SetPushLink(&pushLink{})
	e.Exec(sub, benchArgs("SUBSCRIBE", "ch"))
	sub.Reset()
	args := benchArgs("PUBLISH", "ch", "message:000012345")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.Exec(c, args)
		if i++; i%16 == 0 {
			c.Reset()
			c.WakePushed()
			pushed(sub)
		}
	}
}
