package command

import "redpool/backend"

// A group's entries-read counter as XREADGROUP advances it, and XINFO
// GROUPS / CONSUMERS (the lag and the estimates are streams_info.go's:
// streamGroupLag, streamEstimateDistance).

// advanceEntriesRead moves g's counter past the entry id it delivers, as
// Redis 7.0's streamReplyWithRange: one more when the counter is valid
// and no tombstone lies ahead, an estimate otherwise.
func advanceEntriesRead(m *backend.StreamMeta, g *backend.StreamGroup, id backend.StreamID) {
	if g.EntriesRead != streamInvalidEntriesRead && !streamRangeHasTombstones(m, id, backend.MaxStreamID) {
		g.EntriesRead++
	} else if m.EntriesAdded != 0 {
		g.EntriesRead = streamEstimateDistance(m, id)
	}
}

// xinfoGroupRows are XINFO's group subcommands, rows of xinfoSpec's
// table (the container has no data flags: each opens its transaction).
func xinfoGroupRows() []Spec {
	return []Spec{
		{Name: "groups", Arity: 3, Flags: ReadOnly, Keys: KeySpec{2, 2, 1}, Run: xinfoGroups, Summary: "Returns a list of the consumer groups of a stream."},
		{Name: "consumers", Arity: 4, Flags: ReadOnly, Keys: KeySpec{2, 2, 1}, Run: xinfoConsumers, Summary: "Returns a list of the consumers in a consumer group."},
	}
}

// replyGroupInfo replies one group of XINFO GROUPS: a map of name,
// consumers, pending, last-delivered-id, entries-read and lag.
func replyGroupInfo(c *Ctx, m *backend.StreamMeta, g *backend.StreamGroup) {
	c.Map(6)
	c.BulkString("name")
	c.Bulk(g.Name)
	c.BulkString("consumers")
	c.Int(g.Consumers)
	c.BulkString("pending")
	c.Int(g.Pending)
	replyGroupPosition(c, m, g)
}

// replyGroupPosition replies the three fields of a group's position that
// XINFO GROUPS and XINFO STREAM FULL share: last-delivered-id,
// entries-read and lag (null when unknown).
func replyGroupPosition(c *Ctx, m *backend.StreamMeta, g *backend.StreamGroup) {
	c.BulkString("last-delivered-id")
	replyStreamID(c, g.LastID)
	c.BulkString("entries-read")
	if g.EntriesRead != streamInvalidEntriesRead {
		c.Int(g.EntriesRead)
	} else {
		c.Null()
	}
	c.BulkString("lag")
	if lag, ok := streamGroupLag(m, g); ok {
		c.Int(lag)
	} else {
		c.Null()
	}
}

// existingStream looks up XINFO's key: it must hold a stream.
func existingStream(c *Ctx, key []byte) (backend.StreamMeta, error) {
	m, ok, err := streamMeta(c, key)
	if err == nil && !ok {
		err = ErrNoSuchKey
	}
	return m, err
}

// xinfoGroups is XINFO GROUPS key.
func xinfoGroups(c *Ctx) error {
	key := c.Args[2]
	return c.InTx(false, [][]byte{key}, func(c *Ctx) error {
		m, err := existingStream(c, key)
		if err != nil {
			return err
		}
		mark, n := c.ArrayMark(), 0
		err = c.Tx.XGroups(key, func(g backend.StreamGroup) bool {
			replyGroupInfo(c, &m, &g)
			n++
			return true
		})
		if err != nil {
			return err
		}
		c.ArrayEnd(mark, n)
		return nil
	})
}

// xinfoConsumers is XINFO CONSUMERS key group: for each consumer a map
// of name, pending and idle (ms since it was last seen).
func xinfoConsumers(c *Ctx) error {
	key, group := c.Args[2], c.Args[3]
	return c.InTx(false, [][]byte{key}, func(c *Ctx) error {
		if _, err := existingStream(c, key); err != nil {
			return err
		}
		if _, ok, err := c.Tx.XGroup(key, group); err != nil || !ok {
			if err == nil {
				err = NoSuchGroupForKey(group, key)
			}
			return err
		}
		now := backend.NowMs(c.e.clock)
		mark, n := c.ArrayMark(), 0
		err := c.Tx.XConsumers(key, group, func(cs backend.StreamConsumer) bool {
			c.Map(3)
			c.BulkString("name")
			c.Bulk(cs.Name)
			c.BulkString("pending")
			c.Int(cs.Pending)
			c.BulkString("idle")
			c.Int(max(now-cs.SeenTime, 0))
			n++
			return true
		})
		if err != nil {
			return err
		}
		c.ArrayEnd(mark, n)
		return nil
	})
}
