package backendtest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"

	"redpool/backend"
)

// typedOp is one typed Tx operation, for the ErrWrongType matrix.
type typedOp struct {
	name  string
	typ   backend.Type
	write bool
	fn    func(tx backend.Tx, key []byte) error
}

func typedOps() []typedOp {
	called := func() error { return errors.New("callback called") }
	S, L, H, Z := backend.TypeString, backend.TypeList, backend.TypeHash, backend.TypeSet
	ZS := backend.TypeZSet
	all := backend.ZRange{By: backend.ZByScore, Min: backend.ScoreBound{Value: math.Inf(-1)}, Max: backend.ScoreBound{Value: math.Inf(1)}, Count: -1}
	return append([]typedOp{
		{"Get", S, false, func(tx backend.Tx, key []byte) error { _, _, err := tx.Get(key); return err }},
		{"Append", S, true, func(tx backend.Tx, key []byte) error { _, err := tx.Append(key, b("x")); return err }},
		{"SetRange", S, true, func(tx backend.Tx, key []byte) error { _, err := tx.SetRange(key, 0, b("x")); return err }},
		{"ListLen", L, false, func(tx backend.Tx, key []byte) error { _, err := tx.ListLen(key); return err }},
		{"ListPush", L, true, func(tx backend.Tx, key []byte) error {
			_, err := tx.ListPush(key, true, bs("x"), false)
			return err
		}},
		{"ListPushX", L, true, func(tx backend.Tx, key []byte) error {
			_, err := tx.ListPush(key, false, bs("x"), true)
			return err
		}},
		{"ListPop", L, true, func(tx backend.Tx, key []byte) error { _, err := tx.ListPop(key, true, 1); return err }},
		{"ListIndex", L, false, func(tx backend.Tx, key []byte) error { _, _, err := tx.ListIndex(key, 0); return err }},
		{"ListSet", L, true, func(tx backend.Tx, key []byte) error { return tx.ListSet(key, 0, b("x")) }},
		{"ListRange", L, false, func(tx backend.Tx, key []byte) error {
			return tx.ListRange(key, 0, -1, func([]byte) error { return called() })
		}},
		{"ListTrim", L, true, func(tx backend.Tx, key []byte) error { return tx.ListTrim(key, 1, 0) }},
		{"ListRem", L, true, func(tx backend.Tx, key []byte) error { _, err := tx.ListRem(key, 0, b("v")); return err }},
		{"ListInsert", L, true, func(tx backend.Tx, key []byte) error {
			_, err := tx.ListInsert(key, true, b("v"), b("x"))
			return err
		}},
		{"ListIter", L, false, func(tx backend.Tx, key []byte) error {
			return tx.ListIter(key, false, func(int64, []byte) bool { return false })
		}},
		{"HashSet", H, true, func(tx backend.Tx, key []byte) error {
			_, err := tx.HashSet(key, bs("f", "x"), false)
			return err
		}},
		{"HashSetNX", H, true, func(tx backend.Tx, key []byte) error {
			_, err := tx.HashSet(key, bs("new", "x"), true)
			return err
		}},
		{"HashGet", H, false, func(tx backend.Tx, key []byte) error { _, _, err := tx.HashGet(key, b("f")); return err }},
		{"HashDel", H, true, func(tx backend.Tx, key []byte) error { _, err := tx.HashDel(key, bs("f", "v")); return err }},
		{"HashLen", H, false, func(tx backend.Tx, key []byte) error { _, err := tx.HashLen(key); return err }},
		{"HashIter", H, false, func(tx backend.Tx, key []byte) error {
			return tx.HashIter(key, func(_, _ []byte) bool { return false })
		}},
		{"HashScan", H, false, func(tx backend.Tx, key []byte) error {
			_, err := tx.HashScan(key, 0, 10, func(_, _ []byte) error { return called() })
			return err
		}},
		{"HashRandom", H, false, func(tx backend.Tx, key []byte) error {
			return tx.HashRandom(key, 3, true, func(_, _ []byte) error { return called() })
		}},
		{"SetAdd", Z, true, func(tx backend.Tx, key []byte) error { _, err := tx.SetAdd(key, bs("x")); return err }},
		{"SetRem", Z, true, func(tx backend.Tx, key []byte) error { _, err := tx.SetRem(key, bs("a", "x")); return err }},
		{"SetIsMember", Z, false, func(tx backend.Tx, key []byte) error { _, err := tx.SetIsMember(key, b("a")); return err }},
		{"SetLen", Z, false, func(tx backend.Tx, key []byte) error { _, err := tx.SetLen(key); return err }},
		{"SetIter", Z, false, func(tx backend.Tx, key []byte) error {
			return tx.SetIter(key, func([]byte) bool { return false })
		}},
		{"SetScan", Z, false, func(tx backend.Tx, key []byte) error {
			_, err := tx.SetScan(key, 0, 10, func([]byte) error { return called() })
			return err
		}},
		{"SetRandom", Z, false, func(tx backend.Tx, key []byte) error {
			return tx.SetRandom(key, 3, true, func([]byte) error { return called() })
		}},
		{"ZAdd", ZS, true, func(tx backend.Tx, key []byte) error {
			_, err := tx.ZAdd(key, 0, []backend.ScoredMember{{Member: b("x"), Score: 1}})
			return err
		}},
		{"ZAddIncr", ZS, true, func(tx backend.Tx, key []byte) error {
			_, err := tx.ZAdd(key, backend.ZAddIncr|backend.ZAddXX, []backend.ScoredMember{{Member: b("a"), Score: 1}})
			return err
		}},
		{"ZRem", ZS, true, func(tx backend.Tx, key []byte) error { _, err := tx.ZRem(key, bs("a", "x")); return err }},
		{"ZScore", ZS, false, func(tx backend.Tx, key []byte) error { _, _, err := tx.ZScore(key, b("a")); return err }},
		{"ZLen", ZS, false, func(tx backend.Tx, key []byte) error { _, err := tx.ZLen(key); return err }},
		{"ZRank", ZS, false, func(tx backend.Tx, key []byte) error { _, _, _, err := tx.ZRank(key, b("a"), true); return err }},
		{"ZIter", ZS, false, func(tx backend.Tx, key []byte) error {
			return tx.ZIter(key, func([]byte, float64) bool { return false })
		}},
		{"ZRange", ZS, false, func(tx backend.Tx, key []byte) error {
			return tx.ZRange(key, all, func([]byte, float64) bool { return false })
		}},
		{"ZCount", ZS, false, func(tx backend.Tx, key []byte) error { _, err := tx.ZCount(key, all); return err }},
		{"ZRemRange", ZS, true, func(tx backend.Tx, key []byte) error { _, err := tx.ZRemRange(key, all); return err }},
		{"ZPop", ZS, true, func(tx backend.Tx, key []byte) error {
			return tx.ZPop(key, true, 1, func([]byte, float64) {})
		}},
		{"ZScan", ZS, false, func(tx backend.Tx, key []byte) error {
			_, err := tx.ZScan(key, 0, 10, func([]byte, float64) error { return called() })
			return err
		}},
		{"ZRandom", ZS, false, func(tx backend.Tx, key []byte) error {
			return tx.ZRandom(key, 3, true, func([]byte, float64) error { return called() })
		}},
	}, streamOps(called)...)
}

