package command

import (
	"fmt"
	"math"
	"strconv"

	"redpool/backend"
	"redpool/session/resp"
)

// The generic key commands, as Redis 7.0's db.c and object.c. The expiry
// commands are in expire.go.

func keyCommands() []Spec {
	return append([]Spec{
		{Name: "del", Arity: -2, Flags: Write, Keys: KeySpec{1, -1, 1}, Run: del, Group: "generic", Summary: "Deletes one or more keys.", Since: "1.0.0"},
		{Name: "unlink", Arity: -2, Flags: Write | Fast, Keys: KeySpec{1, -1, 1}, Run: del, Group: "generic", Summary: "Asynchronously deletes one or more keys.", Since: "4.0.0"},
		{Name: "exists", Arity: -2, Flags: ReadOnly | Fast, Keys: KeySpec{1, -1, 1}, Run: exists, Group: "generic", Summary: "Determines whether one or more keys exist.", Since: "1.0.0"},
		{Name: "touch", Arity: -2, Flags: ReadOnly | Fast, Keys: KeySpec{1, -1, 1}, Run: touch, Group: "generic", Summary: "Returns the number of existing keys out of those specified after updating the time they were last accessed.", Since: "3.2.1"},
		{Name: "type", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: typeCmd, Group: "generic", Summary: "Determines the type of value stored at a key.", Since: "1.0.0"},
		{Name: "keys", Arity: 2, Flags: ReadOnly, Run: keys, Group: "generic", Summary: "Returns all key names that match a pattern.", Since: "1.0.0"},
		{Name: "scan", Arity: -2, Flags: ReadOnly, Run: scan, Group: "generic", Summary: "Iterates over the key names in the database.", Since: "2.8.0"},
		{Name: "randomkey", Arity: 1, Flags: ReadOnly, Run: randomkey, Group: "generic", Summary: "Returns a random key name from the database.", Since: "1.0.0"},
		{Name: "rename", Arity: 3, Flags: Write, Keys: KeySpec{1, 2, 1}, Run: rename, Group: "generic", Summary: "Renames a key and overwrites the destination.", Since: "1.0.0"},
		{Name: "renamenx", Arity: 3, Flags: Write | Fast, Keys: KeySpec{1, 2, 1}, Run: renamenx, Group: "generic", Summary: "Renames a key only when the target key name doesn't exist.", Since: "1.0.0"},
		// COPY locks its two keys, or everything when DB names another
		// database: it opens its transaction itself.
		{Name: "copy", Arity: -3, Flags: Write, Keys: KeySpec{1, 2, 1}, FindKeys: copyKeys, Run: copyCmd, Group: "generic", Summary: "Copies the value of a key to a new key.", Since: "6.2.0"},
		{Name: "move", Arity: 3, Flags: Write | Fast | AllDBs, Keys: KeySpec{1, 1, 1}, Run: move, Group: "generic", Summary: "Moves a key to another database.", Since: "1.0.0"},
		{Name: "swapdb", Arity: 3, Flags: Write | Fast | AllDBs, Run: swapdb, Group: "server", Summary: "Swaps two Redis databases.", Since: "4.0.0"},
		{Name: "object", Arity: -2, Flags: ReadOnly | NoKeyMiss, Keys: KeySpec{2, 2, 1}, Run: object, Group: "generic", Summary: "A container for object introspection commands.", Since: "2.2.3",
			Subcommands: []Spec{
				{Name: "encoding", Arity: 3, Run: objectEncoding, Summary: "Returns the internal encoding of a Redis object."},
				{Name: "freq", Arity: 3, Run: objectFreq, Summary: "Returns the logarithmic access frequency counter of a Redis object."},
				{Name: "idletime", Arity: 3, Run: objectIdletime, Summary: "Returns the time since the last access to a Redis object."},
				{Name: "refcount", Arity: 3, Run: objectRefcount, Summary: "Returns the reference count of a value of a key."},
				{Name: "help", Arity: 2, Run: objectHelp, Summary: "Returns helpful text about the different subcommands."},
			}},
	}, expireCommands()...)
}

// del is DEL and UNLINK (redpool frees memory the same way for both).
func del(c *Ctx) error {
	var n int64
	for _, k := range c.Args[1:] {
		ok, err := c.Tx.Delete(k)
		if err != nil {
			return err
		}
		if ok {
			n++
			c.Touch(k)
			c.Notify(NotifyGeneric, "del", k)
			signalStream(c, k) // a blocked XREADGROUP replies -UNBLOCKED, as Redis 7.0
		}
	}
	c.Dirty(n)
	c.Int(n)
	return nil
}

