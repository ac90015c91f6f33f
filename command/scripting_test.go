package command

import (
	"crypto/sha1"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"

	"redpool/backend"
)

// execArgs runs one command given as separate arguments and returns its
// reply.
func execArgs(c *Ctx, args ...string) string {
	c.e.Exec(c, benchArgs(args...))
	out := string(c.Out())
	c.Reset()
	return out
}

// TestEvalTranscript checks EVAL's replies and errors byte for byte with
// Redis 7.0.15's.
func TestEvalTranscript(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		c, _ := newLoggedCtx(t, b, clk)
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"EVAL", "return 1", "0"}, ":1\r\n"},
			{[]string{"EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"}, "+OK\r\n"},
			{[]string{"EVAL", "return redis.call('get', KEYS[1])", "1", "k"}, "$1\r\nv\r\n"},
			{[]string{"EVAL", "return redis.call('get', 'nokey')", "0"}, "$-1\r\n"},
			{[]string{"EVAL", "return {1, 2.7, 'x', false, {ok='fine'}, nil, 3}", "0"}, "*5\r\n:1\r\n:2\r\n$1\r\nx\r\n$-1\r\n+fine\r\n"},
			{[]string{"EVAL", "return redis.call('nosuch')", "0"}, "-ERR Unknown Redis command called from script script: 206396248e12c6e742fd7296250433c8d7343b74, on @user_script:1.\r\n"},
			{[]string{"EVAL", "return redis.call('get')", "0"}, "-ERR Wrong number of args calling Redis command from script script: f187dee77f607f7cff00bbabc9df38507582c78d, on @user_script:1.\r\n"},
			{[]string{"EVAL", "return redis.call('incr','k')", "0"}, "-ERR value is not an integer or out of range script: 1f71dc1cd0b838440b29a02b9ecb8480e01af28a, on @user_script:1.\r\n"},
			{[]string{"EVAL", "return redis.pcall('incr','k')", "0"}, "-ERR value is not an integer or out of range\r\n"},
			{[]string{"EVAL", "x = 1", "0"}, "-ERR user_script:1: Attempt to modify a readonly table script: 34bce5f775de97f557a34088509c8bfe1ea17e52, on @user_script:1.\r\n"},
			{[]string{"EVAL", "return y", "0"}, "-ERR user_script:1: Script attempted to access nonexistent global variable 'y' script: e278681ed961e2fb52881313e5c90fdd93749940, on @user_script:1.\r\n"},
			{[]string{"EVAL", "return error('boom')", "0"}, "-ERR user_script:1: boom script: 57b11f4c6516f4ef2661c6423451796106f8393a, on @user_script:1.\r\n"},
			{[]string{"EVAL", "return error({err='My err'})", "0"}, "-My err script: 4cb2e3f0cd3a23d4acfb8bd1047f1f5d5b908af7, on @user_script:1.\r\n"},
			{[]string{"EVAL", "return redis.error_reply('My err')", "0"}, "-My err\r\n"},
			{[]string{"EVAL", "return redis.error_reply('-My err')", "0"}, "-My err\r\n"},
			{[]string{"EVAL", "return {err='x'}", "0"}, "-x\r\n"},
			{[]string{"EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"}, "-NOSCRIPT No matching script. Please use EVAL.\r\n"},
			{[]string{"EVAL", "return 1", "-1"}, "-ERR Number of keys can't be negative\r\n"},
			{[]string{"EVAL", "return 1", "3", "a"}, "-ERR Number of keys can't be greater than number of args\r\n"},
			{[]string{"EVAL", "return redis.call('multi')", "0"}, "-ERR This Redis command is not allowed from script script: c329a1a294be6bf95b44144f7502610661ae925a, on @user_script:1.\r\n"},
			{[]string{"EVAL", "return os.time()", "0"}, "-ERR user_script:1: Script attempted to access nonexistent global variable 'os' script: 13dea82ee9da896aebcd10f5e36f4a1eeb839b48, on @user_script:1.\r\n"},
			{[]string{"EVAL", "return redis.call()", "0"}, "-ERR Please specify at least one argument for this redis lib call script: 0a907e1429221a4d85516cab7fd219a82a9439d8, on @user_script:1.\r\n"},
			{[]string{"EVAL", "return redis.call('set','a',{})", "0"}, "-ERR Lua redis lib command arguments must be strings or integers script: f852c2a3a94e72447f50c0bcf1c270021162ffaf, on @user_script:1.\r\n"},
			{[]string{"EVAL", "rawset(_G, 'x', 1)", "0"}, "-ERR Attempt to modify a readonly table script: e2c706419da183d6229a1230c3be09cc32cdeee0, on @user_script:1.\r\n"},
			{[]string{"EVAL", "math.randomseed(0) return {math.random(100), math.random(2147483647)}", "0"}, "*2\r\n:18\r\n:1610402241\r\n"},
		} {
			if got := execArgs(c, tc.args...); got != tc.want {
				t.Errorf("%q: got %q, want %q", tc.args, got, tc.want)
			}
		}
	})
}

