// Package snapshot reads and writes redpool's snapshot files: a point-in-time
// image of every database, binary-safe, checksummed, versioned and written
// atomically. It also holds the Saver, which takes snapshots of a backend on
// demand (SAVE, BGSAVE), by save rules and at shutdown.
//
// # File layout
//
// All fixed-width integers are big endian; uvarint is encoding/binary's
// unsigned varint (7 bits a byte, low groups first). Any byte may appear in a
// key, field or value: every one is length-prefixed.
//
//	offset  size  field
//	     0     8  magic      "\x89RPSNAP\n"
//	     8     2  version    1
//	    10     2  flags      bit 0: an aux section follows the header; a
//	                         reader refuses bits it does not know
//	    12     8  created    Unix time in milliseconds when the view was fixed
//	    20     8  length     size of the whole file in bytes
//	    28     8  keys       number of key records
//	    36     4  hcrc       CRC-32C (Castagnoli) of bytes 0..35
//	    40        aux        only with flag bit 0, see below
//	              records    keys key records, then the end marker
//	              end        one 0x00 byte
//	length-4   4  crc        CRC-32C of bytes 0 .. length-5 (the whole file
//	                         before it, header included)
//
//	+---------+----+----+---------+--------+------+------+==========+----+-----+
//	|  magic  |ver |flag| created | length | keys | hcrc | records  | 00 | crc |
//	+---------+----+----+---------+--------+------+------+==========+----+-----+
//	 0         8    10   12        20       28     36     40               len-4
//
// The aux section holds the backend's auxiliary data (backend.Snapshot.Aux:
// the function libraries, as a FUNCTION DUMP payload under "functions"):
//
//	uvarint  count     >= 1
//	count times, names in byte order:
//	  uvarint nlen, nlen bytes of name; uvarint vlen (>= 1), vlen bytes of value
//
// A snapshot of a backend without auxiliary data has no section and a zero
// flags field, so it is the same file as before the section existed.
//
// A key record is its length, then the fields:
//
//	uvarint  n         bytes that follow in this record (never 0: 0 is the end marker)
//	uvarint  db        database index
//	byte     kind      1 string, 2 list, 3 hash, 4 set, 5 sorted set, 6 stream;
//	                   | 0x80 when an expiry follows
//	int64    expireAt  absolute Unix ms, > 0 (only when kind & 0x80)
//	uvarint  klen      key length, then klen bytes of key
//	value, as items (uvarint len, len bytes each), by the type's registry row:
//	  scalar      one item                                      (string)
//	  collection  uvarint count (>= 1), then count elements of
//	              width items each, in the value's order         (list: width 1, head first;
//	                                                              hash: width 2, field then value;
//	                                                              set: width 1;
//	                                                              sorted set: width 2, the score
//	                                                              as text ("%.17g", "inf",
//	                                                              "-inf") then the member;
//	                                                              stream: width 1, its records
//	                                                              (backend/stream_records.go):
//	                                                              the header, the entries by id
//	                                                              (node starts flagged), then per
//	                                                              group its record, consumers
//	                                                              and PEL)
//
// The kind, and whether a type is a scalar or a collection of elements of
// some width, come from the type's row in backend's registry
// (backend.TypeInfo): a new type is a new kind, and the format, its
// version and the code here stay as they are: files written before a kind
// existed load unchanged (sets and sorted sets came that way, in version
// 1, and streams, kind 6). A kind this build does not know is ErrCorrupt.
//
// For example SET "a b" "x" with PEXPIREAT 1700000000000 in database 3 is
// (TestDocExample checks it)
//
//	10 03 81 00 00 01 8b cf e5 68 00 03 61 20 62 01 78
//	n  db kind  expireAt (8 bytes)       klen "a b"    len "x"
//
// # Writing
//
// The writer streams records through a bufio.Writer into a CRC-32C hashing
// writer, so the file is encoded in one pass with no per-record allocation.
// It reserves the header, writes the records, the end marker and the crc,
// then writes the header over the reserved bytes (its length and keys are
// only known at the end); the crc covers the final header because CRC-32C
// values combine: crc(header ‖ body) is computed from crc(header), crc(body)
// and len(body).
//
// WriteFile and Saver write to a temporary file in the destination directory
// (name + ".tmp-" + random), fsync it, rename it over the old snapshot and
// fsync the directory: a crash at any moment leaves either the old or the new
// snapshot intact. Stale temporary files are never read; CleanTemp removes
// them at start.
//
// # Reading
//
// A reader checks, in order: the magic (ErrBadMagic), the version
// (ErrBadVersion), the header checksum (ErrChecksum), the flags
// (ErrBadVersion), the file's size against the header's length (shorter:
// ErrTruncated; longer: ErrCorrupt), then the crc of the whole file
// (ErrChecksum). Only a file that passes all of that is decoded, so a
// snapshot is never half loaded. Decoding checks every length against the
// bytes that remain in its record and the file, so a bad length fails with
// ErrCorrupt instead of allocating; record bytes are read in chunks as they
// arrive, so a stream that lies about its length cannot make the decoder
// allocate much more than it has actually read.
//
// The loader (Load) reads a collection record longer than its batch size
// in pieces of whole elements as the bytes arrive, with the same checks,
// and stores each piece in its own backend transaction: a huge collection
// is neither one allocation nor one transaction. Into a backend that holds
// no key and can take a data set in bulk (backend.BulkLoader: the memory
// backend at start), it stores every whole value with BulkTx.Store under
// one lock for the whole load, and the pieces through BulkTx.Tx.
//
// Because the header (with the file's length) is protected by its own
// checksum, the errors are unambiguous: a file cut short anywhere is
// ErrTruncated, a changed byte in the magic or version is ErrBadMagic or
// ErrBadVersion, and a changed byte anywhere else is ErrChecksum.
//
// The format does not depend on the backend: a snapshot taken from the memory
// backend loads into bolt and back (see Load and the "redpool snapshot"
// tool).
package snapshot
