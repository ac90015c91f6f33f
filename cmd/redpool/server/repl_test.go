package server_test

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// Replication end to end, with real redis-server processes on both sides:
// a Redis replica of a redpool primary, a redpool replica of a Redis
// primary, and redpool replicas of redpool (memory and bolt).

// rawInfoField returns field of INFO section from a raw bulk reply.
func rawInfoField(raw, field string) string {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(field) + `:(.*)\r$`).FindStringSubmatch(raw)
	if m == nil {
		return ""
	}
	return m[1]
}

// waitReplicated polls until the replica's link is up and its offset is
// the primary's, and fails after 20 s.
func waitReplicated(t *testing.T, primary, replica *servertest.Conn) {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("replicated in %v", time.Since(start)) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		p := primary.Do("INFO", "replication")
		r := replica.Do("INFO", "replication")
		po, ro := rawInfoField(p, "master_repl_offset"), rawInfoField(r, "slave_repl_offset")
		if rawInfoField(r, "master_link_status") == "up" && po != "" && po == ro {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica not in sync after 20 s:\nprimary:\n%s\nreplica:\n%s", p, r)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeEveryType writes values of every type, some with TTLs, in two
// databases, plus a function library.
func writeEveryType(t *testing.T, c *servertest.Conn, prefix string) {
	t.Helper()
	for i := range 200 {
		c.Expect("+OK\r\n", "SET", prefix+"s"+strconv.Itoa(i), strings.Repeat("v", i))
	}
	c.Expect("+OK\r\n", "SET", prefix+"ttl", "v", "PX", "600000")
	c.Do("RPUSH", prefix+"list", "a", "b", "c")
	c.Do("HSET", prefix+"hash", "f", "1", "g", "2")
	c.Do("SADD", prefix+"set", "a", "1", "b")
	c.Do("ZADD", prefix+"zset", "1", "a", "2.5", "b")
	c.Do("PFADD", prefix+"hll", "a", "b", "c")
	c.Do("SETBIT", prefix+"bits", "100", "1")
	c.Do("INCRBYFLOAT", prefix+"float", "1.5")
	c.Do("EXPIRE", prefix+"list", "1000")
	c.Do("SELECT", "3")
	c.Do("SET", prefix+"indb3", "x")
	c.Do("SELECT", "0")
	c.Do("MULTI")
	c.Do("INCR", prefix+"counter")
	c.Do("LPUSH", prefix+"list", "z")
	c.Do("EXEC")
	c.Do("EVAL", "redis.call('set', KEYS[1], 'fromlua') return 1", "1", prefix+"lua")
}

func sameDigest(t *testing.T, a, b *servertest.Conn) {
	t.Helper()
	for _, db := range []string{"0", "3"} {
		a.Do("SELECT", db)
		b.Do("SELECT", db)
		if da, db2 := a.Do("DEBUG", "DIGEST"), b.Do("DEBUG", "DIGEST"); da != db2 {
			t.Fatalf("db %s: DEBUG DIGEST differs: %q vs %q", db, da, db2)
		}
		if ka, kb := a.Do("DBSIZE"), b.Do("DBSIZE"); ka != kb {
			t.Fatalf("db %s: DBSIZE differs: %q vs %q", db, ka, kb)
		}
	}
	a.Do("SELECT", "0")
	b.Do("SELECT", "0")
}

func debugOn(c *config.Config) { c.DebugCommand = config.AllowYes }

func TestReplicationRedisReplicaOfRedpool(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(debugOn))
	p := servertest.Dial(t, srv.Addr)
	writeEveryType(t, p, "before:")
	host, port, _ := net.SplitHostPort(srv.Addr)
	red := servertest.StartRedis(t, "--enable-debug-command", "yes", "--replicaof", host, port)
	r := servertest.Dial(t, red.Addr)
	waitReplicated(t, p, r)
	writeEveryType(t, p, "after:")
	waitReplicated(t, p, r)
	sameDigest(t, p, r)

	info := p.Do("INFO", "replication")
	if got := rawInfoField(info, "connected_slaves"); got != "1" {
		t.Fatalf("connected_slaves = %q\n%s", got, info)
	}
	if !regexp.MustCompile(`slave0:ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+`).MatchString(info) {
		t.Fatalf("no slave0 line:\n%s", info)
	}
	// WAIT: the replica acknowledges everything written so far.
	p.Do("SET", "waited", "1")
	p.Expect(":1\r\n", "WAIT", "1", "5000")
	p.Expect(":1\r\n", "WAIT", "2", "100") // only one replica: the timeout, then 1
	role := p.Do("ROLE")
	if !strings.HasPrefix(role, "*3\r\n$6\r\nmaster\r\n:") {
		t.Fatalf("ROLE = %q", role)
	}

	// A cut link resyncs partially from the backlog.
	before := rawInfoField(p.Do("INFO", "stats"), "sync_partial_ok")
	r.Expect(":1\r\n", "CLIENT", "KILL", "TYPE", "master")
	p.Do("SET", "during-cut", "1")
	waitReplicated(t, p, r)
	if after := rawInfoField(p.Do("INFO", "stats"), "sync_partial_ok"); after != "1" || before != "0" {
		t.Fatalf("sync_partial_ok %s -> %s, want 0 -> 1", before, after)
	}
	if got := rawInfoField(p.Do("INFO", "stats"), "sync_full"); got != "1" {
		t.Fatalf("sync_full = %s, want 1", got)
	}
	r.Expect("$1\r\n1\r\n", "GET", "during-cut")
	sameDigest(t, p, r)
}

func TestReplicationRedpoolReplicaOfRedis(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		red := servertest.StartRedis(t, "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0")
		p := servertest.Dial(t, red.Addr)
		writeEveryType(t, p, "before:")
		p.Do("FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 7 end)")
		srv := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithConfig(debugOn))
		r := servertest.Dial(t, srv.Addr)
		r.Expect("$-1\r\n", "GET", "nothing")
		r.Expect("+OK\r\n", "SET", "mine", "1")
		host, port, _ := net.SplitHostPort(red.Addr)
		r.Expect("+OK\r\n", "REPLICAOF", host, port)
		r.Expect("+OK Already connected to specified master\r\n", "REPLICAOF", host, port)
		waitReplicated(t, p, r)
		writeEveryType(t, p, "after:")
		waitReplicated(t, p, r)
		sameDigest(t, p, r)
		r.Expect("$-1\r\n", "GET", "mine") // the full sync replaced the data
		r.Expect(":7\r\n", "FCALL", "myfunc", "0")
		r.Expect("-READONLY You can't write against a read only replica.\r\n", "SET", "x", "1")
		role := r.Do("ROLE")
		want := "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:" + port + "\r\n$9\r\nconnected\r\n:"
		if !strings.HasPrefix(role, want) {
			t.Fatalf("ROLE = %q, want prefix %q", role, want)
		}
		// The primary's view.
		if got := rawInfoField(p.Do("INFO", "replication"), "connected_slaves"); got != "1" {
			t.Fatalf("Redis sees %s replicas", got)
		}
		p.Do("SET", "w", "1")
		p.Expect(":1\r\n", "WAIT", "1", "5000")

		// A cut link resyncs partially.
		p.Expect(":1\r\n", "CLIENT", "KILL", "TYPE", "replica")
		p.Do("SET", "during-cut", "1")
		waitReplicated(t, p, r)
		if got := rawInfoField(p.Do("INFO", "stats"), "sync_partial_ok"); got != "1" {
			t.Fatalf("Redis sync_partial_ok = %s, want 1", got)
		}
		sameDigest(t, p, r)

		// Promotion: writable, a new id, the old one second.
		old := rawInfoField(r.Do("INFO", "replication"), "master_replid")
		r.Expect("+OK\r\n", "REPLICAOF", "NO", "ONE")
		info := r.Do("INFO", "replication")
		if rawInfoField(info, "role") != "master" || rawInfoField(info, "master_replid2") != old || rawInfoField(info, "master_replid") == old {
			t.Fatalf("after REPLICAOF NO ONE:\n%s", info)
		}
		r.Expect("+OK\r\n", "SET", "x", "1")
	})
}

