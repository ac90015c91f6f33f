package backendtest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"redpool/backend"
)

// The stream contract (see the stream operations of backend.Tx). Streams
// are checked through renderings: an entry is "ms-seq f=v f=v", a node
// "node MASTER [fields] last=ID live=N total=N bytes=N", and xdump renders
// a whole stream (header, nodes, entries, groups, consumers, PELs) so that
// a failure shows the whole difference.

// sid parses "ms-seq".
func sid(s string) backend.StreamID {
	ms, seq, ok := strings.Cut(s, "-")
	a, err1 := strconv.ParseUint(ms, 10, 64)
	c, err2 := strconv.ParseUint(seq, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		panic("sid: bad id " + s)
	}
	return backend.StreamID{Ms: a, Seq: c}
}

// xentry renders an entry.
func xentry(id backend.StreamID, fields [][]byte) string {
	var sb strings.Builder
	sb.WriteString(id.String())
	for i := 0; i+1 < len(fields); i += 2 {
		fmt.Fprintf(&sb, " %s=%s", xq(fields[i]), xq(fields[i+1]))
	}
	if len(fields)%2 != 0 {
		sb.WriteString(" ODD")
	}
	return sb.String()
}

// xq quotes b unless it is plain.
func xq(b []byte) string {
	s := string(b)
	if s == "" || strings.ContainsAny(s, " =[]") || strconv.Quote(s) != `"`+s+`"` {
		return strconv.Quote(s)
	}
	return s
}

func xnode(n backend.StreamNode) string {
	names := make([]string, len(n.MasterFields))
	for i, f := range n.MasterFields {
		names[i] = xq(f)
	}
	return fmt.Sprintf("node %v [%s] last=%v live=%d total=%d bytes=%d",
		n.Master, strings.Join(names, " "), n.Last, n.Live, n.Total, n.EntriesBytes)
}

func xmeta(m backend.StreamMeta) string {
	return fmt.Sprintf("meta len=%d nodes=%d groups=%d last=%v first=%v maxdel=%v added=%d",
		m.Length, m.Nodes, m.Groups, m.LastID, m.FirstID, m.MaxDeletedID, m.EntriesAdded)
}

func xgroup(g backend.StreamGroup) string {
	return fmt.Sprintf("group %s last=%v read=%d pending=%d consumers=%d",
		xq(g.Name), g.LastID, g.EntriesRead, g.Pending, g.Consumers)
}

func xconsumer(c backend.StreamConsumer) string {
	return fmt.Sprintf("consumer %s seen=%d pending=%d", xq(c.Name), c.SeenTime, c.Pending)
}

func xpend(p backend.StreamPending) string {
	return fmt.Sprintf("pending %v %s time=%d count=%d", p.ID, xq(p.Consumer), p.DeliveryTime, p.DeliveryCount)
}

// xrange returns the entries XRange visits, at most limit (<0: all).
func xrange(tx backend.Tx, key string, start, end backend.StreamID, rev bool, limit int) ([]string, error) {
	var out []string
	if limit == 0 {
		return nil, nil
	}
	err := tx.XRange(b(key), start, end, rev, func(id backend.StreamID, fields [][]byte) bool {
		out = append(out, xentry(id, fields))
		return limit < 0 || len(out) < limit
	})
	return out, err
}

// xdump renders the whole stream at key through the read operations, one
// line per part: "none" if it is missing.
func xdump(tx backend.Tx, key string) (string, error) {
	k := b(key)
	m, ok, err := tx.XMeta(k)
	if err != nil || !ok {
		return "none", err
	}
	lines := []string{xmeta(m)}
	if err := tx.XNodes(k, func(n backend.StreamNode) bool {
		lines = append(lines, xnode(n))
		return true
	}); err != nil {
		return "", err
	}
	es, err := xrange(tx, key, backend.StreamID{}, backend.MaxStreamID, false, -1)
	if err != nil {
		return "", err
	}
	for _, e := range es {
		lines = append(lines, "entry "+e)
	}
	var groups []backend.StreamGroup
	if err := tx.XGroups(k, func(g backend.StreamGroup) bool {
		g.Name = slices.Clone(g.Name)
		groups = append(groups, g)
		return true
	}); err != nil {
		return "", err
	}
	for _, g := range groups {
		lines = append(lines, xgroup(g))
		var names [][]byte
		if err := tx.XConsumers(k, g.Name, func(c backend.StreamConsumer) bool {
			lines = append(lines, "  "+xconsumer(c))
			names = append(names, slices.Clone(c.Name))
			return true
		}); err != nil {
			return "", err
		}
		if err := tx.XPending(k, g.Name, nil, backend.StreamID{}, backend.MaxStreamID, func(p backend.StreamPending) bool {
			lines = append(lines, "  "+xpend(p))
			return true
		}); err != nil {
			return "", err
		}
		for _, c := range names {
			if err := tx.XPending(k, g.Name, c, backend.StreamID{}, backend.MaxStreamID, func(p backend.StreamPending) bool {
				lines = append(lines, "  of "+xq(c)+": "+xpend(p))
				return true
			}); err != nil {
				return "", err
			}
		}
	}
	return strings.Join(lines, "\n"), nil
}

// fieldNames returns the field names of fields (field, value, ...).
func fieldNames(fields [][]byte) [][]byte {
	var names [][]byte
	for i := 0; i < len(fields); i += 2 {
		names = append(names, fields[i])
	}
	return names
}

// xappend appends an entry as the command layer does, with the cost
// StreamEntryCost gives in the node it goes to, and returns that cost.
func xappend(tx backend.Tx, key string, id backend.StreamID, newNode bool, fields [][]byte) (int64, error) {
	n, ok, err := tx.XTailNode(b(key))
	if err != nil {
		return 0, err
	}
	master, mf := id, fieldNames(fields)
	if ok && !newNode {
		master, mf = n.Master, n.MasterFields
	}
	cost := backend.StreamEntryCost(master, mf, id, fields)
	return cost, tx.XAppend(b(key), id, fields, newNode, cost)
}

// xadd appends entries "ms-seq f v f v" in one transaction; a "+" before
// the id starts a new node.
func (h *harness) xadd(key string, entries ...string) {
	h.t.Helper()
	h.update(0, k(key), func(tx backend.Tx) error {
		for _, e := range entries {
			f := strings.Fields(e)
			id, newNode := f[0], false
			if strings.HasPrefix(id, "+") {
				id, newNode = id[1:], true
			}
			if _, err := xappend(tx, key, sid(id), newNode, bs(f[1:]...)); err != nil {
				return fmt.Errorf("XAppend %s: %w", e, err)
			}
		}
		return nil
	})
}

// mustX checks that fn's rendering (in a View and in an Update) is want.
func (h *harness) mustX(what string, key string, fn func(tx backend.Tx) ([]string, error), want ...string) {
	h.t.Helper()
	h.inBoth(0, k(key), func(tx backend.Tx, mode string) error {
		got, err := fn(tx)
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			h.t.Fatalf("%s in %s:\n got %q\nwant %q", what, mode, got, want)
		}
		return nil
	})
}

// mustRange checks XRange from start to end ("-" and "+" for the ends).
func (h *harness) mustRange(key, start, end string, rev bool, limit int, want ...string) {
	h.t.Helper()
	id := func(s string) backend.StreamID {
		switch s {
		case "-":
			return backend.StreamID{}
		case "+":
			return backend.MaxStreamID
		}
		return sid(s)
	}
	h.mustX(fmt.Sprintf("XRange %s %s..%s rev=%v limit=%d", key, start, end, rev, limit), key,
		func(tx backend.Tx) ([]string, error) { return xrange(tx, key, id(start), id(end), rev, limit) }, want...)
}

// mustNodes checks XNodes, and XTailNode against its last node.
func (h *harness) mustNodes(key string, want ...string) {
	h.t.Helper()
	h.mustX("XNodes "+key, key, func(tx backend.Tx) ([]string, error) {
		var out []string
		err := tx.XNodes(b(key), func(n backend.StreamNode) bool {
			out = append(out, xnode(n))
			return true
		})
		if err != nil {
			return nil, err
		}
		tail, ok, err := tx.XTailNode(b(key))
		switch {
		case err != nil:
			return nil, err
		case ok != (len(out) > 0):
			return nil, fmt.Errorf("XTailNode ok=%v with %d nodes", ok, len(out))
		case ok && xnode(tail) != out[len(out)-1]:
			return nil, fmt.Errorf("XTailNode = %s, last of XNodes %s", xnode(tail), out[len(out)-1])
		}
		return out, nil
	}, want...)
}

// mustDump checks xdump's rendering of key.
func (h *harness) mustDump(key string, want ...string) {
	h.t.Helper()
	h.mustX("stream "+key, key, func(tx backend.Tx) ([]string, error) {
		s, err := xdump(tx, key)
		return strings.Split(s, "\n"), err
	}, want...)
}

// cost is the EntriesBytes of entries added to a node whose master is
// the first: "ms-seq f v ...".
func cost(entries ...string) int64 {
	var sum int64
	var master backend.StreamID
	var mf [][]byte
	for i, e := range entries {
		f := strings.Fields(e)
		id, fields := sid(f[0]), bs(f[1:]...)
		if i == 0 {
			master, mf = id, fieldNames(fields)
		}
		sum += backend.StreamEntryCost(master, mf, id, fields)
	}
	return sum
}

