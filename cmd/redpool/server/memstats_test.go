package server_test

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// memStatsField reads one integer field of MEMORY STATS's RESP2 reply.
func memStatsField(t *testing.T, c *servertest.Conn, name string) int64 {
	t.Helper()
	lines := strings.Split(c.Do("MEMORY", "STATS"), "\r\n")
	for i := 0; i+3 < len(lines); i++ {
		if lines[i] == "$"+strconv.Itoa(len(name)) && lines[i+1] == name {
			n, err := strconv.ParseInt(strings.TrimPrefix(lines[i+2], ":"), 10, 64)
			if err != nil {
				t.Fatalf("MEMORY STATS %s: %q", name, lines[i+2])
			}
			return n
		}
	}
	t.Fatalf("MEMORY STATS has no %s", name)
	return 0
}

// TestMemoryStatsBuffers: MEMORY STATS reports the replication backlog and
// the clients' buffers as INFO memory does, and counts them in its
// overhead, as Redis 7.0 does.
func TestMemoryStatsBuffers(t *testing.T) {
	ps := servertest.Start(t)
	rs := servertest.Start(t)
	p := servertest.Dial(t, ps.Addr)
	r := servertest.Dial(t, rs.Addr)
	if n := memStatsField(t, p, "replication.backlog"); n != 0 {
		t.Fatalf("replication.backlog before any replica: %d", n)
	}
	p.Do("SET", "k", strings.Repeat("v", 1000))
	host, port, _ := net.SplitHostPort(ps.Addr)
	r.Expect("+OK\r\n", "REPLICAOF", host, port)
	waitReplicated(t, p, r)
	p.Do("SET", "k2", strings.Repeat("w", 1000)) // the backlog holds what came after the sync
	waitReplicated(t, p, r)
	backlog := memStatsField(t, p, "replication.backlog")
	info := ops14InfoLine(t, p.Do("INFO", "memory"), "mem_replication_backlog")
	if backlog <= 0 || strconv.FormatInt(backlog, 10) != info {
		t.Fatalf("MEMORY STATS replication.backlog %d, INFO mem_replication_backlog %s", backlog, info)
	}
	// Each reply is counted while it is being built, so the two figures
	// differ by what this client's own replies hold: both hold something.
	clients := memStatsField(t, p, "clients.normal")
	info = ops14InfoLine(t, p.Do("INFO", "memory"), "mem_clients_normal")
	if clients <= 0 || info == "0" {
		t.Fatalf("MEMORY STATS clients.normal %d, INFO mem_clients_normal %s", clients, info)
	}
	startup, overhead := memStatsField(t, p, "startup.allocated"), memStatsField(t, p, "overhead.total")
	if overhead < startup+backlog+clients/2 {
		t.Fatalf("overhead.total %d does not count startup %d + backlog %d + clients ~%d", overhead, startup, backlog, clients)
	}
}
