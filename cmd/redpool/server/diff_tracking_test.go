package server_test

import (
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// connPair is one connection to Redis and one to redpool, driven in step.
type connPair struct {
	t              *testing.T
	redis, redpool *servertest.Conn
	ids            [2]string // CLIENT ID on each, masked as "ID" in replies
}

func dialPair(t *testing.T, redisAddr, redpoolAddr string, proto int) *connPair {
	t.Helper()
	p := &connPair{t: t, redis: servertest.DialProto(t, redisAddr, proto), redpool: servertest.DialProto(t, redpoolAddr, proto)}
	p.ids[0] = strings.TrimSuffix(strings.TrimPrefix(p.redis.Do("CLIENT", "ID"), ":"), "\r\n")
	p.ids[1] = strings.TrimSuffix(strings.TrimPrefix(p.redpool.Do("CLIENT", "ID"), ":"), "\r\n")
	return p
}

// maskIDs replaces the client ids of the pairs in reply (an integer reply or
// a "tracking-redir-broken" frame) by "ID".
func maskIDs(reply string, side int, pairs ...*connPair) string {
	for _, q := range pairs {
		reply = strings.ReplaceAll(reply, ":"+q.ids[side]+"\r\n", ":ID\r\n")
	}
	return reply
}

// do sends line to both, "$ID(p)" replaced by p's id on each side, and
// compares the replies, ids masked.
func (p *connPair) do(line string, others ...*connPair) {
	p.t.Helper()
	args := [2][]string{}
	for side := range 2 {
		for _, a := range strings.Split(line, " ") {
			for i, q := range others {
				a = strings.ReplaceAll(a, "$ID"+string(rune('0'+i)), q.ids[side])
			}
			args[side] = append(args[side], a)
		}
	}
	want := maskIDs(p.redis.Do(args[0]...), 0, others...)
	got := maskIDs(p.redpool.Do(args[1]...), 1, others...)
	if got != want {
		p.t.Errorf("differs from Redis: %s\n redpool: %q\n   redis: %q", line, got, want)
	}
}

// read reads one frame (an invalidation) from both and compares them.
func (p *connPair) read(what string) {
	p.t.Helper()
	want, err := p.redis.TryRead(5 * time.Second)
	if err != nil {
		p.t.Fatalf("%s: Redis sent nothing: %v", what, err)
	}
	got, err := p.redpool.TryRead(5 * time.Second)
	if err != nil {
		p.t.Fatalf("%s: redpool sent nothing (Redis: %q): %v", what, want, err)
	}
	if got != want {
		p.t.Errorf("%s: differs from Redis\n redpool: %q\n   redis: %q", what, got, want)
	}
}

// TestDiffTrackingErrors compares CLIENT TRACKING's, CACHING's, GETREDIR's
// and TRACKINGINFO's replies with Redis's, in RESP2 and RESP3.
func TestDiffTrackingErrors(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, bk servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(bk.Apply))
		a := dialPair(t, r.Addr, s.Addr, proto)
		other := dialPair(t, r.Addr, s.Addr, proto)
		for _, line := range []string{
			"CLIENT TRACKINGINFO", "CLIENT GETREDIR", "CLIENT CACHING yes",
			"CLIENT TRACKING on PREFIX a", "CLIENT TRACKING on BCAST OPTIN", "CLIENT TRACKING on OPTIN OPTOUT",
			"CLIENT TRACKING on REDIRECT 99999", "CLIENT TRACKING on REDIRECT x", "CLIENT TRACKING maybe",
			"CLIENT TRACKING on foo", "CLIENT TRACKING on PREFIX", "CLIENT TRACKING", "CLIENT CACHING",
			"CLIENT TRACKING on REDIRECT $ID0 REDIRECT $ID0",
			"CLIENT TRACKING on BCAST PREFIX ab PREFIX a", "CLIENT TRACKING on BCAST PREFIX ab",
			"CLIENT TRACKING on BCAST PREFIX a", "CLIENT TRACKING on BCAST PREFIX ab", "CLIENT TRACKING on BCAST PREFIX b PREFIX c",
			"CLIENT TRACKINGINFO", "CLIENT TRACKING on", "CLIENT CACHING yes", "CLIENT TRACKING off", "CLIENT TRACKINGINFO",
			"CLIENT TRACKING on OPTIN", "CLIENT TRACKING on OPTOUT", "CLIENT CACHING yes", "CLIENT CACHING no",
			"CLIENT CACHING maybe", "CLIENT TRACKINGINFO", "CLIENT GETREDIR", "CLIENT TRACKING on OPTIN NOLOOP REDIRECT $ID0",
			"CLIENT TRACKINGINFO", "CLIENT GETREDIR", "CLIENT TRACKING off", "CLIENT TRACKING on OPTOUT",
			"CLIENT CACHING no", "CLIENT TRACKINGINFO", "GET x", "CLIENT TRACKINGINFO", "RESET", "CLIENT TRACKINGINFO",
		} {
			a.do(line, other)
		}
	})
}

