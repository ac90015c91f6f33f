package command

import (
	"redpool/backend"
)

// XCLAIM and XAUTOCLAIM: pending entries change owner, as Redis 7.0's
// xclaimCommand and xautoclaimCommand. An entry deleted from the stream
// since it was delivered leaves the PEL when either meets it.

// xclaimReq is a parsed XCLAIM.
type xclaimReq struct {
	minIdle    int64
	ids        []backend.StreamID
	idArgs     [][]byte
	retryCount int64 // -1: not given
	delivery   int64 // -1: IDLE/TIME not given
	force      bool
	justID     bool
	lastID     backend.StreamID
}

// parseXClaim parses XCLAIM's arguments after the NOGROUP check, as
// Redis: min-idle-time, the ids (up to the first argument that is not
// one), then the options.
func parseXClaim(args [][]byte, now int64) (*xclaimReq, error) {
	r := &xclaimReq{retryCount: -1, delivery: -1}
	minIdle, ok := parseIntArg(args[4])
	if !ok {
		return nil, ErrXClaimMinIdle
	}
	r.minIdle = max(minIdle, 0)
	j := 5
	for ; j < len(args); j++ {
		id, _, err := parseStreamID(args[j], streamIDOpts{strict: true})
		if err != nil {
			break
		}
		r.ids = append(r.ids, id)
	}
	r.idArgs = args[5:j]
	for ; j < len(args); j++ {
		more := len(args) - 1 - j
		// intOpt parses the option's integer argument, or fails with bad.
		intOpt := func(bad Error) (int64, error) {
			j++
			n, ok := parseIntArg(args[j])
			if !ok {
				return 0, bad
			}
			return n, nil
		}
		var err error
		switch opt := args[j]; {
		case equalFold(opt, "force"):
			r.force = true
		case equalFold(opt, "justid"):
			r.justID = true
		case equalFold(opt, "idle") && more > 0:
			var idle int64
			idle, err = intOpt(ErrXClaimIdle)
			r.delivery = now - idle
		case equalFold(opt, "time") && more > 0:
			r.delivery, err = intOpt(ErrXClaimTime)
		case equalFold(opt, "retrycount") && more > 0:
			r.retryCount, err = intOpt(ErrXClaimRetryCount)
		case equalFold(opt, "lastid") && more > 0:
			j++
			r.lastID, _, err = parseStreamID(args[j], streamIDOpts{strict: true})
		default:
			err = UnknownXClaimOption(opt)
		}
		if err != nil {
			return nil, err
		}
	}
	if r.delivery < 0 || r.delivery > now {
		r.delivery = now // no IDLE/TIME, or a bogus one: delivered now
	}
	return r, nil
}

// parseIntArg parses an integer argument as Redis's string2ll.
func parseIntArg(b []byte) (int64, bool) {
	n, err := parseInt(b)
	return n, err == nil
}

// xclaim is XCLAIM key group consumer min-idle-time id... [IDLE ms] [TIME
// ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id].
func xclaim(c *Ctx) error {
	key, group, consumer := c.Args[1], c.Args[2], c.Args[3]
	_, g, ok, err := lookupGroupOf(c, key, group)
	if err != nil {
		return err
	}
	if !ok {
		return NoKeyOrGroup(key, group)
	}
	now := backend.NowMs(c.e.clock)
	r, err := parseXClaim(c.Args, now)
	if err != nil {
		return err
	}
	props := newStreamProps(c, len(r.ids))
	defer props.done(c)
	propagateLast := false
	if r.lastID.Compare(g.LastID) > 0 {
		g.LastID = r.lastID
		if _, err := c.Tx.XSetGroup(key, g); err != nil {
			return err
		}
		propagateLast = true
	}
	mark, n, seen := c.ArrayMark(), 0, false
	for _, id := range r.ids {
		p, pending, err := c.Tx.XPendingEntry(key, group, id)
		if err != nil {
			return err
		}
		exists, err := entryExists(c, key, id)
		if err != nil {
			return err
		}
		if !exists {
			if pending {
				if err := dropPending(c, &props, key, g, p); err != nil {
					return err
				}
				propagateLast = false
			}
			continue
		}
		if r.force && !pending {
			p = backend.StreamPending{ID: id, DeliveryTime: now, DeliveryCount: 1}
		} else if !pending {
			continue
		} else if r.minIdle != 0 && now-p.DeliveryTime < r.minIdle {
			continue
		}
		if !seen {
			if err := seeConsumer(c, key, group, consumer, now); err != nil {
				return err
			}
			seen = true
		}
		p.Consumer, p.DeliveryTime = consumer, r.delivery
		switch {
		case r.retryCount >= 0:
			p.DeliveryCount = r.retryCount
		case !r.justID:
			p.DeliveryCount++
		}
		if err := c.Tx.XSetPending(key, group, p); err != nil {
			return err
		}
		if err := replyClaimed(c, key, id, r.justID); err != nil {
			return err
		}
		n++
		propagateClaim(c, &props, key, group, g.LastID, p)
		propagateLast = false
	}
	if propagateLast {
		propagateGroupID(c, &props, key, g)
	}
	c.ArrayEnd(mark, n)
	return nil
}

