package server_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// Differential tests of the set family against a real Redis, in RESP2 and
// RESP3. Steps written "~ CMD ..." are compared regardless of element
// order (see diffUnordered); SRANDMEMBER and SPOP
// only where Redis's reply is deterministic (errors, empty and whole-set
// replies), the rest structurally in sets_test.go.

var setBasicCases = script(
	"SET str x", "RPUSH l a",
	"SADD s", "SADD", "SADD s a", "SADD s a b a c", "SADD s c d", "SADD str a", "SADD l a", "SADD s ''",
	"SREM s", "SREM s zz", "SREM nokey a", "SREM str a", "SREM s a zz a", "SREM s ''",
	"SCARD s", "SCARD nokey", "SCARD str", "SCARD", "SCARD s x",
	"SISMEMBER s b", "SISMEMBER s zz", "SISMEMBER nokey a", "SISMEMBER str a", "SISMEMBER s", "SISMEMBER s a b",
	"SMISMEMBER s b zz c", "SMISMEMBER nokey a b", "SMISMEMBER str a", "SMISMEMBER s",
	"~ SMEMBERS s", "SMEMBERS nokey", "SMEMBERS str", "SMEMBERS", "SMEMBERS s x",
	"SMOVE nokey dst a", "SMOVE nokey str a", "SMOVE s str b", "SMOVE str s a", "SMOVE s s b", "SMOVE s s zz",
	"SMOVE s dst zz", "EXISTS dst", "SMOVE s dst b", "SMEMBERS dst", "SMOVE s dst", "SMOVE s dst b x",
	"SADD one x", "SMOVE one dst x", "EXISTS one", "~ SMEMBERS dst", "SREM dst b x", "EXISTS dst", "TYPE s",
	"SADD ints 1 2 3 -5 9223372036854775807", "OBJECT ENCODING ints", "SADD ints 01", "OBJECT ENCODING ints",
	"SADD ints2 -0", "OBJECT ENCODING ints2", "SADD ints3 9223372036854775808", "OBJECT ENCODING ints3",
	"SADD ints4 ' 1'", "OBJECT ENCODING ints4", "OBJECT ENCODING s", "TYPE ints",
)

var setRandPopCases = script(
	"SET str x",
	"SRANDMEMBER nokey", "SRANDMEMBER nokey 5", "SRANDMEMBER nokey -5", "SRANDMEMBER nokey 0",
	"SRANDMEMBER nokey x", "SRANDMEMBER nokey 1.5", "SRANDMEMBER nokey -9223372036854775808",
	"SRANDMEMBER nokey 9223372036854775808", "SRANDMEMBER nokey 1 2", "SRANDMEMBER",
	"SRANDMEMBER str", "SRANDMEMBER str 0", "SRANDMEMBER str -1", "SRANDMEMBER str x",
	"SPOP nokey", "SPOP nokey 2", "SPOP nokey 0", "SPOP nokey -1", "SPOP nokey x", "SPOP nokey 1 2", "SPOP",
	"SPOP str", "SPOP str 0", "SPOP str -1", "SPOP str x",
	"SADD one x", "SRANDMEMBER one", "SRANDMEMBER one 1", "SRANDMEMBER one 5", "SRANDMEMBER one -3",
	"SRANDMEMBER one 0", "SRANDMEMBER one 9223372036854775807", "SRANDMEMBER one -9223372036854775807x",
	"SPOP one 0", "SPOP one", "EXISTS one", "SADD one y", "SPOP one 5", "EXISTS one",
	"SADD s a b c", "~ SRANDMEMBER s 3", "~ SRANDMEMBER s 100", "~ SPOP s 3", "EXISTS s",
	"SADD s a b c", "~ SPOP s 9223372036854775807", "SPOP s -9223372036854775808",
)

