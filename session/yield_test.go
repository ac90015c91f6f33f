package session_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"

	"redpool/session/resp"
)

// TestDeepPipelinesOneThread runs deep pipelines of transactions from
// several clients at once with one thread running Go code, where a
// session yields between its batch and its replies (yieldBatch): every
// client gets exactly its replies, in order.
func TestDeepPipelinesOneThread(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	_, _, addr := serveAddr(t) // sessions start with GOMAXPROCS 1
	const clients, depth, rounds = 8, 16, 40
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- pipelineTransactions(addr, i, depth, rounds)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// pipelineTransactions sends rounds writes of depth transactions
// MULTI; SET k<i> v; INCR n<i>; EXEC and checks every reply byte for byte.
func pipelineTransactions(addr string, i, depth, rounds int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	br := bufio.NewReader(c)
	k, n := fmt.Sprint("k", i), fmt.Sprint("n", i)
	var req []byte
	for range depth {
		for _, args := range [][]string{{"MULTI"}, {"SET", k, "v"}, {"INCR", n}, {"EXEC"}} {
			req = resp.AppendCommandStrings(req, args...)
		}
	}
	count := 0
	for range rounds {
		if _, err := c.Write(req); err != nil {
			return err
		}
		var want strings.Builder
		for range depth {
			count++
			fmt.Fprintf(&want, "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:%d\r\n", count)
		}
		got := make([]byte, want.Len())
		if _, err := io.ReadFull(br, got); err != nil {
			return err
		}
		if string(got) != want.String() {
			return fmt.Errorf("client %d: replies %q, want %q", i, got, want.String())
		}
	}
	return nil
}
