package resp

import (
	"bytes"
	"slices"
	"testing"
)

// refSplitArgs is Redis's sdssplitargs written again as a plain state
// machine over a C string (the line up to its first NUL), building each
// argument in a new slice: the oracle of FuzzSplitArgs.
func refSplitArgs(line []byte) ([][]byte, bool) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	at := func(i int) byte { // the C string's byte, NUL past the end
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	hexVal := func(c byte) (byte, bool) {
		switch {
		case '0' <= c && c <= '9':
			return c - '0', true
		case 'a' <= c && c <= 'f':
			return c - 'a' + 10, true
		case 'A' <= c && c <= 'F':
			return c - 'A' + 10, true
		}
		return 0, false
	}
	space := func(c byte) bool { return c != 0 && bytes.IndexByte([]byte(" \t\n\v\f\r"), c) >= 0 }
	// A closing quote must be followed by a space or the end.
	closes := func(p int) bool { return at(p+1) == 0 || space(at(p+1)) }
	var args [][]byte
	p := 0
	for {
		for space(at(p)) {
			p++
		}
		if at(p) == 0 {
			return args, true
		}
		cur := []byte{}
		const plain, dquote, squote = 0, 1, 2
		state := plain
	arg:
		for ; ; p++ {
			c := at(p)
			switch state {
			case dquote:
				hi, ok1 := hexVal(at(p + 2))
				lo, ok2 := hexVal(at(p + 3))
				switch {
				case c == '\\' && at(p+1) == 'x' && ok1 && ok2:
					cur = append(cur, hi*16+lo)
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					esc := map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'a': '\a'}
					if e, ok := esc[at(p)]; ok {
						cur = append(cur, e)
					} else {
						cur = append(cur, at(p))
					}
				case c == '"' && closes(p):
					p++
					break arg
				case c == '"':
					return nil, false
				case c == 0:
					return nil, false
				default:
					cur = append(cur, c)
				}
			case squote:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					cur = append(cur, '\'')
				case c == '\'' && closes(p):
					p++
					break arg
				case c == '\'':
					return nil, false
				case c == 0:
					return nil, false
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					break arg
				case '"':
					state = dquote
				case '\'':
					state = squote
				default:
					cur = append(cur, c)
				}
			}
		}
		args = append(args, cur)
	}
}

// FuzzSplitArgs compares the inline parser's splitting (splitArgs, in
// place over the line) with refSplitArgs, and checks that an inline
// command read by the Reader is what the reference makes of its line.
func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{
		`set "a\x41\n b" 'it\'s' c`, `foo"bar baz" ""`, `"unbalanced`, `'x'y`, `"x"y`, "a\x00b c", "a\vb\fc \t d",
		`"\x4" "\xZZ" "\q" "\\"`, `''`, `"" ''`, `"a\`, "  leading and trailing  ", `'\'' '\"'`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		want, wantOK := refSplitArgs(line)
		buf := bytes.Clone(line)
		offs, ok := splitArgs(buf, nil)
		if ok != wantOK {
			t.Fatalf("splitArgs(%q) ok = %v, want %v", line, ok, wantOK)
		}
		if !ok {
			return
		}
		got := make([][]byte, 0, len(offs)/2)
		for i := 0; i < len(offs); i += 2 {
			got = append(got, buf[offs[i]:offs[i+1]])
		}
		if !slices.EqualFunc(got, want, bytes.Equal) {
			t.Fatalf("splitArgs(%q) = %q, want %q", line, got, want)
		}
		// The same line as an inline command (a line without '\n' that
		// does not start with '*').
		if bytes.IndexByte(line, '\n') >= 0 || len(line) > 0 && line[0] == '*' || len(want) == 0 {
			return
		}
		r := NewReader(bytes.NewReader(append(bytes.Clone(line), '\n')), Limits{})
		args, err := r.ReadCommand()
		if err != nil || !slices.EqualFunc(args, want, bytes.Equal) {
			t.Fatalf("ReadCommand of %q = %q, %v; want %q", line, args, err, want)
		}
	})
}
