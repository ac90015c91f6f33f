package backend

// BulkLoader is an optional interface of a Backend that can take a whole
// data set faster than through Update transactions while it holds no key:
// the snapshot loader uses it at start. A backend that does not implement
// it (or refuses, holding keys) is loaded through Update and Put.
type BulkLoader interface {
	// BulkLoad runs fn with a BulkTx if no database holds a key, and
	// reports whether it did (false, nil without calling fn otherwise).
	// keys is how many keys are coming (0: not known), a hint. Like Update
	// with TxOptions.All it holds every lock of every database until fn
	// returns, and has no rollback: what fn stored before an error stays.
	BulkLoad(keys int, fn func(tx BulkTx) error) (bool, error)
}

// BulkTx is the transaction of a bulk load. It is valid only during the
// BulkLoad call, in one goroutine at a time.
type BulkTx interface {
	// Now is the time the load decides expiry by (Tx.Now).
	Now() int64
	// SetAux is Tx.SetAux.
	SetAux(name string, val []byte) error
	// Store stores e in database e.DB as Put does (replacing any value at
	// e.Key; an expired entry or an empty collection is skipped), copying
	// what it keeps: e and its slices are the caller's again when it
	// returns.
	Store(e *Entry) error
	// Tx returns a write transaction on database db that sees everything
	// stored so far, for what Store cannot do (a value loaded in parts).
	// It is valid until the next Store, Tx or the end of the load.
	Tx(db int) (Tx, error)
}
