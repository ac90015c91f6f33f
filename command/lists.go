package command

import (
	"bytes"
	"errors"
	"redpool/session/resp"
	"time"

	"redpool/backend"
)

func listCommands() []Spec {
	return []Spec{
		{Name: "lpush", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: lpush, Group: "list", Summary: "Prepends one or more elements to a list. Creates the key if it doesn't exist.", Since: "1.0.0"},
		{Name: "rpush", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: rpush, Group: "list", Summary: "Appends one or more elements to a list. Creates the key if it doesn't exist.", Since: "1.0.0"},
		{Name: "lpushx", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: lpushx, Group: "list", Summary: "Prepends one or more elements to a list only when the list exists.", Since: "2.2.0"},
		{Name: "rpushx", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: rpushx, Group: "list", Summary: "Appends an element to a list only when the list exists.", Since: "2.2.0"},
		{Name: "lpop", Arity: -2, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: lpop, Group: "list", Summary: "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.", Since: "1.0.0"},
		{Name: "rpop", Arity: -2, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: rpop, Group: "list", Summary: "Returns and removes the last elements of the list. Deletes the list if the last element was popped.", Since: "1.0.0"},
		{Name: "llen", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: llen, Group: "list", Summary: "Returns the length of a list.", Since: "1.0.0"},
		{Name: "lrange", Arity: 4, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: lrange, Group: "list", Summary: "Returns a range of elements from a list.", Since: "1.0.0"},
		{Name: "lget", Arity: 2, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: lget, Group: "list", Summary: "Returns all elements of a list, as LRANGE key 0 -1 (redpool extension, from the original C++ server).", Since: "1.0.0"},
		{Name: "lindex", Arity: 3, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: lindex, Group: "list", Summary: "Returns an element from a list by its index.", Since: "1.0.0"},
		{Name: "lset", Arity: 4, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: lset, Group: "list", Summary: "Sets the value of an element in a list by its index.", Since: "1.0.0"},
		{Name: "lrem", Arity: 4, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: lrem, Group: "list", Summary: "Removes elements from a list. Deletes the list if the last element was removed.", Since: "1.0.0"},
		{Name: "ltrim", Arity: 4, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: ltrim, Group: "list", Summary: "Removes elements from both ends a list. Deletes the list if all elements were trimmed.", Since: "1.0.0"},
		{Name: "linsert", Arity: 5, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: linsert, Group: "list", Summary: "Inserts an element before or after another element in a list.", Since: "2.2.0"},
		{Name: "lpos", Arity: -3, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: lpos, Group: "list", Summary: "Returns the index of matching elements in a list.", Since: "6.0.6"},
		{Name: "lmove", Arity: 5, Flags: Write, Keys: KeySpec{1, 2, 1}, Run: lmove, Group: "list", Summary: "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.", Since: "6.2.0"},
		{Name: "rpoplpush", Arity: 3, Flags: Write, Keys: KeySpec{1, 2, 1}, Run: rpoplpush, Group: "list", Summary: "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.", Since: "1.2.0"},
		// LMPOP's keys follow numkeys, which a KeySpec cannot say: it
		// locks them itself.
		{Name: "lmpop", Arity: -4, Flags: Write, FindKeys: numKeysAt(1), Run: lmpop, Group: "list", Summary: "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.", Since: "7.0.0"},
		{Name: "blpop", Arity: -3, Flags: NoScript | Write | Blocking | NoTx, Keys: KeySpec{1, -2, 1}, Run: blpop, Group: "list", Summary: "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", Since: "2.0.0"},
		{Name: "brpop", Arity: -3, Flags: NoScript | Write | Blocking | NoTx, Keys: KeySpec{1, -2, 1}, Run: brpop, Group: "list", Summary: "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", Since: "2.0.0"},
		{Name: "blmove", Arity: 6, Flags: NoScript | Write | Blocking | NoTx, Keys: KeySpec{1, 2, 1}, Run: blmove, Group: "list", Summary: "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.", Since: "6.2.0"},
		{Name: "brpoplpush", Arity: 4, Flags: NoScript | Write | Blocking | NoTx, Keys: KeySpec{1, 2, 1}, Run: brpoplpush, Group: "list", Summary: "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.", Since: "2.2.0"},
		{Name: "blmpop", Arity: -5, Flags: Write | Blocking | NoTx, FindKeys: numKeysAt(2), Run: blmpop, Group: "list", Summary: "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", Since: "7.0.0"},
	}
}

