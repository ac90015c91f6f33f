package command

import (
	"errors"
	"math"
	"strconv"
	"sync/atomic"

	"redpool/backend"
	"redpool/session/resp"
)

// The stream family: XADD, XLEN, XRANGE, XREVRANGE, XDEL, XSETID here;
// XTRIM and the trimming shared with XADD in streams_trim.go; XREAD in
// streams_read.go (its wake-up API in streams_blocking.go); XINFO in
// streams_info.go. The consumer groups (XGROUP, XREADGROUP, XACK, ...)
// are in streams_groups.go.
//
// The backends only store (backend.Tx's X* operations); every rule is
// here, once, as Redis 7.0's t_stream.c has it: id generation, when the
// tail node is full, trimming, and the first-id / max-deleted-id /
// entries-added bookkeeping of XINFO STREAM.

func streamCommands() []Spec {
	return []Spec{
		{Name: "xadd", Arity: -5, Flags: Write | DenyOOM | Fast, Keys: KeySpec{1, 1, 1}, Run: xadd, Group: "stream", Summary: "Appends a new message to a stream. Creates the key if it doesn't exist.", Since: "5.0.0"},
		{Name: "xlen", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: xlen, Group: "stream", Summary: "Return the number of messages in a stream.", Since: "5.0.0"},
		{Name: "xrange", Arity: -4, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: xrange, Group: "stream", Summary: "Returns the messages from a stream within a range of IDs.", Since: "5.0.0"},
		{Name: "xrevrange", Arity: -4, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: xrevrange, Group: "stream", Summary: "Returns the messages from a stream within a range of IDs in reverse order.", Since: "5.0.0"},
		{Name: "xdel", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: xdel, Group: "stream", Summary: "Returns the number of messages after removing them from a stream.", Since: "5.0.0"},
		{Name: "xtrim", Arity: -4, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: xtrim, Group: "stream", Summary: "Deletes messages from the beginning of a stream.", Since: "5.0.0"},
		{Name: "xsetid", Arity: -3, Flags: Write | DenyOOM | Fast, Keys: KeySpec{1, 1, 1}, Run: xsetid, Group: "stream", Summary: "An internal command for replicating stream values.", Since: "5.0.0"},
		{Name: "xread", Arity: -4, Flags: ReadOnly | Blocking | NoTx, FindKeys: xreadKeys, Run: xread, Group: "stream", Summary: "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.", Since: "5.0.0"},
		xinfoSpec(xinfoGroupRows()...),
	}
}

// streamConfig holds stream-node-max-bytes and stream-node-max-entries,
// read by every XADD. Safe for concurrent use.
type streamConfig struct {
	maxBytes   atomic.Int64
	maxEntries atomic.Int64
}

// Redis's defaults, and the largest node it builds whatever the setting
// (STREAM_LISTPACK_MAX_SIZE).
const (
	defaultStreamNodeMaxBytes   = 4096
	defaultStreamNodeMaxEntries = 100
	streamListpackMaxSize       = 1 << 30
)

// params returns the two CONFIG parameters, with Redis's types and bounds.
func (s *streamConfig) params() []Param {
	s.maxBytes.Store(defaultStreamNodeMaxBytes)
	s.maxEntries.Store(defaultStreamNodeMaxEntries)
	return []Param{
		MemoryParam("stream-node-max-bytes", 0, math.MaxInt64,
			func() uint64 { return uint64(s.maxBytes.Load()) },
			func(n uint64) error { s.maxBytes.Store(int64(n)); return nil }),
		IntParam("stream-node-max-entries", 0, math.MaxInt64, s.maxEntries.Load,
			func(n int64) error { s.maxEntries.Store(n); return nil }),
	}
}

// nodeFull reports whether an entry whose fields and values total
// rawLen bytes starts a new node after tail, as Redis's streamAppendItem
// decides: the listpack would reach stream-node-max-bytes, or the node
// holds stream-node-max-entries entries (deleted ones count).
func (s *streamConfig) nodeFull(tail *backend.StreamNode, rawLen int64) bool {
	maxBytes := s.maxBytes.Load()
	if maxBytes <= 0 || maxBytes > streamListpackMaxSize {
		maxBytes = streamListpackMaxSize
	}
	if tail.LPBytes()+rawLen >= maxBytes {
		return true
	}
	maxEntries := s.maxEntries.Load()
	return maxEntries > 0 && tail.Total >= maxEntries
}

// streamMeta returns key's stream header; ok is false if key does not
// exist, and a key of another type is backend.ErrWrongType.
func streamMeta(c *Ctx, key []byte) (backend.StreamMeta, bool, error) {
	return c.Tx.XMeta(key)
}

