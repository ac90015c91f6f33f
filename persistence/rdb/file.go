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
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"strconv"

	"redpool/backend"
)

// The file versions: Redis 7.0 writes 10; older files are read too.
const (
	// FileVersion is the version a FileWriter writes.
	FileVersion = 10
	// MinFileVersion and MaxFileVersion bound the versions a FileReader reads.
	MinFileVersion = 1
	MaxFileVersion = 10
	// checksumVersion is the first version with a checksum after EOF.
	checksumVersion = 5
)

// The opcodes that may come where a value's type byte would.
const (
	opFunction2    = 0xf5 // FUNCTION2: a function library's code
	opFunctionPre  = 0xf6 // FUNCTION: Redis 7.0's pre-release format
	opModuleAux    = 0xf7 // MODULE_AUX: a module's auxiliary data
	opIdle         = 0xf8 // IDLE: the next key's LRU idle time
	opFreq         = 0xf9 // FREQ: the next key's LFU counter
	opAux          = 0xfa // AUX: a name and a value
	opResizeDB     = 0xfb // RESIZEDB: size hints for the current database
	opExpireTimeMs = 0xfc // EXPIRETIME_MS: the next key's expiry, Unix ms
	opExpireTime   = 0xfd // EXPIRETIME: the next key's expiry, Unix seconds
	opSelectDB     = 0xfe // SELECTDB: the database of the keys that follow
	opEOF          = 0xff // EOF: the end, then the checksum
)

// Errors of the file framing. Compare with errors.Is; the errors returned
// wrap them with the offset and details.
var (
	// ErrNotRDB: the file does not start with "REDIS" and four digits.
	ErrNotRDB = errors.New("rdb: not an RDB file")
	// ErrVersion: a version this reader does not know.
	ErrVersion = errors.New("rdb: unsupported RDB version")
	// ErrChecksum: the CRC-64 after EOF does not match the file.
	ErrChecksum = errors.New("rdb: checksum mismatch")
	// ErrTruncated: the file ends before its EOF opcode and checksum.
	ErrTruncated = errors.New("rdb: unexpected end of file")
	// ErrUnsupported: something redpool cannot store (a module's data, a
	// stream, the pre-release function format).
	ErrUnsupported = errors.New("rdb: not supported")
	// ErrBadFile: a malformed file (an unknown opcode or type, a bad length).
	ErrBadFile = errors.New("rdb: corrupt file")
)

// crcTable returns the table of the CRC-64 Redis uses (Jones polynomial
// 0xad93d23594c935a9, reflected, no initial or final xor).
func crcTable() *crc64.Table { return crc64.MakeTable(0x95ac9329ac4bc9b5) }

// crcUpdate continues the Jones CRC crc with p (hash/crc64 inverts before
// and after; Redis's CRC does not, so undo both).
func crcUpdate(crc uint64, tab *crc64.Table, p []byte) uint64 {
	return ^crc64.Update(^crc, tab, p)
}

// crcSource is the byte source of a FileReader: bytes are added to the
// checksum as they are consumed, not as they are buffered, so that the
// checksum stops exactly at the EOF opcode. It counts the bytes consumed
// for error messages.
type crcSource struct {
	br  *bufio.Reader
	tab *crc64.Table
	crc uint64
	off int64
}

// Read implements io.Reader.
func (s *crcSource) Read(p []byte) (int, error) {
	n, err := s.br.Read(p)
	s.crc = crcUpdate(s.crc, s.tab, p[:n])
	s.off += int64(n)
	return n, err
}

// ReadByte implements io.ByteReader.
func (s *crcSource) ReadByte() (byte, error) {
	b, err := s.br.ReadByte()
	if err == nil {
		s.crc = s.tab[byte(s.crc)^b] ^ (s.crc >> 8)
		s.off++
	}
	return b, err
}

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
// It and its slices are valid until the next call to Next.
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
	src     *crcSource
	val     valueReader
	version int
	aux     [][2]string
	db      int
	rec     Record
	err     error // sticky: the first error, or io.EOF after the end
	// Resize is the last RESIZEDB hint: keys and keys with an expiry of
	// the current database (0, 0 if the file has none).
	resizeKeys, resizeExpires uint64
}

// NewFileReader reads the header of the RDB file in r and returns a reader
// of its records. The error wraps ErrNotRDB, ErrVersion or ErrTruncated.
func NewFileReader(r io.Reader) (*FileReader, error) {
	src := &crcSource{br: bufio.NewReaderSize(r, 256<<10), tab: crcTable()}
	var magic [9]byte
	if _, err := io.ReadFull(src, magic[:]); err != nil {
		return nil, fmt.Errorf("%w: the file is %d bytes, shorter than the 9-byte header", ErrNotRDB, src.off)
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
			ErrVersion, v, MinFileVersion, MaxFileVersion, FileVersion)
	}
	return &FileReader{src: src, val: NewReader(src), version: v}, nil
}

// Version is the file's RDB version.
func (f *FileReader) Version() int { return f.version }

