package rdb

import "encoding/binary"

// Ziplists and zipmaps: the encodings older RDB versions wrote, which
// Redis 7.0 still loads (and always checks deeply, converting them).
//
// A ziplist:
//
//	<total bytes: u32 LE> <tail offset: u32 LE> <count: u16 LE> <entry>... 0xff
//
// An entry is the previous entry's size (1 byte if < 254, else 0xfe and a
// u32 LE), an encoding, then the data:
//
//	00LLLLLL                   a string of up to 63 bytes
//	01LLLLLL LLLLLLLL          a string of up to 16383 bytes (length BE)
//	10xxxxxx <u32 BE>          a longer string
//	11000000 / 11010000 / 11100000 / 11110000 / 11111110
//	                           an int16 / int32 / int64 / int24 / int8, LE
//	1111xxxx (0001..1101)      an integer 0..12 (xxxx - 1)
//
// A zipmap (hashes before RDB 4):
//
//	<count: 1 byte, 254+ = unknown> (<len> field <len> <free: 1 byte> value <free bytes>)... 0xff
//
// where a length is 1 byte if < 254, else 0xfe and a u32 LE.

const (
	zlHeaderSize = 10
	zlEnd        = 0xff
	zlBigPrevLen = 0xfe
	zmBigLen     = 0xfe
	zmEnd        = 0xff
)

// decodeZiplist appends the entries of zl to items (strings as slices of
// zl, integers formatted into arena), checking everything Redis's deep
// integrity check does: sizes, previous-entry lengths, the tail offset and
// the count.
func decodeZiplist(zl []byte, items [][]byte, arena *arena) ([][]byte, error) {
	if len(zl) < zlHeaderSize+1 || binary.LittleEndian.Uint32(zl) != uint32(len(zl)) || zl[len(zl)-1] != zlEnd {
		return nil, corrupt("bad ziplist header")
	}
	tail := int(binary.LittleEndian.Uint32(zl[4:]))
	count := int(binary.LittleEndian.Uint16(zl[8:]))
	pos, prev, last, n := zlHeaderSize, 0, zlHeaderSize, 0
	end := len(zl) - 1
	for pos < end {
		b := zl[pos:end]
		prevLen, hdr := int(b[0]), 1
		if b[0] == zlBigPrevLen {
			if len(b) < 5 {
				return nil, corrupt("truncated ziplist entry")
			}
			prevLen, hdr = int(binary.LittleEndian.Uint32(b[1:])), 5
		} else if b[0] == zlEnd {
			return nil, corrupt("ziplist ends early")
		}
		if prevLen != prev {
			return nil, corrupt("bad ziplist previous length")
		}
		val, size, err := zlEntry(b[hdr:], arena)
		if err != nil {
			return nil, err
		}
		items = append(items, val)
		last, prev = pos, hdr+size
		pos += prev
		n++
	}
	if tail != last || (count != 0xffff && count != n) {
		return nil, corrupt("bad ziplist tail or count")
	}
	return items, nil
}

// zlEntry decodes the encoding and data at the start of b: the value and
// the size of both.
func zlEntry(b []byte, arena *arena) (val []byte, size int, err error) {
	if len(b) == 0 {
		return nil, 0, corrupt("truncated ziplist entry")
	}
	c := b[0]
	var strLen, hdr int
	switch c >> 6 {
	case 0:
		strLen, hdr = int(c&0x3f), 1
	case 1:
		if len(b) < 2 {
			return nil, 0, corrupt("truncated ziplist entry")
		}
		strLen, hdr = int(c&0x3f)<<8|int(b[1]), 2
	case 2:
		if len(b) < 5 {
			return nil, 0, corrupt("truncated ziplist entry")
		}
		strLen, hdr = int(binary.BigEndian.Uint32(b[1:])), 5
	default:
		var width int
		switch {
		case c == 0xc0:
			width = 2
		case c == 0xd0:
			width = 4
		case c == 0xe0:
			width = 8
		case c == 0xf0:
			width = 3
		case c == 0xfe:
			width = 1
		case c >= 0xf1 && c <= 0xfd:
			return arena.int(int64(c&0x0f) - 1), 1, nil
		default:
			return nil, 0, corrupt("bad ziplist encoding")
		}
		if len(b) < 1+width {
			return nil, 0, corrupt("truncated ziplist entry")
		}
		return arena.int(leInt(b[1:], width)), 1 + width, nil
	}
	if strLen > len(b)-hdr {
		return nil, 0, corrupt("ziplist string past the end")
	}
	return b[hdr : hdr+strLen : hdr+strLen], hdr + strLen, nil
}

// decodeZipmap appends a zipmap's fields and values to items (slices of
// zm), checking its structure and count.
func decodeZipmap(zm []byte, items [][]byte) ([][]byte, error) {
	if len(zm) < 2 || zm[len(zm)-1] != zmEnd {
		return nil, corrupt("bad zipmap")
	}
	count := int(zm[0])
	b := zm[1 : len(zm)-1]
	n := 0
	for len(b) > 0 {
		field, rest, ok := zmString(b, false)
		if !ok {
			return nil, corrupt("bad zipmap field")
		}
		val, rest, ok := zmString(rest, true)
		if !ok {
			return nil, corrupt("bad zipmap value")
		}
		items = append(items, field, val)
		b = rest
		n++
	}
	if count < zmBigLen && count != n {
		return nil, corrupt("zipmap count does not match")
	}
	return items, nil
}

// zmString reads a zipmap length and the string after it (for a value,
// the free byte count between them and the free bytes after).
func zmString(b []byte, value bool) (s, rest []byte, ok bool) {
	if len(b) == 0 {
		return nil, nil, false
	}
	n, hdr := int(b[0]), 1
	switch b[0] {
	case zmEnd:
		return nil, nil, false
	case zmBigLen:
		if len(b) < 5 {
			return nil, nil, false
		}
		n, hdr = int(binary.LittleEndian.Uint32(b[1:])), 5
	}
	free := 0
	if value {
		if len(b) < hdr+1 {
			return nil, nil, false
		}
		free = int(b[hdr])
		hdr++
	}
	if n > len(b)-hdr || free > len(b)-hdr-n {
		return nil, nil, false
	}
	return b[hdr : hdr+n : hdr+n], b[hdr+n+free:], true
}
