// Package backendtest is the contract test suite for backend.Backend
// implementations. An implementation's tests call Run with a Factory:
//
//	func TestContract(t *testing.T) {
//		backendtest.Run(t, func(t *testing.T, c backendtest.Config) (backend.Backend, func()) {
//			b := mybackend.New(...) // c's clock, databases and OnExpire; no background expiry
//			return b, b.RunActiveExpiry
//		})
//	}
//
// The suite only relies on documented behaviour of package backend. It names
// every key a transaction touches in TxOptions.Keys (and uses All, by naming
// no keys, for whole-database and cross-database operations), except where
// it checks that breaking that rule is ErrNotLocked.
package backendtest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"redpool/backend"
)

// Config is what a Factory opens a backend with.
type Config struct {
	Clock     backend.Clock
	Databases int
	OnExpire  backend.ExpireFunc // never nil
	SlotIndex bool               // the backend's cluster slot index option (RunSlots)
}

// Factory opens a fresh, empty backend for one test as c says, with its
// background active expiry off, and returns it with a function that runs
// one active-expiry cycle synchronously (the suite calls it instead of
// waiting for the background). The suite closes the backend (via
// t.Cleanup); closing it again must be harmless.
type Factory func(t *testing.T, c Config) (b backend.Backend, expireCycle func())

// databases is the number of databases of every backend the suite opens.
const databases = 4

// startMs is the ManualClock's initial time (Unix ms).
const startMs = 1_700_000_000_000

// Run runs every contract test as a subtest of t.
func Run(t *testing.T, open Factory) {
	tests := []struct {
		name string
		fn   func(h *harness)
	}{
		{"Strings", testStrings},
		{"BinarySafe", testBinarySafe},
		{"Append", testAppend},
		{"SetRange", testSetRange},
		{"StringForm", testStringForm},
		{"BitmapWrites", testBitmapWrites},
		{"Delete", testDelete},
		{"TTL", testTTL},
		{"LazyExpiry", testLazyExpiry},
		{"ExpiredOtherType", testExpiredOtherType},
		{"Rename", testRename},
		{"Copy", testCopy},
		{"Move", testMove},
		{"SwapDB", testSwapDB},
		{"Flush", testFlush},
		{"LenRandomKey", testLenRandomKey},
		{"BadDB", testBadDB},
		{"Scan", testScan},
		{"ScanConcurrent", testScanConcurrent},
		{"ListBasics", testListBasics},
		{"ListRange", testListRange},
		{"ListTrim", testListTrim},
		{"ListRem", testListRem},
		{"ListInsert", testListInsert},
		{"ListIter", testListIter},
		{"ListModel", testListModel},
		{"ListPopOwnership", testListPopOwnership},
		{"HashBasics", testHashBasics},
		{"HashModel", testHashModel},
		{"HashScan", testHashScan},
		{"HashScanConcurrent", testHashScanConcurrent},
		{"HashRandom", testHashRandom},
		{"SetBasics", testSetBasics},
		{"SetModel", testSetModel},
		{"SetScan", testSetScan},
		{"SetRandom", testSetRandom},
		{"ZSetBasics", testZSetBasics},
		{"ZSetAddFlags", testZSetAddFlags},
		{"ZSetRange", testZSetRange},
		{"ZSetRemRange", testZSetRemRange},
		{"ZSetPop", testZSetPop},
		{"ZSetScan", testZSetScan},
		{"ZSetRandom", testZSetRandom},
		{"ZSetExpiry", testZSetExpiry},
		{"ZSetKeyOps", testZSetKeyOps},
		{"ZSetModel", testZSetModel},
		{"ZSetSnapshot", testZSetSnapshot},
		{"StreamMissing", testStreamMissing},
		{"StreamMeta", testStreamMeta},
		{"StreamAppend", testStreamAppend},
		{"StreamRange", testStreamRange},
		{"StreamDelete", testStreamDelete},
		{"StreamRemoveNode", testStreamRemoveNode},
		{"StreamGroups", testStreamGroups},
		{"StreamConsumers", testStreamConsumers},
		{"StreamPending", testStreamPending},
		{"StreamKeyOps", testStreamKeyOps},
		{"StreamSnapshot", testStreamSnapshot},
		{"StreamModel", testStreamModel},
		{"StreamTrimHead", testStreamTrimHead},
		{"TypeRegistry", testTypeRegistry},
		{"WrongType", testWrongType},
		{"ReadOnly", testReadOnly},
		{"TxError", testTxError},
		{"MultiOpTx", testMultiOpTx},
		{"ConcurrentIncrements", testConcurrentIncrements},
		{"ConcurrentTransfers", testConcurrentTransfers},
		{"Stats", testStats},
		{"SnapshotPointInTime", testSnapshotPointInTime},
		{"SnapshotKeyOps", testSnapshotKeyOps},
		{"SnapshotConcurrentWriters", testSnapshotConcurrentWriters},
		{"SnapshotRoundTrip", testSnapshotRoundTrip},
		{"SnapshotStop", testSnapshotStop},
		{"SnapshotSequential", testSnapshotSequential},
		{"Close", testClose},
		{"UpdateOnce", testUpdateOnce},
		{"Undeclared", testUndeclared},
		{"WithDB", testWithDB},
		{"ExpireCallback", testExpireCallback},
		{"Aux", testAux},
		{"Access", testAccess},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(newHarness(t, open))
		})
	}
}

