package rdb

import "encoding/binary"

// Listpacks, as Redis 7.0's listpack.c lays them out:
//
//	<total bytes: u32 LE> <count: u16 LE, 65535 = unknown> <entry>... 0xff
//
// An entry is an encoding byte (and length bytes), its data, then its
// back length: the size of encoding and data, 7 bits a byte, most
// significant first, every byte but the first with the high bit set.
//
//	0xxxxxxx                 an integer 0..127
//	10LLLLLL <L bytes>       a string of up to 63 bytes
//	110xxxxx xxxxxxxx        a 13-bit signed integer
//	1110LLLL LLLLLLLL <..>   a string of up to 4095 bytes
//	11110000 <u32 LE> <..>   a longer string
//	11110001..11110100       a 16-, 24-, 32- or 64-bit integer, LE
//	11111111                 the end

const (
	lpHeaderSize   = 6
	lpCountUnknown = 65535
	lpEnd          = 0xff
)

// lpEntrySize is the size of s as a listpack entry, back length included,
// as Redis would store it (a canonical integer as an integer).
func lpEntrySize(s []byte) int {
	var n int
	if v, ok := parseInt(s); ok {
		n = lpIntSize(v)
	} else {
		n = lpStrHeader(len(s)) + len(s)
	}
	return n + lpBacklenSize(n)
}

func lpIntSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 1
	case v >= -4096 && v <= 4095:
		return 2
	case v >= -32768 && v <= 32767:
		return 3
	case v >= -8388608 && v <= 8388607:
		return 4
	case v >= -2147483648 && v <= 2147483647:
		return 5
	}
	return 9
}

func lpStrHeader(n int) int {
	switch {
	case n < 64:
		return 1
	case n < 4096:
		return 2
	}
	return 5
}

func lpBacklenSize(n int) int {
	switch {
	case n <= 127:
		return 1
	case n < 16383:
		return 2
	case n < 2097151:
		return 3
	case n < 268435455:
		return 4
	}
	return 5
}

// lpWriter builds one listpack in buf.
type lpWriter struct {
	buf   []byte
	count int
}

func (w *lpWriter) start(b []byte) {
	w.buf = append(b[:0], 0, 0, 0, 0, 0, 0)
	w.count = 0
}

// add appends s: a canonical integer as an integer, as lpAppend does.
func (w *lpWriter) add(s []byte) {
	start := len(w.buf)
	if v, ok := parseInt(s); ok {
		w.buf = lpAppendInt(w.buf, v)
	} else {
		w.buf = lpAppendStr(w.buf, s)
	}
	w.buf = lpAppendBacklen(w.buf, len(w.buf)-start)
	w.count++
}

// addInt appends an integer element (lpAppendInteger).
func (w *lpWriter) addInt(v int64) {
	start := len(w.buf)
	w.buf = lpAppendInt(w.buf, v)
	w.buf = lpAppendBacklen(w.buf, len(w.buf)-start)
	w.count++
}

// finish writes the terminator and the header and returns the listpack.
func (w *lpWriter) finish() []byte {
	w.buf = append(w.buf, lpEnd)
	binary.LittleEndian.PutUint32(w.buf, uint32(len(w.buf)))
	binary.LittleEndian.PutUint16(w.buf[4:], uint16(min(w.count, lpCountUnknown)))
	return w.buf
}

