package aof_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/persistence/aof"
)

func TestRewriteCompactsIncrs(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, aof.Options{Fsync: aof.FsyncEverySec}, nil)
	for range 20000 {
		s.do("INCR", "counter")
	}
	s = s.reopen() // everything written
	before := len(logBytes(t, dir))
	rewriteAndWait(t, s)
	data := logBytes(t, dir)
	t.Logf("20000 INCRs: log of %d bytes before the rewrite, %d after", before, len(data))
	want := [][]string{{"SELECT", "0"}, {"SET", "counter", "20000"}}
	if got := records(t, data); !reflect.DeepEqual(got, want) {
		t.Fatalf("rewritten log %q, want %q", got, want)
	}
	info := infoMap(s.log)
	if info["aof_base_size"] != strconv.Itoa(len(data)) || info["aof_current_size"] != strconv.Itoa(len(data)) || info["aof_rewrites"] != "1" {
		t.Errorf("INFO after rewrite: %v", info)
	}
	names := dirNames(t, dir)
	if want := []string{"appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"}; !reflect.DeepEqual(names, want) {
		t.Errorf("files %q, want %q", names, want)
	}
	s.expect(":20001\r\n", "INCR", "counter")
	s = s.reopen()
	s.expect("$5\r\n20001\r\n", "GET", "counter")
}

// dataset fills s with every type, TTLs, binary data and all 16 databases:
// partly straight into the backend, then made part of the log by a
// rewrite, then through commands (logged).
func dataset(t testing.TB, s *store, clk *backend.ManualClock) {
	t.Helper()
	now := clk.Now().UnixMilli()
	var entries []backend.Entry
	for db := range 16 {
		key := func(k string) []byte { return []byte("db" + strconv.Itoa(db) + ":" + k) }
		list := make([][]byte, 150) // three RPUSH chunks
		for i := range list {
			list[i] = []byte("e" + strconv.Itoa(i) + "\r\n\x00")
		}
		hash := make([][]byte, 0, 2*140)
		for i := range 140 {
			hash = append(hash, []byte("f "+strconv.Itoa(i)), []byte("v\r\n"+strconv.Itoa(i)))
		}
		entries = append(entries,
			backend.Entry{DB: db, Key: key("str"), Type: backend.TypeString, Items: [][]byte{[]byte("binary\x00\r\nvalue")}},
			backend.Entry{DB: db, Key: key("ttl"), Type: backend.TypeString, Items: [][]byte{[]byte("x")}, ExpireAt: now + 60_000},
			backend.Entry{DB: db, Key: key("list"), Type: backend.TypeList, Items: list},
			backend.Entry{DB: db, Key: key("listttl"), Type: backend.TypeList, Items: list[:2], ExpireAt: now + 90_000},
			backend.Entry{DB: db, Key: key("hash"), Type: backend.TypeHash, Items: hash},
			backend.Entry{DB: db, Key: key("hashttl"), Type: backend.TypeHash, Items: hash[:4], ExpireAt: now + 120_000},
			backend.Entry{DB: db, Key: key("gone"), Type: backend.TypeString, Items: [][]byte{[]byte("x")}, ExpireAt: now + 1000},
		)
	}
	put(t, s.b, entries...)
	rewriteAndWait(t, s)
	for db := range 16 {
		s.expect("+OK\r\n", "SELECT", strconv.Itoa(db))
		s.expect("+OK\r\n", "SET", "cmd", "v"+strconv.Itoa(db), "PX", "500000")
		s.expect(":1\r\n", "INCR", "n")
	}
	s.expect("+OK\r\n", "SELECT", "0")
	clk.Advance(2 * time.Second) // "gone" keys expire
}

func TestRewriteIsEquivalent(t *testing.T) {
	clk := backend.NewManualClock(t0)
	dir := t.TempDir()
	s := openStore(t, dir, aof.Options{}, clk)
	dataset(t, s, clk)
	want := dump(t, s.b)
	if strings.Contains(want, "gone") || !strings.Contains(want, "db15") {
		t.Fatalf("bad dataset:\n%s", want)
	}
	rewriteAndWait(t, s)
	s = s.reopen()
	if got := dump(t, s.b); got != want {
		t.Fatalf("after rewrite and reload:\n%s\nwant:\n%s", got, want)
	}
	// The base holds PEXPIREAT with absolute times.
	if !strings.Contains(string(logBytes(t, dir)), cmd("PEXPIREAT", "db3:ttl", strconv.FormatInt(t0.UnixMilli()+60_000, 10))) {
		t.Error("no PEXPIREAT for db3:ttl in the rewritten log")
	}
}

