package command

import (
	"redpool/backend"
	"redpool/session/resp"
)

// Trimming (XTRIM, and XADD's MAXLEN/MINID), as Redis 7.0's streamTrim:
// whole nodes go first (backend.Tx.XRemoveNode); exact trimming then
// deletes entries of the first node left (XDelete), approximate trimming
// ("~") stops at the first node it cannot remove whole, so that "~"
// leaves what Redis leaves. LIMIT bounds the entries "~" removes.

// trimStrategy is MAXLEN or MINID (or none).
type trimStrategy uint8

const (
	trimNone trimStrategy = iota
	trimMaxLen
	trimMinID
)

// trimArgs is a parsed trimming clause.
type trimArgs struct {
	strategy trimStrategy
	approx   bool
	maxLen   int64
	minID    backend.StreamID
	// limit is the most entries an approximate trim removes; 0: no limit.
	limit int64
	// at is the position of the threshold argument; limitAt that of
	// LIMIT's count (0: none).
	at, limitAt int
}

// The default LIMIT of an approximate trim is 100 * stream-node-max-entries,
// or defaultTrimLimit when that is 0 or over maxTrimLimit, as in Redis.
const (
	defaultTrimLimit = 10_000
	maxTrimLimit     = 1_000_000
)

// addTrimArgs is XADD's or XTRIM's parsed arguments.
type addTrimArgs struct {
	trim       trimArgs
	noMkStream bool
	// XADD's id: idAt is its position; idGiven is false for "*", seqGiven
	// false for "ms-*".
	id                backend.StreamID
	idGiven, seqGiven bool
	idAt              int
}

// parseAddTrim parses the options of XADD (xadd) or XTRIM from c.Args[2],
// as Redis's streamParseAddOrTrimArgsOrReply.
func parseAddTrim(c *Ctx, xadd bool) (addTrimArgs, error) {
	var a addTrimArgs
	args := c.Args
	limitGiven := false
	i := 2
	for ; i < len(args); i++ {
		more := len(args) - 1 - i
		opt := args[i]
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
			a.idAt = i
			return a, a.finish(c, xadd, limitGiven)
		case more > 0 && (equalFold(opt, "maxlen") || equalFold(opt, "minid")):
			if a.trim.strategy != trimNone {
				return a, ErrTrimBoth
			}
			a.trim.approx = false
			if next := args[i+1]; more >= 2 && len(next) == 1 && (next[0] == '~' || next[0] == '=') {
				a.trim.approx = next[0] == '~'
				i++
			}
			if equalFold(opt, "maxlen") {
				n, ok := resp.ParseInt(args[i+1])
				if !ok {
					return a, ErrNotInteger
				}
				if n < 0 {
					return a, ErrTrimMaxLenNegative
				}
				a.trim.strategy, a.trim.maxLen = trimMaxLen, n
			} else {
				id, _, err := parseStreamID(args[i+1], streamIDOpts{strict: true})
				if err != nil {
					return a, err
				}
				a.trim.strategy, a.trim.minID = trimMinID, id
			}
			i++
			a.trim.at = i
		case more > 0 && equalFold(opt, "limit"):
			n, ok := resp.ParseInt(args[i+1])
			if !ok {
				return a, ErrNotInteger
			}
			if n < 0 {
				return a, ErrTrimLimitNegative
			}
			a.trim.limit, limitGiven = n, true
			i++
			a.trim.limitAt = i
		case xadd && equalFold(opt, "nomkstream"):
			a.noMkStream = true
		case xadd:
			id, seqGiven, err := parseStreamID(opt, streamIDOpts{strict: true, autoSeq: true})
			if err != nil {
				return a, err
			}
			a.id, a.idGiven, a.seqGiven, a.idAt = id, true, seqGiven, i
			return a, a.finish(c, xadd, limitGiven)
		default:
			return a, ErrSyntax
		}
	}
	a.idAt = i
	return a, a.finish(c, xadd, limitGiven)
}

// finish checks the options together and sets the default LIMIT.
func (a *addTrimArgs) finish(c *Ctx, xadd, limitGiven bool) error {
	t := &a.trim
	if t.limit != 0 && t.strategy == trimNone {
		return ErrTrimLimitNoStrategy
	}
	if !xadd && t.strategy == trimNone {
		return ErrXTrimNoStrategy
	}
	switch {
	case limitGiven && !t.approx:
		return ErrTrimLimitNoApprox
	case !limitGiven && t.approx:
		// 100 nodes' worth, or 10,000 when that is 0 or over a million.
		t.limit = defaultTrimLimit
		if n := c.e.streams.maxEntries.Load(); n > 0 && n <= maxTrimLimit/100 {
			t.limit = 100 * n
		}
	case !limitGiven:
		t.limit = 0
	}
	return nil
}

