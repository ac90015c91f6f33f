package server_test

import "testing"

// TestDiffMulti compares MULTI, EXEC and DISCARD with Redis, byte for
// byte, in RESP2 and RESP3: queueing, every error, runtime errors in
// EXEC's array, SELECT inside, blocking commands inside.
func TestDiffMulti(t *testing.T) {
	diffScript(t, script(
		"FLUSHALL", "SELECT 0",
		"EXEC", "EXEC x", "DISCARD", "DISCARD x", "MULTI x",
		"MULTI", "MULTI", "SET s x", "LPUSH s 1", "INCR s", "APPEND s y", "GET s", "PING", "ECHO e", "EXEC", "GET s",
		"MULTI", "EXEC",
		"MULTI", "FOO x", "SET s lost", "EXEC", "GET s",
		"MULTI", "GET", "EXEC",
		"MULTI", "MULTI x", "EXEC",
		"MULTI", "DISCARD x", "EXEC",
		"MULTI", "SAVE", "EXEC",
		"MULTI", "SHUTDOWN", "DISCARD",
		"MULTI", "SET s lost", "EXEC x", "EXEC", "GET s",
		"MULTI", "SET s lost", "DISCARD", "GET s",
		"MULTI", "SELECT 2", "SET q 1", "SELECT 3", "INCR q", "EXEC", "DBSIZE", "SELECT 2", "GET q", "SELECT 0",
		"MULTI", "SELECT 1", "GET s", "SELECT 99", "EXEC", "SELECT 0",
		"MULTI", "SET m 1", "DBSIZE", "MOVE m 5", "EXISTS m", "EXPIRE s 100", "TTL s", "PERSIST s", "EXEC",
		"MULTI", "BLPOP nol 0", "BRPOP nol 0", "BRPOPLPUSH nol x 0", "BLMOVE nol x LEFT RIGHT 0", "BLMPOP 0 1 nol LEFT", "EXEC",
		"MULTI", "RPUSH l a b", "BLPOP l 0", "BLMOVE l l2 LEFT RIGHT 0", "LRANGE l2 0 -1", "EXEC",
		"MULTI", "HSET h f 1", "HINCRBY h f x", "HINCRBY h f 2", "HGETALL h", "EXEC",
		"MULTI", "SET n 1", "INCRBY n 9223372036854775807", "GET n", "EXEC",
		"MULTI", "FLUSHDB", "DBSIZE", "EXEC",
		"MULTI", "GET", "SET s v", "DISCARD", "MULTI", "SET s v", "EXEC", "GET s",
	))
}
