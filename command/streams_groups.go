package command

import (
	"math"

	"redpool/backend"
)

// Consumer groups (XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM,
// XINFO GROUPS/CONSUMERS), as Redis 7.0's t_stream.c.
//
// The backend stores groups, consumers and pending entries lists (PELs);
// everything these commands decide (what is delivered, the entries-read
// counter and lag, who owns a pending entry, what is claimed) is decided
// here, through the Tx stream primitives. Times are the command's clock
// in Unix milliseconds (Redis's commandTimeSnapshot), read once per
// command.
//
// AOF. XREADGROUP, XCLAIM and XAUTOCLAIM are not logged as themselves
// (their results depend on time and on what was delivered): as Redis
// propagates them, each PEL change is logged as an XCLAIM ... FORCE JUSTID
// with the entry's delivery time and count, a consumer created on the way
// as XGROUP CREATECONSUMER, and the group's new last id as XGROUP SETID
// ... ENTRIESREAD.

func streamGroupCommands() []Spec {
	const grp = "stream"
	return []Spec{
		{Name: "xgroup", Arity: -2, Flags: Write, Keys: KeySpec{2, 2, 1}, Run: xgroupCmd, Group: grp, Summary: "A container for consumer groups commands.", Since: "5.0.0",
			Subcommands: []Spec{
				{Name: "create", Arity: -5, Flags: Write | DenyOOM, Keys: KeySpec{2, 2, 1}, Run: xgroupCreate, Summary: "Creates a consumer group."},
				{Name: "createconsumer", Arity: 5, Flags: Write | DenyOOM, Keys: KeySpec{2, 2, 1}, Run: xgroupCreateConsumer, Summary: "Creates a consumer in a consumer group."},
				{Name: "delconsumer", Arity: 5, Flags: Write, Keys: KeySpec{2, 2, 1}, Run: xgroupDelConsumer, Summary: "Deletes a consumer from a consumer group."},
				{Name: "destroy", Arity: 4, Flags: Write, Keys: KeySpec{2, 2, 1}, Run: xgroupDestroy, Summary: "Destroys a consumer group."},
				{Name: "setid", Arity: -5, Flags: Write, Keys: KeySpec{2, 2, 1}, Run: xgroupSetID, Summary: "Sets the last-delivered ID of a consumer group."},
				{Name: "help", Arity: 2, Run: xgroupHelp, Summary: "Returns helpful text about the different subcommands."},
			}},
		{Name: "xreadgroup", Arity: -7, Flags: Write | Blocking | NoTx, FindKeys: xreadKeys, Run: xreadgroup, Group: grp, Summary: "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.", Since: "5.0.0"},
		{Name: "xack", Arity: -4, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: xack, Group: grp, Summary: "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.", Since: "5.0.0"},
		{Name: "xpending", Arity: -3, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: xpending, Group: grp, Summary: "Returns the information and entries from a stream consumer group's pending entries list.", Since: "5.0.0"},
		{Name: "xclaim", Arity: -6, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: xclaim, Group: grp, Summary: "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.", Since: "5.0.0"},
		{Name: "xautoclaim", Arity: -6, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: xautoclaim, Group: grp, Summary: "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.", Since: "6.2.0"},
	}
}

func xgroupCmd(c *Ctx) error { return c.Sub("XGROUP") }

func xgroupHelp(c *Ctx) error {
	return helpReply(c, "XGROUP", []string{
		"CREATE <key> <groupname> <id|$> [option]",
		"    Create a new consumer group. Options are:",
		"    * MKSTREAM",
		"      Create the empty stream if it does not exist.",
		"    * ENTRIESREAD entries_read",
		"      Set the group's entries_read counter (internal use).",
		"CREATECONSUMER <key> <groupname> <consumer>",
		"    Create a new consumer in the specified group.",
		"DELCONSUMER <key> <groupname> <consumer>",
		"    Remove the specified consumer.",
		"DESTROY <key> <groupname>",
		"    Remove the specified group.",
		"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
		"    Set the current group ID and entries_read counter.",
	})
}

// parseEntriesRead parses an ENTRIESREAD value: -1 or more.
func parseEntriesRead(arg []byte) (int64, error) {
	n, err := parseInt(arg)
	if err != nil {
		return 0, err
	}
	if n < 0 && n != streamInvalidEntriesRead {
		return 0, ErrEntriesReadRange
	}
	return n, nil
}

