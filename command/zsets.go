package command

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strconv"

	"redpool/backend"
	"redpool/session/resp"
)

// The sorted-set family, as Redis 7.0's t_zset.c answers it. Scores are
// parsed in zscore.go; the elements live in the backend (backend.Tx's Z*
// methods), which keeps them in score order, equal scores in member
// order.

func zsetCommands() []Spec {
	return []Spec{
		{Name: "zadd", Arity: -4, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: zadd, Group: "sorted_set", Summary: "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", Since: "1.2.0"},
		{Name: "zincrby", Arity: 4, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: zincrby, Group: "sorted_set", Summary: "Increments the score of a member in a sorted set.", Since: "1.2.0"},
		{Name: "zrem", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: zrem, Group: "sorted_set", Summary: "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", Since: "1.2.0"},
		{Name: "zscore", Arity: 3, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: zscore, Group: "sorted_set", Summary: "Returns the score of a member in a sorted set.", Since: "1.2.0"},
		{Name: "zmscore", Arity: -3, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: zmscore, Group: "sorted_set", Summary: "Returns the score of one or more members in a sorted set.", Since: "6.2.0"},
		{Name: "zcard", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: zcard, Group: "sorted_set", Summary: "Returns the number of members in a sorted set.", Since: "1.2.0"},
		{Name: "zcount", Arity: 4, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: zcount, Group: "sorted_set", Summary: "Returns the count of members in a sorted set that have scores within a range.", Since: "2.0.0"},
		{Name: "zlexcount", Arity: 4, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: zlexcount, Group: "sorted_set", Summary: "Returns the number of members in a sorted set within a lexicographical range.", Since: "2.8.9"},
		{Name: "zrank", Arity: 3, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: zrank, Group: "sorted_set", Summary: "Returns the index of a member in a sorted set ordered by ascending scores.", Since: "2.0.0"},
		{Name: "zrevrank", Arity: 3, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: zrevrank, Group: "sorted_set", Summary: "Returns the index of a member in a sorted set ordered by descending scores.", Since: "2.0.0"},
		{Name: "zrange", Arity: -4, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: zrangeCmd, Group: "sorted_set", Summary: "Returns members in a sorted set within a range of indexes.", Since: "1.2.0"},
		{Name: "zrangestore", Arity: -5, Flags: Write, Keys: KeySpec{1, 2, 1}, Run: zrangestore, Group: "sorted_set", Summary: "Stores a range of members from sorted set in a key.", Since: "6.2.0"},
		{Name: "zrevrange", Arity: -4, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: zrevrange, Group: "sorted_set", Summary: "Returns members in a sorted set within a range of indexes in reverse order.", Since: "1.2.0"},
		{Name: "zrangebyscore", Arity: -4, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: zrangebyscore, Group: "sorted_set", Summary: "Returns members in a sorted set within a range of scores.", Since: "1.0.5"},
		{Name: "zrevrangebyscore", Arity: -4, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: zrevrangebyscore, Group: "sorted_set", Summary: "Returns members in a sorted set within a range of scores in reverse order.", Since: "2.2.0"},
		{Name: "zrangebylex", Arity: -4, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: zrangebylex, Group: "sorted_set", Summary: "Returns members in a sorted set within a lexicographical range.", Since: "2.8.9"},
		{Name: "zrevrangebylex", Arity: -4, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: zrevrangebylex, Group: "sorted_set", Summary: "Returns members in a sorted set within a lexicographical range in reverse order.", Since: "2.8.9"},
		{Name: "zremrangebyrank", Arity: 4, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: zremrangebyrank, Group: "sorted_set", Summary: "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", Since: "2.0.0"},
		{Name: "zremrangebyscore", Arity: 4, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: zremrangebyscore, Group: "sorted_set", Summary: "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", Since: "1.2.0"},
		{Name: "zremrangebylex", Arity: 4, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: zremrangebylex, Group: "sorted_set", Summary: "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", Since: "2.8.9"},
		{Name: "zpopmin", Arity: -2, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: zpopmin, Group: "sorted_set", Summary: "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", Since: "5.0.0"},
		{Name: "zpopmax", Arity: -2, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: zpopmax, Group: "sorted_set", Summary: "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", Since: "5.0.0"},
		// ZMPOP's and BZMPOP's keys follow numkeys: they lock them
		// themselves, as LMPOP does.
		{Name: "zmpop", Arity: -4, Flags: Write, FindKeys: numKeysAt(1), Run: zmpop, Group: "sorted_set", Summary: "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", Since: "7.0.0"},
		{Name: "bzpopmin", Arity: -3, Flags: Write | Blocking | Fast | NoTx | NoScript, Keys: KeySpec{1, -2, 1}, Run: bzpopmin, Group: "sorted_set", Summary: "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", Since: "5.0.0"},
		{Name: "bzpopmax", Arity: -3, Flags: Write | Blocking | Fast | NoTx | NoScript, Keys: KeySpec{1, -2, 1}, Run: bzpopmax, Group: "sorted_set", Summary: "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise. Deletes the sorted set if the last element was popped.", Since: "5.0.0"},
		{Name: "bzmpop", Arity: -5, Flags: Write | Blocking | NoTx, FindKeys: numKeysAt(2), Run: bzmpop, Group: "sorted_set", Summary: "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", Since: "7.0.0"},
		{Name: "zrandmember", Arity: -2, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: zrandmember, Group: "sorted_set", Summary: "Returns one or more random members from a sorted set.", Since: "6.2.0"},
		{Name: "zunion", Arity: -3, Flags: ReadOnly, FindKeys: numKeysAt(1), Run: zunion, Group: "sorted_set", Summary: "Returns the union of multiple sorted sets.", Since: "6.2.0"},
		{Name: "zinter", Arity: -3, Flags: ReadOnly, FindKeys: numKeysAt(1), Run: zinter, Group: "sorted_set", Summary: "Returns the intersect of multiple sorted sets.", Since: "6.2.0"},
		{Name: "zdiff", Arity: -3, Flags: ReadOnly, FindKeys: numKeysAt(1), Run: zdiff, Group: "sorted_set", Summary: "Returns the difference between multiple sorted sets.", Since: "6.2.0"},
		// The STORE forms name the destination at 1 for COMMAND INFO, as
		// Redis does, and find the sources after numkeys.
		{Name: "zunionstore", Arity: -4, Flags: Write | MovableKeys, Keys: KeySpec{1, 1, 1}, FindKeys: storeKeys, Run: zunionstore, Group: "sorted_set", Summary: "Stores the union of multiple sorted sets in a key.", Since: "2.0.0"},
		{Name: "zinterstore", Arity: -4, Flags: Write | MovableKeys, Keys: KeySpec{1, 1, 1}, FindKeys: storeKeys, Run: zinterstore, Group: "sorted_set", Summary: "Stores the intersect of multiple sorted sets in a key.", Since: "2.0.0"},
		{Name: "zdiffstore", Arity: -4, Flags: Write | MovableKeys, Keys: KeySpec{1, 1, 1}, FindKeys: storeKeys, Run: zdiffstore, Group: "sorted_set", Summary: "Stores the difference of multiple sorted sets in a key.", Since: "6.2.0"},
		{Name: "zintercard", Arity: -3, Flags: ReadOnly, FindKeys: numKeysAt(1), Run: zintercard, Group: "sorted_set", Summary: "Returns the number of members of the intersect of multiple sorted sets.", Since: "7.0.0"},
		{Name: "zscan", Arity: -3, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: zscan, Group: "sorted_set", Summary: "Iterates over members and scores of a sorted set.", Since: "2.8.0"},
	}
}