// streamOps are the stream operations of typedOps.
func streamOps(called func() error) []typedOp {
	X, id, g, c := backend.TypeStream, backend.StreamID{Ms: 1}, b("g"), b("c")
	return []typedOp{
		{"XMeta", X, false, func(tx backend.Tx, key []byte) error { _, _, err := tx.XMeta(key); return err }},
		{"XSetMeta", X, true, func(tx backend.Tx, key []byte) error { return tx.XSetMeta(key, backend.StreamMeta{}) }},
		{"XAppend", X, true, func(tx backend.Tx, key []byte) error {
			return tx.XAppend(key, backend.StreamID{Ms: 99}, bs("f", "v"), false, 3)
		}},
		{"XRange", X, false, func(tx backend.Tx, key []byte) error {
			return tx.XRange(key, backend.StreamID{}, backend.MaxStreamID, false, func(backend.StreamID, [][]byte) bool { return called() == nil })
		}},
		{"XDelete", X, true, func(tx backend.Tx, key []byte) error { _, err := tx.XDelete(key, id); return err }},
		{"XNodes", X, false, func(tx backend.Tx, key []byte) error {
			return tx.XNodes(key, func(backend.StreamNode) bool { return called() == nil })
		}},
		{"XTailNode", X, false, func(tx backend.Tx, key []byte) error { _, _, err := tx.XTailNode(key); return err }},
		{"XRemoveNode", X, true, func(tx backend.Tx, key []byte) error { _, err := tx.XRemoveNode(key, id); return err }},
		{"XGroups", X, false, func(tx backend.Tx, key []byte) error {
			return tx.XGroups(key, func(backend.StreamGroup) bool { return called() == nil })
		}},
		{"XGroup", X, false, func(tx backend.Tx, key []byte) error { _, _, err := tx.XGroup(key, g); return err }},
		{"XSetGroup", X, true, func(tx backend.Tx, key []byte) error {
			_, err := tx.XSetGroup(key, backend.StreamGroup{Name: b("new")})
			return err
		}},
		{"XDelGroup", X, true, func(tx backend.Tx, key []byte) error { _, err := tx.XDelGroup(key, g); return err }},
		{"XConsumers", X, false, func(tx backend.Tx, key []byte) error {
			return tx.XConsumers(key, g, func(backend.StreamConsumer) bool { return called() == nil })
		}},
		{"XConsumer", X, false, func(tx backend.Tx, key []byte) error { _, _, err := tx.XConsumer(key, g, c); return err }},
		{"XSetConsumer", X, true, func(tx backend.Tx, key []byte) error {
			_, err := tx.XSetConsumer(key, g, backend.StreamConsumer{Name: b("new")})
			return err
		}},
		{"XDelConsumer", X, true, func(tx backend.Tx, key []byte) error { _, _, err := tx.XDelConsumer(key, g, c); return err }},
		{"XPending", X, false, func(tx backend.Tx, key []byte) error {
			return tx.XPending(key, g, nil, backend.StreamID{}, backend.MaxStreamID, func(backend.StreamPending) bool { return called() == nil })
		}},
		{"XPendingOf", X, false, func(tx backend.Tx, key []byte) error {
			return tx.XPending(key, g, c, backend.StreamID{}, backend.MaxStreamID, func(backend.StreamPending) bool { return called() == nil })
		}},
		{"XPendingEntry", X, false, func(tx backend.Tx, key []byte) error { _, _, err := tx.XPendingEntry(key, g, id); return err }},
		{"XSetPending", X, true, func(tx backend.Tx, key []byte) error {
			return tx.XSetPending(key, g, backend.StreamPending{ID: backend.StreamID{Ms: 2}, Consumer: c})
		}},
		{"XAck", X, true, func(tx backend.Tx, key []byte) error { _, err := tx.XAck(key, g, id); return err }},
	}
}