var setAlgebraCases = script(
	"SET str x",
	"SADD a 1 2 3 4", "SADD b 3 4 5", "SADD c 4 6", "SADD w x y 4",
	"SINTER a b c", "~ SINTER a b", "~ SINTER a", "SINTER a nokey", "SINTER nokey a", "SINTER nokey str",
	"SINTER a str", "SINTER str", "SINTER", "~ SINTER a w", "SINTER a a nokey",
	"~ SUNION a b c nokey", "SUNION nokey", "SUNION nokey str", "SUNION str", "SUNION", "~ SUNION w a",
	"~ SDIFF a b c", "~ SDIFF a nokey", "SDIFF nokey a", "SDIFF a a", "SDIFF nokey str", "SDIFF str", "SDIFF",
	"~ SDIFF w a",
	"SINTERSTORE d a b", "~ SMEMBERS d", "SUNIONSTORE d a b c", "SCARD d", "SDIFFSTORE d a b c", "~ SMEMBERS d",
	"SDIFFSTORE a2 a b", "OBJECT ENCODING d", "SUNIONSTORE d w", "OBJECT ENCODING d",
	"SINTERSTORE str c c b", "TYPE str", "SMEMBERS str", "EXPIRE d 100", "SUNIONSTORE d b", "TTL d",
	"SINTERSTORE d a nokey", "EXISTS d", "SUNIONSTORE d b", "SINTERSTORE d a c w", "SMEMBERS d",
	"SINTERSTORE d b 6", "EXISTS d", "SDIFFSTORE d nokey", "SUNIONSTORE d nokey",
	"SET str2 x", "SINTERSTORE d str2", "SUNIONSTORE d str2", "SDIFFSTORE d str2", "SDIFFSTORE d a str2",
	"SINTERSTORE str2 nokey", "EXISTS str2", "SET str2 x", "SUNIONSTORE str2 a", "TYPE str2",
	"SINTERSTORE d", "SUNIONSTORE d", "SDIFFSTORE d", "SINTERSTORE", "SDIFFSTORE a a b", "~ SMEMBERS a",
	"SADD x 1 2 3", "SADD y 1 2 3 4",
	"SINTERCARD 2 x y", "SINTERCARD 2 x y LIMIT 2", "SINTERCARD 2 x y limit 0", "SINTERCARD 2 x y LIMIT 5",
	"SINTERCARD 1 x", "SINTERCARD 1 x LIMIT 1 LIMIT 2", "SINTERCARD 2 x nokey", "SINTERCARD 1 nokey",
	"SINTERCARD 1 x LIMIT -1", "SINTERCARD 1 x LIMIT x", "SINTERCARD 1 x LIMIT", "SINTERCARD 1 x y",
	"SINTERCARD 0 x", "SINTERCARD -1 x", "SINTERCARD x x", "SINTERCARD 3 x y", "SINTERCARD 2 nokey str",
	"SINTERCARD 2 x str", "SINTERCARD 1", "SINTERCARD", "SINTERCARD 9223372036854775808 x",
	"SINTERCARD 1 x LIMIT 9223372036854775808", "SINTERCARD 1 x BOGUS 1",
	"COMMAND GETKEYS SINTERCARD 2 x y LIMIT 1", "COMMAND GETKEYS SINTERCARD 0 x", "COMMAND GETKEYS SINTERCARD 3 x y",
	"COMMAND GETKEYS SMOVE a b m", "COMMAND GETKEYS SINTERSTORE d a b", "COMMAND GETKEYS SDIFF a b c",
	"COMMAND GETKEYS SADD s m n", "COMMAND GETKEYS SSCAN s 0",
)

var setScanCases = script(
	"SET str x",
	"SSCAN nokey 0", "SSCAN nokey 0 bogus", "SSCAN nokey x", "SSCAN nokey 0 COUNT 0",
	"SSCAN str 0", "SSCAN str x", "SSCAN str 0 bogus",
	"SADD s a b c",
	"SSCAN s x", "SSCAN s -1 COUNT 0", "SSCAN s 0 COUNT 0", "SSCAN s 0 COUNT -1", "SSCAN s 0 COUNT x",
	"SSCAN s 0 BOGUS", "SSCAN s 0 MATCH", "SSCAN s 0 COUNT", "SSCAN s 0 TYPE set", "SSCAN s 0 NOVALUES",
	"SSCAN s", "SSCAN s 0 MATCH zz*", "SSCAN s 18446744073709551616", "SSCAN s 0 MATCH b",
	"~ SSCAN s 0", "~ SSCAN s 0 MATCH * COUNT 100", "SREM s a c", "SSCAN s 0",
	"SADD i 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20", "~ SSCAN i 0 COUNT 1", "~ SSCAN i 0 MATCH 1*",
	"CONFIG SET set-max-intset-entries 10", "SADD i2 1 2 3", "~ SSCAN i2 0 COUNT 1", "OBJECT ENCODING i2",
	"CONFIG SET set-max-intset-entries 512",
)