// harness is one test's backend and clock, with helpers. Helpers that take
// keys lock exactly those keys; keys == nil means "all" (no keys).
type harness struct {
	t           *testing.T
	b           backend.Backend
	expireCycle func() // h.b's
	clock       *backend.ManualClock
	open        Factory
	expired     expiries // what every backend of the test reported
}

func newHarness(t *testing.T, open Factory) *harness {
	clock := backend.NewManualClock(time.UnixMilli(startMs))
	h := &harness{t: t, clock: clock, open: open}
	h.b, h.expireCycle = h.openBackend()
	return h
}

// openBackend opens another backend sharing h's clock; it is closed at cleanup.
func (h *harness) openBackend() (backend.Backend, func()) {
	b, cycle := h.open(h.t, Config{Clock: h.clock, Databases: databases, OnExpire: h.expired.add})
	if b == nil || cycle == nil {
		h.t.Fatal("factory returned nil")
	}
	h.t.Cleanup(func() { b.Close() })
	return b, cycle
}

// expiries records the keys a backend reports through its ExpireFunc.
type expiries struct {
	mu  sync.Mutex
	got []string
}

func (e *expiries) add(db int, key []byte) {
	e.mu.Lock()
	e.got = append(e.got, dumpKey(db, key))
	e.mu.Unlock()
}

// take returns the keys reported since the last take, sorted.
func (e *expiries) take() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	got := e.got
	e.got = nil
	sort.Strings(got)
	return got
}

// now is the clock's time in Unix ms.
func (h *harness) now() int64 { return backend.NowMs(h.clock) }

// advance moves the clock by ms milliseconds.
func (h *harness) advance(ms int64) { h.clock.Advance(time.Duration(ms) * time.Millisecond) }

func b(s string) []byte { return []byte(s) }

func bs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func opts(db int, keys []string) backend.TxOptions {
	if keys == nil {
		return backend.TxOptions{DB: db, All: true}
	}
	return backend.TxOptions{DB: db, Keys: bs(keys...)}
}

func k(keys ...string) []string {
	if keys == nil {
		return []string{}
	}
	return keys
}

func (h *harness) tryUpdate(db int, keys []string, fn func(tx backend.Tx) error) error {
	return h.b.Update(opts(db, keys), fn)
}

func (h *harness) tryView(db int, keys []string, fn func(tx backend.Tx) error) error {
	return h.b.View(opts(db, keys), fn)
}

func (h *harness) update(db int, keys []string, fn func(tx backend.Tx) error) {
	h.t.Helper()
	if err := h.tryUpdate(db, keys, fn); err != nil {
		h.t.Fatalf("Update: %v", err)
	}
}

func (h *harness) view(db int, keys []string, fn func(tx backend.Tx) error) {
	h.t.Helper()
	if err := h.tryView(db, keys, fn); err != nil {
		h.t.Fatalf("View: %v", err)
	}
}

// inBoth runs fn once in a View and once in an Update.
func (h *harness) inBoth(db int, keys []string, fn func(tx backend.Tx, mode string) error) {
	h.t.Helper()
	if err := h.tryView(db, keys, func(tx backend.Tx) error { return fn(tx, "View") }); err != nil {
		h.t.Fatalf("View: %v", err)
	}
	if err := h.tryUpdate(db, keys, func(tx backend.Tx) error { return fn(tx, "Update") }); err != nil {
		h.t.Fatalf("Update: %v", err)
	}
}

// --- single-operation helpers (database db, each its own transaction) ---

func (h *harness) set(db int, key, val string, exp int64) {
	h.t.Helper()
	h.update(db, k(key), func(tx backend.Tx) error { return tx.Set(b(key), b(val), exp, false) })
}

