package command

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"

	"redpool/backend"
)

// The HyperLogLog family, as Redis 7.0's hyperloglog.c. An HLL is a
// string value in Redis's own representation (hll.go), read and written
// whole through the string operations of the backend: TYPE says string,
// GET returns Redis's bytes, and the persistence code needs nothing new.

func hllCommands() []Spec {
	return []Spec{
		{Name: "pfadd", Arity: -2, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: pfadd, Group: "hyperloglog", Summary: "Adds the specified elements to the specified HyperLogLog.", Since: "2.8.9"},
		// PFCOUNT is read-only to Redis's command table, yet a single-key
		// PFCOUNT stores the cardinality it computed in the value's header
		// (and leaves the string raw): it runs in a write transaction.
		{Name: "pfcount", Arity: -2, Flags: ReadOnly | UpdateTx, Keys: KeySpec{1, -1, 1}, Run: pfcount, Group: "hyperloglog", Summary: "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", Since: "2.8.9"},
		{Name: "pfmerge", Arity: -2, Flags: Write, Keys: KeySpec{1, -1, 1}, Run: pfmerge, Group: "hyperloglog", Summary: "Merge N different HyperLogLogs into a single one.", Since: "2.8.9"},
		{Name: "pfdebug", Arity: 3, Flags: Write | Admin, Keys: KeySpec{2, 2, 1}, Run: pfdebug, Group: "hyperloglog", Summary: "Internal commands for debugging HyperLogLog values", Since: "2.8.9"},
		{Name: "pfselftest", Arity: 1, Flags: Admin, Run: pfselftest, Group: "hyperloglog", Summary: "An internal command for testing HyperLogLog values", Since: "2.8.9"},
	}
}

// getHLL returns key's HLL value (nil if the key does not exist). The
// slice belongs to the backend: read it only, during the transaction.
func getHLL(c *Ctx, key []byte) ([]byte, error) {
	v, ok, err := c.Tx.Get(key)
	if err != nil || !ok {
		return nil, err
	}
	return v, hllCheck(v)
}

// hllSparseMax is the hll-sparse-max-bytes parameter.
func hllSparseMax(c *Ctx) int64 { return paramInt(c, "hll-sparse-max-bytes", 3000) }

// cloneHLL returns a copy of v the command may change, with room for a
// sparse value to grow a little in place.
func cloneHLL(v []byte) []byte {
	extra := 0
	if v[4] == hllSparse {
		extra = 16
	}
	w := make([]byte, len(v), len(v)+extra)
	copy(w, v)
	return w
}

// writableHLL returns a copy of the HLL v to change, or a new empty HLL
// if v is nil, and whether it is new.
func writableHLL(v []byte) ([]byte, bool) {
	if v == nil {
		return hllNew(), true
	}
	return cloneHLL(v), false
}

// storeHLL replaces key's value with the HLL v, keeping its expiry. The
// value is a raw string, as Redis's HLL writers leave it.
func storeHLL(c *Ctx, key, v []byte) error {
	if err := c.Tx.Set(key, v, 0, true); err != nil {
		return err
	}
	return c.Tx.SetStringForm(key, backend.StringRaw)
}

// pfadd is PFADD key [element ...]: 1 if a register changed (or the key
// was created), else 0.
func pfadd(c *Ctx) error {
	key, elems := c.Args[1], c.Args[2:]
	v, err := getHLL(c, key)
	if err != nil {
		return err
	}
	if v != nil {
		// Most adds to a large HLL change nothing: find the first that
		// does before copying the value.
		for len(elems) > 0 && !hllAddWouldChange(v, elems[0]) {
			elems = elems[1:]
		}
		if len(elems) == 0 {
			// Redis unshares the string (making it raw) even so.
			if err := c.Tx.SetStringForm(key, backend.StringRaw); err != nil {
				return err
			}
			c.Int(0)
			return nil
		}
	}
	if v != nil && v[4] == hllDense && len(elems) <= denseInPlaceMax {
		return pfaddDense(c, key, elems)
	}
	v, created := writableHLL(v)
	var maxBytes int64
	if v[4] == hllSparse {
		maxBytes = hllSparseMax(c)
	}
	updated := 0
	for _, ele := range elems {
		var changed bool
		if v, changed, err = hllAdd(v, ele, maxBytes); err != nil {
			return pfaddCorrupt(c, key, v, updated)
		}
		if changed {
			updated++
		}
	}
	if created {
		updated++
	}
	if updated == 0 {
		c.Int(0)
		return nil
	}
	hllInvalidate(v)
	if err := storeHLL(c, key, v); err != nil {
		return err
	}
	c.Dirty(int64(updated))
	if created {
		c.Notify(NotifyNew, "new", key)
	}
	c.Notify(NotifyString, "pfadd", key)
	c.Int(1)
	return nil
}

// denseInPlaceMax is the most elements pfaddDense takes: beyond, copying
// the value once costs less than their writes.
const denseInPlaceMax = 8

