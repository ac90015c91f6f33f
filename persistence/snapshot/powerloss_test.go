package snapshot

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"redpool/backend"
	"redpool/command"
	"redpool/persistence/fsutil"
)

// powerlossFS is a StrictMemFS that takes the image a power cut would
// leave (CrashClone) just before its cutAt-th step: a creation, rename,
// removal, directory sync, or a write, sync, truncation or close of a
// file. Not safe for concurrent use (the tests save in the foreground).
type powerlossFS struct {
	*fsutil.StrictMemFS
	rng   *rand.Rand
	steps int
	cutAt int
	img   *fsutil.StrictMemFS
}

func (p *powerlossFS) step() {
	p.steps++
	if p.steps == p.cutAt {
		p.img = p.CrashClone(p.rng)
	}
}

func (p *powerlossFS) OpenFile(name string, flag int, perm os.FileMode) (fsutil.File, error) {
	p.step()
	f, err := p.StrictMemFS.OpenFile(name, flag, perm)
	return p.wrap(f, err)
}

func (p *powerlossFS) CreateTemp(dir, pattern string, perm os.FileMode) (fsutil.File, error) {
	p.step()
	f, err := p.StrictMemFS.CreateTemp(dir, pattern, perm)
	return p.wrap(f, err)
}

func (p *powerlossFS) Rename(oldpath, newpath string) error {
	p.step()
	return p.StrictMemFS.Rename(oldpath, newpath)
}

func (p *powerlossFS) Remove(name string) error {
	p.step()
	return p.StrictMemFS.Remove(name)
}

func (p *powerlossFS) SyncDir(dir string) error {
	p.step()
	return p.StrictMemFS.SyncDir(dir)
}

func (p *powerlossFS) wrap(f fsutil.File, err error) (fsutil.File, error) {
	if err != nil {
		return nil, err
	}
	return &powerlossFile{File: f, fs: p}, nil
}

// powerlossFile counts the steps of one file.
type powerlossFile struct {
	fsutil.File
	fs *powerlossFS
}

func (f *powerlossFile) Write(b []byte) (int, error) { f.fs.step(); return f.File.Write(b) }
func (f *powerlossFile) WriteAt(b []byte, off int64) (int, error) {
	f.fs.step()
	return f.File.WriteAt(b, off)
}
func (f *powerlossFile) Truncate(n int64) error { f.fs.step(); return f.File.Truncate(n) }
func (f *powerlossFile) Sync() error            { f.fs.step(); return f.File.Sync() }
func (f *powerlossFile) Close() error           { f.fs.step(); return f.File.Close() }

