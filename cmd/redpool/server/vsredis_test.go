package server_test

import (
	"bufio"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
	"redpool/session/resp"
)

// vsWorkload is a request redis-benchmark cannot send (several commands
// that belong together, such as a transaction): each client sends Request
// as one pipeline and waits for all its replies, over and over.
type vsWorkload struct {
	Name    string
	Setup   [][]string // run once on each server first
	Request [][]string
}

// vsWorkloads are the side-by-side cases of BenchmarkVsRedis. Families
// add theirs here.
func vsWorkloads() []vsWorkload {
	return []vsWorkload{
		{Name: "multi-set-incr-exec", Request: [][]string{{"MULTI"}, {"SET", "k", "v"}, {"INCR", "n"}, {"EXEC"}}},
	}
}

// BenchmarkVsRedis runs each workload against a real redis-server and a
// redpool process (memory backend, no persistence) on loopback, side by
// side: rounds alternate between the two, and the reported ratio is the
// median of the per-round ratios redpool/redis (requests per second;
// above 1 is faster than Redis), with each server's CPU time per request
// (a whole pipeline). It runs each workload once whatever b.N:
//
//	go test -run '^$' -bench VsRedis -benchtime 1x ./cmd/redpool/server
//
// VS_CLIENTS (default 50), VS_ROUNDS (3) and VS_SECONDS (2, per round and
// server) tune it.
func BenchmarkVsRedis(b *testing.B) {
	clients := envInt("VS_CLIENTS", 50)
	rounds := envInt("VS_ROUNDS", 3)
	dur := time.Duration(envInt("VS_SECONDS", 2)) * time.Second
	r := servertest.StartRedis(b)
	cfg := config.Default()
	cfg.Dir = b.TempDir()
	cfg.LogLevel = config.LogWarn
	cfg.Persistence.Mode = config.ModeNone
	p := servertest.StartProcess(b, servertest.BuildBinary(b), servertest.WriteConfig(b, b.TempDir(), cfg))
	rpid, ppid := hotpathPid(b, r.Addr), hotpathPid(b, p.Addr)
	for _, w := range vsWorkloads() {
		b.Run(w.Name, func(b *testing.B) {
			for _, addr := range []string{r.Addr, p.Addr} {
				c := servertest.Dial(b, addr)
				c.Do("FLUSHALL")
				for _, args := range w.Setup {
					c.Do(args...)
				}
			}
			var ratios []float64
			var rpsRedis, rpsRedpool float64
			// Each server's CPU time (user+system) per request, in µs.
			var cpuRedis, cpuRedpool float64
			for range rounds {
				c0 := hotpathCPU(rpid)
				rr := vsRun(b, r.Addr, w, clients, dur)
				cpuRedis += (hotpathCPU(rpid) - c0) / (rr * dur.Seconds()) * 1e6 / float64(rounds)
				c0 = hotpathCPU(ppid)
				rp := vsRun(b, p.Addr, w, clients, dur)
				cpuRedpool += (hotpathCPU(ppid) - c0) / (rp * dur.Seconds()) * 1e6 / float64(rounds)
				ratios = append(ratios, rp/rr)
				rpsRedis, rpsRedpool = rpsRedis+rr/float64(rounds), rpsRedpool+rp/float64(rounds)
			}
			slices.Sort(ratios)
			b.ReportMetric(rpsRedis, "redis-req/s")
			b.ReportMetric(rpsRedpool, "redpool-req/s")
			if cpuRedis > 0 {
				b.ReportMetric(cpuRedis, "redis-cpu-µs/req")
				b.ReportMetric(cpuRedpool, "redpool-cpu-µs/req")
			}
			b.ReportMetric(ratios[len(ratios)/2], "ratio")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// vsRun runs w on addr with clients connections for dur and returns the
// requests (whole pipelines) per second.
func vsRun(b *testing.B, addr string, w vsWorkload, clients int, dur time.Duration) float64 {
	var req []byte
	for _, args := range w.Request {
		req = resp.AppendArrayLen(req, len(args))
		for _, a := range args {
			req = resp.AppendBulkString(req, a)
		}
	}
	var done atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(dur)
	start := time.Now()
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			br := bufio.NewReaderSize(conn, 64*1024)
			for time.Now().Before(stop) {
				if _, err := conn.Write(req); err != nil {
					errs <- err
					return
				}
				for range w.Request {
					if _, err := servertest.ReadRaw(br); err != nil {
						errs <- err
						return
					}
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatalf("%s: %v", addr, err)
	}
	return float64(done.Load()) / time.Since(start).Seconds()
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
