package bench

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
)

// redpoolBin is a redpool binary built for these tests by TestMain.
var redpoolBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "bench-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	redpoolBin = filepath.Join(dir, "redpool")
	build := exec.Command("go", "build", "-o", redpoolBin, "redpool/cmd/redpool")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building redpool: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// tinyWorkload runs in a fraction of a second.
func tinyWorkload() Workload {
	return Workload{
		Clients: 4, Pipeline: 2, Keys: 1000, ValueSize: 16, ReadRatio: 0.5,
		Types: []DataType{Strings}, Duration: 300 * time.Millisecond, Seed: 7,
	}
}

// strategy returns the default strategy called name.
func strategy(t *testing.T, name string) Strategy {
	t.Helper()
	s, err := SelectStrategies([]string{name})
	if err != nil {
		t.Fatal(err)
	}
	return s[0]
}

// notAvailable reports whether a strategy failed only because the server
// does not have its feature yet.
func notAvailable(r Result) bool { return strings.Contains(r.Error, "is not available yet") }

// runBench runs o with the test binary and fails the test on a Run error.
func runBench(t *testing.T, o Options) []Result {
	t.Helper()
	o.Bin = redpoolBin
	o.TempDir = t.TempDir()
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(o.Strategies) {
		t.Fatalf("%d results for %d strategies", len(res), len(o.Strategies))
	}
	if left, _ := os.ReadDir(o.TempDir); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	return res
}

// checkMeasured checks that r holds plausible numbers; crash tells whether
// the crash phase ran.
func checkMeasured(t *testing.T, r Result, crash bool) {
	t.Helper()
	if r.Failed() {
		t.Fatalf("%s failed: %s", r.Strategy, r.Error)
	}
	if r.Ops <= 0 || r.OpsPerSec <= 0 {
		t.Errorf("%s: %d ops, %v ops/s", r.Strategy, r.Ops, r.OpsPerSec)
	}
	if !(0 < r.P50Ms && r.P50Ms <= r.P99Ms && r.P99Ms <= r.P999Ms && r.P999Ms < 10000) {
		t.Errorf("%s: latencies p50 %v p99 %v p99.9 %v", r.Strategy, r.P50Ms, r.P99Ms, r.P999Ms)
	}
	if r.RecoveryMs <= 0 || r.RecoveryMs > 30000 {
		t.Errorf("%s: recovery %v ms", r.Strategy, r.RecoveryMs)
	}
	if r.CPUSeconds <= 0 || r.PeakRSSBytes < 1<<20 {
		t.Errorf("%s: cpu %v s, rss %d", r.Strategy, r.CPUSeconds, r.PeakRSSBytes)
	}
	if r.PeakDiskBytes < r.DiskBytes {
		t.Errorf("%s: peak disk %d < disk %d", r.Strategy, r.PeakDiskBytes, r.DiskBytes)
	}
	if r.Keys <= 0 || r.Keys > 1000*int64(len(families)) {
		t.Errorf("%s: %d keys after the workload (key space 1000 per family)", r.Strategy, r.Keys)
	}
	if (crash != (r.AckedWrites > 0)) || r.AckedLost < 0 || r.AckedLost > r.AckedWrites {
		t.Errorf("%s: %d of %d acked writes lost", r.Strategy, r.AckedLost, r.AckedWrites)
	}
}

