package fsutil

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"testing"
)

// strictMemWrite creates name in m with data, syncing the file if sync.
func strictMemWrite(t *testing.T, m *StrictMemFS, name, data string, sync bool) File {
	t.Helper()
	f, err := m.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// strictMemRead returns name's contents in m, or "<missing>".
func strictMemRead(t *testing.T, m *StrictMemFS, name string) string {
	t.Helper()
	b, err := m.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return "<missing>"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestStrictMemPowerCut: a power cut keeps synced data and synced
// directory entries only; unsynced appends may survive in part (torn)
// with a random generator.
func TestStrictMemPowerCut(t *testing.T) {
	m := NewStrictMem()
	if err := m.MkdirAll("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	a := strictMemWrite(t, m, "/d/a", "synced", true)
	strictMemWrite(t, m, "/d/b", "file synced, entry not", true)
	if err := m.SyncDir("/d"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Write([]byte("+unsynced")); err != nil {
		t.Fatal(err)
	}
	strictMemWrite(t, m, "/d/c", "new", true) // entry never synced
	if err := m.Rename("/d/b", "/d/b2"); err != nil {
		t.Fatal(err)
	}

	img := m.CrashClone(nil)
	for name, want := range map[string]string{"/d/a": "synced", "/d/b": "file synced, entry not", "/d/b2": "<missing>", "/d/c": "<missing>"} {
		if got := strictMemRead(t, img, name); got != want {
			t.Errorf("after the cut %s = %q, want %q", name, got, want)
		}
	}
	if got := strictMemRead(t, m, "/d/a"); got != "synced+unsynced" {
		t.Errorf("CrashClone changed the original: %q", got)
	}

	torn := map[string]bool{}
	for seed := range 64 {
		got := strictMemRead(t, m.CrashClone(rand.New(rand.NewPCG(uint64(seed), 1))), "/d/a")
		if len(got) < len("synced") || got != "synced+unsynced"[:len(got)] {
			t.Fatalf("torn image of /d/a = %q", got)
		}
		torn[got] = true
	}
	if len(torn) < 3 {
		t.Errorf("torn tails seen: %v", torn)
	}

	m.ResetToSyncedState()
	if got := strictMemRead(t, m, "/d/a"); got != "synced" {
		t.Errorf("after ResetToSyncedState /d/a = %q", got)
	}
	if _, err := m.Stat("/d/c"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after ResetToSyncedState /d/c: %v", err)
	}
}