// storeKeys finds the keys of Z*STORE destination numkeys key...: the
// destination, then numkeys keys.
func storeKeys(dst, args [][]byte) ([][]byte, bool, bool) {
	keys, all, ok := numKeysAt(2)(append(dst, args[1]), args)
	if !ok {
		return dst, false, false
	}
	return keys, all, true
}

// Words of the AOF records pops are logged as.
var (
	wordZPOPMIN = []byte("ZPOPMIN")
	wordZPOPMAX = []byte("ZPOPMAX")
)

// --- ZADD and ZINCRBY ---

// zaddArgs are ZADD's parsed arguments.
type zaddArgs struct {
	flags backend.ZAddFlags
	ch    bool
	pairs []backend.ScoredMember
	// negZeroIncr: INCR's increment was -0, which redpool stores as 0
	// but Redis replies as -0 for a new member.
	negZeroIncr bool
}

// parseZadd parses key [NX|XX] [GT|LT] [CH] [INCR] score member ... as
// Redis's zaddGenericCommand, args starting after the key; incr is set
// for ZINCRBY. Options are read until the first word that is none, so
// "ZINCRBY key nx m" is a syntax error as in Redis.
func parseZadd(args [][]byte, incr bool) (zaddArgs, error) {
	var z zaddArgs
	if incr {
		z.flags |= backend.ZAddIncr
	}
	i := 0
	for ; i < len(args); i++ {
		switch opt := args[i]; {
		case equalFold(opt, "nx"):
			z.flags |= backend.ZAddNX
		case equalFold(opt, "xx"):
			z.flags |= backend.ZAddXX
		case equalFold(opt, "gt"):
			z.flags |= backend.ZAddGT
		case equalFold(opt, "lt"):
			z.flags |= backend.ZAddLT
		case equalFold(opt, "ch"):
			z.ch = true
		case equalFold(opt, "incr"):
			z.flags |= backend.ZAddIncr
		default:
			goto pairs
		}
	}
pairs:
	rest := args[i:]
	if len(rest) == 0 || len(rest)%2 != 0 {
		return z, ErrSyntax
	}
	f := z.flags
	switch {
	case f&backend.ZAddNX != 0 && f&backend.ZAddXX != 0:
		return z, ErrZAddNXXX
	case f&backend.ZAddNX != 0 && f&(backend.ZAddGT|backend.ZAddLT) != 0,
		f&backend.ZAddGT != 0 && f&backend.ZAddLT != 0:
		return z, ErrZAddGTLTNX
	case f&backend.ZAddIncr != 0 && len(rest) > 2:
		return z, ErrZAddIncrPair
	}
	z.pairs = make([]backend.ScoredMember, len(rest)/2)
	for j := range z.pairs {
		s, ok := parseScore(rest[2*j])
		if !ok {
			return z, ErrNotFloat
		}
		if s == 0 && math.Signbit(s) && f&backend.ZAddIncr != 0 {
			z.negZeroIncr = true
		}
		z.pairs[j] = backend.ScoredMember{Member: rest[2*j+1], Score: storedScore(s)}
	}
	return z, nil
}

func zadd(c *Ctx) error    { return zaddGeneric(c, false) }
func zincrby(c *Ctx) error { return zaddGeneric(c, true) }

