// Package session runs one client connection: it reads requests (RESP2
// multibulk and inline), runs every command already buffered through the
// command engine, and writes all their replies in one flush. Buffered
// commands that repeat one data command on one key run under one
// acquisition of the key's lock (command.Engine.ExecShared).
//
// Frames other clients push to this one (Pub/Sub messages, keyspace
// events: command.Engine.Push) wait in the client's outbox. Every flush
// takes them along behind the replies. While the session is idle in a
// read, a writer goroutine writes them at once: the pusher wakes it
// (Wake), and it writes only while the session is idle. A session whose
// read returns waits for a write in progress (writeMu) before it runs
// anything, so frames never cut into a reply and never pass the reply to
// the SUBSCRIBE that asked for them. The writer starts with the first
// push and stops with the session. The request/response path pays two
// atomic stores and a load around each read. A client waiting in a
// blocking command (BLPOP, a CLIENT PAUSE) is idle too: its replies so far
// are flushed before it waits (Watch), so the writer writes its frames at
// once, as Redis does, and the session waits for a write in progress
// before it writes the blocking command's reply.
//
// A session idle for a while parks (park.go): it hands its socket to the
// server's Parker and returns its goroutine, and the Parker runs it on a
// worker again when its client sends more.
package session

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"redpool/command"
	"redpool/session/resp"
)

// flushThreshold bounds the replies buffered before a flush, so a long
// pipeline cannot grow the output buffer without limit.
const flushThreshold = 64 * 1024

// maxBatch bounds the buffered commands read ahead together so that the
// backend can warm its caches for all of their keys (Engine.Prefetch). A
// read of 16 pipelined transactions (MULTI; SET; INCR; EXEC, as
// bench/compare.sh's multi case at -P 16) is one batch. It is at most 64,
// the bits of Session.inline.
const maxBatch = 64

// yieldBatch is the smallest batch after which a session lets the other
// sessions ready to run go first before it writes its replies (Flush):
// they then write theirs about together, as Redis writes every client's
// replies at the end of a turn of its event loop, and a client woken by
// one reply finds the others there instead of sleeping and waking for
// each (the wake-up is most of what a deep pipeline's write costs both
// sides). Only where one thread runs Go code (GOMAXPROCS 1, threads = 0
// on two CPUs): with more, a yield wakes an idle thread to look for work
// (a pipelined transaction through one session then took 4.2 µs of CPU
// instead of 2.3). Nor after a short batch, where the yield costs more
// than it saves (bench/compare.sh's multi case: 1.19x the throughput at
// -P 16, 0.94x at -P 1 if every batch yielded).
const yieldBatch = 8

// Settings are the run-time settings sessions read before each request.
// CONFIG SET changes them; they are safe for concurrent use.
type Settings struct {
	idleTimeout atomic.Int64 // nanoseconds; 0 = never
	maxBulkLen  atomic.Int64
	maxQueryBuf atomic.Int64
	protected   atomic.Bool
	freed       atomic.Int64 // bytes sessions let go since TakeFreed
	// readBufs lends sessions their read buffers while they have input.
	readBufs resp.BufPool
}

// DefaultMaxQueryBuf is Redis's client-query-buffer-limit default, 1 GB.
const DefaultMaxQueryBuf = 1 << 30

// NewSettings returns settings with the given idle timeout and bulk
// limit; protected mode is on and the query buffer limit is
// DefaultMaxQueryBuf, as in Redis.
func NewSettings(idle time.Duration, maxBulkLen int64) *Settings {
	s := &Settings{}
	s.SetIdleTimeout(idle)
	s.SetMaxBulkLen(maxBulkLen)
	s.SetMaxQueryBuf(DefaultMaxQueryBuf)
	s.SetProtectedMode(true)
	return s
}

// ProtectedMode is Redis's protected-mode: while the default user has no
// password, clients from beyond loopback are refused (Denied).
func (s *Settings) ProtectedMode() bool { return s.protected.Load() }

// SetProtectedMode changes protected-mode for the next connections.
func (s *Settings) SetProtectedMode(on bool) { s.protected.Store(on) }

// MaxQueryBuf is client-query-buffer-limit: a client whose unparsed
// input grows past it is closed.
func (s *Settings) MaxQueryBuf() int64 { return s.maxQueryBuf.Load() }

// SetMaxQueryBuf changes client-query-buffer-limit for the next read of
// every session.
func (s *Settings) SetMaxQueryBuf(n int64) { s.maxQueryBuf.Store(n) }

// TakeFreed returns how many bytes of big buffers, and of the buffers of
// clients that left, sessions let go since the last call: the server
// returns memory to the operating system when that is much.
func (s *Settings) TakeFreed() int64 { return s.freed.Swap(0) }

