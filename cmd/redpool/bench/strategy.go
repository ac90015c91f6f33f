package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/BurntSushi/toml"

	"redpool/cmd/redpool/config"
)

// Strategy is one way of running the server: a name and its configuration.
// Bind, Port, Dir and LogLevel of Config are replaced for each run.
type Strategy struct {
	Name   string
	Config config.Config
}

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
	limit := func(l config.OutputBufferLimit) map[string]any {
		return map[string]any{"hard": l.Hard, "soft": l.Soft, "soft_seconds": l.SoftSeconds}
	}
	save := make([][2]int64, len(c.Persistence.Snapshot.Save))
	for i, r := range c.Persistence.Snapshot.Save {
		save[i] = [2]int64{r.Seconds, r.Changes}
	}
	doc := map[string]any{
		"bind":               c.Bind,
		"port":               c.Port,
		"dir":                c.Dir,
		"databases":          c.Databases,
		"max_clients":        c.MaxClients,
		"threads":            c.Threads,
		"timeout":            c.Timeout,
		"log_level":          c.LogLevel,
		"proto_max_bulk_len": c.ProtoMaxBulkLen,
		"backend":            c.Backend,
		"bolt": map[string]any{
			"file": c.Bolt.File,
			"sync": c.Bolt.Sync,
		},
		"persistence": map[string]any{
			"mode": c.Persistence.Mode,
			"aof": map[string]any{
				"file":               c.Persistence.AOF.File,
				"fsync":              c.Persistence.AOF.Fsync,
				"rewrite_percentage": c.Persistence.AOF.RewritePercentage,
				"rewrite_min_size":   c.Persistence.AOF.RewriteMinSize,
			},
			"snapshot": map[string]any{
				"file": c.Persistence.Snapshot.File,
				"save": save,
			},
		},
		"client_output_buffer_limit": map[string]any{
			"normal":  limit(c.OutputBufferLimit.Normal),
			"replica": limit(c.OutputBufferLimit.Replica),
			"pubsub":  limit(c.OutputBufferLimit.PubSub),
		},
		"notify_keyspace_events": c.NotifyKeyspaceEvents,
	}
	var b bytes.Buffer
	b.WriteString("# written by redpool bench\n")
	if err := toml.NewEncoder(&b).Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeConfig writes c's config file to path.
func writeConfig(path string, c config.Config) error {
	data, err := encodeConfig(c)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}