func testWrongType(h *harness) {
	t := h.t
	// One key of every registered type, from its sample value.
	keyOf := map[backend.Type]string{}
	for typ, items := range typeSamples() {
		e := &backend.Entry{Key: b("key:" + typ.String()), Type: typ, Items: items}
		keyOf[typ] = string(e.Key)
		h.update(0, k(string(e.Key)), func(tx backend.Tx) error { return backend.Put(tx, e) })
	}
	before := dumpTx(t, h.b)
	for _, op := range typedOps() {
		for typ, key := range keyOf {
			if typ == op.typ {
				continue
			}
			fn := func(tx backend.Tx) error { return op.fn(tx, b(key)) }
			err := h.tryUpdate(0, k(key), fn)
			if !errors.Is(err, backend.ErrWrongType) {
				t.Fatalf("%s on a %v in Update: err = %v, want ErrWrongType", op.name, typ, err)
			}
			if !op.write {
				if err := h.tryView(0, k(key), fn); !errors.Is(err, backend.ErrWrongType) {
					t.Fatalf("%s on a %v in View: err = %v, want ErrWrongType", op.name, typ, err)
				}
			}
		}
	}
	diff(t, "store after ErrWrongType calls", dumpTx(t, h.b), before)
}

func testReadOnly(h *harness) {
	t := h.t
	all := backend.ZRange{By: backend.ZByRank, Start: 0, Stop: 1}
	now := h.now()
	h.set(0, "s", "v", 0)
	h.rpush(0, "l", "v", "w")
	h.hset(0, "h", "f", "v")
	h.sadd(0, "z", "a")
	h.zadd(0, "zs", "a=1 b=2")
	h.xadd("x", "1-0 f v", "2-0 f w")
	h.update(0, k("x"), func(tx backend.Tx) error {
		if _, err := tx.XSetGroup(b("x"), backend.StreamGroup{Name: b("g")}); err != nil {
			return err
		}
		if _, err := tx.XSetConsumer(b("x"), b("g"), backend.StreamConsumer{Name: b("c")}); err != nil {
			return err
		}
		return tx.XSetPending(b("x"), b("g"), backend.StreamPending{ID: backend.StreamID{Ms: 1}, Consumer: b("c")})
	})
	h.set(1, "o", "v", 0)
	xid := backend.StreamID{Ms: 1}
	writes := []struct {
		name string
		fn   func(tx backend.Tx) error
	}{
		{"Delete", func(tx backend.Tx) error { _, err := tx.Delete(b("s")); return err }},
		{"DeleteMissing", func(tx backend.Tx) error { _, err := tx.Delete(b("nope")); return err }},
		{"SetExpireAt", func(tx backend.Tx) error { _, err := tx.SetExpireAt(b("s"), now+1000); return err }},
		{"SetExpireAtPast", func(tx backend.Tx) error { _, err := tx.SetExpireAt(b("s"), now-1); return err }},
		{"Persist", func(tx backend.Tx) error { _, err := tx.SetExpireAt(b("s"), 0); return err }},
		{"Rename", func(tx backend.Tx) error { return tx.Rename(b("s"), b("s2")) }},
		{"Copy", func(tx backend.Tx) error { _, err := tx.Copy(b("s"), 0, b("s2"), false); return err }},
		{"CopyDB", func(tx backend.Tx) error { _, err := tx.Copy(b("s"), 2, b("s"), true); return err }},
		{"Move", func(tx backend.Tx) error { _, err := tx.Move(b("s"), 2); return err }},
		{"Flush", func(tx backend.Tx) error { return tx.Flush() }},
		{"FlushAll", func(tx backend.Tx) error { return tx.FlushAll() }},
		{"SwapDB", func(tx backend.Tx) error { return tx.SwapDB(0, 1) }},
		{"Set", func(tx backend.Tx) error { return tx.Set(b("s"), b("x"), 0, false) }},
		{"SetNew", func(tx backend.Tx) error { return tx.Set(b("new"), b("x"), 0, false) }},
		{"Append", func(tx backend.Tx) error { _, err := tx.Append(b("s"), b("x")); return err }},
		{"SetRange", func(tx backend.Tx) error { _, err := tx.SetRange(b("s"), 0, b("x")); return err }},
		{"ListPush", func(tx backend.Tx) error { _, err := tx.ListPush(b("l"), true, bs("x"), false); return err }},
		{"ListPushNew", func(tx backend.Tx) error { _, err := tx.ListPush(b("nl"), true, bs("x"), false); return err }},
		{"ListPop", func(tx backend.Tx) error { _, err := tx.ListPop(b("l"), true, 1); return err }},
		{"ListSet", func(tx backend.Tx) error { return tx.ListSet(b("l"), 0, b("x")) }},
		{"ListTrim", func(tx backend.Tx) error { return tx.ListTrim(b("l"), 1, 0) }},
		{"ListRem", func(tx backend.Tx) error { _, err := tx.ListRem(b("l"), 0, b("v")); return err }},
		{"ListInsert", func(tx backend.Tx) error { _, err := tx.ListInsert(b("l"), true, b("v"), b("x")); return err }},
		{"HashSet", func(tx backend.Tx) error { _, err := tx.HashSet(b("h"), bs("f", "x"), false); return err }},
		{"HashDel", func(tx backend.Tx) error { _, err := tx.HashDel(b("h"), bs("f")); return err }},
		{"SetAdd", func(tx backend.Tx) error { _, err := tx.SetAdd(b("z"), bs("x")); return err }},
		{"SetAddNew", func(tx backend.Tx) error { _, err := tx.SetAdd(b("nz"), bs("x")); return err }},
		{"SetRem", func(tx backend.Tx) error { _, err := tx.SetRem(b("z"), bs("a")); return err }},
		{"ZAdd", func(tx backend.Tx) error {
			_, err := tx.ZAdd(b("zs"), 0, []backend.ScoredMember{{Member: b("x"), Score: 1}})
			return err
		}},
		{"ZAddNew", func(tx backend.Tx) error {
			_, err := tx.ZAdd(b("nzs"), 0, []backend.ScoredMember{{Member: b("x"), Score: 1}})
			return err
		}},
		{"ZAddUnchanged", func(tx backend.Tx) error {
			_, err := tx.ZAdd(b("zs"), 0, []backend.ScoredMember{{Member: b("a"), Score: 1}})
			return err
		}},
		{"ZRem", func(tx backend.Tx) error { _, err := tx.ZRem(b("zs"), bs("a")); return err }},
		{"ZRemRange", func(tx backend.Tx) error { _, err := tx.ZRemRange(b("zs"), all); return err }},
		{"ZPop", func(tx backend.Tx) error { return tx.ZPop(b("zs"), false, 1, func([]byte, float64) {}) }},
		{"XSetMeta", func(tx backend.Tx) error { return tx.XSetMeta(b("x"), backend.StreamMeta{}) }},
		{"XSetMetaNew", func(tx backend.Tx) error { return tx.XSetMeta(b("nx"), backend.StreamMeta{}) }},
		{"XAppend", func(tx backend.Tx) error { return tx.XAppend(b("x"), backend.StreamID{Ms: 3}, bs("f", "v"), false, 3) }},
		{"XAppendNode", func(tx backend.Tx) error { return tx.XAppend(b("x"), backend.StreamID{Ms: 3}, bs("f", "v"), true, 3) }},
		{"XAppendNew", func(tx backend.Tx) error { return tx.XAppend(b("nx"), backend.StreamID{Ms: 3}, bs("f", "v"), false, 3) }},
		{"XDelete", func(tx backend.Tx) error { _, err := tx.XDelete(b("x"), xid); return err }},
		{"XRemoveNode", func(tx backend.Tx) error { _, err := tx.XRemoveNode(b("x"), xid); return err }},
		{"XSetGroup", func(tx backend.Tx) error {
			_, err := tx.XSetGroup(b("x"), backend.StreamGroup{Name: b("g2")})
			return err
		}},
		{"XSetGroupOld", func(tx backend.Tx) error {
			_, err := tx.XSetGroup(b("x"), backend.StreamGroup{Name: b("g")})
			return err
		}},
		{"XDelGroup", func(tx backend.Tx) error { _, err := tx.XDelGroup(b("x"), b("g")); return err }},
		{"XSetConsumer", func(tx backend.Tx) error {
			_, err := tx.XSetConsumer(b("x"), b("g"), backend.StreamConsumer{Name: b("c2")})
			return err
		}},
		{"XDelConsumer", func(tx backend.Tx) error { _, _, err := tx.XDelConsumer(b("x"), b("g"), b("c")); return err }},
		{"XSetPending", func(tx backend.Tx) error {
			return tx.XSetPending(b("x"), b("g"), backend.StreamPending{ID: backend.StreamID{Ms: 2}, Consumer: b("c")})
		}},
		{"XAck", func(tx backend.Tx) error { _, err := tx.XAck(b("x"), b("g"), xid); return err }},
	}
	before := dumpTx(t, h.b)
	for _, w := range writes {
		if err := h.tryView(0, nil, w.fn); !errors.Is(err, backend.ErrReadOnlyTx) {
			t.Fatalf("%s in View: err = %v, want ErrReadOnlyTx", w.name, err)
		}
	}
	diff(t, "store after writes in View", dumpTx(t, h.b), before)
}