// TestEvalLogsEffects: a script's writes reach the log as the commands it
// ran, in MULTI ... EXEC when there are several; never as EVAL.
func TestEvalLogsEffects(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		c, log := newLoggedCtx(t, b, clk)
		execArgs(c, "EVAL", "redis.call('incr', KEYS[1]) redis.call('expire', KEYS[1], 100) return redis.call('get', KEYS[1])", "1", "n")
		want := []string{"MULTI", "0: incr n", "0: PEXPIREAT n 1700000100000", "EXEC"}
		if recs := log.take(); !reflect.DeepEqual(recs, want) {
			t.Errorf("records %q, want %q", recs, want)
		}
		execArgs(c, "EVAL", "return redis.call('set', 'x', 1)", "0")
		if recs := log.take(); !reflect.DeepEqual(recs, []string{"0: set x 1"}) {
			t.Errorf("records %q", recs)
		}
	})
}

// TestScriptInfo: INFO memory counts the cached scripts.
func TestScriptInfo(t *testing.T) {
	_, c := newMemoryCtx(t)
	execArgs(c, "EVAL", "return 1", "0")
	execArgs(c, "SCRIPT", "LOAD", "return 2")
	out := execArgs(c, "INFO", "memory")
	for _, want := range []string{"number_of_cached_scripts:2\r\n", "used_memory_scripts_eval:16\r\n", "used_memory_lua:"} {
		if !strings.Contains(out, want) {
			t.Errorf("INFO memory lacks %q:\n%s", want, out)
		}
	}
	execArgs(c, "SCRIPT", "FLUSH")
	if out := execArgs(c, "INFO", "memory"); !strings.Contains(out, "number_of_cached_scripts:0\r\n") {
		t.Errorf("after SCRIPT FLUSH:\n%s", out)
	}
}

// BenchmarkEvalshaGet is EVALSHA of a script doing one GET, in one client.
func BenchmarkEvalshaGet(b *testing.B) { benchEvalsha(b, "return redis.call('get', KEYS[1])", "k") }

// BenchmarkEvalshaIncrExpire is EVALSHA of INCR plus EXPIRE.
func BenchmarkEvalshaIncrExpire(b *testing.B) {
	benchEvalsha(b, "redis.call('incr', KEYS[1]) return redis.call('expire', KEYS[1], 100)", "n")
}

// benchEvalsha measures EVALSHA of script on key (there is a key "k").
func benchEvalsha(b *testing.B, script, key string) {
	_, c := newMemoryCtx(b)
	execArgs(c, "SET", "k", "v")
	sha := strings.Split(execArgs(c, "SCRIPT", "LOAD", script), "\r\n")[1]
	args := benchArgs("EVALSHA", sha, "1", key)
	execArgs(c, "EVALSHA", sha, "1", key)
	b.ReportAllocs()
	for b.Loop() {
		c.e.Exec(c, args)
		c.Reset()
	}
}

// goldenFunctionDump is FUNCTION DUMP from Redis 7.0.15 of one library,
// "golden" (its code LZF-compressed).
const goldenFunctionDump = "f5c3407940b61f23216c7561206e616d653d676f6c64656e0a72656469732e72656769737465720a5f66756e6374696f6e2827801f045f66272c20e00014126b6579732c2061726773292072657475726e20a027062027202e2e2028401a195b315d206f722027272920656e64290a2d2d2070616464696e67e02d07016e670a006bd395052d6a8101"