func (h *harness) get(db int, key string) (string, bool) {
	h.t.Helper()
	var s string
	var ok bool
	h.view(db, k(key), func(tx backend.Tx) error {
		v, found, err := tx.Get(b(key))
		s, ok = string(v), found
		return err
	})
	return s, ok
}

func (h *harness) mustGet(db int, key, want string) {
	h.t.Helper()
	got, ok := h.get(db, key)
	if !ok || got != want {
		h.t.Fatalf("db %d GET %q = %q, %v; want %q", db, key, got, ok, want)
	}
}

func (h *harness) mustMissing(db int, key string) {
	h.t.Helper()
	var ex bool
	var typ backend.Type
	h.view(db, k(key), func(tx backend.Tx) error {
		var err error
		if ex, err = tx.Exists(b(key)); err != nil {
			return err
		}
		typ, err = tx.Type(b(key))
		return err
	})
	if ex || typ != backend.TypeNone {
		h.t.Fatalf("db %d key %q: exists %v, type %v; want missing", db, key, ex, typ)
	}
}

func (h *harness) typeOf(db int, key string) backend.Type {
	h.t.Helper()
	var typ backend.Type
	h.view(db, k(key), func(tx backend.Tx) (err error) {
		typ, err = tx.Type(b(key))
		return err
	})
	return typ
}

func (h *harness) expireAt(db int, key string) (int64, bool) {
	h.t.Helper()
	var at int64
	var ok bool
	h.view(db, k(key), func(tx backend.Tx) (err error) {
		at, ok, err = tx.ExpireAt(b(key))
		return err
	})
	return at, ok
}

func (h *harness) setExpire(db int, key string, at int64) bool {
	h.t.Helper()
	var ok bool
	h.update(db, k(key), func(tx backend.Tx) (err error) {
		ok, err = tx.SetExpireAt(b(key), at)
		return err
	})
	return ok
}

func (h *harness) push(db int, key string, left bool, vals ...string) int64 {
	h.t.Helper()
	var n int64
	h.update(db, k(key), func(tx backend.Tx) (err error) {
		n, err = tx.ListPush(b(key), left, bs(vals...), false)
		return err
	})
	return n
}

func (h *harness) rpush(db int, key string, vals ...string) { h.push(db, key, false, vals...) }

// list returns key's whole list (nil if missing).
func (h *harness) list(db int, key string) []string {
	h.t.Helper()
	var out []string
	h.view(db, k(key), func(tx backend.Tx) error {
		out = nil
		return tx.ListRange(b(key), 0, -1, func(v []byte) error {
			out = append(out, string(v))
			return nil
		})
	})
	return out
}

func (h *harness) mustList(db int, key string, want ...string) {
	h.t.Helper()
	got := h.list(db, key)
	if !slices.Equal(got, want) {
		h.t.Fatalf("db %d list %q = %q, want %q", db, key, got, want)
	}
	var n int64
	h.view(db, k(key), func(tx backend.Tx) (err error) {
		n, err = tx.ListLen(b(key))
		return err
	})
	if n != int64(len(want)) {
		h.t.Fatalf("db %d ListLen %q = %d, want %d", db, key, n, len(want))
	}
}

func (h *harness) hset(db int, key string, pairs ...string) int64 {
	h.t.Helper()
	var n int64
	h.update(db, k(key), func(tx backend.Tx) (err error) {
		n, err = tx.HashSet(b(key), bs(pairs...), false)
		return err
	})
	return n
}

// hash returns key's hash (nil if missing).
func (h *harness) hash(db int, key string) map[string]string {
	h.t.Helper()
	var out map[string]string
	h.view(db, k(key), func(tx backend.Tx) error {
		out = nil
		return tx.HashIter(b(key), func(f, v []byte) bool {
			if out == nil {
				out = map[string]string{}
			}
			out[string(f)] = string(v)
			return true
		})
	})
	return out
}

// keys returns db's keys (via Scan), sorted.
func (h *harness) keys(db int) []string {
	h.t.Helper()
	seen := map[string]bool{}
	h.view(db, nil, func(tx backend.Tx) error {
		clear(seen)
		var cursor uint64
		for {
			next, err := tx.Scan(cursor, 100, func(key []byte, _ backend.Type) error {
				seen[string(key)] = true
				return nil
			})
			if err != nil {
				return err
			}
			if next == 0 {
				return nil
			}
			cursor = next
		}
	})
	out := make([]string, 0, len(seen))
	for key := range seen {
		out = append(out, key)
	}
	sort.Strings(out)
	return out
}

