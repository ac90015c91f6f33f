package server_test

import (
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// Differential tests of the list family against a real Redis, byte for
// byte: every command, every error path, and the blocking commands when
// they need not block (data present, or a 10ms timeout).

// script turns lines of space-separated words into commands. A word "”"
// is the empty string.
func script(lines ...string) [][]string {
	out := make([][]string, 0, len(lines))
	for _, l := range lines {
		words := strings.Fields(l)
		for i, w := range words {
			if w == "''" {
				words[i] = ""
			}
		}
		out = append(out, words)
	}
	return out
}

// diffScript starts a redpool per backend and compares cmds with Redis; a
// step written "~ CMD ..." is compared regardless of element order.
func diffScript(t *testing.T, cmds [][]string) {
	t.Helper()
	diffScriptWith(t, cmds, func(t *testing.T, d *servertest.Diff, c []string) {
		if c[0] == "~" { // compared regardless of element order
			diffUnordered(t, d, c[1:])
			return
		}
		d.Do(c...)
	})
}

// diffScriptWith starts a redpool per backend and compares cmds with
// Redis, each with step.
func diffScriptWith(t *testing.T, cmds [][]string, step func(t *testing.T, d *servertest.Diff, c []string)) {
	t.Helper()
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		for _, c := range cmds {
			step(t, d, c)
		}
		t.Logf("%d cases compared", d.Cases)
	})
}

var listPushPopCases = script(
	"SET s x",
	"LPUSH l", "RPUSH", "LPUSHX l", "LPOP", "RPOP",
	"LPUSH l a", "LPUSH l b c", "RPUSH l d e", "LRANGE l 0 -1", "LLEN l",
	"LPUSHX l x", "RPUSHX l y z", "LPUSHX nokey a", "RPUSHX nokey a", "EXISTS nokey",
	"LPUSH s a", "RPUSH s a", "LPUSHX s a", "RPUSHX s a", "LLEN s", "LLEN nokey",
	"LPOP l", "RPOP l", "LPOP l 2", "RPOP l 2", "LRANGE l 0 -1",
	"LPOP l 0", "RPOP l 0", "LPOP nokey 0", "RPOP nokey 0", "LPOP nokey", "RPOP nokey",
	"LPOP nokey 3", "LPOP l -1", "RPOP nokey -1", "LPOP l x", "LPOP l 1.5", "LPOP l ''",
	"LPOP l 1 2", "RPOP l 1 2 3", "LPOP s", "LPOP s 0", "LPOP s 2", "LPOP s -1", "RPOP s",
	"LPOP l 100", "EXISTS l", "TYPE l", "LLEN l", "LPOP l",
	"RPUSH l a b c", "RPOP l 9223372036854775807", "EXISTS l",
	"RPUSH l a", "RPOP l", "TYPE l",
	"RPUSH l ''", "LRANGE l 0 -1", "LPOP l",
)

var listReadCases = script(
	"SET s x",
	"RPUSH l a b c d e f",
	"LRANGE l 0 -1", "LRANGE l 1 3", "LRANGE l -3 -1", "LRANGE l -100 100", "LRANGE l 5 10",
	"LRANGE l 6 10", "LRANGE l 3 1", "LRANGE l -1 -3", "LRANGE l 0 0", "LRANGE l -1 -1",
	"LRANGE l 0 -7", "LRANGE l 0 -6", "LRANGE l -9223372036854775808 9223372036854775807",
	"LRANGE l x 1", "LRANGE l 0 y", "LRANGE nokey 0 -1", "LRANGE nokey x 1", "LRANGE s 0 -1",
	"LRANGE s x 1", "LRANGE l 0", "LRANGE l 0 1 2", "LRANGE l 01 2", "LRANGE l +1 2",
	"LINDEX l 0", "LINDEX l 5", "LINDEX l 6", "LINDEX l -1", "LINDEX l -6", "LINDEX l -7",
	"LINDEX l x", "LINDEX nokey x", "LINDEX nokey 0", "LINDEX s 0", "LINDEX s x", "LINDEX l",
	"LINDEX l 9223372036854775807", "LINDEX l -9223372036854775808",
	"LLEN l", "LLEN nokey", "LLEN s", "LLEN", "LLEN l l",
)

