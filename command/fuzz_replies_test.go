package command

import (
	"testing"

	"redpool/backend"
	"redpool/persistence/rdb"
)

// fuzzEachCtx runs body with a client of a fresh engine on each backend.
func fuzzEachCtx(t *testing.T, body func(t *testing.T, c *Ctx)) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		e, err := NewEngine(Options{Backend: b, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		body(t, e.NewCtx(e.NewClient("a", "b"), nil))
	})
}

// TestFuzzErrorKeepsBytes: an error reply echoing a client's argument
// carries the argument's bytes as sent, valid UTF-8 or not, with only CR
// and LF mapped to spaces (Redis 7.0.15's replies). The differential run
// of FuzzACLRules's corpus against redis-server found every such byte
// replaced by U+FFFD ("\xef\xbf\xbd").
func TestFuzzErrorKeepsBytes(t *testing.T) {
	fuzzEachCtx(t, func(t *testing.T, c *Ctx) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"ACL", "SETUSER", "u", "+\xab"},
				"-ERR Error in ACL SETUSER modifier '+\xab': Unknown command or category name in ACL\r\n"},
			{[]string{"XX\xab", "a\r\xffb"},
				"-ERR unknown command 'XX\xab', with args beginning with: 'a \xffb' \r\n"},
			{[]string{"OBJECT", "\xfe\xff"},
				"-ERR unknown subcommand '\xfe\xff'. Try OBJECT HELP.\r\n"},
			{[]string{"EVAL", `return redis.error_reply('E \171\255\r\n x')`, "0"},
				"-E \xab\xff   x\r\n"},
		} {
			if got := execArgs(c, tc.args...); got != tc.want {
				t.Errorf("%q: got %q, want %q", tc.args, got, tc.want)
			}
		}
	})
}

// TestFuzzFunctionRestoreBadLibrary: FUNCTION RESTORE of a payload whose
// footer is right but whose library code cannot be read replies as Redis
// 7.0.15's rdbFunctionLoad does, and compiles each library before reading
// the next, so that a bad library's error comes first (the differential
// run of FuzzFunctionRestore's corpus found "DUMP payload version or
// checksum are wrong" for all of these). Nothing is restored.
func TestFuzzFunctionRestoreBadLibrary(t *testing.T) {
	lib := "\xf5\x40\x42#!lua name=l\nredis.register_function('f', function() return 1 end)"
	fuzzEachCtx(t, func(t *testing.T, c *Ctx) {
		for _, tc := range []struct{ body, want string }{
			{"\xf5\x40\x64abc", "-ERR Failed loading library payload\r\n"},       // longer than the payload
			{"\xf5\xc3\x05\x0aabcde", "-ERR Failed loading library payload\r\n"}, // bad LZF
			{lib + "\xf5\x40\x64abc", "-ERR Failed loading library payload\r\n"},
			{lib + "\x01", "-ERR given type is not a function\r\n"},
			{"\xf5\x05abcde\xf5\x40\x64abc", "-ERR Missing library metadata\r\n"},
			{"\xf5\x05abcde\x01", "-ERR Missing library metadata\r\n"},
		} {
			p := rdb.AppendDumpFooter([]byte(tc.body))
			if got := execArgs(c, "FUNCTION", "RESTORE", string(p)); got != tc.want {
				t.Errorf("%q: got %q, want %q", tc.body, got, tc.want)
			}
			if got := execArgs(c, "FUNCTION", "LIST"); got != "*0\r\n" {
				t.Errorf("%q: FUNCTION LIST %q", tc.body, got)
			}
		}
	})
}

// TestFuzzFunctionLibMeta: a library's first line is read as Redis
// 7.0.15's functionExtractLibMetaData (split as sdssplitargs, "name=" in
// any case and at most once, a NUL ending the line) and
// functionsCreateWithLibraryCtx (the name checked before the engine, the
// engine's name in any case) do. The differential run of
// FuzzFunctionRestore's corpus found "Engine '...' not found" where Redis
// says the name is missing or bad.
func TestFuzzFunctionLibMeta(t *testing.T) {
	const body = "\nredis.register_function('f', function() return 1 end)"
	fuzzEachCtx(t, func(t *testing.T, c *Ctx) {
		const badName = "-ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long\r\n"
		for _, tc := range []struct{ line, want string }{
			{"#!LUA name=x", "$1\r\nx\r\n"},
			{"#!lua NAME=x", "$1\r\nx\r\n"},
			{`#!lua name="x"`, "$1\r\nx\r\n"},
			{`#!"lua" name=x`, "$1\r\nx\r\n"},
			{"#!lua\tname=x  \r", "$1\r\nx\r\n"},
			{"#!lua name= name=x", "-ERR Invalid metadata value, name argument was given multiple times\r\n"},
			{"#!js name=x", "-ERR Engine 'js' not found\r\n"},
			{"#! name=x", "-ERR Engine '' not found\r\n"},
			{"#!js name=x-y", badName},
			{`#!lua "name=\x00a"`, badName},
			{"#!js foo", "-ERR Invalid metadata value given: foo\r\n"},
			{"#!js", "-ERR Library name was not given\r\n"},
			{`#!lua name="x`, "-ERR Invalid library metadata\r\n"},
			{"#!lua name=x\x00y", "-ERR Invalid library metadata\r\n"},
			{"#!lua na\x00me=x", "-ERR Invalid library metadata\r\n"},
		} {
			execArgs(c, "FUNCTION", "FLUSH")
			if got := execArgs(c, "FUNCTION", "LOAD", tc.line+body); got != tc.want {
				t.Errorf("%q: got %q, want %q", tc.line, got, tc.want)
			}
		}
	})
}

// TestFuzzACLErrorNUL: ACL SETUSER's errors show the rule up to its first
// NUL, as Redis 7.0.15's addReplyErrorFormat("...'%s'...") does (found by
// replaying FuzzACLRules's corpus against redis-server).
func TestFuzzACLErrorNUL(t *testing.T) {
	fuzzEachCtx(t, func(t *testing.T, c *Ctx) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"ACL", "SETUSER", "u", "+@a\x00ll"},
				"-ERR Error in ACL SETUSER modifier '+@a': Unknown command or category name in ACL\r\n"},
			{[]string{"ACL", "SETUSER", "u", "~00\x000"},
				"-ERR Error in ACL SETUSER modifier '~00': Syntax error\r\n"},
			{[]string{"ACL", "SETUSER", "u", "(~a\x00b", "+get"},
				"-ERR Unmatched parenthesis in acl selector starting at '(~a'.\r\n"},
		} {
			execArgs(c, "ACL", "DELUSER", "u")
			if got := execArgs(c, tc.args...); got != tc.want {
				t.Errorf("%q: got %q, want %q", tc.args, got, tc.want)
			}
		}
	})
}
