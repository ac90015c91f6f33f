package backend

import "fmt"

// Entry is one key with its whole value, as a Snapshot yields it and as
// Put takes it. The value is Items, as its type's TypeInfo describes them.
type Entry struct {
	DB       int
	Key      []byte
	Type     Type
	ExpireAt int64 // absolute Unix ms, 0 = none
	// Items is the value: a string's one item, a list's elements head
	// first, a hash's field, value, field, value, ...
	Items [][]byte
}

// Put stores e in tx (which must be on e.DB), replacing any value at e.Key.
// Snapshot loading and restores use it, so every backend loads the same way.
// An entry whose expiry has passed, or an empty collection, is skipped; an
// entry of an unknown type, or with items that are not a whole value, is an
// error.
func Put(tx Tx, e *Entry) error {
	info, ok := Lookup(e.Type)
	if !ok {
		return fmt.Errorf("%w %d (key %q)", ErrUnknownType, e.Type, e.Key)
	}
	if err := info.CheckItems(e.Items); err != nil {
		return fmt.Errorf("backend: key %q: %v", e.Key, err)
	}
	if e.ExpireAt != 0 && e.ExpireAt <= tx.Now() {
		return nil
	}
	if !info.Scalar {
		// Load adds to a collection: clear the key first.
		if _, err := tx.Delete(e.Key); err != nil {
			return err
		}
		if len(e.Items) == 0 {
			return nil
		}
	}
	if err := info.Load(tx, e.Key, e.Items); err != nil || e.ExpireAt == 0 {
		return err
	}
	_, err := tx.SetExpireAt(e.Key, e.ExpireAt)
	return err
}