// TestFunctionDumpRestore: FUNCTION RESTORE takes Redis's payload (LZF
// and all), and our DUMP restores to the same libraries; a flipped byte is
// refused.
func TestFunctionDumpRestore(t *testing.T) {
	_, c := newMemoryCtx(t)
	payload, err := hex.DecodeString(goldenFunctionDump)
	if err != nil {
		t.Fatal(err)
	}
	if got := execArgs(c, "FUNCTION", "RESTORE", string(payload)); got != "+OK\r\n" {
		t.Fatalf("RESTORE of Redis's payload: %q", got)
	}
	if got, want := execArgs(c, "FCALL", "golden_f", "0", "x"), "$8\r\ngolden x\r\n"; got != want {
		t.Fatalf("FCALL %q, want %q", got, want)
	}
	if got := execArgs(c, "FUNCTION", "RESTORE", string(payload)); got != "-ERR Library 'golden' already exists\r\n" {
		t.Errorf("RESTORE APPEND of an existing library: %q", got)
	}
	dump := execArgs(c, "FUNCTION", "DUMP")
	ours := dump[strings.Index(dump, "\r\n")+2 : len(dump)-2]
	execArgs(c, "FUNCTION", "FLUSH")
	if got := execArgs(c, "FUNCTION", "RESTORE", ours, "REPLACE"); got != "+OK\r\n" {
		t.Fatalf("RESTORE of our payload: %q", got)
	}
	if got, want := execArgs(c, "FCALL_RO", "golden_f", "0"), "-ERR Can not execute a script with write flag using *_ro command.\r\n"; got != want {
		t.Errorf("FCALL_RO %q, want %q", got, want)
	}
	bad := []byte(ours)
	bad[3] ^= 1
	if got := execArgs(c, "FUNCTION", "RESTORE", string(bad), "FLUSH"); got != "-ERR DUMP payload version or checksum are wrong\r\n" {
		t.Errorf("corrupt payload: %q", got)
	}
	if got := execArgs(c, "FCALL", "golden_f", "0"); got != "$7\r\ngolden \r\n" {
		t.Errorf("a refused RESTORE FLUSH changed the libraries: %q", got)
	}
}

// TestScriptMemoryLimit: a script that builds a huge table is stopped with
// a clear error, and the VM serves the next script.
func TestScriptMemoryLimit(t *testing.T) {
	_, c := newMemoryCtx(t)
	c.e.scripts.memLimit = 64 << 20
	got := execArgs(c, "EVAL", "local t = {} for i = 1, 1e8 do t[i] = 'x' .. i end return #t", "0")
	if want := "-ERR Script used more memory than the scripting memory limit allows (lua-memory-limit) script: "; !strings.HasPrefix(got, want) {
		t.Fatalf("got %q, want %q...", got, want)
	}
	if got := execArgs(c, "EVAL", "return 1", "0"); got != ":1\r\n" {
		t.Fatalf("next script: %q", got)
	}
}

// TestScriptLocking: a script learns what to lock. Its first run locks
// everything; one that kept to KEYS then locks only them, and when a later
// run reaches an undeclared key before writing, it is run again locking
// everything, once, even if it catches the failure with pcall.
func TestScriptLocking(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		c, log := newLoggedCtx(t, b, clk)
		script := "if ARGV[1] == 'x' then pcall(redis.call, 'get', 'other') end return redis.call('incr', KEYS[1])"
		sha := sha1hex(script)
		execArgs(c, "SCRIPT", "LOAD", script)
		sc := c.e.scripts.lookup([]byte(sha))
		if got := execArgs(c, "EVALSHA", sha, "1", "n", "-"); got != ":1\r\n" {
			t.Fatalf("first run %q", got)
		}
		if l := locking(sc.locking.Load()); l != lockDeclared {
			t.Fatalf("after a run within KEYS: locking %d, want lockDeclared", l)
		}
		if got := execArgs(c, "EVALSHA", sha, "1", "n", "x"); got != ":2\r\n" {
			t.Fatalf("run reaching an undeclared key: %q", got)
		}
		if l := locking(sc.locking.Load()); l != lockAll {
			t.Fatalf("after an undeclared key: locking %d, want lockAll", l)
		}
		if got := execArgs(c, "EVALSHA", sha, "1", "n", "x"); got != ":3\r\n" {
			t.Fatalf("run locking everything: %q", got)
		}
		if recs := log.take(); !reflect.DeepEqual(recs, []string{"0: incr n", "0: incr n", "0: incr n"}) {
			t.Errorf("records %q", recs)
		}
	})
}

func sha1hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