// streamMetaOrZero is streamMeta for the commands that reply 0 to a
// missing key (XDEL, XTRIM): it has replied when ok is false and err nil.
func streamMetaOrZero(c *Ctx, key []byte) (backend.StreamMeta, bool, error) {
	m, ok, err := streamMeta(c, key)
	if err == nil && !ok {
		c.Int(0)
	}
	return m, ok && err == nil, err
}

// --- XADD ---

// xadd is XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT
// count]] *|id field value [field value ...].
func xadd(c *Ctx) error {
	a, err := parseAddTrim(c, true)
	if err != nil {
		return err
	}
	if a.idAt+1 >= len(c.Args) || (len(c.Args)-a.idAt-1)%2 == 1 {
		return WrongArity("xadd")
	}
	fields := c.Args[a.idAt+1:]
	if a.idGiven && a.seqGiven && a.id.IsZero() {
		return ErrXAddIDZero
	}
	key := c.Args[1]
	m, ok, err := streamMeta(c, key)
	if err != nil {
		return err
	}
	if !ok && a.noMkStream {
		c.Null()
		return nil
	}
	if m.LastID == backend.MaxStreamID {
		return ErrStreamExhausted
	}
	id, err := nextAddID(c, &m, &a)
	if err != nil {
		return err
	}
	absent, err := c.absentForNew(key)
	if err != nil {
		return err
	}
	if err := streamAppend(c, key, &m, id, fields); err != nil {
		return err
	}
	idText := c.rareBufs().streamID.format(id)
	c.Bulk(idText)
	c.notifyNew(absent, key)
	c.Notify(NotifyStream, "xadd", key)
	if a.trim.strategy != trimNone {
		trim := a.trim // escapes (streamTrim's callbacks): a stays on the stack
		n, err := streamTrim(c, key, &m, &trim)
		if err != nil {
			return err
		}
		if n > 0 {
			c.Notify(NotifyStream, "xtrim", key)
		}
	}
	if err := c.Tx.XSetMeta(key, m); err != nil {
		return err
	}
	if a.idGiven && a.seqGiven {
		idText = nil // logged as given, as Redis does
	}
	c.Propagate(addTrimPropagation(c, &a, &m, idText)...)
	signalStream(c, key)
	return nil
}

// nextAddID returns the id XADD adds with: the next one from the clock,
// or the one given (with "ms-*", the next seq of ms), which must be
// greater than the stream's last id.
//
// The clock is the transaction's reading (Tx.Now, the backend's clock,
// read once per transaction), as Redis 7.2's commandTimeSnapshot: the
// XADDs of one pipelined run on the stream, of one EXEC or one script
// take one ms and consecutive seqs, and the run reads the clock once
// instead of once per entry.
func nextAddID(c *Ctx, m *backend.StreamMeta, a *addTrimArgs) (backend.StreamID, error) {
	if !a.idGiven {
		return nextStreamID(m.LastID, uint64(c.Tx.Now())), nil
	}
	id := a.id
	if !a.seqGiven && m.LastID.Ms == id.Ms {
		if m.LastID.Seq == math.MaxUint64 {
			return id, ErrStreamElemsTooLarge // sic: Redis 7.0's errno is not EDOM here
		}
		id.Seq = m.LastID.Seq + 1
	}
	if id.Compare(m.LastID) <= 0 {
		return id, ErrXAddIDSmall
	}
	return id, nil
}

// nextStreamID is Redis's streamNextID: the clock's ms with seq 0 if the
// clock is ahead of last, else the id after last (the clock went back or
// stands still: ids keep growing).
func nextStreamID(last backend.StreamID, nowMs uint64) backend.StreamID {
	if nowMs > last.Ms {
		return backend.StreamID{Ms: nowMs}
	}
	next, _ := last.Next() // last is not the max id: XADD checked
	return next
}

// streamAppend adds entry id (fields alternate field, value) at the end of
// key, in the tail node or a new one as Redis would, and updates m (its
// LastID, FirstID, EntriesAdded and Length) without storing it.
func streamAppend(c *Ctx, key []byte, m *backend.StreamMeta, id backend.StreamID, fields [][]byte) error {
	var rawLen int64
	for _, f := range fields {
		rawLen += int64(len(f))
	}
	if rawLen > streamListpackMaxSize {
		return ErrStreamElemsTooLarge
	}
	tail, ok, err := c.Tx.XTailNode(key)
	if err != nil {
		return err
	}
	newNode := !ok || c.e.streams.nodeFull(&tail, rawLen)
	var cost int64
	if newNode {
		// The entry becomes its node's master: its fields are the master
		// fields, so only its values are stored.
		cost = backend.StreamEntryCost(id, streamFieldNames(fields), id, fields)
	} else {
		cost = backend.StreamEntryCost(tail.Master, tail.MasterFields, id, fields)
	}
	if err := c.Tx.XAppend(key, id, fields, newNode, cost); err != nil {
		return err
	}
	if m.Length == 0 {
		m.FirstID = id
	}
	m.Length++
	m.EntriesAdded++
	m.LastID = id
	return nil
}

