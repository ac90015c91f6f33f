package bolt

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"redpool/backend"
	"redpool/backend/backendtest"
)

func TestSlotContract(t *testing.T) {
	backendtest.RunSlots(t, func(t *testing.T, c backendtest.Config) (backend.Backend, func()) {
		b := openTest(t, Options{Sync: SyncNone, Clock: c.Clock, Databases: c.Databases, OnExpire: c.OnExpire,
			SlotIndex: c.SlotIndex, tuning: tuning{noExpirer: true}})
		return b, func() {
			if err := b.expireAll(); err != nil {
				t.Errorf("active expiry: %v", err)
			}
		}
	})
}

// slotSum is the sum of CountKeysInSlot over every slot of db, and
// KeysInSlot's keys over the same, which both must equal Len.
func slotSum(t *testing.T, b *Bolt, db int) (counted, listed, n int64) {
	t.Helper()
	err := b.View(backend.TxOptions{DB: db, All: true}, func(tx backend.Tx) error {
		st := tx.(backend.SlotTx)
		for slot := range backend.ClusterSlots {
			c, err := st.CountKeysInSlot(slot)
			if err != nil {
				return err
			}
			counted += c
			if err := st.KeysInSlot(slot, int(c)+1, func([]byte) error { listed++; return nil }); err != nil {
				return err
			}
		}
		var err error
		n, err = tx.Len()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return counted, listed, n
}

// TestSlotIndexReopen: the index is built at Open for a file written
// without it (more records than one rebuild transaction takes), kept
// without a rebuild while the option stays on, dropped when it is off,
// and rebuilt when it disagrees with the key counts.
func TestSlotIndexReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slots.db")
	var logs bytes.Buffer
	open := func(index bool) *Bolt {
		t.Helper()
		logs.Reset()
		b, err := Open(Options{Path: path, Sync: SyncNone, SlotIndex: index, tuning: tuning{noExpirer: true},
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	write := func(b *Bolt, db int, prefix string, n int) {
		t.Helper()
		err := b.Update(backend.TxOptions{DB: db, All: true}, func(tx backend.Tx) error {
			for i := range n {
				exp := int64(0)
				if i%3 == 0 {
					exp = tx.Now() + 1_000_000
				}
				if err := tx.Set([]byte(prefix+strconv.Itoa(i)), []byte("v"), exp, false); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check := func(b *Bolt, wantKeys int64) {
		t.Helper()
		if err := b.CheckSlotIndex(); err != nil {
			t.Fatal(err)
		}
		if c, l, n := slotSum(t, b, 0); c != wantKeys || l != wantKeys || n != wantKeys {
			t.Fatalf("slots count %d keys and list %d; Len %d; want %d", c, l, n, wantKeys)
		}
	}
	rebuilt := func(want bool) {
		t.Helper()
		if got := strings.Contains(logs.String(), "building the cluster slot index"); got != want {
			t.Fatalf("rebuilt %v, want %v; log:\n%s", got, want, logs.String())
		}
	}
	closeB := func(b *Bolt) {
		t.Helper()
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}

	b := open(false)
	write(b, 0, "k:", 2*rebuildChunk+500)
	write(b, 1, "one:", 100)
	closeB(b)

	b = open(true)
	rebuilt(true)
	check(b, 2*rebuildChunk+500)
	write(b, 0, "more:", 100)
	closeB(b)

	b = open(true)
	rebuilt(false)
	check(b, 2*rebuildChunk+600)
	closeB(b)

	b = open(false)
	err := b.db.View(func(btx *bolt.Tx) error {
		if btx.Bucket(bucketSlots) != nil || btx.Bucket(bucketSlotCounts) != nil || btx.Bucket(bucketMeta).Get(metaSlotIndex) != nil {
			t.Error("the index is still there with the option off")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	write(b, 0, "off:", 50)
	closeB(b)

	b = open(true)
	rebuilt(true)
	check(b, 2*rebuildChunk+650)
	// Damage a count: the next Open notices and rebuilds.
	err = b.db.Update(func(btx *bolt.Tx) error {
		c := btx.Bucket(bucketSlotCounts).Cursor()
		k, _ := c.First()
		return btx.Bucket(bucketSlotCounts).Delete(bytes.Clone(k))
	})
	if err != nil {
		t.Fatal(err)
	}
	closeB(b)
	b = open(true)
	rebuilt(true)
	if !strings.Contains(logs.String(), "disagrees") {
		t.Fatalf("no warning about the damaged index; log:\n%s", logs.String())
	}
	check(b, 2*rebuildChunk+650)
	closeB(b)
}

// BenchmarkSlotSetNewKeys sets new keys, one Update each (SyncNone), with
// the slot index off and on: what indexing a new key costs.
func BenchmarkSlotSetNewKeys(b *testing.B) {
	for _, index := range []bool{false, true} {
		name := "off"
		if index {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			be := openTest(b, Options{Sync: SyncNone, SlotIndex: index})
			val := make([]byte, 64)
			b.ReportAllocs()
			key := make([]byte, 0, 32)
			keys := [][]byte{nil}
			for i := 0; b.Loop(); i++ {
				key = strconv.AppendInt(append(key[:0], "key:"...), int64(i), 10)
				keys[0] = key
				err := be.Update(backend.TxOptions{Keys: keys}, func(tx backend.Tx) error {
					return tx.Set(keys[0], val, 0, false)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
