package memory

import (
	"slices"
	"sort"
)

// Node widths of ztree: a node holds at most zMax elements (leaf) or
// children (inner), and at least zMin unless it is the root.
const (
	zMax = 64
	zMin = zMax / 4
)

// zelem is a sorted-set element as the tree orders it.
type zelem struct {
	member string
	score  float64
}

// zless orders elements by score, then by member bytes. Scores are never
// NaN; -0 and 0 are equal scores.
func zless(a, b zelem) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.member < b.member
}

// ztree is a counted B+ tree of distinct elements in zless order: every
// node knows how many elements are below it, so finding the rank of an
// element, the element at a rank, or the number of elements before a
// bound is O(log n), and a run of m elements from a rank is O(log n + m).
// Elements are values (a member string shares its bytes with the set's
// field), so nodes are copied by value and never share element storage.
// The zero ztree is empty.
type ztree struct {
	root *znode // nil when empty
}

// znode is a leaf (kids == nil) holding elements, or an inner node holding
// children with the first element of each.
type znode struct {
	size  int      // elements below (a leaf's len(elems))
	elems []zelem  // a leaf's elements, in order
	kids  []*znode // an inner node's children, in order
	mins  []zelem  // mins[i] is the first element below kids[i]
}

func (n *znode) leaf() bool { return n.kids == nil }

func (n *znode) first() zelem {
	if n.leaf() {
		return n.elems[0]
	}
	return n.mins[0]
}

// width is the number of elements of a leaf or children of an inner node.
func (n *znode) width() int {
	if n.leaf() {
		return len(n.elems)
	}
	return len(n.kids)
}

// child returns the index of the child whose range holds x: the last one
// whose first element is at most x, or 0.
func (n *znode) child(x zelem) int {
	i := sort.Search(len(n.mins), func(i int) bool { return zless(x, n.mins[i]) })
	return max(i-1, 0)
}

// clone returns a deep copy of the subtree (nil for nil).
func (n *znode) clone() *znode {
	if n == nil {
		return nil
	}
	c := &znode{size: n.size}
	if n.leaf() {
		c.elems = slices.Clone(n.elems)
		return c
	}
	c.mins = slices.Clone(n.mins)
	c.kids = make([]*znode, len(n.kids))
	for i, k := range n.kids {
		c.kids[i] = k.clone()
	}
	return c
}

func (t *ztree) len() int {
	if t.root == nil {
		return 0
	}
	return t.root.size
}

// insert adds x, which is not in t.
func (t *ztree) insert(x zelem) {
	if t.root == nil {
		t.root = &znode{}
	}
	if r := t.root.insert(x); r != nil {
		l := t.root
		t.root = &znode{size: l.size + r.size, kids: []*znode{l, r}, mins: []zelem{l.first(), r.first()}}
	}
}

// insert adds x below n and returns the new right sibling if n split.
func (n *znode) insert(x zelem) *znode {
	n.size++
	if n.leaf() {
		i := sort.Search(len(n.elems), func(i int) bool { return zless(x, n.elems[i]) })
		n.elems = slices.Insert(n.elems, i, x)
		if len(n.elems) <= zMax {
			return nil
		}
		h := len(n.elems) / 2
		r := &znode{size: len(n.elems) - h, elems: slices.Clone(n.elems[h:])}
		clear(n.elems[h:])
		n.elems, n.size = n.elems[:h], h
		return r
	}
	i := n.child(x)
	k := n.kids[i]
	r := k.insert(x)
	n.mins[i] = k.first()
	if r == nil {
		return nil
	}
	n.kids = slices.Insert(n.kids, i+1, r)
	n.mins = slices.Insert(n.mins, i+1, r.first())
	if len(n.kids) <= zMax {
		return nil
	}
	h := len(n.kids) / 2
	s := &znode{kids: slices.Clone(n.kids[h:]), mins: slices.Clone(n.mins[h:])}
	for _, k := range s.kids {
		s.size += k.size
	}
	clear(n.kids[h:])
	clear(n.mins[h:])
	n.kids, n.mins, n.size = n.kids[:h], n.mins[:h], n.size-s.size
	return s
}

