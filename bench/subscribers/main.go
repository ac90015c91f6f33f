// Command subscribers holds Pub/Sub subscribers open for the benchmarks
// (bench/compare.sh): it connects n clients to addr, subscribes each to
// channel, prints "ready" once every subscription is confirmed, then reads
// and discards what arrives until it is killed or a connection closes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server address")
	n := flag.Int("n", 1, "number of subscribers")
	channel := flag.String("channel", "bench", "channel to subscribe to")
	flag.Parse()
	if err := run(*addr, *n, *channel); err != nil {
		fmt.Fprintln(os.Stderr, "subscribers:", err)
		os.Exit(1)
	}
}

func run(addr string, n int, channel string) error {
	conns := make([]net.Conn, 0, n)
	req := fmt.Sprintf("*2\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n", len(channel), channel)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		conns = append(conns, c)
		if _, err := io.WriteString(c, req); err != nil {
			return err
		}
		// The confirmation: *3, $9, subscribe, $len, channel, :count.
		br := bufio.NewReader(c)
		for range 6 {
			if _, err := br.ReadSlice('\n'); err != nil {
				return err
			}
		}
	}
	fmt.Println("ready")
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = io.Copy(io.Discard, c)
		}()
	}
	wg.Wait()
	return nil
}
