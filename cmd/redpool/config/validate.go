package config

import (
	"fmt"
	"math"
	"net"
	"slices"
	"strings"

	"redpool/command"
)

// msgUnknownKey is Problem.Msg for a key the file may not contain.
const msgUnknownKey = "unknown key"

// maxThreads bounds threads, as Go bounds GOMAXPROCS.
const maxThreads = 1024

// Problem is one thing wrong with a configuration.
type Problem struct {
	Key  string // dotted key, e.g. "persistence.aof.fsync"; empty for TOML syntax errors
	Line int    // line in the file, from 1; 0 when unknown
	Msg  string // what is wrong, without the key
}

// Error lists every problem found in a configuration, one per line.
type Error struct {
	File     string // file name given to Parse; empty from Validate
	Problems []Problem
}

// Error renders each problem as "file:line: key: message".
func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case e.File != "" && p.Line > 0:
			fmt.Fprintf(&b, "%s:%d: ", e.File, p.Line)
		case e.File != "":
			fmt.Fprintf(&b, "%s: ", e.File)
		case p.Line > 0:
			fmt.Fprintf(&b, "line %d: ", p.Line)
		}
		switch {
		case p.Msg == msgUnknownKey:
			fmt.Fprintf(&b, "%s %s", msgUnknownKey, displayKey(p.Key))
		case p.Key != "":
			fmt.Fprintf(&b, "%s: %s", p.Key, p.Msg)
		default:
			b.WriteString(p.Msg)
		}
	}
	return b.String()
}

// Validate checks every value's range and the rules between keys, and
// returns an *Error listing all problems, or nil. It is the whole check:
// what passes here (and so -check-config) passes the server's start, short
// of the file system (dir, files, locks).
// keyspaceEventClasses are the characters of notify_keyspace_events, as
// Redis's notify-keyspace-events.
const keyspaceEventClasses = "Ag$lshzxeKEtmdn"

