package backend

// KeySet is the keys a transaction named (TxOptions.Keys), for a backend
// to check the keys its operations touch against. It keeps the caller's
// slice, which must not change while it is in use. The zero value is
// empty. It is not safe for concurrent use.
type KeySet struct {
	keys [][]byte
	hint int // where Has found a key last
}

// Reset makes s the set of keys (nil: empty).
func (s *KeySet) Reset(keys [][]byte) { s.keys, s.hint = keys, 0 }

// Has reports whether key is in s. Commands touch their keys in about the
// order they named them, so the search starts at the key found last: a
// command touching its n keys in order costs O(n), not O(n²).
func (s *KeySet) Has(key []byte) bool {
	n := len(s.keys)
	for i, j := 0, s.hint; i < n; i, j = i+1, j+1 {
		if j >= n {
			j = 0
		}
		if k := s.keys[j]; len(k) == len(key) && (len(k) == 0 || &k[0] == &key[0] || string(k) == string(key)) {
			s.hint = j // most often the very slice that was named: no compare
			return true
		}
	}
	return false
}
