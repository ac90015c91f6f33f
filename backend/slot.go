package backend

import "errors"

// Cluster hash slots, as Redis Cluster computes them (cluster.c's
// keyHashSlot): CRC16 (XMODEM) of the key, or of the part between the
// first '{' and the next '}' when that part is not empty, modulo 16384.

// ClusterSlots is the number of hash slots.
const ClusterSlots = 16384

// KeySlot is key's hash slot.
func KeySlot(key []byte) int {
	for i, c := range key {
		if c != '{' {
			continue
		}
		for j := i + 1; j < len(key); j++ {
			if key[j] == '}' {
				if j == i+1 {
					break // "{}": the whole key
				}
				return int(crc16(key[i+1:j]) & (ClusterSlots - 1))
			}
		}
		break
	}
	return int(crc16(key) & (ClusterSlots - 1))
}

// crc16 is CRC-16/XMODEM (polynomial 0x1021, initial value 0), Redis's crc16.c.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^c]
	}
	return crc
}

var crc16Table = func() (t [256]uint16) {
	for i := range t {
		crc := uint16(i) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		t[i] = crc
	}
	return t
}()

// ErrBadSlot: a slot outside 0..ClusterSlots-1 passed to a SlotTx method.
var ErrBadSlot = errors.New("backend: hash slot out of range")

// SlotTx is implemented by the Tx of both backends: database 0's keys by
// hash slot, for cluster mode (CLUSTER COUNTKEYSINSLOT, GETKEYSINSLOT and
// slot migration). A backend opened with its SlotIndex option keeps an
// index, so that both are O(1) and O(count) as in Redis; without it they
// scan the database. Other databases hold no keys in cluster mode; on a
// Tx of another database both see that database. Both need a Tx opened
// with All (ErrNotLocked otherwise) and fail with ErrBadSlot for a slot
// outside 0..ClusterSlots-1.
type SlotTx interface {
	// CountKeysInSlot is the number of live keys whose KeySlot is slot.
	CountKeysInSlot(slot int) (int64, error)
	// KeysInSlot calls fn with up to count live keys of slot, in no
	// particular order, stopping at fn's first error. The key is valid
	// only during the call.
	KeysInSlot(slot, count int, fn func(key []byte) error) error
}
