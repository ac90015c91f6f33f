package command

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"redpool/backend"
	"redpool/persistence/rdb"
	"redpool/session/resp"
)

// DEBUG: the subcommands of Redis 7.0's DEBUG that tools and tests use,
// allowed by enable-debug-command as in Redis (no, yes, or local: clients
// on loopback). DIGEST and DIGEST-VALUE compute Redis's own digest, so a
// dataset can be compared with a real Redis's.

func debugCommands() []Spec {
	return []Spec{
		{Name: "debug", Arity: -2, Flags: Admin | NoScript, Run: debugCmd, Group: "server", Summary: "A container for debugging commands.", Since: "1.0.0"},
	}
}

// debugSub is one DEBUG subcommand: its name, how many arguments it takes
// (the name DEBUG and the subcommand included; negative: at least), and
// its handler.
type debugSub struct {
	name  string
	arity int
	run   Handler
}

func debugSubs() []debugSub {
	return []debugSub{
		{"digest", 2, debugDigest},
		{"digest-value", -2, debugDigestValue},
		{"sleep", 3, debugSleep},
		{"protocol", 3, debugProtocol},
		{"populate", -3, debugPopulate},
		{"error", 3, debugError},
		{"log", 3, debugLog},
		{"quicklist-packed-threshold", 3, debugQuicklistThreshold},
		{"set-active-expire", 3, debugSetActiveExpire},
		{"object", 3, debugObject},
		{"change-repl-id", 2, debugChangeReplID},
		{"reload", -2, debugReload},
		{"loadaof", -2, debugLoadAOF},
		{"help", 2, debugHelp},
	}
}

func debugCmd(c *Ctx) error {
	if !c.debugAllowed() {
		return ErrDebugNotAllowed
	}
	for _, s := range debugSubs() {
		if !equalFold(c.Args[1], s.name) {
			continue
		}
		if (s.arity >= 0 && len(c.Args) != s.arity) || (s.arity < 0 && len(c.Args) < -s.arity) {
			break
		}
		return s.run(c)
	}
	return SubcommandSyntax(c.Args[1], "DEBUG")
}

// debugAllowed applies enable-debug-command to c's client.
func (c *Ctx) debugAllowed() bool {
	switch c.e.paramOr("enable-debug-command", "no") {
	case "yes":
		return true
	case "local":
		host, _, err := net.SplitHostPort(c.Client.Addr)
		ip := net.ParseIP(host)
		return err == nil && ip != nil && ip.IsLoopback()
	}
	return false
}

// Redis's type numbers, which its digest mixes in.
var redisTypeNumber = map[backend.Type]uint32{
	backend.TypeString: 0, backend.TypeList: 1, backend.TypeSet: 2, backend.TypeZSet: 3, backend.TypeHash: 4,
	backend.TypeStream: 6,
}

// digest is Redis's 20-byte dataset digest.
type digest [sha1.Size]byte

// xor folds SHA1(b) into d (Redis's xorDigest): order does not matter.
func (d *digest) xor(b []byte) {
	h := sha1.Sum(b)
	for i := range d {
		d[i] ^= h[i]
	}
}

// mix folds b into d so that order matters (Redis's mixDigest).
func (d *digest) mix(b []byte) {
	d.xor(b)
	*d = sha1.Sum(d[:])
}

func (d *digest) hex() string { return hex.EncodeToString(d[:]) }

// objectDigest folds key's value into d as Redis's xorObjectDigest does:
// the type, the elements (mixed in order for strings and lists, xored for
// sets, hashes and sorted sets), and whether it expires. A missing key
// leaves d as it is.
func objectDigest(tx backend.Tx, key []byte, d *digest) error {
	t, err := tx.Type(key)
	if err != nil || t == backend.TypeNone {
		return err
	}
	info, ok := backend.Lookup(t)
	num, known := redisTypeNumber[t]
	if !ok || !known {
		return backend.ErrUnknownType
	}
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], num)
	d.mix(n[:])
	if t == backend.TypeStream {
		err = streamDigest(tx, key, d)
	} else {
		err = info.Read(tx, key, func(items [][]byte) error {
			for i := 0; i+info.Width <= len(items); i += info.Width {
				switch {
				case info.Ordered: // a string, a list element
					d.mix(items[i])
				case info.Width == 1: // a set member
					d.xor(items[i])
				default: // field and value; a sorted set's score and member
					first, second := items[i], items[i+1]
					if t == backend.TypeZSet {
						first, second = second, first // the member first, then the score
					}
					var e digest
					e.mix(first)
					e.mix(second)
					d.xor(e[:])
				}
			}
			return nil
		})
	}
	if err != nil {
		return err
	}
	at, _, err := tx.ExpireAt(key)
	if err == nil && at != 0 {
		d.xor([]byte("!!expire!!"))
	}
	return err
}