// remove deletes x from t and reports whether it was there.
func (t *ztree) remove(x zelem) bool {
	if t.root == nil || !t.root.remove(x) {
		return false
	}
	t.shrink()
	return true
}

func (n *znode) remove(x zelem) bool {
	if n.leaf() {
		i := sort.Search(len(n.elems), func(i int) bool { return !zless(n.elems[i], x) })
		if i == len(n.elems) || n.elems[i].member != x.member {
			return false
		}
		n.elems = slices.Delete(n.elems, i, i+1)
		n.size--
		return true
	}
	i := n.child(x)
	if !n.kids[i].remove(x) {
		return false
	}
	n.size--
	n.fix(i)
	return true
}

// fix restores the invariants after a removal below kids[i]: an empty
// child goes, mins[i] follows the child's first element, and a child under
// zMin is merged with or refilled from a neighbour.
func (n *znode) fix(i int) {
	k := n.kids[i]
	if k.size == 0 {
		n.dropKid(i)
		return
	}
	n.mins[i] = k.first()
	if k.width() < zMin && len(n.kids) > 1 {
		n.rebalance(i)
	}
}

func (n *znode) dropKid(i int) {
	n.kids = slices.Delete(n.kids, i, i+1)
	n.mins = slices.Delete(n.mins, i, i+1)
}

// rebalance merges kids[i] with a neighbour (the left one if any) when
// both fit in one node, and reports true; otherwise it splits their
// contents evenly between them. n's size does not change.
func (n *znode) rebalance(i int) (merged bool) {
	if i > 0 {
		i--
	}
	a, b := n.kids[i], n.kids[i+1]
	if a.leaf() {
		all := append(a.elems, b.elems...)
		if len(all) <= zMax {
			a.elems, a.size = all, len(all)
			n.dropKid(i + 1)
			return true
		}
		h := len(all) / 2
		b.elems = slices.Clone(all[h:])
		clear(all[h:])
		a.elems = all[:h]
		a.size, b.size = len(a.elems), len(b.elems)
	} else {
		total := a.size + b.size
		kids := append(a.kids, b.kids...)
		mins := append(a.mins, b.mins...)
		if len(kids) <= zMax {
			a.kids, a.mins, a.size = kids, mins, total
			n.dropKid(i + 1)
			return true
		}
		h := len(kids) / 2
		b.kids, b.mins = slices.Clone(kids[h:]), slices.Clone(mins[h:])
		clear(kids[h:])
		clear(mins[h:])
		a.kids, a.mins = kids[:h], mins[:h]
		a.size = 0
		for _, k := range a.kids {
			a.size += k.size
		}
		b.size = total - a.size
	}
	n.mins[i], n.mins[i+1] = a.first(), b.first()
	return false
}

// shrink removes a root left with one child, or with nothing.
func (t *ztree) shrink() {
	for t.root != nil && !t.root.leaf() && len(t.root.kids) == 1 {
		t.root = t.root.kids[0]
	}
	if t.root != nil && t.root.size == 0 {
		t.root = nil
	}
}

// removeRange removes the elements of ranks [lo, hi) (0 <= lo < hi <=
// len) and calls fn for each, in order, before it is removed: O(log n + m).
func (t *ztree) removeRange(lo, hi int, fn func(zelem)) {
	t.root.removeRange(lo, hi, fn)
	t.shrink()
}

func (n *znode) removeRange(lo, hi int, fn func(zelem)) {
	n.size -= hi - lo
	if n.leaf() {
		for _, e := range n.elems[lo:hi] {
			fn(e)
		}
		n.elems = slices.Delete(n.elems, lo, hi)
		return
	}
	keep := 0 // children kept, moved to the front
	off := 0  // rank of the current child's first element
	for i, k := range n.kids {
		end := off + k.size
		switch {
		case end <= lo || off >= hi: // outside the range
		case lo <= off && end <= hi: // wholly inside: dropped
			k.ascend(0, func(e zelem) bool { fn(e); return true })
			off = end
			continue
		default:
			k.removeRange(max(lo, off)-off, min(hi, end)-off, fn)
		}
		n.kids[keep], n.mins[keep] = k, n.mins[i]
		if k.size > 0 {
			n.mins[keep] = k.first()
		}
		keep++
		off = end
	}
	clear(n.kids[keep:])
	clear(n.mins[keep:])
	n.kids, n.mins = n.kids[:keep], n.mins[:keep]
	// At most two children (the partly covered ones) are now under zMin.
	for i := 0; i < len(n.kids) && len(n.kids) > 1; {
		if n.kids[i].width() < zMin && n.rebalance(i) {
			i = max(i-1, 0) // look at the merged child again
			continue
		}
		i++
	}
}

