package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

func newClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	return newClientProto(t, addr, 3)
}

// newClientProto returns a go-redis client speaking RESP version proto (it
// sends HELLO proto on every new connection).
func newClientProto(t *testing.T, addr string, proto int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, MaxRetries: -1, DialTimeout: 5 * time.Second})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestGoRedisBasics drives redpool through go-redis v9 in RESP2 and RESP3:
// strings, keys, hashes (HGETALL as a map), lists, CONFIG GET, INFO and
// HELLO, decoded by go-redis's own reply parser.
func TestGoRedisBasics(t *testing.T) {
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		ctx := context.Background()
		c := newClientProto(t, s.Addr, proto)

		if got, err := c.Ping(ctx).Result(); err != nil || got != "PONG" {
			t.Fatalf("PING = %q, %v", got, err)
		}
		if got, err := c.Set(ctx, "k", "v", 0).Result(); err != nil || got != "OK" {
			t.Fatalf("SET = %q, %v", got, err)
		}
		if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
			t.Fatalf("GET = %q, %v", got, err)
		}
		if _, err := c.Get(ctx, "missing").Result(); err != redis.Nil {
			t.Fatalf("GET missing err = %v, want redis.Nil", err)
		}
		for i := int64(1); i <= 3; i++ {
			if got, err := c.Incr(ctx, "n").Result(); err != nil || got != i {
				t.Fatalf("INCR = %d, %v; want %d", got, err, i)
			}
		}
		if _, err := c.Incr(ctx, "k").Result(); err == nil || err.Error() != "ERR value is not an integer or out of range" {
			t.Fatalf("INCR on string: %v", err)
		}
		if got, _ := c.Exists(ctx, "k", "n", "k", "nope").Result(); got != 3 {
			t.Fatalf("EXISTS = %d, want 3", got)
		}
		if got, _ := c.Type(ctx, "k").Result(); got != "string" {
			t.Fatalf("TYPE = %q", got)
		}
		if got, _ := c.Expire(ctx, "k", 100*time.Second).Result(); !got {
			t.Fatal("EXPIRE = false")
		}
		if got, _ := c.TTL(ctx, "k").Result(); got != 100*time.Second {
			t.Fatalf("TTL = %v", got)
		}
		keys, _ := c.Keys(ctx, "*").Result()
		if strings.Join(slices.Sorted(slices.Values(keys)), ",") != "k,n" {
			t.Fatalf("KEYS = %v", keys)
		}
		if got, _ := c.DBSize(ctx).Result(); got != 2 {
			t.Fatalf("DBSIZE = %d", got)
		}
		if got, _ := c.Del(ctx, "k", "n", "nope").Result(); got != 2 {
			t.Fatalf("DEL = %d", got)
		}
		if got, _ := c.ConfigGet(ctx, "maxclients").Result(); got["maxclients"] != "10000" {
			t.Fatalf("CONFIG GET maxclients = %v", got)
		}
		info, err := c.Info(ctx).Result()
		if err != nil || !strings.Contains(info, "# Server\r\nredis_version:") || !strings.Contains(info, "# Keyspace") {
			t.Fatalf("INFO = %q, %v", info, err)
		}
		goRedisHashesLists(t, c)
		hello, err := c.Do(ctx, "HELLO").Result()
		want := fmt.Sprint(proto)
		switch h := hello.(type) {
		case map[any]any: // RESP3
			if proto != 3 || fmt.Sprint(h["proto"]) != want || h["server"] != "redis" {
				t.Fatalf("HELLO = %v", h)
			}
		case []any: // RESP2: a flat array
			if proto != 2 || len(h) != 14 || fmt.Sprint(h[5]) != want {
				t.Fatalf("HELLO = %v", h)
			}
		default:
			t.Fatalf("HELLO = %#v, %v", hello, err)
		}
		ci, err := c.ClientInfo(ctx).Result()
		if err != nil || ci.Resp != proto || !strings.HasPrefix(ci.LibName, "go-redis(") {
			t.Fatalf("CLIENT INFO: resp=%d lib-name=%q, %v", ci.Resp, ci.LibName, err)
		}
	})
}

