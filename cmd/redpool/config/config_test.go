package config

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// problems parses src and returns its problems; it fails if src parses cleanly.
func problems(t *testing.T, src string) []Problem {
	t.Helper()
	_, err := Parse([]byte(src), "config.toml")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse(%q) error = %v, want *Error", src, err)
	}
	return e.Problems
}

// parse parses src and fails the test on error.
func parse(t *testing.T, src string) Config {
	t.Helper()
	c, err := Parse([]byte(src), "config.toml")
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return c
}

func TestShippedConfigIsDefault(t *testing.T) {
	c, err := Load("../../../config.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("config.toml and Default() differ:\nfile:    %+v\ndefault: %+v", c, Default())
	}
}

func TestShippedConfigSetsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../../../config.toml")
	if err != nil {
		t.Fatal(err)
	}
	var c Config
	for key := range c.leaves() {
		name := key[strings.LastIndex(key, ".")+1:]
		if key == "acl.user" { // none by default: shown as a commented [[acl.user]] table
			name = "# [[acl"
		}
		if key == "cluster.node" { // none by default: shown as a commented [[cluster.node]] table
			name = "# [[cluster"
		}
		if !strings.Contains(string(data), "\n"+name+" = ") && !strings.Contains(string(data), "\n"+name+".user]]") &&
			!strings.Contains(string(data), "\n"+name+".node]]") {
			t.Errorf("config.toml does not set %s", key)
		}
	}
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestEmptyFileIsDefault(t *testing.T) {
	if c := parse(t, ""); !reflect.DeepEqual(c, Default()) {
		t.Errorf("got %+v, want Default()", c)
	}
}

func TestParseAllKeys(t *testing.T) {
	c := parse(t, `
bind = "0.0.0.0"
port = 0
dir = "/var/lib/redpool"
databases = 1
max_clients = 1
threads = 3
gc_percent = 50
gc_memory_limit = "1gb"
gc_idle_release = false
timeout = "1m30s"
log_level = "DEBUG"
proto_max_bulk_len = "1mb"
protected_mode = false
client_query_buffer_limit = "2mb"
enable_debug_command = "Local"
notify_keyspace_events = "KEA"
replicaof = "10.0.0.1 6380"
masterauth = "pw"
masteruser = "u"
repl_backlog_size = "2mb"
backend = "bolt"

[bolt]
file = "x.db"
sync = "batch"

[persistence]
mode = "snapshot"
aof.file = "a.aof"
aof.fsync = "always"
aof.rewrite_percentage = 0
aof.rewrite_min_size = 0

[persistence.snapshot]
file = "/abs/dump"
save = [[10, 0]]

[client_output_buffer_limit.pubsub]
hard = "1mb"
soft = 0
soft_seconds = 5

[tls]
port = 6380
cert_file = "s.crt"
key_file = "s.key"
ca_cert_file = "ca.crt"
ca_cert_dir = "cas"
auth_clients = "Optional"
protocols = "TLSv1.3"
ciphers = "ECDHE-RSA-AES256-GCM-SHA384"
`)
	want := Config{
		Bind:            "0.0.0.0",
		Port:            0,
		Dir:             "/var/lib/redpool",
		Databases:       1,
		MaxClients:      1,
		Threads:         3,
		Timeout:         Duration(90 * time.Second),
		LogLevel:        LogDebug,
		ProtoMaxBulkLen: MB,
		DebugCommand:    AllowLocal,
		Backend:         BackendBolt,
		Bolt:            Bolt{File: "x.db", Sync: BoltSyncBatch},
		Persistence: Persistence{
			Mode:     ModeSnapshot,
			AOF:      AOF{File: "a.aof", Fsync: FsyncAlways, RewritePercentage: 0, RewriteMinSize: 0},
			Snapshot: Snapshot{File: "/abs/dump", Save: []SaveRule{{10, 0}}},
		},
		OutputBufferLimit: OutputBufferLimits{
			Replica: OutputBufferLimit{Hard: 256 * MB, Soft: 64 * MB, SoftSeconds: 60},
			PubSub:  OutputBufferLimit{Hard: MB, SoftSeconds: 5},
		},
		TLS: TLS{Port: 6380, CertFile: "s.crt", KeyFile: "s.key", CACertFile: "ca.crt", CACertDir: "cas",
			AuthClients: TLSAuthOptional, Protocols: "TLSv1.3", Ciphers: "ECDHE-RSA-AES256-GCM-SHA384"},
		NotifyKeyspaceEvents:      "KEA",
		MaxMemoryPolicy:           "noeviction",
		MaxMemorySamples:          5,
		MaxMemoryEvictionTenacity: 10,
		GCPercent:                 50,
		GCMemoryLimit:             1 << 30,
		ReplicaOf:                 "10.0.0.1 6380",
		MasterAuth:                "pw",
		MasterUser:                "u",
		ReplBacklogSize:           2 * MB,
		ClientQueryBufferLimit:    2 * MB,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got  %+v\nwant %+v", c, want)
	}
}

