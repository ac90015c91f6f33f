package server_test

import (
	"bufio"
	"errors"
	"io"
	"net"
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

// BenchmarkVsRedisStreamGroup is a consumer-group job loop side by side
// with Redis: VS_CONSUMERS (default 10) consumers of one group each
// XREADGROUP COUNT 10 and XACK what they got, over a stream of 200,000
// entries loaded first; each round reads through a fresh group, so both
// servers do the same work. It reports entries per second (read and
// acknowledged), the median ratio redpool/redis, and the median ratio of
// their CPU time per entry (cpu-ratio; below 1 is less than Redis's, the
// figure to trust on a shared machine), and logs each round (-v):
//
//	go test -run '^$' -bench VsRedisStreamGroup -benchtime 1x ./cmd/redpool/server
func BenchmarkVsRedisStreamGroup(b *testing.B) {
	consumers := envInt("VS_CONSUMERS", 10)
	rounds := envInt("VS_ROUNDS", 3)
	dur := time.Duration(envInt("VS_SECONDS", 2)) * time.Second
	const entries = 200_000
	r := servertest.StartRedis(b)
	cfg := config.Default()
	cfg.Dir = b.TempDir()
	cfg.LogLevel = config.LogWarn
	cfg.Persistence.Mode = config.ModeNone
	p := servertest.StartProcess(b, servertest.BuildBinary(b), servertest.WriteConfig(b, b.TempDir(), cfg))
	for _, addr := range []string{r.Addr, p.Addr} {
		loadGroupStream(b, addr, "jobs", entries)
	}
	rpid, ppid := hotpathPid(b, r.Addr), hotpathPid(b, p.Addr)
	var ratios, cpuRatios []float64
	var rpsRedis, rpsRedpool float64
	for round := range rounds {
		group := "g" + strconv.Itoa(round)
		// Each server's CPU time per entry read and acknowledged, in µs.
		c0 := hotpathCPU(rpid)
		rr, rn := groupLoop(b, r.Addr, group, consumers, dur)
		cr := (hotpathCPU(rpid) - c0) / float64(rn) * 1e6
		c0 = hotpathCPU(ppid)
		rp, pn := groupLoop(b, p.Addr, group, consumers, dur)
		cp := (hotpathCPU(ppid) - c0) / float64(pn) * 1e6
		ratios, cpuRatios = append(ratios, rp/rr), append(cpuRatios, cp/cr)
		b.Logf("round %d: redis %.0f entries/s (%.2f µs CPU each), redpool %.0f (%.2f µs): ratio %.2f, CPU ratio %.2f",
			round+1, rr, cr, rp, cp, rp/rr, cp/cr)
		rpsRedis, rpsRedpool = rpsRedis+rr/float64(rounds), rpsRedpool+rp/float64(rounds)
	}
	slices.Sort(ratios)
	slices.Sort(cpuRatios)
	b.ReportMetric(rpsRedis, "redis-entries/s")
	b.ReportMetric(rpsRedpool, "redpool-entries/s")
	b.ReportMetric(ratios[len(ratios)/2], "ratio")
	b.ReportMetric(cpuRatios[len(cpuRatios)/2], "cpu-ratio")
	b.ReportMetric(0, "ns/op")
}

// loadGroupStream fills key on addr with n entries, pipelined.
func loadGroupStream(b *testing.B, addr, key string, n int) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	const batch = 1000
	for i := 0; i < n; i += batch {
		var req []byte
		for j := i; j < i+batch; j++ {
			req = resp.AppendCommandStrings(req, "XADD", key, strconv.Itoa(j+1)+"-1", "job", strconv.Itoa(j), "payload", "some job data")
		}
		if _, err := conn.Write(req); err != nil {
			b.Fatal(err)
		}
		for range batch {
			if _, err := servertest.ReadRaw(br); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// groupLoop creates group on jobs and runs consumers job loops on addr
// for dur (or until the stream is read through); it returns the entries
// read and acknowledged per second, and how many.
func groupLoop(b *testing.B, addr, group string, consumers int, dur time.Duration) (float64, int64) {
	servertest.Dial(b, addr).Do("XGROUP", "CREATE", "jobs", group, "0")
	var done atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(dur)
	start := time.Now()
	errs := make(chan error, consumers)
	for i := range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := consume(addr, group, "c"+strconv.Itoa(i), stop, &done); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		b.Fatalf("%s: %v", addr, err)
	}
	return float64(done.Load()) / elapsed.Seconds(), done.Load()
}

// consume is one consumer's loop: XREADGROUP COUNT 10, XACK the ids, until
// stop or nothing is left.
func consume(addr, group, name string, stop time.Time, done *atomic.Int64) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	br := bufio.NewReaderSize(conn, 64*1024)
	read := resp.AppendCommandStrings(nil, "XREADGROUP", "GROUP", group, name, "COUNT", "10", "STREAMS", "jobs", ">")
	for time.Now().Before(stop) {
		if _, err := conn.Write(read); err != nil {
			return err
		}
		v, err := readValue(br)
		if err != nil {
			return err
		}
		ids := entryIDs(v)
		if len(ids) == 0 {
			return nil // read through
		}
		ack := resp.AppendCommandStrings(nil, append([]string{"XACK", "jobs", group}, ids...)...)
		if _, err := conn.Write(ack); err != nil {
			return err
		}
		if _, err := readValue(br); err != nil {
			return err
		}
		done.Add(int64(len(ids)))
	}
	return nil
}

// entryIDs returns the entry ids of a one-stream XREADGROUP reply (RESP2).
func entryIDs(v any) []string {
	streams, _ := v.([]any)
	if len(streams) != 1 {
		return nil
	}
	kv, _ := streams[0].([]any)
	if len(kv) != 2 {
		return nil
	}
	list, _ := kv[1].([]any)
	ids := make([]string, 0, len(list))
	for _, e := range list {
		if pair, ok := e.([]any); ok && len(pair) == 2 {
			if id, ok := pair[0].(string); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// readValue reads one RESP2 reply: strings, integers (as strings),
// arrays, nil.
func readValue(br *bufio.Reader) (any, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 {
		return nil, errors.New("short line")
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', ':':
		return body, nil
	case '-':
		return nil, errors.New(body)
	case '$':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readValue(br); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, errors.New("unexpected reply " + line)
}