func TestReplicationRedpoolChain(t *testing.T) {
	// A memory primary, a bolt replica of it (a durable copy), and a
	// memory replica of the replica.
	prim := servertest.Start(t, servertest.WithConfig(debugOn))
	p := servertest.Dial(t, prim.Addr)
	writeEveryType(t, p, "before:")
	var replicas []*servertest.Conn
	upstream := prim.Addr
	for _, b := range servertest.Backends() {
		srv := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithConfig(debugOn))
		r := servertest.Dial(t, srv.Addr)
		host, port, _ := net.SplitHostPort(upstream)
		r.Expect("+OK\r\n", "REPLICAOF", host, port)
		replicas = append(replicas, r)
		upstream = srv.Addr
	}
	writeEveryType(t, p, "after:")
	up := p
	for _, r := range replicas {
		waitReplicated(t, up, r)
		sameDigest(t, p, r)
		up = r
	}
}

// TestReplicationClientTypes: the link's clients have their types in
// CLIENT LIST and CLIENT KILL TYPE, on both sides.
func TestReplicationClientTypes(t *testing.T) {
	prim := servertest.Start(t)
	p := servertest.Dial(t, prim.Addr)
	rep := servertest.Start(t)
	r := servertest.Dial(t, rep.Addr)
	host, port, _ := net.SplitHostPort(prim.Addr)
	r.Expect("+OK\r\n", "REPLICAOF", host, port)
	p.Do("SET", "k", "v")
	waitReplicated(t, p, r)
	if list := p.Do("CLIENT", "LIST", "TYPE", "replica"); !strings.Contains(list, " flags=S ") {
		t.Fatalf("primary: CLIENT LIST TYPE replica = %q", list)
	}
	if list := r.Do("CLIENT", "LIST", "TYPE", "master"); !strings.Contains(list, " flags=M ") {
		t.Fatalf("replica: CLIENT LIST TYPE master = %q", list)
	}
	// Killing the link on the replica's side: it reconnects and resyncs
	// partially.
	r.Expect(":1\r\n", "CLIENT", "KILL", "TYPE", "master")
	p.Do("SET", "k2", "v")
	waitReplicated(t, p, r)
	r.Expect("$1\r\nv\r\n", "GET", "k2")
	if got := rawInfoField(p.Do("INFO", "stats"), "sync_partial_ok"); got != "1" {
		t.Fatalf("sync_partial_ok = %s", got)
	}
}