// The end-to-end run: memory and aof-always with a tiny workload.
func TestRunMemoryAndAOFAlways(t *testing.T) {
	res := runBench(t, Options{
		Strategies:    []Strategy{strategy(t, "memory"), strategy(t, "aof-always")},
		Workload:      tinyWorkload(),
		CrashDuration: 300 * time.Millisecond,
	})
	mem, aof := res[0], res[1]
	t.Run("memory", func(t *testing.T) {
		checkMeasured(t, mem, true)
		if mem.DiskBytes != 0 || mem.PeakDiskBytes != 0 {
			t.Errorf("memory wrote %d bytes (peak %d)", mem.DiskBytes, mem.PeakDiskBytes)
		}
		if mem.RecoveredKeys != 0 {
			t.Errorf("memory recovered %d keys", mem.RecoveredKeys)
		}
		// Without persistence a crash loses every acknowledged write, and
		// the span is the whole crash load.
		if mem.AckedLost != mem.AckedWrites || !mem.LossIsSuffix {
			t.Errorf("memory lost %d of %d acked writes (suffix %v)", mem.AckedLost, mem.AckedWrites, mem.LossIsSuffix)
		}
		if mem.LostSeconds < 0.2 || mem.LostSeconds > 1.5 {
			t.Errorf("memory lost %vs of writes, want about 0.3s", mem.LostSeconds)
		}
	})
	t.Run("aof-always", func(t *testing.T) {
		if notAvailable(aof) {
			t.Skipf("AOF not available yet: %s", aof.Error)
		}
		checkMeasured(t, aof, true)
		if aof.RecoveredKeys != aof.Keys {
			t.Errorf("recovered %d of %d keys", aof.RecoveredKeys, aof.Keys)
		}
		if aof.DiskBytes <= 0 {
			t.Errorf("AOF on disk: %d bytes", aof.DiskBytes)
		}
		if aof.AckedLost != 0 || aof.LostSeconds != 0 {
			t.Errorf("aof-always lost %d of %d acked writes (%vs)", aof.AckedLost, aof.AckedWrites, aof.LostSeconds)
		}
	})
}

// -ops runs an exact number of requests, here of every data type.
func TestRunOpsAllTypes(t *testing.T) {
	w := tinyWorkload()
	w.Duration = 0
	w.Ops = 3001
	w.Types = []DataType{Strings, Lists, Hashes}
	res := runBench(t, Options{Strategies: []Strategy{strategy(t, "memory")}, Workload: w})
	r := res[0]
	if strings.Contains(r.Error, "unknown command") {
		t.Skipf("list or hash commands not available yet: %s", r.Error)
	}
	checkMeasured(t, r, false)
	if r.Ops != 3001 {
		t.Errorf("ran %d ops, want 3001", r.Ops)
	}
}

// A strategy that cannot start is reported in its row and the run goes on.
func TestRunReportsFailedStrategy(t *testing.T) {
	bad := config.Default()
	bad.Databases = 0
	res := runBench(t, Options{
		Strategies: []Strategy{{Name: "broken", Config: bad}, strategy(t, "memory")},
		Workload:   tinyWorkload(),
	})
	if want := "databases: 0 out of range"; !strings.Contains(res[0].Error, want) {
		t.Errorf("broken strategy: error %q, want it to say %q", res[0].Error, want)
	}
	if res[0].OpsPerSec != 0 || res[0].Strategy != "broken" {
		t.Errorf("broken strategy: %+v", res[0])
	}
	checkMeasured(t, res[1], false)
}

// A server that dies during the workload is reported as crashed.
func TestRunReportsCrash(t *testing.T) {
	// The server is killed from outside during the workload: once it holds
	// keys, so that the kill cannot land while it is still starting
	// (reported as "cannot start"), however slow the machine is.
	o := Options{Bin: redpoolBin, Workload: tinyWorkload(), StartTimeout: 30 * time.Second}
	o.Workload.Duration = 60 * time.Second // the kill ends it
	dir := t.TempDir()
	s := strategy(t, "memory")
	p := newProgress(nil, false, 1)
	defer p.close()
	go func() {
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond) // polling the server, not synchronising
			pid := childWithArg(filepath.Join(dir, "main.conf"))
			if pid > 0 && benchServerHasKeys(pid) {
				if proc, err := os.FindProcess(pid); err == nil {
					_ = proc.Kill() // SIGKILL
				}
				return
			}
		}
	}()
	var r Result
	err := measure(context.Background(), o, s, dir, p, &r)
	if err == nil || !strings.Contains(err.Error(), "server crashed") {
		t.Errorf("got %v, want a crash", err)
	}
	if n := children(); len(n) != 0 {
		t.Errorf("child processes left: %v", n)
	}
}

