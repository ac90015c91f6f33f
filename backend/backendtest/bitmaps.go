package backendtest

import (
	"bytes"

	"redpool/backend"
)

// The bitmap commands (command/bitmaps.go) keep no value of their own:
// they read a string with Get and write the bytes they change with
// SetRange, often one byte in a long string. These tests pin what they
// rely on: a one-byte write changes that byte of that key and nothing
// else (not another key holding an equal value, not a copy, not a
// snapshot taken before), and Get in the same transaction sees it.

func testBitmapWrites(h *harness) {
	t := h.t
	// Equal small integers may share storage: a byte written into one
	// must not show in the other.
	h.set(0, "a", "7", 0)
	h.set(0, "b", "7", 0)
	h.set(0, "big", string(bytes.Repeat([]byte{0x0f}, 1000)), 0)
	h.update(0, k("a", "big", "c"), func(tx backend.Tx) error {
		if _, err := tx.SetRange(b("a"), 0, []byte{'7' | 0x08}); err != nil {
			return err
		}
		// A copy made before a write keeps the old bytes.
		if _, err := tx.Copy(b("big"), 0, b("c"), false); err != nil {
			return err
		}
		for _, i := range []int64{0, 499, 999, 1500} {
			if _, err := tx.SetRange(b("big"), i, []byte{0xf0}); err != nil {
				return err
			}
			v, _, err := tx.Get(b("big"))
			if err != nil {
				return err
			}
			if v[i] != 0xf0 {
				t.Fatalf("Get after SetRange(big, %d): byte %#x", i, v[i])
			}
		}
		return nil
	})
	h.mustGet(0, "a", "?")
	h.mustGet(0, "b", "7")
	h.mustGet(0, "c", string(bytes.Repeat([]byte{0x0f}, 1000)))
	want := bytes.Repeat([]byte{0x0f}, 1501)
	want[0], want[499], want[999], want[1500] = 0xf0, 0xf0, 0xf0, 0xf0
	clear(want[1000:1500])
	h.mustGet(0, "big", string(want))

	// A snapshot taken before a one-byte write sees the old value.
	s := h.snapshot(nil)
	h.update(0, k("big"), func(tx backend.Tx) error {
		_, err := tx.SetRange(b("big"), 1, []byte{0xaa})
		return err
	})
	got := dumpSnapshot(t, s)
	h.set(0, "want", string(want), 0)
	wantDump := dumpTx(t, h.b)
	if g, w := got[dumpKey(0, b("big"))], wantDump[dumpKey(0, b("want"))]; g != w || g == "" {
		t.Fatalf("snapshot saw big = %q, want %q", g, w)
	}
}
