package bench

import (
	"slices"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// benchRedisBin returns redis-server's path, or skips loudly (fails under
// REDPOOL_DIFF=1).
func benchRedisBin(t *testing.T) string {
	t.Helper()
	return servertest.LookTool(t, "redis-server", "redis-server", "THE BENCH'S REDIS ROWS")
}

// benchNames returns the strategies' names.
func benchNames(strategies []Strategy) []string {
	var out []string
	for _, s := range strategies {
		out = append(out, s.Name)
	}
	return out
}

func TestWithRedis(t *testing.T) {
	tests := []struct {
		names []string
		want  []string
	}{
		{
			benchNames(DefaultStrategies()),
			[]string{"memory", "aof-always", "redis-aof-always", "aof-everysec", "redis-aof-everysec",
				"aof-no", "redis-aof-no", "snapshot", "redis-rdb", "bolt-always", "bolt-none"},
		},
		{[]string{"snapshot", "memory"}, []string{"snapshot", "redis-rdb", "memory"}},
		{[]string{"memory"}, []string{"memory", "redis-aof-always", "redis-aof-everysec", "redis-aof-no", "redis-rdb"}},
	}
	for _, tt := range tests {
		s, err := SelectStrategies(tt.names)
		if err != nil {
			t.Fatal(err)
		}
		if got := benchNames(WithRedis(s)); !slices.Equal(got, tt.want) {
			t.Errorf("%v: got %v, want %v", tt.names, got, tt.want)
		}
	}
}

func TestRedisConf(t *testing.T) {
	rows := RedisStrategies()
	want := map[string]string{
		"redis-aof-always":   "save \"\"\nappendonly yes\nappendfsync always\n",
		"redis-aof-everysec": "save \"\"\nappendonly yes\nappendfsync everysec\n",
		"redis-aof-no":       "save \"\"\nappendonly yes\nappendfsync no\n",
		"redis-rdb":          "save \"1 1\"\nappendonly no\n", // snapshotSaveRules
	}
	for _, s := range rows {
		conf := redisConf(s.Redis, "/tmp/x")
		head := "# written by redpool bench\nbind 127.0.0.1\nprotected-mode no\ndaemonize no\ndir \"/tmp/x\"\n" +
			"logfile \"\"\nloglevel warning\n"
		if conf != head+want[s.Name] {
			t.Errorf("%s:\n%s", s.Name, conf)
		}
	}
}

// The end-to-end run with a Redis row: two redpool strategies, every
// family of commands, and the Redis counterpart of aof-always, with the
// recovery (the dataset digest before and after) and crash phases; then
// its results in every output format, the HTML report in Chromium.
func TestRunWithRedisAllTypes(t *testing.T) {
	redis := benchRedisBin(t)
	w := tinyWorkload()
	w.Types = []DataType{Strings, Lists, Hashes, Sets, ZSets, Streams, Scripts, Tx, Mixed}
	o := Options{
		RedisBin:      redis,
		Strategies:    WithRedis([]Strategy{strategy(t, "memory"), strategy(t, "aof-always")}),
		Workload:      w,
		CrashDuration: 300 * time.Millisecond,
	}
	res := runBench(t, o)
	if got := benchNames(WithRedis([]Strategy{strategy(t, "memory"), strategy(t, "aof-always")})); len(res) != 3 || res[2].Strategy != got[2] {
		t.Fatalf("results %+v for %v", res, got)
	}
	for _, r := range res {
		checkMeasured(t, r, true)
	}
	mem, aof, red := res[0], res[1], res[2]
	if mem.Server != "redpool" || aof.Server != "redpool" || !strings.HasPrefix(red.Server, "redis 7.") {
		t.Errorf("servers %q %q %q", mem.Server, aof.Server, red.Server)
	}
	for _, r := range []Result{aof, red} {
		if r.RecoveredKeys != r.Keys || r.DiskBytes <= 0 {
			t.Errorf("%s: recovered %d of %d keys, %d bytes on disk", r.Strategy, r.RecoveredKeys, r.Keys, r.DiskBytes)
		}
		if r.AckedLost != 0 {
			t.Errorf("%s lost %d of %d acked writes", r.Strategy, r.AckedLost, r.AckedWrites)
		}
	}
	if red.PowerLoss() != nil || fmtPowerLoss(red) != "n/a" {
		t.Errorf("Redis reports a power-loss exposure: %+v", red.PowerLoss())
	}
	benchReportFormats(t, o, res)
}

// In the charts a Redis row shares its counterpart's colour, lighter.
func TestChartPairsRedisRows(t *testing.T) {
	res := []Result{
		{Strategy: "memory", Server: "redpool"},
		{Strategy: "aof-always", Server: "redpool"},
		{Strategy: "redis-aof-always", Server: "redis 7.0.15"},
		{Strategy: "snapshot", Server: "redpool"},
		{Strategy: "redis-aof-no", Server: "redis 7.0.15"}, // not beside aof-no
	}
	colours, paired := rowColours(res)
	want := []string{palette[0], palette[1], palette[1], palette[2], palette[3]}
	if !slices.Equal(colours, want) || !slices.Equal(paired, []bool{false, false, true, false, false}) {
		t.Errorf("colours %v, paired %v", colours, paired)
	}
	res[2].OpsPerSec = 1
	svg := panelSVG(chartPanels[0], res, "x")
	if !strings.Contains(svg, `fill="`+palette[1]+`" fill-opacity="0.55" stroke="`+palette[1]+`"`) {
		t.Errorf("the Redis bar is not drawn lighter in its counterpart's colour:\n%s", svg)
	}
}
