package command

import (
	"time"

	"redpool/backend"
)

// XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS
// key... id...: Redis 7.0's xreadCommand in its group form.
//
// A blocked XREADGROUP waits through blockOn (blocking.go) on its stream
// keys: XADD signals the key, and a client served passes the key on to
// the next one blocked on it (each may read through another group).
// XGROUP DESTROY signals the key too, and a client woken to find its
// group gone replies -NOGROUP, or -UNBLOCKED when the key itself is gone
// (DEL signals it).

// xreadBlockedCount is the COUNT a blocked XREAD(GROUP) without one
// serves with (Redis's XREAD_BLOCKED_DEFAULT_COUNT).
const xreadBlockedCount = 1000

// xreadgroupKeys locates XREADGROUP's keys as Redis's xreadGetKeys: the
// first half of the arguments after STREAMS.
func xreadgroupKeys(dst, args [][]byte) ([][]byte, bool, bool) {
	pos := -1
scan:
	for i := 1; i < len(args); i++ {
		switch {
		case equalFold(args[i], "block"), equalFold(args[i], "count"):
			i++
		case equalFold(args[i], "group"):
			i += 2
		case equalFold(args[i], "noack"):
		case equalFold(args[i], "streams"):
			pos = i
			break scan
		default:
			break scan
		}
	}
	n := len(args) - pos - 1
	if pos < 0 || n == 0 || n%2 != 0 {
		return dst, false, false
	}
	return append(dst, args[pos+1:pos+1+n/2]...), false, true
}

// xreadGroupReq is a parsed XREADGROUP.
type xreadGroupReq struct {
	group, consumer []byte
	count           int64 // 0: no limit
	block           bool
	timeout         time.Duration // with block; 0 waits forever
	noack           bool
	keys, idArgs    [][]byte
	ids             []backend.StreamID // parsed by the first try; MaxStreamID for ">"
}

// parseXReadGroup parses the options, as xreadCommand does before it
// looks at any key.
func parseXReadGroup(args [][]byte) (*xreadGroupReq, error) {
	r := &xreadGroupReq{}
	streams := 0
	for i := 1; i < len(args); i++ {
		more := len(args) - i - 1
		switch a := args[i]; {
		case equalFold(a, "block") && more > 0:
			i++
			ms, err := parseBlockMs(args[i])
			if err != nil {
				return nil, err
			}
			r.block, r.timeout = true, ms
		case equalFold(a, "count") && more > 0:
			i++
			n, err := parseInt(args[i])
			if err != nil {
				return nil, err
			}
			r.count = max(n, 0)
		case equalFold(a, "streams") && more > 0:
			streams = i + 1
			if (len(args)-streams)%2 != 0 {
				return nil, ErrXReadGroupBalance
			}
			i = len(args)
		case equalFold(a, "group") && more >= 2:
			r.group, r.consumer = args[i+1], args[i+2]
			i += 2
		case equalFold(a, "noack"):
			r.noack = true
		default:
			return nil, ErrSyntax
		}
	}
	if streams == 0 {
		return nil, ErrSyntax
	}
	if r.group == nil {
		return nil, ErrXReadGroupMissing
	}
	n := (len(args) - streams) / 2
	r.keys, r.idArgs = args[streams:streams+n], args[streams+n:]
	return r, nil
}

// parseBlockMs parses a BLOCK argument in milliseconds as Redis's
// getTimeoutFromObjectOrReply with UNIT_MILLISECONDS; 0 waits forever.
func parseBlockMs(arg []byte) (time.Duration, error) {
	ms, err := parseInt(arg)
	switch {
	case err != nil:
		return 0, ErrBlockTimeout
	case ms < 0:
		return 0, ErrTimeoutNegative
	case ms > int64(time.Duration(1<<63-1)/time.Millisecond):
		return 0, nil // beyond any deadline: forever
	}
	return time.Duration(ms) * time.Millisecond, nil
}

