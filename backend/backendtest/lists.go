package backendtest

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"redpool/backend"
)

func (h *harness) pop(db int, key string, left bool, count int64) []string {
	h.t.Helper()
	var out []string
	h.update(db, k(key), func(tx backend.Tx) error {
		vals, err := tx.ListPop(b(key), left, count)
		out = nil
		for _, v := range vals {
			out = append(out, string(v))
		}
		return err
	})
	return out
}

func seq(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("e", i)
	}
	return out
}

func testListBasics(h *harness) {
	t := h.t
	if n := h.push(0, "l", true, "a", "b", "c"); n != 3 {
		t.Fatalf("ListPush = %d, want 3", n)
	}
	h.mustList(0, "l", "c", "b", "a")
	if typ := h.typeOf(0, "l"); typ != backend.TypeList {
		t.Fatalf("Type = %v", typ)
	}
	if n := h.push(0, "l", false, "x", "y"); n != 5 {
		t.Fatalf("ListPush = %d, want 5", n)
	}
	h.mustList(0, "l", "c", "b", "a", "x", "y")
	// onlyExisting.
	pushX := func(key string, vals ...string) int64 {
		var n int64
		h.update(0, k(key), func(tx backend.Tx) (err error) {
			n, err = tx.ListPush(b(key), false, bs(vals...), true)
			return err
		})
		return n
	}
	if n := pushX("m", "v"); n != 0 {
		t.Fatalf("ListPush onlyExisting on missing = %d", n)
	}
	h.mustMissing(0, "m")
	if n := pushX("l", "z"); n != 6 {
		t.Fatalf("ListPush onlyExisting = %d, want 6", n)
	}
	// Pops.
	if got := h.pop(0, "l", true, 1); !slices.Equal(got, []string{"c"}) {
		t.Fatalf("ListPop left = %q", got)
	}
	if got := h.pop(0, "l", false, 2); !slices.Equal(got, []string{"z", "y"}) {
		t.Fatalf("ListPop right 2 = %q", got)
	}
	h.mustList(0, "l", "b", "a", "x")
	if got := h.pop(0, "l", true, 0); len(got) != 0 {
		t.Fatalf("ListPop count 0 = %q", got)
	}
	if got := h.pop(0, "l", true, 10); !slices.Equal(got, []string{"b", "a", "x"}) {
		t.Fatalf("ListPop 10 = %q", got)
	}
	h.mustMissing(0, "l") // popping the last element deletes the key
	if got := h.pop(0, "l", false, 1); len(got) != 0 {
		t.Fatalf("ListPop(missing) = %q", got)
	}
	h.rpush(0, "one", "v")
	if got := h.pop(0, "one", false, 1); !slices.Equal(got, []string{"v"}) {
		t.Fatalf("ListPop = %q", got)
	}
	h.mustMissing(0, "one")

	// ListIndex.
	h.rpush(0, "i", seq(5)...)
	for _, c := range []struct {
		idx  int64
		want string
		ok   bool
	}{{0, "e0", true}, {4, "e4", true}, {-1, "e4", true}, {-5, "e0", true}, {2, "e2", true}, {5, "", false}, {-6, "", false}, {1 << 40, "", false}} {
		var v []byte
		var ok bool
		h.view(0, k("i"), func(tx backend.Tx) (err error) {
			v, ok, err = tx.ListIndex(b("i"), c.idx)
			return err
		})
		if ok != c.ok || string(v) != c.want {
			t.Fatalf("ListIndex(%d) = %q, %v; want %q, %v", c.idx, v, ok, c.want, c.ok)
		}
	}
	var miss bool
	h.view(0, k("nope"), func(tx backend.Tx) (err error) {
		_, miss, err = tx.ListIndex(b("nope"), 0)
		return err
	})
	if miss {
		t.Fatal("ListIndex(missing) ok")
	}
	// ListSet.
	lset := func(key string, idx int64, val string) error {
		return h.tryUpdate(0, k(key), func(tx backend.Tx) error { return tx.ListSet(b(key), idx, b(val)) })
	}
	if err := lset("i", 1, "X"); err != nil {
		t.Fatal(err)
	}
	if err := lset("i", -1, "Y"); err != nil {
		t.Fatal(err)
	}
	h.mustList(0, "i", "e0", "X", "e2", "e3", "Y")
	for _, idx := range []int64{5, -6, 100} {
		if err := lset("i", idx, "Z"); !errors.Is(err, backend.ErrIndexOutOfRange) {
			t.Fatalf("ListSet(%d) err = %v, want ErrIndexOutOfRange", idx, err)
		}
	}
	if err := lset("nope", 0, "Z"); !errors.Is(err, backend.ErrNoSuchKey) {
		t.Fatalf("ListSet(missing) err = %v, want ErrNoSuchKey", err)
	}
	h.mustMissing(0, "nope")
	h.mustList(0, "i", "e0", "X", "e2", "e3", "Y")
	// Empty elements are elements.
	h.rpush(0, "e", "", "")
	h.mustList(0, "e", "", "")
	// Input slices are copied.
	buf := b("abc")
	h.update(0, k("c"), func(tx backend.Tx) error {
		_, err := tx.ListPush(b("c"), false, [][]byte{buf}, false)
		return err
	})
	copy(buf, "XYZ")
	h.mustList(0, "c", "abc")
}

