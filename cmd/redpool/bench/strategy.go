package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"redpool/cmd/redpool/config"
)

// Strategy is one way of running the server: a name and its configuration.
// Bind, Port, Dir and LogLevel of Config are replaced for each run.
type Strategy struct {
	Name   string
	Config config.Config
	// Redis, when not nil, makes this a Redis row: a real redis-server (of
	// Options.RedisBin) with these redis.conf directives, instead of
	// redpool with Config. The directives placing files, the log and the
	// network are added for each run (see redisConf).
	Redis []string
}

// IsRedis reports whether s runs redis-server.
func (s Strategy) IsRedis() bool { return s.Redis != nil }

// snapshotSaveRules are the save rules of the snapshot strategy: save once
// more than one whole second has passed since the last save and anything
// changed. It is the most frequent rule the config allows; as rules are
// checked once a second, it saves about every 2 s, so snapshots fire even
// in a run of a few seconds (the shipped rules, [[3600, 1], [300, 100],
// [60, 10000]], would never fire).
var snapshotSaveRules = []config.SaveRule{{Seconds: 1, Changes: 1}}

// DefaultStrategies returns the strategies compared by default, in order.
// Each sets its backend and persistence mode explicitly, whatever the
// defaults are. All run with the same threads, so that only the way of
// keeping data differs: the most that threads = 0 gives any of them on this
// machine (see config.Config.ThreadCount). Every other key keeps its
// default.
func DefaultStrategies() []Strategy {
	memory := func(name string, mode config.PersistMode, modify func(*config.Config)) Strategy {
		c := config.Default()
		c.Backend = config.BackendMemory
		c.Persistence.Mode = mode
		modify(&c)
		return Strategy{Name: name, Config: c}
	}
	fsync := func(p config.FsyncPolicy) func(*config.Config) {
		return func(c *config.Config) { c.Persistence.AOF.Fsync = p }
	}
	bolt := func(name string, sync config.BoltSync) Strategy {
		c := config.Default()
		c.Backend = config.BackendBolt
		c.Bolt.Sync = sync
		c.Persistence.Mode = config.ModeNone // bolt is durable by itself
		return Strategy{Name: name, Config: c}
	}
	all := []Strategy{
		memory("memory", config.ModeNone, func(*config.Config) {}),
		memory("aof-always", config.ModeAOF, fsync(config.FsyncAlways)),
		memory("aof-everysec", config.ModeAOF, fsync(config.FsyncEverySec)),
		memory("aof-no", config.ModeAOF, fsync(config.FsyncNo)),
		memory("snapshot", config.ModeSnapshot, func(c *config.Config) {
			c.Persistence.Snapshot.Save = snapshotSaveRules
		}),
		bolt("bolt-always", config.BoltSyncAlways),
		bolt("bolt-none", config.BoltSyncNone),
	}
	threads := 0
	for _, s := range all {
		threads = max(threads, s.Config.ThreadCount(runtime.GOMAXPROCS(0)))
	}
	for i := range all {
		all[i].Config.Threads = threads
	}
	return all
}

// SelectStrategies returns the default strategies with the given names, in
// the order given. An unknown or repeated name is an error.
func SelectStrategies(names []string) ([]Strategy, error) {
	all := DefaultStrategies()
	var valid []string
	for _, s := range all {
		valid = append(valid, s.Name)
	}
	var out []Strategy
	seen := map[string]bool{}
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		i := strategyIndex(all, name)
		if i < 0 {
			return nil, fmt.Errorf("unknown strategy %q (valid: %s)", name, strings.Join(valid, ", "))
		}
		if seen[name] {
			return nil, fmt.Errorf("strategy %q given twice", name)
		}
		seen[name] = true
		out = append(out, all[i])
	}
	return out, nil
}

func strategyIndex(all []Strategy, name string) int {
	for i, s := range all {
		if s.Name == name {
			return i
		}
	}
	return -1
}

// StrategyFromFile loads a user's config file as a strategy named after the
// file (its base name without extension). Its files live in each run's fresh
// directory: absolute file names are reduced to their base names, so that
// the bench never touches the data the file points at.
func StrategyFromFile(path string) (Strategy, error) {
	c, err := config.Load(path)
	if err != nil {
		return Strategy{}, err
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	return Strategy{Name: name, Config: c}, nil
}

// prepare writes the config file of a run of s with its data in dataDir to
// cfgPath, and returns how to start the server and whether it keeps its
// data across a restart.
func (s Strategy) prepare(o Options, dataDir, cfgPath string) (launcher, bool, error) {
	if s.IsRedis() {
		err := os.WriteFile(cfgPath, []byte(redisConf(s.Redis, dataDir)), 0o600)
		return launcher{bin: o.RedisBin, args: []string{cfgPath}, portFlag: "--port"}, true, err
	}
	cfg := s.runConfig(dataDir)
	err := writeConfig(cfgPath, cfg)
	return launcher{bin: o.Bin, args: []string{"-config", cfgPath}, portFlag: "-port"}, cfg.Persistent(), err
}

// runConfig returns s's config for a run in dir, logging warnings only, with
// every file in dir. The port is given on the command line of each start.
func (s Strategy) runConfig(dir string) config.Config {
	c := s.Config
	c.Bind = "127.0.0.1"
	c.Port = 0
	c.Dir = dir
	c.LogLevel = config.LogWarn
	for _, name := range []*string{&c.Bolt.File, &c.Persistence.AOF.File, &c.Persistence.Snapshot.File} {
		if filepath.IsAbs(*name) {
			*name = filepath.Base(*name)
		}
	}
	return c
}

// encodeConfig renders c as a config file that config.Parse reads back as c.
func encodeConfig(c config.Config) ([]byte, error) {
	data, err := config.Encode(c)
	if err != nil {
		return nil, err
	}
	return append([]byte("# written by redpool bench\n"), data...), nil
}

// writeConfig writes c's config file to path.
func writeConfig(path string, c config.Config) error {
	data, err := encodeConfig(c)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}
