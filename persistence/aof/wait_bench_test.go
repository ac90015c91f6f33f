package aof_test

import (
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"redpool/persistence/aof"
)

// BenchmarkAppendWaitPaced is what bench/aof.sh's clients see of the log,
// without the network: 50 clients append SET records and wait for them,
// paced to 20,000 records a second in all (about redis-benchmark's SET
// rate at -c 50 here), from a fresh log. It reports how long a Wait took
// (mean, p99, p99.9, max, in µs): under everysec the once-a-second fsync
// and whatever the writer does around it show up in the tail, which a
// throughput figure on a loaded machine hides. b.N is the number of
// records: -benchtime 60000x runs three seconds.
func BenchmarkAppendWaitPaced(b *testing.B) {
	for _, f := range []aof.Fsync{aof.FsyncEverySec, aof.FsyncNo} {
		b.Run(f.String(), func(b *testing.B) { aofBenchWaitPaced(b, f, 50, 20000) })
	}
}

func aofBenchWaitPaced(b *testing.B, f aof.Fsync, clients, rate int) {
	s := openStore(b, b.TempDir(), aof.Options{Fsync: f}, nil)
	val := make([]byte, 64)
	interval := time.Second * time.Duration(clients) / time.Duration(rate)
	lats := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for c := range clients {
		n := b.N / clients
		if c < b.N%clients {
			n++
		}
		lats[c] = make([]time.Duration, 0, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			argv := [][]byte{[]byte("SET"), nil, val}
			key := make([]byte, 0, 16)
			next := time.Now().Add(interval * time.Duration(c) / time.Duration(clients))
			for i := range n {
				if d := time.Until(next); d > 0 {
					time.Sleep(d)
				}
				next = next.Add(interval)
				argv[1] = strconv.AppendInt(append(key[:0], "key:"...), int64((i*clients+c)%100000), 10)
				start := time.Now()
				if err := s.log.Wait(s.log.Append(0, argv)); err != nil {
					b.Error(err)
					return
				}
				lats[c] = append(lats[c], time.Since(start))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	all := slices.Sorted(slices.Values(slices.Concat(lats...)))
	if len(all) == 0 {
		return
	}
	var sum time.Duration
	for _, d := range all {
		sum += d
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	at := func(q float64) time.Duration { return all[int(q*float64(len(all)-1))] }
	b.ReportMetric(us(sum/time.Duration(len(all))), "wait-mean-us")
	b.ReportMetric(us(at(0.99)), "wait-p99-us")
	b.ReportMetric(us(at(0.999)), "wait-p99.9-us")
	b.ReportMetric(us(all[len(all)-1]), "wait-max-us")
}
