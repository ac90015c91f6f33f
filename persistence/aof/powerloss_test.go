package aof_test

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"redpool/backend"
	"redpool/command"
	"redpool/persistence/aof"
	"redpool/persistence/fsutil"
)

// The power-loss tests run the log on a fsutil.StrictMemFS and cut the
// power (CrashClone) at random moments: what was not fsynced is gone
// (or, with a random generator, a random part of it survives, torn at a
// random byte), and so are directory entries never synced. The image is
// then loaded as a fresh server would load it.

// powerlossDir is where the tests keep the log in the in-memory FS.
const powerlossDir = "/data"

// powerlossOpen opens a store whose log lives in fsys.
func powerlossOpen(t *testing.T, fsys *fsutil.StrictMemFS, opts aof.Options, clock backend.Clock) *store {
	t.Helper()
	opts.FS = fsys
	return openStore(t, powerlossDir, opts, clock)
}

// powerlossRun runs one command on c and returns its reply and the record
// it must wait for.
func powerlossRun(s *store, c *command.Ctx, args ...string) (string, uint64) {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	s.eng.Exec(c, argv)
	out, seq := string(c.Out()), c.LogSeq()
	c.Reset()
	return out, seq
}

// powerlossInt reads key as an integer (0 if missing).
func powerlossInt(t *testing.T, s *store, key string) int64 {
	t.Helper()
	reply := s.do("GET", key)
	if reply == "$-1\r\n" {
		return 0
	}
	_, v, ok := strings.Cut(strings.TrimSuffix(reply, "\r\n"), "\r\n")
	n, err := strconv.ParseInt(v, 10, 64)
	if !ok || err != nil {
		t.Fatalf("GET %s: %q", key, reply)
	}
	return n
}

// TestPowerlossAlways: under appendfsync always no acknowledged write is
// lost, whenever the power is cut (in mid-write, in mid-rewrite), with or
// without torn tails; transactions come back whole or not at all; and no
// write is ever reported as acknowledged while not durable.
func TestPowerlossAlways(t *testing.T) {
	const writers, rounds = 4, 12
	rng := rand.New(rand.NewPCG(23, 2))
	fsys := fsutil.NewStrictMem()
	dur := command.NewDurability(command.DurabilityOptions{})
	opts := aof.Options{Fsync: aof.FsyncAlways, RetryInterval: time.Hour, RewritePercentage: 0, Durability: dur}
	for round := range rounds {
		s := powerlossOpen(t, fsys, opts, nil)
		var acked, tried [writers]atomic.Int64
		var progress atomic.Int64
		for g := range writers {
			v := powerlossInt(t, s, "w"+strconv.Itoa(g))
			if a, b := powerlossInt(t, s, "ta"+strconv.Itoa(g)), powerlossInt(t, s, "tb"+strconv.Itoa(g)); a != b {
				t.Fatalf("round %d: a transaction came back in part: ta%d=%d tb%d=%d", round, g, a, g, b)
			}
			acked[g].Store(v)
			tried[g].Store(v)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for g := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := s.eng.NewCtx(s.eng.NewClient("w", "w"), nil)
				id := strconv.Itoa(g)
				for v := acked[g].Load() + 1; ; v++ {
					select {
					case <-stop:
						return
					default:
					}
					val := strconv.FormatInt(v, 10)
					tried[g].Store(v)
					var seq uint64
					if v%5 == 0 { // a transaction: both keys, or neither
						powerlossRun(s, c, "MULTI")
						powerlossRun(s, c, "SET", "ta"+id, val)
						powerlossRun(s, c, "SET", "tb"+id, val)
						_, seq = powerlossRun(s, c, "EXEC")
					}
					_, seq2 := powerlossRun(s, c, "SET", "w"+id, val)
					seq = max(seq, seq2)
					if err := s.log.Wait(seq); err != nil {
						return // closed after the cut
					}
					acked[g].Store(v)
					progress.Add(1)
				}
			}()
		}
		target := progress.Load() + 1 + int64(rng.IntN(300))
		rewrite := rng.IntN(3) == 0
		deadline := time.Now().Add(20 * time.Second)
		for progress.Load() < target && time.Now().Before(deadline) {
			if rewrite && progress.Load() > target/2 {
				_ = s.log.BGRewrite()
				rewrite = false
			}
			time.Sleep(100 * time.Microsecond) // polling for progress
		}
		var floor [writers]int64
		for g := range writers {
			floor[g] = acked[g].Load()
		}
		var img *fsutil.StrictMemFS
		if round%2 == 0 {
			img = fsys.CrashClone(nil)
		} else {
			img = fsys.CrashClone(rng) // torn tails
		}
		close(stop)
		wg.Wait()
		var ceil [writers]int64
		for g := range writers {
			ceil[g] = tried[g].Load()
		}
		if err := s.close(); err != nil {
			t.Fatalf("round %d: close: %v", round, err)
		}

		fsys = img
		s = powerlossOpen(t, fsys, opts, nil)
		for g := range writers {
			if v := powerlossInt(t, s, "w"+strconv.Itoa(g)); v < floor[g] || v > ceil[g] {
				t.Fatalf("round %d: w%d = %d after the cut; acknowledged %d, tried %d", round, g, v, floor[g], ceil[g])
			}
		}
		if err := s.close(); err != nil {
			t.Fatalf("round %d: close after load: %v", round, err)
		}
	}
	if f := dur.Figures(); f.Writes != 0 || f.Max != 0 {
		t.Errorf("under always: %+v acknowledged while not durable", f)
	}
}

