package command

import (
	"math"
	"time"

	"redpool/backend"
	"redpool/session/resp"
)

// XREAD (and the parsing XREADGROUP shares with it), as Redis 7.0's
// xreadCommand. The first try serves every stream with entries after its
// id, in one reply; a blocked client is served from the one stream that
// woke it, as Redis's serveClientsBlockedOnKey does.

// xreadBlockedCount is the COUNT of a blocked XREAD given none (Redis's
// XREAD_BLOCKED_DEFAULT_COUNT).
const xreadBlockedCount = 1000

// xreadArgs are XREAD's or XREADGROUP's parsed options.
type xreadArgs struct {
	group, consumer []byte // XREADGROUP's GROUP
	noAck           bool
	count           int64 // 0: no COUNT
	block           bool
	timeout         time.Duration // with block; 0 waits forever
	keys, ids       [][]byte      // the STREAMS arguments
}

// parseXRead parses c.Args as XREAD (or XREADGROUP, with group): the
// options, up to STREAMS and its keys and ids, which it does not parse.
func parseXRead(c *Ctx, group bool) (xreadArgs, error) {
	var a xreadArgs
	args := c.Args
	streamsAt := 0
	for i := 1; i < len(args) && streamsAt == 0; i++ {
		more := len(args) - 1 - i
		opt := args[i]
		switch {
		case more > 0 && equalFold(opt, "block"):
			if c.InScript() {
				return a, BlockInScript(args[0])
			}
			i++
			t, err := parseBlockMillis(args[i])
			if err != nil {
				return a, err
			}
			a.block, a.timeout = true, t
		case more > 0 && equalFold(opt, "count"):
			i++
			n, ok := resp.ParseInt(args[i])
			if !ok {
				return a, ErrNotInteger
			}
			a.count = max(n, 0)
		case more > 0 && equalFold(opt, "streams"):
			streamsAt = i + 1
			if (len(args)-streamsAt)%2 != 0 {
				if group {
					return a, ErrXReadGroupUnbalanced
				}
				return a, ErrXReadUnbalanced
			}
		case more >= 2 && equalFold(opt, "group"):
			if !group {
				return a, ErrXReadGroupOption
			}
			a.group, a.consumer = args[i+1], args[i+2]
			i += 2
		case equalFold(opt, "noack"):
			if !group {
				return a, ErrXReadNoAckOption
			}
			a.noAck = true
		default:
			return a, ErrSyntax
		}
	}
	if streamsAt == 0 {
		return a, ErrSyntax
	}
	if group && a.group == nil {
		return a, ErrXReadGroupMissing
	}
	n := (len(args) - streamsAt) / 2
	a.keys, a.ids = args[streamsAt:streamsAt+n], args[streamsAt+n:]
	return a, nil
}