// Words of the AOF records blocking and multi-key pops are logged as.
var (
	wordLPOP      = []byte("LPOP")
	wordRPOP      = []byte("RPOP")
	wordLMOVE     = []byte("LMOVE")
	wordRPOPLPUSH = []byte("RPOPLPUSH")
	wordLEFT      = []byte("LEFT")
	wordRIGHT     = []byte("RIGHT")
)

func popWord(left bool) []byte {
	if left {
		return wordLPOP
	}
	return wordRPOP
}

func sideWord(left bool) []byte {
	if left {
		return wordLEFT
	}
	return wordRIGHT
}

// parseSide parses LEFT or RIGHT (true for LEFT).
func parseSide(b []byte) (left bool, err error) {
	switch {
	case equalFold(b, "left"):
		return true, nil
	case equalFold(b, "right"):
		return false, nil
	}
	return false, ErrSyntax
}

// parseSides parses LMOVE's wherefrom and whereto.
func parseSides(a, b []byte) (from, to bool, err error) {
	if from, err = parseSide(a); err != nil {
		return false, false, err
	}
	to, err = parseSide(b)
	return from, to, err
}

// --- pushes ---

func lpush(c *Ctx) error  { return push(c, true, false) }
func rpush(c *Ctx) error  { return push(c, false, false) }
func lpushx(c *Ctx) error { return push(c, true, true) }
func rpushx(c *Ctx) error { return push(c, false, true) }

// push is [LR]PUSH[X] key element...: the list's new length, 0 for PUSHX
// on a missing key.
func push(c *Ctx, left, onlyExisting bool) error {
	key := c.Args[1]
	n, err := c.Tx.ListPush(key, left, c.Args[2:], onlyExisting)
	if err != nil {
		return err
	}
	if n > 0 {
		c.Dirty(int64(len(c.Args) - 2))
		signalList(c, key)
		c.notifyNew(!onlyExisting && n == int64(len(c.Args)-2), key)
		c.Notify(NotifyList, listEvent(true, left), key)
	}
	c.Int(n)
	return nil
}

// listEvent is the keyspace event of a push or pop at the left or right.
func listEvent(push, left bool) string {
	switch {
	case push && left:
		return "lpush"
	case push:
		return "rpush"
	case left:
		return "lpop"
	}
	return "rpop"
}

// notifyPopped emits the events of a pop from key: the pop, then "del"
// if it emptied the list.
func notifyPopped(c *Ctx, key []byte, left bool) error {
	c.Notify(NotifyList, listEvent(false, left), key)
	return c.notifyIfGone(key)
}

// --- pops ---

func lpop(c *Ctx) error { return pop(c, true) }
func rpop(c *Ctx) error { return pop(c, false) }

// pop is [LR]POP key [count]: without count one element or null; with it
// an array of up to count elements, or a null array for a missing key.
func pop(c *Ctx, left bool) error {
	key := c.Args[1]
	switch len(c.Args) {
	case 2:
		vals, err := c.Tx.ListPop(key, left, 1)
		if err != nil {
			return err
		}
		if len(vals) == 0 {
			c.Null()
			return nil
		}
		c.Dirty(1)
		c.Bulk(vals[0])
		return notifyPopped(c, key, left)
	case 3:
	default:
		return WrongArity(c.spec.Name)
	}
	count, ok := resp.ParseInt(c.Args[2])
	if !ok || count < 0 {
		return ErrCountPositive
	}
	if count == 0 {
		t, err := c.Tx.Type(key)
		switch {
		case err != nil:
			return err
		case t == backend.TypeNone:
			c.NullArray()
		case t != backend.TypeList:
			return ErrWrongType
		default:
			c.Array(0)
		}
		return nil
	}
	vals, err := c.Tx.ListPop(key, left, count)
	if err != nil {
		return err
	}
	if len(vals) == 0 {
		c.NullArray()
		return nil
	}
	c.Dirty(int64(len(vals)))
	replyBulks(c, vals)
	return notifyPopped(c, key, left)
}

// replyBulks writes vals as an array of bulk strings.
func replyBulks(c *Ctx, vals [][]byte) {
	c.Array(len(vals))
	for _, v := range vals {
		c.Bulk(v)
	}
}

// --- reads ---

func llen(c *Ctx) error {
	n, err := c.Tx.ListLen(c.Args[1])
	if err != nil {
		return err
	}
	c.Int(n)
	return nil
}

func lrange(c *Ctx) error {
	start, stop, err := parseRange(c.Args[2], c.Args[3])
	if err != nil {
		return err
	}
	return listRangeReply(c, c.Args[1], start, stop)
}

