package memory_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/memory"
)

// Eviction tests: the ManualClock makes idle times exact, and the
// assertions leave wide margins around what the sampling picks, so that
// they hold for any random choice (a policy that ignored the clock would
// fail them by a factor of ten).

func newEvictMemory(t *testing.T) (*memory.Memory, *backend.ManualClock) {
	clock := backend.NewManualClock(time.UnixMilli(1_700_000_000_000))
	m := memory.New(memory.Options{Clock: clock, ExpiryInterval: -1})
	t.Cleanup(func() { m.Close() })
	return m, clock
}

// read accesses keys prefix+i for i in [from, to).
func read(t *testing.T, m *memory.Memory, prefix string, from, to int) {
	t.Helper()
	err := m.View(backend.TxOptions{All: true}, func(tx backend.Tx) error {
		for i := from; i < to; i++ {
			if _, _, err := tx.Get([]byte(prefix + strconv.Itoa(i))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// evictN evicts n keys by p and returns them; it fails if one could not be.
func evictN(t *testing.T, m *memory.Memory, p backend.EvictPolicy, n int) []string {
	t.Helper()
	var got []string
	for range n {
		before := m.UsedBytes()
		freed, ok := m.Evict(p, 5, func(db int, key []byte) { got = append(got, string(key)) })
		if !ok {
			t.Fatalf("Evict: nothing evicted after %d keys", len(got))
		}
		if freed <= 0 || m.UsedBytes() != before-freed {
			t.Fatalf("Evict freed %d, used %d -> %d", freed, before, m.UsedBytes())
		}
	}
	return got
}

func countPrefix(keys []string, prefix string) int {
	n := 0
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

// TestEvictLRU: keys read recently survive allkeys-lru.
func TestEvictLRU(t *testing.T) {
	m, clock := newEvictMemory(t)
	load(t, m, "cold:", 1000, []byte("v"), 0)
	load(t, m, "hot:", 1000, []byte("v"), 0)
	clock.Advance(100 * time.Second)
	read(t, m, "hot:", 0, 1000)
	got := evictN(t, m, backend.EvictLRU, 800)
	if hot := countPrefix(got, "hot:"); hot > 40 {
		t.Errorf("allkeys-lru evicted %d recently read keys of 800", hot)
	}
}

// TestEvictLFU: frequently used keys survive allkeys-lfu.
func TestEvictLFU(t *testing.T) {
	m, _ := newEvictMemory(t)
	m.SetAccessConfig(backend.AccessConfig{LFU: true, LogFactor: 10, DecayTime: 1})
	load(t, m, "rare:", 1000, []byte("v"), 0)
	load(t, m, "often:", 200, []byte("v"), 0)
	for range 200 {
		read(t, m, "often:", 0, 200)
	}
	got := evictN(t, m, backend.EvictLFU, 800)
	if often := countPrefix(got, "often:"); often > 20 {
		t.Errorf("allkeys-lfu evicted %d frequently used keys of 800", often)
	}
}

// TestEvictVolatile: volatile policies evict only keys with an expiry, and
// report failure when none is left.
func TestEvictVolatile(t *testing.T) {
	for _, p := range []backend.EvictPolicy{backend.EvictVolatileLRU, backend.EvictVolatileLFU, backend.EvictVolatileRandom, backend.EvictVolatileTTL} {
		m, clock := newEvictMemory(t)
		load(t, m, "keep:", 300, []byte("v"), 0)
		load(t, m, "ttl:", 100, []byte("v"), backend.NowMs(clock)+3_600_000)
		got := evictN(t, m, p, 100)
		if n := countPrefix(got, "ttl:"); n != 100 {
			t.Errorf("policy %d evicted %d keys with a TTL of 100", p, n)
		}
		if _, ok := m.Evict(p, 5, nil); ok {
			t.Errorf("policy %d evicted a key without a TTL", p)
		}
		if _, ok := m.Evict(backend.EvictRandom, 5, nil); !ok {
			t.Error("allkeys-random found nothing to evict")
		}
	}
}

// TestEvictVolatileTTL: volatile-ttl evicts the keys that expire soonest.
func TestEvictVolatileTTL(t *testing.T) {
	m, clock := newEvictMemory(t)
	now := backend.NowMs(clock)
	err := m.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
		for i := range 1000 {
			if err := tx.Set([]byte("t:"+strconv.Itoa(i)), []byte("v"), now+int64(i+1)*1000, false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := evictN(t, m, backend.EvictVolatileTTL, 200)
	sum := 0
	for _, k := range got {
		i, _ := strconv.Atoi(strings.TrimPrefix(k, "t:"))
		sum += i
	}
	// Random picks would average rank 500; the pool's best of many samples
	// averages far below.
	if mean := sum / len(got); mean > 250 {
		t.Errorf("volatile-ttl evicted keys of mean rank %d of 1000", mean)
	}
}

// TestEvictEmpty: nothing to evict in an empty store.
func TestEvictEmpty(t *testing.T) {
	m, _ := newEvictMemory(t)
	for _, p := range []backend.EvictPolicy{backend.EvictLRU, backend.EvictLFU, backend.EvictRandom, backend.EvictVolatileTTL} {
		if _, ok := m.Evict(p, 5, nil); ok {
			t.Errorf("policy %d evicted from an empty store", p)
		}
	}
}

// TestAccessConcurrent: readers touching the same keys under shared locks,
// with an LFU clock, while eviction samples and removes keys and a writer
// replaces them: race-free (run with -race).
func TestAccessConcurrent(t *testing.T) {
	m := memory.New(memory.Options{ExpiryInterval: -1})
	t.Cleanup(func() { m.Close() })
	m.SetAccessConfig(backend.AccessConfig{LFU: true, LogFactor: 1, DecayTime: 1})
	load(t, m, "k:", 200, []byte("v"), 0)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				key := []byte("k:" + strconv.Itoa((i*7+g)%200))
				_ = m.View(backend.TxOptions{Keys: [][]byte{key}}, func(tx backend.Tx) error {
					_, _, err := tx.Get(key)
					if err == nil {
						_, _, _, err = tx.Access(key)
					}
					return err
				})
			}
		}()
	}
	for range 300 {
		if _, ok := m.Evict(backend.EvictLFU, 5, nil); !ok {
			load(t, m, "k:", 200, []byte("v"), 0)
		}
		load(t, m, "k:", 20, []byte("w"), 0)
	}
	close(done)
	wg.Wait()
}

// BenchmarkEvictLRU: one SET of a new key and one eviction, as a write
// under maxmemory costs.
func BenchmarkEvictLRU(b *testing.B) {
	m := memory.New(memory.Options{ExpiryInterval: -1})
	b.Cleanup(func() { m.Close() })
	load(b, m, "k:", 100_000, make([]byte, 64), 0)
	i := 0
	for b.Loop() {
		key := []byte("n:" + strconv.Itoa(i))
		i++
		_ = m.Update(backend.TxOptions{Keys: [][]byte{key}}, func(tx backend.Tx) error { return tx.Set(key, key, 0, false) })
		if _, ok := m.Evict(backend.EvictLRU, 5, nil); !ok {
			b.Fatal("nothing to evict")
		}
	}
}