func testTxError(h *harness) {
	t := h.t
	mine := errors.New("mine")
	for _, wrap := range []bool{false, true} {
		ret := mine
		if wrap {
			ret = fmt.Errorf("wrapped: %w", mine)
		}
		if err := h.tryUpdate(0, k("a"), func(tx backend.Tx) error { return ret }); !errors.Is(err, mine) {
			t.Fatalf("Update returned %v, want %v", err, ret)
		}
		if err := h.tryView(0, k("a"), func(tx backend.Tx) error { return ret }); !errors.Is(err, mine) {
			t.Fatalf("View returned %v, want %v", err, ret)
		}
		if err := h.tryUpdate(0, nil, func(tx backend.Tx) error { return ret }); !errors.Is(err, mine) {
			t.Fatalf("Update(All) returned %v, want %v", err, ret)
		}
	}
	// The backend goes on working.
	h.set(0, "a", "v", 0)
	h.mustGet(0, "a", "v")
}

func testMultiOpTx(h *harness) {
	t := h.t
	h.set(0, "a", "1", 0)
	h.update(0, k("a", "b", "l", "h"), func(tx backend.Tx) error {
		if err := tx.Rename(b("a"), b("b")); err != nil {
			return err
		}
		if ex, _ := tx.Exists(b("a")); ex {
			return errors.New("a still exists after Rename")
		}
		if _, err := tx.ListPush(b("l"), false, bs("x", "y"), false); err != nil {
			return err
		}
		if _, err := tx.ListPop(b("l"), true, 1); err != nil {
			return err
		}
		if _, err := tx.HashSet(b("h"), bs("f", "v"), false); err != nil {
			return err
		}
		if typ, _ := tx.Type(b("h")); typ != backend.TypeHash {
			return fmt.Errorf("Type(h) = %v in same tx", typ)
		}
		return nil
	})
	var got []string
	h.view(0, k("a", "b", "l", "h"), func(tx backend.Tx) error {
		got = got[:0]
		for _, key := range []string{"a", "b", "l", "h"} {
			typ, err := tx.Type(b(key))
			if err != nil {
				return err
			}
			got = append(got, typ.String())
		}
		return nil
	})
	if fmt.Sprint(got) != "[none string list hash]" {
		t.Fatalf("types = %v", got)
	}
	h.mustGet(0, "b", "1")
	h.mustList(0, "l", "y")
}

