package command

import (
	"redpool/backend"
)

func setCommands() []Spec {
	return []Spec{
		{Name: "sadd", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: sadd, Group: "set", Summary: "Adds one or more members to a set. Creates the key if it doesn't exist.", Since: "1.0.0"},
		{Name: "srem", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: srem, Group: "set", Summary: "Removes one or more members from a set. Deletes the set if the last member was removed.", Since: "1.0.0"},
		{Name: "scard", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: scard, Group: "set", Summary: "Returns the number of members in a set.", Since: "1.0.0"},
		{Name: "sismember", Arity: 3, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: sismember, Group: "set", Summary: "Determines whether a member belongs to a set.", Since: "1.0.0"},
		{Name: "smismember", Arity: -3, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: smismember, Group: "set", Summary: "Determines whether multiple members belong to a set.", Since: "6.2.0"},
		{Name: "smembers", Arity: 2, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: smembers, Group: "set", Summary: "Returns all members of a set.", Since: "1.0.0"},
		{Name: "srandmember", Arity: -2, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: srandmember, Group: "set", Summary: "Get one or multiple random members from a set", Since: "1.0.0"},
		{Name: "spop", Arity: -2, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: spop, Group: "set", Summary: "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.", Since: "1.0.0"},
		{Name: "smove", Arity: 4, Flags: Write | Fast, Keys: KeySpec{1, 2, 1}, Run: smove, Group: "set", Summary: "Moves a member from one set to another.", Since: "1.0.0"},
		{Name: "sinter", Arity: -2, Flags: ReadOnly, Keys: KeySpec{1, -1, 1}, Run: sinter, Group: "set", Summary: "Returns the intersect of multiple sets.", Since: "1.0.0"},
		{Name: "sintercard", Arity: -3, Flags: ReadOnly, FindKeys: numKeysAt(1), Run: sintercard, Group: "set", Summary: "Returns the number of members of the intersect of multiple sets.", Since: "7.0.0"},
		{Name: "sinterstore", Arity: -3, Flags: Write, Keys: KeySpec{1, -1, 1}, Run: sinterstore, Group: "set", Summary: "Stores the intersect of multiple sets in a key.", Since: "1.0.0"},
		{Name: "sunion", Arity: -2, Flags: ReadOnly, Keys: KeySpec{1, -1, 1}, Run: sunion, Group: "set", Summary: "Returns the union of multiple sets.", Since: "1.0.0"},
		{Name: "sunionstore", Arity: -3, Flags: Write, Keys: KeySpec{1, -1, 1}, Run: sunionstore, Group: "set", Summary: "Stores the union of multiple sets in a key.", Since: "1.0.0"},
		{Name: "sdiff", Arity: -2, Flags: ReadOnly, Keys: KeySpec{1, -1, 1}, Run: sdiff, Group: "set", Summary: "Returns the difference of multiple sets.", Since: "1.0.0"},
		{Name: "sdiffstore", Arity: -3, Flags: Write, Keys: KeySpec{1, -1, 1}, Run: sdiffstore, Group: "set", Summary: "Stores the difference of multiple sets in a key.", Since: "1.0.0"},
		{Name: "sscan", Arity: -3, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: sscan, Group: "set", Summary: "Iterates over members of a set.", Since: "2.8.0"},
	}
}

var (
	wordSREM = []byte("SREM")
	wordDEL  = []byte("DEL")
)

// --- single-key writes ---

func sadd(c *Ctx) error {
	key := c.Args[1]
	absent, err := c.absentForNew(key)
	if err != nil {
		return err
	}
	n, err := c.Tx.SetAdd(key, c.Args[2:])
	if err := c.changedCount(n, err); err != nil || n == 0 {
		return err
	}
	c.notifyNew(absent, key)
	c.Notify(NotifySet, "sadd", key)
	return nil
}

func srem(c *Ctx) error {
	n, err := c.Tx.SetRem(c.Args[1], c.Args[2:])
	return c.removedCount(n, err, NotifySet, "srem")
}