// testStreamMissing: every operation on a missing key reads nothing,
// refuses what needs a group, and creates nothing.
func testStreamMissing(h *harness) {
	t := h.t
	const key = "x"
	x, g, c := b(key), b("g"), b("c")
	h.inBoth(0, k(key), func(tx backend.Tx, mode string) error {
		called := func() { t.Fatalf("%s: callback called on a missing stream", mode) }
		if _, ok, err := tx.XMeta(x); ok || err != nil {
			t.Fatalf("%s: XMeta = %v, %v", mode, ok, err)
		}
		if err := tx.XRange(x, backend.StreamID{}, backend.MaxStreamID, false, func(backend.StreamID, [][]byte) bool { called(); return true }); err != nil {
			return err
		}
		if err := tx.XNodes(x, func(backend.StreamNode) bool { called(); return true }); err != nil {
			return err
		}
		if _, ok, err := tx.XTailNode(x); ok || err != nil {
			t.Fatalf("%s: XTailNode = %v, %v", mode, ok, err)
		}
		if err := tx.XGroups(x, func(backend.StreamGroup) bool { called(); return true }); err != nil {
			return err
		}
		if _, ok, err := tx.XGroup(x, g); ok || err != nil {
			t.Fatalf("%s: XGroup = %v, %v", mode, ok, err)
		}
		if err := tx.XConsumers(x, g, func(backend.StreamConsumer) bool { called(); return true }); err != nil {
			return err
		}
		if _, ok, err := tx.XConsumer(x, g, c); ok || err != nil {
			t.Fatalf("%s: XConsumer = %v, %v", mode, ok, err)
		}
		if err := tx.XPending(x, g, nil, backend.StreamID{}, backend.MaxStreamID, func(backend.StreamPending) bool { called(); return true }); err != nil {
			return err
		}
		if err := tx.XPending(x, g, c, backend.StreamID{}, backend.MaxStreamID, func(backend.StreamPending) bool { called(); return true }); err != nil {
			return err
		}
		if _, ok, err := tx.XPendingEntry(x, g, sid("1-0")); ok || err != nil {
			t.Fatalf("%s: XPendingEntry = %v, %v", mode, ok, err)
		}
		return nil
	})
	h.update(0, k(key), func(tx backend.Tx) error {
		if ok, err := tx.XDelete(x, sid("1-0")); ok || err != nil {
			t.Fatalf("XDelete = %v, %v", ok, err)
		}
		if n, err := tx.XRemoveNode(x, sid("1-0")); n != 0 || err != nil {
			t.Fatalf("XRemoveNode = %d, %v", n, err)
		}
		if _, err := tx.XSetGroup(x, backend.StreamGroup{Name: g}); !errors.Is(err, backend.ErrNoSuchKey) {
			t.Fatalf("XSetGroup on a missing key: %v, want ErrNoSuchKey", err)
		}
		if ok, err := tx.XDelGroup(x, g); ok || err != nil {
			t.Fatalf("XDelGroup = %v, %v", ok, err)
		}
		if _, err := tx.XSetConsumer(x, g, backend.StreamConsumer{Name: c}); !errors.Is(err, backend.ErrNoSuchGroup) {
			t.Fatalf("XSetConsumer on a missing key: %v, want ErrNoSuchGroup", err)
		}
		if _, _, err := tx.XDelConsumer(x, g, c); !errors.Is(err, backend.ErrNoSuchGroup) {
			t.Fatalf("XDelConsumer on a missing key: %v, want ErrNoSuchGroup", err)
		}
		if err := tx.XSetPending(x, g, backend.StreamPending{ID: sid("1-0"), Consumer: c}); !errors.Is(err, backend.ErrNoSuchGroup) {
			t.Fatalf("XSetPending on a missing key: %v, want ErrNoSuchGroup", err)
		}
		if _, err := tx.XAck(x, g, sid("1-0")); !errors.Is(err, backend.ErrNoSuchGroup) {
			t.Fatalf("XAck on a missing key: %v, want ErrNoSuchGroup", err)
		}
		return nil
	})
	h.mustMissing(0, key)
}

// testStreamMeta: XSetMeta creates an empty stream, which exists with no
// entries; the backend's figures (Length, Nodes, Groups) ignore m's.
func testStreamMeta(h *harness) {
	t := h.t
	h.update(0, k("x"), func(tx backend.Tx) error {
		return tx.XSetMeta(b("x"), backend.StreamMeta{
			Length: 7, Nodes: 8, Groups: 9,
			LastID: sid("5-1"), FirstID: sid("2-0"), MaxDeletedID: sid("4-3"), EntriesAdded: 12,
		})
	})
	if typ := h.typeOf(0, "x"); typ != backend.TypeStream {
		t.Fatalf("Type = %v, want stream", typ)
	}
	h.mustDump("x", "meta len=0 nodes=0 groups=0 last=5-1 first=2-0 maxdel=4-3 added=12")
	h.mustRange("x", "-", "+", false, -1)
	h.mustNodes("x")
	// XSetMeta replaces the four fields; XAppend leaves them alone.
	h.update(0, k("x"), func(tx backend.Tx) error {
		return tx.XSetMeta(b("x"), backend.StreamMeta{LastID: backend.MaxStreamID, EntriesAdded: -1})
	})
	h.xadd("x", "1-0 a 1")
	h.mustDump("x",
		"meta len=1 nodes=1 groups=0 last=18446744073709551615-18446744073709551615 first=0-0 maxdel=0-0 added=-1",
		fmt.Sprintf("node 1-0 [a] last=1-0 live=1 total=1 bytes=%d", cost("1-0 a 1")),
		"entry 1-0 a=1")
	// XAppend creates a stream with a zero header.
	h.xadd("y", "3-4 f v")
	h.mustDump("y",
		"meta len=1 nodes=1 groups=0 last=0-0 first=0-0 maxdel=0-0 added=0",
		fmt.Sprintf("node 3-4 [f] last=3-4 live=1 total=1 bytes=%d", cost("3-4 f v")),
		"entry 3-4 f=v")
}

// testStreamAppend: entries go to the last node unless newNode; XNodes
// and XTailNode report the nodes' figures; fields come back as given,
// whether or not they are the master's names.
func testStreamAppend(h *harness) {
	long := strings.Repeat("L", 5000)
	h.xadd("x",
		"1-0 a 1 b 2",
		"1-1 a 3 b 4",        // the master's names
		"2-0 b 1 a 2",        // other order: not the same fields
		"2-5 a x",            // fewer
		"3-0 a 1 b 2 c 3",    // more
		"+4-0 name "+long,    // a new node
		"4-1 name 12345",     // an integer value
		"5-0 name -0 name 0", // a field given twice
	)
	n1 := cost("1-0 a 1 b 2", "1-1 a 3 b 4", "2-0 b 1 a 2", "2-5 a x", "3-0 a 1 b 2 c 3")
	n2 := cost("4-0 name "+long, "4-1 name 12345", "5-0 name -0 name 0")
	h.mustNodes("x",
		fmt.Sprintf("node 1-0 [a b] last=3-0 live=5 total=5 bytes=%d", n1),
		fmt.Sprintf("node 4-0 [name] last=5-0 live=3 total=3 bytes=%d", n2))
	h.mustRange("x", "-", "+", false, -1,
		"1-0 a=1 b=2", "1-1 a=3 b=4", "2-0 b=1 a=2", "2-5 a=x", "3-0 a=1 b=2 c=3",
		"4-0 name="+long, "4-1 name=12345", "5-0 name=-0 name=0")
	// Empty and binary fields.
	h.update(0, k("y"), func(tx backend.Tx) error {
		_, err := xappend(tx, "y", sid("0-1"), false, [][]byte{{}, {}, {0, 0xff}, {'\n'}})
		return err
	})
	h.mustRange("y", "-", "+", false, -1, `0-1 ""="" "\x00\xff"="\n"`)
	h.mustNodes("y", fmt.Sprintf(`node 0-1 ["" "\x00\xff"] last=0-1 live=1 total=1 bytes=%d`,
		backend.StreamEntryCost(sid("0-1"), [][]byte{{}, {0, 0xff}}, sid("0-1"), [][]byte{{}, {}, {0, 0xff}, {'\n'}})))
	// The extreme ids.
	h.xadd("z", "0-1 a 1", "+0-18446744073709551615 a 2", "18446744073709551615-18446744073709551614 a 3",
		"18446744073709551615-18446744073709551615 a 4")
	h.mustRange("z", "-", "+", false, -1, "0-1 a=1", "0-18446744073709551615 a=2",
		"18446744073709551615-18446744073709551614 a=3", "18446744073709551615-18446744073709551615 a=4")
	h.mustRange("z", "-", "+", true, 2,
		"18446744073709551615-18446744073709551615 a=4", "18446744073709551615-18446744073709551614 a=3")
	// The slices XAppend was given are the caller's: changing them
	// afterwards changes nothing stored.
	h.update(0, k("w"), func(tx backend.Tx) error {
		f := bs("f", "v")
		_, err := xappend(tx, "w", sid("1-0"), false, f)
		f[0][0], f[1][0] = 'X', 'Y'
		return err
	})
	h.mustRange("w", "-", "+", false, -1, "1-0 f=v")
	h.mustNodes("w", fmt.Sprintf("node 1-0 [f] last=1-0 live=1 total=1 bytes=%d", cost("1-0 f v")))
}

