package command

import (
	"bufio"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"redpool/backend"
	"redpool/persistence/rdb"
)

// The primary side of replication, wire-compatible with Redis 7.0: a
// replica connects as a client, says who it is (REPLCONF listening-port,
// capa eof/psync2), asks PSYNC replid offset, and gets either +CONTINUE
// and the stream from its offset (the backlog still has it), or
// +FULLRESYNC replid offset, an RDB of the data at offset and the stream
// from there. From then on the connection carries the stream one way and
// REPLCONF ACK offset the other; the replica's replies are off.
//
// Every write reaches the stream through the engine's Log (replLog), in
// the order the AOF gets it, under the write's locks. A feeder goroutine
// per replica writes the RDB and then the stream to its connection: it
// reads the stream's shared blocks (repl_stream.go) at its own pace, and
// is cut off when it falls more than the replica output-buffer hard limit
// behind, or when a write stalls for repl-timeout.

// replPingPeriod is repl-ping-replica-period: a primary with replicas
// sends PING on the stream this often, so that they see it alive.
const replPingPeriod = 10 * time.Second

// replTimeout is repl-timeout: a write to a replica that takes longer
// ends the link.
const replTimeout = 60 * time.Second

// replication is the engine's replication state. Safe for concurrent use.
type replication struct {
	e      *Engine
	stream *replStream

	mu       sync.Mutex
	replicas map[*Client]*replica
	// replID is the history the stream belongs to (a replica's is its
	// primary's); replID2 and secondOffset the previous one, valid up to
	// that offset (after a promotion).
	replID, replID2 string
	secondOffset    int64
	primary         *primaryLink // the link of a replica, nil for a primary

	replicaOn atomic.Bool // REPLICAOF host port
	// backlogTTL is repl-backlog-ttl (seconds); ttlTimer its countdown
	// while a primary has no replica (guarded by mu).
	backlogTTL atomic.Int64
	ttlTimer   *time.Timer
	// min-replicas-to-write and min-replicas-max-lag (seconds): a primary
	// with fewer good replicas refuses writes.
	minReplicas, minReplicasLag atomic.Int64
	// streamDB is the database the primary's stream is in, as applied
	// so far: a partial resync goes on in it (Redis's cached master db).
	streamDB   atomic.Int32
	listenPort atomic.Int64  // what a replica announces (SetListenPort)
	stopped    bool          // StopReplication ran
	quit       chan struct{} // closed by StopReplication
	loading    atomic.Bool   // a full sync replaces the data: -LOADING
	// INFO stats: full and partial resyncs served (and refused).
	syncFull, syncPartialOK, syncPartialErr atomic.Int64
	pinging                                 bool          // the pinger runs (while there are replicas)
	acked                                   chan struct{} // closed and replaced at each ACK
	wg                                      sync.WaitGroup
}

func newReplication(e *Engine) *replication {
	r := &replication{
		e:            e,
		replID:       e.id.replID,
		replID2:      zeroReplID,
		secondOffset: -1,
		stream:       newReplStream(1 << 20),
		replicas:     make(map[*Client]*replica),
		acked:        make(chan struct{}),
		quit:         make(chan struct{}),
	}
	r.minReplicasLag.Store(10)
	r.backlogTTL.Store(3600)
	return r
}

// replica is one replica link, from its first REPLCONF on.
type replica struct {
	cl         *Client
	listenPort int
	ipAddress  string // REPLCONF ip-address, else the connection's
	capaEOF    bool
	psync2     bool
	online     atomic.Bool  // the RDB is sent, the stream flows
	ackOffset  atomic.Int64 // REPLCONF ACK
	ackTime    atomic.Int64 // Unix ms of the last ACK
	gone       chan struct{}
	goneOnce   sync.Once
}

func (rp *replica) close() { rp.goneOnce.Do(func() { close(rp.gone) }) }

// replLog puts every write on the replication stream before it goes to the
// AOF (inner, possibly nil).
type replLog struct {
	inner  Log
	stream *replStream
}

func (l replLog) Append(db int, argv [][]byte) uint64 {
	l.stream.feed(db, argv)
	if l.inner == nil {
		return 0
	}
	return l.inner.Append(db, argv)
}

