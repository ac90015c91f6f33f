package server_test

import (
	"strconv"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffPubSub compares Pub/Sub with Redis byte for byte, in RESP2 and
// RESP3, with two connections: a subscribes, b publishes, and the messages
// a receives are compared as they arrive. Channel names carry the
// subtest's protocol, so that a subscription Redis has not yet dropped for
// a closed connection of an earlier subtest cannot show.
func TestDiffPubSub(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, bk servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(bk.Apply))
		a := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		b := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		p := "p" + strconv.Itoa(proto) + bk.Name + ":"
		ch1, ch2, sh := p+"ch1", p+"ch2", p+"shard"

		a.Do("UNSUBSCRIBE")
		a.Do("PUNSUBSCRIBE")
		a.Do("SUNSUBSCRIBE")
		a.Do("SUBSCRIBE", ch1, ch2)
		readBoth(t, a, 1) // the second reply
		a.Do("SUBSCRIBE", ch1)
		a.Do("PSUBSCRIBE", p+"c*", p+"x?")
		readBoth(t, a, 1)
		a.Do("SSUBSCRIBE", sh)
		// RESP2 subscribed mode refuses the rest; RESP3 runs it.
		a.Do("GET", "x")
		a.Do("CLIENT", "FOO")
		a.Do("CLIENT", "GETNAME", "extra")
		a.Do("NOSUCH", "x")
		a.Do("PING")
		a.Do("PING", "hi")
		a.Do("PING", "a", "b")
		a.Do("SET", "x", "1")
		a.Do("ECHO", "e")

		b.Do("PUBLISH", ch1, "hello")
		readBoth(t, a, 2) // message, pmessage
		b.Do("PUBLISH", p+"xy", "pattern only")
		readBoth(t, a, 1)
		b.Do("PUBLISH", p+"nobody", "lost")
		b.Do("SPUBLISH", sh, "shard msg")
		readBoth(t, a, 1)
		b.Do("SPUBLISH", ch1, "not a shard channel")
		b.Do("PUBSUB", "NUMSUB", ch1, ch2, p+"none")
		b.Do("PUBSUB", "NUMSUB")
		b.Do("PUBSUB", "SHARDNUMSUB", sh, ch1)
		b.Do("PUBSUB", "CHANNELS", p+"ch1")
		b.DoUnordered("PUBSUB", "CHANNELS", p+"*")
		b.Do("PUBSUB", "SHARDCHANNELS", p+"*")
		b.Do("PUBSUB", "CHANNELS", "a", "b")
		b.Do("PUBSUB", "SHARDCHANNELS", "a", "b")
		b.Do("PUBSUB", "NUMPAT", "x")
		b.Do("PUBSUB", "FOO")
		b.Do("PUBSUB")
		b.Do("PUBSUB", "HELP")
		b.Do("SUBSCRIBE")
		b.Do("PUBLISH", "x")

		a.Do("UNSUBSCRIBE", ch1, p+"never")
		readBoth(t, a, 1)
		a.Do("PUNSUBSCRIBE", p+"c*")
		a.Do("UNSUBSCRIBE") // ch2 only left: one reply
		a.Do("PUNSUBSCRIBE")
		a.Do("GET", "x") // still subscribed to the shard channel
		a.Do("SUNSUBSCRIBE")
		a.Do("GET", "x")
		a.Do("PING")

		// The publisher's own subscription (RESP3 only can publish then).
		a.Do("SUBSCRIBE", ch1)
		a.Do("PUBLISH", ch1, "self")
		a.Do("MULTI")
		a.Do("EXEC")
		a.Do("RESET")
		a.Do("PUBSUB", "NUMSUB", ch1)

		// SUBSCRIBE inside a transaction.
		b.Do("MULTI")
		b.Do("SUBSCRIBE", ch2)
		b.Do("EXEC")
		b.Do("PING")
		b.Do("RESET")
		b.Do("PING")
		t.Logf("compared %d commands with Redis", a.Cases+b.Cases)
	})
}

// TestDiffReset compares RESET with Redis: what it clears (transaction,
// watched keys, database, protocol, name) and its reply.
func TestDiffReset(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, bk servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(bk.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Do("SELECT", "2")
		d.Do("SET", "k", "in db 2")
		d.Do("CLIENT", "SETNAME", "named")
		d.Do("WATCH", "k")
		d.Do("MULTI")
		d.Do("SET", "k", "queued")
		d.Do("RESET")
		d.Do("EXEC")
		d.Do("GET", "k")
		d.Do("CLIENT", "GETNAME")
		d.Do("SELECT", "2")
		d.Do("GET", "k")
		d.Do("RESET", "extra")
		d.Do("MULTI")
		d.Do("RESET")
		d.Do("DISCARD")
		d.DoHello("HELLO")
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// readBoth reads n more replies or pushed messages from both servers and
// compares them.
func readBoth(t *testing.T, d *servertest.Diff, n int) {
	t.Helper()
	redis, redpool := d.Conns()
	for range n {
		want, got := redis.Read(), redpool.Read()
		d.Cases++
		if got != want {
			t.Errorf("pushed message differs from Redis:\n redpool: %q\n   redis: %q", got, want)
		}
	}
}
