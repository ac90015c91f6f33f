package memory

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"redpool/backend"
)

// checkTree verifies t's invariants and returns its elements in order:
// sizes add up, mins are the children's first elements, every leaf is at
// the same depth, nodes but the root hold zMin to zMax entries (the root
// at least one element or two children), and elements strictly increase.
func checkTree(t testing.TB, tr *ztree) []zelem {
	t.Helper()
	if tr.root == nil {
		return nil
	}
	var out []zelem
	leafDepth := -1
	var walk func(n *znode, depth int, root bool) int
	walk = func(n *znode, depth int, root bool) int {
		w := n.width()
		switch {
		case w > zMax:
			t.Fatalf("node at depth %d has %d entries", depth, w)
		case !root && w < zMin:
			t.Fatalf("non-root node at depth %d has %d entries", depth, w)
		case root && (w == 0 || !n.leaf() && w < 2):
			t.Fatalf("root has %d entries", w)
		}
		if n.leaf() {
			if leafDepth >= 0 && depth != leafDepth {
				t.Fatalf("leaves at depths %d and %d", leafDepth, depth)
			}
			leafDepth = depth
			out = append(out, n.elems...)
			if n.size != len(n.elems) {
				t.Fatalf("leaf size %d, %d elements", n.size, len(n.elems))
			}
			return n.size
		}
		if len(n.mins) != len(n.kids) {
			t.Fatalf("%d mins, %d kids", len(n.mins), len(n.kids))
		}
		sum := 0
		for i, k := range n.kids {
			sum += walk(k, depth+1, false)
			if n.mins[i] != k.first() {
				t.Fatalf("mins[%d] = %v, child starts with %v", i, n.mins[i], k.first())
			}
		}
		if sum != n.size {
			t.Fatalf("inner size %d, children hold %d", n.size, sum)
		}
		return sum
	}
	walk(tr.root, 0, true)
	for i := 1; i < len(out); i++ {
		if !zless(out[i-1], out[i]) {
			t.Fatalf("elements out of order at %d: %v, %v", i, out[i-1], out[i])
		}
	}
	return out
}

// checkZSet verifies a sorted set's slots, scores, index and tree agree.
func checkZSet(t testing.TB, key string, z *zsetObj) {
	t.Helper()
	elems := checkTree(t, &z.tree)
	if len(elems) == 0 || len(elems) != len(z.fields) || len(z.scores) != len(z.fields) {
		t.Fatalf("zset %q: %d tree elements, %d fields, %d scores", key, len(elems), len(z.fields), len(z.scores))
	}
	if z.idx != nil && len(z.idx) != len(z.fields) {
		t.Fatalf("zset %q: idx %d, fields %d", key, len(z.idx), len(z.fields))
	}
	var n int64
	for j, f := range z.fields {
		n += int64(len(f.name))
		if f.val != nil {
			t.Fatalf("zset %q: member %q has a value", key, f.name)
		}
		if z.find(bytesOf(f.name)) != j {
			t.Fatalf("zset %q: member %q not found at %d", key, f.name, j)
		}
	}
	if n != z.bytes {
		t.Fatalf("zset %q: bytes %d, counted %d", key, z.bytes, n)
	}
	for _, e := range elems {
		if s, ok := z.score(bytesOf(e.member)); !ok || s != e.score {
			t.Fatalf("zset %q: tree has %q=%v, slots %v, %v", key, e.member, e.score, s, ok)
		}
	}
}

