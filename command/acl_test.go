package command

import (
	"strings"
	"testing"

	"redpool/backend"
)

// aclTable is the full command table, for the rule tests.
func aclTable(t testing.TB) *Table {
	t.Helper()
	tb, err := NewTable(Families()...)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// TestACLRules applies rules to a new user and checks the description
// Redis would give back (single commands in table order).
func TestACLRules(t *testing.T) {
	tb := aclTable(t)
	tests := []struct {
		rules string
		want  string // describe(), or the error
	}{
		{"", "off resetchannels -@all"},
		{"on nopass", "on nopass resetchannels -@all"},
		{"on >a >b >a <b", "on #ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb resetchannels -@all"},
		{"~a ~a %R~a %W~b %RW~c allkeys", "off ~* resetchannels -@all"},
		{"%R~a %W~a", "off ~a resetchannels -@all"},
		{"&a &b* allchannels", "off &* -@all"},
		{"+@all -get -config|set", "off resetchannels +@all -config|set -get"},
		{"+get +set +client|id +select|0 +select|1 -@all +select|2", "off resetchannels -@all +select|2"},
		{"+get +set", "off resetchannels -@all +get +set"},
		{"+@all +@all nocommands allcommands", "off resetchannels +@all"},
		{"(~x +get) (&c +@all)", "off resetchannels -@all (~x resetchannels -@all +get) (resetchannels &c +@all)"},
		{"(~x +get) clearselectors", "off resetchannels -@all"},
		{"on >p ~a &b +@all (~x) reset", "off sanitize-payload resetchannels -@all"},
		{"skip-sanitize-payload", "off skip-sanitize-payload resetchannels -@all"},
		// Errors, as ACL SETUSER words them.
		{"+nosuch", "Error in ACL rule '+nosuch': Unknown command or category name in ACL"},
		{"-@nosuch", "Error in ACL rule '-@nosuch': Unknown command or category name in ACL"},
		{"bogus", "Error in ACL rule 'bogus': Syntax error"},
		{"%X~a", "Error in ACL rule '%X~a': Syntax error"},
		{"allkeys ~a", "Error in ACL rule '~a': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"},
		{"&* &a", "Error in ACL rule '&a': Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"},
		{"<x", "Error in ACL rule '<x': The password you are trying to remove from the user does not exist"},
		{"#x", "Error in ACL rule '#x': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"},
		{"+config|get|x", "Error in ACL rule '+config|get|x': Allowing first-arg of a subcommand is not supported"},
		{"+get|", "Error in ACL rule '+get|': Syntax error"},
		{"(~a", "Error in ACL rule '(~a': Unmatched parenthesis in selector definition"},
	}
	for _, tt := range tests {
		u := newUser(tb, "u")
		var got string
		if err := u.applyRules(tb, strings.Fields(tt.rules)); err != nil {
			got = err.Error()
		} else {
			got = u.describe(tb)
		}
		if got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.rules, got, tt.want)
		}
	}
}

// TestACLCheck runs commands through the dispatcher as restricted users,
// on both backends.
func TestACLCheck(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		e, err := NewEngine(Options{Backend: b, Clock: clk, ACL: &ACLOptions{
			RequirePass: "pw",
			Users: []ACLUserRules{
				{Name: "r", Rules: strings.Fields("on nopass %R~r* %W~w* ~b* -@all +get +set +incr +lpush +publish &ch")},
			},
		}})
		if err != nil {
			t.Fatal(err)
		}
		c := e.NewCtx(e.NewClient("a", "b"), nil)
		steps := []struct{ cmd, want string }{
			{"GET x", "-NOAUTH Authentication required.\r\n"},
			{"AUTH r x", "+OK\r\n"},
			{"GET r1", "$-1\r\n"},
			{"GET w1", "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"},
			{"SET w1 v", "+OK\r\n"},
			{"SET r1 v", "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"},
			{"LPUSH w2 v", ":1\r\n"},
			{"INCR w3", "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"},
			{"INCR b1", ":1\r\n"},
			{"DEL b1", "-NOPERM this user has no permissions to run the 'del' command\r\n"},
			{"PUBLISH ch m", ":0\r\n"},
			{"PUBLISH other m", "-NOPERM this user has no permissions to access one of the channels used as arguments\r\n"},
			{"AUTH nosuch bad", "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
			{"AUTH default pw", "+OK\r\n"},
			{"DEL b1", ":1\r\n"},
		}
		for _, s := range steps {
			if got := execAll(c, s.cmd); got != s.want {
				t.Errorf("%s: got %q, want %q", s.cmd, got, s.want)
			}
		}
		info := execAll(c, "INFO stats")
		for _, want := range []string{"acl_access_denied_auth:1\r\n", "acl_access_denied_cmd:1\r\n",
			"acl_access_denied_key:3\r\n", "acl_access_denied_channel:1\r\n"} {
			if !strings.Contains(info, want) {
				t.Errorf("INFO stats has no %q:\n%s", want, info)
			}
		}
	})
}

// FuzzACLRules applies arbitrary rules: nothing panics, and a user that
// took them describes itself in rules that give back the same user (but
// for patterns holding parentheses, which Redis describes just as
// ambiguously).
func FuzzACLRules(f *testing.F) {
	for _, s := range []string{
		"on >pw ~a* %R~b %W~c &ch +@read -get +config|get +select|0",
		"+@all -@dangerous (~x +set) (%RW~y &z* +@hash)",
		"allkeys allchannels nocommands +@string resetpass nopass",
		"reset clearselectors !0000000000000000000000000000000000000000000000000000000000000000",
		"(~a \"+get)\"", "%~", "%R", "~", "&", "+", "-", "(", "()", "+@", "+|x", "+client|", "skip-sanitize-payload",
	} {
		f.Add(s)
	}
	tb := aclTable(f)
	f.Fuzz(func(t *testing.T, rules string) {
		u := newUser(tb, "u")
		if err := u.applyRules(tb, strings.Split(rules, " ")); err != nil {
			return
		}
		if hasParenPattern(u) {
			return
		}
		desc := u.describe(tb)
		again := newUser(tb, "u")
		if err := again.applyRules(tb, strings.Split(desc, " ")); err != nil {
			t.Fatalf("rules %q describe as %q, which fail: %v", rules, desc, err)
		}
		if d := again.describe(tb); d != desc {
			t.Fatalf("rules %q describe as %q, read back as %q", rules, desc, d)
		}
	})
}

func hasParenPattern(u *aclUser) bool {
	for _, s := range u.selectors {
		for _, k := range s.keys {
			if strings.ContainsAny(k.pattern, "()") {
				return true
			}
		}
		for _, c := range s.channels {
			if strings.ContainsAny(c, "()") {
				return true
			}
		}
	}
	return false
}

// BenchmarkACLRestrictedGet is GET by a user with a key pattern, the slow
// path of the check.
func BenchmarkACLRestrictedGet(b *testing.B) {
	m, c := newMemoryCtx(b)
	_ = m
	if _, _, err := c.e.acl.setUser("u", strings.Fields("on nopass ~k* +@all")); err != nil {
		b.Fatal(err)
	}
	execAll(c, "AUTH u x", "SET k1 v")
	args := benchArgs("GET", "k1")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c.e.Exec(c, args)
		c.Reset()
	}
}
