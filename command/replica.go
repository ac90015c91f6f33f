package command

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"redpool/backend"
	"redpool/persistence/rdb"
	"redpool/session/resp"
)

// The replica side of replication (REPLICAOF host port): a goroutine owned
// by the engine's replication connects to the primary, does the handshake
// (PING, AUTH with masterauth/masteruser, REPLCONF listening-port and capa,
// PSYNC with the replication id and offset it has), loads the RDB of a
// full resync (or continues from its offset), then applies the stream as
// the primary's client: its commands bypass read-only and ACLs, nothing is
// replied except REPLCONF GETACK, and a REPLCONF ACK goes back every
// second. The bytes it applies go on its own stream unchanged, so that its
// offsets are the primary's and its replicas (and the replicas of the
// group after a failover) can resync partially. While it is a replica,
// writes of other clients get -READONLY, keys do not expire actively (the
// primary sends the DELs), and its own writes (expiries) are not
// propagated.

// primaryLink is a replica's link to its primary.
type primaryLink struct {
	host string
	port int
	stop chan struct{} // closed by REPLICAOF NO ONE or another primary
	done chan struct{} // closed when the link goroutine ends
	gen  int64         // the stream's proxy generation it appends with

	mu    sync.Mutex
	conn  net.Conn // the current connection, nil between attempts
	state string   // connect, connecting, sync, connected

	lastIO   atomic.Int64 // Unix ms of the last data from the primary
	downFrom atomic.Int64 // Unix ms the link went down (0: up)
	syncing  atomic.Bool
}

func (pl *primaryLink) setState(s string) {
	pl.mu.Lock()
	pl.state = s
	pl.mu.Unlock()
}

func (pl *primaryLink) getState() string {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.state
}

// closeConn interrupts the current connection.
func (pl *primaryLink) closeConn() {
	pl.mu.Lock()
	if pl.conn != nil {
		_ = pl.conn.Close()
	}
	pl.mu.Unlock()
}

func replicaOfCommands() []Spec {
	return []Spec{
		{Name: "replicaof", Arity: 3, Flags: Admin | NoScript, Run: replicaOfCmd, Group: "server", Summary: "Configures a server as replica of another, or promotes it to a master.", Since: "5.0.0"},
		{Name: "slaveof", Arity: 3, Flags: Admin | NoScript, Run: replicaOfCmd, Group: "server", Summary: "Sets a Redis server as a replica of another, or promotes it to being a master.", Since: "1.0.0"},
	}
}

// replicaOfCmd is REPLICAOF host port | NO ONE.
func replicaOfCmd(c *Ctx) error {
	r := c.e.repl
	if equalFold(c.Args[1], "no") && equalFold(c.Args[2], "one") {
		if r.promote() {
			c.e.logger.Info("MASTER MODE enabled (user request)")
		}
		c.OK()
		return nil
	}
	port, err := parseInt(c.Args[2])
	if err != nil || port < 0 || port > 65535 {
		return ErrInvalidMasterPort
	}
	host := string(c.Args[1])
	if !r.follow(host, int(port)) {
		c.Simple("OK Already connected to specified master")
		return nil
	}
	c.OK()
	return nil
}

// isReplica reports whether the server follows a primary.
func (r *replication) isReplica() bool { return r.replicaOn.Load() }

// follow makes the server a replica of host:port; false if it already is.
func (r *replication) follow(host string, port int) bool {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return false
	}
	if pl := r.primary; pl != nil && pl.host == host && pl.port == port {
		r.mu.Unlock()
		return false
	}
	old := r.primary
	pl := &primaryLink{host: host, port: port, stop: make(chan struct{}), done: make(chan struct{}), state: "connect"}
	pl.downFrom.Store(r.e.clock.Now().UnixMilli())
	r.primary = pl
	r.mu.Unlock()
	if old != nil {
		old.end()
	}
	r.replicaOn.Store(true)
	pl.gen = r.stream.setProxy(true)
	if r.e.expiry.backend != nil {
		r.e.expiry.backend.SetActiveExpiry(false)
	}
	r.wg.Add(1)
	go r.runLink(pl)
	return true
}