// xgroupTarget is what every XGROUP subcommand but HELP looks up first,
// as Redis's xgroupCommand: the stream (WRONGTYPE first) and the group.
type xgroupTarget struct {
	key, name []byte
	meta      backend.StreamMeta
	exists    bool
	group     backend.StreamGroup
	hasGroup  bool
}

// lookupXGroup looks up key and group: the key must exist unless
// mkstream; with needGroup the group must too.
func lookupXGroup(c *Ctx, mkstream, needGroup bool) (xgroupTarget, error) {
	t := xgroupTarget{key: c.Args[2], name: c.Args[3]}
	var err error
	if t.meta, t.exists, err = c.Tx.XMeta(t.key); err != nil {
		return t, err
	}
	if t.exists {
		if t.group, t.hasGroup, err = c.Tx.XGroup(t.key, t.name); err != nil {
			return t, err
		}
	}
	if mkstream {
		return t, nil
	}
	if !t.exists {
		return t, ErrXGroupNoKey
	}
	if needGroup && !t.hasGroup {
		return t, NoSuchGroupForKey(t.name, t.key)
	}
	return t, nil
}

// xgroupCreate is XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n].
func xgroupCreate(c *Ctx) error {
	if len(c.Args) > 8 {
		return SubcommandSyntax(c.Args[1], "XGROUP")
	}
	mkstream, entriesRead := false, int64(streamInvalidEntriesRead)
	for i := 5; i < len(c.Args); i++ {
		switch {
		case equalFold(c.Args[i], "mkstream"):
			mkstream = true
		case equalFold(c.Args[i], "entriesread") && i+1 < len(c.Args):
			n, err := parseEntriesRead(c.Args[i+1])
			if err != nil {
				return err
			}
			entriesRead = n
			i++
		default:
			return SubcommandSyntax(c.Args[1], "XGROUP")
		}
	}
	t, err := lookupXGroup(c, mkstream, false)
	if err != nil {
		return err
	}
	var id backend.StreamID
	if string(c.Args[4]) == "$" {
		id = t.meta.LastID
	} else if id, _, err = parseStreamID(c.Args[4], streamIDOpts{strict: true}); err != nil {
		return err
	}
	if t.hasGroup {
		return ErrBusyGroup
	}
	if !t.exists {
		absent, err := c.absentForNew(t.key)
		if err != nil {
			return err
		}
		if err := c.Tx.XSetMeta(t.key, backend.StreamMeta{}); err != nil {
			return err
		}
		c.notifyNew(absent, t.key)
	}
	if _, err := c.Tx.XSetGroup(t.key, backend.StreamGroup{Name: t.name, LastID: id, EntriesRead: entriesRead}); err != nil {
		return err
	}
	c.Dirty(1)
	c.Notify(NotifyStream, "xgroup-create", t.key)
	c.OK()
	return nil
}

// xgroupSetID is XGROUP SETID key group id|$ [ENTRIESREAD n].
func xgroupSetID(c *Ctx) error {
	entriesRead := int64(streamInvalidEntriesRead)
	switch {
	case len(c.Args) == 7 && equalFold(c.Args[5], "entriesread"):
		n, err := parseEntriesRead(c.Args[6])
		if err != nil {
			return err
		}
		entriesRead = n
	case len(c.Args) != 5:
		return SubcommandSyntax(c.Args[1], "XGROUP")
	}
	t, err := lookupXGroup(c, false, true)
	if err != nil {
		return err
	}
	id := t.meta.LastID
	if string(c.Args[4]) != "$" {
		if id, _, err = parseStreamID(c.Args[4], streamIDOpts{}); err != nil {
			return err
		}
	}
	t.group.LastID, t.group.EntriesRead = id, entriesRead
	if _, err := c.Tx.XSetGroup(t.key, t.group); err != nil {
		return err
	}
	c.Dirty(1)
	c.Notify(NotifyStream, "xgroup-setid", t.key)
	c.OK()
	return nil
}

// xgroupDestroy is XGROUP DESTROY key group. Clients blocked reading
// through the group are woken to find it gone (-NOGROUP).
func xgroupDestroy(c *Ctx) error {
	t, err := lookupXGroup(c, false, false)
	if err != nil {
		return err
	}
	if !t.hasGroup {
		c.Int(0)
		return nil
	}
	if _, err := c.Tx.XDelGroup(t.key, t.name); err != nil {
		return err
	}
	c.Dirty(1)
	c.Notify(NotifyStream, "xgroup-destroy", t.key)
	signalStream(c, t.key) // its blocked readers get -NOGROUP
	c.Int(1)
	return nil
}

