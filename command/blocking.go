package command

import (
	"iter"
	"math"
	"math/big"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Blocking pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
// BZPOPMAX, BZMPOP).
//
// A blocked client never has an element handed to it: it waits on a
// channel, and when one of its keys is signalled it pops for itself, in its
// own transaction. If that pop finds nothing (another client got there
// first) it goes back to waiting with what is left of its timeout; if it
// has gone away meanwhile it pops nothing, so no element is ever lost.
//
// Fairness. Clients blocked on one key queue in arrival order, and a signal
// on a key wakes only the first of them. Whoever is woken passes the key on
// when it leaves the queue without using that wake-up (served by another
// key, timed out, disconnected), and also after a pop that leaves elements
// behind. So clients blocked on one key are served first come, first
// served, however the pushes are batched, and no wake-up is lost.
//
// Ordering with the pusher. As in Redis, where blocked clients are served
// before the next command runs, the command whose write woke clients waits
// (after its commit, holding no locks) until the clients it woke, and those
// they passed the key on to, have had their turn; so a pipelined RPUSH,
// RPUSH, LLEN sees what Redis shows. Only clients that are not blocked
// wait, and blocked clients never wait for anyone, so there is no cycle;
// the wait is bounded by handoffWait all the same.
//
// No missed pushes. A client registers before its second look at the keys
// and only then waits, and writers signal only while someone is registered
// (blocking.active): a push that commits after that second look sees the
// registration, one that commits before it is seen by the look.

// handoffWait bounds how long a writer waits for the clients it woke.
const handoffWait = time.Second

// blocking is the registry of clients waiting in blocking commands. It is
// safe for concurrent use.
type blocking struct {
	mu      sync.Mutex
	dbs     map[int]map[string]*keyQueue // guarded by mu
	clients map[*Ctx]*waiter             // guarded by mu
	closed  bool                         // guarded by mu
	done    chan struct{}                // closed by closeAll
	waiting atomic.Int64                 // registered waiters
}

// keyQueue is the clients blocked on one key, in arrival order.
type keyQueue struct {
	key string
	q   []queued
}

// queued is a waiter in a keyQueue; idx is the key's position in the
// waiter's command.
type queued struct {
	w   *waiter
	idx int
}

// waiter is one blocked client.
type waiter struct {
	db    int
	c     *Ctx
	names []string      // key names by position in the command (duplicates included)
	wake  chan struct{} // capacity 1: "ready has something"
	ready []wakeUp      // guarded by blocking.mu
	// later are the keys the client's current attempt made ready (a pop
	// that left elements, BLMOVE's push): passed on once it commits. Only
	// the client's goroutine touches it.
	later [][]byte
}

// wakeUp is a signalled key (by position) and the writers waiting for it
// to be dealt with.
type wakeUp struct {
	idx  int
	toks []*token
}

// token counts the wake-ups one writer caused that are not yet dealt with;
// done closes at zero. n is guarded by blocking.mu.
type token struct {
	n    int
	done chan struct{}
}

func newBlocking() *blocking {
	return &blocking{
		dbs:     make(map[int]map[string]*keyQueue),
		clients: make(map[*Ctx]*waiter),
		done:    make(chan struct{}),
	}
}

// count is the number of blocked clients (INFO blocked_clients).
func (b *blocking) count() int { return int(b.waiting.Load()) }

// active reports whether any client is blocked. Writers signal only then,
// which keeps pushes free of work while nobody waits.
func (b *blocking) active() bool { return b.waiting.Load() > 0 }

// closeAll releases every blocked client, at shutdown, and refuses new ones.
func (b *blocking) closeAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		close(b.done)
	}
}

// signal wakes clients blocked on keys of database db (for each key, the
// first in its queue), then waits until they have dealt with it.
func (b *blocking) signal(db int, keys [][]byte) {
	if !b.active() {
		return
	}
	tok := &token{done: make(chan struct{})}
	toks := []*token{tok}
	b.mu.Lock()
	m := b.dbs[db]
	for _, k := range keys {
		b.wakeLocked(m[string(k)], toks)
	}
	n := tok.n
	b.mu.Unlock()
	if n == 0 {
		return
	}
	t := time.NewTimer(handoffWait)
	defer t.Stop()
	select {
	case <-tok.done:
	case <-t.C:
	}
}

