package command

import (
	"bytes"
	"testing"
)

// Benchmarks of the hot string paths through the whole dispatcher (lookup,
// arity, transaction, handler, reply) on a real memory backend. Targets:
// GET 0 allocs/op, SET 1 (the stored copy of the value).

func benchEngine(b *testing.B) (*Engine, *Ctx) {
	b.Helper()
	_, c := newMemoryCtx(b)
	return c.Engine(), c
}

func benchArgs(words ...string) [][]byte {
	args := make([][]byte, len(words))
	for i, w := range words {
		args[i] = []byte(w)
	}
	return args
}

// benchExec runs args b.N times and checks the first reply.
func benchExec(b *testing.B, e *Engine, c *Ctx, args [][]byte, want string) {
	b.Helper()
	e.Exec(c, args)
	if got := c.Out(); !bytes.Equal(got, []byte(want)) {
		b.Fatalf("%s: got %q, want %q", args[0], got, want)
	}
	c.Reset()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e.Exec(c, args)
		c.Reset()
	}
}

func BenchmarkGet(b *testing.B) {
	e, c := benchEngine(b)
	e.Exec(c, benchArgs("SET", "key:000001", "value-of-sixteen"))
	c.Reset()
	benchExec(b, e, c, benchArgs("GET", "key:000001"), "$16\r\nvalue-of-sixteen\r\n")
}

func BenchmarkGetMissing(b *testing.B) {
	e, c := benchEngine(b)
	benchExec(b, e, c, benchArgs("GET", "key:000001"), "$-1\r\n")
}

func BenchmarkSet(b *testing.B) {
	e, c := benchEngine(b)
	benchExec(b, e, c, benchArgs("SET", "key:000001", "value-of-sixteen"), "+OK\r\n")
}

func BenchmarkSetEX(b *testing.B) {
	e, c := benchEngine(b)
	benchExec(b, e, c, benchArgs("SET", "key:000001", "value-of-sixteen", "EX", "100"), "+OK\r\n")
}

func BenchmarkIncr(b *testing.B) {
	e, c := benchEngine(b)
	benchExec(b, e, c, benchArgs("INCR", "counter"), ":1\r\n")
}

func BenchmarkMGet(b *testing.B) {
	e, c := benchEngine(b)
	e.Exec(c, benchArgs("MSET", "a", "1", "b", "2", "c", "3"))
	c.Reset()
	benchExec(b, e, c, benchArgs("MGET", "a", "b", "c", "d"), "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$-1\r\n")
}

// BenchmarkMultiExec is one MULTI; SET; INCR; EXEC transaction per
// iteration (BenchmarkVsRedis's workload, in-process).
func BenchmarkMultiExec(b *testing.B) {
	e, c := benchEngine(b)
	cmds := [][][]byte{benchArgs("MULTI"), benchArgs("SET", "k", "v"), benchArgs("INCR", "n"), benchArgs("EXEC")}
	b.ReportAllocs()
	for b.Loop() {
		for _, args := range cmds {
			e.Exec(c, args)
		}
		c.Reset()
	}
}