func (l replLog) AppendMulti(recs []Record) uint64 {
	l.stream.feedMulti(recs)
	if l.inner == nil {
		return 0
	}
	return l.inner.AppendMulti(recs)
}

func (l replLog) Wait(seq uint64) error {
	if l.inner == nil {
		return nil
	}
	return l.inner.Wait(seq)
}

func (l replLog) Err() error {
	if l.inner == nil {
		return nil
	}
	return l.inner.Err()
}

// replicaOf returns cl's replica record, creating it.
func (r *replication) replicaOf(cl *Client) *replica {
	r.mu.Lock()
	defer r.mu.Unlock()
	rp := r.replicas[cl]
	if rp == nil {
		rp = &replica{cl: cl, gone: make(chan struct{})}
		r.replicas[cl] = rp
	}
	return rp
}

// remove forgets cl's replica link (its connection closed).
func (r *replication) remove(cl *Client) {
	r.mu.Lock()
	rp := r.replicas[cl]
	delete(r.replicas, cl)
	if rp != nil && len(r.replicas) == 0 {
		r.armBacklogTTL()
	}
	r.mu.Unlock()
	if rp != nil {
		rp.close()
	}
}

// armBacklogTTL starts repl-backlog-ttl's countdown when the last replica
// of a primary goes: the backlog is freed, and the replication id
// changed, if none attaches in time (Redis's replicationCron). 0 keeps it.
// r.mu is held.
func (r *replication) armBacklogTTL() {
	ttl := r.backlogTTL.Load()
	if ttl <= 0 || r.stopped || r.primary != nil {
		return
	}
	if r.ttlTimer != nil {
		r.ttlTimer.Stop()
	}
	r.ttlTimer = time.AfterFunc(time.Duration(ttl)*time.Second, r.freeIdleBacklog)
}

// freeIdleBacklog frees the backlog of a primary still without replicas.
func (r *replication) freeIdleBacklog() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ttlTimer = nil
	if len(r.replicas) > 0 || r.stopped || r.primary != nil {
		return
	}
	r.stream.stop()
	r.replID, r.replID2, r.secondOffset = newReplID(), zeroReplID, -1
}

// attached lists the replicas that asked for a sync, for INFO and ROLE.
func (r *replication) attached() []*replica {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*replica
	for _, rp := range r.replicas {
		if rp.cl.flags.has(flagReplicaSynced) {
			out = append(out, rp)
		}
	}
	slices.SortFunc(out, func(a, b *replica) int { return cmp.Compare(a.cl.ID, b.cl.ID) })
	return out
}

// startPinger starts the PING of the stream, once.
func (r *replication) startPinger() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pinging || r.stopped {
		return
	}
	r.pinging = true
	r.wg.Add(1)
	go r.pinger()
}

// pinger puts a PING on the stream every replPingPeriod while there are
// replicas, as Redis's replicationCron. It stops with the last replica.
func (r *replication) pinger() {
	defer r.wg.Done()
	t := time.NewTicker(replPingPeriod)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-r.quit:
			r.mu.Lock()
			r.pinging = false
			r.mu.Unlock()
			return
		}
		r.mu.Lock()
		if len(r.replicas) == 0 {
			r.pinging = false
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		r.stream.feed(-1, [][]byte{[]byte("PING")})
	}
}

// ack records a replica's REPLCONF ACK and wakes WAIT.
func (r *replication) ack(rp *replica, off int64) {
	if off > rp.ackOffset.Load() {
		rp.ackOffset.Store(off)
	}
	rp.ackTime.Store(r.e.clock.Now().UnixMilli())
	r.mu.Lock()
	close(r.acked)
	r.acked = make(chan struct{})
	r.mu.Unlock()
}

// countAcked counts the replicas that acknowledged offset off, and returns
// the channel closed at the next ACK.
func (r *replication) countAcked(off int64) (int, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rp := range r.replicas {
		if rp.online.Load() && rp.ackOffset.Load() >= off {
			n++
		}
	}
	return n, r.acked
}

