package command

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"redpool/session/resp"
)

// CLIENT KILL, REPLY, NO-EVICT, UNBLOCK, PAUSE and UNPAUSE: the CLIENT
// subcommands that act on other connections or on how a connection is
// served.

// clientKill is CLIENT KILL addr:port (the old form: OK or an error) or
// CLIENT KILL <filter> <value> ... (the number of clients killed). A
// client that kills itself gets its reply first.
func clientKill(c *Ctx) error {
	if len(c.Args) == 3 {
		addr := string(c.Args[2])
		victims := c.e.clientsWhere(func(cl *Client) bool { return cl.Addr == addr })
		if len(victims) == 0 {
			return ErrNoSuchClient
		}
		c.OK()
		c.kill(victims)
		return nil
	}
	f, err := parseKillFilter(c.Args[2:], func(u string) bool { return c.e.acl.get(u) != nil })
	if err != nil {
		return err
	}
	now := c.e.clock.Now()
	victims := c.e.clientsWhere(func(cl *Client) bool {
		return f.match(cl, now) && !(f.skipMe && cl == c.Client)
	})
	c.Int(int64(len(victims)))
	c.kill(victims)
	return nil
}

// kill closes the victims' connections; c itself closes after its reply.
func (c *Ctx) kill(victims []*Client) {
	for _, cl := range victims {
		if cl == c.Client {
			cl.Quit = true
			continue
		}
		if l := cl.link.Load(); l != nil {
			(*l).Close()
		}
	}
}

// killFilter is CLIENT KILL's filters; a zero field does not filter.
type killFilter struct {
	id     int64
	typ    string
	addr   string
	laddr  string
	user   string
	maxAge int64 // seconds
	skipMe bool
}

func parseKillFilter(args [][]byte, userExists func(string) bool) (killFilter, error) {
	f := killFilter{skipMe: true}
	if len(args)%2 != 0 {
		return f, ErrSyntax
	}
	for i := 0; i < len(args); i += 2 {
		opt, v := args[i], args[i+1]
		switch {
		case equalFold(opt, "id"):
			n, ok := resp.ParseInt(v)
			if !ok || n < 1 {
				return f, ErrClientIDPositive
			}
			f.id = n
		case equalFold(opt, "type"):
			t, ok := clientTypeByName(v)
			if !ok {
				return f, UnknownClientType(v)
			}
			f.typ = t
		case equalFold(opt, "addr"):
			f.addr = string(v)
		case equalFold(opt, "laddr"):
			f.laddr = string(v)
		case equalFold(opt, "user"):
			if !userExists(string(v)) {
				return f, NoSuchUser(v)
			}
			f.user = string(v)
		case equalFold(opt, "skipme"):
			switch {
			case equalFold(v, "yes"):
				f.skipMe = true
			case equalFold(v, "no"):
				f.skipMe = false
			default:
				return f, ErrSyntax
			}
		case equalFold(opt, "maxage"):
			// Redis 7.4's filter: clients connected at least this long.
			n, ok := resp.ParseInt(v)
			if !ok || n < 1 {
				return f, ErrSyntax
			}
			f.maxAge = n
		default:
			return f, ErrSyntax
		}
	}
	return f, nil
}

// defaultUser is the user every client starts as.
const defaultUser = "default"

func (f *killFilter) match(cl *Client, now time.Time) bool {
	switch {
	case f.id != 0 && cl.ID != f.id,
		f.typ != "" && cl.Type() != f.typ,
		f.addr != "" && cl.Addr != f.addr,
		f.laddr != "" && cl.LAddr != f.laddr,
		f.user != "" && cl.UserName() != f.user,
		f.maxAge != 0 && cl.age(now) < time.Duration(f.maxAge)*time.Second:
		return false
	}
	return true
}

// Reply modes of CLIENT REPLY.
const (
	replyOn   = iota
	replyOff  // no replies until CLIENT REPLY ON
	replySkip // no reply to the next command
)

