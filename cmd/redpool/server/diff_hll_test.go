package server_test

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// Differential tests of the HyperLogLog family against a real Redis, in
// RESP2 and RESP3, on both backends. GET after each change compares the
// representation itself, byte for byte: header, cached cardinality,
// sparse opcodes, dense registers.

var hllBasicCases = script(
	"SET str x", "RPUSH l a", "SET empty ''",
	"PFADD", "PFCOUNT", "PFMERGE", "PFDEBUG", "PFDEBUG GETREG", "PFDEBUG GETREG h x", "PFSELFTEST x",
	"PFADD h", "GET h", "PFADD h", "PFCOUNT h", "GET h", "PFADD h a b c", "GET h", "PFADD h a", "PFADD h a b c",
	"PFCOUNT h", "GET h", "PFCOUNT h", "PFADD h d", "GET h", "PFADD h ''", "PFCOUNT h", "TYPE h", "STRLEN h",
	"PFADD str a", "PFADD l a", "PFADD empty a", "PFADD str", "PFCOUNT str", "PFCOUNT l", "PFCOUNT empty",
	"PFCOUNT nokey", "PFCOUNT nokey nokey2", "PFCOUNT h nokey", "PFCOUNT h h", "PFCOUNT h str", "PFCOUNT str h",
	"PFCOUNT h l", "PFCOUNT nokey l",
	"PFADD h2 c d e f", "PFCOUNT h h2", "GET h2",
	"PFMERGE d h h2", "GET d", "PFCOUNT d", "PFMERGE d", "GET d", "PFMERGE d nokey", "GET d",
	"PFMERGE d2 nokey nokey2", "GET d2", "EXISTS d2", "PFMERGE d3", "GET d3",
	"PFMERGE str h", "PFMERGE d str", "PFMERGE l h", "PFMERGE h l", "PFMERGE empty h", "GET str",
	"PFMERGE h h", "GET h", "PFMERGE h2 h", "GET h2",
	"PFDEBUG ENCODING h", "PFDEBUG DECODE h", "PFDEBUG encoding h", "PFDEBUG decode h2",
	"PFDEBUG GETREG nokey", "PFDEBUG bogus nokey", "PFDEBUG bogus h", "PFDEBUG bogus str", "PFDEBUG ENCODING str",
	"PFDEBUG ENCODING l", "PFDEBUG DECODE empty", "PFDEBUG TODENSE h", "PFDEBUG TODENSE h", "PFDEBUG ENCODING h",
	"PFDEBUG DECODE h", "GET h", "PFCOUNT h", "GET h", "PFADD h zz", "GET h", "PFCOUNT h",
	"PFDEBUG GETREG h2", "PFDEBUG ENCODING h2", "GET h2", "PFDEBUG getreg d",
	"PFMERGE d3 h2", "PFDEBUG ENCODING d3", "GET d3", "PFMERGE d4 d3 h", "PFDEBUG ENCODING d4", "PFCOUNT d4",
	"PFADD t a", "EXPIRE t 100", "PFADD t b c", "PFCOUNT t", "PFMERGE t h2", "PFDEBUG TODENSE t", "PFADD t y z",
	"GET t", "PFCOUNT t", "PFADD t y", "PERSIST t",
	"COMMAND GETKEYS PFADD h a", "COMMAND GETKEYS PFCOUNT a b c", "COMMAND GETKEYS PFMERGE d a b",
	"COMMAND GETKEYS PFDEBUG GETREG h", "COMMAND GETKEYS PFSELFTEST",
	"MULTI", "PFADD m a", "PFCOUNT m", "PFMERGE m2 m", "GET m2", "EXEC", "GET m",
	"PFADD m3 q", "MULTI", "PFCOUNT m3", "GET m3", "EXEC", "GET m3",
)