// maxMemoryPolicies are maxmemory_policy's values, as Redis's.
var maxMemoryPolicies = []string{"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
	"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}

func (c Config) Validate() error {
	var ps []Problem
	add := func(key, format string, args ...any) {
		ps = append(ps, Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	addErr := func(key string, err error) {
		if err != nil {
			add(key, "%v", err)
		}
	}
	nonEmpty := func(key, value, what string) {
		if value == "" {
			add(key, "empty (want %s)", what)
		}
	}

	if c.Port < 0 || c.Port > 65535 {
		add("port", "%d out of range (want 0..65535)", c.Port)
	}
	nonEmpty("dir", c.Dir, "a directory")
	if c.Databases < 1 || c.Databases > 16384 {
		add("databases", "%d out of range (want 1..16384)", c.Databases)
	}
	if c.MaxClients < 1 {
		add("max_clients", "%d out of range (want at least 1)", c.MaxClients)
	}
	if c.Threads < 0 || c.Threads > maxThreads {
		add("threads", "%d out of range (want 0 for auto, or 1..%d)", c.Threads, maxThreads)
	}
	if c.Timeout < 0 {
		add("timeout", "%s is negative (want \"0s\" for never, or more)", c.Timeout)
	}
	addErr("log_level", checkEnum(c.LogLevel))
	addErr("enable_debug_command", checkEnum(c.DebugCommand))
	if c.Metrics.Listen != "" {
		if _, port, err := net.SplitHostPort(c.Metrics.Listen); err != nil || port == "" {
			add("metrics.listen", "%q is not a host:port address", c.Metrics.Listen)
		}
	}
	c.TLS.validate(add, c.Port)
	if c.ProtoMaxBulkLen < MB {
		add("proto_max_bulk_len", "%s bytes is too small (want at least 1mb)", c.ProtoMaxBulkLen)
	}
	if c.ClientQueryBufferLimit < MB {
		add("client_query_buffer_limit", "%s bytes is too small (want at least 1mb)", c.ClientQueryBufferLimit)
	}
	if strings.Trim(c.NotifyKeyspaceEvents, keyspaceEventClasses) != "" {
		add("notify_keyspace_events", "%q has a character that is not an event class (want any of %q)", c.NotifyKeyspaceEvents, keyspaceEventClasses)
	}
	addErr("backend", checkEnum(c.Backend))
	if c.MaxMemory < 0 {
		add("maxmemory", "%s is negative (want 0 for no limit, or more)", c.MaxMemory)
	}
	if c.GCPercent < -1 {
		add("gc_percent", "%d out of range (want -1 for off, 0 for the default, or more)", c.GCPercent)
	}
	if c.GCMemoryLimit < 0 {
		add("gc_memory_limit", "%s is negative (want 0 for the default, or more)", c.GCMemoryLimit)
	}
	if c.MaxMemory > 0 && c.Backend == BackendBolt {
		add("maxmemory", `must be "0" with backend = "bolt": its data lives on disk, not in memory`)
	}
	if !slices.Contains(maxMemoryPolicies, c.MaxMemoryPolicy) {
		add("maxmemory_policy", "%q is not a policy (want one of %s)", c.MaxMemoryPolicy, strings.Join(maxMemoryPolicies, ", "))
	}
	if c.MaxMemorySamples < 1 {
		add("maxmemory_samples", "%d out of range (want at least 1)", c.MaxMemorySamples)
	}
	if c.MaxMemoryEvictionTenacity < 0 || c.MaxMemoryEvictionTenacity > 100 {
		add("maxmemory_eviction_tenacity", "%d out of range (want 0..100)", c.MaxMemoryEvictionTenacity)
	}

	if _, _, ok := c.ReplicaOfAddr(); c.ReplicaOf != "" && !ok {
		add("replicaof", `%q is not "host port" with a port in 1..65535`, c.ReplicaOf)
	}
	if c.ReplBacklogSize < 1 {
		add("repl_backlog_size", "%s out of range (want at least 1 byte)", c.ReplBacklogSize)
	}

	c.Cluster.validate(add)

	nonEmpty("bolt.file", c.Bolt.File, "a file name")
	addErr("bolt.sync", checkEnum(c.Bolt.Sync))

	p := c.Persistence
	addErr("persistence.mode", checkEnum(p.Mode))
	if p.Mode == ModeAOF && c.Backend == BackendBolt {
		add("persistence.mode", `"aof" cannot be used with backend = "bolt": bolt is already durable (want "auto" or "none", or "snapshot" for backups)`)
	}
	nonEmpty("persistence.aof.file", p.AOF.File, "a file name")
	addErr("persistence.aof.fsync", checkEnum(p.AOF.Fsync))
	if p.AOF.RewritePercentage < 0 {
		add("persistence.aof.rewrite_percentage", "%d is negative (want 0 to disable, or more)", p.AOF.RewritePercentage)
	}
	if p.AOF.RewriteMinSize < 0 {
		add("persistence.aof.rewrite_min_size", "%s is negative (want 0 or more)", p.AOF.RewriteMinSize)
	}
	nonEmpty("persistence.snapshot.file", p.Snapshot.File, "a file name")
	for i, r := range p.Snapshot.Save {
		if r.Seconds < 1 {
			add("persistence.snapshot.save", "rule %d [%d, %d]: seconds must be at least 1", i+1, r.Seconds, r.Changes)
		}
		if r.Changes < 0 {
			add("persistence.snapshot.save", "rule %d [%d, %d]: changes must not be negative", i+1, r.Seconds, r.Changes)
		}
	}

	for class, l := range c.OutputBufferLimit.classes() {
		key := "client_output_buffer_limit." + class + "."
		if l.Hard < 0 {
			add(key+"hard", "%s is negative (want 0 for no limit, or more)", l.Hard)
		}
		if l.Soft < 0 {
			add(key+"soft", "%s is negative (want 0 for no limit, or more)", l.Soft)
		}
		if l.SoftSeconds < 0 || l.SoftSeconds > math.MaxInt32 {
			add(key+"soft_seconds", "%d out of range (want 0..%d)", l.SoftSeconds, math.MaxInt32)
		}
	}

	if c.ACL.File != "" && len(c.ACL.Users) > 0 {
		add("acl.file", "cannot be used with [[acl.user]] tables: define users in the file or here, not both (as Redis)")
	}
	names := map[string]bool{}
	for i, u := range c.ACL.Users {
		switch {
		case u.Name == "" || strings.ContainsAny(u.Name, " \t\r\n\v\f\x00"):
			add("acl.user", "user %d: name %q must be non-empty, without spaces", i+1, u.Name)
		case names[u.Name]:
			add("acl.user", "user %d: %q is defined twice", i+1, u.Name)
		}
		names[u.Name] = true
		if err := command.CheckACLRules(u.Rules); err != nil {
			add("acl.user", "user %d (%s): %v", i+1, u.Name, err)
		}
	}

	if len(ps) == 0 {
		return nil
	}
	return &Error{Problems: ps}
}

// displayKey is key as an error message shows it: in double quotes, unless
// key (a toml.Key's String form) already quotes a part of itself, as in
// "bolt.file" or a." b": quoting it again would escape its quotes.
func displayKey(key string) string {
	if strings.ContainsAny(key, `"'`) {
		return key
	}
	return `"` + key + `"`
}