// parseRange parses LRANGE's and LTRIM's start and stop.
func parseRange(a, b []byte) (start, stop int64, err error) {
	if start, err = parseInt(a); err != nil {
		return 0, 0, err
	}
	stop, err = parseInt(b)
	return start, stop, err
}

// lget is LGET key, the original server's whole-list read: LRANGE key 0 -1.
func lget(c *Ctx) error { return listRangeReply(c, c.Args[1], 0, -1) }

// listRangeReply replies with the elements from start to stop.
func listRangeReply(c *Ctx, key []byte, start, stop int64) error {
	mark := c.ArrayMark()
	n := 0
	err := c.Tx.ListRange(key, start, stop, func(v []byte) error {
		c.Bulk(v)
		n++
		return nil
	})
	if err != nil {
		return err
	}
	c.ArrayEnd(mark, n)
	return nil
}

// listExists reports whether key holds a list, ErrWrongType if it holds
// something else. The commands that look the key up before parsing their
// index use it when the index does not parse.
func listExists(c *Ctx, key []byte) (bool, error) {
	t, err := c.Tx.Type(key)
	switch {
	case err != nil:
		return false, err
	case t == backend.TypeNone:
		return false, nil
	case t != backend.TypeList:
		return false, ErrWrongType
	}
	return true, nil
}

func lindex(c *Ctx) error {
	key := c.Args[1]
	index, perr := parseInt(c.Args[2])
	if perr != nil {
		ok, err := listExists(c, key)
		switch {
		case err != nil:
			return err
		case !ok:
			c.Null()
			return nil
		}
		return perr
	}
	v, ok, err := c.Tx.ListIndex(key, index)
	switch {
	case err != nil:
		return err
	case !ok:
		c.Null()
	default:
		c.Bulk(v)
	}
	return nil
}

// lposOptions are LPOS's RANK, COUNT and MAXLEN.
type lposOptions struct {
	rank     int64
	count    int64 // -1: not given
	maxLen   int64
	hasCount bool
}

func parseLposOptions(args [][]byte) (lposOptions, error) {
	o := lposOptions{rank: 1, count: -1}
	for i := 0; i < len(args); i++ {
		more := i+1 < len(args)
		switch opt := args[i]; {
		case equalFold(opt, "rank") && more:
			i++
			n, err := parseInt(args[i])
			if err != nil {
				return o, err
			}
			if n == 0 {
				return o, ErrRankZero
			}
			o.rank = n
		case equalFold(opt, "count") && more:
			i++
			n, ok := resp.ParseInt(args[i])
			if !ok || n < 0 {
				return o, ErrCountNegative
			}
			o.count, o.hasCount = n, true
		case equalFold(opt, "maxlen") && more:
			i++
			n, ok := resp.ParseInt(args[i])
			if !ok || n < 0 {
				return o, ErrMaxLenNegative
			}
			o.maxLen = n
		default:
			return o, ErrSyntax
		}
	}
	return o, nil
}

// lpos is LPOS key element [RANK rank] [COUNT num] [MAXLEN len]. The
// arithmetic wraps as Redis's C longs do (RANK -9223372036854775808).
func lpos(c *Ctx) error {
	o, err := parseLposOptions(c.Args[3:])
	if err != nil {
		return err
	}
	elem := c.Args[2]
	rank, reverse := o.rank, false
	if rank < 0 {
		rank, reverse = -rank, true
	}
	var mark, n int
	if o.hasCount {
		mark = c.ArrayMark()
	}
	var scanned, matches int64
	found := int64(-1)
	err = c.Tx.ListIter(c.Args[1], reverse, func(i int64, v []byte) bool {
		if o.maxLen != 0 && scanned >= o.maxLen {
			return false
		}
		scanned++
		if !bytes.Equal(v, elem) {
			return true
		}
		matches++
		if matches < rank {
			return true
		}
		if !o.hasCount {
			found = i
			return false
		}
		c.Int(i)
		n++
		return o.count == 0 || matches-rank+1 < o.count
	})
	if err != nil {
		return err
	}
	switch {
	case o.hasCount:
		c.ArrayEnd(mark, n)
	case found < 0:
		c.Null()
	default:
		c.Int(found)
	}
	return nil
}

// --- in-place changes ---

func lset(c *Ctx) error {
	key := c.Args[1]
	index, perr := parseInt(c.Args[2])
	if perr != nil {
		ok, err := listExists(c, key)
		switch {
		case err != nil:
			return err
		case !ok:
			return ErrNoSuchKey
		}
		return perr
	}
	if err := c.Tx.ListSet(key, index, c.Args[3]); err != nil {
		return err
	}
	c.Dirty(1)
	c.Notify(NotifyList, "lset", key)
	c.OK()
	return nil
}

