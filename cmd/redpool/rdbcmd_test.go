package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
	"redpool/persistence/rdb"
	"redpool/persistence/snapshot"
)

// The round trip with a real Redis 7.0: Redis writes an RDB file with
// every type and encoding, expiry times, several databases and a function
// library; import-rdb loads it into each kind of store; the server then
// holds exactly Redis's data. export-rdb writes it back, Redis loads that,
// and again holds exactly the same data.

// rdbStores are the stores import-rdb and export-rdb work on.
var rdbStores = []struct {
	name  string
	apply func(*config.Config)
}{
	{"memory-aof", func(c *config.Config) { c.Persistence.Mode = config.ModeAOF }},
	{"memory-snapshot", func(c *config.Config) { c.Persistence.Mode = config.ModeSnapshot }},
	{"bolt", func(c *config.Config) { c.Backend = config.BackendBolt; c.Bolt.Sync = config.BoltSyncNone }},
}

// fillRedis writes the test data set into a real Redis (or redpool).
func fillRedis(t *testing.T, ctx context.Context, c *redis.Client, populate bool) {
	t.Helper()
	do := func(args ...any) {
		t.Helper()
		if err := c.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	if populate {
		do("DEBUG", "POPULATE", 3000, "pop", 12)
	}
	far := time.Now().Add(24 * time.Hour).UnixMilli()
	for _, db := range []int{0, 1, 7} {
		do("SELECT", db)
		p := fmt.Sprintf("d%d:", db)
		do("SET", p+"str", "hello")
		do("SET", p+"int", "-12345")
		do("SET", p+"big int", "123456789012345")
		do("SET", p+"long", strings.Repeat("abc", 100)) // LZF
		do("SET", p+"bin", "\x00\xff\r\n binary")
		do("SET", p+"empty", "")
		do("RPUSH", p+"list", "a", "1", "-2", "300000", "x y")
		var many []any
		for i := range 1000 {
			many = append(many, fmt.Sprintf("element-%d", i))
		}
		do(append([]any{"RPUSH", p + "biglist"}, many...)...)
		do("HSET", p+"hash", "f", "v", "n", "1")
		hargs := []any{"HSET", p + "bighash"}
		for i := range 600 {
			hargs = append(hargs, fmt.Sprint("field", i), strings.Repeat("v", i%100))
		}
		do(hargs...)
		do("SADD", p+"intset", 1, 2, 3, -40000, 9999999999)
		do("SADD", p+"set", "a", "b", "c")
		sargs := []any{"SADD", p + "bigset"}
		for i := range 700 {
			sargs = append(sargs, i)
		}
		do(sargs...)
		do("ZADD", p+"zset", 1.5, "a", "-inf", "b", "+inf", "c", 0.1, "d", 3, "e")
		zargs := []any{"ZADD", p + "bigzset"}
		for i := range 300 {
			zargs = append(zargs, float64(i)/7, fmt.Sprint("member", i))
		}
		do(zargs...)
		do("PEXPIREAT", p+"str", far+int64(db))
		do("PEXPIREAT", p+"biglist", far+1000)
		do("PEXPIREAT", p+"bigzset", far+2000)
		do("PEXPIREAT", p+"intset", far+3000)
	}
	do("SELECT", 0)
	do("FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)")
}

// dumpData reads every key of every database of the server at addr as
// "type expiry value" lines keyed by "db/key", with unordered collections
// sorted.
func dumpData(t *testing.T, ctx context.Context, addr string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for db := range 16 {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2})
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, "*", 1000).Result()
			if err != nil {
				t.Fatalf("SCAN on %s: %v", addr, err)
			}
			for _, k := range keys {
				out[fmt.Sprintf("%d/%s", db, k)] = dumpKey(t, ctx, c, k)
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
		_ = c.Close()
	}
	return out
}

