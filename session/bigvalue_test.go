package session_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"testing"

	"redpool/backend"
	"redpool/backend/bolt"
	"redpool/backend/memory"
	"redpool/command"
	"redpool/session"
	"redpool/session/resp"
)

// bigvalueLog is an AOF that copies every record it is given, to check
// that a value handed over to the backend reached the log intact.
type bigvalueLog struct {
	mu   sync.Mutex
	recs [][][]byte
}

func (l *bigvalueLog) Append(_ int, argv [][]byte) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := make([][]byte, len(argv))
	for i, a := range argv {
		c[i] = bytes.Clone(a)
	}
	l.recs = append(l.recs, c)
	return 0
}

func (l *bigvalueLog) AppendMulti(recs []command.Record) uint64 {
	for _, r := range recs {
		l.Append(r.DB, r.Argv)
	}
	return 0
}

func (l *bigvalueLog) Wait(uint64) error { return nil }
func (l *bigvalueLog) Err() error        { return nil }

// records returns the records logged so far.
func (l *bigvalueLog) records() [][][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.recs
}

// bigvalueBackends are the backends the tests run on.
func bigvalueBackends(t *testing.T) map[string]func() backend.Backend {
	return map[string]func() backend.Backend{
		"memory": func() backend.Backend { return memory.New(memory.Options{ExpiryInterval: -1}) },
		"bolt": func() backend.Backend {
			b, err := bolt.Open(bolt.Options{Path: filepath.Join(t.TempDir(), "db"), Sync: bolt.SyncNone})
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
	}
}

// bigvalueServe serves one session on b, with lg as its AOF (nil: none),
// over a loopback connection; everything stops at cleanup.
func bigvalueServe(t *testing.T, b backend.Backend, lg command.Log) (net.Conn, *bufio.Reader) {
	t.Helper()
	e, err := command.NewEngine(command.Options{Backend: b, Log: lg})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var s *session.Session
	var mu sync.Mutex
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		mu.Lock()
		s = session.New(context.Background(), conn, e, session.NewSettings(0, 512<<20), nil)
		mu.Unlock()
		s.Serve()
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Close()
		_ = ln.Close()
		<-done
		_ = b.Close()
	})
	return c, bufio.NewReaderSize(c, 64<<10)
}

// bigvalueValue is a value of n bytes made of byte c, with its length at
// its start so that values of one byte differ.
func bigvalueValue(c byte, n int) []byte {
	v := bytes.Repeat([]byte{c}, n)
	copy(v, strconv.Itoa(n))
	return v
}

// bigvalueReply reads one reply and checks it is want (a bulk string,
// or the simple or integer reply's text).
func bigvalueReply(t *testing.T, br *bufio.Reader, what string, want []byte) {
	t.Helper()
	v, err := resp.ReadReply(br)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got := v.Str
	if v.Kind == resp.Integer {
		got = []byte(strconv.FormatInt(v.Int, 10))
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %s %.40q (%d bytes), want %.40q (%d bytes)", what, v.Kind, got, len(got), want, len(want))
	}
}

// TestBigvalueSetNotCopied: a big SET's value is read into a buffer of
// its own which the backend keeps, so what the SET allocates in all is
// the value and the smaller buffers it grew from: less than 1.3 times the
// value, where a copy would make it more than 2. The collector is off
// while it runs, so the figure is exact; the reader's growth sizes the
// test value (30 MB: the buffer grows 256 KB, 1 MB, 4 MB, then to the
// whole value).
func TestBigvalueSetNotCopied(t *testing.T) {
	const n = 30_000_000
	val := bigvalueValue('v', n)
	cmd := resp.AppendCommand(nil, []byte("SET"), []byte("k"), val)
	c, br := bigvalueServe(t, memory.New(memory.Options{ExpiryInterval: -1}), nil)
	if _, err := c.Write(resp.AppendCommandStrings(nil, "PING")); err != nil {
		t.Fatal(err)
	}
	bigvalueReply(t, br, "PING", []byte("PONG"))

	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := c.Write(cmd); err != nil {
		t.Fatal(err)
	}
	bigvalueReply(t, br, "SET", []byte("OK"))
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > n*13/10 {
		t.Fatalf("a SET of %d bytes allocated %d bytes (%.2fx)", n, got, float64(got)/n)
	}

	if _, err := c.Write(resp.AppendCommandStrings(nil, "GET", "k")); err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte("$"+strconv.Itoa(n)+"\r\n"), val...), "\r\n"...)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(br, got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("GET: %.40q, %v", got, err)
	}
}