// testStreamRange: XRange's bounds are inclusive, may fall between
// entries or outside the stream, visit several nodes, run backwards with
// rev, and stop when fn returns false.
func testStreamRange(h *harness) {
	h.xadd("x", "1-0 a 1", "1-1 a 2", "+2-0 a 3", "+5-0 a 4", "5-7 a 5", "5-8 a 6", "+9-0 a 7")
	all := []string{"1-0 a=1", "1-1 a=2", "2-0 a=3", "5-0 a=4", "5-7 a=5", "5-8 a=6", "9-0 a=7"}
	rev := slices.Clone(all)
	slices.Reverse(rev)
	h.mustRange("x", "-", "+", false, -1, all...)
	h.mustRange("x", "-", "+", true, -1, rev...)
	h.mustRange("x", "1-1", "5-7", false, -1, all[1:5]...)
	h.mustRange("x", "1-1", "5-7", true, -1, rev[2:6]...)
	h.mustRange("x", "1-2", "5-6", false, -1, "2-0 a=3", "5-0 a=4")
	h.mustRange("x", "1-2", "5-6", true, -1, "5-0 a=4", "2-0 a=3")
	h.mustRange("x", "3-0", "4-9", false, -1)
	h.mustRange("x", "3-0", "4-9", true, -1)
	h.mustRange("x", "5-7", "5-7", false, -1, "5-7 a=5")
	h.mustRange("x", "5-7", "5-7", true, -1, "5-7 a=5")
	h.mustRange("x", "5-8", "5-7", false, -1) // start > end
	h.mustRange("x", "5-8", "5-7", true, -1)
	h.mustRange("x", "0-0", "0-9", false, -1)
	h.mustRange("x", "9-1", "+", false, -1)
	h.mustRange("x", "9-1", "+", true, -1)
	h.mustRange("x", "9-0", "+", true, -1, "9-0 a=7")
	h.mustRange("x", "-", "1-0", false, -1, "1-0 a=1")
	h.mustRange("x", "-", "+", false, 3, all[:3]...)
	h.mustRange("x", "-", "+", true, 3, rev[:3]...)
	h.mustRange("x", "2-0", "+", false, 1, "2-0 a=3")
	h.mustRange("x", "-", "5-0", true, 1, "5-0 a=4")
	// Deleted entries are skipped, in either direction.
	h.update(0, k("x"), func(tx backend.Tx) error {
		for _, id := range []string{"1-1", "5-0", "5-8"} {
			if ok, err := tx.XDelete(b("x"), sid(id)); !ok || err != nil {
				return fmt.Errorf("XDelete %s = %v, %v", id, ok, err)
			}
		}
		return nil
	})
	h.mustRange("x", "-", "+", false, -1, "1-0 a=1", "2-0 a=3", "5-7 a=5", "9-0 a=7")
	h.mustRange("x", "-", "+", true, -1, "9-0 a=7", "5-7 a=5", "2-0 a=3", "1-0 a=1")
	h.mustRange("x", "5-0", "5-0", false, -1)
	h.mustRange("x", "1-1", "5-6", true, -1, "2-0 a=3")
	h.mustRange("x", "5-0", "+", false, 1, "5-7 a=5")
}

// testStreamDelete: XDelete marks an entry deleted in its node (Live
// drops, Total stays), removes a node left with no live entry, and leaves
// an empty stream in place.
func testStreamDelete(h *harness) {
	t := h.t
	h.xadd("x", "1-0 a 1", "1-1 a 2", "+2-0 b 1", "2-1 b 2", "+3-0 c 1", "3-1 c 2", "+4-0 d 1")
	c1, c2, c3, c4 := cost("1-0 a 1", "1-1 a 2"), cost("2-0 b 1", "2-1 b 2"), cost("3-0 c 1", "3-1 c 2"), cost("4-0 d 1")
	del := func(id string) bool {
		t.Helper()
		var ok bool
		h.update(0, k("x"), func(tx backend.Tx) (err error) {
			ok, err = tx.XDelete(b("x"), sid(id))
			return err
		})
		return ok
	}
	if !del("2-0") || del("2-0") || del("2-2") || del("0-1") || del("9-0") {
		t.Fatal("XDelete: first delete of 2-0 must be true; again, and ids never added, false")
	}
	h.mustNodes("x",
		fmt.Sprintf("node 1-0 [a] last=1-1 live=2 total=2 bytes=%d", c1),
		fmt.Sprintf("node 2-0 [b] last=2-1 live=1 total=2 bytes=%d", c2), // the master stays the key
		fmt.Sprintf("node 3-0 [c] last=3-1 live=2 total=2 bytes=%d", c3),
		fmt.Sprintf("node 4-0 [d] last=4-0 live=1 total=1 bytes=%d", c4))
	// A middle node goes when its last live entry does.
	if !del("2-1") {
		t.Fatal("XDelete 2-1 = false")
	}
	h.mustNodes("x",
		fmt.Sprintf("node 1-0 [a] last=1-1 live=2 total=2 bytes=%d", c1),
		fmt.Sprintf("node 3-0 [c] last=3-1 live=2 total=2 bytes=%d", c3),
		fmt.Sprintf("node 4-0 [d] last=4-0 live=1 total=1 bytes=%d", c4))
	// The first node, then the last one.
	if !del("1-1") || !del("1-0") || !del("4-0") {
		t.Fatal("XDelete of 1-1, 1-0, 4-0 = false")
	}
	h.mustNodes("x", fmt.Sprintf("node 3-0 [c] last=3-1 live=2 total=2 bytes=%d", c3))
	h.mustRange("x", "-", "+", false, -1, "3-0 c=1", "3-1 c=2")
	// Appending goes to the tail node: the last remaining one.
	h.xadd("x", "5-0 c 3")
	h.mustNodes("x", fmt.Sprintf("node 3-0 [c] last=5-0 live=3 total=3 bytes=%d", c3+cost("3-0 c 1", "5-0 c 3")-cost("3-0 c 1")))
	// Deleting everything leaves an empty stream with its header.
	h.update(0, k("x"), func(tx backend.Tx) error {
		return tx.XSetMeta(b("x"), backend.StreamMeta{LastID: sid("5-0"), EntriesAdded: 8})
	})
	for _, id := range []string{"3-0", "5-0", "3-1"} {
		if !del(id) {
			t.Fatalf("XDelete %s = false", id)
		}
	}
	h.mustDump("x", "meta len=0 nodes=0 groups=0 last=5-0 first=0-0 maxdel=0-0 added=8")
	if typ := h.typeOf(0, "x"); typ != backend.TypeStream {
		t.Fatalf("an emptied stream: Type = %v, want stream", typ)
	}
	// The next entry starts a node, newNode or not.
	h.xadd("x", "6-0 e 1")
	h.mustNodes("x", fmt.Sprintf("node 6-0 [e] last=6-0 live=1 total=1 bytes=%d", cost("6-0 e 1")))
	h.mustDump("x",
		"meta len=1 nodes=1 groups=0 last=5-0 first=0-0 maxdel=0-0 added=8",
		fmt.Sprintf("node 6-0 [e] last=6-0 live=1 total=1 bytes=%d", cost("6-0 e 1")),
		"entry 6-0 e=1")
}

// testStreamRemoveNode: XRemoveNode removes a whole node by its master
// and returns its live entries; any other id removes nothing.
func testStreamRemoveNode(h *harness) {
	t := h.t
	h.xadd("x", "1-0 a 1", "1-1 a 2", "1-2 a 3", "+2-0 b 1", "+3-0 c 1", "3-1 c 2", "+4-0 d 1")
	h.update(0, k("x"), func(tx backend.Tx) error {
		_, err := tx.XDelete(b("x"), sid("1-1"))
		return err
	})
	remove := func(master string) int64 { return h.xremoveNode("x", master) }
	for _, id := range []string{"1-1", "1-2", "0-0", "2-5", "9-0", "3-1"} {
		if n := remove(id); n != 0 {
			t.Fatalf("XRemoveNode(%s), no node's master: %d", id, n)
		}
	}
	h.mustDump("x",
		"meta len=6 nodes=4 groups=0 last=0-0 first=0-0 maxdel=0-0 added=0",
		fmt.Sprintf("node 1-0 [a] last=1-2 live=2 total=3 bytes=%d", cost("1-0 a 1", "1-1 a 2", "1-2 a 3")),
		fmt.Sprintf("node 2-0 [b] last=2-0 live=1 total=1 bytes=%d", cost("2-0 b 1")),
		fmt.Sprintf("node 3-0 [c] last=3-1 live=2 total=2 bytes=%d", cost("3-0 c 1", "3-1 c 2")),
		fmt.Sprintf("node 4-0 [d] last=4-0 live=1 total=1 bytes=%d", cost("4-0 d 1")),
		"entry 1-0 a=1", "entry 1-2 a=3", "entry 2-0 b=1", "entry 3-0 c=1", "entry 3-1 c=2", "entry 4-0 d=1")
	if n := remove("1-0"); n != 2 {
		t.Fatalf("XRemoveNode(1-0) = %d, want 2 (its live entries)", n)
	}
	if n := remove("3-0"); n != 2 {
		t.Fatalf("XRemoveNode(3-0) = %d, want 2", n)
	}
	if n := remove("3-0"); n != 0 {
		t.Fatalf("XRemoveNode(3-0) again = %d, want 0", n)
	}
	h.mustDump("x",
		"meta len=2 nodes=2 groups=0 last=0-0 first=0-0 maxdel=0-0 added=0",
		fmt.Sprintf("node 2-0 [b] last=2-0 live=1 total=1 bytes=%d", cost("2-0 b 1")),
		fmt.Sprintf("node 4-0 [d] last=4-0 live=1 total=1 bytes=%d", cost("4-0 d 1")),
		"entry 2-0 b=1", "entry 4-0 d=1")
	if remove("4-0") != 1 || remove("2-0") != 1 {
		t.Fatal("XRemoveNode of the last two nodes")
	}
	h.mustDump("x", "meta len=0 nodes=0 groups=0 last=0-0 first=0-0 maxdel=0-0 added=0")
	h.xadd("x", "7-0 a 1")
	h.mustRange("x", "-", "+", false, -1, "7-0 a=1")
}

