package aof_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/memory"
	"redpool/persistence/aof"
)

// aofbulkSpy is a memory backend that counts the values its bulk loads
// store.
type aofbulkSpy struct {
	*memory.Memory
	loads, stores int
}

func (s *aofbulkSpy) BulkLoad(keys int, fn func(tx backend.BulkTx) error) (bool, error) {
	return s.Memory.BulkLoad(keys, func(tx backend.BulkTx) error {
		s.loads++
		return fn(aofbulkSpyTx{tx, s})
	})
}

type aofbulkSpyTx struct {
	backend.BulkTx
	s *aofbulkSpy
}

func (t aofbulkSpyTx) Store(e *backend.Entry) error {
	t.s.stores++
	return t.BulkTx.Store(e)
}

// aofbulkNoBulk hides a backend's BulkLoad: the log replays through the
// engine alone.
type aofbulkNoBulk struct{ backend.Backend }

// aofbulkResult is what a load of a log leaves.
type aofbulkResult struct {
	state  string // dump, key and expiry counts, used bytes
	size   int64  // the log file's size after (a torn tail cut)
	err    string
	stores int // values the bulk load stored
	loads  int // bulk loads run
}

// aofbulkLoad writes data as a one-file log (no manifest: adopted as the
// base) and loads it into a new memory backend at t0, in bulk or through
// the engine alone; pre is stored in the backend first.
func aofbulkLoad(t *testing.T, data string, bulk bool, pre ...backend.Entry) aofbulkResult {
	t.Helper()
	clk := backend.NewManualClock(t0)
	dir := t.TempDir()
	path := filepath.Join(dir, "appendonly.aof")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	spy := &aofbulkSpy{Memory: memory.New(memory.Options{Clock: clk})}
	defer spy.Close()
	put(t, spy, pre...)
	var target backend.Backend = spy
	if !bulk {
		target = aofbulkNoBulk{spy.Memory}
	}
	l := aof.New(aof.Options{Dir: dir, Name: "appendonly.aof", Backend: spy, Fsync: aof.FsyncNo})
	r, err := aof.NewReplayer(target, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	var res aofbulkResult
	if err := l.Start(r); err != nil {
		res.err = strings.ReplaceAll(err.Error(), dir, "DIR")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = l.Close(ctx)
	st := spy.Stats()
	res.state = fmt.Sprintf("%s\nkeys %v expires %v used %d", dump(t, spy), st.Keys, st.Expires, st.UsedBytes)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	res.size, res.stores, res.loads = fi.Size(), spy.stores, spy.loads
	return res
}

// aofbulkLog renders records as a log.
func aofbulkLog(recs ...[]string) string {
	var b strings.Builder
	for _, r := range recs {
		b.WriteString(cmd(r...))
	}
	return b.String()
}

func TestBulkReplayMatchesEngine(t *testing.T) {
	ms := func(d time.Duration) string { return strconv.FormatInt(t0.Add(d).UnixMilli(), 10) }
	future, past := ms(time.Hour), ms(-time.Second)
	var many [][]string
	for db := range 3 {
		many = append(many, []string{"SELECT", strconv.Itoa(db)})
		for i := range 3000 {
			many = append(many, []string{"SET", "key:" + strconv.Itoa(i), "value:" + strconv.Itoa(i*db)})
			if i%7 == 0 {
				many = append(many, []string{"PEXPIREAT", "key:" + strconv.Itoa(i), ms(time.Duration(i+1) * time.Second)})
			}
		}
		for i := range 500 { // duplicates
			many = append(many, []string{"SET", "key:" + strconv.Itoa(i*3), "again"})
		}
	}
	strs := aofbulkLog(
		[]string{"SELECT", "0"},
		[]string{"SET", "a", "1"}, []string{"SET", "b", "hello"}, []string{"SET", "a", "2"},
		[]string{"SET", "long", strings.Repeat("x", 100)}, []string{"SET", "huge", strings.Repeat("y", 5000)},
		[]string{"SET", "n", "12345"}, []string{"SET", "neg", "-7"}, []string{"SET", "zero", "0"}, []string{"SET", "lead", "012"},
		[]string{"SET", "e", ""}, []string{"SET", "", "empty key"}, []string{"set", "lower", "v"},
		[]string{"SET", "bin\r\n\x00", "v\r\n\x00"},
		[]string{"SELECT", "3"},
		[]string{"SET", "c", "v"}, []string{"PEXPIREAT", "c", future},
		[]string{"SET", "d", "v"}, []string{"pexpireat", "d", future},
		[]string{"SELECT", "15"}, []string{"SET", "z", "1"},
	)
	cases := []struct {
		name   string
		log    string
		stores int
		pre    []backend.Entry
	}{
		{"strings", strs, 16, nil},
		{"many", aofbulkLog(many...), 3 * 3500, nil},
		{"expiry replaced", aofbulkLog(
			[]string{"SET", "k", "v"}, []string{"PEXPIREAT", "k", future}, []string{"SET", "k", "v2"},
			[]string{"SET", "j", "v"}, []string{"PEXPIREAT", "j", future}, []string{"SET", "j", "w"},
		), 4, nil},
		{"past expiry", aofbulkLog(
			[]string{"SET", "k", "v1"}, []string{"SET", "k", "v2"}, []string{"PEXPIREAT", "k", past}, []string{"SET", "m", "1"},
		), 2, nil},
		{"engine after", aofbulkLog(
			[]string{"SELECT", "5"}, []string{"SET", "a", "12"}, []string{"APPEND", "a", "3"}, []string{"SET", "b", "1"},
			[]string{"MULTI"}, []string{"SET", "c", "1"}, []string{"INCR", "c"}, []string{"EXEC"},
			[]string{"SET", "d", "x"}, []string{"SELECT", "6"}, []string{"SET", "e", "1"},
		), 1, nil},
		{"multi first", aofbulkLog([]string{"SET", "a", "1"}, []string{"MULTI"}, []string{"SET", "a", "2"}, []string{"EXEC"}), 1, nil},
		{"other key expiry", aofbulkLog([]string{"SET", "a", "1"}, []string{"PEXPIREAT", "b", future}, []string{"SET", "b", "2"}), 1, nil},
		{"expiry twice", aofbulkLog([]string{"SET", "a", "1"}, []string{"PEXPIREAT", "a", future}, []string{"PEXPIREAT", "a", ms(2 * time.Hour)}), 1, nil},
		{"expiry not canonical", aofbulkLog([]string{"SET", "a", "1"}, []string{"PEXPIREAT", "a", "0" + future}, []string{"SET", "b", "2"}), 1, nil},
		{"expiry signed", aofbulkLog([]string{"SET", "a", "1"}, []string{"PEXPIREAT", "a", "+" + future}), 1, nil},
		{"expiry option", aofbulkLog([]string{"SET", "a", "1"}, []string{"PEXPIREAT", "a", future, "NX"}), 1, nil},
		{"set options", aofbulkLog([]string{"SET", "a", "1", "PXAT", future}, []string{"SET", "b", "1"}), 0, nil},
		{"set short", aofbulkLog([]string{"SET", "a", "1"}, []string{"SET", "b"}), 1, nil},
		{"select bad", aofbulkLog([]string{"SET", "a", "1"}, []string{"SELECT", "16"}, []string{"SET", "b", "1"}), 1, nil},
		{"select not canonical", aofbulkLog([]string{"SET", "a", "1"}, []string{"SELECT", "03"}, []string{"SET", "b", "1"}), 1, nil},
		{"torn tail", strs + cmd("SET", "torn", "value")[:20], 16, nil},
		{"torn in multi", strs + aofbulkLog([]string{"MULTI"}, []string{"SET", "t", "1"}), 16, nil},
		{"bad record", strs + "+garbage\r\n" + cmd("SET", "after", "1"), 16, nil},
		{"inline", "SET a 1\r\n", 0, nil},
		{"not empty", strs, 0, []backend.Entry{{DB: 2, Key: []byte("pre"), Type: backend.TypeString, Items: [][]byte{[]byte("x")}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := aofbulkLoad(t, c.log, false, c.pre...)
			got := aofbulkLoad(t, c.log, true, c.pre...)
			if got.stores != c.stores {
				t.Errorf("the bulk load stored %d values, want %d", got.stores, c.stores)
			}
			if want.stores != 0 || want.loads != 0 {
				t.Errorf("the engine-only load ran %d bulk loads", want.loads)
			}
			if got.loads != 1 && c.pre == nil {
				t.Errorf("%d bulk loads, want 1", got.loads)
			}
			got.stores, got.loads = 0, 0
			want.stores, want.loads = 0, 0
			if got != want {
				t.Fatalf("bulk replay:\n%+v\nengine replay:\n%+v", got, want)
			}
		})
	}
}

// TestBulkReplayRewritten loads a rewritten log (a base and an incr file)
// in bulk and through the engine, and both give what was written.
func TestBulkReplayRewritten(t *testing.T) {
	clk := backend.NewManualClock(t0)
	dir := t.TempDir()
	s := openStore(t, dir, aof.Options{}, clk)
	for db := range 3 {
		s.expect("+OK\r\n", "SELECT", strconv.Itoa(db))
		for i := range 500 {
			k := "k" + strconv.Itoa(i)
			s.expect("+OK\r\n", "SET", k, strconv.Itoa(i*db))
			if i%5 == 0 {
				s.expect(":1\r\n", "PEXPIRE", k, strconv.Itoa(1000*(i+1)))
			}
		}
	}
	rewriteAndWait(t, s)
	s.expect("+OK\r\n", "SET", "k1", "after")
	s.expect("+OK\r\n", "MSET", "k2", "x", "k3", "y")
	want := dump(t, s.b)
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	for _, bulk := range []bool{true, false} {
		spy := &aofbulkSpy{Memory: memory.New(memory.Options{Clock: clk})}
		var target backend.Backend = spy
		if !bulk {
			target = aofbulkNoBulk{spy.Memory}
		}
		l := aof.New(aof.Options{Dir: dir, Name: "appendonly.aof", Backend: spy})
		r, err := aof.NewReplayer(target, clk, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Start(r); err != nil {
			t.Fatal(err)
		}
		if got := dump(t, spy); got != want {
			t.Errorf("bulk %v: loaded\n%s\nwant\n%s", bulk, got, want)
		}
		if bulk && spy.stores != 1500 {
			t.Errorf("the bulk load stored %d values, want the base's 1500", spy.stores)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = l.Close(ctx)
		cancel()
		_ = spy.Close()
	}
}