// goRedisHashesLists checks hashes and lists through go-redis.
func goRedisHashesLists(t *testing.T, c *redis.Client) {
	t.Helper()
	ctx := context.Background()
	if got, err := c.HSet(ctx, "h", "a", "1", "b", "2").Result(); err != nil || got != 2 {
		t.Fatalf("HSET = %d, %v", got, err)
	}
	if got, err := c.HGetAll(ctx, "h").Result(); err != nil || len(got) != 2 || got["a"] != "1" || got["b"] != "2" {
		t.Fatalf("HGETALL = %v, %v", got, err)
	}
	if got, err := c.HGetAll(ctx, "nope").Result(); err != nil || len(got) != 0 {
		t.Fatalf("HGETALL nope = %v, %v", got, err)
	}
	if got, err := c.HMGet(ctx, "h", "a", "zz").Result(); err != nil || len(got) != 2 || got[0] != "1" || got[1] != nil {
		t.Fatalf("HMGET = %#v, %v", got, err)
	}
	if got, err := c.HIncrByFloat(ctx, "h", "f", 1.5).Result(); err != nil || got != 1.5 {
		t.Fatalf("HINCRBYFLOAT = %v, %v", got, err)
	}
	if got, err := c.HRandFieldWithValues(ctx, "h", 1).Result(); err != nil || len(got) != 1 || got[0].Key == "" {
		t.Fatalf("HRANDFIELD WITHVALUES = %v, %v", got, err)
	}
	if got, err := c.RPush(ctx, "l", "a", "b", "c").Result(); err != nil || got != 3 {
		t.Fatalf("RPUSH = %d, %v", got, err)
	}
	if got, err := c.LRange(ctx, "l", 0, -1).Result(); err != nil || strings.Join(got, ",") != "a,b,c" {
		t.Fatalf("LRANGE = %v, %v", got, err)
	}
	if _, err := c.LPopCount(ctx, "nope", 2).Result(); err != redis.Nil {
		t.Fatalf("LPOP nope 2: %v, want redis.Nil", err)
	}
	if _, err := c.Do(ctx, "BLPOP", "nope", "0.01").Result(); err != redis.Nil {
		t.Fatalf("BLPOP timeout: %v, want redis.Nil", err)
	}
	if got, err := c.LPos(ctx, "l", "c", redis.LPosArgs{}).Result(); err != nil || got != 2 {
		t.Fatalf("LPOS = %d, %v", got, err)
	}
	if got, err := c.IncrByFloat(ctx, "fl", 0.1).Result(); err != nil || got != 0.1 {
		t.Fatalf("INCRBYFLOAT = %v, %v", got, err)
	}
	keys, cursor, err := c.Scan(ctx, 0, "", 100).Result()
	if err != nil || cursor != 0 || len(keys) != 3 {
		t.Fatalf("SCAN = %v %d, %v", keys, cursor, err)
	}
}

func TestRawInlineAndPipeline(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		c := servertest.Dial(t, s.Addr)

		// Inline commands, telnet style, with quotes.
		c.Write("SET greeting \"hello world\"\r\n")
		if got := c.Read(); got != "+OK\r\n" {
			t.Fatalf("inline SET = %q", got)
		}
		c.Write("GET greeting\n")
		if got := c.Read(); got != "$11\r\nhello world\r\n" {
			t.Fatalf("inline GET = %q", got)
		}
		c.Write("PING\r\n\r\nPING\r\n")
		if got := c.Read() + c.Read(); got != "+PONG\r\n+PONG\r\n" {
			t.Fatalf("inline PINGs = %q", got)
		}

		// 10,000 pipelined commands in one write.
		var req strings.Builder
		for i := 0; i < 10000; i++ {
			fmt.Fprintf(&req, "*2\r\n$4\r\nINCR\r\n$3\r\nctr\r\n")
		}
		c.Write(req.String())
		for i := 1; i <= 10000; i++ {
			if got, want := c.Read(), fmt.Sprintf(":%d\r\n", i); got != want {
				t.Fatalf("reply %d = %q, want %q", i, got, want)
			}
		}

		// Binary-safe keys and values.
		for _, kv := range [][2]string{
			{"a\r\nb", "v\r\n\r\n"}, {"nul\x00key", "\x00\x01\x02"}, {"with space", "a b c"}, {"co:lon", "x:y:z"}, {"empty", ""},
		} {
			c.Expect("+OK\r\n", "SET", kv[0], kv[1])
			c.Expect(fmt.Sprintf("$%d\r\n%s\r\n", len(kv[1]), kv[1]), "GET", kv[0])
		}
	})
}