// TestZTreeModel runs random inserts, removals and range removals on a
// ztree against a sorted slice, through thousands of elements (three
// levels), checking every operation's result and, often, the invariants.
func TestZTreeModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	var tr ztree
	var model []zelem
	pos := func(x zelem) (int, bool) {
		return slices.BinarySearchFunc(model, x, func(a, b zelem) int {
			if zless(a, b) {
				return -1
			}
			if zless(b, a) {
				return 1
			}
			return 0
		})
	}
	target := 0
	for step := range 60_000 {
		if step%10_000 == 0 {
			target = []int{50, 8000, 300, 6000, 0, 5000}[step/10_000]
		}
		switch op := rng.IntN(20); {
		case op < 10 && len(model) <= target || op < 4:
			x := zelem{member: fmt.Sprint("m", rng.IntN(20_000)), score: float64(rng.IntN(100))}
			if i, found := pos(x); !found {
				model = slices.Insert(model, i, x)
				tr.insert(x)
			}
		case op < 17:
			if len(model) == 0 {
				break
			}
			i := rng.IntN(len(model))
			if !tr.remove(model[i]) {
				t.Fatalf("step %d: remove(%v) found nothing", step, model[i])
			}
			model = slices.Delete(model, i, i+1)
			if tr.remove(zelem{member: "absent", score: 1}) {
				t.Fatal("removed an absent element")
			}
		default:
			if len(model) == 0 {
				break
			}
			lo := rng.IntN(len(model))
			hi := lo + 1 + rng.IntN(min(len(model)-lo, []int{3, 70, 5000}[rng.IntN(3)]))
			var got []zelem
			tr.removeRange(lo, hi, func(e zelem) { got = append(got, e) })
			if !slices.Equal(got, model[lo:hi]) {
				t.Fatalf("step %d: removeRange(%d, %d) visited %d elements, want %d", step, lo, hi, len(got), hi-lo)
			}
			model = slices.Delete(model, lo, hi)
		}
		if tr.len() != len(model) {
			t.Fatalf("step %d: len %d, model %d", step, tr.len(), len(model))
		}
		if step%500 == 0 || len(model) < 3 {
			if got := checkTree(t, &tr); !slices.Equal(got, model) {
				t.Fatalf("step %d: tree differs from the model", step)
			}
		}
		if len(model) > 0 && step%50 == 0 {
			i := rng.IntN(len(model))
			x := model[i]
			if r := tr.count(func(e zelem) bool { return zless(e, x) }); r != i {
				t.Fatalf("step %d: rank of %v = %d, want %d", step, x, r, i)
			}
			var asc, desc []zelem
			tr.ascend(i, func(e zelem) bool { asc = append(asc, e); return len(asc) < 10 })
			tr.descend(i, func(e zelem) bool { desc = append(desc, e); return len(desc) < 10 })
			wantDesc := slices.Clone(model[max(0, i-9) : i+1])
			slices.Reverse(wantDesc)
			if !slices.Equal(asc, model[i:min(i+10, len(model))]) || !slices.Equal(desc, wantDesc) {
				t.Fatalf("step %d: walks from %d differ", step, i)
			}
		}
	}
}

// TestZTreeClone: a clone and its original change independently.
func TestZTreeClone(t *testing.T) {
	var tr ztree
	for i := range 5000 {
		tr.insert(zelem{member: fmt.Sprint(i), score: float64(i % 17)})
	}
	before := checkTree(t, &tr)
	c := ztree{root: tr.root.clone()}
	c.removeRange(100, 4000, func(zelem) {})
	for i := range 300 {
		c.insert(zelem{member: fmt.Sprint("new", i), score: 3})
	}
	if got := checkTree(t, &tr); !slices.Equal(got, before) {
		t.Fatal("changing the clone changed the original")
	}
	if n := len(checkTree(t, &c)); n != 5000-3900+300 {
		t.Fatalf("clone has %d elements", n)
	}
}

