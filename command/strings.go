package command

import (
	"errors"
	"math"
	"redpool/session/resp"
	"strconv"

	"redpool/backend"
)

// The string family, as Redis 7.0's t_string.c.

func stringCommands() []Spec {
	return []Spec{
		{Name: "get", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: get, Group: "string", Summary: "Returns the string value of a key.", Since: "1.0.0"},
		{Name: "set", Arity: -3, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: set, Group: "string", Summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", Since: "1.0.0"},
		{Name: "setnx", Arity: 3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: setnx, Group: "string", Summary: "Set the string value of a key only when the key doesn't exist.", Since: "1.0.0"},
		{Name: "setex", Arity: 4, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: setex, Group: "string", Summary: "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", Since: "2.0.0"},
		{Name: "psetex", Arity: 4, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: psetex, Group: "string", Summary: "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", Since: "2.6.0"},
		{Name: "getset", Arity: 3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: getset, Group: "string", Summary: "Returns the previous string value of a key after setting it to a new value.", Since: "1.0.0"},
		{Name: "getdel", Arity: 2, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: getdel, Group: "string", Summary: "Returns the string value of a key after deleting the key.", Since: "6.2.0"},
		{Name: "getex", Arity: -2, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: getex, Group: "string", Summary: "Returns the string value of a key after setting its expiration time.", Since: "6.2.0"},
		{Name: "mget", Arity: -2, Flags: ReadOnly | Fast, Keys: KeySpec{1, -1, 1}, Run: mget, Group: "string", Summary: "Atomically returns the string values of one or more keys.", Since: "1.0.0"},
		{Name: "mset", Arity: -3, Flags: Write, Keys: KeySpec{1, -1, 2}, Run: mset, Group: "string", Summary: "Atomically creates or modifies the string values of one or more keys.", Since: "1.0.1"},
		{Name: "msetnx", Arity: -3, Flags: Write, Keys: KeySpec{1, -1, 2}, Run: msetnx, Group: "string", Summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.", Since: "1.0.1"},
		{Name: "incr", Arity: 2, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: incr, Group: "string", Summary: "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", Since: "1.0.0"},
		{Name: "decr", Arity: 2, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: decr, Group: "string", Summary: "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", Since: "1.0.0"},
		{Name: "incrby", Arity: 3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: incrby, Group: "string", Summary: "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", Since: "1.0.0"},
		{Name: "decrby", Arity: 3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: decrby, Group: "string", Summary: "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", Since: "1.0.0"},
		{Name: "incrbyfloat", Arity: 3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: incrbyfloat, Group: "string", Summary: "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", Since: "2.6.0"},
		{Name: "append", Arity: 3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: appendCmd, Group: "string", Summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.", Since: "2.0.0"},
		{Name: "strlen", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: strlenCmd, Group: "string", Summary: "Returns the length of a string value.", Since: "2.2.0"},
		{Name: "getrange", Arity: 4, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: getrange, Group: "string", Summary: "Returns a substring of the string stored at a key.", Since: "2.4.0"},
		{Name: "substr", Arity: 4, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: getrange, Group: "string", Summary: "Returns a substring from a string value.", Since: "1.0.0"},
		{Name: "setrange", Arity: 4, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: setrange, Group: "string", Summary: "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", Since: "2.2.0"},
		{Name: "lcs", Arity: -3, Flags: ReadOnly, Keys: KeySpec{1, 2, 1}, Run: lcs, Group: "string", Summary: "Finds the longest common substring.", Since: "7.0.0"},
	}
}

// Arguments of the AOF records string commands log instead of themselves.
// They are only read.
var (
	argSET       = []byte("SET")
	argDEL       = []byte("DEL")
	argPXAT      = []byte("PXAT")
	argKEEPTTL   = []byte("KEEPTTL")
	argPEXPIREAT = []byte("PEXPIREAT")
	argPERSIST   = []byte("PERSIST")
)

func get(c *Ctx) error {
	v, ok, err := c.Tx.Get(c.Args[1])
	if err != nil {
		return err
	}
	bulkOrNull(c, v, ok)
	return nil
}

// bulkOrNull replies v, or null if !ok.
func bulkOrNull(c *Ctx, v []byte, ok bool) {
	if ok {
		c.Bulk(v)
	} else {
		c.Null()
	}
}

// setFlags are the options of SET and GETEX, as Redis's OBJ_* flags.
type setFlags uint16

const (
	setNX setFlags = 1 << iota
	setXX
	setGet
	setKeepTTL
	setPersist
	setEX
	setPX
	setEXAT
	setPXAT

	setExpire = setEX | setPX | setEXAT | setPXAT
)

// parseSetOptions parses the options of SET (forSet) or GETEX as Redis's
// parseExtendedStringArgumentsOrReply: an option is refused (syntax error)
// when an incompatible one came before it; repeating one is allowed, and the
// last expire time given wins. It returns the expire argument, nil if none.
func parseSetOptions(args [][]byte, forSet bool) (setFlags, []byte, error) {
	var f setFlags
	var expire []byte
	for i := 0; i < len(args); i++ {
		opt := args[i]
		hasNext := i+1 < len(args)
		var add setFlags
		switch {
		case forSet && equalFold(opt, "nx") && f&setXX == 0:
			add = setNX
		case forSet && equalFold(opt, "xx") && f&setNX == 0:
			add = setXX
		case forSet && equalFold(opt, "get"):
			add = setGet
		case forSet && equalFold(opt, "keepttl") && f&(setPersist|setExpire) == 0:
			add = setKeepTTL
		case !forSet && equalFold(opt, "persist") && f&(setKeepTTL|setExpire) == 0:
			add = setPersist
		case hasNext && equalFold(opt, "ex") && f&(setKeepTTL|setPersist|setExpire&^setEX) == 0:
			add = setEX
		case hasNext && equalFold(opt, "px") && f&(setKeepTTL|setPersist|setExpire&^setPX) == 0:
			add = setPX
		case hasNext && equalFold(opt, "exat") && f&(setKeepTTL|setPersist|setExpire&^setEXAT) == 0:
			add = setEXAT
		case hasNext && equalFold(opt, "pxat") && f&(setKeepTTL|setPersist|setExpire&^setPXAT) == 0:
			add = setPXAT
		default:
			return 0, nil, ErrSyntax
		}
		if add&setExpire != 0 {
			i++
			expire = args[i]
		}
		f |= add
	}
	return f, expire, nil
}

// expireTime turns an expire argument into absolute Unix ms as Redis's
// getExpireMillisecondsOrReply: EX and EXAT count seconds, EX and PX are
// relative to now; zero, negative and overflowing times are refused with
// "invalid expire time in '<cmd>' command".
func expireTime(c *Ctx, f setFlags, arg []byte, cmd string) (int64, error) {
	ms, err := parseInt(arg)
	if err != nil {
		return 0, err
	}
	seconds := f&(setEX|setEXAT) != 0
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		return 0, InvalidExpire(cmd)
	}
	if seconds {
		ms *= 1000
	}
	if f&(setEX|setPX) != 0 {
		ms += c.Tx.Now() // wraps negative on overflow, as in Redis
	}
	if ms <= 0 {
		return 0, InvalidExpire(cmd)
	}
	return ms, nil
}

func set(c *Ctx) error {
	f, expire, err := parseSetOptions(c.Args[3:], true)
	if err != nil {
		return err
	}
	var at int64
	if expire != nil {
		if at, err = expireTime(c, f, expire, "set"); err != nil {
			return err
		}
	}
	done, err := setGeneric(c, c.Args[1], c.Args[2], f, at)
	if err != nil || f&setGet != 0 {
		return err
	}
	if done {
		c.OK()
	} else {
		c.Null()
	}
	return nil
}

func setnx(c *Ctx) error {
	done, err := setGeneric(c, c.Args[1], c.Args[2], setNX, 0)
	if err != nil {
		return err
	}
	c.Bool(done)
	return nil
}

func setex(c *Ctx) error { return setWithTTL(c, setEX, "setex") }

func psetex(c *Ctx) error { return setWithTTL(c, setPX, "psetex") }

// setWithTTL is SETEX and PSETEX: key ttl value.
func setWithTTL(c *Ctx, f setFlags, cmd string) error {
	at, err := expireTime(c, f, c.Args[2], cmd)
	if err != nil {
		return err
	}
	if _, err := setGeneric(c, c.Args[1], c.Args[3], f, at); err != nil {
		return err
	}
	c.OK()
	return nil
}

// setGeneric is Redis's setGenericCommand: with setGet it first replies
// the old value (WRONGTYPE if key holds another type); NX and XX may abort.
// at is the absolute expiry when f has an expire flag. It reports whether
// it stored val. A value stored with a relative expiry is logged as
// SET key val PXAT at.
func setGeneric(c *Ctx, key, val []byte, f setFlags, at int64) (bool, error) {
	var found bool
	switch {
	case f&setGet != 0:
		old, ok, err := c.Tx.Get(key)
		if err != nil {
			return false, err
		}
		bulkOrNull(c, old, ok)
		c.readLookup(key, ok)
		found = ok
	case f&(setNX|setXX) != 0:
		ok, err := c.Tx.Exists(key)
		if err != nil {
			return false, err
		}
		found = ok
	default:
		absent, err := c.absentForNew(key)
		if err != nil {
			return false, err
		}
		found = !absent
	}
	if (f&setNX != 0 && found) || (f&setXX != 0 && !found) {
		return false, nil
	}
	if err := storeString(c, key, val, at, f&setKeepTTL != 0); err != nil {
		return false, err
	}
	c.Dirty(1)
	if f&setExpire != 0 && f&setPXAT == 0 {
		c.Propagate(argSET, key, val, argPXAT, formatInt(at))
	}
	c.notifyNew(!found, key)
	c.Notify(NotifyString, "set", key)
	if f&setExpire != 0 {
		c.Notify(NotifyGeneric, "expire", key)
	}
	return true, nil
}

func getset(c *Ctx) error {
	_, err := setGeneric(c, c.Args[1], c.Args[2], setGet, 0)
	return err
}

// getOrNull returns key's string value; for a missing key it replies null
// (a read miss) and ok is false.
func getOrNull(c *Ctx, key []byte) (v []byte, ok bool, err error) {
	v, ok, err = c.Tx.Get(key)
	if err == nil {
		c.readLookup(key, ok)
		if !ok {
			c.Null()
		}
	}
	return v, ok, err
}

func getdel(c *Ctx) error {
	key := c.Args[1]
	v, ok, err := getOrNull(c, key)
	if !ok {
		return err
	}
	c.Bulk(v)
	if _, err := c.Tx.Delete(key); err != nil {
		return err
	}
	c.Dirty(1)
	c.Notify(NotifyGeneric, "del", key)
	return nil
}

// getex is GETEX key [EX|PX|EXAT|PXAT time | PERSIST]. It is logged as its
// effect: PEXPIREAT, PERSIST, or DEL when an absolute time has passed.
func getex(c *Ctx) error {
	f, expire, err := parseSetOptions(c.Args[2:], false)
	if err != nil {
		return err
	}
	key := c.Args[1]
	v, ok, err := getOrNull(c, key)
	if !ok {
		return err
	}
	var at int64
	if expire != nil {
		if at, err = expireTime(c, f, expire, "getex"); err != nil {
			return err
		}
	}
	c.Bulk(v)
	switch {
	case f&(setEXAT|setPXAT) != 0 && at <= c.Tx.Now():
		if _, err := c.Tx.Delete(key); err != nil {
			return err
		}
		c.Propagate(argDEL, key)
		c.Notify(NotifyGeneric, "del", key)
	case expire != nil:
		if _, err := c.Tx.SetExpireAt(key, at); err != nil {
			return err
		}
		c.Propagate(argPEXPIREAT, key, formatInt(at))
		c.Notify(NotifyGeneric, "expire", key)
	case f&setPersist != 0:
		_, err = persistKey(c, key)
		return err
	}
	return nil
}

// persistKey removes key's expiry, if it has one, and logs PERSIST key.
// It reports whether there was an expiry to remove.
func persistKey(c *Ctx, key []byte) (bool, error) {
	at, ok, err := c.Tx.ExpireAt(key)
	if err != nil || !ok || at == 0 {
		return false, err
	}
	if _, err := c.Tx.SetExpireAt(key, 0); err != nil {
		return false, err
	}
	c.Propagate(argPERSIST, key)
	c.Notify(NotifyGeneric, "persist", key)
	return true, nil
}

func mget(c *Ctx) error {
	keys := c.Args[1:]
	c.Array(len(keys))
	for _, k := range keys {
		v, ok, err := c.Tx.Get(k)
		if err != nil && !errors.Is(err, backend.ErrWrongType) {
			return err
		}
		bulkOrNull(c, v, ok && err == nil)
	}
	return nil
}

// msetPairs returns MSET's key/value pairs, or the arity error Redis gives
// for an odd count.
func msetPairs(c *Ctx) ([][]byte, error) {
	pairs := c.Args[1:]
	if len(pairs)%2 != 0 {
		return nil, WrongArity(c.spec.Name)
	}
	return pairs, nil
}

func mset(c *Ctx) error {
	pairs, err := msetPairs(c)
	if err != nil {
		return err
	}
	if err := setPairs(c, pairs); err != nil {
		return err
	}
	c.OK()
	return nil
}

func msetnx(c *Ctx) error {
	pairs, err := msetPairs(c)
	if err != nil {
		return err
	}
	for i := 0; i < len(pairs); i += 2 {
		ok, err := c.Tx.Exists(pairs[i])
		if err != nil {
			return err
		}
		if ok {
			c.Bool(false)
			return nil
		}
	}
	if err := setPairs(c, pairs); err != nil {
		return err
	}
	c.Bool(true)
	return nil
}

// setPairs stores key/value pairs, clearing any TTL, the last value of a
// repeated key winning.
func setPairs(c *Ctx, pairs [][]byte) error {
	for i := 0; i < len(pairs); i += 2 {
		absent, err := c.absentForNew(pairs[i])
		if err != nil {
			return err
		}
		if err := storeString(c, pairs[i], pairs[i+1], 0, false); err != nil {
			return err
		}
		c.notifyNew(absent, pairs[i])
		c.Notify(NotifyString, "set", pairs[i])
	}
	c.Dirty(int64(len(pairs) / 2))
	return nil
}

func incr(c *Ctx) error { return incrBy(c, c.Args[1], 1) }

func decr(c *Ctx) error { return incrBy(c, c.Args[1], -1) }

func incrby(c *Ctx) error {
	n, err := parseInt(c.Args[2])
	if err != nil {
		return err
	}
	return incrBy(c, c.Args[1], n)
}

func decrby(c *Ctx) error {
	n, err := parseInt(c.Args[2])
	if err != nil {
		return err
	}
	if n == math.MinInt64 {
		return ErrDecrOverflow
	}
	return incrBy(c, c.Args[1], -n)
}

// incrBy adds delta to the integer at key, keeping its TTL, and replies
// with the result.
func incrBy(c *Ctx, key []byte, delta int64) error {
	v, ok, err := c.Tx.Get(key)
	if err != nil {
		return err
	}
	var cur int64
	if ok {
		var good bool
		if cur, good = resp.ParseInt(v); !good {
			return ErrNotInteger
		}
	}
	if (delta > 0 && cur > math.MaxInt64-delta) || (delta < 0 && cur < math.MinInt64-delta) {
		return ErrOverflow
	}
	cur += delta
	if err := c.Tx.Set(key, appendInt(scratch(c), cur), 0, true); err != nil {
		return err
	}
	c.Dirty(1)
	c.notifyNew(!ok, key)
	c.Notify(NotifyString, "incrby", key)
	c.Int(cur)
	return nil
}

// incrbyfloat adds in long double arithmetic, as Redis, and is logged as
// SET key result KEEPTTL so that replay cannot round differently.
func incrbyfloat(c *Ctx) error {
	key := c.Args[1]
	v, ok, err := c.Tx.Get(key)
	if err != nil {
		return err
	}
	out, err := incrLongDouble(v, ok, c.Args[2], ErrNotFloat)
	if err != nil {
		return err
	}
	if err := c.Tx.Set(key, out, 0, true); err != nil {
		return err
	}
	// Redis makes the result an object from a string, never an integer.
	if err := c.Tx.SetStringForm(key, backend.StringNoInt); err != nil {
		return err
	}
	c.Propagate(argSET, key, out, argKEEPTTL)
	c.notifyNew(!ok, key)
	c.Notify(NotifyString, "incrbyfloat", key)
	c.Bulk(out)
	return nil
}

func appendCmd(c *Ctx) error {
	key := c.Args[1]
	absent, err := c.absentForNew(key)
	if err != nil {
		return err
	}
	n, err := appendString(c, key, c.Args[2])
	if err != nil {
		return err
	}
	c.Dirty(1)
	c.notifyNew(absent, key)
	c.Notify(NotifyString, "append", key)
	c.Int(n)
	return nil
}

func strlenCmd(c *Ctx) error {
	v, _, err := c.Tx.Get(c.Args[1])
	if err != nil {
		return err
	}
	c.Int(int64(len(v)))
	return nil
}

// getrange is GETRANGE and SUBSTR, with Redis's clamping of the indexes.
func getrange(c *Ctx) error {
	start, err := parseInt(c.Args[2])
	if err != nil {
		return err
	}
	end, err := parseInt(c.Args[3])
	if err != nil {
		return err
	}
	v, _, err := c.Tx.Get(c.Args[1])
	if err != nil {
		return err
	}
	n := int64(len(v))
	if start < 0 && end < 0 && start > end {
		c.Bulk(nil)
		return nil
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.Bulk(nil)
		return nil
	}
	c.Bulk(v[start : end+1])
	return nil
}

func setrange(c *Ctx) error {
	offset, err := parseInt(c.Args[2])
	if err != nil {
		return err
	}
	if offset < 0 {
		return ErrOffsetRange
	}
	key := c.Args[1]
	absent, err := c.absentForNew(key)
	if err != nil {
		return err
	}
	n, err := c.Tx.SetRange(key, offset, c.Args[3])
	if err != nil {
		return err
	}
	if len(c.Args[3]) > 0 {
		c.Dirty(1)
		c.notifyNew(absent, key)
		c.Notify(NotifyString, "setrange", key)
	}
	c.Int(n)
	return nil
}

// lcs is LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN], Redis's
// dynamic-programming algorithm step for step, so that IDX reports the
// same ranges. Missing keys are empty strings.
func lcs(c *Ctx) error {
	a, _, errA := c.Tx.Get(c.Args[1])
	b, _, errB := c.Tx.Get(c.Args[2])
	if errors.Is(errA, backend.ErrWrongType) || errors.Is(errB, backend.ErrWrongType) {
		return ErrLCSNotStrings
	}
	if err := errors.Join(errA, errB); err != nil {
		return err
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(c.Args); j++ {
		opt := c.Args[j]
		switch {
		case equalFold(opt, "idx"):
			getIdx = true
		case equalFold(opt, "len"):
			getLen = true
		case equalFold(opt, "withmatchlen"):
			withMatchLen = true
		case equalFold(opt, "minmatchlen") && j+1 < len(c.Args):
			n, err := parseInt(c.Args[j+1])
			if err != nil {
				return err
			}
			minMatchLen = max(n, 0)
			j++
		default:
			return ErrSyntax
		}
	}
	if getIdx && getLen {
		return ErrLCSLenAndIdx
	}
	alen, blen := len(a), len(b)
	width := blen + 1
	if cells := uint64(alen+1) * uint64(width); cells*4 > backend.MaxStringLen {
		return ErrLCSTooBig
	}
	// table[i*width+j] is the LCS length of a[:i] and b[:j].
	table := make([]uint32, (alen+1)*width)
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			switch {
			case a[i-1] == b[j-1]:
				table[i*width+j] = table[(i-1)*width+j-1] + 1
			default:
				table[i*width+j] = max(table[(i-1)*width+j], table[i*width+j-1])
			}
		}
	}
	total := table[alen*width+blen]
	if getLen {
		c.Int(int64(total))
		return nil
	}
	result := make([]byte, total)
	mark, ranges := 0, 0
	if getIdx {
		c.Map(2)
		c.BulkString("matches")
		mark = c.ArrayMark()
	}
	// Walk back from the end, collecting the LCS and its matching ranges;
	// aStart == alen means "no range open".
	idx := total
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0
	for i, j := alen, blen; i > 0 && j > 0; {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			switch {
			case aStart == alen:
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			case aStart == i && bStart == j:
				aStart--
				bStart--
			default:
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if table[(i-1)*width+j] > table[i*width+j-1] {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		if !emit {
			continue
		}
		matchLen := int64(aEnd - aStart + 1)
		if getIdx && (minMatchLen == 0 || matchLen >= minMatchLen) {
			if withMatchLen {
				c.Array(3)
			} else {
				c.Array(2)
			}
			c.Array(2)
			c.Int(int64(aStart))
			c.Int(int64(aEnd))
			c.Array(2)
			c.Int(int64(bStart))
			c.Int(int64(bEnd))
			if withMatchLen {
				c.Int(matchLen)
			}
			ranges++
		}
		aStart = alen
	}
	if getIdx {
		c.ArrayEnd(mark, ranges)
		c.BulkString("len")
		c.Int(int64(total))
		return nil
	}
	c.Bulk(result)
	return nil
}

func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

// scratch returns the spare capacity of c's reply buffer, to format a value
// into without allocating. It is only good until the next reply is written,
// so only for arguments a Tx call reads (and copies) right away.
func scratch(c *Ctx) []byte { return c.out[len(c.out):] }