// bigBuffer is the size from which a session notes a buffer it lets go
// (Settings.TakeFreed).
const bigBuffer = 1 << 20

// sessionStack is about what a session's goroutine stack and state cost
// beyond its buffers, noted as freed when it ends (Settings.TakeFreed).
const sessionStack = 8 << 10

// Params are the settings CONFIG GET/SET reach under Redis's names that
// only sessions read: protected-mode and client-query-buffer-limit (with
// Redis's bounds).
func (s *Settings) Params() []command.Param {
	return []command.Param{
		command.BoolParam("protected-mode", &s.protected),
		command.MemoryParam("client-query-buffer-limit", 1<<20, math.MaxInt64,
			func() uint64 { return uint64(s.MaxQueryBuf()) },
			func(n uint64) error { s.SetMaxQueryBuf(int64(n)); return nil }),
	}
}

// Denied reports whether protected mode refuses a client connecting from
// remote (Redis 7.0's clientAcceptHandler): protected mode is on, the
// default user needs no password (noPass), and the client is not on
// loopback. A listener bound to loopback only never sees such a client,
// so this is the "listens beyond loopback" condition too. Addresses that
// are not IP (a Unix socket) count as local, as in Redis.
func (s *Settings) Denied(noPass bool, remote net.Addr) bool {
	return s.ProtectedMode() && noPass && !isLocal(remote)
}

// isLocal reports whether a is a loopback address or not an IP address.
func isLocal(a net.Addr) bool {
	var ip net.IP
	switch a := a.(type) {
	case *net.TCPAddr:
		ip = a.IP
	case *net.UDPAddr:
		ip = a.IP
	case *net.IPAddr:
		ip = a.IP
	case nil:
		return true
	default:
		return a.Network() == "unix" || a.Network() == "unixgram" || a.Network() == "unixpacket"
	}
	return ip.IsLoopback()
}

// IdleTimeout is how long a client may stay idle (0 = forever).
func (s *Settings) IdleTimeout() time.Duration { return time.Duration(s.idleTimeout.Load()) }

// SetIdleTimeout changes the idle timeout for the next read of every session.
func (s *Settings) SetIdleTimeout(d time.Duration) { s.idleTimeout.Store(int64(d)) }

// MaxBulkLen is proto-max-bulk-len.
func (s *Settings) MaxBulkLen() int64 { return s.maxBulkLen.Load() }

// SetMaxBulkLen changes proto-max-bulk-len for the next request of every session.
func (s *Settings) SetMaxBulkLen(n int64) { s.maxBulkLen.Store(n) }

// Session is one client connection. It is driven by one goroutine (Serve);
// Close may be called from any goroutine.
type Session struct {
	conn     net.Conn
	engine   *command.Engine
	settings *Settings
	logger   *slog.Logger
	ctx      context.Context

	client *command.Client
	// link is the client's connection for other clients (CLIENT KILL):
	// the session itself, for as long as the client is registered.
	link command.Link
	// running is what the session holds only while it runs, its fields
	// reached through the Session: nil while parked (park.go).
	*running
	// stalled is set while what the socket did not take waits in the
	// client's outbox (command.Engine.Stall): replies go there too, behind
	// it, and the writer writes them, until the outbox is empty. stallMu
	// orders the session's choice against the writer's ending it.
	stallMu sync.Mutex

	// writeMu is held by the writer while it writes; the session takes it
	// once after each read, to wait for a write in progress.
	writeMu sync.Mutex
	// writerMu guards writer and writerStopped. The writer is nil until
	// the first Wake (a client nothing is pushed to does without it).
	writerMu sync.Mutex
	writer   *pushWriter

	// The flags, together so that they pack.
	stalled atomic.Bool // see stallMu
	closing atomic.Bool
	// idle is set while the session waits in a read with nothing left to
	// write: only then does the writer write pushed frames.
	idle atomic.Bool
	// writerOn is set once the writer started: the session must wait for
	// its writes.
	writerOn      atomic.Bool
	writerStopped bool
	// deadline: a read deadline (the idle timeout, the park deadline) is
	// set.
	deadline bool

	// pk is the session's part in parking (park.go); pk.p nil: it never
	// parks. ended is called when it has ended (UseParker).
	pk    parkState
	ended func(*Session)
}