// zaddGeneric is ZADD and ZINCRBY (ZADD INCR). It replies with the number
// of members added (or added and changed, with CH), or for INCR the new
// score, null if a condition refused it. It is logged as given.
func zaddGeneric(c *Ctx, incr bool) error {
	key := c.Args[1]
	z, err := parseZadd(c.Args[2:], incr)
	if err != nil {
		return err
	}
	absent, err := c.absentForNew(key)
	if err != nil {
		return err
	}
	res, err := c.Tx.ZAdd(key, z.flags, z.pairs)
	if err != nil {
		return err
	}
	if changed := res.Added + res.Updated; changed > 0 {
		c.Dirty(changed)
		c.notifyNew(absent, key) // before zadd, as Redis's dbAdd
		event := "zadd"
		if z.flags&backend.ZAddIncr != 0 {
			event = "zincr"
		}
		c.Notify(NotifyZSet, event, key)
	}
	if res.Added > 0 {
		signalList(c, key)
	}
	switch {
	case z.flags&backend.ZAddIncr == 0 && z.ch:
		c.Int(res.Added + res.Updated)
	case z.flags&backend.ZAddIncr == 0:
		c.Int(res.Added)
	case !res.Applied:
		c.Null()
	case z.negZeroIncr && res.Added > 0:
		c.Double(math.Copysign(0, -1))
	default:
		c.Double(res.Score)
	}
	return nil
}

// --- ZREM and the range removals ---

// zrem is ZREM key member...: the number removed.
func zrem(c *Ctx) error {
	key := c.Args[1]
	n, err := c.Tx.ZRem(key, c.Args[2:])
	if err != nil || n == 0 {
		if err == nil {
			c.Int(0)
		}
		return err
	}
	if err := zremoved(c, key, "zrem", n); err != nil {
		return err
	}
	c.Int(n)
	return nil
}

// zremoved records that n elements were removed from key by a command
// whose event is event: the change count, the events (and "del" if the
// key is gone), as Redis's ZREM and ZREMRANGEBY*.
func zremoved(c *Ctx, key []byte, event string, n int64) error {
	c.Dirty(n)
	c.Notify(NotifyZSet, event, key)
	left, err := c.Tx.ZLen(key)
	if err != nil {
		return err
	}
	if left == 0 {
		c.Notify(NotifyGeneric, "del", key)
	}
	return nil
}

func zremrangebyrank(c *Ctx) error {
	start, stop, err := parseRange(c.Args[2], c.Args[3])
	if err != nil {
		return err
	}
	return zremRange(c, "zremrangebyrank", backend.ZRange{By: backend.ZByRank, Start: start, Stop: stop})
}

func zremrangebyscore(c *Ctx) error {
	lo, hi, err := parseScoreRange(c.Args[2], c.Args[3])
	if err != nil {
		return err
	}
	return zremRange(c, "zremrangebyscore", backend.ZRange{By: backend.ZByScore, Min: lo, Max: hi})
}

func zremrangebylex(c *Ctx) error {
	lo, hi, err := parseLexRange(c.Args[2], c.Args[3])
	if err != nil {
		return err
	}
	return zremRange(c, "zremrangebylex", backend.ZRange{By: backend.ZByLex, LexMin: lo, LexMax: hi})
}

// zremRange removes what r selects from c.Args[1] (a rank range as given,
// clamped here) and replies with how many.
func zremRange(c *Ctx, event string, r backend.ZRange) error {
	key := c.Args[1]
	size, err := c.Tx.ZLen(key)
	if err != nil {
		return err
	}
	if r.By == backend.ZByRank {
		var ok bool
		if r.Start, r.Stop, ok = clampRank(r.Start, r.Stop, size); !ok {
			size = 0
		}
	}
	var n int64
	if size > 0 {
		if n, err = c.Tx.ZRemRange(key, r); err != nil {
			return err
		}
	}
	if n > 0 {
		if err := zremoved(c, key, event, n); err != nil {
			return err
		}
	}
	c.Int(n)
	return nil
}

// clampRank turns start and stop, which count from the end when negative,
// into positions 0 <= start <= stop < size, as Redis does; ok is false if
// the range is empty.
func clampRank(start, stop, size int64) (int64, int64, bool) {
	if start < 0 {
		start += size
	}
	if stop < 0 {
		stop += size
	}
	start = max(start, 0)
	if start > stop || start >= size {
		return 0, 0, false
	}
	return start, min(stop, size-1), true
}

// --- single-key reads ---

func zcard(c *Ctx) error { return c.intReply(c.Tx.ZLen(c.Args[1])) }

func zscore(c *Ctx) error {
	s, ok, err := c.Tx.ZScore(c.Args[1], c.Args[2])
	if err != nil {
		return err
	}
	c.scoreOrNull(s, ok)
	return nil
}

// scoreOrNull replies with a score, or null if there is none.
func (c *Ctx) scoreOrNull(s float64, ok bool) {
	if ok {
		c.Double(s)
	} else {
		c.Null()
	}
}

// zmscore is ZMSCORE key member...: an array of scores and nulls.
func zmscore(c *Ctx) error {
	key, members := c.Args[1], c.Args[2:]
	if _, err := c.Tx.ZLen(key); err != nil {
		return err
	}
	c.Array(len(members))
	for _, m := range members {
		s, ok, err := c.Tx.ZScore(key, m)
		if err != nil {
			return err
		}
		c.scoreOrNull(s, ok)
	}
	return nil
}

func zcount(c *Ctx) error {
	lo, hi, err := parseScoreRange(c.Args[2], c.Args[3])
	if err != nil {
		return err
	}
	return c.intReply(c.Tx.ZCount(c.Args[1], backend.ZRange{By: backend.ZByScore, Min: lo, Max: hi, Count: -1}))
}

func zlexcount(c *Ctx) error {
	lo, hi, err := parseLexRange(c.Args[2], c.Args[3])
	if err != nil {
		return err
	}
	return c.intReply(c.Tx.ZCount(c.Args[1], backend.ZRange{By: backend.ZByLex, LexMin: lo, LexMax: hi, Count: -1}))
}

func zrank(c *Ctx) error    { return zrankGeneric(c, false) }
func zrevrank(c *Ctx) error { return zrankGeneric(c, true) }

