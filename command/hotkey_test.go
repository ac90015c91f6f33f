package command

import (
	"slices"
	"testing"

	"redpool/backend/memory"
)

// hotkeyPrefetchSpy is a memory backend that notes the key lists Prefetch
// gets.
type hotkeyPrefetchSpy struct {
	*memory.Memory
	calls [][]string
}

func (s *hotkeyPrefetchSpy) Prefetch(db int, keys [][]byte) uint64 {
	var ks []string
	for _, k := range keys {
		ks = append(ks, string(k))
	}
	s.calls = append(s.calls, ks)
	return s.Memory.Prefetch(db, keys)
}

// TestHotkeyPrefetchDistinct: Prefetch leaves out a key equal to one of
// the few keys before it, and warms nothing when one key is left (a
// pipeline on one hot key), so that it takes no lock of that key's shard;
// it stops reading after a run of such commands.
func TestHotkeyPrefetchDistinct(t *testing.T) {
	m := memory.New(memory.Options{ExpiryInterval: -1})
	t.Cleanup(func() { _ = m.Close() })
	spy := &hotkeyPrefetchSpy{Memory: m}
	e, err := NewEngine(Options{Backend: spy})
	if err != nil {
		t.Fatal(err)
	}
	c := e.NewCtx(e.NewClient("a", "b"), nil)
	for _, tc := range []struct {
		lines []string
		want  [][]string // the calls of the backend's Prefetch
	}{
		{[]string{"SETBIT b 7 1", "SETBIT b 9 1", "GET b"}, nil},
		{[]string{"INCR k", "INCR k", "INCR j", "INCR j", "INCR k"}, [][]string{{"k", "j"}}},
		{[]string{"MULTI", "SET k v", "INCR n", "EXEC", "MULTI", "SET k v", "INCR n", "EXEC"}, [][]string{{"k", "n"}}},
		{[]string{"MGET k k", "GET k"}, [][]string{{"k", "k"}}},
		{[]string{"PING", "GET k"}, nil},
		// Eight commands in a row on keys just seen: the rest is not read.
		{[]string{"GET k", "GET n", "GET k", "GET n", "GET k", "GET n", "GET k", "GET n", "GET k", "GET n", "GET x"}, [][]string{{"k", "n"}}},
		// A new key starts the count again.
		{[]string{"GET k", "GET n", "GET k", "GET n", "GET k", "GET n", "GET k", "GET x", "GET k", "GET y"}, [][]string{{"k", "n", "x", "y"}}},
	} {
		spy.calls = nil
		e.Prefetch(c, sharedlockCmds(tc.lines...))
		if !slices.EqualFunc(spy.calls, tc.want, slices.Equal) {
			t.Errorf("Prefetch(%q) warmed %q, want %q", tc.lines, spy.calls, tc.want)
		}
	}
}

// TestHotkeySetbitWarm: a shared run of SETBIT, which warms the bytes its
// commands write after the first one ran, replies and leaves the value as
// the commands one by one, on a string, a missing key and a list.
func TestHotkeySetbitWarm(t *testing.T) {
	for _, tc := range []struct {
		setup string
		lines []string
	}{
		{"SET b ab", []string{"SETBIT b 3 1", "SETBIT b 9 0", "SETBIT b x 1", "SETBIT b 15 1", "SETBIT b 100 1", "SETBIT b 3 0"}},
		{"DEL b", []string{"SETBIT b 12 1", "SETBIT b 4 1", "SETBIT b 40 1"}},
		{"RPUSH b x", []string{"SETBIT b 1 1", "SETBIT b 2 1"}},
	} {
		_, one := newMemoryCtx(t)
		execAll(one, tc.setup)
		want := execAll(one, tc.lines...) + execAll(one, "GET b", "TYPE b")
		_, c := newMemoryCtx(t)
		execAll(c, tc.setup)
		cmds := sharedlockCmds(tc.lines...)
		if n := c.e.SharedRun(c, cmds); n != len(cmds) {
			t.Fatalf("SharedRun(%q) = %d, want %d", tc.lines, n, len(cmds))
		}
		c.e.ExecShared(c, cmds)
		c.e.Exec(c, benchArgs("GET", "b"))
		c.e.Exec(c, benchArgs("TYPE", "b"))
		if got := string(c.Out()); got != want {
			t.Errorf("%s; %q shared: %q, want %q", tc.setup, tc.lines, got, want)
		}
		c.Reset()
	}
}