// exists is EXISTS: the number of arguments naming existing keys,
// repeats counted. It does not count as an access of the keys.
func exists(c *Ctx) error { return countKeys(c, false) }

// touch is TOUCH: EXISTS that counts an access of each key (Tx.Touch).
func touch(c *Ctx) error { return countKeys(c, true) }

// countKeys replies how many of the key arguments exist, touching them
// if touch.
func countKeys(c *Ctx, touch bool) error {
	var n int64
	for _, k := range c.Args[1:] {
		var ok bool
		var err error
		if touch {
			ok, err = c.Tx.Touch(k)
		} else {
			ok, err = c.Tx.Exists(k)
		}
		if err != nil {
			return err
		}
		if ok {
			n++
		}
	}
	c.Int(n)
	return nil
}

func typeCmd(c *Ctx) error {
	t, err := c.Tx.Type(c.Args[1])
	if err != nil {
		return err
	}
	c.Simple(t.String())
	return nil
}

// keysScanBatch is how many keys KEYS asks the backend for at a time.
const keysScanBatch = 1024

func keys(c *Ctx) error {
	pat := c.Args[1]
	all := len(pat) == 1 && pat[0] == '*'
	mark := c.ArrayMark()
	n := 0
	var cursor uint64
	for {
		next, err := c.Tx.Scan(cursor, keysScanBatch, func(k []byte, _ backend.Type) error {
			if all || GlobMatch(pat, k, false) {
				c.Bulk(k)
				n++
			}
			return nil
		})
		if err != nil {
			return err
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	c.ArrayEnd(mark, n)
	return nil
}

// scanOptions are SCAN's MATCH, COUNT and TYPE.
type scanOptions struct {
	count    int
	pattern  []byte // nil: every key
	typeName []byte // nil: every type
}

// parseScanOptions parses the options after SCAN's cursor as Redis's
// scanGenericCommand: each takes a value, a later one overrides an
// earlier one, COUNT below 1 is a syntax error.
func parseScanOptions(args [][]byte) (scanOptions, error) {
	o := scanOptions{count: 10}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return o, ErrSyntax
		}
		val := args[i+1]
		switch opt := args[i]; {
		case equalFold(opt, "count"):
			n, err := parseInt(val)
			if err != nil {
				return o, err
			}
			if n < 1 {
				return o, ErrSyntax
			}
			o.count = int(min(n, math.MaxInt))
		case equalFold(opt, "match"):
			o.pattern = val
			if len(val) == 1 && val[0] == '*' {
				o.pattern = nil
			}
		case equalFold(opt, "type"):
			o.typeName = val
		default:
			return o, ErrSyntax
		}
	}
	return o, nil
}

// scan is SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. Each call
// is one short transaction; the backend's cursor guarantees that a key
// present for the whole iteration is returned at least once. A TYPE that
// names no type matches nothing, as in Redis.
func scan(c *Ctx) error {
	cursor, ok := parseCursor(c.Args[1])
	if !ok {
		return ErrInvalidCursor
	}
	o, err := parseScanOptions(c.Args[2:])
	if err != nil {
		return err
	}
	mark := c.ArrayMark()
	n := 0
	next, err := c.Tx.Scan(cursor, o.count, func(k []byte, t backend.Type) error {
		if o.typeName != nil && !equalFold(o.typeName, t.String()) {
			return nil
		}
		if o.pattern != nil && !GlobMatch(o.pattern, k, false) {
			return nil
		}
		c.Bulk(k)
		n++
		return nil
	})
	if err != nil {
		return err
	}
	c.ScanEnd(mark, next, n)
	return nil
}

func randomkey(c *Ctx) error {
	k, err := c.Tx.RandomKey()
	if err != nil {
		return err
	}
	bulkOrNull(c, k, k != nil)
	return nil
}

func rename(c *Ctx) error { return renameGeneric(c, false) }

func renamenx(c *Ctx) error { return renameGeneric(c, true) }

