package command

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"redpool/backend"
)

// maxmemory, as Redis's evict.c: before each command, while the data's
// accounted size (usedMemory) is over maxmemory, keys are evicted by the
// configured policy through the backend's Evictor; a command flagged
// DenyOOM is refused with -OOM when nothing can be evicted. Each evicted
// key is reported as Redis's performEvictions reports it: a DEL in the
// AOF, the clients WATCHing it marked, tracking invalidations and the
// "evicted" keyspace event (keyEvicted).
//
// The figure compared with maxmemory is the Go heap at start-up plus the
// backend's accounting of its data (backend.Evictor.UsedBytes, the
// per-key sizes MEMORY USAGE reports), re-read at most every usedRefresh
// and lowered by what each eviction frees; INFO's used_memory is the same
// figure. With maxmemory 0 none of this runs: the dispatcher's only cost
// is one atomic load.

// usedRefresh is how stale the cached used-memory figure may be.
const usedRefresh = time.Millisecond

// policyNames are maxmemory-policy's values; policyNoEviction is the last.
var policyNames = [...]string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
	"allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}

// evictPolicies maps policyNames (but noeviction) to the backend's policies.
var evictPolicies = [...]backend.EvictPolicy{backend.EvictVolatileLRU, backend.EvictVolatileLFU,
	backend.EvictVolatileRandom, backend.EvictVolatileTTL, backend.EvictLRU, backend.EvictLFU, backend.EvictRandom}

const policyNoEviction = int32(len(policyNames) - 1)

// maxMemory is the engine's maxmemory state. Safe for concurrent use.
type maxMemory struct {
	limit     atomic.Uint64
	policy    atomic.Int32 // index in policyNames
	samples   atomic.Int64
	tenacity  atomic.Int64
	logFactor atomic.Int64
	decayTime atomic.Int64

	evictor backend.Evictor // nil: the backend cannot evict
	startup int64           // the Go heap at start-up, counted as used

	used   atomic.Int64 // cached usedMemory
	usedAt atomic.Int64 // when used was read (ns since Engine.epoch), 0 = never

	mu      sync.Mutex   // serializes performEvictions
	evicted atomic.Int64 // INFO's evicted_keys, since start or CONFIG RESETSTAT

	// exceeded times Redis's eviction-exceeded windows: from a
	// performEvictions that left the used memory over the limit to the
	// next that found it within.
	exceeded exceededTimer
}

// exceededTimer is INFO's total_eviction_exceeded_time and
// current_eviction_exceeded_time. Safe for concurrent use.
type exceededTimer struct {
	mu    sync.Mutex
	since time.Time     // start of the current window; zero: none
	total time.Duration // of the windows ended since start or RESETSTAT
	open  atomic.Bool   // since is set: lets note skip the lock when within
}

// note records a performEvictions outcome; it reads the clock only when
// a window starts or ends.
func (t *exceededTimer) note(res evictResult) {
	over := res != evictOK
	if over == t.open.Load() {
		return
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case over && t.since.IsZero():
		t.since = now
	case !over && !t.since.IsZero():
		t.total += now.Sub(t.since)
		t.since = time.Time{}
	}
	t.open.Store(!t.since.IsZero())
}

// times returns the total (the current window included) and the current
// window's length at now.
func (t *exceededTimer) times(now time.Time) (total, current time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.since.IsZero() {
		current = now.Sub(t.since)
	}
	return t.total + current, current
}

// reset is CONFIG RESETSTAT's: the window in progress is forgotten too,
// as Redis resets stat_last_eviction_exceeded_time.
func (t *exceededTimer) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.since, t.total = time.Time{}, 0
	t.open.Store(false)
}

// initMaxMemory sets e.mm up from the backend (whether it can evict) and
// registers its CONFIG parameters. Called once by NewEngine.
func (e *Engine) initMaxMemory(startup int64) {
	m := &e.mm
	m.evictor, _ = e.backend.(backend.Evictor)
	m.startup = startup
	m.policy.Store(policyNoEviction)
	m.samples.Store(5)
	m.tenacity.Store(10)
	m.logFactor.Store(10)
	m.decayTime.Store(1)
	for _, p := range m.params() {
		e.params.Register(p)
	}
}

