package memory

import (
	"errors"
	"fmt"
	"testing"

	"redpool/backend"
)

// TestNamedKeysHashed: a transaction naming up to maxHashedKeys keys
// keeps their hashes (hashOf), and one naming more does not; either way
// every named key is found, by the very slice named or by a copy, in
// any order, and a key not named is refused.
func TestNamedKeysHashed(t *testing.T) {
	m := New(Options{})
	defer m.Close()
	for _, n := range []int{1, 2, maxHashedKeys, maxHashedKeys + 1} {
		keys := make([][]byte, n)
		for i := range keys {
			keys[i] = []byte(fmt.Sprintf("key%d", i))
		}
		err := m.Update(backend.TxOptions{Keys: keys}, func(btx backend.Tx) error {
			tx := btx.(*tx)
			want := n
			if n > maxHashedKeys {
				want = 0
			}
			if len(tx.hashed) != want {
				t.Errorf("%d keys: %d hashed, want %d", n, len(tx.hashed), want)
			}
			for i := len(keys) - 1; i >= 0; i-- {
				if err := tx.Set(keys[i], []byte{byte('a' + i)}, 0, false); err != nil {
					return err
				}
				if _, err := tx.Append([]byte(string(keys[i])), []byte{'+'}); err != nil {
					return err
				}
			}
			return tx.Set([]byte("other"), []byte("v"), 0, false)
		})
		if !errors.Is(err, backend.ErrNotLocked) {
			t.Fatalf("%d keys: a key not named: %v, want ErrNotLocked", n, err)
		}
		err = m.View(backend.TxOptions{}, func(tx backend.Tx) error {
			for i, k := range keys {
				v, ok, err := tx.Get([]byte(string(k)))
				if err != nil || !ok || string(v) != string([]byte{byte('a' + i), '+'}) {
					t.Errorf("%d keys: %s = %q, %v, %v", n, k, v, ok, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
