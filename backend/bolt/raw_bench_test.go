package bolt

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func BenchmarkRawBoltPut(b *testing.B) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true, FreelistType: bolt.FreelistMapType, InitialMmapSize: 256 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.Update(func(tx *bolt.Tx) error {
		bk, _ := tx.CreateBucket([]byte("k"))
		for i := range benchKeys {
			bk.Put(benchKey(i), make([]byte, 64))
		}
		return nil
	})
	val := make([]byte, 64)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("k")).Put(benchKey(i), val) })
	}
}