func zrankGeneric(c *Ctx, rev bool) error {
	rank, _, ok, err := c.Tx.ZRank(c.Args[1], c.Args[2], rev)
	switch {
	case err != nil:
		return err
	case ok:
		c.Int(rank)
	default:
		c.Null()
	}
	return nil
}

// --- ranges ---

// zrangeSpec is a parsed ZRANGE-family command: what to select from key,
// and how to reply.
type zrangeSpec struct {
	key        []byte
	r          backend.ZRange
	withScores bool
	empty      bool // the range selects nothing whatever the set holds
}

// zrangeForm says which ZRANGE-family command is parsed: its fixed range
// type and direction, if any.
type zrangeForm struct {
	by       backend.ZRangeBy
	fixedBy  bool
	rev      bool
	fixedRev bool
	store    bool
}

var (
	formZRange           = zrangeForm{}
	formZRangeStore      = zrangeForm{store: true}
	formZRevRange        = zrangeForm{by: backend.ZByRank, fixedBy: true, rev: true, fixedRev: true}
	formZRangeByScore    = zrangeForm{by: backend.ZByScore, fixedBy: true, fixedRev: true}
	formZRevRangeByScore = zrangeForm{by: backend.ZByScore, fixedBy: true, rev: true, fixedRev: true}
	formZRangeByLex      = zrangeForm{by: backend.ZByLex, fixedBy: true, fixedRev: true}
	formZRevRangeByLex   = zrangeForm{by: backend.ZByLex, fixedBy: true, rev: true, fixedRev: true}
)

// parseZrange parses key min max [BYSCORE|BYLEX] [REV] [LIMIT offset
// count] [WITHSCORES] (args from the key on) as Redis's
// zrangeGenericCommand: the options first, then the range.
func parseZrange(args [][]byte, f zrangeForm) (zrangeSpec, error) {
	z := zrangeSpec{key: args[0]}
	by, rev := f.by, f.rev
	offset, limit := int64(0), int64(-1)
	for j := 3; j < len(args); j++ {
		left := len(args) - j - 1
		switch opt := args[j]; {
		case !f.store && equalFold(opt, "withscores"):
			z.withScores = true
		case equalFold(opt, "limit") && left >= 2:
			var err error
			if offset, err = parseInt(args[j+1]); err != nil {
				return z, err
			}
			if limit, err = parseInt(args[j+2]); err != nil {
				return z, err
			}
			j += 2
		case !f.fixedRev && !rev && equalFold(opt, "rev"):
			rev = true
		case !f.fixedBy && by == backend.ZByRank && equalFold(opt, "bylex"):
			by = backend.ZByLex
		case !f.fixedBy && by == backend.ZByRank && equalFold(opt, "byscore"):
			by = backend.ZByScore
		default:
			return z, ErrSyntax
		}
	}
	if limit != -1 && by == backend.ZByRank {
		return z, ErrZRangeLimitRank
	}
	if z.withScores && by == backend.ZByLex {
		return z, ErrZRangeLexScores
	}
	lo, hi := args[1], args[2]
	if rev && by != backend.ZByRank {
		lo, hi = hi, lo // given as max min
	}
	z.r = backend.ZRange{By: by, Rev: rev, Offset: offset, Count: limit}
	var err error
	switch by {
	case backend.ZByRank:
		z.r.Start, z.r.Stop, err = parseRange(lo, hi)
	case backend.ZByScore:
		z.r.Min, z.r.Max, err = parseScoreRange(lo, hi)
	case backend.ZByLex:
		z.r.LexMin, z.r.LexMax, err = parseLexRange(lo, hi)
	}
	// A negative offset skips everything, as Redis's "while (offset--)".
	z.empty = offset < 0
	return z, err
}

// selectRange clamps z's rank range to key's size and reports whether
// there is anything to walk. It checks the key's type.
func (z *zrangeSpec) selectRange(c *Ctx) (bool, error) {
	size, err := c.Tx.ZLen(z.key)
	if err != nil || size == 0 || z.empty {
		return false, err
	}
	if z.r.By == backend.ZByRank {
		var ok bool
		z.r.Start, z.r.Stop, ok = clampRank(z.r.Start, z.r.Stop, size)
		return ok, nil
	}
	return true, nil
}

func zrangeCmd(c *Ctx) error        { return zrangeReply(c, formZRange) }
func zrevrange(c *Ctx) error        { return zrangeReply(c, formZRevRange) }
func zrangebyscore(c *Ctx) error    { return zrangeReply(c, formZRangeByScore) }
func zrevrangebyscore(c *Ctx) error { return zrangeReply(c, formZRevRangeByScore) }
func zrangebylex(c *Ctx) error      { return zrangeReply(c, formZRangeByLex) }
func zrevrangebylex(c *Ctx) error   { return zrangeReply(c, formZRevRangeByLex) }

// zrangeReply replies with the elements a ZRANGE-family command selects.
func zrangeReply(c *Ctx, f zrangeForm) error {
	z, err := parseZrange(c.Args[1:], f)
	if err != nil {
		return err
	}
	some, err := z.selectRange(c)
	if err != nil {
		return err
	}
	w := c.newZWriter(z.withScores)
	if !some {
		w.end()
		return nil
	}
	if err := c.Tx.ZRange(z.key, z.r, w.add); err != nil {
		return err
	}
	w.end()
	return nil
}

// zrangestore is ZRANGESTORE dst src min max [...]: the selected elements
// replace dst (deleted if there are none); the reply is their number.
func zrangestore(c *Ctx) error {
	dst := c.Args[1]
	z, err := parseZrange(c.Args[2:], formZRangeStore)
	if err != nil {
		return err
	}
	some, err := z.selectRange(c)
	if err != nil {
		return err
	}
	var result []backend.ScoredMember
	if some {
		err = c.Tx.ZRange(z.key, z.r, func(m []byte, s float64) bool {
			result = append(result, backend.ScoredMember{Member: bytes.Clone(m), Score: s})
			return true
		})
		if err != nil {
			return err
		}
	}
	return storeResult(c, dst, result, "zrangestore")
}

