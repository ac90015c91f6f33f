package bench

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// Redis rows: the same phases against a real redis-server, each beside the
// redpool strategy that keeps data the same way.

// redisCounterparts maps a redpool strategy to its Redis row, in the order
// the Redis rows are listed.
var redisCounterparts = []struct{ redpool, redis string }{
	{"aof-always", "redis-aof-always"},
	{"aof-everysec", "redis-aof-everysec"},
	{"aof-no", "redis-aof-no"},
	{"snapshot", "redis-rdb"},
}

// redisCounterpartOf returns the redpool strategy the Redis row name stands
// beside, or "".
func redisCounterpartOf(name string) string {
	for _, c := range redisCounterparts {
		if c.redis == name {
			return c.redpool
		}
	}
	return ""
}

// RedisStrategies returns the Redis rows: redis-aof-always,
// redis-aof-everysec and redis-aof-no (appendonly yes with that appendfsync,
// no RDB saves) and redis-rdb (RDB saves with the snapshot strategy's save
// rules, no AOF). Every other directive keeps Redis's default.
func RedisStrategies() []Strategy {
	aof := func(fsync string) []string {
		return []string{`save ""`, "appendonly yes", "appendfsync " + fsync}
	}
	var rules []string
	for _, r := range snapshotSaveRules {
		rules = append(rules, fmt.Sprintf("%d %d", r.Seconds, r.Changes))
	}
	rdb := []string{"save " + strconv.Quote(strings.Join(rules, " ")), "appendonly no"}
	return []Strategy{
		{Name: "redis-aof-always", Redis: aof("always")},
		{Name: "redis-aof-everysec", Redis: aof("everysec")},
		{Name: "redis-aof-no", Redis: aof("no")},
		{Name: "redis-rdb", Redis: rdb},
	}
}

// WithRedis returns strategies with each one's Redis row right after it
// (redis-rdb after snapshot, redis-aof-always after aof-always, ...). If
// none of them has one, every Redis row is appended.
func WithRedis(strategies []Strategy) []Strategy {
	rows := RedisStrategies()
	redisRow := func(name string) (Strategy, bool) {
		for _, c := range redisCounterparts {
			if c.redpool != name {
				continue
			}
			for _, r := range rows {
				if r.Name == c.redis {
					return r, true
				}
			}
		}
		return Strategy{}, false
	}
	var out []Strategy
	paired := false
	for _, s := range strategies {
		out = append(out, s)
		if r, ok := redisRow(s.Name); ok && !s.IsRedis() {
			out = append(out, r)
			paired = true
		}
	}
	if !paired {
		out = append(out, rows...)
	}
	return out
}

// redisConf renders a redis.conf for a run with its files in dir: the
// network and log directives, then the strategy's own.
func redisConf(directives []string, dir string) string {
	var b strings.Builder
	b.WriteString("# written by redpool bench\n")
	for _, line := range []string{
		"bind 127.0.0.1",
		"protected-mode no",
		"daemonize no",
		"dir " + strconv.Quote(dir),
		`logfile ""`,
		"loglevel warning",
	} {
		b.WriteString(line + "\n")
	}
	for _, line := range directives {
		b.WriteString(line + "\n")
	}
	return b.String()
}

// redisVersion returns the version redis-server at bin reports, e.g.
// "7.0.15".
func redisVersion(bin string) (string, error) {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", bin, err)
	}
	// Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=...
	for f := range strings.FieldsSeq(string(out)) {
		if v, ok := strings.CutPrefix(f, "v="); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("%s --version: no version in %q", bin, strings.TrimSpace(string(out)))
}