func lrem(c *Ctx) error {
	count, err := parseInt(c.Args[2])
	if err != nil {
		return err
	}
	n, err := c.Tx.ListRem(c.Args[1], count, c.Args[3])
	return c.removedCount(n, err, NotifyList, "lrem")
}

func ltrim(c *Ctx) error {
	key := c.Args[1]
	start, stop, err := parseRange(c.Args[2], c.Args[3])
	if err != nil {
		return err
	}
	before, err := c.Tx.ListLen(key)
	if err != nil {
		return err
	}
	if before > 0 {
		if err := c.Tx.ListTrim(key, start, stop); err != nil {
			return err
		}
		after, err := c.Tx.ListLen(key)
		if err != nil {
			return err
		}
		c.Dirty(before - after)
		c.Notify(NotifyList, "ltrim", key)
		if after == 0 {
			c.Notify(NotifyGeneric, "del", key)
		}
	}
	c.OK()
	return nil
}

func linsert(c *Ctx) error {
	var before bool
	switch where := c.Args[2]; {
	case equalFold(where, "before"):
		before = true
	case equalFold(where, "after"):
	default:
		return ErrSyntax
	}
	n, err := c.Tx.ListInsert(c.Args[1], before, c.Args[3], c.Args[4])
	if err != nil {
		return err
	}
	if n > 0 {
		c.Dirty(1)
		c.Notify(NotifyList, "linsert", c.Args[1])
	}
	c.Int(n)
	return nil
}

// --- moves ---

func lmove(c *Ctx) error {
	from, to, err := parseSides(c.Args[3], c.Args[4])
	if err != nil {
		return err
	}
	moved, err := moveElement(c, c.Args[1], c.Args[2], from, to)
	if err == nil && !moved {
		c.Null()
	}
	return err
}

func rpoplpush(c *Ctx) error {
	moved, err := moveElement(c, c.Args[1], c.Args[2], false, true)
	if err == nil && !moved {
		c.Null()
	}
	return err
}

// moveElement pops an element from src's from end, pushes it at dst's to
// end, and replies with it. moved is false (and nothing replied) if src has
// no elements. Both types are checked before anything changes. It does not
// log: each caller says what goes to the AOF.
func moveElement(c *Ctx, src, dst []byte, from, to bool) (moved bool, err error) {
	n, err := c.Tx.ListLen(src)
	if err != nil || n == 0 {
		return false, err
	}
	same := bytes.Equal(src, dst)
	dstExists := same
	if !same {
		if dstExists, err = listExists(c, dst); err != nil {
			return false, err
		}
	}
	// As Redis: the push (after the destination's creation), then the
	// pop, then the source's deletion.
	notify := func() {
		c.notifyNew(!dstExists, dst)
		c.Notify(NotifyList, listEvent(true, to), dst)
		c.Notify(NotifyList, listEvent(false, from), src)
		if !same && n == 1 {
			c.Notify(NotifyGeneric, "del", src)
		}
	}
	if same && n == 1 {
		// Rotating a one-element list changes nothing; popping it would
		// delete the key, and its TTL with it.
		v, _, err := c.Tx.ListIndex(src, 0)
		if err != nil {
			return false, err
		}
		c.Dirty(1)
		c.Bulk(v)
		notify()
		return true, nil
	}
	vals, err := c.Tx.ListPop(src, from, 1)
	if err != nil {
		return false, err
	}
	if _, err := c.Tx.ListPush(dst, to, vals, false); err != nil {
		return false, err
	}
	c.Dirty(1)
	signalList(c, dst)
	c.Bulk(vals[0])
	notify()
	return true, nil
}

// --- multi-key pops ---

// mpopArgs are LMPOP's and BLMPOP's arguments after numkeys's position.
type mpopArgs struct {
	keys  [][]byte
	left  bool
	count int64
}