// TestReplicationFromConfig: replicaof and masterauth in the config make
// the server a replica of a primary with a password at start; REPLICAOF
// NO ONE and CONFIG REWRITE record the change in the file.
func TestReplicationFromConfig(t *testing.T) {
	prim := servertest.Start(t, servertest.WithConfig(func(c *config.Config) { c.RequirePass = "s3cret" }))
	p := servertest.Dial(t, prim.Addr)
	p.Expect("+OK\r\n", "AUTH", "s3cret")
	p.Expect("+OK\r\n", "SET", "k", "v")

	dir := t.TempDir()
	cfg := config.Default()
	cfg.Port, cfg.Dir = 0, dir
	host, port, _ := net.SplitHostPort(prim.Addr)
	cfg.ReplicaOf, cfg.MasterAuth = host+" "+port, "s3cret"
	path := servertest.WriteConfig(t, dir, cfg)
	rep := servertest.StartConfig(t, cfg, server.Options{ConfigFile: path})
	r := servertest.Dial(t, rep.Addr)
	waitReplicated(t, p, r)
	r.Expect("$1\r\nv\r\n", "GET", "k")
	r.Expect("*2\r\n$10\r\nmasterauth\r\n$6\r\ns3cret\r\n", "CONFIG", "GET", "masterauth")

	r.Expect("+OK\r\n", "REPLICAOF", "NO", "ONE")
	r.Expect("+OK\r\n", "CONFIG", "REWRITE")
	got, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.ReplicaOf != "" || got.MasterAuth != "s3cret" {
		t.Fatalf("rewritten: replicaof %q masterauth %q", got.ReplicaOf, got.MasterAuth)
	}
	r.Expect("+OK\r\n", "REPLICAOF", host, port)
	r.Expect("+OK\r\n", "CONFIG", "REWRITE")
	if got, err = config.Load(path); err != nil || got.ReplicaOf != host+" "+port {
		t.Fatalf("rewritten: replicaof %q, %v", got.ReplicaOf, err)
	}
}

