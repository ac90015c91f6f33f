package command

import (
	"bytes"
	"testing"
)

// Benchmarks of the set commands through the whole dispatcher on a real
// memory backend (bench/compare.sh compares them with Redis over the wire).

func benchSet(b *testing.B, members int) (*Engine, *Ctx) {
	b.Helper()
	e, c := benchEngine(b)
	args := benchArgs("SADD", "set")
	for i := range members {
		args = append(args, []byte("member:"+itoa(i)))
	}
	e.Exec(c, args)
	c.Reset()
	return e, c
}

func itoa(i int) string { return string(appendInt(nil, int64(i))) }

func BenchmarkSAddExisting(b *testing.B) {
	e, c := benchSet(b, 1000)
	benchExec(b, e, c, benchArgs("SADD", "set", "member:500"), ":0\r\n")
}

func BenchmarkSIsMember(b *testing.B) {
	e, c := benchSet(b, 1000)
	benchExec(b, e, c, benchArgs("SISMEMBER", "set", "member:500"), ":1\r\n")
}

func BenchmarkSMembers10(b *testing.B) {
	e, c := benchSet(b, 10)
	e.Exec(c, benchArgs("SMEMBERS", "set"))
	want := string(c.Out())
	c.Reset()
	benchExec(b, e, c, benchArgs("SMEMBERS", "set"), want)
}

// BenchmarkSPopSAdd pops a member of a set of 1000 and adds it back.
func BenchmarkSPopSAdd(b *testing.B) {
	e, c := benchSet(b, 1000)
	pop := benchArgs("SPOP", "set")
	add := benchArgs("SADD", "set", "")
	b.ReportAllocs()
	for b.Loop() {
		e.Exec(c, pop)
		out := c.Out() // $n\r\nmember\r\n
		_, member, _ := bytes.Cut(out[:len(out)-2], []byte("\r\n"))
		add[2] = append(add[2][:0], member...)
		c.Reset()
		e.Exec(c, add)
		c.Reset()
	}
}