// powerlossFill stores n keys "k<i>" = "<gen>-<i>" in b.
func powerlossFill(t *testing.T, b backend.Backend, gen, n int) {
	t.Helper()
	for i := range n {
		key := []byte("k" + strconv.Itoa(i))
		val := []byte(strconv.Itoa(gen) + "-" + strconv.Itoa(i) + "-" + string(make([]byte, i%300)))
		if err := b.Update(backend.TxOptions{Keys: [][]byte{key}}, func(tx backend.Tx) error {
			return tx.Set(key, val, 0, false)
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPowerlossSnapshot: a power cut at any step of a save leaves the last
// completed save loadable as it was, or the new one once it completed
// (its rename made durable by the directory sync); a temporary file the
// cut leaves behind is never loaded and is removed at start.
func TestPowerlossSnapshot(t *testing.T) {
	const path = "/data/dump.rpdb"
	clk := backend.NewManualClock(time.Unix(1_700_000_000, 0))
	b1, b2 := newMemory(t, clk), newMemory(t, clk)
	powerlossFill(t, b1, 1, 500)
	powerlossFill(t, b2, 2, 700)
	want1, want2 := dump(t, b1), dump(t, b2)
	seen := map[int]int{}
	for _, torn := range []bool{false, true} {
		for cutAt := 1; ; cutAt++ {
			mem := fsutil.NewStrictMem()
			if err := mem.MkdirAll("/data", 0o755); err != nil {
				t.Fatal(err)
			}
			pfs := &powerlossFS{StrictMemFS: mem}
			if torn {
				pfs.rng = rand.New(rand.NewPCG(uint64(cutAt), 5))
			}
			s1 := NewSaver(SaverOptions{Backend: b1, Path: path, Clock: clk, FS: pfs, CheckInterval: -1})
			s2 := NewSaver(SaverOptions{Backend: b2, Path: path, Clock: clk, FS: pfs, CheckInterval: -1})
			if err := s1.Save(context.Background()); err != nil {
				t.Fatal(err)
			}
			pfs.steps, pfs.cutAt = 0, cutAt
			if err := s2.Save(context.Background()); err != nil {
				t.Fatal(err)
			}
			completed := pfs.img == nil // the cut comes after the save
			if completed {
				pfs.img = mem.CrashClone(pfs.rng)
			}

			got := newMemory(t, clk)
			s := NewSaver(SaverOptions{Backend: got, Path: path, Clock: clk, FS: pfs.img, CheckInterval: -1})
			if _, err := s.Load(context.Background()); err != nil {
				t.Fatalf("cut before step %d (torn %v): load: %v", cutAt, torn, err)
			}
			d := dump(t, got)
			switch {
			case slices.Equal(d, want2):
				seen[2]++
			case completed:
				t.Fatalf("the cut after a completed save (step %d) lost it", cutAt)
			case slices.Equal(d, want1):
				seen[1]++
			default:
				t.Fatalf("cut before step %d (torn %v): loaded neither save (%d keys)", cutAt, torn, len(d))
			}
			if err := s.CleanTemp(); err != nil {
				t.Fatal(err)
			}
			ents, err := pfs.img.ReadDir("/data")
			if err != nil {
				t.Fatal(err)
			}
			if len(ents) != 1 || ents[0].Name() != "dump.rpdb" {
				t.Fatalf("cut before step %d: after CleanTemp the directory holds %v", cutAt, ents)
			}
			if completed {
				break
			}
		}
	}
	if seen[1] == 0 || seen[2] < 2 {
		t.Errorf("loads of each save: %v; the cuts never fell inside the save", seen)
	}
}

// TestPowerlossSnapshotDurability: the writes acknowledged before a save
// fixes its view are durable when it completes, at the window of the
// oldest; a failed save leaves them waiting, and the writes after the view
// wait for the next save.
func TestPowerlossSnapshotDurability(t *testing.T) {
	clk := backend.NewManualClock(time.Unix(1_700_000_000, 0))
	b := &gatedBackend{Backend: newMemory(t, clk)}
	dur := command.NewDurability(command.DurabilityOptions{Clock: clk})
	mem := fsutil.NewStrictMem()
	if err := mem.MkdirAll("/data", 0o755); err != nil {
		t.Fatal(err)
	}
	s := NewSaver(SaverOptions{Backend: b, Path: "/data/dump.rpdb", Clock: clk, FS: mem, CheckInterval: -1, Durability: dur})
	dur.Acked(3) // as the engine does for each write
	clk.Advance(2 * time.Second)
	boom := errors.New("boom")
	b.fail.Store(&boom)
	if err := s.Save(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("Save: %v", err)
	}
	if f := dur.Figures(); f.P99 != 0 || f.Max != 2*time.Second || f.Writes != 3 {
		t.Fatalf("after a failed save: %+v", f)
	}
	b.fail.Store(nil)
	clk.Advance(time.Second)
	if err := s.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	dur.Acked(1)
	if f := dur.Figures(); f.Max != 3*time.Second || f.Writes != 4 || f.P99 < 3*time.Second || f.P99 > 3100*time.Millisecond {
		t.Fatalf("after a completed save: %+v", f)
	}
}
