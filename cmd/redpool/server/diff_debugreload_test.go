package server_test

import (
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// debugReloadModes are the persistence configurations DEBUG RELOAD is
// compared in (servertest's bolt turns "aof" into none).
var debugReloadModes = []config.PersistMode{config.ModeNone, config.ModeSnapshot, config.ModeAOF}

// debugReloadFill writes a dataset of every type into databases 0, 1 and
// 9 of both servers: strings of each encoding, lists, hashes, sets, sorted
// sets, streams with a group, a consumer and pending entries, keys with an
// expiry, and a function library.
func debugReloadFill(d *servertest.Diff) {
	for _, c := range [][]string{
		{"SET", "int", "12345"}, {"SET", "emb", "hello"}, {"SET", "raw", "a-string-longer-than-forty-four-bytes-for-raw-encoding"},
		{"RPUSH", "l", "a", "b", "1", "2"}, {"HSET", "h", "f", "v", "n", "7"}, {"SADD", "is", "1", "2", "3"}, {"SADD", "s", "x", "y"},
		{"ZADD", "z", "1", "a", "2.5", "b"}, {"SET", "ttl", "v", "PX", "100000000"}, {"HSET", "hx", "f", "v"}, {"PEXPIRE", "hx", "50000000"},
		{"XADD", "x", "1-1", "f", "v"}, {"XADD", "x", "2-1", "f", "w"}, {"XADD", "x", "3-1", "g", "1"},
		{"XGROUP", "CREATE", "x", "grp", "0"}, {"XREADGROUP", "GROUP", "grp", "alice", "COUNT", "2", "STREAMS", "x", ">"},
		{"XGROUP", "CREATE", "x", "late", "$"}, {"XACK", "x", "grp", "1-1"},
		{"SELECT", "1"}, {"SET", "one", "1"}, {"LPUSH", "l1", "z"},
		{"SELECT", "9"}, {"HSET", "h9", "a", "b"}, {"SET", "t9", "x", "EX", "100000"},
		{"SELECT", "0"},
		{"FUNCTION", "LOAD", "#!lua name=rl\nredis.register_function('rlf', function() return 'rl' end)"},
	} {
		d.Do(c...)
	}
}

// debugReloadCheck compares what a reload must keep: the digest, the
// sizes of the databases, values, expiries, the stream's groups and
// consumers, the function.
func debugReloadCheck(d *servertest.Diff) {
	d.Do("DEBUG", "DIGEST")
	for _, db := range []string{"0", "1", "9"} {
		d.Do("SELECT", db)
		d.Do("DBSIZE")
	}
	d.Do("SELECT", "0")
	for _, c := range [][]string{
		{"GET", "int"}, {"OBJECT", "ENCODING", "int"}, {"OBJECT", "ENCODING", "emb"}, {"OBJECT", "ENCODING", "raw"},
		{"LRANGE", "l", "0", "-1"}, {"HGETALL", "h"}, {"SMEMBERS", "is"}, {"ZRANGE", "z", "0", "-1", "WITHSCORES"},
		{"XRANGE", "x", "-", "+"}, {"XINFO", "GROUPS", "x"}, {"XPENDING", "x", "grp"},
		{"DEBUG", "DIGEST-VALUE", "x", "h", "l", "ttl"}, {"FCALL", "rlf", "0"}, {"FUNCTION", "LIST"},
	} {
		d.Do(c...)
	}
	d.DoTTL("hx")
	d.DoTTL("ttl")
}

// TestDiffDebugReload compares DEBUG RELOAD and its options with a real
// Redis, on both backends, in RESP2 and RESP3, with no persistence,
// snapshots and the AOF: the replies, and a dataset of every type in
// several databases that is the same afterwards (DEBUG DIGEST, values,
// expiries, stream groups, functions). DEBUG LOADAOF is compared where
// redpool has an AOF (Redis runs with one throughout).
func TestDiffDebugReload(t *testing.T) {
	for _, mode := range debugReloadModes {
		t.Run(string(mode), func(t *testing.T) {
			servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
				r := servertest.StartRedis(t, "--enable-debug-command", "yes", "--appendonly", "yes")
				s := servertest.Start(t, servertest.WithConfig(func(c *config.Config) {
					c.Persistence.Mode = mode
					b.Apply(c)
					c.DebugCommand = config.AllowYes
				}))
				d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
				// No file yet: NOSAVE empties the data and fails, as Redis.
				d.Do("SET", "a", "1")
				d.Do("DEBUG", "RELOAD", "NOSAVE")
				d.Do("DBSIZE")
				for _, c := range [][]string{
					{"DEBUG", "RELOAD", "BOGUS"}, {"DEBUG", "RELOAD", "MERGE", "x"}, {"debug", "reload", "merge", "noflush", "nosave", "nosave", "bad"},
				} {
					d.Do(c...)
				}
				debugReloadFill(d)
				debugReloadCheck(d)
				for _, opts := range [][]string{{}, {"MERGE"}, {"nosave"}, {"NOSAVE", "MERGE"}} {
					d.Do(append([]string{"DEBUG", "RELOAD"}, opts...)...)
					debugReloadCheck(d)
				}
				// NOSAVE loads the file saved before: later writes are lost,
				// keys that were deleted come back.
				d.Do("DEBUG", "RELOAD")
				d.Do("SET", "later", "1")
				d.Do("DEL", "int")
				d.Do("DEBUG", "RELOAD", "NOSAVE")
				d.Do("EXISTS", "later", "int")
				// NOFLUSH MERGE adds the file to what is there.
				d.Do("SET", "extra", "1")
				d.Do("SET", "emb", "changed")
				d.Do("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE")
				d.Do("MGET", "extra", "emb")
				d.Do("DEL", "extra")
				debugReloadCheck(d)
				// In a transaction, and WATCH: the flush touches watched keys.
				d.Do("WATCH", "emb")
				d.Do("DEBUG", "RELOAD")
				d.Do("MULTI")
				d.Do("GET", "emb")
				d.Do("EXEC")
				d.Do("MULTI")
				d.Do("DEBUG", "RELOAD")
				d.Do("GET", "emb")
				d.Do("EXEC")
				debugReloadCheck(d)
				// RDB changes since the last save: none after a reload.
				rc, pc := d.Conns()
				d.Do("SET", "dirty", "1")
				d.Do("DEBUG", "RELOAD")
				if mode == config.ModeSnapshot {
					for _, c := range []*servertest.Conn{rc, pc} {
						if got := ops14InfoLine(t, c.Do("INFO", "persistence"), "rdb_changes_since_last_save"); got != "0" {
							t.Errorf("rdb_changes_since_last_save after DEBUG RELOAD: %s", got)
						}
					}
				}
				// LOADAOF.
				if s.Config.Persistence.Mode == config.ModeAOF {
					d.Do("SET", "fromaof", "1")
					d.Do("DEBUG", "LOADAOF")
					d.Do("GET", "fromaof")
					// Not XINFO GROUPS: a group's entries-read after an AOF
					// replay differs (what redpool logs for XREADGROUP).
					d.Do("DEBUG", "DIGEST")
					d.Do("XPENDING", "x", "grp")
				} else {
					pc.Expect("-ERR\r\n", "DEBUG", "LOADAOF")
					pc.Expect(":1\r\n", "EXISTS", "emb")
				}
				if s.Config.Persistence.Mode == config.ModeAOF {
					d.Do("DEBUG", "LOADAOF", "x") // Redis 7.0 takes any arguments
				}
			})
		})
	}
}