// xgroupCreateConsumer is XGROUP CREATECONSUMER key group consumer.
func xgroupCreateConsumer(c *Ctx) error {
	t, err := lookupXGroup(c, false, true)
	if err != nil {
		return err
	}
	created, err := createConsumer(c, t.key, t.name, c.Args[4], backend.NowMs(c.e.clock))
	if err != nil {
		return err
	}
	c.Bool(created)
	return nil
}

// xgroupDelConsumer is XGROUP DELCONSUMER key group consumer: the number
// of entries it had pending (0 for a consumer that does not exist).
func xgroupDelConsumer(c *Ctx) error {
	t, err := lookupXGroup(c, false, true)
	if err != nil {
		return err
	}
	pending, ok, err := c.Tx.XDelConsumer(t.key, t.name, c.Args[4])
	if err != nil {
		return err
	}
	if ok {
		c.Dirty(1)
		c.Notify(NotifyStream, "xgroup-delconsumer", t.key)
	}
	c.Int(pending)
	return nil
}

// createConsumer creates consumer name in group unless it exists, as
// Redis's streamCreateConsumer: seen now, with its event.
func createConsumer(c *Ctx, key, group, name []byte, now int64) (bool, error) {
	if _, ok, err := c.Tx.XConsumer(key, group, name); err != nil || ok {
		return false, err
	}
	created, err := c.Tx.XSetConsumer(key, group, backend.StreamConsumer{Name: name, SeenTime: now})
	if err != nil || !created {
		return false, err
	}
	c.Dirty(1)
	c.Notify(NotifyStream, "xgroup-createconsumer", key)
	return true, nil
}

// seeConsumer makes consumer name of group seen now, creating it if
// needed (Redis's streamLookupConsumer with SLC_DEFAULT, or
// streamCreateConsumer). It reports whether it created it; a consumer
// created is propagated as XGROUP CREATECONSUMER.
func seeConsumer(c *Ctx, key, group, name []byte, now int64) error {
	created, err := createConsumer(c, key, group, name, now)
	if err != nil || created {
		if created && c.e.log != nil {
			c.Propagate(xgroupWord, createConsumerWord, key, group, name)
		}
		return err
	}
	_, err = c.Tx.XSetConsumer(key, group, backend.StreamConsumer{Name: name, SeenTime: now})
	return err
}

// The words of the commands the group commands propagate.
var (
	xgroupWord         = []byte("XGROUP")
	createConsumerWord = []byte("CREATECONSUMER")
	setIDWord          = []byte("SETID")
	entriesReadWord    = []byte("ENTRIESREAD")
	xclaimWord         = []byte("XCLAIM")
	zeroWord           = []byte("0")
	timeWord           = []byte("TIME")
	retryCountWord     = []byte("RETRYCOUNT")
	forceWord          = []byte("FORCE")
	justIDWord         = []byte("JUSTID")
	lastIDWord         = []byte("LASTID")
)

// streamProps holds the records a group command logs (XCLAIM for each
// delivery or claim, XGROUP SETID): their arguments must stay valid until
// the command ends. The argument slices are built in argv, the Ctx's
// c.streamProp when it is small enough to keep (the Ctx empties it after
// each command and keeps its storage), the numbers in text, the command's
// own buffer; so a command logging many claims allocates once or twice,
// not five times a claim. Values of text and argv are capped slices: a
// later append never writes over them, and one that grows the buffer
// leaves them on the old array, where the records still find them.
type streamProps struct {
	argv   [][]byte
	text   []byte // allocated at the first number, for claims records
	claims int
}

// streamPropsKeep is the most argument slices a command leaves in
// c.streamProp for the next one: one delivery of a few hundred entries.
const streamPropsKeep = 4096

// newStreamProps returns the buffers for claims records (an estimate).
func newStreamProps(c *Ctx, claims int) streamProps {
	return streamProps{argv: c.rareBufs().streamProp[:0], claims: min(max(claims, 1), 1024)}
}

// grow allocates text before the first number: 64 bytes a record is
// room for the usual ids and times.
func (p *streamProps) grow() {
	if p.text == nil {
		p.text = make([]byte, 0, 64*p.claims)
	}
}

