package command

import (
	"fmt"
	"strings"
	"testing"

	"redpool/backend"
	"redpool/backend/memory"
)

// countingBackend counts what the commands read of hashes: the fields
// visited by iteration (HashIter, HashScan) and the fields picked by
// HashRandom. It is used by one goroutine.
type countingBackend struct {
	backend.Backend
	visited, picked int
}

func (b *countingBackend) View(o backend.TxOptions, fn func(tx backend.Tx) error) error {
	return b.Backend.View(o, func(tx backend.Tx) error { return fn(&countingTx{Tx: tx, b: b}) })
}

func (b *countingBackend) Update(o backend.TxOptions, fn func(tx backend.Tx) error) error {
	return b.Backend.Update(o, func(tx backend.Tx) error { return fn(&countingTx{Tx: tx, b: b}) })
}

type countingTx struct {
	backend.Tx
	b *countingBackend
}

func (t *countingTx) HashIter(key []byte, fn func(field, val []byte) bool) error {
	return t.Tx.HashIter(key, func(f, v []byte) bool { t.b.visited++; return fn(f, v) })
}

func (t *countingTx) HashScan(key []byte, cursor uint64, count int, fn func(field, val []byte) error) (uint64, error) {
	return t.Tx.HashScan(key, cursor, count, func(f, v []byte) error { t.b.visited++; return fn(f, v) })
}

func (t *countingTx) HashRandom(key []byte, count int, distinct bool, fn func(field, val []byte) error) error {
	return t.Tx.HashRandom(key, count, distinct, func(f, v []byte) error { t.b.picked++; return fn(f, v) })
}

// TestHRandFieldWork counts the work of HRANDFIELD on a hash of 100000
// fields: every form but the whole-hash answer reads only the fields it
// returns (one HashRandom pick each, no iteration), whatever the size.
func TestHRandFieldWork(t *testing.T) {
	m := memory.New(memory.Options{ExpiryInterval: -1})
	t.Cleanup(func() { _ = m.Close() })
	cb := &countingBackend{Backend: m}
	e, err := NewEngine(Options{Backend: cb, Log: &recordLog{}})
	if err != nil {
		t.Fatal(err)
	}
	c := e.NewCtx(e.NewClient("a", "b"), nil)
	const size = 100_000
	pairs := make([][]byte, 0, 2*size)
	for i := range size {
		pairs = append(pairs, fmt.Appendf(nil, "f%d", i), fmt.Appendf(nil, "v%d", i))
	}
	err = m.Update(backend.TxOptions{Keys: [][]byte{[]byte("big")}}, func(tx backend.Tx) error {
		_, err := tx.HashSet([]byte("big"), pairs, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cmd             string
		elems           string // the reply's array header ("" for a bulk)
		visited, picked int
	}{
		{"HRANDFIELD big", "", 0, 1},
		{"HRANDFIELD big 5", "*5\r\n", 0, 5},
		{"HRANDFIELD big 5 WITHVALUES", "*10\r\n", 0, 5},
		{"HRANDFIELD big -7 WITHVALUES", "*14\r\n", 0, 7},
		{"HRANDFIELD big 50000", "*50000\r\n", 0, 50000},
		{"HRANDFIELD big 100000", "*100000\r\n", size, 0}, // the whole hash
	} {
		cb.visited, cb.picked = 0, 0
		out := execLine(e, c, tc.cmd)
		if !strings.HasPrefix(out, tc.elems) || (tc.elems == "" && !strings.HasPrefix(out, "$")) {
			t.Fatalf("%s = %.40q...", tc.cmd, out)
		}
		if cb.visited != tc.visited || cb.picked != tc.picked {
			t.Errorf("%s visited %d fields and picked %d, want %d and %d", tc.cmd, cb.visited, cb.picked, tc.visited, tc.picked)
		}
	}
}
