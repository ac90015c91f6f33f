package command

import (
	"testing"

	"redpool/backend"
)

// TestFuzzErrorKeepsBytes: an error reply echoing a client's argument
// carries the argument's bytes as sent, valid UTF-8 or not, with only CR
// and LF mapped to spaces (Redis 7.0.15's replies). The differential run
// of FuzzACLRules's corpus against redis-server found every such byte
// replaced by U+FFFD ("\xef\xbf\xbd").
func TestFuzzErrorKeepsBytes(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		e, err := NewEngine(Options{Backend: b, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		c := e.NewCtx(e.NewClient("a", "b"), nil)
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
