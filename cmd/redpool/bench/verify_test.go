package bench

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// benchVerifyStart starts a server of s in a temporary directory and
// returns a connection to it; both go at cleanup.
func benchVerifyStart(t *testing.T, o Options, s Strategy) *conn {
	t.Helper()
	dir := t.TempDir()
	l, _, err := s.prepare(o, dir, filepath.Join(dir, "run.conf"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := launch(context.Background(), l, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.kill)
	c, err := dial(srv.addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// benchVerifyData writes one key of every type, the same on any server.
var benchVerifyData = [][]string{
	{"SET", "s", "v"},
	{"SET", "ttl", "v", "EX", "3600"},
	{"RPUSH", "l", "a", "b", "c"},
	{"HSET", "h", "f2", "b", "f1", "a", "f3", "c"},
	{"SADD", "set", "z", "a", "m", "1"},
	{"ZADD", "z", "2", "b", "1", "a", "1.5", "c"},
	{"XADD", "x", "1-1", "f", "v"},
	{"XADD", "x", "2-1", "g", "w"},
}

// The digest is the same for the same data on redpool and Redis, and
// changes when a value, a TTL or a key changes.
func TestDatasetDigest(t *testing.T) {
	o := Options{Bin: redpoolBin, RedisBin: benchRedisBin(t)}
	memory := strategy(t, "memory")
	redis := RedisStrategies()[0]
	var digests []string
	for _, s := range []Strategy{memory, redis} {
		c := benchVerifyStart(t, o, s)
		for _, cmd := range benchVerifyData {
			if _, err := c.value(cmd...); err != nil {
				t.Fatalf("%s: %v", s.Name, err)
			}
		}
		d, err := datasetDigest(c)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		digests = append(digests, d)
	}
	if digests[0] != digests[1] {
		t.Errorf("redpool digest %s, Redis %s", digests[0], digests[1])
	}

	c := benchVerifyStart(t, o, memory)
	for _, cmd := range benchVerifyData {
		if _, err := c.value(cmd...); err != nil {
			t.Fatal(err)
		}
	}
	for _, change := range [][]string{
		{"HSET", "h", "f1", "A"},
		{"PERSIST", "ttl"},
		{"ZINCRBY", "z", "1", "a"},
		{"SADD", "set", "new"},
		{"XADD", "x", "3-1", "f", "v"},
		{"DEL", "l"},
	} {
		before, err := datasetDigest(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.value(change...); err != nil {
			t.Fatal(err)
		}
		if after, _ := datasetDigest(c); after == before {
			t.Errorf("%q does not change the digest", change)
		}
	}
	if _, err := c.value("FLUSHALL"); err != nil {
		t.Fatal(err)
	}
	if d, _ := datasetDigest(c); d != "0000000000000000000000000000000000000000000000000000000000000000" {
		t.Errorf("empty dataset: %s", d)
	}
}
