package server_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// MIGRATE tests. The same transcript runs with a real Redis as the source
// (which is what makes its expected replies Redis's) and with redpool on
// each backend; the target is always a real Redis with requirepass, so
// that what arrived can be read back.

// migrateSource is a server MIGRATE runs on: a real Redis or redpool.
type migrateSource struct {
	name  string
	start func(t *testing.T) string // returns its address
}

func migrateSources() []migrateSource {
	srcs := []migrateSource{{name: "redis", start: func(t *testing.T) string { return servertest.StartRedis(t).Addr }}}
	for _, b := range servertest.Backends() {
		srcs = append(srcs, migrateSource{name: b.Name, start: func(t *testing.T) string {
			return servertest.Start(t, servertest.WithConfig(b.Apply)).Addr
		}})
	}
	return srcs
}

// hostPort splits addr for MIGRATE's host and port arguments.
func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

func TestMigrateToRedis(t *testing.T) {
	for _, src := range migrateSources() {
		t.Run(src.name, func(t *testing.T) {
			target := servertest.StartRedis(t, "--requirepass", "sec")
			s := servertest.Dial(t, src.start(t))
			r := servertest.Dial(t, target.Addr)
			r.Expect("+OK\r\n", "AUTH", "sec")
			h, p := hostPort(t, target.Addr)
			mig := func(args ...string) []string { return append([]string{"MIGRATE", h, p}, args...) }

			s.Expect("+OK\r\n", "SET", "s", "v")
			s.Expect(":3\r\n", "RPUSH", "l", "a", "b", "c")
			s.Expect(":1\r\n", "PEXPIRE", "l", "100000")
			s.Expect(":2\r\n", "HSET", "h", "f", "v", "g", "w")
			s.Expect(":2\r\n", "SADD", "st", "m1", "m2")
			s.Expect(":2\r\n", "ZADD", "z", "1.5", "a", "2", "b")
			big := strings.Repeat("x", 100000) // more than one 64 KB write
			s.Expect("+OK\r\n", "SET", "big", big)

			// The target's errors come back; the key stays.
			s.Expect("-ERR Target instance replied with error: NOAUTH Authentication required.\r\n", mig("s", "0", "5000")...)
			s.Expect("-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n",
				mig("s", "0", "5000", "AUTH", "nope")...)
			s.Expect(":1\r\n", "EXISTS", "s")
			// One key; it moves.
			s.Expect("+OK\r\n", mig("s", "0", "5000", "AUTH", "sec")...)
			s.Expect(":0\r\n", "EXISTS", "s")
			r.Expect("$1\r\nv\r\n", "GET", "s")
			s.Expect("+NOKEY\r\n", mig("nokey", "0", "5000", "AUTH", "sec")...)
			s.Expect("+NOKEY\r\n", mig("", "0", "5000", "AUTH", "sec", "KEYS", "nokey", "s")...)
			// Several keys into another database, missing ones skipped.
			s.Expect("+OK\r\n", mig("", "3", "5000", "AUTH2", "default", "sec", "KEYS", "l", "h", "st", "z", "nokey", "big")...)
			s.Expect(":0\r\n", "EXISTS", "l", "h", "st", "z", "big")
			r.Expect("+OK\r\n", "SELECT", "3")
			r.Expect("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE", "l", "0", "-1")
			if ttl, err := strconv.Atoi(strings.Trim(r.Do("PTTL", "l"), ":\r\n")); err != nil || ttl < 90000 || ttl > 100000 {
				t.Errorf("PTTL l on the target: %v %v", ttl, err)
			}
			r.Expect(":-1\r\n", "PTTL", "h")
			r.Expect("*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n", "HGETALL", "h")
			r.Expect(":2\r\n", "SCARD", "st")
			r.Expect(":1\r\n", "SISMEMBER", "st", "m2")
			r.Expect("*4\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES")
			r.Expect("$100000\r\n"+big+"\r\n", "GET", "big")
			// COPY keeps the key; a second copy meets BUSYKEY unless REPLACE.
			s.Expect("+OK\r\n", "SET", "c", "1")
			s.Expect("+OK\r\n", mig("c", "3", "5000", "COPY", "AUTH", "sec")...)
			s.Expect("$1\r\n1\r\n", "GET", "c")
			s.Expect("+OK\r\n", "SET", "c", "2")
			s.Expect("-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n", mig("c", "3", "5000", "COPY", "AUTH", "sec")...)
			s.Expect("+OK\r\n", mig("c", "3", "5000", "copy", "replace", "AUTH", "sec")...)
			r.Expect("$1\r\n2\r\n", "GET", "c")
			s.Expect("-ERR Target instance replied with error: ERR DB index is out of range\r\n", mig("c", "99", "5000", "AUTH", "sec")...)
			s.Expect("$1\r\n2\r\n", "GET", "c")
			// Argument errors.
			s.Expect("-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n", mig("c", "0", "5000", "KEYS", "c")...)
			s.Expect("-ERR value is not an integer or out of range\r\n", mig("c", "0", "x")...)
			s.Expect("-ERR value is not an integer or out of range\r\n", mig("c", "x", "1000")...)
			s.Expect("-ERR syntax error\r\n", mig("c", "0", "1000", "BOGUS")...)
			s.Expect("-ERR syntax error\r\n", mig("c", "0", "1000", "AUTH")...)
			s.Expect("-ERR syntax error\r\n", mig("c", "0", "1000", "AUTH2", "u")...)
			s.Expect("-ERR wrong number of arguments for 'migrate' command\r\n", "MIGRATE", h, p, "c", "0")
			// Nobody listens: Redis finds out when it writes.
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			_, deadPort := hostPort(t, ln.Addr().String())
			_ = ln.Close()
			s.Expect("-IOERR error or timeout writing to target instance\r\n", "MIGRATE", "127.0.0.1", deadPort, "c", "0", "1000")
			// A target that never answers: a read timeout, the key stays.
			mute := muteServer(t)
			mh, mp := hostPort(t, mute)
			s.Expect("-IOERR error or timeout reading to target instance\r\n", "MIGRATE", mh, mp, "c", "0", "200")
			s.Expect("$1\r\n2\r\n", "GET", "c")
		})
	}
}

