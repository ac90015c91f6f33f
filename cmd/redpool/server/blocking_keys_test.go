package server_test

import (
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestBlockingWokenByKeyCommands: as in Redis, a list created by RENAME,
// COPY, MOVE or SWAPDB serves clients blocked on its name.
func TestBlockingWokenByKeyCommands(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		for _, tc := range []struct {
			name    string
			waitDB  string
			prepare [][]string
			trigger []string
			reply   string
		}{
			{"rename", "0", [][]string{{"RPUSH", "src", "a"}}, []string{"RENAME", "src", "dst"}, "+OK\r\n"},
			{"copy", "0", [][]string{{"RPUSH", "src", "b"}}, []string{"COPY", "src", "dst"}, ":1\r\n"},
			{"copy-db", "1", [][]string{{"RPUSH", "src", "c"}}, []string{"COPY", "src", "dst", "DB", "1"}, ":1\r\n"},
			{"move", "1", [][]string{{"RPUSH", "dst", "d"}}, []string{"MOVE", "dst", "1"}, ":1\r\n"},
			{"swapdb", "1", [][]string{{"RPUSH", "dst", "e"}}, []string{"SWAPDB", "0", "1"}, "+OK\r\n"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctl.Expect("+OK\r\n", "FLUSHALL")
				w := servertest.Dial(t, s.Addr)
				w.Expect("+OK\r\n", "SELECT", tc.waitDB)
				w.Send("BLPOP", "dst", "5")
				waitBlocked(t, ctl, 1)
				for _, p := range tc.prepare {
					ctl.Do(p...)
				}
				ctl.Expect(tc.reply, tc.trigger...)
				got := w.Read()
				if want := wire.Bulks("dst", tc.prepare[0][2]); got != want {
					t.Fatalf("woken client got %q, want %q", got, want)
				}
				waitBlocked(t, ctl, 0)
			})
		}
	})
}
