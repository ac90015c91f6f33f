// Package bench compares redpool's persistence strategies (redpool bench),
// and Redis set up the same ways.
//
// For each Strategy, Run starts a real server process (redpool with the
// strategy's config, or redis-server with its redis.conf directives for a
// Redis row) in a fresh temporary directory, drives it over the network with
// a pipelined RESP client (one goroutine per connection, the same seeded
// Workload for every strategy), and measures:
//
//   - throughput and latency percentiles of the workload (a log-bucketed
//     Histogram per connection, merged);
//   - bytes on disk at the end and at the peak (sampled every 100 ms);
//   - CPU time and peak RSS of the server process;
//   - the power-loss exposure the server reports in INFO persistence at the
//     end of the workload, if it does (PowerLoss);
//   - recovery: the server is stopped gracefully (SIGTERM) and restarted on
//     its data; the time from process start until it answers and DBSIZE
//     equals the count before the stop (0 for a strategy without
//     persistence); then a digest of the whole dataset must equal the one
//     taken before the stop (datasetDigest);
//   - crash loss: in a fresh directory, clients write unique keys and record
//     each acknowledgement; the server is killed with SIGKILL mid-load,
//     restarted, and every acknowledged write is read back.
//
// A strategy that fails (cannot start, crashes, loses its data on a
// graceful restart) gets an Error in its Result and the run goes on. Every
// child process and temporary directory is gone when Run returns, also when
// ctx is cancelled.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"time"
)

// Options configure Run.
type Options struct {
	// Bin is the redpool binary to start; "" means os.Executable().
	Bin string
	// RedisBin is the redis-server binary the Redis rows start (see
	// Strategy.Redis); "" means "redis-server" on PATH, needed only if a
	// strategy is a Redis row.
	RedisBin string
	// Strategies are compared in order.
	Strategies []Strategy
	// Workload is run against every strategy.
	Workload Workload
	// CrashDuration is how long the crash phase writes before the kill;
	// 0 skips the crash phase.
	CrashDuration time.Duration
	// TempDir holds the run's temporary directory; "" means os.TempDir().
	TempDir string
	// StartTimeout bounds each server start, data loading included; 0 means
	// one minute.
	StartTimeout time.Duration
	// Progress receives progress reports; nil reports nothing. With
	// Terminal, a bar is redrawn in place instead of one line per phase.
	Progress io.Writer
	Terminal bool
}

// DefaultCrashDuration is the default length of the crash phase's load. The
// snapshot strategy saves about 2 s after the start and then every 2 s, so
// a kill at 3 s falls between two saves.
const DefaultCrashDuration = 3 * time.Second

// Result is the measurement of one strategy. The tagged fields are the
// columns of every output format, in order.
type Result struct {
	Strategy      string  `json:"strategy"`
	Server        string  `json:"server"`
	OpsPerSec     float64 `json:"ops_per_sec"`
	P50Ms         float64 `json:"p50_ms"`
	P99Ms         float64 `json:"p99_ms"`
	P999Ms        float64 `json:"p999_ms"`
	DiskBytes     int64   `json:"disk_bytes"`
	PeakDiskBytes int64   `json:"peak_disk_bytes"`
	RecoveryMs    float64 `json:"recovery_ms"`
	AckedWrites   int64   `json:"acked_writes"`
	AckedLost     int64   `json:"acked_lost"`
	LostSeconds   float64 `json:"lost_seconds"`
	// The power-loss exposure the server reported in INFO persistence at
	// the end of the workload (see PowerLoss); nil if it does not report it.
	PowerLossP99Us  *int64  `json:"power_loss_p99_us"`
	PowerLossMaxUs  *int64  `json:"power_loss_max_us"`
	PowerLossWrites *int64  `json:"power_loss_writes"`
	CPUSeconds      float64 `json:"cpu_seconds"`
	PeakRSSBytes    int64   `json:"peak_rss_bytes"`
	Error           string  `json:"error"`

	// Ops is the number of operations the workload completed.
	Ops int64 `json:"-"`
	// Keys is DBSIZE at the end of the workload; RecoveredKeys is DBSIZE
	// after the restart (they differ only for a strategy without persistence).
	Keys, RecoveredKeys int64 `json:"-"`
	// LossIsSuffix reports that the crash lost, on each connection, only
	// writes acknowledged after every write it kept.
	LossIsSuffix bool `json:"-"`
}

// Failed reports whether the strategy could not be measured.
func (r Result) Failed() bool { return r.Error != "" }