// pfaddDense adds elems to key's dense HLL by writing the bytes of each
// register that grows (SETRANGE's operation), where a copy of the value
// would move 12 KB twice. The first element changes a register.
func pfaddDense(c *Ctx, key []byte, elems [][]byte) error {
	updated := 0
	var v []byte
	for _, ele := range elems {
		var err error
		if v, _, err = c.Tx.Get(key); err != nil { // changed by the last write
			return err
		}
		index, count := hllPatLen(ele)
		regs := v[hllHdrSize:]
		if count <= denseGet(regs, index) {
			continue
		}
		b := index * hllBits / 8
		var w [2]byte
		n := copy(w[:], regs[b:])
		putReg(w[:n], uint(index*hllBits&7), count)
		if _, err := c.Tx.SetRange(key, int64(hllHdrSize+b), w[:n]); err != nil {
			return err
		}
		updated++
	}
	if v[15]&hllCardInvalid == 0 {
		if _, err := c.Tx.SetRange(key, 15, []byte{v[15] | hllCardInvalid}); err != nil {
			return err
		}
	}
	c.Dirty(int64(updated))
	c.Notify(NotifyString, "pfadd", key)
	c.Int(1)
	return nil
}

// pfaddCorrupt ends a PFADD that met a corrupt sparse HLL after changing
// registers for earlier elements: Redis changes its value in place, so
// those changes stay, with no event and nothing propagated, and the reply
// is the error.
func pfaddCorrupt(c *Ctx, key, v []byte, updated int) error {
	if updated > 0 {
		if err := storeHLL(c, key, v); err != nil {
			return err
		}
	}
	c.Error(ErrHLLInvalid)
	return nil
}

// pfcount is PFCOUNT key [key ...]: the cardinality of one HLL, cached in
// its header, or of the union of several.
func pfcount(c *Ctx) error {
	if len(c.Args) > 2 {
		return pfcountUnion(c)
	}
	return pfcountOne(c)
}

// pfcountOne counts the HLL at c.Args[1]: the cached cardinality if it is
// valid (a read of the header), else the estimate, which it caches. As
// Redis unshares the string before it looks at the cache, it leaves the
// value raw whatever it finds, a corrupt one included; a dense value
// (12304 bytes) reads as raw in every form, so only a sparse one needs
// the change. Inside a read-only script (EVAL_RO, FCALL_RO) the value
// stays as it is; the count is the same.
func pfcountOne(c *Ctx) error {
	key := c.Args[1]
	v, err := getHLL(c, key)
	if err != nil || v == nil {
		if err == nil {
			c.Int(0)
		}
		return err
	}
	if v[4] == hllSparse {
		if err := c.Tx.SetStringForm(key, backend.StringRaw); err != nil && !errors.Is(err, backend.ErrReadOnlyTx) {
			return err
		}
	}
	if card, ok := hllCached(v); ok {
		c.Int(int64(card))
		return nil
	}
	card, err := hllCount(v)
	if err != nil {
		// The value stays raw, as in Redis: a reply, not a failed command.
		c.Error(ErrHLLInvalid)
		return nil
	}
	// The 8 bytes of the cache, written in place as Redis writes them.
	var cache [8]byte
	hllSetCached(cache[:], card)
	switch _, err := c.Tx.SetRange(key, hllCacheAt, cache[:]); {
	case err == nil:
		c.Dirty(1)
	case !errors.Is(err, backend.ErrReadOnlyTx):
		return err
	}
	c.Int(int64(card))
	return nil
}

// pfcountUnion counts the union of the HLLs at c.Args[1:] (missing keys
// are empty) without changing them.
func pfcountUnion(c *Ctx) error {
	var regs [hllRegisters]uint8
	if _, err := mergeHLLs(c, &regs, c.Args[1:], false); err != nil {
		return err
	}
	var histo [64]int
	rawHisto(&regs, &histo)
	c.Int(int64(hllEstimate(&histo)))
	return nil
}

// mergeHLLs raises regs to the registers of the HLLs at keys (missing
// keys are empty) and reports whether one of them is dense. With miss,
// each missing key raises "keymiss" (a Write command's reads; the
// dispatcher raises ReadOnly commands' own).
func mergeHLLs(c *Ctx, regs *[hllRegisters]uint8, keys [][]byte, miss bool) (dense bool, err error) {
	for _, key := range keys {
		v, err := getHLL(c, key)
		if err != nil {
			return false, err
		}
		if miss {
			c.readLookup(key, v != nil)
		}
		if v == nil {
			continue
		}
		if v[4] == hllDense {
			dense = true
		}
		if err := hllMerge(regs, v); err != nil {
			return false, err
		}
	}
	return dense, nil
}

