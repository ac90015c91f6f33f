// Command idleclients holds idle client connections open for the memory
// benchmark (bench/memory.sh): it connects n clients to addr, has each
// send one PING and read its +PONG (so that the server has set the
// connection up as a client), prints "ready", then holds them open, idle,
// until its standard input closes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server address")
	n := flag.Int("n", 10000, "number of idle clients")
	flag.Parse()
	conns, err := open(*addr, *n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "idleclients:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		_ = c.Close()
	}
}

// open connects n clients and pings each once.
func open(addr string, n int) ([]net.Conn, error) {
	conns := make([]net.Conn, 0, n)
	for i := range n {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			return conns, fmt.Errorf("client %d: %w", i, err)
		}
		conns = append(conns, c)
		if _, err := io.WriteString(c, "PING\r\n"); err != nil {
			return conns, fmt.Errorf("client %d: %w", i, err)
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || line != "+PONG\r\n" {
			return conns, fmt.Errorf("client %d: got %q, %v", i, line, err)
		}
	}
	return conns, nil
}