func TestEnums(t *testing.T) {
	tests := []struct {
		src, key, want string
	}{
		{`log_level = "verbose"`, "log_level", `unknown value "verbose" (want debug, info, warn or error)`},
		{"[metrics]\nlisten = \"9121\"", "metrics.listen", `"9121" is not a host:port address`},
		{`enable_debug_command = "always"`, "enable_debug_command", `unknown value "always" (want no, yes or local)`},
		{`backend = "redis"`, "backend", `unknown value "redis" (want memory or bolt)`},
		{"[bolt]\nsync = \"sometimes\"", "bolt.sync", `unknown value "sometimes" (want always, batch or none)`},
		{"[persistence]\nmode = \"rdb\"", "persistence.mode", `unknown value "rdb" (want auto, none, aof or snapshot)`},
		{"[persistence.aof]\nfsync = \"sometimes\"", "persistence.aof.fsync", `unknown value "sometimes" (want always, everysec or no)`},
		{"[persistence.aof]\nfsync = 1", "persistence.aof.fsync", `unknown value "1" (want always, everysec or no)`},
		{"[persistence.aof]\nfsync = [\"no\"]", "persistence.aof.fsync", `want a string, got array`},
		{`backend = ""`, "backend", `unknown value "" (want memory or bolt)`},
		{`notify_keyspace_events = "KEx?"`, "notify_keyspace_events", `"KEx?" has a character that is not an event class (want any of "Ag$lshzxeKEtmdn")`},
	}
	for _, tt := range tests {
		ps := problems(t, tt.src)
		line := strings.Count(tt.src, "\n") + 1
		want := []Problem{{Key: tt.key, Line: line, Msg: tt.want}}
		if !reflect.DeepEqual(ps, want) {
			t.Errorf("%q:\ngot  %+v\nwant %+v", tt.src, ps, want)
		}
	}
}

func TestEnumsIgnoreCase(t *testing.T) {
	c := parse(t, "backend = \"BOLT\"\n[persistence.aof]\nfsync = \"EverySec\"")
	if c.Backend != BackendBolt || c.Persistence.AOF.Fsync != FsyncEverySec {
		t.Errorf("got backend %q fsync %q", c.Backend, c.Persistence.AOF.Fsync)
	}
}

func TestEnumMarshalText(t *testing.T) {
	var m PersistMode
	if err := m.UnmarshalText([]byte("Snapshot")); err != nil || m != ModeSnapshot {
		t.Fatalf("UnmarshalText = %q, %v", m, err)
	}
	if b, _ := m.MarshalText(); string(b) != "snapshot" || m.String() != "snapshot" {
		t.Errorf("MarshalText = %q, String = %q", b, m)
	}
	m = ModeAOF
	if err := m.UnmarshalText([]byte("bogus")); err == nil || m != ModeAOF {
		t.Errorf("bad word: err %v, value %q (want error, unchanged)", err, m)
	}
}

