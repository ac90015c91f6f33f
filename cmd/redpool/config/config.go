// Package config loads and validates redpool's TOML configuration file.
//
// Default is the only place default values live; Parse decodes a file over
// those defaults, rejects unknown keys and reports every problem at once.
package config

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Config is the server configuration. Field comments name the file key.
type Config struct {
	Bind            string      // bind
	Port            int         // port; 0 picks a free port (no plain port with TLS on)
	Dir             string      // dir; every file redpool writes lives here
	Databases       int         // databases
	MaxClients      int         // max_clients
	Threads         int         // threads; 0 = auto (see ThreadCount)
	Timeout         Duration    // timeout; idle clients are closed, 0 = never
	LogLevel        LogLevel    // log_level
	ProtoMaxBulkLen Size        // proto_max_bulk_len
	DebugCommand    Allowance   // enable_debug_command
	Backend         BackendKind // backend
	Bolt            Bolt        // [bolt]
	Persistence     Persistence // [persistence]
	Metrics         Metrics     // [metrics]
	TLS             TLS         // [tls]
	// OutputBufferLimit is [client_output_buffer_limit]: Redis's
	// client-output-buffer-limit, per client class.
	OutputBufferLimit OutputBufferLimits
	// NotifyKeyspaceEvents is notify_keyspace_events: Redis's
	// notify-keyspace-events classes ("" = off).
	NotifyKeyspaceEvents string
	// maxmemory: Redis's maxmemory, maxmemory-policy, maxmemory-samples
	// and maxmemory-eviction-tenacity (memory backend only).
	MaxMemory                 Size   // maxmemory; 0 = no limit
	MaxMemoryPolicy           string // maxmemory_policy
	MaxMemorySamples          int    // maxmemory_samples
	MaxMemoryEvictionTenacity int    // maxmemory_eviction_tenacity

	// The Go collector's policy (see cmd/redpool's gcPolicy and
	// docs/memory.md): GCPercent is gc_percent, GOGC (0 = the GOGC
	// environment variable, else 100; -1 = collect only at the memory
	// limit); GCMemoryLimit is gc_memory_limit, GOMEMLIMIT (0 = the
	// GOMEMLIMIT environment variable, else derived from maxmemory).
	GCPercent     int
	GCMemoryLimit Size
	// GCIdleRelease is gc_idle_release: return the heap's free pages to
	// the OS soon after a burst of allocation or much memory freed
	// (the server's memReturner).
	GCIdleRelease bool

	// RequirePass is requirepass: the default user's password ("" = none).
	RequirePass string
	// ProtectedMode is protected_mode, Redis's protected-mode: while the
	// default user has no password, clients from beyond loopback are
	// refused.
	ProtectedMode bool
	// ClientQueryBufferLimit is client_query_buffer_limit, Redis's
	// client-query-buffer-limit: a client whose unparsed input grows past
	// it is closed.
	ClientQueryBufferLimit Size
	ACL                    ACL // [acl]

	// Replication: Redis's replicaof, masterauth, masteruser and
	// repl-backlog-size.
	ReplicaOf       string // replicaof: "host port" of the primary, "" = none
	MasterAuth      string // masterauth
	MasterUser      string // masteruser
	ReplBacklogSize Size   // repl_backlog_size

	Cluster Cluster // [cluster]
}

// ReplicaOfAddr splits ReplicaOf into host and port; ok is false when it
// is empty or not "host port".
func (c Config) ReplicaOfAddr() (host string, port int, ok bool) {
	f := strings.Fields(c.ReplicaOf)
	if len(f) != 2 {
		return "", 0, false
	}
	p, err := strconv.Atoi(f[1])
	if err != nil || p < 1 || p > 65535 {
		return "", 0, false
	}
	return f[0], p, true
}

// ACL configures the users besides the default one ([acl]): an ACL file
// in Redis's syntax, or users defined here, not both (as Redis).
type ACL struct {
	File  string   // acl.file: ACL LOAD/SAVE's file, in dir unless absolute; "" = none
	Users ACLUsers // [[acl.user]]
}

// ACLUser is one [[acl.user]] table: a user and its Redis ACL rules,
// separated by spaces ("on >secret ~cache:* +@read").
type ACLUser struct {
	Name  string `toml:"name"`
	Rules string `toml:"rules"`
}

// OutputBufferLimits are the output-buffer limits of each client class
// ([client_output_buffer_limit]).
type OutputBufferLimits struct {
	Normal  OutputBufferLimit // client_output_buffer_limit.normal
	Replica OutputBufferLimit // client_output_buffer_limit.replica
	PubSub  OutputBufferLimit // client_output_buffer_limit.pubsub
}

// OutputBufferLimit is one class's limit: a client whose pending output
// reaches Hard, or stays at Soft or more for more than SoftSeconds, is
// disconnected. 0 disables a limit.
type OutputBufferLimit struct {
	Hard        Size // .hard
	Soft        Size // .soft
	SoftSeconds int  // .soft_seconds
}

// Metrics configures the Prometheus endpoint ([metrics]).
type Metrics struct {
	Listen string // metrics.listen: host:port serving /metrics; empty = off
}

// Bolt configures the bolt backend ([bolt]).
type Bolt struct {
	File string   // bolt.file
	Sync BoltSync // bolt.sync
}

// Persistence configures how data survives restarts ([persistence]).
type Persistence struct {
	Mode     PersistMode // persistence.mode, as written; Config.PersistMode resolves auto
	AOF      AOF         // [persistence.aof]
	Snapshot Snapshot    // [persistence.snapshot]
}

