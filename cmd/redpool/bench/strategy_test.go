package bench

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
)

// Every key encodeConfig writes must come back from the strict loader as it
// went in, including keys that differ from their defaults.
func TestEncodeConfigRoundTrip(t *testing.T) {
	everyKey := config.Config{
		Bind:            "::1",
		Port:            7001,
		Dir:             `/tmp/with "quotes" and \backslash`,
		Databases:       3,
		MaxClients:      77,
		Threads:         5,
		Timeout:         config.Duration(90 * time.Second),
		LogLevel:        config.LogError,
		ProtoMaxBulkLen: 2 * config.MB,
		DebugCommand:    config.AllowLocal,
		Metrics:         config.Metrics{Listen: "127.0.0.1:9121"},
		Backend:         config.BackendBolt,
		Bolt:            config.Bolt{File: "b.db", Sync: config.BoltSyncBatch},
		Persistence: config.Persistence{
			Mode:     config.ModeSnapshot,
			AOF:      config.AOF{File: "a.aof", Fsync: config.FsyncNo, RewritePercentage: 0, RewriteMinSize: 5},
			Snapshot: config.Snapshot{File: "s.rpdb", Save: []config.SaveRule{{Seconds: 1, Changes: 1}, {Seconds: 9, Changes: 0}}},
		},
		OutputBufferLimit: config.OutputBufferLimits{
			Replica: config.OutputBufferLimit{Hard: 5 * config.MB, Soft: config.MB, SoftSeconds: 7},
		},
		NotifyKeyspaceEvents:      "KEA",
		MaxMemory:                 0, // bolt refuses a limit
		MaxMemoryPolicy:           "allkeys-lfu",
		MaxMemorySamples:          7,
		MaxMemoryEvictionTenacity: 50,
		RequirePass:               `pass "with" quotes`,
		ProtectedMode:             false, // the default is true
		ClientQueryBufferLimit:    3 * config.MB,
		ACL:                       config.ACL{Users: config.ACLUsers{{Name: "alice", Rules: "on >secret ~cache:* +@read"}}},
		ReplicaOf:                 "10.0.0.1 6380",
		MasterAuth:                `pw "quoted"`,
		MasterUser:                "u",
		ReplBacklogSize:           3 * config.MB,
		TLS:                       config.Default().TLS,
	}
	cases := []config.Config{everyKey, config.Default()}
	noSave := config.Default()
	noSave.Persistence.Snapshot.Save = []config.SaveRule{}
	cases = append(cases, noSave)
	for _, s := range DefaultStrategies() {
		cases = append(cases, s.runConfig("/tmp/x"))
	}
	for _, want := range cases {
		data, err := encodeConfig(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := config.Parse(data, "bench.toml")
		if err != nil {
			t.Fatalf("Parse:\n%s\nerror: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip of\n%s\ngot  %+v\nwant %+v", data, got, want)
		}
	}
}

func TestDefaultStrategies(t *testing.T) {
	var names []string
	for _, s := range DefaultStrategies() {
		names = append(names, s.Name)
		if err := s.runConfig(t.TempDir()).Validate(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
	if got, want := strings.Join(names, " "), "memory aof-always aof-everysec aof-no snapshot bolt-always bolt-none"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	snap := DefaultStrategies()[4].Config
	if !reflect.DeepEqual(snap.Persistence.Snapshot.Save, []config.SaveRule{{Seconds: 1, Changes: 1}}) {
		t.Errorf("snapshot save rules: %+v", snap.Persistence.Snapshot.Save)
	}
	// Each strategy is what its name says, whatever the defaults are.
	type setup struct {
		backend config.BackendKind
		mode    config.PersistMode
		fsync   config.FsyncPolicy // for aof
		sync    config.BoltSync    // for bolt
	}
	want := map[string]setup{
		"memory":       {config.BackendMemory, config.ModeNone, "", ""},
		"aof-always":   {config.BackendMemory, config.ModeAOF, config.FsyncAlways, ""},
		"aof-everysec": {config.BackendMemory, config.ModeAOF, config.FsyncEverySec, ""},
		"aof-no":       {config.BackendMemory, config.ModeAOF, config.FsyncNo, ""},
		"snapshot":     {config.BackendMemory, config.ModeSnapshot, "", ""},
		"bolt-always":  {config.BackendBolt, config.ModeNone, "", config.BoltSyncAlways},
		"bolt-none":    {config.BackendBolt, config.ModeNone, "", config.BoltSyncNone},
	}
	for _, s := range DefaultStrategies() {
		c := s.Config
		got := setup{backend: c.Backend, mode: c.Persistence.Mode}
		if c.Persistence.Mode == config.ModeAOF {
			got.fsync = c.Persistence.AOF.Fsync
		}
		if c.Backend == config.BackendBolt {
			got.sync = c.Bolt.Sync
		}
		if got != want[s.Name] {
			t.Errorf("%s: %+v, want %+v", s.Name, got, want[s.Name])
		}
	}
}

func TestSelectStrategies(t *testing.T) {
	got, err := SelectStrategies([]string{"bolt-none", " memory", ""})
	if err != nil || len(got) != 2 || got[0].Name != "bolt-none" || got[1].Name != "memory" {
		t.Fatalf("got %+v, %v", got, err)
	}
	_, err = SelectStrategies([]string{"memory", "aof"})
	want := `unknown strategy "aof" (valid: memory, aof-always, aof-everysec, aof-no, snapshot, bolt-always, bolt-none)`
	if err == nil || err.Error() != want {
		t.Errorf("unknown: got %v, want %s", err, want)
	}
	if _, err := SelectStrategies([]string{"memory", "memory"}); err == nil {
		t.Error("repeated name accepted")
	}
}

func TestStrategyFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "my-setup.toml")
	if err := os.WriteFile(path, []byte("databases = 2\n[persistence]\nmode = \"aof\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := StrategyFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "my-setup" || s.Config.Databases != 2 || s.Config.Persistence.Mode != config.ModeAOF {
		t.Errorf("got %+v", s)
	}
	if err := os.WriteFile(path, []byte("bogus = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := StrategyFromFile(path); err == nil || !strings.Contains(err.Error(), `unknown key "bogus"`) {
		t.Errorf("bad file: got %v", err)
	}
}

// A user's config never makes the bench write outside its directory.
func TestRunConfigKeepsFilesInDir(t *testing.T) {
	c := config.Default()
	c.Bolt.File = "/var/lib/redpool/real.db"
	c.Persistence.AOF.File = "/srv/appendonly.aof"
	c.Persistence.Snapshot.File = "dump.rpdb"
	c.Port, c.Bind, c.LogLevel = 6379, "0.0.0.0", config.LogDebug
	got := Strategy{Name: "mine", Config: c}.runConfig("/tmp/run")
	if got.Bolt.File != "real.db" || got.Persistence.AOF.File != "appendonly.aof" || got.Persistence.Snapshot.File != "dump.rpdb" {
		t.Errorf("files %q %q %q", got.Bolt.File, got.Persistence.AOF.File, got.Persistence.Snapshot.File)
	}
	if got.Dir != "/tmp/run" || got.Port != 0 || got.Bind != "127.0.0.1" || got.LogLevel != config.LogWarn {
		t.Errorf("got %+v", got)
	}
	if c.Bolt.File != "/var/lib/redpool/real.db" {
		t.Error("runConfig modified the strategy")
	}
}

// TestStrategiesShareThreads: the strategies differ only in how they keep
// data, not in how many threads serve.
func TestStrategiesShareThreads(t *testing.T) {
	all := DefaultStrategies()
	for _, s := range all {
		if s.Config.Threads < 1 || s.Config.Threads != all[0].Config.Threads {
			t.Errorf("%s: threads %d, %s: %d", s.Name, s.Config.Threads, all[0].Name, all[0].Config.Threads)
		}
	}
}