// diffUnordered compares args's replies regardless of element order: an
// SSCAN call's cursor exactly and its members in any order, any other
// reply with Diff.DoUnordered (its kind, array or set, still compared).
func diffUnordered(t *testing.T, d *servertest.Diff, args []string) {
	t.Helper()
	if !strings.EqualFold(args[0], "SSCAN") {
		d.DoUnordered(args...)
		return
	}
	rc, pc := d.Conns()
	want, got := rc.Do(args...), pc.Do(args...)
	d.Cases++
	wc, wm := parseScanReply(t, want)
	gc, gm := parseScanReply(t, got)
	slices.Sort(wm)
	slices.Sort(gm)
	if wc != gc || !slices.Equal(wm, gm) {
		t.Errorf("differs from Redis (unordered): %s\n redpool: %q\n   redis: %q", servertest.Quote(args), got, want)
	}
}

func TestDiffSetBasics(t *testing.T)   { diffScript(t, setBasicCases) }
func TestDiffSetRandPop(t *testing.T)  { diffScript(t, setRandPopCases) }
func TestDiffSetAlgebra(t *testing.T)  { diffScript(t, setAlgebraCases) }
func TestDiffSetScanCmds(t *testing.T) { diffScript(t, setScanCases) }

// TestDiffSetWhole compares whole-set replies regardless of order, and
// complete SSCAN iterations as sets of members, on sets small and large,
// of integers (intset) and of strings.
func TestDiffSetWhole(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		rc, pc := d.Conns()
		for _, n := range []int{1, 3, 20, 300, 600} {
			for _, prefix := range []string{"", "m:"} {
				key := "s" + prefix + strconv.Itoa(n)
				other := key + ":other"
				args := []string{"SADD", key}
				odd := []string{"SADD", other}
				for i := range n {
					args = append(args, prefix+strconv.Itoa(i))
					if i%3 == 0 {
						odd = append(odd, prefix+strconv.Itoa(i))
					}
				}
				d.Do(args...)
				d.Do(odd...)
				d.Do("SCARD", key)
				d.Do("OBJECT", "ENCODING", key)
				d.DoUnordered("SMEMBERS", key)
				d.DoUnordered("SRANDMEMBER", key, strconv.Itoa(n))
				d.DoUnordered("SRANDMEMBER", key, strconv.Itoa(n+5))
				d.DoUnordered("SINTER", key, other)
				d.DoUnordered("SUNION", other, key)
				d.DoUnordered("SDIFF", key, other)
				d.Do("SINTERCARD", "2", key, other)
				d.Do("SINTERCARD", "2", key, other, "LIMIT", "7")
				d.Do("SDIFFSTORE", key+":d", key, other)
				d.DoUnordered("SMEMBERS", key+":d")
				if got, want := sscanAll(t, pc, key, "MATCH", "*1*"), sscanAll(t, rc, key, "MATCH", "*1*"); got != want {
					t.Errorf("SSCAN %s MATCH *1* saw %s, Redis %s", key, got, want)
				}
				d.DoUnordered("SPOP", key, strconv.Itoa(n))
				d.Do("EXISTS", key)
			}
		}
		t.Logf("%d cases compared", d.Cases)
	})
}

// sscanAll runs an SSCAN iteration to the end with COUNT 5 and opts and
// returns the members seen, sorted and joined.
func sscanAll(t *testing.T, c *servertest.Conn, key string, opts ...string) string {
	t.Helper()
	seen := map[string]bool{}
	cursor := "0"
	for {
		next, elems := parseScanReply(t, c.Do(append([]string{"SSCAN", key, cursor, "COUNT", "5"}, opts...)...))
		for _, m := range elems {
			seen[m] = true
		}
		if cursor = next; cursor == "0" {
			break
		}
	}
	return strings.Join(sortedKeys(seen), ",")
}

// TestDiffSetKeyCommands checks the generic key commands on sets.
func TestDiffSetKeyCommands(t *testing.T) {
	diffScript(t, script(
		"SADD s a b", "EXISTS s", "TYPE s", "EXPIRE s 100", "TTL s", "PERSIST s", "TTL s",
		"RENAME s s2", "EXISTS s", "SISMEMBER s2 a", "COPY s2 s3", "SADD s3 c", "SCARD s2", "SCARD s3",
		"MOVE s3 1", "EXISTS s3", "SELECT 1", "SISMEMBER s3 c", "SELECT 0", "SCAN 0 TYPE set", "DEL s2", "EXISTS s2",
		"SADD s a", "EXPIRE s 100", "SREM s a", "TTL s", "SADD s a", "TTL s", "OBJECT ENCODING s",
	))
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
