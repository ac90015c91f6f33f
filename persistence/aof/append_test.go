package aof_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"redpool/persistence/aof"
)

func TestEveryFileIsOpenedAppendOnly(t *testing.T) {
	type open struct {
		name string
		flag int
	}
	var mu sync.Mutex
	var opened []open
	opts := aof.Options{Fsync: aof.FsyncAlways, OpenFile: func(name string, flag int, perm os.FileMode) (aof.File, error) {
		mu.Lock()
		opened = append(opened, open{filepath.Base(name), flag})
		mu.Unlock()
		return aof.OpenOSFile(name, flag, perm)
	}}
	dir := t.TempDir()
	s := openStore(t, dir, opts, nil) // creates incr 1
	s.expect("+OK\r\n", "SET", "a", "1")
	rewriteAndWait(t, s) // creates incr 2, the base and the manifests
	s.expect("+OK\r\n", "SET", "b", "2")
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	// A torn tail: the file is cut, then reopened to append to.
	incr := lastIncr(t, dir)
	if err := os.Truncate(incr, fileSize(t, incr)-3); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir, opts, nil)
	s.expect(":0\r\n", "EXISTS", "b")
	s.expect("+OK\r\n", "SET", "c", "3")

	mu.Lock()
	defer mu.Unlock()
	count := map[string]int{}
	for _, o := range opened {
		count[o.name]++
		if o.flag&os.O_APPEND == 0 || o.flag&(os.O_WRONLY|os.O_RDWR) == 0 {
			t.Errorf("%s opened with flags %#x: want O_APPEND and writing", o.name, o.flag)
		}
	}
	// Incr 2 is created by the rewrite, then reopened after the cut.
	want := map[string]int{"appendonly.aof.1.incr.aof": 1, "appendonly.aof.2.incr.aof": 2, "appendonly.aof.2.base.aof.tmp": 1}
	for name, n := range want {
		if count[name] != n {
			t.Errorf("%s opened %d times, want %d (opened %v)", name, count[name], n, opened)
		}
	}
	if count["appendonly.aof.manifest.tmp"] == 0 {
		t.Errorf("the manifest was not written through OpenFile (opened %v)", opened)
	}
}

// TestWritesLandAfterOtherWriters: with O_APPEND, bytes another descriptor
// appended are not overwritten by the log's next record (as they were when
// the log wrote at the offset it had computed).
func TestWritesLandAfterOtherWriters(t *testing.T) {
	for _, f := range []aof.Fsync{aof.FsyncAlways, aof.FsyncEverySec, aof.FsyncNo} {
		t.Run(f.String(), func(t *testing.T) {
			dir := t.TempDir()
			s := openStore(t, dir, aof.Options{Fsync: f, RetryInterval: time.Hour}, nil)
			s.expect("+OK\r\n", "SET", "a", "1")
			incr := lastIncr(t, dir)
			other, err := os.OpenFile(incr, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := other.WriteAt([]byte("X"), fileSize(t, incr)); err != nil {
				t.Fatal(err)
			}
			if err := other.Close(); err != nil {
				t.Fatal(err)
			}
			s.expect("+OK\r\n", "SET", "b", "2")
			data, err := os.ReadFile(incr)
			if err != nil {
				t.Fatal(err)
			}
			if want := cmd("SELECT", "0") + cmd("SET", "a", "1") + "X" + cmd("SET", "b", "2"); string(data) != want {
				t.Fatalf("file holds %q, want %q", data, want)
			}
		})
	}
}

// TestFailedWriteIsCutBackAndAppendedAgain: a write that fails half-way
// leaves part of a record in the file; the retry cuts it off (once the
// file can be cut: until then nothing is appended) and appends the records
// again, so that the log ends up holding every record exactly once. After
// a failed fsync the retry writes the bytes since the last good one again,
// also exactly once.
func TestFailedWriteIsCutBackAndAppendedAgain(t *testing.T) {
	cases := []struct {
		fsync       aof.Fsync
		write, sync error
	}{
		{aof.FsyncAlways, syscall.ENOSPC, nil},
		{aof.FsyncAlways, nil, syscall.EIO},
		{aof.FsyncEverySec, syscall.ENOSPC, nil},
		{aof.FsyncEverySec, nil, syscall.EIO},
		{aof.FsyncNo, syscall.ENOSPC, nil},
	}
	for _, tc := range cases {
		name := tc.fsync.String() + " write"
		if tc.sync != nil {
			name = tc.fsync.String() + " fsync"
		}
		t.Run(name, func(t *testing.T) {
			fs := &faultyFS{short: true}
			dir := t.TempDir()
			s := openStore(t, dir, aof.Options{Fsync: tc.fsync, OpenFile: fs.open, RetryInterval: 5 * time.Millisecond}, nil)
			s.expect("+OK\r\n", "SET", "before", "1")
			waitFor(t, "the first record to be written", func() bool { return infoMap(s.log)["aof_current_size"] != "0" })
			incr := lastIncr(t, dir)
			good := cmd("SELECT", "0") + cmd("SET", "before", "1")

			fs.setTruncate(syscall.EIO)
			fs.set(tc.write, tc.sync)
			got := s.do("SET", "during", "2")
			if tc.fsync == aof.FsyncAlways {
				if !strings.HasPrefix(got, "!") {
					t.Errorf("SET while failing acknowledged: %q", got)
				}
			} else if got != "+OK\r\n" {
				t.Errorf("SET while failing (%s): %q", tc.fsync, got)
			}
			waitFor(t, "Err", func() bool { return s.log.Err() != nil })
			during := good + cmd("SET", "during", "2")
			if tc.write != nil {
				// Half of the record went in.
				want := during[:len(good)+len(cmd("SET", "during", "2"))/2]
				if data, err := os.ReadFile(incr); err != nil || string(data) != want {
					t.Errorf("file holds %q (%v) while failing, want %q", data, err, want)
				}
			}

			// The disk takes writes again, but the file cannot be cut yet:
			// the retries append nothing.
			fs.set(nil, nil)
			n := len(fs.truncations())
			waitFor(t, "failed retries", func() bool { return len(fs.truncations()) >= n+2 })
			if s.log.Err() == nil {
				t.Fatal("a retry succeeded though the file could not be cut back")
			}
			fs.setTruncate(nil)
			waitFor(t, "the retry", func() bool { return s.log.Err() == nil })
			s.expect("+OK\r\n", "SET", "after", "3")
			want := during + cmd("SET", "after", "3")
			if data, err := os.ReadFile(incr); err != nil || string(data) != want {
				t.Fatalf("file holds %q (%v), want %q", data, err, want)
			}
			if tc.write != nil {
				// Only the half record was cut off: the records written
				// whole stay, fsynced or not.
				for _, size := range fs.truncations() {
					if size != int64(len(good)) {
						t.Errorf("the file was cut to %d bytes, want %d", size, len(good))
					}
				}
			}
			s = s.reopen()
			s.expect("$1\r\n2\r\n", "GET", "during")
			s.expect("$1\r\n3\r\n", "GET", "after")
		})
	}
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