// wakeLocked gives the key of kq to the first waiter in its queue, with
// toks; a waiter that has the key pending already just takes the tokens.
func (b *blocking) wakeLocked(kq *keyQueue, toks []*token) {
	if kq == nil || len(kq.q) == 0 {
		return
	}
	b.wakeAtLocked(kq, 0, toks)
}

// wakeAtLocked gives the key of kq to the waiter at position at of its
// queue, with toks.
func (b *blocking) wakeAtLocked(kq *keyQueue, at int, toks []*token) {
	first := kq.q[at]
	w := first.w
	i := slices.IndexFunc(w.ready, func(u wakeUp) bool { return u.idx == first.idx })
	if i < 0 {
		w.ready = append(w.ready, wakeUp{idx: first.idx})
		i = len(w.ready) - 1
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	for _, t := range toks {
		t.n++
	}
	w.ready[i].toks = append(w.ready[i].toks, toks...)
}

// releaseLocked marks one wake-up of each token dealt with.
func releaseLocked(toks []*token) {
	for _, t := range toks {
		if t.n--; t.n == 0 {
			close(t.done)
		}
	}
}

// register queues client c of database db on keys (a command's key
// arguments; a repeated key counts once). It returns nil once closeAll has
// run.
func (b *blocking) register(c *Ctx, db int, keys [][]byte) *waiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	w := &waiter{db: db, c: c, names: make([]string, len(keys)), wake: make(chan struct{}, 1)}
	m := b.dbs[db]
	if m == nil {
		m = make(map[string]*keyQueue)
		b.dbs[db] = m
	}
	for i, k := range keys {
		kq := m[string(k)]
		if kq == nil {
			kq = &keyQueue{key: string(k)}
			m[kq.key] = kq
		}
		w.names[i] = kq.key
		if n := len(kq.q); n > 0 && kq.q[n-1].w == w {
			continue // the same key twice
		}
		kq.q = append(kq.q, queued{w: w, idx: i})
	}
	b.clients[c] = w
	b.waiting.Add(1)
	return w
}

// take returns the wake-ups since the last call.
func (b *blocking) take(w *waiter) []wakeUp {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := w.ready
	w.ready = nil
	return r
}

// settle ends an attempt of w that served nothing: each key it was woken
// for passes to the waiter behind it in that key's queue (the key may
// hold a type w does not wait for, a sorted set for BLPOP, which that
// waiter may; the chain ends at the end of the queue, since w stays
// where it is), the keys it made ready (none, normally) are passed on,
// and the wake-ups it took are dealt with.
func (b *blocking) settle(w *waiter, taken []wakeUp) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.dbs[w.db]
	for _, u := range taken {
		kq := m[w.names[u.idx]]
		if kq == nil {
			continue
		}
		at := slices.IndexFunc(kq.q, func(q queued) bool { return q.w == w })
		if at >= 0 && at+1 < len(kq.q) {
			b.wakeAtLocked(kq, at+1, u.toks)
		}
	}
	b.passOnLocked(w, m, taken)
}

// unregister removes w from every queue. Whatever it was woken for and did
// not use passes to the next waiter of each key: wake-ups still pending,
// the ones in unused (taken, not served), and the keys its last attempt
// made ready. taken are the wake-ups of that attempt, now dealt with.
func (b *blocking) unregister(w *waiter, unused []int, taken []wakeUp) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.dbs[w.db]
	for _, name := range w.names {
		kq := m[name]
		if kq == nil {
			continue // a repeated key, already removed
		}
		kq.q = slices.DeleteFunc(kq.q, func(q queued) bool { return q.w == w })
		if len(kq.q) == 0 {
			delete(m, name)
		}
	}
	if len(m) == 0 {
		delete(b.dbs, w.db)
	}
	delete(b.clients, w.c)
	b.waiting.Add(-1)
	for _, u := range w.ready {
		b.wakeLocked(m[w.names[u.idx]], u.toks)
		releaseLocked(u.toks)
	}
	w.ready = nil
	for _, i := range unused {
		b.wakeLocked(m[w.names[i]], nil)
	}
	b.passOnLocked(w, m, taken)
}