// TestBigvalueOwnedCommands runs every command that may keep a big
// argument as its value, pipelined with commands that change the stored
// values and read more input after them, on both backends: each value
// is intact, the AOF got the right bytes, and so is a value queued in a
// MULTI (taken over by the queue, then by EXEC's SET) or set by a script
// (a copy).
func TestBigvalueOwnedCommands(t *testing.T) {
	for name, open := range bigvalueBackends(t) {
		t.Run(name, func(t *testing.T) {
			lg := &bigvalueLog{}
			c, br := bigvalueServe(t, open(), lg)
			v := func(i int) []byte { return bigvalueValue(byte('a'+i), 40_000+1000*i) }
			type step struct {
				args  [][]byte
				reply []byte // a bulk's, integer's or simple string's text
			}
			b := func(s ...string) [][]byte {
				out := make([][]byte, len(s))
				for i, w := range s {
					out[i] = []byte(w)
				}
				return out
			}
			with := func(args [][]byte, vals ...[]byte) [][]byte { return append(args, vals...) }
			itoa := func(n int) []byte { return []byte(strconv.Itoa(n)) }
			a6 := append(append([]byte(nil), v(0)...), v(6)...)
			ranged := append([]byte("zz"), a6[2:]...)
			steps := []step{
				{with(b("SET", "a"), v(0)), []byte("OK")},
				{with(b("SET", "b"), v(1)), []byte("OK")},
				{with(b("MSET", "c"), v(2), []byte("d"), v(3)), []byte("OK")},
				{with(b("APPEND", "e"), v(4)), itoa(len(v(4)))},
				{with(b("APPEND", "a"), v(6)), itoa(len(a6))},
				{b("SETRANGE", "a", "0", "zz"), itoa(len(a6))},
				{b("MULTI"), []byte("OK")},
				{with(b("SET", "f"), v(7)), []byte("QUEUED")},
				{b("EXEC"), nil}, // an array: checked below by GET f
				{with(b("EVAL", "return redis.call('SET', KEYS[1], ARGV[1])", "1", "g"), v(8)), []byte("OK")},
				{with(b("GETSET", "h"), v(9)), nil},
				{with(b("SETEX", "i", "100"), v(10)), []byte("OK")},
				{with(b("SETNX", "j"), v(11)), itoa(1)},
				{with(b("SET", "k"), v(12), []byte("GET")), nil},
				{with(b("MSETNX", "l"), v(13)), itoa(1)},
				{with(b("SET", "b"), v(14), []byte("NX")), nil},
				{with(b("PSETEX", "m", "100000"), v(15)), []byte("OK")},
			}
			var in []byte
			for _, s := range steps {
				in = resp.AppendCommand(in, s.args...)
			}
			for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"} {
				in = resp.AppendCommandStrings(in, "GET", k)
			}
			if _, err := c.Write(in); err != nil {
				t.Fatal(err)
			}
			for _, s := range steps {
				if s.args[0][0] == 'E' && string(s.args[0]) == "EXEC" {
					if _, err := resp.ReadReply(br); err != nil {
						t.Fatal(err)
					}
					continue
				}
				bigvalueReply(t, br, string(s.args[0]), s.reply)
			}
			for _, w := range []struct {
				key string
				val []byte
			}{{"a", ranged}, {"b", v(1)}, {"c", v(2)}, {"d", v(3)}, {"e", v(4)}, {"f", v(7)}, {"g", v(8)},
				{"h", v(9)}, {"i", v(10)}, {"j", v(11)}, {"k", v(12)}, {"l", v(13)}, {"m", v(15)}} {
				bigvalueReply(t, br, "GET "+w.key, w.val)
			}

			// The log: every value as it was given, in order.
			logged := map[string][]byte{}
			for _, r := range lg.records() {
				if w := string(r[0]); len(r) >= 3 && (w == "SET" || w == "GETSET" || w == "SETNX") {
					logged[string(r[1])] = r[2]
				}
			}
			for k, want := range map[string][]byte{"b": v(1), "f": v(7), "g": v(8), "h": v(9), "i": v(10), "j": v(11), "k": v(12), "m": v(15)} {
				if !bytes.Equal(logged[k], want) {
					t.Errorf("AOF: SET %s logged %.20q (%d bytes), want %d bytes", k, logged[k], len(logged[k]), len(want))
				}
			}
		})
	}
}
