package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"redpool/backend"
)

// walTestTuning leaves the checkpoints to the test.
var walTestTuning = tuning{walCheckpointEvery: time.Hour, walCheckpointBytes: 1 << 40}

// walTestFiles is the database file and its log as one moment left them;
// end is where the log's records end (zeros follow).
type walTestFiles struct {
	db, wal []byte
	end     int
}

// walTestCapture copies b's file and log with no batch running: what a
// kill -9 at that moment leaves (the page cache's contents).
func walTestCapture(t *testing.T, b *Bolt) walTestFiles {
	t.Helper()
	b.wmu.Lock()
	defer b.wmu.Unlock()
	db, err := os.ReadFile(b.path)
	if err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(walPath(b.path))
	if err != nil {
		t.Fatal(err)
	}
	return walTestFiles{db: db, wal: wal, end: walHeaderLen(b.wal.pageSize) + int(b.wal.size)}
}

// walTestCheckpoint runs a checkpoint and returns the file as it is then:
// all that a power loss after it is sure to leave.
func walTestCheckpoint(t *testing.T, b *Bolt) []byte {
	t.Helper()
	b.wmu.Lock()
	defer b.wmu.Unlock()
	if err := b.walCheckpoint(); err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(b.path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// walTestOpen writes f to a new directory and opens it with sync.
func walTestOpen(t *testing.T, f walTestFiles, sync Sync) (*Bolt, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "redpool.db")
	if err := os.WriteFile(path, f.db, 0o600); err != nil {
		t.Fatal(err)
	}
	if f.wal != nil {
		if err := os.WriteFile(walPath(path), f.wal, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return Open(Options{Path: path, Sync: sync})
}

// walTestModel is what the database should hold: strings and one hash.
type walTestModel struct {
	strs map[string]string
	hash map[string]string
}

func (m *walTestModel) set(t *testing.T, b *Bolt, k, v string) {
	t.Helper()
	mustUpdate(t, b, 0, func(tx backend.Tx) error { return tx.Set([]byte(k), []byte(v), 0, false) })
	m.strs[k] = v
}

func (m *walTestModel) del(t *testing.T, b *Bolt, k string) {
	t.Helper()
	mustUpdate(t, b, 0, func(tx backend.Tx) error { _, err := tx.Delete([]byte(k)); return err })
	delete(m.strs, k)
}

func (m *walTestModel) hset(t *testing.T, b *Bolt, f, v string) {
	t.Helper()
	mustUpdate(t, b, 1, func(tx backend.Tx) error {
		_, err := tx.HashSet([]byte("h"), [][]byte{[]byte(f), []byte(v)}, false)
		return err
	})
	m.hash[f] = v
}

// check fails t unless b holds exactly the model.
func (m *walTestModel) check(t *testing.T, b *Bolt, what string) {
	t.Helper()
	mustView(t, b, 0, func(tx backend.Tx) error {
		for k, v := range m.strs {
			got, ok, err := tx.Get([]byte(k))
			if err != nil || !ok || string(got) != v {
				t.Errorf("%s: GET %s = %q, %v, %v; want %q", what, k, got, ok, err, v)
			}
		}
		return nil
	})
	mustView(t, b, 1, func(tx backend.Tx) error {
		for f, v := range m.hash {
			got, ok, err := tx.HashGet([]byte("h"), []byte(f))
			if err != nil || !ok || string(got) != v {
				t.Errorf("%s: HGET h %s = %q, %v, %v; want %q", what, f, got, ok, err, v)
			}
		}
		return nil
	})
	hashes := int64(0)
	if len(m.hash) > 0 {
		hashes = 1
	}
	st := b.Stats()
	if st.Keys[0] != int64(len(m.strs)) || st.Keys[1] != hashes {
		t.Errorf("%s: keys = %d, %d; want %d, %d", what, st.Keys[0], st.Keys[1], len(m.strs), hashes)
	}
}

func (m *walTestModel) clone() *walTestModel {
	c := &walTestModel{strs: map[string]string{}, hash: map[string]string{}}
	for k, v := range m.strs {
		c.strs[k] = v
	}
	for k, v := range m.hash {
		c.hash[k] = v
	}
	return c
}

// walTestFill writes a round of strings, deletes and hash fields.
func walTestFill(t *testing.T, b *Bolt, m *walTestModel, round, n int) {
	t.Helper()
	for i := range n {
		m.set(t, b, fmt.Sprintf("k%d", (round*n+i)%(3*n)), fmt.Sprintf("v%d-%d-%s", round, i, strings.Repeat("x", i%300)))
		if i%7 == 3 {
			m.del(t, b, fmt.Sprintf("k%d", (round*n+i-2)%(3*n)))
		}
		if i%5 == 0 {
			m.hset(t, b, fmt.Sprintf("f%d", i%40), fmt.Sprintf("hv%d-%d", round, i))
		}
	}
}

// TestWALRecovery: a kill -9 (the page cache's file and log) and a power
// loss (the file as the last checkpoint left it, or any mix of its pages
// and the later ones, and the log) both recover every logged Update, in
// the log's mode and in the others.
func TestWALRecovery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redpool.db")
	b, err := Open(Options{Path: path, Sync: SyncAlways, tuning: walTestTuning})
	if err != nil {
		t.Fatal(err)
	}
	if !b.walOn.Load() {
		t.Fatal("sync always does not log")
	}
	m := &walTestModel{strs: map[string]string{}, hash: map[string]string{}}
	walTestFill(t, b, m, 0, 200)
	atCheckpoint := walTestCheckpoint(t, b)
	walTestFill(t, b, m, 1, 200)
	walTestFill(t, b, m, 2, 200)
	killed := walTestCapture(t, b)
	want := m.clone()

	cases := map[string]walTestFiles{
		"kill -9":                  killed,
		"power loss, checkpoint":   {db: atCheckpoint, wal: killed.wal},
		"power loss, mixed pages1": {db: walTestMix(atCheckpoint, killed.db, 1), wal: killed.wal},
		"power loss, mixed pages2": {db: walTestMix(atCheckpoint, killed.db, 2), wal: killed.wal},
	}
	for name, f := range cases {
		for _, sync := range []Sync{SyncAlways, SyncNone} {
			r, err := walTestOpen(t, f, sync)
			if err != nil {
				t.Fatalf("%s, %v: Open: %v", name, sync, err)
			}
			want.check(t, r, fmt.Sprintf("%s, reopened %v", name, sync))
			if err := r.Close(); err != nil {
				t.Fatalf("%s: Close: %v", name, err)
			}
			if _, err := os.Stat(walPath(r.path)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s: the log outlives Close: %v", name, err)
			}
		}
	}
	// The live database goes on, and reopens clean.
	walTestFill(t, b, m, 3, 50)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b, err = Open(Options{Path: path, Sync: SyncAlways})
	if err != nil {
		t.Fatal(err)
	}
	m.check(t, b, "after Close")
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

// walTestMix takes each page of the file from old or from cur at random,
// as a power loss may leave pages written after a checkpoint.
func walTestMix(old, cur []byte, seed uint64) []byte {
	const page = 4096
	rng := rand.New(rand.NewPCG(seed, 7))
	out := append([]byte(nil), cur...)
	for off := 0; off < len(out); off += page {
		if rng.IntN(2) == 0 {
			continue
		}
		end := min(off+page, len(out))
		if off < len(old) {
			copy(out[off:end], old[off:min(end, len(old))])
		} else {
			clear(out[off:end]) // never reached the disk
		}
	}
	return out
}

// TestWALTornTail: a log cut anywhere in its last record, or with a byte
// of it flipped, loses that record alone.
func TestWALTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redpool.db")
	b, err := Open(Options{Path: path, Sync: SyncAlways})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	m := &walTestModel{strs: map[string]string{}, hash: map[string]string{"f": "v"}}
	m.hset(t, b, "f", "v")
	walTestFill(t, b, m, 0, 30)
	before := walTestCapture(t, b)
	m.set(t, b, "last", strings.Repeat("L", 100))
	after := walTestCapture(t, b)
	if after.end <= before.end {
		t.Fatalf("the last Update logged nothing (%d -> %d bytes)", before.end, after.end)
	}
	without := m.clone()
	delete(without.strs, "last")
	tails := map[string][]byte{}
	for _, cut := range []int{1, 4, 8, 9, 50, after.end - before.end - 1} {
		tails[fmt.Sprintf("cut %d", cut)] = after.wal[:after.end-cut]
		// A torn write in the zeroed space: the file keeps its size
		// (unless the bytes were zeros already).
		if !walZeros(after.wal[after.end-cut : after.end]) {
			w := bytes.Clone(after.wal)
			clear(w[after.end-cut : after.end])
			tails[fmt.Sprintf("zeroed %d", cut)] = w
		}
	}
	for _, at := range []int{0, 3, 5, 8, 20, after.end - before.end - 1} {
		w := bytes.Clone(after.wal)
		w[before.end+at] ^= 0x10
		tails[fmt.Sprintf("flip %d", at)] = w
	}
	for name, wal := range tails {
		r, err := walTestOpen(t, walTestFiles{db: after.db, wal: wal}, SyncAlways)
		if err != nil {
			t.Fatalf("%s: Open: %v", name, err)
		}
		without.check(t, r, name)
		mustView(t, r, 0, func(tx backend.Tx) error {
			if _, ok, _ := tx.Get([]byte("last")); ok {
				t.Errorf("%s: the torn record was applied", name)
			}
			return nil
		})
		r.Close()
	}
	r, err := walTestOpen(t, after, SyncAlways)
	if err != nil {
		t.Fatal(err)
	}
	m.check(t, r, "whole log")
	r.Close()
}

// TestWALRefusesOlderFile: a log is never applied to a file older than its
// checkpoint (a file restored from a backup with the log left beside it).
func TestWALRefusesOlderFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redpool.db")
	b, err := Open(Options{Path: path, Sync: SyncAlways})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	m := &walTestModel{strs: map[string]string{}, hash: map[string]string{}}
	m.set(t, b, "a", "1")
	old := walTestCapture(t, b)
	walTestFill(t, b, m, 0, 20)
	walTestCheckpoint(t, b)
	cur := walTestCapture(t, b)
	_, err = walTestOpen(t, walTestFiles{db: old.db, wal: cur.wal}, SyncAlways)
	if err == nil || !strings.Contains(err.Error(), "is older than its log") {
		t.Fatalf("Open = %v, want a refusal", err)
	}
}

// TestWALLocked: a second Open of a logged file fails on the lock before
// it touches the file.
func TestWALLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redpool.db")
	b := openTest(t, Options{Path: path, Sync: SyncAlways})
	m := &walTestModel{strs: map[string]string{}, hash: map[string]string{}}
	m.set(t, b, "a", "1")
	walTestCheckpoint(t, b)
	m.set(t, b, "b", "2")
	if _, err := Open(Options{Path: path, Sync: SyncAlways, LockTimeout: 100e6}); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("second Open = %v", err)
	}
	m.check(t, b, "after a refused Open")
}