// renameGeneric is RENAME and (nx) RENAMENX, as Redis: a missing source is
// an error even when it is also the destination; renaming a key to itself
// changes nothing.
func renameGeneric(c *Ctx, nx bool) error {
	src, dst := c.Args[1], c.Args[2]
	ok, err := c.Tx.Exists(src)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoSuchKey
	}
	move := string(src) != string(dst)
	if move && nx {
		taken, err := c.Tx.Exists(dst)
		if err != nil {
			return err
		}
		move = !taken
	}
	if move {
		if err := c.Tx.Rename(src, dst); err != nil {
			return err
		}
		c.Dirty(1)
		signalList(c, dst)
		c.notifyNew(true, dst) // Redis deletes the old destination first
		c.Notify(NotifyGeneric, "rename_from", src)
		c.Notify(NotifyGeneric, "rename_to", dst)
	}
	if nx {
		c.Bool(move)
	} else {
		c.OK()
	}
	return nil
}

// parseDBIndex parses a database index argument as Redis's
// getIntFromObjectOrReply followed by selectDb.
func parseDBIndex(c *Ctx, b []byte) (int, error) {
	db, err := parseInt32(b)
	if err != nil {
		return 0, err
	}
	if db < 0 || db >= c.e.backend.Databases() {
		return 0, ErrDBIndex
	}
	return db, nil
}

// copyCmd is COPY source destination [DB db] [REPLACE].
func copyCmd(c *Ctx) error {
	src, dst := c.Args[1], c.Args[2]
	dstDB, replace := c.Tx.DB(), false
	for j := 3; j < len(c.Args); j++ {
		switch opt := c.Args[j]; {
		case equalFold(opt, "replace"):
			replace = true
		case equalFold(opt, "db") && j+1 < len(c.Args):
			db, err := parseDBIndex(c, c.Args[j+1])
			if err != nil {
				return err
			}
			dstDB = db
			j++
		default:
			return ErrSyntax
		}
	}
	if (dstDB != 0 || c.Tx.DB() != 0) && c.e.clusterOn() {
		return ErrClusterCopyDB
	}
	if dstDB == c.Tx.DB() && string(src) == string(dst) {
		return ErrSameObject
	}
	ok, err := c.Tx.Copy(src, dstDB, dst, replace)
	if err != nil {
		return err
	}
	if ok {
		c.Dirty(1)
		if dstDB == c.Tx.DB() {
			signalList(c, dst)
		} else {
			c.SignalDB(dstDB, dst)
		}
		// As Redis: the destination is always added anew.
		c.NotifyDB(dstDB, NotifyNew, "new", dst)
		c.NotifyDB(dstDB, NotifyGeneric, "copy_to", dst)
	}
	// Redis looks the source up for reading first: a keyspace hit (the
	// copy was made from it) or miss ("keymiss").
	found := ok
	if !ok {
		if found, err = c.Tx.Exists(src); err != nil {
			return err
		}
	}
	c.readLookup(src, found)
	c.Bool(ok)
	return nil
}

// copyKeys finds COPY's keys; with a DB option the copy may cross
// databases, so it locks them all.
func copyKeys(dst, args [][]byte) (keys [][]byte, all, ok bool) {
	for _, a := range args[3:] {
		if equalFold(a, "db") {
			all = true
		}
	}
	return append(dst, args[1], args[2]), all, true
}

func move(c *Ctx) error {
	if c.e.clusterOn() {
		return ErrClusterMove
	}
	db, err := parseDBIndex(c, c.Args[2])
	if err != nil {
		return err
	}
	if db == c.Tx.DB() {
		return ErrSameObject
	}
	ok, err := c.Tx.Move(c.Args[1], db)
	if err != nil {
		return err
	}
	if ok {
		c.Dirty(1)
		c.SignalDB(db, c.Args[1])
		c.NotifyDB(db, NotifyNew, "new", c.Args[1])
		c.Notify(NotifyGeneric, "move_from", c.Args[1])
		c.NotifyDB(db, NotifyGeneric, "move_to", c.Args[1])
	}
	c.Bool(ok)
	return nil
}

func swapdb(c *Ctx) error {
	if c.e.clusterOn() {
		return ErrClusterSwapDB
	}
	a, err := parseInt32(c.Args[1])
	if err != nil {
		return ErrInvalidFirstDB
	}
	b, err := parseInt32(c.Args[2])
	if err != nil {
		return ErrInvalidSecondDB
	}
	if n := c.e.backend.Databases(); a < 0 || a >= n || b < 0 || b >= n {
		return ErrDBIndex
	}
	if err := c.touchSwapped(a, b); err != nil {
		return err
	}
	if err := c.Tx.SwapDB(a, b); err != nil {
		return err
	}
	c.Dirty(1)
	// Clients blocked in either database may now find their keys.
	for _, db := range []int{a, b} {
		for _, k := range c.e.blocking.blockedKeys(db) {
			c.SignalDB(db, k)
		}
	}
	c.OK()
	return nil
}

