package aof_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"redpool/backend"
	"redpool/persistence/aof"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func TestRoundTripBinaryAndDatabases(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, aof.Options{Fsync: aof.FsyncAlways}, nil)
	weird := []string{"a b", "k:1:2", "crlf\r\nin\r\nkey", "nul\x00byte", "", "*3\r\n$3\r\nSET", "\xff\xfe"}
	for i, k := range weird {
		s.expect("+OK\r\n", "SET", k, weird[(i+1)%len(weird)])
	}
	s.expect("+OK\r\n", "SELECT", "15")
	s.expect("+OK\r\n", "SET", "in15", "x")
	s.expect(":1\r\n", "INCR", "n")
	s.expect("+OK\r\n", "SELECT", "3")
	s.expect("+OK\r\n", "SET", "in3", "y")
	s.expect(":1\r\n", "DEL", "in3")
	s.expect(":0\r\n", "DEL", "in3") // changes nothing: not logged
	s.expect("+OK\r\n", "SET", "in3", "z")
	s.expect(":5\r\n", "APPEND", "in3", "1234")
	want := dump(t, s.b)

	s = s.reopen()
	if got := dump(t, s.b); got != want {
		t.Fatalf("after reload:\n%s\nwant:\n%s", got, want)
	}
	// The log holds exactly the effects, with SELECT where the database changes.
	recs := records(t, logBytes(t, dir))
	wantRecs := [][]string{{"SELECT", "0"}}
	for i, k := range weird {
		wantRecs = append(wantRecs, []string{"SET", k, weird[(i+1)%len(weird)]})
	}
	wantRecs = append(wantRecs,
		[]string{"SELECT", "15"}, []string{"SET", "in15", "x"}, []string{"INCR", "n"},
		[]string{"SELECT", "3"}, []string{"SET", "in3", "y"}, []string{"DEL", "in3"},
		[]string{"SET", "in3", "z"}, []string{"APPEND", "in3", "1234"})
	if !reflect.DeepEqual(recs, wantRecs) {
		t.Errorf("records:\n%q\nwant\n%q", recs, wantRecs)
	}
	// Appends after a reload start with a SELECT again.
	s.expect("+OK\r\n", "SET", "after", "reload")
	recs = records(t, logBytes(t, dir))
	if got := recs[len(recs)-2:]; !reflect.DeepEqual(got, [][]string{{"SELECT", "0"}, {"SET", "after", "reload"}}) {
		t.Errorf("records after reload end with %q", got)
	}
}

func TestReplayGivesSmallerTTLs(t *testing.T) {
	clk := backend.NewManualClock(t0)
	dir := t.TempDir()
	s := openStore(t, dir, aof.Options{Fsync: aof.FsyncAlways}, clk)
	s.expect("+OK\r\n", "SET", "ex", "v", "EX", "100")
	s.expect("+OK\r\n", "SET", "px", "v", "PX", "100000")
	s.expect("+OK\r\n", "SETEX", "setex", "100", "v")
	s.expect("+OK\r\n", "PSETEX", "psetex", "100000", "v")
	s.expect("+OK\r\n", "SET", "expire", "v")
	s.expect(":1\r\n", "EXPIRE", "expire", "100")
	s.expect("+OK\r\n", "SET", "pexpire", "v")
	s.expect(":1\r\n", "PEXPIRE", "pexpire", "100000")
	s.expect("+OK\r\n", "SET", "getex", "v")
	s.expect("$1\r\nv\r\n", "GETEX", "getex", "EX", "100")
	s.expect("+OK\r\n", "SET", "short", "v", "EX", "10")
	keys := []string{"ex", "px", "setex", "psetex", "expire", "pexpire", "getex"}

	clk.Advance(30 * time.Second)
	s = s.reopen()
	for _, k := range keys {
		s.expect(":70\r\n", "TTL", k)
	}
	clk.Advance(50 * time.Second)
	s = s.reopen()
	for _, k := range keys {
		s.expect(":20\r\n", "TTL", k)
	}
	s.expect(":-2\r\n", "TTL", "short")
	s.expect(":0\r\n", "EXISTS", "short")
}

