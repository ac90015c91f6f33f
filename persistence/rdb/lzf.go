package rdb

import "sync"

// LZF, the compression of RDB strings: liblzf's format. lzfCompress
// follows liblzf 3.6's lzf_compress as Redis builds it (HLOG 16,
// VERY_FAST), so that for the same input it writes the same bytes as Redis
// (Redis leaves its hash table uninitialized; redpool starts from a clean
// one, which is what Redis's table amounts to for the matches it accepts).
//
// The compressed format is a sequence of:
//
//	000LLLLL <L+1 bytes>          a literal run of L+1 bytes
//	LLLooooo oooooooo             a back reference: copy L+2 bytes from
//	                              o+1 bytes back (L 1..6)
//	111ooooo LLLLLLLL oooooooo    a back reference of L+9 bytes

const (
	lzfHashLog = 16
	lzfHashLen = 1 << lzfHashLog
	lzfMaxLit  = 1 << 5
	lzfMaxOff  = 1 << 13
	lzfMaxRef  = 1<<8 + 1<<3
	// lzfMaxRatio bounds how much LZF can expand: 3 bytes make at most
	// 264. A length promising more than this from the compressed size is
	// a forged one.
	lzfMaxRatio = (lzfMaxRef + 2) / 3
)

// lzfState is lzfCompress's hash table: per 3-byte hash, the offset of
// the last position with it (0: none, as offset 0 never is a reference).
// touched lists the slots written, so that reset costs what was used.
type lzfState struct {
	htab    [lzfHashLen]uint32
	touched []uint16
}

// lzfStates recycles compressors: the hash table is 256 KB, too much to
// allocate for every string of a DUMP. The pool holds no data between
// uses (reset clears what a use wrote).
var lzfStates = sync.Pool{New: func() any { return new(lzfState) }}

func (s *lzfState) reset() {
	for _, h := range s.touched {
		s.htab[h] = 0
	}
	s.touched = s.touched[:0]
}

func lzfIdx(h uint32) uint32 { return (h>>(3*8-lzfHashLog) - h*5) & (lzfHashLen - 1) }

func (s *lzfState) set(h uint32, pos int) {
	s.htab[h] = uint32(pos)
	s.touched = append(s.touched, uint16(h))
}

// lzfCompress appends in compressed to dst if that takes at most max
// bytes, as Redis asks lzf_compress for (max = len(in)-4); ok is false
// (and dst unchanged) otherwise.
func lzfCompress(dst, in []byte, max int) (out []byte, ok bool) {
	if len(in) == 0 || max <= 0 || len(in) >= 1<<31 {
		return dst, false
	}
	s := lzfStates.Get().(*lzfState)
	defer func() {
		s.reset()
		lzfStates.Put(s)
	}()
	start := len(dst)
	if cap(dst)-start < max {
		grown := make([]byte, start, start+max)
		copy(grown, dst)
		dst = grown
	}
	o := dst[start : start+max]
	n := s.compress(o, in)
	if n == 0 {
		return dst[:start], false
	}
	return dst[:start+n], true
}

// compress is lzf_compress into o (len(o) is the room); 0 means it does
// not fit.
func (s *lzfState) compress(o, in []byte) int {
	inLen, outLen := len(in), len(o)
	ip, op, lit := 0, 1, 0 // op starts past the first run's length byte
	var hval uint32
	if inLen >= 2 {
		hval = uint32(in[0])<<8 | uint32(in[1])
	}
	for ip < inLen-2 {
		hval = hval<<8 | uint32(in[ip+2])
		h := lzfIdx(hval)
		ref := int(s.htab[h])
		s.set(h, ip)
		off := ip - ref - 1
		if ref > 0 && ref < ip && off < lzfMaxOff &&
			in[ref+2] == in[ip+2] && in[ref] == in[ip] && in[ref+1] == in[ip+1] {
			length := 2
			maxlen := min(inLen-ip-length, lzfMaxRef)
			undo := 0
			if lit == 0 {
				undo = 1
			}
			if op-undo+3+1 >= outLen {
				return 0
			}
			o[op-lit-1] = byte(lit - 1) // stop the run
			op -= undo                  // no run if it was empty
			length = lzfMatch(in, ref, ip, length, maxlen)
			length -= 2 // now the count less 2
			ip++
			if length < 7 {
				o[op] = byte(off>>8 + length<<5)
				op++
			} else {
				o[op] = byte(off>>8 + 7<<5)
				o[op+1] = byte(length - 7)
				op += 2
			}
			o[op] = byte(off)
			op++
			lit = 0
			op++ // start a run
			ip += length + 1
			if ip >= inLen-2 {
				break
			}
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			s.set(lzfIdx(hval), ip)
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			s.set(lzfIdx(hval), ip)
			ip++
			continue
		}
		if op >= outLen {
			return 0
		}
		op, lit = lzfLiteral(o, op, lit, in[ip])
		ip++
	}
	if op+3 > outLen {
		return 0
	}
	for ; ip < inLen; ip++ {
		op, lit = lzfLiteral(o, op, lit, in[ip])
	}
	o[op-lit-1] = byte(lit - 1)
	if lit == 0 {
		op--
	}
	return op
}

// lzfLiteral adds byte c to the literal run of lit bytes ending at op,
// closing the run when it is full.
func lzfLiteral(o []byte, op, lit int, c byte) (int, int) {
	lit++
	o[op] = c
	op++
	if lit == lzfMaxLit {
		o[op-lit-1] = byte(lit - 1)
		lit = 0
		op++
	}
	return op, lit
}

// lzfMatch extends a match of length bytes at ref and ip as liblzf does:
// when more than 16 bytes may match it first compares 16 more without
// looking at maxlen, so a match may end up to 2 bytes past maxlen (still
// within the input, and every byte compared), and Redis's output has it.
func lzfMatch(in []byte, ref, ip, length, maxlen int) int {
	if maxlen > 16 {
		for range 16 {
			length++
			if in[ref+length] != in[ip+length] {
				return length
			}
		}
	}
	for {
		length++
		if length >= maxlen || in[ref+length] != in[ip+length] {
			return length
		}
	}
}

// lzfDecompress expands LZF data to exactly n bytes, appended to dst. Any
// malformed input, or one that does not expand to n bytes, is ErrCorrupt.
// n must already be checked against lzfMaxRatio*len(in).
func lzfDecompress(dst, in []byte, n int) ([]byte, error) {
	start := len(dst)
	if cap(dst)-start < n {
		grown := make([]byte, start, start+n)
		copy(grown, dst)
		dst = grown
	}
	end := start + n
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 1<<5 {
			l := ctrl + 1
			if i+l > len(in) || len(dst)+l > end {
				return nil, corrupt("bad LZF literal")
			}
			dst = append(dst, in[i:i+l]...)
			i += l
			continue
		}
		l := ctrl >> 5
		if l == 7 {
			if i >= len(in) {
				return nil, corrupt("truncated LZF reference")
			}
			l += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, corrupt("truncated LZF reference")
		}
		ref := len(dst) - (ctrl&0x1f)<<8 - int(in[i]) - 1
		i++
		if ref < start || len(dst)+l+2 > end {
			return nil, corrupt("bad LZF reference")
		}
		if n := l + 2; ref+n <= len(dst) {
			dst = append(dst, dst[ref:ref+n]...) // no overlap: one copy
		} else {
			for j := range n {
				dst = append(dst, dst[ref+j])
			}
		}
	}
	if len(dst) != end {
		return nil, corrupt("LZF data shorter than its length")
	}
	return dst, nil
}
