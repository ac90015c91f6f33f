package command

import (
	"redpool/backend"
	"redpool/session/resp"
)

// XINFO: the container, STREAM [FULL [COUNT n]] and HELP here. The
// consumer-group subcommands (GROUPS, CONSUMERS) belong with the groups
// (streams_groups.go): they are passed to xinfoSpec in streamCommands, as
// extra rows of the subcommand table. HELP prints Redis's text, which
// lists all four.

// xinfoSpec returns XINFO with STREAM, HELP and the extra subcommands.
func xinfoSpec(extra ...Spec) Spec {
	subs := []Spec{{Name: "stream", Arity: -3, Flags: ReadOnly, Keys: KeySpec{2, 2, 1}, Run: xinfoStream, Summary: "Returns information about a stream."}}
	subs = append(subs, extra...) // Redis's order: STREAM, GROUPS, CONSUMERS, HELP
	subs = append(subs, Spec{Name: "help", Arity: 2, Run: xinfoHelp, Summary: "Returns helpful text about the different subcommands."})
	return Spec{Name: "xinfo", Arity: -2, Run: xinfo, Group: "stream", Summary: "A container for stream introspection commands.", Since: "5.0.0",
		Subcommands: subs}
}

func xinfo(c *Ctx) error { return c.Sub("XINFO") }

func xinfoHelp(c *Ctx) error {
	return helpReply(c, "XINFO", []string{
		"CONSUMERS <key> <groupname>",
		"    Show consumers of <groupname>.",
		"GROUPS <key>",
		"    Show the stream consumer groups.",
		"STREAM <key> [FULL [COUNT <count>]",
		"    Show information about the stream.",
	})
}

// xinfoStreamDefaultCount is FULL's default COUNT (Redis's: "so we don't
// block the server").
const xinfoStreamDefaultCount = 10

// xinfoStream is XINFO STREAM key [FULL [COUNT count]]. The key is looked
// up first, as in Redis: a missing key is "no such key" whatever follows.
func xinfoStream(c *Ctx) error {
	key := c.Args[2]
	return c.InTx(false, [][]byte{key}, func(c *Ctx) error {
		m, ok, err := streamMeta(c, key)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNoSuchKey
		}
		opts := c.Args[3:]
		if len(opts) == 0 {
			return xinfoStreamSummary(c, key, &m)
		}
		count := int64(xinfoStreamDefaultCount)
		if len(opts) != 1 && len(opts) != 3 || !equalFold(opts[0], "full") || len(opts) == 3 && !equalFold(opts[1], "count") {
			return SubcommandSyntax(c.Args[1], "XINFO")
		}
		if len(opts) == 3 {
			n, ok := resp.ParseInt(opts[2])
			if !ok {
				return ErrNotInteger
			}
			if count = n; n < 0 {
				count = xinfoStreamDefaultCount
			}
		}
		return xinfoStreamFull(c, key, &m, count)
	})
}

// radixTreeNodes stands in for Redis's radix-tree-nodes (rax->numnodes),
// which depends on Redis's rax layout and cannot be reproduced exactly
// without one: an empty rax is its head node; one key adds a compressed
// node; k >= 2 keys (16-byte big-endian ids sharing their leading bytes)
// take about a compressed prefix, a branching node, and a compressed
// tail plus a leaf per key: 2k+2. Redis gives exactly that for up to a
// few hundred nodes with ids close together, and within 1% beyond.
func radixTreeNodes(nodes int64) int64 {
	switch nodes {
	case 0:
		return 1
	case 1:
		return 2
	}
	return 2*nodes + 2
}

// replyStreamHeader replies the fields XINFO STREAM and XINFO STREAM FULL
// share, in Redis's order.
func replyStreamHeader(c *Ctx, m *backend.StreamMeta) {
	c.BulkString("length")
	c.Int(m.Length)
	c.BulkString("radix-tree-keys")
	c.Int(m.Nodes)
	c.BulkString("radix-tree-nodes")
	c.Int(radixTreeNodes(m.Nodes))
	c.BulkString("last-generated-id")
	replyStreamID(c, m.LastID)
	c.BulkString("max-deleted-entry-id")
	replyStreamID(c, m.MaxDeletedID)
	c.BulkString("entries-added")
	c.Int(m.EntriesAdded)
	c.BulkString("recorded-first-entry-id")
	replyStreamID(c, m.FirstID)
}

// xinfoStreamSummary replies XINFO STREAM key.
func xinfoStreamSummary(c *Ctx, key []byte, m *backend.StreamMeta) error {
	c.Map(10)
	replyStreamHeader(c, m)
	c.BulkString("groups")
	c.Int(m.Groups)
	for _, last := range []bool{false, true} {
		if last {
			c.BulkString("last-entry")
		} else {
			c.BulkString("first-entry")
		}
		found := false
		err := c.Tx.XRange(key, backend.StreamID{}, backend.MaxStreamID, last, func(id backend.StreamID, fields [][]byte) bool {
			replyStreamEntry(c, id, fields)
			found = true
			return false
		})
		if err != nil {
			return err
		}
		if !found {
			c.Null()
		}
	}
	return nil
}

