package bolt

import "redpool/backend"

// Access implements backend.Tx. bolt keeps no access clock (see the
// package doc, "Access clocks and maxmemory"): every existing key answers
// as a key just created does in Redis, idle 0 and backend.LFUInitVal.
func (t *tx) Access(key []byte) (int64, int, bool, error) {
	ok, err := t.Exists(key)
	if !ok || err != nil {
		return 0, 0, false, err
	}
	return 0, backend.LFUInitVal, true, nil
}

// Touch implements backend.Tx: Exists, since bolt keeps no access clock.
func (t *tx) Touch(key []byte) (bool, error) { return t.Exists(key) }

// SetAccess implements backend.Tx: it only reports whether key exists,
// since bolt keeps no access clock.
func (t *tx) SetAccess(key []byte, idleSeconds int64, freq int) (bool, error) {
	if err := t.writable(); err != nil {
		return false, err
	}
	return t.Exists(key)
}