func lpAppendInt(b []byte, v int64) []byte {
	switch {
	case v >= 0 && v <= 127:
		return append(b, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & (1<<13 - 1)
		return append(b, 0xc0|byte(u>>8), byte(u))
	case v >= -32768 && v <= 32767:
		return append(b, 0xf1, byte(v), byte(v>>8))
	case v >= -8388608 && v <= 8388607:
		return append(b, 0xf2, byte(v), byte(v>>8), byte(v>>16))
	case v >= -2147483648 && v <= 2147483647:
		return binary.LittleEndian.AppendUint32(append(b, 0xf3), uint32(v))
	}
	return binary.LittleEndian.AppendUint64(append(b, 0xf4), uint64(v))
}

func lpAppendStr(b, s []byte) []byte {
	n := len(s)
	switch {
	case n < 64:
		b = append(b, 0x80|byte(n))
	case n < 4096:
		b = append(b, 0xe0|byte(n>>8), byte(n))
	default:
		b = binary.LittleEndian.AppendUint32(append(b, 0xf0), uint32(n))
	}
	return append(b, s...)
}

func lpAppendBacklen(b []byte, n int) []byte {
	switch {
	case n <= 127:
		return append(b, byte(n))
	case n < 16383:
		return append(b, byte(n>>7), byte(n&127)|128)
	case n < 2097151:
		return append(b, byte(n>>14), byte(n>>7&127)|128, byte(n&127)|128)
	case n < 268435455:
		return append(b, byte(n>>21), byte(n>>14&127)|128, byte(n>>7&127)|128, byte(n&127)|128)
	}
	return append(b, byte(n>>28), byte(n>>21&127)|128, byte(n>>14&127)|128, byte(n>>7&127)|128, byte(n&127)|128)
}

// decodeListpack appends the entries of lp to items: strings as slices of
// lp, integers formatted into arena. It checks the whole structure (every
// entry within the listpack, the terminator last, the total size); deep
// adds Redis's deep sanitization: each back length and the count in the
// header must be right.
func decodeListpack(lp []byte, deep bool, items [][]byte, arena *arena) ([][]byte, error) {
	if len(lp) < lpHeaderSize+1 || binary.LittleEndian.Uint32(lp) != uint32(len(lp)) || lp[len(lp)-1] != lpEnd {
		return nil, corrupt("bad listpack header")
	}
	count := int(binary.LittleEndian.Uint16(lp[4:]))
	body := lp[lpHeaderSize : len(lp)-1]
	n := 0
	for len(body) > 0 {
		entry, size, err := lpEntry(body, arena)
		if err != nil {
			return nil, err
		}
		bl := lpBacklenSize(size)
		if len(body)-size < bl || (deep && !lpBacklenIs(body[size:size+bl], size)) {
			return nil, corrupt("bad listpack back length")
		}
		items = append(items, entry)
		body = body[size+bl:]
		n++
	}
	if deep && count != lpCountUnknown && count != n {
		return nil, corrupt("listpack count does not match")
	}
	return items, nil
}

// lpEntry decodes the entry at the start of b (which excludes the
// terminator): its value and the size of encoding and data.
func lpEntry(b []byte, arena *arena) (val []byte, size int, err error) {
	c := b[0]
	var strLen, hdr int
	switch {
	case c&0x80 == 0:
		return arena.int(int64(c)), 1, nil
	case c&0xc0 == 0x80:
		strLen, hdr = int(c&0x3f), 1
	case c&0xe0 == 0xc0:
		if len(b) < 2 {
			return nil, 0, corrupt("truncated listpack entry")
		}
		u := int64(c&0x1f)<<8 | int64(b[1])
		if u >= 1<<12 {
			u -= 1 << 13
		}
		return arena.int(u), 2, nil
	case c&0xf0 == 0xe0:
		if len(b) < 2 {
			return nil, 0, corrupt("truncated listpack entry")
		}
		strLen, hdr = int(c&0x0f)<<8|int(b[1]), 2
	case c == 0xf0:
		if len(b) < 5 {
			return nil, 0, corrupt("truncated listpack entry")
		}
		strLen, hdr = int(binary.LittleEndian.Uint32(b[1:])), 5
	case c >= 0xf1 && c <= 0xf4:
		width := [...]int{2, 3, 4, 8}[c-0xf1]
		if len(b) < 1+width {
			return nil, 0, corrupt("truncated listpack entry")
		}
		return arena.int(leInt(b[1:], width)), 1 + width, nil
	default:
		return nil, 0, corrupt("bad listpack encoding")
	}
	if strLen > len(b)-hdr {
		return nil, 0, corrupt("listpack string past the end")
	}
	return b[hdr : hdr+strLen : hdr+strLen], hdr + strLen, nil
}

// leInt reads a signed little-endian integer of width bytes (1..8).
func leInt(b []byte, width int) int64 {
	var u uint64
	for i := width - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	shift := 64 - 8*uint(width)
	return int64(u<<shift) >> shift
}

// lpBacklenIs reports whether b is the back length of an entry of size
// bytes, as Redis writes it.
func lpBacklenIs(b []byte, size int) bool {
	var want [5]byte
	return string(lpAppendBacklen(want[:0], size)) == string(b)
}
