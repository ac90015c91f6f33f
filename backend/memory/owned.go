package memory

// SetOwned implements backend.Tx: val becomes the value as it is, with no
// copy (a big argument the session gave away), so a 100 MB SET costs 100
// MB. Writes to the value later (SETRANGE, APPEND) may reuse val's
// memory, which is why the caller must never write it again.
func (t *tx) SetOwned(key, val []byte, expireAt int64, keepTTL bool) error {
	return t.setString(key, val, expireAt, keepTTL, true)
}
