package bolt

import (
	"bytes"

	bolt "go.etcd.io/bbolt"

	"redpool/backend"
)

// auxPrefix starts the meta bucket keys that hold auxiliary data: "aux:"
// and the name.
const auxPrefix = "aux:"

func auxKey(name string) []byte { return []byte(auxPrefix + name) }

// Aux implements backend.Backend.
func (b *Bolt) Aux(name string) ([]byte, error) {
	if b.closed.Load() {
		return nil, backend.ErrClosed
	}
	var val []byte
	err := b.db.View(func(btx *bolt.Tx) error {
		val = bytes.Clone(btx.Bucket(bucketMeta).Get(auxKey(name)))
		return nil
	})
	return val, mapErr(err)
}

// SetAux implements backend.Tx: a meta bucket key, written (and undone)
// with the rest of the transaction.
func (t *tx) SetAux(name string, val []byte) error {
	if err := t.writable(); err != nil {
		return err
	}
	if !t.all {
		return notAll("SetAux")
	}
	t.touch()
	if len(val) == 0 {
		return t.metaB().Delete(auxKey(name))
	}
	return t.metaB().Put(auxKey(name), bytes.Clone(val)) // bbolt keeps it until the commit
}

// Aux implements backend.Snapshot.
func (s *snapshot) Aux() map[string][]byte {
	if s.btx == nil {
		return nil
	}
	var m map[string][]byte
	c := s.btx.Bucket(bucketMeta).Cursor()
	for k, v := c.Seek([]byte(auxPrefix)); k != nil && bytes.HasPrefix(k, []byte(auxPrefix)); k, v = c.Next() {
		if m == nil {
			m = make(map[string][]byte)
		}
		m[string(k[len(auxPrefix):])] = bytes.Clone(v)
	}
	return m
}
