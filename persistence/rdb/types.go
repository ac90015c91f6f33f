package rdb

import (
	"errors"
	"fmt"

	"redpool/backend"
)

// Version is the RDB version redpool writes and the highest it reads
// (Redis 7.0's RDB_VERSION).
const Version = 10

// The object type bytes of RDB 10: what precedes a key in an RDB file and
// begins a DUMP payload. The comment says which of them the Writer uses.
const (
	TypeString          = 0  // written
	TypeList            = 1  // read only (RDB < 4)
	TypeSet             = 2  // written: a set that is no intset
	TypeZSet            = 3  // read only: scores as strings
	TypeHash            = 4  // written: a hash too big for a listpack
	TypeZSet2           = 5  // written: a sorted set too big for a listpack
	TypeModule          = 6  // not supported
	TypeModule2         = 7  // not supported
	TypeHashZipmap      = 9  // read only (RDB < 4)
	TypeListZiplist     = 10 // read only (RDB < 7)
	TypeSetIntset       = 11 // written: a small set of integers
	TypeZSetZiplist     = 12 // read only (RDB < 10)
	TypeHashZiplist     = 13 // read only (RDB < 10)
	TypeListQuicklist   = 14 // read only (RDB < 10): quicklist of ziplists
	TypeStreamListpack  = 15 // read only (Redis 5 and 6)
	TypeHashListpack    = 16 // written: a small hash
	TypeZSetListpack    = 17 // written: a small sorted set
	TypeListQuicklist2  = 18 // written: every list
	TypeStreamListpack2 = 19 // written: every stream
	TypeStreamListpack3 = 21 // read only (Redis 7.2, RDB 11): consumers' active time is dropped
)

// The opcodes of an RDB file: bytes that take the place of a type byte
// and introduce something other than a key. The file framing (file*.go)
// reads and writes them; FUNCTION DUMP payloads use OpFunction2.
const (
	OpFunction2    = 0xf5 // a function library: its code as a string
	OpFunction     = 0xf6 // a function, pre-7.0 RC (not supported by Redis 7.0 GA)
	OpModuleAux    = 0xf7
	OpIdle         = 0xf8 // LRU idle time of the next key: a length, seconds
	OpFreq         = 0xf9 // LFU frequency of the next key: one byte
	OpAux          = 0xfa // an aux field: two strings
	OpResizeDB     = 0xfb // two lengths: keys and keys with an expiry
	OpExpireTimeMs = 0xfc // expiry of the next key: 8 bytes LE, Unix ms
	OpExpireTime   = 0xfd // expiry of the next key: 4 bytes LE, Unix s
	OpSelectDB     = 0xfe // a length: the database of the keys that follow
	OpEOF          = 0xff // the end, then the CRC-64 (8 bytes LE)
)

// Value is one value as the codec sees it: a type and its items, laid out
// as backend.Entry holds them (a string's one item; a list's elements head
// first; a hash's field, value, ...; a set's members; a sorted set's score,
// member, ... with each score as backend.AppendScore formats it).
type Value struct {
	Type  backend.Type
	Items [][]byte
}

// Params are the encoding thresholds of Redis's config that decide which
// encoding the Writer picks, as Redis would hold a value built by adding
// its elements. DefaultParams returns Redis 7.0's defaults.
type Params struct {
	// ListMaxListpackSize is list-max-listpack-size: a quicklist node
	// holds at most this many elements (> 0), or listpacks of at most
	// 4 KB (-1), 8 KB (-2), 16 KB (-3), 32 KB (-4) or 64 KB (-5).
	ListMaxListpackSize int64
	// HashMaxListpackEntries and HashMaxListpackValue: a hash with more
	// fields, or a field or value longer (bytes), is a hashtable.
	HashMaxListpackEntries int64
	HashMaxListpackValue   int64
	// ZSetMaxListpackEntries and ZSetMaxListpackValue: a sorted set with
	// more elements, or a longer member, is a skiplist.
	ZSetMaxListpackEntries int64
	ZSetMaxListpackValue   int64
	// SetMaxIntsetEntries: a set of more integers is a hashtable.
	SetMaxIntsetEntries int64
	// Compression is rdbcompression: strings of more than 20 bytes are
	// LZF-compressed when that makes them shorter.
	Compression bool
}

// DefaultParams returns Redis 7.0's defaults.
func DefaultParams() Params {
	return Params{
		ListMaxListpackSize:    -2,
		HashMaxListpackEntries: 512,
		HashMaxListpackValue:   64,
		ZSetMaxListpackEntries: 128,
		ZSetMaxListpackValue:   64,
		SetMaxIntsetEntries:    512,
		Compression:            true,
	}
}

// Errors. Every decoding failure wraps ErrCorrupt (a DUMP payload that
// fails so is Redis's "Bad data format"), ErrUnsupported included; a read
// error of the underlying reader is returned as it is (io.ErrUnexpectedEOF
// for data that ends early).
var (
	// ErrCorrupt: the data is not a valid encoding.
	ErrCorrupt = errors.New("rdb: corrupt data")
	// ErrUnsupported: a valid type byte of a type redpool does not hold
	// (modules).
	ErrUnsupported = fmt.Errorf("%w: unsupported value type", ErrCorrupt)
	// ErrPayload: a DUMP payload whose version is newer than Version or
	// whose checksum is wrong (Redis's "DUMP payload version or checksum
	// are wrong").
	ErrPayload = errors.New("rdb: DUMP payload version or checksum are wrong")
)

// corrupt returns an ErrCorrupt saying what is wrong.
func corrupt(what string) error { return fmt.Errorf("%w: %s", ErrCorrupt, what) }