// TestZSetModel runs random sorted-set operations through the Tx against
// a model (a member->score map, sorted when compared), checking the
// structure's invariants and the size accounting as it grows past and
// shrinks below the listpack thresholds, and stays consistent under
// snapshots (copy-on-write of a shared sorted set).
func TestZSetModel(t *testing.T) {
	m := New(Options{Databases: 1, ExpiryInterval: -1})
	defer m.Close()
	rng := rand.New(rand.NewPCG(31, 32))
	key := []byte("z")
	model := map[string]float64{}
	sorted := func() []zelem {
		var out []zelem
		for mb, s := range model {
			out = append(out, zelem{member: mb, score: s})
		}
		slices.SortFunc(out, func(a, b zelem) int {
			if c := cmp.Compare(a.score, b.score); c != 0 {
				return c
			}
			return strings.Compare(a.member, b.member)
		})
		return out
	}
	update := func(fn func(tx backend.Tx) error) {
		t.Helper()
		if err := m.Update(backend.TxOptions{Keys: [][]byte{key}}, fn); err != nil {
			t.Fatal(err)
		}
	}
	var snap backend.Snapshot
	var snapWant map[string]string
	nmembers := 100
	for step := range 20_000 {
		if step%2000 == 0 {
			nmembers = []int{100, 3000, 150, 10_000, 50}[(step/2000)%5]
		}
		switch op := rng.IntN(12); {
		case op < 5:
			var pairs []backend.ScoredMember
			for range 1 + rng.IntN(8) {
				mb := fmt.Sprint("m", rng.IntN(nmembers))
				if rng.IntN(50) == 0 {
					mb += strings.Repeat("-", 70)
				}
				s := float64(rng.IntN(40))
				if rng.IntN(30) == 0 {
					s = math.Inf(1 - 2*rng.IntN(2))
				}
				pairs = append(pairs, backend.ScoredMember{Member: []byte(mb), Score: s})
			}
			var want int64
			for _, p := range pairs {
				if _, ok := model[string(p.Member)]; !ok {
					want++
				}
				model[string(p.Member)] = p.Score
			}
			update(func(tx backend.Tx) error {
				res, err := tx.ZAdd(key, 0, pairs)
				if err == nil && res.Added != want {
					err = fmt.Errorf("step %d: ZAdd added %d, want %d", step, res.Added, want)
				}
				return err
			})
		case op < 8:
			var ms [][]byte
			var want int64
			for range 1 + rng.IntN(8) {
				mb := fmt.Sprint("m", rng.IntN(nmembers))
				if _, ok := model[mb]; ok {
					delete(model, mb)
					want++
				}
				ms = append(ms, []byte(mb))
			}
			update(func(tx backend.Tx) error {
				n, err := tx.ZRem(key, ms)
				if err == nil && n != want {
					err = fmt.Errorf("step %d: ZRem removed %d, want %d", step, n, want)
				}
				return err
			})
		case op < 9:
			z := sorted()
			if len(z) == 0 {
				break
			}
			lo := rng.IntN(len(z))
			hi := lo + rng.IntN(min(len(z)-lo, 200))
			for _, e := range z[lo : hi+1] {
				delete(model, e.member)
			}
			update(func(tx backend.Tx) error {
				n, err := tx.ZRemRange(key, backend.ZRange{By: backend.ZByRank, Start: int64(lo), Stop: int64(hi)})
				if err == nil && n != int64(hi-lo+1) {
					err = fmt.Errorf("step %d: ZRemRange removed %d, want %d", step, n, hi-lo+1)
				}
				return err
			})
		case op < 10:
			z := sorted()
			max, count := rng.IntN(2) == 0, rng.IntN(20)
			if max {
				slices.Reverse(z)
			}
			z = z[:min(count, len(z))]
			var got []zelem
			update(func(tx backend.Tx) error {
				return tx.ZPop(key, max, int64(count), func(mb []byte, s float64) {
					got = append(got, zelem{member: string(mb), score: s})
				})
			})
			if !slices.Equal(got, z) {
				t.Fatalf("step %d: ZPop(max %v, %d) = %v, want %v", step, max, count, got, z)
			}
			for _, e := range z {
				delete(model, e.member)
			}
		case op < 11:
			// A snapshot shares the set; the next writes copy it.
			if snap != nil {
				checkSnapshot(t, snap, snapWant)
			}
			snapWant = dump(t, m)
			var err error
			if snap, err = m.Snapshot(nil); err != nil {
				t.Fatal(err)
			}
		default:
			if snap != nil {
				checkSnapshot(t, snap, snapWant)
				snap = nil
			}
		}
		if step%100 == 0 || len(model) == 0 {
			want := sorted()
			var got []zelem
			err := m.View(backend.TxOptions{Keys: [][]byte{key}}, func(tx backend.Tx) error {
				return tx.ZIter(key, func(mb []byte, s float64) bool {
					got = append(got, zelem{member: string(mb), score: s})
					return true
				})
			})
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("step %d: ZIter = %d elements, %v; want %d", step, len(got), err, len(want))
			}
			if snap == nil {
				checkInvariants(t, m)
			}
		}
	}
	if snap != nil {
		checkSnapshot(t, snap, snapWant)
	}
}

