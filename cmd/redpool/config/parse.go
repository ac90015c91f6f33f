package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Parse decodes a TOML file over Default, then validates the result. Unknown
// keys, values of the wrong type or form, and out-of-range values are all
// reported together in one *Error; filename only labels its messages.
func Parse(data []byte, filename string) (Config, error) {
	var raw map[string]toml.Primitive
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		var pe toml.ParseError
		if !errors.As(err, &pe) {
			return Config{}, fmt.Errorf("%s: %w", filename, err)
		}
		return Config{}, &Error{File: filename, Problems: []Problem{{Line: syntaxErrorLine(data, pe.Position), Msg: pe.Message}}}
	}

	c := Default()
	d := decoder{md: &md, leaves: c.leaves(), seen: map[string]toml.Primitive{}}
	d.table(nil, raw)

	// A key that failed to decode kept its default; don't report it twice.
	failed := map[string]bool{}
	for _, p := range d.problems {
		failed[p.Key] = true
	}
	var verr *Error
	if errors.As(c.Validate(), &verr) {
		for _, p := range verr.Problems {
			if !failed[p.Key] {
				d.add(p.Key, p.Msg)
			}
		}
	}
	if len(d.problems) > 0 {
		slices.SortStableFunc(d.problems, byLine)
		return Config{}, &Error{File: filename, Problems: d.problems}
	}
	return c, nil
}

// syntaxErrorLine is the 1-based line of a TOML syntax error, counted
// from its byte offset: the decoder's own line is one short (or 0) for
// an error at the end of the input.
func syntaxErrorLine(data []byte, pos toml.Position) int {
	if pos.Start < 0 || pos.Start > len(data) {
		return max(pos.Line, 1)
	}
	return 1 + bytes.Count(data[:pos.Start], []byte("\n"))
}

// byLine orders problems by line, those without one last, then by key.
func byLine(a, b Problem) int {
	if (a.Line == 0) != (b.Line == 0) {
		return cmp.Compare(b.Line, a.Line)
	}
	return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Key, b.Key))
}

// leaf is one settable key of the file.
type leaf struct {
	dst  any    // pointer to the field in a Config
	want string // expected form, for type mismatch messages
}

// leaves maps every key the file may set to its field in c. It is the one
// list of key names; tables are the prefixes of these keys.
func (c *Config) leaves() map[string]leaf {
	const (
		str     = "a string"
		integer = "an integer"
		size    = `a size like "64mb" or a byte count`
	)
	m := map[string]leaf{
		"bind":                               {&c.Bind, str},
		"port":                               {&c.Port, integer},
		"dir":                                {&c.Dir, str},
		"databases":                          {&c.Databases, integer},
		"max_clients":                        {&c.MaxClients, integer},
		"threads":                            {&c.Threads, integer},
		"timeout":                            {&c.Timeout, `a duration like "30s"`},
		"log_level":                          {&c.LogLevel, str},
		"proto_max_bulk_len":                 {&c.ProtoMaxBulkLen, size},
		"enable_debug_command":               {&c.DebugCommand, str},
		"notify_keyspace_events":             {&c.NotifyKeyspaceEvents, str},
		"backend":                            {&c.Backend, str},
		"bolt.file":                          {&c.Bolt.File, str},
		"bolt.sync":                          {&c.Bolt.Sync, str},
		"persistence.mode":                   {&c.Persistence.Mode, str},
		"persistence.aof.file":               {&c.Persistence.AOF.File, str},
		"persistence.aof.fsync":              {&c.Persistence.AOF.Fsync, str},
		"persistence.aof.rewrite_percentage": {&c.Persistence.AOF.RewritePercentage, integer},
		"persistence.aof.rewrite_min_size":   {&c.Persistence.AOF.RewriteMinSize, size},
		"persistence.snapshot.file":          {&c.Persistence.Snapshot.File, str},
		"persistence.snapshot.save":          {&c.Persistence.Snapshot.Save, "an array of [seconds, changes] pairs"},
		"metrics.listen":                     {&c.Metrics.Listen, str},
		"tls.port":                           {&c.TLS.Port, integer},
		"tls.cert_file":                      {&c.TLS.CertFile, str},
		"tls.key_file":                       {&c.TLS.KeyFile, str},
		"tls.ca_cert_file":                   {&c.TLS.CACertFile, str},
		"tls.ca_cert_dir":                    {&c.TLS.CACertDir, str},
		"tls.auth_clients":                   {&c.TLS.AuthClients, str},
		"tls.protocols":                      {&c.TLS.Protocols, str},
		"tls.ciphers":                        {&c.TLS.Ciphers, str},
		"maxmemory":                          {&c.MaxMemory, size},
		"maxmemory_policy":                   {&c.MaxMemoryPolicy, str},
		"maxmemory_samples":                  {&c.MaxMemorySamples, integer},
		"maxmemory_eviction_tenacity":        {&c.MaxMemoryEvictionTenacity, integer},
		"gc_percent":                         {&c.GCPercent, integer},
		"gc_memory_limit":                    {&c.GCMemoryLimit, size},
		"gc_idle_release":                    {&c.GCIdleRelease, "a boolean"},
		"requirepass":                        {&c.RequirePass, str},
		"protected_mode":                     {&c.ProtectedMode, "a boolean"},
		"client_query_buffer_limit":          {&c.ClientQueryBufferLimit, size},
		"acl.file":                           {&c.ACL.File, str},
		"acl.user":                           {&c.ACL.Users, "[[acl.user]] tables with name and rules"},
		"replicaof":                          {&c.ReplicaOf, str},
		"masterauth":                         {&c.MasterAuth, str},
		"masteruser":                         {&c.MasterUser, str},
		"repl_backlog_size":                  {&c.ReplBacklogSize, size},
		"cluster.enabled":                    {&c.Cluster.Enabled, "a boolean"},
		"cluster.myself":                     {&c.Cluster.Myself, str},
		"cluster.node":                       {&c.Cluster.Nodes, "[[cluster.node]] tables with id, addr, slots and replica_of"},
	}
	for class, l := range c.OutputBufferLimit.classes() {
		pre := "client_output_buffer_limit." + class + "."
		m[pre+"hard"] = leaf{&l.Hard, size}
		m[pre+"soft"] = leaf{&l.Soft, size}
		m[pre+"soft_seconds"] = leaf{&l.SoftSeconds, integer}
	}
	return m
}

