package backend

import (
	"errors"
	"fmt"
)

// Type is the type of the value stored at a key.
type Type uint8

// The value types. TypeNone is reported for a missing key. A new type is a
// constant here (before numTypes) and a row in typeTable; see
// docs/adding-a-type.md.
const (
	TypeNone Type = iota
	TypeString
	TypeList
	TypeHash
	TypeSet
	TypeZSet
	TypeStream

	numTypes // one past the last type
)

// ErrUnknownType: a value whose Type has no row in the registry (a corrupt
// record, or data written by a newer build). It is never ignored.
var ErrUnknownType = errors.New("backend: unknown value type")

// String returns the name TYPE replies with: "none" for TypeNone and for a
// number that is no type (use Lookup to tell those apart).
func (t Type) String() string {
	if t > TypeNone && t < numTypes {
		return typeTable[t].Name
	}
	return "none"
}

// TypeInfo is one value type's row in the registry: everything the code
// that handles values of any type needs to know about it (snapshots, the
// AOF rewrite, TYPE and SCAN TYPE, OBJECT ENCODING, Put and the test
// helpers). The type's own operations (Tx methods, backend files, command
// family) are the rest of it.
//
// That code sees a value as items: a scalar (a string) is one item; a
// collection is a sequence of elements of Width items each (a list element
// is one item, a hash field two: the field, then its value).
type TypeInfo struct {
	Type Type
	// Name is what TYPE replies and SCAN TYPE matches.
	Name string
	// Kind is the snapshot record kind, 1..0x7f. A kind is never reused,
	// so that old snapshots keep their meaning.
	Kind byte
	// Scalar: the value is one item, which Load stores replacing whatever
	// the key holds. A collection is Width items per element, at least one
	// element.
	Scalar bool
	// Width is the number of items per element (1 for a scalar).
	Width int
	// Ordered: the order of the elements is part of the value (a list).
	// Otherwise it is the backend's, and comparisons sort elements.
	Ordered bool
	// Read calls fn with key's value as items, in chunks of whole elements,
	// in the value's order. A chunk is valid during the call; fn copies
	// what it keeps. A missing key makes no call.
	Read func(tx Tx, key []byte, fn func(items [][]byte) error) error
	// Load adds the elements in items to key, creating it. For a scalar it
	// stores the one item, replacing any value. The expiry is not touched:
	// Put and the snapshot loader set it after the last chunk, so a huge
	// collection can be loaded in chunks, one transaction each.
	Load func(tx Tx, key []byte, items [][]byte) error
	// RewriteCmd is the command that recreates the value from its items in
	// a rewritten AOF: "SET key item" for a scalar, "RPUSH key elements..."
	// or "HSET key field value..." in batches for a collection.
	RewriteCmd string
	// Rewrite, when set, writes the commands that recreate the value from
	// its items instead of RewriteCmd's batches (a stream needs XADD per
	// entry, XSETID, XGROUP CREATE, XCLAIM). emit writes one command; its
	// arguments are only read during the call. Expiry is not its job.
	Rewrite func(key []byte, items [][]byte, emit func(argv ...[]byte) error) error
	// Encoding is OBJECT ENCODING's answer for key, which holds this type.
	// param returns an integer config parameter (or def if it is unset).
	Encoding func(tx Tx, key []byte, param func(name string, def int64) int64) (string, error)
}

// typeTable is the registry, indexed by Type (row 0, TypeNone, is empty).
// It is a constant-like literal: nothing writes it, and callers get copies.
var typeTable = [numTypes]TypeInfo{
	TypeString: {
		Type: TypeString, Name: "string", Kind: 1, Scalar: true, Width: 1, Ordered: true,
		Read: readString, Load: loadString, RewriteCmd: "SET", Encoding: stringEncoding,
	},
	TypeList: {
		Type: TypeList, Name: "list", Kind: 2, Width: 1, Ordered: true,
		Read: readList, Load: loadList, RewriteCmd: "RPUSH", Encoding: listEncoding,
	},
	TypeHash: {
		Type: TypeHash, Name: "hash", Kind: 3, Width: 2,
		Read: readHash, Load: loadHash, RewriteCmd: "HSET", Encoding: hashEncoding,
	},
	TypeSet: {
		Type: TypeSet, Name: "set", Kind: 4, Width: 1,
		Read: readSet, Load: loadSet, RewriteCmd: "SADD", Encoding: setEncoding,
	},
	TypeZSet: {
		Type: TypeZSet, Name: "zset", Kind: 5, Width: 2,
		Read: readZSet, Load: loadZSet, RewriteCmd: "ZADD", Encoding: zsetEncoding,
	},
	TypeStream: {
		Type: TypeStream, Name: "stream", Kind: 6, Width: 1, Ordered: true,
		Read: readStream, Load: loadStream, RewriteCmd: "XADD", Rewrite: rewriteStream,
		Encoding: streamEncoding,
	},
}

// Types returns every type's row, in Type order.
func Types() []TypeInfo {
	return append([]TypeInfo(nil), typeTable[TypeNone+1:]...)
}

// Lookup returns t's row; ok is false for TypeNone and unknown numbers.
func Lookup(t Type) (info TypeInfo, ok bool) {
	if t > TypeNone && t < numTypes {
		return typeTable[t], true
	}
	return TypeInfo{}, false
}

// LookupKind returns the row of the type with snapshot record kind k.
func LookupKind(k byte) (TypeInfo, bool) {
	for _, info := range typeTable[TypeNone+1:] {
		if info.Kind == k {
			return info, true
		}
	}
	return TypeInfo{}, false
}

