package backend

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestStreamIDOrderAndForms(t *testing.T) {
	ids := []StreamID{{}, {0, 1}, {0, math.MaxUint64}, {1, 0}, {1, 1}, {1 << 40, 7}, {math.MaxUint64, 0}, MaxStreamID}
	for i, a := range ids {
		for j, b := range ids {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got := a.Compare(b); got != want {
				t.Errorf("%v.Compare(%v) = %d, want %d", a, b, got, want)
			}
			// The binary forms sort as the ids do.
			if got := bytes.Compare(a.AppendBinary(nil), b.AppendBinary(nil)); got != want {
				t.Errorf("binary %v vs %v = %d, want %d", a, b, got, want)
			}
		}
		bin := a.AppendBinary([]byte("x"))
		if len(bin) != 1+StreamIDLen || StreamIDFromBinary(bin[1:]) != a {
			t.Errorf("%v: binary form %x does not round trip", a, bin)
		}
		if i+1 < len(ids) {
			next, ok := a.Next()
			if !ok || next.Compare(a) <= 0 {
				t.Errorf("%v.Next() = %v, %v", a, next, ok)
			}
			if prev, ok := next.Prev(); !ok || prev != a {
				t.Errorf("%v.Prev() = %v, %v; want %v", next, prev, ok, a)
			}
		}
	}
	if _, ok := MaxStreamID.Next(); ok {
		t.Error("MaxStreamID.Next() ok")
	}
	if _, ok := (StreamID{}).Prev(); ok {
		t.Error("0-0.Prev() ok")
	}
	if n, _ := (StreamID{3, math.MaxUint64}).Next(); n != (StreamID{4, 0}) {
		t.Errorf("3-max.Next() = %v", n)
	}
	if p, _ := (StreamID{4, 0}).Prev(); p != (StreamID{3, math.MaxUint64}) {
		t.Errorf("4-0.Prev() = %v", p)
	}
	if s := MaxStreamID.String(); s != "18446744073709551615-18446744073709551615" {
		t.Errorf("MaxStreamID.String() = %q", s)
	}
	if !(StreamID{}).IsZero() || (StreamID{0, 1}).IsZero() {
		t.Error("IsZero")
	}
}

// TestListpackElemSizes: the sizes of listpack elements, as Redis 7.0's
// listpack.c encodes them (integers in 7, 13, 16, 24, 32 or 64 bits,
// strings with 6-, 12- or 32-bit lengths, and the back-length). The
// figures, and the node sizes of TestStreamNodeBytes, were checked
// against redis-server 7.0.15: streams built with stream-node-max-bytes
// swept byte by byte (1..700, then to 20000 by 97; entries with every
// value below, 5000 small entries, deletions, big id differences) split
// into exactly as many nodes (XINFO STREAM radix-tree-keys) as
// LPBytes + StreamEntryCost predict with streamAppendItem's rule.
func TestListpackElemSizes(t *testing.T) {
	cases := []struct {
		v    string
		size int64
	}{
		{"0", 2}, {"127", 2}, {"128", 3}, {"-1", 3}, {"4095", 3}, {"-4096", 3},
		{"4096", 4}, {"-4097", 4}, {"32767", 4}, {"-32768", 4},
		{"32768", 5}, {"8388607", 5}, {"-8388608", 5},
		{"8388608", 6}, {"2147483647", 6}, {"-2147483648", 6},
		{"2147483648", 10}, {"-2147483649", 10}, {"9223372036854775807", 10}, {"-9223372036854775808", 10},
		// Not canonical int64s: strings.
		{"9223372036854775808", 21}, {"-9223372036854775809", 22}, {"-0", 4}, {"01", 4}, {"+1", 4}, {" 1", 4},
		{"1.5", 5}, {"", 2}, {"-", 3}, {"a", 3}, {"99999999999999999999", 22}, {"123456789012345678901", 23},
		{strings.Repeat("x", 62), 64}, {strings.Repeat("x", 63), 65}, {strings.Repeat("x", 64), 67},
		{strings.Repeat("x", 125), 128}, {strings.Repeat("x", 126), 130}, {strings.Repeat("x", 4095), 4099},
		{strings.Repeat("x", 4096), 4103}, {strings.Repeat("x", 16377), 16384}, {strings.Repeat("x", 16378), 16386},
		{strings.Repeat("x", 16380), 16388},
	}
	for _, c := range cases {
		if got := lpElemSize([]byte(c.v)); got != c.size {
			t.Errorf("lpElemSize(%.20q len %d) = %d, want %d", c.v, len(c.v), got, c.size)
		}
	}
	for _, c := range []struct{ l, n int64 }{{1, 1}, {127, 1}, {128, 2}, {16382, 2}, {16383, 3}, {2097150, 3}, {2097151, 4}, {268435454, 4}, {268435455, 5}} {
		if got := lpBacklen(c.l); got != c.n {
			t.Errorf("lpBacklen(%d) = %d, want %d", c.l, got, c.n)
		}
	}
}