// clientReply is CLIENT REPLY ON|OFF|SKIP. Only ON replies.
func clientReply(c *Ctx) error {
	switch v := c.Args[2]; {
	case equalFold(v, "on"):
		c.Client.replyMode = replyOn
		c.OK()
	case equalFold(v, "off"):
		c.Client.replyMode = replyOff
	case equalFold(v, "skip"):
		if c.Client.replyMode != replyOff {
			c.Client.replyMode = replySkip
			c.Client.skipArmed = false // armed once this command is done
		}
	default:
		return ErrSyntax
	}
	return nil
}

// applyReplyMode drops the reply a top-level command wrote from mark on,
// as CLIENT REPLY OFF or SKIP asks.
func (c *Ctx) applyReplyMode(mark int) {
	cl := c.Client
	switch cl.replyMode {
	case replyOff:
		c.out = c.out[:mark]
	case replySkip:
		if cl.skipArmed {
			c.out = c.out[:mark]
			cl.replyMode, cl.skipArmed = replyOn, false
		} else {
			cl.skipArmed = true
		}
	}
}

// dropIfRepliesOff drops what was written from mark on if CLIENT REPLY is
// OFF now: EXEC drops its replies so, one by one, as Redis drops a reply
// written while replies are off.
func (c *Ctx) dropIfRepliesOff(mark int) {
	if c.Client.replyMode == replyOff {
		c.out = c.out[:mark]
	}
}

// clientNoEvict is CLIENT NO-EVICT ON|OFF: whether client eviction
// (maxmemory-clients) spares the client.
func clientNoEvict(c *Ctx) error {
	switch v := c.Args[2]; {
	case equalFold(v, "on"):
		c.Client.flags.set(flagNoEvict, true)
	case equalFold(v, "off"):
		c.Client.flags.set(flagNoEvict, false)
	default:
		return ErrSyntax
	}
	c.OK()
	return nil
}

// unblockReason is how CLIENT UNBLOCK ends a wait.
type unblockReason uint8

const (
	unblockTimeout unblockReason = iota + 1 // reply as on timeout
	unblockError                            // reply -UNBLOCKED
)

// clientUnblock is CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if the client was
// waiting in a blocking command and now is not, else 0.
func clientUnblock(c *Ctx) error {
	id, err := parseInt(c.Args[2])
	if err != nil {
		return err
	}
	why := unblockTimeout
	if len(c.Args) == 4 {
		switch {
		case equalFold(c.Args[3], "timeout"):
		case equalFold(c.Args[3], "error"):
			why = unblockError
		default:
			return ErrUnblockReason
		}
	} else if len(c.Args) > 4 {
		return SubcommandSyntax(c.Args[1], "CLIENT")
	}
	c.e.clients.mu.Lock()
	cl := c.e.clients.byID[id]
	c.e.clients.mu.Unlock()
	c.Bool(cl != nil && cl.flags.has(flagBlocked) && cl.tryUnblock(why))
	return nil
}

// tryUnblock asks the client's wait to end; false if one is already asked.
func (cl *Client) tryUnblock(why unblockReason) bool {
	select {
	case cl.unblock <- why:
		return true
	default:
		return false
	}
}

// pauseState is CLIENT PAUSE's: while it holds, the commands it covers
// wait in the dispatcher (every command with ALL, CLIENT UNPAUSE too, as
// in Redis; with WRITE, writes and an EXEC that queued one). Its times
// are the wall clock's, whatever the engine's clock. Safe for concurrent
// use.
type pauseState struct {
	on    atomic.Bool // a pause may hold: the dispatcher's fast check
	mu    sync.Mutex
	all   bool          // ALL; else WRITE
	until time.Time     // zero: not paused
	done  chan struct{} // closed when this pause ends early (UNPAUSE, a new PAUSE)
	// expiry is told when a pause starts and ends: active expiry stops
	// while one holds, as in Redis. end is the timer of the pause's end.
	expiry func(paused bool)
	end    *time.Timer
}

