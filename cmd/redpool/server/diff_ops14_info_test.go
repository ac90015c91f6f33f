package server_test

import (
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffOps14KeyspaceHits compares keyspace_hits and keyspace_misses
// with a real Redis after the same read commands, run alone, in EXEC and
// from scripts, with hits, misses, a wrong type and errors before any
// lookup; writes count neither, but for their reads of a key (GETDEL,
// SET ... GET, COPY, *STORE, BITOP, PFMERGE); CONFIG RESETSTAT zeroes
// both.
func TestDiffOps14KeyspaceHits(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		d := servertest.NewDiff(t, r.Addr, servertest.Start(t, servertest.WithConfig(b.Apply)).Addr, proto)
		d.Do("CONFIG", "RESETSTAT")
		ops14CompareInfo(t, d, "keyspace_hits", "keyspace_misses")
		for _, c := range [][]string{
			{"SET", "a", "1"}, {"RPUSH", "l", "x", "y"}, {"HSET", "h", "f", "v"}, {"SADD", "s", "m"}, {"ZADD", "z", "1", "m"},
			{"INCR", "n"}, {"DEL", "nokey"},
			{"GET", "a"}, {"GET", "nokey"}, {"MGET", "a", "nokey", "a"}, {"EXISTS", "a", "nokey", "l"},
			{"TYPE", "a"}, {"TYPE", "nokey"}, {"TTL", "nokey"}, {"PTTL", "a"}, {"STRLEN", "nokey"},
			{"LRANGE", "l", "0", "-1"}, {"LLEN", "nokey"}, {"LINDEX", "l", "0"}, {"GET", "l"}, {"LLEN", "a"},
			{"HGET", "h", "f"}, {"HGET", "h", "nofield"}, {"HGETALL", "nokey"}, {"SISMEMBER", "s", "m"},
			{"SINTER", "s", "nokey"}, {"SUNION", "s", "s"}, {"ZSCORE", "z", "m"}, {"ZRANGE", "z", "0", "-1"},
			{"OBJECT", "ENCODING", "a"}, {"OBJECT", "ENCODING", "nokey"}, {"DUMP", "nokey"},
			{"GET"}, {"MGET"}, {"ZRANGE", "z", "0"}, {"LRANGE", "l", "x", "1"},
			{"MULTI"}, {"GET", "a"}, {"GET", "nokey"}, {"LLEN", "l"}, {"EXEC"},
			{"EVAL", "return redis.call('get', KEYS[1])", "1", "a"},
			{"EVAL", "return redis.call('exists', KEYS[1], KEYS[2])", "2", "a", "nokey"},
			{"EVAL_RO", "return redis.call('get', KEYS[1])", "1", "nokey"},
		} {
			d.Do(c...)
		}
		ops14CompareInfo(t, d, "keyspace_hits", "keyspace_misses")
		// Write commands that look keys up for reading.
		for _, c := range [][]string{
			{"SET", "g1", "v"}, {"SET", "g2", "v"}, {"GETDEL", "g1"}, {"GETDEL", "nokey"}, {"GETEX", "g2", "PERSIST"},
			{"GETEX", "nokey"}, {"SET", "g2", "w", "GET"}, {"SET", "g3", "w", "GET"},
			{"COPY", "g2", "g4"}, {"COPY", "nokey", "g5"}, {"COPY", "g2", "g4"},
			{"SUNIONSTORE", "dst", "s", "nokey"}, {"SINTERSTORE", "dst", "nokey", "s"},
			{"ZUNIONSTORE", "zdst", "2", "z", "nokey"}, {"ZINTERSTORE", "zdst", "1", "z"},
			{"BITOP", "OR", "bdst", "a", "nokey"}, {"PFADD", "hll", "x"}, {"PFMERGE", "hdst", "hll", "nokey"},
			{"GEOADD", "geo", "13.36", "38.11", "p"}, {"GEOSEARCHSTORE", "gdst", "geo", "FROMLONLAT", "13", "38", "BYRADIUS", "500", "km"},
			{"GEOSEARCHSTORE", "gdst", "nokey", "FROMLONLAT", "13", "38", "BYRADIUS", "500", "km"},
		} {
			d.Do(c...)
		}
		ops14CompareInfo(t, d, "keyspace_hits", "keyspace_misses")
		d.Do("CONFIG", "RESETSTAT")
		ops14CompareInfo(t, d, "keyspace_hits", "keyspace_misses")
		d.Do("GET", "a")
		ops14CompareInfo(t, d, "keyspace_hits", "keyspace_misses")
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// TestDiffOps14InfoFigures checks, against a real Redis, the INFO figures
// that are each server's own (type only): total_reads_processed and
// total_writes_processed count the socket's reads and writes (one of
// each per request and reply here, and zeroed by CONFIG RESETSTAT), and
// client_recent_max_input_buffer and client_recent_max_output_buffer are
// byte counts.
func TestDiffOps14InfoFigures(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		d := servertest.NewDiff(t, r.Addr, servertest.Start(t, servertest.WithConfig(b.Apply)).Addr, proto)
		rc, pc := d.Conns()
		for _, c := range []*servertest.Conn{rc, pc} {
			c.Do("CONFIG", "RESETSTAT")
			for range 5 {
				c.Do("PING")
			}
			info := c.Do("INFO", "everything")
			for _, f := range []string{"total_reads_processed", "total_writes_processed"} {
				// The requests since RESETSTAT: PING x5, INFO (its reply is
				// not written yet); RESETSTAT's reply was.
				n := ops14InfoInt(t, info, f)
				if n < 5 || n > 7 {
					t.Errorf("%s = %d after CONFIG RESETSTAT and 5 PINGs, want 5..7", f, n)
				}
			}
			for _, f := range []string{"client_recent_max_input_buffer", "client_recent_max_output_buffer"} {
				if n := ops14InfoInt(t, info, f); n < 0 {
					t.Errorf("%s = %d", f, n)
				}
			}
		}
	})
}

// ops14CompareInfo compares the INFO fields named with Redis's.
func ops14CompareInfo(t *testing.T, d *servertest.Diff, fields ...string) {
	t.Helper()
	rc, pc := d.Conns()
	want, got := rc.Do("INFO", "stats"), pc.Do("INFO", "stats")
	for _, f := range fields {
		if w, g := ops14InfoInt(t, want, f), ops14InfoInt(t, got, f); w != g {
			t.Errorf("INFO %s: redpool %d, Redis %d", f, g, w)
		}
	}
}

// ops14InfoInt returns the integer field name of a raw INFO reply.
func ops14InfoInt(t *testing.T, raw, name string) int64 {
	t.Helper()
	for _, line := range strings.Split(raw, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("INFO %s: %q is not an integer", name, v)
			}
			return n
		}
	}
	t.Fatalf("INFO has no %s", name)
	return 0
}
