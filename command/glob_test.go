package command

import "testing"

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"*", "", false}, // as stringmatchlen; KEYS and SCAN special-case a lone "*"
		{"*", "anything", true},
		{"", "", true},
		{"", "a", false},
		{"h?llo", "hello", true},
		{"h?llo", "hllo", false},
		{"h*llo", "hllo", true},
		{"h*llo", "heeeello", true},
		{"h[ae]llo", "hello", true},
		{"h[ae]llo", "hallo", true},
		{"h[ae]llo", "hillo", false},
		{"h[^e]llo", "hallo", true},
		{"h[^e]llo", "hello", false},
		{"h[a-b]llo", "hbllo", true},
		{"h[a-b]llo", "hcllo", false},
		{"h[b-a]llo", "hallo", true},
		{`h\*llo`, "h*llo", true},
		{`h\*llo`, "hello", false},
		{`h[\]]llo`, "h]llo", true},
		{"user:*", "user:1", true},
		{"user:*", "use", false},
		{"*a*", "bab", true},
		{"a*", "", false},
		{"a**", "a", true},
		{"*o", "hello", true},
		{"[abc", "a", true},
		{"foo*bar", "foobar", true},
		{"foo*bar", "foobaz", false},
	}
	for _, c := range cases {
		if got := GlobMatch([]byte(c.pat), []byte(c.s), false); got != c.want {
			t.Errorf("GlobMatch(%q, %q) = %v, want %v", c.pat, c.s, got, c.want)
		}
	}
	if !GlobMatch([]byte("HELLO*"), []byte("hello world"), true) {
		t.Error("nocase match failed")
	}
}

func TestGlobMatchPathological(t *testing.T) {
	pat := []byte("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b")
	s := make([]byte, 5000)
	for i := range s {
		s[i] = 'a'
	}
	if GlobMatch(pat, s, false) {
		t.Fatal("should not match")
	}
}
