package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DataType is a family of commands in the workload.
type DataType uint8

// Data types; the requests of each are listed in families.
const (
	Strings DataType = iota + 1
	Lists
	Hashes
	Sets
	ZSets
	Streams
	Scripts
	Tx
	Mixed
)

// String returns the flag word.
func (t DataType) String() string {
	if int(t) < len(families) && t != 0 {
		return families[t].name
	}
	return "DataType(" + strconv.Itoa(int(t)) + ")"
}

// typeNames lists the flag words, in order.
func typeNames() []string {
	var out []string
	for _, f := range families[1:] {
		out = append(out, f.name)
	}
	return out
}

// ParseTypes parses a comma-separated list of data types, e.g.
// "strings,lists,hashes".
func ParseTypes(s string) ([]DataType, error) {
	var out []DataType
	for word := range strings.SplitSeq(s, ",") {
		word = strings.TrimSpace(word)
		t := DataType(0)
		for i, f := range families {
			if i > 0 && strings.EqualFold(word, f.name) {
				t = DataType(i)
			}
		}
		if t == 0 {
			return nil, fmt.Errorf("unknown data type %q (want %s)", word, strings.Join(typeNames(), ", "))
		}
		for _, seen := range out {
			if seen == t {
				return nil, fmt.Errorf("data type %q given twice", word)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// Workload is what every strategy is measured with. With the same Seed
// every strategy receives the same sequence of commands on each connection.
type Workload struct {
	Clients   int           // connections, one goroutine each
	Pipeline  int           // operations sent per round trip
	Keys      int           // key space per data type
	ValueSize int           // bytes per written value
	ReadRatio float64       // fraction of reads (GET, LRANGE, HGET, ...), 0..1
	Types     []DataType    // command families, each operation picks one uniformly
	Duration  time.Duration // how long to run, unless Ops is set
	Ops       int64         // total operations; 0 runs for Duration
	Seed      uint64
}

// DefaultWorkload is 50 clients without pipelining doing half SET, half GET
// of 64-byte values over 100000 keys for 4 seconds: long enough for stable
// numbers, short enough that the seven default strategies (with recovery
// and crash phases) take about a minute on two cores.
func DefaultWorkload() Workload {
	return Workload{
		Clients:   50,
		Pipeline:  1,
		Keys:      100000,
		ValueSize: 64,
		ReadRatio: 0.5,
		Types:     []DataType{Strings},
		Duration:  4 * time.Second,
		Seed:      1,
	}
}

// validate reports every bad field at once.
func (w Workload) validate() error {
	var errs []error
	if w.Clients < 1 {
		errs = append(errs, fmt.Errorf("clients %d: want at least 1", w.Clients))
	}
	if w.Pipeline < 1 {
		errs = append(errs, fmt.Errorf("pipeline %d: want at least 1", w.Pipeline))
	}
	if w.Keys < 1 {
		errs = append(errs, fmt.Errorf("keys %d: want at least 1", w.Keys))
	}
	if w.ValueSize < 1 {
		errs = append(errs, fmt.Errorf("value size %d: want at least 1", w.ValueSize))
	}
	if !(w.ReadRatio >= 0 && w.ReadRatio <= 1) {
		errs = append(errs, fmt.Errorf("read ratio %v: want 0..1", w.ReadRatio))
	}
	if len(w.Types) == 0 {
		errs = append(errs, errors.New("no data types"))
	}
	if w.Ops < 0 || (w.Ops == 0 && w.Duration <= 0) {
		errs = append(errs, errors.New("want a positive duration or number of ops"))
	}
	return errors.Join(errs...)
}

// loadResult is what one run of the workload measured.
type loadResult struct {
	ops        int64
	elapsed    time.Duration
	hist       Histogram
	errReplies int64
	firstErr   string // text of the first error reply
}

// opTimeout bounds one round trip; only a hung server takes that long.
const opTimeout = 60 * time.Second

// runLoad runs w against addr and measures it. done counts completed
// requests as they complete (for progress).
func runLoad(ctx context.Context, addr string, w Workload, done *atomic.Int64) (*loadResult, error) {
	if slices.Contains(w.Types, Scripts) {
		if err := loadCASScript(addr); err != nil {
			return nil, err
		}
	}
	hists := make([]Histogram, w.Clients)
	errCounts := make([]int64, w.Clients)
	firstErrs := make([]string, w.Clients)
	var total atomic.Int64
	elapsed, err := runClients(ctx, addr, w.Clients, func(i int, c *conn, start time.Time) error {
		deadline := start.Add(w.Duration)
		g := newOpGen(&w, i)
		h := &hists[i]
		reqs := make([]int, 0, w.Pipeline) // requests of each queued operation
		quota := int64(-1)
		if w.Ops > 0 {
			quota = w.Ops / int64(w.Clients)
			if int64(i) < w.Ops%int64(w.Clients) {
				quota++
			}
		}
		for quota != 0 {
			n := int64(w.Pipeline)
			if quota > 0 {
				n = min(n, quota)
				quota -= n
			} else if !time.Now().Before(deadline) {
				break
			}
			reqs = reqs[:0]
			for range n {
				reqs = append(reqs, g.queue(c))
			}
			t0 := time.Now()
			_ = c.nc.SetDeadline(t0.Add(opTimeout))
			if err := c.flush(); err != nil {
				return err
			}
			for _, k := range reqs {
				for range k {
					r, err := c.readReply()
					if err != nil {
						return err
					}
					if r.kind == '-' {
						if errCounts[i] == 0 {
							firstErrs[i] = string(r.str)
						}
						errCounts[i]++
					}
				}
				h.Record(time.Since(t0))
			}
			total.Add(n)
			done.Add(n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res := &loadResult{ops: total.Load(), elapsed: elapsed}
	for i := range hists {
		res.hist.Merge(&hists[i])
		if errCounts[i] > 0 && res.firstErr == "" {
			res.firstErr = firstErrs[i]
		}
		res.errReplies += errCounts[i]
	}
	return res, nil
}

// loadCASScript loads the scripts family's script into the server at addr.
func loadCASScript(addr string) error {
	c, err := dial(addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.nc.SetDeadline(time.Now().Add(opTimeout))
	r, err := c.do("SCRIPT", "LOAD", casScript)
	if err != nil {
		return err
	}
	if want := casSHA(); string(r.str) != want {
		return fmt.Errorf("SCRIPT LOAD returned %q, want %s", r.str, want)
	}
	return nil
}

// runClients connects n clients to addr, then runs body for each on its own
// goroutine, all starting at the same moment, and waits for them. It
// returns the time from that start until the last body returned, and the
// first error of a body. Cancelling ctx closes every connection.
func runClients(ctx context.Context, addr string, n int, body func(i int, c *conn, start time.Time) error) (time.Duration, error) {
	conns := make([]*conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range n {
		c, err := dial(addr, 5*time.Second)
		if err != nil {
			return 0, err
		}
		conns = append(conns, c)
	}
	var closeOnce sync.Once
	stop := context.AfterFunc(ctx, func() {
		closeOnce.Do(func() {
			for _, c := range conns {
				_ = c.Close()
			}
		})
	})
	defer stop()

	errs := make([]error, n)
	var wg sync.WaitGroup
	startGate := make(chan struct{})
	var start time.Time
	for i, c := range conns {
		wg.Go(func() {
			<-startGate
			if err := body(i, c, start); err != nil {
				errs[i] = fmt.Errorf("client %d: %w", i, err)
			}
		})
	}
	start = time.Now()
	close(startGate)
	wg.Wait()
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return elapsed, err
	}
	return elapsed, firstNonNil(errs)
}

// firstNonNil returns the first non-nil error, or nil.
func firstNonNil(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
