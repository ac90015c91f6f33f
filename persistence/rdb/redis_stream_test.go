package rdb_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redpool/backend"
	"redpool/cmd/redpool/server/servertest"
	"redpool/persistence/rdb"
)

// streamKeys are streams TestRedisStreams builds in Redis. lossy: entries
// were deleted, which redpool does not keep, so the payload it writes
// differs from Redis's (but loads into the same stream).
func streamKeys() []struct {
	name  string
	cmds  [][]any
	lossy bool
} {
	xadd := func(n int, f func(i int) []any) [][]any { return repeat(n, f) }
	many := xadd(250, func(i int) []any {
		if i%3 == 2 {
			return []any{"XADD", "k", strconv.Itoa(i+1) + "-0", "other", strconv.Itoa(i), "x", "y"}
		}
		return []any{"XADD", "k", strconv.Itoa(i+1) + "-" + strconv.Itoa(i%2), "name", "n" + strconv.Itoa(i), "value", strconv.Itoa(i * 37)}
	})
	groups := func(cmds [][]any) [][]any {
		return append(cmds,
			[]any{"XGROUP", "CREATE", "k", "g1", "0"},
			[]any{"XGROUP", "CREATE", "k", "g2", "$"},
			[]any{"XGROUP", "CREATE", "k", "g3", "0", "ENTRIESREAD", "2"},
			[]any{"XREADGROUP", "GROUP", "g1", "alice", "COUNT", "3", "STREAMS", "k", ">"},
			[]any{"XREADGROUP", "GROUP", "g1", "bob", "COUNT", "2", "STREAMS", "k", ">"},
			[]any{"XREADGROUP", "GROUP", "g3", "bob", "COUNT", "1", "STREAMS", "k", ">"},
			[]any{"XGROUP", "CREATECONSUMER", "k", "g1", "carol"},
		)
	}
	dels := append(slices.Clone(many),
		[]any{"XDEL", "k", "1-0", "2-1", "150-1", "249-0"}, // a node's first entry, others
		[]any{"XDEL", "k", "101-0", "102-1", "103-0"},
	)
	for i := 104; i <= 200; i++ { // a whole node
		dels = append(dels, []any{"XDEL", "k", fmt.Sprintf("%d-%d", i, map[bool]int{true: 0, false: (i - 1) % 2}[(i-1)%3 == 2])})
	}
	return []struct {
		name  string
		cmds  [][]any
		lossy bool
	}{
		{name: "stream_small", cmds: [][]any{{"XADD", "k", "1-1", "name", "ann", "age", "41"}, {"XADD", "k", "1-2", "name", "bob", "age", "-7"}, {"XADD", "k", "2-0", "other", "x"}}},
		{name: "stream_nodes", cmds: many},
		{name: "stream_groups", cmds: groups(slices.Clone(many[:20]))},
		{name: "stream_claimed", cmds: append(groups(slices.Clone(many[:20])),
			[]any{"XACK", "k", "g1", "1-0"},
			[]any{"XCLAIM", "k", "g1", "carol", "0", "2-1", "RETRYCOUNT", "7"},
			[]any{"XGROUP", "SETID", "k", "g2", "5-0", "ENTRIESREAD", "3"})},
		{name: "stream_empty", cmds: [][]any{{"XADD", "k", "MAXLEN", "0", "5-5", "a", "b"}}},
		{name: "stream_mkstream", cmds: [][]any{{"XGROUP", "CREATE", "k", "g", "$", "MKSTREAM"}}},
		{name: "stream_setid", cmds: [][]any{{"XADD", "k", "3-0", "a", "1"}, {"XSETID", "k", "10-10", "ENTRIESADDED", "9", "MAXDELETEDID", "7-0"}}},
		{name: "stream_values", cmds: [][]any{
			{"XADD", "k", "1-18446744073709551614", "1", strings.Repeat("lorem ipsum ", 20), "-5", "9223372036854775807"},
			{"XADD", "k", "9999999999999-0", "1", "x", "-5", "-9223372036854775808"},
			{"XADD", "k", "9999999999999-1", "f", "", "g", "3.14"}}},
		{name: "stream_trimmed", cmds: append(slices.Clone(many), []any{"XTRIM", "k", "MAXLEN", "~", "120"})},
		{name: "stream_del", cmds: groups(dels), lossy: true},
		{name: "stream_del_exact_trim", cmds: append(slices.Clone(many), []any{"XTRIM", "k", "MAXLEN", "=", "120"}), lossy: true},
	}
}

