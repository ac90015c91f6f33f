package backendtest

import (
	"context"
	"errors"
	"maps"

	"redpool/backend"
)

// testAux: auxiliary data is stored, replaced and removed by name, kept
// apart from the keys (FLUSHALL leaves it), copied out to callers, and
// carried by snapshots as of their instant.
func testAux(h *harness) {
	t := h.t
	mustAux := func(name, want string) {
		t.Helper()
		got, err := h.b.Aux(name)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want || (want == "") != (got == nil) {
			t.Fatalf("Aux(%q) = %q, want %q", name, got, want)
		}
	}
	setAux := func(name, val string) {
		t.Helper()
		h.update(0, nil, func(tx backend.Tx) error { return tx.SetAux(name, []byte(val)) })
	}
	mustAux(backend.AuxFunctions, "")
	// A transaction that names keys, or reads, cannot set it.
	h.update(0, []string{"k"}, func(tx backend.Tx) error {
		if err := tx.SetAux("x", []byte("y")); !errors.Is(err, backend.ErrNotLocked) {
			t.Errorf("SetAux with keys: %v, want ErrNotLocked", err)
		}
		return nil
	})
	h.view(0, nil, func(tx backend.Tx) error {
		if err := tx.SetAux("x", []byte("y")); !errors.Is(err, backend.ErrReadOnlyTx) {
			t.Errorf("SetAux in View: %v, want ErrReadOnlyTx", err)
		}
		return nil
	})
	mustAux("x", "")
	val := []byte("libs \x00\xff")
	h.update(0, nil, func(tx backend.Tx) error {
		err := tx.SetAux(backend.AuxFunctions, val)
		val[0] = 'X' // the backend keeps a copy
		return err
	})
	mustAux(backend.AuxFunctions, "libs \x00\xff")
	got, _ := h.b.Aux(backend.AuxFunctions)
	got[0] = 'Y' // and hands out copies
	mustAux(backend.AuxFunctions, "libs \x00\xff")
	setAux("other", "o")

	h.set(0, "k", "v", 0)
	h.update(0, nil, func(tx backend.Tx) error { return tx.FlushAll() })
	mustAux(backend.AuxFunctions, "libs \x00\xff")

	s, err := h.b.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	setAux(backend.AuxFunctions, "v2")
	setAux("other", "")
	mustAux("other", "")
	mustAux(backend.AuxFunctions, "v2")
	want := map[string][]byte{backend.AuxFunctions: []byte("libs \x00\xff"), "other": []byte("o")}
	if got := s.Aux(); !maps.EqualFunc(got, want, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Errorf("snapshot Aux = %q, want %q", got, want)
	}
	if err := s.Each(context.Background(), func(*backend.Entry) error { return nil }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = h.b.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Aux(); len(got) != 1 || string(got[backend.AuxFunctions]) != "v2" {
		t.Errorf("second snapshot Aux = %q", got)
	}
	s.Close()

	h.b.Close()
	if _, err := h.b.Aux("x"); !errors.Is(err, backend.ErrClosed) {
		t.Errorf("Aux after Close: %v", err)
	}
}
