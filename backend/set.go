package backend

// The set type's registry functions (see typeTable).

func readSet(tx Tx, key []byte, fn func(items [][]byte) error) error {
	c := newChunker(1, fn)
	return c.done(tx.SetIter(key, func(m []byte) bool { return c.add(m) }))
}

func loadSet(tx Tx, key []byte, items [][]byte) error {
	_, err := tx.SetAdd(key, items)
	return err
}

// setEncoding answers as Redis 7.0 would for a set built by adding its
// members: "intset" while every member is a canonical 64-bit integer and
// there are at most set-max-intset-entries of them, else "hashtable"
// (7.0 has no listpack sets). Redis keeps a hashtable set a hashtable when
// members are removed later; redpool answers from the members it holds now.
func setEncoding(tx Tx, key []byte, param func(string, int64) int64) (string, error) {
	maxEntries := param("set-max-intset-entries", 512)
	n, err := tx.SetLen(key)
	if err != nil {
		return "", err
	}
	if n > maxEntries {
		return "hashtable", nil
	}
	ints := true
	err = tx.SetIter(key, func(m []byte) bool {
		ints = isCanonicalInt(m)
		return ints
	})
	if err != nil {
		return "", err
	}
	if ints {
		return "intset", nil
	}
	return "hashtable", nil
}

// isCanonicalInt reports whether b is a 64-bit integer written as Redis's
// string2ll accepts it (ParseCanonicalInt).
func isCanonicalInt(b []byte) bool {
	_, ok := ParseCanonicalInt(b)
	return ok
}