func TestLogLevelSlog(t *testing.T) {
	want := map[LogLevel]slog.Level{
		LogDebug: slog.LevelDebug, LogInfo: slog.LevelInfo,
		LogWarn: slog.LevelWarn, LogError: slog.LevelError,
	}
	for l, w := range want {
		if got := l.Slog(); got != w {
			t.Errorf("%s.Slog() = %v, want %v", l, got, w)
		}
	}
}

func TestUnknownKeys(t *testing.T) {
	tests := []struct {
		src  string
		want []Problem
	}{
		{"\n\nprot = 6380", []Problem{{Key: "prot", Line: 3, Msg: msgUnknownKey}}},
		{"[persistence.aof]\nfsyn = \"no\"", []Problem{{Key: "persistence.aof.fsyn", Line: 2, Msg: msgUnknownKey}}},
		{"[bolt]\nfile = \"x\"\nsnyc = \"none\"", []Problem{{Key: "bolt.snyc", Line: 3, Msg: msgUnknownKey}}},
		// An unknown table is one problem, not one per key inside it.
		{"port = 1\n[shard]\nenabled = true\nnodes = 3", []Problem{{Key: "shard", Line: 2, Msg: msgUnknownKey}}},
		// Implicit tables take the line of their first key.
		{"port = 1\n\na.b.c = 1", []Problem{{Key: "a", Line: 3, Msg: msgUnknownKey}}},
		{"[persistence.aof.extra]\nx = 1", []Problem{{Key: "persistence.aof.extra", Line: 1, Msg: msgUnknownKey}}},
		// Keys are case-sensitive and quoted keys are not dotted paths.
		{"Port = 1", []Problem{{Key: "Port", Line: 1, Msg: msgUnknownKey}}},
		{"\"bolt.file\" = \"x\"", []Problem{{Key: `"bolt.file"`, Line: 1, Msg: msgUnknownKey}}},
		{"[[bolt]]\nfile = \"x\"", []Problem{{Key: "bolt", Line: 1, Msg: "want a table, got array of tables"}}},
		{"bolt = 1", []Problem{{Key: "bolt", Line: 1, Msg: "want a table, got integer"}}},
	}
	for _, tt := range tests {
		if ps := problems(t, tt.src); !reflect.DeepEqual(ps, tt.want) {
			t.Errorf("%q:\ngot  %+v\nwant %+v", tt.src, ps, tt.want)
		}
	}
}

func TestTypeMismatch(t *testing.T) {
	tests := []struct {
		src  string
		want Problem
	}{
		{`port = "abc"`, Problem{Key: "port", Line: 1, Msg: "want an integer, got string"}},
		{`port = 1.5`, Problem{Key: "port", Line: 1, Msg: "want an integer, got float"}},
		{`bind = 127`, Problem{Key: "bind", Line: 1, Msg: "want a string, got integer"}},
		{`databases = true`, Problem{Key: "databases", Line: 1, Msg: "want an integer, got boolean"}},
		{`dir = {path = "x"}`, Problem{Key: "dir", Line: 1, Msg: "want a string, got table"}},
	}
	for _, tt := range tests {
		if ps := problems(t, tt.src); !reflect.DeepEqual(ps, []Problem{tt.want}) {
			t.Errorf("%q:\ngot  %+v\nwant %+v", tt.src, ps, tt.want)
		}
	}
}

func TestSyntaxError(t *testing.T) {
	ps := problems(t, "port = 1\nbind = = 2\n")
	if len(ps) != 1 || ps[0].Line != 2 || ps[0].Key != "" || ps[0].Msg == "" {
		t.Errorf("got %+v, want one problem on line 2", ps)
	}
	ps = problems(t, "port = 1\nport = 2\n")
	if len(ps) != 1 || ps[0].Line != 2 || !strings.Contains(ps[0].Msg, "port") {
		t.Errorf("duplicate key: got %+v", ps)
	}
	// An escape cut off by the end of the file: the decoder itself says
	// line 0 here (and one line short further down).
	for src, line := range map[string]int{"\"\\": 1, "a = 1\nb = \"\\": 2} {
		if ps := problems(t, src); len(ps) != 1 || ps[0].Line != line || ps[0].Key != "" {
			t.Errorf("%q: got %+v, want one problem on line %d", src, ps, line)
		}
	}
}

