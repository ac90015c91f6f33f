package command

import "redpool/backend"

// A group's entries-read counter and lag, as Redis 7.0 keeps them
// (streamEstimateDistanceFromFirstEverEntry, streamRangeHasTombstones,
// streamReplyWithCGLag), and XINFO GROUPS / CONSUMERS.

// rangeHasTombstones reports whether the live part of the stream between
// start and end (nil: open) may hold a deleted entry: the stream's
// max-deleted-entry-id falls in it.
func rangeHasTombstones(m *backend.StreamMeta, start, end *backend.StreamID) bool {
	if m.Length == 0 || m.MaxDeletedID.IsZero() || m.FirstID.Compare(m.MaxDeletedID) > 0 {
		return false
	}
	s, e := backend.StreamID{}, backend.MaxStreamID
	if start != nil {
		s = *start
	}
	if end != nil {
		e = *end
	}
	return s.Compare(m.MaxDeletedID) <= 0 && m.MaxDeletedID.Compare(e) <= 0
}

// entriesReadAt estimates the entries-read counter of a group whose last
// id is id, or entriesReadUnknown.
func entriesReadAt(m *backend.StreamMeta, id backend.StreamID) int64 {
	if m.EntriesAdded == 0 {
		return 0
	}
	cmpLast := id.Compare(m.LastID)
	if m.Length == 0 && cmpLast < 1 {
		return m.EntriesAdded
	}
	switch {
	case cmpLast == 0:
		return m.EntriesAdded
	case cmpLast > 0:
		return entriesReadUnknown
	}
	if m.MaxDeletedID.IsZero() || m.MaxDeletedID.Compare(m.FirstID) < 0 {
		switch id.Compare(m.FirstID) {
		case -1:
			return m.EntriesAdded - m.Length
		case 0:
			return m.EntriesAdded - m.Length + 1
		}
	}
	return entriesReadUnknown
}

// advanceEntriesRead moves g's counter past the entry id it delivers, as
// streamReplyWithRange: one more when the counter is valid and no
// tombstone lies ahead, an estimate otherwise.
func advanceEntriesRead(m *backend.StreamMeta, g *backend.StreamGroup, id backend.StreamID) {
	if g.EntriesRead != entriesReadUnknown && !rangeHasTombstones(m, &id, nil) {
		g.EntriesRead++
	} else if m.EntriesAdded != 0 {
		g.EntriesRead = entriesReadAt(m, id)
	}
}

// groupLag is XINFO's lag of g; ok is false when it cannot be known.
func groupLag(m *backend.StreamMeta, g *backend.StreamGroup) (lag int64, ok bool) {
	if m.EntriesAdded == 0 {
		return 0, true
	}
	if g.EntriesRead != entriesReadUnknown && !rangeHasTombstones(m, &g.LastID, nil) {
		return m.EntriesAdded - g.EntriesRead, true
	}
	if read := entriesReadAt(m, g.LastID); read != entriesReadUnknown {
		return m.EntriesAdded - read, true
	}
	return 0, false
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
	c.BulkString("last-delivered-id")
	replyStreamID(c, g.LastID)
	c.BulkString("entries-read")
	if g.EntriesRead != entriesReadUnknown {
		c.Int(g.EntriesRead)
	} else {
		c.Null()
	}
	c.BulkString("lag")
	if lag, ok := groupLag(m, g); ok {
		c.Int(lag)
	} else {
		c.Null()
	}
}

// xinfoStream looks up XINFO's key: it must hold a stream.
func xinfoStream(c *Ctx, key []byte) (backend.StreamMeta, error) {
	m, ok, err := c.Tx.XMeta(key)
	if err == nil && !ok {
		err = ErrNoSuchKey
	}
	return m, err
}

// xinfoGroups is XINFO GROUPS key.
func xinfoGroups(c *Ctx) error {
	key := c.Args[2]
	m, err := xinfoStream(c, key)
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
}

// xinfoConsumers is XINFO CONSUMERS key group: for each consumer a map
// of name, pending and idle (ms since it was last seen).
func xinfoConsumers(c *Ctx) error {
	key, group := c.Args[2], c.Args[3]
	if _, err := xinfoStream(c, key); err != nil {
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
}
