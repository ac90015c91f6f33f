package bolt

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"redpool/backend"
)

// startupMetaFreelist reads the file's current meta page (the one with the
// higher txid) and returns its freelist page id. bbolt's meta page: a
// 16-byte page header, then magic, version, pageSize, flags (4 bytes
// each), the root bucket (16), freelist (8), pgid (8), txid (8), in the
// machine's byte order (little endian here).
func startupMetaFreelist(t *testing.T, path string) uint64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const hdr = 16
	pageSize := int(binary.LittleEndian.Uint32(data[hdr+8:]))
	var freelist, txid uint64
	for i := range 2 {
		m := data[i*pageSize+hdr:]
		if id := binary.LittleEndian.Uint64(m[48:]); i == 0 || id > txid {
			txid, freelist = id, binary.LittleEndian.Uint64(m[32:])
		}
	}
	return freelist
}

// TestStartupCloseWritesFreelist: a clean Close leaves a freelist in the
// meta page (so that Open reads it instead of walking the file), for every
// sync mode, and the file opens again with its keys.
func TestStartupCloseWritesFreelist(t *testing.T) {
	const noFreelist = ^uint64(0)
	info, _ := backend.Lookup(backend.TypeString)
	for _, sync := range []Sync{SyncAlways, SyncBatch, SyncNone} {
		t.Run(sync.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "redpool.db")
			for round := range 2 {
				b, err := Open(Options{Path: path, Sync: sync})
				if err != nil {
					t.Fatal(err)
				}
				err = b.Update(backend.TxOptions{}, func(tx backend.Tx) error {
					for i := range 1000 {
						key := fmt.Appendf(nil, "k%d:%d", round, i)
						if err := info.Load(tx, key, [][]byte{[]byte("value")}); err != nil {
							return err
						}
					}
					_, err := tx.Delete([]byte("k0:1"))
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := b.Close(); err != nil {
					t.Fatal(err)
				}
				if got := startupMetaFreelist(t, path); got == noFreelist {
					t.Fatalf("round %d: the meta page has no freelist after Close", round)
				}
			}
			b := openTest(t, Options{Path: path, Sync: sync})
			if got := b.Stats().Keys[0]; got != 1999 {
				t.Fatalf("keys after reopening: %d, want 1999", got)
			}
		})
	}
}