// FuzzWALRecord: the log's record reader and op decoder never panic, and
// what they accept encodes back to the same bytes.
func FuzzWALRecord(f *testing.F) {
	f.Add(walAppendRecord(nil, []logOp{{kind: opPut, bucket: bKeys, key: []byte("k"), val: []byte("v")}}))
	f.Add(walAppendRecord(walAppendRecord(nil, []logOp{{kind: opDelete, bucket: bData, key: []byte("d")}}),
		[]logOp{{kind: opSequence, bucket: bData, seq: 1 << 40}, {kind: opPut, bucket: bMeta, key: []byte("c"), val: nil}}))
	f.Add([]byte{0, 0, 0, 3, 1, 2, 3, 4, 0, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var out []byte
		for len(data) > 0 {
			payload, rest, err := walNextRecord(data)
			if err != nil {
				break
			}
			ops, err := walDecodeOps(payload, nil)
			if err != nil {
				break
			}
			rec := walAppendRecord(nil, ops)
			again, err := walDecodeOps(rec[walRecordHeader:], nil)
			if err != nil || len(again) != len(ops) {
				t.Fatalf("re-encoded %x as %x: %v", payload, rec, err)
			}
			for i, op := range ops {
				a := again[i]
				if a.kind != op.kind || a.bucket != op.bucket || a.seq != op.seq || !bytes.Equal(a.key, op.key) || !bytes.Equal(a.val, op.val) {
					t.Fatalf("op %d of %x reads back as %+v, want %+v", i, payload, a, op)
				}
			}
			out = append(out, rec...)
			data = rest
		}
		for len(out) > 0 {
			_, rest, err := walNextRecord(out)
			if err != nil {
				t.Fatalf("an encoded record does not read back: %v", err)
			}
			out = rest
		}
	})
}
