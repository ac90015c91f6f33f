package rdb

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"redpool/backend"
)

// streamBuilder makes a stream's records (backend/stream_records.go).
type streamBuilder struct{ items [][]byte }

func newStream(m backend.StreamMeta) *streamBuilder {
	b := &streamBuilder{}
	b.add(&backend.StreamRecord{Kind: backend.StreamRecMeta, Meta: m})
	return b
}

func (b *streamBuilder) add(r *backend.StreamRecord) *streamBuilder {
	b.items = append(b.items, backend.AppendStreamRecord(nil, r))
	return b
}

func (b *streamBuilder) entry(start bool, ms, seq uint64, fields ...string) *streamBuilder {
	return b.add(&backend.StreamRecord{Kind: backend.StreamRecEntry, StartNode: start,
		ID: backend.StreamID{Ms: ms, Seq: seq}, Fields: items(fields...)})
}

func (b *streamBuilder) group(name string, last backend.StreamID, read int64) *streamBuilder {
	return b.add(&backend.StreamRecord{Kind: backend.StreamRecGroup,
		Group: backend.StreamGroup{Name: []byte(name), LastID: last, EntriesRead: read}})
}

func (b *streamBuilder) consumer(group, name string, seen int64) *streamBuilder {
	return b.add(&backend.StreamRecord{Kind: backend.StreamRecConsumer, GroupName: []byte(group),
		Consumer: backend.StreamConsumer{Name: []byte(name), SeenTime: seen}})
}

func (b *streamBuilder) pending(group, consumer string, ms, seq uint64, at, count int64) *streamBuilder {
	return b.add(&backend.StreamRecord{Kind: backend.StreamRecPending, GroupName: []byte(group),
		Pending: backend.StreamPending{ID: backend.StreamID{Ms: ms, Seq: seq}, Consumer: []byte(consumer), DeliveryTime: at, DeliveryCount: count}})
}

func (b *streamBuilder) value() Value { return Value{Type: backend.TypeStream, Items: b.items} }

// testStreams are the stream values of testValues.
func testStreams() []struct {
	name string
	v    Value
} {
	id := func(ms, seq uint64) backend.StreamID { return backend.StreamID{Ms: ms, Seq: seq} }
	empty := newStream(backend.StreamMeta{LastID: id(5, 5), FirstID: id(0, 0), MaxDeletedID: id(5, 5), EntriesAdded: 3}).
		group("g", id(5, 5), 3).consumer("g", "alice", 1700000000000)
	full := newStream(backend.StreamMeta{LastID: id(1700000000500, 9), FirstID: id(1700000000000, 0), MaxDeletedID: id(1700000000001, 0), EntriesAdded: 7}).
		entry(true, 1700000000000, 0, "name", "ann", "age", "41").
		entry(false, 1700000000000, 1, "name", "bob", "age", "-7").
		entry(false, 1700000000002, 0, "other", "x").
		entry(true, 1700000000003, 0, "f", strings.Repeat("long value ", 30)).
		entry(false, 1700000000500, 9, "f", "9223372036854775807", "g", "").
		group("", id(0, 0), -1).
		group("g1", id(1700000000002, 0), 3).
		consumer("g1", "alice", 1700000000100).consumer("g1", "bob", -5).consumer("g1", "carol", 1700000000200).
		pending("g1", "bob", 1700000000000, 0, 1700000000050, 1).
		pending("g1", "alice", 1700000000000, 1, 1700000000060, 3).
		pending("g1", "bob", 1700000000001, 5, 1700000000070, 9223372036854775807).
		group("g2", id(1700000000500, 9), 7).consumer("g2", "c", 0)
	many := newStream(backend.StreamMeta{LastID: id(1000, 0), FirstID: id(1, 0), EntriesAdded: 300})
	for i := range 300 {
		many.entry(i%100 == 0, uint64(i+1), 0, "sensor", "temp", "value", strconv.Itoa(i*7%100))
	}
	return []struct {
		name string
		v    Value
	}{
		{"stream empty", empty.value()},
		{"stream", full.value()},
		{"stream many", many.value()},
	}
}