// xinfoStreamFull replies XINFO STREAM key FULL: the first count entries
// (0: all), and every group with up to count entries of its PEL and of
// each consumer's.
func xinfoStreamFull(c *Ctx, key []byte, m *backend.StreamMeta, count int64) error {
	c.Map(9)
	replyStreamHeader(c, m)
	c.BulkString("entries")
	if _, err := replyStreamRange(c, key, backend.StreamID{}, backend.MaxStreamID, false, count); err != nil {
		return err
	}
	c.BulkString("groups")
	var groups []backend.StreamGroup
	if err := c.Tx.XGroups(key, func(g backend.StreamGroup) bool {
		groups = append(groups, g)
		return true
	}); err != nil {
		return err
	}
	c.Array(len(groups))
	for i := range groups {
		if err := xinfoFullGroup(c, key, m, &groups[i], count); err != nil {
			return err
		}
	}
	return nil
}

// xinfoFullGroup replies one group of XINFO STREAM FULL.
func xinfoFullGroup(c *Ctx, key []byte, m *backend.StreamMeta, g *backend.StreamGroup, count int64) error {
	c.Map(7)
	c.BulkString("name")
	c.Bulk(g.Name)
	replyGroupPosition(c, m, g)
	c.BulkString("pel-count")
	c.Int(g.Pending)
	c.BulkString("pending")
	mark, n := c.ArrayMark(), 0
	err := c.Tx.XPending(key, g.Name, nil, backend.StreamID{}, backend.MaxStreamID, func(p backend.StreamPending) bool {
		c.Array(4)
		replyStreamID(c, p.ID)
		c.Bulk(p.Consumer)
		c.Int(p.DeliveryTime)
		c.Int(p.DeliveryCount)
		n++
		return count == 0 || int64(n) < count
	})
	if err != nil {
		return err
	}
	c.ArrayEnd(mark, n)
	c.BulkString("consumers")
	var consumers []backend.StreamConsumer
	if err := c.Tx.XConsumers(key, g.Name, func(sc backend.StreamConsumer) bool {
		consumers = append(consumers, sc)
		return true
	}); err != nil {
		return err
	}
	c.Array(len(consumers))
	for _, sc := range consumers {
		c.Map(4)
		c.BulkString("name")
		c.Bulk(sc.Name)
		c.BulkString("seen-time")
		c.Int(sc.SeenTime)
		c.BulkString("pel-count")
		c.Int(sc.Pending)
		c.BulkString("pending")
		mark, n := c.ArrayMark(), 0
		err := c.Tx.XPending(key, g.Name, sc.Name, backend.StreamID{}, backend.MaxStreamID, func(p backend.StreamPending) bool {
			c.Array(3)
			replyStreamID(c, p.ID)
			c.Int(p.DeliveryTime)
			c.Int(p.DeliveryCount)
			n++
			return count == 0 || int64(n) < count
		})
		if err != nil {
			return err
		}
		c.ArrayEnd(mark, n)
	}
	return nil
}

// --- lag (XINFO STREAM FULL here, XINFO GROUPS in streams_groups.go) ---

// streamInvalidEntriesRead is an entries-read that is not known (Redis's
// SCG_INVALID_ENTRIES_READ).
const streamInvalidEntriesRead = -1

// streamGroupLag is Redis 7.0's streamReplyWithCGLag: the entries of the
// stream the group has not read yet; ok is false when it cannot be known
// (a tombstone after the group's last id, or an id from the future).
func streamGroupLag(m *backend.StreamMeta, g *backend.StreamGroup) (lag int64, ok bool) {
	if m.EntriesAdded == 0 {
		return 0, true
	}
	if g.EntriesRead != streamInvalidEntriesRead && !streamRangeHasTombstones(m, g.LastID, backend.MaxStreamID) {
		return m.EntriesAdded - g.EntriesRead, true
	}
	read := streamEstimateDistance(m, g.LastID)
	if read == streamInvalidEntriesRead {
		return 0, false
	}
	return m.EntriesAdded - read, true
}

// streamRangeHasTombstones is Redis's streamRangeHasTombstones: whether an
// entry between start and end (inclusive) may have been deleted.
func streamRangeHasTombstones(m *backend.StreamMeta, start, end backend.StreamID) bool {
	if m.Length == 0 || m.MaxDeletedID.IsZero() {
		return false
	}
	if m.FirstID.Compare(m.MaxDeletedID) > 0 {
		return false // the last tombstone is before the first entry
	}
	return start.Compare(m.MaxDeletedID) <= 0 && m.MaxDeletedID.Compare(end) <= 0
}

// streamEstimateDistance is Redis's
// streamEstimateDistanceFromFirstEverEntry: the entries-read counter of
// id, or streamInvalidEntriesRead when it cannot be known.
func streamEstimateDistance(m *backend.StreamMeta, id backend.StreamID) int64 {
	if m.EntriesAdded == 0 {
		return 0
	}
	if m.Length == 0 && id.Compare(m.LastID) < 1 {
		return m.EntriesAdded
	}
	switch cmp := id.Compare(m.LastID); {
	case cmp == 0:
		return m.EntriesAdded
	case cmp > 0:
		return streamInvalidEntriesRead
	}
	cmpFirst := id.Compare(m.FirstID)
	if m.MaxDeletedID.IsZero() || m.MaxDeletedID.Compare(m.FirstID) < 0 {
		switch {
		case cmpFirst < 0:
			return m.EntriesAdded - m.Length
		case cmpFirst == 0:
			return m.EntriesAdded - m.Length + 1
		}
	}
	return streamInvalidEntriesRead
}