// CheckItems reports whether items can be a whole value of the type: one
// item for a scalar, a whole number of elements for a collection (an empty
// collection is allowed here; Put and the snapshot writer skip it).
func (info TypeInfo) CheckItems(items [][]byte) error {
	switch {
	case info.Scalar && len(items) != 1:
		return fmt.Errorf("a %s is 1 item, not %d", info.Name, len(items))
	case !info.Scalar && len(items)%info.Width != 0:
		return fmt.Errorf("a %s element is %d items: %d items are not a whole number of elements", info.Name, info.Width, len(items))
	}
	return nil
}

// readChunk is the number of elements a Read function hands out at a time.
const readChunk = 256

// chunker gathers the elements of a collection into chunks for Read.
type chunker struct {
	buf [][]byte
	max int // items per chunk
	fn  func(items [][]byte) error
	err error // the first error of fn
}

func newChunker(width int, fn func(items [][]byte) error) *chunker {
	return &chunker{buf: make([][]byte, 0, readChunk*width), max: readChunk * width, fn: fn}
}

// add appends one element's items, handing out the chunk when it is full.
// It reports whether to go on.
func (c *chunker) add(items ...[]byte) bool {
	if c.err != nil {
		return false
	}
	c.buf = append(c.buf, items...)
	if len(c.buf) >= c.max {
		c.err = c.fn(c.buf)
		clear(c.buf)
		c.buf = c.buf[:0]
	}
	return c.err == nil
}

// done hands out what is left and returns the first error: err (the
// iteration's own), else fn's.
func (c *chunker) done(err error) error {
	if err == nil && c.err == nil && len(c.buf) > 0 {
		c.err = c.fn(c.buf)
	}
	if err != nil {
		return err
	}
	return c.err
}

func readString(tx Tx, key []byte, fn func(items [][]byte) error) error {
	v, ok, err := tx.Get(key)
	if err != nil || !ok {
		return err
	}
	return fn([][]byte{v})
}

func loadString(tx Tx, key []byte, items [][]byte) error {
	if len(items) != 1 {
		return fmt.Errorf("backend: a string is 1 item, not %d", len(items))
	}
	return tx.Set(key, items[0], 0, false)
}

// StringForm is how Redis 7.0 would hold a string, which depends on the
// operation that last wrote it, not only on its bytes: OBJECT ENCODING
// reports it (see StringEncoding). It fits in 2 bits; backends keep it in
// the spare bits of their type byte.
type StringForm uint8

const (
	// StringDerived: as Redis's tryObjectEncoding leaves an argument or a
	// loaded value: "int" for a canonical 64-bit integer of up to 20
	// characters, "embstr" up to 44 bytes, else "raw" (SET and its family,
	// APPEND on a new key, INCR, RESTORE, DEBUG RELOAD).
	StringDerived StringForm = iota
	// StringRaw: a raw SDS whatever its bytes (APPEND on an existing key,
	// SETRANGE, SETBIT, BITFIELD, BITOP, PFADD, PFMERGE).
	StringRaw
	// StringNoInt: an object made from a string, never an integer:
	// "embstr" up to 44 bytes, else "raw" (INCRBYFLOAT).
	StringNoInt

	// StringFormMask covers every StringForm.
	StringFormMask StringForm = 3
)

// embstrMaxLen is the longest string Redis 7.0 allocates as an embstr.
const embstrMaxLen = 44

// StringEncoding is the name OBJECT ENCODING gives a string value v held in
// form f.
func StringEncoding(v []byte, f StringForm) string {
	switch {
	case f == StringRaw:
		return "raw"
	case f == StringDerived && isCanonicalInt(v):
		return "int"
	case len(v) <= embstrMaxLen:
		return "embstr"
	}
	return "raw"
}

// stringEncoding answers OBJECT ENCODING for key's string (StringEncoding).
func stringEncoding(tx Tx, key []byte, _ func(string, int64) int64) (string, error) {
	v, _, err := tx.Get(key)
	if err != nil {
		return "", err
	}
	f, err := tx.StringForm(key)
	if err != nil {
		return "", err
	}
	return StringEncoding(v, f), nil
}

func readList(tx Tx, key []byte, fn func(items [][]byte) error) error {
	c := newChunker(1, fn)
	return c.done(tx.ListRange(key, 0, -1, func(v []byte) error {
		c.add(v)
		return c.err
	}))
}

func loadList(tx Tx, key []byte, items [][]byte) error {
	_, err := tx.ListPush(key, false, items, false)
	return err
}

// listEncoding: Redis 7.0 keeps every list in a quicklist.
func listEncoding(Tx, []byte, func(string, int64) int64) (string, error) {
	return "quicklist", nil
}

func readHash(tx Tx, key []byte, fn func(items [][]byte) error) error {
	c := newChunker(2, fn)
	return c.done(tx.HashIter(key, func(f, v []byte) bool { return c.add(f, v) }))
}

func loadHash(tx Tx, key []byte, items [][]byte) error {
	_, err := tx.HashSet(key, items, false)
	return err
}

// hashEncoding: "listpack" within hash-max-listpack-entries fields of at
// most hash-max-listpack-value bytes (fields and values), else "hashtable".
func hashEncoding(tx Tx, key []byte, param func(string, int64) int64) (string, error) {
	maxEntries := param("hash-max-listpack-entries", 128)
	maxValue := param("hash-max-listpack-value", 64)
	n, err := tx.HashLen(key)
	if err != nil {
		return "", err
	}
	if n > maxEntries {
		return "hashtable", nil
	}
	small := true
	err = tx.HashIter(key, func(field, val []byte) bool {
		small = int64(len(field)) <= maxValue && int64(len(val)) <= maxValue
		return small
	})
	if err != nil {
		return "", err
	}
	if small {
		return "listpack", nil
	}
	return "hashtable", nil
}