func replicationCommands() []Spec {
	return []Spec{
		{Name: "replconf", Arity: -1, Flags: Admin | NoScript | AllowBusy, Run: replconfCmd, Group: "server", Summary: "An internal command for configuring the replication stream.", Since: "3.0.0"},
		{Name: "psync", Arity: -3, Flags: Admin | NoScript | NoMulti, Run: psyncCmd, Group: "server", Summary: "An internal command used in replication.", Since: "2.8.0"},
		{Name: "sync", Arity: 1, Flags: Admin | NoScript | NoMulti, Run: syncCmd, Group: "server", Summary: "An internal command used in replication.", Since: "1.0.0"},
		{Name: "role", Arity: 1, Flags: NoScript | Fast, Run: roleCmd, Group: "server", Summary: "Returns the replication role.", Since: "2.8.12"},
		{Name: "wait", Arity: 3, Flags: NoScript, Run: waitCmd, Group: "generic", Summary: "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.", Since: "3.0.0"},
	}
}

// replconfCmd is REPLCONF: the replica's handshake options and its ACKs.
func replconfCmd(c *Ctx) error {
	if len(c.Args)%2 == 0 {
		return ErrSyntax
	}
	r := c.e.repl
	rp := r.replicaOf(c.Client)
	for i := 1; i < len(c.Args); i += 2 {
		opt, val := strings.ToLower(string(c.Args[i])), c.Args[i+1]
		switch opt {
		case "listening-port":
			n, err := parseInt(val)
			if err != nil {
				return err
			}
			rp.listenPort = int(n)
		case "ip-address":
			rp.ipAddress = string(val)
		case "capa":
			switch strings.ToLower(string(val)) {
			case "eof":
				rp.capaEOF = true
			case "psync2":
				rp.psync2 = true
			}
		case "ack":
			// No reply: the replica does not read one.
			if n, err := parseInt(val); err == nil && c.Client.flags.has(flagReplicaSynced) {
				r.ack(rp, n)
			}
			return nil
		case "getack":
			return nil // only a replica answers it
		case "rdb-only", "rdb-filter-only":
			// Accepted as Redis does; the sync is the same.
		default:
			return Error("ERR Unrecognized REPLCONF option: " + string(c.Args[i]))
		}
	}
	c.OK()
	return nil
}

// syncCmd is SYNC: PSYNC ? -1 for an old replica.
func syncCmd(c *Ctx) error { return c.e.repl.sync(c, "", -1, false) }

// psyncCmd is PSYNC replid offset.
func psyncCmd(c *Ctx) error {
	off, err := parseInt(c.Args[2])
	if err != nil {
		return err
	}
	return c.e.repl.sync(c, string(c.Args[1]), off, true)
}

// sync serves a replica's sync request: a partial resync from the backlog
// when it can, else a full one.
func (r *replication) sync(c *Ctx, replID string, off int64, psync bool) error {
	if c.Client.flags.has(flagReplicaSynced) {
		return nil // already a replica: Redis ignores it
	}
	if pl := r.link(); pl != nil && pl.getState() != "connected" {
		return ErrNoMasterLink
	}
	rp := r.replicaOf(c.Client)
	r.mu.Lock()
	if r.ttlTimer != nil {
		r.ttlTimer.Stop()
		r.ttlTimer = nil
	}
	r.mu.Unlock()
	w, err := c.Link.Detach()
	if err != nil {
		return err
	}
	c.Client.flags.set(flagReplicaSynced, true)
	c.Client.replyMode = replyOff
	ids := r.ids()
	if psync && off > 0 && (replID == ids.id || replID == ids.id2 && off <= ids.second) {
		if cur, ok := r.stream.cursor(off - 1); ok {
			r.syncPartialOK.Add(1)
			if _, err := io.WriteString(w, "+CONTINUE "+ids.id+"\r\n"); err != nil {
				return nil
			}
			rp.online.Store(true)
			r.startFeeder(rp, w, cur, nil, nil)
			return nil
		}
	}
	if psync && replID != "?" {
		r.syncPartialErr.Add(1)
	}
	r.syncFull.Add(1)
	var (
		cur  replCursor
		libs [][]byte
	)
	snap, err := r.e.backend.Snapshot(func() {
		r.stream.start()
		r.stream.forceSelect() // the replica's stream begins in no database
		cur, _ = r.stream.cursor(r.stream.info().end)
		for _, lib := range r.e.functions.sorted() {
			libs = append(libs, []byte(lib.code))
		}
	})
	if err != nil {
		c.Link.Close()
		return nil
	}
	if psync {
		_, err = io.WriteString(w, "+FULLRESYNC "+r.ids().id+" "+strconv.FormatInt(cur.pos, 10)+"\r\n")
	}
	if err != nil {
		_ = snap.Close()
		return nil
	}
	r.startFeeder(rp, w, cur, snap, libs)
	return nil
}