// clientPause is CLIENT PAUSE timeout [WRITE|ALL]. A second pause keeps
// the later end and the wider mode, as in Redis.
func clientPause(c *Ctx) error {
	ms, ok := resp.ParseInt(c.Args[2])
	if !ok {
		return ErrPauseTimeout
	}
	if ms < 0 {
		return ErrPauseNegative
	}
	all := true
	if len(c.Args) == 4 {
		switch {
		case equalFold(c.Args[3], "write"):
			all = false
		case equalFold(c.Args[3], "all"):
		default:
			return ErrPauseMode
		}
	} else if len(c.Args) > 4 {
		return SubcommandSyntax(c.Args[1], "CLIENT")
	}
	c.e.pause.start(all, time.Now().Add(time.Duration(ms)*time.Millisecond))
	c.OK()
	return nil
}

func clientUnpause(c *Ctx) error {
	c.e.pause.stop()
	c.OK()
	return nil
}

func (p *pauseState) start(all bool, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.until.IsZero() {
		all = all || p.all
		if p.until.After(until) {
			until = p.until
		}
		close(p.done)
	}
	p.all, p.until, p.done = all, until, make(chan struct{})
	p.on.Store(true)
	p.notifyExpiry(true)
	if p.end != nil {
		p.end.Stop()
	}
	done := p.done
	p.end = time.AfterFunc(time.Until(until), func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.done == done && !p.until.IsZero() { // this pause, not a later one
			p.notifyExpiry(false)
		}
	})
}

// notifyExpiry tells the expiry control of a pause's start or end; p.mu
// is held.
func (p *pauseState) notifyExpiry(paused bool) {
	if p.expiry != nil {
		p.expiry(paused)
	}
}

func (p *pauseState) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.until.IsZero() {
		close(p.done)
		p.until = time.Time{}
		p.on.Store(false)
		p.end.Stop()
		p.notifyExpiry(false)
	}
}

// holds reports whether a pause covers a command (a write if write) now,
// and if so until when and the channel closed if it ends early.
func (p *pauseState) holds(write bool, now time.Time) (bool, time.Time, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.until.IsZero() || !now.Before(p.until) {
		return false, time.Time{}, nil
	}
	if !p.all && !write {
		return false, time.Time{}, nil
	}
	return true, p.until, p.done
}

// waitPause holds spec, about to run or be queued, while a CLIENT PAUSE
// covers it: until the pause ends, the client goes away or the server
// shuts down.
func (c *Ctx) waitPause(spec *Spec) {
	write := spec.Flags&Write != 0
	if spec.Name == "exec" && c.Client.InMulti() {
		write, _ = c.execOptions()
	}
	for {
		held, until, done := c.e.pause.holds(write, time.Now())
		if !held {
			return
		}
		var gone <-chan struct{}
		stop := func() {}
		if c.Link != nil {
			if err := c.Link.Flush(); err != nil {
				return
			}
			gone, stop = c.Link.Watch()
		}
		t := time.NewTimer(time.Until(until))
		select {
		case <-t.C:
		case <-done:
		case <-gone:
		case <-c.e.blocking.done:
		}
		t.Stop()
		stop()
		if gone != nil {
			select {
			case <-gone:
				return
			default:
			}
		}
	}
}

// LogQueryBufLimit logs, as Redis does, that cl is closed for going over
// client-query-buffer-limit; initial is the start of its pending input.
func (e *Engine) LogQueryBufLimit(cl *Client, initial []byte) {
	e.logger.Warn("Closing client that reached max query buffer length: " + e.clientLine(cl) +
		" (qbuf initial bytes: " + string(appendRepr(nil, initial)) + ")")
}

// AuthRequired reports whether cl must authenticate before it runs a
// command (Redis's authRequired): its session then applies Redis 7.0's
// limits on unauthenticated requests. Two atomic loads; safe for
// concurrent use.
func (e *Engine) AuthRequired(cl *Client) bool {
	return !cl.flags.has(flagAuthed) && e.acl.authRequired()
}

// ClientMem is the memory a client's session holds, as CLIENT LIST shows
// it: the request buffer's size and unparsed part, the arguments of the
// command running, and the reply buffer's size and use.
type ClientMem struct {
	QueryBuf, QueryBufSize int // qbuf; qbuf + qbuf-free
	ArgvMem                int // argv-mem
	Out, OutSize           int // obl; the reply buffer's capacity
}

