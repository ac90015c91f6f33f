package server_test

import (
	"strconv"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestInfoLazyFree: INFO's lazyfree_pending_objects and lazyfreed_objects
// are bolt's background sweeper (a big list's elements reclaimed after its
// DEL, counted once done; CONFIG RESETSTAT clears the count) and 0 on the
// memory backend, which frees in place.
func TestInfoLazyFree(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		c := servertest.Dial(t, s.Addr)
		fields := func() (pending, freed string) {
			t.Helper()
			info := c.Do("INFO", "memory")
			return ops14InfoLine(t, info, "lazyfree_pending_objects"), ops14InfoLine(t, info, "lazyfreed_objects")
		}
		args := []string{"RPUSH", "big"}
		for i := range 20000 {
			args = append(args, strconv.Itoa(i))
		}
		if got := c.Do(args...); got != ":20000\r\n" {
			t.Fatalf("RPUSH: %q", got)
		}
		c.Do("CONFIG", "RESETSTAT")
		if got := c.Do("DEL", "big"); got != ":1\r\n" {
			t.Fatalf("DEL: %q", got)
		}
		want := "0"
		if b.Name == "bolt" {
			want = "1"
		}
		waitFor(t, "the sweeper to finish", func() bool {
			pending, freed := fields()
			return pending == "0" && freed == want
		})
		c.Do("CONFIG", "RESETSTAT")
		if pending, freed := fields(); pending != "0" || freed != "0" {
			t.Fatalf("after RESETSTAT: pending %s, freed %s", pending, freed)
		}
	})
}