func testListRange(h *harness) {
	t := h.t
	h.rpush(0, "l", seq(10)...)
	all := seq(10)
	cases := []struct {
		start, stop int64
		want        []string
	}{
		{0, -1, all},
		{0, 9, all},
		{0, 100, all},
		{-100, 100, all},
		{-3, -1, all[7:]},
		{5, 100, all[5:]},
		{100, 200, nil},
		{10, 10, nil},
		{-100, 2, all[:3]},
		{3, 1, nil},
		{-1, -1, all[9:]},
		{0, 0, all[:1]},
		{-100, -50, nil},
		{2, -3, all[2:8]},
		{-2, 1, nil},
		{9, -1, all[9:]},
	}
	for _, c := range cases {
		var got []string
		h.view(0, k("l"), func(tx backend.Tx) error {
			got = nil
			return tx.ListRange(b("l"), c.start, c.stop, func(v []byte) error {
				got = append(got, string(v))
				return nil
			})
		})
		if !slices.Equal(got, c.want) {
			t.Fatalf("ListRange(%d, %d) = %q, want %q", c.start, c.stop, got, c.want)
		}
	}
	// fn's error stops the walk.
	stop := errors.New("stop")
	calls := 0
	err := h.tryView(0, k("l"), func(tx backend.Tx) error {
		calls = 0
		return tx.ListRange(b("l"), 0, -1, func([]byte) error { calls++; return stop })
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("ListRange with failing fn: %v after %d calls", err, calls)
	}
	// Missing key: nothing.
	h.view(0, k("nope"), func(tx backend.Tx) error {
		return tx.ListRange(b("nope"), 0, -1, func([]byte) error { return errors.New("called") })
	})
}

func testListTrim(h *harness) {
	all := seq(10)
	cases := []struct {
		start, stop int64
		want        []string
	}{
		{0, -1, all},
		{0, 100, all},
		{2, 4, all[2:5]},
		{-3, -1, all[7:]},
		{-100, 1, all[:2]},
		{5, 100, all[5:]},
		{0, 0, all[:1]},
		{-1, -1, all[9:]},
		{5, 4, nil},
		{100, 200, nil},
		{-100, -50, nil},
		{10, -1, nil},
	}
	for i, c := range cases {
		key := fmt.Sprint("l", i)
		h.rpush(0, key, all...)
		h.update(0, k(key), func(tx backend.Tx) error { return tx.ListTrim(b(key), c.start, c.stop) })
		if c.want == nil {
			h.mustMissing(0, key) // trimmed to empty: the key is gone
			continue
		}
		h.mustList(0, key, c.want...)
	}
	h.update(0, k("nope"), func(tx backend.Tx) error { return tx.ListTrim(b("nope"), 0, 1) })
	h.mustMissing(0, "nope")
}

func testListRem(h *harness) {
	t := h.t
	src := []string{"a", "b", "a", "c", "a", "b", "a"}
	rem := func(key string, count int64, val string) int64 {
		t.Helper()
		var n int64
		h.update(0, k(key), func(tx backend.Tx) (err error) {
			n, err = tx.ListRem(b(key), count, b(val))
			return err
		})
		return n
	}
	cases := []struct {
		count int64
		val   string
		n     int64
		want  []string
	}{
		{2, "a", 2, []string{"b", "c", "a", "b", "a"}},
		{-2, "a", 2, []string{"a", "b", "a", "c", "b"}},
		{0, "a", 4, []string{"b", "c", "b"}},
		{100, "a", 4, []string{"b", "c", "b"}},
		{-100, "b", 2, []string{"a", "a", "c", "a", "a"}},
		{1, "c", 1, []string{"a", "b", "a", "a", "b", "a"}},
		{0, "zz", 0, src},
		{-1, "a", 1, []string{"a", "b", "a", "c", "a", "b"}},
	}
	for i, c := range cases {
		key := fmt.Sprint("l", i)
		h.rpush(0, key, src...)
		if n := rem(key, c.count, c.val); n != c.n {
			t.Fatalf("ListRem(%d, %q) = %d, want %d", c.count, c.val, n, c.n)
		}
		h.mustList(0, key, c.want...)
	}
	h.rpush(0, "aa", "a", "a")
	if n := rem("aa", 0, "a"); n != 2 {
		t.Fatalf("ListRem = %d", n)
	}
	h.mustMissing(0, "aa") // removing every element deletes the key
	if n := rem("nope", 0, "a"); n != 0 {
		t.Fatalf("ListRem(missing) = %d", n)
	}
}

func testListInsert(h *harness) {
	t := h.t
	ins := func(key string, before bool, pivot, val string) int64 {
		t.Helper()
		var n int64
		h.update(0, k(key), func(tx backend.Tx) (err error) {
			n, err = tx.ListInsert(b(key), before, b(pivot), b(val))
			return err
		})
		return n
	}
	h.rpush(0, "l", "a", "b", "c")
	if n := ins("l", true, "b", "X"); n != 4 {
		t.Fatalf("ListInsert = %d", n)
	}
	h.mustList(0, "l", "a", "X", "b", "c")
	if n := ins("l", false, "c", "Y"); n != 5 {
		t.Fatalf("ListInsert = %d", n)
	}
	h.mustList(0, "l", "a", "X", "b", "c", "Y")
	if n := ins("l", true, "a", "H"); n != 6 {
		t.Fatalf("ListInsert = %d", n)
	}
	h.mustList(0, "l", "H", "a", "X", "b", "c", "Y")
	if n := ins("l", false, "a", "A"); n != 7 {
		t.Fatalf("ListInsert = %d", n)
	}
	h.mustList(0, "l", "H", "a", "A", "X", "b", "c", "Y")
	if n := ins("l", true, "nope", "Z"); n != -1 {
		t.Fatalf("ListInsert(no pivot) = %d, want -1", n)
	}
	h.mustList(0, "l", "H", "a", "A", "X", "b", "c", "Y")
	if n := ins("missing", true, "a", "Z"); n != 0 {
		t.Fatalf("ListInsert(missing key) = %d, want 0", n)
	}
	h.mustMissing(0, "missing")
	// The first matching pivot counts.
	h.rpush(0, "d", "a", "b", "a")
	if n := ins("d", false, "a", "Z"); n != 4 {
		t.Fatalf("ListInsert = %d", n)
	}
	h.mustList(0, "d", "a", "Z", "b", "a")
	// Inserting in a long list, near both ends and in the middle.
	long := seq(100)
	h.rpush(0, "long", long...)
	ins("long", true, "e1", "p")
	ins("long", false, "e98", "q")
	ins("long", true, "e50", "r")
	want := slices.Concat(long[:1], []string{"p"}, long[1:50], []string{"r"}, long[50:99], []string{"q"}, long[99:])
	h.mustList(0, "long", want...)
}

func testListIter(h *harness) {
	t := h.t
	h.rpush(0, "l", seq(5)...)
	iter := func(reverse bool, limit int) []string {
		var out []string
		h.view(0, k("l"), func(tx backend.Tx) error {
			out = nil
			return tx.ListIter(b("l"), reverse, func(i int64, v []byte) bool {
				out = append(out, fmt.Sprintf("%d=%s", i, v))
				return len(out) < limit
			})
		})
		return out
	}
	if got := iter(false, 100); !slices.Equal(got, []string{"0=e0", "1=e1", "2=e2", "3=e3", "4=e4"}) {
		t.Fatalf("ListIter = %q", got)
	}
	if got := iter(true, 100); !slices.Equal(got, []string{"4=e4", "3=e3", "2=e2", "1=e1", "0=e0"}) {
		t.Fatalf("ListIter reverse = %q", got)
	}
	if got := iter(false, 2); !slices.Equal(got, []string{"0=e0", "1=e1"}) {
		t.Fatalf("ListIter stopped = %q", got)
	}
	if got := iter(true, 1); !slices.Equal(got, []string{"4=e4"}) {
		t.Fatalf("ListIter reverse stopped = %q", got)
	}
	h.view(0, k("nope"), func(tx backend.Tx) error {
		return tx.ListIter(b("nope"), false, func(int64, []byte) bool { t.Error("called"); return true })
	})
}

// testListModel runs random list operations against a slice model.
func testListModel(h *harness) {
	t := h.t
	rng := rand.New(rand.NewPCG(1, 2))
	const key = "model"
	var model []string
	vals := []string{"a", "b", "c", "d", ""}
	randVals := func() []string {
		out := make([]string, 1+rng.IntN(6))
		for i := range out {
			out[i] = vals[rng.IntN(len(vals))]
		}
		return out
	}
	idx := func() int64 { return int64(rng.IntN(2*len(model)+6) - len(model) - 3) }
	for step := range 1500 {
		var err error
		switch op := rng.IntN(10); op {
		case 0, 1, 2: // push
			vs := randVals()
			left := op == 0
			var n int64
			err = h.tryUpdate(0, k(key), func(tx backend.Tx) (err error) {
				n, err = tx.ListPush(b(key), left, bs(vs...), false)
				return err
			})
			for _, v := range vs {
				if left {
					model = append([]string{v}, model...)
				} else {
					model = append(model, v)
				}
			}
			if err == nil && n != int64(len(model)) {
				err = fmt.Errorf("ListPush = %d, want %d", n, len(model))
			}
		case 3, 4: // pop
			left := op == 3
			cnt := int64(1 + rng.IntN(4))
			got := h.pop(0, key, left, cnt)
			c := min(int(cnt), len(model))
			var want []string
			if left {
				want, model = slices.Clone(model[:c]), model[c:]
			} else {
				for i := range c {
					want = append(want, model[len(model)-1-i])
				}
				model = model[:len(model)-c]
			}
			if !slices.Equal(got, want) {
				err = fmt.Errorf("ListPop(left=%v, %d) = %q, want %q", left, cnt, got, want)
			}
		case 5: // set
			i := idx()
			v := vals[rng.IntN(len(vals))] + "s"
			err = h.tryUpdate(0, k(key), func(tx backend.Tx) error { return tx.ListSet(b(key), i, b(v)) })
			j := i
			if j < 0 {
				j += int64(len(model))
			}
			var wantErr error
			switch {
			case len(model) == 0:
				wantErr = backend.ErrNoSuchKey
			case j < 0 || j >= int64(len(model)):
				wantErr = backend.ErrIndexOutOfRange
			default:
				model[j] = v
			}
			if !errors.Is(err, wantErr) {
				err = fmt.Errorf("ListSet(%d) err = %v, want %v", i, err, wantErr)
			} else {
				err = nil
			}
		case 6: // trim
			start, stop := idx(), idx()
			if rng.IntN(3) > 0 {
				start, stop = int64(rng.IntN(3)), -1-int64(rng.IntN(3))
			}
			err = h.tryUpdate(0, k(key), func(tx backend.Tx) error { return tx.ListTrim(b(key), start, stop) })
			model = modelRange(model, start, stop)
		case 7: // rem
			cnt := int64(rng.IntN(5) - 2)
			v := vals[rng.IntN(len(vals))]
			var n int64
			err = h.tryUpdate(0, k(key), func(tx backend.Tx) (err error) {
				n, err = tx.ListRem(b(key), cnt, b(v))
				return err
			})
			var want int64
			model, want = modelRem(model, cnt, v)
			if err == nil && n != want {
				err = fmt.Errorf("ListRem(%d, %q) = %d, want %d", cnt, v, n, want)
			}
		case 8: // insert
			before := rng.IntN(2) == 0
			pivot, v := vals[rng.IntN(len(vals))], "i"
			var n int64
			err = h.tryUpdate(0, k(key), func(tx backend.Tx) (err error) {
				n, err = tx.ListInsert(b(key), before, b(pivot), b(v))
				return err
			})
			want := int64(0)
			if len(model) > 0 {
				want = -1
				if p := slices.Index(model, pivot); p >= 0 {
					if !before {
						p++
					}
					model = slices.Insert(model, p, v)
					want = int64(len(model))
				}
			}
			if err == nil && n != want {
				err = fmt.Errorf("ListInsert = %d, want %d", n, want)
			}
		case 9: // index
			i := idx()
			var got []byte
			var ok bool
			err = h.tryView(0, k(key), func(tx backend.Tx) (err error) {
				got, ok, err = tx.ListIndex(b(key), i)
				got = bytes.Clone(got)
				return err
			})
			j := i
			if j < 0 {
				j += int64(len(model))
			}
			inRange := j >= 0 && j < int64(len(model))
			if err == nil && (ok != inRange || (ok && string(got) != model[j])) {
				err = fmt.Errorf("ListIndex(%d) = %q, %v; model %q", i, got, ok, model)
			}
		}
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if step%25 == 0 || len(model) == 0 {
			if len(model) == 0 {
				h.mustMissing(0, key)
			} else {
				h.mustList(0, key, model...)
			}
		}
	}
}

func modelRange(l []string, start, stop int64) []string {
	n := int64(len(l))
	if start < 0 {
		start += n
	}
	if stop < 0 {
		stop += n
	}
	start = max(start, 0)
	if start > stop || start >= n {
		return nil
	}
	stop = min(stop, n-1)
	return slices.Clone(l[start : stop+1])
}

func modelRem(l []string, count int64, v string) ([]string, int64) {
	var removed int64
	limit := count
	if limit < 0 {
		limit = -limit
	}
	if count >= 0 {
		out := []string{}
		for _, x := range l {
			if x == v && (limit == 0 || removed < limit) {
				removed++
				continue
			}
			out = append(out, x)
		}
		return out, removed
	}
	out := []string{}
	for i := len(l) - 1; i >= 0; i-- {
		if l[i] == v && removed < limit {
			removed++
			continue
		}
		out = append(out, l[i])
	}
	slices.Reverse(out)
	return out, removed
}

// testListPopOwnership: popped elements belong to the caller, also after a
// Copy shared the list.
func testListPopOwnership(h *harness) {
	h.rpush(0, "src", "abc", "def", "ghi")
	h.update(0, k("src", "dst"), func(tx backend.Tx) error {
		_, err := tx.Copy(b("src"), 0, b("dst"), false)
		return err
	})
	popMangle := func(key string, left bool) {
		h.update(0, k(key), func(tx backend.Tx) error {
			vals, err := tx.ListPop(b(key), left, 1)
			for _, v := range vals {
				for i := range v {
					v[i] = 'X'
				}
			}
			return err
		})
	}
	popMangle("dst", true)
	h.mustList(0, "src", "abc", "def", "ghi")
	popMangle("src", false)
	h.mustList(0, "dst", "def", "ghi")
	h.mustList(0, "src", "abc", "def")
}
