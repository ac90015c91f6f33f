// Command boltfill writes a bolt backend file of a given size for the
// startup benchmark (bench/startup.sh): string keys "key:%012d" with
// values of -value bytes, -batch keys to a transaction, in process
// (sync = "none", fsynced once at Close), until the file holds -size
// bytes. It prints the keys written and the file's size.
//
//	boltfill -path /tmp/big.bolt -size 10000000000 -value 4000
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"redpool/backend"
	"redpool/backend/bolt"
)

func main() {
	path := flag.String("path", "", "the bolt file to write (created or extended)")
	size := flag.Int64("size", 10_000_000_000, "stop once the file holds this many bytes")
	vsize := flag.Int("value", 4000, "bytes in each value")
	batch := flag.Int("batch", 2000, "keys in each transaction")
	flag.Parse()
	if *path == "" || *vsize < 1 || *batch < 1 {
		fmt.Fprintln(os.Stderr, "usage: boltfill -path FILE [-size BYTES] [-value BYTES] [-batch KEYS]")
		os.Exit(2)
	}
	if err := boltfillRun(*path, *size, *vsize, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "boltfill:", err)
		os.Exit(1)
	}
}

// boltfillRun writes batches of keys into the file at path until it holds
// size bytes, then closes it.
func boltfillRun(path string, size int64, vsize, batch int) error {
	b, err := bolt.Open(bolt.Options{Path: path, Sync: bolt.SyncNone, NoActiveExpiry: true})
	if err != nil {
		return err
	}
	info, _ := backend.Lookup(backend.TypeString)
	val := make([]byte, vsize)
	for i := range val {
		val[i] = byte('a' + i%26)
	}
	start := time.Now()
	n := 0
	for {
		fi, err := os.Stat(path)
		if err != nil {
			b.Close()
			return err
		}
		if fi.Size() >= size {
			break
		}
		err = b.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
			key := make([]byte, 0, 16)
			for i := 0; i < batch; i++ {
				key = fmt.Appendf(key[:0], "key:%012d", n+i)
				if err := info.Load(tx, key, [][]byte{val}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Close()
			return err
		}
		n += batch
	}
	if err := b.Close(); err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Printf("%d keys, %d bytes, %.1f s\n", n, fi.Size(), time.Since(start).Seconds())
	return nil
}
