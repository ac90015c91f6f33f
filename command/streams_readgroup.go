package command

import (
	"slices"

	"redpool/backend"
)

// XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS
// key... id...: Redis 7.0's xreadCommand in its group form.
//
// A blocked XREADGROUP waits through blockOnStreams (streams_blocking.go)
// on its stream keys: XADD signals the key, and a client served passes
// the key on to the next one blocked on it (each may read through
// another group).
// XGROUP DESTROY signals the key too, and a client woken to find its
// group gone replies -NOGROUP, or -UNBLOCKED when the key itself is gone
// (DEL signals it).

// xreadGroupReq is a parsed XREADGROUP: parseXRead's options, and the
// ids, which the first try parses as it looks the keys up.
type xreadGroupReq struct {
	xreadArgs
	parsed []backend.StreamID // MaxStreamID for ">"
	props  streamProps        // what the command logs
	// delivered are the ids serveNew delivers, in dbuf unless many.
	delivered []backend.StreamID
	dbuf      [16]backend.StreamID
	// one and oneID hold trySync's target and parsed id for one stream,
	// the usual case: the request holds them, nothing else is allocated.
	one   [1]streamTarget
	oneID [1]backend.StreamID
}

func xreadgroup(c *Ctx) error {
	a, err := parseXRead(c, true)
	if err != nil {
		return err
	}
	r := &xreadGroupReq{xreadArgs: a}
	claims := int(r.count)
	if claims == 0 {
		claims = 16
	}
	r.props = newStreamProps(c, claims)
	defer r.props.done(c)
	if !r.block {
		served, err := tryOnce(c, r.keys, nil, r.try)
		if err == nil && served < 0 {
			c.NullArray()
		}
		return err
	}
	return blockOnStreams(c, r.keys, r.timeout, r.try)
}

// try is XREADGROUP's attempt (blockOn's): the whole command on the
// first try (ready nil), Redis's serveClientsBlockedOnStreamKey for the
// keys in ready once blocked.
func (r *xreadGroupReq) try(c *Ctx, ready []int) (int, error) {
	if ready == nil {
		return r.trySync(c)
	}
	for _, i := range ready {
		served, err := r.tryBlocked(c, i)
		if err != nil || served {
			if served {
				streamServed(c, r.keys[i]) // the next client blocked on the key
				return i, nil
			}
			return i, err
		}
	}
	return -1, nil
}

// streamTarget is one stream of a read, as the first try found it.
type streamTarget struct {
	meta   backend.StreamMeta
	exists bool
	group  backend.StreamGroup
}

// trySync runs the command as it runs before blocking: every key and id
// is checked first, then every stream that can be served is.
func (r *xreadGroupReq) trySync(c *Ctx) (int, error) {
	targets, parsed := r.one[:], r.oneID[:]
	if len(r.keys) > 1 {
		targets, parsed = make([]streamTarget, len(r.keys)), make([]backend.StreamID, len(r.keys))
	}
	r.parsed = parsed
	for i, key := range r.keys {
		t := &targets[i]
		var err error
		var ok bool
		if t.meta, t.exists, err = c.Tx.XMeta(key); err != nil {
			return -1, err
		}
		if t.exists {
			if t.group, ok, err = c.Tx.XGroup(key, r.group); err != nil {
				return -1, err
			}
		}
		if !ok {
			return -1, NoGroup(key, r.group)
		}
		switch arg := r.ids[i]; string(arg) {
		case "$":
			return -1, ErrXReadGroupDollarID
		case ">":
			r.parsed[i] = backend.MaxStreamID
		default:
			if r.parsed[i], _, err = parseStreamID(arg, streamIDOpts{strict: true}); err != nil {
				return -1, err
			}
		}
	}
	now := backend.NowMs(c.e.clock)
	mark, served := c.ArrayMark(), 0
	for i, key := range r.keys {
		t := &targets[i]
		history := r.parsed[i] != backend.MaxStreamID
		at := len(c.out)
		if !c.resp3() {
			c.Array(2)
		}
		c.Bulk(key)
		if history {
			if err := seeConsumer(c, key, r.group, r.consumer, now); err != nil {
				return -1, err
			}
			if err := r.serveHistory(c, key, r.parsed[i], now); err != nil {
				return -1, err
			}
		} else {
			if slices.ContainsFunc(r.keys[:i], func(k []byte) bool { return string(k) == string(key) }) {
				// The same stream again: its group has moved since.
				var err error
				if t.group, _, err = c.Tx.XGroup(key, r.group); err != nil {
					return -1, err
				}
			}
			ok, err := r.serveNew(c, key, t, r.count, now, false)
			if err != nil {
				return -1, err
			}
			if !ok { // nothing after the group's last id
				c.out = c.out[:at]
				continue
			}
		}
		served++
	}
	if served == 0 {
		return -1, nil
	}
	if c.resp3() {
		c.MapEnd(mark, served)
	} else {
		c.ArrayEnd(mark, served)
	}
	return 0, nil
}

