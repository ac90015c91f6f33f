package command

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"redpool/session/resp"
)

// Param is one CONFIG parameter, under its Redis name.
type Param struct {
	Name string
	// Get returns the current value as CONFIG GET prints it. Set accepts
	// whatever Get returns: CONFIG SET restores old values with it.
	Get func() string
	// Set parses, validates and applies a new value, all or nothing; nil
	// means the parameter cannot be changed at run time. A returned error's
	// text is the reason CONFIG SET prints (see the Reason constants).
	Set func(value string) error
	// Protected marks a parameter Redis 7 changes only when
	// enable-protected-configs allows it (dir, dbfilename); redpool never does.
	Protected bool
	// Apply, if set, makes the values that Set staged take effect, as
	// Redis's apply functions (TLS: a certificate and its key change
	// together). CONFIG SET runs each distinct Applier once, after every
	// value is set; if one fails, every value gets its old one back, the
	// Appliers run again, and the error is the reason printed for the
	// first parameter sharing the failed one.
	Apply Applier
}

// Applier applies the values staged by the Set of one or more parameters
// (see Param.Apply). Implementations are pointers, compared by identity.
type Applier interface{ Apply() error }

// Params is the set of CONFIG parameters. The server registers its real
// settings; Redis's other parameters that clients and tools set (encoding
// knobs, maxmemory, loglevel, ...) are kept with Redis's types, bounds and
// defaults, validated as Redis validates them, but change nothing in
// redpool. Safe for concurrent use.
type Params struct {
	mu     sync.RWMutex
	byName map[string]*Param
	// setMu serializes Set, so that a CONFIG SET of several parameters is
	// atomic with respect to another one.
	setMu sync.Mutex
}

// NewParams returns the parameter set with Redis's inert knobs registered.
func NewParams() *Params {
	p := &Params{byName: make(map[string]*Param)}
	for _, prm := range redisKnobs() {
		p.Register(prm)
	}
	for _, a := range knobAliases() {
		p.alias(a[0], a[1])
	}
	return p
}