// TestStreamNodeBytes: a node's listpack as streamAppendItem builds it:
// master entry (count, deleted, field count, names, 0), then per entry
// flags, ms and seq differences, the values (or the field count and
// every field), and the entry's element count.
func TestStreamNodeBytes(t *testing.T) {
	master := StreamID{1000, 5}
	mf := [][]byte{[]byte("a"), []byte("bb")}
	same := [][]byte{[]byte("a"), []byte("1"), []byte("bb"), []byte("xyz")}
	// flags 2, ms 2, seq 2, "1" 2, "xyz" 5, count(5) 2
	if got := StreamEntryCost(master, mf, master, same); got != 15 {
		t.Errorf("same-fields entry: %d, want 15", got)
	}
	// ms diff 200 (3), seq diff -5 (3: 13-bit)
	if got := StreamEntryCost(master, mf, StreamID{1200, 0}, same); got != 17 {
		t.Errorf("same-fields entry, later ms: %d, want 17", got)
	}
	other := [][]byte{[]byte("bb"), []byte("1"), []byte("a"), []byte("xyz")}
	// flags 2, ms 2, seq 2, pairs 2, "bb" 4, "1" 2, "a" 3, "xyz" 5, count(2+2+4=8) 2
	if got := StreamEntryCost(master, mf, StreamID{1000, 6}, other); got != 24 {
		t.Errorf("other-fields entry: %d, want 24", got)
	}
	n := StreamNode{Master: master, MasterFields: mf, Live: 2, Total: 2, EntriesBytes: 15 + 24}
	// header 6 + end 1, live 2, deleted 2, field count 2, "a" 3, "bb" 4, 0 2
	if got := n.LPBytes(); got != 7+2+2+2+3+4+2+39 {
		t.Errorf("LPBytes = %d, want %d", got, 7+2+2+2+3+4+2+39)
	}
	n.Live, n.Total = 200, 400 // counts past 127 take 3 bytes
	if got := n.LPBytes(); got != 7+3+3+2+3+4+2+39 {
		t.Errorf("LPBytes with big counts = %d", got)
	}
	if !StreamSameFields(mf, same) || StreamSameFields(mf, other) || StreamSameFields(mf, same[:2]) ||
		StreamSameFields(nil, nil) != true || StreamSameFields(mf, append(same, []byte("c"), []byte("d"))) {
		t.Error("StreamSameFields")
	}
}

// sampleRecords is one record of each kind, with edge values.
func sampleRecords() []StreamRecord {
	return []StreamRecord{
		{Kind: StreamRecMeta, Meta: StreamMeta{LastID: MaxStreamID, FirstID: StreamID{1, 2}, MaxDeletedID: StreamID{0, 1}, EntriesAdded: math.MaxInt64}},
		{Kind: StreamRecMeta, Meta: StreamMeta{EntriesAdded: -1}},
		{Kind: StreamRecEntry, ID: StreamID{5, 6}, Fields: [][]byte{[]byte("f"), []byte("v")}, StartNode: true},
		{Kind: StreamRecEntry, ID: StreamID{5, 7}, Fields: [][]byte{{}, {}, {0, 0xff}, []byte(strings.Repeat("z", 300))}},
		{Kind: StreamRecGroup, Group: StreamGroup{Name: []byte("grp"), LastID: StreamID{9, 9}, EntriesRead: -1}},
		{Kind: StreamRecGroup, Group: StreamGroup{Name: []byte{}, EntriesRead: math.MinInt64}},
		{Kind: StreamRecConsumer, GroupName: []byte("grp"), Consumer: StreamConsumer{Name: []byte("alice"), SeenTime: 1_700_000_000_000}},
		{Kind: StreamRecConsumer, GroupName: []byte{}, Consumer: StreamConsumer{Name: []byte{}, SeenTime: -5}},
		{Kind: StreamRecPending, GroupName: []byte("g\x00"), Pending: StreamPending{ID: StreamID{1, 0}, Consumer: []byte("bob"), DeliveryTime: 123, DeliveryCount: 4}},
	}
}

// recString renders the fields of r that its kind uses.
func recString(r *StreamRecord) string {
	switch r.Kind {
	case StreamRecMeta:
		m := r.Meta
		return fmt.Sprintf("M %v %v %v %d", m.LastID, m.FirstID, m.MaxDeletedID, m.EntriesAdded)
	case StreamRecEntry:
		return fmt.Sprintf("E %v %v %q", r.ID, r.StartNode, r.Fields)
	case StreamRecGroup:
		return fmt.Sprintf("G %q %v %d", r.Group.Name, r.Group.LastID, r.Group.EntriesRead)
	case StreamRecConsumer:
		return fmt.Sprintf("C %q %q %d", r.GroupName, r.Consumer.Name, r.Consumer.SeenTime)
	case StreamRecPending:
		p := r.Pending
		return fmt.Sprintf("P %q %v %q %d %d", r.GroupName, p.ID, p.Consumer, p.DeliveryTime, p.DeliveryCount)
	}
	return "?"
}

