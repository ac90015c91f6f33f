package memory

import (
	"sort"

	"redpool/backend"
)

// Widths of idtree nodes: at most idMax items. A node that is not the
// root holds at least idMin items, except on the right edge of the tree:
// a full node that an id beyond its last item goes to splits unevenly
// (see splitAt), so that ids added in order (a PEL: deliveries are in id
// order) fill the nodes they leave behind instead of half-filling them.
// Removal treats such nodes as it treats any node with too few items.
const (
	idMax = 31
	idMin = idMax / 2
	// idKeepCap is the largest capacity of an emptied root leaf kept for
	// the next items: a PEL's job loop of tens of entries keeps its
	// leaf; one emptied after thousands lets go of what it grew to (an
	// empty PEL's storage is memory UsedBytes does not count: at most
	// this many items, 1.5 KB for a group's PEL).
	idKeepCap = 32
)

// idItem is one item of an idtree: a stream id and its value.
type idItem[V any] struct {
	id  backend.StreamID
	val V
}

// idtree is a B-tree of distinct stream ids with a value each (the PELs
// of a stream's groups and consumers). Get, set and delete are
// O(log n); visiting m items from an id is O(log n + m). Items are values,
// so nodes never share storage with another tree (clone copies them). The
// zero idtree is empty. It is not safe for concurrent writes.
type idtree[V any] struct {
	root *idnode[V] // nil, or an empty leaf, when empty
	n    int
}

// idnode is a node: items in id order, and for an inner node len(items)+1
// children, kids[i] holding the ids between items[i-1] and items[i].
type idnode[V any] struct {
	items []idItem[V]
	kids  []*idnode[V]
}

// find returns the position of the first item >= id and whether it is id.
func (n *idnode[V]) find(id backend.StreamID) (int, bool) {
	i := sort.Search(len(n.items), func(i int) bool { return n.items[i].id.Compare(id) >= 0 })
	return i, i < len(n.items) && n.items[i].id == id
}

// len is the number of items.
func (t *idtree[V]) len() int { return t.n }

// get returns the value of id.
func (t *idtree[V]) get(id backend.StreamID) (V, bool) {
	for n := t.root; n != nil; {
		i, ok := n.find(id)
		if ok {
			return n.items[i].val, true
		}
		if n.kids == nil {
			break
		}
		n = n.kids[i]
	}
	var zero V
	return zero, false
}

// set stores val at id, adding id if it is new, and reports whether it was.
func (t *idtree[V]) set(id backend.StreamID, val V) bool {
	if t.root == nil {
		t.root = &idnode[V]{items: []idItem[V]{{id, val}}}
		t.n = 1
		return true
	}
	if len(t.root.items) >= idMax {
		mid, right := t.root.split(t.root.splitAt(id))
		t.root = &idnode[V]{items: []idItem[V]{mid}, kids: []*idnode[V]{t.root, right}}
	}
	added := t.root.set(id, val)
	if added {
		t.n++
	}
	return added
}

// splitAt is where to split the full node n before adding id below it:
// in the middle, or near the end when id is beyond its last item.
func (n *idnode[V]) splitAt(id backend.StreamID) int {
	if id.Compare(n.items[len(n.items)-1].id) > 0 {
		return len(n.items) - 2
	}
	return len(n.items) / 2
}

// split cuts n at item i: n keeps the items before it, the returned node
// those after it, and the item itself goes up to the parent.
func (n *idnode[V]) split(i int) (idItem[V], *idnode[V]) {
	mid := n.items[i]
	right := &idnode[V]{items: append(make([]idItem[V], 0, max(len(n.items)-i-1, idMin+1)), n.items[i+1:]...)}
	clear(n.items[i:])
	n.items = n.items[:i]
	if n.kids != nil {
		right.kids = append(make([]*idnode[V], 0, max(len(n.kids)-i-1, idMin+2)), n.kids[i+1:]...)
		clear(n.kids[i+1:])
		n.kids = n.kids[:i+1]
	}
	return mid, right
}

// set is idtree.set below a node that is not full: full children are
// split on the way down, so that a split never climbs back up.
func (n *idnode[V]) set(id backend.StreamID, val V) bool {
	for {
		i, ok := n.find(id)
		if ok {
			n.items[i].val = val
			return false
		}
		if n.kids == nil {
			n.items = append(n.items, idItem[V]{})
			copy(n.items[i+1:], n.items[i:])
			n.items[i] = idItem[V]{id, val}
			return true
		}
		if len(n.kids[i].items) >= idMax {
			mid, right := n.kids[i].split(n.kids[i].splitAt(id))
			n.items = append(n.items, idItem[V]{})
			copy(n.items[i+1:], n.items[i:])
			n.items[i] = mid
			n.kids = append(n.kids, nil)
			copy(n.kids[i+2:], n.kids[i+1:])
			n.kids[i+1] = right
			continue // look again in this node: id may be mid, or right of it
		}
		n = n.kids[i]
	}
}