// tryBlocked serves a blocked client from stream i if its group has
// entries it has not delivered; a stream or group gone is an error.
func (r *xreadGroupReq) tryBlocked(c *Ctx, i int) (bool, error) {
	key := r.keys[i]
	m, ok, err := c.Tx.XMeta(key)
	if err != nil || !ok {
		return false, ErrStreamGoneBlocked
	}
	g, ok, err := c.Tx.XGroup(key, r.group)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, ErrGroupGoneBlocked
	}
	if m.LastID.Compare(g.LastID) <= 0 {
		return false, nil
	}
	now := backend.NowMs(c.e.clock)
	if c.resp3() {
		c.Map(1)
	} else {
		c.Array(1)
		c.Array(2)
	}
	c.Bulk(key)
	count := r.count
	if count == 0 {
		count = xreadBlockedCount
	}
	t := streamTarget{meta: m, exists: true, group: g}
	return r.serveNew(c, key, &t, count, now, true)
}

// serveNew replies the entries after the group's last id (up to count,
// 0: all) and delivers them to the consumer, as Redis's
// streamReplyWithRange with a group: the consumer is seen (created if
// needed), the group's last id and entries-read advance, and unless
// NOACK each entry enters the PEL, owned by the consumer, delivered now
// once. With none to deliver it does nothing and reports false, unless
// always (a blocked client woken: Redis replies an empty list then).
func (r *xreadGroupReq) serveNew(c *Ctx, key []byte, t *streamTarget, count, now int64, always bool) (bool, error) {
	g := t.group
	r.delivered = r.dbuf[:0]
	mark, n, moved := c.ArrayMark(), int64(0), false
	if start, ok := g.LastID.Next(); ok {
		err := c.Tx.XRange(key, start, backend.MaxStreamID, false, func(id backend.StreamID, fields [][]byte) bool {
			advanceEntriesRead(&t.meta, &g, id)
			g.LastID, moved = id, true
			replyStreamEntry(c, id, fields)
			if !r.noAck {
				r.delivered = append(r.delivered, id)
			}
			n++
			return count == 0 || n < count
		})
		if err != nil {
			return false, err
		}
	}
	if n == 0 && !always {
		return false, nil
	}
	c.ArrayEnd(mark, int(n))
	if err := seeConsumer(c, key, r.group, r.consumer, now); err != nil {
		return false, err
	}
	if moved {
		if _, err := c.Tx.XSetGroup(key, g); err != nil {
			return false, err
		}
	}
	for _, id := range r.delivered {
		p := backend.StreamPending{ID: id, Consumer: r.consumer, DeliveryTime: now, DeliveryCount: 1}
		if err := c.Tx.XSetPending(key, g.Name, p); err != nil {
			return false, err
		}
		propagateClaim(c, &r.props, key, g.Name, g.LastID, p)
	}
	if moved {
		propagateGroupID(c, &r.props, key, g)
	}
	return true, nil
}

// serveHistory replies the consumer's pending entries after id (up to
// count, 0: all), as Redis's streamReplyWithRangeFromConsumerPEL: an
// entry deleted since is [id, nil]; the others count one more delivery,
// now.
func (r *xreadGroupReq) serveHistory(c *Ctx, key []byte, after backend.StreamID, now int64) error {
	start, _ := after.Next() // after is not MaxStreamID, which means ">"
	var pel []backend.StreamPending
	err := c.Tx.XPending(key, r.group, r.consumer, start, backend.MaxStreamID, func(p backend.StreamPending) bool {
		p.Consumer = r.consumer
		pel = append(pel, p)
		return r.count == 0 || int64(len(pel)) < r.count
	})
	if err != nil {
		return err
	}
	g, _, err := c.Tx.XGroup(key, r.group)
	if err != nil {
		return err
	}
	c.Array(len(pel))
	for _, p := range pel {
		found, err := replyEntryByID(c, key, p.ID)
		if err != nil {
			return err
		}
		if !found {
			c.Array(2)
			replyStreamID(c, p.ID)
			c.NullArray()
			continue
		}
		p.DeliveryTime, p.DeliveryCount = now, p.DeliveryCount+1
		if err := c.Tx.XSetPending(key, r.group, p); err != nil {
			return err
		}
		propagateClaim(c, &r.props, key, r.group, g.LastID, p)
	}
	return nil
}