// startFeeder runs the replica's feeder goroutine.
func (r *replication) startFeeder(rp *replica, w io.Writer, cur replCursor, snap backend.Snapshot, libs [][]byte) {
	r.startPinger()
	link := rp.cl.link.Load()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := r.feed(rp, w, cur, snap, libs); err != nil {
			r.e.logger.Info("replica link ended", "replica", rp.cl.Addr, "err", err)
			if link != nil {
				(*link).Close()
			}
		}
	}()
}

// feed writes the RDB (for a full sync) and then the stream to a replica
// until it goes.
func (r *replication) feed(rp *replica, w io.Writer, cur replCursor, snap backend.Snapshot, libs [][]byte) error {
	conn, _ := w.(net.Conn)
	w = countingWriter{w: w, n: &r.e.counters.replOut} // total_net_repl_output_bytes
	deadline := func() {
		if conn != nil {
			_ = conn.SetWriteDeadline(time.Now().Add(replTimeout))
		}
	}
	if snap != nil {
		deadline()
		err := r.sendRDB(rp, w, snap, libs)
		_ = snap.Close()
		if err != nil {
			return err
		}
		rp.online.Store(true)
		rp.ackTime.Store(r.e.clock.Now().UnixMilli())
	}
	hard := int64(r.e.outputLimits.forClass(ClassReplica).Hard)
	for {
		data, more := r.stream.read(&cur)
		if data == nil {
			select {
			case <-more:
				continue
			case <-rp.gone:
				return nil
			}
		}
		if hard > 0 && r.stream.info().end-cur.pos > hard {
			return errReplicaTooSlow
		}
		deadline()
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
}

// sendRDB writes the snapshot as an RDB: diskless with an EOF mark when
// the replica can take it (capa eof), else from a temporary file, after
// its length.
func (r *replication) sendRDB(rp *replica, w io.Writer, snap backend.Snapshot, libs [][]byte) error {
	o := rdb.FileOptions{Created: r.e.clock.Now().Unix(), Aux: [][2]string{
		{"repl-stream-db", "0"}, {"repl-id", r.ids().id}, {"repl-offset", "0"},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-rp.gone:
			cancel()
		case <-ctx.Done():
		}
	}()
	if rp.capaEOF {
		var mark [20]byte
		_, _ = rand.Read(mark[:])
		m := hex.EncodeToString(mark[:])
		bw := bufio.NewWriterSize(w, 64<<10)
		if _, err := bw.WriteString("$EOF:" + m + "\r\n"); err != nil {
			return err
		}
		if err := rdb.WriteSnapshot(ctx, bw, snap, libs, o); err != nil {
			return err
		}
		if _, err := bw.WriteString(m); err != nil {
			return err
		}
		return bw.Flush()
	}
	f, err := os.CreateTemp("", "redpool-sync-*.rdb")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := rdb.WriteSnapshot(ctx, bw, snap, libs, o); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "$"+strconv.FormatInt(size, 10)+"\r\n"); err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}

