package command

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
)

// The HyperLogLog codec: Redis 7.0's representation, byte for byte, so that
// GET returns what Redis would and a value SET from Redis counts the same.
// An HLL is an ordinary string value:
//
//	byte 0      4   5       8                16
//	     +------+---+-------+----------------+--------------
//	     | HYLL | E | 0 0 0 | card (8 bytes) | registers ...
//	     +------+---+-------+----------------+--------------
//
// E is the encoding (0 dense, 1 sparse); card is the cached cardinality,
// little endian, and the top bit of its last byte (byte 15) set means the
// cache is invalid. There are 16384 registers of 6 bits.
//
// Dense: 12288 bytes, register i in bits 6i..6i+5 counting from the least
// significant bit of byte 0 (11000000 22221111 33333322 ...).
//
// Sparse: a run-length code of the registers in order, three opcodes:
//
//	00xxxxxx           ZERO:  xxxxxx+1 (1..64) registers at 0
//	01xxxxxx yyyyyyyy  XZERO: xxxxxxyyyyyyyy+1 (1..16384) registers at 0
//	1vvvvvxx           VAL:   xx+1 (1..4) registers at vvvvv+1 (1..32)
//
// A sparse HLL becomes dense when a register needs a value above 32 or
// the string would grow beyond hll-sparse-max-bytes (header included).
//
// Every function here works on a value the caller owns and may change;
// they are not safe for concurrent use on one value.

const (
	hllP         = 14             // register index bits
	hllQ         = 64 - hllP      // bits left for the run of zeroes
	hllRegisters = 1 << hllP      // 16384
	hllBits      = 6              // bits per dense register
	hllRegMax    = 1<<hllBits - 1 // 63
	hllHdrSize   = 16             // magic, encoding, 3 unused, cached card
	hllDenseSize = hllHdrSize + (hllRegisters*hllBits+7)/8
	hllDense     = 0
	hllSparse    = 1
	hllSeed      = 0xadc83b19
	hllAlphaInf  = 0.721347520444481703680 // 0.5/ln(2)

	sparseValMaxValue = 32
	sparseValMaxLen   = 4
	sparseZeroMaxLen  = 64

	hllCardInvalid = 1 << 7 // in byte 15, the cached card's last byte
)