// storeResult replaces dst with result (sorted, distinct members) and
// replies with its size: the Z*STORE commands. An empty result deletes
// dst. As in Redis, a store counts as one change, and the deletion of
// an old dst as one.
func storeResult(c *Ctx, dst []byte, result []backend.ScoredMember, event string) error {
	absent, err := c.absentForNew(dst)
	if err != nil {
		return err
	}
	deleted, err := c.Tx.Delete(dst)
	if err != nil {
		return err
	}
	if deleted || len(result) > 0 {
		c.Touch(dst) // the sources are read, not changed
	}
	if len(result) == 0 {
		if deleted {
			c.Dirty(1)
			c.Notify(NotifyGeneric, "del", dst)
		}
		c.Int(0)
		return nil
	}
	for i := range result {
		result[i].Score = storedScore(result[i].Score)
	}
	if _, err := c.Tx.ZAdd(dst, 0, result); err != nil {
		return err
	}
	c.Dirty(1)
	c.notifyNew(absent, dst) // before the store's own event, as Redis's setKey
	c.Notify(NotifyZSet, event, dst)
	signalList(c, dst)
	c.Int(int64(len(result)))
	return nil
}

// zwriter writes sorted-set elements as an array: members alone, or with
// their scores, flat (member, score, ...) in RESP2 and as [member, score]
// pairs in RESP3, as Redis 7.0's ZRANGE WITHSCORES.
type zwriter struct {
	c          *Ctx
	withScores bool
	pairs      bool
	mark, n    int
}

func (c *Ctx) newZWriter(withScores bool) *zwriter {
	return &zwriter{c: c, withScores: withScores, pairs: withScores && c.resp3(), mark: c.ArrayMark()}
}

// add writes one element; it is a ZRange callback and always goes on.
func (w *zwriter) add(m []byte, s float64) bool {
	c := w.c
	if w.pairs {
		c.Array(2)
	}
	c.Bulk(m)
	w.n++
	if w.withScores {
		c.Double(s)
		if !w.pairs {
			w.n++
		}
	}
	return true
}

// end inserts the array header.
func (w *zwriter) end() { w.c.ArrayEnd(w.mark, w.n) }

// --- pops ---

func zpopmin(c *Ctx) error { return zpop(c, false) }
func zpopmax(c *Ctx) error { return zpop(c, true) }

// zpop is ZPOPMIN|ZPOPMAX key [count]. Without count the reply is flat
// (member, score); with it RESP3 has [member, score] pairs. A missing key
// is an empty array in both protocols.
func zpop(c *Ctx, top bool) error {
	key := c.Args[1]
	count := int64(-1)
	switch len(c.Args) {
	case 2:
	case 3:
		n, ok := resp.ParseInt(c.Args[2])
		if !ok || n < 0 {
			return ErrCountPositive
		}
		count = n
	default:
		return ErrSyntax
	}
	size, err := c.Tx.ZLen(key)
	if err != nil {
		return err
	}
	if size == 0 || count == 0 {
		c.Array(0)
		return nil
	}
	nested := count != -1 && c.resp3()
	n := min(max(count, 1), size)
	if nested {
		c.Array(int(n))
	} else {
		c.Array(int(2 * n))
	}
	return popElements(c, key, top, n, size, nested)
}

// popElements pops n elements (n <= size, the set's size) from key and
// replies with each, as a [member, score] pair if nested; it records the
// change, the events and the wake-up of other blocked clients if
// elements are left.
func popElements(c *Ctx, key []byte, top bool, n, size int64, nested bool) error {
	err := c.Tx.ZPop(key, top, n, func(m []byte, s float64) {
		if nested {
			c.Array(2)
		}
		c.Bulk(m)
		c.Double(s)
	})
	if err != nil {
		return err
	}
	c.Dirty(n)
	event := "zpopmin"
	if top {
		event = "zpopmax"
	}
	c.Notify(NotifyZSet, event, key)
	if n == size {
		c.Notify(NotifyGeneric, "del", key)
	} else {
		signalList(c, key) // elements left for the next client blocked on key
	}
	return nil
}

func popWordZ(top bool) []byte {
	if top {
		return wordZPOPMAX
	}
	return wordZPOPMIN
}

// zmpopArgs are ZMPOP's and BZMPOP's arguments after numkeys's position.
type zmpopArgs struct {
	keys  [][]byte
	top   bool  // MAX
	count int64 // -1: no COUNT
}

// parseZmpop parses numkeys key... MIN|MAX [COUNT count], numkeys being
// args[0], as Redis's zmpopGenericCommand.
func parseZmpop(args [][]byte) (zmpopArgs, error) {
	var m zmpopArgs
	numKeys, ok := resp.ParseInt(args[0])
	if !ok || numKeys < 1 {
		return m, ErrNumKeysPositive
	}
	if numKeys >= int64(len(args)-1) {
		return m, ErrSyntax
	}
	m.keys = args[1 : 1+numKeys]
	rest := args[1+numKeys:]
	switch {
	case equalFold(rest[0], "min"):
	case equalFold(rest[0], "max"):
		m.top = true
	default:
		return m, ErrSyntax
	}
	m.count = -1
	for i := 1; i < len(rest); i++ {
		if m.count != -1 || !equalFold(rest[i], "count") || i+1 >= len(rest) {
			return m, ErrSyntax
		}
		i++
		n, ok := resp.ParseInt(rest[i])
		if !ok || n < 1 {
			return m, ErrCountGreaterZero
		}
		m.count = n
	}
	return m, nil
}