// AOF configures the append-only file ([persistence.aof]).
type AOF struct {
	File              string      // persistence.aof.file
	Fsync             FsyncPolicy // persistence.aof.fsync
	RewritePercentage int         // persistence.aof.rewrite_percentage; 0 disables automatic rewrites
	RewriteMinSize    Size        // persistence.aof.rewrite_min_size
}

// Snapshot configures point-in-time snapshots ([persistence.snapshot]).
type Snapshot struct {
	File string     // persistence.snapshot.file
	Save []SaveRule // persistence.snapshot.save; empty means never save automatically
}

// Default returns the default configuration. It is the one place defaults live;
// the shipped config.toml spells out the same values.
func Default() Config {
	return Config{
		Bind:            "127.0.0.1",
		Port:            6379,
		Dir:             "data",
		Databases:       16,
		MaxClients:      10000,
		Threads:         0,
		Timeout:         0,
		LogLevel:        LogInfo,
		ProtoMaxBulkLen: 512 * MB,
		DebugCommand:    AllowNo,
		Backend:         BackendMemory,
		Bolt: Bolt{
			File: "redpool.db",
			Sync: BoltSyncAlways,
		},
		TLS: TLS{
			Port:        0, // off
			AuthClients: TLSAuthYes,
			Protocols:   "", // TLSv1.2 and TLSv1.3
			Ciphers:     "", // Go's defaults
		},
		OutputBufferLimit: OutputBufferLimits{
			Normal:  OutputBufferLimit{},
			Replica: OutputBufferLimit{Hard: 256 * MB, Soft: 64 * MB, SoftSeconds: 60},
			PubSub:  OutputBufferLimit{Hard: 32 * MB, Soft: 8 * MB, SoftSeconds: 60},
		},
		Persistence: Persistence{
			Mode: ModeAuto,
			AOF: AOF{
				File:              "appendonly.aof",
				Fsync:             FsyncEverySec,
				RewritePercentage: 100,
				RewriteMinSize:    64 * MB,
			},
			Snapshot: Snapshot{
				File: "dump.rpdb",
				Save: []SaveRule{{3600, 1}, {300, 100}, {60, 10000}},
			},
		},
		NotifyKeyspaceEvents:      "", // off
		MaxMemory:                 0,
		MaxMemoryPolicy:           "noeviction",
		MaxMemorySamples:          5,
		MaxMemoryEvictionTenacity: 10,
		GCPercent:                 0,
		GCMemoryLimit:             0,
		GCIdleRelease:             true,
		RequirePass:               "", // no password: every client is the default user
		ProtectedMode:             true,
		ClientQueryBufferLimit:    GB,
		ACL:                       ACL{File: "", Users: nil},
		ReplicaOf:                 "", // a primary
		MasterAuth:                "",
		MasterUser:                "",
		ReplBacklogSize:           MB,
		Cluster:                   Cluster{Enabled: false, Myself: "", Nodes: nil},
	}
}

// Load reads and parses the configuration file at path.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	return Parse(data, path)
}

// Path returns where the file name lives: name itself if absolute, else under Dir.
func (c Config) Path(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(c.Dir, name)
}

// ThreadCount is how many threads run Go code at once (GOMAXPROCS) given
// cpus, the CPUs the process may use: Threads if set, else one fewer than
// cpus, at least one. The spare core goes to the kernel's network work and
// to whatever else runs on the machine, clients included; Redis gives the
// same advice for its io-threads. When writes reach the disk (bolt, an AOF
// or snapshots) it is at least two where the machine has two CPUs, so that
// a thread blocked in an fsync never holds up every client.
func (c Config) ThreadCount(cpus int) int {
	if c.Threads > 0 {
		return c.Threads
	}
	n := max(cpus-1, 1)
	if c.Persistent() && cpus >= 2 {
		n = max(n, 2)
	}
	return n
}

// WriteDirs returns the directories the server writes files in, each once:
// Dir, and the directories of the bolt file, the AOF or the snapshot file
// in use when their names put them elsewhere. Empty if the server writes
// nothing (not Persistent).
func (c Config) WriteDirs() []string {
	if !c.Persistent() {
		return nil
	}
	dirs := []string{filepath.Clean(c.Dir)}
	add := func(name string) {
		d := filepath.Dir(c.Path(name))
		if !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	if c.Backend == BackendBolt {
		add(c.Bolt.File)
	}
	switch c.PersistMode() {
	case ModeAOF:
		add(c.Persistence.AOF.File)
	case ModeSnapshot:
		add(c.Persistence.Snapshot.File)
	}
	return dirs
}

// Persistent reports whether the server writes its data to disk (and so
// keeps it across a restart): the bolt backend, or memory with an AOF or
// snapshots.
func (c Config) Persistent() bool {
	return c.Backend != BackendMemory || c.PersistMode() != ModeNone
}

// PersistMode is the persistence mode in effect: persistence.mode, with
// auto resolved to aof for the memory backend and none for bolt. Every
// reader of the mode uses this, never Persistence.Mode itself.
func (c Config) PersistMode() PersistMode {
	if c.Persistence.Mode != ModeAuto {
		return c.Persistence.Mode
	}
	if c.Backend == BackendMemory {
		return ModeAOF
	}
	return ModeNone
}

// Addr returns the listen address, host:port.
func (c Config) Addr() string {
	return net.JoinHostPort(c.Bind, strconv.Itoa(c.Port))
}

// classes returns each class's limit by its key in the file, for walking
// them all (keys, validation).
func (o *OutputBufferLimits) classes() map[string]*OutputBufferLimit {
	return map[string]*OutputBufferLimit{"normal": &o.Normal, "replica": &o.Replica, "pubsub": &o.PubSub}
}
