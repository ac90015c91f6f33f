package command

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/memory"
)

// recordLog is a Log that keeps every record as one line of text.
type recordLog struct {
	mu      sync.Mutex
	records []string
	err     error // what Err reports
}

func (l *recordLog) Append(db int, argv [][]byte) uint64 {
	line := recordLine(db, argv)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, line)
	return uint64(len(l.records))
}

// recordLine renders a record as "db: word word...".
func recordLine(db int, argv [][]byte) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = string(a)
	}
	return strconv.Itoa(db) + ": " + strings.Join(words, " ")
}

// AppendMulti keeps a transaction as "MULTI", its records, "EXEC".
func (l *recordLog) AppendMulti(recs []Record) uint64 {
	lines := []string{"MULTI"}
	for _, r := range recs {
		lines = append(lines, recordLine(r.DB, r.Argv))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(append(l.records, lines...), "EXEC")
	return uint64(len(l.records))
}

func (l *recordLog) Wait(uint64) error { return nil }
func (l *recordLog) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *recordLog) setErr(err error) {
	l.mu.Lock()
	l.err = err
	l.mu.Unlock()
}

// take returns the records since the last call.
func (l *recordLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.records
	l.records = nil
	return r
}

// TestPropagation checks what the string and key commands write to the
// AOF: relative times become absolute, INCRBYFLOAT its result, expiry its
// effect, and commands that change nothing write nothing.
func TestPropagation(t *testing.T) {
	clk := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	now := clk.Now().UnixMilli()
	at := func(d time.Duration) string { return strconv.FormatInt(now+d.Milliseconds(), 10) }
	m := memory.New(memory.Options{Clock: clk, ExpiryInterval: -1})
	defer m.Close()
	log := &recordLog{}
	e, err := NewEngine(Options{Backend: m, Clock: clk, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	c := e.NewCtx(e.NewClient("a", "b"), nil)
	for _, tc := range []struct {
		cmd  string
		want []string // records, "" for none
	}{
		{"SET k v", []string{"0: SET k v"}},
		{"SET k v EX 10", []string{"0: SET k v PXAT " + at(10*time.Second)}},
		{"SET k v PX 100 GET", []string{"0: SET k v PXAT " + at(100*time.Millisecond)}},
		{"SET k v EXAT 1800000000", []string{"0: SET k v PXAT 1800000000000"}},
		{"SET k v PXAT 1800000000123 KEEPTTL", nil}, // a syntax error
		{"SET k v PXAT 1800000000123", []string{"0: SET k v PXAT 1800000000123"}},
		{"SET k w KEEPTTL", []string{"0: SET k w KEEPTTL"}},
		{"SET k v NX", nil},
		{"SET nope v XX", nil},
		{"SETNX k v", nil},
		{"SETEX k 10 v", []string{"0: SET k v PXAT " + at(10*time.Second)}},
		{"PSETEX k 10 v", []string{"0: SET k v PXAT " + at(10*time.Millisecond)}},
		{"GETEX k", nil},
		{"GETEX k EX 10", []string{"0: PEXPIREAT k " + at(10*time.Second)}},
		{"GETEX k PERSIST", []string{"0: PERSIST k"}},
		{"GETEX k PERSIST", nil},
		{"GETEX k PXAT 1", []string{"0: DEL k"}},
		{"GETEX k EX 10", nil},
		{"SET k 1", []string{"0: SET k 1"}},
		{"INCR k", []string{"0: INCR k"}},
		{"INCRBY k x", nil},
		{"INCRBYFLOAT k 1.5", []string{"0: SET k 3.5 KEEPTTL"}},
		{"INCRBYFLOAT k abc", nil},
		{"APPEND k x", []string{"0: APPEND k x"}},
		{"SETRANGE k 0 ", nil},
		{"SETRANGE k 0 y", []string{"0: SETRANGE k 0 y"}},
		{"MSET a 1 b 2", []string{"0: MSET a 1 b 2"}},
		{"MSETNX a 1 c 2", nil},
		{"GETDEL nope", nil},
		{"GETDEL a", []string{"0: GETDEL a"}},
		{"EXPIRE k 100", []string{"0: PEXPIREAT k " + at(100*time.Second)}},
		{"PEXPIRE k 100", []string{"0: PEXPIREAT k " + at(100*time.Millisecond)}},
		{"EXPIREAT k 1800000000", []string{"0: PEXPIREAT k 1800000000000"}},
		{"PEXPIREAT k 1800000000001", []string{"0: PEXPIREAT k 1800000000001"}},
		{"EXPIRE k 1 GT", nil},
		{"EXPIRE nope 10", nil},
		{"PERSIST k", []string{"0: PERSIST k"}},
		{"PERSIST k", nil},
		{"EXPIRE k -1", []string{"0: DEL k"}},
		{"DEL k nope", nil},
		{"SET k v", []string{"0: SET k v"}},
		{"DEL k nope", []string{"0: DEL k nope"}},
		{"UNLINK nope", nil},
		{"SET k v", []string{"0: SET k v"}},
		{"RENAME k k", nil},
		{"RENAMENX k b", nil},
		{"RENAME k k2", []string{"0: RENAME k k2"}},
		{"COPY k2 k3", []string{"0: COPY k2 k3"}},
		{"COPY k2 k3", nil},
		{"COPY k2 k3 DB 1", []string{"0: COPY k2 k3 DB 1"}},
		{"MOVE k2 1", []string{"0: MOVE k2 1"}},
		{"MOVE k3 1", nil},
		{"SWAPDB 0 1", []string{"0: SWAPDB 0 1"}},
		{"GET k3", nil},
		{"LCS k3 b", nil},
	} {
		args := benchArgs(strings.Split(tc.cmd, " ")...)
		e.Exec(c, args)
		got := log.take()
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s (reply %q): logged %q, want %q", tc.cmd, c.Out(), got, tc.want)
		}
		c.Reset()
	}
}

// TestWriteFailureChangesNothing: a command refused by validation leaves
// the data as it was (the memory backend has no rollback).
func TestWriteFailureChangesNothing(t *testing.T) {
	m, c := newMemoryCtx(t)
	err := m.Update(backend.TxOptions{Keys: [][]byte{[]byte("l")}}, func(tx backend.Tx) error {
		_, err := tx.ListPush([]byte("l"), false, [][]byte{[]byte("x")}, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{
		"SET l v GET", "SET l v GET EX 10", "GETSET l v", "GETDEL l", "GETEX l EX 10", "GETEX l PERSIST", "INCR l",
		"INCRBYFLOAT l 1", "APPEND l x", "SETRANGE l 0 x", "LCS l l", "GET l", "STRLEN l", "GETRANGE l 0 1",
	} {
		c.Engine().Exec(c, benchArgs(strings.Split(cmd, " ")...))
		if got := string(c.Out()); got != "-"+string(ErrWrongType)+"\r\n" && !strings.HasPrefix(got, "-ERR The specified keys") {
			t.Errorf("%s = %q", cmd, got)
		}
		c.Reset()
	}
	err = m.View(backend.TxOptions{Keys: [][]byte{[]byte("l")}}, func(tx backend.Tx) error {
		n, err := tx.ListLen([]byte("l"))
		if n != 1 || err != nil {
			t.Errorf("list length %d, %v", n, err)
		}
		at, _, _ := tx.ExpireAt([]byte("l"))
		if at != 0 {
			t.Errorf("list got an expiry %d", at)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