// passOnLocked passes w.later on, with the tokens of taken, and then marks
// taken dealt with. m is w's database (nil: look it up).
func (b *blocking) passOnLocked(w *waiter, m map[string]*keyQueue, taken []wakeUp) {
	if m == nil {
		m = b.dbs[w.db]
	}
	var toks []*token
	for _, u := range taken {
		toks = append(toks, u.toks...)
	}
	for _, k := range w.later {
		b.wakeLocked(m[string(k)], toks)
	}
	w.later = w.later[:0]
	releaseLocked(toks)
}

// signalList tells blocked clients that key (a list) has elements, once
// the current transaction commits. A blocked client's own attempt keeps
// the key to pass on itself, after its commit, so that it never waits.
func signalList(c *Ctx, key []byte) {
	b := c.e.blocking
	if !b.active() {
		return
	}
	if w := b.waiterOf(c); w != nil {
		w.later = append(w.later, key)
		return
	}
	c.Signal(key)
}

// waiterOf returns c's registration if c is blocked, else nil.
func (b *blocking) waiterOf(c *Ctx) *waiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.clients[c]
}

// attempt tries once to serve a blocking command, inside a write
// transaction. On the first try ready is nil and every key is checked as
// the non-blocking command would (WRONGTYPE included); once the client is
// registered as blocked, ready holds the positions of the keys to try (all
// of them, then those signalled), skipping any that no longer hold a list. It returns the position of the
// key it served from (and has replied), or -1 if there was nothing to pop.
type attempt func(c *Ctx, ready []int) (served int, err error)

// blockOn runs a blocking command: keys are the keys it waits on, locks the
// keys its transactions lock, timeout 0 waits forever. try runs first as
// the non-blocking command; if it finds nothing, the client waits until
// try succeeds, the timeout passes (null array reply), the client
// disconnects (no reply) or the server shuts down (null array).
func blockOn(c *Ctx, keys, locks [][]byte, timeout time.Duration, try attempt) error {
	served, err := tryOnce(c, locks, nil, try)
	if err != nil || served >= 0 {
		return err
	}
	if c.Link == nil || c.InOpenTx() { // no connection to wait on, or inside EXEC: as a timeout
		c.NullArray()
		return nil
	}
	// Send the replies so far before registering: a registered client
	// must not be stuck writing to its connection. From here on those
	// replies are gone from c's buffer, so errors are replied here rather
	// than returned.
	if c.Link.Flush() != nil {
		return nil
	}
	b := c.e.blocking
	w := b.register(c, c.Client.DB(), keys)
	if w == nil {
		c.NullArray()
		return nil
	}
	bw := blockedWait{c: c, b: b, w: w, locks: locks, try: try}
	defer func() { b.unregister(w, bw.unused, bw.taken) }()
	waitFrom := time.Now()
	if c.Client.unblock == nil { // before blocked: see Client.unblock
		c.Client.unblock = make(chan unblockReason, 1)
	}
	select {
	case <-c.Client.unblock: // a CLIENT UNBLOCK that came too late for the last wait
	default:
	}
	c.Client.flags.set(flagBlocked, true)
	bw.run(len(keys), timeout)
	c.Client.flags.set(flagBlocked, false)
	c.waited += time.Since(waitFrom) // not the command's own time (stats.go)
	return nil
}

// blockOnKeys runs a blocking pop of the form CMD key... timeout
// (BLPOP, BZPOPMIN ...): pop tries the keys, as an attempt does.
func blockOnKeys(c *Ctx, pop func(c *Ctx, keys [][]byte, ready []int) (int, error)) error {
	last := len(c.Args) - 1
	timeout, err := parseTimeout(c.Args[last])
	if err != nil {
		return err
	}
	keys := c.Args[1:last]
	return blockOn(c, keys, keys, timeout, func(c *Ctx, ready []int) (int, error) {
		return pop(c, keys, ready)
	})
}

// blockedWait is one registered client's wait: what it took from its
// wake-ups, and the key positions it was woken for but did not use, for
// unregister to pass on.
type blockedWait struct {
	c      *Ctx
	b      *blocking
	w      *waiter
	locks  [][]byte
	try    attempt
	unused []int
	taken  []wakeUp
}

