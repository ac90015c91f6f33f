package snapshot

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"redpool/backend"
	"redpool/backend/memory"
)

// BenchmarkStartupLoad1M loads a snapshot of 1,000,000 string keys as
// DEBUG POPULATE makes them (key:N, value:N) into a new memory backend:
// what a snapshot-mode server does at start (bench/startup.sh).
func BenchmarkStartupLoad1M(b *testing.B) {
	const n = 1_000_000
	path := filepath.Join(b.TempDir(), "dump.rpdb")
	_, err := WriteFile(path, 0, func(write func(e *backend.Entry) error) error {
		e := backend.Entry{Type: backend.TypeString, Items: make([][]byte, 1)}
		for i := range n {
			e.Key = fmt.Appendf(e.Key[:0], "key:%d", i)
			e.Items[0] = fmt.Appendf(e.Items[0][:0], "value:%d", i)
			if err := write(&e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m := memory.New(memory.Options{})
		st, err := Load(context.Background(), path, m)
		if err != nil || st.Loaded != n {
			b.Fatalf("Load: %d keys, %v", st.Loaded, err)
		}
		m.Close()
	}
}
