package command

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"redpool/backend"
)

// TestHLLGolden compares the representation with what Redis 7.0.15 stores
// after the same PFADDs (GET's bytes, checked by hash for the large
// ones), before and after PFCOUNT caches the cardinality.
func TestHLLGolden(t *testing.T) {
	_, c := newMemoryCtx(t)
	execAll(c, "PFADD g1 a b c d e")
	want := "48594c4c0100000000000000000000805c7b8044768050b184498c80426d80425a"
	if got := hex.EncodeToString(getValue(t, c, "g1")); got != want {
		t.Errorf("g1 = %s\nwant %s", got, want)
	}
	if got := execAll(c, "PFCOUNT g1"); got != ":5\r\n" {
		t.Errorf("PFCOUNT g1 = %q", got)
	}
	want = "48594c4c0100000005000000000000005c7b8044768050b184498c80426d80425a"
	if got := hex.EncodeToString(getValue(t, c, "g1")); got != want {
		t.Errorf("g1 after PFCOUNT = %s\nwant %s", got, want)
	}
	for _, tc := range []struct {
		key        string
		n          int
		size       int
		sum        string
		card       string
		enc        string
		sumCounted string
	}{
		{"g2", 1000, 1923, "69f56acb25eb29c671c402490a3f48ced31626444549899df85500aa1545d08f", "1001", "sparse", "7aba7a1e51e42bb6394317e057e944f80a42330cb58e14380ab40e4ba864bc39"},
		{"g3", 5000, 12304, "8082b2e9e81ef22fd929870153cde504a08eade7545b5c16c036daf87e195890", "4985", "dense", "5631d9dadff95537547841e1e177158b198f937d52348e00da9df68f3d8c0125"},
		{"g4", 100000, 12304, "342d02d4e254da74dca38a9fddbd2120f72428bce2f53f2568e9d8cd7b558a89", "99565", "dense", "1d3c14faefff3f6166a9bcb075bc40b76b23c078ebd534d4af5102d7061343db"},
	} {
		for i := 0; i < tc.n; i += 100 {
			args := []string{"PFADD", tc.key}
			for j := i; j < min(tc.n, i+100); j++ {
				args = append(args, strconv.Itoa(j))
			}
			execArgs(c, args...)
		}
		check := func(when, want string) {
			t.Helper()
			v := getValue(t, c, tc.key)
			sum := sha256.Sum256(v)
			if len(v) != tc.size || hex.EncodeToString(sum[:]) != want {
				t.Errorf("%s %s: %d bytes, sha256 %x; want %d, %s", tc.key, when, len(v), sum, tc.size, want)
			}
		}
		check("after PFADD", tc.sum)
		if got := execAll(c, "PFCOUNT "+tc.key, "PFDEBUG ENCODING "+tc.key); got != ":"+tc.card+"\r\n+"+tc.enc+"\r\n" {
			t.Errorf("%s: PFCOUNT, ENCODING = %q, want %s %s", tc.key, got, tc.card, tc.enc)
		}
		check("after PFCOUNT", tc.sumCounted)
	}
}

