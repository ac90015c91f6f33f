package backendtest

import "redpool/backend"

// testStringForm pins which writes leave which backend.StringForm (the
// part of OBJECT ENCODING a string's bytes do not give), and that the
// key operations that keep the value keep its form.
func testStringForm(h *harness) {
	t := h.t
	form := func(tx backend.Tx, key string, want backend.StringForm) {
		t.Helper()
		got, err := tx.StringForm(b(key))
		if err != nil {
			t.Fatalf("StringForm(%s): %v", key, err)
		}
		if got != want {
			t.Fatalf("StringForm(%s) = %d, want %d", key, got, want)
		}
	}
	keys := k("missing", "s", "n", "r", "e", "c", "d", "l")
	h.update(0, keys, func(tx backend.Tx) error {
		form(tx, "missing", backend.StringDerived)
		if err := tx.Set(b("s"), b("1"), 0, false); err != nil {
			return err
		}
		form(tx, "s", backend.StringDerived)
		if _, err := tx.Append(b("n"), b("12")); err != nil { // a new key: the argument
			return err
		}
		form(tx, "n", backend.StringDerived)
		if _, err := tx.Append(b("n"), nil); err != nil { // even an empty append
			return err
		}
		form(tx, "n", backend.StringRaw)
		if _, err := tx.SetRange(b("r"), 0, nil); err != nil { // creates nothing
			return err
		}
		if _, err := tx.SetRange(b("r"), 2, b("x")); err != nil {
			return err
		}
		form(tx, "r", backend.StringRaw)
		if _, err := tx.SetRange(b("s"), 0, nil); err != nil { // no write: no change
			return err
		}
		form(tx, "s", backend.StringDerived)
		if _, err := tx.SetRange(b("s"), 0, b("2")); err != nil {
			return err
		}
		form(tx, "s", backend.StringRaw)
		if err := tx.Set(b("s"), b("3"), 0, true); err != nil { // Set resets it
			return err
		}
		form(tx, "s", backend.StringDerived)
		if err := tx.SetStringForm(b("e"), backend.StringRaw); err != nil { // a missing key: nothing
			return err
		}
		if ok, err := tx.Exists(b("e")); ok || err != nil {
			t.Fatalf("SetStringForm on a missing key: exists %v, %v", ok, err)
		}
		if err := tx.SetOwned(b("e"), []byte("1.5"), 0, false); err != nil {
			return err
		}
		if err := tx.SetStringForm(b("e"), backend.StringNoInt); err != nil {
			return err
		}
		form(tx, "e", backend.StringNoInt)
		if _, err := tx.Copy(b("e"), 0, b("c"), false); err != nil {
			return err
		}
		form(tx, "c", backend.StringNoInt)
		if err := tx.Rename(b("n"), b("d")); err != nil {
			return err
		}
		form(tx, "d", backend.StringRaw)
		if _, err := tx.ListPush(b("l"), false, bs("x"), false); err != nil {
			return err
		}
		if _, err := tx.StringForm(b("l")); err != backend.ErrWrongType {
			t.Fatalf("StringForm of a list: %v, want ErrWrongType", err)
		}
		return nil
	})
	h.update(0, nil, func(tx backend.Tx) error { // Move needs every key
		_, err := tx.Move(b("d"), 1)
		return err
	})
	h.mustGet(0, "e", "1.5")
	h.mustGet(0, "s", "3")
	h.view(1, k("d"), func(tx backend.Tx) error {
		form(tx, "d", backend.StringRaw)
		return nil
	})
	h.view(0, keys, func(tx backend.Tx) error { // committed
		form(tx, "r", backend.StringRaw)
		form(tx, "c", backend.StringNoInt)
		return nil
	})
}
