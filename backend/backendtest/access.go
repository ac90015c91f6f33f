package backendtest

import (
	"errors"

	"redpool/backend"
)

// accessOf reads key's access clock in a NoTouch read transaction.
func (h *harness) accessOf(key string) (idle int64, freq int, ok bool) {
	h.t.Helper()
	err := h.b.View(backend.TxOptions{Keys: bs(key), NoTouch: true}, func(tx backend.Tx) error {
		var err error
		idle, freq, ok, err = tx.Access(b(key))
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return idle, freq, ok
}

// mustAccess checks key's idle seconds and LFU counter.
func (h *harness) mustAccess(key string, idle int64, freq int) {
	h.t.Helper()
	gotIdle, gotFreq, ok := h.accessOf(key)
	if !ok || gotIdle != idle || gotFreq != freq {
		h.t.Fatalf("Access(%q) = idle %d, freq %d, ok %v; want idle %d, freq %d", key, gotIdle, gotFreq, ok, idle, freq)
	}
}

// mustFreq checks key's LFU counter (its idle time means nothing then).
func (h *harness) mustFreq(key string, freq int) {
	h.t.Helper()
	if _, got, ok := h.accessOf(key); !ok || got != freq {
		h.t.Fatalf("Access(%q) = freq %d, ok %v; want freq %d", key, got, ok, freq)
	}
}

// setAccess is SetAccess on key; it reports whether key exists.
func (h *harness) setAccess(key string, idle int64, freq int) bool {
	h.t.Helper()
	var found bool
	h.update(0, k(key), func(tx backend.Tx) error {
		var err error
		found, err = tx.SetAccess(b(key), idle, freq)
		return err
	})
	return found
}

// testAccess: the access clock of a backend that keeps one (an Evictor)
// follows Redis's LRU and LFU rules, on the ManualClock; one that does not
// answers as for a new key. Both report missing keys and refuse SetAccess
// in a read transaction.
func testAccess(h *harness) {
	if _, _, ok := h.accessOf("nope"); ok {
		h.t.Fatal("Access of a missing key: ok")
	}
	if h.setAccess("nope", 10, -1) {
		h.t.Fatal("SetAccess of a missing key reported true")
	}
	h.set(0, "k", "v", 0)
	err := h.tryView(0, k("k"), func(tx backend.Tx) error {
		_, err := tx.SetAccess(b("k"), 1, -1)
		return err
	})
	if !errors.Is(err, backend.ErrReadOnlyTx) {
		h.t.Fatalf("SetAccess in View: %v, want ErrReadOnlyTx", err)
	}
	ev, tracks := h.b.(backend.Evictor)
	if !tracks {
		h.mustAccess("k", 0, backend.LFUInitVal)
		h.advance(10_000)
		h.get(0, "k")
		h.mustAccess("k", 0, backend.LFUInitVal)
		if !h.setAccess("k", 100, 7) {
			h.t.Fatal("SetAccess of an existing key reported false")
		}
		return
	}
	// LRU (the default): seconds since the last access, not counting
	// Type, Exists, ExpireAt and NoTouch reads.
	h.mustAccess("k", 0, 0)
	h.advance(10_500)
	h.mustAccess("k", 10, 0)
	h.typeOf(0, "k")
	h.expireAt(0, "k")
	h.mustAccess("k", 10, 0)
	h.get(0, "k")
	h.mustAccess("k", 0, 0)
	if !h.setAccess("k", 100, -1) {
		h.t.Fatal("SetAccess of an existing key reported false")
	}
	h.advance(5_000)
	h.mustAccess("k", 105, 0)
	h.setAccess("k", 50, 200) // freq ignored by an LRU clock
	h.mustAccess("k", 50, 0)
	// Rename, Copy and Move access their source, as in Redis.
	h.update(0, k("k", "r"), func(tx backend.Tx) error { return tx.Rename(b("k"), b("r")) })
	h.mustAccess("r", 0, 0)

	// LFU with lfu-log-factor 0: every access counts one; the counter
	// decays by one per lfu-decay-time minutes.
	ev.SetAccessConfig(backend.AccessConfig{LFU: true, LogFactor: 0, DecayTime: 1})
	h.set(0, "f", "v", 0)
	h.mustFreq("f", backend.LFUInitVal)
	h.get(0, "f")
	h.get(0, "f")
	h.mustFreq("f", backend.LFUInitVal+2)
	h.update(0, k("f"), func(tx backend.Tx) error { // one access per transaction
		if _, _, err := tx.Get(b("f")); err != nil {
			return err
		}
		return tx.Set(b("f"), b("w"), 0, false)
	})
	h.mustFreq("f", backend.LFUInitVal+3)
	h.update(0, k("f", "c"), func(tx backend.Tx) error { // a copy is a new key
		_, err := tx.Copy(b("f"), 0, b("c"), false)
		return err
	})
	h.mustFreq("c", backend.LFUInitVal)
	h.mustFreq("f", backend.LFUInitVal+4)
	h.advance(4 * 60_000)
	h.mustFreq("f", backend.LFUInitVal)
	h.setAccess("f", 10, 200)
	h.mustFreq("f", 200)
	h.setAccess("f", 10, -1) // no freq: an LFU clock is left alone
	h.mustFreq("f", 200)
	ev.SetAccessConfig(backend.AccessConfig{LogFactor: 10, DecayTime: 1})
}
