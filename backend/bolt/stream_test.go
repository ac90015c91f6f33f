package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"redpool/backend"
)

// xmodel is a stream as the tests expect bolt to store it.
type xmodel struct {
	meta    backend.StreamMeta
	entries map[backend.StreamID][][]byte
	nodes   []backend.StreamNode // by master
	groups  map[string]*xmgroup
}

type xmgroup struct {
	g         backend.StreamGroup
	consumers map[string]int64 // name -> seen time
	pel       map[backend.StreamID]backend.StreamPending
}

func newXModel() *xmodel {
	return &xmodel{entries: map[backend.StreamID][][]byte{}, groups: map[string]*xmgroup{}}
}

func (m *xmodel) ids() []backend.StreamID {
	ids := make([]backend.StreamID, 0, len(m.entries))
	for id := range m.entries {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, backend.StreamID.Compare)
	return ids
}

// nodeOf returns the index of the node holding id.
func (m *xmodel) nodeOf(id backend.StreamID) int {
	for i := len(m.nodes) - 1; i >= 0; i-- {
		if m.nodes[i].Master.Compare(id) <= 0 {
			return i
		}
	}
	return -1
}

func (m *xmodel) appendEntry(id backend.StreamID, fields [][]byte, newNode bool, cost int64) {
	if newNode || len(m.nodes) == 0 {
		var names [][]byte
		for i := 0; i < len(fields); i += 2 {
			names = append(names, fields[i])
		}
		m.nodes = append(m.nodes, backend.StreamNode{Master: id, MasterFields: names})
	}
	n := &m.nodes[len(m.nodes)-1]
	n.Last, n.Live, n.Total, n.EntriesBytes = id, n.Live+1, n.Total+1, n.EntriesBytes+cost
	m.entries[id] = fields
}

func (m *xmodel) deleteEntry(id backend.StreamID) bool {
	if _, ok := m.entries[id]; !ok {
		return false
	}
	delete(m.entries, id)
	i := m.nodeOf(id)
	if m.nodes[i].Live--; m.nodes[i].Live == 0 {
		m.nodes = slices.Delete(m.nodes, i, i+1)
	}
	return true
}

func (m *xmodel) removeNode(master backend.StreamID) int64 {
	for i, n := range m.nodes {
		if n.Master == master {
			for id := range m.entries {
				if id.Compare(n.Master) >= 0 && id.Compare(n.Last) <= 0 {
					delete(m.entries, id)
				}
			}
			m.nodes = slices.Delete(m.nodes, i, i+1)
			return n.Live
		}
	}
	return 0
}

