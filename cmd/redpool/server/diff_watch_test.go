package server_test

import (
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffWatch compares WATCH and UNWATCH with Redis, byte for byte, in
// RESP2 and RESP3, with two connections: a's transactions watch keys that
// b (or a itself) writes, deletes, renames, moves, flushes, or only reads.
func TestDiffWatch(t *testing.T) {
	eachWatchDiff(t, func(a, b *servertest.Diff) {
		steps := []struct {
			d    *servertest.Diff
			line string
		}{}
		add := func(d *servertest.Diff, lines ...string) {
			for _, l := range lines {
				steps = append(steps, struct {
					d    *servertest.Diff
					line string
				}{d, l})
			}
		}
		tx := []string{"MULTI", "INCR x", "EXEC"}
		add(a, "FLUSHALL", "WATCH", "UNWATCH x", "SET x 1")
		// A write by another client breaks the transaction; a read does not.
		add(a, "WATCH x")
		add(b, "SET x 10")
		add(a, tx...)
		add(a, "WATCH x")
		add(b, "GET x", "EXISTS x")
		add(a, tx...)
		// A key that did not exist, then set.
		add(a, "WATCH nokey x")
		add(b, "SET nokey 1")
		add(a, tx...)
		// Writes that change nothing do not touch.
		add(a, "WATCH x nokey2")
		add(b, "SET x 0 NX", "DEL nokey2", "EXPIRE nokey2 10")
		add(a, tx...)
		// DEL, RENAME (both ends), EXPIRE, MOVE, SWAPDB, FLUSHDB, FLUSHALL.
		for _, write := range []string{"DEL x", "RENAME x y", "RENAME y x", "EXPIRE x 100", "MOVE x 1", "SWAPDB 0 1", "FLUSHDB", "FLUSHALL"} {
			add(b, "SET x 1", "SET y 1", "SELECT 1", "SET x 1", "SELECT 0")
			add(a, "WATCH x")
			add(b, write)
			add(a, tx...)
		}
		// A STORE changes its destination, not its sources.
		for _, write := range []string{"SINTERSTORE d s1 s2", "SUNIONSTORE d s1 s2", "SDIFFSTORE d s1 s2",
			"ZUNIONSTORE d 2 z1 z2", "ZINTERSTORE d 2 z1 z2", "ZDIFFSTORE d 2 z1 z2", "ZRANGESTORE d z1 0 -1",
			"SINTERSTORE d s1 nosuch", "ZINTERSTORE d 2 z1 nosuch"} {
			add(b, "SADD s1 a b", "SADD s2 b c", "ZADD z1 1 a 2 b", "ZADD z2 2 b 3 c", "SET d 1")
			add(a, "WATCH s1 z1")
			add(b, write)
			add(a, tx...)
			add(a, "WATCH d")
			add(b, write)
			add(a, tx...)
		}
		// A pop from one of several keys changes only that key.
		for _, write := range []string{"LMPOP 2 l1 l2 LEFT", "BLPOP l1 l2 0", "BRPOP l1 l2 0", "ZMPOP 2 z1 z2 MIN",
			"BZPOPMIN z1 z2 0", "BZMPOP 0 2 z1 z2 MAX"} {
			add(b, "DEL l1 l2 z1 z2", "RPUSH l2 x y", "ZADD z2 1 a 2 b")
			add(a, "WATCH l1 z1")
			add(b, write)
			add(a, tx...)
			add(a, "WATCH l2 z2")
			add(b, write)
			add(a, tx...)
		}
		// A write inside another client's EXEC.
		add(a, "WATCH x")
		add(b, "MULTI", "SET x 5", "EXEC")
		add(a, tx...)
		// The client's own write counts too.
		add(a, "WATCH x", "SET x 7")
		add(a, tx...)
		// UNWATCH, EXEC and DISCARD forget the watched keys.
		add(a, "WATCH x", "UNWATCH")
		add(b, "SET x 1")
		add(a, tx...)
		add(a, "WATCH x", "MULTI", "DISCARD")
		add(b, "SET x 1")
		add(a, tx...)
		add(b, "SET x 1")
		add(a, tx...)
		// WATCH inside MULTI is refused without dooming the transaction;
		// UNWATCH inside is queued.
		add(a, "MULTI", "WATCH x", "UNWATCH", "INCR x", "EXEC")
		// Keys of another database are other keys.
		add(a, "WATCH x")
		add(b, "SELECT 1", "SET x 3", "SELECT 0")
		add(a, tx...)
		add(a, "SELECT 1", "WATCH x", "SELECT 0")
		add(b, "SELECT 1", "SET x 4", "SELECT 0")
		add(a, tx...)
		// An aborted EXEC (a refused command, a refused EXEC, in MULTI or
		// not) also unwatches.
		add(a, "WATCH x", "MULTI", "NOSUCH", "EXEC")
		add(b, "SET x 1")
		add(a, tx...)
		add(a, "WATCH x", "MULTI", "EXEC x")
		add(b, "SET x 1")
		add(a, tx...)
		add(a, "WATCH x", "EXEC x")
		add(b, "SET x 1")
		add(a, tx...)
		// A touched key with a doomed transaction: EXECABORT first.
		add(a, "WATCH x")
		add(b, "SET x 1")
		add(a, "MULTI", "GET", "EXEC")
		// Watching the same key twice, and many keys.
		add(a, "WATCH x x", "WATCH x y z")
		add(b, "SET z 1")
		add(a, tx...)
		// Only keys that change count: DEL of an absent key, and FLUSHDB,
		// FLUSHALL or SWAPDB where the watched key exists on neither side,
		// do not touch it (Redis's touchAllWatchedKeysInDb).
		add(b, "FLUSHALL", "SET x 1")
		for _, write := range []string{"DEL x nokey", "UNLINK nokey x", "FLUSHDB", "FLUSHALL", "SWAPDB 0 1", "SWAPDB 1 0", "SWAPDB 0 0"} {
			add(b, "SET x 1", "SELECT 1", "SET other 1", "SELECT 0")
			add(a, "WATCH nokey")
			add(b, write)
			add(a, tx...)
		}
		// SWAPDB touches a watched key that exists on either side, in
		// both databases; SWAPDB of a database with itself touches nothing.
		for _, write := range []string{"SWAPDB 0 1", "SWAPDB 1 0", "SWAPDB 0 0"} {
			add(b, "FLUSHALL", "SELECT 1", "SET y 1", "SELECT 0", "SET z 1")
			add(a, "WATCH y")
			add(b, write)
			add(a, tx...)
			add(a, "SELECT 1", "WATCH z", "SELECT 0")
			add(b, write)
			add(a, tx...)
		}
		// SORT ... STORE touches only its destination, even when its
		// patterns make it lock everything.
		for _, write := range []string{"SORT l STORE d", "SORT l BY w_* GET # STORE d", "SORT l LIMIT 0 0 STORE d", "SORT l LIMIT 0 0 STORE d"} {
			add(b, "RPUSH l 2 1", "SELECT 1", "SET d 1", "SELECT 0")
			add(a, "WATCH l w_1", "SELECT 1", "WATCH d", "SELECT 0")
			add(b, write)
			add(a, tx...)
			add(a, "WATCH d")
			add(b, write)
			add(a, tx...)
		}
		// FLUSHALL touches watched keys of other databases that exist.
		add(b, "SELECT 1", "SET y 1", "SELECT 0")
		add(a, "SELECT 1", "WATCH y nokey", "SELECT 0")
		add(b, "FLUSHALL")
		add(a, tx...)
		add(a, "SELECT 1", "WATCH y nokey", "SELECT 0")
		add(b, "FLUSHALL")
		add(a, tx...)
		for _, st := range steps {
			st.d.Do(script(st.line)[0]...)
		}
	})
}

// TestDiffWatchExpired compares WATCH of a key that had already expired
// when it was watched: a later write that sets it touches it (Redis 7.0),
// deleting it or flushing the database does not.
func TestDiffWatchExpired(t *testing.T) {
	eachWatchDiff(t, func(a, b *servertest.Diff) {
		for _, write := range []string{"SET e 2", "DEL e", "FLUSHDB", "FLUSHALL", "SWAPDB 0 1"} {
			b.Do("SET", "e", "1", "PX", "1")
			// Whether the expired key is still stored (Redis's active
			// expiry may have removed it) does not change the outcome, so
			// waiting until the clock has passed its expiry is enough.
			waitPast(2 * time.Millisecond)
			a.Do("WATCH", "e")
			b.Do(strings.Fields(write)...)
			a.Do("MULTI")
			a.Do("PING")
			a.Do("EXEC")
		}
	})
}

// eachWatchDiff runs body on every backend and RESP version with two
// connections to Redis and to redpool: a watches, b writes.
func eachWatchDiff(t *testing.T, body func(a, b *servertest.Diff)) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, bk servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(bk.Apply))
		body(servertest.NewDiff(t, r.Addr, s.Addr, proto), servertest.NewDiff(t, r.Addr, s.Addr, proto))
	})
}

// waitPast returns once d of wall-clock time has passed.
func waitPast(d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}
