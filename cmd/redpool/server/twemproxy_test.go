package server_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// twemproxyConfig is the example config of the README: one pool of
// redpool nodes, keys spread by ketama over fnv1a_64 hashes.
const twemproxyConfig = `redpool:
  listen: %s
  hash: fnv1a_64
  distribution: ketama
  redis: true
  auto_eject_hosts: false
  servers:
%s`

// TestTwemproxy: three redpool nodes behind twemproxy (Debian's
// nutcracker): keys spread over the nodes, multi-key commands split and
// joined by the proxy, scripts routed by their key; the commands a proxy
// refuses (MULTI, blocking pops, Pub/Sub) close the client's connection,
// as twemproxy does with Redis.
func TestTwemproxy(t *testing.T) {
	bin := servertest.LookTool(t, "nutcracker", "nutcracker", "TWEMPROXY TEST")
	var nodes []*servertest.Conn
	var servers strings.Builder
	for i := range 3 {
		srv := servertest.Start(t)
		nodes = append(nodes, servertest.Dial(t, srv.Addr))
		fmt.Fprintf(&servers, "   - %s:1 s%d\n", srv.Addr, i+1)
	}
	dir := t.TempDir()
	listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(servertest.FreePort(t)))
	conf := filepath.Join(dir, "nutcracker.yml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(twemproxyConfig, listen, servers.String())), 0o644); err != nil {
		t.Fatal(err)
	}
	servertest.StartTool(t, listen, bin, "-c", conf, "-s", strconv.Itoa(servertest.FreePort(t)), "-o", filepath.Join(dir, "nutcracker.log"))
	p := servertest.Dial(t, listen)
	const n = 300
	for i := range n {
		p.Expect("+OK\r\n", "SET", "key:"+strconv.Itoa(i), strconv.Itoa(i))
	}
	total := 0
	for i, c := range nodes {
		size := c.Do("DBSIZE")
		k, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(size, ":"), "\r\n"))
		if k == 0 {
			logText, _ := os.ReadFile(filepath.Join(dir, "nutcracker.log"))
			confText, _ := os.ReadFile(conf)
			t.Fatalf("node %d got no key (DBSIZE %q)\n%s\n%s", i, size, confText, logText)
		}
		total += k
	}
	if total != n {
		t.Fatalf("the nodes hold %d keys, want %d", total, n)
	}
	p.Expect("*3\r\n$1\r\n0\r\n$-1\r\n$3\r\n299\r\n", "MGET", "key:0", "nokey", "key:299")
	p.Expect(":2\r\n", "DEL", "key:0", "key:1", "nokey")
	p.Expect(":1\r\n", "INCR", "counter")
	p.Expect(":2\r\n", "HSET", "h", "f", "1", "g", "2")
	p.Expect("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "HMGET", "h", "f", "g")
	p.Expect(":3\r\n", "RPUSH", "l", "a", "b", "c")
	p.Expect("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE", "l", "1", "-1")
	p.Expect(":1\r\n", "EXPIRE", "l", "100")
	p.Expect(":100\r\n", "TTL", "l")
	p.Expect("$3\r\n299\r\n", "EVAL", "return redis.call('GET', KEYS[1])", "1", "key:299")
	p.Expect("+OK\r\n", "MSET", "m1", "a", "m2", "b")
	p.Expect("*2\r\n$1\r\na\r\n$1\r\nb\r\n", "MGET", "m1", "m2")
	for _, refused := range [][]string{{"MULTI"}, {"BLPOP", "l", "1"}, {"SUBSCRIBE", "ch"}} {
		c := servertest.Dial(t, listen)
		c.Send(refused...)
		c.ExpectClosed()
	}
}
