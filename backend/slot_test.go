package backend

import "testing"

// TestKeySlot: slots of Redis's own examples (CLUSTER KEYSLOT on Redis 7.0).
func TestKeySlot(t *testing.T) {
	for key, want := range map[string]int{
		"":                     0,
		"foo":                  12182,
		"somekey":              11058,
		"foo{hash_tag}":        2515,
		"somekey{hash_tag}":    2515,
		"{user1000}.following": 3443,
		"{user1000}.followers": 3443,
		"foo{}{bar}":           8363,
		"foo{{bar}}zap":        4015,
		"foo{bar}{zap}":        5061,
		"{":                    4092,
		"123456789":            12739,
	} {
		if got := KeySlot([]byte(key)); got != want {
			t.Errorf("KeySlot(%q) = %d, want %d", key, got, want)
		}
	}
}