// changedCount replies with n, the number of elements a write added or
// removed, which is also the number of changes it made; or returns err.
func (c *Ctx) changedCount(n int64, err error) error {
	if err != nil {
		return err
	}
	c.Dirty(n)
	c.Int(n)
	return nil
}

// spop is SPOP key [count]. It is logged as SREM of the members it popped
// (DEL when it popped the whole set), as Redis propagates it, so that the
// AOF replays the same result.
func spop(c *Ctx) error {
	key := c.Args[1]
	switch {
	case len(c.Args) > 3:
		return ErrSyntax
	case len(c.Args) == 2:
		popped, err := popMembers(c, key, 1)
		if err != nil {
			return err
		}
		if len(popped) == 0 {
			c.Null()
			return nil
		}
		c.Bulk(popped[0])
		return nil
	}
	count, err := parseInt(c.Args[2])
	if err != nil || count < 0 {
		return ErrCountPositive // Redis's reply to a count that is no integer, too
	}
	popped, err := popMembers(c, key, count)
	if err != nil {
		return err
	}
	c.Set(len(popped))
	for _, m := range popped {
		c.Bulk(m)
	}
	return nil
}

// popMembers removes up to count distinct random members of key and
// returns them (copies): the whole set when count reaches its size.
func popMembers(c *Ctx, key []byte, count int64) ([][]byte, error) {
	size, err := c.Tx.SetLen(key)
	if err != nil || size == 0 || count == 0 {
		return nil, err
	}
	if count >= size {
		all := make([][]byte, 0, size)
		err := c.Tx.SetIter(key, func(m []byte) bool {
			all = append(all, append([]byte(nil), m...))
			return true
		})
		if err != nil {
			return nil, err
		}
		if _, err := c.Tx.Delete(key); err != nil {
			return nil, err
		}
		c.Propagate(wordDEL, key)
		c.Dirty(size)
		c.Notify(NotifySet, "spop", key)
		c.Notify(NotifyGeneric, "del", key)
		return all, nil
	}
	popped := make([][]byte, 0, count)
	// One pick is distinct by itself: no need for Sample's bookkeeping.
	err = c.Tx.SetRandom(key, int(count), count > 1, func(m []byte) error {
		popped = append(popped, append([]byte(nil), m...))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := c.Tx.SetRem(key, popped); err != nil {
		return nil, err
	}
	c.Propagate(append([][]byte{wordSREM, key}, popped...)...)
	c.Dirty(count)
	c.Notify(NotifySet, "spop", key)
	return popped, nil
}

// smove is SMOVE source destination member. A missing source answers 0
// before the destination's type is looked at, as in Redis.
func smove(c *Ctx) error {
	src, dst, member := c.Args[1], c.Args[2], c.Args[3]
	n, err := c.Tx.SetLen(src)
	if err != nil || n == 0 {
		if err == nil {
			c.Bool(false)
		}
		return err
	}
	dstLen, err := c.Tx.SetLen(dst)
	if err != nil {
		return err
	}
	if string(src) == string(dst) {
		ok, err := c.Tx.SetIsMember(src, member)
		if err == nil {
			c.Bool(ok)
		}
		return err
	}
	removed, err := c.Tx.SetRem(src, [][]byte{member})
	if err != nil || removed == 0 {
		if err == nil {
			c.Bool(false)
		}
		return err
	}
	added, err := c.Tx.SetAdd(dst, [][]byte{member})
	if err != nil {
		return err
	}
	c.Dirty(1)
	c.Bool(true)
	c.Notify(NotifySet, "srem", src)
	if n == 1 {
		c.Notify(NotifyGeneric, "del", src)
	}
	c.notifyNew(dstLen == 0, dst)
	if added > 0 {
		c.Notify(NotifySet, "sadd", dst)
	}
	return nil
}

// --- single-key reads ---

func scard(c *Ctx) error     { return c.intReply(c.Tx.SetLen(c.Args[1])) }
func sismember(c *Ctx) error { return c.boolReply(c.Tx.SetIsMember(c.Args[1], c.Args[2])) }

// intReply replies with n, or returns err.
func (c *Ctx) intReply(n int64, err error) error {
	if err == nil {
		c.Int(n)
	}
	return err
}

// boolReply replies with :1 or :0, or returns err.
func (c *Ctx) boolReply(ok bool, err error) error {
	if err == nil {
		c.Bool(ok)
	}
	return err
}

// smismember replies with an array of integers (not booleans), in both
// protocols, as Redis 7.0.
func smismember(c *Ctx) error {
	key, members := c.Args[1], c.Args[2:]
	c.Array(len(members))
	for _, m := range members {
		ok, err := c.Tx.SetIsMember(key, m)
		if err != nil {
			return err
		}
		c.Bool(ok)
	}
	return nil
}

func smembers(c *Ctx) error {
	key := c.Args[1]
	n, err := c.Tx.SetLen(key)
	if err != nil {
		return err
	}
	c.Set(int(n))
	return c.Tx.SetIter(key, func(m []byte) bool {
		c.Bulk(m)
		return true
	})
}

// srandmember is SRANDMEMBER key [count]. Without count: one random member
// or null. A positive count returns distinct members, uniformly chosen
// (the whole set if count reaches its size); a negative one |count|
// independent uniform picks, which may repeat. The reply is an array, not
// a set, in RESP3 too. As HRANDFIELD, a negative count beyond
// maxRandomFields is refused rather than exhaust the memory.
func srandmember(c *Ctx) error {
	key := c.Args[1]
	switch {
	case len(c.Args) > 3:
		return ErrSyntax
	case len(c.Args) == 2:
		return randomOne(c, func(reply func([]byte)) error {
			return c.Tx.SetRandom(key, 1, false, func(m []byte) error { reply(m); return nil })
		})
	}
	l, err := randomCount(c.Args[2])
	if err != nil {
		return err
	}
	size, err := c.Tx.SetLen(key)
	if err != nil {
		return err
	}
	n, how, err := randomPlan(size, l)
	if err != nil {
		return err
	}
	c.Array(n)
	switch how {
	case pickAll:
		return c.Tx.SetIter(key, func(m []byte) bool {
			c.Bulk(m)
			return true
		})
	case pickSome, pickDistinct:
		return c.Tx.SetRandom(key, n, how == pickDistinct, func(m []byte) error {
			c.Bulk(m)
			return nil
		})
	}
	return nil
}

// sscan is SSCAN key cursor [MATCH pattern] [COUNT count]. As in Redis, a
// missing key answers an empty scan before the options are read, and
// TYPE is SCAN's only.
func sscan(c *Ctx) error {
	key := c.Args[1]
	cursor, n, o, err := keyScanArgs(c, c.Tx.SetLen)
	if err != nil || n == 0 {
		return err
	}
	if whole, err := intsetScan(c, key, n); err != nil {
		return err
	} else if whole {
		o.count = int(n)
	}
	mark := c.ArrayMark()
	found := 0
	next, err := c.Tx.SetScan(key, cursor, o.count, func(m []byte) error {
		if o.pattern == nil || GlobMatch(o.pattern, m, false) {
			c.Bulk(m)
			found++
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.ScanEnd(mark, next, found)
	return nil
}

// keyScanStart begins HSCAN and SSCAN key cursor ...: it parses the
// cursor, then asks size for key's size (WRONGTYPE, if so, comes after a
// bad cursor, as in Redis). A missing key (n 0) is answered here with the
// empty scan.
func keyScanStart(c *Ctx, size func(key []byte) (int64, error)) (cursor uint64, n int64, err error) {
	cursor, ok := parseCursor(c.Args[2])
	if !ok {
		return 0, 0, ErrInvalidCursor
	}
	if n, err = size(c.Args[1]); err != nil || n > 0 {
		return cursor, n, err
	}
	c.Array(2)
	c.BulkString("0")
	c.Array(0)
	return 0, 0, nil
}

// keyScanArgs begins SSCAN and ZSCAN key cursor [MATCH pattern] [COUNT
// count]: keyScanStart (a missing key, n 0, is answered there), then the
// options, of which TYPE is SCAN's only.
func keyScanArgs(c *Ctx, size func(key []byte) (int64, error)) (cursor uint64, n int64, o scanOptions, err error) {
	cursor, n, err = keyScanStart(c, size)
	if err != nil || n == 0 {
		return cursor, n, o, err
	}
	if o, err = parseScanOptions(c.Args[3:]); err == nil && o.typeName != nil {
		err = ErrSyntax
	}
	return cursor, n, o, err
}

// intsetScan reports whether SSCAN hands out key's n members in one call,
// as Redis does for a set it keeps as an intset (it walks a hashtable set
// COUNT at a time).
func intsetScan(c *Ctx, key []byte, n int64) (bool, error) {
	if n > paramInt(c, "set-max-intset-entries", 512) {
		return false, nil
	}
	info, _ := backend.Lookup(backend.TypeSet)
	enc, err := info.Encoding(c.Tx, key, func(name string, def int64) int64 { return paramInt(c, name, def) })
	return enc == "intset", err
}

// --- algebra ---

// setOp is the operation of SINTER, SUNION, SDIFF and their STORE forms.
type setOp uint8

const (
	opInter setOp = iota
	opUnion
	opDiff
)

func sinter(c *Ctx) error      { return setAlgebra(c, opInter, c.Args[1:]) }
func sunion(c *Ctx) error      { return setAlgebra(c, opUnion, c.Args[1:]) }
func sdiff(c *Ctx) error       { return setAlgebra(c, opDiff, c.Args[1:]) }
func sinterstore(c *Ctx) error { return setStore(c, opInter) }
func sunionstore(c *Ctx) error { return setStore(c, opUnion) }
func sdiffstore(c *Ctx) error  { return setStore(c, opDiff) }

// setSizes checks that every key holds a set or nothing (WRONGTYPE
// otherwise, for any of them, as Redis looks at them all first) and
// returns their sizes (0 for a missing key).
func setSizes(c *Ctx, keys [][]byte) ([]int64, error) {
	sizes := make([]int64, len(keys))
	for i, k := range keys {
		n, err := c.Tx.SetLen(k)
		if err != nil {
			return nil, err
		}
		sizes[i] = n
	}
	return sizes, nil
}

// eachResult calls fn with each member of op over keys, once each, and
// stops when fn returns false. A member is valid during the call.
func eachResult(c *Ctx, op setOp, keys [][]byte, sizes []int64, fn func(m []byte) bool) error {
	switch op {
	case opInter:
		return eachInter(c, keys, sizes, fn)
	case opDiff:
		return eachDiff(c, keys, fn)
	}
	return eachUnion(c, keys, fn)
}

// eachInter walks the smallest set and looks its members up in the others
// (none if a set is empty or missing).
func eachInter(c *Ctx, keys [][]byte, sizes []int64, fn func(m []byte) bool) error {
	small := 0
	for i, n := range sizes {
		if n == 0 {
			return nil
		}
		if n < sizes[small] {
			small = i
		}
	}
	var err error
	iterErr := c.Tx.SetIter(keys[small], func(m []byte) bool {
		in, e := inAll(c, keys, small, m)
		switch {
		case e != nil:
			err = e
			return false
		case !in:
			return true
		}
		return fn(m)
	})
	if iterErr != nil {
		return iterErr
	}
	return err
}

// eachDiff walks the first set and hands out the members no other set has.
func eachDiff(c *Ctx, keys [][]byte, fn func(m []byte) bool) error {
	var err error
	iterErr := c.Tx.SetIter(keys[0], func(m []byte) bool {
		for _, k := range keys[1:] {
			in, e := c.Tx.SetIsMember(k, m)
			if e != nil {
				err = e
				return false
			}
			if in {
				return true
			}
		}
		return fn(m)
	})
	if iterErr != nil {
		return iterErr
	}
	return err
}

// eachUnion walks every set, remembering what it has handed out.
func eachUnion(c *Ctx, keys [][]byte, fn func(m []byte) bool) error {
	seen := map[string]bool{}
	more := true
	for _, k := range keys {
		err := c.Tx.SetIter(k, func(m []byte) bool {
			if !seen[string(m)] {
				seen[string(m)] = true
				more = fn(m)
			}
			return more
		})
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// inAll reports whether m is in every set of keys but keys[skip].
func inAll(c *Ctx, keys [][]byte, skip int, m []byte) (bool, error) {
	for i, k := range keys {
		if i == skip {
			continue
		}
		if in, err := c.Tx.SetIsMember(k, m); err != nil || !in {
			return false, err
		}
	}
	return true, nil
}

// setAlgebra replies with the members of op over keys as a set.
func setAlgebra(c *Ctx, op setOp, keys [][]byte) error {
	sizes, err := setSizes(c, keys)
	if err != nil {
		return err
	}
	mark := c.ArrayMark()
	n := 0
	err = eachResult(c, op, keys, sizes, func(m []byte) bool {
		c.Bulk(m)
		n++
		return true
	})
	if err != nil {
		return err
	}
	c.SetEnd(mark, n)
	return nil
}

// setStore is S*STORE destination key...: it replaces destination with
// the result (whatever it held, its expiry dropped) or deletes it when the
// result is empty, and replies with the result's size.
func setStore(c *Ctx, op setOp) error {
	dst, keys := c.Args[1], c.Args[2:]
	sizes, err := setSizes(c, keys)
	if err != nil {
		return err
	}
	for i, n := range sizes { // Redis looks the sources up for reading
		c.readLookup(keys[i], n > 0)
	}
	var result [][]byte
	err = eachResult(c, op, keys, sizes, func(m []byte) bool {
		result = append(result, append([]byte(nil), m...))
		return true
	})
	if err != nil {
		return err
	}
	deleted, err := c.Tx.Delete(dst)
	if err != nil {
		return err
	}
	if deleted {
		c.Dirty(1)
	}
	if deleted || len(result) > 0 {
		c.Touch(dst) // the sources are read, not changed
	}
	if len(result) > 0 {
		if _, err := c.Tx.SetAdd(dst, result); err != nil {
			return err
		}
		c.Dirty(int64(len(result)))
		c.notifyNew(!deleted, dst)
		c.Notify(NotifySet, storeEvent[op], dst)
	} else if deleted {
		c.Notify(NotifyGeneric, "del", dst)
	}
	c.Int(int64(len(result)))
	return nil
}

// storeEvent is the keyspace event of op's STORE form (zstoreEvent for
// sorted sets).
var storeEvent = [...]string{opInter: "sinterstore", opUnion: "sunionstore", opDiff: "sdiffstore"}

// sintercard is SINTERCARD numkeys key... [LIMIT limit]: the size of the
// intersection, counting stopped at limit (0: no limit).
func sintercard(c *Ctx) error {
	numKeys, err := parseInt(c.Args[1])
	if err != nil || numKeys < 1 {
		return ErrNumKeysPositive
	}
	if numKeys > int64(len(c.Args)-2) {
		return ErrNumKeysTooMany
	}
	keys := c.Args[2 : 2+numKeys]
	var limit int64
	opts := c.Args[2+numKeys:]
	for i := 0; i < len(opts); i++ {
		if !equalFold(opts[i], "limit") || i+1 >= len(opts) {
			return ErrSyntax
		}
		i++
		if limit, err = parseInt(opts[i]); err != nil || limit < 0 {
			return ErrLimitNegative
		}
	}
	sizes, err := setSizes(c, keys)
	if err != nil {
		return err
	}
	var n int64
	err = eachResult(c, opInter, keys, sizes, func([]byte) bool {
		n++
		return limit == 0 || n < limit
	})
	if err != nil {
		return err
	}
	c.Int(n)
	return nil
}
