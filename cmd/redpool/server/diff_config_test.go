package server_test

import (
	"strconv"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffConfigSet compares CONFIG SET with a real Redis, byte for byte:
// every parameter redpool lets a client set, with good and bad values of
// each kind, each followed by CONFIG GET; then several parameters in one
// CONFIG SET, which is all or nothing.
func TestDiffConfigSet(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run("resp"+strconv.Itoa(proto), func(t *testing.T) {
			// A Redis of its own: the test changes its settings.
			r := servertest.StartRedis(t)
			s := servertest.Start(t)
			diffConfigSet(t, servertest.NewDiff(t, r.Addr, s.Addr, proto))
		})
	}
}

func diffConfigSet(t *testing.T, d *servertest.Diff) {
	params := []string{
		"list-max-listpack-size", "list-max-ziplist-size", "list-compress-depth",
		"hash-max-listpack-entries", "hash-max-ziplist-entries", "hash-max-listpack-value", "hash-max-ziplist-value",
		"set-max-intset-entries", "zset-max-listpack-entries", "zset-max-ziplist-entries",
		"zset-max-listpack-value", "zset-max-ziplist-value",
		"maxmemory", "maxmemory-policy", "maxmemory-samples",
		"lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del", "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush",
		"activerehashing", "hz", "dynamic-hz", "tcp-keepalive", "loglevel",
		"slowlog-log-slower-than", "slowlog-max-len", "latency-monitor-threshold",
		"stop-writes-on-bgsave-error", "rdbcompression", "aof-use-rdb-preamble", "aof-load-truncated", "no-appendfsync-on-rewrite",
		"protected-mode", "replica-read-only", "slave-read-only", "busy-reply-threshold", "lua-time-limit",
		"timeout", "proto-max-bulk-len", "maxclients",
	}
	// Immutable or protected in Redis too; their values differ by setup.
	for _, p := range []string{"tcp-backlog", "rdbchecksum", "io-threads", "daemonize", "supervised", "pidfile", "logfile",
		"unixsocket", "databases", "dir", "dbfilename"} {
		d.Do("CONFIG", "SET", p, "1")
		d.Do("CONFIG", "SET", p, "bogus")
	}
	values := []string{
		"bogus", "", "-1", "0", "1", "7", "+1", " 1", "01", "-0", "1.5",
		"2kb", "3K", "1GB", "kb", "1x", "YES", "no", "Yes",
		"2147483647", "2147483648", "-2147483648", "-2147483649",
		"9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
		"allkeys-LRU", "volatile-ttl", "warning", "DEBUG", "nothing",
	}
	for _, p := range params {
		def := d.Do("CONFIG", "GET", p)
		for _, v := range values {
			if p == "maxclients" && len(v) > 5 {
				// Redis walks down to the file limit 16 descriptors
				// per setrlimit call: minutes from 2^31.
				continue
			}
			d.Do("CONFIG", "SET", p, v)
			d.Do("CONFIG", "GET", p)
		}
		// Back to the default, as far as it parses back (both servers
		// hold the same value whatever happens).
		if v := lastBulk(def); v != "" {
			d.Both("CONFIG", "SET", p, v)
		}
	}
	for _, v := range []string{"", "KEA", "A", "gx$KAE", "KEnd", "g$lshzxetdnKEm", "AKEmn", "KEm", "Q", "a", "Kx "} {
		d.Do("CONFIG", "SET", "notify-keyspace-events", v)
		d.Do("CONFIG", "GET", "notify-keyspace-events")
	}
	for _, v := range []string{
		"normal 0 0 0", "NORMAL 1mb 2kb 3", "replica 10 20 30", "slave 1 2 3 pubsub 4 5 6", "master 0 0 0", "foo 0 0 0",
		"normal 0 0", "normal x 0 0", "normal 0 -1 0", "normal 0 0 -1", "normal 0 0 +5", "normal 0 0 ", "normal  0 0 0", "",
		"normal 1 1 1 pubsub x 0 0",
	} {
		d.Do("CONFIG", "SET", "client-output-buffer-limit", v)
		d.Do("CONFIG", "GET", "client-output-buffer-limit")
	}
	for _, c := range [][]string{
		{"CONFIG", "SET", "hz", "20", "maxmemory", "bogus"}, {"CONFIG", "GET", "hz"},
		{"CONFIG", "SET", "maxmemory", "5", "hz", "x"}, {"CONFIG", "GET", "maxmemory"},
		{"CONFIG", "SET", "hz", "20", "HZ", "30"}, {"CONFIG", "SET", "hz", "20", "daemonize", "no"},
		{"CONFIG", "SET", "daemonize", "no", "bogus", "1"}, {"CONFIG", "SET", "bogus", "1", "daemonize", "no"},
		{"CONFIG", "SET", "hz", "x", "bogus", "1"}, {"CONFIG", "GET", "hz"},
		{"CONFIG", "SET", "hz", "20", "maxmemory", "1mb", "loglevel", "verbose"},
		{"CONFIG", "GET", "hz"}, {"CONFIG", "GET", "maxmemory"}, {"CONFIG", "GET", "loglevel"},
		{"CONFIG", "SET", "list-max-ziplist-size", "1", "list-max-listpack-size", "2"},
		{"CONFIG", "GET", "list-max-ziplist-size"},
		{"CONFIG", "SET", "hz", "1", "2"}, {"CONFIG", "SET", "hz"}, {"CONFIG", "SET"},
		{"CONFIG", "SET", "LOGLEVEL", "bogus"}, {"CONFIG", "SET", "Maxmemory-Policy", "ALLKEYS-LFU"},
		{"CONFIG", "GET", "maxmemory-policy"},
		{"CONFIG", "SET", "hz", "0"}, {"CONFIG", "GET", "hz"}, {"CONFIG", "SET", "hz", "100000"}, {"CONFIG", "GET", "hz"},
	} {
		d.Do(c...)
	}
	t.Logf("compared %d commands with Redis", d.Cases)
}

// lastBulk returns the last bulk string of a raw CONFIG GET reply.
func lastBulk(raw string) string {
	parts := splitLines(raw)
	if len(parts) < 2 {
		return ""
	}
	return parts[len(parts)-1]
}

func splitLines(raw string) []string {
	var out []string
	for len(raw) > 0 {
		i := 0
		for i+1 < len(raw) && raw[i:i+2] != "\r\n" {
			i++
		}
		out = append(out, raw[:i])
		if i+2 > len(raw) {
			break
		}
		raw = raw[i+2:]
	}
	return out
}
