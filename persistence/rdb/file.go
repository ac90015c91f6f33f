package rdb

// This file is the RDB file framing: the header, the opcodes between
// values, and the checksum at the end. The values themselves are the
// value codec's (Reader.ReadValue, Writer.WriteValue).
//
// # File layout (version 10, as Redis 7.0 writes it)
//
//	"REDIS" + 4 ASCII digits        magic and version ("REDIS0010")
//	AUX (0xfa) name value           zero or more: redis-ver, redis-bits,
//	                                ctime, used-mem, repl-stream-db,
//	                                repl-id, repl-offset, aof-base, ...
//	FUNCTION2 (0xf5) code           zero or more: a function library's code
//	per database that holds keys:
//	  SELECTDB (0xfe) len           the database index
//	  RESIZEDB (0xfb) len len       a hint: keys, keys with an expiry
//	  per key:
//	    EXPIRETIME_MS (0xfc) int64  optional, little endian Unix ms
//	    EXPIRETIME (0xfd) int32     optional (old files), Unix seconds
//	    IDLE (0xf8) len             optional, LRU idle seconds (skipped)
//	    FREQ (0xf9) byte            optional, LFU counter (skipped)
//	    type key value              the value codec's
//	EOF (0xff)
//	checksum                        8 bytes, little endian CRC-64 (Jones)
//	                                of every byte before it; 0 = not
//	                                computed (rdbchecksum no); absent
//	                                before version 5
//
// "len" is the RDB length encoding (ReadLen) and strings are RDB strings
// (ReadString). MODULE_AUX (0xf7) and the pre-release FUNCTION (0xf6) are
// refused, as Redis 7.0 refuses the latter.
//
// # Memory
//
// A FileReader holds one value at a time: a key's value is decoded whole
// (its items alias the reader's buffers until the next call to Next), so
// the memory a load needs is bounded by the largest value in the file, not
// by the file. A FileWriter writes each entry as it is given.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"redpool/backend"
)

// The file versions: Redis 7.0 writes 10; older files are read too.
const (
	// MinFileVersion and MaxFileVersion bound the versions a FileReader
	// reads; a FileWriter writes Version.
	MinFileVersion = 1
	MaxFileVersion = Version
	// checksumVersion is the first version with a checksum after EOF.
	checksumVersion = 5
)

// Errors of the file framing, besides the value codec's (ErrCorrupt).
// Compare with errors.Is; the errors returned wrap them with the offset
// and details.
var (
	// ErrNotRDB: the file does not start with "REDIS" and four digits.
	ErrNotRDB = errors.New("rdb: not an RDB file")
	// ErrVersion: a version this reader does not know.
	ErrVersion = errors.New("rdb: unsupported RDB version")
	// ErrChecksum: the CRC-64 after EOF does not match the file.
	ErrChecksum = errors.New("rdb: checksum mismatch")
	// ErrTruncated: the file ends before its EOF opcode and checksum.
	ErrTruncated = errors.New("rdb: unexpected end of file")
	// ErrNotSupported: something in the file redpool cannot store: a
	// module's value or auxiliary data, the pre-release function format.
	ErrNotSupported = errors.New("rdb: not supported")
)

// RecordKind says what a Record holds.
type RecordKind uint8

// The record kinds.
const (
	// RecordKey is a key with its value (Record.Entry).
	RecordKey RecordKind = iota + 1
	// RecordFunction is a function library's code (Record.Library).
	RecordFunction
)

// Record is one thing a FileReader found: a key or a function library.
// The Record is reused by the next call to Next; the bytes its slices
// point to (key, items, library code) are new memory the caller may keep.
type Record struct {
	Kind RecordKind
	// Entry is the key (RecordKey): database, key, expiry (absolute Unix
	// ms, 0 = none; possibly already past) and value.
	Entry backend.Entry
	// Library is the code of a function library (RecordFunction), as
	// FUNCTION LOAD takes it.
	Library []byte
}