// TestPowerlossEverySec: under appendfsync everysec the writes a power cut
// loses are the last ones, each acknowledged within the window INFO
// reports (ack_not_durable_max_us) before the cut; a torn tail is cut off
// at load, leaving the file ending on a whole record.
func TestPowerlossEverySec(t *testing.T) {
	var lostTotal int
	for seed := range 24 {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		clk := backend.NewManualClock(time.Unix(1_700_000_000, 0))
		dur := command.NewDurability(command.DurabilityOptions{Clock: clk})
		opts := aof.Options{Fsync: aof.FsyncEverySec, RetryInterval: time.Hour, Durability: dur}
		fsys := fsutil.NewStrictMem()
		s := powerlossOpen(t, fsys, opts, clk)
		n := 20 + rng.IntN(200)
		ackAt := make([]time.Time, n)
		for i := range n {
			s.expect("+OK\r\n", "SET", "k"+strconv.Itoa(i), strings.Repeat("v", rng.IntN(40)))
			ackAt[i] = clk.Now()
			clk.Advance(time.Duration(rng.IntN(100)) * time.Millisecond)
			if rng.IntN(15) == 0 {
				s.log.PowerlossTick() // the once-a-second fsync
			}
		}
		cut, fig := clk.Now(), dur.Figures()
		if fig.Writes != int64(n) {
			t.Errorf("seed %d: ack_not_durable_writes = %d, want %d", seed, fig.Writes, n)
		}
		var img *fsutil.StrictMemFS
		if seed%2 == 0 {
			img = fsys.CrashClone(nil)
		} else {
			img = fsys.CrashClone(rng)
		}
		if err := s.close(); err != nil {
			t.Fatal(err)
		}

		s = powerlossOpen(t, img, aof.Options{Fsync: aof.FsyncEverySec, RetryInterval: time.Hour}, clk)
		lost := 0
		for i := range n {
			if s.do("EXISTS", "k"+strconv.Itoa(i)) == ":1\r\n" {
				if lost > 0 {
					t.Fatalf("seed %d: k%d survived the cut after %d earlier writes were lost", seed, i, lost)
				}
				continue
			}
			lost++
			if w := cut.Sub(ackAt[i]); w > fig.Max {
				t.Errorf("seed %d: k%d, acknowledged %v before the cut, was lost; reported window %v", seed, i, w, fig.Max)
			}
		}
		lostTotal += lost
		for _, ref := range s.log.Manifest().Files {
			data, err := img.ReadFile(filepath.Join(powerlossDir, ref.Name))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := aof.Scan(bytes.NewReader(data), 0, func(int64, [][]byte) error { return nil }); err != nil {
				t.Errorf("seed %d: %s after load: %v", seed, ref.Name, err)
			}
		}
		if err := s.close(); err != nil {
			t.Fatal(err)
		}
	}
	if lostTotal == 0 {
		t.Error("no cut lost anything: the test proves nothing")
	}
}
