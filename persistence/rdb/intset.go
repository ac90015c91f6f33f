package rdb

import (
	"encoding/binary"
	"slices"
)

// Intsets: a set of integers, sorted, each in the width of the widest.
//
//	<width: u32 LE, 2, 4 or 8> <count: u32 LE> <integers, LE>...

const intsetHeaderSize = 8

// appendIntset appends the intset of vals (sorted and distinct).
func appendIntset(b []byte, vals []int64) []byte {
	width := 2
	for _, v := range vals {
		switch {
		case v < -2147483648 || v > 2147483647:
			width = 8
		case (v < -32768 || v > 32767) && width < 4:
			width = 4
		}
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(width))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(vals)))
	for _, v := range vals {
		switch width {
		case 2:
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		case 4:
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		default:
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	}
	return b
}

// intsetMembers parses the members of a set that Redis would hold as an
// intset: all canonical integers, at most max of them. ok is false
// otherwise. The result is sorted.
func intsetMembers(members [][]byte, max int64, vals []int64) ([]int64, bool) {
	if int64(len(members)) > max {
		return vals, false
	}
	for _, m := range members {
		v, ok := parseInt(m)
		if !ok {
			return vals, false
		}
		vals = append(vals, v)
	}
	slices.Sort(vals)
	return vals, true
}

// decodeIntset appends the members of intset is to items, formatted into
// arena. The size must fit the header; deep adds Redis's deep check: the
// integers ascend strictly.
func decodeIntset(is []byte, deep bool, items [][]byte, arena *arena) ([][]byte, error) {
	if len(is) < intsetHeaderSize {
		return nil, corrupt("intset too short")
	}
	width := int(binary.LittleEndian.Uint32(is))
	count := uint64(binary.LittleEndian.Uint32(is[4:]))
	if (width != 2 && width != 4 && width != 8) || count*uint64(width) != uint64(len(is)-intsetHeaderSize) {
		return nil, corrupt("bad intset header")
	}
	var prev int64
	for i := range int(count) {
		p := is[intsetHeaderSize+i*width:]
		var v int64
		switch width {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			v = int64(binary.LittleEndian.Uint64(p))
		}
		if deep && i > 0 && v <= prev {
			return nil, corrupt("intset not sorted")
		}
		prev = v
		items = append(items, arena.int(v))
	}
	return items, nil
}
