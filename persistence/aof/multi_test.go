package aof_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"redpool/persistence/aof"
)

// TestTransactionIsOneUnit checks that EXEC's writes reach the log as
// MULTI ... EXEC (SELECT inside it where the database changes), that one
// write alone and a transaction without writes are not wrapped, and that
// the log replays to the same data.
func TestTransactionIsOneUnit(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, aof.Options{Fsync: aof.FsyncAlways}, nil)
	s.expect("+OK\r\n", "SET", "a", "10")
	for _, c := range [][]string{{"MULTI"}, {"DECRBY", "a", "3"}, {"INCRBY", "b", "3"}, {"GET", "a"}, {"SELECT", "2"}, {"SET", "c", "x"}} {
		s.do(c...)
	}
	s.expect("*5\r\n:7\r\n:3\r\n$1\r\n7\r\n+OK\r\n+OK\r\n", "EXEC")
	s.expect("+OK\r\n", "MULTI")
	s.expect("+QUEUED\r\n", "INCR", "one")
	s.expect("+QUEUED\r\n", "GET", "one")
	s.expect("*2\r\n:1\r\n$1\r\n1\r\n", "EXEC")
	s.expect("+OK\r\n", "MULTI")
	s.expect("+QUEUED\r\n", "GET", "one")
	s.expect("+QUEUED\r\n", "DEL", "nokey")
	s.expect("*2\r\n$1\r\n1\r\n:0\r\n", "EXEC")
	want := dump(t, s.b)

	recs := records(t, logBytes(t, dir))
	wantRecs := [][]string{
		{"SELECT", "0"}, {"SET", "a", "10"},
		{"MULTI"}, {"DECRBY", "a", "3"}, {"INCRBY", "b", "3"}, {"SELECT", "2"}, {"SET", "c", "x"}, {"EXEC"},
		{"INCR", "one"},
	}
	if !reflect.DeepEqual(recs, wantRecs) {
		t.Errorf("records:\n%q\nwant\n%q", recs, wantRecs)
	}
	s = s.reopen()
	if got := dump(t, s.b); got != want {
		t.Fatalf("after reload:\n%s\nwant:\n%s", got, want)
	}
}

// TestCutInsideTransaction cuts the log at every offset inside a
// transaction's block: the load drops the whole transaction (the file is
// cut back to before its MULTI) and keeps what came before.
func TestCutInsideTransaction(t *testing.T) {
	src := t.TempDir()
	s := openStore(t, src, aof.Options{Fsync: aof.FsyncAlways}, nil)
	s.expect("+OK\r\n", "MSET", "a", "10", "b", "10")
	before := dump(t, s.b)
	s.do("MULTI")
	s.do("DECRBY", "a", "4")
	s.do("INCRBY", "b", "4")
	s.expect("*2\r\n:6\r\n:14\r\n", "EXEC")
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	incr := lastIncr(t, src)
	full, err := os.ReadFile(incr)
	if err != nil {
		t.Fatal(err)
	}
	block := cmd("MULTI") + cmd("DECRBY", "a", "4") + cmd("INCRBY", "b", "4") + cmd("EXEC")
	if !strings.HasSuffix(string(full), block) {
		t.Fatalf("log does not end with the transaction: %q", full)
	}
	good := int64(len(full) - len(block))
	for cut := good + 1; cut < int64(len(full)); cut++ {
		dir, path := copyCut(t, src, incr, cut)
		s := openStore(t, dir, aof.Options{Fsync: aof.FsyncAlways}, nil)
		if got := dump(t, s.b); got != before {
			t.Fatalf("cut at %d: loaded:\n%s\nwant:\n%s", cut, got, before)
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() != good {
			t.Fatalf("cut at %d: file not cut back to before MULTI (%d): %v %v", cut, good, fi.Size(), err)
		}
		// The log goes on cleanly after the cut, transactions included.
		s.do("MULTI")
		s.do("SET", "new", "x")
		s.do("INCR", "a")
		s.expect("*2\r\n+OK\r\n:11\r\n", "EXEC")
		s = s.reopen()
		s.expect("$1\r\nx\r\n", "GET", "new")
		s.expect("$2\r\n11\r\n", "GET", "a")
		s.expect("$2\r\n10\r\n", "GET", "b")
		if err := s.close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOpenTransactionInEarlierFile refuses a log whose file other than the
// last ends inside a MULTI block (corruption, not a crash), and loads one
// whose last file does, even with a torn record after the MULTI.
func TestOpenTransactionInEarlierFile(t *testing.T) {
	setA := cmd("SET", "a", "1")
	open := cmd("MULTI") + cmd("SET", "a", "2")
	files := aof.Manifest{Files: []aof.FileRef{
		{Kind: aof.KindIncr, Seq: 1, Name: "appendonly.aof.1.incr.aof"},
		{Kind: aof.KindIncr, Seq: 2, Name: "appendonly.aof.2.incr.aof"},
	}}
	t.Run("earlier file", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, files, setA+open, setA)
		_, err := tryOpenStore(t, dir, aof.Options{}, nil)
		want := fmt.Sprintf("aof: bad record at offset %d of %s: MULTI without EXEC", len(setA), filepath.Join(dir, "appendonly.aof.1.incr.aof"))
		if err == nil || err.Error() != want {
			t.Fatalf("got %v, want %s", err, want)
		}
	})
	t.Run("last non-empty file, torn", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, files, setA+open+setA[:5], "")
		s := openStore(t, dir, aof.Options{}, nil)
		s.expect("$1\r\n1\r\n", "GET", "a")
		fi, err := os.Stat(filepath.Join(dir, "appendonly.aof.1.incr.aof"))
		if err != nil || fi.Size() != int64(len(setA)) {
			t.Fatalf("file not cut back to before MULTI: %v %v", fi, err)
		}
	})
}

// TestCheckFileOpenTransaction: check-aof reports a file ending inside a
// MULTI block as truncated at its MULTI, where load cuts it.
func TestCheckFileOpenTransaction(t *testing.T) {
	setA := cmd("SET", "a", "1")
	path := filepath.Join(t.TempDir(), "x.aof")
	for _, tail := range []string{"", setA[:4]} {
		data := setA + cmd("MULTI") + setA + tail
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		size, good, err := aof.CheckFile(path)
		want := fmt.Sprintf("aof: truncated record at offset %d of %s: MULTI without EXEC", len(setA), path)
		if size != int64(len(data)) || good != int64(len(setA)) || err == nil || err.Error() != want {
			t.Errorf("tail %q: CheckFile = %d, %d, %v; want good %d, %s", tail, size, good, err, len(setA), want)
		}
	}
	if err := os.WriteFile(path, []byte(setA+cmd("MULTI")+setA+cmd("EXEC")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := aof.CheckFile(path); err != nil {
		t.Errorf("a whole transaction: %v", err)
	}
}

// copyCut copies the log directory src to a new directory and cuts its
// file named like the path incr to size cut; it returns the new directory
// and the cut file's path.
func copyCut(t *testing.T, src, incr string, cut int64) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	copyDir(t, src, dir)
	path = filepath.Join(dir, filepath.Base(incr))
	if err := os.Truncate(path, cut); err != nil {
		t.Fatal(err)
	}
	return dir, path
}