// FileReader reads an RDB file record by record. It is not safe for
// concurrent use.
type FileReader struct {
	val     *Reader
	version int
	aux     [][2]string
	db      int
	rec     Record
	peeked  bool  // rec is the next record, read by Peek
	err     error // sticky: the first error, or io.EOF after the end
	// resizeKeys and resizeExpires are the current database's RESIZEDB
	// hint.
	resizeKeys, resizeExpires uint64
}

// NewFileReader reads the header of the RDB file in r and returns a reader
// of its records. size is the file's size if known (0: unknown): a length
// in the file that promises more than the file holds is then an error
// before anything is allocated; either way nothing is allocated for a
// string before its bytes arrive. The error wraps ErrNotRDB, ErrVersion or
// ErrTruncated.
func NewFileReader(r io.Reader, size int64) (*FileReader, error) {
	val := NewReader(r, ReadOptions{Size: size, Checksum: true})
	var magic [9]byte
	if err := val.ReadFull(magic[:]); err != nil {
		return nil, fmt.Errorf("%w: the file is %d bytes, shorter than the 9-byte header", ErrNotRDB, val.Offset())
	}
	if string(magic[:5]) != "REDIS" {
		return nil, fmt.Errorf("%w: it starts with %q, not \"REDIS\"", ErrNotRDB, magic[:5])
	}
	v, err := strconv.Atoi(string(magic[5:]))
	if err != nil || magic[5] < '0' || magic[5] > '9' {
		return nil, fmt.Errorf("%w: bad version %q", ErrNotRDB, magic[5:])
	}
	if v < MinFileVersion || v > MaxFileVersion {
		return nil, fmt.Errorf("%w %d: this redpool reads versions %d to %d (Redis 7.0 writes %d; Redis 7.2 and later write newer versions)",
			ErrVersion, v, MinFileVersion, MaxFileVersion, Version)
	}
	return &FileReader{val: val, version: v}, nil
}

// Version is the file's RDB version.
func (f *FileReader) Version() int { return f.version }

// Aux returns the AUX fields read so far (all of them once Next has
// returned the first record), name then value, in file order.
func (f *FileReader) Aux() [][2]string { return f.aux }

// Offset is the number of bytes read so far.
func (f *FileReader) Offset() int64 { return f.val.Offset() }

// ResizeHint is the current database's RESIZEDB hint (keys, keys with an
// expiry), 0, 0 if the file gave none.
func (f *FileReader) ResizeHint() (keys, expires uint64) { return f.resizeKeys, f.resizeExpires }

// Next returns the next record. At the end of the file it verifies the
// checksum and returns io.EOF. Any other error is final: it wraps one of
// the package's errors (ErrTruncated for a file that ends too soon,
// ErrCorrupt for a malformed one) and says where in the file it happened.
func (f *FileReader) Next() (*Record, error) {
	if f.peeked {
		f.peeked = false
		return &f.rec, nil
	}
	if f.err != nil {
		return nil, f.err
	}
	rec, err := f.next()
	if err == errEnd {
		f.err = io.EOF
		return nil, io.EOF
	}
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: %v", ErrTruncated, err)
		}
		err = fmt.Errorf("at byte %d: %w", f.val.Offset(), err)
		f.err = err
		return nil, err
	}
	return rec, nil
}

// Peek returns the record Next will return, without consuming it (its
// errors are Next's).
func (f *FileReader) Peek() (*Record, error) {
	if f.peeked {
		return &f.rec, nil
	}
	rec, err := f.Next()
	f.peeked = err == nil
	return rec, err
}

// errEnd is next's way to say the file ended well.
var errEnd = errors.New("rdb: end")