// redisKnobs are Redis 7.0's parameters that redpool accepts, keeps and
// reports but does not act on, with Redis's types, bounds and defaults.
func redisKnobs() []Param {
	const maxInt, maxLong = math.MaxInt32, math.MaxInt64
	return []Param{
		intKnob("list-max-listpack-size", -2, math.MinInt32, maxInt),
		intKnob("list-compress-depth", 0, 0, maxInt),
		intKnob("hash-max-listpack-entries", 512, 0, maxLong),
		memoryKnob("hash-max-listpack-value", 64, 0, maxLong),
		intKnob("set-max-intset-entries", 512, 0, maxLong),
		intKnob("zset-max-listpack-entries", 128, 0, maxLong),
		memoryKnob("zset-max-listpack-value", 64, 0, maxLong),
		memoryKnob("hll-sparse-max-bytes", 3000, 0, maxLong),
		boolKnob("lazyfree-lazy-eviction", false),
		boolKnob("lazyfree-lazy-expire", false),
		boolKnob("lazyfree-lazy-server-del", false),
		boolKnob("lazyfree-lazy-user-del", false),
		boolKnob("lazyfree-lazy-user-flush", false),
		boolKnob("activerehashing", true),
		hzKnob(),
		boolKnob("dynamic-hz", true),
		intKnob("tcp-keepalive", 300, 0, maxInt),
		fixedParam("tcp-backlog", "511"),
		enumKnob("loglevel", "notice", "debug", "verbose", "notice", "warning"),
		intKnob("slowlog-log-slower-than", 10000, -1, maxLong),
		intKnob("slowlog-max-len", 128, 0, maxLong),
		intKnob("latency-monitor-threshold", 0, 0, maxLong),
		boolKnob("stop-writes-on-bgsave-error", true),
		boolKnob("rdbcompression", true),
		fixedParam("rdbchecksum", "yes"),
		fixedParam("appendfilename", "appendonly.aof"),
		boolKnob("aof-use-rdb-preamble", true),
		boolKnob("aof-load-truncated", true),
		boolKnob("no-appendfsync-on-rewrite", false),
		boolKnob("protected-mode", false),
		fixedParam("io-threads", "1"),
		boolKnob("replica-read-only", true),
		intKnob("busy-reply-threshold", 5000, 0, maxLong),
		fixedParam("daemonize", "no"),
		fixedParam("supervised", "no"),
		fixedParam("pidfile", ""),
		fixedParam("logfile", ""),
		fixedParam("unixsocket", ""),
		enumKnob("sanitize-dump-payload", "no", "no", "yes", "clients"),
		// TLS settings the server does not register (tls.go in
		// cmd/redpool/server has the others): Go picks the cipher order
		// and resumes sessions with tickets of its own; there is no
		// replication, cluster, DH parameter (Go has no DHE suites) or
		// encrypted key.
		boolKnob("tls-prefer-server-ciphers", false),
		boolKnob("tls-session-caching", true),
		intKnob("tls-session-cache-size", 20*1024, 0, maxInt),
		intKnob("tls-session-cache-timeout", 300, 0, maxInt),
		boolKnob("tls-replication", false),
		boolKnob("tls-cluster", false),
		fixedParam("tls-dh-params-file", ""),
		fixedParam("tls-key-file-pass", ""),
		fixedParam("tls-client-cert-file", ""),
		fixedParam("tls-client-key-file", ""),
		fixedParam("tls-client-key-file-pass", ""),
		// The rest of Redis 7.0's CONFIG GET * (issue 14): the knobs of
		// what redpool has no such thing for (active defragmentation,
		// jemalloc, OOM score, process title, syslog, CPU affinity) and of
		// what it does its own way (AOF files, shutdown). Immutable in
		// Redis: fixed here, with Redis's defaults. acl-pubsub-default is
		// fixed at resetchannels, which is what redpool's ACL does.
		activeDefragKnob(),
		intKnob("active-defrag-cycle-min", 1, 1, 99),
		intKnob("active-defrag-cycle-max", 25, 1, 99),
		memoryKnob("active-defrag-ignore-bytes", 100<<20, 1, maxLong),
		intKnob("active-defrag-max-scan-fields", 1000, 1, maxLong),
		intKnob("active-defrag-threshold-lower", 10, 0, 1000),
		intKnob("active-defrag-threshold-upper", 100, 0, 1000),
		intKnob("active-expire-effort", 1, 1, 10),
		boolKnob("jemalloc-bg-thread", true),
		boolKnob("crash-log-enabled", true),
		boolKnob("crash-memcheck-enabled", true),
		boolKnob("aof-disable-auto-gc", false),
		boolKnob("aof-rewrite-incremental-fsync", true),
		boolKnob("aof-timestamp-enabled", false),
		boolKnob("rdb-save-incremental-fsync", true),
		boolKnob("rdb-del-sync-files", false),
		boolKnob("repl-disable-tcp-nodelay", false),
		boolKnob("replica-ignore-disk-write-errors", false),
		stringKnob("replica-announce-ip", ""),
		intKnob("replica-announce-port", 0, 0, 65535),
		stringKnob("bind-source-addr", ""),
		stringKnob("ignore-warnings", ""),
		oomScoreAdjKnob(),
		oomScoreAdjValuesKnob(),
		procTitleKnob(),
		enumKnob("propagation-error-behavior", "ignore", "ignore", "panic", "panic-on-replicas"),
		shutdownFlagsKnob("shutdown-on-sigint"),
		shutdownFlagsKnob("shutdown-on-sigterm"),
		intKnob("shutdown-timeout", 10, 0, maxInt),
		aclPubsubDefaultKnob(),
		fixedParam("aclfile", ""),
		fixedParam("always-show-logo", "no"),
		fixedParam("appenddirname", "appendonlydir"),
		fixedParam("disable-thp", "yes"),
		fixedParam("enable-module-command", "no"),
		fixedParam("enable-protected-configs", "no"),
		fixedParam("io-threads-do-reads", "no"),
		fixedParam("set-proc-title", "yes"),
		fixedParam("socket-mark-id", "0"),
		fixedParam("syslog-enabled", "no"),
		fixedParam("syslog-facility", "local0"),
		fixedParam("syslog-ident", "redis"),
		fixedParam("unixsocketperm", "0"),
		fixedParam("server_cpulist", ""),
		fixedParam("bio_cpulist", ""),
		fixedParam("aof_rewrite_cpulist", ""),
		fixedParam("bgsave_cpulist", ""),
	}
}

