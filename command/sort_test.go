package command

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"redpool/backend"
)

// TestSortScore checks SORT's reading of numbers against what glibc's
// strtod gives Redis (checked on Redis 7.0.15): white space first, hex,
// inf, ERANGE for overflow and inexact underflow, nothing after the
// number but a NUL byte.
func TestSortScore(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 1, true}, {"-1.5", -1.5, true}, {"", 0, true}, {"  +1e1", 10, true}, {"\t\n\v\f\r7", 7, true},
		{".5", 0.5, true}, {"1.", 1, true}, {"+.5", 0.5, true}, {"0x10", 16, true}, {"0X1P+1", 2, true},
		{"0x.8", 0.5, true}, {"0xA.8P-1", 5.25, true}, {"inf", math.Inf(1), true}, {"-INFINITY", math.Inf(-1), true},
		{"-0", 0, true}, {"0e999", 0, true}, {"0x0p5", 0, true}, {"0x1p-1074", 0x1p-1074, true},
		{"2.2250738585072014e-308", 0x1p-1022, true}, {"1\x00junk", 1, true},
		{"1e400", 0, false}, {"-1e400", 0, false}, {"1e-400", 0, false}, {"5e-324", 0, false},
		{"0x1.8p-1074", 0, false}, {"2e-308", 0, false}, {"nan", 0, false}, {"-nan", 0, false},
		{"1e", 0, false}, {"1e+", 0, false}, {"0x", 0, false}, {"0x1p", 0, false}, {".", 0, false},
		{".e1", 0, false}, {"-", 0, false}, {"0x.p1", 0, false}, {"1 ", 0, false}, {"1 2", 0, false},
		{"1_0", 0, false}, {"   ", 0, false}, {"infx", 0, false}, {"0b1", 0, false}, {"1e1.5", 0, false},
	} {
		got, ok := sortScore([]byte(tc.in))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("sortScore(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestSortKeys checks the keys SORT and SORT_RO lock: the sorted key and
// the STORE key found as Redis's sortGetKeys finds them, and everything
// when BY or GET patterns name keys.
func TestSortKeys(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		keys string
		all  bool
	}{
		{"SORT k", "k", false},
		{"SORT k STORE d", "k d", false},
		{"SORT k STORE d STORE e", "k e", false},
		{"SORT k STORE store d", "k d", false},
		{"SORT k LIMIT 1 STORE d", "k", false},
		{"SORT k BY nosort GET # GET nostar DESC STORE d", "k d", false},
		{"SORT k BY w_* STORE d", "k d", true},
		{"SORT k BY w_* BY nosort", "k", false},
		{"SORT k GET # GET h_*->f", "k", true},
		{"SORT k GET h_*->f FOO", "k", false}, // a syntax error: nothing is read
		{"SORT_RO k BY w_* STORE d", "k", false},
		{"SORT_RO k BY w_*", "k", true},
	} {
		args := benchArgs(strings.Fields(tc.cmd)...)
		find := sortKeys
		if strings.HasPrefix(tc.cmd, "SORT_RO") {
			find = sortROKeys
		}
		keys, all, ok := find(nil, args)
		var words []string
		for _, k := range keys {
			words = append(words, string(k))
		}
		if got := strings.Join(words, " "); got != tc.keys || all != tc.all || !ok {
			t.Errorf("%s: keys %q all %v ok %v, want %q all %v", tc.cmd, got, all, ok, tc.keys, tc.all)
		}
	}
}

// TestSortTranscript runs SORT on both backends: exact replies, what
// STORE logs to the AOF, its keyspace events, and the WATCHes it breaks.
func TestSortTranscript(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		log, events := &recordLog{}, &eventLog{}
		e, err := NewEngine(Options{Backend: b, Clock: clk, Log: log, Notifier: events})
		if err != nil {
			t.Fatal(err)
		}
		e.notify.mask.Store(uint32(NotifyKeyevent | NotifyList | NotifyGeneric | NotifyKeyMiss))
		c := e.NewCtx(e.NewClient("a", "b"), nil)
		other := e.NewCtx(e.NewClient("c", "d"), nil)
		for _, tc := range []struct{ cmd, want string }{
			{"RPUSH l 3 1 2", ":3\r\n"},
			{"MSET w_1 c w_2 b w_3 a", "+OK\r\n"},
			{"HSET h_1 f x", ":1\r\n"},
			{"SORT l", "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
			{"SORT l BY w_* ALPHA GET # GET h_*->f", "*6\r\n$1\r\n3\r\n$-1\r\n$1\r\n2\r\n$-1\r\n$1\r\n1\r\n$1\r\nx\r\n"},
			{"SORT l BY nosort DESC LIMIT 0 2", "*2\r\n$1\r\n2\r\n$1\r\n1\r\n"},
			{"SORT w_1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
			{"SORT l BY w_*", "-ERR One or more scores can't be converted into double\r\n"},
			{"SORT_RO l STORE d", "-ERR syntax error\r\n"},
			{"SORT l LIMIT 0 x", "-ERR value is not an integer or out of range\r\n"},
			{"WATCH l", "+OK\r\n"},
			{"SORT l DESC STORE d", ":3\r\n"},
			{"LRANGE d 0 -1", "*3\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n"},
			{"SORT l LIMIT 0 0 STORE d", ":0\r\n"},
			{"SORT l LIMIT 0 0 STORE d", ":0\r\n"},
			{"EXISTS d", ":0\r\n"},
			{"MULTI", "+OK\r\n"},
			{"SORT l BY w_* ALPHA GET h_*->f STORE d", "+QUEUED\r\n"},
			{"EXEC", "*1\r\n:3\r\n"}, // SORT did not touch l
			{"LRANGE d 0 -1", "*3\r\n$0\r\n\r\n$0\r\n\r\n$1\r\nx\r\n"},
		} {
			if got := execAll(c, tc.cmd); got != tc.want {
				t.Fatalf("%s: got %q, want %q", tc.cmd, got, tc.want)
			}
		}
		wantLog := []string{"0: RPUSH l 3 1 2", "0: MSET w_1 c w_2 b w_3 a", "0: HSET h_1 f x",
			"0: SORT l DESC STORE d", "0: SORT l LIMIT 0 0 STORE d", "0: SORT l BY w_* ALPHA GET h_*->f STORE d"}
		if got := log.take(); !slices.Equal(got, wantLog) {
			t.Errorf("log %q, want %q", got, wantLog)
		}
		// As Redis: "keymiss" for each missing key a pattern names (not
		// for a missing field of an existing hash) and for SORT's missing
		// key (and EXISTS's).
		wantEvents := []string{"rpush l", "keymiss h_3", "keymiss h_2", "sortstore d", "del d",
			"keymiss d", "keymiss h_3", "keymiss h_2", "sortstore d"}
		if got := events.take(); !slices.Equal(got, wantEvents) {
			t.Errorf("events %q, want %q", got, wantEvents)
		}
		execAll(c, "SET s str", "HSET h_1 g y", "SORT l GET s* GET nostar GET h_*->g BY nosort", "SORT nokey")
		wantEvents = []string{"keymiss s3", "keymiss h_3", "keymiss s1", "keymiss s2", "keymiss h_2", "keymiss nokey"}
		if got := events.take(); !slices.Equal(got, wantEvents) {
			t.Errorf("events %q, want %q", got, wantEvents)
		}
		// The destination is touched, the sorted key and the pattern keys
		// are not.
		if got := execAll(c, "WATCH d w_1 l", "SORT l BY w_* ALPHA STORE d", "MULTI", "PING", "EXEC"); got != "+OK\r\n:3\r\n+OK\r\n+QUEUED\r\n*-1\r\n" {
			t.Errorf("WATCH d, then SORT ... STORE d: %q", got)
		}
		if got := execAll(c, "WATCH w_1 l h_1"); got != "+OK\r\n" {
			t.Fatal(got)
		}
		execAll(other, "SORT l BY w_* GET h_*->f STORE d2")
		if got := execAll(c, "MULTI", "PING", "EXEC"); got != "+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n" {
			t.Errorf("WATCH of keys SORT only read: %q", got)
		}
	})
}

// sortBenchCtx loads a list of 100 numbers, a weight key and a hash for
// each, as bench/compare.sh does.
func sortBenchCtx(b *testing.B) *Ctx {
	_, c := newMemoryCtx(b)
	for i := range 100 {
		n := strconv.Itoa(i * 37 % 100)
		execAll(c, "RPUSH mylist100 "+n, "SET w_"+n+" "+strconv.Itoa(i*53%100), "HSET h_"+n+" f v"+n)
	}
	return c
}

func benchSort(b *testing.B, cmd string) {
	c := sortBenchCtx(b)
	args := benchArgs(strings.Fields(cmd)...)
	b.ReportAllocs()
	for b.Loop() {
		c.e.Exec(c, args)
		c.Reset()
	}
}

func BenchmarkSort(b *testing.B)      { benchSort(b, "SORT mylist100") }
func BenchmarkSortAlpha(b *testing.B) { benchSort(b, "SORT mylist100 ALPHA LIMIT 0 10") }
func BenchmarkSortBy(b *testing.B)    { benchSort(b, "SORT mylist100 BY w_* GET h_*->f LIMIT 0 10") }