// muteServer accepts connections and reads them, never answering, until
// the test ends.
func muteServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
			go func() {
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestMigrateFromRedis: a real Redis moves keys of every type into
// redpool, which RESTOREs them.
func TestMigrateFromRedis(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		src := servertest.Dial(t, r.Addr)
		dst := servertest.Dial(t, s.Addr)
		src.Expect("+OK\r\n", "FLUSHALL")
		h, p := hostPort(t, s.Addr)
		mig := func(args ...string) []string { return append([]string{"MIGRATE", h, p}, args...) }

		src.Expect("+OK\r\n", "SET", "s", "v")
		src.Expect("+OK\r\n", "SET", "long", strings.Repeat("ab", 100))
		src.Expect(":3\r\n", "RPUSH", "l", "a", "1", "c")
		src.Expect(":1\r\n", "PEXPIRE", "l", "100000")
		src.Expect(":2\r\n", "HSET", "h", "f", "v", "g", "w")
		src.Expect(":3\r\n", "SADD", "st", "1", "2", "3")
		src.Expect(":2\r\n", "ZADD", "z", "1.5", "a", "-inf", "b")
		src.Expect("+OK\r\n", mig("s", "0", "5000")...)
		src.Expect("+OK\r\n", mig("", "2", "5000", "KEYS", "long", "l", "h", "st", "z")...)
		src.Expect(":0\r\n", "EXISTS", "s", "long", "l", "h", "st", "z")
		dst.Expect("$1\r\nv\r\n", "GET", "s")
		dst.Expect("+OK\r\n", "SELECT", "2")
		dst.Expect("$200\r\n"+strings.Repeat("ab", 100)+"\r\n", "GET", "long")
		dst.Expect("*3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n", "LRANGE", "l", "0", "-1")
		if ttl, err := strconv.Atoi(strings.Trim(dst.Do("PTTL", "l"), ":\r\n")); err != nil || ttl < 90000 || ttl > 100000 {
			t.Errorf("PTTL l: %v %v", ttl, err)
		}
		dst.Expect("$1\r\nw\r\n", "HGET", "h", "g")
		dst.Expect("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "SORT", "st")
		dst.Expect("*4\r\n$1\r\nb\r\n$4\r\n-inf\r\n$1\r\na\r\n$3\r\n1.5\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES")
		// redpool's RESTORE errors come back to Redis.
		src.Expect("+OK\r\n", "SET", "s", "new")
		src.Expect("-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n", mig("s", "0", "5000", "COPY")...)
		src.Expect("+OK\r\n", mig("s", "0", "5000", "REPLACE")...)
		dst.Expect("+OK\r\n", "SELECT", "0")
		dst.Expect("$3\r\nnew\r\n", "GET", "s")
		src.Expect("+OK\r\n", "SET", "s", "again")
		src.Expect("-ERR Target instance replied with error: ERR DB index is out of range\r\n", mig("s", "16", "5000")...)
		src.Expect("$5\r\nagain\r\n", "GET", "s")
	})
}

// TestMigrateCachedConnection: MIGRATE reuses its connection to a target
// (one connection for several calls, SELECT sent once), and the server's
// shutdown closes it.
func TestMigrateCachedConnection(t *testing.T) {
	r := servertest.StartRedis(t)
	s := servertest.Start(t)
	src := servertest.Dial(t, s.Addr)
	watch := servertest.Dial(t, r.Addr)
	h, p := hostPort(t, r.Addr)
	stat := func(section, field string) int {
		t.Helper()
		info := watch.Do("INFO", section)
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, field); ok {
				v, _, _ = strings.Cut(v, ",")
				n, err := strconv.Atoi(v)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
		}
		t.Fatalf("no %s in INFO %s", field, section)
		return 0
	}
	before := stat("stats", "total_connections_received:")
	for i := range 3 {
		k := "k" + strconv.Itoa(i)
		src.Expect("+OK\r\n", "SET", k, "v")
		src.Expect("+OK\r\n", "MIGRATE", h, p, k, "5", "5000")
	}
	if n := stat("stats", "total_connections_received:") - before; n != 1 {
		t.Errorf("%d connections for 3 MIGRATEs, want 1", n)
	}
	if n := stat("commandstats", "cmdstat_select:calls="); n != 1 {
		t.Errorf("SELECT sent %d times, want 1", n)
	}
	if n := stat("clients", "connected_clients:"); n != 2 {
		t.Errorf("%d clients on the target, want 2 (this test's and the cached one)", n)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for stat("clients", "connected_clients:") != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the cached connection is still open after the shutdown")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