// hllConfigCases change hll-sparse-max-bytes and watch the promotion to
// dense follow it.
var hllConfigCases = script(
	"CONFIG GET hll-sparse-max-bytes", "CONFIG SET hll-sparse-max-bytes 30", "CONFIG GET hll-sparse-max-bytes",
	"PFADD s a b c d", "PFDEBUG ENCODING s", "GET s", "PFADD s e f g h i j k l m n o p", "PFDEBUG ENCODING s",
	"PFCOUNT s", "GET s", "PFADD s2 a", "PFMERGE s3 s2", "PFDEBUG ENCODING s3", "PFMERGE s4 s2 s", "GET s4",
	"CONFIG SET hll-sparse-max-bytes 0", "PFADD s5 a", "GET s5", "PFADD s5 b", "PFDEBUG ENCODING s5",
	"CONFIG SET hll-sparse-max-bytes 1kb", "CONFIG GET hll-sparse-max-bytes", "CONFIG SET hll-sparse-max-bytes -1",
	"CONFIG SET hll-sparse-max-bytes x", "CONFIG GET hll-sparse-max-bytes", "CONFIG SET hll-sparse-max-bytes 3000",
	"CONFIG GET hll-sparse-max-bytes",
)

func TestDiffHLLBasics(t *testing.T) { diffScript(t, hllBasicCases) }
func TestDiffHLLConfig(t *testing.T) { diffScript(t, hllConfigCases) }

// TestDiffHLLSelfTest runs PFSELFTEST, ten million adds (a minute under
// the race detector), once: it touches no key.
func TestDiffHLLSelfTest(t *testing.T) {
	if testing.Short() {
		t.Skip("PFSELFTEST adds ten million elements")
	}
	r := servertest.StartRedis(t)
	s := servertest.Start(t)
	d := servertest.NewDiff(t, r.Addr, s.Addr, 2)
	rc, pc := d.Conns()
	rc.Send("PFSELFTEST")
	pc.Send("PFSELFTEST")
	for name, c := range map[string]*servertest.Conn{"redis": rc, "redpool": pc} {
		if got, err := c.TryRead(5 * time.Minute); err != nil || got != "+OK\r\n" {
			t.Errorf("%s: PFSELFTEST = %q, %v", name, got, err)
		}
	}
}

// hllElems returns n random elements: short strings, integers and binary
// strings, some repeated.
func hllElems(rng *rand.Rand, n int) []string {
	out := make([]string, n)
	for i := range out {
		switch rng.IntN(3) {
		case 0:
			out[i] = strconv.Itoa(rng.IntN(100000))
		case 1:
			out[i] = "e:" + strconv.FormatUint(rng.Uint64(), 36)
		default:
			b := make([]byte, rng.IntN(24))
			for j := range b {
				b[j] = byte(rng.UintN(256))
			}
			out[i] = string(b)
		}
	}
	return out
}