// end stops the link: its goroutine ends soon (a command it is applying
// completes first, but no longer goes on the stream); it does not wait,
// since REPLICAOF may run inside EXEC, holding locks that command needs.
func (pl *primaryLink) end() {
	close(pl.stop)
	pl.closeConn()
}

// promote ends replication (REPLICAOF NO ONE): the server becomes a
// primary with a new replication id, keeping the old one (and the offset)
// as the second, so that the other replicas of the old primary can resync
// partially with it. It reports whether the server was a replica.
func (r *replication) promote() bool {
	r.mu.Lock()
	pl := r.primary
	r.primary = nil
	r.mu.Unlock()
	if pl == nil {
		return false
	}
	pl.end()
	r.shiftReplID()
	r.stream.setProxy(false)
	r.replicaOn.Store(false)
	if r.e.expiry.backend != nil {
		r.e.expiry.backend.SetActiveExpiry(true)
	}
	return true
}

// shiftReplID keeps the current id as the second one, valid up to the
// current offset, and takes a new id (Redis's shiftReplicationId).
func (r *replication) shiftReplID() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replID2 = r.replID
	r.secondOffset = r.stream.info().end + 1
	r.replID = newReplID()
}

// runLink keeps the link up until it is stopped, retrying every second.
func (r *replication) runLink(pl *primaryLink) {
	defer r.wg.Done()
	defer close(pl.done)
	for {
		err := r.syncWith(pl)
		if pl.downFrom.Load() == 0 {
			pl.downFrom.Store(r.e.clock.Now().UnixMilli())
		}
		pl.syncing.Store(false)
		pl.setState("connect")
		select {
		case <-pl.stop:
			return
		default:
		}
		r.e.logger.Info("replication link to the primary ended", "primary", net.JoinHostPort(pl.host, strconv.Itoa(pl.port)), "err", err)
		select {
		case <-pl.stop:
			return
		case <-time.After(time.Second):
		}
	}
}

// errPrimaryReply: the primary answered the handshake with an error.
var errPrimaryReply = errors.New("unexpected reply from the primary")

