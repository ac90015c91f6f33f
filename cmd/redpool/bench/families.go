package bench

import (
	"crypto/sha1"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
)

// family is one -types word: its name and how it queues one operation.
// An operation is what the latency histogram records and ops/s counts: one
// request for most families, a whole MULTI ... EXEC for tx.
type family struct {
	name string
	// queue appends one operation, a read or a write, to c's output buffer
	// and returns how many requests (replies to read) it queued.
	queue func(g *opGen, c *conn, read bool) int
}

// families are indexed by DataType; row 0 is unused. Read-only.
var families = []family{
	{},
	Strings: {"strings", queueStrings},
	Lists:   {"lists", queueLists},
	Hashes:  {"hashes", queueHashes},
	Sets:    {"sets", queueSets},
	ZSets:   {"zsets", queueZSets},
	Streams: {"streams", queueStreams},
	Scripts: {"scripts", queueScripts},
	Tx:      {"tx", queueTx},
	Mixed:   {"mixed", queueMixed},
}

// Constant arguments, shared read-only by every generator.
var (
	cmdGET, cmdSET, cmdMGET   = []byte("GET"), []byte("SET"), []byte("MGET")
	cmdRPUSH, cmdLPOP         = []byte("RPUSH"), []byte("LPOP")
	cmdLPUSH, cmdRPOP         = []byte("LPUSH"), []byte("RPOP")
	cmdLRANGE                 = []byte("LRANGE")
	cmdHSET, cmdHGET          = []byte("HSET"), []byte("HGET")
	cmdSADD, cmdSREM          = []byte("SADD"), []byte("SREM")
	cmdSISMEMBER              = []byte("SISMEMBER")
	cmdZADD, cmdZINCRBY       = []byte("ZADD"), []byte("ZINCRBY")
	cmdZREVRANGE              = []byte("ZREVRANGE")
	cmdXADD, cmdXREVRANGE     = []byte("XADD"), []byte("XREVRANGE")
	cmdEVALSHA                = []byte("EVALSHA")
	cmdMULTI, cmdEXEC         = []byte("MULTI"), []byte("EXEC")
	cmdINCRBY, cmdDECRBY      = []byte("INCRBY"), []byte("DECRBY")
	argZero, argOne, argNine  = []byte("0"), []byte("1"), []byte("9")
	argTen                    = []byte("10")
	argWithScores, argCount   = []byte("WITHSCORES"), []byte("COUNT")
	argMaxLen, argApprox      = []byte("MAXLEN"), []byte("~")
	argStreamCap, argStar     = []byte("100"), []byte("*")
	argPlus, argMinus, argEX  = []byte("+"), []byte("-"), []byte("EX")
	argSessionTTL, argFieldV  = []byte("3600"), []byte("v")
	members                   = fieldNames(16) // hash fields, set and sorted-set members
	prefixString, prefixList  = []byte("key:"), []byte("list:")
	prefixHash, prefixSet     = []byte("hash:"), []byte("set:")
	prefixZSet, prefixStream  = []byte("zset:"), []byte("stream:")
	prefixCAS, prefixAccount  = []byte("cas:"), []byte("acct:")
	prefixSession, prefixJobs = []byte("session:"), []byte("jobs:")
	prefixBoard, prefixPlayer = []byte("board:"), []byte("player:")
)

// casScript is the scripts family's check-and-set: set KEYS[1] to ARGV[2]
// if it is missing or holds ARGV[1]; 1 if it did, 0 if not.
const casScript = `local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0`

// casSHA returns the SHA1 of casScript, the name EVALSHA calls it by.
func casSHA() string {
	sum := sha1.Sum([]byte(casScript))
	return hex.EncodeToString(sum[:])
}

// valueAlphabet is what written values are made of.
const valueAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func fieldNames(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte("f" + strconv.Itoa(i))
	}
	return out
}

// opGen produces one client's deterministic stream of requests without
// allocating per request. Not safe for concurrent use.
type opGen struct {
	rng   *rand.Rand
	w     *Workload
	sha   []byte // casScript's SHA1, hex
	key   []byte // scratch for the first key
	key2  []byte // scratch for a second key
	num   []byte // scratch for a number
	value []byte // what writes write
	other []byte // value with its last byte changed: the other CAS value
}

func newOpGen(w *Workload, client int) *opGen {
	rng := rand.New(rand.NewPCG(w.Seed, uint64(client)))
	value := make([]byte, w.ValueSize)
	for i := range value {
		value[i] = valueAlphabet[rng.IntN(len(valueAlphabet))]
	}
	other := append([]byte(nil), value...)
	other[len(other)-1] ^= 1 // still a letter or digit, never the same
	return &opGen{
		rng: rng, w: w, sha: []byte(casSHA()),
		key: make([]byte, 0, 32), key2: make([]byte, 0, 32), num: make([]byte, 0, 20),
		value: value, other: other,
	}
}

// queue appends the next operation to c's output buffer and returns how
// many requests it queued.
func (g *opGen) queue(c *conn) int {
	t := g.w.Types[0]
	if len(g.w.Types) > 1 {
		t = g.w.Types[g.rng.IntN(len(g.w.Types))]
	}
	read := g.rng.Float64() < g.w.ReadRatio
	return families[t].queue(g, c, read)
}

// randKey sets g.key to prefix followed by a random number below n.
func (g *opGen) randKey(prefix []byte, n int) []byte {
	g.key = strconv.AppendInt(append(g.key[:0], prefix...), int64(g.rng.IntN(n)), 10)
	return g.key
}

// randKey2 is randKey into the second scratch key.
func (g *opGen) randKey2(prefix []byte, n int) []byte {
	g.key2 = strconv.AppendInt(append(g.key2[:0], prefix...), int64(g.rng.IntN(n)), 10)
	return g.key2
}