// roleCmd is ROLE: ["master", offset, [[ip, port, offset], ...]], or
// ["slave", host, port, state, offset] on a replica.
func roleCmd(c *Ctx) error {
	r := c.e.repl
	if pl := r.link(); pl != nil {
		c.Array(5)
		c.BulkString("slave")
		c.BulkString(pl.host)
		c.Int(int64(pl.port))
		c.BulkString(pl.getState())
		off := int64(-1)
		if bl := r.stream.info(); bl.active {
			off = bl.end
		}
		c.Int(off)
		return nil
	}
	reps := r.attached()
	c.Array(3)
	c.BulkString("master")
	c.Int(r.stream.info().end)
	c.Array(len(reps))
	for _, rp := range reps {
		c.Array(3)
		c.BulkString(rp.ip())
		c.BulkString(strconv.Itoa(rp.listenPort))
		c.BulkString(strconv.FormatInt(rp.ackOffset.Load(), 10))
	}
	return nil
}

// link returns a replica's link to its primary (nil on a primary).
func (r *replication) link() *primaryLink {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.primary
}

// newReplID returns a new random replication id: 40 hex characters.
func newReplID() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ip is the address INFO and ROLE show for the replica.
func (rp *replica) ip() string {
	if rp.ipAddress != "" {
		return rp.ipAddress
	}
	host, _, err := net.SplitHostPort(rp.cl.Addr)
	if err != nil {
		return rp.cl.Addr
	}
	return host
}

// waitCmd is WAIT numreplicas timeout: it waits until that many replicas
// acknowledged everything written so far (asking them with REPLCONF
// GETACK), or the timeout (ms, 0 = forever), and replies how many did.
func waitCmd(c *Ctx) error {
	want, err := parseInt(c.Args[1])
	if err != nil {
		return err
	}
	ms, err := parseInt(c.Args[2])
	if err != nil {
		return err
	}
	if ms < 0 {
		return ErrTimeoutNegative
	}
	r := c.e.repl
	target := r.stream.info().end
	n, more := r.countAcked(target)
	if int64(n) >= want || c.Link == nil || c.InOpenTx() {
		c.Int(int64(n))
		return nil
	}
	r.stream.feed(-1, [][]byte{[]byte("REPLCONF"), []byte("GETACK"), []byte("*")})
	var timeout <-chan time.Time
	if ms > 0 {
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		defer t.Stop()
		timeout = t.C
	}
	gone, stop := c.Link.Watch()
	defer stop()
	for {
		select {
		case <-more:
		case <-timeout:
			n, _ = r.countAcked(target)
			c.Int(int64(n))
			return nil
		case <-gone:
			return nil
		}
		if n, more = r.countAcked(target); int64(n) >= want {
			c.Int(int64(n))
			return nil
		}
	}
}

// infoReplication is INFO's replication section.
func (e *Engine) infoReplication() [][2]string {
	r := e.repl
	reps := r.attached()
	bl := r.stream.info()
	ids := r.ids()
	now := e.clock.Now().UnixMilli()
	var f [][2]string
	if pl := r.link(); pl != nil {
		status := "down"
		if pl.getState() == "connected" {
			status = "up"
		}
		ioAgo := int64(-1)
		if t := pl.lastIO.Load(); t > 0 {
			ioAgo = (now - t) / 1000
		}
		syncing := "0"
		if pl.syncing.Load() {
			syncing = "1"
		}
		off := strconv.FormatInt(bl.end, 10)
		f = append(f,
			[2]string{"role", "slave"},
			[2]string{"master_host", pl.host},
			[2]string{"master_port", strconv.Itoa(pl.port)},
			[2]string{"master_link_status", status},
			[2]string{"master_last_io_seconds_ago", strconv.FormatInt(ioAgo, 10)},
			[2]string{"master_sync_in_progress", syncing},
			[2]string{"slave_read_repl_offset", off},
			[2]string{"slave_repl_offset", off},
		)
		if t := pl.downFrom.Load(); t > 0 {
			f = append(f, [2]string{"master_link_down_since_seconds", strconv.FormatInt((now-t)/1000, 10)})
		}
		f = append(f,
			[2]string{"slave_priority", e.paramOr("replica-priority", "100")},
			[2]string{"slave_read_only", boolDigit(r.readOnly())},
			[2]string{"replica_announced", "1"},
		)
	} else {
		f = append(f, [2]string{"role", "master"})
	}
	f = append(f, [2]string{"connected_slaves", strconv.Itoa(len(reps))})
	for i, rp := range reps {
		state := "wait_bgsave"
		if rp.online.Load() {
			state = "online"
		}
		lag := int64(0)
		if t := rp.ackTime.Load(); t > 0 {
			lag = (now - t) / 1000
		}
		f = append(f, [2]string{"slave" + strconv.Itoa(i), "ip=" + rp.ip() + ",port=" + strconv.Itoa(rp.listenPort) +
			",state=" + state + ",offset=" + strconv.FormatInt(rp.ackOffset.Load(), 10) + ",lag=" + strconv.FormatInt(lag, 10)})
	}
	return append(f,
		[2]string{"master_failover_state", "no-failover"},
		[2]string{"master_replid", ids.id},
		[2]string{"master_replid2", ids.id2},
		[2]string{"master_repl_offset", strconv.FormatInt(bl.end, 10)},
		[2]string{"second_repl_offset", strconv.FormatInt(ids.second, 10)},
		[2]string{"repl_backlog_active", boolDigit(bl.active)},
		[2]string{"repl_backlog_size", strconv.FormatInt(r.stream.getBacklogSize(), 10)},
		[2]string{"repl_backlog_first_byte_offset", strconv.FormatInt(bl.first, 10)},
		[2]string{"repl_backlog_histlen", strconv.FormatInt(bl.len, 10)},
	)
}