// syncWith runs one connection to the primary: handshake, sync, stream.
func (r *replication) syncWith(pl *primaryLink) error {
	pl.setState("connecting")
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(pl.host, strconv.Itoa(pl.port)), 10*time.Second)
	if err != nil {
		return err
	}
	pl.mu.Lock()
	pl.conn = conn
	pl.mu.Unlock()
	select {
	case <-pl.stop:
		_ = conn.Close()
		return nil
	default:
	}
	defer conn.Close()
	br := bufio.NewReaderSize(conn, 64<<10)
	// cmd sends argv and reads a one-line reply.
	cmd := func(argv ...string) (string, error) {
		args := make([][]byte, len(argv))
		for i, a := range argv {
			args[i] = []byte(a)
		}
		_ = conn.SetDeadline(time.Now().Add(replTimeout))
		if _, err := conn.Write(resp.AppendCommand(nil, args...)); err != nil {
			return "", err
		}
		line, err := br.ReadString('\n')
		return strings.TrimRight(line, "\r\n"), err
	}
	pong, err := cmd("PING")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(pong, "+") && !strings.HasPrefix(pong, "-NOAUTH") && !strings.HasPrefix(pong, "-NOPERM") && !strings.HasPrefix(pong, "-ERR operation not permitted") {
		return fmt.Errorf("%w to PING: %s", errPrimaryReply, pong)
	}
	if pass := r.e.paramOr("masterauth", ""); pass != "" {
		args := []string{"AUTH", pass}
		if user := r.e.paramOr("masteruser", ""); user != "" {
			args = []string{"AUTH", user, pass}
		}
		if reply, err := cmd(args...); err != nil || !strings.HasPrefix(reply, "+") {
			return fmt.Errorf("%w to AUTH: %s %v", errPrimaryReply, reply, err)
		}
	}
	port := r.listenPort.Load()
	if port == 0 {
		port, _ = strconv.ParseInt(r.e.paramOr("port", "0"), 10, 64)
	}
	if _, err := cmd("REPLCONF", "listening-port", strconv.FormatInt(port, 10)); err != nil {
		return err
	}
	if _, err := cmd("REPLCONF", "capa", "eof", "capa", "psync2"); err != nil {
		return err
	}
	replID, off := "?", int64(-1)
	if bl := r.stream.info(); bl.active {
		replID, off = r.ids().id, bl.end+1
	}
	reply, err := cmd("PSYNC", replID, strconv.FormatInt(off, 10))
	for err == nil && reply == "" { // the primary's keep-alive newlines
		var line string
		line, err = br.ReadString('\n')
		reply = strings.TrimRight(line, "\r\n")
	}
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Time{})
	switch {
	case strings.HasPrefix(reply, "+FULLRESYNC "):
		f := strings.Fields(reply)
		if len(f) != 3 {
			return fmt.Errorf("%w to PSYNC: %s", errPrimaryReply, reply)
		}
		start, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return fmt.Errorf("%w to PSYNC: %s", errPrimaryReply, reply)
		}
		pl.setState("sync")
		pl.syncing.Store(true)
		if err := r.loadFullSync(pl, conn, br); err != nil {
			return err
		}
		pl.syncing.Store(false)
		r.resetStream(f[1], start, pl.gen)
	case strings.HasPrefix(reply, "+CONTINUE"):
		if f := strings.Fields(reply); len(f) == 2 && f[1] != r.ids().id {
			r.shiftReplID()
			r.mu.Lock()
			r.replID = f[1]
			r.mu.Unlock()
		}
		r.syncPartialOK.Add(1)
	default:
		return fmt.Errorf("%w to PSYNC: %s", errPrimaryReply, reply)
	}
	pl.setState("connected")
	pl.downFrom.Store(0)
	pl.lastIO.Store(r.e.clock.Now().UnixMilli())
	return r.applyStream(pl, conn, br)
}

// ids returns the replication ids.
func (r *replication) ids() (ids struct {
	id, id2 string
	second  int64
}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids.id, ids.id2, ids.second = r.replID, r.replID2, r.secondOffset
	return ids
}

// resetStream starts the stream over at the primary's offset and id after
// a full resync; the replicas of this server must resync too.
func (r *replication) resetStream(id string, off, gen int64) {
	r.mu.Lock()
	r.replID, r.replID2, r.secondOffset = id, zeroReplID, -1
	var subs []*replica
	for _, rp := range r.replicas {
		subs = append(subs, rp)
	}
	r.mu.Unlock()
	r.stream.reset(off, gen)
	for _, rp := range subs {
		if l := rp.cl.link.Load(); l != nil {
			(*l).Close()
		}
	}
}

