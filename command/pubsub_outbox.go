package command

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"redpool/backend"
	"redpool/session/resp"
)

// Out-of-band output: frames queued for a client by other goroutines.
//
// A Pub/Sub message, a keyspace event or (later) a client-side caching
// invalidation is produced by some other client's goroutine, while the
// receiving client's session may be idle in a read, running a command or
// stuck writing to a slow socket. Such a frame is queued on the client's
// outbox with Engine.Push, which never blocks on the network: it appends
// to a buffer under a short lock and, when the buffer was empty, wakes the
// session through its PushLink (PUBLISH defers the wake-up to the end of
// the publisher's batch: Ctx.WakePushed). A session running commands writes the
// queued frames behind its replies with its next flush (Ctx.TakePushes),
// and one idle in a read has them written at once (Client.TakeFrames), so
// the common request/response path pays one atomic load per flush.
//
// The outbox is what client-output-buffer-limit measures: what is queued
// plus what the session has taken and not finished writing, plus, after
// each command, the replies the session holds unsent (RepliesOverLimit;
// a session blocked writing to a client that does not read stops reading
// its requests, so those stay bounded by one batch). A client over
// its class's hard limit, or over its soft limit for longer than the soft
// time, is dropped: its frames are discarded, the session is told to close
// (PushLink.Kill) and later pushes are refused, so memory stays bounded and
// the pusher never waits.

// PushLink is what a session gives its client's outbox. Both methods are
// called from other goroutines, with no lock of the engine held.
type PushLink interface {
	// Wake tells the session that frames are queued: a session idle in a
	// read must take them (Client.TakeFrames) and write them at once. It
	// is called once per batch of frames, when the outbox turns non-empty,
	// and must not block.
	Wake()
	// Kill closes the connection at once, even during a blocked write: the
	// client went over its output-buffer limit.
	Kill()
}

// outbox is a client's queue of pushed frames, made by the first push
// (Client.makeOutbox). Safe for concurrent use.
type outbox struct {
	pending atomic.Bool // chunks is not empty: the session's one check per flush

	mu sync.Mutex
	// chunks hold the queued bytes, in order, in blocks of outChunk bytes
	// (larger for a larger frame), as Redis's reply list: the queue grows
	// without copying what it holds, and a dropped client frees it all.
	chunks    [][]byte
	queued    int       // bytes in chunks
	spare     [][]byte  // an empty chunk list, returned by the session
	inflight  int       // bytes the session took and is writing
	softSince time.Time // when the soft limit was first exceeded; zero: not over it
	dropped   bool
	link      PushLink // the client's pushLink
}

// outChunk is the size of an outbox block.
const outChunk = 16 << 10

// add appends frame to the queue. ob.mu is held.
func (ob *outbox) add(frame []byte) {
	ob.queued += len(frame)
	if n := len(ob.chunks); n > 0 {
		last := ob.chunks[n-1]
		room := min(cap(last)-len(last), len(frame))
		ob.chunks[n-1] = append(last, frame[:room]...)
		frame = frame[room:]
	}
	if len(frame) == 0 {
		return
	}
	var c []byte
	if n := len(ob.chunks); n < cap(ob.chunks) && cap(ob.chunks[:n+1][n]) >= len(frame) {
		c = ob.chunks[:n+1][n][:0] // a block the session returned
	} else {
		c = make([]byte, 0, max(outChunk, len(frame)))
	}
	ob.chunks = append(ob.chunks, append(c, frame...))
}

// SetPushLink attaches the client's session: its outbox wakes it, and
// client eviction kills it. The session calls it once, before the client
// can subscribe to anything.
func (cl *Client) SetPushLink(l PushLink) {
	cl.mu.Lock()
	cl.pushLink = l
	if ob := cl.outbox.Load(); ob != nil {
		ob.mu.Lock()
		ob.link = l
		ob.mu.Unlock()
	}
	cl.mu.Unlock()
}