// streamIDText is the buffer of the ids XADD replies and logs, "ms-seq"
// (backend.StreamID.AppendText), which keeps the digits of the last ms it
// formatted: the ids a stream takes within one ms, or from one clock
// reading (nextAddID), differ in their seq only. Owned by one Ctx.
type streamIDText struct {
	buf   [48]byte
	ms    uint64 // buf[:msLen] is ms's digits and '-'
	msLen int
}

// format returns id's text, valid until the next call.
func (t *streamIDText) format(id backend.StreamID) []byte {
	if t.msLen == 0 || t.ms != id.Ms {
		b := strconv.AppendUint(t.buf[:0], id.Ms, 10)
		t.ms, t.msLen = id.Ms, len(append(b, '-'))
	}
	return strconv.AppendUint(t.buf[:t.msLen], id.Seq, 10)
}

// streamFieldNames returns the field names of fields (field, value, ...).
func streamFieldNames(fields [][]byte) [][]byte {
	names := make([][]byte, len(fields)/2)
	for i := range names {
		names[i] = fields[2*i]
	}
	return names
}

// --- XLEN ---

func xlen(c *Ctx) error {
	m, _, err := streamMeta(c, c.Args[1])
	if err != nil {
		return err
	}
	c.Int(m.Length)
	return nil
}

// --- XRANGE, XREVRANGE ---

func xrange(c *Ctx) error    { return xrangeGeneric(c, false) }
func xrevrange(c *Ctx) error { return xrangeGeneric(c, true) }

// xrangeGeneric is XRANGE key start end [COUNT n] and XREVRANGE key end
// start [COUNT n].
func xrangeGeneric(c *Ctx, rev bool) error {
	startArg, endArg := c.Args[2], c.Args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, startEx, err := parseIntervalID(startArg, 0)
	if err != nil {
		return err
	}
	if startEx {
		var ok bool
		if start, ok = start.Next(); !ok {
			return ErrStreamStartInterval
		}
	}
	end, endEx, err := parseIntervalID(endArg, math.MaxUint64)
	if err != nil {
		return err
	}
	if endEx {
		var ok bool
		if end, ok = end.Prev(); !ok {
			return ErrStreamEndInterval
		}
	}
	count := int64(-1)
	for i := 4; i < len(c.Args); i++ {
		if !equalFold(c.Args[i], "count") || i+1 >= len(c.Args) {
			return ErrSyntax
		}
		n, ok := resp.ParseInt(c.Args[i+1])
		if !ok {
			return ErrNotInteger
		}
		count = max(n, 0)
		i++
	}
	key := c.Args[1]
	_, ok, err := streamMeta(c, key)
	if err != nil {
		return err
	}
	switch {
	case !ok:
		c.Array(0)
	case count == 0:
		c.NullArray()
	default:
		_, err = replyStreamRange(c, key, start, end, rev, max(count, 0))
	}
	return err
}

// parseIntervalID parses an XRANGE bound: an id ("-", "+", "ms",
// "ms-seq"; missingSeq completes "ms"), or "(" and a strict id for an
// exclusive bound.
func parseIntervalID(arg []byte, missingSeq uint64) (id backend.StreamID, exclusive bool, err error) {
	if len(arg) > 1 && arg[0] == '(' {
		id, _, err = parseStreamID(arg[1:], streamIDOpts{missingSeq: missingSeq, strict: true})
		return id, true, err
	}
	id, _, err = parseStreamID(arg, streamIDOpts{missingSeq: missingSeq})
	return id, false, err
}

// replyStreamRange replies the entries of key with start <= id <= end
// (descending with rev), at most count of them (0: all), as an array of
// [id, [field, value ...]], and returns how many.
func replyStreamRange(c *Ctx, key []byte, start, end backend.StreamID, rev bool, count int64) (int64, error) {
	mark := c.ArrayMark()
	var n int64
	err := c.Tx.XRange(key, start, end, rev, func(id backend.StreamID, fields [][]byte) bool {
		replyStreamEntry(c, id, fields)
		n++
		return count == 0 || n < count
	})
	if err != nil {
		return 0, err
	}
	c.ArrayEnd(mark, int(n))
	return n, nil
}