// loadFullSync reads the RDB the primary sends after +FULLRESYNC and
// replaces the data with it.
func (r *replication) loadFullSync(pl *primaryLink, conn net.Conn, br *bufio.Reader) error {
	var src io.Reader
	var size int64
	for {
		_ = conn.SetReadDeadline(time.Now().Add(replTimeout))
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		pl.lastIO.Store(r.e.clock.Now().UnixMilli())
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			continue // the primary's keep-alive newlines
		}
		if !strings.HasPrefix(line, "$") {
			return fmt.Errorf("%w, not an RDB: %q", errPrimaryReply, line)
		}
		r.e.counters.replIn.Add(int64(len(line) + 2)) // the line, as the primary counts it
		if mark, ok := strings.CutPrefix(line, "$EOF:"); ok {
			if len(mark) != 40 {
				return fmt.Errorf("%w: bad EOF mark %q", errPrimaryReply, mark)
			}
			src = &eofMarkReader{br: br, mark: []byte(mark)}
		} else {
			n, err := strconv.ParseInt(line[1:], 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("%w: bad RDB length %q", errPrimaryReply, line)
			}
			size = n
			src = io.LimitReader(br, n)
		}
		break
	}
	_ = conn.SetReadDeadline(time.Time{})
	r.loading.Store(true)
	defer r.loading.Store(false)
	b := r.e.backend
	if err := b.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
		if err := tx.FlushAll(); err != nil {
			return err
		}
		return tx.SetAux(backend.AuxFunctions, nil)
	}); err != nil {
		return err
	}
	r.e.functions.flush()
	src = &countingReader{r: src, total: &r.e.counters.replIn}
	f, err := rdb.NewFileReader(src, size)
	if err != nil {
		return err
	}
	var codes []string
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-pl.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	st, err := rdb.Load(ctx, f, b, r.e.clock.Now().UnixMilli(), func(code []byte) error {
		codes = append(codes, string(code))
		return nil
	})
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, src); err != nil { // the EOF mark, or nothing
		return err
	}
	if em, ok := src.(*countingReader).r.(*eofMarkReader); ok && em.done {
		r.e.counters.replIn.Add(int64(len(em.mark)))
	}
	// The database the stream goes on in (the AUX field precedes the
	// data, so Load has read it).
	r.streamDB.Store(0)
	for _, kv := range f.Aux() {
		if kv[0] == "repl-stream-db" {
			if n, err := strconv.Atoi(kv[1]); err == nil && n >= 0 && n < b.Databases() {
				r.streamDB.Store(int32(n))
			}
		}
	}

	if err := r.e.restoreLibraries(codes, true); err != nil {
		return err
	}
	r.e.logger.Info("MASTER <-> REPLICA sync: Finished with success", "keys", st.Loaded, "expired", st.Expired)
	if p := r.e.persister; p != nil {
		_ = p.BGRewriteAOF() // the loaded data is in no AOF yet
	}
	return nil
}

// eofMarkReader reads a diskless RDB up to its 40-byte end mark, never
// past it: what follows is the stream.
type eofMarkReader struct {
	br   *bufio.Reader
	mark []byte
	done bool
}

func (e *eofMarkReader) Read(p []byte) (int, error) {
	if e.done {
		return 0, io.EOF
	}
	if _, err := e.br.Peek(len(e.mark)); err != nil {
		return 0, err
	}
	buf, _ := e.br.Peek(e.br.Buffered())
	if i := bytes.Index(buf, e.mark); i >= 0 {
		if i == 0 {
			_, _ = e.br.Discard(len(e.mark))
			e.done = true
			return 0, io.EOF
		}
		return e.br.Read(p[:min(len(p), i)])
	}
	// The last bytes may be the start of the mark: keep them.
	n := len(buf) - (len(e.mark) - 1)
	return e.br.Read(p[:min(len(p), n)])
}

// countingReader counts the bytes read through it, and adds them to
// total (total_net_repl_input_bytes) when it is set.
type countingReader struct {
	r     io.Reader
	n     int64
	total *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.total != nil {
		c.total.Add(int64(n))
	}
	return n, err
}

// primaryConnLink is the Link of the primary's client: it has no session.
type primaryConnLink struct {
	ctx  context.Context
	conn net.Conn
}

func (l primaryConnLink) Flush() error                     { return nil }
func (l primaryConnLink) Watch() (<-chan struct{}, func()) { return nil, func() {} }
func (l primaryConnLink) Context() context.Context         { return l.ctx }
func (l primaryConnLink) Close()                           { _ = l.conn.Close() }
func (l primaryConnLink) Detach() (io.Writer, error) {
	return nil, errors.New("not a client connection")
}

