package bolt

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"redpool/backend"
)

const benchKeys = 10_000

func benchKey(i int) []byte { return benchKeyOf(i, benchKeys) }

func benchKeyOf(i, keys int) []byte { return []byte("key:" + strconv.Itoa(i%keys)) }

func fill(b *testing.B, be *Bolt) { fillKeys(b, be, benchKeys) }

func fillKeys(b *testing.B, be *Bolt, keys int) {
	b.Helper()
	val := make([]byte, 64)
	mustUpdate(b, be, 0, func(tx backend.Tx) error {
		for i := range keys {
			if err := tx.Set(benchKeyOf(i, keys), val, 0, false); err != nil {
				return err
			}
		}
		return nil
	})
}

func BenchmarkGet(b *testing.B) {
	be := openTest(b, Options{Sync: SyncNone})
	fill(b, be)
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seq.Add(1)) * 7919
		for pb.Next() {
			i++
			k := benchKey(i)
			err := be.View(backend.TxOptions{Keys: [][]byte{k}}, func(tx backend.Tx) error {
				_, ok, err := tx.Get(k)
				if !ok {
					b.Error("missing")
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchSet(b *testing.B, sync Sync) { benchSetKeys(b, sync, benchKeys) }

func benchSetKeys(b *testing.B, sync Sync, keys int) {
	be := openTest(b, Options{Sync: sync})
	fillKeys(b, be, keys)
	val := make([]byte, 64)
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seq.Add(1)) * 7919
		for pb.Next() {
			i++
			k := benchKeyOf(i, keys)
			err := be.Update(backend.TxOptions{Keys: [][]byte{k}}, func(tx backend.Tx) error {
				return tx.Set(k, val, 0, false)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.StopTimer()
	if c := be.commits.Load(); c > 0 {
		b.ReportMetric(float64(be.updates.Load())/float64(c), "updates/commit")
	}
}

func BenchmarkSet(b *testing.B) {
	b.Run("SyncNone", func(b *testing.B) { benchSet(b, SyncNone) })
	b.Run("SyncBatch", func(b *testing.B) { benchSet(b, SyncBatch) })
	b.Run("SyncAlways", func(b *testing.B) {
		// Plenty of concurrent writers, as on a busy server.
		b.SetParallelism(32)
		benchSet(b, SyncAlways)
	})
	b.Run("SyncAlways/50x100k", func(b *testing.B) {
		// bench/backends.sh's SET without the network: 50 writers, random
		// keys among 100,000.
		b.SetParallelism(50 / runtime.GOMAXPROCS(0))
		benchSetKeys(b, SyncAlways, 100_000)
	})
	b.Run("SyncNone/serial", func(b *testing.B) { benchSetSerial(b, SyncNone) })
	b.Run("SyncAlways/serial", func(b *testing.B) { benchSetSerial(b, SyncAlways) })
}

// benchSetSerial is one client doing one Set after another: the latency of
// an Update.
func benchSetSerial(b *testing.B, sync Sync) {
	be := openTest(b, Options{Sync: sync})
	val := make([]byte, 64)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := benchKey(i)
		err := be.Update(backend.TxOptions{Keys: [][]byte{k}}, func(tx backend.Tx) error {
			return tx.Set(k, val, 0, false)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLPush(b *testing.B) {
	be := openTest(b, Options{Sync: SyncNone})
	val := make([]byte, 32)
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		k := []byte("list:" + strconv.Itoa(int(seq.Add(1))))
		vals := [][]byte{val}
		for pb.Next() {
			err := be.Update(backend.TxOptions{Keys: [][]byte{k}}, func(tx backend.Tx) error {
				_, err := tx.ListPush(k, true, vals, false)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkHSet(b *testing.B) {
	be := openTest(b, Options{Sync: SyncNone})
	val := make([]byte, 32)
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := seq.Add(1)
		k := []byte("hash:" + strconv.Itoa(int(w)))
		for i := 0; pb.Next(); i++ {
			pairs := [][]byte{[]byte("field:" + strconv.Itoa(i%100_000)), val}
			err := be.Update(backend.TxOptions{Keys: [][]byte{k}}, func(tx backend.Tx) error {
				_, err := tx.HashSet(k, pairs, false)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkListIndexLarge(b *testing.B) {
	be := openTest(b, Options{Sync: SyncNone})
	vals := make([][]byte, 100_000)
	for i := range vals {
		vals[i] = []byte(strconv.Itoa(i))
	}
	mustUpdate(b, be, 0, func(tx backend.Tx) error {
		_, err := tx.ListPush([]byte("big"), false, vals, false)
		return err
	})
	k := []byte("big")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		err := be.View(backend.TxOptions{Keys: [][]byte{k}}, func(tx backend.Tx) error {
			_, _, err := tx.ListIndex(k, int64(i*7919%100_000))
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