// TestReplicationSentinelStyleFailover: the commands Sentinel sends to
// promote a replica and to repoint another, in MULTI ... EXEC, while the
// primary takes writes.
func TestReplicationSentinelStyleFailover(t *testing.T) {
	prim := servertest.Start(t)
	p := servertest.Dial(t, prim.Addr)
	var reps []*servertest.Conn
	var addrs []string
	host, port, _ := net.SplitHostPort(prim.Addr)
	for range 2 {
		srv := servertest.Start(t)
		r := servertest.Dial(t, srv.Addr)
		r.Expect("+OK\r\n", "REPLICAOF", host, port)
		reps = append(reps, r)
		addrs = append(addrs, srv.Addr)
	}
	for i := range 100 {
		p.Do("SET", "k"+strconv.Itoa(i), "v")
	}
	for _, r := range reps {
		waitReplicated(t, p, r)
	}
	// Promote the first: MULTI, SLAVEOF NO ONE, CONFIG REWRITE (no config
	// file: an error in place), CLIENT KILL TYPE normal, EXEC.
	r0, r1 := reps[0], reps[1]
	r0.Expect("+OK\r\n", "MULTI")
	r0.Expect("+QUEUED\r\n", "SLAVEOF", "NO", "ONE")
	r0.Expect("+QUEUED\r\n", "CONFIG", "REWRITE")
	r0.Expect("+QUEUED\r\n", "CLIENT", "KILL", "TYPE", "normal")
	r0.Expect("*3\r\n+OK\r\n-ERR The server is running without a config file\r\n:0\r\n", "EXEC")
	r0.Expect("+OK\r\n", "SET", "promoted", "1")
	// Repoint the second at the new primary: it resyncs partially (the
	// new primary keeps the old history as its second id).
	h0, p0, _ := net.SplitHostPort(addrs[0])
	r1.Expect("+OK\r\n", "MULTI")
	r1.Expect("+QUEUED\r\n", "SLAVEOF", h0, p0)
	r1.Expect("*1\r\n+OK\r\n", "EXEC")
	waitReplicated(t, r0, r1)
	r1.Expect("$1\r\n1\r\n", "GET", "promoted")
	if got := rawInfoField(r0.Do("INFO", "stats"), "sync_partial_ok"); got != "1" {
		t.Fatalf("new primary: sync_partial_ok = %s, want 1 (a partial resync)", got)
	}
	// The old primary rejoins as a replica of the new one.
	p.Expect("+OK\r\n", "REPLICAOF", h0, p0)
	waitReplicated(t, r0, p)
	p.Expect("$1\r\n1\r\n", "GET", "promoted")
}

// TestReplicationStreamDatabase: a replica that attaches while the
// stream is in another database, and a partial resync in the middle of
// writes to one, apply every write to the right database.
func TestReplicationStreamDatabase(t *testing.T) {
	prim := servertest.Start(t)
	p := servertest.Dial(t, prim.Addr)
	host, port, _ := net.SplitHostPort(prim.Addr)
	first := servertest.Start(t)
	r1 := servertest.Dial(t, first.Addr)
	r1.Expect("+OK\r\n", "REPLICAOF", host, port)
	p.Do("SELECT", "5")
	p.Do("SET", "in5", "a")
	waitReplicated(t, p, r1)
	// The stream is in database 5 now: a second replica must not apply
	// the next writes to database 0.
	second := servertest.Start(t)
	r2 := servertest.Dial(t, second.Addr)
	r2.Expect("+OK\r\n", "REPLICAOF", host, port)
	waitReplicated(t, p, r2)
	p.Do("SET", "in5-after", "b")
	waitReplicated(t, p, r2)
	r2.Do("SELECT", "5")
	r2.Expect("$1\r\nb\r\n", "GET", "in5-after")
	r2.Do("SELECT", "0")
	r2.Expect("$-1\r\n", "GET", "in5-after")
	// A partial resync goes on in database 5.
	r2.Expect(":1\r\n", "CLIENT", "KILL", "TYPE", "master")
	p.Do("SET", "in5-cut", "c")
	waitReplicated(t, p, r2)
	r2.Do("SELECT", "5")
	r2.Expect("$1\r\nc\r\n", "GET", "in5-cut")
}