// TestDiffHLLRandom feeds random PFADD batches, small and large, to HLLs
// until they are dense, comparing every reply and the bytes of every
// value with Redis; then merges them, sparse with dense.
func TestDiffHLLRandom(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		rng := rand.New(rand.NewPCG(uint64(proto), 18))
		keys := []string{"a", "b", "c"}
		for round := 0; round < 60; round++ {
			key := keys[round%len(keys)]
			n := 1 + rng.IntN(8)
			if round%5 == 4 {
				n = 200 + rng.IntN(1500)
			}
			d.Do(append([]string{"PFADD", key}, hllElems(rng, n)...)...)
			d.Do("GET", key)
			d.Do("PFCOUNT", key)
			d.Do("GET", key)
			if round%4 == 0 {
				d.Do("PFDEBUG", "ENCODING", key)
			}
		}
		d.Do("PFADD", "small", "x", "y", "z")
		for _, k := range keys {
			if enc := d.Do("PFDEBUG", "ENCODING", k); enc != "+dense\r\n" {
				t.Errorf("%s is %q after the large batches, want dense", k, enc)
			}
		}
		d.Do("PFCOUNT", "a", "b", "c", "small", "nokey")
		d.Do("PFMERGE", "m1", "small", "a")
		d.Do("GET", "m1")
		d.Do("PFMERGE", "small", "a", "b")
		d.Do("GET", "small")
		d.Do("PFADD", "small2", "q")
		d.Do("PFMERGE", "small2", "small2", "small")
		d.Do("GET", "small2")
		d.Do("PFCOUNT", "small2")
		d.Do("PFMERGE", "all", "a", "b", "c", "nokey", "small2")
		d.Do("PFCOUNT", "all")
		d.Do("GET", "all")
		d.Do("PFDEBUG", "GETREG", "all")
		// Sparse with sparse: the result stays sparse or is promoted by size.
		for i, n := range []int{300, 400, 50, 900} {
			d.Do(append([]string{"PFADD", "p" + strconv.Itoa(i)}, hllElems(rng, n)...)...)
		}
		d.Do("PFMERGE", "pq", "p0", "p1")
		d.Do("PFDEBUG", "ENCODING", "pq")
		d.Do("GET", "pq")
		d.Do("PFMERGE", "p2", "p2", "p0")
		d.Do("PFDEBUG", "ENCODING", "p2")
		d.Do("GET", "p2")
		d.Do("PFMERGE", "p3", "p1", "p2")
		d.Do("GET", "p3")
		d.Do("PFCOUNT", "p0", "p1", "p2", "p3")
		t.Logf("%d cases compared", d.Cases)
	})
}

// hllHeader is an HLL header: magic, encoding, cached cardinality (with
// the invalid bit set if !valid).
func hllHeader(enc byte, card uint64, valid bool) []byte {
	h := make([]byte, 16)
	copy(h, "HYLL")
	h[4] = enc
	binary.LittleEndian.PutUint64(h[8:], card)
	if !valid {
		h[15] |= 0x80
	}
	return h
}

// denseHLL returns a dense HLL with the registers reg(i).
func denseHLL(reg func(i int) byte) string {
	v := hllHeader(0, 0, false)
	regs := make([]byte, 12288)
	for i := range 16384 {
		val, b, fb := uint(reg(i)), i*6/8, uint(i*6%8)
		regs[b] |= byte(val << fb)
		if b+1 < len(regs) {
			regs[b+1] |= byte(val >> (8 - fb))
		}
	}
	return string(append(v, regs...))
}