// running is the part of a Session that a parked session lets go: made
// when the session starts and when it resumes (startRunning). Only the
// session's goroutine touches it.
type running struct {
	// cmd is the command context; nil in a session resumed only to end.
	cmd *command.Ctx
	// raw reads (rawread_unix.go) and writes without blocking (writeNow)
	// while the client's class has an output-buffer limit; nil where the
	// connection has no descriptor.
	raw  syscall.RawConn
	rd   *resp.Reader
	src  source
	bulk int64 // the limits rd has: proto-max-bulk-len
	qbuf int64 // and client-query-buffer-limit

	rr rawReader // the raw read (rawread_unix.go)

	// A batch of buffered commands: batch[i] is a slice of flat.
	flat  [][]byte
	ends  []int
	batch [][][]byte
	// noted is the memory noteArgv last gave the engine in the batch
	// running (batchNoted: it did, since the batch began).
	noted command.ClientMem

	bufs net.Buffers // Flush's replies and pushed frames
	vw   vecWriter   // writes bufs

	// inline has bit i set if batch[i] is an inline command, which has
	// no limits while the client must authenticate (checkStillAuthed).
	inline uint64
	// inBatch: the commands running were read together (loop);
	// batchNoted: noteArgv gave the engine the memory since (noted);
	// yield: the next Flush yields first (yieldBatch); oneThread: so
	// may it (GOMAXPROCS was 1 when the session started running).
	inBatch, batchNoted, yield, oneThread bool
}

// pushWriter is the goroutine that writes pushed frames while the session
// is idle. It starts at the first Wake and stops when the session ends.
type pushWriter struct {
	wake chan struct{} // capacity 1
	stop chan struct{}
	done chan struct{}
	bufs net.Buffers
	vw   vecWriter // writes bufs
}

// New prepares a session for conn. ctx is done when the server shuts down.
func New(ctx context.Context, conn net.Conn, e *command.Engine, st *Settings, logger *slog.Logger) *Session {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Session{conn: conn, engine: e, settings: st, logger: logger, ctx: ctx}
	s.startRunning()
	return s
}

// startRunning gives the session a running part, with a request reader
// and no command context.
func (s *Session) startRunning() {
	s.running = &running{raw: rawConn(s.conn), oneThread: runtime.GOMAXPROCS(0) == 1}
	s.src.s = s
	s.rd = s.newReader()
}

// newReader returns a request reader over the session's input, with the
// settings' limits and buffers.
func (s *Session) newReader() *resp.Reader {
	rd := resp.NewReader(&s.src, s.limits())
	rd.UseBufPool(&s.settings.readBufs)
	return rd
}

// limits are the request limits the settings hold now; they are noted so
// that the session sees when CONFIG SET changes them.
func (s *Session) limits() resp.Limits {
	s.bulk, s.qbuf = s.settings.MaxBulkLen(), s.settings.MaxQueryBuf()
	lim := resp.DefaultLimits()
	lim.MaxBulkLen, lim.MaxQueryBuf = s.bulk, s.qbuf
	return lim
}

// Serve runs the session until the client leaves, a protocol error, or
// Close. It closes the connection before it returns, unless the session
// parked (UseParker): it then returns at once, and the Parker runs the
// session on when its client sends more. A panic in a command is
// recovered: it is logged with its stack and ends only this session.
func (s *Session) Serve() {
	s.client = s.engine.NewClient(addrString(s.conn.RemoteAddr()), addrString(s.conn.LocalAddr()))
	s.link = s
	s.cmd = s.engine.SessionCtx(s.client, &s.link)
	s.client.SetPushLink(s)
	s.run(false)
}

// run runs the session's loop on the calling goroutine until the session
// ends (at once if ending), then tears it down, or until it parks.
func (s *Session) run(ending bool) {
	parked := false
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("panic serving client", "client", s.client.Addr, "panic", r, "stack", string(debug.Stack()))
		}
		if !parked {
			s.end()
		}
	}()
	if !ending {
		parked = s.loop()
	}
}

// end tears the session down: it leaves the engine, stops the writer and
// closes the connection.
func (s *Session) end() {
	s.leaveRaw() // before the connection closes
	out := 0
	if s.cmd != nil { // nil: it ends parked (a timeout)
		s.cmd.PublishStats()
		s.cmd.WakePushed()
		out = cap(s.cmd.Out())
	}
	s.engine.SetClientMem(s.client, command.ClientMem{}) // out of the clients' total
	s.engine.Unregister(s.client)
	// A write of the writer to a client that does not read (its
	// output stalled) ends now: the connection closes anyway.
	if s.conn != nil { // nil: a parked session that could not resume
		_ = s.conn.SetWriteDeadline(time.Now())
	}
	s.stopWriter()
	s.settings.freed.Add(int64(s.rd.TakeReleased() + s.rd.BufSize() + out + sessionStack))
	if s.conn != nil {
		_ = s.conn.Close()
	}
	if s.ended != nil {
		s.ended(s)
	}
}