// TestRedisStreams: streams DUMPed by a real Redis 7.0 decode, encode
// back to Redis's bytes (to an equivalent payload when entries were
// deleted), and RESTORE into Redis as the same stream (XINFO STREAM FULL).
func TestRedisStreams(t *testing.T) {
	r := servertest.StartRedis(t)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: r.Addr})
	defer c.Close()
	for _, k := range streamKeys() {
		t.Run(k.name, func(t *testing.T) {
			c.Del(ctx, "k", "back")
			for _, cmd := range k.cmds {
				if err := c.Do(ctx, cmd...).Err(); err != nil && err != redis.Nil {
					t.Fatalf("%v: %v", cmd, err)
				}
			}
			p, err := c.Dump(ctx, "k").Result()
			if err != nil {
				t.Fatal(err)
			}
			payload := []byte(p)
			ours := checkStreamRoundTrip(t, payload, !k.lossy)
			if err := c.Restore(ctx, "back", 0, string(ours)).Err(); err != nil {
				t.Fatalf("Redis refuses our payload: %v", err)
			}
			want, got := xinfoFull(t, c, "k", k.lossy), xinfoFull(t, c, "back", k.lossy)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("XINFO STREAM FULL differs\nredis: %v\nours:  %v", want, got)
			}
			if *update {
				if err := os.WriteFile(filepath.Join("testdata", "redis", k.name+".dump"), payload, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// checkStreamRoundTrip decodes a Redis stream payload, encodes it again
// (exact: to Redis's bytes) and checks that what it wrote decodes to the
// same records. It returns the payload it wrote.
func checkStreamRoundTrip(t *testing.T, payload []byte, exact bool) []byte {
	t.Helper()
	if exact {
		checkRoundTrip(t, payload)
	}
	v, err := rdb.ParseDumpPayload(payload, true)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := rdb.DumpPayload(v, rdb.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	back, err := rdb.ParseDumpPayload(ours, true)
	if err != nil || !slices.EqualFunc(back.Items, v.Items, bytes.Equal) {
		t.Fatalf("our payload decodes to other records: %v", err)
	}
	return ours
}

// xinfoFull is key's XINFO STREAM FULL; lossy drops radix-tree-nodes (the
// rax's inner nodes depend on the master ids, which redpool's nodes take
// from their first live entry).
func xinfoFull(t *testing.T, c *redis.Client, key string, lossy bool) any {
	t.Helper()
	v, err := c.Do(context.Background(), "XINFO", "STREAM", key, "FULL").Result()
	if err != nil {
		t.Fatal(err)
	}
	m, ok := v.(map[any]any)
	if !ok {
		t.Fatalf("XINFO STREAM FULL: %T", v)
	}
	if lossy {
		delete(m, "radix-tree-nodes")
	}
	return m
}

// TestRedisStreamFile: Redis loads the RDB file redpool writes from a
// file of streams Redis wrote (testdata/streams.rdb) as the same streams.
func TestRedisStreamFile(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join("testdata", "streams.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := rdb.NewFileReader(bytes.NewReader(orig), int64(len(orig)))
	if err != nil {
		t.Fatal(err)
	}
	ours := filepath.Join(t.TempDir(), "ours.rdb")
	err = rdb.WriteFile(ours, rdb.FileOptions{}, func(w *rdb.FileWriter) error {
		_, err := rdb.Each(f, 0, w.WriteEntry, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	origDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(origDir, "orig.rdb"), orig, 0o644); err != nil {
		t.Fatal(err)
	}
	addrs := map[string]string{}
	for name, file := range map[string]string{"redis": filepath.Join(origDir, "orig.rdb"), "ours": ours} {
		addrs[name] = servertest.StartRedis(t, "--dir", filepath.Dir(file), "--dbfilename", filepath.Base(file)).Addr
	}
	client := func(name string, db int) *redis.Client {
		c := redis.NewClient(&redis.Options{Addr: addrs[name], DB: db})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	for _, k := range []struct {
		db    int
		key   string
		lossy bool
	}{{0, "sbig", true}, {0, "ssmall", false}, {0, "sempty", false}, {2, "sother", false}} {
		want, got := xinfoFull(t, client("redis", k.db), k.key, k.lossy), xinfoFull(t, client("ours", k.db), k.key, k.lossy)
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: XINFO STREAM FULL differs\nredis: %v\nours:  %v", k.key, want, got)
		}
	}
	if at := client("ours", 0).Do(context.Background(), "PEXPIRETIME", "ssmall").Val(); at != int64(4102444800123) {
		t.Errorf("PEXPIRETIME ssmall: %v", at)
	}
}

// TestRedisStreamRewrite: the commands the stream type's Rewrite emits for
// a stream are the ones Redis 7.0's AOF rewrite writes for it, byte for
// byte (aof-use-rdb-preamble no).
func TestRedisStreamRewrite(t *testing.T) {
	dir := t.TempDir()
	r := servertest.StartRedis(t, "--dir", dir, "--appendonly", "yes", "--aof-use-rdb-preamble", "no")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: r.Addr})
	defer c.Close()
	keys := streamKeys()
	for _, k := range keys {
		for _, cmd := range k.cmds {
			cmd = slices.Clone(cmd)
			for i, a := range cmd {
				if a == "k" {
					cmd[i] = k.name
				}
			}
			if err := c.Do(ctx, cmd...).Err(); err != nil && err != redis.Nil {
				t.Fatalf("%v: %v", cmd, err)
			}
		}
	}
	if err := c.Do(ctx, "BGREWRITEAOF").Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		info := c.Info(ctx, "persistence").Val()
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") &&
			strings.Contains(info, "aof_last_bgrewrite_status:ok") && !strings.Contains(info, "aof_rewrites:0") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rewrite did not finish: %s", info)
		}
		time.Sleep(20 * time.Millisecond)
	}
	bases, _ := filepath.Glob(filepath.Join(dir, "appendonlydir", "*.base.aof"))
	if len(bases) != 1 {
		t.Fatalf("base files %q", bases)
	}
	data, err := os.ReadFile(bases[0])
	if err != nil {
		t.Fatal(err)
	}
	redisCmds := map[string][]string{}
	for _, argv := range parseRESPCommands(t, data) {
		key := argv[1]
		if argv[0] == "XGROUP" {
			key = argv[2]
		}
		redisCmds[key] = append(redisCmds[key], strings.Join(argv, " "))
	}
	info, _ := backend.Lookup(backend.TypeStream)
	for _, k := range keys {
		p, err := c.Dump(ctx, k.name).Result()
		if err != nil {
			t.Fatal(err)
		}
		v, err := rdb.ParseDumpPayload([]byte(p), true)
		if err != nil {
			t.Fatal(err)
		}
		var ours []string
		err = info.Rewrite([]byte(k.name), v.Items, func(argv ...[]byte) error {
			s := make([]string, len(argv))
			for i, a := range argv {
				s[i] = string(a)
			}
			ours = append(ours, strings.Join(s, " "))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ours) < 2 || !slices.Equal(ours, redisCmds[k.name]) {
			t.Errorf("%s: rewritten as\n%s\nRedis rewrites it as\n%s", k.name, strings.Join(ours, "\n"), strings.Join(redisCmds[k.name], "\n"))
		}
	}
}

// parseRESPCommands splits an AOF into its commands (arrays of bulks),
// leaving out SELECT.
func parseRESPCommands(t *testing.T, data []byte) [][]string {
	t.Helper()
	var out [][]string
	line := func() string {
		i := bytes.Index(data, []byte("\r\n"))
		if i < 0 {
			t.Fatalf("no line end in %q", data)
		}
		l := string(data[:i])
		data = data[i+2:]
		return l
	}
	for len(data) > 0 {
		h := line()
		n, err := strconv.Atoi(strings.TrimPrefix(h, "*"))
		if err != nil || h[0] != '*' {
			t.Fatalf("bad array header %q", h)
		}
		argv := make([]string, n)
		for i := range argv {
			l, err := strconv.Atoi(strings.TrimPrefix(line(), "$"))
			if err != nil {
				t.Fatal(err)
			}
			argv[i] = string(data[:l])
			data = data[l+2:]
		}
		if argv[0] != "SELECT" {
			out = append(out, argv)
		}
	}
	return out
}