// --- whole-store dumps, to compare states ---

// Describe renders one entry canonically, "type exp=N value", for tests
// that compare stores: the items quoted, with the elements of a type whose
// order is the backend's (a hash) sorted. It fails on a type with no
// registry row or items that are not a whole value.
func Describe(e *backend.Entry) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s exp=%d ", e.Type, e.ExpireAt)
	info, ok := backend.Lookup(e.Type)
	if !ok {
		fmt.Fprintf(&sb, "UNKNOWN TYPE %d", e.Type)
		return sb.String()
	}
	if err := info.CheckItems(e.Items); err != nil {
		fmt.Fprintf(&sb, "BAD ITEMS: %v", err)
		return sb.String()
	}
	if info.Scalar || info.Ordered {
		fmt.Fprintf(&sb, "%q", e.Items)
		return sb.String()
	}
	elems := make([]string, 0, len(e.Items)/info.Width)
	for i := 0; i < len(e.Items); i += info.Width {
		elems = append(elems, fmt.Sprintf("%q", e.Items[i:i+info.Width]))
	}
	sort.Strings(elems)
	sb.WriteString(strings.Join(elems, ","))
	return sb.String()
}

func dumpKey(db int, key []byte) string { return fmt.Sprintf("%d/%q", db, key) }

// dumpTx reads the whole store through transactions (Scan and typed reads).
func dumpTx(t *testing.T, be backend.Backend) map[string]string {
	t.Helper()
	out := map[string]string{}
	for db := 0; db < be.Databases(); db++ {
		err := be.View(backend.TxOptions{DB: db, All: true}, func(tx backend.Tx) error {
			var cursor uint64
			for {
				next, err := tx.Scan(cursor, 50, func(key []byte, typ backend.Type) error {
					e, err := ReadEntry(tx, key)
					if err != nil {
						return err
					}
					if e.Type != typ {
						return fmt.Errorf("Scan said %q is %v, Type says %v", key, typ, e.Type)
					}
					out[dumpKey(db, key)] = Describe(e)
					return nil
				})
				if err != nil {
					return err
				}
				if next == 0 {
					return nil
				}
				cursor = next
			}
		})
		if err != nil {
			t.Fatalf("dump db %d: %v", db, err)
		}
	}
	return out
}

// ReadEntry reads key through tx into an Entry (copying everything), with
// its type's registry row (TypeInfo.Read). A missing key is an Entry of
// TypeNone.
func ReadEntry(tx backend.Tx, key []byte) (*backend.Entry, error) {
	e := &backend.Entry{DB: tx.DB(), Key: slices.Clone(key)}
	var err error
	if e.Type, err = tx.Type(key); err != nil || e.Type == backend.TypeNone {
		return e, err
	}
	if e.ExpireAt, _, err = tx.ExpireAt(key); err != nil {
		return nil, err
	}
	info, ok := backend.Lookup(e.Type)
	if !ok {
		return nil, fmt.Errorf("key %q: %w %d", key, backend.ErrUnknownType, e.Type)
	}
	err = info.Read(tx, key, func(items [][]byte) error {
		for _, it := range items {
			e.Items = append(e.Items, slices.Clone(it))
		}
		return nil
	})
	return e, err
}

// dumpSnapshot reads a snapshot into the same form as dumpTx.
func dumpSnapshot(t *testing.T, s backend.Snapshot) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := s.Each(t.Context(), func(e *backend.Entry) error {
		key := dumpKey(e.DB, e.Key)
		if _, dup := out[key]; dup {
			return fmt.Errorf("snapshot yielded %s twice", key)
		}
		out[key] = Describe(e)
		return nil
	})
	if err != nil {
		t.Fatalf("Snapshot.Each: %v", err)
	}
	return out
}

// diff fails t if the two dumps differ.
func diff(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	var lines []string
	for key, w := range want {
		if g, ok := got[key]; !ok {
			lines = append(lines, fmt.Sprintf("missing %s: want %s", key, w))
		} else if g != w {
			lines = append(lines, fmt.Sprintf("%s: got %s, want %s", key, g, w))
		}
	}
	for key, g := range got {
		if _, ok := want[key]; !ok {
			lines = append(lines, fmt.Sprintf("extra %s: %s", key, g))
		}
	}
	if len(lines) > 0 {
		sort.Strings(lines)
		if len(lines) > 20 {
			lines = append(lines[:20], fmt.Sprintf("... %d more", len(lines)-20))
		}
		t.Fatalf("%s differs:\n%s", what, strings.Join(lines, "\n"))
	}
}