// clientMem is a client's ClientMem, published by its session for CLIENT
// LIST on other connections and for client eviction. Safe for concurrent
// use.
type clientMem struct {
	qbuf, qbufSize, argv, out, outSize atomic.Int64
	tot                                atomic.Int64 // its buffers, what it adds to clientEviction.total
	// peak is the most the reply buffer held since peakAt (CLIENT LIST
	// rbp), a time since the engine's epoch; only the client's session
	// writes them (noteReplyPeak).
	peak, peakAt atomic.Int64
}

// replyPeakPeriod is how long a reply-buffer peak stands before it
// starts again from what the buffer holds then: Redis's
// reply-buffer-peak-reset-time default, 5 s.
const replyPeakPeriod = 5 * time.Second

// noteReplyPeak notes what c's reply buffer holds after a command in
// the client's reply-buffer peak, which starts again every
// replyPeakPeriod, as Redis's buf_peak (clientsCronResizeOutputBuffer).
// It reads no clock: the time is when the command ended (lastEnd), and a
// command whose end was not measured only raises the peak.
func (c *Ctx) noteReplyPeak() {
	m, n, now := &c.Client.mem, int64(len(c.out)), int64(c.lastEnd)
	if now != 0 && now-m.peakAt.Load() >= int64(replyPeakPeriod) {
		m.peak.Store(n)
		m.peakAt.Store(now)
		return
	}
	if n > m.peak.Load() {
		m.peak.Store(n)
	}
}

// replyPeak is cl's reply-buffer peak (CLIENT LIST rbp) at now, a time
// since the engine's epoch: a peak older than replyPeakPeriod has
// started again (Redis's cron would have reset it), from what the buffer
// holds (obl).
func (m *clientMem) replyPeak(now time.Duration) int64 {
	if int64(now)-m.peakAt.Load() >= int64(replyPeakPeriod) {
		return m.out.Load()
	}
	return m.peak.Load()
}

// SetClientMem publishes the memory cl's session holds now, and evicts
// clients if the clients' memory is over maxmemory-clients. Only cl's
// session calls it: once per request, once before it waits for input,
// and with a zero ClientMem when it ends.
func (e *Engine) SetClientMem(cl *Client, m ClientMem) {
	cm := &cl.mem
	// Most figures are what they were at the last request: a load is a
	// plain read, a store a locked instruction, so only changes are stored.
	storeChanged(&cm.qbuf, int64(m.QueryBuf))
	storeChanged(&cm.qbufSize, int64(m.QueryBufSize))
	storeChanged(&cm.argv, int64(m.ArgvMem))
	storeChanged(&cm.out, int64(m.Out))
	storeChanged(&cm.outSize, int64(m.OutSize))
	// The total counts the buffers, which change seldom, so that the
	// shared counter is not written on every request, and the arguments
	// (argv-mem, as Redis counts them) in steps of argvGrain: small ones
	// lie in the request buffer, counted already; a big one has a buffer
	// of its own (the session reads it there).
	tot := int64(m.QueryBufSize+m.OutSize) + int64(m.ArgvMem)&^(argvGrain-1)
	ev := &e.clientEvict
	if old := cm.tot.Load(); old != tot {
		cm.tot.Store(tot)
		ev.total.Add(tot - old)
	}
	if lim := ev.limitBytes(e.mm.limit.Load()); lim > 0 && ev.total.Load() > lim {
		e.evictClients(lim)
	}
}

// storeChanged stores v in a unless a holds it already. Only one goroutine
// stores to a.
func storeChanged(a *atomic.Int64, v int64) {
	if a.Load() != v {
		a.Store(v)
	}
}

// argvGrain is the step in which a command's arguments count in its
// client's memory for client eviction.
const argvGrain = 64 << 10

// clientEviction is Redis 7.0's client eviction: maxmemory-clients and
// the clients' memory. Safe for concurrent use.
type clientEviction struct {
	// limit is maxmemory-clients: bytes, or, when negative, minus a
	// percentage of maxmemory; 0 is no limit.
	limit   atomic.Int64
	total   atomic.Int64 // the clients' buffers, as their sessions publish them
	evicted atomic.Int64 // INFO evicted_clients
	mu      sync.Mutex   // one eviction pass at a time
	// lastPass is when the last pass ended still over the limit (clients
	// with NO-EVICT on hold the memory): the next waits evictRetry.
	lastPass atomic.Int64
}