func TestStreamRecordRoundTrip(t *testing.T) {
	var r StreamRecord
	for _, rec := range sampleRecords() {
		enc := AppendStreamRecord([]byte("prefix"), &rec)
		if string(enc[:6]) != "prefix" {
			t.Fatal("AppendStreamRecord changed dst's bytes")
		}
		enc = enc[6:]
		if err := ParseStreamRecord(enc, &r); err != nil {
			t.Fatalf("%s: %v", recString(&rec), err)
		}
		if got, want := recString(&r), recString(&rec); got != want {
			t.Fatalf("round trip: %s, want %s", got, want)
		}
		if again := AppendStreamRecord(nil, &r); !bytes.Equal(again, enc) {
			t.Fatalf("%s: re-encoded %x, want %x", recString(&rec), again, enc)
		}
		// A byte more, or any byte less, is damage.
		if err := ParseStreamRecord(append(bytes.Clone(enc), 0), &r); err == nil && rec.Kind != StreamRecGroup && rec.Kind != StreamRecConsumer && rec.Kind != StreamRecPending {
			t.Errorf("%s with a trailing byte parsed", recString(&rec))
		}
		for n := range len(enc) {
			err := ParseStreamRecord(enc[:n], &r)
			// The kinds whose last part is "the rest" parse when cut
			// inside that part; the result is then another name.
			if err == nil && rec.Kind != StreamRecGroup && rec.Kind != StreamRecConsumer && rec.Kind != StreamRecPending {
				t.Errorf("%s cut to %d bytes parsed: %s", recString(&rec), n, recString(&r))
			}
		}
	}
	for _, bad := range [][]byte{nil, {}, {'X'}, {'E', 2}, {'E', 0}, {'E', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0},
		append([]byte{'E', 1}, make([]byte, 16)...)} {
		if err := ParseStreamRecord(bad, &r); err != ErrBadStreamRecord {
			t.Errorf("ParseStreamRecord(%x) = %v, want ErrBadStreamRecord", bad, err)
		}
	}
	// An entry with an odd field count, or a count beyond its bytes.
	odd := AppendStreamRecord(nil, &StreamRecord{Kind: StreamRecEntry, Fields: [][]byte{[]byte("f"), []byte("v")}})
	odd[18] = 3
	if err := ParseStreamRecord(odd, &r); err != ErrBadStreamRecord {
		t.Errorf("odd field count: %v", err)
	}
	odd[18] = 100
	if err := ParseStreamRecord(odd, &r); err != ErrBadStreamRecord {
		t.Errorf("field count beyond the record: %v", err)
	}
	// Fields reuses the record's backing array.
	r = StreamRecord{Fields: make([][]byte, 0, 8)}
	backing := &r.Fields[:1][0]
	enc := AppendStreamRecord(nil, &sampleRecords()[2])
	if err := ParseStreamRecord(enc, &r); err != nil || &r.Fields[0] != backing {
		t.Errorf("Fields not reused (%v)", err)
	}
}

// TestStreamRecordDamage: ParseStreamRecord never panics, whatever the
// bytes, and what it accepts encodes back to the same bytes.
func TestStreamRecordDamage(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var encs [][]byte
	for _, rec := range sampleRecords() {
		encs = append(encs, AppendStreamRecord(nil, &rec))
	}
	var r StreamRecord
	for range 200000 {
		b := bytes.Clone(encs[rng.IntN(len(encs))])
		switch rng.IntN(4) {
		case 0:
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
		case 1:
			b = b[:rng.IntN(len(b))]
		case 2:
			for range 1 + rng.IntN(4) {
				b[rng.IntN(len(b))] ^= 1 << rng.IntN(8)
			}
		default:
			b = make([]byte, rng.IntN(40))
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			if len(b) > 0 {
				b[0] = "MEGCP"[rng.IntN(5)]
			}
		}
		checkParse(t, b, &r)
	}
}

func checkParse(t *testing.T, b []byte, r *StreamRecord) {
	t.Helper()
	if err := ParseStreamRecord(b, r); err != nil {
		if err != ErrBadStreamRecord {
			t.Fatalf("ParseStreamRecord(%x) = %v", b, err)
		}
		return
	}
	// Varints have several encodings of one value, so only the decoded
	// record must survive a round trip.
	want := recString(r)
	var r2 StreamRecord
	if err := ParseStreamRecord(AppendStreamRecord(nil, r), &r2); err != nil || recString(&r2) != want {
		t.Fatalf("%x parsed as %s, which does not round trip (%v)", b, want, err)
	}
}

func FuzzParseStreamRecord(f *testing.F) {
	for _, rec := range sampleRecords() {
		f.Add(AppendStreamRecord(nil, &rec))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r StreamRecord
		checkParse(t, b, &r)
	})
}