func TestWritesDuringRewriteAreKept(t *testing.T) {
	clk := backend.NewManualClock(t0)
	dir := t.TempDir()
	fs := &faultyFS{}
	s := openStore(t, dir, aof.Options{OpenFile: fs.open}, clk)
	dataset(t, s, clk)

	// Hold the rewrite when it opens the new base: the snapshot is taken
	// and appends have switched to the new incr file.
	atBase, release := make(chan struct{}), make(chan struct{})
	fs.hook(func(name string) {
		if strings.HasSuffix(name, ".base.aof.tmp") {
			close(atBase)
			<-release
		}
	})
	if err := s.log.BGRewrite(); err != nil {
		t.Fatal(err)
	}
	<-atBase
	if err := s.log.BGRewrite(); err != aof.ErrRewriteInProgress {
		t.Errorf("second BGRewrite: %v", err)
	}
	if info := infoMap(s.log); info["aof_rewrite_in_progress"] != "1" || info["aof_current_rewrite_time_sec"] != "0" {
		t.Errorf("INFO during rewrite: %v", info)
	}
	s.expect("+OK\r\n", "SET", "during", "1")
	s.expect(":2\r\n", "INCR", "n")
	s.expect(":1\r\n", "DEL", "db0:str")
	s.expect("+OK\r\n", "SELECT", "7")
	s.expect("+OK\r\n", "SET", "db7:str", "changed")
	s.expect("+OK\r\n", "SELECT", "0")

	// A crash now: the old files and the new incr file hold everything.
	crash := t.TempDir()
	copyDir(t, dir, crash)
	close(release)
	waitFor(t, "the rewrite", func() bool { return !s.log.Rewriting() })
	want := dump(t, s.b) // (a second snapshot waits for the rewrite's)
	s.expect("+OK\r\n", "SET", "after", "2")
	want2 := dump(t, s.b)

	s = s.reopen()
	if got := dump(t, s.b); got != want2 {
		t.Fatalf("after rewrite:\n%s\nwant:\n%s", got, want2)
	}
	c := openStore(t, crash, aof.Options{}, clk)
	if got := dump(t, c.b); got != want {
		t.Fatalf("crash image during rewrite:\n%s\nwant:\n%s", got, want)
	}
}

func TestRewriteCrashImages(t *testing.T) {
	// Copy the directory at every file the rewrite opens: each copy is
	// what a crash at that moment leaves, and must load the same data.
	clk := backend.NewManualClock(t0)
	dir := t.TempDir()
	fs := &faultyFS{}
	s := openStore(t, dir, aof.Options{OpenFile: fs.open}, clk)
	dataset(t, s, clk)
	want := dump(t, s.b)
	var images []string
	fs.hook(func(string) {
		img := t.TempDir()
		copyDir(t, dir, img)
		images = append(images, img)
	})
	rewriteAndWait(t, s)
	fs.hook(nil)
	img := t.TempDir()
	copyDir(t, dir, img)
	images = append(images, img)
	if len(images) != 5 { // new incr, manifest, base, manifest, after
		t.Errorf("%d crash images, want 5", len(images))
	}
	for i, img := range images {
		c := openStore(t, img, aof.Options{}, clk)
		if got := dump(t, c.b); got != want {
			t.Fatalf("crash image %d:\n%s\nwant:\n%s", i, got, want)
		}
		if err := c.close(); err != nil {
			t.Fatal(err)
		}
		// Only files the manifest names are left.
		m, err := aof.ReadManifest(filepath.Join(img, "appendonly.aof.manifest"))
		if err != nil {
			t.Fatal(err)
		}
		if names := dirNames(t, img); len(names) != len(m.Files)+1 {
			t.Errorf("crash image %d: files %q for manifest %+v", i, names, m)
		}
	}
}

func TestRewriteFailureKeepsTheLog(t *testing.T) {
	clk := backend.NewManualClock(t0)
	dir := t.TempDir()
	fs := &faultyFS{}
	s := openStore(t, dir, aof.Options{OpenFile: fs.open}, clk)
	s.expect("+OK\r\n", "SET", "a", "1")
	fs.hook(func(name string) {
		if strings.HasSuffix(name, ".base.aof.tmp") {
			fs.set(os.ErrPermission, nil)
		}
	})
	if err := s.log.BGRewrite(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rewrite", func() bool { return !s.log.Rewriting() })
	fs.hook(nil)
	fs.set(nil, nil)
	info := infoMap(s.log)
	if info["aof_last_bgrewrite_status"] != "err" || info["aof_rewrites_consecutive_failures"] != "1" {
		t.Errorf("INFO after a failed rewrite: %v", info)
	}
	s.expect("+OK\r\n", "SET", "b", "2")
	s = s.reopen()
	s.expect("$1\r\n1\r\n", "GET", "a")
	s.expect("$1\r\n2\r\n", "GET", "b")
	if m := s.log.Manifest(); len(m.Files) != 2 {
		t.Errorf("manifest after a failed rewrite: %+v (want both incr files)", m)
	}
	rewriteAndWait(t, s)
	s = s.reopen()
	s.expect("$1\r\n2\r\n", "GET", "b")
}

func TestAutomaticRewrite(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, aof.Options{Fsync: aof.FsyncAlways, RewritePercentage: 100, RewriteMinSize: 4096}, nil)
	for i := range 400 {
		s.do("SET", "k", strconv.Itoa(i))
	}
	waitFor(t, "an automatic rewrite", func() bool {
		info := infoMap(s.log)
		return info["aof_rewrites"] != "0" && info["aof_rewrite_in_progress"] == "0"
	})
	size := s.log.Size()
	if size > 4096 {
		t.Errorf("log is %d bytes after the automatic rewrites", size)
	}
	s = s.reopen()
	s.expect("$3\r\n399\r\n", "GET", "k")
}

func TestNoAutomaticRewrite(t *testing.T) {
	s := openStore(t, t.TempDir(), aof.Options{Fsync: aof.FsyncAlways, RewritePercentage: 0}, nil)
	for i := range 300 {
		s.do("SET", "k", strconv.Itoa(i))
	}
	time.Sleep(20 * time.Millisecond)
	if info := infoMap(s.log); info["aof_rewrites"] != "0" {
		t.Errorf("rewrote with rewrite_percentage 0: %v", info)
	}
}
