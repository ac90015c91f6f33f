package command

import (
	"context"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/memory"
)

// Tests of the list and hash families inside the command package: what
// they log to the AOF, the blocking registry, and the cost of pushes.

// listTestEngine returns an engine on a fresh memory backend with a
// recording log, and a context for one client.
func listTestEngine(t testing.TB) (*Engine, *Ctx, *recordLog) {
	t.Helper()
	m := memory.New(memory.Options{ExpiryInterval: -1})
	t.Cleanup(func() { _ = m.Close() })
	log := &recordLog{}
	e, err := NewEngine(Options{Backend: m, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return e, e.NewCtx(e.NewClient("a", "b"), nil), log
}

// execLine runs a space-separated command and returns its reply.
func execLine(e *Engine, c *Ctx, cmd string) string {
	e.Exec(c, benchArgs(strings.Split(cmd, " ")...))
	out := string(c.Out())
	c.Reset()
	return out
}

// TestListHashPropagation checks what the list and hash commands write to
// the AOF: blocking pops as their non-blocking effect, multi-key pops as
// [LR]POP with the count popped, HINCRBYFLOAT as HSET of its result, and
// nothing for commands that change nothing.
func TestListHashPropagation(t *testing.T) {
	e, c, log := listTestEngine(t)
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"RPUSH l a b c d e f", []string{"0: RPUSH l a b c d e f"}},
		{"LPUSHX nope a", nil},
		{"LPUSHX l z", []string{"0: LPUSHX l z"}},
		{"LPOP l", []string{"0: LPOP l"}},
		{"LPOP l 0", nil},
		{"LPOP nope", nil},
		{"RPOP l 2", []string{"0: RPOP l 2"}},
		{"LSET l 0 A", []string{"0: LSET l 0 A"}},
		{"LSET l 9 A", nil},
		{"LREM l 0 zz", nil},
		{"LREM l 0 A", []string{"0: LREM l 0 A"}},
		{"LTRIM l 0 -1", nil},
		{"LTRIM l 1 -1", []string{"0: LTRIM l 1 -1"}},
		{"LINSERT l BEFORE zz x", nil},
		{"LINSERT l BEFORE c x", []string{"0: LINSERT l BEFORE c x"}},
		{"LMOVE l l2 LEFT RIGHT", []string{"0: LMOVE l l2 LEFT RIGHT"}},
		{"LMOVE nope l2 LEFT RIGHT", nil},
		{"RPOPLPUSH l l2", []string{"0: RPOPLPUSH l l2"}},
		{"LMPOP 2 nope l2 RIGHT COUNT 5", []string{"0: RPOP l2 2"}},
		{"LMPOP 1 l2 LEFT", nil},
		{"RPUSH l a b c", []string{"0: RPUSH l a b c"}},
		{"BLPOP nope l 0", []string{"0: LPOP l"}},
		{"BRPOP l 1", []string{"0: RPOP l"}},
		{"BLMPOP 0 1 l LEFT COUNT 3", []string{"0: LPOP l 2"}},
		{"BLPOP l 0", nil}, // no connection to block on: null at once
		{"RPUSH l a b", []string{"0: RPUSH l a b"}},
		{"BLMOVE l l2 right left 0", []string{"0: LMOVE l l2 RIGHT LEFT"}},
		{"BRPOPLPUSH l l2 0", []string{"0: RPOPLPUSH l l2"}},
		{"BRPOPLPUSH l l2 0", nil},
		{"HSET h f 1 g 2", []string{"0: HSET h f 1 g 2"}},
		{"HSET h f 1", []string{"0: HSET h f 1"}},
		{"HSETNX h f 1", nil},
		{"HSETNX h n 1", []string{"0: HSETNX h n 1"}},
		{"HMSET h a 1", []string{"0: HMSET h a 1"}},
		{"HDEL h zz", nil},
		{"HDEL h a zz", []string{"0: HDEL h a zz"}},
		{"HINCRBY h f 2", []string{"0: HINCRBY h f 2"}},
		{"HINCRBY h f x", nil},
		{"HINCRBYFLOAT h f 0.5", []string{"0: HSET h f 3.5"}},
		{"HINCRBYFLOAT h new 1e2", []string{"0: HSET h new 100"}},
		{"HINCRBYFLOAT h f x", nil},
		{"HRANDFIELD h 2", nil},
		{"HSCAN h 0", nil},
	} {
		reply := execLine(e, c, tc.cmd)
		got := log.take()
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s (reply %q): logged %q, want %q", tc.cmd, reply, got, tc.want)
		}
	}
}