// boolDigit is "1" or "0".
func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// readOnly reports whether a replica refuses its clients' writes
// (replica-read-only).
func (r *replication) readOnly() bool { return r.e.paramOr("replica-read-only", "yes") == "yes" }

// params are the replication settings for CONFIG.
func (r *replication) params() []Param {
	return []Param{
		MemoryParam("repl-backlog-size", 1, 1<<62, func() uint64 { return uint64(r.stream.getBacklogSize()) },
			func(n uint64) error { r.stream.setBacklogSize(int64(n)); return nil }),
		stringKnob("masterauth", ""),
		stringKnob("masteruser", ""),
		intKnob("replica-priority", 100, 0, math.MaxInt32),
		intKnob("repl-ping-replica-period", 10, 1, math.MaxInt32),
		intKnob("repl-timeout", 60, 1, math.MaxInt32),
		boolKnob("replica-serve-stale-data", true),
		boolKnob("repl-diskless-sync", true),
		intKnob("repl-diskless-sync-delay", 5, 0, math.MaxInt32),
		intKnob("repl-diskless-sync-max-replicas", 0, 0, math.MaxInt32),
		enumKnob("repl-diskless-load", "disabled", "disabled", "on-empty-db", "swapdb"),
		IntParam("repl-backlog-ttl", 0, math.MaxInt32, r.backlogTTL.Load,
			func(n int64) error { r.backlogTTL.Store(n); return nil }),
		boolKnob("replica-lazy-flush", false),
		boolKnob("replica-ignore-maxmemory", true),
		boolKnob("replica-announced", true),
		IntParam("min-replicas-to-write", 0, math.MaxInt32, r.minReplicas.Load,
			func(n int64) error { r.minReplicas.Store(n); return nil }),
		IntParam("min-replicas-max-lag", 0, math.MaxInt32, r.minReplicasLag.Load,
			func(n int64) error { r.minReplicasLag.Store(n); return nil }),
	}
}

// zeroReplID is master_replid2 when there is no previous history.
const zeroReplID = "0000000000000000000000000000000000000000"

// enoughReplicas reports whether a primary has min-replicas-to-write
// good replicas: online, acknowledged within min-replicas-max-lag
// seconds (Redis's refreshGoodSlavesCount).
func (r *replication) enoughReplicas() bool {
	want := r.minReplicas.Load()
	if want == 0 || r.replicaOn.Load() {
		return true
	}
	maxLag := r.minReplicasLag.Load() * 1000
	now := r.e.clock.Now().UnixMilli()
	r.mu.Lock()
	defer r.mu.Unlock()
	var good int64
	for _, rp := range r.replicas {
		if rp.online.Load() && now-rp.ackTime.Load() <= maxLag {
			good++
		}
	}
	return good >= want
}
