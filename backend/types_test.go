package backend

import (
	"errors"
	"testing"
)

// TestRegistryComplete: every Type constant has a row with every field
// set, names and record kinds are unique, and lookups refuse what is not
// a type.
func TestRegistryComplete(t *testing.T) {
	names := map[string]Type{}
	kinds := map[byte]Type{}
	for typ := TypeNone + 1; typ < numTypes; typ++ {
		info, ok := Lookup(typ)
		switch {
		case !ok:
			t.Fatalf("type %d has no row", typ)
		case info.Type != typ:
			t.Errorf("row %d says it is type %d", typ, info.Type)
		case info.Name == "" || info.Name == "none":
			t.Errorf("type %d: name %q", typ, info.Name)
		case info.Kind == 0 || info.Kind > 0x7f:
			t.Errorf("%s: snapshot kind %#x outside 1..0x7f", info.Name, info.Kind)
		case info.Width < 1 || (info.Scalar && info.Width != 1):
			t.Errorf("%s: width %d (scalar %v)", info.Name, info.Width, info.Scalar)
		case info.Read == nil || info.Load == nil || info.Encoding == nil || info.RewriteCmd == "":
			t.Errorf("%s: a function or the rewrite command is missing: %+v", info.Name, info)
		}
		if other, dup := names[info.Name]; dup {
			t.Errorf("types %d and %d are both named %q", other, typ, info.Name)
		}
		names[info.Name] = typ
		if other, dup := kinds[info.Kind]; dup {
			t.Errorf("types %d and %d both have snapshot kind %d", other, typ, info.Kind)
		}
		kinds[info.Kind] = typ
		if typ.String() != info.Name {
			t.Errorf("Type(%d).String() = %q, row says %q", typ, typ.String(), info.Name)
		}
		if byKind, ok := LookupKind(info.Kind); !ok || byKind.Type != typ {
			t.Errorf("LookupKind(%d) = %d, %v", info.Kind, byKind.Type, ok)
		}
	}
	if got := Types(); len(got) != int(numTypes)-1 {
		t.Fatalf("Types() has %d rows, want %d", len(got), numTypes-1)
	}
	for _, typ := range []Type{TypeNone, numTypes, 200} {
		if _, ok := Lookup(typ); ok {
			t.Errorf("Lookup(%d) found a row", typ)
		}
		if typ.String() != "none" {
			t.Errorf("Type(%d).String() = %q", typ, typ.String())
		}
	}
	if _, ok := LookupKind(0); ok {
		t.Error("LookupKind(0) found a row")
	}
}

func TestCheckItems(t *testing.T) {
	str, _ := Lookup(TypeString)
	hash, _ := Lookup(TypeHash)
	one, three := [][]byte{[]byte("a")}, [][]byte{[]byte("a"), []byte("b"), []byte("c")}
	for _, tc := range []struct {
		info  TypeInfo
		items [][]byte
		ok    bool
	}{
		{str, one, true}, {str, nil, false}, {str, three, false},
		{hash, nil, true}, {hash, three[:2], true}, {hash, three, false},
	} {
		if err := tc.info.CheckItems(tc.items); (err == nil) != tc.ok {
			t.Errorf("%s with %d items: %v", tc.info.Name, len(tc.items), err)
		}
	}
}

// TestSampleWork counts Sample's work: one call of fn per pick and, for
// distinct picks, a map of at most count entries, so that picking a few
// positions out of 2^40 costs as little as out of 10.
func TestSampleWork(t *testing.T) {
	for _, n := range []int{10, 1000, 1 << 40} {
		for _, count := range []int{1, 3, 10} {
			for _, distinct := range []bool{false, true} {
				calls := 0
				seen := map[int]bool{}
				err := Sample(n, count, distinct, func(i int) error {
					calls++
					if i < 0 || i >= n {
						t.Fatalf("Sample(%d) gave %d", n, i)
					}
					if distinct && seen[i] {
						t.Fatalf("Sample(%d, %d, distinct) repeated %d", n, count, i)
					}
					seen[i] = true
					return nil
				})
				if err != nil || calls != count {
					t.Fatalf("Sample(%d, %d, %v): %d calls, %v", n, count, distinct, calls, err)
				}
			}
		}
	}
	// Distinct picks reaching n give every position once.
	seen := map[int]int{}
	_ = Sample(50, 80, true, func(i int) error { seen[i]++; return nil })
	if len(seen) != 50 {
		t.Fatalf("Sample(50, 80, distinct) gave %d positions", len(seen))
	}
	stop := errors.New("stop")
	calls := 0
	if err := Sample(10, 5, true, func(int) error { calls++; return stop }); err != stop || calls != 1 {
		t.Fatalf("Sample did not stop at fn's error: %v after %d calls", err, calls)
	}
}