// Aux returns the AUX fields read so far (all of them once Next has
// returned the first record), name then value, in file order.
func (f *FileReader) Aux() [][2]string { return f.aux }

// Offset is the number of bytes read so far.
func (f *FileReader) Offset() int64 { return f.src.off }

// ResizeHint is the current database's RESIZEDB hint (keys, keys with an
// expiry), 0, 0 if the file gave none.
func (f *FileReader) ResizeHint() (keys, expires uint64) { return f.resizeKeys, f.resizeExpires }

// Next returns the next record. At the end of the file it verifies the
// checksum and returns io.EOF. Any other error is final: it wraps one of
// the package's errors (ErrTruncated for a file that ends too soon) and
// says where in the file it happened.
func (f *FileReader) Next() (*Record, error) {
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
			err = fmt.Errorf("%w (after %d bytes): %v", ErrTruncated, f.src.off, err)
		}
		err = fmt.Errorf("at byte %d: %w", f.src.off, err)
		f.err = err
		return nil, err
	}
	return rec, nil
}

// errEnd is next's way to say the file ended well.
var errEnd = errors.New("rdb: end")

func (f *FileReader) next() (*Record, error) {
	var expireAt int64
	for {
		op, err := f.src.ReadByte()
		if err != nil {
			return nil, err
		}
		switch op {
		case opEOF:
			if err := f.finish(); err != nil {
				return nil, err
			}
			return nil, errEnd
		case opAux:
			name, err := f.val.ReadString()
			if err != nil {
				return nil, err
			}
			name = append([]byte(nil), name...)
			val, err := f.val.ReadString()
			if err != nil {
				return nil, err
			}
			// Every field is kept, for the caller to see; Redis ignores
			// the ones it does not know, and so do we.
			f.aux = append(f.aux, [2]string{string(name), string(val)})
		case opSelectDB:
			db, err := f.val.ReadLen()
			if err != nil {
				return nil, err
			}
			if db > 1<<20 {
				return nil, fmt.Errorf("%w: SELECTDB %d", ErrBadFile, db)
			}
			f.db = int(db)
			f.resizeKeys, f.resizeExpires = 0, 0
		case opResizeDB:
			if f.resizeKeys, err = f.val.ReadLen(); err != nil {
				return nil, err
			}
			if f.resizeExpires, err = f.val.ReadLen(); err != nil {
				return nil, err
			}
		case opExpireTimeMs:
			var b [8]byte
			if _, err := io.ReadFull(f.src, b[:]); err != nil {
				return nil, err
			}
			expireAt = int64(binary.LittleEndian.Uint64(b[:]))
		case opExpireTime:
			var b [4]byte
			if _, err := io.ReadFull(f.src, b[:]); err != nil {
				return nil, err
			}
			expireAt = int64(int32(binary.LittleEndian.Uint32(b[:]))) * 1000
		case opIdle:
			if _, err := f.val.ReadLen(); err != nil {
				return nil, err
			}
		case opFreq:
			if _, err := f.src.ReadByte(); err != nil {
				return nil, err
			}
		case opFunction2:
			code, err := f.val.ReadString()
			if err != nil {
				return nil, err
			}
			f.rec = Record{Kind: RecordFunction, Library: code}
			return &f.rec, nil
		case opFunctionPre:
			return nil, fmt.Errorf("%w: the pre-release function format (FUNCTION opcode 0xf6) of Redis 7.0's release candidates; Redis 7.0 refuses it too", ErrUnsupported)
		case opModuleAux:
			id, err := f.val.ReadLen()
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w: module auxiliary data of module %q: redpool has no modules", ErrUnsupported, moduleName(id))
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
	key = append(f.rec.Entry.Key[:0], key...)
	if name, ok := unsupportedType(t); ok {
		return nil, fmt.Errorf("%w: key %q in db %d is a %s, a type redpool does not have", ErrUnsupported, key, f.db, name)
	}
	if t == typeModule || t == typeModule2 {
		id, err := f.val.ReadLen()
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: key %q in db %d holds a value of module type %q: redpool has no modules", ErrUnsupported, key, f.db, moduleName(id))
	}
	e, err := f.val.ReadValue(t)
	if err != nil {
		return nil, fmt.Errorf("key %q in db %d: %w", key, f.db, err)
	}
	f.rec = Record{Kind: RecordKey, Entry: backend.Entry{DB: f.db, Key: key, Type: e.Type, ExpireAt: expireAt, Items: e.Items}}
	return &f.rec, nil
}

// finish reads and checks the checksum after EOF.
func (f *FileReader) finish() error {
	if f.version < checksumVersion {
		return nil
	}
	want := f.src.crc
	var b [8]byte
	if _, err := io.ReadFull(f.src.br, b[:]); err != nil {
		return fmt.Errorf("the checksum after EOF: %w", io.ErrUnexpectedEOF)
	}
	got := binary.LittleEndian.Uint64(b[:])
	if got != 0 && got != want {
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
