package command

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"redpool/backend"
	"redpool/backend/bolt"
	"redpool/backend/memory"
	"redpool/persistence/rdb"
)

// Fuzz targets for what the command layer decodes from clients: RESTORE's
// payloads as the command runs them, the ACL file, CONFIG SET's values and
// glob patterns. The other targets of the package are next to their code
// (FuzzHLLDecode, FuzzParseBitfield, FuzzACLRules). Seeds from real
// inputs are in testdata/fuzz.

// fuzzCtxs returns a context on a fresh memory and a fresh bolt backend,
// for targets that compare what both backends do with one input.
func fuzzCtxs(f *testing.F, o Options) [2]*Ctx {
	f.Helper()
	m := memory.New(memory.Options{ExpiryInterval: -1})
	b, err := bolt.Open(bolt.Options{Path: filepath.Join(f.TempDir(), "db"), Sync: bolt.SyncNone})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = m.Close(); _ = b.Close() })
	var cs [2]*Ctx
	for i, be := range []backend.Backend{m, b} {
		o.Backend = be
		e, err := NewEngine(o)
		if err != nil {
			f.Fatal(err)
		}
		cs[i] = e.NewCtx(e.NewClient("a", "b"), nil)
	}
	return cs
}

// bulkReply returns a bulk reply's bytes, or false for any other reply.
func bulkReply(r string) ([]byte, bool) {
	hdr, rest, ok := strings.Cut(r, "\r\n")
	if !ok || !strings.HasPrefix(hdr, "$") || hdr == "$-1" || !strings.HasSuffix(rest, "\r\n") {
		return nil, false
	}
	return []byte(rest[:len(rest)-2]), true
}

// normalValue is a payload's value in a form that does not depend on the
// order a backend keeps a set's or a hash's elements in.
func normalValue(t *testing.T, payload []byte) rdb.Value {
	t.Helper()
	v, err := rdb.ParseDumpPayload(payload, true)
	if err != nil {
		t.Fatalf("DUMP's own payload does not parse: %v", err)
	}
	switch v.Type {
	case backend.TypeSet:
		slices.SortFunc(v.Items, bytes.Compare)
	case backend.TypeHash, backend.TypeZSet:
		pairs := make([][2][]byte, 0, len(v.Items)/2)
		for i := 0; i+1 < len(v.Items); i += 2 {
			pairs = append(pairs, [2][]byte{v.Items[i], v.Items[i+1]})
		}
		slices.SortFunc(pairs, func(a, b [2][]byte) int { return bytes.Compare(a[0], b[0]) })
		v.Items = v.Items[:0]
		for _, p := range pairs {
			v.Items = append(v.Items, p[0], p[1])
		}
	}
	return v
}

// FuzzRestore runs RESTORE with arbitrary payloads (their footer fixed,
// so that the value decoders are reached) on both backends, with and
// without deep sanitization. The reply is +OK or one of Redis's two
// payload errors, the same on both backends; a restored value DUMPs to a
// payload that restores again to the same value, equal on both backends
// and holding as many elements as the payload (sanitized payloads have no
// duplicates).
func FuzzRestore(f *testing.F) {
	for _, s := range rdbFuzzPayloads(f) {
		f.Add(s, true)
	}
	cs := fuzzCtxs(f, Options{})
	f.Fuzz(func(t *testing.T, p []byte, sanitize bool) {
		if len(p) >= 10 {
			p = rdb.AppendDumpFooter(p[:len(p)-10])
		}
		mode := map[bool]string{true: "yes", false: "no"}[sanitize]
		var dumps [2]rdb.Value
		var reply string
		for i, c := range cs {
			execArgs(c, "CONFIG", "SET", "sanitize-dump-payload", mode)
			r := execArgs(c, "RESTORE", "k", "0", string(p), "REPLACE")
			if i > 0 && r != reply {
				t.Fatalf("memory replies %q, bolt %q", reply, r)
			}
			reply = r
			switch r {
			case "+OK\r\n":
			case "-" + string(ErrBadDataFormat) + "\r\n", "-" + string(ErrDumpPayload) + "\r\n":
				continue
			default:
				t.Fatalf("RESTORE replied %q", r)
			}
			d, ok := bulkReply(execArgs(c, "DUMP", "k"))
			if !ok {
				// A restored empty collection is no key, as in Redis.
				if v, err := rdb.ParseDumpPayload(p, false); err != nil || len(v.Items) != 0 {
					t.Fatalf("RESTORE said OK, but DUMP finds no value (%v)", err)
				}
				continue
			}
			if r := execArgs(c, "RESTORE", "k2", "0", string(d), "REPLACE"); r != "+OK\r\n" {
				t.Fatalf("DUMP's payload does not RESTORE: %q", r)
			}
			d2, _ := bulkReply(execArgs(c, "DUMP", "k2"))
			dumps[i] = normalValue(t, d)
			if again := normalValue(t, d2); !equalValues(dumps[i], again) {
				t.Fatalf("RESTORE of DUMP changed the value:\n%q\n%q", dumps[i], again)
			}
			if v, err := rdb.ParseDumpPayload(p, true); err == nil && v.Type == dumps[i].Type &&
				v.Type != backend.TypeString && len(v.Items) != len(dumps[i].Items) {
				t.Fatalf("%d items restored as %d", len(v.Items), len(dumps[i].Items))
			}
		}
		if reply == "+OK\r\n" && !equalValues(dumps[0], dumps[1]) {
			t.Fatalf("the backends hold different values:\n%q\n%q", dumps[0], dumps[1])
		}
	})
}

