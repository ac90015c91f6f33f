package bench

import (
	"bytes"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

// pipeConn returns a conn whose server side writes replies.
func pipeConn(t *testing.T, replies string) *conn {
	t.Helper()
	client, server := net.Pipe()
	t.Cleanup(func() { _ = client.Close() })
	go func() {
		_, _ = io.WriteString(server, replies)
		_ = server.Close()
	}()
	c := &conn{nc: client}
	c.br = newReader(client)
	return c
}

func TestReadReply(t *testing.T) {
	c := pipeConn(t, "+OK\r\n-ERR bad thing\r\n:42\r\n:-7\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n"+
		"*3\r\n$1\r\na\r\n*2\r\n:1\r\n+x\r\n$-1\r\n*-1\r\n*0\r\n+after\r\n")
	want := []reply{
		{kind: '+', str: []byte("OK")},
		{kind: '-', str: []byte("ERR bad thing")},
		{kind: ':', n: 42},
		{kind: ':', n: -7},
		{kind: '$', str: []byte("hello")},
		{kind: '$', str: []byte{}},
		{kind: '$', null: true},
		{kind: '*', n: 3},
		{kind: '*', null: true},
		{kind: '*', n: 0},
		{kind: '+', str: []byte("after")},
	}
	for i, w := range want {
		r, err := c.readReply()
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if r.kind != w.kind || r.null != w.null || r.n != w.n || !bytes.Equal(r.str, w.str) {
			t.Errorf("reply %d = %+v (%q), want %+v (%q)", i, r, r.str, w, w.str)
		}
	}
	if _, err := c.readReply(); err != io.EOF {
		t.Errorf("at the end: %v, want EOF", err)
	}
}

func TestReadReplyMalformed(t *testing.T) {
	for _, in := range []string{"?x\r\n", ":12a\r\n", "$-2\r\n", "+OK\n", ":99999999999999999999\r\n", "*x\r\n", "*1\r\n?\r\n"} {
		c := pipeConn(t, in)
		if _, err := c.readReply(); err != errProtocol {
			t.Errorf("%q: got %v, want errProtocol", in, err)
		}
	}
	c := pipeConn(t, "$5\r\nhel")
	if _, err := c.readReply(); err != io.ErrUnexpectedEOF {
		t.Errorf("truncated bulk: %v", err)
	}
}

func TestParseInt(t *testing.T) {
	good := map[string]int64{"0": 0, "-1": -1, "9223372036854775807": 1<<63 - 1, "-9223372036854775807": -(1<<63 - 1)}
	for in, want := range good {
		if got, ok := parseInt([]byte(in)); !ok || got != want {
			t.Errorf("parseInt(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "-", "+1", "9223372036854775808", "1.5", " 1"} {
		if _, ok := parseInt([]byte(in)); ok {
			t.Errorf("parseInt(%q) accepted", in)
		}
	}
}

// The workload generator is deterministic per (seed, client) and produces
// what the flags ask for.
func TestOpGen(t *testing.T) {
	w := DefaultWorkload()
	w.Keys = 10
	w.ValueSize = 8
	w.Types = []DataType{Strings, Lists, Hashes}
	gen := func(seed uint64, client int) string {
		w.Seed = seed
		g := newOpGen(&w, client)
		c := &conn{}
		for range 300 {
			g.queue(c)
		}
		return string(c.out)
	}
	a := gen(1, 0)
	if a != gen(1, 0) {
		t.Error("same seed and client, different requests")
	}
	if a == gen(1, 1) || a == gen(2, 0) {
		t.Error("different clients or seeds give the same requests")
	}
	for _, cmd := range []string{"$3\r\nGET\r\n", "$3\r\nSET\r\n", "$5\r\nRPUSH\r\n", "$4\r\nLPOP\r\n", "$6\r\nLRANGE\r\n", "$4\r\nHSET\r\n", "$4\r\nHGET\r\n"} {
		if !strings.Contains(a, cmd) {
			t.Errorf("no %q in the mix", cmd)
		}
	}
	if strings.Contains(a, "key:10\r\n") {
		t.Error("key outside the key space")
	}

	w.Types = []DataType{Strings}
	w.ReadRatio = 1
	if s := gen(1, 0); strings.Contains(s, "SET") {
		t.Error("writes with -read-ratio 1")
	}
}

func TestOpGenDoesNotAllocate(t *testing.T) {
	w := DefaultWorkload()
	w.Types = []DataType{Strings, Lists, Hashes, Sets, ZSets, Streams, Scripts, Tx, Mixed}
	g := newOpGen(&w, 0)
	c := &conn{out: make([]byte, 0, 1<<20)}
	if n := testing.AllocsPerRun(1000, func() {
		if len(c.out) > 1<<19 {
			c.out = c.out[:0]
		}
		g.queue(c)
	}); n != 0 {
		t.Errorf("queue allocates %v times per request", n)
	}
}

func TestParseTypes(t *testing.T) {
	got, err := ParseTypes("strings, Lists,hashes")
	if err != nil || len(got) != 3 || got[0] != Strings || got[1] != Lists || got[2] != Hashes {
		t.Fatalf("got %v, %v", got, err)
	}
	got, err = ParseTypes("sets,zsets,streams,scripts,tx,mixed")
	if want := []DataType{Sets, ZSets, Streams, Scripts, Tx, Mixed}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"", "geo", "strings,strings"} {
		if _, err := ParseTypes(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ParseTypes("geo"); err == nil || err.Error() != `unknown data type "geo" (want strings, lists, hashes, sets, zsets, streams, scripts, tx, mixed)` {
		t.Errorf("error %v", err)
	}
	if Hashes.String() != "hashes" || Mixed.String() != "mixed" || DataType(10).String() != "DataType(10)" {
		t.Error("String")
	}
}

func TestWorkloadValidate(t *testing.T) {
	if err := DefaultWorkload().validate(); err != nil {
		t.Fatal(err)
	}
	w := Workload{Clients: 0, Pipeline: 0, Keys: 0, ValueSize: 0, ReadRatio: 2, Duration: -time.Second}
	err := w.validate()
	for _, want := range []string{"clients", "pipeline", "keys", "value size", "read ratio", "data types", "duration"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}

func TestLastLoggedError(t *testing.T) {
	tests := []struct{ log, want string }{
		{`time=2025-01-01T00:00:00Z level=WARN msg="something"` + "\n" +
			`time=2025-01-01T00:00:00Z level=ERROR msg="cannot start" err="persistence.mode = \"aof\" is not available yet; use \"none\""` + "\n",
			`cannot start: persistence.mode = "aof" is not available yet; use "none"`},
		{`time=x level=ERROR msg=boom` + "\n", "boom"},
		{"redpool: bad config: x.toml:1: databases: 0 out of range (want 1..16384)\n", "bad config: x.toml:1: databases: 0 out of range (want 1..16384)"},
		{"panic: runtime error: index out of range\n\ngoroutine 1 [running]:\nmain.main()\n", "panic: runtime error: index out of range"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := lastLoggedError(tt.log); got != tt.want {
			t.Errorf("lastLoggedError(%q) = %q, want %q", tt.log, got, tt.want)
		}
	}
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 8}
	_, _ = io.WriteString(b, "hello ")
	_, _ = io.WriteString(b, "world!")
	if got := b.String(); got != "o world!" {
		t.Errorf("got %q", got)
	}
}
