package lualib

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestSpeedVersusRedis times the same Lua loops over each library in
// Redis (one EVAL) and in gopher-lua, and logs the per-call times and
// their ratio. It asserts nothing: the machine is shared and noisy; run
// it with -v under REDPOOL_DIFF=1 to see the figures.
func TestSpeedVersusRedis(t *testing.T) {
	rdb := startRedis(t)
	ctx := context.Background()
	L := newState(t)
	const n = 20000
	setup := `local doc = '` + benchDoc + `' local t = cjson.decode(doc) local p = cmsgpack.pack(t) local s = struct.pack('>I4 d c5', 7, 0.5, 'hello') `
	for _, c := range []struct{ name, body string }{
		{"empty loop", ``},
		{"cjson.encode", `cjson.encode(t)`},
		{"cjson.decode", `cjson.decode(doc)`},
		{"cmsgpack.pack", `cmsgpack.pack(t)`},
		{"cmsgpack.unpack", `cmsgpack.unpack(p)`},
		{"struct.pack+unpack", `struct.unpack('>I4 d c5', struct.pack('>I4 d c5', 7, 0.5, 'hello'))`},
		{"bit.band", `bit.band(0xff00, 0x0ff0, -1)`},
	} {
		script := setup + `for i = 1, ` + "20000" + ` do ` + c.body + ` end return 1`
		start := time.Now()
		if err := rdb.Eval(ctx, script, nil).Err(); err != nil {
			t.Fatalf("%s: redis: %v", c.name, err)
		}
		redisNs := time.Since(start).Nanoseconds() / n
		start = time.Now()
		if err := L.DoString(strings.Replace(script, "return 1", "", 1)); err != nil {
			t.Fatalf("%s: gopher-lua: %v", c.name, err)
		}
		goNs := time.Since(start).Nanoseconds() / n
		t.Logf("%-20s redis %6d ns/call  gopher-lua %6d ns/call  redpool/redis speed %.2f", c.name, redisNs, goNs, float64(redisNs)/float64(max(goNs, 1)))
	}
}
