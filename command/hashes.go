package command

import (
	"math"

	"redpool/session/resp"
)

func hashCommands() []Spec {
	return []Spec{
		{Name: "hset", Arity: -4, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: hset, Group: "hash", Summary: "Creates or modifies the value of a field in a hash.", Since: "2.0.0"},
		{Name: "hsetnx", Arity: 4, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: hsetnx, Group: "hash", Summary: "Sets the value of a field in a hash only when the field doesn't exist.", Since: "2.0.0"},
		{Name: "hmset", Arity: -4, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: hmset, Group: "hash", Summary: "Sets the values of multiple fields.", Since: "2.0.0"},
		{Name: "hget", Arity: 3, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: hget, Group: "hash", Summary: "Returns the value of a field in a hash.", Since: "2.0.0"},
		{Name: "hmget", Arity: -3, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: hmget, Group: "hash", Summary: "Returns the values of all fields in a hash.", Since: "2.0.0"},
		{Name: "hdel", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: hdel, Group: "hash", Summary: "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", Since: "2.0.0"},
		{Name: "hexists", Arity: 3, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: hexists, Group: "hash", Summary: "Determines whether a field exists in a hash.", Since: "2.0.0"},
		{Name: "hlen", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: hlen, Group: "hash", Summary: "Returns the number of fields in a hash.", Since: "2.0.0"},
		{Name: "hstrlen", Arity: 3, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: hstrlen, Group: "hash", Summary: "Returns the length of the value of a field.", Since: "3.2.0"},
		{Name: "hkeys", Arity: 2, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: hkeys, Group: "hash", Summary: "Returns all fields in a hash.", Since: "2.0.0"},
		{Name: "hvals", Arity: 2, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: hvals, Group: "hash", Summary: "Returns all values in a hash.", Since: "2.0.0"},
		{Name: "hgetall", Arity: 2, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: hgetall, Group: "hash", Summary: "Returns all fields and values in a hash.", Since: "2.0.0"},
		{Name: "hincrby", Arity: 4, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: hincrby, Group: "hash", Summary: "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", Since: "2.0.0"},
		{Name: "hincrbyfloat", Arity: 4, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: hincrbyfloat, Group: "hash", Summary: "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", Since: "2.6.0"},
		{Name: "hscan", Arity: -3, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: hscan, Group: "hash", Summary: "Iterates over fields and values of a hash.", Since: "2.8.0"},
		{Name: "hrandfield", Arity: -2, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: hrandfield, Group: "hash", Summary: "Returns one or more random fields from a hash.", Since: "6.2.0"},
	}
}

var wordHSET = []byte("HSET")

// --- writes ---

// hset is HSET key field value [field value ...]: the number of new fields.
func hset(c *Ctx) error {
	n, err := hashSetPairs(c)
	if err != nil {
		return err
	}
	c.Int(n)
	return nil
}

// hmset is HSET's old form, replying OK.
func hmset(c *Ctx) error {
	if _, err := hashSetPairs(c); err != nil {
		return err
	}
	c.OK()
	return nil
}

// hashSetPairs stores the field/value pairs after the key and returns how many
// fields are new.
func hashSetPairs(c *Ctx) (int64, error) {
	key, pairs := c.Args[1], c.Args[2:]
	if len(pairs)%2 != 0 {
		return 0, WrongArity(c.spec.Name)
	}
	absent, err := c.absentForNew(key)
	if err != nil {
		return 0, err
	}
	n, err := c.Tx.HashSet(key, pairs, false)
	if err != nil {
		return 0, err
	}
	c.Dirty(int64(len(pairs) / 2))
	c.notifyNew(absent, key)
	c.Notify(NotifyHash, "hset", key)
	return n, nil
}

func hsetnx(c *Ctx) error {
	key := c.Args[1]
	absent, err := c.absentForNew(key)
	if err != nil {
		return err
	}
	n, err := c.Tx.HashSet(key, c.Args[2:4], true)
	if err != nil {
		return err
	}
	c.Dirty(n)
	c.Bool(n > 0)
	if n > 0 {
		c.notifyNew(absent, key)
		c.Notify(NotifyHash, "hset", key)
	}
	return nil
}

func hdel(c *Ctx) error {
	n, err := c.Tx.HashDel(c.Args[1], c.Args[2:])
	return c.removedCount(n, err, NotifyHash, "hdel")
}