func TestAllProblemsAtOnce(t *testing.T) {
	src := `port = 70000
log_level = "loud"
prot = 1
timeout = "-5s"
databases = "many"

[persistence.aof]
fsync = "sometimes"
rewrite_min_size = "12XB"
`
	want := []Problem{
		{Key: "port", Line: 1, Msg: "70000 out of range (want 0..65535)"},
		{Key: "log_level", Line: 2, Msg: `unknown value "loud" (want debug, info, warn or error)`},
		{Key: "prot", Line: 3, Msg: msgUnknownKey},
		{Key: "timeout", Line: 4, Msg: `-5s is negative (want "0s" for never, or more)`},
		{Key: "databases", Line: 5, Msg: "want an integer, got string"},
		{Key: "persistence.aof.fsync", Line: 8, Msg: `unknown value "sometimes" (want always, everysec or no)`},
		{Key: "persistence.aof.rewrite_min_size", Line: 9, Msg: `invalid size "12XB" (want bytes, optionally with unit b, k, kb, m, mb, g or gb, e.g. "64mb")`},
	}
	if ps := problems(t, src); !reflect.DeepEqual(ps, want) {
		t.Errorf("got:\n%+v\nwant:\n%+v", ps, want)
	}
}

func TestThreeBadValuesThreeProblems(t *testing.T) {
	ps := problems(t, "port = -1\nmax_clients = 0\nbackend = \"disk\"\n")
	var keys []string
	for _, p := range ps {
		keys = append(keys, p.Key)
	}
	if want := []string{"port", "max_clients", "backend"}; !slices.Equal(keys, want) {
		t.Errorf("got keys %q, want %q", keys, want)
	}
}

func TestErrorString(t *testing.T) {
	src := "port = 1\n\nprot = 2\n[persistence.aof]\nfsync = \"sometimes\"\n"
	_, err := Parse([]byte(src), "config.toml")
	want := "config.toml:3: unknown key \"prot\"\n" +
		"config.toml:5: persistence.aof.fsync: unknown value \"sometimes\" (want always, everysec or no)"
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}

	c := Default()
	c.Port = -1
	if got, want := c.Validate().Error(), "port: -1 out of range (want 0..65535)"; got != want {
		t.Errorf("Validate: got %q, want %q", got, want)
	}
}

func TestValidateRanges(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		key    string
	}{
		{"port high", func(c *Config) { c.Port = 65536 }, "port"},
		{"dir empty", func(c *Config) { c.Dir = "" }, "dir"},
		{"databases 0", func(c *Config) { c.Databases = 0 }, "databases"},
		{"databases high", func(c *Config) { c.Databases = 16385 }, "databases"},
		{"max_clients", func(c *Config) { c.MaxClients = 0 }, "max_clients"},
		{"threads negative", func(c *Config) { c.Threads = -1 }, "threads"},
		{"threads high", func(c *Config) { c.Threads = 1025 }, "threads"},
		{"timeout", func(c *Config) { c.Timeout = -1 }, "timeout"},
		{"bulk len", func(c *Config) { c.ProtoMaxBulkLen = MB - 1 }, "proto_max_bulk_len"},
		{"query buffer", func(c *Config) { c.ClientQueryBufferLimit = MB - 1 }, "client_query_buffer_limit"},
		{"bolt file", func(c *Config) { c.Bolt.File = "" }, "bolt.file"},
		{"bolt sync", func(c *Config) { c.Bolt.Sync = "Always" }, "bolt.sync"},
		{"mode", func(c *Config) { c.Persistence.Mode = "" }, "persistence.mode"},
		{"aof file", func(c *Config) { c.Persistence.AOF.File = "" }, "persistence.aof.file"},
		{"rewrite pct", func(c *Config) { c.Persistence.AOF.RewritePercentage = -1 }, "persistence.aof.rewrite_percentage"},
		{"rewrite size", func(c *Config) { c.Persistence.AOF.RewriteMinSize = -1 }, "persistence.aof.rewrite_min_size"},
		{"snapshot file", func(c *Config) { c.Persistence.Snapshot.File = "" }, "persistence.snapshot.file"},
		{"save seconds", func(c *Config) { c.Persistence.Snapshot.Save = []SaveRule{{0, 1}} }, "persistence.snapshot.save"},
		{"save changes", func(c *Config) { c.Persistence.Snapshot.Save = []SaveRule{{1, -1}} }, "persistence.snapshot.save"},
	}
	for _, tt := range tests {
		c := Default()
		tt.modify(&c)
		var e *Error
		if !errors.As(c.Validate(), &e) || len(e.Problems) != 1 || e.Problems[0].Key != tt.key {
			t.Errorf("%s: got %v, want one problem for %s", tt.name, c.Validate(), tt.key)
		}
	}
	c := Default()
	c.Port, c.ProtoMaxBulkLen = 0, MB
	if err := c.Validate(); err != nil {
		t.Errorf("boundary values: %v", err)
	}
}

