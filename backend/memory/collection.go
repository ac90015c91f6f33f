package memory

// collection is the value of a key that holds elements: a list (*deque), a
// hash (*hashObj), a set (*setObj), a sorted set (*zsetObj, or *zpack
// while small: see zpack.go) or a stream (*streamObj). The code that
// handles entries of any type (size accounting, copy-on-write, snapshots)
// uses only this interface; each type's Tx methods use their concrete
// type. Collections are accessed under their
// shard's lock, except by a snapshot reader, which only calls appendItems
// on a collection that no writer modifies any more (see entry).
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
