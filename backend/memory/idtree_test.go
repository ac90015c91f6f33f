package memory

import (
	"math/rand/v2"
	"slices"
	"testing"

	"redpool/backend"
)

// checkIDTree verifies t's invariants (item counts per node, leaves at one
// depth, ids strictly increasing, n) and returns its ids in order. Nodes
// may hold fewer than idMin items (see splitAt), but never none.
func checkIDTree[V any](t testing.TB, tr *idtree[V]) []backend.StreamID {
	t.Helper()
	var out []backend.StreamID
	leafDepth := -1
	var walk func(n *idnode[V], depth int)
	walk = func(n *idnode[V], depth int) {
		w := len(n.items)
		if w > idMax || (w == 0 && (depth > 0 || n.kids != nil)) { // an empty tree keeps an empty leaf
			t.Fatalf("node at depth %d has %d items", depth, w)
		}
		if n.kids == nil {
			if leafDepth >= 0 && leafDepth != depth {
				t.Fatalf("leaves at depths %d and %d", leafDepth, depth)
			}
			leafDepth = depth
			for _, it := range n.items {
				out = append(out, it.id)
			}
			return
		}
		if len(n.kids) != w+1 {
			t.Fatalf("%d items, %d kids", w, len(n.kids))
		}
		for i, k := range n.kids {
			walk(k, depth+1)
			if i < w {
				out = append(out, n.items[i].id)
			}
		}
	}
	if tr.root != nil {
		walk(tr.root, 0)
	}
	for i := 1; i < len(out); i++ {
		if out[i-1].Compare(out[i]) >= 0 {
			t.Fatalf("ids out of order at %d: %v %v", i, out[i-1], out[i])
		}
	}
	if len(out) != tr.len() {
		t.Fatalf("tree holds %d ids, n = %d", len(out), tr.len())
	}
	return out
}

func TestIDTreeModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var tr idtree[int]
	model := map[backend.StreamID]int{}
	for step := range 40000 {
		id := backend.StreamID{Ms: uint64(r.IntN(3000)), Seq: uint64(r.IntN(2))}
		switch op := r.IntN(10); {
		case op < 5 || step < 2000:
			_, had := model[id]
			if added := tr.set(id, step); added == had {
				t.Fatalf("step %d: set %v added=%v, model had=%v", step, id, added, had)
			}
			model[id] = step
		case op < 9:
			v, ok := tr.delete(id)
			mv, had := model[id]
			if ok != had || v != mv {
				t.Fatalf("step %d: delete %v = %d %v, model %d %v", step, id, v, ok, mv, had)
			}
			delete(model, id)
		default:
			v, ok := tr.get(id)
			mv, had := model[id]
			if ok != had || v != mv {
				t.Fatalf("step %d: get %v = %d %v, model %d %v", step, id, v, ok, mv, had)
			}
		}
		if step%500 == 0 || step > 39000 {
			ids := checkIDTree(t, &tr)
			want := make([]backend.StreamID, 0, len(model))
			for id := range model {
				want = append(want, id)
			}
			slices.SortFunc(want, backend.StreamID.Compare)
			if !slices.Equal(ids, want) {
				t.Fatalf("step %d: tree %d ids, model %d", step, len(ids), len(want))
			}
			// ascend from a random id, stopping early
			from := backend.StreamID{Ms: uint64(r.IntN(3000))}
			var got []backend.StreamID
			tr.ascend(from, func(id backend.StreamID, v int) bool {
				if v != model[id] {
					t.Fatalf("ascend: %v has %d, model %d", id, v, model[id])
				}
				got = append(got, id)
				return len(got) < 50
			})
			k, _ := slices.BinarySearchFunc(want, from, backend.StreamID.Compare)
			exp := want[k:min(len(want), k+50)]
			if !slices.Equal(got, exp) {
				t.Fatalf("step %d: ascend from %v = %v, want %v", step, from, got, exp)
			}
			c := tr.clone()
			if cids := checkIDTree(t, &c); !slices.Equal(cids, ids) {
				t.Fatalf("clone differs")
			}
		}
	}
	// Drain it.
	for id := range model {
		if _, ok := tr.delete(id); !ok {
			t.Fatalf("drain: %v missing", id)
		}
	}
	if tr.len() != 0 || tr.root != nil && (len(tr.root.items) != 0 || tr.root.kids != nil || cap(tr.root.items) > idKeepCap) {
		t.Fatalf("drained tree: root %v, n %d", tr.root, tr.len())
	}
	// A small tree emptied keeps its root leaf, and fills it again.
	var small idtree[int]
	for i := range 10 {
		small.set(backend.StreamID{Ms: uint64(i)}, i)
	}
	for i := range 10 {
		small.delete(backend.StreamID{Ms: uint64(i)})
	}
	root := small.root
	small.set(backend.StreamID{Ms: 1}, 1)
	if root == nil || small.root != root || small.len() != 1 {
		t.Fatalf("refilled small tree: root %p (was %p), n %d", small.root, root, small.len())
	}
}

// TestIDTreeInOrder: ids added in order (and removed in order, as a PEL
// is acknowledged) leave the nodes nearly full.
func TestIDTreeInOrder(t *testing.T) {
	var tr idtree[struct{}]
	const n = 20000
	for i := range n {
		tr.set(backend.StreamID{Ms: uint64(i)}, struct{}{})
	}
	checkIDTree(t, &tr)
	nodes := 0
	var walk func(nd *idnode[struct{}])
	walk = func(nd *idnode[struct{}]) {
		nodes++
		for _, k := range nd.kids {
			walk(k)
		}
	}
	walk(tr.root)
	if nodes > n/(idMax-3) {
		t.Fatalf("%d ids in order take %d nodes", n, nodes)
	}
	for i := range n / 2 {
		if _, ok := tr.delete(backend.StreamID{Ms: uint64(i)}); !ok {
			t.Fatalf("delete %d", i)
		}
	}
	if ids := checkIDTree(t, &tr); len(ids) != n/2 || ids[0].Ms != n/2 {
		t.Fatalf("after deleting the first half: %d ids from %v", len(ids), ids[0])
	}
}
