package server_test

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// TestDiffInfoDumpSanitizations compares dump_payload_sanitizations with
// a real Redis: RESTORE of values of every packed encoding with
// sanitize-dump-payload yes and no, and CONFIG RESETSTAT.
func TestDiffInfoDumpSanitizations(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		rc, pc := d.Conns()
		d.Do("CONFIG", "RESETSTAT")
		for _, c := range [][]string{
			{"SET", "str", "v"}, {"RPUSH", "l", "a", "b"}, {"HSET", "h", "f", "v"}, {"ZADD", "z", "1", "m"},
			{"SADD", "is", "1", "2"}, {"SADD", "hs", "x"}, {"XADD", "x", "1-1", "f", "v"}, {"XADD", "x", "2-1", "f", "v"},
		} {
			d.Do(c...)
		}
		keys := []string{"str", "l", "h", "z", "is", "hs", "x"}
		dumps := map[string]string{}
		for _, k := range keys {
			raw := rc.Do("DUMP", k)
			dumps[k] = infoCountersBulk(t, raw)
		}
		check := func() {
			t.Helper()
			want := ops14InfoLine(t, rc.Do("INFO", "stats"), "dump_payload_sanitizations")
			got := ops14InfoLine(t, pc.Do("INFO", "stats"), "dump_payload_sanitizations")
			if got != want {
				t.Errorf("dump_payload_sanitizations = %s, Redis %s", got, want)
			}
		}
		for _, mode := range []string{"no", "yes"} {
			d.Do("CONFIG", "SET", "sanitize-dump-payload", mode)
			for _, k := range keys {
				d.Do("RESTORE", k, "0", dumps[k], "REPLACE")
				check()
			}
		}
		if n := ops14InfoLine(t, rc.Do("INFO", "stats"), "dump_payload_sanitizations"); n != "5" {
			t.Fatalf("Redis counted %s sanitizations, the test expects 5 (a list node, a hash, a zset, an intset, a stream node)", n)
		}
		d.Do("CONFIG", "RESETSTAT")
		check()
		d.Do("CONFIG", "SET", "sanitize-dump-payload", "no")
	})
}

// infoCountersBulk returns the payload of a RESP bulk string reply.
func infoCountersBulk(t *testing.T, raw string) string {
	t.Helper()
	i := 1
	for i < len(raw) && raw[i] != '\r' {
		i++
	}
	n, err := strconv.Atoi(raw[1:i])
	if err != nil || raw[0] != '$' {
		t.Fatalf("not a bulk string: %q", raw)
	}
	return raw[i+2 : i+2+n]
}

// TestInfoReplBytes checks total_net_repl_output_bytes on a primary and
// total_net_repl_input_bytes on its replica: nothing before a replica,
// then the same figure on both sides (the RDB of the full sync and the
// stream, as Redis counts them: a Redis pair shows the same equality),
// growing with writes; CONFIG RESETSTAT zeroes them.
func TestInfoReplBytes(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		ps := servertest.Start(t, servertest.WithConfig(b.Apply))
		rs := servertest.Start(t, servertest.WithConfig(func(c *config.Config) { b.Apply(c) }))
		p := servertest.Dial(t, ps.Addr)
		r := servertest.Dial(t, rs.Addr)
		field := func(c *servertest.Conn, name string) int64 {
			n, err := strconv.ParseInt(ops14InfoLine(t, c.Do("INFO", "stats"), name), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := field(p, "total_net_repl_output_bytes"); n != 0 {
			t.Fatalf("repl output before any replica: %d", n)
		}
		p.Do("SET", "before", "1")
		host, port, _ := net.SplitHostPort(ps.Addr)
		r.Expect("+OK\r\n", "REPLICAOF", host, port)
		waitReplicated(t, p, r)
		equal := func() int64 {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for {
				out, in := field(p, "total_net_repl_output_bytes"), field(r, "total_net_repl_input_bytes")
				if out == in && out > 0 {
					return out
				}
				if time.Now().After(deadline) {
					t.Fatalf("primary wrote %d replication bytes, replica read %d", out, in)
				}
				time.Sleep(10 * time.Millisecond) // polling a condition, not synchronising
			}
		}
		first := equal()
		p.Do("SET", "after", "some value")
		waitReplicated(t, p, r)
		if second := equal(); second < first+int64(len("*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$10\r\nsome value\r\n")) {
			t.Fatalf("repl bytes grew from %d to %d for one SET", first, second)
		}
		if n := field(p, "total_net_repl_input_bytes"); n != 0 {
			t.Fatalf("primary repl input: %d", n)
		}
		p.Expect("+OK\r\n", "CONFIG", "RESETSTAT")
		if n := field(p, "total_net_repl_output_bytes"); n != 0 {
			t.Fatalf("after RESETSTAT: %d", n)
		}
	})
}