// Every key Validate names must be a file key, so Parse can give its line.
func TestValidateNamesFileKeys(t *testing.T) {
	var c Config
	c.Persistence.Snapshot.Save = []SaveRule{{0, -1}}
	c.Persistence.AOF.RewriteMinSize = -1
	c.Persistence.AOF.RewritePercentage = -1
	c.Port = -1
	c.Timeout = -1
	c.Threads = -1
	c.Metrics.Listen = "nowhere"
	c.NotifyKeyspaceEvents = "KEQ"
	c.MaxMemory, c.MaxMemoryEvictionTenacity = -1, -1
	c.GCPercent, c.GCMemoryLimit = -2, -1
	c.ACL = ACL{File: "users.acl", Users: ACLUsers{{Name: "", Rules: "+nosuch"}}}
	c.ReplicaOf = "nowhere"
	c.Cluster = Cluster{Myself: "me", Nodes: ClusterNodes{{ID: "x"}}}
	c.TLS = TLS{Port: 70000, Protocols: "SSLv3", Ciphers: "RC4-SHA"}
	for _, l := range c.OutputBufferLimit.classes() {
		*l = OutputBufferLimit{Hard: -1, Soft: -1, SoftSeconds: -1}
	}
	var e *Error
	if !errors.As(c.Validate(), &e) {
		t.Fatal("zero Config is valid")
	}
	leaves := c.leaves()
	seen := map[string]bool{}
	for _, p := range e.Problems {
		if _, ok := leaves[p.Key]; !ok {
			t.Errorf("Validate names unknown key %q", p.Key)
		}
		seen[p.Key] = true
	}
	// Every key but bind and the passwords (any string) and
	// protected_mode, cluster.enabled and gc_idle_release (any boolean)
	// has a check that a zero Config fails; tls.ca_cert_dir's is
	// tls.ca_cert_file's (one of them is needed).
	for key := range leaves {
		if !seen[key] && key != "bind" && key != "requirepass" && key != "masterauth" && key != "masteruser" &&
			key != "tls.ca_cert_dir" && key != "protected_mode" && key != "cluster.enabled" && key != "gc_idle_release" {
			t.Errorf("no problem reported for %s in a zero Config", key)
		}
	}
}

func TestSizes(t *testing.T) {
	tests := []struct {
		in   string
		want Size
	}{
		{"512MB", 512 << 20},
		{"64mb", 64 << 20},
		{"1gb", 1 << 30},
		{"1GB", 1 << 30},
		{"1g", 1_000_000_000},
		{"100", 100},
		{"100b", 100},
		{"10kb", 10240},
		{"10k", 10000},
		{"2m", 2_000_000},
		{"0", 0},
		{"9223372036854775807", 1<<63 - 1},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "12XB", "mb", "-1", "1.5mb", " 1mb", "1 mb", "9223372036854775808", "9000000000gb"} {
		if got, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) = %d, want error", bad, got)
		}
	}
	if s := Size(512 << 20).String(); s != "536870912" {
		t.Errorf("String() = %q", s)
	}
	if b, _ := Size(1024).MarshalText(); string(b) != "1024" {
		t.Errorf("MarshalText() = %q", b)
	}
}