// testStreamGroups: groups are created and updated by XSetGroup, listed
// in name byte order, counted in the header, removed by XDelGroup with
// their consumers and PEL.
func testStreamGroups(h *harness) {
	t := h.t
	h.xadd("x", "1-0 a 1")
	names := []string{"b", "a", "ab", "\x00", "\xff", "", "B", "a\x00"}
	for i, n := range names {
		h.update(0, k("x"), func(tx backend.Tx) error {
			created, err := tx.XSetGroup(b("x"), backend.StreamGroup{
				Name: b(n), LastID: backend.StreamID{Ms: uint64(i)}, EntriesRead: int64(i) - 1,
				Pending: 99, Consumers: 99, // ignored
			})
			if !created {
				t.Fatalf("XSetGroup(%q) created = false", n)
			}
			return err
		})
	}
	h.mustX("XGroups", "x", func(tx backend.Tx) ([]string, error) {
		var out []string
		err := tx.XGroups(b("x"), func(g backend.StreamGroup) bool {
			out = append(out, xgroup(g))
			return true
		})
		return out, err
	},
		`group "" last=5-0 read=4 pending=0 consumers=0`,
		`group "\x00" last=3-0 read=2 pending=0 consumers=0`,
		`group B last=6-0 read=5 pending=0 consumers=0`,
		`group a last=1-0 read=0 pending=0 consumers=0`,
		`group "a\x00" last=7-0 read=6 pending=0 consumers=0`,
		`group ab last=2-0 read=1 pending=0 consumers=0`,
		`group b last=0-0 read=-1 pending=0 consumers=0`,
		`group "\xff" last=4-0 read=3 pending=0 consumers=0`)
	h.mustX("XGroups stopped", "x", func(tx backend.Tx) ([]string, error) {
		var out []string
		err := tx.XGroups(b("x"), func(g backend.StreamGroup) bool {
			out = append(out, string(g.Name))
			return len(out) < 2
		})
		return out, err
	}, "", "\x00")
	// An update changes LastID and EntriesRead only.
	h.update(0, k("x"), func(tx backend.Tx) error {
		if _, err := tx.XSetConsumer(b("x"), b("a"), backend.StreamConsumer{Name: b("c"), SeenTime: 5}); err != nil {
			return err
		}
		if err := tx.XSetPending(b("x"), b("a"), backend.StreamPending{ID: sid("1-0"), Consumer: b("c"), DeliveryTime: 6, DeliveryCount: 1}); err != nil {
			return err
		}
		created, err := tx.XSetGroup(b("x"), backend.StreamGroup{Name: b("a"), LastID: sid("9-9"), EntriesRead: 42})
		if created {
			t.Fatal("XSetGroup of an existing group: created = true")
		}
		return err
	})
	h.mustX("XGroup a", "x", func(tx backend.Tx) ([]string, error) {
		g, ok, err := tx.XGroup(b("x"), b("a"))
		if !ok {
			return []string{"missing"}, err
		}
		return []string{xgroup(g)}, err
	}, "group a last=9-9 read=42 pending=1 consumers=1")
	h.mustX("XGroup of a missing group", "x", func(tx backend.Tx) ([]string, error) {
		_, ok, err := tx.XGroup(b("x"), b("nope"))
		return []string{strconv.FormatBool(ok)}, err
	}, "false")
	h.inBoth(0, k("x"), func(tx backend.Tx, mode string) error {
		m, _, err := tx.XMeta(b("x"))
		if m.Groups != int64(len(names)) || err != nil {
			t.Fatalf("%s: XMeta Groups = %d, %v; want %d", mode, m.Groups, err, len(names))
		}
		return nil
	})
	// XDelGroup takes the consumers and the PEL with it; re-creating the
	// group starts afresh.
	del := func(name string) bool {
		var ok bool
		h.update(0, k("x"), func(tx backend.Tx) (err error) {
			ok, err = tx.XDelGroup(b("x"), b(name))
			return err
		})
		return ok
	}
	if !del("a") || del("a") || del("nope") {
		t.Fatal("XDelGroup: true for a, then false")
	}
	h.update(0, k("x"), func(tx backend.Tx) error {
		_, err := tx.XSetGroup(b("x"), backend.StreamGroup{Name: b("a")})
		return err
	})
	h.mustX("XGroup a re-created", "x", func(tx backend.Tx) ([]string, error) {
		g, _, err := tx.XGroup(b("x"), b("a"))
		var out []string
		out = append(out, xgroup(g))
		if err == nil {
			err = tx.XPending(b("x"), b("a"), nil, backend.StreamID{}, backend.MaxStreamID, func(p backend.StreamPending) bool {
				out = append(out, xpend(p))
				return true
			})
		}
		return out, err
	}, "group a last=0-0 read=0 pending=0 consumers=0")
	for _, n := range names {
		del(n)
	}
	h.mustDump("x",
		"meta len=1 nodes=1 groups=0 last=0-0 first=0-0 maxdel=0-0 added=0",
		fmt.Sprintf("node 1-0 [a] last=1-0 live=1 total=1 bytes=%d", cost("1-0 a 1")),
		"entry 1-0 a=1")
	// Groups on an empty stream (XGROUP CREATE MKSTREAM).
	h.update(0, k("e"), func(tx backend.Tx) error {
		if err := tx.XSetMeta(b("e"), backend.StreamMeta{}); err != nil {
			return err
		}
		_, err := tx.XSetGroup(b("e"), backend.StreamGroup{Name: b("g"), EntriesRead: -1})
		return err
	})
	h.mustDump("e",
		"meta len=0 nodes=0 groups=1 last=0-0 first=0-0 maxdel=0-0 added=0",
		"group g last=0-0 read=-1 pending=0 consumers=0")
}

// testStreamConsumers: consumers are created and updated by XSetConsumer,
// listed in name order, and removed by XDelConsumer with their PEL
// entries; operations on a missing group are ErrNoSuchGroup.
func testStreamConsumers(h *harness) {
	h.xadd("x", "1-0 a 1", "2-0 a 2", "3-0 a 3")
	h.update(0, k("x"), func(tx backend.Tx) error {
		for _, g := range []string{"g", "h"} {
			if _, err := tx.XSetGroup(b("x"), backend.StreamGroup{Name: b(g)}); err != nil {
				return err
			}
		}
		for i, c := range []string{"bob", "alice", "", "\xff", "Carol"} {
			created, err := tx.XSetConsumer(b("x"), b("g"), backend.StreamConsumer{Name: b(c), SeenTime: int64(100 + i), Pending: 7})
			if err != nil || !created {
				return fmt.Errorf("XSetConsumer(%q) = %v, %v", c, created, err)
			}
		}
		created, err := tx.XSetConsumer(b("x"), b("g"), backend.StreamConsumer{Name: b("bob"), SeenTime: 500})
		if err != nil || created {
			return fmt.Errorf("XSetConsumer(bob) again = %v, %v", created, err)
		}
		if _, err := tx.XSetConsumer(b("x"), b("nope"), backend.StreamConsumer{Name: b("bob")}); !errors.Is(err, backend.ErrNoSuchGroup) {
			return fmt.Errorf("XSetConsumer in a missing group: %v, want ErrNoSuchGroup", err)
		}
		if _, _, err := tx.XDelConsumer(b("x"), b("nope"), b("bob")); !errors.Is(err, backend.ErrNoSuchGroup) {
			return fmt.Errorf("XDelConsumer in a missing group: %v, want ErrNoSuchGroup", err)
		}
		for _, p := range []backend.StreamPending{
			{ID: sid("1-0"), Consumer: b("bob"), DeliveryTime: 1, DeliveryCount: 1},
			{ID: sid("2-0"), Consumer: b("alice"), DeliveryTime: 2, DeliveryCount: 2},
			{ID: sid("3-0"), Consumer: b("bob"), DeliveryTime: 3, DeliveryCount: 3},
		} {
			if err := tx.XSetPending(b("x"), b("g"), p); err != nil {
				return err
			}
		}
		// The same consumer name in another group is another consumer.
		if _, err := tx.XSetConsumer(b("x"), b("h"), backend.StreamConsumer{Name: b("bob"), SeenTime: 1}); err != nil {
			return err
		}
		return tx.XSetPending(b("x"), b("h"), backend.StreamPending{ID: sid("1-0"), Consumer: b("bob"), DeliveryTime: 9, DeliveryCount: 9})
	})
	entries := []string{
		"meta len=3 nodes=1 groups=2 last=0-0 first=0-0 maxdel=0-0 added=0",
		fmt.Sprintf("node 1-0 [a] last=3-0 live=3 total=3 bytes=%d", cost("1-0 a 1", "2-0 a 2", "3-0 a 3")),
		"entry 1-0 a=1", "entry 2-0 a=2", "entry 3-0 a=3",
	}
	h.mustDump("x", append(slices.Clone(entries),
		"group g last=0-0 read=0 pending=3 consumers=5",
		`  consumer "" seen=102 pending=0`,
		`  consumer Carol seen=104 pending=0`,
		`  consumer alice seen=101 pending=1`,
		`  consumer bob seen=500 pending=2`,
		`  consumer "\xff" seen=103 pending=0`,
		"  pending 1-0 bob time=1 count=1",
		"  pending 2-0 alice time=2 count=2",
		"  pending 3-0 bob time=3 count=3",
		"  of alice: pending 2-0 alice time=2 count=2",
		"  of bob: pending 1-0 bob time=1 count=1",
		"  of bob: pending 3-0 bob time=3 count=3",
		"group h last=0-0 read=0 pending=1 consumers=1",
		"  consumer bob seen=1 pending=1",
		"  pending 1-0 bob time=9 count=9",
		"  of bob: pending 1-0 bob time=9 count=9")...)
	h.mustX("XConsumer", "x", func(tx backend.Tx) ([]string, error) {
		var out []string
		for _, q := range [][2]string{{"g", "bob"}, {"g", "nope"}, {"nope", "bob"}, {"h", "bob"}} {
			c, ok, err := tx.XConsumer(b("x"), b(q[0]), b(q[1]))
			if err != nil {
				return nil, err
			}
			if !ok {
				out = append(out, "missing")
				continue
			}
			out = append(out, xconsumer(c))
		}
		return out, nil
	}, "consumer bob seen=500 pending=2", "missing", "missing", "consumer bob seen=1 pending=1")
	h.mustX("XConsumers stopped", "x", func(tx backend.Tx) ([]string, error) {
		var out []string
		err := tx.XConsumers(b("x"), b("g"), func(c backend.StreamConsumer) bool {
			out = append(out, string(c.Name))
			return len(out) < 3
		})
		return out, err
	}, "", "Carol", "alice")
	// XDelConsumer returns the consumer's pending count and drops its
	// entries from the group's PEL; other groups are untouched.
	h.update(0, k("x"), func(tx backend.Tx) error {
		n, ok, err := tx.XDelConsumer(b("x"), b("g"), b("bob"))
		if n != 2 || !ok || err != nil {
			return fmt.Errorf("XDelConsumer(bob) = %d, %v, %v; want 2, true", n, ok, err)
		}
		n, ok, err = tx.XDelConsumer(b("x"), b("g"), b("bob"))
		if n != 0 || ok || err != nil {
			return fmt.Errorf("XDelConsumer(bob) again = %d, %v, %v; want 0, false", n, ok, err)
		}
		n, ok, err = tx.XDelConsumer(b("x"), b("g"), b("Carol"))
		if n != 0 || !ok || err != nil {
			return fmt.Errorf("XDelConsumer(Carol) = %d, %v, %v; want 0, true", n, ok, err)
		}
		return nil
	})
	h.mustDump("x", append(slices.Clone(entries),
		"group g last=0-0 read=0 pending=1 consumers=3",
		`  consumer "" seen=102 pending=0`,
		`  consumer alice seen=101 pending=1`,
		`  consumer "\xff" seen=103 pending=0`,
		"  pending 2-0 alice time=2 count=2",
		"  of alice: pending 2-0 alice time=2 count=2",
		"group h last=0-0 read=0 pending=1 consumers=1",
		"  consumer bob seen=1 pending=1",
		"  pending 1-0 bob time=9 count=9",
		"  of bob: pending 1-0 bob time=9 count=9")...)
	// A consumer created again has an empty PEL.
	h.update(0, k("x"), func(tx backend.Tx) error {
		_, err := tx.XSetConsumer(b("x"), b("g"), backend.StreamConsumer{Name: b("bob"), SeenTime: 7})
		return err
	})
	h.mustX("XConsumer bob re-created", "x", func(tx backend.Tx) ([]string, error) {
		c, _, err := tx.XConsumer(b("x"), b("g"), b("bob"))
		return []string{xconsumer(c)}, err
	}, "consumer bob seen=7 pending=0")
}