// TestDiffTracking compares what tracking clients receive with Redis: a
// RESP3 client in the default, OPTIN, OPTOUT, NOLOOP and BCAST modes and a
// RESP2 client redirecting to a subscriber of __redis__:invalidate, while
// another client writes, expires and flushes keys; on both backends.
func TestDiffTracking(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackend(t, func(t *testing.T, bk servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(bk.Apply))
		a := dialPair(t, r.Addr, s.Addr, 3)
		b := dialPair(t, r.Addr, s.Addr, 2)
		b.do("FLUSHALL")
		a.do("CLIENT TRACKING on")
		// A key read, written by another client: one invalidation, then
		// the key is forgotten until read again.
		a.do("GET k")
		b.do("SET k 1")
		a.read("invalidate k")
		b.do("SET k 2")
		a.do("MGET k j")
		b.do("MSET j 1 k 2")
		a.read("invalidate j")
		a.read("invalidate k")
		a.do("HGET h f")
		a.do("SMEMBERS s")
		b.do("HSET h f v")
		a.read("invalidate h")
		b.do("SADD s m")
		a.read("invalidate s")
		// A failed read is remembered too.
		a.do("LLEN k")
		b.do("DEL k")
		a.read("invalidate k after WRONGTYPE")
		// The client's own write: after its reply; none with NOLOOP.
		a.do("GET k")
		a.do("SET k 3")
		a.read("own invalidation")
		a.do("CLIENT TRACKING on NOLOOP")
		a.do("GET k")
		a.do("SET k 4")
		b.do("SET k 5")
		a.do("PING")
		// Expiry.
		a.do("CLIENT TRACKING off")
		a.do("CLIENT TRACKING on")
		b.do("SET e 1 PX 50")
		a.do("GET e")
		a.read("invalidate expired e")
		// OPTIN: only after CLIENT CACHING yes, for one command.
		a.do("CLIENT TRACKING off")
		a.do("CLIENT TRACKING on OPTIN")
		a.do("GET k")
		b.do("SET k 6")
		a.do("CLIENT CACHING yes")
		a.do("GET k")
		a.do("GET j")
		b.do("SET j 6")
		b.do("SET k 7")
		a.read("invalidate k, optin")
		// OPTOUT: all but after CLIENT CACHING no.
		a.do("CLIENT TRACKING off")
		a.do("CLIENT TRACKING on OPTOUT")
		a.do("CLIENT CACHING no")
		a.do("GET k")
		a.do("GET j")
		b.do("SET k 8")
		b.do("SET j 8")
		a.read("invalidate j, optout")
		// FLUSHDB and FLUSHALL: a null to every tracking client.
		b.do("FLUSHDB")
		a.read("flushdb")
		b.do("FLUSHALL")
		a.read("flushall")
		// BCAST with prefixes: the changed keys under each prefix.
		a.do("CLIENT TRACKING off")
		a.do("CLIENT TRACKING on BCAST PREFIX user: PREFIX obj")
		b.do("SET user:1 x")
		a.read("bcast user:1")
		b.do("SET other x")
		b.do("MSET user:3 a user:2 b objx c")
		a.read("bcast objx")
		a.read("bcast user:2 user:3")
		a.do("SET user:9 1")
		a.read("bcast own write")
		a.do("CLIENT TRACKING off")
		a.do("CLIENT TRACKING on BCAST NOLOOP")
		a.do("SET user:9 2")
		b.do("SET anything 1")
		a.read("bcast all keys")
		a.do("CLIENT TRACKING off")
		a.do("PING")
		// RESP2: invalidations go to a client subscribed to
		// __redis__:invalidate that tracking redirects to.
		sub := dialPair(t, r.Addr, s.Addr, 2)
		c := dialPair(t, r.Addr, s.Addr, 2)
		sub.do("SUBSCRIBE __redis__:invalidate")
		c.do("CLIENT TRACKING on REDIRECT $ID0", sub)
		c.do("GET k")
		b.do("SET k 9")
		sub.read("redirected invalidation")
		b.do("FLUSHALL")
		sub.read("redirected flush")
		c.do("CLIENT GETREDIR", sub)
		// A RESP2 client without redirection gets nothing.
		c.do("CLIENT TRACKING off")
		c.do("CLIENT TRACKING on")
		c.do("GET k")
		b.do("SET k 10")
		c.do("PING")
	})
}
