package snapshot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"redpool/backend"
)

// gatedBackend wraps a backend so that a test decides when a snapshot's
// Each may proceed, and can make it fail.
type gatedBackend struct {
	backend.Backend
	gate chan struct{} // Each waits for a value (or close) before iterating
	fail atomic.Pointer[error]
}

func (g *gatedBackend) Snapshot(atomically func()) (backend.Snapshot, error) {
	s, err := g.Backend.Snapshot(atomically)
	if err != nil {
		return nil, err
	}
	return &gatedSnapshot{Snapshot: s, g: g}, nil
}

type gatedSnapshot struct {
	backend.Snapshot
	g *gatedBackend
}

func (s *gatedSnapshot) Each(ctx context.Context, fn func(e *backend.Entry) error) error {
	if s.g.gate != nil {
		select {
		case <-s.g.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if p := s.g.fail.Load(); p != nil {
		return *p
	}
	return s.Snapshot.Each(ctx, fn)
}

type saverEnv struct {
	t     *testing.T
	clk   *backend.ManualClock
	b     *gatedBackend
	dirty atomic.Int64
	s     *Saver
	path  string
}

func newSaverEnv(t *testing.T, rules []Rule, gated bool) *saverEnv {
	t.Helper()
	env := &saverEnv{t: t, clk: backend.NewManualClock(t0)}
	env.b = &gatedBackend{Backend: newMemory(t, env.clk)}
	if gated {
		env.b.gate = make(chan struct{})
	}
	env.path = filepath.Join(t.TempDir(), "dump.rpsnap")
	env.s = NewSaver(SaverOptions{Backend: env.b, Path: env.path, Rules: rules, Clock: env.clk, StopWrites: true, CheckInterval: -1})
	env.s.Start(env.dirty.Load)
	t.Cleanup(func() { _ = env.s.Close(context.Background(), false) })
	return env
}

// set writes a key and counts one change, as the engine does.
func (env *saverEnv) set(key, val string) {
	env.t.Helper()
	err := env.b.Update(backend.TxOptions{Keys: [][]byte{[]byte(key)}}, func(tx backend.Tx) error {
		env.dirty.Add(1)
		return tx.Set([]byte(key), []byte(val), 0, false)
	})
	if err != nil {
		env.t.Fatal(err)
	}
}

func (env *saverEnv) wait() {
	env.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := env.s.Wait(ctx); err != nil {
		env.t.Fatal(err)
	}
}

func (env *saverEnv) info(name string) string {
	for _, f := range env.s.Info() {
		if f[0] == name {
			return f[1]
		}
	}
	env.t.Fatalf("no INFO field %s", name)
	return ""
}

func (env *saverEnv) fileKeys() uint64 {
	env.t.Helper()
	h, err := VerifyFile(env.path)
	if err != nil {
		env.t.Fatal(err)
	}
	return h.Keys
}

func TestSaveRules(t *testing.T) {
	env := newSaverEnv(t, []Rule{{Seconds: 60, Changes: 3}, {Seconds: 3600, Changes: 1}}, false)
	env.set("a", "1")
	env.set("b", "2")
	env.clk.Advance(60 * time.Second)
	env.set("c", "3")
	if env.s.CheckRules() {
		t.Fatal("saved after exactly 60s (Redis wants more than 60)")
	}
	env.clk.Advance(time.Second)
	if got := env.info("rdb_changes_since_last_save"); got != "3" {
		t.Fatalf("rdb_changes_since_last_save = %s", got)
	}
	if !env.s.CheckRules() {
		t.Fatal("no save after 61s and 3 changes")
	}
	env.wait()
	if env.fileKeys() != 3 || env.info("rdb_changes_since_last_save") != "0" || env.info("rdb_saves") != "1" {
		t.Fatalf("after save: keys %d, info %v", env.fileKeys(), env.s.Info())
	}
	if got := env.s.LastSave(); !got.Equal(t0.Add(61 * time.Second)) {
		t.Fatalf("LastSave = %v", got)
	}
	// One change: only the hour rule applies.
	env.set("d", "4")
	env.clk.Advance(3600 * time.Second)
	if env.s.CheckRules() {
		t.Fatal("saved after exactly 3600s")
	}
	env.clk.Advance(time.Second)
	if !env.s.CheckRules() {
		t.Fatal("hour rule did not save")
	}
	env.wait()
	if env.fileKeys() != 4 {
		t.Fatal("second save incomplete")
	}
	// No changes: no rule matches, however long.
	env.clk.Advance(24 * time.Hour)
	if env.s.CheckRules() {
		t.Fatal("saved without changes")
	}
}

func TestNoRulesNeverSave(t *testing.T) {
	env := newSaverEnv(t, nil, false)
	env.set("a", "1")
	env.clk.Advance(365 * 24 * time.Hour)
	if env.s.CheckRules() {
		t.Fatal("saved without rules")
	}
}

func TestBGSaveInProgress(t *testing.T) {
	env := newSaverEnv(t, nil, true)
	env.set("a", "1")
	if err := env.s.BGSave(); err != nil {
		t.Fatal(err)
	}
	if got := env.info("rdb_bgsave_in_progress"); got != "1" {
		t.Fatalf("rdb_bgsave_in_progress = %s", got)
	}
	env.clk.Advance(2 * time.Second)
	if got := env.info("rdb_current_bgsave_time_sec"); got != "2" {
		t.Fatalf("rdb_current_bgsave_time_sec = %s", got)
	}
	if err := env.s.BGSave(); !errors.Is(err, ErrInProgress) {
		t.Fatalf("second BGSave: %v", err)
	}
	if err := env.s.Save(context.Background()); !errors.Is(err, ErrInProgress) {
		t.Fatalf("Save during BGSave: %v", err)
	}
	// Writes after BGSave returned are not in the file.
	env.set("b", "2")
	env.b.gate <- struct{}{}
	env.wait()
	if env.fileKeys() != 1 {
		t.Fatalf("file has %d keys, want the 1 of the view", env.fileKeys())
	}
	if env.info("rdb_bgsave_in_progress") != "0" || env.info("rdb_last_bgsave_time_sec") != "2" ||
		env.info("rdb_current_bgsave_time_sec") != "-1" || env.info("rdb_changes_since_last_save") != "1" {
		t.Fatalf("info after %v", env.s.Info())
	}
}

func TestBGSaveFailureStopsWrites(t *testing.T) {
	env := newSaverEnv(t, []Rule{{Seconds: 10, Changes: 1}}, false)
	boom := errors.New("disk on fire")
	env.b.fail.Store(&boom)
	env.set("a", "1")
	env.clk.Advance(11 * time.Second)
	if !env.s.CheckRules() {
		t.Fatal("rule did not start a save")
	}
	env.wait()
	if err := env.s.Err(); !errors.Is(err, boom) {
		t.Fatalf("Err = %v", err)
	}
	if env.info("rdb_last_bgsave_status") != "err" {
		t.Fatal("status not err")
	}
	// Retried only after 5 seconds.
	env.clk.Advance(5 * time.Second)
	if env.s.CheckRules() {
		t.Fatal("retried within 5s of the failure")
	}
	env.clk.Advance(time.Second)
	env.b.fail.Store(nil)
	if !env.s.CheckRules() {
		t.Fatal("no retry after 6s")
	}
	env.wait()
	if err := env.s.Err(); err != nil || env.info("rdb_last_bgsave_status") != "ok" {
		t.Fatalf("after a good save: Err %v, info %v", err, env.s.Info())
	}
	// A failed background save is cleared by a good foreground SAVE too.
	env.b.fail.Store(&boom)
	if err := env.s.BGSave(); err != nil {
		t.Fatal(err)
	}
	env.wait()
	if env.s.Err() == nil {
		t.Fatal("no error after failed BGSave")
	}
	env.b.fail.Store(nil)
	if err := env.s.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	if env.s.Err() != nil {
		t.Fatal("SAVE did not clear the error")
	}
}

// TestFailureWithoutRulesKeepsWrites: as Redis, stop-writes only applies
// when save rules are configured.
func TestFailureWithoutRulesKeepsWrites(t *testing.T) {
	env := newSaverEnv(t, nil, false)
	boom := errors.New("boom")
	env.b.fail.Store(&boom)
	if err := env.s.BGSave(); err != nil {
		t.Fatal(err)
	}
	env.wait()
	if env.s.Err() != nil || env.s.LastError() == nil {
		t.Fatalf("Err %v LastError %v", env.s.Err(), env.s.LastError())
	}
}

// TestCloseCancelsAndSaves: Close stops a running background save and
// saves in the foreground.
func TestCloseCancelsAndSaves(t *testing.T) {
	env := newSaverEnv(t, nil, true)
	env.set("a", "1")
	if err := env.s.BGSave(); err != nil {
		t.Fatal(err)
	}
	env.set("b", "2")
	close(env.b.gate) // the final save must not wait
	if err := env.s.Close(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if env.fileKeys() != 2 {
		t.Fatalf("file has %d keys after the shutdown save", env.fileKeys())
	}
	if err := env.s.BGSave(); !errors.Is(err, ErrSaverClosed) {
		t.Fatalf("BGSave after Close: %v", err)
	}
	ents, _ := os.ReadDir(filepath.Dir(env.path))
	if len(ents) != 1 {
		t.Fatalf("dir holds %v", ents)
	}
}

func TestSaverLoadMissingFile(t *testing.T) {
	env := newSaverEnv(t, nil, false)
	st, err := env.s.Load(context.Background())
	if err != nil || st.Loaded != 0 {
		t.Fatalf("Load of a missing file: %+v %v", st, err)
	}
}