// testStreamPending: XSetPending adds, replaces and moves PEL entries
// (keeping every count right), XPending ranges over the group's PEL or a
// consumer's, XAck removes.
func testStreamPending(h *harness) {
	t := h.t
	x, g := b("x"), b("g")
	h.xadd("x", "1-0 a 1")
	h.update(0, k("x"), func(tx backend.Tx) error {
		if _, err := tx.XSetGroup(x, backend.StreamGroup{Name: g}); err != nil {
			return err
		}
		for _, c := range []string{"a", "b"} {
			if _, err := tx.XSetConsumer(x, g, backend.StreamConsumer{Name: b(c)}); err != nil {
				return err
			}
		}
		// Pending ids need not be entries (XCLAIM of a deleted entry,
		// loading a PEL): the backend stores what it is given.
		for i := 10; i >= 1; i-- {
			c := "a"
			if i%3 == 0 {
				c = "b"
			}
			err := tx.XSetPending(x, g, backend.StreamPending{ID: backend.StreamID{Ms: uint64(i)}, Consumer: b(c), DeliveryTime: int64(i * 100), DeliveryCount: 1})
			if err != nil {
				return err
			}
		}
		// A missing consumer is ErrNoSuchGroup, and changes nothing.
		err := tx.XSetPending(x, g, backend.StreamPending{ID: sid("1-0"), Consumer: b("nope"), DeliveryTime: 1, DeliveryCount: 5})
		if !errors.Is(err, backend.ErrNoSuchGroup) {
			return fmt.Errorf("XSetPending to a missing consumer: %v, want ErrNoSuchGroup", err)
		}
		if err := tx.XSetPending(x, b("nope"), backend.StreamPending{ID: sid("1-0"), Consumer: b("a")}); !errors.Is(err, backend.ErrNoSuchGroup) {
			return fmt.Errorf("XSetPending in a missing group: %v, want ErrNoSuchGroup", err)
		}
		if _, err := tx.XAck(x, b("nope"), sid("1-0")); !errors.Is(err, backend.ErrNoSuchGroup) {
			return fmt.Errorf("XAck in a missing group: %v, want ErrNoSuchGroup", err)
		}
		return nil
	})
	pend := func(consumer, start, end string, limit int) func(tx backend.Tx) ([]string, error) {
		return func(tx backend.Tx) ([]string, error) {
			var c []byte
			if consumer != "" {
				c = b(consumer)
			}
			out := []string{}
			err := tx.XPending(x, g, c, sid(start), sid(end), func(p backend.StreamPending) bool {
				out = append(out, fmt.Sprintf("%d:%s:%d:%d", p.ID.Ms, p.Consumer, p.DeliveryTime, p.DeliveryCount))
				return limit < 0 || len(out) < limit
			})
			return out, err
		}
	}
	h.mustX("XPending all", "x", pend("", "0-0", "99-0", -1),
		"1:a:100:1", "2:a:200:1", "3:b:300:1", "4:a:400:1", "5:a:500:1",
		"6:b:600:1", "7:a:700:1", "8:a:800:1", "9:b:900:1", "10:a:1000:1")
	h.mustX("XPending 3..7", "x", pend("", "3-0", "7-0", -1), "3:b:300:1", "4:a:400:1", "5:a:500:1", "6:b:600:1", "7:a:700:1")
	h.mustX("XPending 2-1..6-0", "x", pend("", "2-1", "6-0", -1), "3:b:300:1", "4:a:400:1", "5:a:500:1", "6:b:600:1")
	h.mustX("XPending 3..7 limit 2", "x", pend("", "3-0", "7-0", 2), "3:b:300:1", "4:a:400:1")
	h.mustX("XPending start > end", "x", pend("", "7-0", "3-0", -1))
	h.mustX("XPending past the end", "x", pend("", "10-1", "99-0", -1))
	h.mustX("XPending of b", "x", pend("b", "0-0", "99-0", -1), "3:b:300:1", "6:b:600:1", "9:b:900:1")
	h.mustX("XPending of b 4..9", "x", pend("b", "4-0", "9-0", -1), "6:b:600:1", "9:b:900:1")
	h.mustX("XPending of b limit 1", "x", pend("b", "4-0", "9-0", 1), "6:b:600:1")
	h.mustX("XPending of a missing consumer", "x", pend("nope", "0-0", "99-0", -1))
	// Replacing an entry of the same consumer; moving one to the other.
	h.update(0, k("x"), func(tx backend.Tx) error {
		for _, p := range []backend.StreamPending{
			{ID: backend.StreamID{Ms: 2}, Consumer: b("a"), DeliveryTime: 2222, DeliveryCount: 2},
			{ID: backend.StreamID{Ms: 4}, Consumer: b("b"), DeliveryTime: 4444, DeliveryCount: 3},
			{ID: backend.StreamID{Ms: 6}, Consumer: b("a"), DeliveryTime: 6666, DeliveryCount: 4},
			{ID: backend.StreamID{Ms: 11}, Consumer: b("b"), DeliveryTime: 11, DeliveryCount: 0},
		} {
			if err := tx.XSetPending(x, g, p); err != nil {
				return err
			}
		}
		return nil
	})
	h.mustX("XPending all after moves", "x", pend("", "0-0", "99-0", -1),
		"1:a:100:1", "2:a:2222:2", "3:b:300:1", "4:b:4444:3", "5:a:500:1",
		"6:a:6666:4", "7:a:700:1", "8:a:800:1", "9:b:900:1", "10:a:1000:1", "11:b:11:0")
	h.mustX("XPending of a after moves", "x", pend("a", "0-0", "99-0", -1),
		"1:a:100:1", "2:a:2222:2", "5:a:500:1", "6:a:6666:4", "7:a:700:1", "8:a:800:1", "10:a:1000:1")
	h.mustX("XPending of b after moves", "x", pend("b", "0-0", "99-0", -1),
		"3:b:300:1", "4:b:4444:3", "9:b:900:1", "11:b:11:0")
	counts := func(want ...string) {
		t.Helper()
		h.mustX("counts", "x", func(tx backend.Tx) ([]string, error) {
			gr, _, err := tx.XGroup(x, g)
			out := []string{xgroup(gr)}
			if err == nil {
				err = tx.XConsumers(x, g, func(c backend.StreamConsumer) bool {
					out = append(out, xconsumer(c))
					return true
				})
			}
			return out, err
		}, want...)
	}
	counts("group g last=0-0 read=0 pending=11 consumers=2", "consumer a seen=0 pending=7", "consumer b seen=0 pending=4")
	h.mustX("XPendingEntry", "x", func(tx backend.Tx) ([]string, error) {
		var out []string
		for _, id := range []string{"4-0", "4-1", "11-0"} {
			p, ok, err := tx.XPendingEntry(x, g, sid(id))
			if err != nil {
				return nil, err
			}
			if !ok {
				out = append(out, "missing")
				continue
			}
			out = append(out, xpend(p))
		}
		_, ok, err := tx.XPendingEntry(x, b("nope"), sid("4-0"))
		return append(out, strconv.FormatBool(ok)), err
	}, "pending 4-0 b time=4444 count=3", "missing", "pending 11-0 b time=11 count=0", "false")
	// XAck.
	h.update(0, k("x"), func(tx backend.Tx) error {
		for _, c := range []struct {
			id   string
			want bool
		}{{"4-0", true}, {"4-0", false}, {"1-0", true}, {"12-0", false}, {"10-0", true}, {"11-0", true}} {
			ok, err := tx.XAck(x, g, sid(c.id))
			if ok != c.want || err != nil {
				return fmt.Errorf("XAck %s = %v, %v; want %v", c.id, ok, err, c.want)
			}
		}
		return nil
	})
	counts("group g last=0-0 read=0 pending=7 consumers=2", "consumer a seen=0 pending=5", "consumer b seen=0 pending=2")
	h.mustX("XPending of b after acks", "x", pend("b", "0-0", "99-0", -1), "3:b:300:1", "9:b:900:1")
	h.mustX("XPending all after acks", "x", pend("", "0-0", "99-0", -1),
		"2:a:2222:2", "3:b:300:1", "5:a:500:1", "6:a:6666:4", "7:a:700:1", "8:a:800:1", "9:b:900:1")
	// Deleting the entries leaves the PEL alone (Redis's XDEL does too).
	h.update(0, k("x"), func(tx backend.Tx) error {
		_, err := tx.XDelete(x, sid("1-0"))
		return err
	})
	counts("group g last=0-0 read=0 pending=7 consumers=2", "consumer a seen=0 pending=5", "consumer b seen=0 pending=2")
}