// params are maxmemory's CONFIG parameters, with Redis's names and bounds.
func (m *maxMemory) params() []Param {
	return []Param{
		MemoryParam("maxmemory", 0, math.MaxUint64, m.limit.Load, func(n uint64) error {
			if n != 0 && m.evictor == nil {
				return errors.New(ReasonNoEvictor)
			}
			m.limit.Store(n)
			return nil
		}),
		{
			Name: "maxmemory-policy",
			Get:  func() string { return policyNames[m.policy.Load()] },
			Set: func(value string) error {
				for i, w := range policyNames {
					if strings.EqualFold(value, w) {
						m.policy.Store(int32(i))
						m.applyAccess()
						return nil
					}
				}
				return fmt.Errorf(ReasonEnum, strings.Join(policyNames[:], ", "))
			},
		},
		IntParam("maxmemory-samples", 1, math.MaxInt32, m.samples.Load, storeInt(&m.samples, nil)),
		IntParam("maxmemory-eviction-tenacity", 0, 100, m.tenacity.Load, storeInt(&m.tenacity, nil)),
		IntParam("lfu-log-factor", 0, math.MaxInt32, m.logFactor.Load, storeInt(&m.logFactor, m.applyAccess)),
		IntParam("lfu-decay-time", 0, math.MaxInt32, m.decayTime.Load, storeInt(&m.decayTime, m.applyAccess)),
	}
}

// storeInt is an IntParam setter storing into v, then calling then.
func storeInt(v *atomic.Int64, then func()) func(int64) error {
	return func(n int64) error {
		v.Store(n)
		if then != nil {
			then()
		}
		return nil
	}
}

// applyAccess passes the access-clock settings on to the backend.
func (m *maxMemory) applyAccess() {
	if m.evictor != nil {
		m.evictor.SetAccessConfig(backend.AccessConfig{
			LFU:       m.lfu(),
			LogFactor: int(m.logFactor.Load()),
			DecayTime: int(m.decayTime.Load()),
		})
	}
}

// lfu reports whether maxmemory-policy is an LFU one.
func (m *maxMemory) lfu() bool {
	p := m.policy.Load()
	return p != policyNoEviction && (evictPolicies[p] == backend.EvictLFU || evictPolicies[p] == backend.EvictVolatileLFU)
}

// usedMemory is the figure maxmemory and INFO's used_memory report: the
// start-up heap plus the backend's data, or the Go heap in use on a
// backend that does not account for its data in memory.
func (e *Engine) usedMemory(heap int64) int64 {
	if e.mm.evictor == nil {
		return heap
	}
	return e.mm.startup + e.mm.evictor.UsedBytes()
}

// cachedUsed is usedMemory, re-read when older than usedRefresh.
func (e *Engine) cachedUsed() int64 {
	m := &e.mm
	now := int64(time.Since(e.epoch)) + 1
	if now-m.usedAt.Load() >= int64(usedRefresh) {
		m.used.Store(m.startup + m.evictor.UsedBytes())
		m.usedAt.Store(now)
	}
	return m.used.Load()
}

// evictResult is performEvictions' outcome, as Redis's EVICT_*.
type evictResult int

const (
	evictOK      evictResult = iota // under the limit
	evictRunning                    // still over it, out of time: go on next time
	evictFail                       // over it and nothing (more) can be evicted
)

// evictionTimeLimit is Redis's evictionTimeLimitUs for a tenacity.
func evictionTimeLimit(tenacity int64) time.Duration {
	switch {
	case tenacity <= 10:
		return time.Duration(50*tenacity) * time.Microsecond
	case tenacity < 100:
		return time.Duration(500*math.Pow(1.15, float64(tenacity-10))) * time.Microsecond
	}
	return math.MaxInt64
}

// performEvictions evicts keys until the used memory is within maxmemory,
// as Redis's performEvictions, for at most the tenacity's time limit, and
// times the windows it leaves the memory over the limit. The caller holds
// no backend lock. maxmemory must be set.
func (e *Engine) performEvictions() evictResult {
	res := e.evict()
	e.mm.exceeded.note(res)
	return res
}