func equalValues(a, b rdb.Value) bool {
	return a.Type == b.Type && slices.EqualFunc(a.Items, b.Items, bytes.Equal)
}

// rdbFuzzPayloads are real Redis 7.0 DUMP payloads: persistence/rdb's
// golden ones (testdata/fuzz/FuzzRestore holds more).
func rdbFuzzPayloads(tb testing.TB) [][]byte {
	files, _ := filepath.Glob(filepath.Join("..", "persistence", "rdb", "testdata", "redis", "*.dump"))
	var out [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		if len(b) < 4096 {
			out = append(out, b)
		}
	}
	return out
}

// FuzzACLFile loads arbitrary ACL files as ACL LOAD does: it fails with
// Redis's text listing the bad lines (a one-line reply; nothing changes),
// or loads users whose lines (what ACL SAVE writes) load the same users.
// It calls the loader directly, so that a file taking the default user's
// permissions away does not lock the test out.
func FuzzACLFile(f *testing.F) {
	for _, s := range []string{
		"user default on nopass ~* &* +@all\nuser alice on #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b ~cache:* resetchannels -@all +@read\n",
		"user bob off resetchannels -@all (~x +set) (%R~y &z* +get)\r\n\r\n",
		"user default on nopass ~* &* +@all\nuser default off\n",
		"user\nuser a b c\nfoo bar\n",
		"user a on >pw (~x +get\n",
		"user a on ~a* %W~b &c +config|get -@dangerous +select|0 nocommands\n",
	} {
		f.Add(s)
	}
	path := filepath.Join(f.TempDir(), "users.acl")
	a := &fuzzCtxs(f, Options{ACL: &ACLOptions{File: path}})[0].e.acl
	f.Fuzz(func(t *testing.T, file string) {
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		before := a.lines()
		if _, msg := a.load(); msg != "" {
			if reply := string(ACLLoadError(msg)); strings.ContainsAny(reply, "\r\n") {
				t.Fatalf("the error reply is not one line: %q", reply)
			}
			if after := a.lines(); !slices.Equal(before, after) {
				t.Fatalf("a failed ACL LOAD changed the users:\n%q\n%q", before, after)
			}
			return
		}
		// What ACL SAVE writes (save() adds an fsync, too slow here).
		list := a.lines()
		if aclFuzzAmbiguous(list) {
			return // Redis 7.0.15 writes the same lines, and cannot load them either
		}
		if err := os.WriteFile(path, []byte(strings.Join(list, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, msg := a.load(); msg != "" {
			saved, _ := os.ReadFile(path)
			t.Fatalf("the saved file does not load: %s\n%s", msg, saved)
		}
		if again := a.lines(); !slices.Equal(list, again) {
			t.Fatalf("users changed by SAVE and LOAD:\n%q\n%q", list, again)
		}
	})
}

// aclFuzzAmbiguous reports whether ACL LIST lines hold a selector with a
// key or channel pattern ending in ")": its description (Redis's too:
// "(resetchannels &) -@all)" for the pattern ")") reads back as a selector
// ending at that pattern, followed by a bad rule. A selector's
// description always ends with its command rules, so a pattern token
// ending in ")" is such a pattern.
func aclFuzzAmbiguous(lines []string) bool {
	for _, line := range lines {
		in := false
		for _, tok := range strings.Split(line, " ") {
			if strings.HasPrefix(tok, "(") {
				in, tok = true, tok[1:]
			}
			if in && strings.HasSuffix(tok, ")") && strings.ContainsAny(tok[:1], "~%&") {
				return true
			}
			if strings.HasSuffix(tok, ")") {
				in = false
			}
		}
	}
	return false
}

// FuzzConfigSet gives every parameter CONFIG SET may change (memory sizes,
// client-output-buffer-limit, notify-keyspace-events, enums, ...) an
// arbitrary value: a refused value changes nothing, and an accepted one
// reads back (CONFIG GET) as a value that sets to itself.
func FuzzConfigSet(f *testing.F) {
	for _, s := range []string{
		"100mb", "1gb", "0", "-1", "18446744073709551616", "1k", "5KB", "yes", "no", "allkeys-lru",
		"normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60", "normal 1gb 2kb 10", "pubsub 1 2",
		"KEA", "Kx$", "AKE", "gxlshzetmdn", "g$lshzxeKEtmdnA", "notice", "3600 1 300 100 60 10000",
		"", " ", "1 2 3", "normal", "Q",
	} {
		f.Add(s)
	}
	cs := fuzzCtxs(f, Options{})
	var params []*Param
	for _, p := range cs[0].e.Params().Match([][]byte{[]byte("*")}) {
		if p.Set != nil && !p.Protected {
			params = append(params, p)
		}
	}
	f.Fuzz(func(t *testing.T, value string) {
		for _, p := range params {
			before := p.Get()
			if err := p.Set(value); err != nil {
				if err.Error() == "" {
					t.Fatalf("%s %q: an empty reason", p.Name, value)
				}
				if got := p.Get(); got != before {
					t.Fatalf("%s %q refused (%v), but the value became %q (was %q)", p.Name, value, err, got, before)
				}
				continue
			}
			got := p.Get()
			if err := p.Set(got); err != nil || p.Get() != got {
				t.Fatalf("%s %q reads back as %q, which sets (%v) to %q", p.Name, value, got, err, p.Get())
			}
			if err := p.Set(before); err != nil {
				t.Fatalf("%s: the old value %q does not set back: %v", p.Name, before, err)
			}
		}
	})
}

// FuzzGlob compares GlobMatch with refGlob, a second matcher written from
// Redis's stringmatchlen in another way (the pattern compiled to tokens,
// then matched by dynamic programming, without recursion or
// skip-longer-matches pruning), with and without nocase.
func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"h?llo", "hello"}, {"h*llo", "heeeello"}, {"h[ae]llo", "hallo"}, {"h[^e]llo", "hbllo"},
		{"h[a-b]llo", "hbllo"}, {"[Z-a]", "_"}, {"[a-]", "]"}, {"[\\]x]", "]"}, {"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaac"},
		{"[", "["}, {"[^", "x"}, {"\\", "\\"}, {"a\\*", "a*"}, {"*", ""}, {"", ""}, {"user:*:name", "user:1000:name"},
		{"[[]", "["}, {"*[^", "ab"}, {"[a-\\]", "b"}, {"**?*", "x"},
	} {
		f.Add([]byte(s[0]), []byte(s[1]), false)
		f.Add([]byte(strings.ToUpper(s[0])), []byte(s[1]), true)
	}
	f.Fuzz(func(t *testing.T, pattern, str []byte, nocase bool) {
		if bytes.Count(pattern, []byte("*")) > maxGlobNesting/2 {
			return // the nesting limit, where Redis gives up too
		}
		if got, want := GlobMatch(pattern, str, nocase), refGlob(pattern, str, nocase); got != want {
			t.Fatalf("GlobMatch(%q, %q, %v) = %v, want %v", pattern, str, nocase, got, want)
		}
	})
}