// xtrim is XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count].
func xtrim(c *Ctx) error {
	a, err := parseAddTrim(c, false)
	if err != nil {
		return err
	}
	key := c.Args[1]
	m, ok, err := streamMetaOrZero(c, key)
	if !ok {
		return err
	}
	n, err := streamTrim(c, key, &m, &a.trim)
	if err != nil {
		return err
	}
	if n > 0 {
		if err := c.Tx.XSetMeta(key, m); err != nil {
			return err
		}
		c.Notify(NotifyStream, "xtrim", key)
		c.Propagate(addTrimPropagation(c, &a, &m, nil)...)
		c.Dirty(n)
	}
	c.Int(n)
	return nil
}

// streamTrim trims key as t says and returns how many entries it removed;
// m's Length and FirstID follow (the caller stores m).
func streamTrim(c *Ctx, key []byte, m *backend.StreamMeta, t *trimArgs) (int64, error) {
	length := m.Length
	var deleted int64
	var whole []backend.StreamID // masters of the nodes removed whole
	var partial *backend.StreamNode
	err := c.Tx.XNodes(key, func(n backend.StreamNode) bool {
		if t.strategy == trimMaxLen && length <= t.maxLen {
			return false
		}
		if t.limit != 0 && deleted+n.Live > t.limit {
			return false
		}
		var remove bool
		if t.strategy == trimMaxLen {
			remove = length-n.Live >= t.maxLen
		} else {
			remove = n.Last.Compare(t.minID) < 0
		}
		if remove {
			whole = append(whole, n.Master)
			length -= n.Live
			deleted += n.Live
			return true
		}
		if !t.approx {
			partial = &n
		}
		return false
	})
	if err != nil {
		return 0, err
	}
	for _, master := range whole {
		if _, err := c.Tx.XRemoveNode(key, master); err != nil {
			return 0, err
		}
	}
	if partial != nil {
		var ids []backend.StreamID
		err := c.Tx.XRange(key, partial.Master, partial.Last, false, func(id backend.StreamID, _ [][]byte) bool {
			if t.strategy == trimMaxLen && length <= t.maxLen || t.strategy == trimMinID && id.Compare(t.minID) >= 0 {
				return false
			}
			ids = append(ids, id)
			length--
			return true
		})
		if err != nil {
			return 0, err
		}
		for _, id := range ids {
			if _, err := c.Tx.XDelete(key, id); err != nil {
				return 0, err
			}
		}
		deleted += int64(len(ids))
	}
	m.Length = length
	if deleted > 0 {
		if err := streamFixFirstID(c, key, m, true); err != nil {
			return 0, err
		}
	}
	return deleted, nil
}

// addTrimPropagation returns what XADD (id: the id it added) or XTRIM
// (id nil) logs: the arguments with XADD's id as generated and, after an
// approximate trim, "=" and the threshold it reached (the length, or the
// first id left) without LIMIT, so that a replay trims exactly as much.
func addTrimPropagation(c *Ctx, a *addTrimArgs, m *backend.StreamMeta, id []byte) [][]byte {
	out := c.rareBufs().streamProp[:0]
	for i, arg := range c.Args {
		switch {
		case id != nil && i == a.idAt:
			arg = id
		case a.trim.approx && i == a.trim.at-1 && len(arg) == 1 && arg[0] == '~':
			arg = []byte{'='}
		case a.trim.approx && i == a.trim.at:
			arg = approxThreshold(c, a, m)
		case a.trim.limitAt != 0 && (i == a.trim.limitAt-1 || i == a.trim.limitAt):
			continue
		}
		out = append(out, arg)
	}
	c.rareBufs().streamProp = out
	return out
}

// approxThreshold is the threshold an approximate trim reached: the
// length left (MAXLEN), or the first id left (MINID; the max id if none).
func approxThreshold(c *Ctx, a *addTrimArgs, m *backend.StreamMeta) []byte {
	if a.trim.strategy == trimMaxLen {
		return formatInt(m.Length)
	}
	first := backend.MaxStreamID
	if m.Length > 0 {
		first = m.FirstID
	}
	return first.AppendText(nil)
}