// replyStreamEntry replies one entry: [id, [field, value ...]].
func replyStreamEntry(c *Ctx, id backend.StreamID, fields [][]byte) {
	c.Array(2)
	replyStreamID(c, id)
	replyBulks(c, fields)
}

// replyStreamID replies id as a bulk string "ms-seq".
func replyStreamID(c *Ctx, id backend.StreamID) {
	var buf [41]byte
	c.Bulk(id.AppendText(buf[:0]))
}

// streamEdgeID returns the first (or, with last, the last) entry's id of
// key; ok is false if it has none.
func streamEdgeID(c *Ctx, key []byte, last bool) (id backend.StreamID, ok bool, err error) {
	err = c.Tx.XRange(key, backend.StreamID{}, backend.MaxStreamID, last, func(e backend.StreamID, _ [][]byte) bool {
		id, ok = e, true
		return false
	})
	return id, ok, err
}

// --- XDEL ---

// xdel is XDEL key id [id ...].
func xdel(c *Ctx) error {
	key := c.Args[1]
	m, ok, err := streamMetaOrZero(c, key)
	if !ok {
		return err
	}
	ids := make([]backend.StreamID, len(c.Args)-2)
	for i, arg := range c.Args[2:] {
		if ids[i], _, err = parseStreamID(arg, streamIDOpts{strict: true}); err != nil {
			return err
		}
	}
	var deleted int64
	firstDeleted := false
	for _, id := range ids {
		ok, err := c.Tx.XDelete(key, id)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		deleted++
		firstDeleted = firstDeleted || id == m.FirstID
		if id.Compare(m.MaxDeletedID) > 0 {
			m.MaxDeletedID = id
		}
	}
	if deleted > 0 {
		m.Length -= deleted
		if err := streamFixFirstID(c, key, &m, firstDeleted); err != nil {
			return err
		}
		if err := c.Tx.XSetMeta(key, m); err != nil {
			return err
		}
		c.Notify(NotifyStream, "xdel", key)
		c.Dirty(deleted)
	}
	c.Int(deleted)
	return nil
}

// streamFixFirstID updates m.FirstID (recorded-first-entry-id) after
// entries were removed: 0-0 once the stream is empty, else the first
// entry's id if stale says it may have gone.
func streamFixFirstID(c *Ctx, key []byte, m *backend.StreamMeta, stale bool) error {
	if m.Length <= 0 {
		m.Length, m.FirstID = 0, backend.StreamID{}
		return nil
	}
	if !stale {
		return nil
	}
	id, _, err := streamEdgeID(c, key, false)
	m.FirstID = id
	return err
}

// --- XSETID ---

// xsetid is XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id].
func xsetid(c *Ctx) error {
	id, _, err := parseStreamID(c.Args[2], streamIDOpts{strict: true})
	if err != nil {
		return err
	}
	entriesAdded := int64(-1)
	var maxDeleted backend.StreamID
	for i := 3; i < len(c.Args); i += 2 {
		more := i+1 < len(c.Args)
		switch {
		case more && equalFold(c.Args[i], "entriesadded"):
			n, ok := resp.ParseInt(c.Args[i+1])
			if !ok {
				return ErrNotInteger
			}
			if n < 0 {
				return ErrXSetIDEntriesAdded
			}
			entriesAdded = n
		case more && equalFold(c.Args[i], "maxdeletedid"):
			if maxDeleted, _, err = parseStreamID(c.Args[i+1], streamIDOpts{strict: true}); err != nil {
				return err
			}
			if id.Compare(maxDeleted) < 0 {
				return ErrXSetIDMaxDelArg
			}
		default:
			return ErrSyntax
		}
	}
	key := c.Args[1]
	m, ok, err := streamMeta(c, key)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoSuchKey
	}
	if m.Length > 0 {
		top, _, err := streamEdgeID(c, key, true)
		if err != nil {
			return err
		}
		if id.Compare(top) < 0 {
			return ErrXSetIDSmall
		}
		if entriesAdded != -1 && m.Length > entriesAdded {
			return ErrXSetIDEntriesSmall
		}
	}
	m.LastID = id
	if entriesAdded != -1 {
		m.EntriesAdded = entriesAdded
	}
	if !maxDeleted.IsZero() {
		m.MaxDeletedID = maxDeleted
	}
	if err := c.Tx.XSetMeta(key, m); err != nil {
		return err
	}
	c.Notify(NotifyStream, "xsetid", key)
	c.Dirty(1)
	c.OK()
	return nil
}

// isWrongType reports whether err is a key holding another type.
func isWrongType(err error) bool { return errors.Is(err, backend.ErrWrongType) }