// count returns the number of leading elements for which pred holds; pred
// must hold for a prefix of the elements (true, then false): O(log n).
func (t *ztree) count(pred func(zelem) bool) int {
	n := t.root
	if n == nil {
		return 0
	}
	r := 0
	for !n.leaf() {
		i := sort.Search(len(n.mins), func(i int) bool { return !pred(n.mins[i]) })
		if i == 0 {
			return r
		}
		for _, k := range n.kids[:i-1] {
			r += k.size
		}
		n = n.kids[i-1]
	}
	return r + sort.Search(len(n.elems), func(i int) bool { return !pred(n.elems[i]) })
}

// ascend calls fn for the elements from rank from on, in order, until fn
// returns false (then it returns false).
func (t *ztree) ascend(from int, fn func(zelem) bool) bool {
	if t.root == nil || from >= t.root.size {
		return true
	}
	return t.root.ascend(from, fn)
}

func (n *znode) ascend(from int, fn func(zelem) bool) bool {
	if n.leaf() {
		for _, e := range n.elems[from:] {
			if !fn(e) {
				return false
			}
		}
		return true
	}
	for _, k := range n.kids {
		if from >= k.size {
			from -= k.size
			continue
		}
		if !k.ascend(from, fn) {
			return false
		}
		from = 0
	}
	return true
}

// ascendScore calls fn for the elements from the first whose score is
// not below min (above it, if excl) on, in order, until fn returns false:
// one descent by score, as Redis's zslFirstInRange, where ascend(count(...))
// would make two.
func (t *ztree) ascendScore(min float64, excl bool, fn func(zelem) bool) {
	if t.root != nil {
		t.root.ascendScore(min, excl, fn)
	}
}

func (n *znode) ascendScore(min float64, excl bool, fn func(zelem) bool) bool {
	if n.leaf() {
		for _, e := range n.elems[zscoreSearch(n.elems, min, excl):] {
			if !fn(e) {
				return false
			}
		}
		return true
	}
	// The child holding the first element not below min: the one before
	// the first child whose least element is not below it.
	k := max(zscoreSearch(n.mins, min, excl)-1, 0)
	if !n.kids[k].ascendScore(min, excl, fn) {
		return false
	}
	for _, kid := range n.kids[k+1:] {
		if !kid.ascend(0, fn) {
			return false
		}
	}
	return true
}

// zscoreSearch returns the index of the first of es (in order) whose
// score is not below min (above it, if excl), len(es) if none.
func zscoreSearch(es []zelem, min float64, excl bool) int {
	lo, hi := 0, len(es)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if s := es[h].score; s < min || excl && s == min {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

// descend calls fn for the elements from rank from down to rank 0, until
// fn returns false (then it returns false).
func (t *ztree) descend(from int, fn func(zelem) bool) bool {
	if t.root == nil || from < 0 {
		return true
	}
	return t.root.descend(min(from, t.root.size-1), fn)
}

func (n *znode) descend(from int, fn func(zelem) bool) bool {
	if n.leaf() {
		for i := from; i >= 0; i-- {
			if !fn(n.elems[i]) {
				return false
			}
		}
		return true
	}
	i := 0
	for from >= n.kids[i].size {
		from -= n.kids[i].size
		i++
	}
	for ; i >= 0; i-- {
		if !n.kids[i].descend(from, fn) {
			return false
		}
		if i > 0 {
			from = n.kids[i-1].size - 1
		}
	}
	return true
}