// replicationAliases are Redis's old names of the replication parameters
// ({alias, name}), registered once the engine has registered those.
func replicationAliases() [][2]string {
	return [][2]string{
		{"slave-priority", "replica-priority"},
		{"slave-serve-stale-data", "replica-serve-stale-data"},
		{"slave-lazy-flush", "replica-lazy-flush"},
		{"slave-ignore-maxmemory", "replica-ignore-maxmemory"},
		{"slave-announce-ip", "replica-announce-ip"},
		{"slave-announce-port", "replica-announce-port"},
		{"repl-ping-slave-period", "repl-ping-replica-period"},
		{"min-slaves-to-write", "min-replicas-to-write"},
		{"min-slaves-max-lag", "min-replicas-max-lag"},
		{"slaveof", "replicaof"},
	}
}

// replicaOfParam is replicaof: the primary a replica follows ("host
// port"), empty on a primary; REPLICAOF changes it, CONFIG SET cannot,
// as in Redis.
func (r *replication) replicaOfParam() Param {
	return Param{Name: "replicaof", Get: func() string {
		pl := r.link()
		if pl == nil {
			return ""
		}
		return pl.host + " " + strconv.Itoa(pl.port)
	}}
}

// registerReplicationAliases registers replicaof and the old names of the
// replication parameters (the engine calls it once they are registered).
func (e *Engine) registerReplicationAliases() {
	e.params.Register(e.repl.replicaOfParam())
	for _, a := range replicationAliases() {
		e.params.alias(a[0], a[1])
	}
}

// activeDefragKnob is activedefrag: Go's allocator has no active
// defragmentation, so yes is refused as Redis refuses it when built
// without its jemalloc.
func activeDefragKnob() Param {
	prm := boolKnob("activedefrag", false)
	set := prm.Set
	prm.Set = func(value string) error {
		if strings.EqualFold(value, "yes") {
			return errors.New(ReasonNoDefrag)
		}
		return set(value)
	}
	return prm
}

// oomScoreAdjKnob is oom-score-adj, whose relative is another name of
// yes (CONFIG GET prints yes), as in Redis.
func oomScoreAdjKnob() Param {
	prm := enumKnob("oom-score-adj", "no", "no", "yes", "absolute")
	set := prm.Set
	prm.Set = func(value string) error {
		if strings.EqualFold(value, "relative") {
			value = "yes"
		}
		if err := set(value); err != nil {
			return fmt.Errorf(ReasonEnum, "no, yes, relative, absolute")
		}
		return nil
	}
	return prm
}

// aclPubsubDefaultKnob is acl-pubsub-default: redpool's ACL gives new
// users resetchannels, so that is the one value it takes.
func aclPubsubDefaultKnob() Param {
	prm := enumKnob("acl-pubsub-default", "resetchannels", "resetchannels")
	set := prm.Set
	prm.Set = func(value string) error {
		if strings.EqualFold(value, "allchannels") {
			return errors.New(ReasonAllChannels)
		}
		if err := set(value); err != nil {
			return fmt.Errorf(ReasonEnum, "allchannels, resetchannels")
		}
		return nil
	}
	return prm
}