// decoder walks a decoded file key by key, so that one bad value does not
// hide the others.
type decoder struct {
	md       *toml.MetaData
	leaves   map[string]leaf
	seen     map[string]toml.Primitive // every key in the file, for line numbers
	problems []Problem
}

// table decodes the keys of one table; prefix is the table's own key.
func (d *decoder) table(prefix toml.Key, raw map[string]toml.Primitive) {
	for name, prim := range raw {
		k := append(slices.Clip(prefix), name)
		key := k.String()
		d.seen[key] = prim
		if l, ok := d.leaves[key]; ok {
			d.leaf(key, prim, l)
			continue
		}
		if !d.isTable(key) {
			d.add(key, msgUnknownKey)
			continue
		}
		if got := d.kind(prim); got != "table" {
			d.add(key, fmt.Sprintf("want a table, got %s", got))
			continue
		}
		var sub map[string]toml.Primitive
		if err := d.md.PrimitiveDecode(prim, &sub); err != nil {
			d.add(key, err.Error())
			continue
		}
		d.table(k, sub)
	}
}

// leaf decodes one value into its field.
func (d *decoder) leaf(key string, prim toml.Primitive, l leaf) {
	err := d.md.PrimitiveDecode(prim, l.dst)
	if err == nil {
		return
	}
	// ParseError carries our own UnmarshalText/UnmarshalTOML errors and
	// range errors; other decode errors are type mismatches.
	var pe toml.ParseError
	if errors.As(err, &pe) {
		d.add(key, pe.Message)
		return
	}
	d.add(key, fmt.Sprintf("want %s, got %s", l.want, d.kind(prim)))
}

// isTable reports whether key is a table holding known keys.
func (d *decoder) isTable(key string) bool {
	for k := range d.leaves {
		if strings.HasPrefix(k, key+".") {
			return true
		}
	}
	return false
}

// add records a problem, with the key's line when the file has the key.
func (d *decoder) add(key, msg string) {
	line := 0
	if prim, ok := d.seen[key]; ok {
		line = d.line(prim)
	}
	d.problems = append(d.problems, Problem{Key: key, Line: line, Msg: msg})
}

// line returns the line where prim's key is defined, or 0.
//
// MetaData does not expose key positions, but a decode error from an
// Unmarshaler is a ParseError positioned at the key being decoded.
func (d *decoder) line(prim toml.Primitive) int {
	var pe toml.ParseError
	if errors.As(d.md.PrimitiveDecode(prim, lineProbe{}), &pe) && pe.Position.Line > 0 {
		return pe.Position.Line
	}
	// Tables created implicitly (by [a.b] or a.b = 1) have no position of
	// their own: use the first key inside.
	var sub map[string]toml.Primitive
	if d.md.PrimitiveDecode(prim, &sub) != nil {
		return 0
	}
	first := 0
	for _, p := range sub {
		if l := d.line(p); l > 0 && (first == 0 || l < first) {
			first = l
		}
	}
	return first
}

// lineProbe fails every decode, so that the error reveals the key's position.
type lineProbe struct{}

// UnmarshalTOML always fails.
func (lineProbe) UnmarshalTOML(any) error { return errors.New("line probe") }

// kind names the TOML type of prim's value.
func (d *decoder) kind(prim toml.Primitive) string {
	var v any
	if err := d.md.PrimitiveDecode(prim, &v); err != nil {
		return "unknown"
	}
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case time.Time:
		return "datetime"
	case []any:
		return "array"
	case map[string]any:
		return "table"
	case []map[string]any:
		return "array of tables"
	}
	return fmt.Sprintf("%T", v)
}