func zmpop(c *Ctx) error {
	m, err := parseZmpop(c.Args[1:])
	if err != nil {
		return err
	}
	served, err := zpopFirst(c, m.keys, nil, m.top, m.count, true)
	if err == nil && served < 0 {
		c.NullArray()
	}
	return err
}

// zpopFirst pops from the first sorted set of keys with elements (only
// the keys at the positions in ready, if not nil; those that hold no
// sorted set are then skipped) and replies: as BZPOPMIN (key, member,
// score) unless multi, as ZMPOP (key, [[member, score]...]) if multi, up
// to count elements (-1: one). It logs the pop as ZPOPMIN or ZPOPMAX and
// returns the position of the key it served from, -1 if none.
func zpopFirst(c *Ctx, keys [][]byte, ready []int, top bool, count int64, multi bool) (int, error) {
	for i := range candidates(len(keys), ready) {
		key := keys[i]
		size, err := c.Tx.ZLen(key)
		if err != nil {
			if ready != nil && errors.Is(err, backend.ErrWrongType) {
				continue
			}
			return -1, err
		}
		if size == 0 {
			continue
		}
		n := min(max(count, 1), size)
		if multi {
			c.Array(2)
			c.Bulk(key)
			c.Array(int(n))
		} else {
			c.Array(3)
			c.Bulk(key)
		}
		if err := popElements(c, key, top, n, size, multi); err != nil {
			return -1, err
		}
		c.Touch(key) // only the key popped from changed
		if count == -1 && !multi {
			c.Propagate(popWordZ(top), key)
		} else {
			c.Propagate(popWordZ(top), key, formatInt(n))
		}
		return i, nil
	}
	return -1, nil
}

// --- blocking pops ---

func bzpopmin(c *Ctx) error { return bzpop(c, false) }
func bzpopmax(c *Ctx) error { return bzpop(c, true) }

// bzpop is BZPOPMIN|BZPOPMAX key... timeout, logged as ZPOPMIN|ZPOPMAX key.
func bzpop(c *Ctx, top bool) error {
	return blockOnKeys(c, func(c *Ctx, keys [][]byte, ready []int) (int, error) {
		return zpopFirst(c, keys, ready, top, -1, false)
	})
}

// bzmpop is BZMPOP timeout numkeys key... MIN|MAX [COUNT count].
func bzmpop(c *Ctx) error {
	m, err := parseZmpop(c.Args[2:])
	if err != nil {
		return err
	}
	timeout, err := parseTimeout(c.Args[1])
	if err != nil {
		return err
	}
	return blockOn(c, m.keys, m.keys, timeout, func(c *Ctx, ready []int) (int, error) {
		return zpopFirst(c, m.keys, ready, m.top, m.count, true)
	})
}

// --- ZRANDMEMBER ---

// zrandmember is ZRANDMEMBER key [count [WITHSCORES]], as SRANDMEMBER and
// HRANDFIELD (randomPlan): without count one member or null; with count
// an array, of [member, score] pairs in RESP3 with WITHSCORES.
func zrandmember(c *Ctx) error {
	key := c.Args[1]
	if len(c.Args) == 2 {
		return randomOne(c, func(reply func([]byte)) error {
			return c.Tx.ZRandom(key, 1, false, func(m []byte, _ float64) error { reply(m); return nil })
		})
	}
	l, err := randomCount(c.Args[2])
	if err != nil {
		return err
	}
	withScores := false
	switch {
	case len(c.Args) > 4 || (len(c.Args) == 4 && !equalFold(c.Args[3], "withscores")):
		return ErrSyntax
	case len(c.Args) == 4:
		withScores = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			return ErrOutOfRange
		}
	}
	size, err := c.Tx.ZLen(key)
	if err != nil {
		return err
	}
	n, how, err := randomPlan(size, l)
	if err != nil {
		return err
	}
	w := c.newZWriter(withScores)
	switch how {
	case pickAll:
		// Redis hands out the whole set from its highest score down.
		err = c.Tx.ZRange(key, backend.ZRange{By: backend.ZByRank, Rev: true, Stop: size - 1, Count: -1}, w.add)
	case pickSome, pickDistinct:
		err = c.Tx.ZRandom(key, n, how == pickDistinct, func(m []byte, s float64) error {
			w.add(m, s)
			return nil
		})
	}
	if err != nil {
		return err
	}
	w.end()
	return nil
}

// --- ZSCAN ---

// zscan is ZSCAN key cursor [MATCH pattern] [COUNT count]: members and
// their scores, as bulk strings in both protocols. A sorted set Redis
// keeps as a listpack is returned whole in one call, in score order and
// with its scores as the listpack holds them (see appendListpackScore),
// as Redis does.
func zscan(c *Ctx) error {
	key := c.Args[1]
	cursor, n, o, err := keyScanArgs(c, c.Tx.ZLen)
	if err != nil || n == 0 {
		return err
	}
	small, err := listpackZSet(c, key, n)
	if err != nil {
		return err
	}
	mark := c.ArrayMark()
	found := 0
	var buf [32]byte
	emit := func(m []byte, s float64, score func([]byte, float64) []byte) {
		if o.pattern == nil || GlobMatch(o.pattern, m, false) {
			c.Bulk(m)
			c.Bulk(score(buf[:0], s))
			found += 2
		}
	}
	next := uint64(0)
	if small {
		err = c.Tx.ZIter(key, func(m []byte, s float64) bool {
			emit(m, s, appendListpackScore)
			return true
		})
	} else {
		next, err = c.Tx.ZScan(key, cursor, o.count, func(m []byte, s float64) error {
			emit(m, s, backend.AppendScore)
			return nil
		})
	}
	if err != nil {
		return err
	}
	c.ScanEnd(mark, next, found)
	return nil
}