// makeOutbox returns the client's outbox, making it the first time. Safe
// for concurrent use.
func (cl *Client) makeOutbox() *outbox {
	if ob := cl.outbox.Load(); ob != nil {
		return ob
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	ob := cl.outbox.Load()
	if ob == nil {
		ob = &outbox{link: cl.pushLink}
		cl.outbox.Store(ob)
	}
	return ob
}

// session returns the client's PushLink (nil: none). Safe for concurrent
// use.
func (cl *Client) session() PushLink {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.pushLink
}

// queuedOutput returns the blocks and bytes the client's outbox holds,
// queued or being written. Safe for concurrent use.
func (cl *Client) queuedOutput() (blocks, bytes int64) {
	ob := cl.outbox.Load()
	if ob == nil {
		return 0, 0
	}
	ob.mu.Lock()
	defer ob.mu.Unlock()
	return int64(len(ob.chunks)), int64(ob.queued + ob.inflight)
}

// AppendPushFrame appends a push frame of parts (bulk strings): a RESP3
// push (">") if resp3, else the array RESP2 clients receive.
func AppendPushFrame(dst []byte, resp3 bool, parts ...[]byte) []byte {
	if resp3 {
		dst = resp.AppendPushLen(dst, len(parts))
	} else {
		dst = resp.AppendArrayLen(dst, len(parts))
	}
	for _, p := range parts {
		dst = resp.AppendBulk(dst, p)
	}
	return dst
}

// Push queues frame for cl: one or more complete RESP frames encoded for
// the protocol cl speaks (Client.Proto; see AppendPushFrame), to be
// written to cl after its pending replies. It wakes cl's session if it is
// idle. It never blocks on the network and may be called from any
// goroutine; frame is copied. The queue counts against cl's
// client-output-buffer-limit: a client over it is dropped (logged, its
// connection closed, its queue discarded). Push returns false if cl is
// dropped, in which case nothing is queued.
//
// This is the mechanism for every out-of-band message: Pub/Sub, keyspace
// events, client-side caching invalidations.
func (e *Engine) Push(cl *Client, frame []byte) bool {
	link, ok := e.push(cl, frame)
	if link != nil {
		link.Wake()
	}
	return ok
}

// push queues frame for cl as Push does, and returns the link to wake if
// the queue was empty (nil otherwise): the caller wakes it, now or, for a
// publisher's batch of commands, once the batch is done (Ctx.WakePushed).
func (e *Engine) push(cl *Client, frame []byte) (PushLink, bool) {
	ob := cl.makeOutbox()
	lim := e.outputLimits.forClass(cl.outputClass())
	ob.mu.Lock()
	if ob.dropped {
		ob.mu.Unlock()
		return nil, false
	}
	ob.add(frame)
	if over := lim.exceeded(ob, ob.queued+ob.inflight, e.clock); over {
		link := ob.dropLocked()
		ob.mu.Unlock()
		e.logDropped(cl)
		if link != nil {
			link.Kill()
		}
		return nil, false
	}
	var link PushLink
	if !ob.pending.Load() {
		ob.pending.Store(true)
		link = ob.link
	}
	ob.mu.Unlock()
	return link, true
}

// dropLocked marks the client dropped for its output-buffer limit and
// discards its queue; it returns the link to kill. ob.mu is held.
func (ob *outbox) dropLocked() PushLink {
	ob.dropped = true
	ob.chunks, ob.spare, ob.queued, ob.inflight = nil, nil, 0, 0
	ob.pending.Store(false)
	return ob.link
}

// logDropped logs a client dropped for its output-buffer limit, as Redis.
func (e *Engine) logDropped(cl *Client) {
	e.logger.Warn("Client " + e.clientLine(cl) + " scheduled to be closed ASAP for overcoming of output buffer limits.")
}

// RepliesOverLimit reports whether cl is over its class's
// client-output-buffer-limit once the replies its session holds unsent
// (pending bytes) are counted with its pushed frames: Redis checks the
// limits whenever a reply is added to a client's buffer, so a normal
// client that pipelines without reading is dropped at the normal class's
// limit when one is set. A client over it is dropped as Push drops one
// (logged, its queue discarded) and its session must close it without
// writing its replies. The session calls it after each command; while
// the class has no limit (normal clients by default) it costs a few
// atomic loads.
func (e *Engine) RepliesOverLimit(cl *Client, pending int) bool {
	lim := e.outputLimits.forClass(cl.outputClass())
	if lim.Hard == 0 && lim.Soft == 0 {
		return false
	}
	ob := cl.outbox.Load()
	if ob == nil {
		if !lim.reached(uint64(pending)) {
			return false // nothing to note: no outbox needed
		}
		ob = cl.makeOutbox()
	}
	ob.mu.Lock()
	over := ob.dropped || lim.exceeded(ob, pending+ob.queued+ob.inflight, e.clock)
	logIt := over && !ob.dropped
	if logIt {
		ob.dropLocked()
	}
	ob.mu.Unlock()
	if logIt {
		e.logDropped(cl)
	}
	return over
}

// OutputLimited reports whether cl's class has an output-buffer limit:
// its session must then not block writing to a client that does not read,
// but keep what the socket does not take (Stall) and go on reading, so
// that the limit can see the client's output grow, as in Redis.
func (e *Engine) OutputLimited(cl *Client) bool {
	lim := e.outputLimits.forClass(cl.outputClass())
	return lim.Hard != 0 || lim.Soft != 0
}

// Stall queues rest, the unwritten end of what the session was writing
// (a reply cut short by a full socket, then whole blocks), at the front
// of cl's outbox, before any frame pushed meanwhile: the session's writer
// writes it first. From then on the session queues its replies with Push
// until the outbox is empty. It reports false, as Push does, if cl is
// over its limit and dropped. Only cl's session calls it.
func (e *Engine) Stall(cl *Client, rest [][]byte) bool {
	ob := cl.makeOutbox()
	lim := e.outputLimits.forClass(cl.outputClass())
	ob.mu.Lock()
	if ob.dropped {
		ob.mu.Unlock()
		return false
	}
	n := 0
	front := make([][]byte, 0, len(rest)+len(ob.chunks))
	for _, b := range rest {
		if len(b) > 0 {
			front = append(front, append([]byte(nil), b...))
			n += len(b)
		}
	}
	ob.chunks = append(front, ob.chunks...)
	ob.queued += n
	if lim.exceeded(ob, ob.queued+ob.inflight, e.clock) {
		link := ob.dropLocked()
		ob.mu.Unlock()
		e.logDropped(cl)
		if link != nil {
			link.Kill()
		}
		return false
	}
	ob.pending.Store(len(ob.chunks) > 0)
	ob.mu.Unlock()
	return true
}

// WakePushed wakes the sessions of the clients that the commands run on c
// since the last call queued frames for (PUBLISH): one wake-up per
// subscriber per batch of commands, as Redis writes to each client once
// per turn of its event loop. The session calls it after each flush.
func (c *Ctx) WakePushed() {
	for i, l := range c.wakes {
		l.Wake()
		c.wakes[i] = nil
	}
	c.wakes = c.wakes[:0]
}

// TakePushes takes the frames queued for the client, for the session to
// write after the replies in Out: Pushes returns them until the next
// Reset, and until then they count as being written for the output-buffer
// limit. It costs one atomic load when nothing is queued. Only the
// client's session calls it.
func (c *Ctx) TakePushes() {
	if !c.Client.HasPushes() {
		return
	}
	b := c.Client.TakeFrames()
	if c.pushes == nil {
		c.pushes = b
	} else {
		c.pushes = append(c.pushes, b...)
	}
}

// Pushes returns the frames TakePushes took, in blocks to be written in
// order after Out. The slices belong to c and are valid until the next
// Reset.
func (c *Ctx) Pushes() [][]byte { return c.pushes }

// TakeFrames takes the frames queued for the client, in blocks to be
// written in order, and empties the queue. The blocks are handed over, not
// copied, so a pusher never waits for a copy. Until FramesWritten they
// count as being written for the output-buffer limit. Only the client's
// session calls it, from its own goroutine or its writer (never both at
// once).
func (cl *Client) TakeFrames() [][]byte {
	ob := cl.outbox.Load()
	if ob == nil {
		return nil
	}
	ob.mu.Lock()
	b := ob.chunks
	ob.chunks, ob.spare = ob.spare, nil
	ob.inflight += ob.queued
	ob.queued = 0
	ob.pending.Store(false)
	ob.mu.Unlock()
	return b
}

// FramesWritten records that the blocks TakeFrames returned were written
// (or given up), and keeps the first for reuse.
func (cl *Client) FramesWritten(b [][]byte) {
	if ob := cl.outbox.Load(); ob != nil {
		ob.written(b)
	}
}

// HasPushes reports whether frames are queued for the client: a session
// about to wait for input takes them first. Safe for concurrent use.
func (cl *Client) HasPushes() bool {
	ob := cl.outbox.Load()
	return ob != nil && ob.pending.Load()
}

// written records that the session wrote what it took, and keeps its
// first block for reuse (Ctx.Reset).
func (ob *outbox) written(b [][]byte) {
	ob.mu.Lock()
	ob.inflight = 0
	if !ob.dropped && len(b) > 0 && cap(b[0]) == outChunk {
		clear(b[1:])
		ob.spare = b[:1:1]
		ob.spare[0] = ob.spare[0][:0]
		ob.spare = ob.spare[:0]
	}
	ob.mu.Unlock()
}

// Output-buffer limits (client-output-buffer-limit).

// ClientClass is a client-output-buffer-limit class.
type ClientClass uint8

// The classes, in the order CONFIG GET prints them.
const (
	ClassNormal ClientClass = iota
	ClassReplica
	ClassPubSub
	numClasses
)

// String is the class's name in client-output-buffer-limit.
func (k ClientClass) String() string {
	return [...]string{"normal", "slave", "pubsub"}[k]
}

// OutputLimit is the output-buffer limit of one class: a client is dropped
// when its pending output reaches Hard bytes, or stays at Soft bytes or
// more for more than SoftSeconds. Zero disables a limit.
type OutputLimit struct {
	Hard, Soft  uint64
	SoftSeconds int64
}

// OutputLimits are the limits of every class.
type OutputLimits [numClasses]OutputLimit

// DefaultOutputLimits are Redis's defaults: "normal 0 0 0 slave 268435456
// 67108864 60 pubsub 33554432 8388608 60".
func DefaultOutputLimits() OutputLimits {
	return OutputLimits{
		ClassNormal:  {},
		ClassReplica: {Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60},
		ClassPubSub:  {Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60},
	}
}

// String formats the limits as CONFIG GET prints them.
func (l OutputLimits) String() string {
	parts := make([]string, 0, numClasses)
	for k, lim := range l {
		parts = append(parts, fmt.Sprintf("%s %d %d %d", ClientClass(k), lim.Hard, lim.Soft, lim.SoftSeconds))
	}
	return strings.Join(parts, " ")
}

// ParseOutputLimits parses a client-output-buffer-limit value over base,
// as Redis's CONFIG SET does: groups of "<class> <hard> <soft> <seconds>"
// (class normal, replica, slave or pubsub, sizes as memory values); the
// classes it does not name keep base's limits. The error is the reason
// CONFIG SET prints.
func ParseOutputLimits(value string, base OutputLimits) (OutputLimits, error) {
	var args []string
	if value != "" {
		args = strings.Split(value, " ")
	}
	if len(args)%4 != 0 {
		return base, errors.New(ReasonBufLimitArgs)
	}
	next := base
	for j := 0; j < len(args); j += 4 {
		class, ok := parseClientClass(args[j])
		if !ok {
			return base, errors.New(ReasonBufLimitClass)
		}
		hard, ok1 := ParseMemory(args[j+1])
		soft, ok2 := ParseMemory(args[j+2])
		secs, ok3 := parseCInt(args[j+3])
		if !ok1 || !ok2 || !ok3 || secs < 0 {
			return base, errors.New(ReasonBufLimitValue)
		}
		next[class] = OutputLimit{hard, soft, secs}
	}
	return next, nil
}

func parseClientClass(s string) (ClientClass, bool) {
	switch strings.ToLower(s) {
	case "normal":
		return ClassNormal, true
	case "replica", "slave":
		return ClassReplica, true
	case "pubsub":
		return ClassPubSub, true
	}
	return 0, false
}

// outputLimits holds the engine's current limits. Safe for concurrent
// use; CONFIG SET replaces them as a whole.
type outputLimits struct {
	v atomic.Pointer[OutputLimits]
}

func (o *outputLimits) load() OutputLimits { return *o.v.Load() }

func (o *outputLimits) store(l OutputLimits) { o.v.Store(&l) }

func (o *outputLimits) forClass(k ClientClass) OutputLimit { return o.v.Load()[k] }

// param is client-output-buffer-limit for CONFIG.
func (o *outputLimits) param() Param {
	var mu sync.Mutex // one CONFIG SET parses over the current value at a time
	return Param{
		Name: "client-output-buffer-limit",
		Get:  func() string { return o.load().String() },
		Set: func(value string) error {
			mu.Lock()
			defer mu.Unlock()
			next, err := ParseOutputLimits(value, o.load())
			if err != nil {
				return err
			}
			o.store(next)
			return nil
		},
	}
}

// reached reports whether usage bytes are at the hard or the soft limit.
func (lim OutputLimit) reached(usage uint64) bool {
	return lim.Hard != 0 && usage >= lim.Hard || lim.Soft != 0 && usage >= lim.Soft
}

// exceeded reports whether usage bytes of pending output break lim, as
// Redis's checkClientOutputBufferLimits: at or over the hard limit, or at
// or over the soft limit for more than the soft time (the time counts from
// the first push over it, and restarts once usage falls below it). ob.mu
// is held.
func (lim OutputLimit) exceeded(ob *outbox, usage int, clock backend.Clock) bool {
	u := uint64(usage)
	if lim.Hard != 0 && u >= lim.Hard {
		return true
	}
	if lim.Soft == 0 || u < lim.Soft {
		if !ob.softSince.IsZero() { // a store has a write barrier: only when needed
			ob.softSince = time.Time{}
		}
		return false
	}
	now := clock.Now()
	if ob.softSince.IsZero() {
		ob.softSince = now
		return false
	}
	return now.Sub(ob.softSince) > time.Duration(lim.SoftSeconds)*time.Second
}