// check compares everything bolt reads back for key with m.
func (m *xmodel) check(t *testing.T, tx backend.Tx, key []byte) {
	t.Helper()
	meta, ok, err := tx.XMeta(key)
	want := m.meta
	want.Length, want.Nodes, want.Groups = int64(len(m.entries)), int64(len(m.nodes)), int64(len(m.groups))
	if err != nil || !ok || meta != want {
		t.Fatalf("XMeta = %+v %v %v, want %+v", meta, ok, err, want)
	}
	ids := m.ids()
	var got []string
	err = tx.XRange(key, backend.StreamID{}, backend.MaxStreamID, false, func(id backend.StreamID, f [][]byte) bool {
		got = append(got, id.String()+"="+string(bytes.Join(f, []byte(","))))
		return true
	})
	var exp []string
	for _, id := range ids {
		exp = append(exp, id.String()+"="+string(bytes.Join(m.entries[id], []byte(","))))
	}
	if err != nil || !slices.Equal(got, exp) {
		t.Fatalf("XRange = %v %v, want %v", got, err, exp)
	}
	got = got[:0]
	err = tx.XRange(key, backend.StreamID{}, backend.MaxStreamID, true, func(id backend.StreamID, f [][]byte) bool {
		got = append(got, id.String()+"="+string(bytes.Join(f, []byte(","))))
		return true
	})
	slices.Reverse(exp)
	if err != nil || !slices.Equal(got, exp) {
		t.Fatalf("XRange rev = %v %v, want %v", got, err, exp)
	}
	var nodes []string
	err = tx.XNodes(key, func(n backend.StreamNode) bool {
		nodes = append(nodes, fmtNode(n))
		return true
	})
	var expNodes []string
	for _, n := range m.nodes {
		expNodes = append(expNodes, fmtNode(n))
	}
	if err != nil || !slices.Equal(nodes, expNodes) {
		t.Fatalf("XNodes = %v %v, want %v", nodes, err, expNodes)
	}
	tail, ok, err := tx.XTailNode(key)
	switch {
	case err != nil:
		t.Fatalf("XTailNode: %v", err)
	case ok != (len(m.nodes) > 0):
		t.Fatalf("XTailNode ok = %v with %d nodes", ok, len(m.nodes))
	case ok && fmtNode(tail) != expNodes[len(expNodes)-1]:
		t.Fatalf("XTailNode = %s, want %s", fmtNode(tail), expNodes[len(expNodes)-1])
	}
	var groups []string
	if err := tx.XGroups(key, func(g backend.StreamGroup) bool {
		groups = append(groups, fmt.Sprintf("%s %v %d %d %d", g.Name, g.LastID, g.EntriesRead, g.Pending, g.Consumers))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	var expGroups []string
	for _, name := range slices.Sorted(mapKeys(m.groups)) {
		g := m.groups[name]
		expGroups = append(expGroups, fmt.Sprintf("%s %v %d %d %d", name, g.g.LastID, g.g.EntriesRead, len(g.pel), len(g.consumers)))
		m.checkGroup(t, tx, key, name, g)
	}
	if !slices.Equal(groups, expGroups) {
		t.Fatalf("XGroups = %q, want %q", groups, expGroups)
	}
}

func (m *xmodel) checkGroup(t *testing.T, tx backend.Tx, key []byte, name string, g *xmgroup) {
	t.Helper()
	var cs, exp []string
	if err := tx.XConsumers(key, []byte(name), func(c backend.StreamConsumer) bool {
		cs = append(cs, fmt.Sprintf("%s %d %d", c.Name, c.SeenTime, c.Pending))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range slices.Sorted(mapKeys(g.consumers)) {
		var pending []string
		for _, id := range slices.SortedFunc(mapKeys(g.pel), backend.StreamID.Compare) {
			if p := g.pel[id]; string(p.Consumer) == c {
				pending = append(pending, fmtPending(p))
			}
		}
		exp = append(exp, fmt.Sprintf("%s %d %d", c, g.consumers[c], len(pending)))
		var got []string
		if err := tx.XPending(key, []byte(name), []byte(c), backend.StreamID{}, backend.MaxStreamID, func(p backend.StreamPending) bool {
			got = append(got, fmtPending(p))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, pending) {
			t.Fatalf("XPending %s %s = %q, want %q", name, c, got, pending)
		}
	}
	if !slices.Equal(cs, exp) {
		t.Fatalf("XConsumers %s = %q, want %q", name, cs, exp)
	}
	var got, pending []string
	for _, id := range slices.SortedFunc(mapKeys(g.pel), backend.StreamID.Compare) {
		pending = append(pending, fmtPending(g.pel[id]))
		p, ok, err := tx.XPendingEntry(key, []byte(name), id)
		if err != nil || !ok || fmtPending(p) != fmtPending(g.pel[id]) {
			t.Fatalf("XPendingEntry %s %v = %s %v %v, want %s", name, id, fmtPending(p), ok, err, fmtPending(g.pel[id]))
		}
	}
	if err := tx.XPending(key, []byte(name), nil, backend.StreamID{}, backend.MaxStreamID, func(p backend.StreamPending) bool {
		got = append(got, fmtPending(p))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, pending) {
		t.Fatalf("XPending %s = %q, want %q", name, got, pending)
	}
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func fmtNode(n backend.StreamNode) string {
	return fmt.Sprintf("%v..%v live=%d total=%d bytes=%d fields=%q", n.Master, n.Last, n.Live, n.Total, n.EntriesBytes, n.MasterFields)
}

func fmtPending(p backend.StreamPending) string {
	return fmt.Sprintf("%v %s %d %d", p.ID, p.Consumer, p.DeliveryTime, p.DeliveryCount)
}

// checkSize checks that key's record counts its data keys (see stream.go),
// those below a trim floor left out (liveSpans).
func checkSize(t *testing.T, btx backend.Tx, key []byte) {
	t.Helper()
	bt := btx.(*tx)
	r, ok, err := bt.get(bt.kkey(key))
	if err != nil || !ok {
		t.Fatalf("record of %q: %v %v", key, ok, err)
	}
	n := int64(0)
	prefix := appendID(nil, r.id)
	spans, err := bt.liveSpans(&r)
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range spans {
		c := bt.dataB().Cursor()
		end := append(bytes.Clone(prefix), sp[1]...)
		for k, _ := c.Seek(append(bytes.Clone(prefix), sp[0]...)); k != nil && hasPrefix(k, prefix) && (sp[1] == nil || bytes.Compare(k, end) < 0); k, _ = c.Next() {
			n++
		}
	}
	if n != r.size {
		t.Fatalf("record of %q: size %d, %d data keys", key, r.size, n)
	}
}

// TestStreamModel runs random stream operations against xmodel: entries
// and nodes (a node goes when its last live entry is deleted), groups,
// consumers and PEL entries moving between consumers.
func TestStreamModel(t *testing.T) {
	t.Run("eager", func(t *testing.T) { streamModel(t, tuning{noExpirer: true, iterChunk: 3}) })
	// Every node of more than one live entry is trimmed lazily (see
	// stream_trim.go), and the test runs the sweeper at random points,
	// so reads meet trim floors with every part of what is below them
	// left; an emptied stream is sometimes appended to below its floor.
	t.Run("lazy", func(t *testing.T) {
		streamModel(t, tuning{noExpirer: true, iterChunk: 3, smallDrop: -1, noSweeper: true})
	})
}

// streamModel is TestStreamModel with tun.
func streamModel(t *testing.T, tun tuning) {
	b := openTest(t, Options{Sync: SyncNone, tuning: tun})
	rng := rand.New(rand.NewPCG(1, 19))
	key := []byte("s")
	m := newXModel()
	next := backend.StreamID{Ms: 1}
	pickID := func() backend.StreamID {
		if ids := m.ids(); len(ids) > 0 && rng.IntN(4) > 0 {
			return ids[rng.IntN(len(ids))]
		}
		return backend.StreamID{Ms: uint64(rng.IntN(int(next.Ms) + 2)), Seq: uint64(rng.IntN(3))}
	}
	names := []string{"", "a", "ab", "b", "a\x00", "\x01a"}
	for step := range 3000 {
		mustUpdate(t, b, 0, func(tx backend.Tx) error {
			switch op := rng.IntN(12); {
			case step == 0 || op < 4:
				if len(m.nodes) == 0 && rng.IntN(2) == 0 {
					// Any id will do in an empty stream: below a floor too.
					next = backend.StreamID{Ms: uint64(rng.IntN(3))}
				}
				fields := [][]byte{[]byte("f"), []byte(strconv.Itoa(step))}
				if rng.IntN(3) == 0 {
					fields = append(fields, []byte("g"+strconv.Itoa(rng.IntN(3))), []byte{})
				}
				newNode := rng.IntN(5) == 0
				cost := int64(rng.IntN(50))
				if err := tx.XAppend(key, next, fields, newNode, cost); err != nil {
					return err
				}
				m.appendEntry(next, fields, newNode, cost)
				next.Seq++
				if rng.IntN(3) == 0 {
					next = backend.StreamID{Ms: next.Ms + 1}
				}
			case op == 4:
				id := pickID()
				got, err := tx.XDelete(key, id)
				if want := m.deleteEntry(id); err != nil || got != want {
					t.Fatalf("XDelete %v = %v %v, want %v", id, got, err, want)
				}
			case op == 5:
				master := pickID()
				if len(m.nodes) > 0 && rng.IntN(2) == 0 {
					master = m.nodes[rng.IntN(len(m.nodes))].Master
				}
				got, err := tx.XRemoveNode(key, master)
				if want := m.removeNode(master); err != nil || got != want {
					t.Fatalf("XRemoveNode %v = %d %v, want %d", master, got, err, want)
				}
			case op == 6:
				g := backend.StreamGroup{Name: []byte(names[rng.IntN(len(names))]), LastID: pickID(), EntriesRead: int64(rng.IntN(5)) - 1}
				created, err := tx.XSetGroup(key, g)
				mg, had := m.groups[string(g.Name)]
				if err != nil || created == had {
					t.Fatalf("XSetGroup %q = %v %v, had %v", g.Name, created, err, had)
				}
				if !had {
					mg = &xmgroup{consumers: map[string]int64{}, pel: map[backend.StreamID]backend.StreamPending{}}
					m.groups[string(g.Name)] = mg
				}
				mg.g.LastID, mg.g.EntriesRead = g.LastID, g.EntriesRead
			case op == 7 && rng.IntN(4) == 0:
				name := names[rng.IntN(len(names))]
				ok, err := tx.XDelGroup(key, []byte(name))
				if _, had := m.groups[name]; err != nil || ok != had {
					t.Fatalf("XDelGroup %q = %v %v, had %v", name, ok, err, had)
				}
				delete(m.groups, name)
			case op == 8:
				group, name := names[rng.IntN(len(names))], names[rng.IntN(len(names))]
				seen := int64(rng.IntN(1000))
				created, err := tx.XSetConsumer(key, []byte(group), backend.StreamConsumer{Name: []byte(name), SeenTime: seen})
				mg, ok := m.groups[group]
				if !ok {
					if !errors.Is(err, backend.ErrNoSuchGroup) {
						t.Fatalf("XSetConsumer in missing group %q: %v", group, err)
					}
					return nil
				}
				_, had := mg.consumers[name]
				if err != nil || created == had {
					t.Fatalf("XSetConsumer %q %q = %v %v, had %v", group, name, created, err, had)
				}
				mg.consumers[name] = seen
			case op == 9 && rng.IntN(3) == 0:
				group, name := names[rng.IntN(len(names))], names[rng.IntN(len(names))]
				pending, ok, err := tx.XDelConsumer(key, []byte(group), []byte(name))
				mg, gok := m.groups[group]
				if !gok {
					if !errors.Is(err, backend.ErrNoSuchGroup) {
						t.Fatalf("XDelConsumer in missing group %q: %v", group, err)
					}
					return nil
				}
				_, had := mg.consumers[name]
				var want int64
				for id, p := range mg.pel {
					if string(p.Consumer) == name {
						want++
						delete(mg.pel, id)
					}
				}
				if err != nil || ok != had || pending != want {
					t.Fatalf("XDelConsumer %q %q = %d %v %v, want %d %v", group, name, pending, ok, err, want, had)
				}
				delete(mg.consumers, name)
			case op == 10:
				group, name := names[rng.IntN(len(names))], names[rng.IntN(len(names))]
				p := backend.StreamPending{ID: pickID(), Consumer: []byte(name), DeliveryTime: int64(rng.IntN(1000)), DeliveryCount: int64(rng.IntN(4))}
				err := tx.XSetPending(key, []byte(group), p)
				mg, ok := m.groups[group]
				if ok {
					_, ok = mg.consumers[name]
				}
				if !ok {
					if !errors.Is(err, backend.ErrNoSuchGroup) {
						t.Fatalf("XSetPending %q %q without them: %v", group, name, err)
					}
					return nil
				}
				if err != nil {
					t.Fatalf("XSetPending: %v", err)
				}
				mg.pel[p.ID] = p
			default:
				group := names[rng.IntN(len(names))]
				mg, ok := m.groups[group]
				id := pickID()
				if ok && len(mg.pel) > 0 && rng.IntN(2) == 0 {
					for pid := range mg.pel {
						id = pid
						break
					}
				}
				acked, err := tx.XAck(key, []byte(group), id)
				if !ok {
					if !errors.Is(err, backend.ErrNoSuchGroup) {
						t.Fatalf("XAck in missing group %q: %v", group, err)
					}
					return nil
				}
				_, had := mg.pel[id]
				if err != nil || acked != had {
					t.Fatalf("XAck %q %v = %v %v, want %v", group, id, acked, err, had)
				}
				delete(mg.pel, id)
			}
			if rng.IntN(10) == 0 {
				m.meta = backend.StreamMeta{LastID: next, FirstID: pickID(), MaxDeletedID: pickID(), EntriesAdded: int64(step)}
				return tx.XSetMeta(key, m.meta)
			}
			return nil
		})
		if tun.noSweeper && rng.IntN(8) == 0 {
			if err := b.job(func(t *tx) error { _, err := t.sweep(1+rng.IntN(20), time.Time{}); return err }); err != nil {
				t.Fatal(err)
			}
		}
		if step%10 == 0 || step > 2900 {
			mustView(t, b, 0, func(tx backend.Tx) error {
				m.check(t, tx, key)
				checkSize(t, tx, key)
				return nil
			})
		}
	}
}

// xfill builds a stream at key: entries 1-0 .. n-0 in nodes of 10 (with
// the costs of StreamEntryCost), a group "g" with consumers "alice" and
// "bob", and every third entry pending.
func xfill(t testing.TB, tx backend.Tx, key []byte, n int) error {
	for i := 1; i <= n; i++ {
		id := backend.StreamID{Ms: uint64(i)}
		fields := [][]byte{[]byte("n"), []byte(strconv.Itoa(i))}
		master := backend.StreamID{Ms: uint64((i-1)/10*10 + 1)}
		cost := backend.StreamEntryCost(master, fields[:1], id, fields) // as a snapshot's load counts it
		if err := tx.XAppend(key, id, fields, i%10 == 1, cost); err != nil {
			return err
		}
	}
	if err := tx.XSetMeta(key, backend.StreamMeta{LastID: backend.StreamID{Ms: uint64(n)}, EntriesAdded: int64(n)}); err != nil {
		return err
	}
	if _, err := tx.XSetGroup(key, backend.StreamGroup{Name: []byte("g"), LastID: backend.StreamID{Ms: 3}, EntriesRead: 3}); err != nil {
		return err
	}
	for _, c := range []string{"alice", "bob"} {
		if _, err := tx.XSetConsumer(key, []byte("g"), backend.StreamConsumer{Name: []byte(c), SeenTime: 7}); err != nil {
			return err
		}
	}
	for i := 3; i <= n; i += 3 {
		c := []byte("alice")
		if i%2 == 0 {
			c = []byte("bob")
		}
		if err := tx.XSetPending(key, []byte("g"), backend.StreamPending{ID: backend.StreamID{Ms: uint64(i)}, Consumer: c, DeliveryTime: 9, DeliveryCount: 1}); err != nil {
			return err
		}
	}
	return nil
}

// xdigest is everything the stream at key holds, as text.
func xdigest(t testing.TB, tx backend.Tx, key []byte) string {
	t.Helper()
	var b bytes.Buffer
	m, ok, err := tx.XMeta(key)
	if err != nil || !ok {
		return fmt.Sprintf("no stream (%v)", err)
	}
	fmt.Fprintf(&b, "%+v\n", m)
	check := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	check(tx.XNodes(key, func(n backend.StreamNode) bool { fmt.Fprintln(&b, fmtNode(n)); return true }))
	check(tx.XRange(key, backend.StreamID{}, backend.MaxStreamID, false, func(id backend.StreamID, f [][]byte) bool {
		fmt.Fprintf(&b, "%v %q\n", id, f)
		return true
	}))
	var groups [][]byte
	check(tx.XGroups(key, func(g backend.StreamGroup) bool {
		fmt.Fprintf(&b, "group %+v\n", g)
		groups = append(groups, bytes.Clone(g.Name))
		return true
	}))
	for _, g := range groups {
		check(tx.XConsumers(key, g, func(c backend.StreamConsumer) bool { fmt.Fprintf(&b, "consumer %+v\n", c); return true }))
		check(tx.XPending(key, g, nil, backend.StreamID{}, backend.MaxStreamID, func(p backend.StreamPending) bool {
			fmt.Fprintln(&b, fmtPending(p))
			return true
		}))
	}
	return b.String()
}

// TestStreamKeyOps checks that the generic key operations carry a stream
// whole (entries, nodes, groups, consumers, both PELs): RENAME, MOVE,
// COPY, snapshots through the registry, and that DEL, expiry and FLUSHDB
// remove it with all its data.
func TestStreamKeyOps(t *testing.T) {
	clock := backend.NewManualClock(time.UnixMilli(1000))
	b := openTest(t, Options{Sync: SyncNone, Clock: clock, tuning: tuning{noExpirer: true, smallDrop: 4}})
	key := []byte("s")
	var want string
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		if err := xfill(t, tx, key, 95); err != nil {
			return err
		}
		want = xdigest(t, tx, key)
		return nil
	})
	same := func(what string, db int, k []byte) {
		t.Helper()
		mustView(t, b, db, func(tx backend.Tx) error {
			if got := xdigest(t, tx, k); got != want {
				t.Fatalf("%s: got\n%s\nwant\n%s", what, got, want)
			}
			checkSize(t, tx, k)
			return nil
		})
	}
	gone := func(what string, db int, k []byte) {
		t.Helper()
		mustView(t, b, db, func(tx backend.Tx) error {
			if _, ok, err := tx.XMeta(k); ok || err != nil {
				t.Fatalf("%s: %q still exists (%v)", what, k, err)
			}
			return nil
		})
	}
	same("built", 0, key)
	mustUpdate(t, b, 0, func(tx backend.Tx) error { return tx.Rename(key, []byte("r")) })
	gone("RENAME", 0, key)
	same("RENAME", 0, []byte("r"))
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		_, err := tx.Move([]byte("r"), 1)
		return err
	})
	same("MOVE", 1, []byte("r"))
	mustUpdate(t, b, 1, func(tx backend.Tx) error {
		_, err := tx.Copy([]byte("r"), 0, key, false)
		return err
	})
	same("COPY", 0, key)
	// The copy is independent: changing it leaves the original alone.
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		_, err := tx.XAck(key, []byte("g"), backend.StreamID{Ms: 3})
		return err
	})
	same("COPY's source", 1, []byte("r"))

	// A snapshot (Each) loaded into another database through Put.
	snap, err := b.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	var entries []backend.Entry
	err = snap.Each(context.Background(), func(e *backend.Entry) error {
		if e.DB == 1 {
			c := *e
			c.Key = bytes.Clone(e.Key)
			c.Items = nil
			for _, it := range e.Items {
				c.Items = append(c.Items, bytes.Clone(it))
			}
			entries = append(entries, c)
		}
		return nil
	})
	if cerr := snap.Close(); err == nil {
		err = cerr
	}
	if err != nil || len(entries) != 1 {
		t.Fatalf("snapshot: %d entries of db 1, %v", len(entries), err)
	}
	entries[0].DB, entries[0].Key = 2, []byte("loaded")
	mustUpdate(t, b, 2, func(tx backend.Tx) error { return backend.Put(tx, &entries[0]) })
	same("snapshot + Put", 2, []byte("loaded"))

	// DEL of the large copy goes to the sweeper, expiry removes the
	// moved one, FLUSHDB the loaded one; then no data key is left.
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		_, err := tx.Delete(key)
		return err
	})
	gone("DEL", 0, key)
	mustUpdate(t, b, 1, func(tx backend.Tx) error {
		_, err := tx.SetExpireAt([]byte("r"), 2000)
		return err
	})
	clock.Advance(1500 * time.Millisecond)
	gone("expiry", 1, []byte("r"))
	mustUpdate(t, b, 2, func(tx backend.Tx) error { return tx.Flush() })
	gone("FLUSHDB", 2, []byte("loaded"))
	if err := b.expireAll(); err != nil {
		t.Fatal(err)
	}
	b.kickSweeper()
	waitSwept(t, b)
	mustView(t, b, 0, func(btx backend.Tx) error {
		k, _ := btx.(*tx).dataB().Cursor().First()
		if k != nil {
			t.Fatalf("data left after DEL, expiry and FLUSHDB: %x", k)
		}
		return nil
	})
}