// dropPending removes from the PEL an entry deleted from the stream,
// logging it as the XCLAIM that does the same on replay.
func dropPending(c *Ctx, props *streamProps, key []byte, g backend.StreamGroup, p backend.StreamPending) error {
	p.Consumer = append([]byte(nil), p.Consumer...)
	if _, err := c.Tx.XAck(key, g.Name, p.ID); err != nil {
		return err
	}
	propagateClaim(c, props, key, g.Name, g.LastID, p)
	return nil
}

// replyClaimed replies a claimed entry: its id with JUSTID, else the
// entry.
func replyClaimed(c *Ctx, key []byte, id backend.StreamID, justID bool) error {
	if justID {
		replyStreamID(c, id)
		return nil
	}
	_, err := replyEntryByID(c, key, id)
	return err
}

// xautoclaimAttempts is how many PEL entries XAUTOCLAIM looks at per
// entry of COUNT (Redis's attempts_factor).
const xautoclaimAttempts = 10

// xautoclaimMaxCount is the largest COUNT: LONG_MAX / max(sizeof(streamID),
// attempts_factor), as Redis.
const xautoclaimMaxCount = (1<<63 - 1) / 16

// xautoclaim is XAUTOCLAIM key group consumer min-idle-time start [COUNT
// count] [JUSTID]: [next cursor, claimed, deleted ids].
func xautoclaim(c *Ctx) error {
	key, group, consumer := c.Args[1], c.Args[2], c.Args[3]
	minIdle, ok := parseIntArg(c.Args[4])
	if !ok {
		return ErrXAutoClaimMinIdle
	}
	minIdle = max(minIdle, 0)
	start, err := parseStreamStart(c.Args[5])
	if err != nil {
		return err
	}
	count, justID := int64(100), false
	for j := 6; j < len(c.Args); j++ {
		switch {
		case equalFold(c.Args[j], "count") && j+1 < len(c.Args):
			n, ok := parseIntArg(c.Args[j+1])
			if !ok || n < 1 || n > xautoclaimMaxCount {
				return ErrXAutoClaimCount
			}
			count = n
			j++
		case equalFold(c.Args[j], "justid"):
			justID = true
		default:
			return ErrSyntax
		}
	}
	_, g, ok, err := lookupGroupOf(c, key, group)
	if err != nil {
		return err
	}
	if !ok {
		return NoKeyOrGroup(key, group)
	}
	now := backend.NowMs(c.e.clock)

	// The PEL entries to look at: up to count*attempts, and one more for
	// the cursor.
	attempts := count * xautoclaimAttempts
	var pel []backend.StreamPending
	err = c.Tx.XPending(key, group, nil, start, backend.MaxStreamID, func(p backend.StreamPending) bool {
		p.Consumer = append([]byte(nil), p.Consumer...)
		pel = append(pel, p)
		return int64(len(pel)) <= attempts
	})
	if err != nil {
		return err
	}
	c.Array(3)
	props := newStreamProps(c, len(pel))
	defer props.done(c)
	var deleted, claimed []backend.StreamID
	seen := false
	i := 0 // ends at the PEL entry after the last one looked at: the cursor
	for ; i < len(pel) && int64(i) < attempts && count > 0; i++ {
		p := pel[i]
		exists, err := entryExists(c, key, p.ID)
		if err != nil {
			return err
		}
		if !exists {
			if err := dropPending(c, &props, key, g, p); err != nil {
				return err
			}
			deleted = append(deleted, p.ID)
			count--
			continue
		}
		if minIdle != 0 && now-p.DeliveryTime < minIdle {
			continue
		}
		if !seen {
			if err := seeConsumer(c, key, group, consumer, now); err != nil {
				return err
			}
			seen = true
		}
		p.Consumer, p.DeliveryTime = consumer, now
		if !justID {
			p.DeliveryCount++
		}
		if err := c.Tx.XSetPending(key, group, p); err != nil {
			return err
		}
		claimed = append(claimed, p.ID)
		propagateClaim(c, &props, key, group, g.LastID, p)
		count--
	}
	var cursor backend.StreamID
	if i < len(pel) {
		cursor = pel[i].ID
	}
	replyStreamID(c, cursor)
	claimedMark := c.ArrayMark()
	for _, id := range claimed {
		if err := replyClaimed(c, key, id, justID); err != nil {
			return err
		}
	}
	c.ArrayEnd(claimedMark, len(claimed))
	c.Array(len(deleted))
	for _, id := range deleted {
		replyStreamID(c, id)
	}
	return nil
}