// Run measures every strategy of o. It returns one Result per strategy
// measured; an error means the options were unusable or ctx was cancelled
// (the results then hold the strategies finished before).
func Run(ctx context.Context, o Options) ([]Result, error) {
	if err := o.Workload.validate(); err != nil {
		return nil, err
	}
	if len(o.Strategies) == 0 {
		return nil, errors.New("no strategies")
	}
	if o.Bin == "" {
		bin, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("cannot find the redpool binary (use -bin): %w", err)
		}
		o.Bin = bin
	}
	if _, err := os.Stat(o.Bin); err != nil {
		return nil, err
	}
	server, err := o.servers()
	if err != nil {
		return nil, err
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = time.Minute
	}
	base, err := os.MkdirTemp(o.TempDir, "redpool-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(base)

	p := newProgress(o.Progress, o.Terminal, len(o.Strategies))
	defer p.close()
	var results []Result
	for i, s := range o.Strategies {
		p.begin(i, s.Name)
		dir := filepath.Join(base, fmt.Sprintf("%02d-%s", i+1, safeName(s.Name)))
		r := runStrategy(ctx, o, s, dir, p)
		r.Server = server(s)
		// A strategy cut short by ctx is not a measurement.
		if err := ctx.Err(); err != nil {
			return results, err
		}
		p.end(r)
		results = append(results, r)
		if err := os.RemoveAll(dir); err != nil {
			return results, err
		}
	}
	return results, nil
}

// servers finds the Redis binary if a strategy needs it, and returns what
// to call the server of each strategy in Result.Server: "redpool" or
// "redis 7.0.15".
func (o *Options) servers() (func(Strategy) string, error) {
	redis := ""
	for _, s := range o.Strategies {
		if !s.IsRedis() || redis != "" {
			continue
		}
		if o.RedisBin == "" {
			o.RedisBin = "redis-server"
		}
		bin, err := exec.LookPath(o.RedisBin)
		if err != nil {
			return nil, fmt.Errorf("cannot find redis-server for the Redis rows (use -redis-bin): %w", err)
		}
		o.RedisBin = bin
		v, err := redisVersion(bin)
		if err != nil {
			return nil, err
		}
		redis = "redis " + v
	}
	return func(s Strategy) string {
		if s.IsRedis() {
			return redis
		}
		return "redpool"
	}, nil
}

// safeName maps a strategy name to a file name.
func safeName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// stopTimeout bounds a graceful shutdown (a final fsync or snapshot).
const stopTimeout = time.Minute

// runStrategy measures one strategy in dir; failures end up in the Result.
func runStrategy(ctx context.Context, o Options, s Strategy, dir string, p *progress) Result {
	r := Result{Strategy: s.Name}
	if err := measure(ctx, o, s, dir, p, &r); err != nil {
		r.Error = err.Error()
	}
	return r
}

// phase plan: the fraction of a strategy's progress bar each phase ends at.
const (
	planStart    = 0.02
	planLoad     = 0.60
	planRecovery = 0.68
	planCrash    = 0.95
)

// measure runs the phases of one strategy in dir, filling r.
func measure(ctx context.Context, o Options, s Strategy, dir string, p *progress, r *Result) error {
	mainDir := filepath.Join(dir, "main")
	if err := os.MkdirAll(mainDir, 0o755); err != nil {
		return err
	}
	l, persistent, err := s.prepare(o, mainDir, filepath.Join(dir, "main.conf"))
	if err != nil {
		return err
	}
	digest, err := workloadPhase(ctx, o, l, persistent, mainDir, p, r)
	if err != nil {
		return err
	}

	// Recovery on the same data.
	want := r.Keys
	if !persistent {
		want = 0
	}
	p.setPhase("recovery", planLoad, planRecovery, 0)
	rec, err := launch(ctx, l, o.StartTimeout)
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	defer rec.kill()
	if err := rec.waitKeys(ctx, want, 2*time.Second); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	r.RecoveryMs = ms(time.Since(rec.started))
	r.RecoveredKeys = want
	if persistent {
		if err := checkDigest(rec.addr, digest); err != nil {
			return fmt.Errorf("restart: %w", err)
		}
	}
	rec.kill()

	if o.CrashDuration <= 0 {
		return nil
	}
	p.setPhase("crash test", planRecovery, planCrash, o.CrashDuration)
	res, err := crashPhase(ctx, o, s, dir)
	if err != nil {
		return fmt.Errorf("crash test: %w", err)
	}
	r.AckedWrites = res.acked
	r.AckedLost = res.lost
	r.LostSeconds = round(res.lostSpan.Seconds(), 3)
	r.LossIsSuffix = res.suffix
	return nil
}

