package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestReplaceFile: the new content replaces the file with the given
// permissions; a failing fill leaves the old file and no temporary file.
func TestReplaceFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	write := func(s string) func(f *os.File) error {
		return func(f *os.File) error { _, err := f.WriteString(s); return err }
	}
	if err := ReplaceFile(path, 0o640, write("one")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := ReplaceFile(path, 0o640, func(f *os.File) error { _, _ = f.WriteString("two"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "one" {
		t.Fatalf("file holds %q, %v", b, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", fi.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the file", len(entries))
	}
}