func TestSizeInFile(t *testing.T) {
	c := parse(t, "proto_max_bulk_len = 2097152\n[persistence.aof]\nrewrite_min_size = \"1gb\"")
	if c.ProtoMaxBulkLen != 2*MB || c.Persistence.AOF.RewriteMinSize != GB {
		t.Errorf("got %d, %d", c.ProtoMaxBulkLen, c.Persistence.AOF.RewriteMinSize)
	}
	ps := problems(t, `proto_max_bulk_len = "100kb"`)
	want := []Problem{{Key: "proto_max_bulk_len", Line: 1, Msg: "102400 bytes is too small (want at least 1mb)"}}
	if !reflect.DeepEqual(ps, want) {
		t.Errorf("got %+v, want %+v", ps, want)
	}
}

func TestDurations(t *testing.T) {
	good := map[string]time.Duration{
		`"0s"`:    0,
		`"0"`:     0,
		`0`:       0,
		`"1m30s"`: 90 * time.Second,
		`"300ms"`: 300 * time.Millisecond,
		`"2h"`:    2 * time.Hour,
	}
	for in, want := range good {
		if c := parse(t, "timeout = "+in); time.Duration(c.Timeout) != want {
			t.Errorf("timeout = %s: got %v, want %v", in, c.Timeout, want)
		}
	}
	for _, bad := range []string{`"soon"`, `30`, `"5 minutes"`, `"-1s"`} {
		ps := problems(t, "timeout = "+bad)
		if len(ps) != 1 || ps[0].Key != "timeout" || ps[0].Line != 1 {
			t.Errorf("timeout = %s: got %+v", bad, ps)
		}
	}
	if b, _ := Duration(90 * time.Second).MarshalText(); string(b) != "1m30s" {
		t.Errorf("MarshalText() = %q", b)
	}
}

func TestSaveRules(t *testing.T) {
	c := parse(t, "[persistence.snapshot]\nsave = []")
	if s := c.Persistence.Snapshot.Save; s == nil || len(s) != 0 {
		t.Errorf("save = []: got %#v, want empty", s)
	}
	c = parse(t, "[persistence.snapshot]\nsave = [[900, 1],\n  [60, 0]]")
	if want := []SaveRule{{900, 1}, {60, 0}}; !reflect.DeepEqual(c.Persistence.Snapshot.Save, want) {
		t.Errorf("got %v, want %v", c.Persistence.Snapshot.Save, want)
	}

	tests := []struct {
		save, msg string
	}{
		{`[[1]]`, `bad rule [1] (want [seconds, changes] integers)`},
		{`[["a", 1]]`, `bad rule ["a", 1] (want [seconds, changes] integers)`},
		{`[[60, 1], [1, 2, 3]]`, `bad rule [1, 2, 3] (want [seconds, changes] integers)`},
		{`[3600, 1]`, `bad rule 3600 (want [seconds, changes] integers)`},
		{`"3600 1"`, `want an array of [seconds, changes] pairs, got string`},
		{`[[0, 1]]`, `rule 1 [0, 1]: seconds must be at least 1`},
		{`[[60, 1], [10, -1]]`, `rule 2 [10, -1]: changes must not be negative`},
	}
	for _, tt := range tests {
		ps := problems(t, "[persistence.snapshot]\nsave = "+tt.save)
		want := []Problem{{Key: "persistence.snapshot.save", Line: 2, Msg: tt.msg}}
		if !reflect.DeepEqual(ps, want) {
			t.Errorf("save = %s:\ngot  %+v\nwant %+v", tt.save, ps, want)
		}
	}
}