// murmurHash64A is MurmurHash2, 64-bit version, as Redis reads it: the
// 8-byte blocks little endian whatever the machine.
func murmurHash64A(key []byte, seed uint64) uint64 {
	const m, r = 0xc6a4a7935bd1e995, 47
	h := seed ^ (uint64(len(key)) * m)
	n := len(key) &^ 7
	for i := 0; i < n; i += 8 {
		k := uint64(key[i]) | uint64(key[i+1])<<8 | uint64(key[i+2])<<16 | uint64(key[i+3])<<24 |
			uint64(key[i+4])<<32 | uint64(key[i+5])<<40 | uint64(key[i+6])<<48 | uint64(key[i+7])<<56
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	if tail := key[n:]; len(tail) > 0 {
		for i := len(tail) - 1; i >= 0; i-- {
			h ^= uint64(tail[i]) << (8 * uint(i))
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen returns the register element ele hashes to and the length of
// the 000..1 pattern of the rest of its hash (1..hllQ+1).
func hllPatLen(ele []byte) (index int, count uint8) {
	hash := murmurHash64A(ele, hllSeed)
	index = int(hash & (hllRegisters - 1))
	hash >>= hllP
	hash |= 1 << hllQ // the run ends at bit Q at the latest
	return index, uint8(bits.TrailingZeros64(hash) + 1)
}

// --- header ---

// hllCheck reports whether v is a valid HLL string as Redis's
// isHLLObjectOrReply judges it: a header with the magic, a known
// encoding, and the exact length if dense. The sparse opcodes are checked
// only when they are read.
func hllCheck(v []byte) error {
	if len(v) < hllHdrSize || string(v[:4]) != "HYLL" || v[4] > hllSparse {
		return ErrHLLWrongType
	}
	if v[4] == hllDense && len(v) != hllDenseSize {
		return ErrHLLWrongType
	}
	return nil
}

// hllNew returns an empty sparse HLL: the header and XZERO:16384.
func hllNew() []byte {
	v := make([]byte, hllHdrSize+2, hllHdrSize+16)
	copy(v, "HYLL")
	v[4] = hllSparse
	spPutXZero(v[hllHdrSize:], hllRegisters)
	return v
}

// hllCacheAt is the offset of the cached cardinality in the header.
const hllCacheAt = 8

// hllCached returns the cached cardinality and whether it is valid.
func hllCached(v []byte) (uint64, bool) {
	return binary.LittleEndian.Uint64(v[hllCacheAt:]), v[15]&hllCardInvalid == 0
}

// hllSetCached stores card in the 8 bytes of cache, a cached cardinality
// (the header's v[hllCacheAt:]).
func hllSetCached(cache []byte, card uint64) {
	binary.LittleEndian.PutUint64(cache, card)
}

// hllInvalidate marks the cached cardinality invalid, leaving its other
// bits as they are (as Redis does).
func hllInvalidate(v []byte) { v[15] |= hllCardInvalid }

// --- dense ---

// denseGet returns register i of the dense registers regs.
func denseGet(regs []byte, i int) uint8 {
	b, fb := i*hllBits/8, uint(i*hllBits&7)
	x := uint(regs[b]) >> fb
	if b+1 < len(regs) {
		x |= uint(regs[b+1]) << (8 - fb)
	}
	return uint8(x & hllRegMax)
}

// denseSetReg sets register i of the dense registers regs to val.
func denseSetReg(regs []byte, i int, val uint8) {
	b := i * hllBits / 8
	putReg(regs[b:min(b+2, len(regs))], uint(i*hllBits&7), val)
}

// putReg writes a register of value val at bit fb of w[0], its high bits
// in w[1] if w has it (the last register ends its byte).
func putReg(w []byte, fb uint, val uint8) {
	v := uint(val)
	w[0] = byte(uint(w[0])&^(hllRegMax<<fb) | v<<fb)
	if len(w) > 1 {
		w[1] = byte(uint(w[1])&^(hllRegMax>>(8-fb)) | v>>(8-fb))
	}
}

// denseSet raises register i to count if it is lower, and reports whether
// it did.
func denseSet(regs []byte, i int, count uint8) bool {
	if count > denseGet(regs, i) {
		denseSetReg(regs, i, count)
		return true
	}
	return false
}

// denseHisto adds the dense registers regs to histo, four registers per
// three bytes.
func denseHisto(regs []byte, histo *[64]int) {
	for i := 0; i+2 < len(regs); i += 3 {
		b0, b1, b2 := regs[i], regs[i+1], regs[i+2]
		histo[b0&63]++
		histo[(b0>>6|b1<<2)&63]++
		histo[(b1>>4|b2<<4)&63]++
		histo[b2>>2]++
	}
}

// --- sparse ---

// sparse opcode bytes.
func spIsZero(b byte) bool    { return b&0xc0 == 0 }
func spIsXZero(b byte) bool   { return b&0xc0 == 0x40 }
func spIsVal(b byte) bool     { return b&0x80 != 0 }
func spZeroLen(b byte) int    { return int(b&0x3f) + 1 }
func spValValue(b byte) int   { return int(b>>2&0x1f) + 1 }
func spValLen(b byte) int     { return int(b&0x3) + 1 }
func spValOp(val, n int) byte { return byte((val-1)<<2|(n-1)) | 0x80 }

// spXZeroLen is the length of the XZERO opcode at v[p]. A truncated opcode
// reads its second byte as 0, as Redis reads the string's terminator.
func spXZeroLen(v []byte, p int) int {
	lo := 0
	if p+1 < len(v) {
		lo = int(v[p+1])
	}
	return (int(v[p]&0x3f)<<8 | lo) + 1
}

// spPutXZero writes an XZERO opcode of n registers at dst[0:2].
func spPutXZero(dst []byte, n int) {
	n--
	dst[0] = byte(n>>8) | 0x40
	dst[1] = byte(n)
}

// spAppendZeros appends the opcode for n zero registers (ZERO up to 64,
// else XZERO).
func spAppendZeros(dst []byte, n int) []byte {
	if n > sparseZeroMaxLen {
		return append(dst, byte((n-1)>>8)|0x40, byte(n-1))
	}
	return append(dst, byte(n-1))
}

// sparseOp returns the registers the opcode at v[p] covers, their value
// (0 for ZERO and XZERO) and the opcode's size.
func sparseOp(v []byte, p int) (span, val, size int) {
	switch b := v[p]; {
	case spIsZero(b):
		return spZeroLen(b), 0, 1
	case spIsVal(b):
		return spValLen(b), spValValue(b), 1
	default:
		return spXZeroLen(v, p), 0, 2
	}
}

// sparseEach calls fn for each VAL opcode of the sparse v: n registers
// from register i at val. It returns ErrHLLInvalid, having stopped,
// when a run would pass register 16383, and when the opcodes do not
// cover exactly 16384 registers (as Redis checks a sparse code when it
// reads one: runs of zeroes are only counted).
func sparseEach(v []byte, fn func(i, n int, val uint8)) error {
	i := 0
	for p := hllHdrSize; p < len(v); {
		n, val, size := sparseOp(v, p)
		p += size
		if val != 0 {
			if i+n > hllRegisters {
				return ErrHLLInvalid
			}
			fn(i, n, uint8(val))
		}
		i += n
	}
	if i != hllRegisters {
		return ErrHLLInvalid
	}
	return nil
}

// sparseToDense returns v in the dense encoding: v itself if it is
// already dense, else a new value with v's header (cached cardinality
// included). A sparse code that does not cover exactly 16384 registers
// is ErrHLLInvalid.
func sparseToDense(v []byte) ([]byte, error) {
	if v[4] == hllDense {
		return v, nil
	}
	d := make([]byte, hllDenseSize)
	copy(d, v[:hllHdrSize])
	d[4] = hllDense
	regs := d[hllHdrSize:]
	err := sparseEach(v, func(i, n int, val uint8) {
		for j := i; j < i+n; j++ {
			denseSetReg(regs, j, val)
		}
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// sparseSet raises register index of the sparse v to count if it is
// lower, as Redis's hllSparseSet: in place where the opcode allows, else
// by splitting the opcode, then merging equal neighbouring VALs. It
// promotes v to dense when count is above 32 or v would grow beyond
// maxBytes. It returns the value (v or a new slice) and whether it
// changed; an opcode sequence that does not reach index is ErrHLLInvalid.
func sparseSet(v []byte, index int, count uint8, maxBytes int64) ([]byte, bool, error) {
	if count > sparseValMaxValue {
		return promote(v, index, count)
	}
	// Step 1: find the opcode covering index.
	p, first, span, prev := sparseFind(v, index)
	if p >= len(v) {
		return v, false, ErrHLLInvalid
	}
	b := v[p]
	_, _, size := sparseOp(v, p)
	// Step 2: the cases updated in place.
	switch {
	case spIsVal(b) && spValValue(b) >= int(count):
		return v, false, nil
	case spIsVal(b) && spValLen(b) == 1, spIsZero(b) && spZeroLen(b) == 1:
		v[p] = spValOp(int(count), 1)
		return sparseMergeVals(v, prev), true, nil
	}
	// Step 3: split the opcode into up to three.
	var buf [5]byte
	seq := buf[:0]
	last := first + span - 1
	if spIsVal(b) {
		cur := spValValue(b)
		if index != first {
			seq = append(seq, spValOp(cur, index-first))
		}
		seq = append(seq, spValOp(int(count), 1))
		if index != last {
			seq = append(seq, spValOp(cur, last-index))
		}
	} else {
		if index != first {
			seq = spAppendZeros(seq, index-first)
		}
		seq = append(seq, spValOp(int(count), 1))
		if index != last {
			seq = spAppendZeros(seq, last-index)
		}
	}
	delta := len(seq) - size
	if delta > 0 && int64(len(v)+delta) > maxBytes {
		return promote(v, index, count)
	}
	v = spliceOp(v, p, size, seq)
	return sparseMergeVals(v, prev), true, nil
}

// sparseFind returns the offset p of the opcode of the sparse v that
// covers register index (len(v) if none does), the first register it
// covers, how many it covers, and the offset of the opcode before it (-1
// if none).
func sparseFind(v []byte, index int) (p, first, span, prev int) {
	prev = -1
	for p = hllHdrSize; p < len(v); {
		n, _, size := sparseOp(v, p)
		if index < first+n {
			return p, first, n, prev
		}
		prev = p
		p += size
		first += n
	}
	return len(v), first, 0, prev
}

// spliceOp replaces the opcode of size bytes at v[p] with seq, in place
// when v has room. An XZERO truncated by the end of v loses the byte
// past the new end, as in Redis.
func spliceOp(v []byte, p, size int, seq []byte) []byte {
	end := min(p+size, len(v))
	n := len(v) + len(seq) - size
	if cap(v) < n+1 {
		grown := make([]byte, len(v), n+min(n, 300)) // Redis's greed
		copy(grown, v)
		v = grown
	}
	tail := len(v) - end
	v = v[:max(len(v), p+len(seq)+tail)]
	copy(v[p+len(seq):], v[end:end+tail])
	copy(v[p:], seq)
	return v[:n]
}

// sparseMergeVals merges adjacent VAL opcodes of equal value whose runs
// fit in one, scanning up to five opcodes from prev (or the first), as
// Redis's step 4. It invalidates the cached cardinality.
func sparseMergeVals(v []byte, prev int) []byte {
	p := prev
	if p < 0 {
		p = hllHdrSize
	}
	for scan := 5; p < len(v) && scan > 0; scan-- {
		b := v[p]
		switch {
		case spIsXZero(b):
			p += 2
			continue
		case spIsZero(b):
			p++
			continue
		}
		if p+1 < len(v) && spIsVal(v[p+1]) {
			if val := spValValue(b); val == spValValue(v[p+1]) {
				if n := spValLen(b) + spValLen(v[p+1]); n <= sparseValMaxLen {
					v[p+1] = spValOp(val, n)
					v = append(v[:p], v[p+1:]...)
					continue
				}
			}
		}
		p++
	}
	hllInvalidate(v)
	return v
}

// promote converts the sparse v to dense and sets register index to count.
func promote(v []byte, index int, count uint8) ([]byte, bool, error) {
	d, err := sparseToDense(v)
	if err != nil {
		return v, false, err
	}
	denseSet(d[hllHdrSize:], index, count)
	return d, true, nil
}

// sparseHisto adds the sparse registers of v to histo. A code that does
// not cover exactly 16384 registers is ErrHLLInvalid.
func sparseHisto(v []byte, histo *[64]int) error {
	nonzero := 0
	err := sparseEach(v, func(_, n int, val uint8) {
		histo[val] += n
		nonzero += n
	})
	histo[0] += hllRegisters - nonzero
	return err
}

// --- operations on a whole value ---

// hllAdd adds ele to the HLL v (checked by hllCheck) and reports whether
// a register changed. It returns the value, v or a new slice.
func hllAdd(v, ele []byte, maxBytes int64) ([]byte, bool, error) {
	index, count := hllPatLen(ele)
	if v[4] == hllDense {
		return v, denseSet(v[hllHdrSize:], index, count), nil
	}
	return sparseSet(v, index, count, maxBytes)
}

// hllAddWouldChange reports whether adding ele to v would change a
// register, without changing v. It is true for a sparse code that does
// not reach the register: the add then reports the corruption.
func hllAddWouldChange(v, ele []byte) bool {
	index, count := hllPatLen(ele)
	if v[4] == hllDense {
		return count > denseGet(v[hllHdrSize:], index)
	}
	p, _, _, _ := sparseFind(v, index)
	if p >= len(v) {
		return true
	}
	_, val, _ := sparseOp(v, p)
	return val < int(count)
}

// hllCount computes the cardinality of v, ignoring the cache. A sparse
// code that does not cover 16384 registers is ErrHLLInvalid.
func hllCount(v []byte) (uint64, error) {
	var histo [64]int
	if v[4] == hllDense {
		denseHisto(v[hllHdrSize:], &histo)
	} else if err := sparseHisto(v, &histo); err != nil {
		return 0, err
	}
	return hllEstimate(&histo), nil
}

// hllMerge raises each of dst's registers to v's where v's is higher.
// A sparse code that does not cover exactly 16384 registers is
// ErrHLLInvalid (dst may then be partly merged).
func hllMerge(dst *[hllRegisters]uint8, v []byte) error {
	if v[4] == hllDense {
		regs := v[hllHdrSize:hllDenseSize]
		for i, j := 0, 0; i+3 < len(dst) && j+2 < len(regs); i, j = i+4, j+3 {
			b0, b1, b2 := regs[j], regs[j+1], regs[j+2]
			dst[i] = max(dst[i], b0&63)
			dst[i+1] = max(dst[i+1], (b0>>6|b1<<2)&63)
			dst[i+2] = max(dst[i+2], (b1>>4|b2<<4)&63)
			dst[i+3] = max(dst[i+3], b2>>2)
		}
		return nil
	}
	return sparseEach(v, func(i, n int, val uint8) {
		for j := i; j < i+n; j++ {
			dst[j] = max(dst[j], val)
		}
	})
}

// rawHisto adds registers held one per byte to histo.
func rawHisto(regs *[hllRegisters]uint8, histo *[64]int) {
	for _, r := range regs {
		histo[r&63]++
	}
}

// hllSigma and hllTau are the helper functions of Otmar Ertl's "New
// cardinality estimation algorithms for HyperLogLog sketches"
// (arXiv:1702.01284), computed as Redis computes them. The explicit
// float64 conversions forbid fused multiply-adds, which would round
// differently from Redis.
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += float64(x * y)
		y += y
		if prev == z {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if prev == z {
			return z / 3
		}
	}
}

// hllEstimate is Redis 7.0's estimator over the register histogram.
func hllEstimate(histo *[64]int) uint64 {
	const m = float64(hllRegisters)
	z := m * hllTau((m-float64(histo[hllQ+1]))/m)
	for j := hllQ; j >= 1; j-- {
		z += float64(histo[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(histo[0])/m))
	e := math.Round(hllAlphaInf * m * m / z)
	if !(e < 1<<63) { // Redis's llroundl overflows to LLONG_MIN
		return 1 << 63
	}
	return uint64(e)
}

// sparseDecode appends PFDEBUG DECODE's text for the sparse v:
// "z:len", "Z:len" and "v:value,len", separated by spaces.
func sparseDecode(dst, v []byte) []byte {
	for p := hllHdrSize; p < len(v); {
		if p > hllHdrSize {
			dst = append(dst, ' ')
		}
		n, val, size := sparseOp(v, p)
		switch {
		case val != 0:
			dst = append(dst, "v:"...)
			dst = strconv.AppendInt(dst, int64(val), 10)
			dst = append(dst, ',')
		case size == 1:
			dst = append(dst, "z:"...)
		default:
			dst = append(dst, "Z:"...)
		}
		dst = strconv.AppendInt(dst, int64(n), 10)
		p += size
	}
	return dst
}