func TestTornTailAtEveryOffset(t *testing.T) {
	src := t.TempDir()
	s := openStore(t, src, aof.Options{Fsync: aof.FsyncAlways}, nil)
	s.expect("+OK\r\n", "SET", "a", "1")
	s.expect("+OK\r\n", "SET", "b", "2")
	before := dump(t, s.b)
	s.expect("+OK\r\n", "SET", "last", "crlf\r\nvalue")
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	incr := lastIncr(t, src)
	full, err := os.ReadFile(incr)
	if err != nil {
		t.Fatal(err)
	}
	last := int64(len(cmd("SET", "last", "crlf\r\nvalue")))
	good := int64(len(full)) - last
	for cut := good; cut < int64(len(full)); cut++ {
		t.Run(strconv.FormatInt(cut, 10), func(t *testing.T) {
			dir, path := copyCut(t, src, incr, cut)
			s := openStore(t, dir, aof.Options{Fsync: aof.FsyncAlways}, nil)
			if got := dump(t, s.b); got != before {
				t.Fatalf("loaded:\n%s\nwant:\n%s", got, before)
			}
			if fi, err := os.Stat(path); err != nil || fi.Size() != good {
				t.Fatalf("file not cut to the last good record (%d): %v %v", good, fi.Size(), err)
			}
			// New records are appended cleanly after the cut.
			s.expect("+OK\r\n", "SET", "new", "x")
			s = s.reopen()
			s.expect("$1\r\nx\r\n", "GET", "new")
			s.expect("$1\r\n2\r\n", "GET", "b")
			s.expect(":0\r\n", "EXISTS", "last")
		})
	}
}

func TestCorruptionIsRefusedWithOffset(t *testing.T) {
	setA, setB := cmd("SET", "a", "1"), cmd("SET", "b", "2")
	sel := cmd("SELECT", "0")
	tests := []struct {
		name, data string
		off        int
		want       error
		detail     string
	}{
		{"inline text", sel + setA + "SET x y\r\n" + setB, len(sel + setA), aof.ErrBadRecord, "not a multibulk command"},
		{"bad bulk header", sel + setA + "*3\r\n$3\r\nSET\r\n!1\r\nb\r\n$1\r\n2\r\n" + setB, len(sel + setA), aof.ErrBadRecord, "Protocol error: expected '$', got '!'"},
		{"bulk length too long", sel + setA + "*3\r\n$3\r\nSET\r\n$2\r\nb\r\n$1\r\n2\r\n" + setB, len(sel + setA), aof.ErrBadRecord, "Protocol error: invalid bulk length"},
		{"empty multibulk", sel + "*0\r\n" + setA + setB, len(sel), aof.ErrBadRecord, "empty multibulk command"},
		{"zero bytes", sel + setA + "\x00\x00\x00\x00" + setB, len(sel + setA), aof.ErrBadRecord, "not a multibulk command"},
		{"unknown command", sel + setA + cmd("NOSUCH", "x") + setB, len(sel + setA), aof.ErrReplay, "ERR unknown command 'NOSUCH', with args beginning with: 'x' "},
		{"read command", sel + setA + cmd("GET", "a") + setB, len(sel + setA), aof.ErrReplay, "'get' is not a command the log records"},
		{"blocking command", sel + setA + cmd("BLPOP", "l", "0") + setB, len(sel + setA), aof.ErrReplay, "'blpop' is not a command the log records"},
		{"wrong arity", sel + setA + cmd("SET", "a") + setB, len(sel + setA), aof.ErrReplay, "ERR wrong number of arguments for 'set' command"},
		{"bad database", sel + setA + cmd("SELECT", "16") + setB, len(sel + setA), aof.ErrReplay, "ERR DB index is out of range"},
		{"wrong type", sel + setA + cmd("INCR", "a") + cmd("APPEND", "a", "x") + cmd("INCR", "a") + setB, len(sel + setA + cmd("INCR", "a") + cmd("APPEND", "a", "x")), aof.ErrReplay, "ERR value is not an integer or out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeLog(t, dir, tt.data)
			_, err := tryOpenStore(t, dir, aof.Options{}, nil)
			path := filepath.Join(dir, "appendonly.aof.1.incr.aof")
			want := fmt.Sprintf("%v at offset %d of %s: %s", tt.want, tt.off, path, tt.detail)
			if err == nil || err.Error() != want {
				t.Fatalf("got  %v\nwant %s", err, want)
			}
			var ce *aof.CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, tt.want) || ce.Offset != int64(tt.off) {
				t.Fatalf("error %#v is not a CorruptError for %v at %d", err, tt.want, tt.off)
			}
			// Nothing was cut.
			if fi, _ := os.Stat(path); fi.Size() != int64(len(tt.data)) {
				t.Errorf("file changed: %d bytes, want %d", fi.Size(), len(tt.data))
			}
		})
	}
}

