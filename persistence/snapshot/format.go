package snapshot

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// Sentinel errors. Every error a reader returns wraps exactly one of them
// (with details: offsets, expected and actual values); compare with errors.Is.
var (
	// ErrBadMagic: the file does not start with the snapshot magic; it is
	// not a redpool snapshot.
	ErrBadMagic = errors.New("snapshot: not a redpool snapshot (bad magic)")
	// ErrBadVersion: the format version (or a flag) is one this build cannot read.
	ErrBadVersion = errors.New("snapshot: unsupported format version")
	// ErrChecksum: a checksum does not match: the header or the data was altered.
	ErrChecksum = errors.New("snapshot: checksum mismatch")
	// ErrTruncated: the file ends before the length its header gives.
	ErrTruncated = errors.New("snapshot: truncated")
	// ErrCorrupt: the structure is invalid although the checksums matched
	// (or were not checked yet): a bad length, type, count or trailing data.
	ErrCorrupt = errors.New("snapshot: corrupt")
)

// Version is the format version this package writes and reads.
const Version = 1

// Layout constants; see the package doc.
const (
	magic      = "\x89RPSNAP\n"
	HeaderSize = 40
	// minSize is an empty snapshot: the header, the end marker and the crc.
	minSize     = HeaderSize + 1 + 4
	trailerSize = 4
	// minRecord is the smallest key record: n, db, kind, klen and an empty
	// string's length, one byte each.
	minRecord = 5

	endMarker   = 0x00
	kindExpires = 0x80

	// flagAux: the auxiliary data section follows the header.
	flagAux  = 0x0001
	kindMask = 0x7f

	offVersion = 8
	offFlags   = 10
	offCreated = 12
	offLength  = 20
	offKeys    = 28
	offHCRC    = 36
)

// castagnoli is the CRC-32C table (hardware accelerated where available).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Header is what a snapshot's header says.
type Header struct {
	Version uint16
	Created int64  // Unix ms when the view was fixed
	Length  int64  // size of the whole file in bytes
	Keys    uint64 // number of key records
	CRC     uint32 // CRC-32C of the whole file before the trailer (from the trailer)
	// Aux: the auxiliary data section follows the header (flag bit 0).
	Aux bool
}

// CreatedTime returns Created as a time.
func (h Header) CreatedTime() time.Time { return time.UnixMilli(h.Created) }

// encodeHeader returns the header bytes for h.
func encodeHeader(h Header) [HeaderSize]byte {
	var b [HeaderSize]byte
	copy(b[:], magic)
	binary.BigEndian.PutUint16(b[offVersion:], h.Version)
	var flags uint16
	if h.Aux {
		flags |= flagAux
	}
	binary.BigEndian.PutUint16(b[offFlags:], flags)
	binary.BigEndian.PutUint64(b[offCreated:], uint64(h.Created))
	binary.BigEndian.PutUint64(b[offLength:], uint64(h.Length))
	binary.BigEndian.PutUint64(b[offKeys:], h.Keys)
	binary.BigEndian.PutUint32(b[offHCRC:], crc32.Checksum(b[:offHCRC], castagnoli))
	return b
}

// decodeHeader checks the first n bytes of a file (n < HeaderSize when the
// file is that short) in the documented order and returns the header.
func decodeHeader(b []byte) (Header, error) {
	n := len(b)
	if n < len(magic) {
		if string(b) != magic[:n] {
			return Header{}, fmt.Errorf("%w: file starts with %q", ErrBadMagic, b)
		}
		return Header{}, fmt.Errorf("%w: file is %d bytes, shorter than the %d-byte header", ErrTruncated, n, HeaderSize)
	}
	if string(b[:len(magic)]) != magic {
		return Header{}, fmt.Errorf("%w: file starts with %q, want %q", ErrBadMagic, b[:len(magic)], magic)
	}
	if n < offFlags {
		return Header{}, fmt.Errorf("%w: file is %d bytes, shorter than the %d-byte header", ErrTruncated, n, HeaderSize)
	}
	h := Header{Version: binary.BigEndian.Uint16(b[offVersion:])}
	if h.Version != Version {
		return Header{}, fmt.Errorf("%w: version %d (this build reads version %d)", ErrBadVersion, h.Version, Version)
	}
	if n < HeaderSize {
		return Header{}, fmt.Errorf("%w: file is %d bytes, shorter than the %d-byte header", ErrTruncated, n, HeaderSize)
	}
	want := binary.BigEndian.Uint32(b[offHCRC:])
	if got := crc32.Checksum(b[:offHCRC], castagnoli); got != want {
		return Header{}, fmt.Errorf("%w: header CRC-32C is %08x, header says %08x", ErrChecksum, got, want)
	}
	f := binary.BigEndian.Uint16(b[offFlags:])
	if f&^flagAux != 0 {
		return Header{}, fmt.Errorf("%w: unknown flags %#04x", ErrBadVersion, f)
	}
	h.Aux = f&flagAux != 0
	h.Created = int64(binary.BigEndian.Uint64(b[offCreated:]))
	length := binary.BigEndian.Uint64(b[offLength:])
	if length < minSize || length > 1<<62 {
		return Header{}, fmt.Errorf("%w: header gives a file length of %d bytes", ErrCorrupt, length)
	}
	h.Length = int64(length)
	h.Keys = binary.BigEndian.Uint64(b[offKeys:])
	if h.Keys > (length-minSize)/minRecord {
		return Header{}, fmt.Errorf("%w: header gives %d keys for %d bytes", ErrCorrupt, h.Keys, length)
	}
	return h, nil
}

// checkSize compares a file's actual size with the header's length.
func checkSize(h Header, size int64) error {
	switch {
	case size < h.Length:
		return fmt.Errorf("%w: file is %d bytes, header says %d", ErrTruncated, size, h.Length)
	case size > h.Length:
		return fmt.Errorf("%w: file is %d bytes, header says %d (trailing data)", ErrCorrupt, size, h.Length)
	}
	return nil
}

// crcCombine returns the CRC-32C of A‖B given crc1 = CRC(A), crc2 = CRC(B)
// and len2 = len(B), in O(log len2), as zlib's crc32_combine.
func crcCombine(crc1, crc2 uint32, len2 int64) uint32 {
	return multModP(xPow8n(uint64(len2)), crc1) ^ crc2
}

// castagnoliPoly is the reflected CRC-32C polynomial.
const castagnoliPoly = 0x82f63b78

// multModP multiplies a and b modulo the CRC polynomial (reflected bit order:
// bit 31 is x^0).
func multModP(a, b uint32) uint32 {
	m := uint32(1) << 31
	var p uint32
	for {
		if a&m != 0 {
			p ^= b
			if a&(m-1) == 0 {
				return p
			}
		}
		m >>= 1
		if b&1 != 0 {
			b = b>>1 ^ castagnoliPoly
		} else {
			b >>= 1
		}
	}
}

// xPow8n returns x^(8n) modulo the polynomial: appending n zero bytes
// multiplies a CRC by it.
func xPow8n(n uint64) uint32 {
	p := uint32(1) << 31  // x^0
	sq := uint32(1) << 23 // x^8
	for n != 0 {
		if n&1 != 0 {
			p = multModP(sq, p)
		}
		sq = multModP(sq, sq)
		n >>= 1
	}
	return p
}

// uvarintLen is the encoded size of x as a uvarint.
func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}