// maxListpackInt is LLONG_MAX/2 as a double: Redis 7.0's double2ll stores
// a listpack score as an integer when it is integral and within it.
const maxListpackInt = float64(math.MaxInt64 / 2)

// appendListpackScore appends s as a Redis 7.0 listpack holds it: an
// integral score within maxListpackInt as an integer, any other as
// %.17g (AppendScore).
func appendListpackScore(dst []byte, s float64) []byte {
	if s >= -maxListpackInt && s <= maxListpackInt && s == math.Trunc(s) {
		return strconv.AppendInt(dst, int64(s), 10)
	}
	return backend.AppendScore(dst, s)
}

// listpackZSet reports whether Redis would keep key's n elements as a
// listpack (see the type's Encoding).
func listpackZSet(c *Ctx, key []byte, n int64) (bool, error) {
	if n > paramInt(c, "zset-max-listpack-entries", 128) {
		return false, nil
	}
	info, _ := backend.Lookup(backend.TypeZSet)
	enc, err := info.Encoding(c.Tx, key, func(name string, def int64) int64 { return paramInt(c, name, def) })
	return enc == "listpack", err
}

// --- algebra ---

func zunion(c *Ctx) error      { return zalgebra(c, opUnion, nil, 1) }
func zinter(c *Ctx) error      { return zalgebra(c, opInter, nil, 1) }
func zdiff(c *Ctx) error       { return zalgebra(c, opDiff, nil, 1) }
func zunionstore(c *Ctx) error { return zalgebra(c, opUnion, c.Args[1], 2) }
func zinterstore(c *Ctx) error { return zalgebra(c, opInter, c.Args[1], 2) }
func zdiffstore(c *Ctx) error  { return zalgebra(c, opDiff, c.Args[1], 2) }

// zaggregate is AGGREGATE's SUM, MIN or MAX.
type zaggregate uint8

const (
	aggSum zaggregate = iota
	aggMin
	aggMax
)

// apply folds v into *acc; a NaN sum (inf + -inf) is 0, as in Redis.
func (a zaggregate) apply(acc *float64, v float64) {
	switch a {
	case aggSum:
		*acc += v
		if math.IsNaN(*acc) {
			*acc = 0
		}
	case aggMin:
		*acc = min(*acc, v)
	case aggMax:
		*acc = max(*acc, v)
	}
}

// zsource is one input of the algebra: a sorted set, a set (every member
// scoring 1) or a missing key (empty).
type zsource struct {
	key    []byte
	typ    backend.Type
	size   int64
	weight float64
}

// each calls fn for each element of s until fn returns false.
func (s *zsource) each(c *Ctx, fn func(m []byte, score float64) bool) error {
	switch s.typ {
	case backend.TypeZSet:
		return c.Tx.ZIter(s.key, fn)
	case backend.TypeSet:
		return c.Tx.SetIter(s.key, func(m []byte) bool { return fn(m, 1) })
	}
	return nil
}

// score returns m's score in s.
func (s *zsource) score(c *Ctx, m []byte) (float64, bool, error) {
	switch s.typ {
	case backend.TypeZSet:
		return c.Tx.ZScore(s.key, m)
	case backend.TypeSet:
		ok, err := c.Tx.SetIsMember(s.key, m)
		return 1, ok, err
	}
	return 0, false, nil
}