// pfmerge is PFMERGE destkey [sourcekey ...]: destkey becomes the union of
// itself and the sources, dense if any of them is.
func pfmerge(c *Ctx) error {
	dst := c.Args[1]
	var regs [hllRegisters]uint8
	dense, err := mergeHLLs(c, &regs, c.Args[1:], true)
	if err != nil {
		return err
	}
	v, err := getHLL(c, dst)
	if err != nil {
		return err
	}
	v, created := writableHLL(v)
	if dense {
		if v, err = sparseToDense(v); err != nil {
			return err
		}
	}
	var maxBytes int64
	if v[4] == hllSparse {
		maxBytes = hllSparseMax(c)
	}
	for i, r := range regs {
		switch {
		case r == 0:
		case v[4] == hllDense:
			denseSet(v[hllHdrSize:], i, r)
		default:
			if v, _, err = sparseSet(v, i, r, maxBytes); err != nil {
				return err
			}
		}
	}
	hllInvalidate(v)
	if err := storeHLL(c, dst, v); err != nil {
		return err
	}
	c.Dirty(1)
	if created {
		c.Notify(NotifyNew, "new", dst)
	}
	// Redis reports a merge as a PFADD: in effect a mass add of elements.
	c.Notify(NotifyString, "pfadd", dst)
	c.OK()
	return nil
}

// pfdebug is PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. GETREG and
// TODENSE convert a sparse value to dense.
func pfdebug(c *Ctx) error {
	sub, key := c.Args[1], c.Args[2]
	v, err := getHLL(c, key)
	if err != nil {
		return err
	}
	if v == nil {
		return ErrHLLNoKey
	}
	switch {
	case equalFold(sub, "getreg"):
		if v, _, err = pfdebugToDense(c, key, v); err != nil {
			return err
		}
		regs := v[hllHdrSize:]
		c.Array(hllRegisters)
		for i := range hllRegisters {
			c.Int(int64(denseGet(regs, i)))
		}
	case equalFold(sub, "decode"):
		if v[4] != hllSparse {
			return ErrHLLNotSparse
		}
		c.Bulk(sparseDecode(nil, v))
	case equalFold(sub, "encoding"):
		if v[4] == hllSparse {
			c.Simple("sparse")
		} else {
			c.Simple("dense")
		}
	case equalFold(sub, "todense"):
		_, conv, err := pfdebugToDense(c, key, v)
		if err != nil {
			return err
		}
		c.Bool(conv)
	default:
		return UnknownPFDebug(sub)
	}
	return nil
}

// pfdebugToDense stores key's sparse HLL v as dense, and returns the dense
// value and whether it converted.
func pfdebugToDense(c *Ctx, key, v []byte) ([]byte, bool, error) {
	if v[4] == hllDense {
		return v, false, nil
	}
	d, err := sparseToDense(v)
	if err != nil {
		return nil, false, err
	}
	if err := storeHLL(c, key, d); err != nil {
		return nil, false, err
	}
	c.Dirty(1)
	return d, true, nil
}

// pfselftest is PFSELFTEST, Redis's self-test of the codec: dense
// registers keep what is set in them without touching their neighbours,
// and dense and sparse HLLs fed the same ten million elements agree and
// stay within six standard errors of the truth.
func pfselftest(c *Ctx) error {
	if err := selftestRegisters(); err != nil {
		return err
	}
	if err := selftestEstimate(hllSparseMax(c)); err != nil {
		return err
	}
	c.OK()
	return nil
}

func selftestRegisters() error {
	regs := make([]byte, hllDenseSize-hllHdrSize)
	var want [hllRegisters]uint8
	for range 1000 {
		for i := range want {
			want[i] = uint8(rand.Uint32() & hllRegMax)
			denseSetReg(regs, i, want[i])
		}
		for i, w := range want {
			if got := denseGet(regs, i); got != w {
				return HLLTestFailed("Register " + strconv.Itoa(i) + " should be " + strconv.Itoa(int(w)) + " but is " + strconv.Itoa(int(got)))
			}
		}
	}
	return nil
}

func selftestEstimate(maxBytes int64) error {
	dense := make([]byte, hllDenseSize)
	copy(dense, "HYLL")
	sparse := hllNew()
	relerr := 1.04 / math.Sqrt(hllRegisters)
	seed := rand.Uint64()
	var ele [8]byte
	checkpoint := int64(1)
	for j := int64(1); j <= 10_000_000; j++ {
		binary.LittleEndian.PutUint64(ele[:], uint64(j)^seed)
		index, count := hllPatLen(ele[:])
		denseSet(dense[hllHdrSize:], index, count)
		var err error
		if sparse, _, err = hllAdd(sparse, ele[:], maxBytes); err != nil {
			return err
		}
		if j != checkpoint {
			continue
		}
		if j < maxBytes/2 && sparse[4] != hllSparse {
			return HLLTestFailed("sparse encoding not used")
		}
		d, _ := hllCount(dense)
		s, err := hllCount(sparse)
		if err != nil || d != s {
			return HLLTestFailed("dense/sparse disagree")
		}
		abserr := checkpoint - int64(d)
		maxerr := int64(math.Ceil(relerr * 6 * float64(checkpoint)))
		if j == 10 {
			maxerr = 1
		}
		if abserr < 0 {
			abserr = -abserr
		}
		if abserr > maxerr {
			return HLLTestFailed("Too big error. card:" + strconv.FormatInt(checkpoint, 10) + " abserr:" + strconv.FormatInt(abserr, 10))
		}
		checkpoint *= 10
	}
	return nil
}
