// Command randload is a load generator for the benchmark cases that
// redis-benchmark cannot send (bench/compare.sh): redis-benchmark
// replaces __rand_int__ by a 12-digit zero-padded number, which commands
// taking an integer (SETBIT's offset) refuse. randload replaces
// __rand_dec__ in its command by a plain decimal number in [0, r) instead,
// sends n commands over c connections, P at a time on each, and prints
// the throughput as redis-benchmark -q does ("NAME: N requests per
// second"). An error reply stops it with a message.
//
// Like redis-benchmark --threads 1 (which compare.sh runs for every other
// case), randload runs on one thread (-threads, GOMAXPROCS) and builds
// its commands without allocating: a client spread over both cores of a
// two-core machine takes CPU from a multi-threaded server that a
// single-threaded one does not need, and the comparison would measure
// the client.
//
//	randload -addr 127.0.0.1:6379 -n 100000 -c 50 -P 1 -r 8388608 SETBIT bm __rand_dec__ 1
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const placeholder = "__rand_dec__"

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server address")
	n := flag.Int("n", 100000, "total requests")
	clients := flag.Int("c", 50, "connections")
	pipe := flag.Int("P", 1, "requests in flight per connection")
	rng := flag.Int64("r", 1, "__rand_dec__ is in [0, r)")
	threads := flag.Int("threads", 1, "OS threads running Go code (GOMAXPROCS)")
	flag.Parse()
	if flag.NArg() == 0 || *clients < 1 || *pipe < 1 || *rng < 1 || *threads < 1 {
		fmt.Fprintln(os.Stderr, "usage: randload [flags] COMMAND ARG... (see -h)")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*threads)
	elapsed, err := run(*addr, *n, *clients, *pipe, *rng, flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "randload:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %.2f requests per second\n", strings.ToUpper(flag.Arg(0)), float64(*n)/elapsed.Seconds())
}

// run sends n requests from clients connections and returns the time they
// took, from the first write to the last reply.
func run(addr string, n, clients, pipe int, r int64, words []string) (time.Duration, error) {
	conns := make([]net.Conn, clients)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		conns[i] = c
	}
	var left atomic.Int64
	left.Store(int64(n))
	errs := make([]error, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = drive(c, &left, pipe, r, words, uint64(i))
		}()
	}
	wg.Wait()
	return time.Since(start), errors.Join(errs...)
}

// drive sends batches of up to pipe requests on c while requests are left,
// reading each batch's replies before the next.
func drive(c net.Conn, left *atomic.Int64, pipe int, r int64, words []string, seed uint64) error {
	rnd := rand.New(rand.NewPCG(seed, uint64(time.Now().UnixNano())))
	br := bufio.NewReader(c)
	req := splitRequest(words)
	var buf []byte
	for {
		k := int64(pipe)
		if rest := left.Add(-k); rest < 0 {
			k += rest
		}
		if k <= 0 {
			return nil
		}
		buf = buf[:0]
		for range k {
			buf = appendRequest(buf, req, rnd.Int64N(r))
		}
		if _, err := c.Write(buf); err != nil {
			return err
		}
		for range k * int64(len(req)) {
			if err := skipReply(br); err != nil {
				return err
			}
		}
	}
}

// appendCommand appends words as a RESP command, with __rand_dec__
// replaced by x. It allocates nothing once dst has grown.
func appendCommand(dst []byte, words []string, x int64) []byte {
	var num [20]byte
	digits := strconv.AppendInt(num[:0], x, 10)
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(words)), 10)
	dst = append(dst, "\r\n"...)
	for _, w := range words {
		k := strings.Count(w, placeholder)
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(w)+k*(len(digits)-len(placeholder))), 10)
		dst = append(dst, "\r\n"...)
		for k > 0 {
			i := strings.Index(w, placeholder)
			dst = append(append(dst, w[:i]...), digits...)
			w = w[i+len(placeholder):]
			k--
		}
		dst = append(dst, w...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}

// skipReply reads one RESP2 reply; an error reply is returned as an error.
func skipReply(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if len(line) < 3 {
		return fmt.Errorf("bad reply %q", line)
	}
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '-':
		return errors.New(body)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil {
			return err
		}
		if n >= 0 {
			_, err = br.Discard(n + 2)
		}
		return err
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil {
			return err
		}
		for range n {
			if err := skipReply(br); err != nil {
				return err
			}
		}
	}
	return nil
}