func TestProtocolErrorClosesConnection(t *testing.T) {
	s := servertest.Start(t)
	for _, tc := range []struct{ in, want string }{
		{"*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"*1\r\n+PING\r\n", "-ERR Protocol error: expected '$', got '+'\r\n"},
		{"SET \"unbalanced\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
		{"*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n"}, // over INT_MAX (Redis 7.0)
		{"*1\r\n$999999999999\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
	} {
		c := servertest.Dial(t, s.Addr)
		c.Write("PING\r\n" + tc.in)
		if got := c.Read(); got != "+PONG\r\n" {
			t.Fatalf("%q: first reply %q", tc.in, got)
		}
		if got := c.Read(); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
		c.ExpectClosed()
	}
}

func TestMaxClients(t *testing.T) {
	s := servertest.Start(t, servertest.WithConfig(func(c *config.Config) { c.MaxClients = 2 }))
	a := servertest.Dial(t, s.Addr)
	b := servertest.Dial(t, s.Addr)
	a.Expect("+PONG\r\n", "PING")
	b.Expect("+PONG\r\n", "PING")

	c := servertest.Dial(t, s.Addr)
	got, err := c.TryRead(5 * time.Second)
	if got != "-ERR max number of clients reached\r\n" {
		t.Fatalf("third client got %q, %v", got, err)
	}
	c.ExpectClosed()
	a.Expect("+OK\r\n", "SET", "x", "1")
	b.Expect("$1\r\n1\r\n", "GET", "x")

	// The slot frees when a client leaves.
	a.Expect("+OK\r\n", "QUIT")
	a.ExpectClosed()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d := servertest.Dial(t, s.Addr)
		d.Send("PING")
		got, _ := d.TryRead(5 * time.Second)
		if got == "+PONG\r\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot never freed: %q", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestManyClientsIncr(t *testing.T) {
	s := servertest.Start(t)
	ctx := context.Background()
	c := newClient(t, s.Addr)
	const clients, each = 20, 200
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				if err := c.Incr(ctx, fmt.Sprintf("ctr%d", j%3)).Err(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	total := int64(0)
	for j := 0; j < 3; j++ {
		n, _ := c.Get(ctx, fmt.Sprintf("ctr%d", j)).Int64()
		total += n
	}
	if total != clients*each {
		t.Fatalf("total = %d, want %d", total, clients*each)
	}
}

// TestConnectionTranscript covers what the differential test cannot: HELLO
// with the client id, and CLIENT SETINFO (Redis 7.2).
func TestConnectionTranscript(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		c := servertest.Dial(t, s.Addr)
		id := strings.TrimSuffix(strings.TrimPrefix(c.Do("CLIENT", "ID"), ":"), "\r\n")
		c.Expect("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:"+id+
			"\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n", "HELLO", "3")
		c.Expect("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:"+id+
			"\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n", "HELLO", "2", "SETNAME", "me")
		c.Expect("$2\r\nme\r\n", "CLIENT", "GETNAME")
		c.Expect("-ERR lib-name cannot contain spaces, newlines or special characters.\r\n", "CLIENT", "SETINFO", "lib-name", "x y")
		c.Expect("+OK\r\n", "CLIENT", "SETINFO", "LIB-NAME", "go-redis")
		c.Expect("+OK\r\n", "CLIENT", "SETINFO", "lib-ver", "9.0")
		c.Expect("-ERR Unrecognized option 'bogus'\r\n", "CLIENT", "SETINFO", "bogus", "1")
		c.Expect("-ERR wrong number of arguments for 'client|setinfo' command\r\n", "CLIENT", "SETINFO", "lib-ver")
		if got := c.Do("CLIENT", "INFO"); !strings.Contains(got, "name=me ") || !strings.Contains(got, " cmd=client|info ") ||
			!strings.Contains(got, "lib-name=go-redis lib-ver=9.0") {
			t.Errorf("CLIENT INFO = %q", got)
		}
		c.Expect("+OK\r\n", "QUIT")
		c.ExpectClosed()
	})
}

// infoField returns one field of an INFO reply.
func infoField(t *testing.T, c *servertest.Conn, section, field string) string {
	t.Helper()
	info := c.Do("INFO", section)
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO %s has no %s:\n%s", section, field, info)
	return ""
}

// TestInfoStatsCounters: the traffic counters add up the clients that are
// connected and the ones that left, and CONFIG RESETSTAT zeroes them.
func TestInfoStatsCounters(t *testing.T) {
	s := servertest.Start(t)
	a := servertest.Dial(t, s.Addr)
	b := servertest.Dial(t, s.Addr)
	a.Expect("+OK\r\n", "CONFIG", "RESETSTAT") // 1 command after the reset: this one
	b.Expect("+PONG\r\n", "PING")
	b.Expect("+OK\r\n", "QUIT")
	b.ExpectClosed()
	// RESETSTAT's own count was discounted; PING, QUIT and this INFO remain.
	if got := infoField(t, a, "stats", "total_commands_processed"); got != "3" {
		t.Fatalf("total_commands_processed = %s, want 3", got)
	}
	if got := infoField(t, a, "stats", "total_net_input_bytes"); got == "0" {
		t.Fatal("total_net_input_bytes = 0")
	}
}
