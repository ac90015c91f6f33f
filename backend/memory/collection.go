package memory

import "math/rand/v2"

// collection is the value of a key that holds elements: a list (*deque) or
// a hash (*hashObj), and the sets, sorted sets and streams to come. The
// code that handles entries of any type (size accounting, copy-on-write,
// snapshots) uses only this interface; each type's Tx methods use their
// concrete type. Collections are accessed under their shard's lock, except
// by a snapshot reader, which only calls appendItems on a collection that
// no writer modifies any more (see entry).
type collection interface {
	// size is the collection's contribution to Stats.UsedBytes.
	size() int64
	// clone returns an independent collection with the same elements. The
	// element bytes may be shared: no collection modifies them in place.
	clone() collection
	// appendItems appends the elements as items (see backend.TypeInfo), in
	// the value's order, to dst. The items alias the collection.
	appendItems(dst [][]byte) [][]byte
}

// sample calls fn with count positions in [0, n) picked at random:
// distinct ones if distinct (all n of them, in random order, when count
// reaches n), else independent ones, which may repeat. It costs O(count)
// time and memory whatever n: distinct picks are the first count steps of
// a Fisher-Yates shuffle of 0..n-1, which records only the positions it
// moved.
func sample(n, count int, distinct bool, fn func(i int) error) error {
	if n <= 0 || count <= 0 {
		return nil
	}
	if !distinct {
		for range count {
			if err := fn(rand.IntN(n)); err != nil {
				return err
			}
		}
		return nil
	}
	count = min(count, n)
	moved := make(map[int]int, count) // position -> the value the shuffle put there
	at := func(p int) int {
		if v, ok := moved[p]; ok {
			return v
		}
		return p
	}
	for i := range count {
		j := i + rand.IntN(n-i)
		vi, vj := at(i), at(j)
		moved[j] = vi // position i now holds vj, which is handed out
		if err := fn(vj); err != nil {
			return err
		}
	}
	return nil
}