// testStreamKeyOps: a stream is a key like the others: Delete, expiry,
// Rename, Copy (independent afterwards), Move, MemoryUsage.
func testStreamKeyOps(h *harness) {
	t := h.t
	build := func(key string) {
		h.xadd(key, "1-0 a 1 b 2", "1-1 a 3 b 4", "+2-0 c 5")
		h.update(0, k(key), func(tx backend.Tx) error {
			if _, err := tx.XSetGroup(b(key), backend.StreamGroup{Name: b("g"), LastID: sid("1-1"), EntriesRead: 2}); err != nil {
				return err
			}
			if _, err := tx.XSetConsumer(b(key), b("g"), backend.StreamConsumer{Name: b("c"), SeenTime: 5}); err != nil {
				return err
			}
			return tx.XSetPending(b(key), b("g"), backend.StreamPending{ID: sid("1-1"), Consumer: b("c"), DeliveryTime: 5, DeliveryCount: 1})
		})
	}
	dump := func(key string) string {
		var s string
		h.view(0, k(key), func(tx backend.Tx) (err error) {
			s, err = xdump(tx, key)
			return err
		})
		return s
	}
	build("x")
	want := dump("x")
	// MemoryUsage grows with the stream.
	var small, big int64
	h.view(0, k("x"), func(tx backend.Tx) error {
		n, ok, err := tx.MemoryUsage(b("x"), 0)
		if !ok || n <= 0 {
			t.Fatalf("MemoryUsage = %d, %v", n, ok)
		}
		small = n
		return err
	})
	// Copy: the copy and the original change independently.
	h.update(0, k("x", "y"), func(tx backend.Tx) error {
		ok, err := tx.Copy(b("x"), 0, b("y"), false)
		if !ok {
			t.Fatal("Copy = false")
		}
		return err
	})
	if got := dump("y"); got != want {
		t.Fatalf("copy:\n%s\nwant\n%s", got, want)
	}
	h.xadd("y", "3-0 d 6", "+4-0 e 7")
	h.update(0, k("y"), func(tx backend.Tx) error {
		if _, err := tx.XDelete(b("y"), sid("1-0")); err != nil {
			return err
		}
		if _, err := tx.XRemoveNode(b("y"), sid("2-0")); err != nil {
			return err
		}
		if _, err := tx.XAck(b("y"), b("g"), sid("1-1")); err != nil {
			return err
		}
		_, err := tx.XSetGroup(b("y"), backend.StreamGroup{Name: b("g2")})
		return err
	})
	if got := dump("x"); got != want {
		t.Fatalf("original after writes to its copy:\n%s\nwant\n%s", got, want)
	}
	wantY := dump("y")
	h.xadd("x", "+5-0 f 8")
	h.view(0, k("x"), func(tx backend.Tx) error {
		n, _, err := tx.MemoryUsage(b("x"), 0)
		big = n
		return err
	})
	if big <= small {
		t.Fatalf("MemoryUsage after adding a node: %d, before %d", big, small)
	}
	h.update(0, k("x"), func(tx backend.Tx) error {
		_, _, err := tx.XDelConsumer(b("x"), b("g"), b("c"))
		return err
	})
	if got := dump("y"); got != wantY {
		t.Fatalf("copy after writes to its original:\n%s\nwant\n%s", got, wantY)
	}
	// Rename, Move, Delete, expiry.
	wantX := dump("x")
	h.update(0, k("x", "r"), func(tx backend.Tx) error { return tx.Rename(b("x"), b("r")) })
	h.mustMissing(0, "x")
	if got := dump("r"); got != wantX {
		t.Fatalf("renamed:\n%s\nwant\n%s", got, wantX)
	}
	h.update(0, nil, func(tx backend.Tx) error {
		ok, err := tx.Move(b("r"), 1)
		if !ok {
			t.Fatal("Move = false")
		}
		return err
	})
	h.mustMissing(0, "r")
	h.view(1, k("r"), func(tx backend.Tx) error {
		got, err := xdump(tx, "r")
		if got != wantX {
			t.Fatalf("moved:\n%s\nwant\n%s", got, wantX)
		}
		return err
	})
	h.update(0, k("y"), func(tx backend.Tx) error {
		ok, err := tx.Delete(b("y"))
		if !ok {
			t.Fatal("Delete = false")
		}
		return err
	})
	h.mustMissing(0, "y")
	build("e")
	h.setExpire(0, "e", h.now()+1000)
	h.advance(1000)
	h.mustMissing(0, "e")
	h.mustDump("e", "none")
	// A key of another type replaced by a stream, and the other way.
	h.set(0, "s", "v", 0)
	if err := h.tryUpdate(0, k("s"), func(tx backend.Tx) error { return tx.XSetMeta(b("s"), backend.StreamMeta{}) }); !errors.Is(err, backend.ErrWrongType) {
		t.Fatalf("XSetMeta on a string: %v, want ErrWrongType", err)
	}
	build("z")
	h.set(0, "z", "v", 0)
	h.mustGet(0, "z", "v")
}

