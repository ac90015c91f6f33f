package command

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/memory"
)

// Tests of the consumer group commands inside the command package, on
// streams seeded through the backend primitives: exact replies with a
// manual clock, and what they log to the AOF. The differential tests
// against Redis are in cmd/redpool/server/diff_streams_groups_test.go.

// groupTestEngine returns an engine on a fresh memory backend with a
// manual clock and a recording log, and a context for one client.
func groupTestEngine(t testing.TB) (*Engine, *Ctx, *backend.ManualClock, *recordLog) {
	t.Helper()
	clock := backend.NewManualClock(time.UnixMilli(1_000_000))
	m := memory.New(memory.Options{ExpiryInterval: -1, Clock: clock})
	t.Cleanup(func() { _ = m.Close() })
	log := &recordLog{}
	e, err := NewEngine(Options{Backend: m, Log: log, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return e, e.NewCtx(e.NewClient("a", "b"), nil), clock, log
}

// seedStream appends entries id -> "f <id>" to key, as XADD would, in
// nodes of 100, and records the stream's header.
func seedStream(t testing.TB, e *Engine, key string, ids ...backend.StreamID) {
	t.Helper()
	err := e.Backend().Update(backend.TxOptions{Keys: [][]byte{[]byte(key)}}, func(tx backend.Tx) error {
		m, _, err := tx.XMeta([]byte(key))
		if err != nil {
			return err
		}
		for i, id := range ids {
			fields := [][]byte{[]byte("f"), []byte(id.String())}
			if err := tx.XAppend([]byte(key), id, fields, i%100 == 0, 10); err != nil {
				return err
			}
			if m.EntriesAdded == 0 {
				m.FirstID = id
			}
			m.LastID = id
			m.EntriesAdded++
		}
		return tx.XSetMeta([]byte(key), m)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sid(ms, seq uint64) backend.StreamID { return backend.StreamID{Ms: ms, Seq: seq} }

// entryResp is the RESP2 form of a seeded entry.
func entryResp(id string) string {
	return "*2\r\n$" + itoa(len(id)) + "\r\n" + id + "\r\n*2\r\n$1\r\nf\r\n$" + itoa(len(id)) + "\r\n" + id + "\r\n"
}

func TestStreamGroupTranscript(t *testing.T) {
	e, c, clock, _ := groupTestEngine(t)
	seedStream(t, e, "s", sid(1, 1), sid(1, 2), sid(1, 3))
	steps := []struct{ cmd, want string }{
		{"XGROUP CREATE s g 0", "+OK\r\n"},
		{"XGROUP CREATE s g 0", "-BUSYGROUP Consumer Group name already exists\r\n"},
		{"XGROUP CREATE nokey g 0", "-" + string(ErrXGroupNoKey) + "\r\n"},
		{"XGROUP CREATECONSUMER s g c0", ":1\r\n"},
		{"XGROUP CREATECONSUMER s g c0", ":0\r\n"},
		{"XGROUP CREATECONSUMER s nog c0", "-NOGROUP No such consumer group 'nog' for key name 's'\r\n"},
		{"XREADGROUP GROUP g c1 COUNT 2 STREAMS s >", "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n" + entryResp("1-1") + entryResp("1-2")},
		{"XPENDING s g", "*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n1-2\r\n*1\r\n*2\r\n$2\r\nc1\r\n$1\r\n2\r\n"},
		{"XREADGROUP GROUP g c2 STREAMS s >", "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n" + entryResp("1-3")},
		{"XREADGROUP GROUP g c2 STREAMS s >", "*-1\r\n"},
		{"XREADGROUP GROUP g c1 STREAMS s 0", "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n" + entryResp("1-1") + entryResp("1-2")},
		{"XPENDING s g - + 10", "*3\r\n*4\r\n$3\r\n1-1\r\n$2\r\nc1\r\n:5\r\n:2\r\n*4\r\n$3\r\n1-2\r\n$2\r\nc1\r\n:5\r\n:2\r\n*4\r\n$3\r\n1-3\r\n$2\r\nc2\r\n:5\r\n:1\r\n"},
		{"XACK s g 1-1 1-1 9-9", ":1\r\n"},
		{"XCLAIM s g c3 0 1-2 JUSTID", "*1\r\n$3\r\n1-2\r\n"},
		{"XCLAIM s g c3 100 1-3", "*0\r\n"},
		{"XAUTOCLAIM s g c4 0 0 COUNT 1", "*3\r\n$3\r\n1-3\r\n*1\r\n" + entryResp("1-2") + "*0\r\n"},
		{"XGROUP DELCONSUMER s g c4", ":1\r\n"},
		{"XGROUP DESTROY s g", ":1\r\n"},
		{"XGROUP DESTROY s g", ":0\r\n"},
	}
	for _, s := range steps {
		if s.cmd == "XPENDING s g - + 10" {
			clock.Advance(5 * time.Millisecond)
		}
		if got := execLine(e, c, s.cmd); got != s.want {
			t.Errorf("%s:\n got %q\nwant %q", s.cmd, got, s.want)
		}
	}
}

func TestStreamGroupPropagation(t *testing.T) {
	e, c, _, log := groupTestEngine(t)
	seedStream(t, e, "s", sid(1, 1), sid(1, 2))
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"XGROUP CREATE s g 0", []string{"0: XGROUP CREATE s g 0"}},
		{"XREADGROUP GROUP g c STREAMS s >", []string{
			"MULTI", // one command's records are one unit, as Redis wraps them
			"0: XGROUP CREATECONSUMER s g c",
			"0: XCLAIM s g c 0 1-1 TIME 1000000 RETRYCOUNT 1 FORCE JUSTID LASTID 1-2",
			"0: XCLAIM s g c 0 1-2 TIME 1000000 RETRYCOUNT 1 FORCE JUSTID LASTID 1-2",
			"0: XGROUP SETID s g 1-2 ENTRIESREAD 2",
			"EXEC",
		}},
		{"XREADGROUP GROUP g c STREAMS s >", nil},
		{"XACK s g 1-1", []string{"0: XACK s g 1-1"}},
		{"XACK s g 1-1", nil},
	} {
		log.records = nil
		execLine(e, c, tc.cmd)
		if got := strings.Join(log.records, "\n"); got != strings.Join(tc.want, "\n") {
			t.Errorf("%s logged:\n%s\nwant:\n%s", tc.cmd, got, strings.Join(tc.want, "\n"))
		}
	}
}

// BenchmarkXReadGroupAck is one consumer's job loop: XREADGROUP COUNT 10
// and XACK of the ten ids, over a long stream.
func BenchmarkXReadGroupAck(b *testing.B) {
	m := memory.New(memory.Options{ExpiryInterval: -1})
	b.Cleanup(func() { _ = m.Close() })
	e, err := NewEngine(Options{Backend: m})
	if err != nil {
		b.Fatal(err)
	}
	c := e.NewCtx(e.NewClient("a", "b"), nil)
	ids := make([]backend.StreamID, 200_000)
	for i := range ids {
		ids[i] = sid(uint64(i+1), 1)
	}
	seedStream(b, e, "s", ids...)
	execLine(e, c, "XGROUP CREATE s g 0")
	read := benchArgs("XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", "s", ">")
	acks := make([][][]byte, len(ids)/10) // built first: the loop measures the commands only
	for i := range acks {
		ack := []string{"XACK", "s", "g"}
		for _, id := range ids[10*i : 10*i+10] {
			ack = append(ack, id.String())
		}
		acks[i] = benchArgs(ack...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	report := streamsCPUMetric(b)
	defer report()
	next := 0
	for range b.N {
		if next+10 > len(ids) {
			b.StopTimer()
			execLine(e, c, "XGROUP DESTROY s g")
			execLine(e, c, "XGROUP CREATE s g 0")
			next = 0
			b.StartTimer()
		}
		e.Exec(c, read)
		c.Reset()
		e.Exec(c, acks[next/10])
		next += 10
		c.Reset()
	}
}

// TestStreamGroupReplay runs group commands, replays what they logged on
// a fresh engine (as an AOF load would), and compares the groups, their
// consumers and PELs, delivery times and counts included.
func TestStreamGroupReplay(t *testing.T) {
	e, c, clock, log := groupTestEngine(t)
	for _, cmd := range []string{
		"XADD s 1-1 a 1", "XADD s 2-1 b 2", "XADD s 3-1 c 3", "XADD s 4-1 d 4",
		"XGROUP CREATE s g 0", "XGROUP CREATE s h $", "XGROUP CREATECONSUMER s g idle",
		"XREADGROUP GROUP g c1 COUNT 2 STREAMS s >", "XREADGROUP GROUP g c2 NOACK COUNT 1 STREAMS s >",
		"XREADGROUP GROUP g c1 STREAMS s 0", "XACK s g 1-1", "XDEL s 2-1",
		"XREADGROUP GROUP g c3 STREAMS s >", "XCLAIM s g c4 0 4-1 RETRYCOUNT 5", "XCLAIM s g c4 0 2-1",
		"XADD s 5-1 e 5", "XCLAIM s h c5 0 5-1 FORCE JUSTID LASTID 5-1", "XAUTOCLAIM s g c6 0 0 COUNT 1",
		"XGROUP SETID s h 3-1 ENTRIESREAD 3", "XGROUP DELCONSUMER s g c2",
	} {
		clock.Advance(7 * time.Millisecond)
		execLine(e, c, cmd)
	}
	e2, c2, clock2, _ := groupTestEngine(t)
	clock2.Set(clock.Now())
	for _, rec := range log.records {
		words := strings.Fields(strings.TrimPrefix(rec, "0: "))
		if got := execLine(e2, c2, strings.Join(words, " ")); strings.HasPrefix(got, "-") {
			t.Errorf("replaying %s: %q", rec, got)
		}
	}
	// A consumer's seen time is the replay's, as in Redis.
	seen := regexp.MustCompile(`idle\r\n:\d+`)
	for _, q := range []string{"XINFO GROUPS s", "XPENDING s g - + 100", "XPENDING s h - + 100", "XINFO CONSUMERS s g", "XINFO CONSUMERS s h", "XRANGE s - +"} {
		got, want := execLine(e2, c2, q), execLine(e, c, q)
		if got, want = seen.ReplaceAllString(got, "idle"), seen.ReplaceAllString(want, "idle"); got != want {
			t.Errorf("%s after replay:\n got %q\nwant %q", q, got, want)
		}
	}
}