// hincrby is HINCRBY key field increment.
func hincrby(c *Ctx) error {
	key, field := c.Args[1], c.Args[2]
	incr, err := parseInt(c.Args[3])
	if err != nil {
		return err
	}
	v, ok, err := c.Tx.HashGet(key, field)
	if err != nil {
		return err
	}
	var cur int64
	if ok {
		if cur, ok = resp.ParseInt(v); !ok {
			return ErrHashNotInteger
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) || (incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		return ErrOverflow
	}
	cur += incr
	absent, err := c.absentForNew(key)
	if err != nil {
		return err
	}
	var buf [20]byte
	if _, err := c.Tx.HashSet(key, [][]byte{field, appendInt(buf[:0], cur)}, false); err != nil {
		return err
	}
	c.Dirty(1)
	c.notifyNew(absent, key)
	c.Notify(NotifyHash, "hincrby", key)
	c.Int(cur)
	return nil
}

// hincrbyfloat is HINCRBYFLOAT key field increment, in long double
// arithmetic as Redis; it is logged as HSET of the result.
func hincrbyfloat(c *Ctx) error {
	key, field, incr := c.Args[1], c.Args[2], c.Args[3]
	f, ok := parseLongDouble(incr)
	if !ok {
		return ErrNotFloat
	}
	if f.IsInf() {
		return ErrNaNOrInfinity
	}
	v, exists, err := c.Tx.HashGet(key, field)
	if err != nil {
		return err
	}
	res, err := incrLongDouble(v, exists, incr, ErrHashNotFloat)
	if err != nil {
		return err
	}
	absent, err := c.absentForNew(key)
	if err != nil {
		return err
	}
	if _, err := c.Tx.HashSet(key, [][]byte{field, res}, false); err != nil {
		return err
	}
	c.Propagate(wordHSET, key, field, res)
	c.notifyNew(absent, key)
	c.Notify(NotifyHash, "hincrbyfloat", key)
	c.Bulk(res)
	return nil
}

// --- reads ---

func hget(c *Ctx) error {
	v, ok, err := c.Tx.HashGet(c.Args[1], c.Args[2])
	if err != nil {
		return err
	}
	bulkOrNull(c, v, ok)
	return nil
}

func hmget(c *Ctx) error {
	key, fields := c.Args[1], c.Args[2:]
	c.Array(len(fields))
	for _, f := range fields {
		v, ok, err := c.Tx.HashGet(key, f)
		if err != nil {
			return err
		}
		bulkOrNull(c, v, ok)
	}
	return nil
}

func hexists(c *Ctx) error {
	_, ok, err := c.Tx.HashGet(c.Args[1], c.Args[2])
	if err != nil {
		return err
	}
	c.Bool(ok)
	return nil
}

func hlen(c *Ctx) error { return c.intReply(c.Tx.HashLen(c.Args[1])) }

func hstrlen(c *Ctx) error {
	v, _, err := c.Tx.HashGet(c.Args[1], c.Args[2])
	if err != nil {
		return err
	}
	c.Int(int64(len(v)))
	return nil
}

// What hashAll replies with for each field.
const (
	hashFields = 1 << iota
	hashValues
	hashPairs // each field and value as an array of two (HRANDFIELD WITHVALUES in RESP3)
)

func hkeys(c *Ctx) error   { return hashAll(c, hashFields) }
func hvals(c *Ctx) error   { return hashAll(c, hashValues) }
func hgetall(c *Ctx) error { return hashAll(c, hashFields|hashValues) }

// hashAll replies with every field, value, or both, of the hash.
func hashAll(c *Ctx, what int) error {
	key := c.Args[1]
	n, err := c.Tx.HashLen(key)
	if err != nil {
		return err
	}
	if what == hashFields|hashValues {
		c.Map(int(n))
	} else {
		c.Array(int(n))
	}
	return c.Tx.HashIter(key, func(f, v []byte) bool {
		replyField(c, f, v, what)
		return true
	})
}

// replyField writes a field, its value, or both (as a pair if what has
// hashPairs).
func replyField(c *Ctx, f, v []byte, what int) {
	if what&hashPairs != 0 {
		c.Array(2)
	}
	if what&hashFields != 0 {
		c.Bulk(f)
	}
	if what&hashValues != 0 {
		c.Bulk(v)
	}
}

// hscan is HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]. As in
// Redis, a missing key answers an empty scan before the options are read.
// NOVALUES is Redis 7.4's.
func hscan(c *Ctx) error {
	key := c.Args[1]
	cursor, n, err := keyScanStart(c, c.Tx.HashLen)
	if err != nil || n == 0 {
		return err
	}
	count, pattern, what := 10, []byte(nil), hashFields|hashValues
	args := c.Args[3:]
	for i := 0; i < len(args); i++ {
		more := i+1 < len(args)
		switch opt := args[i]; {
		case equalFold(opt, "count") && more:
			i++
			n, err := parseInt(args[i])
			if err != nil {
				return err
			}
			if n < 1 {
				return ErrSyntax
			}
			count = int(min(n, math.MaxInt32))
		case equalFold(opt, "match") && more:
			i++
			pattern = args[i]
			if len(pattern) == 1 && pattern[0] == '*' {
				pattern = nil
			}
		case equalFold(opt, "novalues"):
			what = hashFields
		default:
			return ErrSyntax
		}
	}
	mark := c.ArrayMark()
	found := 0
	next, err := c.Tx.HashScan(key, cursor, count, func(f, v []byte) error {
		if pattern == nil || GlobMatch(pattern, f, false) {
			replyField(c, f, v, what)
			found++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if what == hashFields|hashValues {
		found *= 2
	}
	c.ScanEnd(mark, next, found)
	return nil
}

// maxRandomFields bounds HRANDFIELD's negative count: Redis would try to
// build a reply of 2^62 elements; redpool refuses with "value is out of
// range" rather than exhaust its memory.
const maxRandomFields = 1 << 24

// hrandfield is HRANDFIELD key [count [WITHVALUES]]. Without count: one
// random field or null. A positive count returns distinct fields (the
// whole hash if count reaches its size), a negative one |count| fields
// that may repeat. The picks come from Tx.HashRandom, so that their cost
// does not grow with the size of the hash (only the whole-hash answer
// walks it). It is read-only, so nothing is logged.
func hrandfield(c *Ctx) error {
	key := c.Args[1]
	if len(c.Args) == 2 {
		return randomField(c, key)
	}
	l, err := randomCount(c.Args[2])
	if err != nil {
		return err
	}
	what := hashFields
	switch {
	case len(c.Args) > 4 || (len(c.Args) == 4 && !equalFold(c.Args[3], "withvalues")):
		return ErrSyntax
	case len(c.Args) == 4:
		what |= hashValues
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			return ErrOutOfRange
		}
	}
	size, err := c.Tx.HashLen(key)
	if err != nil {
		return err
	}
	per := 1
	switch {
	case what&hashValues == 0:
	case c.resp3():
		what |= hashPairs // RESP3: an array of [field, value] pairs
	default:
		per = 2 // RESP2: one flat array
	}
	n, how, err := randomPlan(size, l)
	if err != nil {
		return err
	}
	c.Array(n * per)
	switch how {
	case pickAll:
		return c.Tx.HashIter(key, func(f, v []byte) bool {
			replyField(c, f, v, what)
			return true
		})
	case pickSome, pickDistinct:
		return c.Tx.HashRandom(key, n, how == pickDistinct, func(f, v []byte) error {
			replyField(c, f, v, what)
			return nil
		})
	}
	return nil
}

// pickHow is how HRANDFIELD and SRANDMEMBER answer a count.
type pickHow uint8

const (
	pickNone     pickHow = iota // an empty array
	pickSome                    // n independent picks, which may repeat
	pickDistinct                // n distinct elements
	pickAll                     // every element
)

// randomPlan decides, as Redis does, how HRANDFIELD and SRANDMEMBER answer
// count l for a collection of size elements, and how many elements the
// reply has: a negative count picks -l times (refused beyond
// maxRandomFields), a positive one l distinct elements, or all of them
// when l is at least the size.
func randomPlan(size, l int64) (n int, how pickHow, err error) {
	switch {
	case size == 0 || l == 0:
		return 0, pickNone, nil
	case l < 0:
		if -l > maxRandomFields {
			return 0, pickNone, ErrOutOfRange
		}
		return int(-l), pickSome, nil
	case l >= size:
		return int(size), pickAll, nil
	}
	return int(l), pickDistinct, nil
}

// randomField replies with one random field of key, or null.
func randomField(c *Ctx, key []byte) error {
	return randomOne(c, func(reply func([]byte)) error {
		return c.Tx.HashRandom(key, 1, false, func(f, _ []byte) error { reply(f); return nil })
	})
}

// randomOne replies with the one element pick passes to reply, or null
// when it passes none (a missing key): HRANDFIELD, SRANDMEMBER and
// ZRANDMEMBER without a count.
func randomOne(c *Ctx, pick func(reply func([]byte)) error) error {
	found := false
	err := pick(func(b []byte) {
		c.Bulk(b)
		found = true
	})
	if err == nil && !found {
		c.Null()
	}
	return err
}

// randomCount parses the count of HRANDFIELD, SRANDMEMBER and
// ZRANDMEMBER: an integer, but not the most negative one, which has no
// opposite.
func randomCount(arg []byte) (int64, error) {
	l, err := parseInt(arg)
	if err != nil {
		return 0, err
	}
	if l == math.MinInt64 {
		return 0, ErrLongRange
	}
	return l, nil
}