func TestTornTailOnlyAtTheEnd(t *testing.T) {
	setA := cmd("SET", "a", "1")
	torn := setA[:len(setA)-3]
	t.Run("incr followed by a non-empty incr", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, aof.Manifest{Files: []aof.FileRef{
			{Kind: aof.KindIncr, Seq: 1, Name: "appendonly.aof.1.incr.aof"},
			{Kind: aof.KindIncr, Seq: 2, Name: "appendonly.aof.2.incr.aof"},
		}}, torn, setA)
		_, err := tryOpenStore(t, dir, aof.Options{}, nil)
		if !errors.Is(err, aof.ErrTruncated) {
			t.Fatalf("got %v, want ErrTruncated", err)
		}
	})
	t.Run("incr followed by an empty incr", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, aof.Manifest{Files: []aof.FileRef{
			{Kind: aof.KindIncr, Seq: 1, Name: "appendonly.aof.1.incr.aof"},
			{Kind: aof.KindIncr, Seq: 2, Name: "appendonly.aof.2.incr.aof"},
		}}, setA+torn, "")
		s := openStore(t, dir, aof.Options{}, nil)
		s.expect("$1\r\n1\r\n", "GET", "a")
	})
	t.Run("base", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, aof.Manifest{Files: []aof.FileRef{
			{Kind: aof.KindBase, Seq: 1, Name: "appendonly.aof.1.base.aof"},
			{Kind: aof.KindIncr, Seq: 1, Name: "appendonly.aof.1.incr.aof"},
		}}, setA+torn, "")
		_, err := tryOpenStore(t, dir, aof.Options{}, nil)
		want := fmt.Sprintf("aof: truncated record at offset %d of %s", len(setA), filepath.Join(dir, "appendonly.aof.1.base.aof"))
		if err == nil || err.Error() != want {
			t.Fatalf("got %v, want %s", err, want)
		}
	})
}

func TestMissingFileAndStrayFiles(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		dir := t.TempDir()
		writeLog(t, dir, cmd("SET", "a", "1"))
		if err := os.Remove(filepath.Join(dir, "appendonly.aof.1.incr.aof")); err != nil {
			t.Fatal(err)
		}
		if _, err := tryOpenStore(t, dir, aof.Options{}, nil); !errors.Is(err, aof.ErrMissingFile) {
			t.Fatalf("got %v, want ErrMissingFile", err)
		}
	})
	t.Run("leftovers are cleaned", func(t *testing.T) {
		dir := t.TempDir()
		writeLog(t, dir, cmd("SET", "a", "1"))
		for _, name := range []string{"appendonly.aof.7.base.aof", "appendonly.aof.8.incr.aof", "appendonly.aof.9.base.aof.tmp", "appendonly.aof.manifest.tmp"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(cmd("SET", "a", "stale")), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		keep := filepath.Join(dir, "appendonly.aof.notours")
		if err := os.WriteFile(keep, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		s := openStore(t, dir, aof.Options{}, nil)
		s.expect("$1\r\n1\r\n", "GET", "a")
		names := dirNames(t, dir)
		want := []string{"appendonly.aof.1.incr.aof", "appendonly.aof.manifest", "appendonly.aof.notours"}
		if !reflect.DeepEqual(names, want) {
			t.Errorf("files %q, want %q", names, want)
		}
	})
	t.Run("no manifest", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "appendonly.aof.3.incr.aof"), []byte(cmd("SET", "a", "1")), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "appendonly.aof.4.incr.aof"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := tryOpenStore(t, dir, aof.Options{}, nil)
		if !errors.Is(err, aof.ErrStrayFiles) {
			t.Fatalf("got %v, want ErrStrayFiles", err)
		}
		t.Log(err)
	})
}

func TestOldSingleFileIsAdopted(t *testing.T) {
	dir := t.TempDir()
	data := cmd("SELECT", "0") + cmd("SET", "a", "1") + cmd("RPUSH", "l", "x", "y")
	torn := cmd("SET", "b", "2")
	if err := os.WriteFile(filepath.Join(dir, "appendonly.aof"), []byte(data+torn[:5]), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, dir, aof.Options{}, nil)
	s.expect("$1\r\n1\r\n", "GET", "a")
	s.expect(":0\r\n", "EXISTS", "b")
	s.expect("+OK\r\n", "SET", "c", "3")
	m := s.log.Manifest()
	if base, ok := m.Base(); !ok || base.Name != "appendonly.aof" || len(m.Incrs()) != 1 {
		t.Fatalf("manifest %+v", m)
	}
	s = s.reopen()
	s.expect("$1\r\n3\r\n", "GET", "c")
	rewriteAndWait(t, s)
	if _, err := os.Stat(filepath.Join(dir, "appendonly.aof")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old file still there after a rewrite: %v", err)
	}
	s = s.reopen()
	s.expect("$1\r\n1\r\n", "GET", "a")
	s.expect("$1\r\n3\r\n", "GET", "c")
}

