package memory

import (
	"fmt"
	"testing"
)

// packedCheck fails t unless the packed hash h is well formed: entries
// that end where lp ends, plen of them, no name twice, none too long, at
// most packedMaxEntries.
func packedCheck(t *testing.T, key string, h *hashObj) {
	t.Helper()
	if h.plen == 0 {
		t.Fatalf("empty packed hash %q", key)
	}
	seen := map[string]bool{}
	n := 0
	for off := 0; off < len(h.lp); n++ {
		if off+1 >= len(h.lp) || off+1+int(h.lp[off]) >= len(h.lp) {
			t.Fatalf("packed hash %q: entry %d at %d runs past %d bytes", key, n, off, len(h.lp))
		}
		name, val, next := packedEntry(h.lp, off)
		if next > len(h.lp) {
			t.Fatalf("packed hash %q: entry %d at %d runs past %d bytes", key, n, off, len(h.lp))
		}
		if seen[string(name)] || !packable(name, val) {
			t.Fatalf("packed hash %q: field %q twice or too long", key, name)
		}
		seen[string(name)] = true
		off = next
	}
	if n != int(h.plen) || n > packedMaxEntries {
		t.Fatalf("packed hash %q: %d entries, plen %d", key, n, h.plen)
	}
}

// TestPackedHash drives a hash through the packed form's edits and its
// conversion: replacing, removing, growing past packedMaxEntries and a
// value past packedMaxBytes, and checks the fields against a map each step.
func TestPackedHash(t *testing.T) {
	for _, tc := range []struct {
		name  string
		grow  func(h *hashObj, want map[string]string)
		after bool // packed after grow
	}{
		{"entries", func(h *hashObj, want map[string]string) {
			for i := range packedMaxEntries + 1 {
				k, v := fmt.Sprint("f", i), fmt.Sprint("v", i)
				h.put([]byte(k), []byte(v))
				want[k] = v
			}
		}, false},
		{"value", func(h *hashObj, want map[string]string) {
			v := string(make([]byte, packedMaxBytes+1))
			h.put([]byte("a"), []byte(v))
			want["a"] = v
		}, false},
		{"name", func(h *hashObj, want map[string]string) {
			k := string(make([]byte, packedMaxBytes+1))
			h.put([]byte(k), nil)
			want[k] = ""
		}, false},
		{"fits", func(h *hashObj, want map[string]string) {
			k, v := string(make([]byte, packedMaxBytes)), string(make([]byte, packedMaxBytes))
			h.put([]byte(k), []byte(v))
			want[k] = v
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newPackedHash()
			want := map[string]string{}
			check := func(packed bool) {
				t.Helper()
				if h.packed() != packed {
					t.Fatalf("packed = %v, want %v", h.packed(), packed)
				}
				if packed {
					packedCheck(t, "h", &h)
				}
				got := map[string]string{}
				h.each(func(name, val []byte) bool { got[string(name)] = string(val); return true })
				if fmt.Sprint(got) != fmt.Sprint(want) || h.len() != len(want) {
					t.Fatalf("fields %q (len %d), want %q", got, h.len(), want)
				}
				for k, v := range want {
					if got, ok := h.get([]byte(k)); !ok || string(got) != v {
						t.Fatalf("get(%q) = %q, %v; want %q", k, got, ok, v)
					}
				}
			}
			for _, kv := range [][2]string{{"a", "1"}, {"b", "22"}, {"c", "333"}} {
				if !h.put([]byte(kv[0]), []byte(kv[1])) {
					t.Fatalf("put(%q) reported an existing field", kv[0])
				}
				want[kv[0]] = kv[1]
			}
			check(true)
			v, _ := h.get([]byte("b"))
			if h.put([]byte("b"), []byte("x")) {
				t.Fatal("put(b) again reported a new field")
			}
			want["b"] = "x"
			if string(v) != "22" {
				t.Fatalf("a value handed out changed to %q when its field was replaced", v)
			}
			check(true)
			if !h.remove([]byte("a")) || h.remove([]byte("a")) {
				t.Fatal("remove(a) twice did not report true, then false")
			}
			delete(want, "a")
			check(true)
			tc.grow(&h, want)
			check(tc.after)
			c := h.clone().(*hashObj)
			c.put([]byte("new"), []byte("x"))
			check(tc.after) // the clone has its own storage
		})
	}
}
