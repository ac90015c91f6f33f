package server_test

import (
	"fmt"
	"testing"

	"redpool/backend"
	"redpool/cmd/redpool/server/servertest"
	"redpool/persistence/rdb"
)

// Streams survive a restart in every persistence mode: AOF replay, the
// AOF rewrite (XADD per entry, XSETID, and for groups XGROUP CREATE,
// CREATECONSUMER and XCLAIM ... FORCE), snapshots and bolt. Groups come
// from a RESTOREd payload (built from the stream records here).

// groupPayload is a DUMP payload of a stream with entries, two groups,
// consumers and pending entries.
func groupPayload(t *testing.T) string {
	t.Helper()
	id := func(ms, seq uint64) backend.StreamID { return backend.StreamID{Ms: ms, Seq: seq} }
	var items [][]byte
	add := func(r backend.StreamRecord) { items = append(items, backend.AppendStreamRecord(nil, &r)) }
	add(backend.StreamRecord{Kind: backend.StreamRecMeta, Meta: backend.StreamMeta{LastID: id(7, 0), FirstID: id(1, 0), MaxDeletedID: id(2, 0), EntriesAdded: 6}})
	for _, ms := range []uint64{1, 3, 4, 5, 7} {
		add(backend.StreamRecord{Kind: backend.StreamRecEntry, StartNode: ms == 1 || ms == 5, ID: id(ms, 0), Fields: [][]byte{[]byte("f"), fmt.Appendf(nil, "v%d", ms)}})
	}
	add(backend.StreamRecord{Kind: backend.StreamRecGroup, Group: backend.StreamGroup{Name: []byte("g1"), LastID: id(4, 0), EntriesRead: 4}})
	for _, c := range []string{"alice", "bob", "carol"} {
		add(backend.StreamRecord{Kind: backend.StreamRecConsumer, GroupName: []byte("g1"), Consumer: backend.StreamConsumer{Name: []byte(c), SeenTime: 1700000000000}})
	}
	add(backend.StreamRecord{Kind: backend.StreamRecPending, GroupName: []byte("g1"), Pending: backend.StreamPending{ID: id(1, 0), Consumer: []byte("bob"), DeliveryTime: 1700000000001, DeliveryCount: 3}})
	add(backend.StreamRecord{Kind: backend.StreamRecPending, GroupName: []byte("g1"), Pending: backend.StreamPending{ID: id(3, 0), Consumer: []byte("alice"), DeliveryTime: 1700000000002, DeliveryCount: 1}})
	add(backend.StreamRecord{Kind: backend.StreamRecPending, GroupName: []byte("g1"), Pending: backend.StreamPending{ID: id(4, 0), Consumer: []byte("bob"), DeliveryTime: 1700000000003, DeliveryCount: 2}})
	add(backend.StreamRecord{Kind: backend.StreamRecGroup, Group: backend.StreamGroup{Name: []byte("g2"), LastID: id(7, 0), EntriesRead: -1}})
	p, err := rdb.DumpPayload(rdb.Value{Type: backend.TypeStream, Items: items}, rdb.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	return string(p)
}

// streamWorkload runs stream writes on c: several nodes, deletions, trims,
// XSETID, an empty stream, an expiry, another database; with groups, a
// RESTOREd stream with groups, consumers and pending entries.
func streamWorkload(groups bool) func(t *testing.T, c *servertest.Conn) {
	return func(t *testing.T, c *servertest.Conn) {
		t.Helper()
		c.Expect("$3\r\n1-1\r\n", "XADD", "s", "1-1", "a", "1", "b", "")
		c.Expect("$3\r\n2-0\r\n", "XADD", "s", "2-0", "a", "2", "c", "-9223372036854775808")
		c.Expect("$3\r\n3-0\r\n", "XADD", "s", "3-0", "x", "y")
		c.Expect(":1\r\n", "XDEL", "s", "2-0")
		c.Expect("+OK\r\n", "XSETID", "s", "100-0", "ENTRIESADDED", "50", "MAXDELETEDID", "3-0")
		for i := 1; i <= 250; i++ {
			id := fmt.Sprintf("%d-0", i)
			c.Expect("$"+fmt.Sprint(len(id))+"\r\n"+id+"\r\n", "XADD", "big", id, "name", fmt.Sprintf("n%d", i), "v", fmt.Sprint(i*37))
		}
		c.Expect(":3\r\n", "XDEL", "big", "1-0", "150-0", "249-0")
		c.Expect(":0\r\n", "XTRIM", "big", "MAXLEN", "~", "200")
		c.Expect(":3\r\n", "XTRIM", "big", "MINID", "5")
		c.Expect("$3\r\n5-5\r\n", "XADD", "e", "MAXLEN", "0", "5-5", "a", "b")
		c.Expect("$3\r\n1-0\r\n", "XADD", "u", "1-0", "f", "v")
		c.Expect(":1\r\n", "EXPIRE", "u", "1000")
		if groups {
			c.Expect("+OK\r\n", "RESTORE", "grp", "0", groupPayload(t))
		}
		c.Expect("+OK\r\n", "SELECT", "3")
		c.Expect("$3\r\n9-9\r\n", "XADD", "in3", "9-9", "", "\x00\r\n")
		c.Expect("+OK\r\n", "SELECT", "0")
	}
}

// maskRadix replaces the values of radix-tree-keys and radix-tree-nodes
// by 0: replaying XADDs packs the entries into fresh nodes.
func maskRadix(raw string) string {
	return maskValues(maskRadixNodes(raw), "radix-tree-keys\r\n:")
}

// maskSeenTimes replaces the consumers' seen-time values by 0: replaying
// XCLAIM and XGROUP CREATECONSUMER sets them to the time of the replay
// (in Redis too).
func maskSeenTimes(raw string) string { return maskValues(raw, "seen-time\r\n:") }

// streamState returns every stream of the workload (XINFO STREAM FULL with
// all entries, XRANGE), the TTL of u (last but one) and db 3's stream.
func streamState(t *testing.T, c *servertest.Conn) []string { return streamStateMasked(t, c, nil) }

// streamStateAOF is streamState without the consumers' seen-times.
func streamStateAOF(t *testing.T, c *servertest.Conn) []string {
	return streamStateMasked(t, c, maskSeenTimes)
}

func streamStateMasked(t *testing.T, c *servertest.Conn, mask func(string) string) []string {
	t.Helper()
	var out []string
	for _, k := range []string{"s", "big", "e", "grp"} {
		info := maskRadix(c.Do("XINFO", "STREAM", k, "FULL", "COUNT", "0"))
		if mask != nil {
			info = mask(info)
		}
		out = append(out, k+"="+info, k+"="+c.Do("XRANGE", k, "-", "+"))
	}
	out = append(out, "ttl(u)="+c.Do("TTL", "u"))
	c.Expect("+OK\r\n", "SELECT", "3")
	out = append(out, "in3="+c.Do("XRANGE", "in3", "-", "+"))
	c.Expect("+OK\r\n", "SELECT", "0")
	return out
}

// TestStreamAOFRestartAndRewrite: the rewrite of the groups replays as
// XGROUP CREATE, CREATECONSUMER and XCLAIM ... FORCE.
func TestStreamAOFRestartAndRewrite(t *testing.T) {
	persistCase{streamWorkload(true), streamStateAOF, []string{"XDEL", "s", "3-0"}}.aofRestartAndRewrite(t)
}

func TestStreamSnapshotAndBoltRestart(t *testing.T) {
	persistCase{streamWorkload(true), streamState, nil}.snapshotAndBoltRestart(t)
}