// applyStream runs the primary's commands as they come, puts their bytes
// on this server's stream, answers REPLCONF GETACK and sends an ACK every
// second.
func (r *replication) applyStream(pl *primaryLink, conn net.Conn, br *bufio.Reader) error {
	cr := &countingReader{r: br, total: &r.e.counters.replIn}
	rd := resp.NewReader(cr, resp.DefaultLimits())
	cl := r.e.NewClient(conn.RemoteAddr().String(), conn.LocalAddr().String())
	defer r.e.Unregister(cl)
	cl.flags.set(flagFromPrimary, true)
	cl.acl.user.Store(nil) // the primary's client may do anything
	cl.flags.set(flagAuthed, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := r.e.NewCtx(cl, primaryConnLink{ctx: ctx, conn: conn})
	cl.SetDB(int(r.streamDB.Load()))
	var wmu sync.Mutex
	sendAck := func() error {
		wmu.Lock()
		defer wmu.Unlock()
		off := strconv.FormatInt(r.stream.info().end, 10)
		_ = conn.SetWriteDeadline(time.Now().Add(replTimeout))
		_, err := conn.Write(resp.AppendCommand(nil, []byte("REPLCONF"), []byte("ACK"), []byte(off)))
		return err
	}
	if err := sendAck(); err != nil {
		return err
	}
	ackDone := make(chan struct{})
	defer close(ackDone)
	go func() { // owned by applyStream: ends with it
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if sendAck() != nil {
					return
				}
			case <-ackDone:
				return
			}
		}
	}()
	var raw []byte
	for {
		_ = conn.SetReadDeadline(time.Now().Add(replTimeout))
		before := cr.n - int64(rd.Buffered())
		args, err := rd.ReadCommand()
		if err != nil {
			return err
		}
		n := cr.n - int64(rd.Buffered()) - before
		pl.lastIO.Store(r.e.clock.Now().UnixMilli())
		getack := len(args) >= 2 && equalFold(args[0], "replconf") && equalFold(args[1], "getack")
		if !getack {
			r.e.Exec(c, args)
			c.Reset()
			r.streamDB.Store(int32(cl.DB()))
		}
		raw = resp.AppendCommand(raw[:0], args...)
		if int64(len(raw)) != n {
			return fmt.Errorf("%w: a command of %d bytes that encodes in %d", errPrimaryReply, n, len(raw))
		}
		r.stream.appendRaw(raw, pl.gen)
		if getack {
			if err := sendAck(); err != nil {
				return err
			}
		}
	}
}

// refuse is a replica's check of its clients' commands: writes are
// refused while replica-read-only, data commands while a full sync loads.
func (r *replication) refuse(spec *Spec) error {
	switch {
	case spec.Flags&(Write|ReadOnly) != 0 && r.loading.Load():
		return ErrLoading
	case spec.Flags&Write != 0 && r.readOnly():
		return ErrReadOnlyReplica
	}
	return nil
}

// ReplicaOf makes the server a replica of host:port, as REPLICAOF does
// (the server's start with replicaof in its config).
func (e *Engine) ReplicaOf(host string, port int) { e.repl.follow(host, port) }

// Primary returns the primary the server replicates as "host port", ""
// for a primary (CONFIG REWRITE's replicaof).
func (e *Engine) Primary() string {
	if pl := e.repl.link(); pl != nil {
		return pl.host + " " + strconv.Itoa(pl.port)
	}
	return ""
}

// SetListenPort is the port the server listens on, which a replica
// announces to its primary (REPLCONF listening-port).
func (e *Engine) SetListenPort(port int) { e.repl.listenPort.Store(int64(port)) }

// StopReplication ends the link to the primary and waits for the
// replication goroutines. The server calls it at shutdown, after its
// sessions ended (the feeders end with their replicas' sessions).
func (e *Engine) StopReplication() {
	r := e.repl
	r.mu.Lock()
	pl := r.primary
	r.primary = nil
	if !r.stopped {
		r.stopped = true
		close(r.quit)
	}
	if r.ttlTimer != nil {
		r.ttlTimer.Stop()
		r.ttlTimer = nil
	}
	r.mu.Unlock()
	if pl != nil {
		pl.end()
	}
	r.wg.Wait() // the links' goroutines (ended or ending) and the feeders
}