// weighted is v times s's weight, 0 where that is NaN (inf times 0).
func (s *zsource) weighted(v float64) float64 {
	v *= s.weight
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// zsources looks up the keys of an algebra command: each must hold a
// sorted set, a set, or nothing (WRONGTYPE otherwise), as Redis checks
// them before it reads the options.
func zsources(c *Ctx, keys [][]byte) ([]zsource, error) {
	srcs := make([]zsource, len(keys))
	for i, k := range keys {
		t, err := c.Tx.Type(k)
		if err != nil {
			return nil, err
		}
		s := zsource{key: k, typ: t, weight: 1}
		switch t {
		case backend.TypeNone:
		case backend.TypeZSet:
			s.size, err = c.Tx.ZLen(k)
		case backend.TypeSet:
			s.size, err = c.Tx.SetLen(k)
		default:
			return nil, ErrWrongType
		}
		if err != nil {
			return nil, err
		}
		srcs[i] = s
	}
	return srcs, nil
}

// zalgebraArgs are the parsed arguments of ZUNION, ZINTER, ZDIFF, their
// STORE forms and ZINTERCARD.
type zalgebraArgs struct {
	srcs       []zsource
	agg        zaggregate
	withScores bool
	limit      int64
}

// parseZalgebra parses numkeys key... [options] (numkeys at c.Args[at]) as
// Redis's zunionInterDiffGenericCommand: numkeys, the keys' types, then
// WEIGHTS and AGGREGATE (not for ZDIFF), WITHSCORES (not for the STORE
// forms), LIMIT (ZINTERCARD only).
func parseZalgebra(c *Ctx, op setOp, store, card bool, at int) (zalgebraArgs, error) {
	var a zalgebraArgs
	numKeys, err := parseInt(c.Args[at])
	if err != nil {
		return a, err
	}
	if numKeys < 1 {
		return a, AtLeastOneKey(c.spec.Name)
	}
	if numKeys > int64(len(c.Args)-at-1) {
		return a, ErrSyntax
	}
	end := at + 1 + int(numKeys)
	if a.srcs, err = zsources(c, c.Args[at+1:end]); err != nil {
		return a, err
	}
	opts := c.Args[end:]
	for j := 0; j < len(opts); {
		left := len(opts) - j
		switch opt := opts[j]; {
		case op != opDiff && !card && left >= len(a.srcs)+1 && equalFold(opt, "weights"):
			j++
			for i := range a.srcs {
				w, ok := parseScore(opts[j])
				if !ok {
					return a, ErrWeightNotFloat
				}
				a.srcs[i].weight = w
				j++
			}
		case op != opDiff && !card && left >= 2 && equalFold(opt, "aggregate"):
			switch how := opts[j+1]; {
			case equalFold(how, "sum"):
				a.agg = aggSum
			case equalFold(how, "min"):
				a.agg = aggMin
			case equalFold(how, "max"):
				a.agg = aggMax
			default:
				return a, ErrSyntax
			}
			j += 2
		case !store && !card && equalFold(opt, "withscores"):
			a.withScores = true
			j++
		case card && left >= 2 && equalFold(opt, "limit"):
			n, ok := resp.ParseInt(opts[j+1])
			if !ok || n < 0 {
				return a, ErrLimitNegative
			}
			a.limit = n
			j += 2
		default:
			return a, ErrSyntax
		}
	}
	return a, nil
}

// zalgebra is ZUNION, ZINTER, ZDIFF (dst nil) and their STORE forms, with
// numkeys at c.Args[at].
func zalgebra(c *Ctx, op setOp, dst []byte, at int) error {
	a, err := parseZalgebra(c, op, dst != nil, false, at)
	if err != nil {
		return err
	}
	if dst != nil { // a write: the dispatcher reports misses of reads only
		for _, s := range a.srcs {
			c.readLookup(s.key, s.typ != backend.TypeNone)
		}
	}
	result, err := zresult(c, op, a)
	if err != nil {
		return err
	}
	if dst != nil {
		return storeResult(c, dst, result, zstoreEvent[op])
	}
	w := c.newZWriter(a.withScores)
	for _, e := range result {
		w.add(e.Member, e.Score)
	}
	w.end()
	return nil
}

var zstoreEvent = [...]string{opInter: "zinterstore", opUnion: "zunionstore", opDiff: "zdiffstore"}

// zresult computes op over a's sources, in score order (equal scores in
// member order). Members are copies.
func zresult(c *Ctx, op setOp, a zalgebraArgs) ([]backend.ScoredMember, error) {
	var out []backend.ScoredMember
	var err error
	switch op {
	case opUnion:
		out, err = zunionOf(c, a)
	case opInter:
		err = zinterEach(c, a, func(m []byte, s float64) bool {
			out = append(out, backend.ScoredMember{Member: bytes.Clone(m), Score: s})
			return true
		})
	case opDiff:
		out, err = zdiffOf(c, a.srcs)
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, backend.CompareScored)
	return out, nil
}

// bySize returns srcs from the smallest to the largest, the order in
// which Redis folds the scores of ZUNION and ZINTER (which matters to a
// floating-point sum: 0.3 + 0.2 + 0.1 is not 0.1 + 0.2 + 0.3).
func bySize(srcs []zsource) []zsource {
	out := slices.Clone(srcs)
	slices.SortStableFunc(out, func(x, y zsource) int {
		switch {
		case x.size < y.size:
			return -1
		case x.size > y.size:
			return 1
		}
		return 0
	})
	return out
}

// zunionOf folds every source's weighted elements together.
func zunionOf(c *Ctx, a zalgebraArgs) ([]backend.ScoredMember, error) {
	at := map[string]int{}
	var out []backend.ScoredMember
	srcs := bySize(a.srcs)
	for i := range srcs {
		s := &srcs[i]
		err := s.each(c, func(m []byte, score float64) bool {
			v := s.weighted(score)
			if j, ok := at[string(m)]; ok {
				a.agg.apply(&out[j].Score, v)
				return true
			}
			at[string(m)] = len(out)
			out = append(out, backend.ScoredMember{Member: bytes.Clone(m), Score: v})
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// zinterEach walks the smallest source and calls fn with each member
// every source has and its aggregated score, until fn returns false. As
// in Redis, the sources are taken from the smallest to the largest.
func zinterEach(c *Ctx, a zalgebraArgs, fn func(m []byte, s float64) bool) error {
	srcs := bySize(a.srcs)
	if srcs[0].size == 0 {
		return nil
	}
	var inner error
	err := srcs[0].each(c, func(m []byte, score float64) bool {
		acc := srcs[0].weighted(score)
		for i := 1; i < len(srcs); i++ {
			v, ok, err := srcs[i].score(c, m)
			if err != nil {
				inner = err
				return false
			}
			if !ok {
				return true
			}
			a.agg.apply(&acc, srcs[i].weighted(v))
		}
		return fn(m, acc)
	})
	if err != nil {
		return err
	}
	return inner
}

// zdiffOf returns the elements of the first source that no other has,
// with their scores.
func zdiffOf(c *Ctx, srcs []zsource) ([]backend.ScoredMember, error) {
	var out []backend.ScoredMember
	var inner error
	err := srcs[0].each(c, func(m []byte, score float64) bool {
		for i := 1; i < len(srcs); i++ {
			if srcs[i].size == 0 {
				continue
			}
			_, ok, err := srcs[i].score(c, m)
			if err != nil {
				inner = err
				return false
			}
			if ok {
				return true
			}
		}
		out = append(out, backend.ScoredMember{Member: bytes.Clone(m), Score: score})
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, inner
}

// zintercard is ZINTERCARD numkeys key... [LIMIT limit]: the size of the
// intersection, counting stopped at limit (0: no limit).
func zintercard(c *Ctx) error {
	a, err := parseZalgebra(c, opInter, false, true, 1)
	if err != nil {
		return err
	}
	var n int64
	err = zinterEach(c, a, func([]byte, float64) bool {
		n++
		return a.limit == 0 || n < a.limit
	})
	if err != nil {
		return err
	}
	c.Int(n)
	return nil
}