// loop serves requests until the session ends (false) or parks (true).
func (s *Session) loop() bool {
	for {
		if s.settings.MaxBulkLen() != s.bulk || s.settings.MaxQueryBuf() != s.qbuf {
			s.rd.SetLimits(s.limits())
		}
		// A client that must authenticate first gets Redis 7.0's limits
		// on its requests, and its commands are read one at a time: the
		// AUTH among them lifts the limits for those that follow.
		unauth := s.engine.AuthRequired(s.client)
		s.rd.SetAuthRequired(unauth)
		args, err := s.rd.ReadCommand()
		if err == errPark {
			if s.park() {
				return true
			}
			continue
		}
		if err != nil {
			s.fail(err)
			return false
		}
		s.cmd.GiveArgs(s.rd.Owned()) // a big value is stored, not copied
		if unauth || s.rd.Buffered() == 0 {
			if !s.exec(args) {
				return false
			}
			continue
		}
		// More commands are buffered: read them too, warm the backend for
		// all their keys at once, then run them in order, each run of
		// commands on one key under one lock.
		s.flat = append(s.flat[:0], args...)
		s.ends = append(s.ends[:0], len(s.flat))
		s.inline = 0
		for len(s.ends) < maxBatch {
			var ok bool
			if s.flat, ok, err = s.rd.AppendBuffered(s.flat); !ok {
				break
			}
			if s.rd.LastInline() {
				s.inline |= 1 << len(s.ends)
			}
			s.ends = append(s.ends, len(s.flat))
		}
		s.batch = s.batch[:0]
		start := 0
		for _, end := range s.ends {
			s.batch = append(s.batch, s.flat[start:end:end])
			start = end
		}
		// A batch that is one run on one key (a pipeline on a hot key)
		// has nothing to warm.
		run := s.engine.SharedRun(s.cmd, s.batch)
		if run < len(s.batch) {
			s.engine.Prefetch(s.cmd, s.batch)
		}
		// The batch's arguments stay as they are until it ends, and its
		// statistics reach the shared counters together, at the latest
		// when its replies go (command.Ctx.BeginBatch).
		s.cmd.BeginBatch()
		s.inBatch = true
		s.yield = s.oneThread && len(s.batch) >= yieldBatch
		for i := 0; i < len(s.batch); {
			if i > 0 && s.inline&(1<<i) == 0 && !s.checkStillAuthed(s.batch[i]) {
				return false
			}
			// A whole transaction runs at once.
			if n, ok := s.execMulti(s.batch[i:]); n > 0 {
				if !ok {
					return false
				}
				i += n
				continue
			}
			// A run of commands on one key takes its lock once (data
			// commands only: none of them changes who the client is).
			if i > 0 {
				run = s.engine.SharedRun(s.cmd, s.batch[i:])
			}
			if n := run; n > 1 {
				if !s.execShared(s.batch[i : i+n]) {
					return false
				}
				i += n
				continue
			}
			if !s.exec(s.batch[i]) {
				return false
			}
			i++
		}
		s.cmd.EndBatch()
		s.inBatch, s.batchNoted = false, false
		clear(s.flat) // let go of a huge request's buffer
		if err != nil {
			s.fail(err)
			return false
		}
	}
}

// checkStillAuthed applies the limits on unauthenticated requests to a
// multibulk command read ahead in a batch, if the commands before it made the
// client unauthenticated (RESET, CONFIG SET requirepass, ACL SETUSER):
// Redis, which reads a command only after it ran the one before, would
// have refused its header. It reports whether the session goes on.
func (s *Session) checkStillAuthed(args [][]byte) bool {
	if !s.engine.AuthRequired(s.client) {
		return true
	}
	if err := resp.CheckUnauthenticated(args); err != nil {
		s.fail(err)
		return false
	}
	return true
}

// exec runs one command and reports whether the session goes on.
func (s *Session) exec(args [][]byte) bool {
	s.noteArgv(argvMem(args), isCommand(args, "client"))
	s.engine.Exec(s.cmd, args)
	return s.executed()
}

// execMulti runs the transaction cmds begins with, MULTI ... EXEC, if the
// batch holds all of it and the engine runs it at once
// (command.Engine.ExecMulti); n is how many commands ran (0: none, the
// caller runs cmds[0]), ok whether the session goes on. A transaction
// with a command of argvNoteMin bytes or more takes the general path,
// which tells the engine every such command's arguments.
func (s *Session) execMulti(cmds [][][]byte) (n int, ok bool) {
	if !isCommand(cmds[0], "multi") {
		return 0, true
	}
	s.noteArgv(argvMem(cmds[0]), false)
	if n = s.engine.ExecMulti(s.cmd, cmds, argvNoteMin); n == 0 {
		return 0, true
	}
	return n, s.executed()
}