// randNum sets g.num to a random number below n.
func (g *opGen) randNum(n int) []byte {
	g.num = strconv.AppendInt(g.num[:0], int64(g.rng.IntN(n)), 10)
	return g.num
}

// member returns a random hash field or set member.
func (g *opGen) member() []byte { return members[g.rng.IntN(len(members))] }

// strings: SET key value / GET key.
func queueStrings(g *opGen, c *conn, read bool) int {
	key := g.randKey(prefixString, g.w.Keys)
	if read {
		c.queue(cmdGET, key)
	} else {
		c.queue(cmdSET, key, g.value)
	}
	return 1
}

// lists: RPUSH key value or LPOP key / LRANGE key 0 9.
func queueLists(g *opGen, c *conn, read bool) int {
	key := g.randKey(prefixList, g.w.Keys)
	switch {
	case read:
		c.queue(cmdLRANGE, key, argZero, argNine)
	case g.rng.IntN(2) == 0:
		c.queue(cmdRPUSH, key, g.value)
	default:
		c.queue(cmdLPOP, key)
	}
	return 1
}

// hashes: HSET key field value / HGET key field.
func queueHashes(g *opGen, c *conn, read bool) int {
	key := g.randKey(prefixHash, g.w.Keys)
	field := g.member()
	if read {
		c.queue(cmdHGET, key, field)
	} else {
		c.queue(cmdHSET, key, field, g.value)
	}
	return 1
}

// sets: SADD key member (three times in four) or SREM key member /
// SISMEMBER key member.
func queueSets(g *opGen, c *conn, read bool) int {
	key := g.randKey(prefixSet, g.w.Keys)
	m := g.member()
	switch {
	case read:
		c.queue(cmdSISMEMBER, key, m)
	case g.rng.IntN(4) == 0:
		c.queue(cmdSREM, key, m)
	default:
		c.queue(cmdSADD, key, m)
	}
	return 1
}

// zsets: ZADD key score member or ZINCRBY key 1 member / ZREVRANGE key 0 9
// WITHSCORES.
func queueZSets(g *opGen, c *conn, read bool) int {
	key := g.randKey(prefixZSet, g.w.Keys)
	switch {
	case read:
		c.queue(cmdZREVRANGE, key, argZero, argNine, argWithScores)
	case g.rng.IntN(2) == 0:
		c.queue(cmdZADD, key, g.randNum(1000000), g.member())
	default:
		c.queue(cmdZINCRBY, key, argOne, g.member())
	}
	return 1
}

// streams: XADD key MAXLEN ~ 100 * v value / XREVRANGE key + - COUNT 10.
func queueStreams(g *opGen, c *conn, read bool) int {
	key := g.randKey(prefixStream, g.w.Keys)
	if read {
		c.queue(cmdXREVRANGE, key, argPlus, argMinus, argCount, argTen)
	} else {
		c.queue(cmdXADD, key, argMaxLen, argApprox, argStreamCap, argStar, argFieldV, g.value)
	}
	return 1
}

// scripts: EVALSHA of casScript, expecting one of the client's two values
// and writing the other / GET key.
func queueScripts(g *opGen, c *conn, read bool) int {
	key := g.randKey(prefixCAS, g.w.Keys)
	switch {
	case read:
		c.queue(cmdGET, key)
	case g.rng.IntN(2) == 0:
		c.queue(cmdEVALSHA, g.sha, argOne, key, g.value, g.other)
	default:
		c.queue(cmdEVALSHA, g.sha, argOne, key, g.other, g.value)
	}
	return 1
}

// tx: a transfer between two accounts, MULTI, DECRBY from amount,
// INCRBY to amount, EXEC (the balances always sum to 0) / MGET from to.
func queueTx(g *opGen, c *conn, read bool) int {
	from := g.randKey(prefixAccount, g.w.Keys)
	to := g.randKey2(prefixAccount, g.w.Keys)
	if read {
		c.queue(cmdMGET, from, to)
		return 1
	}
	amount := g.randNum(100)
	c.queue(cmdMULTI)
	c.queue(cmdDECRBY, from, amount)
	c.queue(cmdINCRBY, to, amount)
	c.queue(cmdEXEC)
	return 4
}

// Mixed's blend, in percent of operations: the rest is the job queue.
const (
	mixedSessions    = 50
	mixedLeaderboard = 30
	mixedBoards      = 8 // leaderboards
	mixedQueues      = 4 // job queues
)

// mixed: a session cache (SET session:<n> value EX 3600 / GET), a
// leaderboard (ZINCRBY board:<b> 1 player:<n> / ZREVRANGE board:<b> 0 9
// WITHSCORES) and a job queue (LPUSH jobs:<q> value / RPOP jobs:<q>, half
// each whatever the read ratio: producers and consumers keep pace).
func queueMixed(g *opGen, c *conn, read bool) int {
	switch pick := g.rng.IntN(100); {
	case pick < mixedSessions:
		key := g.randKey(prefixSession, g.w.Keys)
		if read {
			c.queue(cmdGET, key)
		} else {
			c.queue(cmdSET, key, g.value, argEX, argSessionTTL)
		}
	case pick < mixedSessions+mixedLeaderboard:
		board := g.randKey(prefixBoard, mixedBoards)
		if read {
			c.queue(cmdZREVRANGE, board, argZero, argNine, argWithScores)
		} else {
			c.queue(cmdZINCRBY, board, argOne, g.randKey2(prefixPlayer, g.w.Keys))
		}
	default:
		queue := g.randKey(prefixJobs, mixedQueues)
		if g.rng.IntN(2) == 0 {
			c.queue(cmdLPUSH, queue, g.value)
		} else {
			c.queue(cmdRPOP, queue)
		}
	}
	return 1
}
