package rdb

import (
	"strconv"
	"strings"
	"testing"

	"redpool/backend"
)

// Benchmarks of the codec alone: a 1,000-field hash (a plain hash: past
// hash-max-listpack-entries), a 100 KB string (LZF) and a stream of 1,000
// entries in nodes of 100 with a group of 100 pending entries.

func benchValues() map[string]Value {
	h := Value{Type: backend.TypeHash}
	for i := range 1000 {
		h.Items = append(h.Items, []byte("field:"+strconv.Itoa(i)), []byte("value-"+strconv.Itoa(i*7919)))
	}
	var big strings.Builder
	for i := 0; big.Len() < 100<<10; i++ {
		big.WriteString("line " + strconv.Itoa(i) + " of a string that compresses\n")
	}
	st := newStream(backend.StreamMeta{LastID: backend.StreamID{Ms: 1000}, FirstID: backend.StreamID{Ms: 1}, EntriesAdded: 1000})
	for i := range 1000 {
		st.entry(i%100 == 0, uint64(i+1), 0, "sensor", "s"+strconv.Itoa(i%7), "value", strconv.Itoa(i*37))
	}
	st.group("g", backend.StreamID{Ms: 100}, 100).consumer("g", "c", 1700000000000)
	for i := range 100 {
		st.pending("g", "c", uint64(i+1), 0, 1700000000000, 1)
	}
	return map[string]Value{"hash": h, "string": {Type: backend.TypeString, Items: [][]byte{[]byte(big.String())}}, "stream": st.value()}
}

func benchDump(b *testing.B, name string) {
	v := benchValues()[name]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DumpPayload(v, DefaultParams()); err != nil {
			b.Fatal(err)
		}
	}
}

func benchParse(b *testing.B, name string) {
	p, err := DumpPayload(benchValues()[name], DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDumpPayload(p, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDumpPayloadHash1000(b *testing.B)    { benchDump(b, "hash") }
func BenchmarkDumpPayloadString100K(b *testing.B)  { benchDump(b, "string") }
func BenchmarkParsePayloadHash1000(b *testing.B)   { benchParse(b, "hash") }
func BenchmarkParsePayloadString100K(b *testing.B) { benchParse(b, "string") }
func BenchmarkDumpPayloadStream1000(b *testing.B)  { benchDump(b, "stream") }
func BenchmarkParsePayloadStream1000(b *testing.B) { benchParse(b, "stream") }

func BenchmarkCRC64(b *testing.B) {
	data := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		CRC64(0, data)
	}
}
