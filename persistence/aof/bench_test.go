package aof_test

import (
	"strconv"
	"testing"

	"redpool/command"
	"redpool/persistence/aof"
)

// BenchmarkAppendWait is a client's write: append a SET record and wait
// until the policy acknowledges it, with GOMAXPROCS clients at once (group
// commit); b.SetParallelism raises the client count. The "+durability"
// runs report to a command.Durability (INFO's ack_not_durable_*), as the
// server does.
func BenchmarkAppendWait(b *testing.B) {
	for _, f := range []aof.Fsync{aof.FsyncAlways, aof.FsyncEverySec, aof.FsyncNo} {
		b.Run(f.String(), func(b *testing.B) { benchAppendWait(b, aof.Options{Fsync: f}) })
		b.Run(f.String()+"+durability", func(b *testing.B) {
			benchAppendWait(b, aof.Options{Fsync: f, Durability: command.NewDurability(command.DurabilityOptions{})})
		})
	}
}

func benchAppendWait(b *testing.B, opts aof.Options) {
	s := openStore(b, b.TempDir(), opts, nil)
	val := make([]byte, 64)
	b.SetParallelism(16)
	b.SetBytes(int64(len(cmd("SET", "key:000000", string(val)))))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		argv := [][]byte{[]byte("SET"), nil, val}
		key := make([]byte, 0, 16)
		i := 0
		for pb.Next() {
			argv[1] = strconv.AppendInt(append(key[:0], "key:"...), int64(i%100000), 10)
			i++
			if err := s.log.Wait(s.log.Append(0, argv)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