// blockLink is a connection for blocking commands run without a session.
type blockLink struct{ gone chan struct{} }

func (l *blockLink) Flush() error                     { return nil }
func (l *blockLink) Watch() (<-chan struct{}, func()) { return l.gone, func() {} }
func (l *blockLink) Detach() (io.Writer, error)       { return io.Discard, nil }
func (l *blockLink) Context() context.Context         { return context.Background() }
func (l *blockLink) Close()                           {}
func newBlockLink() *blockLink                        { return &blockLink{gone: make(chan struct{})} }
func (l *blockLink) disconnect()                      { close(l.gone) }
func waitCount(t *testing.T, e *Engine, n int, what string) {
	t.Helper()
	waitUntil(t, what, func() bool { return e.blocking.count() == n })
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// blockedExec runs cmd on a new client with a fake connection in the
// background; the reply arrives on the returned channel.
func blockedExec(e *Engine, link *blockLink, cmd string) <-chan string {
	c := e.NewCtx(e.NewClient("w", "b"), link)
	out := make(chan string, 1)
	go func() { out <- execLine(e, c, cmd) }()
	return out
}

// TestBlockingPropagationAfterWake: a pop served after blocking is logged
// as its non-blocking effect, after the push that woke it.
func TestBlockingPropagationAfterWake(t *testing.T) {
	checkWokenLogs(t, []wokenCase{
		{"BLPOP k 0", "RPUSH k v", "*2\r\n$1\r\nk\r\n$1\r\nv\r\n", []string{"0: RPUSH k v", "0: LPOP k"}},
		{"BRPOP x k 0", "RPUSH k a b", "*2\r\n$1\r\nk\r\n$1\r\nb\r\n", []string{"0: RPUSH k a b", "0: RPOP k"}},
		{"BLMPOP 0 1 m LEFT COUNT 5", "RPUSH m a b", "*2\r\n$1\r\nm\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n", []string{"0: RPUSH m a b", "0: LPOP m 2"}},
		{"BLMOVE s d LEFT RIGHT 0", "RPUSH s a", "$1\r\na\r\n", []string{"0: RPUSH s a", "0: LMOVE s d LEFT RIGHT"}},
		{"BRPOPLPUSH s d 0", "RPUSH s b", "$1\r\nb\r\n", []string{"0: RPUSH s b", "0: RPOPLPUSH s d"}},
	})
}

// wokenCase is a blocking command, the write that wakes it, the reply it
// then gets and what the two log.
type wokenCase struct {
	block, push, reply string
	want               []string
}

// checkWokenLogs runs the cases in order on one engine and checks the
// blocked client's reply and the AOF records of the write and of the pop
// it woke.
func checkWokenLogs(t *testing.T, cases []wokenCase) {
	t.Helper()
	e, c, log := listTestEngine(t)
	for _, tc := range cases {
		log.take()
		got := blockedExec(e, newBlockLink(), tc.block)
		waitCount(t, e, 1, tc.block)
		execLine(e, c, tc.push)
		if r := <-got; r != tc.reply {
			t.Errorf("%s: reply %q, want %q", tc.block, r, tc.reply)
		}
		waitCount(t, e, 0, "the client to leave")
		if recs := log.take(); strings.Join(recs, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s woken by %s: logged %q, want %q", tc.block, tc.push, recs, tc.want)
		}
	}
}

// TestBlockingHandOff: a push returns only after the clients it woke have
// popped, as in Redis, where blocked clients are served before the next
// command.
func TestBlockingHandOff(t *testing.T) {
	e, c, _ := listTestEngine(t)
	var replies []<-chan string
	for i := range 3 {
		replies = append(replies, blockedExec(e, newBlockLink(), "BLPOP k 0"))
		waitCount(t, e, i+1, "client "+strconv.Itoa(i+1))
	}
	if r := execLine(e, c, "RPUSH k a b c d"); r != ":4\r\n" {
		t.Fatalf("RPUSH = %q", r)
	}
	if r := execLine(e, c, "LRANGE k 0 -1"); r != "*1\r\n$1\r\nd\r\n" {
		t.Fatalf("LRANGE right after RPUSH = %q, want only d left", r)
	}
	for i, v := range []string{"a", "b", "c"} {
		if r := <-replies[i]; r != "*2\r\n$1\r\nk\r\n$1\r\n"+v+"\r\n" {
			t.Errorf("client %d got %q, want %s", i+1, r, v)
		}
	}
}

// TestBlockingDisconnectPassesOn: a woken client that is gone pops nothing
// and passes its wake-up to the next client.
func TestBlockingDisconnectPassesOn(t *testing.T) {
	e, c, _ := listTestEngine(t)
	first := newBlockLink()
	r1 := blockedExec(e, first, "BLPOP k 0")
	waitCount(t, e, 1, "first client")
	r2 := blockedExec(e, newBlockLink(), "BLPOP k 0")
	waitCount(t, e, 2, "second client")
	first.disconnect()
	if r := <-r1; r != "" {
		t.Errorf("disconnected client got %q", r)
	}
	execLine(e, c, "RPUSH k v")
	if r := <-r2; r != "*2\r\n$1\r\nk\r\n$1\r\nv\r\n" {
		t.Errorf("second client got %q", r)
	}
	if r := execLine(e, c, "EXISTS k"); r != ":0\r\n" {
		t.Errorf("EXISTS k = %q", r)
	}
}

// TestBlockingRegistryPassOn drives the registry directly: a wake-up not
// used by the first waiter (it left) goes to the next, and the writer's
// wait ends when the last one has dealt with it.
func TestBlockingRegistryPassOn(t *testing.T) {
	b := newBlocking()
	k := []byte("k")
	c1, c2 := &Ctx{}, &Ctx{}
	w1 := b.register(c1, 0, [][]byte{k, k})
	w2 := b.register(c2, 0, [][]byte{[]byte("other"), k})
	if b.count() != 2 {
		t.Fatalf("count = %d", b.count())
	}
	done := make(chan struct{})
	go func() { b.signal(0, [][]byte{k}); close(done) }()
	<-w1.wake
	taken := b.take(w1)
	if len(taken) != 1 || taken[0].idx != 0 {
		t.Fatalf("first waiter took %+v", taken)
	}
	select {
	case <-done:
		t.Fatal("signal returned before the wake-up was dealt with")
	default:
	}
	b.unregister(w1, []int{0}, taken) // left without using it
	<-w2.wake
	taken = b.take(w2)
	if len(taken) != 1 || taken[0].idx != 1 {
		t.Fatalf("second waiter took %+v", taken)
	}
	b.settle(w2, taken)
	<-done
	b.unregister(w2, nil, nil)
	if b.count() != 0 || len(b.dbs) != 0 || len(b.clients) != 0 {
		t.Fatalf("registry not empty: %d %v %v", b.count(), b.dbs, b.clients)
	}
	b.closeAll()
	b.closeAll()
	if b.register(c1, 0, [][]byte{k}) != nil {
		t.Fatal("register after closeAll")
	}
}

// TestBlockingSpuriousWake: a client woken when there is nothing to pop
// goes back to waiting, with what is left of its timeout.
func TestBlockingSpuriousWake(t *testing.T) {
	e, c, _ := listTestEngine(t)
	start := time.Now()
	r := blockedExec(e, newBlockLink(), "BLPOP k 0.3")
	waitCount(t, e, 1, "the client to block")
	e.blocking.signal(0, [][]byte{[]byte("k")}) // no data
	if got := execLine(e, c, "RPUSH other x"); got != ":1\r\n" {
		t.Fatalf("RPUSH other = %q", got)
	}
	if got := <-r; got != "*-1\r\n" {
		t.Fatalf("BLPOP = %q, want a timeout", got)
	}
	if el := time.Since(start); el < 290*time.Millisecond || el > 3*time.Second {
		t.Fatalf("BLPOP 0.3 returned after %v", el)
	}
	if e.blocking.count() != 0 {
		t.Fatal("client still registered")
	}
}

func TestParseTimeout(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  error
	}{
		{"0", 0, nil}, {"1", time.Second, nil}, {"0.1", 100 * time.Millisecond, nil}, {"1.5", 1500 * time.Millisecond, nil},
		{".5", 500 * time.Millisecond, nil}, {"1e1", 10 * time.Second, nil}, {"0x10", 16 * time.Second, nil},
		{"0.0005", 0, nil}, {"-0.0001", 0, nil}, {"+2", 2 * time.Second, nil},
		{"-1", 0, ErrTimeoutNegative}, {"-0.5", 0, ErrTimeoutNegative},
		// 0.001 as a long double is just below it: -0.001 truncates to 0 ms
		// and, as in Redis 7.0, waits forever.
		{"-0.001", 0, nil}, {"inf", 0, ErrTimeoutNegative},
		{"1e30", 0, ErrTimeoutNegative}, {"9.3e15", 0, ErrTimeoutNegative}, {"9.2e15", 0, nil},
		{"x", 0, ErrTimeoutNotFloat}, {"", 0, ErrTimeoutNotFloat}, {" 1", 0, ErrTimeoutNotFloat},
		{"1 ", 0, ErrTimeoutNotFloat}, {"nan", 0, ErrTimeoutNotFloat},
	} {
		got, err := parseTimeout([]byte(tc.in))
		if got != tc.want || err != tc.err {
			t.Errorf("parseTimeout(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestBlockingConcurrentNoLoss: many blocked clients, many pushes, every
// element popped exactly once, registry empty at the end.
func TestBlockingConcurrentNoLoss(t *testing.T) {
	e, _, _ := listTestEngine(t)
	const poppers, n = 6, 300
	got := make(chan string, n)
	var wg sync.WaitGroup
	for range poppers {
		c := e.NewCtx(e.NewClient("w", "b"), newBlockLink())
		wg.Go(func() {
			for {
				r := execLine(e, c, "BLPOP q1 q2 0.3")
				if r == "*-1\r\n" {
					return
				}
				got <- r[strings.LastIndex(r[:len(r)-2], "\n")+1 : len(r)-2]
			}
		})
	}
	var pw sync.WaitGroup
	for p := range 3 {
		c := e.NewCtx(e.NewClient("p", "b"), nil)
		pw.Go(func() {
			for i := p; i < n; i += 3 {
				execLine(e, c, "RPUSH q"+strconv.Itoa(1+i%2)+" "+strconv.Itoa(i))
			}
		})
	}
	pw.Wait()
	seen := map[string]bool{}
	for len(seen) < n {
		select {
		case v := <-got:
			if seen[v] {
				t.Fatalf("%s popped twice", v)
			}
			seen[v] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("popped %d of %d", len(seen), n)
		}
	}
	wg.Wait()
	if e.blocking.count() != 0 {
		t.Fatalf("%d clients still registered", e.blocking.count())
	}
}

// TestLPushLinear shows that a push costs the same however long the list,
// by counting work instead of timing it (a timing ratio flaked with the
// machine's load): the bytes and allocations 1,000,000 LPUSHes through
// Engine.Exec take are about ten times those of 100,000. What makes a push
// O(n) in practice is copying the list (a prepend into a slice, a
// copy-on-write clone, reading it back), and each of those allocates in
// proportion to the length: a push that copied would make the ratio about
// 100. A deque that doubles its ring allocates about 2 slots per element
// however long it grows, so the ratio is near 10.
func TestLPushLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes 1.1M elements")
	}
	run := func(n int) (bytes, allocs uint64) {
		m := memory.New(memory.Options{ExpiryInterval: -1})
		defer m.Close()
		e, err := NewEngine(Options{Backend: m})
		if err != nil {
			t.Fatal(err)
		}
		c := e.NewCtx(e.NewClient("a", "b"), nil)
		args := benchArgs("LPUSH", "list", "element-value")
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range n {
			e.Exec(c, args)
			c.Reset()
		}
		runtime.ReadMemStats(&after)
		if got := execLine(e, c, "LLEN list"); got != ":"+strconv.Itoa(n)+"\r\n" {
			t.Fatalf("LLEN = %q, want %d", got, n)
		}
		return after.TotalAlloc - before.TotalAlloc, after.Mallocs - before.Mallocs
	}
	smallBytes, smallAllocs := run(100_000)
	largeBytes, largeAllocs := run(1_000_000)
	bytesRatio := float64(largeBytes) / float64(smallBytes)
	allocsRatio := float64(largeAllocs) / float64(smallAllocs)
	t.Logf("100,000 LPUSH: %d bytes, %d allocations; 1,000,000 LPUSH: %d bytes, %d allocations; ratios %.2f and %.2f",
		smallBytes, smallAllocs, largeBytes, largeAllocs, bytesRatio, allocsRatio)
	if bytesRatio > 15 || allocsRatio > 15 {
		t.Errorf("1M pushes allocated %.1f times the bytes and %.1f times the allocations of 100k, want about 10", bytesRatio, allocsRatio)
	}
}

// --- benchmarks: O(1) pushes and pops, and the hash hot paths ---

func BenchmarkLPush(b *testing.B) {
	e, c := benchEngine(b)
	args := benchArgs("LPUSH", "list", "value-of-sixteen")
	b.ReportAllocs()
	for b.Loop() {
		e.Exec(c, args)
		c.Reset()
	}
}

// BenchmarkLPushLPop alternates a push and a pop on a list of 100,000.
func BenchmarkLPushLPop(b *testing.B) {
	e, c := benchEngine(b)
	fillList(b, e, c, "list", 100_000)
	push, pop := benchArgs("LPUSH", "list", "value-of-sixteen"), benchArgs("LPOP", "list")
	b.ReportAllocs()
	for b.Loop() {
		e.Exec(c, push)
		e.Exec(c, pop)
		c.Reset()
	}
}

// BenchmarkRPopLong pops from the tail of a long list, refilling it.
func BenchmarkRPopLong(b *testing.B) {
	e, c := benchEngine(b)
	fillList(b, e, c, "list", 1_000_000)
	pop := benchArgs("RPOP", "list")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%500_000 == 499_999 {
			b.StopTimer()
			fillList(b, e, c, "list", 500_000)
			b.StartTimer()
		}
		e.Exec(c, pop)
		c.Reset()
	}
}

func BenchmarkLIndexEnd(b *testing.B) {
	e, c := benchEngine(b)
	fillList(b, e, c, "list", 1_000_000)
	benchExec(b, e, c, benchArgs("LINDEX", "list", "-2"), "$1\r\nx\r\n")
}

func BenchmarkHSet(b *testing.B) {
	e, c := benchEngine(b)
	benchExec(b, e, c, benchArgs("HSET", "hash", "field", "value-of-sixteen"), ":1\r\n")
}

func BenchmarkHGet(b *testing.B) {
	e, c := benchEngine(b)
	execLine(e, c, "HSET hash field value-of-sixteen")
	benchExec(b, e, c, benchArgs("HGET", "hash", "field"), "$16\r\nvalue-of-sixteen\r\n")
}

func BenchmarkHGetLarge(b *testing.B) {
	e, c := benchEngine(b)
	args := []string{"HSET", "hash"}
	for i := range 1000 {
		args = append(args, "field:"+strconv.Itoa(i), "v")
	}
	e.Exec(c, benchArgs(args...))
	c.Reset()
	benchExec(b, e, c, benchArgs("HGET", "hash", "field:500"), "$1\r\nv\r\n")
}

func fillList(b *testing.B, e *Engine, c *Ctx, key string, n int) {
	b.Helper()
	args := benchArgs("RPUSH", key, "x")
	for range n {
		e.Exec(c, args)
	}
	c.Reset()
}

// hookBackend runs before ahead of the n-th Update (counting from 1).
type hookBackend struct {
	backend.Backend
	updates atomic.Int32
	before  func(n int32)
}

func (h *hookBackend) Update(o backend.TxOptions, fn func(backend.Tx) error) error {
	h.before(h.updates.Add(1))
	return h.Backend.Update(o, fn)
}

// TestBlockingLooksAgainAfterRegistering: between its first try and its
// registration a blocking client can miss a write; the look it takes once
// registered treats a key that became a non-list as a blocked client
// would (skipped), not as WRONGTYPE, and serves another key.
func TestBlockingLooksAgainAfterRegistering(t *testing.T) {
	m := memory.New(memory.Options{ExpiryInterval: -1})
	t.Cleanup(func() { _ = m.Close() })
	for _, tc := range []struct{ cmd, reply string }{
		{"BLPOP k1 k2 0", "*2\r\n$2\r\nk2\r\n$1\r\nx\r\n"},
		{"BLMOVE k1 d LEFT LEFT 0", "*-1\r\n"}, // k1 is no list: stays blocked
	} {
		if err := m.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error { return tx.Flush() }); err != nil {
			t.Fatal(err)
		}
		h := &hookBackend{Backend: m}
		h.before = func(n int32) {
			if n != 2 { // the look once registered
				return
			}
			err := m.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
				if err := tx.Set([]byte("k1"), []byte("string"), 0, false); err != nil {
					return err
				}
				_, err := tx.ListPush([]byte("k2"), false, [][]byte{[]byte("x")}, false)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}
		e, err := NewEngine(Options{Backend: h})
		if err != nil {
			t.Fatal(err)
		}
		link := newBlockLink()
		got := blockedExec(e, link, tc.cmd)
		if tc.reply == "*-1\r\n" {
			select {
			case r := <-got:
				t.Fatalf("%s returned %q", tc.cmd, r)
			case <-time.After(50 * time.Millisecond):
			}
			e.WakeAll() // shutdown: a blocked client gets a null reply
		}
		if r := <-got; r != tc.reply {
			t.Errorf("%s: reply %q, want %q", tc.cmd, r, tc.reply)
		}
	}
}