// globTok is one token of a pattern for refGlob.
type globTok struct {
	kind  byte // '*', '?', 'c' (a byte), '[' (a class)
	c     byte
	not   bool
	items []globItem
}

// globItem is one element of a class: a byte compared exactly (after a
// backslash), a range, or a byte.
type globItem struct {
	kind   byte // '\\', '-', 'c'
	lo, hi byte
}

// compileGlob splits a pattern into tokens as stringmatchlen reads it: a
// backslash escapes the next byte (or is itself at the end); a class ends
// at ']' or at the end of the pattern; "x-y" is a range wherever two more
// bytes follow x, even when the second is the closing ']'.
func compileGlob(p []byte) []globTok {
	var toks []globTok
	for i := 0; i < len(p); {
		switch p[i] {
		case '*', '?':
			toks = append(toks, globTok{kind: p[i]})
			i++
		case '\\':
			if i+1 < len(p) {
				i++
			}
			toks = append(toks, globTok{kind: 'c', c: p[i]})
			i++
		case '[':
			tok := globTok{kind: '['}
			i++
			if i < len(p) && p[i] == '^' {
				tok.not = true
				i++
			}
			for i < len(p) {
				if p[i] == '\\' && i+1 < len(p) {
					tok.items = append(tok.items, globItem{kind: '\\', lo: p[i+1]})
					i += 2
				} else if p[i] == ']' {
					i++
					break
				} else if i+2 < len(p) && p[i+1] == '-' {
					tok.items = append(tok.items, globItem{kind: '-', lo: p[i], hi: p[i+2]})
					i += 3
				} else {
					tok.items = append(tok.items, globItem{kind: 'c', lo: p[i]})
					i++
				}
			}
			toks = append(toks, tok)
		default:
			toks = append(toks, globTok{kind: 'c', c: p[i]})
			i++
		}
	}
	return toks
}