// oomScoreAdjValuesKnob is oom-score-adj-values: three integers in
// -2000..2000, separated by single spaces, as Redis parses them.
func oomScoreAdjValuesKnob() Param {
	prm := stringKnob("oom-score-adj-values", "0 200 800")
	set := prm.Set
	prm.Set = func(value string) error {
		words := strings.Split(value, " ")
		if value == "" || len(words) != 3 {
			return errors.New(ReasonWrongArgs)
		}
		for i, w := range words {
			n, ok := parseCInt(w)
			if !ok || n < -2000 || n > 2000 || w == "" {
				return errors.New(ReasonOOMScoreValues)
			}
			words[i] = strconv.FormatInt(n, 10)
		}
		return set(strings.Join(words, " "))
	}
	return prm
}

// shutdownFlagNames are the words of shutdown-on-sigint and -sigterm, in
// the order CONFIG GET prints them; "default" is none of them.
func shutdownFlagNames() []string { return []string{"save", "nosave", "now", "force"} }

// shutdownFlagsKnob is shutdown-on-sigint or -sigterm: Redis's flags
// parameter, words separated by single spaces, SAVE and NOSAVE not both.
func shutdownFlagsKnob(name string) Param {
	v := new(atomic.Uint32)
	shutdownFlags := shutdownFlagNames()
	return Param{
		Name: name,
		Get: func() string {
			var words []string
			for i, w := range shutdownFlags {
				if v.Load()&(1<<i) != 0 {
					words = append(words, w)
				}
			}
			if len(words) == 0 {
				return "default"
			}
			return strings.Join(words, " ")
		},
		Set: func(value string) error {
			var bits uint32
			for _, w := range strings.Split(value, " ") {
				i := slices.IndexFunc(shutdownFlags, func(f string) bool { return strings.EqualFold(f, w) })
				switch {
				case strings.EqualFold(w, "default"):
				case i < 0:
					return fmt.Errorf(ReasonEnum, "default, "+strings.Join(shutdownFlags, ", "))
				default:
					bits |= 1 << i
				}
			}
			if bits&3 == 3 {
				return errors.New(ReasonSaveNoSave)
			}
			v.Store(bits)
			return nil
		},
	}
}

// procTitleKnob is proc-title-template, validated as Redis does: {name}
// variables of the known names ({{ and }} are literal braces), and not
// blank once expanded with an empty title (as are the server mode, the
// socket and, here, the config file; the addresses and ports are not).
func procTitleKnob() Param {
	prm := stringKnob("proc-title-template", "{title} {listen-addr} {server-mode}")
	set := prm.Set
	known := map[string]string{"title": "", "listen-addr": "addr", "server-mode": "", "port": "port",
		"tls-port": "port", "unixsocket": "", "config-file": ""}
	prm.Set = func(value string) error {
		var text strings.Builder
		for i := 0; i < len(value); i++ {
			switch {
			case strings.HasPrefix(value[i:], "{{"), strings.HasPrefix(value[i:], "}}"):
				text.WriteByte(value[i])
				i++
			case value[i] == '{':
				end := strings.IndexByte(value[i:], '}')
				if end < 0 {
					return errors.New(ReasonProcTitle)
				}
				v, ok := known[value[i+1:i+end]]
				if !ok {
					return errors.New(ReasonProcTitle)
				}
				text.WriteString(v)
				i += end
			default:
				text.WriteByte(value[i])
			}
		}
		if strings.TrimSpace(text.String()) == "" {
			return errors.New(ReasonProcTitle)
		}
		return set(value)
	}
	return prm
}

// knobAliases are Redis's second names, {alias, name}: the same setting.
func knobAliases() [][2]string {
	return [][2]string{
		{"list-max-ziplist-size", "list-max-listpack-size"},
		{"hash-max-ziplist-entries", "hash-max-listpack-entries"},
		{"hash-max-ziplist-value", "hash-max-listpack-value"},
		{"zset-max-ziplist-entries", "zset-max-listpack-entries"},
		{"zset-max-ziplist-value", "zset-max-listpack-value"},
		{"lua-time-limit", "busy-reply-threshold"},
		{"slave-read-only", "replica-read-only"},
	}
}

// Register adds or replaces a parameter.
func (p *Params) Register(prm Param) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := prm
	p.byName[strings.ToLower(prm.Name)] = &q
}