// workloadPhase starts the server l describes, runs the workload, stops the
// server gracefully and records everything but recovery and crash loss. It
// returns the datasetDigest of the data before the stop if persistent.
func workloadPhase(ctx context.Context, o Options, l launcher, persistent bool, dataDir string, p *progress, r *Result) (string, error) {
	w := o.Workload
	p.setPhase("starting server", 0, planStart, 0)
	srv, err := launch(ctx, l, o.StartTimeout)
	if err != nil {
		return "", err
	}
	defer srv.kill()
	smp := startSampler(dataDir, srv.pid())
	var done atomic.Int64
	if w.Ops > 0 {
		p.setCountedPhase("workload", planStart, planLoad, &done, w.Ops)
	} else {
		p.setPhase("workload", planStart, planLoad, w.Duration)
	}
	load, err := runLoad(ctx, srv.addr, w, &done)
	var keys int64
	var digest string
	var pl *PowerLoss
	if err == nil {
		keys, digest, pl, err = inspect(srv.addr, persistent)
	}
	if err != nil {
		crashed := ctx.Err() == nil && srv.exitedWithin(time.Second)
		srv.kill()
		smp.stop()
		if crashed {
			return "", srv.exitError("server crashed")
		}
		return "", fmt.Errorf("workload: %w", err)
	}
	p.setPhase("stopping server", planLoad, planLoad, 0)
	// VmHWM, the peak RSS, dies with the process: a last look first. (The
	// rusage of the exited process is no use: its ru_maxrss starts from
	// the bench's own RSS at the fork.)
	smp.sample()
	stopErr := srv.stop(stopTimeout)
	peakDisk, peakRSS := smp.stop()
	if load.errReplies > 0 {
		return "", fmt.Errorf("workload: %d error replies, the first: %s", load.errReplies, load.firstErr)
	}
	if stopErr != nil {
		return "", stopErr
	}
	disk, err := dirSize(dataDir)
	if err != nil {
		return "", err
	}
	ps := srv.cmd.ProcessState
	r.Ops = load.ops
	r.OpsPerSec = round(float64(load.ops)/load.elapsed.Seconds(), 1)
	r.P50Ms = ms(load.hist.Percentile(0.50))
	r.P99Ms = ms(load.hist.Percentile(0.99))
	r.P999Ms = ms(load.hist.Percentile(0.999))
	r.DiskBytes = disk
	r.PeakDiskBytes = max(peakDisk, disk)
	r.CPUSeconds = round((ps.UserTime() + ps.SystemTime()).Seconds(), 3)
	r.PeakRSSBytes = peakRSS
	r.Keys = keys
	r.setPowerLoss(pl)
	return digest, nil
}

// crashPhase starts s fresh in dir/crash, writes for o.CrashDuration, kills
// the server with SIGKILL, restarts it and checks every acknowledged write.
func crashPhase(ctx context.Context, o Options, s Strategy, dir string) (crashResult, error) {
	crashDir := filepath.Join(dir, "crash")
	if err := os.MkdirAll(crashDir, 0o755); err != nil {
		return crashResult{}, err
	}
	l, _, err := s.prepare(o, crashDir, filepath.Join(dir, "crash.conf"))
	if err != nil {
		return crashResult{}, err
	}
	srv, err := launch(ctx, l, o.StartTimeout)
	if err != nil {
		return crashResult{}, err
	}
	defer srv.kill()

	load := newCrashLoad(o.Workload.Clients, o.Workload.Pipeline)
	loadDone := make(chan error, 1)
	go func() { loadDone <- load.run(ctx, srv.addr) }()
	select {
	case <-load.started:
	case err := <-loadDone:
		return crashResult{}, err
	}
	t := time.NewTimer(o.CrashDuration)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
		srv.kill()
		<-loadDone
		return crashResult{}, ctx.Err()
	}
	crashedEarly := !srv.alive()
	srv.kill() // the crash
	killedAt := time.Since(load.start)
	<-loadDone // the clients fail once the server is gone
	if crashedEarly {
		return crashResult{}, srv.exitError("server crashed")
	}
	p2, err := launch(ctx, l, o.StartTimeout)
	if err != nil {
		return crashResult{}, fmt.Errorf("restart: %w", err)
	}
	defer p2.kill()
	return load.verify(ctx, p2.addr, killedAt)
}

// inspect returns, from the server at addr at the end of the workload, the
// number of keys, the datasetDigest of the data if persistent (else "") and
// the power-loss exposure it reports (nil if none).
func inspect(addr string, persistent bool) (keys int64, digest string, pl *PowerLoss, err error) {
	c, err := dial(addr, 5*time.Second)
	if err != nil {
		return 0, "", nil, err
	}
	defer c.Close()
	_ = c.nc.SetDeadline(time.Now().Add(opTimeout))
	r, err := c.do("DBSIZE")
	if err != nil {
		return 0, "", nil, err
	}
	keys = r.n
	if persistent {
		if digest, err = datasetDigest(c); err != nil {
			return 0, "", nil, err
		}
	}
	r, err = c.do("INFO", "persistence")
	if err != nil {
		return 0, "", nil, err
	}
	return keys, digest, ParsePowerLoss(string(r.str)), nil
}

// checkDigest reports an error unless the data of the server at addr has
// the datasetDigest want: every key, type, value and the presence of every
// TTL as before the restart.
func checkDigest(addr, want string) error {
	c, err := dial(addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.nc.SetDeadline(time.Now().Add(opTimeout))
	got, err := datasetDigest(c)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("the data differs from before the stop (digest %.12s, was %.12s)", got, want)
	}
	return nil
}

// ms converts d to milliseconds, rounded to microseconds.
func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 3) }

// round rounds x to the given number of decimals.
func round(x float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(x*p) / p
}