// parseBlockMillis parses BLOCK's timeout: whole milliseconds, as Redis's
// getTimeoutFromObjectOrReply with UNIT_MILLISECONDS.
func parseBlockMillis(arg []byte) (time.Duration, error) {
	ms, ok := resp.ParseInt(arg)
	if !ok {
		return 0, ErrTimeoutNotInteger
	}
	if ms < 0 {
		return 0, ErrTimeoutNegative
	}
	if ms > int64(math.MaxInt64/time.Millisecond) {
		return math.MaxInt64, nil
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// xreadKeys finds the keys of XREAD and XREADGROUP, as Redis's
// xreadGetKeys: the first half of what follows STREAMS.
func xreadKeys(dst, args [][]byte) ([][]byte, bool, bool) {
	for i := 1; i < len(args); i++ {
		switch {
		case equalFold(args[i], "block"), equalFold(args[i], "count"):
			i++
		case equalFold(args[i], "group"):
			i += 2
		case equalFold(args[i], "noack"):
		case equalFold(args[i], "streams"):
			n := len(args) - i - 1
			if n == 0 || n%2 != 0 {
				return dst, false, false
			}
			return append(dst, args[i+1:i+1+n/2]...), false, true
		default:
			return dst, false, false
		}
	}
	return dst, false, false
}

// xread is XREAD [COUNT count] [BLOCK ms] STREAMS key... id...
func xread(c *Ctx) error {
	a, err := parseXRead(c, false)
	if err != nil {
		return err
	}
	r := &xreadRun{a: a}
	if !a.block {
		return c.InTx(false, a.keys, func(c *Ctx) error {
			served, err := r.try(c, nil)
			if err == nil && served < 0 {
				c.NullArray()
			}
			return err
		})
	}
	return blockOnStreams(c, a.keys, a.timeout, r.try)
}

// xreadRun is one XREAD: its arguments and the ids it reads after,
// resolved ("$") by its first try.
type xreadRun struct {
	a  xreadArgs
	gt []backend.StreamID
}

// try is the attempt of blockOnStreams: the first try (ready nil)
// resolves the ids and serves every stream it can; a woken one serves
// the first of the ready streams with entries after its id.
func (r *xreadRun) try(c *Ctx, ready []int) (int, error) {
	if ready == nil {
		if err := r.resolve(c); err != nil {
			return -1, err
		}
		return r.serveAll(c)
	}
	for _, i := range ready {
		key := r.a.keys[i]
		has, err := r.hasNew(c, i)
		if isWrongType(err) {
			continue
		}
		if err != nil {
			return -1, err
		}
		if !has {
			continue
		}
		if c.resp3() {
			c.Map(1)
		} else {
			c.Array(1)
			c.Array(2)
		}
		c.Bulk(key)
		count := r.a.count
		if count == 0 {
			count = xreadBlockedCount
		}
		if err := r.reply(c, i, count); err != nil {
			return -1, err
		}
		streamServed(c, key)
		return i, nil
	}
	return -1, nil
}

// resolve checks the keys' types and parses the ids, in Redis's order
// (key by key), "$" being the stream's last id (0-0 if it does not exist).
func (r *xreadRun) resolve(c *Ctx) error {
	r.gt = make([]backend.StreamID, len(r.a.keys))
	for i, key := range r.a.keys {
		m, _, err := streamMeta(c, key)
		if err != nil {
			return err
		}
		arg := r.a.ids[i]
		switch {
		case len(arg) == 1 && arg[0] == '$':
			r.gt[i] = m.LastID
		case len(arg) == 1 && arg[0] == '>':
			return ErrXReadGreaterID
		default:
			if r.gt[i], _, err = parseStreamID(arg, streamIDOpts{strict: true}); err != nil {
				return err
			}
		}
	}
	return nil
}

// serveAll replies with the entries after their ids of every stream that
// has some (RESP2: an array of [key, entries]; RESP3: a map), and returns
// the position of the first one served (-1: none, nothing replied).
func (r *xreadRun) serveAll(c *Ctx) (int, error) {
	mark := c.ArrayMark()
	first, n := -1, 0
	for i, key := range r.a.keys {
		has, err := r.hasNew(c, i)
		if err != nil {
			return -1, err
		}
		if !has {
			continue
		}
		if !c.resp3() {
			c.Array(2)
		}
		c.Bulk(key)
		if err := r.reply(c, i, r.a.count); err != nil {
			return -1, err
		}
		if first < 0 {
			first = i
		}
		n++
	}
	switch {
	case n == 0:
	case c.resp3():
		c.MapEnd(mark, n)
	default:
		c.ArrayEnd(mark, n)
	}
	return first, nil
}

// hasNew reports whether stream i has an entry after its id.
func (r *xreadRun) hasNew(c *Ctx, i int) (bool, error) {
	key := r.a.keys[i]
	m, ok, err := streamMeta(c, key)
	if err != nil || !ok || m.Length == 0 || m.LastID.Compare(r.gt[i]) <= 0 {
		return false, err
	}
	top, _, err := streamEdgeID(c, key, true)
	return top.Compare(r.gt[i]) > 0, err
}

// reply replies the entries of stream i after its id, at most count (0:
// all).
func (r *xreadRun) reply(c *Ctx, i int, count int64) error {
	start, ok := r.gt[i].Next()
	if !ok {
		c.Array(0)
		return nil
	}
	_, err := replyStreamRange(c, r.a.keys[i], start, backend.MaxStreamID, false, count)
	return err
}