// alias registers a second name for the parameter name. As in Redis, the
// two are distinct parameters to CONFIG (both listed, not duplicates of
// each other in one CONFIG SET) sharing one value.
func (p *Params) alias(alias, name string) {
	prm := *p.Lookup(name)
	prm.Name = alias
	p.Register(prm)
}

// Lookup returns the named parameter (case-insensitive), or nil.
func (p *Params) Lookup(name string) *Param {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.byName[strings.ToLower(name)]
}

// Match returns the parameters whose names match any of the glob patterns,
// sorted by name, without duplicates.
func (p *Params) Match(patterns [][]byte) []*Param {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []*Param
	for name, prm := range p.byName {
		for _, pat := range patterns {
			if GlobMatch(lowerASCII(nil, pat), []byte(name), false) {
				out = append(out, prm)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Set applies CONFIG SET's name/value pairs, all or nothing, as Redis 7
// does. Every name is checked first: the first that is unknown, cannot be
// set or comes twice is the error, and nothing changes. Then the values
// are set in order; if one is refused, those set before it get their old
// values back and the error names the refused parameter. args holds an
// even number of elements; the error is the reply.
func (p *Params) Set(args [][]byte) error {
	p.setMu.Lock()
	defer p.setMu.Unlock()
	params := make([]*Param, 0, len(args)/2)
	for i := 0; i < len(args); i += 2 {
		name, value := args[i], args[i+1]
		prm := p.Lookup(string(name))
		switch {
		case prm == nil:
			return UnknownConfigParam(name)
		case prm.Protected:
			return BadConfigValue(name, value, ReasonProtected)
		case prm.Set == nil:
			return BadConfigValue(name, value, ReasonImmutable)
		case slices.Contains(params, prm):
			return BadConfigValue(name, value, ReasonDuplicate)
		}
		params = append(params, prm)
	}
	old := make([]string, len(params))
	for i, prm := range params {
		old[i] = prm.Get()
	}
	for i, prm := range params {
		value := args[2*i+1]
		if err := prm.Set(string(value)); err != nil {
			// Set accepts what Get returned (TestParamsRestore checks
			// every parameter), so restoring cannot fail.
			for j := range i {
				_ = params[j].Set(old[j])
			}
			return BadConfigValue([]byte(prm.Name), value, err.Error())
		}
	}
	var applied []Applier
	for i, prm := range params {
		if prm.Apply == nil || slices.Contains(applied, prm.Apply) {
			continue
		}
		applied = append(applied, prm.Apply)
		if err := prm.Apply.Apply(); err != nil {
			for j, q := range params {
				_ = q.Set(old[j])
			}
			for _, a := range applied {
				_ = a.Apply()
			}
			return BadConfigValue([]byte(prm.Name), args[2*i+1], err.Error())
		}
	}
	return nil
}

// IntParam is a parameter holding an integer in lo..hi, as Redis's numeric
// parameters: CONFIG SET takes a plain decimal integer. get reads the
// value; set applies a valid one, and its error is the reason CONFIG SET
// prints.
func IntParam(name string, lo, hi int64, get func() int64, set func(int64) error) Param {
	return Param{
		Name: name,
		Get:  func() string { return strconv.FormatInt(get(), 10) },
		Set: func(value string) error {
			n, ok := resp.ParseInt([]byte(value))
			if !ok {
				return errors.New(ReasonNotInteger)
			}
			if n < lo || n > hi {
				return fmt.Errorf(ReasonRange, lo, hi)
			}
			return set(n)
		},
	}
}

// MemoryParam is a parameter holding a byte count in lo..hi, as Redis's
// memory parameters: CONFIG SET takes a value ParseMemory accepts ("1gb"),
// CONFIG GET prints the plain count. get and set are as in IntParam.
func MemoryParam(name string, lo, hi uint64, get func() uint64, set func(uint64) error) Param {
	return Param{
		Name: name,
		Get:  func() string { return strconv.FormatUint(get(), 10) },
		Set: func(value string) error {
			n, ok := ParseMemory(value)
			if !ok {
				return errors.New(ReasonNotMemory)
			}
			if n < lo || n > hi {
				return fmt.Errorf(ReasonRange, lo, hi)
			}
			return set(n)
		},
	}
}

// ParseMemory parses a memory value as Redis's memtoull does: decimal
// digits (none means 0) and an optional case-insensitive unit b, k (1000),
// kb (1024), m (1000²), mb (1024²), g (1000³) or gb (1024³). A sign or
// any other unit is refused.
func ParseMemory(s string) (uint64, bool) {
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	var mul uint64
	switch strings.ToLower(s[digits:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1 << 10
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1 << 20
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1 << 30
	default:
		return 0, false
	}
	if digits == 0 {
		return 0, true
	}
	// Like strtoull, a count too large is the largest one; like C, the
	// product wraps.
	n, err := strconv.ParseUint(s[:digits], 10, 64)
	if err != nil {
		n = math.MaxUint64
	}
	return n * mul, true
}

// fixedParam is a parameter CONFIG SET cannot change.
func fixedParam(name, value string) Param {
	return Param{Name: name, Get: func() string { return value }}
}

// intKnob is an inert IntParam.
func intKnob(name string, def, lo, hi int64) Param {
	v := new(atomic.Int64)
	v.Store(def)
	return IntParam(name, lo, hi, v.Load, func(n int64) error { v.Store(n); return nil })
}

// memoryKnob is an inert MemoryParam.
func memoryKnob(name string, def, lo, hi uint64) Param {
	v := new(atomic.Uint64)
	v.Store(def)
	return MemoryParam(name, lo, hi, v.Load, func(n uint64) error { v.Store(n); return nil })
}

// hzKnob is Redis's hz: any integer from 0 is accepted, and held to 1..500.
func hzKnob() Param {
	v := new(atomic.Int64)
	v.Store(10)
	return IntParam("hz", 0, math.MaxInt32, v.Load, func(n int64) error { v.Store(min(max(n, 1), 500)); return nil })
}

// stringKnob is an inert string parameter.
func stringKnob(name, def string) Param {
	var mu sync.Mutex
	v := def
	return Param{
		Name: name,
		Get:  func() string { mu.Lock(); defer mu.Unlock(); return v },
		Set:  func(s string) error { mu.Lock(); defer mu.Unlock(); v = s; return nil },
	}
}

// boolKnob is an inert yes/no parameter (either case on input).
func boolKnob(name string, def bool) Param {
	v := new(atomic.Bool)
	v.Store(def)
	return BoolParam(name, v)
}

// BoolParam is a yes/no parameter (either case on input) held in v.
func BoolParam(name string, v *atomic.Bool) Param {
	return Param{
		Name: name,
		Get: func() string {
			if v.Load() {
				return "yes"
			}
			return "no"
		},
		Set: func(value string) error {
			switch {
			case strings.EqualFold(value, "yes"):
				v.Store(true)
			case strings.EqualFold(value, "no"):
				v.Store(false)
			default:
				return errors.New(ReasonNotYesNo)
			}
			return nil
		},
	}
}

// enumKnob is an inert parameter taking one of words (either case on
// input, as written on output); def is one of them.
func enumKnob(name, def string, words ...string) Param {
	v := new(atomic.Int32)
	v.Store(int32(slices.Index(words, def)))
	return Param{
		Name: name,
		Get:  func() string { return words[v.Load()] },
		Set: func(value string) error {
			for i, w := range words {
				if strings.EqualFold(value, w) {
					v.Store(int32(i))
					return nil
				}
			}
			return fmt.Errorf(ReasonEnum, strings.Join(words, ", "))
		},
	}
}

// parseCInt parses s as C's strtoll does when the whole string must be
// used: leading white space, a sign, digits; no digits at all is 0. It
// refuses values outside an int, which Redis would truncate.
func parseCInt(s string) (int64, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	if t == "" {
		return 0, s == ""
	}
	n, err := strconv.ParseInt(t, 10, 32)
	return n, err == nil
}
