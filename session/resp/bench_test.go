package resp

import (
	"bytes"
	"strings"
	"testing"
)

func benchReader(b *testing.B, one []byte) {
	rr := &repeatReader{data: bytes.Repeat(one, 256)}
	r := NewReader(rr, Limits{})
	b.SetBytes(int64(len(one)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.ReadCommand(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadCommandGET(b *testing.B) {
	benchReader(b, AppendCommandStrings(nil, "GET", "key:000001"))
}

func BenchmarkReadCommandSET(b *testing.B) {
	benchReader(b, AppendCommandStrings(nil, "SET", "key:000001", strings.Repeat("v", 64)))
}

func BenchmarkReadCommandInline(b *testing.B) {
	benchReader(b, []byte("SET key:000001 \"hello world\"\r\n"))
}

func BenchmarkAppendBulk(b *testing.B) {
	val := bytes.Repeat([]byte("v"), 64)
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendBulk(dst[:0], val)
	}
}
