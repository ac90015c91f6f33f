package bolt

import (
	"path/filepath"
	"testing"
)

// openTest opens a Bolt in t's temporary directory and closes it at cleanup.
func openTest(t testing.TB, o Options) *Bolt {
	t.Helper()
	if o.Path == "" {
		o.Path = filepath.Join(t.TempDir(), "redpool.db")
	}
	b, err := Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}
