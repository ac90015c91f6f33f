// Package rdb is Redis's RDB serialization of values (RDB version 10, as
// Redis 7.0 writes it): the codec that DUMP and RESTORE use, and that RDB
// files (file*.go) and replication build on.
//
// # The API
//
//   - Value is a value as backend.Entry holds it: a backend.Type and its
//     items (see the type registry in backend/types.go; a sorted set's
//     items are score, member, ...).
//   - Writer (NewWriter(w, Params)) writes lengths (WriteLen), strings
//     (WriteString: integer-encoded or LZF-compressed as Redis would),
//     values (WriteValue: type byte and value, as a DUMP payload begins;
//     WriteKeyValue: type byte, key and value, as in an RDB file) and raw
//     bytes (WriteByte, Write). It picks the encoding Redis 7.0 would
//     hold the value in, from the thresholds in Params (DefaultParams:
//     Redis's defaults). Flush at the end.
//   - Reader (NewReader(r, ReadOptions)) reads them back: ReadByte,
//     ReadFull, ReadLen, ReadString and ReadValue(t) for a type byte t
//     already read. It decodes every encoding Redis 7.0 writes or still
//     loads (see the Type constants), checks everything it decodes, never
//     panics, and never allocates for a length more than the data can
//     hold (ReadOptions.Size) or, if the size is unknown, more than has
//     arrived. ReadOptions.Sanitize is Redis's deep sanitization;
//     ReadOptions.Checksum keeps the CRC-64 of what was consumed (Sum64),
//     Offset counts it. For the CRC of what a Writer writes, put a Digest
//     in an io.MultiWriter under it (Flush before reading the sum).
//   - DumpPayload, ParseDumpPayload, VerifyDumpPayload and
//     AppendDumpFooter are DUMP's payload format (below).
//   - CRC64 and Digest are Redis's CRC-64 (Jones); AppendString is the
//     string encoding on its own (FUNCTION DUMP uses it).
//   - The Type constants are the RDB type bytes, the Op constants the
//     opcodes of an RDB file.
//
// Errors: ErrCorrupt (wrapped, with what is wrong) for data that is not a
// valid encoding, ErrUnsupported (a kind of ErrCorrupt) for module
// values, ErrPayload for a DUMP payload of a newer version or a
// wrong checksum.
//
// # Formats
//
// A length:
//
//	00nnnnnn                  n (6 bits)
//	01nnnnnn nnnnnnnn         n (14 bits, big-endian)
//	10000000 <u32 BE>         n (32 bits)
//	10000001 <u64 BE>         n (64 bits)
//	11eeeeee                  a string in special encoding e (below)
//
// A string: a length and the bytes, or a special encoding: 0 an int8,
// 1 an int16 LE, 2 an int32 LE (the string is the integer in decimal), 3
// LZF: the compressed length, the expanded length, then the LZF data
// (lzf.go).
//
// A value, by its type byte:
//
//	0  string           a string
//	1  list             a count, then the elements as strings
//	2  set              a count, then the members
//	3  zset             a count, then member and score (a length byte,
//	                    253 NaN / 254 +inf / 255 -inf, else ASCII)
//	4  hash             a count, then field and value
//	5  zset 2           a count, then member and score (float64 LE);
//	                    redpool writes the highest score first, as Redis
//	9  hash zipmap      a string holding a zipmap (ziplist.go)
//	10 list ziplist     a string holding a ziplist (ziplist.go)
//	11 set intset       a string holding an intset (intset.go)
//	12 zset ziplist     a ziplist of member, score
//	13 hash ziplist     a ziplist of field, value
//	14 list quicklist   a count of nodes, each a ziplist string
//	16 hash listpack    a string holding a listpack (listpack.go) of
//	                    field, value
//	17 zset listpack    a listpack of member, score, by score then member
//	18 list quicklist 2 a count of nodes, each a container (1 plain: one
//	                    element as a string; 2 packed: a listpack string)
//	15 stream           listpack nodes, length, last id, groups (Redis 5, 6)
//	19 stream 2         the same with first id, max deleted id, entries
//	                    added and the groups' entries read (stream.go)
//	21 stream 3         the same with the consumers' active time (7.2)
//
// Redis 7.0 writes types 0, 2, 4, 5, 11, 16, 17, 18 and 19 (and modules,
// which redpool does not hold); so does the Writer.
//
// A DUMP payload is a type byte and a value, then the RDB version (2 bytes
// LE) and the CRC-64 of all that precedes it (8 bytes LE):
//
//	+------+-----------------+-----------+-----------------+
//	| type | value ...       | version   | CRC-64 (Jones)  |
//	| 1 B  |                 | u16 LE    | u64 LE          |
//	+------+-----------------+-----------+-----------------+
//
// # What the Writer picks
//
// As Redis 7.0 holds a value built by adding its elements: a string is an
// integer encoding if it is a canonical integer within 32 bits, else LZF
// if longer than 20 bytes and compression saves 4 bytes or more, else
// plain; a list is a quicklist 2 whose nodes are filled as RPUSH fills
// them (list-max-listpack-size); a set of integers only, at most
// set-max-intset-entries of them, is an intset, else a set; a hash or
// sorted set within its listpack limits is a listpack, else a hash or a
// zset 2; a stream is a stream 2 of the nodes its records mark (a stream's
// items are backend's stream records; see stream.go).
//
// # Sanitization
//
// Without ReadOptions.Sanitize the Reader checks, beyond what decoding
// needs, what Redis checks on every load: ziplists and zipmaps deeply
// (previous lengths, tail, count, repeated fields), repeated members in
// the plain set, hash and sorted-set encodings, NaN scores, empty values;
// and, beyond Redis, a stream's whole structure (its listpacks entry by entry, ids in
// order, counts, each pending entry owned by exactly one consumer).
// With it, it adds Redis's deep sanitization of listpacks and intsets:
// each listpack entry's back length, the listpack's count, an intset's
// strict order, and no repeated field or member in a listpack hash or
// sorted set.
package rdb