// streamDigest mixes a stream's entries into d as Redis does: each id as
// "ms.seq", then its fields and values, in id order. Groups are left out.
func streamDigest(tx backend.Tx, key []byte, d *digest) error {
	var id []byte
	return tx.XRange(key, backend.StreamID{}, backend.MaxStreamID, false, func(e backend.StreamID, fields [][]byte) bool {
		id = strconv.AppendUint(id[:0], e.Ms, 10)
		id = append(id, '.')
		id = strconv.AppendUint(id, e.Seq, 10)
		d.mix(id)
		for _, f := range fields {
			d.mix(f)
		}
		return true
	})
}

// debugDigest is DEBUG DIGEST: Redis's digest of every database (all
// zeros for an empty dataset): per database its number, then per key the
// digest of the key and its value, in any order.
func debugDigest(c *Ctx) error {
	var final digest
	err := c.Atomically(false, backend.TxOptions{All: true}, func() error {
		for db := range c.e.backend.Databases() {
			tx, err := c.open.WithDB(db)
			if err != nil {
				return err
			}
			n, err := tx.Len()
			if err != nil {
				return err
			}
			if n == 0 {
				continue
			}
			var num [4]byte
			binary.BigEndian.PutUint32(num[:], uint32(db))
			final.mix(num[:])
			var cursor uint64
			for {
				cursor, err = tx.Scan(cursor, 1000, func(key []byte, _ backend.Type) error {
					var d digest
					d.mix(key)
					if err := objectDigest(tx, key, &d); err != nil {
						return err
					}
					final.xor(d[:])
					return nil
				})
				if err != nil {
					return err
				}
				if cursor == 0 {
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.Simple(final.hex())
	return nil
}

// debugDigestValue is DEBUG DIGEST-VALUE key...: each value's digest
// (without its key), zeros for a missing key.
func debugDigestValue(c *Ctx) error {
	return c.InTx(false, c.Args[2:], func(c *Ctx) error {
		c.Array(len(c.Args) - 2)
		for _, key := range c.Args[2:] {
			var d digest
			if err := objectDigest(c.Tx, key, &d); err != nil {
				return err
			}
			c.Simple(d.hex())
		}
		return nil
	})
}

// debugSleep is DEBUG SLEEP seconds: the client waits (in Redis the whole
// server stops; here only this client does). A bad number sleeps 0, as
// Redis's strtod gives.
func debugSleep(c *Ctx) error {
	secs, _ := strconv.ParseFloat(string(c.Args[2]), 64)
	if secs > 0 {
		time.Sleep(time.Duration(secs * float64(time.Second)))
	}
	c.OK()
	return nil
}

// debugProtocol is DEBUG PROTOCOL type: a sample reply of each RESP type,
// as Redis's.
func debugProtocol(c *Ctx) error {
	switch name := strings.ToLower(string(c.Args[2])); name {
	case "string":
		c.BulkString("Hello World")
	case "integer":
		c.Int(12345)
	case "double":
		c.Double(3.141)
	case "bignum":
		c.BigNumber("1234567999999999999999999999999999999")
	case "null":
		c.Null()
	case "array", "set":
		if name == "set" {
			c.Set(3)
		} else {
			c.Array(3)
		}
		for j := range int64(3) {
			c.Int(j)
		}
	case "map":
		c.Map(3)
		for j := range int64(3) {
			c.Int(j)
			c.Boolean(j == 1)
		}
	case "attrib":
		if c.resp3() {
			c.out = append(c.out, "|1\r\n"...)
			c.BulkString("key-popularity")
			c.Array(2)
			c.BulkString("key:123")
			c.Int(90)
		}
		c.BulkString("Some real reply following the attribute")
	case "push":
		if !c.resp3() {
			return ErrDebugPushRESP2
		}
		c.Push(2)
		c.BulkString("server-cpu-usage")
		c.Int(42)
		c.BulkString("Some real reply following the push reply")
	case "true":
		c.Boolean(true)
	case "false":
		c.Boolean(false)
	case "verbatim":
		c.Verbatim([]byte("This is a verbatim\nstring"))
	default:
		return ErrDebugProtocolType
	}
	return nil
}

// debugPopulate is DEBUG POPULATE count [prefix] [size]: string keys
// prefix:N holding value:N (cut or zero-padded to size), skipping keys that
// exist. As in Redis they are not written to the AOF; unlike Redis they do
// not abort transactions WATCHing them.
func debugPopulate(c *Ctx) error {
	if len(c.Args) > 5 {
		return SubcommandSyntax(c.Args[1], "DEBUG")
	}
	count, ok := resp.ParseInt(c.Args[2])
	if !ok || count < 0 {
		return ErrCountPositive
	}
	prefix := "key"
	if len(c.Args) >= 4 {
		prefix = string(c.Args[3])
	}
	size := int64(0)
	if len(c.Args) == 5 {
		if size, ok = resp.ParseInt(c.Args[4]); !ok || size < 0 {
			return ErrCountPositive
		}
	}
	return c.InTx(true, nil, func(c *Ctx) error {
		var key, val []byte
		for j := range count {
			key = strconv.AppendInt(append(append(key[:0], prefix...), ':'), j, 10)
			if ok, err := c.Tx.Exists(key); err != nil {
				return err
			} else if ok {
				continue
			}
			val = strconv.AppendInt(append(val[:0], "value:"...), j, 10)
			v := val
			if size > 0 {
				v = make([]byte, size)
				copy(v, val)
			}
			if err := c.Tx.Set(key, v, 0, false); err != nil {
				return err
			}
		}
		c.OK()
		return nil
	})
}

// debugError is DEBUG ERROR message: the message as an error reply.
func debugError(c *Ctx) error { return Error(sanitize(string(c.Args[2]))) }

// debugLog is DEBUG LOG message: the message in the server log.
func debugLog(c *Ctx) error {
	c.e.logger.Warn("DEBUG LOG: " + string(c.Args[2]))
	c.OK()
	return nil
}

// debugQuicklistThreshold is DEBUG QUICKLIST-PACKED-THRESHOLD size:
// accepted; redpool's lists have no packed nodes to tune.
func debugQuicklistThreshold(c *Ctx) error {
	c.OK()
	return nil
}

func debugHelp(c *Ctx) error {
	return helpReply(c, "DEBUG", []string{
		"CHANGE-REPL-ID",
		"    Change the replication IDs of the instance.",
		"    Dangerous: should be used only for testing the replication subsystem.",
		"DIGEST",
		"    Output a hex signature representing the current DB content.",
		"DIGEST-VALUE <key> [<key> ...]",
		"    Output a hex signature of the values of all the specified keys.",
		"ERROR <string>",
		"    Return a Redis protocol error with <string> as message. Useful for clients",
		"    unit tests to simulate Redis errors.",
		"LOADAOF",
		"    Flush the AOF buffers on disk and reload the AOF in memory.",
		"LOG <message>",
		"    Write <message> to the server log.",
		"OBJECT <key>",
		"    Show low level info about `key` and associated value.",
		"POPULATE <count> [<prefix>] [<size>]",
		"    Create <count> string keys named key:<num>. If <prefix> is specified then",
		"    it is used instead of the 'key' prefix. These are not propagated to",
		"    replicas. Cluster slots are not respected so keys not belonging to the",
		"    current node can be created in cluster mode.",
		"PROTOCOL <type>",
		"    Reply with a test value of the specified type. <type> can be: string,",
		"    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
		"    true, false.",
		"QUICKLIST-PACKED-THRESHOLD <size>",
		"    Sets the threshold for elements to be inserted as plain vs packed nodes",
		"    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
		"RELOAD [option ...]",
		"    Save the RDB on disk and reload it back to memory. Valid <option> values:",
		"    * MERGE: conflicting keys will be loaded from RDB.",
		"    * NOFLUSH: the existing database will not be removed before load, but",
		"      conflicting keys will generate an exception and kill the server.",
		"    * NOSAVE: the database will be loaded from an existing RDB file.",
		"    Examples:",
		"    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
		"      the database.",
		"    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
		"      existing RDB file.",
		"    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
		"      file to the database.",
		"SLEEP <seconds>",
		"    Stop the server for <seconds>. Decimals allowed.",
	})
}

// expiryControl decides whether the backend expires keys actively: not
// while DEBUG SET-ACTIVE-EXPIRE 0 holds, nor while a CLIENT PAUSE does.
type expiryControl struct {
	mu               sync.Mutex
	debugOff, paused bool
	backend          backend.ActiveExpiry // nil: the backend has no control
}

func (x *expiryControl) set(debugOff, paused *bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if debugOff != nil {
		x.debugOff = *debugOff
	}
	if paused != nil {
		x.paused = *paused
	}
	if x.backend != nil {
		x.backend.SetActiveExpiry(!x.debugOff && !x.paused)
	}
}

// debugSetActiveExpire is DEBUG SET-ACTIVE-EXPIRE 0|1. As Redis, it
// reads the argument with atoi: anything that does not start with a
// non-zero number turns active expiry off.
func debugSetActiveExpire(c *Ctx) error {
	off := atoi(c.Args[2]) == 0
	c.e.expiry.set(&off, nil)
	c.OK()
	return nil
}

// atoi is C's atoi: optional spaces and sign, then digits, 0 if none.
func atoi(b []byte) int64 {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var n int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9' && n < 1<<40; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// debugObject is DEBUG OBJECT key: Redis 7.0's line about the value,
// with what redpool knows of it as Redis would hold it: the encoding
// OBJECT ENCODING gives, the refcount OBJECT REFCOUNT gives, the length
// of its RDB encoding (what DUMP writes, without the type byte and the
// footer), the key's access clock and, for a list, the quicklist Redis
// would build with RPUSH (rdb.ListNodeSizes; ql_compressed follows the
// list-compress-depth of now, where Redis keeps the one the list was
// created with). The address is a made-up one. It does not count as an
// access of the key.
func debugObject(c *Ctx) error {
	key := c.Args[2]
	var line []byte
	err := c.Atomically(false, backend.TxOptions{DB: c.Client.DB(), Keys: [][]byte{key}, NoTouch: true}, func() error {
		tx := c.open
		if db := c.Client.DB(); db != tx.DB() { // SELECT in EXEC
			var err error
			if tx, err = tx.WithDB(db); err != nil {
				return err
			}
		}
		var err error
		line, err = debugObjectLine(c, tx, key)
		return err
	})
	if err != nil {
		return err
	}
	c.Simple(string(line))
	return nil
}

// debugObjectLine builds DEBUG OBJECT's line for key in tx.
func debugObjectLine(c *Ctx, tx backend.Tx, key []byte) ([]byte, error) {
	idle, freq, ok, err := tx.Access(key)
	if err != nil || !ok {
		if err == nil {
			err = ErrNoSuchKey
		}
		return nil, err
	}
	t, err := tx.Type(key)
	if err != nil {
		return nil, err
	}
	info, known := backend.Lookup(t)
	if !known {
		return nil, fmt.Errorf("DEBUG OBJECT: %w %d", backend.ErrUnknownType, t)
	}
	enc, err := info.Encoding(tx, key, func(name string, def int64) int64 { return paramInt(c, name, def) })
	if err != nil {
		return nil, err
	}
	refs, err := refcountOf(tx, key, t)
	if err != nil {
		return nil, err
	}
	v, err := readValue(tx, key, t)
	if err != nil {
		return nil, err
	}
	p := dumpParams(c)
	payload, err := rdb.DumpPayload(v, p)
	if err != nil {
		return nil, err
	}
	body, err := rdb.VerifyDumpPayload(payload) // the type byte, then the value
	if err != nil {
		return nil, err
	}
	now := c.e.clock.Now()
	lru := (lruClock(now) - idle) & (1<<24 - 1)
	if c.e.mm.lfu() { // Redis's lru field holds the LFU time and counter
		lru = (now.Unix()/60&0xffff)<<8 | int64(freq)
	}
	var addr [8]byte
	_, _ = rand.Read(addr[:5])
	b := fmt.Appendf(nil, "Value at:0x7f%x refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d",
		addr[:5], refs, enc, len(body)-1, lru, idle)
	if t == backend.TypeList {
		sizes := rdb.ListNodeSizes(v.Items, p)
		used := 0
		for _, n := range sizes {
			used += n
		}
		compressed := 0
		if paramInt(c, "list-compress-depth", 0) != 0 {
			compressed = 1
		}
		b = fmt.Appendf(b, " ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%d",
			len(sizes), float64(len(v.Items))/float64(len(sizes)), p.ListMaxListpackSize, compressed, used)
	}
	return b, nil
}

// debugChangeReplID is DEBUG CHANGE-REPL-ID: a new replication id, and no
// second one, as Redis's changeReplicationId and clearReplicationId2.
func debugChangeReplID(c *Ctx) error {
	c.e.logger.Warn("Changing replication IDs after receiving DEBUG change-repl-id")
	r := c.e.repl
	r.mu.Lock()
	r.replID, r.replID2, r.secondOffset = newReplID(), zeroReplID, -1
	r.mu.Unlock()
	c.OK()
	return nil
}