// Cancelling the context (Ctrl-C) stops the run promptly, kills every
// child, removes every temporary directory and leaves no goroutine.
func TestRunCancel(t *testing.T) {
	before := runtime.NumGoroutine()
	tmp := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	w := tinyWorkload()
	w.Duration = 30 * time.Second
	time.AfterFunc(time.Second, cancel)
	start := time.Now()
	res, err := Run(ctx, Options{
		Bin:        redpoolBin,
		Strategies: []Strategy{strategy(t, "memory"), strategy(t, "aof-no")},
		Workload:   w,
		TempDir:    tmp,
	})
	if err != context.Canceled || len(res) != 0 {
		t.Errorf("got %d results, %v; want context.Canceled", len(res), err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run took %v after the cancel", d)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	if n := children(); len(n) != 0 {
		t.Errorf("child processes left: %v", n)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// children returns the pids of this process's live or unreaped children.
func children() []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	me := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may contain spaces.
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == me {
			pid, _ := strconv.Atoi(e.Name())
			out = append(out, pid)
		}
	}
	return out
}

// childWithArg returns the pid of a child whose command line contains arg.
func childWithArg(arg string) int {
	for _, pid := range children() {
		data, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		if strings.Contains(string(data), arg) {
			return pid
		}
	}
	return 0
}

// benchServerHasKeys reports whether the server of process pid, listening
// on the port its command line names, answers DBSIZE with more than 0.
func benchServerHasKeys(pid int) bool {
	data, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	args := strings.Split(string(data), "\x00")
	i := slices.Index(args, "-port")
	if i < 0 || i+1 >= len(args) {
		return false
	}
	c, err := dial(net.JoinHostPort("127.0.0.1", args[i+1]), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.nc.SetDeadline(time.Now().Add(5 * time.Second))
	r, err := c.do("DBSIZE")
	return err == nil && r.n > 0
}

// The crash test reports, for snapshots, exactly the writes acknowledged
// after the last save. The rule [1, 1] saves once more than one whole second
// passed since the last save, checked once a second: about 2 s after the
// start, then every 2 s. A kill 3 s into the load loses the writes of about
// the last second and keeps the others.
func TestCrashLossSnapshot(t *testing.T) {
	s := strategy(t, "snapshot")
	dir := t.TempDir()
	o := Options{Bin: redpoolBin, Workload: tinyWorkload(), CrashDuration: 3 * time.Second, StartTimeout: 10 * time.Second}
	res, err := crashPhase(context.Background(), o, s, dir)
	if err != nil && strings.Contains(err.Error(), "is not available yet") {
		t.Skipf("snapshots not available yet: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("acked %d, lost %d, lost span %v", res.acked, res.lost, res.lostSpan)
	if !(0 < res.lost && res.lost < res.acked) || !res.suffix {
		t.Fatalf("lost %d of %d acked writes (suffix %v), want the tail after the last save", res.lost, res.acked, res.suffix)
	}
	if res.lostSpan <= 0 || res.lostSpan > 2200*time.Millisecond {
		t.Errorf("lost span %v, want at most the 2 s between saves", res.lostSpan)
	}
	// The last save wrote the file: everything kept was acknowledged
	// before that, everything lost after the save began.
	info, err := os.Stat(filepath.Join(dir, "crash", s.Config.Persistence.Snapshot.File))
	if err != nil {
		t.Fatal(err)
	}
	saved := info.ModTime()
	if res.lastKept.After(saved.Add(10 * time.Millisecond)) {
		t.Errorf("a write acknowledged at %v, after the last save at %v, was kept", res.lastKept, saved)
	}
	if res.firstLost.Before(saved.Add(-500 * time.Millisecond)) {
		t.Errorf("a write acknowledged at %v, well before the last save at %v, was lost", res.firstLost, saved)
	}
}

// The crash test of a strategy without persistence loses everything.
func TestCrashLossMemory(t *testing.T) {
	o := Options{Bin: redpoolBin, Workload: tinyWorkload(), CrashDuration: 500 * time.Millisecond, StartTimeout: 10 * time.Second}
	res, err := crashPhase(context.Background(), o, strategy(t, "memory"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if res.acked == 0 || res.lost != res.acked || !res.suffix {
		t.Errorf("lost %d of %d acked writes (suffix %v), want all", res.lost, res.acked, res.suffix)
	}
	if res.lostSpan < 400*time.Millisecond || res.lostSpan > 1500*time.Millisecond {
		t.Errorf("lost span %v, want about the 500ms of the load", res.lostSpan)
	}
}