// evictRetry is how long after a pass that could not get under the limit
// the next may run, so that clients spared by NO-EVICT do not make every
// request walk the clients.
const evictRetry = 10 * time.Millisecond

// limitBytes is the limit in bytes with maxmemory at maxmemory (0: none).
func (ev *clientEviction) limitBytes(maxmemory uint64) int64 {
	l := ev.limit.Load()
	if l >= 0 {
		return l
	}
	return int64(maxmemory / 100 * uint64(-l))
}

// evictClients closes the clients using the most memory until what the
// others use is within lim, as Redis's evictClients: clients with CLIENT
// NO-EVICT on are spared. Each is logged and counted (evicted_clients).
func (e *Engine) evictClients(lim int64) {
	ev := &e.clientEvict
	if last := ev.lastPass.Load(); last != 0 && time.Since(time.Unix(0, last)) < evictRetry {
		return
	}
	if !ev.mu.TryLock() {
		return // another client is evicting
	}
	defer ev.mu.Unlock()
	total := ev.total.Load()
	victims := e.clientsWhere(func(cl *Client) bool { return !cl.flags.has(flagNoEvict) && cl.mem.tot.Load() > 0 })
	slices.SortFunc(victims, func(a, b *Client) int { return cmp.Compare(b.mem.tot.Load(), a.mem.tot.Load()) })
	for _, cl := range victims {
		if total <= lim {
			ev.lastPass.Store(0)
			return
		}
		total -= cl.mem.tot.Load()
		ev.evicted.Add(1)
		e.logger.Info("Evicting client: " + e.clientLine(cl))
		if link := cl.session(); link != nil {
			link.Kill()
		}
	}
	if total > lim {
		ev.lastPass.Store(time.Now().UnixNano())
	}
}

// param is maxmemory-clients for CONFIG: a memory value, or a percentage
// of maxmemory from 0% to 100%, as Redis 7.0 takes it.
func (ev *clientEviction) param() Param {
	return Param{
		Name: "maxmemory-clients",
		Get: func() string {
			if l := ev.limit.Load(); l < 0 {
				return strconv.FormatInt(-l, 10) + "%"
			}
			return strconv.FormatInt(ev.limit.Load(), 10)
		},
		Set: func(v string) error {
			if p, ok := strings.CutSuffix(v, "%"); ok {
				n, ok := parseCInt(p)
				switch {
				case !ok || n < 0:
					return errors.New(ReasonNotMemoryOrPercent)
				case n > 100:
					return errors.New(ReasonPercentOver100)
				}
				ev.limit.Store(-n)
				return nil
			}
			n, ok := ParseMemory(v)
			if !ok || n > math.MaxInt64 {
				return errors.New(ReasonNotMemoryOrPercent)
			}
			ev.limit.Store(int64(n))
			return nil
		},
	}
}

// memFields are CLIENT LIST's memory fields for cl, from "qbuf=" to
// "tot-mem=N": what its session last published (SetMem; rbs is the reply
// buffer's size) and what its outbox holds (oll blocks, omem bytes, as
// Redis's reply list). tot-mem adds up the buffers: the request buffer,
// the arguments, the reply buffer and the outbox.
func (e *Engine) memFields(cl *Client) string {
	m := &cl.mem
	qbuf, size, argv := m.qbuf.Load(), m.qbufSize.Load(), m.argv.Load()
	out, outSize := m.out.Load(), m.outSize.Load()
	oll, omem := cl.queuedOutput()
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	return "qbuf=" + itoa(qbuf) + " qbuf-free=" + itoa(max(size-qbuf, 0)) + " argv-mem=" + itoa(argv) +
		" multi-mem=0 rbs=" + itoa(outSize) + " rbp=" + itoa(m.replyPeak(time.Since(e.epoch))) + " obl=" + itoa(out) + " oll=" + itoa(oll) + " omem=" + itoa(omem) +
		" tot-mem=" + itoa(size+argv+outSize+omem)
}