func getValue(t testing.TB, c *Ctx, key string) []byte {
	t.Helper()
	var v []byte
	err := c.e.backend.View(backend.TxOptions{Keys: [][]byte{[]byte(key)}}, func(tx backend.Tx) error {
		got, _, err := tx.Get([]byte(key))
		v = bytes.Clone(got)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestHLLTranscript checks the replies of the family, exact on the wire,
// on both backends: errors, PFCOUNT's cache, PFMERGE, PFDEBUG, and
// PFCOUNT inside EXEC; and what reaches the AOF: the commands that changed
// the value, PFCOUNT when it cached a cardinality, as Redis propagates.
func TestHLLTranscript(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		c, log := newLoggedCtx(t, b, clk)
		for _, step := range []struct{ cmd, want string }{
			{"PFADD h a b c", ":1\r\n"},
			{"PFADD h a", ":0\r\n"},
			{"PFADD h", ":0\r\n"},
			{"PFADD e", ":1\r\n"},
			{"PFCOUNT e", ":0\r\n"},
			{"PFCOUNT h", ":3\r\n"},
			{"PFCOUNT h e nokey", ":3\r\n"},
			{"PFCOUNT nokey", ":0\r\n"},
			{"SET s x", "+OK\r\n"},
			{"RPUSH l x", ":1\r\n"},
			{"PFADD s a", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"},
			{"PFCOUNT l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
			{"PFCOUNT h s", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"},
			{"PFMERGE d h nokey", "+OK\r\n"},
			{"PFCOUNT d", ":3\r\n"},
			{"PFMERGE s h", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"},
			{"PFDEBUG ENCODING d", "+sparse\r\n"},
			{"PFDEBUG DECODE e", "$7\r\nZ:16384\r\n"},
			{"PFDEBUG TODENSE d", ":1\r\n"},
			{"PFDEBUG TODENSE d", ":0\r\n"},
			{"PFDEBUG DECODE d", "-ERR HLL encoding is not sparse\r\n"},
			{"PFDEBUG foo d", "-ERR Unknown PFDEBUG subcommand 'foo'\r\n"},
			{"PFDEBUG foo nokey", "-ERR The specified key does not exist\r\n"},
			{"PFCOUNT d", ":3\r\n"},
			{"PFADD d x", ":1\r\n"},
			{"MULTI", "+OK\r\n"},
			{"PFCOUNT d", "+QUEUED\r\n"},
			{"EXEC", "*1\r\n:4\r\n"},
			{"PFCOUNT d", ":4\r\n"},
			{"SET bad HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x5f\xff", "+OK\r\n"},
			{"PFCOUNT bad", "-INVALIDOBJ Corrupted HLL object detected\r\n"},
			{"PFCOUNT bad h", "-INVALIDOBJ Corrupted HLL object detected\r\n"},
			{"PFMERGE h bad", "-INVALIDOBJ Corrupted HLL object detected\r\n"},
			{"PFDEBUG GETREG bad", "-INVALIDOBJ Corrupted HLL object detected\r\n"},
		} {
			if got := execAll(c, step.cmd); got != step.want {
				t.Errorf("%q: got %q, want %q", step.cmd, got, step.want)
			}
		}
		want := []string{"0: PFADD h a b c", "0: PFADD e", "0: PFCOUNT e", "0: PFCOUNT h", "0: SET s x",
			"0: RPUSH l x", "0: PFMERGE d h nokey", "0: PFCOUNT d", "0: PFDEBUG TODENSE d", "0: PFADD d x",
			"0: PFCOUNT d"} // EXEC's one write, alone
		want = append(want, "0: SET bad HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x5f\xff")
		if got := log.take(); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("AOF records:\n%q\nwant:\n%q", got, want)
		}
	})
}

// addDense is the reference: registers one per byte, as a dense HLL sees them.
func addDense(regs *[hllRegisters]uint8, ele []byte) {
	i, n := hllPatLen(ele)
	regs[i] = max(regs[i], n)
}

// TestHLLSparseMatchesReference feeds the same elements to the codec and
// to a plain array of registers, with several promotion limits: the
// registers, the changed flags and the counts must agree at every step,
// and a sparse value must stay within the limit.
func TestHLLSparseMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, maxBytes := range []int64{0, 30, 300, 3000, 12000} {
		var ref [hllRegisters]uint8
		v := hllNew()
		for i := range 6000 {
			ele := []byte(strconv.FormatUint(rng.Uint64(), 16))
			idx, n := hllPatLen(ele)
			wantChange := n > ref[idx]
			if got := hllAddWouldChange(v, ele); got != wantChange {
				t.Fatalf("max %d, add %d: would change %v, want %v", maxBytes, i, got, wantChange)
			}
			var changed bool
			var err error
			if v, changed, err = hllAdd(v, ele, maxBytes); err != nil || changed != wantChange {
				t.Fatalf("max %d, add %d: changed %v, %v; want %v", maxBytes, i, changed, err, wantChange)
			}
			addDense(&ref, ele)
			if v[4] == hllSparse && int64(len(v)) > max(maxBytes, hllHdrSize+2) {
				t.Fatalf("max %d: sparse value of %d bytes", maxBytes, len(v))
			}
			if i%97 != 0 && i < 5990 {
				continue
			}
			var got [hllRegisters]uint8
			if err := hllMerge(&got, v); err != nil || got != ref {
				t.Fatalf("max %d, add %d (%d bytes, encoding %d): registers differ (%v)", maxBytes, i, len(v), v[4], err)
			}
			var histo [64]int
			rawHisto(&ref, &histo)
			if n, err := hllCount(v); err != nil || n != hllEstimate(&histo) {
				t.Fatalf("max %d, add %d: count %d, %v; want %d", maxBytes, i, n, err, hllEstimate(&histo))
			}
		}
	}
}

// TestHLLDenseInPlace checks PFADD's register-by-register writes to a
// dense HLL against the codec's own adds, on both backends, with the
// first and last registers (the last ends its byte) among them.
func TestHLLDenseInPlace(t *testing.T) {
	var edge []string // elements for registers 0 and 16383
	for i := 0; len(edge) < 2; i++ {
		ele := "edge" + strconv.Itoa(i)
		if idx, _ := hllPatLen([]byte(ele)); (idx == 0 && len(edge) == 0) || (idx == hllRegisters-1 && len(edge) == 1) {
			edge = append(edge, ele)
		}
	}
	eachBackend(t, func(t *testing.T, b backend.Backend, clk *backend.ManualClock) {
		c, _ := newLoggedCtx(t, b, clk)
		want := hllNew()
		add := func(elems ...string) {
			t.Helper()
			changed := false
			for _, ele := range elems {
				var ch bool
				want, ch, _ = hllAdd(want, []byte(ele), 3000)
				changed = changed || ch
			}
			if changed {
				hllInvalidate(want)
			}
			execArgs(c, append([]string{"PFADD", "h"}, elems...)...)
			if got := getValue(t, c, "h"); !bytes.Equal(got, want) {
				t.Fatalf("after PFADD %q: value differs from the codec's (%d bytes, want %d)", elems, len(got), len(want))
			}
		}
		var batch []string
		for i := range 3000 {
			batch = append(batch, "x"+strconv.Itoa(i))
		}
		add(batch...)
		execAll(c, "PFCOUNT h")
		want, _ = hllSetCount(want)
		rng := rand.New(rand.NewPCG(3, 4))
		for i := range 400 {
			batch = batch[:0]
			for range 1 + rng.IntN(denseInPlaceMax) {
				batch = append(batch, "y"+strconv.Itoa(rng.IntN(1<<20)))
			}
			if i%50 == 0 {
				batch = append(batch[:min(len(batch), denseInPlaceMax-2)], edge...)
			}
			add(batch...)
		}
	})
}

// hllSetCount caches v's cardinality, as PFCOUNT does.
func hllSetCount(v []byte) ([]byte, error) {
	n, err := hllCount(v)
	hllSetCached(v[hllCacheAt:], n)
	return v, err
}

// TestHLLDenseRegisters checks that setting a register keeps the others.
func TestHLLDenseRegisters(t *testing.T) {
	if err := selftestRegisters(); err != nil {
		t.Fatal(err)
	}
}

// TestHLLEstimateEdges checks the estimator where Redis's arithmetic runs
// out: an empty HLL, and every register at 51 (a division by zero, which
// Redis's llroundl turns into the most negative integer).
func TestHLLEstimateEdges(t *testing.T) {
	var h [64]int
	h[0] = hllRegisters
	if n := hllEstimate(&h); n != 0 {
		t.Errorf("empty: %d", n)
	}
	h = [64]int{hllQ + 1: hllRegisters}
	if n := hllEstimate(&h); n != 1<<63 {
		t.Errorf("all 51: %d", n)
	}
}

// TestHLLPatLen checks the hash, index and run length on every tail
// length of MurmurHash64A: the register each element sets in Redis
// 7.0.15 (PFDEBUG DECODE after a PFADD of it alone).
func TestHLLPatLen(t *testing.T) {
	for _, tc := range []struct {
		ele   string
		index int
		count uint8
	}{
		{"", 5938, 2}, {"a", 12711, 2}, {"ab", 719, 1}, {"abc", 9474, 1}, {"abcd", 11070, 8},
		{"abcde", 3726, 4}, {"abcdef", 13647, 2}, {"abcdefg", 5634, 2}, {"abcdefgh", 1383, 1},
		{"abcdefghi", 6903, 1}, {"hello world, 17b!", 11095, 1}, {"\xff\x00\x80", 913, 1},
	} {
		if i, n := hllPatLen([]byte(tc.ele)); i != tc.index || n != tc.count {
			t.Errorf("%q: register %d = %d, want %d = %d", tc.ele, i, n, tc.index, tc.count)
		}
	}
}

// FuzzHLLDecode runs the codec over hostile values: no panic, and no
// allocation beyond a dense value and the value's own size.
func FuzzHLLDecode(f *testing.F) {
	f.Add(hllNew())
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x83\x87\x8b\x7f\xf2\xf8"))
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f"))
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80" + strings.Repeat("\x3f", 256)))
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe\x83"))
	f.Fuzz(func(t *testing.T, v []byte) {
		if hllCheck(v) != nil {
			return
		}
		v = bytes.Clone(v)
		_, _ = hllCount(v)
		var regs [hllRegisters]uint8
		_ = hllMerge(&regs, v)
		if d := sparseDecode(nil, v); len(d) > 12*len(v) {
			t.Fatalf("decode of %d bytes gave %d", len(v), len(d))
		}
		if d, err := sparseToDense(v); err == nil && len(d) != hllDenseSize {
			t.Fatalf("dense value of %d bytes", len(d))
		}
		for i := range 64 {
			ele := []byte{byte(i), byte(len(v))}
			var err error
			if v, _, err = hllAdd(v, ele, 3000); err != nil {
				break
			}
			if len(v) > max(3000, hllDenseSize) && v[4] == hllSparse {
				t.Fatalf("sparse value grew to %d bytes", len(v))
			}
		}
	})
}

// --- benchmarks ---

// BenchmarkPFAddDense adds one element (already counted) to a dense HLL:
// the common case of a large HLL, which needs no copy.
func BenchmarkPFAddDense(b *testing.B) {
	e, c := benchEngine(b)
	args := []string{"PFADD", "h"}
	for i := range 20000 {
		args = append(args, strconv.Itoa(i))
	}
	e.Exec(c, benchArgs(args...))
	c.Reset()
	benchExec(b, e, c, benchArgs("PFADD", "h", "17"), ":0\r\n")
}

// BenchmarkPFAddDenseChange adds elements that change a dense HLL (a
// register raised, the value copied and stored).
func BenchmarkPFAddDenseChange(b *testing.B) {
	e, c := benchEngine(b)
	execArgs(c, "PFMERGE", "h")
	execArgs(c, "PFDEBUG", "TODENSE", "h")
	elems := make([][]byte, 4096)
	for i := range elems {
		elems[i] = []byte("e" + strconv.Itoa(i))
	}
	args := [][]byte{[]byte("PFADD"), []byte("h"), nil}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		args[2] = elems[i%len(elems)]
		if i%len(elems) == 0 {
			execArgs(c, "DEL", "h")
			execArgs(c, "PFMERGE", "h")
			execArgs(c, "PFDEBUG", "TODENSE", "h")
		}
		e.Exec(c, args)
		c.Reset()
		i++
	}
}

// BenchmarkPFAddSparse adds new elements to a small sparse HLL.
func BenchmarkPFAddSparse(b *testing.B) {
	e, c := benchEngine(b)
	args := [][]byte{[]byte("PFADD"), []byte("h"), nil}
	elems := make([][]byte, 200)
	for i := range elems {
		elems[i] = []byte("e" + strconv.Itoa(i))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%len(elems) == 0 {
			execArgs(c, "DEL", "h")
		}
		args[2] = elems[i%len(elems)]
		e.Exec(c, args)
		c.Reset()
		i++
	}
}

// BenchmarkPFCountCached counts a dense HLL whose cardinality is cached.
func BenchmarkPFCountCached(b *testing.B) {
	e, c := benchEngine(b)
	args := []string{"PFADD", "h"}
	for i := range 20000 {
		args = append(args, strconv.Itoa(i))
	}
	execArgs(c, args...)
	out := execAll(c, "PFCOUNT h")
	benchExec(b, e, c, benchArgs("PFCOUNT", "h"), out)
}

// BenchmarkHLLCountDense is the estimator over a dense HLL's 16384
// registers: what PFCOUNT costs when the cache is invalid.
func BenchmarkHLLCountDense(b *testing.B) {
	_, c := benchEngine(b)
	args := []string{"PFADD", "h"}
	for i := range 20000 {
		args = append(args, strconv.Itoa(i))
	}
	execArgs(c, args...)
	v := getValue(b, c, "h")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := hllCount(v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPFCountUnion counts the union of three dense HLLs.
func BenchmarkPFCountUnion(b *testing.B) {
	e, c := benchEngine(b)
	for _, k := range []string{"a", "b", "c"} {
		args := []string{"PFADD", k}
		for i := range 20000 {
			args = append(args, k+strconv.Itoa(i))
		}
		e.Exec(c, benchArgs(args...))
		c.Reset()
	}
	out := execAll(c, "PFCOUNT a b c")
	benchExec(b, e, c, benchArgs("PFCOUNT", "a", "b", "c"), out)
}