// execShared runs cmds, a run of commands on one key, under one lock
// (command.Engine.ExecShared) and reports whether the session goes on.
func (s *Session) execShared(cmds [][][]byte) bool {
	argv := 0
	for _, args := range cmds {
		argv += argvMem(args)
	}
	s.noteArgv(argv, false)
	s.engine.ExecShared(s.cmd, cmds)
	return s.executed()
}

// argvMem is the size of a command's arguments.
func argvMem(args [][]byte) int {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	return n
}

// noteArgv tells the engine the client's memory as a command with argv
// bytes of arguments starts. Within a batch, after its first command,
// only a change of what counts for client eviction is told: of a
// buffer's size, or arguments of argvNoteMin bytes or more (the
// engine counts smaller ones as part of the request buffer). The rest
// (qbuf, obl, a small argv-mem) is what CLIENT LIST shows as it was
// when the batch began, as Redis shows another client between its
// reads; always is set for a command that shows the client its own
// (CLIENT LIST, CLIENT INFO).
func (s *Session) noteArgv(argv int, always bool) {
	m := command.ClientMem{
		QueryBuf: s.rd.Unparsed(), QueryBufSize: s.rd.BufSize(), ArgvMem: argv,
		Out: len(s.cmd.Out()), OutSize: cap(s.cmd.Out()),
	}
	if s.batchNoted && !always && argv < argvNoteMin && s.noted.ArgvMem < argvNoteMin &&
		m.QueryBufSize == s.noted.QueryBufSize && m.OutSize == s.noted.OutSize {
		return
	}
	s.engine.SetClientMem(s.client, m)
	s.noted, s.batchNoted = m, s.inBatch
}

// isCommand reports whether args is the command name (in lower case).
func isCommand(args [][]byte, name string) bool {
	a := args[0]
	return len(a) == len(name) && (a[0]|0x20) == name[0] && strings.EqualFold(string(a), name)
}

// argvNoteMin is the size from which a command's arguments are told to
// the engine within a batch (noteArgv); the engine counts arguments in
// client eviction only in steps of 64 KB.
const argvNoteMin = 4 << 10

// executed does what follows a command (or a shared run): it ends the
// session if its replies went over the output limit or it quit, flushes
// a big output, and reports whether the session goes on.
func (s *Session) executed() bool {
	if s.engine.RepliesOverLimit(s.client, len(s.cmd.Out())) {
		return false // closed without its replies, as Redis drops it
	}
	if s.client.Quit {
		_ = s.Flush()
		return false
	}
	if len(s.cmd.Out()) >= flushThreshold {
		return s.Flush() == nil
	}
	return true
}

// fail ends the session on a read error, replying first to a protocol
// error as Redis does. A client over client-query-buffer-limit is closed
// with no reply and Redis's warning.
func (s *Session) fail(err error) {
	var pe *resp.ProtocolError
	switch {
	case errors.As(err, &pe):
		s.cmd.Error(err)
		s.logger.Debug("protocol error", "client", s.client.Addr, "err", pe.Msg)
	case errors.Is(err, resp.ErrQueryBufLimit):
		s.engine.LogQueryBufLimit(s.client, s.rd.Peek(64))
		return
	}
	_ = s.Flush()
}

// Flush writes the replies produced so far, after waiting for the AOF to
// make the writes they acknowledge durable. Part of command.Link.
func (s *Session) Flush() error {
	s.cmd.PublishStats() // counted before anyone sees a reply
	s.cmd.WakePushed()   // the subscribers this batch published to
	if s.stalled.Load() {
		if done, err := s.flushStalled(); done {
			return err
		}
	}
	s.cmd.TakePushes()
	out, pushes := s.cmd.Out(), s.cmd.Pushes()
	if len(out) == 0 && len(pushes) == 0 {
		return nil
	}
	if err := s.durable(); err != nil {
		return err
	}
	if s.yield {
		s.yield = false
		runtime.Gosched()
	}
	var n int
	var err error
	switch {
	case s.raw != nil && s.engine.OutputLimited(s.client):
		n, err = s.writeOrStall(out, pushes)
	default:
		// The replies, then the pushed frames, in one system call.
		s.bufs = append(append(s.bufs[:0], out), pushes...)
		var n64 int64
		n64, err = s.vw.writeTo(s.conn, s.bufs)
		n = int(n64)
		clear(s.bufs[:cap(s.bufs)])
	}
	s.client.CountNet(0, n)
	if c := cap(s.cmd.Out()); c > bigBuffer {
		s.settings.freed.Add(int64(c)) // Reset lets it go
	}
	s.cmd.Reset()
	return err
}