// TestDiffHLLRedisBytes sets the same bytes on both servers, HLLs that
// Redis produced and HLLs built by hand (valid, odd and corrupt), and
// compares what every command makes of them.
func TestDiffHLLRedisBytes(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		rc, pc := d.Conns()
		rng := rand.New(rand.NewPCG(7, uint64(proto)))
		// Produced by Redis, counted by redpool.
		for i, n := range []int{1, 10, 100, 500, 2000, 20000} {
			key := "r" + strconv.Itoa(i)
			rc.Do(append([]string{"PFADD", key}, hllElems(rng, n)...)...)
			if i%2 == 0 {
				rc.Do("PFCOUNT", key) // a valid cached cardinality
			}
			v := bulk(t, rc.Do("GET", key))
			pc.Do("SET", key, v)
			d.Do("GET", key)
			d.Do("PFCOUNT", key)
			d.Do("GET", key)
			d.Do("PFADD", key, "one", "more")
			d.Do("GET", key)
		}
		d.Do("PFCOUNT", "r0", "r1", "r2", "r3", "r4", "r5")
		// Hand-made: odd registers, the estimator's edges, corruption.
		hdr := func(enc byte) string { return string(hllHeader(enc, 0, false)) }
		values := map[string]string{
			"dense-max":      denseHLL(func(int) byte { return 63 }),
			"dense-51":       denseHLL(func(int) byte { return 51 }),
			"dense-50":       denseHLL(func(int) byte { return 50 }),
			"dense-rand":     denseHLL(func(int) byte { return byte(rng.IntN(64)) }),
			"dense-low":      denseHLL(func(i int) byte { return byte(i % 3) }),
			"dense-zero":     denseHLL(func(int) byte { return 0 }),
			"dense-short":    denseHLL(func(int) byte { return 1 })[:12303],
			"dense-long":     denseHLL(func(int) byte { return 1 }) + "x",
			"cached":         string(hllHeader(1, 12345, true)) + "\x7f\xff",
			"bad-magic":      "HYLX" + hdr(1)[4:] + "\x7f\xff",
			"bad-enc":        string(hllHeader(2, 0, false)) + "\x7f\xff",
			"header-only":    hdr(1),
			"too-short":      hdr(1)[:15],
			"sparse-half":    hdr(1) + "\x5f\xff",                 // XZERO:8192
			"sparse-over":    hdr(1) + "\x7f\xff\x00",             // 16385 registers
			"sparse-trunc":   hdr(1) + "\x7f",                     // XZERO reading the terminator
			"sparse-vals":    hdr(1) + "\x83\x87\x8b\x7f\xf2\xf8", // VALs, XZERO:16371, VAL
			"sparse-valover": hdr(1) + "\x7f\xfe\x83",             // 16383 then a VAL of 4
			"sparse-zeros":   hdr(1) + strings.Repeat("\x3f", 256),
			"sparse-bigval":  hdr(1) + "\xfc\x7f\xfe", // VAL 32 then 16383 zeros
		}
		for _, key := range sortedKeysOf(values) {
			d.Both("SET", key, values[key])
			d.Do("PFDEBUG", "ENCODING", key)
			d.Do("PFDEBUG", "DECODE", key)
			d.Do("PFCOUNT", key)
			d.Do("GET", key)
			d.Do("PFCOUNT", key, "r1")
			d.Do("PFMERGE", "dst", key)
			d.Do("GET", "dst")
			d.Do("PFMERGE", key, "r2")
			d.Do("GET", key)
			d.Do("PFADD", key, "a", "b", "c", "d", "e", "f", "g", "h")
			d.Do("GET", key)
			d.Do("PFDEBUG", "TODENSE", key)
			d.Do("GET", key)
			d.Do("PFDEBUG", "GETREG", key)
		}
		t.Logf("%d cases compared", d.Cases)
	})
}

// TestDiffHLLNotify compares the keyspace events of the family.
func TestDiffHLLNotify(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Do("CONFIG", "SET", "notify-keyspace-events", "AKEnm")
		sub := dialPair(t, r.Addr, s.Addr, proto)
		sub.do("PSUBSCRIBE __key*__:*")
		for _, line := range []string{
			"PFADD h a b", "PFADD h a", "PFADD h c", "PFADD h", "PFADD e", "PFCOUNT h", "PFCOUNT h",
			"PFCOUNT h e nokey", "PFMERGE d h", "PFMERGE d", "PFMERGE n nokey", "PFDEBUG TODENSE h",
			"PFDEBUG GETREG d", "PFDEBUG ENCODING d", "SET str x", "PFADD str a", "PFMERGE d str",
		} {
			d.Do(strings.Fields(line)...)
		}
		d.Do("PUBLISH", "__keymark__:end", "hll")
		sub.until("hll events", "hll")
		d.Do("CONFIG", "SET", "notify-keyspace-events", "")
	})
}

// bulk returns the body of a bulk-string reply.
func bulk(t *testing.T, raw string) string {
	t.Helper()
	head, body, ok := strings.Cut(raw, "\r\n")
	if !ok || !strings.HasPrefix(head, "$") {
		t.Fatalf("not a bulk string: %q", raw)
	}
	return strings.TrimSuffix(body, "\r\n")
}

func sortedKeysOf(m map[string]string) []string {
	seen := make(map[string]bool, len(m))
	for k := range m {
		seen[k] = true
	}
	return sortedKeys(seen)
}
