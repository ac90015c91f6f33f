package backend

import (
	"strings"
	"testing"
)

// TestRewriteStream: the commands that rebuild a stream, in the order
// Redis 7.0's rewriteStreamObject writes them (persistence/rdb's
// TestRedisStreamRewrite compares them with a real Redis's AOF).
func TestRewriteStream(t *testing.T) {
	rec := func(r StreamRecord) []byte { return AppendStreamRecord(nil, &r) }
	id := func(ms, seq uint64) StreamID { return StreamID{ms, seq} }
	f := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i, x := range s {
			out[i] = []byte(x)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		items [][]byte
		want  []string
	}{
		{"entries and groups", [][]byte{
			rec(StreamRecord{Kind: StreamRecMeta, Meta: StreamMeta{LastID: id(9, 1), FirstID: id(1, 0), MaxDeletedID: id(2, 0), EntriesAdded: 5}}),
			rec(StreamRecord{Kind: StreamRecEntry, StartNode: true, ID: id(1, 0), Fields: f("a", "1")}),
			rec(StreamRecord{Kind: StreamRecEntry, ID: id(3, 7), Fields: f("a", "2", "b", "")}),
			rec(StreamRecord{Kind: StreamRecGroup, Group: StreamGroup{Name: []byte("g"), LastID: id(3, 7), EntriesRead: -1}}),
			rec(StreamRecord{Kind: StreamRecConsumer, GroupName: []byte("g"), Consumer: StreamConsumer{Name: []byte("alice"), SeenTime: 5}}),
			rec(StreamRecord{Kind: StreamRecConsumer, GroupName: []byte("g"), Consumer: StreamConsumer{Name: []byte("bob"), SeenTime: 6}}),
			rec(StreamRecord{Kind: StreamRecConsumer, GroupName: []byte("g"), Consumer: StreamConsumer{Name: []byte("carol")}}),
			rec(StreamRecord{Kind: StreamRecPending, GroupName: []byte("g"), Pending: StreamPending{ID: id(1, 0), Consumer: []byte("bob"), DeliveryTime: 100, DeliveryCount: 2}}),
			rec(StreamRecord{Kind: StreamRecPending, GroupName: []byte("g"), Pending: StreamPending{ID: id(2, 0), Consumer: []byte("alice"), DeliveryTime: 101, DeliveryCount: 1}}),
			rec(StreamRecord{Kind: StreamRecPending, GroupName: []byte("g"), Pending: StreamPending{ID: id(3, 7), Consumer: []byte("bob"), DeliveryTime: 102, DeliveryCount: 3}}),
			rec(StreamRecord{Kind: StreamRecGroup, Group: StreamGroup{Name: []byte("h"), EntriesRead: 0}}),
		}, []string{
			"XADD k 1-0 a 1",
			"XADD k 3-7 a 2 b ",
			"XSETID k 9-1 ENTRIESADDED 5 MAXDELETEDID 2-0",
			"XGROUP CREATE k g 3-7 ENTRIESREAD -1",
			"XCLAIM k g alice 0 2-0 TIME 101 RETRYCOUNT 1 JUSTID FORCE",
			"XCLAIM k g bob 0 1-0 TIME 100 RETRYCOUNT 2 JUSTID FORCE",
			"XCLAIM k g bob 0 3-7 TIME 102 RETRYCOUNT 3 JUSTID FORCE",
			"XGROUP CREATECONSUMER k g carol",
			"XGROUP CREATE k h 0-0 ENTRIESREAD 0",
		}},
		{"empty", [][]byte{
			rec(StreamRecord{Kind: StreamRecMeta, Meta: StreamMeta{LastID: id(5, 5), EntriesAdded: 1}}),
		}, []string{
			"XADD k MAXLEN 0 0-1 x y",
			"XSETID k 5-5 ENTRIESADDED 1 MAXDELETEDID 0-0",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := rewriteStream([]byte("k"), tc.items, func(argv ...[]byte) error {
				s := make([]string, len(argv))
				for i, a := range argv {
					s[i] = string(a)
				}
				got = append(got, strings.Join(s, " "))
				return nil
			})
			if err != nil || strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("%v\n got\n%s\nwant\n%s", err, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
	if err := rewriteStream([]byte("k"), [][]byte{{'Z'}}, func(...[]byte) error { return nil }); err == nil {
		t.Error("a damaged record rewrote")
	}
}
