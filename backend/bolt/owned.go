package bolt

// SetOwned implements backend.Tx. bolt writes the value to its pages
// anyway, so it is Set: owning val saves no copy here.
func (t *tx) SetOwned(key, val []byte, expireAt int64, keepTTL bool) error {
	return t.Set(key, val, expireAt, keepTTL)
}