func xreadgroup(c *Ctx) error {
	r, err := parseXReadGroup(c.Args)
	if err != nil {
		return err
	}
	if !r.block {
		served, err := tryOnce(c, r.keys, nil, r.try)
		if err == nil && served < 0 {
			c.NullArray()
		}
		return err
	}
	return blockOn(c, r.keys, r.keys, r.timeout, r.try)
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
				signalList(c, r.keys[i]) // the next client blocked on the key
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
	targets := make([]streamTarget, len(r.keys))
	r.ids = make([]backend.StreamID, len(r.keys))
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
			return -1, NoKeyOrGroupXReadGroup(key, r.group)
		}
		switch arg := r.idArgs[i]; string(arg) {
		case "$":
			return -1, ErrXReadGroupDollar
		case ">":
			r.ids[i] = backend.MaxStreamID
		default:
			if r.ids[i], _, err = parseStreamID(arg, streamIDOpts{strict: true}); err != nil {
				return -1, err
			}
		}
	}
	now := backend.NowMs(c.e.clock)
	mark, served := c.ArrayMark(), 0
	for i, key := range r.keys {
		t := &targets[i]
		history := r.ids[i] != backend.MaxStreamID
		if !history {
			last, ok, err := lastLiveID(c, key, t.meta)
			if err != nil {
				return -1, err
			}
			if !ok || last.Compare(t.group.LastID) <= 0 {
				continue
			}
		}
		if !c.resp3() {
			c.Array(2)
		}
		c.Bulk(key)
		if err := seeConsumer(c, key, r.group, r.consumer, now); err != nil {
			return -1, err
		}
		var err error
		if history {
			err = r.serveHistory(c, key, r.ids[i], now)
		} else {
			err = r.serveNew(c, key, t, r.count, now)
		}
		if err != nil {
			return -1, err
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
	if err := seeConsumer(c, key, r.group, r.consumer, now); err != nil {
		return false, err
	}
	count := r.count
	if count == 0 {
		count = xreadBlockedCount
	}
	t := streamTarget{meta: m, exists: true, group: g}
	return true, r.serveNew(c, key, &t, count, now)
}

// lastLiveID returns the id of the last entry of key (Redis's
// streamLastValidID); ok is false for an empty stream.
func lastLiveID(c *Ctx, key []byte, m backend.StreamMeta) (id backend.StreamID, ok bool, err error) {
	if m.Length == 0 {
		return id, false, nil
	}
	err = c.Tx.XRange(key, backend.StreamID{}, backend.MaxStreamID, true, func(last backend.StreamID, _ [][]byte) bool {
		id, ok = last, true
		return false
	})
	return id, ok, err
}

// serveNew replies the entries after the group's last id (up to count,
// 0: all) and delivers them to the consumer, as Redis's
// streamReplyWithRange with a group: the group's last id and entries-read
// advance, and unless NOACK each entry enters the PEL, owned by the
// consumer, delivered now once.
func (r *xreadGroupReq) serveNew(c *Ctx, key []byte, t *streamTarget, count, now int64) error {
	g := t.group
	start, ok := g.LastID.Next()
	if !ok {
		c.Array(0)
		return nil
	}
	var delivered []backend.StreamID
	mark, n, moved := c.ArrayMark(), int64(0), false
	err := c.Tx.XRange(key, start, backend.MaxStreamID, false, func(id backend.StreamID, fields [][]byte) bool {
		if id.Compare(g.LastID) > 0 {
			advanceEntriesRead(&t.meta, &g, id)
			g.LastID, moved = id, true
		}
		replyStreamEntry(c, id, fields)
		if !r.noack {
			delivered = append(delivered, id)
		}
		n++
		return count == 0 || n < count
	})
	if err != nil {
		return err
	}
	c.ArrayEnd(mark, int(n))
	if moved {
		if _, err := c.Tx.XSetGroup(key, g); err != nil {
			return err
		}
	}
	for _, id := range delivered {
		p := backend.StreamPending{ID: id, Consumer: r.consumer, DeliveryTime: now, DeliveryCount: 1}
		if err := c.Tx.XSetPending(key, g.Name, p); err != nil {
			return err
		}
		propagateClaim(c, key, g.Name, g.LastID, p)
	}
	if moved {
		propagateGroupID(c, key, g)
	}
	return nil
}

// serveHistory replies the consumer's pending entries from start (up to
// count, 0: all), as Redis's streamReplyWithRangeFromConsumerPEL: an
// entry deleted since is [id, nil]; the others count one more delivery,
// now.
func (r *xreadGroupReq) serveHistory(c *Ctx, key []byte, start backend.StreamID, now int64) error {
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
		propagateClaim(c, key, r.group, g.LastID, p)
	}
	return nil
}
