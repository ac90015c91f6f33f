package backend

import "math/rand/v2"

// Sample calls fn with count positions in [0, n) picked at random, for the
// random-access operations of collections (HashRandom, and SRANDMEMBER,
// SPOP, ZRANDMEMBER to come): distinct positions if distinct (all n of
// them, in random order, when count reaches n), else independent ones,
// which may repeat. It costs O(count) time and memory whatever n: distinct
// picks are the first count steps of a Fisher-Yates shuffle of 0..n-1 that
// records only the positions it moved. It stops at fn's first error.
func Sample(n, count int, distinct bool, fn func(i int) error) error {
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
		// Swap positions i and j: i (never read again) takes vj, which is
		// handed out; j takes vi.
		moved[j] = vi
		delete(moved, i)
		if err := fn(vj); err != nil {
			return err
		}
	}
	return nil
}
