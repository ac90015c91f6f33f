package server_test

import (
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// limits20OOMLibrary holds a function of each kind of flags: none (f,
// j), no-writes (g, k), allow-oom (h), and one that writes with pcall (i).
const limits20OOMLibrary = "#!lua name=oomlib\n" +
	"redis.register_function('f', function() return redis.call('set','k','v') end)\n" +
	"redis.register_function{function_name='g', callback=function() return 1 end, flags={'no-writes'}}\n" +
	"redis.register_function{function_name='h', callback=function() return redis.call('set','k','v') end, flags={'allow-oom'}}\n" +
	"redis.register_function{function_name='i', callback=function() return redis.pcall('set','k','v') end}\n" +
	"redis.register_function('j', function() return 1 end)\n" +
	"redis.register_function{function_name='k', callback=function() return redis.call('set','k','v') end, flags={'no-writes'}}\n"

// TestDiffLimits20ScriptOOM: over maxmemory with noeviction, scripts
// behave as in Redis 7.0, byte for byte in RESP2 and RESP3. A script
// without a shebang runs, but its redis.call of a denyoom command raises
// the -OOM error (pcall returns it), unless a write ran before it in the
// script; reads and DEL still work. A script with a shebang, and every
// function, is refused at the start unless its flags say no-writes or
// allow-oom; allow-oom lets it write. FUNCTION LOAD is denyoom too. bolt
// refuses maxmemory, so the over-the-limit part runs on memory only.
func TestDiffLimits20ScriptOOM(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		if b.Name != "memory" {
			t.Skip("bolt refuses maxmemory (TestBoltRefusesMaxmemory)")
		}
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Both("FUNCTION", "FLUSH")
		d.Do("FUNCTION", "LOAD", limits20OOMLibrary)
		d.Do("SET", "k", "old")
		d.Do("SCRIPT", "LOAD", "return redis.call('set','k','v')")
		d.Do("SCRIPT", "LOAD", "#!lua flags=allow-oom\nreturn redis.call('set','k','v')")
		d.Do("SCRIPT", "LOAD", "#!lua\nreturn 1")
		defer d.Both("CONFIG", "SET", "maxmemory", "0")
		d.Do("CONFIG", "SET", "maxmemory", "1", "maxmemory-policy", "noeviction")
		for _, c := range [][]string{
			{"SET", "x", "y"},
			// No shebang: checked at redis.call.
			{"EVAL", "return redis.call('set','k','v')", "0"},
			{"EVAL", "return redis.pcall('set','k','v')", "0"},
			{"EVAL", "local ok, e = pcall(redis.call,'set','k','v'); return e", "0"},
			{"EVAL", "return redis.call('incr','n')", "0"},
			{"EVAL", "return redis.call('get','k')", "0"},
			{"EVAL", "local r = redis.call('get','k'); return redis.call('set','k','v')", "0"},
			{"EVAL", "redis.pcall('set','k','v'); return redis.call('set','k','v')", "0"},
			{"EVAL", "redis.call('expire','nokey', 10); return redis.call('set','k','v')", "0"},
			{"EVAL", "return redis.call('del','nokey')", "0"},
			{"EVALSHA", "d223ed8c7345b684e8ed044ed472601f536fa58b", "0"},
			{"EVAL_RO", "return redis.call('get','k')", "0"},
			{"EVAL_RO", "return 1", "0"},
			// A shebang: checked at the start.
			{"EVAL", "#!lua\nreturn 1", "0"},
			{"EVAL_RO", "#!lua\nreturn 1", "0"},
			{"EVALSHA", "cb70127618f0b0be70c53cf6bfcfa54a29d9b0c0", "0"},
			{"EVAL", "#!lua flags=no-writes\nreturn redis.call('get','k')", "0"},
			{"EVAL", "#!lua flags=no-writes\nreturn redis.call('set','k','v')", "0"},
			{"EVAL", "#!lua flags=allow-oom\nreturn redis.call('incr','n2')", "0"},
			{"EVALSHA", "e9619c5f422463fe9259d41995f718262c50beb7", "0"},
			{"EVAL", "#!lua flags=no-writes,allow-oom\nreturn 1", "0"},
			{"EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"},
			// Functions.
			{"FCALL", "f", "0"}, {"FCALL", "g", "0"}, {"FCALL", "h", "0"}, {"FCALL_RO", "g", "0"},
			{"FCALL", "i", "0"}, {"FCALL", "j", "0"}, {"FCALL", "k", "0"}, {"FCALL_RO", "j", "0"},
			{"FCALL", "nofunc", "0"},
			{"FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('o', function() return 1 end)"},
			// Inside MULTI every command but EXEC and DISCARD is refused.
			{"MULTI"}, {"EVAL", "return 1", "0"}, {"EXEC"},
			{"XGROUP", "CREATE", "nostream", "g", "$", "MKSTREAM"},
			{"GET", "k"}, {"GET", "n2"},
		} {
			d.Do(c...)
		}
		// EXEC is refused when it would run a script refused at its
		// start, found over the limit only at EXEC (another client lowered
		// it); a script checked at redis.call runs and is refused there.
		other := func(args ...string) {
			for _, addr := range []string{r.Addr, s.Addr} {
				servertest.Dial(t, addr).Do(args...)
			}
		}
		for _, script := range []string{"#!lua\nreturn 1", "return redis.call('set','k','v')"} {
			other("CONFIG", "SET", "maxmemory", "0")
			d.Do("MULTI")
			d.Do("EVAL", script, "0")
			d.Do("GET", "k")
			other("CONFIG", "SET", "maxmemory", "1")
			d.Do("EXEC")
		}
	})
}