// Detach writes the replies so far and hands the connection's output to
// the command (PSYNC). Part of command.Link.
func (s *Session) Detach() (io.Writer, error) {
	if err := s.Flush(); err != nil {
		return nil, err
	}
	return s.conn, nil
}

// durable waits for the AOF to make the writes the replies in Out
// acknowledge durable. If it cannot, the replies are dropped and the
// connection closed: that tells the client they are not acknowledged.
func (s *Session) durable() error {
	seq := s.cmd.LogSeq()
	if seq == 0 {
		return nil
	}
	err := s.engine.WaitDurable(seq)
	if err != nil {
		s.logger.Warn("write not durable, closing client", "client", s.client.Addr, "err", err)
		s.cmd.Reset()
		s.leaveRaw()
		_ = s.conn.Close()
	}
	return err
}

// errOutputLimit ends a session whose client went over its output-buffer
// limit (the engine logged it and closed the connection).
var errOutputLimit = errors.New("session: client over its output-buffer limit")

// writeOrStall writes out, then the pushed frames, as far as the socket
// takes them now, without blocking: the rest goes to the front of the
// client's outbox for the writer (command.Engine.Stall), where it counts
// against the client's output-buffer limit while the session goes on
// reading, as Redis keeps unsent replies in the client's buffer. Used
// while the client's class has a limit.
func (s *Session) writeOrStall(out []byte, pushes [][]byte) (int, error) {
	s.bufs = append(append(s.bufs[:0], out), pushes...)
	defer clear(s.bufs[:cap(s.bufs)])
	written := 0
	for i, b := range s.bufs {
		n, err := writeNow(s.raw, b)
		written += n
		if err != nil {
			return written, err
		}
		if n == len(b) {
			continue
		}
		s.bufs[i] = b[n:]
		s.stallMu.Lock()
		ok := s.engine.Stall(s.client, s.bufs[i:])
		s.stalled.Store(ok) // only now may the writer write them
		s.stallMu.Unlock()
		if !ok {
			return written, errOutputLimit
		}
		s.Wake()
		break
	}
	return written, nil
}

// flushStalled queues the replies behind the output that waits in the
// outbox, if it still waits: done is false if the writer wrote it all
// meanwhile, and Flush writes as usual.
func (s *Session) flushStalled() (done bool, err error) {
	out := s.cmd.Out()
	if len(out) == 0 {
		return true, nil
	}
	if err := s.durable(); err != nil {
		return true, err
	}
	s.stallMu.Lock()
	defer s.stallMu.Unlock()
	if !s.stalled.Load() {
		return false, nil
	}
	ok := s.engine.Push(s.client, out)
	s.cmd.Reset()
	if !ok {
		return true, errOutputLimit
	}
	return true, nil
}

// Context is done when the server shuts down. Part of command.Link.
func (s *Session) Context() context.Context { return s.ctx }

// Close interrupts the session: a read in progress returns at once and the
// session ends after the command it is running. Safe for concurrent use.
func (s *Session) Close() {
	s.closing.Store(true)
	s.withConn(func(c net.Conn) { _ = c.SetReadDeadline(time.Now()) })
	s.unpark()
}

// CloseIdle closes the session if it waits for input (parked or not),
// for the server's idle-client check (command.IdleCloser); safe for
// concurrent use.
func (s *Session) CloseIdle() bool {
	if !s.idle.Load() {
		return false
	}
	s.logger.Debug("closing idle client", "client", s.client.Addr)
	s.Close()
	return true
}

// unpark resumes the session if it is parked, so that it sees it is
// closing and ends.
func (s *Session) unpark() {
	if s.pk.p != nil {
		_ = s.pk.p.unpark(s, 0, false)
	}
}