// delete removes id and returns its value; ok is false if it was absent.
func (t *idtree[V]) delete(id backend.StreamID) (V, bool) {
	var zero V
	if t.root == nil {
		return zero, false
	}
	it, ok := t.root.remove(id, false)
	if len(t.root.items) == 0 {
		switch {
		case t.root.kids != nil:
			t.root = t.root.kids[0]
		case cap(t.root.items) > idKeepCap:
			t.root = nil
		}
		// Else the empty leaf stays the root: a small PEL that empties
		// and fills again (a job loop's deliveries and
		// acknowledgements) keeps its storage.
	}
	if !ok {
		return zero, false
	}
	t.n--
	return it.val, true
}

// remove deletes id (the greatest item when max) from the subtree of n,
// which has more than idMin items unless it is the root: children with
// idMin items are grown before the descent, so removal never underflows.
func (n *idnode[V]) remove(id backend.StreamID, max bool) (idItem[V], bool) {
	var i int
	var found bool
	if max {
		i = len(n.items)
		if n.kids == nil {
			i--
			found = true
		}
	} else {
		i, found = n.find(id)
	}
	if n.kids == nil {
		if !found {
			return idItem[V]{}, false
		}
		it := n.items[i]
		copy(n.items[i:], n.items[i+1:])
		n.items[len(n.items)-1] = idItem[V]{}
		n.items = n.items[:len(n.items)-1]
		return it, true
	}
	if len(n.kids[i].items) <= idMin {
		n.grow(i)
		return n.remove(id, max) // the items moved: look again
	}
	if found {
		// Replace the item by its predecessor, the greatest item of the
		// child on its left.
		it := n.items[i]
		n.items[i], _ = n.kids[i].remove(backend.StreamID{}, true)
		return it, true
	}
	return n.kids[i].remove(id, max)
}

// grow gives child i more than idMin items: it takes one from a sibling
// that can spare one (through the parent's separating item), or merges
// with a sibling.
func (n *idnode[V]) grow(i int) {
	child := n.kids[i]
	switch {
	case i > 0 && len(n.kids[i-1].items) > idMin:
		left := n.kids[i-1]
		child.items = append(child.items, idItem[V]{})
		copy(child.items[1:], child.items)
		child.items[0] = n.items[i-1]
		last := len(left.items) - 1
		n.items[i-1] = left.items[last]
		left.items[last] = idItem[V]{}
		left.items = left.items[:last]
		if left.kids != nil {
			k := left.kids[last+1]
			left.kids[last+1] = nil
			left.kids = left.kids[:last+1]
			child.kids = append(child.kids, nil)
			copy(child.kids[1:], child.kids)
			child.kids[0] = k
		}
	case i < len(n.items) && len(n.kids[i+1].items) > idMin:
		right := n.kids[i+1]
		child.items = append(child.items, n.items[i])
		n.items[i] = right.items[0]
		copy(right.items, right.items[1:])
		right.items[len(right.items)-1] = idItem[V]{}
		right.items = right.items[:len(right.items)-1]
		if right.kids != nil {
			child.kids = append(child.kids, right.kids[0])
			copy(right.kids, right.kids[1:])
			right.kids[len(right.kids)-1] = nil
			right.kids = right.kids[:len(right.kids)-1]
		}
	default:
		if i >= len(n.items) {
			i--
			child = n.kids[i]
		}
		right := n.kids[i+1]
		child.items = append(child.items, n.items[i])
		child.items = append(child.items, right.items...)
		child.kids = append(child.kids, right.kids...)
		copy(n.items[i:], n.items[i+1:])
		n.items[len(n.items)-1] = idItem[V]{}
		n.items = n.items[:len(n.items)-1]
		copy(n.kids[i+1:], n.kids[i+2:])
		n.kids[len(n.kids)-1] = nil
		n.kids = n.kids[:len(n.kids)-1]
	}
}

// ascend calls fn for the items with ids from start on, ascending, until
// fn returns false; it reports whether fn never did.
func (t *idtree[V]) ascend(start backend.StreamID, fn func(id backend.StreamID, val V) bool) bool {
	if t.root == nil {
		return true
	}
	return t.root.ascend(start, fn)
}

func (n *idnode[V]) ascend(start backend.StreamID, fn func(id backend.StreamID, val V) bool) bool {
	i, _ := n.find(start)
	for ; i <= len(n.items); i++ {
		if n.kids != nil && !n.kids[i].ascend(start, fn) {
			return false
		}
		if i < len(n.items) && !fn(n.items[i].id, n.items[i].val) {
			return false
		}
	}
	return true
}

// clone returns a copy of t sharing nothing with it but what the values
// themselves share. O(n) copying, O(n/idMin) allocations.
func (t *idtree[V]) clone() idtree[V] {
	return idtree[V]{root: t.root.clone(), n: t.n}
}

func (n *idnode[V]) clone() *idnode[V] {
	if n == nil {
		return nil
	}
	c := &idnode[V]{items: append(make([]idItem[V], 0, cap(n.items)), n.items...)}
	if n.kids != nil {
		c.kids = make([]*idnode[V], len(n.kids), cap(n.kids))
		for i, k := range n.kids {
			c.kids[i] = k.clone()
		}
	}
	return c
}