func TestAlwaysGroupCommit(t *testing.T) {
	var syncs atomic.Int64
	opts := aof.Options{Fsync: aof.FsyncAlways, OpenFile: func(name string, flag int, perm os.FileMode) (aof.File, error) {
		f, err := aof.OpenOSFile(name, flag, perm)
		if err != nil {
			return nil, err
		}
		return countingFile{File: f, n: &syncs}, nil
	}}
	s := openStore(t, t.TempDir(), opts, nil)
	const clients, each = 50, 100
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		ctx := s.eng.NewCtx(s.eng.NewClient("c", "c"), nil)
		wg.Go(func() {
			for i := range each {
				s.eng.Exec(ctx, [][]byte{[]byte("SET"), fmt.Appendf(nil, "k%d:%d", c, i), []byte("v")})
				if string(ctx.Out()) != "+OK\r\n" {
					t.Errorf("reply %q", ctx.Out())
				}
				if err := s.log.Wait(ctx.LogSeq()); err != nil {
					t.Error(err)
				}
				ctx.Reset()
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	n := syncs.Load()
	t.Logf("%d acknowledged writes from %d clients with %d fsyncs (%.1f writes per fsync), %.0f writes/s",
		clients*each, clients, n, float64(clients*each)/float64(n), float64(clients*each)/took.Seconds())
	if n == 0 || n > clients*each/4 {
		t.Errorf("%d fsyncs for %d writes: no group commit", n, clients*each)
	}
	s = s.reopen()
	s.expect(":5000\r\n", "DBSIZE")
}

type countingFile struct {
	aof.File
	n *atomic.Int64
}

func (f countingFile) Sync() error {
	f.n.Add(1)
	return f.File.Sync()
}

func TestWriteErrorsRefuseWritesUntilRetrySucceeds(t *testing.T) {
	cases := []struct {
		name        string
		fsync       aof.Fsync
		write, sync error
		short       bool
	}{
		{"always write ENOSPC", aof.FsyncAlways, syscall.ENOSPC, nil, false},
		{"always short write", aof.FsyncAlways, syscall.ENOSPC, nil, true},
		{"always fsync EIO", aof.FsyncAlways, nil, syscall.EIO, false},
		{"everysec write ENOSPC", aof.FsyncEverySec, syscall.ENOSPC, nil, true},
		{"everysec fsync EIO", aof.FsyncEverySec, nil, syscall.EIO, false},
		{"no write EIO", aof.FsyncNo, syscall.EIO, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := &faultyFS{short: tc.short}
			dir := t.TempDir()
			s := openStore(t, dir, aof.Options{Fsync: tc.fsync, OpenFile: fs.open, RetryInterval: 10 * time.Millisecond}, nil)
			s.expect("+OK\r\n", "SET", "before", "1")
			waitFor(t, "the first record to be written", func() bool { return infoMap(s.log)["aof_current_size"] != "0" })

			fs.set(tc.write, tc.sync)
			got := s.do("SET", "during", "2")
			if tc.fsync == aof.FsyncAlways {
				if want := errors.Join(tc.write, tc.sync).Error(); !strings.HasPrefix(got, "!") || !strings.HasSuffix(got, want) {
					t.Errorf("SET while failing: %q, want a Wait error ending in %q", got, want)
				}
			} else if got != "+OK\r\n" {
				t.Errorf("SET while failing (%s): %q", tc.fsync, got)
			}
			waitFor(t, "Err", func() bool { return s.log.Err() != nil })
			want := "No space left on device"
			if errors.Is(tc.write, syscall.EIO) || errors.Is(tc.sync, syscall.EIO) {
				want = "Input/output error"
			}
			s.expect("-MISCONF Errors writing to the AOF file: "+want+"\r\n", "SET", "refused", "3")
			s.expect("$1\r\n1\r\n", "GET", "before")
			s.expect("$1\r\n2\r\n", "GET", "during") // applied, just not acknowledged
			if info := infoMap(s.log); info["aof_last_write_status"] != "err" {
				t.Errorf("aof_last_write_status %q while failing", info["aof_last_write_status"])
			}

			fs.set(nil, nil)
			waitFor(t, "the retry", func() bool { return s.log.Err() == nil })
			s.expect("+OK\r\n", "SET", "after", "4")
			if info := infoMap(s.log); info["aof_last_write_status"] != "ok" {
				t.Errorf("aof_last_write_status %q after the retry", info["aof_last_write_status"])
			}
			s = s.reopen()
			s.expect("$1\r\n1\r\n", "GET", "before")
			s.expect("$1\r\n2\r\n", "GET", "during")
			s.expect("$1\r\n4\r\n", "GET", "after")
			s.expect(":0\r\n", "EXISTS", "refused")
			recs := records(t, logBytes(t, dir))
			if len(recs) != 4 {
				t.Errorf("records %q: want SELECT and three SETs exactly once", recs)
			}
		})
	}
}

func infoMap(l *aof.Log) map[string]string {
	m := map[string]string{}
	for _, f := range l.Info() {
		m[f[0]] = f[1]
	}
	return m
}

// waitFor polls cond until it holds or ten seconds pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// rewriteAndWait runs a rewrite to its end and fails if it failed.
func rewriteAndWait(t testing.TB, s *store) {
	t.Helper()
	if err := s.log.BGRewrite(); err != nil {
		t.Fatalf("BGRewrite: %v", err)
	}
	waitFor(t, "the rewrite", func() bool { return !s.log.Rewriting() })
	if info := infoMap(s.log); info["aof_last_bgrewrite_status"] != "ok" {
		t.Fatalf("rewrite failed: %v", info)
	}
}

// writeLog writes data as the only incr file of a log in dir.
func writeLog(t testing.TB, dir, data string) {
	t.Helper()
	writeFiles(t, dir, aof.Manifest{Files: []aof.FileRef{{Kind: aof.KindIncr, Seq: 1, Name: "appendonly.aof.1.incr.aof"}}}, data)
}

// writeFiles writes a manifest and the contents of the files it names.
func writeFiles(t testing.TB, dir string, m aof.Manifest, contents ...string) {
	t.Helper()
	for i, f := range m.Files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), []byte(contents[i]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "appendonly.aof.manifest"), m.Encode(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestReplyWaitsForTheWrite(t *testing.T) {
	for _, f := range []aof.Fsync{aof.FsyncAlways, aof.FsyncEverySec, aof.FsyncNo} {
		t.Run(f.String(), func(t *testing.T) {
			var syncs atomic.Int64
			dir := t.TempDir()
			opts := aof.Options{Fsync: f, RetryInterval: time.Hour, OpenFile: func(name string, flag int, perm os.FileMode) (aof.File, error) {
				file, err := aof.OpenOSFile(name, flag, perm)
				if err != nil {
					return nil, err
				}
				return countingFile{File: file, n: &syncs}, nil
			}}
			s := openStore(t, dir, opts, nil)
			before := syncs.Load() // the manifest's
			s.expect("+OK\r\n", "SET", "k", "v")
			// No background tick has run: Wait itself wrote the record.
			data, err := os.ReadFile(lastIncr(t, dir))
			if err != nil {
				t.Fatal(err)
			}
			if want := cmd("SELECT", "0") + cmd("SET", "k", "v"); string(data) != want {
				t.Fatalf("file holds %q after the reply, want %q", data, want)
			}
			wantSyncs := int64(0)
			if f == aof.FsyncAlways {
				wantSyncs = 1
			}
			if n := syncs.Load() - before; n != wantSyncs {
				t.Errorf("%d fsyncs, want %d", n, wantSyncs)
			}
		})
	}
}

func TestEverySecFsyncsInTheBackground(t *testing.T) {
	var syncs atomic.Int64
	opts := aof.Options{Fsync: aof.FsyncEverySec, RetryInterval: 5 * time.Millisecond, OpenFile: func(name string, flag int, perm os.FileMode) (aof.File, error) {
		file, err := aof.OpenOSFile(name, flag, perm)
		if err != nil {
			return nil, err
		}
		return countingFile{File: file, n: &syncs}, nil
	}}
	s := openStore(t, t.TempDir(), opts, nil)
	before := syncs.Load()
	s.expect("+OK\r\n", "SET", "k", "v")
	waitFor(t, "a background fsync", func() bool { return syncs.Load() > before })
	// Nothing new: no more fsyncs.
	time.Sleep(30 * time.Millisecond)
	n := syncs.Load()
	time.Sleep(30 * time.Millisecond)
	if syncs.Load() != n {
		t.Errorf("fsyncs go on with nothing to sync: %d then %d", n, syncs.Load())
	}
}