func testConcurrentIncrements(h *harness) {
	t := h.t
	const G, N, K = 8, 200, 5
	var wg sync.WaitGroup
	for g := range G {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range N {
				key := fmt.Sprint("ctr:", (g+i)%K)
				err := h.tryUpdate(0, k(key), func(tx backend.Tx) error {
					v, _, err := tx.Get(b(key))
					if err != nil {
						return err
					}
					n := 0
					if len(v) > 0 {
						if n, err = strconv.Atoi(string(v)); err != nil {
							return err
						}
					}
					return tx.Set(b(key), strconv.AppendInt(nil, int64(n+1), 10), 0, false)
				})
				if err == nil {
					err = h.tryUpdate(0, k("q", "hh"), func(tx backend.Tx) error {
						if _, err := tx.ListPush(b("q"), g%2 == 0, bs(fmt.Sprint(g, ":", i)), false); err != nil {
							return err
						}
						_, err := tx.HashSet(b("hh"), bs(fmt.Sprint(g, ":", i), "v"), false)
						return err
					})
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i := range K {
		h.mustGet(0, fmt.Sprint("ctr:", i), strconv.Itoa(G*N/K))
	}
	h.view(0, k("q", "hh"), func(tx backend.Tx) error {
		if n, err := tx.ListLen(b("q")); n != G*N || err != nil {
			return fmt.Errorf("ListLen = %d, %v; want %d", n, err, G*N)
		}
		if n, err := tx.HashLen(b("hh")); n != G*N || err != nil {
			return fmt.Errorf("HashLen = %d, %v; want %d", n, err, G*N)
		}
		return nil
	})
}

// testConcurrentTransfers moves amounts between keys in multi-key
// transactions (keys named in random order) while auditors check the total.
func testConcurrentTransfers(h *harness) {
	t := h.t
	const accounts, initial, G, N = 10, 1000, 6, 200
	names := make([]string, accounts)
	for i := range names {
		names[i] = fmt.Sprint("acct:", i)
		h.set(0, names[i], strconv.Itoa(initial), 0)
	}
	read := func(tx backend.Tx, key string) (int, error) {
		v, ok, err := tx.Get(b(key))
		if err != nil || !ok {
			return 0, fmt.Errorf("account %s: %v, %v", key, ok, err)
		}
		return strconv.Atoi(string(v))
	}
	sum := func(tx backend.Tx) error {
		total := 0
		for _, name := range names {
			n, err := read(tx, name)
			if err != nil {
				return err
			}
			total += n
		}
		if total != accounts*initial {
			return fmt.Errorf("total = %d, want %d", total, accounts*initial)
		}
		return nil
	}
	stop := make(chan struct{})
	var audit sync.WaitGroup
	audit.Add(1)
	go func() {
		defer audit.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var err error
			if i%2 == 0 {
				err = h.tryView(0, nil, sum)
			} else {
				err = h.tryView(0, k(names...), sum)
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for g := range G {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range N {
				from, to := rng.IntN(accounts), rng.IntN(accounts-1)
				if to >= from {
					to++
				}
				amount := 1 + rng.IntN(10)
				keys := k(names[from], names[to])
				if rng.IntN(2) == 0 {
					keys[0], keys[1] = keys[1], keys[0]
				}
				err := h.tryUpdate(0, keys, func(tx backend.Tx) error {
					a, err := read(tx, names[from])
					if err != nil {
						return err
					}
					c, err := read(tx, names[to])
					if err != nil || a < amount {
						return err
					}
					if err := tx.Set(b(names[from]), strconv.AppendInt(nil, int64(a-amount), 10), 0, false); err != nil {
						return err
					}
					return tx.Set(b(names[to]), strconv.AppendInt(nil, int64(c+amount), 10), 0, false)
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	audit.Wait()
	h.view(0, k(names...), sum)
}

func testStats(h *harness) {
	t := h.t
	st := h.b.Stats()
	if len(st.Keys) != databases || len(st.Expires) != databases {
		t.Fatalf("Stats has %d/%d databases, want %d", len(st.Keys), len(st.Expires), databases)
	}
	for db := range databases {
		if st.Keys[db] != 0 || st.Expires[db] != 0 {
			t.Fatalf("empty backend: Keys %v Expires %v", st.Keys, st.Expires)
		}
	}
	h.set(0, "a", "v", 0)
	h.set(0, "b", "v", h.now()+100_000)
	h.rpush(0, "l", "x", "y")
	h.hset(0, "h", "f", "v")
	h.set(1, "x", "v", 0)
	st = h.b.Stats()
	if st.Keys[0] != 4 || st.Expires[0] != 1 || st.Keys[1] != 1 || st.Expires[1] != 0 {
		t.Fatalf("Keys %v Expires %v; want [4 1 ...] [1 0 ...]", st.Keys, st.Expires)
	}
	if st.UsedBytes <= 0 {
		t.Fatalf("UsedBytes = %d", st.UsedBytes)
	}
	h.update(0, k("a", "b"), func(tx backend.Tx) error {
		if _, err := tx.Delete(b("a")); err != nil {
			return err
		}
		_, err := tx.SetExpireAt(b("b"), 0)
		return err
	})
	h.setExpire(0, "l", h.now()+5000)
	st = h.b.Stats()
	if st.Keys[0] != 3 || st.Expires[0] != 1 {
		t.Fatalf("after changes: Keys %v Expires %v; want 3, 1", st.Keys, st.Expires)
	}
	h.update(0, nil, func(tx backend.Tx) error { return tx.FlushAll() })
	st = h.b.Stats()
	for db := range databases {
		if st.Keys[db] != 0 || st.Expires[db] != 0 {
			t.Fatalf("after FlushAll: Keys %v Expires %v", st.Keys, st.Expires)
		}
	}
}

func testClose(h *harness) {
	t := h.t
	h.set(0, "k", "v", 0)
	if err := h.b.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if err := h.b.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	fn := func(tx backend.Tx) error { return errors.New("fn called after Close") }
	if err := h.b.View(opts(0, k("k")), fn); !errors.Is(err, backend.ErrClosed) {
		t.Fatalf("View after Close = %v", err)
	}
	if err := h.b.Update(opts(0, k("k")), fn); !errors.Is(err, backend.ErrClosed) {
		t.Fatalf("Update after Close = %v", err)
	}
	if err := h.b.Update(opts(0, nil), fn); !errors.Is(err, backend.ErrClosed) {
		t.Fatalf("Update(All) after Close = %v", err)
	}
	if s, err := h.b.Snapshot(nil); !errors.Is(err, backend.ErrClosed) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Snapshot after Close = %v", err)
	}
}

// typeSamples is a value of each type in the registry, as items. A type
// added to the registry needs one here (testTypeRegistry fails without).
func typeSamples() map[backend.Type][][]byte {
	return map[backend.Type][][]byte{
		backend.TypeString: bs("v"),
		backend.TypeList:   bs("a", "b", "a"),
		backend.TypeHash:   bs("f", "1", "g", "2"),
		backend.TypeSet:    bs("a", "1", "b"),
		backend.TypeZSet:   bs("1", "a", "2.5", "b", "-inf", "c", "1", "d"),
		backend.TypeStream: streamSample(),
	}
}

// streamSample is a stream's items (see backend.StreamRecord): a header,
// two nodes, a group with a consumer and a pending entry.
func streamSample() [][]byte {
	recs := []backend.StreamRecord{
		{Kind: backend.StreamRecMeta, Meta: backend.StreamMeta{
			LastID: backend.StreamID{Ms: 2, Seq: 1}, FirstID: backend.StreamID{Ms: 1}, MaxDeletedID: backend.StreamID{Ms: 2}, EntriesAdded: 4,
		}},
		{Kind: backend.StreamRecEntry, ID: backend.StreamID{Ms: 1}, Fields: bs("f", "v", "n", "1"), StartNode: true},
		{Kind: backend.StreamRecEntry, ID: backend.StreamID{Ms: 1, Seq: 1}, Fields: bs("f", "w", "n", "2")},
		{Kind: backend.StreamRecEntry, ID: backend.StreamID{Ms: 2, Seq: 1}, Fields: bs("other", ""), StartNode: true},
		{Kind: backend.StreamRecGroup, Group: backend.StreamGroup{Name: b("g"), LastID: backend.StreamID{Ms: 1, Seq: 1}, EntriesRead: 2}},
		{Kind: backend.StreamRecConsumer, GroupName: b("g"), Consumer: backend.StreamConsumer{Name: b("c"), SeenTime: 1234}},
		{Kind: backend.StreamRecPending, GroupName: b("g"), Pending: backend.StreamPending{
			ID: backend.StreamID{Ms: 1, Seq: 1}, Consumer: b("c"), DeliveryTime: 1234, DeliveryCount: 2,
		}},
	}
	items := make([][]byte, len(recs))
	for i := range recs {
		items[i] = backend.AppendStreamRecord(nil, &recs[i])
	}
	return items
}

// testTypeRegistry stores a sample of every registered type with its Load
// (through Put) and reads it back with its Read, through a transaction and
// through a snapshot; TYPE and OBJECT ENCODING must answer for it.
func testTypeRegistry(h *harness) {
	t := h.t
	samples := typeSamples()
	want := map[string]string{}
	for _, info := range backend.Types() {
		items, ok := samples[info.Type]
		if !ok {
			t.Fatalf("type %s has no sample value in typeSamples", info.Name)
		}
		e := &backend.Entry{Key: b("key:" + info.Name), Type: info.Type, ExpireAt: h.now() + 60_000, Items: items}
		want[dumpKey(0, e.Key)] = Describe(e)
		h.update(0, k(string(e.Key)), func(tx backend.Tx) error {
			if err := backend.Put(tx, e); err != nil {
				return err
			}
			got, err := ReadEntry(tx, e.Key)
			if err != nil {
				return err
			}
			if g, w := Describe(got), Describe(e); g != w {
				return fmt.Errorf("read back %s, stored %s", g, w)
			}
			enc, err := info.Encoding(tx, e.Key, func(_ string, def int64) int64 { return def })
			if err != nil || enc == "" {
				return fmt.Errorf("%s: OBJECT ENCODING = %q, %v", info.Name, enc, err)
			}
			return nil
		})
	}
	diff(t, "store", dumpTx(t, h.b), want)
	diff(t, "snapshot", dumpSnapshot(t, h.snapshot(nil)), want)
	// An unknown type is refused, never stored as something else.
	bad := &backend.Entry{Key: b("bad"), Type: backend.Type(200), Items: bs("x")}
	err := h.tryUpdate(0, k("bad"), func(tx backend.Tx) error { return backend.Put(tx, bad) })
	if !errors.Is(err, backend.ErrUnknownType) {
		t.Fatalf("Put of type 200: err = %v, want ErrUnknownType", err)
	}
	h.mustMissing(0, "bad")
}