// parseMpop parses numkeys key... LEFT|RIGHT [COUNT count], numkeys being
// args[0], as Redis's lmpopGenericCommand.
func parseMpop(args [][]byte) (mpopArgs, error) {
	var m mpopArgs
	numKeys, ok := resp.ParseInt(args[0])
	if !ok || numKeys < 1 {
		return m, ErrNumKeysPositive
	}
	if numKeys >= int64(len(args)-1) {
		return m, ErrSyntax
	}
	m.keys = args[1 : 1+numKeys]
	rest := args[1+numKeys:]
	var err error
	if m.left, err = parseSide(rest[0]); err != nil {
		return m, err
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
	if m.count == -1 {
		m.count = 1
	}
	return m, nil
}

func lmpop(c *Ctx) error {
	m, err := parseMpop(c.Args[1:])
	if err != nil {
		return err
	}
	served, err := popFirst(c, m.keys, nil, m.left, m.count)
	if err == nil && served < 0 {
		c.NullArray()
	}
	return err
}

// popFirst pops from the first list of keys with elements (only the keys
// at the positions in ready, if not nil; those that hold no list are
// skipped) and replies: with count 0 as BLPOP (key, element), otherwise as
// LMPOP (key, up to count elements). It logs the pop as [LR]POP and
// returns the position of the key it served from, -1 if none.
func popFirst(c *Ctx, keys [][]byte, ready []int, left bool, count int64) (int, error) {
	for i := range candidates(len(keys), ready) {
		key := keys[i]
		n, err := c.Tx.ListLen(key)
		if err != nil {
			if ready != nil && errors.Is(err, backend.ErrWrongType) {
				continue
			}
			return -1, err
		}
		if n == 0 {
			continue
		}
		vals, err := c.Tx.ListPop(key, left, max(count, 1))
		if err != nil {
			return -1, err
		}
		c.Touch(key) // only the key popped from changed
		c.Array(2)
		c.Bulk(key)
		if count == 0 {
			c.Bulk(vals[0])
			c.Propagate(popWord(left), key)
		} else {
			replyBulks(c, vals)
			c.Propagate(popWord(left), key, formatInt(int64(len(vals))))
		}
		if n > int64(len(vals)) {
			signalList(c, key) // elements left for the next client blocked on key
		}
		c.Notify(NotifyList, listEvent(false, left), key)
		if n == int64(len(vals)) {
			c.Notify(NotifyGeneric, "del", key)
		}
		return i, nil
	}
	return -1, nil
}

// --- blocking ---

func blpop(c *Ctx) error { return bpop(c, true) }
func brpop(c *Ctx) error { return bpop(c, false) }

// bpop is B[LR]POP key... timeout.
func bpop(c *Ctx, left bool) error {
	return blockOnKeys(c, func(c *Ctx, keys [][]byte, ready []int) (int, error) {
		return popFirst(c, keys, ready, left, 0)
	})
}

// blmpop is BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT count].
func blmpop(c *Ctx) error {
	m, err := parseMpop(c.Args[2:])
	if err != nil {
		return err
	}
	timeout, err := parseTimeout(c.Args[1])
	if err != nil {
		return err
	}
	return blockOn(c, m.keys, m.keys, timeout, func(c *Ctx, ready []int) (int, error) {
		return popFirst(c, m.keys, ready, m.left, m.count)
	})
}

// blmove is BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout.
func blmove(c *Ctx) error {
	from, to, err := parseSides(c.Args[3], c.Args[4])
	if err != nil {
		return err
	}
	timeout, err := parseTimeout(c.Args[5])
	if err != nil {
		return err
	}
	return bmove(c, from, to, timeout, false)
}

// brpoplpush is BRPOPLPUSH source destination timeout.
func brpoplpush(c *Ctx) error {
	timeout, err := parseTimeout(c.Args[3])
	if err != nil {
		return err
	}
	return bmove(c, false, true, timeout, true)
}

// bmove waits for source to have an element and moves it, logging LMOVE
// (or RPOPLPUSH).
func bmove(c *Ctx, from, to bool, timeout time.Duration, rpoplpush bool) error {
	src, dst := c.Args[1], c.Args[2]
	locks := c.Args[1:3]
	try := func(c *Ctx, ready []int) (int, error) {
		if ready != nil {
			// Woken: a source that no longer holds a list is not served.
			if t, err := c.Tx.Type(src); err != nil || t != backend.TypeList {
				return -1, err
			}
		}
		moved, err := moveElement(c, src, dst, from, to)
		if err != nil || !moved {
			return -1, err
		}
		if rpoplpush {
			c.Propagate(wordRPOPLPUSH, src, dst)
		} else {
			c.Propagate(wordLMOVE, src, dst, sideWord(from), sideWord(to))
		}
		return 0, nil
	}
	if c.InOpenTx() {
		// Inside EXEC it acts as LMOVE: nothing to move is a null bulk
		// string, as in Redis (blockOn would reply a timeout's null array).
		served, err := tryOnce(c, locks, nil, try)
		if err == nil && served < 0 {
			c.Null()
		}
		return err
	}
	return blockOn(c, locks[:1], locks, timeout, try)
}
