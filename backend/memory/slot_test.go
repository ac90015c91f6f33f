package memory_test

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/backendtest"
	"redpool/backend/memory"
)

func TestSlotContract(t *testing.T) {
	backendtest.RunSlots(t, func(t *testing.T, c backendtest.Config) (backend.Backend, func()) {
		m := memory.New(memory.Options{Databases: c.Databases, Clock: c.Clock, OnExpire: c.OnExpire,
			ExpiryInterval: -1, SlotIndex: c.SlotIndex})
		return m, func() { m.ExpireCycle(time.Minute) }
	})
}

// TestSlotIndexBytesPerKey measures what the slot index costs a key: the
// heap of 1,000,000 string keys with the index, less without (logged).
func TestSlotIndexBytesPerKey(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a million keys twice")
	}
	const n = 1_000_000
	heap := func(index bool) uint64 {
		m := memory.New(memory.Options{ExpiryInterval: -1, SlotIndex: index})
		defer m.Close()
		before := heapAlloc()
		load(t, m, "key:", n, []byte("v"), 0)
		after := heapAlloc()
		runtime.KeepAlive(m)
		return after - before
	}
	off, on := heap(false), heap(true)
	per := (float64(on) - float64(off)) / n
	t.Logf("1,000,000 keys: %d bytes without the index, %d with: %.1f bytes a key", off, on, per)
	if per > 24 {
		t.Errorf("the slot index costs %.1f bytes a key, want at most 24", per)
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkSlotSetNewKeys is BenchmarkSetNewKeys with the slot index off
// and on: what indexing a new key costs.
func BenchmarkSlotSetNewKeys(b *testing.B) {
	for _, index := range []bool{false, true} {
		name := "off"
		if index {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			m := memory.New(memory.Options{SlotIndex: index})
			defer m.Close()
			b.ReportAllocs()
			key := make([]byte, 0, 32)
			keys := [][]byte{nil}
			i := 0
			for b.Loop() {
				key = strconv.AppendInt(append(key[:0], "key:"...), int64(i), 10)
				keys[0] = key
				i++
				_ = m.Update(backend.TxOptions{Keys: keys}, func(tx backend.Tx) error {
					return tx.Set(keys[0], benchVal, 0, false)
				})
			}
		})
	}
}

// TestSlotIndexEviction: keys that eviction removes (by every policy)
// leave the index, and a snapshot taken meanwhile (entries replaced by
// copies on write) does not disturb it.
func TestSlotIndexEviction(t *testing.T) {
	m := memory.New(memory.Options{ExpiryInterval: -1, SlotIndex: true})
	defer m.Close()
	load(t, m, "{x}", 2000, []byte("v"), 0)
	load(t, m, "vol:", 2000, []byte("v"), backend.NowMs(backend.SystemClock{})+3_600_000)
	s, err := m.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	load(t, m, "{x}", 1000, []byte("w"), 0) // replaced while the snapshot shares them
	evicted := 0
	for _, p := range []backend.EvictPolicy{backend.EvictLRU, backend.EvictLFU, backend.EvictRandom,
		backend.EvictVolatileLRU, backend.EvictVolatileLFU, backend.EvictVolatileTTL, backend.EvictVolatileRandom} {
		for range 300 {
			if _, ok := m.Evict(p, 5, nil); ok {
				evicted++
			}
		}
	}
	if evicted < 1000 {
		t.Fatalf("only %d evictions", evicted)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.CheckSlotIndex(); err != nil {
		t.Fatal(err)
	}
	err = m.View(backend.TxOptions{All: true}, func(tx backend.Tx) error {
		n, _ := tx.Len()
		if n != int64(4000-evicted) {
			t.Errorf("Len %d after %d evictions, want %d", n, evicted, 4000-evicted)
		}
		var sum int64
		for slot := range backend.ClusterSlots {
			c, err := tx.(backend.SlotTx).CountKeysInSlot(slot)
			if err != nil {
				return err
			}
			sum += c
		}
		if sum != n {
			t.Errorf("slots count %d keys, Len %d", sum, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSlotIndexConcurrent: writers on different shards adding and
// removing keys of one slot at once (a hash tag) keep it exact.
func TestSlotIndexConcurrent(t *testing.T) {
	m := memory.New(memory.Options{ExpiryInterval: -1, SlotIndex: true})
	defer m.Close()
	const writers, ops = 8, 2000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys := [][]byte{nil}
			for i := range ops {
				keys[0] = []byte(fmt.Sprintf("{tag}%d:%d", w, i%50))
				err := m.Update(backend.TxOptions{Keys: keys}, func(tx backend.Tx) error {
					if i%3 == 2 {
						_, err := tx.Delete(keys[0])
						return err
					}
					return tx.Set(keys[0], []byte("v"), 0, false)
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := m.CheckSlotIndex(); err != nil {
		t.Fatal(err)
	}
	err := m.View(backend.TxOptions{All: true}, func(tx backend.Tx) error {
		n, _ := tx.Len()
		c, err := tx.(backend.SlotTx).CountKeysInSlot(backend.KeySlot([]byte("{tag}")))
		if c != n {
			t.Errorf("slot counts %d keys, Len %d", c, n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