// evict is performEvictions' eviction.
func (e *Engine) evict() evictResult {
	m := &e.mm
	limit := int64(min(m.limit.Load(), math.MaxInt64))
	if m.evictor == nil || e.cachedUsed() <= limit {
		return evictOK
	}
	pi := m.policy.Load()
	if pi == policyNoEviction {
		return evictFail
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	used := e.cachedUsed() // another client may have evicted meanwhile
	if used <= limit {
		return evictOK
	}
	policy, samples := evictPolicies[pi], int(m.samples.Load())
	start, budget := time.Now(), evictionTimeLimit(m.tenacity.Load())
	var freed int64
	res := evictFail
	for k := 1; ; k++ {
		if used-freed <= limit {
			res = evictOK
			break
		}
		n, ok := m.evictor.Evict(policy, samples, e.keyEvicted)
		if !ok {
			break
		}
		freed += n
		if k%16 == 0 && time.Since(start) > budget {
			res = evictRunning
			break
		}
	}
	m.used.Add(-freed)
	return res
}

// keyEvicted is the backend.EvictFunc: what Redis's performEvictions does
// for each key it evicts, under the key's lock (so it is ordered before
// any later write of the key): the deletion is logged as a DEL, clients
// WATCHing the key are marked, tracking clients are told and the
// "evicted" event is raised. It does not call the backend.
func (e *Engine) keyEvicted(db int, key []byte) {
	e.mm.evicted.Add(1)
	if e.log != nil {
		e.log.Append(db, [][]byte{[]byte("DEL"), key})
	}
	if e.watches.n.Load() != 0 {
		e.watches.touchKey(db, key)
	}
	if e.tracking.active() {
		e.tracking.invalidate(e, nil, [][]byte{key})
	}
	if e.notifier != nil && e.notify.enabled(NotifyEvicted) {
		e.notifier.Notify(db, NotifyEvicted, "evicted", append([]byte(nil), key...))
	}
}

// checkMemory is the dispatcher's maxmemory step before spec runs or is
// queued on c with args (Redis's processCommand): it evicts as needed and
// refuses a DenyOOM command with -OOM when memory could not be brought
// under the limit; a script that declared flags counts as DenyOOM unless
// they say no-writes or allow-oom (scriptDenyOOM). Inside MULTI every
// command but EXEC, DISCARD, QUIT and RESET is refused then, and EXEC
// when it would run a DenyOOM command. It notes the outcome for the
// scripts the command runs (Ctx.oomAtStart).
func (c *Ctx) checkMemory(spec *Spec, args [][]byte) error {
	c.oomAtStart = c.e.performEvictions() == evictFail
	if !c.oomAtStart {
		return nil
	}
	deny := denyOOM(c.e, spec, args)
	if m := c.Client.multi; m != nil && m.on {
		switch spec.Name {
		case "exec":
			for _, q := range m.queue {
				deny = deny || denyOOM(c.e, q.spec, q.args)
			}
		case "discard", "quit", "reset":
		default:
			deny = true
		}
	}
	if deny {
		c.reject(spec)
		return ErrOOM
	}
	return nil
}

// denyOOM reports whether the command args of spec is refused while
// memory is over the limit: it, or the subcommand args name (FUNCTION
// LOAD, XGROUP CREATE), is DenyOOM, or it runs a script that counts as
// such (scriptDenyOOM).
func denyOOM(e *Engine, spec *Spec, args [][]byte) bool {
	if len(spec.Subcommands) > 0 && len(args) > 1 {
		if sub := spec.findSub(args[1]); sub != nil {
			spec = sub
		}
	}
	return spec.Flags&DenyOOM != 0 || e.scriptDenyOOM(spec, args)
}

// denyOOMCommands are the commands (container|sub for subcommands) Redis
// 7.0 flags denyoom; NewTable flags those redpool has DenyOOM.
var denyOOMCommands = []string{
	"append", "bitfield", "bitop", "blmove", "brpoplpush", "copy", "decr", "decrby",
	"function|load", "function|restore", "geoadd", "georadius", "georadiusbymember",
	"geosearchstore", "getset", "hincrby", "hincrbyfloat", "hmset", "hset", "hsetnx",
	"incr", "incrby", "incrbyfloat", "linsert", "lmove", "lpush", "lpushx", "lset",
	"mset", "msetnx", "pfadd", "pfdebug", "pfmerge", "psetex", "restore",
	"restore-asking", "rpoplpush", "rpush", "rpushx", "sadd", "sdiffstore", "set",
	"setbit", "setex", "setnx", "setrange", "sinterstore", "sort", "sunionstore",
	"xadd", "xgroup|create", "xgroup|createconsumer", "xsetid", "zadd", "zdiffstore",
	"zincrby", "zinterstore", "zrangestore", "zunionstore",
}

// markDenyOOM flags t's commands that Redis flags denyoom.
func markDenyOOM(t *Table) {
	for _, name := range denyOOMCommands {
		cmd, sub, _ := strings.Cut(name, "|")
		s := t.byName[cmd]
		if s != nil && sub != "" {
			s = s.findSub([]byte(sub))
		}
		if s != nil {
			s.Flags |= DenyOOM
		}
	}
}