// TestStreamRoundTrip: a stream's records come back exactly, nodes too.
func TestStreamRoundTrip(t *testing.T) {
	for _, tc := range testStreams() {
		t.Run(tc.name, func(t *testing.T) {
			p, err := DumpPayload(tc.v, DefaultParams())
			if err != nil {
				t.Fatal(err)
			}
			for _, sanitize := range []bool{false, true} {
				got, err := ParseDumpPayload(p, sanitize)
				if err != nil {
					t.Fatalf("sanitize %v: %v", sanitize, err)
				}
				if !slices.EqualFunc(got.Items, tc.v.Items, bytes.Equal) {
					t.Fatalf("records differ:\n got %q\nwant %q", got.Items, tc.v.Items)
				}
			}
		})
	}
}

// TestStreamWriterRefuses: records out of their order are an error.
func TestStreamWriterRefuses(t *testing.T) {
	id := backend.StreamID{Ms: 1}
	m := backend.StreamMeta{LastID: id}
	for name, v := range map[string]Value{
		"no header":          newStream(m).value().tail(),
		"two headers":        newStream(m).add(&backend.StreamRecord{Kind: backend.StreamRecMeta}).value(),
		"entries descending": newStream(m).entry(true, 2, 0, "a", "b").entry(false, 1, 0, "a", "b").value(),
		"entry after group":  newStream(m).group("g", id, 0).entry(true, 2, 0, "a", "b").value(),
		"groups unordered":   newStream(m).group("h", id, 0).group("g", id, 0).value(),
		"consumer elsewhere": newStream(m).group("g", id, 0).consumer("h", "c", 0).value(),
		"foreign pending":    newStream(m).group("g", id, 0).consumer("g", "c", 0).pending("g", "d", 1, 0, 0, 1).value(),
		"pending unordered":  newStream(m).group("g", id, 0).consumer("g", "c", 0).pending("g", "c", 2, 0, 0, 1).pending("g", "c", 1, 0, 0, 1).value(),
		"consumer after PEL": newStream(m).group("g", id, 0).consumer("g", "c", 0).pending("g", "c", 2, 0, 0, 1).consumer("g", "d", 0).value(),
		"damaged record":     {Type: backend.TypeStream, Items: items("Mxx")},
	} {
		if _, err := DumpPayload(v, DefaultParams()); err == nil {
			t.Errorf("%s: written", name)
		}
	}
}

func (v Value) tail() Value { v.Items = v.Items[1:]; return v }

// streamPayload builds a stream payload of type t by hand: nodes (master
// id and listpack), then the rest as given.
func streamPayload(t byte, nodes [][2][]byte, rest ...[]byte) []byte {
	b := []byte{t}
	b = appendLen(b, uint64(len(nodes)))
	for _, n := range nodes {
		b = AppendString(b, n[0], false)
		b = AppendString(b, n[1], false)
	}
	for _, r := range rest {
		b = append(b, r...)
	}
	return AppendDumpFooter(b)
}

func key(ms, seq uint64) []byte { return backend.StreamID{Ms: ms, Seq: seq}.AppendBinary(nil) }

func lens(n ...uint64) []byte {
	var b []byte
	for _, v := range n {
		b = appendLen(b, v)
	}
	return b
}

func ms(v int64) []byte {
	return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24), byte(v >> 32), byte(v >> 40), byte(v >> 48), byte(v >> 56)}
}

