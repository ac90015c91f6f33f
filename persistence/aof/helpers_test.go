package aof_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/backendtest"
	"redpool/backend/memory"
	"redpool/command"
	"redpool/persistence/aof"
	"redpool/session/resp"
)

// store is a memory backend with a command engine logging to an AOF: a
// server without the network.
type store struct {
	t     testing.TB
	dir   string
	opts  aof.Options
	clock backend.Clock
	b     *memory.Memory
	log   *aof.Log
	eng   *command.Engine
	ctx   *command.Ctx
}

// openStore loads the log in dir and starts it. opts may leave Dir, Name,
// Backend and Logger empty.
func openStore(t testing.TB, dir string, opts aof.Options, clock backend.Clock) *store {
	t.Helper()
	s, err := tryOpenStore(t, dir, opts, clock)
	if err != nil {
		t.Fatalf("open AOF store: %v", err)
	}
	return s
}

func tryOpenStore(t testing.TB, dir string, opts aof.Options, clock backend.Clock) (*store, error) {
	t.Helper()
	if clock == nil {
		clock = backend.SystemClock{}
	}
	b := memory.New(memory.Options{Clock: clock})
	opts.Dir, opts.Backend = dir, b
	if opts.Name == "" {
		opts.Name = "appendonly.aof"
	}
	l := aof.New(opts)
	r, err := aof.NewReplayer(b, clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Start(r); err != nil {
		_ = l.Close(context.Background())
		_ = b.Close()
		return nil, err
	}
	eng, err := command.NewEngine(command.Options{Backend: b, Clock: clock, Log: l})
	if err != nil {
		t.Fatal(err)
	}
	s := &store{t: t, dir: dir, opts: opts, clock: clock, b: b, log: l, eng: eng, ctx: eng.NewCtx(eng.NewClient("t", "t"), nil)}
	t.Cleanup(func() { _ = s.close() })
	return s, nil
}

// close closes the log (writing everything) and the backend.
func (s *store) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(s.log.Close(ctx), s.b.Close())
}

// reopen closes s and loads its directory again.
func (s *store) reopen() *store {
	s.t.Helper()
	if err := s.close(); err != nil {
		s.t.Fatalf("close: %v", err)
	}
	return openStore(s.t, s.dir, s.opts, s.clock)
}

// do runs a command, waits for its record to be durable, and returns the
// raw reply. A failed Wait is returned as "!" + the error.
func (s *store) do(args ...string) string {
	s.t.Helper()
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	s.eng.Exec(s.ctx, argv)
	out := string(s.ctx.Out())
	seq := s.ctx.LogSeq()
	s.ctx.Reset()
	if err := s.log.Wait(seq); err != nil {
		return "!" + err.Error()
	}
	return out
}

// expect fails unless args reply want.
func (s *store) expect(want string, args ...string) {
	s.t.Helper()
	if got := s.do(args...); got != want {
		s.t.Errorf("%q: got %q, want %q", args, got, want)
	}
}

// dump renders every key of every database with its type, value and
// expiry, sorted, for comparing datasets.
func dump(t testing.TB, b backend.Backend) string {
	t.Helper()
	snap, err := b.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	var lines []string
	err = snap.Each(context.Background(), func(e *backend.Entry) error {
		lines = append(lines, fmt.Sprintf("db%d %q %s", e.DB, e.Key, backendtest.Describe(e)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// put stores entries straight into the backend (bypassing the log).
func put(t testing.TB, b backend.Backend, entries ...backend.Entry) {
	t.Helper()
	for i := range entries {
		e := &entries[i]
		err := b.Update(backend.TxOptions{DB: e.DB, Keys: [][]byte{e.Key}}, func(tx backend.Tx) error { return backend.Put(tx, e) })
		if err != nil {
			t.Fatal(err)
		}
	}
}

// logBytes concatenates the files the manifest in dir names.
func logBytes(t testing.TB, dir string) []byte {
	t.Helper()
	m, err := aof.ReadManifest(filepath.Join(dir, "appendonly.aof.manifest"))
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, f := range m.Files {
		data, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, data...)
	}
	return all
}

// lastIncr returns the path of the incr file being appended to.
func lastIncr(t testing.TB, dir string) string {
	t.Helper()
	m, err := aof.ReadManifest(filepath.Join(dir, "appendonly.aof.manifest"))
	if err != nil {
		t.Fatal(err)
	}
	incrs := m.Incrs()
	return filepath.Join(dir, incrs[len(incrs)-1].Name)
}

// records decodes a log file's commands as strings.
func records(t testing.TB, data []byte) [][]string {
	t.Helper()
	var out [][]string
	_, err := aof.Scan(strings.NewReader(string(data)), 0, func(_ int64, argv [][]byte) error {
		rec := make([]string, len(argv))
		for i, a := range argv {
			rec[i] = string(a)
		}
		out = append(out, rec)
		return nil
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return out
}

// cmd encodes a command as a record.
func cmd(args ...string) string { return string(resp.AppendCommandStrings(nil, args...)) }

// faultyFS opens real files and can make writes, truncations and syncs
// fail.
type faultyFS struct {
	mu        sync.Mutex
	failWrite error   // returned by Write while set
	failSync  error   // returned by Sync while set
	failTrunc error   // returned by Truncate while set
	short     bool    // a failing Write first writes half of its bytes
	cuts      []int64 // the size of every Truncate call
	onOpen    func(name string)
}

func (fs *faultyFS) set(write, sync error) {
	fs.mu.Lock()
	fs.failWrite, fs.failSync = write, sync
	fs.mu.Unlock()
}

func (fs *faultyFS) setTruncate(err error) {
	fs.mu.Lock()
	fs.failTrunc = err
	fs.mu.Unlock()
}

// truncations returns the sizes of the Truncate calls so far.
func (fs *faultyFS) truncations() []int64 {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return slices.Clone(fs.cuts)
}

func (fs *faultyFS) hook(onOpen func(name string)) {
	fs.mu.Lock()
	fs.onOpen = onOpen
	fs.mu.Unlock()
}

func (fs *faultyFS) open(name string, flag int, perm os.FileMode) (aof.File, error) {
	fs.mu.Lock()
	hook := fs.onOpen
	fs.mu.Unlock()
	if hook != nil {
		hook(name)
	}
	f, err := aof.OpenOSFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultyFile{File: f, fs: fs}, nil
}

type faultyFile struct {
	aof.File
	fs *faultyFS
}

func (f *faultyFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	err, short := f.fs.failWrite, f.fs.short
	f.fs.mu.Unlock()
	if err != nil {
		n := 0
		if short && len(p) > 1 {
			n, _ = f.File.Write(p[:len(p)/2])
		}
		return n, err
	}
	return f.File.Write(p)
}

func (f *faultyFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	err := f.fs.failTrunc
	f.fs.cuts = append(f.fs.cuts, size)
	f.fs.mu.Unlock()
	if err != nil {
		return err
	}
	return f.File.Truncate(size)
}

func (f *faultyFile) Sync() error {
	f.fs.mu.Lock()
	err := f.fs.failSync
	f.fs.mu.Unlock()
	if err != nil {
		return err
	}
	return f.File.Sync()
}