// TestReplicationMinReplicas: min-replicas-to-write refuses writes while
// the primary has fewer good replicas, as Redis.
func TestReplicationMinReplicas(t *testing.T) {
	red := servertest.StartRedis(t)
	srv := servertest.Start(t)
	for _, addr := range []string{red.Addr, srv.Addr} {
		c := servertest.Dial(t, addr)
		c.Expect("+OK\r\n", "CONFIG", "SET", "min-replicas-to-write", "1")
		c.Expect("-NOREPLICAS Not enough good replicas to write.\r\n", "SET", "k", "v")
		c.Expect("$-1\r\n", "GET", "k")
		c.Expect("+OK\r\n", "MULTI")
		c.Expect("-NOREPLICAS Not enough good replicas to write.\r\n", "SET", "k", "v")
		c.Expect("-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC")
	}
	c := servertest.Dial(t, srv.Addr)
	rep := servertest.Start(t)
	r := servertest.Dial(t, rep.Addr)
	host, port, _ := net.SplitHostPort(srv.Addr)
	r.Expect("+OK\r\n", "REPLICAOF", host, port)
	waitLong(t, 10*time.Second, "a good replica", func() bool {
		return c.Do("SET", "k", "v") == "+OK\r\n"
	})
	c.Expect("+OK\r\n", "CONFIG", "SET", "min-replicas-to-write", "0")
}

// TestReplicationBacklogTTL: a primary whose last replica left frees its
// backlog after repl-backlog-ttl seconds and takes a new replication id,
// as Redis; a replica coming back then syncs in full.
func TestReplicationBacklogTTL(t *testing.T) {
	prim := servertest.Start(t)
	p := servertest.Dial(t, prim.Addr)
	p.Expect("+OK\r\n", "CONFIG", "SET", "repl-backlog-ttl", "1")
	p.Expect("*2\r\n$16\r\nrepl-backlog-ttl\r\n$1\r\n1\r\n", "CONFIG", "GET", "repl-backlog-ttl")
	rep := servertest.Start(t)
	r := servertest.Dial(t, rep.Addr)
	host, port, _ := net.SplitHostPort(prim.Addr)
	r.Expect("+OK\r\n", "REPLICAOF", host, port)
	p.Do("SET", "k", "v")
	waitReplicated(t, p, r)
	info := p.Do("INFO", "replication")
	id := rawInfoField(info, "master_replid")
	if rawInfoField(info, "repl_backlog_active") != "1" {
		t.Fatalf("no backlog with a replica:\n%s", info)
	}
	r.Expect("+OK\r\n", "REPLICAOF", "NO", "ONE")
	waitLong(t, 10*time.Second, "the backlog to be freed", func() bool {
		return rawInfoField(p.Do("INFO", "replication"), "repl_backlog_active") == "0"
	})
	info = p.Do("INFO", "replication")
	if rawInfoField(info, "master_replid") == id || rawInfoField(info, "connected_slaves") != "0" {
		t.Fatalf("after the ttl:\n%s", info)
	}
	r.Expect("+OK\r\n", "REPLICAOF", host, port)
	p.Do("SET", "k2", "v")
	waitReplicated(t, p, r)
	r.Expect("$1\r\nv\r\n", "GET", "k2")
}
