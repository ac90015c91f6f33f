package command

import (
	"sort"
	"strings"
	"sync"
)

// Param is one CONFIG parameter, under its Redis name.
type Param struct {
	Name string
	// Get returns the current value as CONFIG GET prints it.
	Get func() string
	// Set validates and applies a new value; nil means the parameter cannot
	// be changed at run time. A returned error's text is the reason CONFIG
	// SET prints.
	Set func(value string) error
}

// Params is the set of CONFIG parameters. main registers the real settings;
// Redis's encoding knobs are kept as inert values so tools that set them keep
// working. Safe for concurrent use.
type Params struct {
	mu     sync.RWMutex
	byName map[string]*Param
}

// NewParams returns the parameter set with Redis's inert knobs registered.
func NewParams() *Params {
	p := &Params{byName: make(map[string]*Param)}
	for _, kv := range inertKnobs {
		p.Knob(kv[0], kv[1])
	}
	return p
}

// inertKnobs are accepted, kept and reported, but change nothing in redpool.
var inertKnobs = [][2]string{
	{"list-max-listpack-size", "-2"},
	{"list-max-ziplist-size", "-2"},
	{"list-compress-depth", "0"},
	{"hash-max-listpack-entries", "512"},
	{"hash-max-listpack-value", "64"},
	{"hash-max-ziplist-entries", "512"},
	{"hash-max-ziplist-value", "64"},
	{"set-max-intset-entries", "512"},
	{"zset-max-listpack-entries", "128"},
	{"zset-max-listpack-value", "64"},
	{"zset-max-ziplist-entries", "128"},
	{"zset-max-ziplist-value", "64"},
	{"maxmemory", "0"},
	{"maxmemory-policy", "noeviction"},
	{"maxmemory-samples", "5"},
	{"lazyfree-lazy-eviction", "no"},
	{"lazyfree-lazy-expire", "no"},
	{"lazyfree-lazy-server-del", "no"},
	{"lazyfree-lazy-user-del", "no"},
	{"lazyfree-lazy-user-flush", "no"},
	{"activerehashing", "yes"},
	{"hz", "10"},
	{"dynamic-hz", "yes"},
	{"tcp-keepalive", "300"},
	{"tcp-backlog", "511"},
	{"loglevel", "notice"},
	{"slowlog-log-slower-than", "10000"},
	{"slowlog-max-len", "128"},
	{"latency-monitor-threshold", "0"},
	{"notify-keyspace-events", ""},
	{"stop-writes-on-bgsave-error", "yes"},
	{"rdbcompression", "yes"},
	{"rdbchecksum", "yes"},
	{"appendfilename", "appendonly.aof"},
	{"aof-use-rdb-preamble", "yes"},
	{"aof-load-truncated", "yes"},
	{"no-appendfsync-on-rewrite", "no"},
	{"protected-mode", "no"},
	{"io-threads", "1"},
	{"replica-read-only", "yes"},
	{"lua-time-limit", "5000"},
	{"busy-reply-threshold", "5000"},
	{"client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
	{"daemonize", "no"},
	{"supervised", "no"},
	{"pidfile", ""},
	{"logfile", ""},
	{"unixsocket", ""},
}

// Register adds or replaces a parameter.
func (p *Params) Register(prm Param) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := prm
	p.byName[strings.ToLower(prm.Name)] = &q
}

// Knob registers a parameter that only stores its value.
func (p *Params) Knob(name, value string) {
	v := value
	var mu sync.Mutex
	p.Register(Param{
		Name: name,
		Get:  func() string { mu.Lock(); defer mu.Unlock(); return v },
		Set:  func(s string) error { mu.Lock(); v = s; mu.Unlock(); return nil },
	})
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
