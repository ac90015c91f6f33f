package server_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// End-to-end tests with other clients than go-redis: redis-cli -3, the Node
// clients node-redis (RESP3 by default) and ioredis, and redis-py. Each
// skips loudly when its tool is missing, unless REDPOOL_DIFF=1 (as in CI),
// when that is a failure.

// requireTool returns the path of the program name, or skips (fails under
// REDPOOL_DIFF=1) with hint saying how to install it.
func requireTool(t *testing.T, name, hint string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missingTool(t, name+" is not on PATH ("+hint+")")
	}
	return path
}

// missingTool skips the test loudly, or fails it under REDPOOL_DIFF=1.
func missingTool(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("REDPOOL_DIFF") == "1" {
		t.Fatalf("REDPOOL_DIFF=1 but %s", why)
	}
	t.Skipf("!!! SKIPPING CLIENT TEST: %s; set REDPOOL_DIFF=1 to make this a failure !!!", why)
}

// runClient runs cmd with REDPOOL_ADDR=addr and stdin, and returns its
// output; it fails the test if the command fails or runs over a minute.
func runClient(t *testing.T, addr, stdin string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "REDPOOL_ADDR="+addr)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// redisCLIScript and redisCLIWant are a redis-cli -3 session and its output
// as redis-cli prints it against Redis 7.0 (maps as "1# k => v", "(empty
// hash)", nulls as "(nil)").
const redisCLIScript = `SET k v
GET k
GET nokey
MGET k nokey
HSET h f v
HGETALL h
HGETALL nokey
HRANDFIELD h 1 WITHVALUES
CONFIG GET maxclients
LPOP nokey 2
RPUSH l a b
LRANGE l 0 -1
INCRBYFLOAT fl 1.5
EXISTS k
MSET a ohmytext b mynewtext
LCS a b IDX MINMATCHLEN 4
SCAN 0 MATCH k
TYPE k
INCR k
COMMAND INFO nosuch
CLIENT GETNAME
`

const redisCLIWant = `OK
"v"
(nil)
1) "v"
2) (nil)
(integer) 1
1# "f" => "v"
(empty hash)
1) 1) "f"
   2) "v"
1# "maxclients" => "10000"
(nil)
(integer) 2
1) "a"
2) "b"
"1.5"
(integer) 1
OK
1# "matches" => 
   1) 1) 1) (integer) 4
         2) (integer) 7
      2) 1) (integer) 5
         2) (integer) 8
2# "len" => (integer) 6
1) "0"
2) 1) "k"
string
(error) ERR value is not an integer or out of range
1) (nil)
(nil)
`

// TestRedisCLIRESP3 runs a redis-cli -3 session (it sends HELLO 3 first)
// and compares its output with what redis-cli prints against Redis.
func TestRedisCLIRESP3(t *testing.T) {
	cli := requireTool(t, "redis-cli", "apt-get install -y redis-tools")
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		host, port, _ := strings.Cut(s.Addr, ":")
		got := runClient(t, s.Addr, redisCLIScript, cli, "-3", "--no-raw", "-h", host, "-p", port)
		if got != redisCLIWant {
			t.Errorf("redis-cli -3 output:\n%s\nwant:\n%s", got, redisCLIWant)
		}
	})
}

// TestNodeClients runs testdata/clients/node/test.mjs: node-redis with its
// default options (RESP3) and ioredis. The dependencies come from `npm ci`
// in that directory (CI runs it).
func TestNodeClients(t *testing.T) {
	node := requireTool(t, "node", "apt-get install -y nodejs npm")
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "testdata", "clients", "node"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "redis")); err != nil {
		missingTool(t, "the node clients are not installed (cd testdata/clients/node && npm ci)")
	}
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		out := runClient(t, s.Addr, "", node, filepath.Join(dir, "test.mjs"))
		if !strings.Contains(out, "node clients ok") {
			t.Fatalf("node test: %s", out)
		}
	})
}

// TestPythonRedis runs testdata/clients/python/redpool_test.py with
// redis-py: in RESP3 with redis-py 5 or later, in RESP2 with Debian 12's
// python3-redis 4.3, which does not speak RESP3.
func TestPythonRedis(t *testing.T) {
	py := pythonWithRedis()
	if py == "" {
		missingTool(t, "no python3 on PATH or in /usr/bin can import redis (apt-get install -y python3-redis)")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "..", "testdata", "clients", "python", "redpool_test.py"))
	if err != nil {
		t.Fatal(err)
	}
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		out := runClient(t, s.Addr, "", py, script)
		if !strings.Contains(out, " ok (RESP") {
			t.Fatalf("python test: %s", out)
		}
		t.Log(strings.TrimSpace(out))
	})
}

// pythonWithRedis returns a python3 that can import redis, or "".
func pythonWithRedis() string {
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import redis").Run() == nil {
			return path
		}
	}
	return ""
}

// TestPythonGroups runs a consumer-group job loop with redis-py
// (testdata/clients/python/groups_test.py): XREADGROUP BLOCK, XACK, a
// consumer dying with jobs pending, XAUTOCLAIM, XINFO.
func TestPythonGroups(t *testing.T) {
	py := pythonWithRedis()
	if py == "" {
		missingTool(t, "no python3 on PATH or in /usr/bin can import redis (apt-get install -y python3-redis)")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "..", "testdata", "clients", "python", "groups_test.py"))
	if err != nil {
		t.Fatal(err)
	}
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		if out := runClient(t, s.Addr, "", py, script); !strings.Contains(out, "groups ok") {
			t.Fatalf("python groups test: %s", out)
		}
	})
}
