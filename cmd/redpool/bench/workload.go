package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DataType is a family of commands in the workload.
type DataType uint8

// Data types.
const (
	Strings DataType = iota + 1 // SET / GET
	Lists                       // RPUSH or LPOP / LRANGE key 0 9
	Hashes                      // HSET / HGET
)

var dataTypeNames = []string{Strings: "strings", Lists: "lists", Hashes: "hashes"}

// String returns the flag word.
func (t DataType) String() string {
	if int(t) < len(dataTypeNames) && t != 0 {
		return dataTypeNames[t]
	}
	return "DataType(" + strconv.Itoa(int(t)) + ")"
}

// ParseTypes parses a comma-separated list of data types, e.g.
// "strings,lists,hashes".
func ParseTypes(s string) ([]DataType, error) {
	var out []DataType
	for word := range strings.SplitSeq(s, ",") {
		word = strings.TrimSpace(word)
		t := DataType(0)
		for i, name := range dataTypeNames {
			if i > 0 && strings.EqualFold(word, name) {
				t = DataType(i)
			}
		}
		if t == 0 {
			return nil, fmt.Errorf("unknown data type %q (want strings, lists or hashes)", word)
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
	Pipeline  int           // requests sent per round trip
	Keys      int           // key space per data type
	ValueSize int           // bytes per written value
	ReadRatio float64       // fraction of reads (GET, LRANGE, HGET), 0..1
	Types     []DataType    // command families, each op picks one uniformly
	Duration  time.Duration // how long to run, unless Ops is set
	Ops       int64         // total requests; 0 runs for Duration
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

// Constant arguments, shared read-only by every generator.
var (
	cmdGET, cmdSET    = []byte("GET"), []byte("SET")
	cmdRPUSH, cmdLPOP = []byte("RPUSH"), []byte("LPOP")
	cmdLRANGE         = []byte("LRANGE")
	cmdHSET, cmdHGET  = []byte("HSET"), []byte("HGET")
	argZero, argNine  = []byte("0"), []byte("9")
	prefixes          = [...][]byte{Strings: []byte("key:"), Lists: []byte("list:"), Hashes: []byte("hash:")}
	hashFields        = fieldNames(16)
)

// valueAlphabet is what written values are made of.
const valueAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func fieldNames(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte("f" + strconv.Itoa(i))
	}
	return out
}

// opGen produces one client's deterministic stream of requests without
// allocating per request.
type opGen struct {
	rng   *rand.Rand
	w     *Workload
	key   []byte
	value []byte
}

func newOpGen(w *Workload, client int) *opGen {
	rng := rand.New(rand.NewPCG(w.Seed, uint64(client)))
	value := make([]byte, w.ValueSize)
	for i := range value {
		value[i] = valueAlphabet[rng.IntN(len(valueAlphabet))]
	}
	return &opGen{rng: rng, w: w, key: make([]byte, 0, 32), value: value}
}

// queue appends the next request to c's output buffer.
func (g *opGen) queue(c *conn) {
	t := g.w.Types[0]
	if len(g.w.Types) > 1 {
		t = g.w.Types[g.rng.IntN(len(g.w.Types))]
	}
	read := g.rng.Float64() < g.w.ReadRatio
	g.key = strconv.AppendInt(append(g.key[:0], prefixes[t]...), int64(g.rng.IntN(g.w.Keys)), 10)
	switch t {
	case Strings:
		if read {
			c.queue(cmdGET, g.key)
		} else {
			c.queue(cmdSET, g.key, g.value)
		}
	case Lists:
		switch {
		case read:
			c.queue(cmdLRANGE, g.key, argZero, argNine)
		case g.rng.IntN(2) == 0:
			c.queue(cmdRPUSH, g.key, g.value)
		default:
			c.queue(cmdLPOP, g.key)
		}
	case Hashes:
		field := hashFields[g.rng.IntN(len(hashFields))]
		if read {
			c.queue(cmdHGET, g.key, field)
		} else {
			c.queue(cmdHSET, g.key, field, g.value)
		}
	}
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
	hists := make([]Histogram, w.Clients)
	errCounts := make([]int64, w.Clients)
	firstErrs := make([]string, w.Clients)
	var total atomic.Int64
	elapsed, err := runClients(ctx, addr, w.Clients, func(i int, c *conn, start time.Time) error {
		deadline := start.Add(w.Duration)
		g := newOpGen(&w, i)
		h := &hists[i]
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
			for range n {
				g.queue(c)
			}
			t0 := time.Now()
			_ = c.nc.SetDeadline(t0.Add(opTimeout))
			if err := c.flush(); err != nil {
				return err
			}
			for range n {
				r, err := c.readReply()
				if err != nil {
					return err
				}
				h.Record(time.Since(t0))
				if r.kind == '-' {
					if errCounts[i] == 0 {
						firstErrs[i] = string(r.str)
					}
					errCounts[i]++
				}
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