// testStreamSnapshot: a snapshot sees a stream as it was, whatever is
// written to it afterwards, and yields it as the registry's items (those
// of TypeInfo.Read, which Put loads back).
func testStreamSnapshot(h *harness) {
	t := h.t
	build := func(key string, n int) {
		h.update(0, k(key), func(tx backend.Tx) error {
			for i := 1; i <= n; i++ {
				fields := bs("f", strconv.Itoa(i), "g", strings.Repeat("v", i%7))
				if i%5 == 0 {
					fields = bs("other", strconv.Itoa(i))
				}
				if _, err := xappend(tx, key, backend.StreamID{Ms: uint64(i / 3), Seq: uint64(i)}, i%9 == 0, fields); err != nil {
					return err
				}
			}
			for i := 1; i <= n; i += 4 {
				if _, err := tx.XDelete(b(key), backend.StreamID{Ms: uint64(i / 3), Seq: uint64(i)}); err != nil {
					return err
				}
			}
			if err := tx.XSetMeta(b(key), backend.StreamMeta{LastID: backend.StreamID{Ms: uint64(n), Seq: 7}, FirstID: sid("0-2"), MaxDeletedID: sid("0-1"), EntriesAdded: int64(n)}); err != nil {
				return err
			}
			for _, g := range []string{"g2", "g1"} {
				if _, err := tx.XSetGroup(b(key), backend.StreamGroup{Name: b(g), LastID: sid("3-9"), EntriesRead: -1}); err != nil {
					return err
				}
				for _, c := range []string{"c2", "c1", "c3"} {
					if _, err := tx.XSetConsumer(b(key), b(g), backend.StreamConsumer{Name: b(c), SeenTime: 77}); err != nil {
						return err
					}
				}
				for i := 2; i < n; i += 3 {
					c := []string{"c1", "c2"}[i%2]
					if err := tx.XSetPending(b(key), b(g), backend.StreamPending{ID: backend.StreamID{Ms: uint64(i / 3), Seq: uint64(i)}, Consumer: b(c), DeliveryTime: int64(i), DeliveryCount: int64(i % 4)}); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	build("x", 60)
	build("big", 2000)
	h.update(0, k("empty"), func(tx backend.Tx) error { return tx.XSetMeta(b("empty"), backend.StreamMeta{LastID: sid("9-9")}) })
	h.update(0, k("eg"), func(tx backend.Tx) error {
		if err := tx.XSetMeta(b("eg"), backend.StreamMeta{}); err != nil {
			return err
		}
		_, err := tx.XSetGroup(b("eg"), backend.StreamGroup{Name: b("g")})
		return err
	})
	keys := []string{"x", "big", "empty", "eg"}
	want := dumpTx(t, h.b)
	s := h.snapshot(nil)
	// Writes after the snapshot: to every part of the streams.
	h.xadd("x", "100-0 new 1", "+101-0 new 2")
	h.update(0, k("x", "big", "empty", "eg"), func(tx backend.Tx) error {
		if _, err := tx.XDelete(b("x"), sid("1-4")); err != nil {
			return err
		}
		if _, err := tx.XRemoveNode(b("big"), sid("0-2")); err != nil {
			return err
		}
		if err := tx.XSetPending(b("x"), b("g1"), backend.StreamPending{ID: sid("0-2"), Consumer: b("c3"), DeliveryTime: 1, DeliveryCount: 1}); err != nil {
			return err
		}
		if _, err := tx.XAck(b("big"), b("g2"), sid("1-5")); err != nil {
			return err
		}
		if _, _, err := tx.XDelConsumer(b("x"), b("g2"), b("c1")); err != nil {
			return err
		}
		if _, err := tx.XDelGroup(b("eg"), b("g")); err != nil {
			return err
		}
		if _, err := xappend(tx, "empty", sid("10-0"), false, bs("a", "1")); err != nil {
			return err
		}
		return tx.XSetMeta(b("big"), backend.StreamMeta{})
	})
	got := dumpSnapshot(t, s)
	s.Close()
	diff(t, "snapshot", got, want)
	// The snapshot's items load back (Put) into the same streams, whose
	// nodes then start at the first live entry of each original node and
	// hold only live entries.
	var entries []*backend.Entry
	h.view(0, nil, func(tx backend.Tx) error {
		for _, key := range keys {
			e, err := ReadEntry(tx, b(key))
			if err != nil {
				return err
			}
			entries = append(entries, e)
		}
		return nil
	})
	h2, _ := h.openBackend()
	s2, err := h.b.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Each(t.Context(), func(e *backend.Entry) error {
		return h2.Update(backend.TxOptions{DB: e.DB, Keys: [][]byte{e.Key}}, func(tx backend.Tx) error { return backend.Put(tx, e) })
	}); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	diff(t, "store loaded from a snapshot", dumpTx(t, h2), dumpTx(t, h.b))
	for _, e := range entries {
		err := h2.View(backend.TxOptions{DB: 0, Keys: [][]byte{e.Key}}, func(tx backend.Tx) error {
			got, err := ReadEntry(tx, e.Key)
			if err != nil {
				return err
			}
			if Describe(got) != Describe(e) {
				t.Fatalf("%s loaded back:\n%s\nwant\n%s", e.Key, Describe(got), Describe(e))
			}
			return tx.XNodes(e.Key, func(n backend.StreamNode) bool {
				if n.Live != n.Total || n.Live == 0 {
					t.Fatalf("%s: a loaded node has live=%d total=%d", e.Key, n.Live, n.Total)
				}
				return true
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The original streams' node boundaries survive the round trip
	// (masters move to the first live entry).
	err = h2.View(backend.TxOptions{DB: 0, Keys: bs("x")}, func(tx backend.Tx) error {
		var masters []string
		if err := tx.XNodes(b("x"), func(n backend.StreamNode) bool {
			masters = append(masters, n.Master.String())
			return true
		}); err != nil {
			return err
		}
		var wantMasters []string
		h.view(0, k("x"), func(tx backend.Tx) error {
			return tx.XNodes(b("x"), func(n backend.StreamNode) bool {
				var first string
				tx.XRange(b("x"), n.Master, n.Last, false, func(id backend.StreamID, _ [][]byte) bool {
					first = id.String()
					return false
				})
				wantMasters = append(wantMasters, first)
				return true
			})
		})
		if !slices.Equal(masters, wantMasters) {
			t.Fatalf("masters after the round trip %v, want %v", masters, wantMasters)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testStreamModel runs random operations against a simple model of the
// stream and compares the whole stream with it along the way. Every 200
// steps the stream is copied (COPY) to "c", sometimes swapping the two
// by renames so that the writes go on to the copy: the other one must
// not change (a backend that shares parts between copies must copy them
// before writing).
func testStreamModel(h *harness) {
	t := h.t
	rng := rand.New(rand.NewPCG(19, 7))
	const key = "m"
	x := b(key)
	m := newXModel()
	var last backend.StreamID // the last id ever added
	var ids []backend.StreamID
	pickID := func() backend.StreamID {
		if len(ids) == 0 || rng.IntN(8) == 0 {
			return backend.StreamID{Ms: uint64(rng.IntN(int(last.Ms) + 2)), Seq: uint64(rng.IntN(3))}
		}
		return ids[rng.IntN(len(ids))]
	}
	groupNames := []string{"g1", "g2", "", "G"}
	consumerNames := []string{"alice", "bob", "c", ""}
	value := func() []byte {
		switch rng.IntN(6) {
		case 0:
			return b(strconv.Itoa(rng.IntN(100000) - 50))
		case 1:
			return []byte{}
		case 2:
			return b(strings.Repeat("z", rng.IntN(300)))
		}
		return b(fmt.Sprint("v", rng.IntN(50)))
	}
	frozen := "" // what "c" must hold
	for step := range 2500 {
		if step%200 == 100 {
			swap := step%400 == 100
			h.update(0, k(key, "c", "tmp"), func(tx backend.Tx) error {
				if _, err := tx.Copy(x, 0, b("c"), true); err != nil {
					return err
				}
				if !swap {
					return nil
				}
				if err := tx.Rename(x, b("tmp")); err != nil {
					return err
				}
				if err := tx.Rename(b("c"), x); err != nil {
					return err
				}
				return tx.Rename(b("tmp"), b("c"))
			})
			frozen = m.dump()
		}
		var what string
		err := h.tryUpdate(0, k(key), func(tx backend.Tx) error {
			switch op := rng.IntN(100); {
			case op < 40:
				last, _ = last.Next()
				if rng.IntN(3) == 0 {
					last = backend.StreamID{Ms: last.Ms + 1 + uint64(rng.IntN(3)), Seq: uint64(rng.IntN(4))}
				}
				var fields [][]byte
				for i := range 1 + rng.IntN(3) {
					name := []string{"a", "b", "c", "d"}[(i+rng.IntN(2))%4]
					fields = append(fields, b(name), value())
				}
				newNode := rng.IntN(8) == 0
				what = fmt.Sprintf("XAppend %v new=%v %q", last, newNode, fields)
				c, err := xappend(tx, key, last, newNode, fields)
				if err != nil {
					return err
				}
				ids = append(ids, last)
				m.append(last, newNode, fields, c)
			case op < 55:
				id := pickID()
				what = fmt.Sprintf("XDelete %v", id)
				ok, err := tx.XDelete(x, id)
				if want := m.delete(id); ok != want || err != nil {
					return fmt.Errorf("= %v, %v; model %v", ok, err, want)
				}
			case op < 59:
				id := pickID()
				if len(m.nodes) > 0 && rng.IntN(2) == 0 {
					id = m.nodes[rng.IntN(len(m.nodes))].master
				}
				what = fmt.Sprintf("XRemoveNode %v", id)
				n, err := tx.XRemoveNode(x, id)
				if want := m.removeNode(id); n != want || err != nil {
					return fmt.Errorf("= %d, %v; model %d", n, err, want)
				}
			case op < 62:
				meta := backend.StreamMeta{LastID: pickID(), FirstID: pickID(), MaxDeletedID: pickID(), EntriesAdded: rng.Int64N(1000)}
				what = fmt.Sprintf("XSetMeta %+v", meta)
				if err := tx.XSetMeta(x, meta); err != nil {
					return err
				}
				m.exists = true
				m.meta = meta
			case op < 67:
				g := backend.StreamGroup{Name: b(groupNames[rng.IntN(len(groupNames))]), LastID: pickID(), EntriesRead: rng.Int64N(50) - 1}
				what = fmt.Sprintf("XSetGroup %q", g.Name)
				created, err := tx.XSetGroup(x, g)
				if !m.exists {
					if !errors.Is(err, backend.ErrNoSuchKey) {
						return fmt.Errorf("on a missing key: %v, want ErrNoSuchKey", err)
					}
					return nil
				}
				if want := m.setGroup(g); created != want || err != nil {
					return fmt.Errorf("= %v, %v; model %v", created, err, want)
				}
			case op < 69:
				name := groupNames[rng.IntN(len(groupNames))]
				what = fmt.Sprintf("XDelGroup %q", name)
				ok, err := tx.XDelGroup(x, b(name))
				_, want := m.groups[name]
				delete(m.groups, name)
				if ok != want || err != nil {
					return fmt.Errorf("= %v, %v; model %v", ok, err, want)
				}
			case op < 75:
				gn, cn := groupNames[rng.IntN(len(groupNames))], consumerNames[rng.IntN(len(consumerNames))]
				seen := rng.Int64N(1000)
				what = fmt.Sprintf("XSetConsumer %q %q", gn, cn)
				created, err := tx.XSetConsumer(x, b(gn), backend.StreamConsumer{Name: b(cn), SeenTime: seen, Pending: 5})
				g := m.groups[gn]
				if g == nil {
					if !errors.Is(err, backend.ErrNoSuchGroup) {
						return fmt.Errorf("in a missing group: %v, want ErrNoSuchGroup", err)
					}
					return nil
				}
				_, had := g.consumers[cn]
				g.consumers[cn] = seen
				if created == had || err != nil {
					return fmt.Errorf("= %v, %v; model had it: %v", created, err, had)
				}
			case op < 78:
				gn, cn := groupNames[rng.IntN(len(groupNames))], consumerNames[rng.IntN(len(consumerNames))]
				what = fmt.Sprintf("XDelConsumer %q %q", gn, cn)
				n, ok, err := tx.XDelConsumer(x, b(gn), b(cn))
				g := m.groups[gn]
				if g == nil {
					if !errors.Is(err, backend.ErrNoSuchGroup) {
						return fmt.Errorf("in a missing group: %v, want ErrNoSuchGroup", err)
					}
					return nil
				}
				want, wok := g.delConsumer(cn)
				if n != want || ok != wok || err != nil {
					return fmt.Errorf("= %d, %v, %v; model %d, %v", n, ok, err, want, wok)
				}
			case op < 92:
				gn, cn := groupNames[rng.IntN(len(groupNames))], consumerNames[rng.IntN(len(consumerNames))]
				p := backend.StreamPending{ID: pickID(), Consumer: b(cn), DeliveryTime: rng.Int64N(1e6), DeliveryCount: rng.Int64N(5)}
				what = fmt.Sprintf("XSetPending %q %s", gn, xpend(p))
				err := tx.XSetPending(x, b(gn), p)
				g := m.groups[gn]
				if g == nil {
					if !errors.Is(err, backend.ErrNoSuchGroup) {
						return fmt.Errorf("in a missing group: %v, want ErrNoSuchGroup", err)
					}
					return nil
				}
				if _, ok := g.consumers[cn]; !ok {
					if !errors.Is(err, backend.ErrNoSuchGroup) {
						return fmt.Errorf("to a missing consumer: %v, want ErrNoSuchGroup", err)
					}
					return nil
				}
				if err != nil {
					return err
				}
				p.Consumer = slices.Clone(p.Consumer)
				g.pel[p.ID] = p
			default:
				gn := groupNames[rng.IntN(len(groupNames))]
				id := pickID()
				if g := m.groups[gn]; g != nil && len(g.pel) > 0 && rng.IntN(2) == 0 {
					for pid := range g.pel {
						id = pid
						break
					}
				}
				what = fmt.Sprintf("XAck %q %v", gn, id)
				ok, err := tx.XAck(x, b(gn), id)
				g := m.groups[gn]
				if g == nil {
					if !errors.Is(err, backend.ErrNoSuchGroup) {
						return fmt.Errorf("in a missing group: %v, want ErrNoSuchGroup", err)
					}
					return nil
				}
				_, want := g.pel[id]
				delete(g.pel, id)
				if ok != want || err != nil {
					return fmt.Errorf("= %v, %v; model %v", ok, err, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("step %d: %s: %v", step, what, err)
		}
		if step%25 == 0 || step > 2450 {
			h.view(0, k(key), func(tx backend.Tx) error {
				got, err := xdump(tx, key)
				if err != nil {
					return err
				}
				if want := m.dump(); got != want {
					t.Fatalf("step %d (after %s): stream\n%s\nmodel\n%s", step, what, got, want)
				}
				return nil
			})
			h.view(0, k("c"), func(tx backend.Tx) error {
				if frozen == "" {
					return nil
				}
				got, err := xdump(tx, "c")
				if err == nil && got != frozen {
					t.Fatalf("step %d (after %s): the copy changed:\n%s\nwant\n%s", step, what, got, frozen)
				}
				return err
			})
			h.view(0, k(key), func(tx backend.Tx) error {
				// Random ranges, both ways, with a limit.
				for range 5 {
					start, end := pickID(), pickID()
					if rng.IntN(3) == 0 {
						start, end = end, start
					}
					rev, limit := rng.IntN(2) == 0, rng.IntN(6)-1
					got, err := xrange(tx, key, start, end, rev, limit)
					if err != nil {
						return err
					}
					if want := m.xrange(start, end, rev, limit); !slices.Equal(got, want) {
						t.Fatalf("step %d: XRange %v..%v rev=%v limit=%d = %q, model %q", step, start, end, rev, limit, got, want)
					}
				}
				return nil
			})
		}
	}
}

// xmodel is the contract's model of a stream.
type xmodel struct {
	exists bool
	meta   backend.StreamMeta
	nodes  []*xmnode
	groups map[string]*xmgroup
}

type xmnode struct {
	master         backend.StreamID
	mfields        [][]byte
	last           backend.StreamID
	total, entries int64 // entries: EntriesBytes
	ids            []backend.StreamID
	fields         [][][]byte
	deleted        []bool
}

type xmgroup struct {
	g         backend.StreamGroup
	consumers map[string]int64 // seen time
	pel       map[backend.StreamID]backend.StreamPending
}

func newXModel() *xmodel { return &xmodel{groups: map[string]*xmgroup{}} }

func (m *xmodel) append(id backend.StreamID, newNode bool, fields [][]byte, cost int64) {
	m.exists = true
	if newNode || len(m.nodes) == 0 {
		var names [][]byte
		for i := 0; i < len(fields); i += 2 {
			names = append(names, slices.Clone(fields[i]))
		}
		m.nodes = append(m.nodes, &xmnode{master: id, mfields: names})
	}
	n := m.nodes[len(m.nodes)-1]
	cp := make([][]byte, len(fields))
	for i, f := range fields {
		cp[i] = slices.Clone(f)
	}
	n.ids = append(n.ids, id)
	n.fields = append(n.fields, cp)
	n.deleted = append(n.deleted, false)
	n.last = id
	n.total++
	n.entries += cost
}

func (n *xmnode) live() int64 {
	var l int64
	for _, d := range n.deleted {
		if !d {
			l++
		}
	}
	return l
}

func (m *xmodel) delete(id backend.StreamID) bool {
	for i, n := range m.nodes {
		for j, nid := range n.ids {
			if nid == id && !n.deleted[j] {
				n.deleted[j] = true
				if n.live() == 0 {
					m.nodes = slices.Delete(m.nodes, i, i+1)
				}
				return true
			}
		}
	}
	return false
}

func (m *xmodel) removeNode(master backend.StreamID) int64 {
	for i, n := range m.nodes {
		if n.master == master {
			m.nodes = slices.Delete(m.nodes, i, i+1)
			return n.live()
		}
	}
	return 0
}

func (m *xmodel) setGroup(g backend.StreamGroup) bool {
	if old, ok := m.groups[string(g.Name)]; ok {
		old.g.LastID, old.g.EntriesRead = g.LastID, g.EntriesRead
		return false
	}
	g.Name = slices.Clone(g.Name)
	m.groups[string(g.Name)] = &xmgroup{g: g, consumers: map[string]int64{}, pel: map[backend.StreamID]backend.StreamPending{}}
	return true
}

func (g *xmgroup) delConsumer(name string) (int64, bool) {
	if _, ok := g.consumers[name]; !ok {
		return 0, false
	}
	delete(g.consumers, name)
	var n int64
	for id, p := range g.pel {
		if string(p.Consumer) == name {
			delete(g.pel, id)
			n++
		}
	}
	return n, true
}

// entries returns the live entries, rendered, in id order.
func (m *xmodel) entries() ([]backend.StreamID, []string) {
	var ids []backend.StreamID
	var out []string
	for _, n := range m.nodes {
		for j, id := range n.ids {
			if !n.deleted[j] {
				ids = append(ids, id)
				out = append(out, xentry(id, n.fields[j]))
			}
		}
	}
	return ids, out
}

func (m *xmodel) xrange(start, end backend.StreamID, rev bool, limit int) []string {
	ids, es := m.entries()
	var out []string
	for i := range ids {
		if rev {
			i = len(ids) - 1 - i
		}
		if limit >= 0 && len(out) >= limit {
			break
		}
		if ids[i].Compare(start) >= 0 && ids[i].Compare(end) <= 0 {
			out = append(out, es[i])
		}
	}
	return out
}

// dump renders the model as xdump renders a stream.
func (m *xmodel) dump() string {
	if !m.exists {
		return "none"
	}
	meta := m.meta
	meta.Nodes, meta.Groups, meta.Length = int64(len(m.nodes)), int64(len(m.groups)), 0
	for _, n := range m.nodes {
		meta.Length += n.live()
	}
	lines := []string{xmeta(meta)}
	for _, n := range m.nodes {
		lines = append(lines, xnode(backend.StreamNode{Master: n.master, MasterFields: n.mfields, Last: n.last,
			Live: n.live(), Total: n.total, EntriesBytes: n.entries}))
	}
	_, es := m.entries()
	for _, e := range es {
		lines = append(lines, "entry "+e)
	}
	gnames := make([]string, 0, len(m.groups))
	for name := range m.groups {
		gnames = append(gnames, name)
	}
	slices.Sort(gnames)
	for _, gn := range gnames {
		g := m.groups[gn]
		pel := make([]backend.StreamPending, 0, len(g.pel))
		for _, p := range g.pel {
			pel = append(pel, p)
		}
		slices.SortFunc(pel, func(a, b backend.StreamPending) int { return a.ID.Compare(b.ID) })
		gi := g.g
		gi.Pending, gi.Consumers = int64(len(pel)), int64(len(g.consumers))
		lines = append(lines, xgroup(gi))
		cnames := make([]string, 0, len(g.consumers))
		for cn := range g.consumers {
			cnames = append(cnames, cn)
		}
		slices.Sort(cnames)
		for _, cn := range cnames {
			var n int64
			for _, p := range pel {
				if string(p.Consumer) == cn {
					n++
				}
			}
			lines = append(lines, "  "+xconsumer(backend.StreamConsumer{Name: b(cn), SeenTime: g.consumers[cn], Pending: n}))
		}
		for _, p := range pel {
			lines = append(lines, "  "+xpend(p))
		}
		for _, cn := range cnames {
			for _, p := range pel {
				if string(p.Consumer) == cn {
					lines = append(lines, "  of "+xq(b(cn))+": "+xpend(p))
				}
			}
		}
	}
	return strings.Join(lines, "\n")
}
