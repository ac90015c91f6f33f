package main

import "testing"

// TestRandloadAppendCommand checks the RESP bytes of a command with
// __rand_dec__ in several words, once and twice in one word.
func TestRandloadAppendCommand(t *testing.T) {
	words := []string{"SETBIT", "bm", "__rand_dec__", "1", "a__rand_dec__b__rand_dec__"}
	got := string(appendCommand(nil, words, 12345))
	want := "*5\r\n$6\r\nSETBIT\r\n$2\r\nbm\r\n$5\r\n12345\r\n$1\r\n1\r\n$12\r\na12345b12345\r\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = appendCommand(buf[:0], words, 7) }); n != 0 {
		t.Fatalf("%v allocations per command, want 0", n)
	}
}