var listChangeCases = script(
	"SET s x",
	"RPUSH l a b c",
	"LSET l 0 A", "LSET l -1 C", "LSET l 1 B", "LRANGE l 0 -1", "LSET l 3 x", "LSET l -4 x",
	"LSET l x v", "LSET nokey 0 v", "LSET nokey x v", "LSET s 0 v", "LSET s x v", "LSET l 0",
	"LSET l 0 ''", "LRANGE l 0 -1",
	"DEL l", "RPUSH l a b a c a b a",
	"LREM l 1 a", "LRANGE l 0 -1", "LREM l -1 a", "LRANGE l 0 -1", "LREM l 0 a", "LRANGE l 0 -1",
	"LREM l 0 zz", "LREM l 5 b", "EXISTS l", "LREM l 1 c", "EXISTS l", "TYPE l",
	"LREM nokey 0 a", "LREM s 0 a", "LREM l x a", "LREM nokey x a", "LREM s x a", "LREM l 0",
	"RPUSH l 1 2 3 4 5 6 7 8 9",
	"LTRIM l 1 -2", "LRANGE l 0 -1", "LTRIM l -3 -1", "LRANGE l 0 -1", "LTRIM l 0 100",
	"LRANGE l 0 -1", "LTRIM l 2 1", "EXISTS l", "LTRIM nokey 0 1", "LTRIM s 0 1", "LTRIM s x 1",
	"LTRIM l x 1", "LTRIM l 0 y", "LTRIM l 0", "RPUSH l a", "LTRIM l 1 -1", "EXISTS l",
	"RPUSH l a b c",
	"LINSERT l BEFORE b x", "LRANGE l 0 -1", "LINSERT l after c y", "LRANGE l 0 -1",
	"LINSERT l before a z", "LINSERT l AFTER zz q", "LINSERT l middle a q", "LINSERT nokey before a b",
	"LINSERT nokey middle a b", "LINSERT s before a b", "LINSERT s middle a b", "LINSERT l before a",
	"LRANGE l 0 -1",
)

var listPosCases = script(
	"SET s x",
	"RPUSH l a b c 1 2 3 c c",
	"LPOS l c", "LPOS l c RANK 2", "LPOS l c RANK -1", "LPOS l c RANK -2", "LPOS l c RANK 4",
	"LPOS l c COUNT 0", "LPOS l c COUNT 2", "LPOS l c COUNT 0 RANK -1", "LPOS l c COUNT 2 RANK 2",
	"LPOS l c COUNT 0 MAXLEN 3", "LPOS l c MAXLEN 2", "LPOS l c MAXLEN 3", "LPOS l c RANK -1 MAXLEN 1",
	"LPOS l c RANK -1 COUNT 1 MAXLEN 1", "LPOS l zz", "LPOS l zz COUNT 1", "LPOS l zz COUNT 0",
	"LPOS l c RANK 0", "LPOS l c RANK x", "LPOS l c COUNT -1", "LPOS l c COUNT x", "LPOS l c MAXLEN -1",
	"LPOS l c MAXLEN x", "LPOS l c BOGUS", "LPOS l c COUNT", "LPOS l c RANK", "LPOS l c rank 1 count 1 maxlen 0",
	"LPOS l c RANK 1 RANK -1", "LPOS l c RANK 9223372036854775807", "LPOS l c RANK -9223372036854775807",
	"LPOS l a RANK -9223372036854775808", "LPOS l c COUNT 9223372036854775807",
	"LPOS nokey a", "LPOS nokey a COUNT 0", "LPOS nokey a RANK 0", "LPOS s a", "LPOS s a COUNT 1",
	"LPOS s a RANK 0", "LPOS l",
)