// checkSnapshot reads s whole, compares it with want and closes it.
func checkSnapshot(t *testing.T, s backend.Snapshot, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	err := s.Each(context.Background(), func(e *backend.Entry) error {
		got[fmt.Sprintf("%d/%q", e.DB, e.Key)] = entryString(e)
		return nil
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("snapshot %s differs from the state it was taken in", k)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("snapshot has %d keys, want %d", len(got), len(want))
	}
}

// zsetOf fills key of m with n members "m<i>" of score i (i = 0..n-1),
// in batches.
func zsetOf(t testing.TB, m *Memory, key []byte, n int) {
	t.Helper()
	const batch = 10_000
	pairs := make([]backend.ScoredMember, 0, batch)
	for start := 0; start < n; start += batch {
		pairs = pairs[:0]
		for i := start; i < min(start+batch, n); i++ {
			pairs = append(pairs, backend.ScoredMember{Member: fmt.Appendf(nil, "m%d", i), Score: float64(i)})
		}
		if err := m.Update(backend.TxOptions{Keys: [][]byte{key}}, func(tx backend.Tx) error {
			_, err := tx.ZAdd(key, 0, pairs)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// medianOf runs fn reps times and returns the median duration.
func medianOf(reps int, fn func()) time.Duration {
	d := make([]time.Duration, reps)
	for i := range d {
		start := time.Now()
		fn()
		d[i] = time.Since(start)
	}
	slices.Sort(d)
	return d[reps/2]
}

// TestZSetLarge measures the operations the issue names on a sorted set
// of 200,000 members (each its own transaction, median of repetitions),
// logs the figures (go test -v -run TestZSetLarge ./backend/memory/), and
// fails only far above them: the operations are O(log n) or O(log n + m),
// microseconds, where a walk of the set would take milliseconds.
func TestZSetLarge(t *testing.T) {
	const n = 200_000
	m := New(Options{Databases: 1, ExpiryInterval: -1})
	defer m.Close()
	key := []byte("big")
	start := time.Now()
	zsetOf(t, m, key, n)
	t.Logf("load %d members: %v", n, time.Since(start))
	o := backend.TxOptions{Keys: [][]byte{key}}
	view := func(fn func(tx backend.Tx) error) {
		if err := m.View(o, fn); err != nil {
			t.Fatal(err)
		}
	}
	update := func(fn func(tx backend.Tx) error) {
		if err := m.Update(o, fn); err != nil {
			t.Fatal(err)
		}
	}
	mid := []byte(fmt.Sprint("m", n/2))
	i := 0
	figures := []struct {
		name string
		d    time.Duration
	}{
		{"ZADD new member", medianOf(201, func() {
			i++
			update(func(tx backend.Tx) error {
				_, err := tx.ZAdd(key, 0, []backend.ScoredMember{{Member: fmt.Appendf(nil, "new%d", i), Score: n / 3}})
				return err
			})
		})},
		{"ZADD existing member, new score", medianOf(201, func() {
			i++
			update(func(tx backend.Tx) error {
				_, err := tx.ZAdd(key, 0, []backend.ScoredMember{{Member: mid, Score: float64(n/2 + i%2)}})
				return err
			})
		})},
		{"ZSCORE", medianOf(201, func() {
			view(func(tx backend.Tx) error {
				_, ok, err := tx.ZScore(key, mid)
				if !ok {
					t.Fatal("ZScore: missing")
				}
				return err
			})
		})},
		{"ZRANK middle", medianOf(201, func() {
			view(func(tx backend.Tx) error {
				r, _, _, err := tx.ZRank(key, mid, false)
				if r < n/2-10 || r > n/2+300 {
					t.Fatalf("ZRank = %d", r)
				}
				return err
			})
		})},
		{"ZRANGE 10 from the middle by rank", medianOf(201, func() {
			view(func(tx backend.Tx) error {
				return tx.ZRange(key, backend.ZRange{By: backend.ZByRank, Start: n / 2, Stop: n/2 + 9}, func([]byte, float64) bool { return true })
			})
		})},
		{"ZRANGEBYSCORE 10 from the middle", medianOf(201, func() {
			view(func(tx backend.Tx) error {
				r := backend.ZRange{By: backend.ZByScore, Min: backend.ScoreBound{Value: n / 2}, Max: backend.ScoreBound{Value: math.Inf(1)}, Count: 10}
				return tx.ZRange(key, r, func([]byte, float64) bool { return true })
			})
		})},
		{"ZCOUNT of half", medianOf(201, func() {
			view(func(tx backend.Tx) error {
				_, err := tx.ZCount(key, backend.ZRange{By: backend.ZByScore, Min: backend.ScoreBound{Value: n / 4}, Max: backend.ScoreBound{Value: 3 * n / 4}})
				return err
			})
		})},
		{"ZREM + ZADD middle", medianOf(201, func() {
			update(func(tx backend.Tx) error {
				if _, err := tx.ZRem(key, [][]byte{mid}); err != nil {
					return err
				}
				_, err := tx.ZAdd(key, 0, []backend.ScoredMember{{Member: mid, Score: n / 2}})
				return err
			})
		})},
	}
	var worst time.Duration
	for _, f := range figures {
		t.Logf("%-36s %v", f.name, f.d)
		worst = max(worst, f.d)
	}
	// Copy-on-write: the first write after a snapshot copies the set.
	s, err := m.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	update(func(tx backend.Tx) error { _, err := tx.ZRem(key, [][]byte{mid}); return err })
	t.Logf("%-36s %v", "first write after a snapshot (copy)", time.Since(start))
	s.Close()
	// DEL unlinks the set; the collector frees it later.
	start = time.Now()
	update(func(tx backend.Tx) error { _, err := tx.Delete(key); return err })
	del := time.Since(start)
	t.Logf("%-36s %v", "DEL", del)
	if worst > 5*time.Millisecond || del > 50*time.Millisecond {
		t.Fatalf("an operation on %d members took %v (DEL %v): not O(log n)", n, worst, del)
	}
}

func benchZSet(b *testing.B, n int) (*Memory, []byte) {
	m := New(Options{Databases: 1, ExpiryInterval: -1})
	b.Cleanup(func() { m.Close() })
	key := []byte("big")
	zsetOf(b, m, key, n)
	b.ReportAllocs()
	b.ResetTimer()
	return m, key
}

// BenchmarkZAdd updates the score of a random member of 200,000.
func BenchmarkZAdd(b *testing.B) {
	const n = 200_000
	m, key := benchZSet(b, n)
	o := backend.TxOptions{Keys: [][]byte{key}}
	members := make([][]byte, 1024)
	for i := range members {
		members[i] = fmt.Appendf(nil, "m%d", rand.IntN(n))
	}
	pairs := make([]backend.ScoredMember, 1)
	i := 0
	fn := func(tx backend.Tx) error {
		_, err := tx.ZAdd(key, 0, pairs)
		return err
	}
	for b.Loop() {
		i++
		pairs[0] = backend.ScoredMember{Member: members[i%len(members)], Score: float64(i % n)}
		if err := m.Update(o, fn); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkZAddNew adds new members to a set that grows from 200,000.
func BenchmarkZAddNew(b *testing.B) {
	const n = 200_000
	m, key := benchZSet(b, n)
	o := backend.TxOptions{Keys: [][]byte{key}}
	pairs := make([]backend.ScoredMember, 1)
	var buf []byte
	i := 0
	fn := func(tx backend.Tx) error {
		_, err := tx.ZAdd(key, 0, pairs)
		return err
	}
	for b.Loop() {
		i++
		buf = fmt.Appendf(buf[:0], "new%d", i)
		pairs[0] = backend.ScoredMember{Member: buf, Score: float64(i % n)}
		if err := m.Update(o, fn); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkZScore(b *testing.B) {
	m, key := benchZSet(b, 200_000)
	o := backend.TxOptions{Keys: [][]byte{key}}
	mid := []byte("m100000")
	fn := func(tx backend.Tx) error { _, _, err := tx.ZScore(key, mid); return err }
	for b.Loop() {
		if err := m.View(o, fn); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkZRank(b *testing.B) {
	m, key := benchZSet(b, 200_000)
	o := backend.TxOptions{Keys: [][]byte{key}}
	mid := []byte("m100000")
	fn := func(tx backend.Tx) error { _, _, _, err := tx.ZRank(key, mid, false); return err }
	for b.Loop() {
		if err := m.View(o, fn); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkZRange reads 10 elements from the middle of 200,000 by rank.
func BenchmarkZRange(b *testing.B) {
	m, key := benchZSet(b, 200_000)
	o := backend.TxOptions{Keys: [][]byte{key}}
	r := backend.ZRange{By: backend.ZByRank, Start: 100_000, Stop: 100_009}
	got := 0
	visit := func([]byte, float64) bool { got++; return true }
	fn := func(tx backend.Tx) error { return tx.ZRange(key, r, visit) }
	for b.Loop() {
		if err := m.View(o, fn); err != nil {
			b.Fatal(err)
		}
	}
	if got != 10*b.N {
		b.Fatalf("%d elements in %d ranges", got, b.N)
	}
}

// BenchmarkZRangeByScore reads 10 elements from the middle of 200,000 by
// score.
func BenchmarkZRangeByScore(b *testing.B) {
	m, key := benchZSet(b, 200_000)
	o := backend.TxOptions{Keys: [][]byte{key}}
	r := backend.ZRange{By: backend.ZByScore, Min: backend.ScoreBound{Value: 100_000}, Max: backend.ScoreBound{Value: math.Inf(1)}, Count: 10}
	visit := func([]byte, float64) bool { return true }
	fn := func(tx backend.Tx) error { return tx.ZRange(key, r, visit) }
	for b.Loop() {
		if err := m.View(o, fn); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkZPopZAdd pops the lowest element of 1,000 and adds it back.
func BenchmarkZPopZAdd(b *testing.B) {
	m, key := benchZSet(b, 1000)
	o := backend.TxOptions{Keys: [][]byte{key}}
	pairs := make([]backend.ScoredMember, 1)
	var buf []byte
	score := 1000.0
	fn := func(tx backend.Tx) error {
		err := tx.ZPop(key, false, 1, func(mb []byte, _ float64) { buf = append(buf[:0], mb...) })
		if err != nil {
			return err
		}
		score++
		pairs[0] = backend.ScoredMember{Member: buf, Score: score}
		_, err = tx.ZAdd(key, 0, pairs)
		return err
	}
	for b.Loop() {
		if err := m.Update(o, fn); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkZSetClone copies a sorted set of 200,000 members, as the first
// write after a snapshot does (a hash of as many fields costs about the
// same: the index map's copy dominates both).
func BenchmarkZSetClone(b *testing.B) {
	z := &zsetObj{}
	for i := range 200_000 {
		z.insert(fmt.Appendf(nil, "m%d", i), float64(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		z.clone()
	}
}
