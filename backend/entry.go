package backend

// Put stores e in tx (which must be on e.DB), replacing any value at e.Key.
// Snapshot loading and restores use it, so every backend loads the same way.
// An entry whose expiry has passed is skipped.
func Put(tx Tx, e *Entry) error {
	if e.ExpireAt != 0 && e.ExpireAt <= tx.Now() {
		return nil
	}
	if _, err := tx.Delete(e.Key); err != nil {
		return err
	}
	var err error
	switch e.Type {
	case TypeString:
		return tx.Set(e.Key, e.Str, e.ExpireAt, false)
	case TypeList:
		if len(e.List) == 0 {
			return nil
		}
		_, err = tx.ListPush(e.Key, false, e.List, false)
	case TypeHash:
		if len(e.Hash) == 0 {
			return nil
		}
		_, err = tx.HashSet(e.Key, e.Hash, false)
	default:
		return ErrWrongType
	}
	if err != nil || e.ExpireAt == 0 {
		return err
	}
	_, err = tx.SetExpireAt(e.Key, e.ExpireAt)
	return err
}