var listMoveCases = script(
	"SET s x",
	"RPUSH src a b c", "RPUSH dst x",
	"LMOVE src dst LEFT RIGHT", "LMOVE src dst RIGHT LEFT", "LMOVE src dst left left", "LMOVE src dst right right",
	"LRANGE src 0 -1", "LRANGE dst 0 -1", "EXISTS src",
	"LMOVE nokey dst LEFT RIGHT", "LMOVE nokey s LEFT RIGHT", "LMOVE s dst LEFT RIGHT", "LMOVE dst s LEFT RIGHT",
	"LMOVE dst new LEFT RIGHT", "LRANGE new 0 -1", "LMOVE dst dst MIDDLE RIGHT", "LMOVE dst dst LEFT MIDDLE",
	"LMOVE nokey dst MIDDLE RIGHT", "LMOVE dst dst LEFT", "LRANGE dst 0 -1",
	"LMOVE dst dst LEFT RIGHT", "LRANGE dst 0 -1", "LMOVE dst dst RIGHT LEFT", "LRANGE dst 0 -1",
	"LMOVE dst dst LEFT LEFT", "LMOVE dst dst RIGHT RIGHT", "LRANGE dst 0 -1",
	"DEL dst", "RPUSH one a", "LMOVE one one LEFT RIGHT", "LRANGE one 0 -1", "EXISTS one",
	"RPOPLPUSH one two", "EXISTS one", "LRANGE two 0 -1", "RPOPLPUSH nokey two", "RPOPLPUSH s two",
	"RPOPLPUSH two s", "RPOPLPUSH two two", "RPUSH two b", "RPOPLPUSH two two", "LRANGE two 0 -1",
	"RPOPLPUSH two", "RPOPLPUSH nokey s",
)

var listMpopCases = script(
	"SET s x",
	"RPUSH l a b c d e",
	"LMPOP 1 l LEFT", "LMPOP 1 l RIGHT", "LMPOP 1 l left COUNT 2", "LMPOP 1 l LEFT COUNT 10", "EXISTS l",
	"LMPOP 1 l LEFT", "LMPOP 2 nokey l LEFT", "RPUSH l a b c", "LMPOP 2 nokey l RIGHT COUNT 2",
	"LMPOP 2 s l LEFT", "LMPOP 2 l s LEFT", "LMPOP 1 s LEFT", "LMPOP 2 nokey nokey2 LEFT",
	"LMPOP 0 l LEFT", "LMPOP -1 l LEFT", "LMPOP x l LEFT", "LMPOP 1 l", "LMPOP 1 l MIDDLE",
	"LMPOP 2 l LEFT", "LMPOP 3 l LEFT", "LMPOP 1 l LEFT COUNT 0", "LMPOP 1 l LEFT COUNT -1",
	"LMPOP 1 l LEFT COUNT x", "LMPOP 1 l LEFT COUNT", "LMPOP 1 l LEFT COUNT 1 COUNT 2",
	"LMPOP 1 l LEFT BOGUS 1", "LMPOP 1 l LEFT 5", "LMPOP 9223372036854775807 l LEFT",
	"LMPOP 2147483648 l LEFT", "LMPOP 1 l l", "LMPOP 1", "LMPOP 1 l LEFT count 9223372036854775807",
	"LMPOP 2 l l RIGHT", "EXISTS l",
)

