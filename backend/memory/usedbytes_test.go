package memory_test

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	"redpool/backend"
	"redpool/backend/memory"
)

// heapLive is the live heap: HeapAlloc right after a full collection.
func heapLive() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// TestUsedBytesVsHeap: the accounted size of the data (UsedBytes, what
// maxmemory compares and MEMORY USAGE reports per key) is within 20% of
// what the data costs on the Go heap (live heap after GC, before and
// after loading), for every type and for small and large values; within
// 5% for strings. Measured figures (used/heap): strings 0.98-1.02,
// lists 0.98-1.02, hashes 0.86-0.97, sets 1.04, sorted sets 0.93-1.08,
// streams 0.95-0.96.
func TestUsedBytesVsHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap after GCs")
	}
	cases := []struct {
		name string
		fill func(tx backend.Tx, i int) error
	}{
		{"str8", func(tx backend.Tx, i int) error {
			return tx.Set([]byte("key:"+strconv.Itoa(i)), make([]byte, 8), 0, false)
		}},
		{"str100", func(tx backend.Tx, i int) error {
			return tx.Set([]byte("key:"+strconv.Itoa(i)), make([]byte, 100), 0, false)
		}},
		{"str1000", func(tx backend.Tx, i int) error {
			return tx.Set([]byte("key:"+strconv.Itoa(i)), make([]byte, 1000), 0, false)
		}},
		{"str1000ttl", func(tx backend.Tx, i int) error {
			return tx.Set([]byte("key:"+strconv.Itoa(i)), make([]byte, 1000), 1<<50, false)
		}},
		{"list10", func(tx backend.Tx, i int) error {
			_, err := tx.ListPush([]byte("key:"+strconv.Itoa(i)), false, [][]byte{make([]byte, 10), make([]byte, 10), make([]byte, 10), make([]byte, 10), make([]byte, 10), make([]byte, 10), make([]byte, 10), make([]byte, 10), make([]byte, 10), make([]byte, 10)}, false)
			return err
		}},
		{"hash10", func(tx backend.Tx, i int) error {
			var pairs [][]byte
			for j := range 10 {
				pairs = append(pairs, []byte("field"+strconv.Itoa(j)), make([]byte, 10))
			}
			_, err := tx.HashSet([]byte("key:"+strconv.Itoa(i)), pairs, false)
			return err
		}},
		{"list100x100", func(tx backend.Tx, i int) error {
			vals := make([][]byte, 100)
			for j := range vals {
				vals[j] = make([]byte, 100)
			}
			_, err := tx.ListPush([]byte("key:"+strconv.Itoa(i)), false, vals, false)
			return err
		}},
		{"hash100x100", func(tx backend.Tx, i int) error {
			var pairs [][]byte
			for j := range 100 {
				pairs = append(pairs, []byte("field"+strconv.Itoa(j)), make([]byte, 100))
			}
			_, err := tx.HashSet([]byte("key:"+strconv.Itoa(i)), pairs, false)
			return err
		}},
		{"zset100", func(tx backend.Tx, i int) error {
			var m []backend.ScoredMember
			for j := range 100 {
				m = append(m, backend.ScoredMember{Member: []byte("member:" + strconv.Itoa(j)), Score: float64(j)})
			}
			_, err := tx.ZAdd([]byte("key:"+strconv.Itoa(i)), 0, m)
			return err
		}},
		{"set10", func(tx backend.Tx, i int) error {
			var m [][]byte
			for j := range 10 {
				m = append(m, []byte("member"+strconv.Itoa(j)))
			}
			_, err := tx.SetAdd([]byte("key:"+strconv.Itoa(i)), m)
			return err
		}},
		{"stream100", func(tx backend.Tx, i int) error {
			key := []byte("key:" + strconv.Itoa(i))
			for j := range 100 {
				id := backend.StreamID{Ms: 1_700_000_000_000 + uint64(j*37), Seq: 0}
				f := [][]byte{[]byte("field"), []byte(strconv.Itoa(j)), []byte("payload"), make([]byte, 20)}
				if err := tx.XAppend(key, id, f, j%50 == 0, 10); err != nil {
					return err
				}
			}
			return nil
		}},
		{"streamPEL", func(tx backend.Tx, i int) error {
			key := []byte("key:" + strconv.Itoa(i))
			if err := tx.XAppend(key, backend.StreamID{Ms: 1}, [][]byte{[]byte("f"), []byte("v")}, false, 10); err != nil {
				return err
			}
			g := []byte("group")
			if _, err := tx.XSetGroup(key, backend.StreamGroup{Name: g}); err != nil {
				return err
			}
			for _, c := range []string{"consumer-1", "consumer-2"} {
				if _, err := tx.XSetConsumer(key, g, backend.StreamConsumer{Name: []byte(c)}); err != nil {
					return err
				}
			}
			for j := range 100 {
				c := []byte("consumer-" + strconv.Itoa(1+j%2))
				if err := tx.XSetPending(key, g, backend.StreamPending{ID: backend.StreamID{Ms: uint64(j)}, Consumer: c, DeliveryTime: 1, DeliveryCount: 1}); err != nil {
					return err
				}
			}
			return nil
		}},
		{"zset10", func(tx backend.Tx, i int) error {
			var m []backend.ScoredMember
			for j := range 10 {
				m = append(m, backend.ScoredMember{Member: []byte("member" + strconv.Itoa(j)), Score: float64(j)})
			}
			_, err := tx.ZAdd([]byte("key:"+strconv.Itoa(i)), 0, m)
			return err
		}},
	}
	for _, c := range cases {
		m := memory.New(memory.Options{ExpiryInterval: -1})
		h0 := heapLive()
		const n = 5_000
		for start := 0; start < n; start += 1000 {
			m.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
				for i := start; i < start+1000; i++ {
					if err := c.fill(tx, i); err != nil {
						return err
					}
				}
				return nil
			})
		}
		h1 := heapLive()
		u := m.UsedBytes()
		ratio := float64(u) / float64(h1-h0)
		t.Logf("%-11s heap/key %6d used/key %6d used/heap %.3f", c.name, (h1-h0)/n, u/n, ratio)
		tol := 0.20
		if strings.HasPrefix(c.name, "str") {
			tol = 0.05
		}
		if ratio < 1-tol || ratio > 1+tol {
			t.Errorf("%s: UsedBytes is %.2f times the heap the data takes (want within %.0f%%)", c.name, ratio, tol*100)
		}
		m.Close()
	}
}