// Wake has the frames pushed to the client written now if the session
// is idle in a read (otherwise its next flush takes them): by the
// writer, or, if the session is parked, by the session, resumed. Part of
// command.PushLink; safe for concurrent use, never blocks.
func (s *Session) Wake() {
	if s.pk.parked.Load() && s.pk.p.unpark(s, 0, false) {
		return
	}
	s.writerMu.Lock()
	if s.writerStopped {
		s.writerMu.Unlock()
		return
	}
	w := s.writer
	if w == nil {
		w = &pushWriter{wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
		s.writer = w
		s.writerOn.Store(true)
		go s.writePushes(w)
	}
	s.writerMu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// writePushes is the writer goroutine.
func (s *Session) writePushes(w *pushWriter) {
	defer close(w.done)
	for {
		select {
		case <-w.stop:
			return
		case <-w.wake:
		}
		// Let the publishers running now queue theirs too: one write
		// then carries them all, as Redis's one write per event loop.
		runtime.Gosched()
		s.writeMu.Lock()
		if (s.idle.Load() || s.stalled.Load()) && s.client.HasPushes() {
			frames := s.client.TakeFrames()
			w.bufs = append(w.bufs[:0], frames...)
			n, err := w.vw.writeTo(s.conn, w.bufs)
			clear(w.bufs[:cap(w.bufs)])
			s.client.FramesWritten(frames)
			s.client.CountNet(0, int(n))
			if err != nil {
				s.Kill() // the session's read ends too
			}
		}
		if s.stalled.Load() {
			s.stallMu.Lock()
			if !s.client.HasPushes() {
				s.stalled.Store(false) // all written: the session writes again
			}
			s.stallMu.Unlock()
		}
		s.writeMu.Unlock()
	}
}

// waitWriter waits for a write of the writer in progress; the session
// calls it when it stops being idle. A writer that looks later sees it
// busy and leaves the frames to the session's flush.
func (s *Session) waitWriter() {
	// While output is stalled the writer writes it and the session
	// writes nothing: it need not wait for a write that may take long.
	if s.writerOn.Load() && !s.stalled.Load() {
		s.writeMu.Lock()
		s.writeMu.Unlock() //nolint:staticcheck // a barrier
	}
}

// stopWriter stops the writer, if it started, and waits for it.
func (s *Session) stopWriter() {
	s.writerMu.Lock()
	s.writerStopped = true
	w := s.writer
	s.writerMu.Unlock()
	if w != nil {
		close(w.stop)
		<-w.done
	}
}

// Kill ends the session at once, even in the middle of a blocked write:
// its client went over its output-buffer limit. Part of
// command.PushLink; safe for concurrent use.
func (s *Session) Kill() {
	s.closing.Store(true)
	s.withConn(func(c net.Conn) { _ = c.SetDeadline(time.Now()) })
	s.unpark()
}

// withConn runs f with the session's connection, for another goroutine:
// unless the session has none (it is parked).
func (s *Session) withConn(f func(net.Conn)) {
	if s.pk.p == nil {
		f(s.conn) // never parks: the connection stays
		return
	}
	s.pk.p.withConn(s, f)
}

// rearm sets the read deadline for the next read: the idle timeout if one
// applies (never to a client with subscriptions, as in Redis), else the
// park deadline if the session may park (park.go), else none.
func (s *Session) rearm() {
	d := s.settings.IdleTimeout()
	switch {
	case d > 0 && !s.client.Subscribed():
		s.armIdle(d)
	case s.pk.p != nil:
		s.armPark()
	case s.deadline:
		s.deadline = false
		_ = s.conn.SetReadDeadline(time.Time{})
	}
}

// Watch watches the connection while a blocking command waits: gone closes
// when the client disconnects or the server shuts down. Bytes the client
// sends meanwhile are kept for the next requests. Part of command.Link.
func (s *Session) Watch() (<-chan struct{}, func()) {
	s.leaveRaw() // the goroutine below reads the connection
	if s.pk.p != nil && s.deadline {
		// No park deadline while the command waits: only the idle
		// timeout's, as before.
		_ = s.conn.SetReadDeadline(s.pk.idleTime())
		if s.closing.Load() { // Close moved it before
			_ = s.conn.SetReadDeadline(time.Now())
		}
	}
	if s.src.watched == nil {
		s.src.watched = new(watchedInput)
	}
	in := s.src.watched
	gone := make(chan struct{})
	var once sync.Once
	markGone := func() { once.Do(func() { close(gone) }) }
	stopCtx := context.AfterFunc(s.ctx, markGone)
	var stopping atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf [4096]byte
		for {
			n, err := s.conn.Read(buf[:])
			in.side = append(in.side, buf[:n]...)
			if err != nil {
				if stopping.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
					return
				}
				in.err = err
				markGone()
				return
			}
		}
	}()
	// The replies so far are written (callers flush before they wait):
	// while the command waits the session is idle, and pushed frames go
	// out at once.
	idle := len(s.cmd.Out()) == 0 && len(s.cmd.Pushes()) == 0
	if idle {
		s.idle.Store(true)
		if s.client.HasPushes() { // queued before idle was seen
			s.Wake()
		}
	}
	stop := func() {
		if idle {
			s.idle.Store(false)
			s.waitWriter()
		}
		stopCtx()
		stopping.Store(true)
		_ = s.conn.SetReadDeadline(time.Now())
		<-done
		if !s.closing.Load() {
			s.deadline = false
			_ = s.conn.SetReadDeadline(time.Time{})
		}
	}
	return gone, stop
}