var listBlockingCases = script(
	"SET s x",
	"RPUSH l a b c", "RPUSH l2 x y",
	"BLPOP l 0", "BRPOP l 0", "BLPOP nokey l 0", "BRPOP nokey l2 0.5", "BLPOP l l2 1",
	"BLPOP l 0.01", "BRPOP nokey 0.01", "BLPOP nokey l 0.01",
	"BLPOP l x", "BLPOP l -1", "BLPOP l -0.5", "BLPOP l 1e30", "BLPOP l inf", "BLPOP l -inf", "BLPOP l nan",
	"BLPOP l ' 1'", "BLPOP l ''", "BLPOP l 1x", "BLPOP l", "BRPOP",
	"BLPOP s 0.01", "BLPOP nokey s 0.01", "BLPOP l2 s 0.01", "BRPOP s x",
	"RPUSH l a b",
	"BLMOVE l dst LEFT RIGHT 0", "BLMOVE l dst RIGHT LEFT 0.5", "LRANGE dst 0 -1", "EXISTS l",
	"BLMOVE l dst LEFT RIGHT 0.01", "BLMOVE l dst MIDDLE RIGHT 0", "BLMOVE l dst LEFT RIGHT x",
	"BLMOVE l dst x y x", "BLMOVE l dst LEFT RIGHT -1", "BLMOVE s dst LEFT RIGHT 0.01",
	"BLMOVE dst s LEFT RIGHT 0.01", "BLMOVE nokey s LEFT RIGHT 0.01", "BLMOVE l dst LEFT RIGHT",
	"BRPOPLPUSH dst l 0", "LRANGE l 0 -1", "BRPOPLPUSH dst l 0.01", "BRPOPLPUSH nokey l 0.01",
	"BRPOPLPUSH l s 0", "BRPOPLPUSH s l 0", "BRPOPLPUSH l l x", "BRPOPLPUSH l l -1", "BRPOPLPUSH l l",
	"RPUSH m a b c d",
	"BLMPOP 0 1 m LEFT", "BLMPOP 0.5 2 nokey m RIGHT COUNT 2", "BLMPOP 0 1 m LEFT COUNT 5", "EXISTS m",
	"BLMPOP 0.01 1 m LEFT", "BLMPOP 0.01 2 nokey m RIGHT COUNT 3",
	"BLMPOP 0.01 0 m LEFT", "BLMPOP 0.01 -1 m LEFT", "BLMPOP x 1 m LEFT", "BLMPOP 0.01 1 m LEFT COUNT 0",
	"BLMPOP 0.01 1 m MIDDLE", "BLMPOP 0.01 2 m LEFT", "BLMPOP -1 1 m LEFT", "BLMPOP -1 1 m MIDDLE",
	"BLMPOP x 0 m LEFT", "BLMPOP 0.01 2 s m LEFT", "RPUSH m a", "BLMPOP 0.01 2 m s LEFT",
	"BLMPOP 0.01 1 m LEFT COUNT 1 COUNT 1", "BLMPOP 0.01 1 m", "BLMPOP 0.01 1 m LEFT COUNT",
)

var listWrongTypeCases = script(
	"RPUSH l a b c", "HSET h f v", "SET s x",
	"GET l", "INCR l", "APPEND l x", "STRLEN l",
	"HGET l f", "HSET l f v", "HGETALL l", "HLEN l",
	"LPUSH h a", "LRANGE h 0 -1", "LLEN h", "LPOP h", "RPOP h", "LINDEX h 0", "LSET h 0 a", "LREM h 0 a",
	"LTRIM h 0 1", "LINSERT h before a b", "LPOS h a", "LMOVE h l LEFT RIGHT", "RPOPLPUSH l h", "LMPOP 1 h LEFT",
	"BLPOP h 0.01", "BLMOVE h l LEFT RIGHT 0.01", "BLMPOP 0.01 1 h LEFT",
	"TYPE l", "TYPE h", "TYPE s",
)

func TestDiffListPushPop(t *testing.T) { diffScript(t, listPushPopCases) }
func TestDiffListReads(t *testing.T)   { diffScript(t, listReadCases) }
func TestDiffListChanges(t *testing.T) { diffScript(t, listChangeCases) }
func TestDiffListPos(t *testing.T)     { diffScript(t, listPosCases) }
func TestDiffListMoves(t *testing.T)   { diffScript(t, listMoveCases) }
func TestDiffListMpop(t *testing.T)    { diffScript(t, listMpopCases) }
func TestDiffListBlocking(t *testing.T) {
	diffScript(t, listBlockingCases)
}
func TestDiffListWrongType(t *testing.T) { diffScript(t, listWrongTypeCases) }

// TestDiffListKeyCommands checks the generic key commands on lists.
func TestDiffListKeyCommands(t *testing.T) {
	diffScript(t, script(
		"RPUSH l a b c", "EXISTS l", "TYPE l", "EXPIRE l 100", "TTL l", "PERSIST l", "TTL l",
		"RENAME l l2", "EXISTS l", "LRANGE l2 0 -1", "COPY l2 l3", "LRANGE l3 0 -1", "LPUSH l3 z",
		"LRANGE l2 0 -1", "LRANGE l3 0 -1", "MOVE l3 1", "EXISTS l3", "SELECT 1", "LRANGE l3 0 -1",
		"SELECT 0", "DEL l2", "EXISTS l2", "RPUSH l a", "EXPIRE l 100", "RPOP l", "TTL l",
		"RPUSH l a", "TTL l", "DEL nokey",
	))
}