// TestStreamEmpty: a stream lives on without entries (XSetMeta creates
// one; deleting or trimming every entry keeps it) until DEL.
func TestStreamEmpty(t *testing.T) {
	b := openTest(t, Options{Sync: SyncNone, tuning: tuning{noExpirer: true}})
	key := []byte("s")
	id := backend.StreamID{Ms: 5, Seq: 1}
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		if err := tx.XSetMeta(key, backend.StreamMeta{LastID: id, Length: 7, Nodes: 3}); err != nil {
			return err
		}
		if err := tx.XAppend([]byte("t"), id, [][]byte{[]byte("a"), []byte("1")}, false, 3); err != nil {
			return err
		}
		if ok, err := tx.XDelete([]byte("t"), id); !ok || err != nil {
			return fmt.Errorf("XDelete: %v %v", ok, err)
		}
		if err := tx.XAppend([]byte("u"), id, [][]byte{[]byte("a"), []byte("1")}, true, 3); err != nil {
			return err
		}
		if n, err := tx.XRemoveNode([]byte("u"), id); n != 1 || err != nil {
			return fmt.Errorf("XRemoveNode: %v %v", n, err)
		}
		return nil
	})
	mustView(t, b, 0, func(tx backend.Tx) error {
		for _, k := range []string{"s", "t", "u"} {
			m, ok, err := tx.XMeta([]byte(k))
			if err != nil || !ok || m.Length != 0 || m.Nodes != 0 {
				t.Fatalf("XMeta %s = %+v %v %v, want an empty stream", k, m, ok, err)
			}
			if typ, _ := tx.Type([]byte(k)); typ != backend.TypeStream {
				t.Fatalf("TYPE %s = %v", k, typ)
			}
			if _, ok, _ := tx.XTailNode([]byte(k)); ok {
				t.Fatalf("XTailNode %s: a node left", k)
			}
			checkSize(t, tx, []byte(k))
		}
		if m, _, _ := tx.XMeta(key); m.LastID != id {
			t.Fatalf("XMeta = %+v: LastID not kept", m)
		}
		return nil
	})
	mustUpdate(t, b, 0, func(tx backend.Tx) error {
		if _, err := tx.XSetGroup([]byte("none"), backend.StreamGroup{Name: []byte("g")}); !errors.Is(err, backend.ErrNoSuchKey) {
			return fmt.Errorf("XSetGroup on a missing key: %v", err)
		}
		if err := tx.Set([]byte("str"), []byte("x"), 0, false); err != nil {
			return err
		}
		if _, _, err := tx.XMeta([]byte("str")); !errors.Is(err, backend.ErrWrongType) {
			return fmt.Errorf("XMeta of a string: %v", err)
		}
		if err := tx.XAppend([]byte("str"), id, [][]byte{[]byte("a"), []byte("1")}, false, 1); !errors.Is(err, backend.ErrWrongType) {
			return fmt.Errorf("XAppend to a string: %v", err)
		}
		return nil
	})
}
