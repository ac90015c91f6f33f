package server_test

import (
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffOps14ConfigParams compares with a real Redis the parameters of
// Redis 7.0's CONFIG GET * that redpool added last (issue 14): their
// defaults, good and bad values of each kind, and the immutable ones;
// then that CONFIG GET * names the same parameters (but for the cluster
// ones and redpool's own config-file).
func TestDiffOps14ConfigParams(t *testing.T) {
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		// A Redis of its own: the test changes its settings.
		r := servertest.StartRedis(t)
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		values := []string{"bogus", "", "-1", "0", "1", "5", "99", "100", "1000", "1001", "65535", "65536", "2kb", "1mb",
			"9223372036854775807", "9223372036854775808", "yes", "NO", "relative", "Absolute", "panic", "panic-on-replicas",
			"ignore", "save", "nosave", "now force", "save nosave", "default", "default save", " save", "SAVE NOW",
			"1 2 3", "-2000 0 2000", "2001 0 0", "1 2", "1  2 3", "x 1 2", "+1 2 3",
			"{title}", "{bogus}", "x{title", "x}", "{{}}", "   ", "{port} {tls-port} {unixsocket} {config-file}",
			"1.2.3.4", "resetchannels"}
		for _, p := range []string{
			"activedefrag", "active-defrag-cycle-min", "active-defrag-cycle-max", "active-defrag-ignore-bytes",
			"active-defrag-max-scan-fields", "active-defrag-threshold-lower", "active-defrag-threshold-upper",
			"active-expire-effort", "jemalloc-bg-thread", "crash-log-enabled", "crash-memcheck-enabled",
			"aof-disable-auto-gc", "aof-rewrite-incremental-fsync", "aof-timestamp-enabled", "rdb-save-incremental-fsync",
			"rdb-del-sync-files", "repl-disable-tcp-nodelay", "replica-ignore-disk-write-errors",
			"replica-announce-ip", "replica-announce-port", "slave-announce-ip", "slave-announce-port",
			"bind-source-addr", "ignore-warnings", "oom-score-adj", "oom-score-adj-values", "proc-title-template",
			"propagation-error-behavior", "shutdown-on-sigint", "shutdown-on-sigterm", "shutdown-timeout",
			"slave-priority", "slave-serve-stale-data", "slave-lazy-flush", "slave-ignore-maxmemory",
			"repl-ping-slave-period", "min-slaves-to-write", "min-slaves-max-lag",
			"aclfile", "always-show-logo", "appenddirname", "disable-thp", "enable-module-command",
			"enable-protected-configs", "io-threads-do-reads", "set-proc-title", "socket-mark-id", "syslog-enabled",
			"syslog-facility", "syslog-ident", "unixsocketperm", "server_cpulist", "bio_cpulist", "aof_rewrite_cpulist",
			"bgsave_cpulist", "replicaof", "slaveof",
		} {
			def := d.Do("CONFIG", "GET", p)
			for _, v := range values {
				d.Do("CONFIG", "SET", p, v)
				d.Do("CONFIG", "GET", p)
			}
			if v := lastBulk(def); v != "" {
				d.Both("CONFIG", "SET", p, v)
			}
		}
		// acl-pubsub-default is resetchannels only (redpool's ACL).
		for _, v := range []string{"bogus", "", "resetchannels", "RESETCHANNELS"} {
			d.Do("CONFIG", "SET", "acl-pubsub-default", v)
			d.Do("CONFIG", "GET", "acl-pubsub-default")
		}
		// An alias and its name share the value.
		for _, c := range [][]string{
			{"CONFIG", "SET", "slave-priority", "7"}, {"CONFIG", "GET", "replica-priority"},
			{"CONFIG", "SET", "replica-announce-port", "6000"}, {"CONFIG", "GET", "slave-announce-port"},
			{"CONFIG", "GET", "slave*"}, {"CONFIG", "GET", "active-defrag-*"}, {"CONFIG", "GET", "*cpulist"},
		} {
			d.DoPairsUnordered(c...)
		}
		rc, pc := d.Conns()
		rNames, pNames := ops14ConfigNames(rc.Do("CONFIG", "GET", "*")), ops14ConfigNames(pc.Do("CONFIG", "GET", "*"))
		for n := range rNames {
			if !pNames[n] && !ops14OwnOrCluster(n) {
				t.Errorf("CONFIG GET * of Redis has %q, redpool has not", n)
			}
		}
		for n := range pNames {
			if !rNames[n] && !ops14OwnOrCluster(n) {
				t.Errorf("CONFIG GET * of redpool has %q, Redis has not", n)
			}
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// ops14OwnOrCluster: parameters one server has and the other need not.
func ops14OwnOrCluster(name string) bool {
	return name == "config-file" || len(name) > 8 && name[:8] == "cluster-"
}

// ops14ConfigNames returns the parameter names of a raw CONFIG GET reply
// (RESP2 array or RESP3 map of bulk strings).
func ops14ConfigNames(raw string) map[string]bool {
	var bulks []string
	lines := splitLines(raw)
	for i := 0; i+1 < len(lines); i++ {
		if lines[i] != "" && lines[i][0] == '$' {
			bulks = append(bulks, lines[i+1])
			i++
		}
	}
	names := make(map[string]bool)
	for i := 0; i < len(bulks); i += 2 {
		names[bulks[i]] = true
	}
	return names
}
