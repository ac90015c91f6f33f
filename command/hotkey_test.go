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

// TestHotkeyPrefetchDistinct: Prefetch leaves out a key the command
// before named too, and warms nothing when one key is left (a pipeline on
// one hot key), so that it takes no lock of that key's shard.
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
		{[]string{"INCR k", "INCR k", "INCR j", "INCR j", "INCR k"}, [][]string{{"k", "j", "k"}}},
		{[]string{"MGET k k", "GET k"}, [][]string{{"k", "k"}}},
		{[]string{"PING", "GET k"}, nil},
	} {
		spy.calls = nil
		e.Prefetch(c, sharedlockCmds(tc.lines...))
		if !slices.EqualFunc(spy.calls, tc.want, slices.Equal) {
			t.Errorf("Prefetch(%q) warmed %q, want %q", tc.lines, spy.calls, tc.want)
		}
	}
}