// source is the io.Reader under the request parser. Before it blocks on the
// network it flushes the pending replies: that is how every command already
// buffered runs before one flush. It also serves bytes read while a command
// was blocked, then a read error seen meanwhile. While it waits in a read
// the session is idle: the writer may write pushed frames. As a
// resp.Waiter it waits idle without a buffer (WaitInput), so that an idle
// client holds no read buffer.
type source struct {
	s *Session
	// watched holds what the connection gave while a blocking command
	// waited (Watch); nil before the first Watch.
	watched *watchedInput
	// ready: WaitInput saw input, so the next Read does not block.
	ready bool
}

// watchedInput is what Watch read: bytes for the next requests, then the
// read error that ended it, if any.
type watchedInput struct {
	side []byte
	err  error
}

// watchedPending reports whether Watch left input or an error to serve.
func (r *source) watchedPending() bool {
	in := r.watched
	return in != nil && (len(in.side) > 0 || in.err != nil)
}

func (r *source) Read(p []byte) (int, error) {
	s := r.s
	if in := r.watched; in != nil {
		if len(in.side) > 0 {
			n := copy(p, in.side)
			in.side = in.side[n:]
			return n, nil
		}
		if in.err != nil {
			return 0, in.err
		}
	}
	if r.ready {
		r.ready = false
		n, err := s.readGrace(p)
		return n, r.counted(n, err)
	}
	if err := r.goIdle(); err != nil {
		return 0, err
	}
	n, err := s.readGrace(p)
	s.idle.Store(false)
	s.waitWriter()
	return n, r.counted(n, err)
}

// readGrace is readConn, which reads again when the park deadline passed
// (a half-read request is not parked).
func (s *Session) readGrace(p []byte) (int, error) {
	for {
		n, err := s.readConn(p)
		if err == nil || !s.overGrace(err) {
			return n, err
		}
		if err := s.regrace(); err != nil {
			return 0, err
		}
	}
}

// WaitInput waits idle, as Read does, until input arrives, without a
// buffer: the Reader lends its own back meanwhile (resp.BufPool). Part
// of resp.Waiter; it returns at once where it cannot wait so (a TLS
// connection: Read waits). It returns errPark when the session should
// park (park.go).
func (r *source) WaitInput() error {
	s := r.s
	if r.watchedPending() || s.raw == nil {
		return nil
	}
	if err := r.goIdle(); err != nil {
		return err
	}
	for {
		err := s.waitInput()
		if err == nil || !s.overGrace(err) {
			break // the next Read reports an error
		}
		// The park deadline passed.
		s.clearRawErr()
		if err := s.waitOver(); err != nil {
			if err != errPark {
				s.idle.Store(false)
				s.waitWriter()
			}
			return err // errPark: still idle; loop parks
		}
	}
	s.idle.Store(false)
	s.waitWriter()
	r.ready = true
	return nil
}

// goIdle readies the session to wait for input: it flushes the replies,
// sets the read deadline, notes the client's memory and becomes idle. It
// returns io.EOF if the session is closing.
func (r *source) goIdle() error {
	s := r.s
	for {
		if err := s.Flush(); err != nil {
			return err
		}
		s.rearm()
		// Shutdown closes every session (Close) before it cancels ctx, so
		// the flag alone says whether to stop; ctx.Err would take a lock
		// that every session shares. It is read after the deadline is set:
		// a Close or Kill that moved it before is seen here.
		if s.closing.Load() {
			return io.EOF
		}
		s.engine.SetClientMem(s.client, command.ClientMem{
			QueryBuf: s.rd.Unparsed(), QueryBufSize: s.rd.BufSize(), OutSize: cap(s.cmd.Out()),
		})
		if n := s.rd.TakeReleased(); n > 0 { // the buffer of a huge request
			s.settings.freed.Add(int64(n))
		}
		s.idle.Store(true)
		if !s.stalled.Load() && s.client.HasPushes() { // pushed before the writer could see idle
			s.idle.Store(false)
			continue
		}
		return nil
	}
}

// counted counts what a read of the connection returned and passes its
// error on.
func (r *source) counted(n int, err error) error {
	s := r.s
	s.client.CountNet(n, 0)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) && !s.closing.Load() {
		s.logger.Debug("closing idle client", "client", s.client.Addr)
	}
	return err
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