// --- OBJECT ---

func object(c *Ctx) error { return c.Sub("OBJECT") }

func objectHelp(c *Ctx) error {
	return helpReply(c, "OBJECT", []string{
		"ENCODING <key>",
		"    Return the kind of internal representation used in order to store the value",
		"    associated with a <key>.",
		"FREQ <key>",
		"    Return the access frequency index of the <key>. The returned integer is",
		"    proportional to the logarithm of the recent access frequency of the key.",
		"IDLETIME <key>",
		"    Return the idle time of the <key>, that is the approximated number of",
		"    seconds elapsed since the last access to the key.",
		"REFCOUNT <key>",
		"    Return the number of references of the value associated with the specified",
		"    <key>.",
	})
}

// objectKey returns the type of OBJECT's key, replying null (and ok false)
// when it does not exist.
func objectKey(c *Ctx) (backend.Type, bool, error) {
	t, err := c.Tx.Type(c.Args[2])
	if err != nil || t == backend.TypeNone {
		if err == nil {
			c.Null()
		}
		return t, false, err
	}
	return t, true, nil
}

// Redis shares the integers 0..9999 (OBJECT REFCOUNT).
const (
	sharedIntegers = 10000
	sharedRefcount = math.MaxInt32
)

// objectEncoding answers what Redis would pick for the value as it is now,
// from the type's registry row (backend.TypeInfo.Encoding).
func objectEncoding(c *Ctx) error {
	t, ok, err := objectKey(c)
	if !ok {
		return err
	}
	info, ok := backend.Lookup(t)
	if !ok {
		return fmt.Errorf("OBJECT ENCODING: %w %d", backend.ErrUnknownType, t)
	}
	enc, err := info.Encoding(c.Tx, c.Args[2], func(name string, def int64) int64 { return paramInt(c, name, def) })
	if err != nil {
		return err
	}
	c.BulkString(enc)
	return nil
}

// paramInt reads an integer CONFIG parameter, def if unset or unparsable.
func paramInt(c *Ctx, name string, def int64) int64 {
	if p := c.e.params.Lookup(name); p != nil {
		if n, err := strconv.ParseInt(p.Get(), 10, 64); err == nil {
			return n
		}
	}
	return def
}

// lfuPolicy reports whether maxmemory-policy is an LFU one.
func lfuPolicy(c *Ctx) bool { return c.e.mm.lfu() }

func objectRefcount(c *Ctx) error {
	t, ok, err := objectKey(c)
	if !ok {
		return err
	}
	n, err := refcountOf(c.Tx, c.Args[2], t)
	if err != nil {
		return err
	}
	c.Int(n)
	return nil
}

// refcountOf is the refcount Redis gives key's value (of type t): that of
// its shared integers for 0..9999, else 1.
func refcountOf(tx backend.Tx, key []byte, t backend.Type) (int64, error) {
	if t == backend.TypeString {
		v, _, err := tx.Get(key)
		if err != nil {
			return 0, err
		}
		if n, ok := resp.ParseInt(v); ok && n >= 0 && n < sharedIntegers {
			return sharedRefcount, nil
		}
	}
	return 1, nil
}

func objectIdletime(c *Ctx) error { return objectAccessStat(c, false) }

func objectFreq(c *Ctx) error { return objectAccessStat(c, true) }

// objectAccessStat answers OBJECT IDLETIME or (freq) OBJECT FREQ from the
// key's access clock (backend.Tx.Access), which OBJECT's transaction
// does not touch (TxOptions.NoTouch). As in Redis, FREQ needs an LFU
// maxmemory-policy and IDLETIME any other.
func objectAccessStat(c *Ctx, freq bool) error {
	idle, n, ok, err := c.Tx.Access(c.Args[2])
	if !ok {
		if err == nil {
			c.Null()
		}
		return err
	}
	switch lfu := lfuPolicy(c); {
	case freq && !lfu:
		return ErrLFUNotSelected
	case !freq && lfu:
		return ErrLFUSelected
	case freq:
		c.Int(int64(n))
	default:
		c.Int(idle)
	}
	return nil
}

// formatInt returns n in decimal in a new slice (for AOF records).
func formatInt(n int64) []byte {
	var buf [20]byte
	return append([]byte(nil), appendInt(buf[:0], n)...)
}