// done hands argv back to the Ctx, unless it grew too large to keep.
func (p *streamProps) done(c *Ctx) {
	if cap(p.argv) <= streamPropsKeep {
		c.rareBufs().streamProp = p.argv
	}
}

// id appends id's text and returns it.
func (p *streamProps) id(id backend.StreamID) []byte {
	p.grow()
	at := len(p.text)
	p.text = id.AppendText(p.text)
	return p.text[at:len(p.text):len(p.text)]
}

// int appends n's text and returns it.
func (p *streamProps) int(n int64) []byte {
	p.grow()
	at := len(p.text)
	p.text = appendInt(p.text, n)
	return p.text[at:len(p.text):len(p.text)]
}

// log propagates the record argv[at:].
func (p *streamProps) log(c *Ctx, at int) {
	c.Propagate(p.argv[at:len(p.argv):len(p.argv)]...)
}

// propagateClaim logs pe (a PEL entry of group, as it now is) as Redis's
// streamPropagateXCLAIM: XCLAIM key group consumer 0 id TIME ms
// RETRYCOUNT n FORCE JUSTID LASTID group-last-id.
func propagateClaim(c *Ctx, p *streamProps, key, group []byte, lastID backend.StreamID, pe backend.StreamPending) {
	at := len(p.argv)
	p.argv = append(p.argv, xclaimWord, key, group, pe.Consumer, zeroWord, p.id(pe.ID),
		timeWord, p.int(pe.DeliveryTime), retryCountWord, p.int(pe.DeliveryCount),
		forceWord, justIDWord, lastIDWord, p.id(lastID))
	p.log(c, at)
}

// propagateGroupID logs a group's last id and entries-read as Redis's
// streamPropagateGroupID: XGROUP SETID key group id ENTRIESREAD n.
func propagateGroupID(c *Ctx, p *streamProps, key []byte, g backend.StreamGroup) {
	at := len(p.argv)
	p.argv = append(p.argv, xgroupWord, setIDWord, key, g.Name, p.id(g.LastID), entriesReadWord, p.int(g.EntriesRead))
	p.log(c, at)
}

// replyEntryByID replies the entry id of key, as XCLAIM does; it reports
// false (and replies nothing) when there is no such entry.
func replyEntryByID(c *Ctx, key []byte, id backend.StreamID) (bool, error) {
	found := false
	err := c.Tx.XRange(key, id, id, false, func(id backend.StreamID, fields [][]byte) bool {
		replyStreamEntry(c, id, fields)
		found = true
		return false
	})
	return found, err
}

// entryExists reports whether key holds the entry id (Redis's
// streamEntryExists).
func entryExists(c *Ctx, key []byte, id backend.StreamID) (bool, error) {
	found := false
	err := c.Tx.XRange(key, id, id, false, func(backend.StreamID, [][]byte) bool {
		found = true
		return false
	})
	return found, err
}

// lookupGroupOf returns group of the stream key, for the commands whose
// reply is NOGROUP when either is missing (WRONGTYPE first).
func lookupGroupOf(c *Ctx, key, group []byte) (backend.StreamMeta, backend.StreamGroup, bool, error) {
	m, ok, err := c.Tx.XMeta(key)
	if err != nil || !ok {
		return m, backend.StreamGroup{}, false, err
	}
	g, ok, err := c.Tx.XGroup(key, group)
	return m, g, ok, err
}

// xack is XACK key group id...: how many of the ids were pending.
func xack(c *Ctx) error {
	key, group := c.Args[1], c.Args[2]
	_, _, ok, err := lookupGroupOf(c, key, group)
	if err != nil {
		return err
	}
	if !ok {
		c.Int(0)
		return nil
	}
	// Every id is checked before any is acknowledged; they are parsed
	// again as they are (cheaper than holding them).
	for _, a := range c.Args[3:] {
		if _, _, err = parseStreamID(a, streamIDOpts{strict: true}); err != nil {
			return err
		}
	}
	var n int64
	for _, a := range c.Args[3:] {
		id, _, _ := parseStreamID(a, streamIDOpts{strict: true})
		acked, err := c.Tx.XAck(key, group, id)
		if err != nil {
			return err
		}
		if acked {
			n++
		}
	}
	c.Dirty(n)
	c.Int(n)
	return nil
}

