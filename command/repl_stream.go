package command

import (
	"strconv"
	"sync"
	"sync/atomic"

	"redpool/session/resp"
)

// replBlockSize is the size of one block of the replication stream.
const replBlockSize = 16 << 10

// replBlock is a piece of the replication stream: the bytes from stream
// position start on. Blocks form a list that only grows at the tail; data
// is appended in place (its capacity is fixed), so a reader may read the
// first n bytes it learned of under replStream.mu without the lock. A
// block nobody points at any more (the backlog's head moved past it, the
// replicas' feeders read it) is garbage: the replicas and the backlog
// share the blocks, as Redis 7.0's replication buffer does.
type replBlock struct {
	start int64 // stream position of data[0]
	data  []byte
	next  *replBlock // guarded by replStream.mu
}

// replStream is the replication stream of a primary: every write as the
// commands that redo it, in the order the AOF gets them, with a SELECT
// whenever the database changes. Positions count bytes from the start
// (master_repl_offset is the end). The backlog keeps the last
// backlogSize bytes for partial resyncs. Safe for concurrent use.
//
// The stream is off until the first replica attaches (start): before,
// feeding it costs one atomic load, and the offset stays 0, as in Redis.
type replStream struct {
	mu sync.Mutex
	on bool
	// live mirrors on && !proxy, so that feeding a stream nobody reads
	// costs one atomic load and no lock.
	live        atomic.Bool
	proxy       bool       // a replica's: only appendRaw adds (the primary's bytes)
	proxyGen    int64      // counts setProxy calls: a stale link's appends are dropped
	head, tail  *replBlock // the backlog's first block, the last block
	end         int64      // master_repl_offset
	db          int        // the database of the last command (-1: none yet)
	backlogSize int64
	changed     chan struct{} // closed and replaced at each append
	buf         []byte
}

func newReplStream(backlogSize int64) *replStream {
	return &replStream{backlogSize: backlogSize, db: -1, changed: make(chan struct{})}
}

// start turns the stream on (the first replica): the backlog begins at
// the current end.
func (r *replStream) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.on {
		r.startLocked()
	}
}

// stop frees the backlog (repl-backlog-ttl); the offset stays where it
// is, as Redis's master_repl_offset.
func (r *replStream) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	r.live.Store(false)
	r.head, r.tail = nil, nil
	r.db = -1
}

// startLocked starts a new backlog at the end.
func (r *replStream) startLocked() {
	r.on = true
	r.live.Store(!r.proxy)
	b := &replBlock{start: r.end, data: make([]byte, 0, replBlockSize)}
	r.head, r.tail = b, b
	r.db = -1
	close(r.changed)
	r.changed = make(chan struct{})
}

// feed appends argv as a command on db (db < 0: a command of no
// database, such as PING).
func (r *replStream) feed(db int, argv [][]byte) {
	r.write(func(buf []byte) []byte {
		return resp.AppendCommand(r.selectDB(buf, db), argv...)
	})
}

// feedMulti appends the commands of one transaction as a unit: MULTI,
// recs, EXEC.
func (r *replStream) feedMulti(recs []Record) {
	r.write(func(buf []byte) []byte {
		for i, rec := range recs {
			buf = r.selectDB(buf, rec.DB)
			if i == 0 {
				buf = resp.AppendCommand(buf, []byte("MULTI"))
			}
			buf = resp.AppendCommand(buf, rec.Argv...)
		}
		return resp.AppendCommand(buf, []byte("EXEC"))
	})
}

// write appends what encode renders, if a primary's stream is on: one
// atomic load otherwise.
func (r *replStream) write(encode func(buf []byte) []byte) {
	if !r.live.Load() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.on || r.proxy {
		return
	}
	buf := encode(r.buf[:0])
	r.appendLocked(buf)
	r.buf = buf[:0]
}

// selectDB appends a SELECT when db (>= 0) is not the stream's database.
// r.mu is held.
func (r *replStream) selectDB(buf []byte, db int) []byte {
	if db < 0 || db == r.db {
		return buf
	}
	r.db = db
	return resp.AppendCommand(buf, []byte("SELECT"), strconv.AppendInt(nil, int64(db), 10))
}

