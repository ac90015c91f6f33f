package server_test

import (
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// TestDiffDebug compares DEBUG with a real Redis: refused by default with
// Redis's error; then, allowed, DIGEST and DIGEST-VALUE give Redis's own
// digests for the same data of every type (streams too) (so whole datasets compare
// across the two), PROTOCOL every RESP type, POPULATE, ERROR, SLEEP and
// the errors.
func TestDiffDebug(t *testing.T) {
	refused := servertest.StartRedis(t)
	r := servertest.StartRedis(t, "--enable-debug-command", "yes")
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		d := servertest.NewDiff(t, refused.Addr, servertest.Start(t, servertest.WithConfig(b.Apply)).Addr, proto)
		d.Do("DEBUG", "DIGEST")
		d.Do("CONFIG", "GET", "enable-debug-command")
		d.Do("CONFIG", "SET", "enable-debug-command", "yes")

		s := servertest.Start(t, servertest.WithConfig(func(c *config.Config) {
			b.Apply(c)
			c.DebugCommand = config.AllowYes
		}))
		d = servertest.NewDiff(t, r.Addr, s.Addr, proto)
		for _, c := range [][]string{
			{"DEBUG"}, {"DEBUG", "BOGUS"}, {"DEBUG", "DIGEST"}, {"DEBUG", "DIGEST", "x"}, {"DEBUG", "DIGEST-VALUE"},
			{"DEBUG", "DIGEST-VALUE", "nokey"},
			{"SET", "s", "hello"}, {"SET", "n", "12345"}, {"SET", "e", ""}, {"RPUSH", "l", "a", "b", "1", "c"},
			{"SADD", "set", "x", "y", "3"}, {"SADD", "iset", "1", "2", "3"}, {"HSET", "h", "f", "v", "g", "1"},
			{"ZADD", "z", "1", "a", "2.5", "b", "-inf", "c", "0.1", "d"}, {"ZADD", "bigz", "1", "x"},
			{"XADD", "x", "1-1", "f", "v", "g", "w"}, {"XADD", "x", "1-2", "f", "v2", "g", "w"}, {"XADD", "x", "5-0", "other", "1"},
			{"XADD", "x2", "2-1", "a", "b"}, {"XDEL", "x2", "2-1"}, {"XGROUP", "CREATE", "x", "grp", "0"},
			{"DEBUG", "DIGEST-VALUE", "x", "x2"},
			{"SET", "ttl", "v", "EX", "1000"}, {"SELECT", "3"}, {"SET", "s", "other db"}, {"SELECT", "0"},
			{"DEBUG", "DIGEST"},
			{"DEBUG", "DIGEST-VALUE", "s", "n", "e", "l", "set", "iset", "h", "z", "bigz", "x", "x2", "ttl", "nokey"},
			{"PERSIST", "ttl"}, {"DEBUG", "DIGEST-VALUE", "ttl"}, {"DEBUG", "DIGEST"},
			{"DEBUG", "POPULATE"}, {"DEBUG", "POPULATE", "x"}, {"DEBUG", "POPULATE", "-1"}, {"DEBUG", "POPULATE", "3"},
			{"DEBUG", "POPULATE", "2", "p"}, {"DEBUG", "POPULATE", "2", "q", "10"}, {"DEBUG", "POPULATE", "2", "r", "3"},
			{"DEBUG", "POPULATE", "1", "r", "x"}, {"DEBUG", "POPULATE", "1", "r", "1", "extra"},
			{"GET", "key:0"}, {"GET", "q:1"}, {"GET", "r:1"}, {"DBSIZE"}, {"DEBUG", "DIGEST"},
			{"DEBUG", "ERROR", "CUSTOM message here"}, {"DEBUG", "ERROR"}, {"DEBUG", "SLEEP", "0"}, {"DEBUG", "SLEEP", "x"},
			{"DEBUG", "SLEEP", "0.01"}, {"DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100"},
			{"DEBUG", "PROTOCOL"}, {"DEBUG", "PROTOCOL", "bogus"},
		} {
			d.Do(c...)
		}
		for _, typ := range []string{"string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib", "push", "verbatim", "true", "false", "TRUE"} {
			d.Do("DEBUG", "PROTOCOL", typ)
		}
		d.Do("FLUSHALL")
		d.Do("DEBUG", "DIGEST")
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}