func dumpKey(t *testing.T, ctx context.Context, c *redis.Client, k string) string {
	t.Helper()
	typ := c.Type(ctx, k).Val()
	at := c.PExpireTime(ctx, k).Val()
	var val any
	var err error
	switch typ {
	case "string":
		val, err = c.Get(ctx, k).Result()
	case "list":
		val, err = c.LRange(ctx, k, 0, -1).Result()
	case "hash":
		var m map[string]string
		m, err = c.HGetAll(ctx, k).Result()
		var pairs []string
		for f, v := range m {
			pairs = append(pairs, f+"="+v)
		}
		slices.Sort(pairs)
		val = pairs
	case "set":
		var ms []string
		ms, err = c.SMembers(ctx, k).Result()
		slices.Sort(ms)
		val = ms
	case "zset":
		val, err = c.Do(ctx, "ZRANGE", k, 0, -1, "WITHSCORES").Result()
	default:
		t.Fatalf("key %q has type %q", k, typ)
	}
	if err != nil {
		t.Fatalf("reading %q: %v", k, err)
	}
	return fmt.Sprintf("%s %d %q", typ, at, val)
}

// compareData fails the test for every key that differs.
func compareData(t *testing.T, got, want map[string]string) {
	t.Helper()
	bad := 0
	for k, w := range want {
		if g := got[k]; g != w && bad < 10 {
			bad++
			t.Errorf("key %s:\n got %.200s\nwant %.200s", k, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok && bad < 10 {
			bad++
			t.Errorf("key %s should not exist", k)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d keys, want %d", len(got), len(want))
	}
}

// functionCodes returns the code of every function library of the server.
func functionCodes(t *testing.T, ctx context.Context, addr string) []string {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer c.Close()
	libs, err := c.FunctionList(ctx, redis.FunctionListQuery{WithCode: true}).Result()
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, l := range libs {
		codes = append(codes, l.Code)
	}
	slices.Sort(codes)
	return codes
}

// startRedisOn starts a real redis-server that loads dir/file at start.
func startRedisOn(t *testing.T, dir, file string) string {
	t.Helper()
	return servertest.StartRedis(t, "--dir", dir, "--dbfilename", file).Addr
}

func TestRDBRoundTripWithRedis(t *testing.T) {
	ctx := context.Background()
	dumpDir := t.TempDir()
	r := servertest.StartRedis(t, "--dir", dumpDir, "--enable-debug-command", "yes")
	rc := redis.NewClient(&redis.Options{Addr: r.Addr, Protocol: 2})
	defer rc.Close()
	fillRedis(t, ctx, rc, true)
	want := dumpData(t, ctx, r.Addr)
	if len(want) != 3000+3*15 || !strings.HasPrefix(want["7/d7:str"], "string 17") {
		t.Fatalf("the data set: %d keys, 7/d7:str is %q", len(want), want["7/d7:str"])
	}
	wantFns := functionCodes(t, ctx, r.Addr)
	if err := rc.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	rdbPath := filepath.Join(dumpDir, "dump.rdb")

	for _, st := range rdbStores {
		t.Run(st.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Dir = t.TempDir()
			st.apply(&cfg)
			cfgPath := servertest.WriteConfig(t, cfg.Dir, cfg)
			code, out, errOut := runCmd(t, "snapshot", "import-rdb", "-config", cfgPath, rdbPath)
			if code != 0 {
				t.Fatalf("import-rdb: exit %d: %s", code, errOut)
			}
			if !strings.Contains(out, fmt.Sprintf("imported %d keys", len(want))) {
				t.Errorf("import-rdb said %q, want %d keys", out, len(want))
			}
			if !strings.Contains(out, "and 1 function libraries") {
				t.Errorf("import-rdb said %q, want 1 library", out)
			}
			// Again: refused, the store holds keys; -force replaces them.
			code, _, errOut = runCmd(t, "snapshot", "import-rdb", "-config", cfgPath, rdbPath)
			if code != 1 || !strings.Contains(errOut, "use -force to replace") {
				t.Errorf("import-rdb into a full store: exit %d: %q", code, errOut)
			}
			if code, _, errOut = runCmd(t, "snapshot", "import-rdb", "-config", cfgPath, "--force", rdbPath); code != 0 {
				t.Fatalf("import-rdb --force: exit %d: %s", code, errOut)
			}

			cfg.Port = 0
			s := servertest.StartConfig(t, cfg, server.Options{})
			compareData(t, dumpData(t, ctx, s.Addr), want)
			if got := functionCodes(t, ctx, s.Addr); !slices.Equal(got, wantFns) {
				t.Errorf("libraries %q, want %q", got, wantFns)
			}
			if err := s.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}

			outDir := t.TempDir()
			code, out, errOut = runCmd(t, "snapshot", "export-rdb", "-config", cfgPath, filepath.Join(outDir, "out.rdb"))
			if code != 0 {
				t.Fatalf("export-rdb: exit %d: %s", code, errOut)
			}
			if !strings.Contains(out, fmt.Sprintf("exported %d keys", len(want))) {
				t.Errorf("export-rdb said %q", out)
			}
			redisCheckRDB(t, filepath.Join(outDir, "out.rdb"))
			back := startRedisOn(t, outDir, "out.rdb")
			compareData(t, dumpData(t, ctx, back), want)
			if got := functionCodes(t, ctx, back); !slices.Equal(got, wantFns) {
				t.Errorf("libraries in Redis after export %q, want %q", got, wantFns)
			}
		})
	}
}

// TestImportRDBErrors: files import-rdb refuses, with the store left as
// it was.
func TestImportRDBErrors(t *testing.T) {
	golden := func(name string) string { return filepath.Join("..", "..", "persistence", "rdb", "testdata", name) }
	cfg := config.Default()
	cfg.Dir = t.TempDir()
	cfg.Persistence.Mode = config.ModeSnapshot
	cfgPath := servertest.WriteConfig(t, cfg.Dir, cfg)
	bad := filepath.Join(t.TempDir(), "bad.rdb")
	data, err := os.ReadFile(golden("all.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-100] ^= 1
	if err := os.WriteFile(bad, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file, want string
	}{
		{bad, "rdb: checksum mismatch"},
		{golden("gen.sh"), "rdb: not an RDB file"},
		{filepath.Join(cfg.Dir, "nope.rdb"), "no such file"},
	} {
		code, _, errOut := runCmd(t, "snapshot", "import-rdb", "-config", cfgPath, tc.file)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d: %q, want %q", tc.file, code, errOut, tc.want)
		}
	}
	if _, err := os.Stat(cfg.Path(cfg.Persistence.Snapshot.File)); !os.IsNotExist(err) {
		t.Errorf("a failed import left a snapshot file: %v", err)
	}
	// A memory server without persistence loads nothing.
	cfg.Persistence.Mode = config.ModeNone
	cfgPath = servertest.WriteConfig(t, cfg.Dir, cfg)
	code, _, errOut := runCmd(t, "snapshot", "import-rdb", "-config", cfgPath, golden("all.rdb"))
	if code != 1 || !strings.Contains(errOut, "the server would load nothing") {
		t.Errorf("persistence none: exit %d: %q", code, errOut)
	}
	if code, _, _ := runCmd(t, "snapshot", "import-rdb", "-config", cfgPath); code != 2 {
		t.Errorf("no file: exit %d, want 2", code)
	}
}

// redisCheckRDB runs redis-check-rdb on path if it is installed.
func redisCheckRDB(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("redis-check-rdb")
	if err != nil {
		return
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "RDB looks OK!") {
		t.Errorf("redis-check-rdb %s: %v\n%s", path, err, out)
	}
}

// TestImportRDBSnapshotStream: a file without function libraries goes
// into a snapshot record by record; keys already expired are skipped.
func TestImportRDBSnapshotStream(t *testing.T) {
	src := filepath.Join(t.TempDir(), "in.rdb")
	err := rdb.WriteFile(src, rdb.FileOptions{}, func(f *rdb.FileWriter) error {
		for _, e := range sampleEntries() {
			if err := f.WriteEntry(&e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Dir = t.TempDir()
	cfg.Persistence.Mode = config.ModeSnapshot
	cfgPath := servertest.WriteConfig(t, cfg.Dir, cfg)
	code, out, errOut := runCmd(t, "snapshot", "import-rdb", "-config", cfgPath, src)
	if code != 0 || !strings.Contains(out, "imported 3 keys and 0 function libraries") || !strings.Contains(out, "(1 already expired, skipped)") {
		t.Fatalf("exit %d: %q %q", code, out, errOut)
	}
	sum, err := snapshot.Inspect(cfg.Path(cfg.Persistence.Snapshot.File))
	if err != nil || sum.Header.Keys != 3 {
		t.Fatalf("the snapshot: %+v %v", sum, err)
	}
}
