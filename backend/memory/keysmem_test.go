package memory_test

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"

	"redpool/backend"
	"redpool/backend/memory"
)

// keysmemHeap is the heap after two full collections: HeapAlloc (live
// objects, counted by their size class) and HeapInuse (their spans).
func keysmemHeap() (alloc, inuse int64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc), int64(ms.HeapInuse)
}

// keysmemCases are the shapes of bench/keysmem.sh: 64-byte strings, and
// hashes, sets and sorted sets of 10 elements, keys key:%012d.
var keysmemCases = []struct {
	name string
	fill func(tx backend.Tx, key []byte) error
}{
	{"string64", func(tx backend.Tx, key []byte) error {
		return tx.Set(key, make([]byte, 64), 0, false)
	}},
	{"hash10", func(tx backend.Tx, key []byte) error {
		var pairs [][]byte
		for j := range 10 {
			pairs = append(pairs, []byte("f"+strconv.Itoa(j)), make([]byte, 16))
		}
		_, err := tx.HashSet(key, pairs, false)
		return err
	}},
	{"set10", func(tx backend.Tx, key []byte) error {
		var m [][]byte
		for j := range 10 {
			m = append(m, []byte("m:"+strconv.Itoa(j)))
		}
		_, err := tx.SetAdd(key, m)
		return err
	}},
	{"zset10", func(tx backend.Tx, key []byte) error {
		var m []backend.ScoredMember
		for j := range 10 {
			m = append(m, backend.ScoredMember{Member: []byte("m:" + strconv.Itoa(j)), Score: float64(j)})
		}
		_, err := tx.ZAdd(key, 0, m)
		return err
	}},
}

// TestKeysmemPerKey logs the live heap per key of each shape of
// bench/keysmem.sh (the figures of docs/memory.md). Set KEYSMEM_N to
// change the number of keys (default 200,000).
func TestKeysmemPerKey(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap after GCs")
	}
	n := 200_000
	if s := os.Getenv("KEYSMEM_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for _, c := range keysmemCases {
		m := memory.New(memory.Options{ExpiryInterval: -1})
		a0, i0 := keysmemHeap()
		for start := 0; start < n; start += 1000 {
			err := m.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
				for i := start; i < min(start+1000, n); i++ {
					if err := c.fill(tx, fmt.Appendf(nil, "key:%012d", i)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		a1, i1 := keysmemHeap()
		t.Logf("%-9s heap alloc/key %5d, in use/key %5d, UsedBytes/key %5d", c.name, (a1-a0)/int64(n), (i1-i0)/int64(n), m.UsedBytes()/int64(n))
		m.Close()
	}
}

// keysmemBenchHash benchmarks HGET (or, with set, HSET of an existing
// field) on a hash of n fields of 16-byte values.
func keysmemBenchHash(b *testing.B, n int, set bool) {
	m := memory.New(memory.Options{ExpiryInterval: -1})
	defer m.Close()
	key := []byte("h")
	var pairs [][]byte
	for j := range n {
		pairs = append(pairs, []byte("field:"+strconv.Itoa(j)), make([]byte, 16))
	}
	m.Update(backend.TxOptions{Keys: [][]byte{key}}, func(tx backend.Tx) error {
		_, err := tx.HashSet(key, pairs, false)
		return err
	})
	o := backend.TxOptions{Keys: [][]byte{key}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		f := pairs[2*(i%n)]
		if set {
			m.Update(o, func(tx backend.Tx) error {
				_, err := tx.HashSet(key, [][]byte{f, pairs[1]}, false)
				return err
			})
			continue
		}
		m.View(o, func(tx backend.Tx) error {
			_, _, err := tx.HashGet(key, f)
			return err
		})
	}
}

func BenchmarkKeysmemHashGet10(b *testing.B)  { keysmemBenchHash(b, 10, false) }
func BenchmarkKeysmemHashGet30(b *testing.B)  { keysmemBenchHash(b, 30, false) }
func BenchmarkKeysmemHashGet100(b *testing.B) { keysmemBenchHash(b, 100, false) }
func BenchmarkKeysmemHashSet10(b *testing.B)  { keysmemBenchHash(b, 10, true) }
func BenchmarkKeysmemHashSet30(b *testing.B)  { keysmemBenchHash(b, 30, true) }
func BenchmarkKeysmemHashSet100(b *testing.B) { keysmemBenchHash(b, 100, true) }