// TestDiffInfoExpireCycle compares the active expiry's figures with a real
// Redis on the memory backend (bolt deletes every due key from its expiry
// index without sampling: its figures stay 0): avg_ttl in INFO keyspace
// (the estimate from the cycle's samples, within 10% of Redis's for keys
// of the same TTL), expired_stale_perc after many keys expired at once
// (above 0 on both), and the shape of expire_cycle_cpu_milliseconds and
// expired_time_cap_reached_count.
func TestDiffInfoExpireCycle(t *testing.T) {
	r := servertest.StartRedis(t)
	s := servertest.Start(t)
	rc, pc := servertest.Dial(t, r.Addr), servertest.Dial(t, s.Addr)
	for _, c := range []*servertest.Conn{rc, pc} {
		c.Do("FLUSHALL")
		for i := range 300 {
			c.Do("SET", "long:"+strconv.Itoa(i), "v", "PX", "1000000")
			c.Do("SET", "short:"+strconv.Itoa(i), "v", "PX", "50")
		}
	}
	avgTTL := func(c *servertest.Conn) int64 {
		line := ops14InfoLine(t, c.Do("INFO", "keyspace"), "db0")
		_, v, _ := strings.Cut(line, "avg_ttl=")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("db0 line %q", line)
		}
		return n
	}
	stats := func(c *servertest.Conn, name string) string {
		return ops14InfoLine(t, c.Do("INFO", "stats"), name)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		rt, pt := avgTTL(rc), avgTTL(pc)
		// Both estimate the same 1000 s TTL from their samples: wait until
		// they agree within 10% (each moves 2% a sampling round).
		near := rt > 0 && pt > 0 && float64(pt-rt) < 0.1*float64(rt) && float64(rt-pt) < 0.1*float64(rt)
		if near && stats(rc, "expired_keys") == "300" && stats(pc, "expired_keys") == "300" {
			t.Logf("avg_ttl redpool %d, Redis %d", pt, rt)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no avg_ttl or expiry: redpool %q, Redis %q", ops14InfoLine(t, pc.Do("INFO", "keyspace"), "db0"), ops14InfoLine(t, rc.Do("INFO", "keyspace"), "db0"))
		}
		time.Sleep(50 * time.Millisecond) // polling a condition, not synchronising
	}
	for _, name := range []string{"expired_stale_perc", "expire_cycle_cpu_milliseconds", "expired_time_cap_reached_count"} {
		rv, pv := stats(rc, name), stats(pc, name)
		t.Logf("%s: redpool %s, Redis %s", name, pv, rv)
		if _, err := strconv.ParseFloat(pv, 64); err != nil {
			t.Errorf("%s = %q", name, pv)
		}
	}
	if stats(pc, "expired_stale_perc") == "0.00" && stats(rc, "expired_stale_perc") != "0.00" {
		t.Errorf("expired_stale_perc 0.00, Redis %s", stats(rc, "expired_stale_perc"))
	}
	pc.Expect("+OK\r\n", "CONFIG", "RESETSTAT")
	if got := stats(pc, "expire_cycle_cpu_milliseconds"); got != "0" {
		t.Errorf("expire_cycle_cpu_milliseconds after RESETSTAT: %s", got)
	}
}