// TestStreamLegacyAndDeleted: a Redis 5/6 stream (type 15) with a deleted
// entry and a group loads as Redis 7.0 loads it.
func TestStreamLegacyAndDeleted(t *testing.T) {
	// Master 10-0 fields a; entries 10-0 (deleted), 10-1 (same fields),
	// 12-0 (other fields).
	lp := listpack("2", "1", "1", "a", "0",
		"3", "0", "0", "x", "4",
		"2", "0", "1", "y", "4",
		"0", "2", "0", "1", "b", "z", "6")
	grp := append(append(rdbStr("g"), lens(10, 1)...), lens(1)...) // last 10-1, PEL of one
	grp = append(append(append(grp, key(10, 1)...), ms(1234)...), lens(2)...)
	grp = append(append(append(grp, lens(1)...), rdbStr("c")...), ms(99)...)
	grp = append(append(grp, lens(1)...), key(10, 1)...)
	p := streamPayload(TypeStreamListpack, [][2][]byte{{key(10, 0), lp}}, lens(2, 12, 0, 1), grp)
	v, err := ParseDumpPayload(p, true)
	if err != nil {
		t.Fatal(err)
	}
	id := func(ms, seq uint64) backend.StreamID { return backend.StreamID{Ms: ms, Seq: seq} }
	want := newStream(backend.StreamMeta{LastID: id(12, 0), FirstID: id(10, 1), EntriesAdded: 2}).
		entry(true, 10, 1, "a", "y").entry(false, 12, 0, "b", "z").
		group("g", id(10, 1), 1).consumer("g", "c", 99).pending("g", "c", 10, 1, 1234, 2).value()
	if !slices.EqualFunc(v.Items, want.Items, bytes.Equal) {
		t.Fatalf("records\n got %q\nwant %q", v.Items, want.Items)
	}
	// Written back as type 19, the same records.
	again, err := DumpPayload(v, DefaultParams())
	if err != nil || again[0] != TypeStreamListpack2 {
		t.Fatalf("%v, type %d", err, again[0])
	}
	if back, err := ParseDumpPayload(again, true); err != nil || !slices.EqualFunc(back.Items, want.Items, bytes.Equal) {
		t.Fatalf("again: %v %q", err, back.Items)
	}
	// Redis 7.2's type 21 has the consumers' active time too.
	grp3 := append(append(rdbStr("g"), lens(10, 1, 1)...), lens(1)...)
	grp3 = append(append(append(grp3, key(10, 1)...), ms(1234)...), lens(2)...)
	grp3 = append(append(append(append(grp3, lens(1)...), rdbStr("c")...), ms(99)...), ms(100)...)
	grp3 = append(append(grp3, lens(1)...), key(10, 1)...)
	p3 := streamPayload(TypeStreamListpack3, [][2][]byte{{key(10, 0), lp}}, lens(2, 12, 0, 10, 1, 0, 0, 2, 1), grp3)
	p3[len(p3)-10] = 11 // RDB 11
	body := p3[:len(p3)-10]
	r := NewReader(bytes.NewReader(body[1:]), ReadOptions{Size: int64(len(body) - 1)})
	v3, err := r.ReadValue(body[0])
	if err != nil || !slices.EqualFunc(v3.Items, want.Items, bytes.Equal) {
		t.Fatalf("type 21: %v\n got %q\nwant %q", err, v3.Items, want.Items)
	}
}