func TestPath(t *testing.T) {
	c := Default()
	c.Dir = "var/data"
	if got, want := c.Path("appendonly.aof"), filepath.Join("var", "data", "appendonly.aof"); got != want {
		t.Errorf("relative: got %q, want %q", got, want)
	}
	abs := filepath.Join(t.TempDir(), "dump.rpdb")
	if got := c.Path(abs); got != abs {
		t.Errorf("absolute: got %q, want %q", got, abs)
	}
}

func TestAddr(t *testing.T) {
	c := Default()
	if got := c.Addr(); got != "127.0.0.1:6379" {
		t.Errorf("got %q", got)
	}
	c.Bind, c.Port = "::1", 0
	if got := c.Addr(); got != "[::1]:0" {
		t.Errorf("got %q", got)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redpool.toml")
	if err := os.WriteFile(path, []byte("port = 7000\nbogus = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || err.Error() != path+`:2: unknown key "bogus"` {
		t.Errorf("got %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.toml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v", err)
	}
}

// TestPersistModeFollowsBackend: the default mode, auto, is aof with memory
// and none with bolt, so that backend = "bolt" alone is a valid config; an
// explicit aof with bolt is a problem of persistence.mode, at its line.
func TestPersistModeFollowsBackend(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want PersistMode
	}{
		{``, ModeAOF},
		{`backend = "bolt"`, ModeNone},
		{"backend = \"bolt\"\n[persistence]\nmode = \"auto\"", ModeNone},
		{"backend = \"bolt\"\n[persistence]\nmode = \"snapshot\"", ModeSnapshot},
		{"[persistence]\nmode = \"none\"", ModeNone},
		{"[persistence]\nmode = \"Auto\"", ModeAOF},
	} {
		if got := parse(t, tc.src).PersistMode(); got != tc.want {
			t.Errorf("%q: PersistMode() = %q, want %q", tc.src, got, tc.want)
		}
	}
	got := problems(t, "backend = \"bolt\"\n\n[persistence]\nmode = \"aof\"\n")
	want := []Problem{{Key: "persistence.mode", Line: 4,
		Msg: `"aof" cannot be used with backend = "bolt": bolt is already durable (want "auto" or "none", or "snapshot" for backups)`}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("explicit aof with bolt:\ngot  %+v\nwant %+v", got, want)
	}
	c := Default()
	c.Backend = BackendBolt
	if err := c.Validate(); err != nil || c.PersistMode() != ModeNone {
		t.Errorf("Default() with backend bolt: Validate() = %v, PersistMode() = %q", err, c.PersistMode())
	}
}

func TestThreadCount(t *testing.T) {
	memory := func(c *Config) { c.Persistence.Mode = ModeNone }
	aof := func(c *Config) { c.Persistence.Mode = ModeAOF }
	snap := func(c *Config) { c.Persistence.Mode = ModeSnapshot }
	bolt := func(c *Config) { c.Backend, c.Persistence.Mode = BackendBolt, ModeNone }
	for _, tc := range []struct {
		name             string
		set              func(*Config)
		threads, cpus, n int
	}{
		{"memory", memory, 0, 1, 1}, {"memory", memory, 0, 2, 1}, {"memory", memory, 0, 8, 7},
		{"aof", aof, 0, 1, 1}, {"aof", aof, 0, 2, 2}, {"aof", aof, 0, 8, 7},
		{"snapshot", snap, 0, 2, 2}, {"bolt", bolt, 0, 2, 2}, {"bolt", bolt, 0, 3, 2},
		{"memory", memory, 3, 2, 3}, {"bolt", bolt, 1, 64, 1},
	} {
		c := Default()
		tc.set(&c)
		c.Threads = tc.threads
		if got := c.ThreadCount(tc.cpus); got != tc.n {
			t.Errorf("%s, threads %d on %d CPUs: %d, want %d", tc.name, tc.threads, tc.cpus, got, tc.n)
		}
	}
}