// matchOne reports whether the non-star token tok matches the byte c.
func (tok globTok) matchOne(c byte, nocase bool) bool {
	fold := func(b byte) byte {
		if nocase && b >= 'A' && b <= 'Z' {
			return b + 32
		}
		return b
	}
	switch tok.kind {
	case '?':
		return true
	case 'c':
		return fold(tok.c) == fold(c)
	}
	match := false
	for _, it := range tok.items {
		switch it.kind {
		case '\\':
			match = match || it.lo == c // exact, even with nocase
		case '-':
			lo, hi := min(it.lo, it.hi), max(it.lo, it.hi)
			match = match || (fold(lo) <= fold(c) && fold(c) <= fold(hi))
		default:
			match = match || fold(it.lo) == fold(c)
		}
	}
	return match != tok.not
}

// refGlob matches str against pattern: a table of which token suffixes
// match which string suffixes. As stringmatchlen, an empty string matches
// only the empty pattern.
func refGlob(pattern, str []byte, nocase bool) bool {
	if len(str) == 0 {
		return len(pattern) == 0
	}
	toks := compileGlob(pattern)
	// m[i][j]: toks[i:] matches str[j:].
	m := make([][]bool, len(toks)+1)
	for i := range m {
		m[i] = make([]bool, len(str)+1)
	}
	m[len(toks)][len(str)] = true
	for i := len(toks) - 1; i >= 0; i-- {
		for j := len(str); j >= 0; j-- {
			if toks[i].kind == '*' {
				m[i][j] = m[i+1][j] || (j < len(str) && m[i][j+1])
			} else {
				m[i][j] = j < len(str) && toks[i].matchOne(str[j], nocase) && m[i+1][j+1]
			}
		}
	}
	return m[0][0]
}

// FuzzFunctionRestore runs FUNCTION RESTORE with arbitrary payloads (their
// footer fixed) and each policy: the reply is +OK or an error reply; a
// refused payload leaves the libraries as they were; what was restored
// dumps (FUNCTION DUMP) to a payload that restores to the same libraries.
func FuzzFunctionRestore(f *testing.F) {
	f.Add(FunctionsPayload([]string{"#!lua name=l\nredis.register_function('f', function() return 1 end)"}), uint8(0))
	f.Add(FunctionsPayload([]string{"#!lua name=a\nredis.register_function('fa', function() end)",
		"#!lua name=b\nredis.register_function{function_name='fb', callback=function() end, flags={'no-writes'}}"}), uint8(2))
	f.Add(FunctionsPayload([]string{"#!lua name=x\nreturn"}), uint8(1))
	c := fuzzCtxs(f, Options{})[0]
	f.Fuzz(func(t *testing.T, p []byte, policy uint8) {
		if len(p) >= 10 {
			p = rdb.AppendDumpFooter(p[:len(p)-10])
		}
		execArgs(c, "FUNCTION", "FLUSH")
		execArgs(c, "FUNCTION", "LOAD", "#!lua name=old\nredis.register_function('old', function() return 1 end)")
		before := execArgs(c, "FUNCTION", "LIST", "WITHCODE")
		r := execArgs(c, "FUNCTION", "RESTORE", string(p), []string{"APPEND", "REPLACE", "FLUSH"}[policy%3])
		if r != "+OK\r\n" {
			if !strings.HasPrefix(r, "-") || strings.Count(r, "\r\n") != 1 {
				t.Fatalf("FUNCTION RESTORE replied %q", r)
			}
			if after := execArgs(c, "FUNCTION", "LIST", "WITHCODE"); after != before {
				t.Fatalf("a refused FUNCTION RESTORE (%q) changed the libraries:\n%q\n%q", r, before, after)
			}
			return
		}
		list := execArgs(c, "FUNCTION", "LIST", "WITHCODE")
		d, ok := bulkReply(execArgs(c, "FUNCTION", "DUMP"))
		if !ok {
			t.Fatal("FUNCTION DUMP gave no payload")
		}
		if r := execArgs(c, "FUNCTION", "RESTORE", string(d), "FLUSH"); r != "+OK\r\n" {
			t.Fatalf("FUNCTION DUMP's payload does not restore: %q", r)
		}
		if again := execArgs(c, "FUNCTION", "LIST", "WITHCODE"); again != list {
			t.Fatalf("FUNCTION DUMP and RESTORE changed the libraries:\n%q\n%q", list, again)
		}
	})
}
