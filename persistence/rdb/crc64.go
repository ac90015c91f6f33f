package rdb

import (
	"encoding/binary"
	"sync"
)

// CRC-64 as Redis computes it for RDB files and DUMP payloads: the Jones
// polynomial (0xad93d23594c935a9), reflected, initial value 0, no final
// xor. CRC64(0, []byte("123456789")) is 0xe9c6d914c4b8d9ca.

// crcPoly is the Jones polynomial, reflected.
const crcPoly = 0x95ac9329ac4bc9b5

// crcTables are the slicing-by-8 tables: crcTables()[0] is the classic
// byte-at-a-time table, [k] advances a byte followed by k zero bytes. They
// are computed once, on first use, and never written again.
var crcTables = sync.OnceValue(func() *[8][256]uint64 {
	t := new([8][256]uint64)
	for i := range 256 {
		c := uint64(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ crcPoly
			} else {
				c >>= 1
			}
		}
		t[0][i] = c
	}
	for i := range 256 {
		c := t[0][i]
		for k := 1; k < 8; k++ {
			c = t[0][c&0xff] ^ c>>8
			t[k][i] = c
		}
	}
	return t
})

// CRC64 returns crc updated with p. CRC64(CRC64(0, a), b) is the CRC of a
// followed by b.
func CRC64(crc uint64, p []byte) uint64 {
	t := crcTables()
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][crc&0xff] ^ t[6][crc>>8&0xff] ^ t[5][crc>>16&0xff] ^ t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^ t[2][crc>>40&0xff] ^ t[1][crc>>48&0xff] ^ t[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}

// Digest is a running CRC64 that is an io.Writer, for computing the CRC of
// a stream as it is written or read (io.MultiWriter, io.TeeReader). The
// zero value is a CRC of nothing. Not safe for concurrent use.
type Digest struct{ crc uint64 }

// Write adds p to the CRC. It never fails.
func (d *Digest) Write(p []byte) (int, error) {
	d.crc = CRC64(d.crc, p)
	return len(p), nil
}

// Sum64 returns the CRC of everything written.
func (d *Digest) Sum64() uint64 { return d.crc }