// run looks at every key once more now that writes signal the client,
// then waits for wake-ups until it is served, times out, or the client or
// the server goes away. It writes the reply, if any.
func (bw *blockedWait) run(nkeys int, timeout time.Duration) {
	c := bw.c
	// The client counts as blocked already, so a key that stopped holding
	// a list since the first try is skipped, as after a wake-up, not an error.
	all := make([]int, nkeys)
	for i := range all {
		all[i] = i
	}
	if done, _ := bw.attempt(all); done {
		return
	}
	gone, stop := c.Link.Watch()
	defer stop()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	for {
		select {
		case <-bw.w.wake:
		case <-expired:
			c.NullArray()
			return
		case why := <-c.Client.unblock: // CLIENT UNBLOCK
			if why == unblockError {
				c.Error(ErrUnblocked)
			} else {
				c.NullArray()
			}
			return
		case <-gone:
			return
		case <-bw.b.done:
			c.NullArray()
			return
		}
		select {
		case <-gone:
			return // pop nothing for a client that is gone
		default:
		}
		if bw.woken() {
			return
		}
	}
}

// woken tries the keys the client was woken for. It reports whether the
// wait is over (served, or failed with an error already replied).
func (bw *blockedWait) woken() bool {
	bw.taken = bw.b.take(bw.w)
	if len(bw.taken) == 0 {
		return false
	}
	ready := make([]int, len(bw.taken))
	for i, u := range bw.taken {
		ready[i] = u.idx
	}
	done, served := bw.attempt(ready)
	if !done {
		bw.b.settle(bw.w, bw.taken)
		bw.taken = nil
		return false
	}
	// The keys it was woken for and did not serve from pass on.
	bw.unused = slices.DeleteFunc(ready, func(i int) bool { return i == served })
	return true
}

// attempt tries the keys at the positions in ready. It reports whether the
// wait is over (served, or failed with the error replied) and the position
// served from (-1 on an error).
func (bw *blockedWait) attempt(ready []int) (done bool, served int) {
	served, err := tryOnce(bw.c, bw.locks, ready, bw.try)
	if err != nil {
		bw.c.Error(err)
		return true, -1
	}
	return served >= 0, served
}

// candidates yields the positions of the keys an attempt tries, in order:
// those in ready, or all n when ready is nil (the first try).
func candidates(n int, ready []int) iter.Seq[int] {
	return func(yield func(int) bool) {
		if ready != nil {
			for _, i := range ready {
				if !yield(i) {
					return
				}
			}
			return
		}
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

// tryOnce runs try in a write transaction on locks.
func tryOnce(c *Ctx, locks [][]byte, ready []int, try attempt) (int, error) {
	served := -1
	err := c.InTx(true, locks, func(c *Ctx) error {
		var err error
		served, err = try(c, ready)
		return err
	})
	return served, err
}

// parseTimeout parses a blocking command's timeout in seconds as Redis
// does: a long double, times 1000, truncated to whole milliseconds; 0 means
// forever. A value too large for a 64-bit millisecond count converts, as in
// C on x86-64, to the most negative one: "timeout is negative".
func parseTimeout(b []byte) (time.Duration, error) {
	f, ok := parseLongDouble(b)
	if !ok {
		return 0, ErrTimeoutNotFloat
	}
	if f.IsInf() {
		return 0, ErrTimeoutNegative
	}
	ms := newLongDouble().Mul(f, big.NewFloat(1000))
	n, acc := ms.Int64()
	if n < 0 || (acc != big.Exact && (n == math.MaxInt64 || n == math.MinInt64)) {
		return 0, ErrTimeoutNegative
	}
	if n > int64(math.MaxInt64/time.Millisecond) {
		return 0, nil // beyond any deadline Redis can reach: forever
	}
	return time.Duration(n) * time.Millisecond, nil
}

// blockedKeys returns the keys clients are blocked on in database db.
func (b *blocking) blockedKeys(db int) [][]byte {
	if !b.active() {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	keys := make([][]byte, 0, len(b.dbs[db]))
	for k := range b.dbs[db] {
		keys = append(keys, []byte(k))
	}
	return keys
}