// TestStreamBadPayloads: each inconsistency is ErrCorrupt.
func TestStreamBadPayloads(t *testing.T) {
	good := listpack("1", "0", "1", "a", "0", "2", "0", "0", "v", "4")
	meta := lens(1, 5, 0, 5, 0, 0, 0, 1)
	consumerPEL := func(ids ...[]byte) []byte {
		b := append(append(append(lens(1), rdbStr("c")...), ms(0)...), lens(uint64(len(ids)))...)
		return append(b, bytes.Join(ids, nil)...)
	}
	group := func(name string, pel [][]byte, consumers []byte) []byte {
		b := append(rdbStr(name), lens(5, 0, 1, uint64(len(pel)))...)
		for _, id := range pel {
			b = append(append(append(b, id...), ms(7)...), lens(1)...)
		}
		return append(b, consumers...)
	}
	node := [][2][]byte{{key(5, 0), good}}
	cases := map[string][]byte{
		"key not an id":         streamPayload(TypeStreamListpack2, [][2][]byte{{[]byte("short"), good}}, meta, lens(0)),
		"empty listpack":        streamPayload(TypeStreamListpack2, [][2][]byte{{key(5, 0), listpack()}}, meta, lens(0)),
		"nodes out of order":    streamPayload(TypeStreamListpack2, [][2][]byte{{key(5, 0), good}, {key(4, 0), good}}, lens(2, 5, 0, 5, 0, 0, 0, 2), lens(0)),
		"bad lp-count":          streamPayload(TypeStreamListpack2, [][2][]byte{{key(5, 0), listpack("1", "0", "1", "a", "0", "2", "0", "0", "v", "5")}}, meta, lens(0)),
		"count mismatch":        streamPayload(TypeStreamListpack2, [][2][]byte{{key(5, 0), listpack("2", "0", "1", "a", "0", "2", "0", "0", "v", "4")}}, lens(2, 5, 0, 5, 0, 0, 0, 2), lens(0)),
		"no terminator":         streamPayload(TypeStreamListpack2, [][2][]byte{{key(5, 0), listpack("1", "0", "1", "a", "7", "2", "0", "0", "v", "4")}}, meta, lens(0)),
		"entry cut short":       streamPayload(TypeStreamListpack2, [][2][]byte{{key(5, 0), listpack("1", "0", "1", "a", "0", "2", "0")}}, meta, lens(0)),
		"not an integer":        streamPayload(TypeStreamListpack2, [][2][]byte{{key(5, 0), listpack("x", "0", "1", "a", "0", "2", "0", "0", "v", "4")}}, meta, lens(0)),
		"fields past the end":   streamPayload(TypeStreamListpack2, [][2][]byte{{key(5, 0), listpack("1", "0", "9", "a", "0")}}, meta, lens(0)),
		"pairs past the end":    streamPayload(TypeStreamListpack2, [][2][]byte{{key(5, 0), listpack("1", "0", "1", "a", "0", "0", "0", "0", "1", "b")}}, meta, lens(0)),
		"entry without fields":  streamPayload(TypeStreamListpack2, [][2][]byte{{key(5, 0), listpack("1", "0", "0", "0", "0", "0", "0", "0", "4")}}, meta, lens(0)),
		"entries out of order":  streamPayload(TypeStreamListpack2, [][2][]byte{{key(5, 0), listpack("2", "0", "1", "a", "0", "2", "0", "0", "v", "4", "2", "0", "-1", "v", "4")}}, lens(2, 5, 0, 5, 0, 0, 0, 2), lens(0)),
		"length mismatch":       streamPayload(TypeStreamListpack2, node, lens(2, 5, 0, 5, 0, 0, 0, 2), lens(0)),
		"last id too low":       streamPayload(TypeStreamListpack2, node, lens(1, 4, 0, 5, 0, 0, 0, 1), lens(0)),
		"entries-added too low": streamPayload(TypeStreamListpack2, node, lens(1, 5, 0, 5, 0, 0, 0, 0), lens(0)),
		"groups repeated":       streamPayload(TypeStreamListpack2, node, meta, lens(2), group("g", nil, lens(0)), group("g", nil, lens(0))),
		"PEL repeated":          streamPayload(TypeStreamListpack2, node, meta, lens(1), group("g", [][]byte{key(5, 0), key(5, 0)}, consumerPEL(key(5, 0)))),
		"PEL without consumer":  streamPayload(TypeStreamListpack2, node, meta, lens(1), group("g", [][]byte{key(5, 0)}, lens(0))),
		"consumer PEL foreign":  streamPayload(TypeStreamListpack2, node, meta, lens(1), group("g", [][]byte{key(5, 0)}, consumerPEL(key(6, 0)))),
		"consumer PEL twice":    streamPayload(TypeStreamListpack2, node, meta, lens(1), group("g", [][]byte{key(5, 0)}, consumerPEL(key(5, 0), key(5, 0)))),
		"entries-read -2":       streamPayload(TypeStreamListpack2, node, meta, lens(1), append(rdbStr("g"), append(lens(5, 0, 1<<64-2), lens(0, 0)...)...)),
	}
	for name, p := range cases {
		for _, sanitize := range []bool{false, true} {
			if _, err := ParseDumpPayload(p, sanitize); !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s (sanitize %v): %v, want ErrCorrupt", name, sanitize, err)
			}
		}
	}
	// The good one decodes, entries-read -1 included.
	ok := streamPayload(TypeStreamListpack2, node, meta, lens(1), append(rdbStr("g"), append(lens(5, 0, 1<<64-1), lens(0, 0)...)...))
	if _, err := ParseDumpPayload(ok, true); err != nil {
		t.Fatal(err)
	}
}

// TestStreamGolden: a stream Redis 7.0.15 DUMPed (testdata/redis,
// TestRedisStreams -update) decodes to the records it holds.
func TestStreamGolden(t *testing.T) {
	p, err := os.ReadFile(filepath.Join("testdata", "redis", "stream_small.dump"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseDumpPayload(p, true)
	if err != nil {
		t.Fatal(err)
	}
	id := func(ms, seq uint64) backend.StreamID { return backend.StreamID{Ms: ms, Seq: seq} }
	want := newStream(backend.StreamMeta{LastID: id(2, 0), FirstID: id(1, 1), EntriesAdded: 3}).
		entry(true, 1, 1, "name", "ann", "age", "41").
		entry(false, 1, 2, "name", "bob", "age", "-7").
		entry(false, 2, 0, "other", "x").value()
	if v.Type != backend.TypeStream || !slices.EqualFunc(v.Items, want.Items, bytes.Equal) {
		t.Fatalf("records\n got %q\nwant %q", v.Items, want.Items)
	}
}
