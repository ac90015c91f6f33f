package snapshot

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"testing"

	"redpool/backend"
	"redpool/backend/memory"
	"redpool/command"
)

// BenchmarkStartupLoad1M loads a snapshot of 1,000,000 string keys as
// DEBUG POPULATE makes them (key:N, value:N) into a new memory backend:
// what a snapshot-mode server does at start (bench/startup.sh). Each load
// starts from a collected heap returned to the OS, as in a new process, with the collector
// set as the server sets it for a load (LOAD_GC_PERCENT below); cpu-ns/op
// is the process's CPU time (every thread, the collector's too) during the
// loads, which moves less than ns/op on a shared machine.
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
	var cpu int64
	for b.Loop() {
		b.StopTimer()
		debug.FreeOSMemory() // a new process's heap: its pages fault in
		m := memory.New(memory.Options{})
		b.StartTimer()
		c0 := command.ProcessCPUTime()
		old := debug.SetGCPercent(startupLoadGCPercent)
		st, err := Load(context.Background(), path, m)
		debug.SetGCPercent(old)
		cpu += command.ProcessCPUTime() - c0
		if err != nil || st.Loaded != n {
			b.Fatalf("Load: %d keys, %v", st.Loaded, err)
		}
		b.StopTimer()
		m.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}

// startupLoadGCPercent is the collector's target while the benchmark
// loads: what the server sets around its load (cmd/redpool/server).
const startupLoadGCPercent = 400
