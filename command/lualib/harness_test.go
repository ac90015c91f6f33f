package lualib

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	lua "github.com/yuin/gopher-lua"
)

// luaCase is one Lua snippet (a function body) and what it gives, rendered
// by showPrelude: "ok <values>" or "err <message>".
type luaCase struct {
	lua  string
	want string
}

// showPrelude renders a snippet's results deterministically on both VMs:
// strings quoted with \xHH for bytes outside printable ASCII, numbers with
// "%.17g", tables with their entries sorted, cjson.null as null. The
// snippet runs on the last line, so error positions read "user_script:3:".
const showPrelude = `local function show(v, d) local t = type(v) if t == 'string' then local o = {} for i = 1, #v do local b = v:byte(i) if b >= 32 and b < 127 and b ~= 92 then o[#o+1] = string.char(b) else o[#o+1] = string.format('\\x%02x', b) end end return '"' .. table.concat(o) .. '"' elseif t == 'number' then if v ~= v then return 'nan' elseif v == 1/0 then return 'inf' elseif v == -1/0 then return '-inf' end return string.format('%.17g', v) elseif t == 'table' then if d > 20 then return '{...}' end local o = {} for k, x in pairs(v) do o[#o+1] = show(k, d+1) .. '=' .. show(x, d+1) end table.sort(o) return '{' .. table.concat(o, ',') .. '}' elseif t == 'userdata' and v == cjson.null then return 'null' end return tostring(t == 'userdata' and t or v) end
local function pack(...) return {n = select('#', ...), ...} end
local function run(f) local r = pack(pcall(f)) if not r[1] then return 'err ' .. tostring(r[2]) end local o = {} for i = 2, r.n do o[#o+1] = show(r[i], 0) end return 'ok ' .. table.concat(o, ', ') end
return run(function() SNIPPET end)`

// script is the whole chunk run for a case.
func (c luaCase) script() string { return strings.Replace(showPrelude, "SNIPPET", c.lua, 1) }

// newState returns a gopher-lua state with the standard libraries and
// this package's, with room for the 8000 values Lua's C stack allows.
func newState(t testing.TB) *lua.LState {
	t.Helper()
	L := lua.NewState(lua.Options{RegistrySize: 1024 * 20, RegistryMaxSize: 1024 * 80, CallStackSize: 1024})
	t.Cleanup(L.Close)
	Open(L)
	return L
}

// runLua runs a case's script in L and returns its rendering.
func runLua(t testing.TB, L *lua.LState, c luaCase) string {
	t.Helper()
	fn, err := L.Load(strings.NewReader(c.script()), "user_script")
	if err != nil {
		t.Fatalf("%s: compile: %v", c.lua, err)
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		return "lua error: " + err.Error()
	}
	defer L.Pop(1)
	return L.Get(-1).String()
}

// startRedis starts a redis-server on a unix socket in a temporary
// directory and returns a client, or skips loudly when REDPOOL_DIFF is not
// set or redis-server is not installed.
func startRedis(t *testing.T) *redis.Client {
	t.Helper()
	if os.Getenv("REDPOOL_DIFF") == "" {
		t.Skip("SKIP: set REDPOOL_DIFF=1 to check the recorded expectations against a real redis-server")
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("SKIP: redis-server not installed; the recorded expectations were not re-checked")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	rdb := redis.NewClient(&redis.Options{Network: "unix", Addr: sock})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(ctx).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not answer PING within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil || !strings.Contains(info, "redis_version:7.0.") {
		t.Fatalf("want redis 7.0.x, got: %v %.200s", err, info)
	}
	return rdb
}

// TestCasesMatchRedis runs every case on a real redis-server with EVAL
// and checks the recorded expectation is what Redis gives. With
// LUALIB_RECORD=1 it prints the table with Redis's answers instead.
func TestCasesMatchRedis(t *testing.T) {
	rdb := startRedis(t)
	ctx := context.Background()
	record := os.Getenv("LUALIB_RECORD") != ""
	for _, c := range redisCases() {
		got, err := rdb.Eval(ctx, c.script(), nil).Text()
		if err != nil {
			got = "redis error: " + err.Error()
		}
		if record {
			fmt.Printf("\t{%q,\n\t\t%q},\n", c.lua, got)
			continue
		}
		if got != c.want {
			t.Errorf("%s\nredis:    %q\nrecorded: %q", c.lua, got, c.want)
		}
	}
}

// TestCases runs every case in gopher-lua with Open and compares with what
// Redis 7.0.15 gave.
func TestCases(t *testing.T) {
	L := newState(t)
	for _, c := range redisCases() {
		if got := runLua(t, L, c); got != c.want {
			t.Errorf("%s\ngot:  %q\nwant: %q", c.lua, got, c.want)
		}
	}
}