// forceSelect makes the next command start with a SELECT (a replica's
// full sync begins at the current end, in no database yet).
func (r *replStream) forceSelect() {
	r.mu.Lock()
	if !r.proxy {
		r.db = -1
	}
	r.mu.Unlock()
}

// setProxy switches between a replica's stream (only the primary's bytes,
// appendRaw) and a primary's (every write, feed). After a promotion the
// next write starts with a SELECT.
func (r *replStream) setProxy(on bool) (gen int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.proxy = on
	r.live.Store(r.on && !on)
	r.db = -1
	r.proxyGen++
	return r.proxyGen
}

// appendRaw appends bytes the primary sent (a replica's stream), turning
// the stream on, unless the link that read them (of generation gen, as
// setProxy returned) has been replaced or ended since.
func (r *replStream) appendRaw(p []byte, gen int64) {
	r.mu.Lock()
	if !r.proxy || gen != r.proxyGen {
		r.mu.Unlock()
		return
	}
	if !r.on {
		r.startLocked()
	}
	r.appendLocked(p)
	r.mu.Unlock()
}

// reset starts the stream over at end (a replica's full resync by the
// link of generation gen).
func (r *replStream) reset(end, gen int64) {
	r.mu.Lock()
	if !r.proxy || gen != r.proxyGen {
		r.mu.Unlock()
		return
	}
	r.end = end
	r.startLocked()
	r.mu.Unlock()
}

// appendLocked adds p at the end, trims the backlog and wakes the
// readers.
func (r *replStream) appendLocked(p []byte) {
	for len(p) > 0 {
		t := r.tail
		if len(t.data) == cap(t.data) {
			nb := &replBlock{start: t.start + int64(len(t.data)), data: make([]byte, 0, replBlockSize)}
			t.next = nb
			r.tail = nb
			t = nb
		}
		n := min(len(p), cap(t.data)-len(t.data))
		t.data = append(t.data, p[:n]...)
		p = p[n:]
		r.end += int64(n)
	}
	for r.head != r.tail && r.end-(r.head.start+int64(len(r.head.data))) >= r.backlogSize {
		r.head = r.head.next
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

// replCursor reads the stream from a position on.
type replCursor struct {
	b   *replBlock
	pos int64
}

// cursor returns a cursor at pos, which must be within the backlog
// (ok false otherwise), and the stream's end.
func (r *replStream) cursor(pos int64) (c replCursor, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.on || pos < r.head.start || pos > r.end {
		return c, false
	}
	b := r.head
	for b.next != nil && pos >= b.start+int64(len(b.data)) {
		b = b.next
	}
	return replCursor{b: b, pos: pos}, true
}

// read returns the bytes after c up to what has been written (valid until
// the next call), or, when there are none, a channel closed at the next
// append.
func (r *replStream) read(c *replCursor) ([]byte, <-chan struct{}) {
	r.mu.Lock()
	b := c.b
	for c.pos >= b.start+int64(len(b.data)) && b.next != nil {
		b = b.next
	}
	c.b = b
	n := b.start + int64(len(b.data)) - c.pos
	if n == 0 {
		ch := r.changed
		r.mu.Unlock()
		return nil, ch
	}
	data := b.data[c.pos-b.start : len(b.data)]
	r.mu.Unlock()
	c.pos += int64(len(data))
	return data, nil
}

func (r *replStream) getBacklogSize() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.backlogSize
}

func (r *replStream) setBacklogSize(n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.backlogSize = n
}

// replBacklogInfo are the backlog's INFO figures.
type replBacklogInfo struct {
	active          bool
	end, first, len int64
}

func (r *replStream) info() replBacklogInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.on {
		return replBacklogInfo{end: r.end}
	}
	return replBacklogInfo{active: true, end: r.end, first: r.head.start + 1, len: r.end - r.head.start}
}