func (f *FileReader) next() (*Record, error) {
	var expireAt int64
	for {
		op, err := f.val.ReadByte()
		if err != nil {
			return nil, err
		}
		switch op {
		case OpEOF:
			if err := f.finish(); err != nil {
				return nil, err
			}
			return nil, errEnd
		case OpAux:
			name, err := f.val.ReadString()
			if err != nil {
				return nil, err
			}
			val, err := f.val.ReadString()
			if err != nil {
				return nil, err
			}
			// Every field is kept, for the caller to see; Redis ignores
			// the ones it does not know, and so do we.
			f.aux = append(f.aux, [2]string{string(name), string(val)})
		case OpSelectDB:
			db, err := f.val.ReadLen()
			if err != nil {
				return nil, err
			}
			if db > 1<<20 {
				return nil, fmt.Errorf("%w: SELECTDB %d", ErrCorrupt, db)
			}
			f.db = int(db)
			f.resizeKeys, f.resizeExpires = 0, 0
		case OpResizeDB:
			if f.resizeKeys, err = f.val.ReadLen(); err != nil {
				return nil, err
			}
			if f.resizeExpires, err = f.val.ReadLen(); err != nil {
				return nil, err
			}
		case OpExpireTimeMs:
			var b [8]byte
			if err := f.val.ReadFull(b[:]); err != nil {
				return nil, err
			}
			expireAt = int64(binary.LittleEndian.Uint64(b[:]))
		case OpExpireTime:
			var b [4]byte
			if err := f.val.ReadFull(b[:]); err != nil {
				return nil, err
			}
			expireAt = int64(int32(binary.LittleEndian.Uint32(b[:]))) * 1000
		case OpIdle:
			if _, err := f.val.ReadLen(); err != nil {
				return nil, err
			}
		case OpFreq:
			if _, err := f.val.ReadByte(); err != nil {
				return nil, err
			}
		case OpFunction2:
			code, err := f.val.ReadString()
			if err != nil {
				return nil, err
			}
			f.rec = Record{Kind: RecordFunction, Library: code}
			return &f.rec, nil
		case OpFunction:
			return nil, fmt.Errorf("%w: the pre-release function format (FUNCTION opcode 0xf6) of Redis 7.0's release candidates; Redis 7.0 refuses it too", ErrNotSupported)
		case OpModuleAux:
			id, err := f.val.ReadLen()
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w: auxiliary data of module %q: redpool has no modules", ErrNotSupported, moduleName(id))
		default:
			return f.key(op, expireAt)
		}
	}
}

// key reads a key of RDB type t and its value.
func (f *FileReader) key(t byte, expireAt int64) (*Record, error) {
	key, err := f.val.ReadString()
	if err != nil {
		return nil, err
	}
	switch t {
	case TypeModule, TypeModule2:
		id, err := f.val.ReadLen()
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: key %q in db %d holds a value of module type %q: redpool has no modules", ErrNotSupported, key, f.db, moduleName(id))
	}
	v, err := f.val.ReadValue(t)
	if err != nil {
		return nil, fmt.Errorf("key %q in db %d: %w", key, f.db, err)
	}
	f.rec = Record{Kind: RecordKey, Entry: backend.Entry{DB: f.db, Key: key, Type: v.Type, ExpireAt: expireAt, Items: v.Items}}
	return &f.rec, nil
}

// finish reads and checks the checksum after EOF.
func (f *FileReader) finish() error {
	if f.version < checksumVersion {
		return nil
	}
	want := f.val.Sum64()
	var b [8]byte
	if err := f.val.ReadFull(b[:]); err != nil {
		return fmt.Errorf("the checksum after EOF: %w", io.ErrUnexpectedEOF)
	}
	got := binary.LittleEndian.Uint64(b[:])
	if got == 0 { // written with rdbchecksum no
		return nil
	}
	if got != want {
		return fmt.Errorf("%w: the file says %016x, its bytes give %016x", ErrChecksum, got, want)
	}
	return nil
}

// moduleName decodes the 9-character name in a module type id (the upper
// 54 bits, 6 bits a character; the low 10 bits are the encoding version).
func moduleName(id uint64) string {
	const charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var name [9]byte
	id >>= 10
	for i := len(name) - 1; i >= 0; i-- {
		name[i] = charset[id&63]
		id >>= 6
	}
	return string(name[:])
}