// parseStreamStart parses an interval's start: an exclusive one moves to
// the next id.
func parseStreamStart(arg []byte) (backend.StreamID, error) {
	id, ex, err := parseIntervalID(arg, 0)
	if err != nil || !ex {
		return id, err
	}
	id, ok := id.Next()
	if !ok {
		return id, ErrStreamStartInterval
	}
	return id, nil
}

// parseStreamEnd parses an interval's end: an exclusive one moves to
// the id before.
func parseStreamEnd(arg []byte) (backend.StreamID, error) {
	id, ex, err := parseIntervalID(arg, math.MaxUint64)
	if err != nil || !ex {
		return id, err
	}
	id, ok := id.Prev()
	if !ok {
		return id, ErrStreamEndInterval
	}
	return id, nil
}

// xpending is XPENDING key group [[IDLE min-idle] start end count
// [consumer]]: the summary of the group's PEL, or its entries.
func xpending(c *Ctx) error {
	n := len(c.Args)
	if n != 3 && (n < 6 || n > 9) {
		return ErrSyntax
	}
	var (
		start, end backend.StreamID
		count      int64
		minIdle    int64
		consumer   []byte
		err        error
	)
	if n >= 6 {
		at := 3
		if equalFold(c.Args[3], "idle") {
			if minIdle, err = parseInt(c.Args[4]); err != nil {
				return err
			}
			if n < 8 {
				return ErrSyntax
			}
			at += 2
		}
		if count, err = parseInt(c.Args[at+2]); err != nil {
			return err
		}
		count = max(count, 0)
		if start, err = parseStreamStart(c.Args[at]); err != nil {
			return err
		}
		if end, err = parseStreamEnd(c.Args[at+1]); err != nil {
			return err
		}
		if at+3 < n {
			consumer = c.Args[at+3]
		}
	}
	key, group := c.Args[1], c.Args[2]
	_, g, ok, err := lookupGroupOf(c, key, group)
	if err != nil {
		return err
	}
	if !ok {
		return NoKeyOrGroup(key, group)
	}
	if n == 3 {
		return pendingSummary(c, key, g)
	}
	if consumer != nil {
		if _, ok, err := c.Tx.XConsumer(key, group, consumer); err != nil || !ok {
			if err == nil {
				c.Array(0)
			}
			return err
		}
	}
	now := backend.NowMs(c.e.clock)
	mark, items := c.ArrayMark(), 0
	if count > 0 && start.Compare(end) <= 0 {
		err = c.Tx.XPending(key, group, consumer, start, end, func(p backend.StreamPending) bool {
			if minIdle != 0 && now-p.DeliveryTime < minIdle {
				return true
			}
			c.Array(4)
			replyStreamID(c, p.ID)
			c.Bulk(p.Consumer)
			c.Int(max(now-p.DeliveryTime, 0))
			c.Int(p.DeliveryCount)
			items++
			count--
			return count > 0
		})
		if err != nil {
			return err
		}
	}
	c.ArrayEnd(mark, items)
	return nil
}

// pendingSummary is XPENDING key group: [count, first id, last id,
// [[consumer, pending]...]].
func pendingSummary(c *Ctx, key []byte, g backend.StreamGroup) error {
	c.Array(4)
	if g.Pending == 0 {
		c.Int(0)
		c.Null()
		c.Null()
		c.NullArray()
		return nil
	}
	c.Int(g.Pending)
	var first, last backend.StreamID
	err := c.Tx.XPending(key, g.Name, nil, backend.StreamID{}, backend.MaxStreamID, func(p backend.StreamPending) bool {
		first = p.ID
		return false
	})
	if err != nil {
		return err
	}
	// The last one: XPending walks ascending only, so this scans the PEL
	// (O(n), where Redis seeks to the end of its rax).
	err = c.Tx.XPending(key, g.Name, nil, first, backend.MaxStreamID, func(p backend.StreamPending) bool {
		last = p.ID
		return true
	})
	if err != nil {
		return err
	}
	replyStreamID(c, first)
	replyStreamID(c, last)
	mark, items := c.ArrayMark(), 0
	err = c.Tx.XConsumers(key, g.Name, func(cs backend.StreamConsumer) bool {
		if cs.Pending == 0 {
			return true
		}
		c.Array(2)
		c.Bulk(cs.Name)
		c.BulkInt(cs.Pending)
		items++
		return true
	})
	if err != nil {
		return err
	}
	c.ArrayEnd(mark, items)
	return nil
}
