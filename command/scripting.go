package command

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"redpool/backend"
	"redpool/session/resp"
)

// Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT, as Redis 7.0.
//
// # Atomicity and locks
//
// A script runs inside Ctx.Atomically, as EXEC does: every command it calls
// runs in one backend transaction, so no other client sees part of it. What
// the transaction locks is learned per script (script.locking):
//
//   - the first run of a script locks every key of every database and
//     watches which keys the script's commands touch;
//   - if they were all among KEYS (in the caller's database), later runs
//     lock only KEYS, so scripts on different keys run in parallel;
//   - a script that touched anything else (a key not in KEYS, SELECT, a
//     keyless command such as KEYS or FLUSHDB, numkeys 0) always locks
//     everything, as Redis's single thread does.
//
// A declared-keys run that reaches an undeclared key before any write is
// abandoned and run again locking everything (nothing was changed, and a
// script's only effects are its commands). One that reaches it after a
// write cannot be rerun: that command fails with ErrUndeclaredKey, and the
// script locks everything from then on. Inside MULTI, EXEC locks
// everything when a script is queued (the Script flag), so a script there
// never meets that case.
//
// # Effects
//
// The writes of a script reach the AOF as the commands it ran, wrapped in
// MULTI ... EXEC when there are several (Redis 7's effects replication),
// through the same txLog EXEC uses; never as the script's text.
//
// # The cache
//
// Scripts are cached by the SHA1 of their text. SCRIPT LOAD keeps a script
// until SCRIPT FLUSH; a script cached only because EVAL ran it is
// evictable: at most maxEvalScripts of them are kept, the oldest dropped
// first (Redis 7.4's policy for scripts generated on the fly), so EVAL of
// generated scripts cannot grow the cache without bound. EVALSHA of an
// evicted script answers NOSCRIPT, which clients handle by sending EVAL.
//
// # Busy scripts
//
// A script running longer than busy-reply-threshold (lua-time-limit) is
// busy: until it ends, every other client's command, except the few
// AllowBusy ones, is refused with -BUSY. SCRIPT KILL stops a busy script
// that has not written; one that has written is UNKILLABLE, and SHUTDOWN
// NOSAVE stops it (its writes never reach the AOF).

// maxEvalScripts bounds the scripts EVAL caches.
const maxEvalScripts = 500

// maxScriptMemory is how much a script may grow the heap (measured every
// luaCheckEvery instructions; gopher-lua does not count its allocations)
// before it is stopped with luaErrMemory. It is generous, for the heap is
// the whole process's: the point is that a script building a huge table
// is stopped instead of taking the server down.
const maxScriptMemory = 1 << 30

// scriptFlags are a script's shebang flags.
type scriptFlags uint8

const (
	scriptNoWrites scriptFlags = 1 << iota
	scriptAllowOOM
	scriptAllowStale
	scriptNoCluster
	scriptAllowCrossSlot
)

var scriptFlagNames = []struct {
	f    scriptFlags
	name string
}{
	{scriptNoWrites, "no-writes"}, {scriptAllowOOM, "allow-oom"}, {scriptAllowStale, "allow-stale"},
	{scriptNoCluster, "no-cluster"}, {scriptAllowCrossSlot, "allow-cross-slot-keys"},
}

// locking is what a script's transaction locks (see the package notes).
type locking int32

const (
	lockLearn    locking = iota // lock everything, watch the keys
	lockDeclared                // lock KEYS only
	lockAll                     // lock everything
	lockOpen                    // run in an enclosing transaction (EXEC)
)

// script is a compiled script. Immutable but for locking.
type script struct {
	sha      string
	body     string
	proto    *lua.FunctionProto
	flags    scriptFlags
	shebang  bool
	fromEval bool // cached by EVAL only: evictable
	locking  atomic.Int32
}

// scripting is the engine's scripting state: the script cache, the pool
// of VMs and the busy scripts. Safe for concurrent use.
type scripting struct {
	e *Engine

	mu        sync.RWMutex
	cache     map[string]*script
	evalOrder []string // EVAL-cached SHAs, oldest first
	gen       atomic.Uint64

	poolMu sync.Mutex
	pool   []*luaVM
	vms    atomic.Int64 // VMs created

	busyMu sync.Mutex
	busy   map[*scriptRun]struct{}
	busyN  atomic.Int32

	memLimit uint64 // maxScriptMemory; tests lower it
}

func newScripting(e *Engine) *scripting {
	return &scripting{e: e, cache: make(map[string]*script), busy: make(map[*scriptRun]struct{}), memLimit: maxScriptMemory}
}

// getVM takes a VM from the pool, or makes one.
func (s *scripting) getVM() *luaVM {
	s.poolMu.Lock()
	if n := len(s.pool); n > 0 {
		vm := s.pool[n-1]
		s.pool = s.pool[:n-1]
		s.poolMu.Unlock()
		return vm
	}
	s.poolMu.Unlock()
	s.vms.Add(1)
	return newLuaVM(s.e.logger)
}

func (s *scripting) putVM(vm *luaVM) {
	s.poolMu.Lock()
	s.pool = append(s.pool, vm)
	s.poolMu.Unlock()
}

// lookup returns the cached script whose SHA is sha (any case), or nil.
func (s *scripting) lookup(sha []byte) *script {
	if len(sha) != 40 {
		return nil
	}
	var buf [40]byte
	low := lowerASCII(buf[:0], sha)
	s.mu.RLock()
	sc := s.cache[string(low)]
	s.mu.RUnlock()
	return sc
}

// load compiles body and caches it (fromEval: as an evictable script),
// or returns the script already cached.
func (s *scripting) load(body []byte, fromEval bool) (*script, error) {
	sum := sha1.Sum(body)
	var hexbuf [40]byte
	hex.Encode(hexbuf[:], sum[:])
	s.mu.RLock()
	sc := s.cache[string(hexbuf[:])]
	s.mu.RUnlock()
	if sc != nil && (fromEval || !sc.fromEval) {
		return sc, nil
	}
	if sc == nil {
		var err error
		if sc, err = compileScript(string(hexbuf[:]), string(body)); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.cache[sc.sha]; old != nil {
		sc = old
	}
	switch {
	case !fromEval && sc.fromEval:
		sc2 := &script{sha: sc.sha, body: sc.body, proto: sc.proto, flags: sc.flags, shebang: sc.shebang}
		sc2.locking.Store(sc.locking.Load())
		sc = sc2
	case s.cache[sc.sha] == sc:
		return sc, nil
	default:
		sc.fromEval = fromEval
		if fromEval {
			s.evalOrder = append(s.evalOrder, sc.sha)
			s.evict()
		}
	}
	s.cache[sc.sha] = sc
	return sc, nil
}

// evict drops the oldest EVAL-cached scripts beyond maxEvalScripts. s.mu
// is held.
func (s *scripting) evict() {
	for len(s.evalOrder) > maxEvalScripts {
		sha := s.evalOrder[0]
		s.evalOrder = s.evalOrder[1:]
		if sc := s.cache[sha]; sc != nil && sc.fromEval {
			delete(s.cache, sha)
		}
	}
}

// flush empties the cache; VMs drop their compiled functions lazily.
func (s *scripting) flush() {
	s.mu.Lock()
	s.cache = make(map[string]*script)
	s.evalOrder = nil
	s.gen.Add(1)
	s.mu.Unlock()
}

// vmBytes estimates the memory of one idle VM: its value stack, call
// stack and libraries (gopher-lua does not count its allocations).
const vmBytes = luaRegistrySize*16 + luaCallStackSize*96 + 64<<10

// memory returns INFO's script figures: the bytes of the Lua VMs, of the
// cached scripts' bodies, and how many scripts are cached.
func (s *scripting) memory() (vms, bodies, cached int64) {
	s.mu.RLock()
	for _, sc := range s.cache {
		bodies += int64(len(sc.body))
	}
	cached = int64(len(s.cache))
	s.mu.RUnlock()
	return s.vms.Load() * vmBytes, bodies, cached
}

// compileScript parses a script's shebang and compiles its body.
func compileScript(sha, body string) (*script, error) {
	flags, shebang, code, err := parseShebang(body)
	if err != nil {
		return nil, err
	}
	// As Redis, the body becomes a function's (not a vararg chunk's: no
	// "arg" table per call), on the same first line.
	proto, err := compileLua("return function() "+code+"\nend", "user_script")
	if err != nil {
		return nil, Error("ERR Error compiling script (new function): " + err.Error())
	}
	return &script{sha: sha, body: body, proto: proto, flags: flags, shebang: shebang}, nil
}

// compileLua compiles Lua source under the chunk name name; its error
// reads as Lua's "name:line: message".
func compileLua(code, name string) (*lua.FunctionProto, error) {
	chunk, err := parse.Parse(strings.NewReader(code), name)
	if err != nil {
		var pe *parse.Error
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d: %s near '%s'", name, pe.Pos.Line, pe.Message, pe.Token)
		}
		return nil, err
	}
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return proto, nil
}

// parseShebang reads a "#!lua flags=..." first line. The code returned
// keeps the line's newline, so line numbers stay the user's.
func parseShebang(body string) (flags scriptFlags, shebang bool, code string, err error) {
	if !strings.HasPrefix(body, "#!") {
		return 0, false, body, nil
	}
	line, rest := body, ""
	if i := strings.IndexByte(body, '\n'); i >= 0 {
		line, rest = body[:i], body[i:]
	}
	parts := strings.Fields(line)
	if len(parts) == 0 || parts[0] != "#!lua" {
		engine := ""
		if len(parts) > 0 {
			engine = parts[0]
		}
		return 0, true, "", Error("ERR Unexpected engine in script shebang: " + engine)
	}
	for _, p := range parts[1:] {
		list, ok := strings.CutPrefix(p, "flags=")
		if !ok {
			return 0, true, "", Error("ERR Unknown lua shebang option: " + p)
		}
		for _, name := range strings.Split(list, ",") {
			if name == "" {
				continue
			}
			f := scriptFlags(0)
			for _, n := range scriptFlagNames {
				if n.name == name {
					f = n.f
				}
			}
			if f == 0 {
				return 0, true, "", Error("ERR Unexpected flag in script shebang: " + name)
			}
			flags |= f
		}
	}
	return flags, true, rest, nil
}

// --- commands ---

func scriptCommands() []Spec {
	const grp = "scripting"
	return []Spec{
		{Name: "eval", Arity: -3, Flags: Script | NoScript | NoTx, FindKeys: evalKeys, Run: evalCmd, Group: grp, Summary: "Executes a server-side Lua script.", Since: "2.6.0"},
		{Name: "evalsha", Arity: -3, Flags: Script | NoScript | NoTx, FindKeys: evalKeys, Run: evalCmd, Group: grp, Summary: "Executes a server-side Lua script by SHA1 digest.", Since: "2.6.0"},
		{Name: "eval_ro", Arity: -3, Flags: Script | NoScript | NoTx, FindKeys: evalKeys, Run: evalCmd, Group: grp, Summary: "Executes a read-only server-side Lua script.", Since: "7.0.0"},
		{Name: "evalsha_ro", Arity: -3, Flags: Script | NoScript | NoTx, FindKeys: evalKeys, Run: evalCmd, Group: grp, Summary: "Executes a read-only server-side Lua script by SHA1 digest.", Since: "7.0.0"},
		{Name: "script", Arity: -2, Flags: AllowBusy, Run: scriptCmd, Group: grp, Summary: "A container for Lua scripts management commands.", Since: "2.6.0",
			Subcommands: []Spec{
				{Name: "load", Arity: 3, Flags: NoScript, Run: scriptLoad, Summary: "Loads a server-side Lua script to the script cache."},
				{Name: "exists", Arity: -3, Flags: NoScript, Run: scriptExists, Summary: "Determines whether server-side Lua scripts exist in the script cache."},
				{Name: "flush", Arity: -2, Flags: NoScript, Run: scriptFlush, Summary: "Removes all server-side Lua scripts from the script cache."},
				{Name: "kill", Arity: 2, Flags: AllowBusy | NoScript, Run: scriptKill, Summary: "Terminates a server-side Lua script during execution."},
				{Name: "debug", Arity: 3, Flags: NoScript, Run: scriptDebug, Summary: "Sets the debug mode of server-side Lua scripts."},
				{Name: "help", Arity: 2, Run: scriptHelp, Summary: "Returns helpful text about the different subcommands."},
			}},
	}
}

// evalKeys finds EVAL's keys: numkeys at 2, then the keys. numkeys 0 is
// fine (no keys).
func evalKeys(dst, args [][]byte) ([][]byte, bool, bool) {
	if len(args) < 3 {
		return dst, false, false
	}
	n, ok := resp.ParseInt(args[2])
	if !ok || n < 0 || n > int64(len(args)-3) {
		return dst, false, false
	}
	return append(dst, args[3:3+n]...), false, true
}

// Scripting's replies.
const (
	ErrNoScript         Error = "NOSCRIPT No matching script. Please use EVAL."
	ErrNumKeysNegative  Error = "ERR Number of keys can't be negative"
	ErrNumKeysTooBig    Error = "ERR Number of keys can't be greater than number of args"
	ErrNotBusy          Error = "NOTBUSY No scripts in execution right now."
	ErrUnkillable       Error = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	ErrBusyScript       Error = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	ErrBusyFunction     Error = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	ErrScriptFlushArg   Error = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
	ErrScriptROWriteFlg Error = "ERR Can not execute a script with write flag using *_ro command."
)

func evalCmd(c *Ctx) error {
	args := c.Args
	name := c.spec.Name
	ro := strings.HasSuffix(name, "_ro")
	n, ok := resp.ParseInt(args[2])
	switch {
	case !ok:
		return ErrNotInteger
	case n < 0:
		return ErrNumKeysNegative
	case n > int64(len(args)-3):
		return ErrNumKeysTooBig
	}
	sc := (*script)(nil)
	if strings.HasPrefix(name, "evalsha") {
		if sc = c.e.scripts.lookup(args[1]); sc == nil {
			return ErrNoScript
		}
	} else {
		var err error
		if sc, err = c.e.scripts.load(args[1], true); err != nil {
			return err
		}
	}
	if sc.shebang && sc.flags&scriptNoCluster != 0 && c.e.clusterOn() {
		return ErrScriptNoCluster
	}
	if sc.shebang && sc.flags&scriptNoWrites == 0 && ro {
		return ErrScriptROWriteFlg
	}
	return c.runScript(sc, args[3:3+n], args[3+n:], ro || sc.flags&scriptNoWrites != 0)
}

// scriptRun is one run of a script: what its redis.call needs to know.
// Only the running session touches it, but for wrote and busy, which
// SCRIPT KILL reads.
type scriptRun struct {
	s        *scripting
	c        *Ctx
	vm       *luaVM
	target   runTarget
	name     string // what error texts name: the SHA, or a function's name
	keys     [][]byte
	db       int // the caller's database
	lock     locking
	readOnly bool
	function bool // FCALL: kills are FUNCTION KILL's
	resp     int

	undeclared bool // a command touched a key outside keys
	restart    bool // rerun locking everything
	wrote      atomic.Bool
	forced     atomic.Bool // killed by SHUTDOWN: drop its effects
	start      time.Time
	limit      time.Duration // busy-reply-threshold, read at the first tick
	busy       bool
	argv       [][]byte // the EVAL or FCALL command, aliasing the session's buffer
	busyArgv   [][]byte // argv copied when the run turned busy (FUNCTION STATS)
	heap0      uint64   // the heap when the run began (first tick)
	oom        bool     // stopped for using more than maxScriptMemory
	allowOOM   bool     // the allow-oom flag: redis.call is never refused -OOM
	// clusterSlot is 1 + the slot the run's keys hash to in cluster
	// mode, 0 before the first (cluster_route.go).
	clusterSlot int
}

// errRestart abandons a declared-keys run to rerun it locking everything.
var errRestart = errors.New("script: rerun locking everything")

// runTarget is what runScript runs: an EVAL script (sc) or a function
// (def, of reg).
type runTarget struct {
	sc  *script
	gen uint64 // the script cache generation sc was found in
	def *functionDef
	reg *functionRegistry
}

// name is what error texts name: the SHA, or the function's name.
func (t *runTarget) name() string {
	if t.def != nil {
		return t.def.name
	}
	return t.sc.sha
}

// flags are the target's declared flags (none for a script without a
// shebang).
func (t *runTarget) flags() scriptFlags {
	if t.def != nil {
		return t.def.flags
	}
	return t.sc.flags
}

// locking is the target's learned locking (see the package notes).
func (t *runTarget) locking() *atomic.Int32 {
	if t.def != nil {
		return &t.def.locking
	}
	return &t.sc.locking
}

// fn returns vm's Lua function for the target (nil: none).
func (t *runTarget) fn(vm *luaVM) *lua.LFunction {
	if t.def != nil {
		return vm.vmFunction(t.reg, t.def)
	}
	return vm.function(t.sc, t.gen)
}

// runScript runs sc with KEYS keys and ARGV args and writes its reply.
func (c *Ctx) runScript(sc *script, keys, args [][]byte, readOnly bool) error {
	return c.runTarget(runTarget{sc: sc, gen: c.e.scripts.gen.Load()}, keys, args, readOnly)
}

// runTarget runs t with KEYS keys and ARGV args and writes its reply. The
// VM's scriptRun is reused: one run at a time uses a VM.
func (c *Ctx) runTarget(t runTarget, keys, args [][]byte, readOnly bool) error {
	s := c.e.scripts
	vm := s.getVM()
	defer s.putVM(vm)
	fn := t.fn(vm)
	if fn == nil {
		return ErrFunctionNotFound
	}
	r := &vm.runState
	*r = scriptRun{s: s, c: c, vm: vm, target: t, name: t.name(), keys: keys, db: c.Client.DB(), readOnly: readOnly, function: t.def != nil, argv: c.Args,
		allowOOM: t.flags()&scriptAllowOOM != 0}
	c.scripts++
	defer func() {
		*r = scriptRun{}
		c.scripts--
	}()
	for {
		r.lock = locking(t.locking().Load())
		if c.open != nil {
			r.lock = lockOpen
		}
		err := c.runOnce(r, fn, args)
		if err == errRestart {
			continue
		}
		return err
	}
}

// runOnce runs the script once in a transaction of r.lock's kind.
func (c *Ctx) runOnce(r *scriptRun, fn *lua.LFunction, args [][]byte) error {
	vm := r.vm
	o := backend.TxOptions{DB: r.db, All: true}
	if r.lock == lockDeclared && len(r.keys) > 0 {
		o = backend.TxOptions{DB: r.db, Keys: r.keys}
	}
	r.undeclared, r.restart, r.resp, r.clusterSlot = false, false, 2, 0
	r.wrote.Store(false)
	mark := len(c.out)
	err := c.Atomically(!r.readOnly, o, func() error {
		ownLog := !c.inTxLog()
		if ownLog {
			c.beginTxLog()
		}
		vm.begin(r, args)
		vm.L.Push(fn)
		nargs := 0
		if r.function {
			vm.L.Push(vm.globals.RawGetString("KEYS"))
			vm.L.Push(vm.globals.RawGetString("ARGV"))
			nargs = 2
		}
		perr := vm.L.PCall(nargs, 1, vm.errFn)
		vm.end(r)
		if r.restart {
			if perr == nil {
				vm.L.Pop(1)
			}
			c.dropTxLog(ownLog)
			return errRestart
		}
		if r.forced.Load() {
			c.dropTxLog(ownLog)
		} else if ownLog {
			c.endTxLog()
		}
		c.Client.SetDB(r.db)
		if perr != nil {
			c.Error(scriptError(perr, r.name))
			return nil
		}
		luaReply(c, vm.L.Get(-1), r.resp, 0)
		vm.L.Pop(1)
		return nil
	})
	c.Client.SetDB(r.db)
	if err != nil {
		c.out = c.out[:mark]
		if err == errRestart {
			r.target.locking().Store(int32(lockAll))
		}
		return err
	}
	if r.lock == lockLearn {
		if r.undeclared || len(r.keys) == 0 {
			r.target.locking().Store(int32(lockAll))
		} else {
			r.target.locking().Store(int32(lockDeclared))
		}
	} else if r.undeclared && r.lock != lockOpen {
		r.target.locking().Store(int32(lockAll))
	}
	return nil
}

// dropTxLog forgets what a script run gathered for the AOF.
func (c *Ctx) dropTxLog(own bool) {
	if !own {
		return
	}
	t := &c.rareBufs().txLog
	clear(t.recs)
	t.recs, t.on = t.recs[:0], false
}

// begin readies the VM for r: KEYS, ARGV, the hook. math.random goes on
// with the VM's sequence, as Redis 7's does with its one VM's.
func (vm *luaVM) begin(r *scriptRun, args [][]byte) {
	vm.run = r
	vm.globals.RawSetString("KEYS", vm.stringTable(r.keys))
	vm.globals.RawSetString("ARGV", vm.stringTable(args))
	vm.hook.reset()
	vm.hook.run = r
	r.start = time.Now()
}

// end detaches r from the VM, and from the busy scripts.
func (vm *luaVM) end(r *scriptRun) {
	if r.busy {
		r.s.unmarkBusy(r)
	}
	vm.hook.run = nil
	vm.hook.reset()
	vm.run = nil
}

func (vm *luaVM) stringTable(list [][]byte) *lua.LTable {
	t := vm.L.CreateTable(len(list), 0)
	for i, b := range list {
		t.RawSetInt(i+1, lua.LString(b))
	}
	return t
}

// scriptError is the reply to a script that raised perr: Redis's "<err>
// script: <name>, on @<source>:<line>.".
func scriptError(perr error, name string) Error {
	var ae *lua.ApiError
	if !errors.As(perr, &ae) {
		return Error("ERR Error running script " + name + ", " + sanitize(perr.Error()))
	}
	t, ok := ae.Object.(*lua.LTable)
	if !ok {
		return Error("ERR Error running script " + name + ", " + sanitize(ae.Object.String()))
	}
	msg := lua.LVAsString(t.RawGetString("err"))
	src, line := t.RawGetString("source"), t.RawGetString("line")
	if src != lua.LNil && line != lua.LNil {
		msg += fmt.Sprintf(" script: %s, on @%s:%s.", name, lua.LVAsString(src), lua.LVAsString(line))
	}
	return Error(sanitize(trimDash(msg)))
}

// trimDash drops the leading '-' of an error text, which the reply adds.
func trimDash(s string) string {
	if len(s) > 0 && s[0] == '-' {
		return s[1:]
	}
	return s
}

// killed reports whether r was killed (SCRIPT KILL, FUNCTION KILL,
// SHUTDOWN).
func (r *scriptRun) killed() bool { return r.vm.hook.closed.Load() }

func (r *scriptRun) killText() string {
	if r.oom {
		return luaErrMemory
	}
	return "ERR " + luaErrKilled
}

// tick runs every luaCheckEvery instructions, in the script's goroutine:
// it marks a script running past busy-reply-threshold busy, and stops one
// whose run has grown the heap by more than the memory limit.
func (r *scriptRun) tick() {
	heap := r.vm.heapBytes()
	if r.heap0 == 0 {
		r.heap0 = heap
	} else if heap > r.heap0 && heap-r.heap0 > r.s.memLimit {
		r.oom = true
		r.vm.hook.kill()
	}
	if r.busy {
		return
	}
	if r.limit == 0 {
		r.limit = time.Duration(r.s.busyThresholdMs()) * time.Millisecond
	}
	if time.Since(r.start) >= r.limit {
		r.busy = true
		r.busyArgv = copyArgs(r.argv)
		r.s.markBusy(r)
	}
}

func (s *scripting) busyThresholdMs() int64 {
	if p := s.e.params.Lookup("busy-reply-threshold"); p != nil {
		if n, err := strconv.ParseInt(p.Get(), 10, 64); err == nil && n > 0 {
			return n
		}
	}
	return 5000
}

func (s *scripting) markBusy(r *scriptRun) {
	s.busyMu.Lock()
	s.busy[r] = struct{}{}
	s.busyN.Add(1)
	s.busyMu.Unlock()
}

func (s *scripting) unmarkBusy(r *scriptRun) {
	s.busyMu.Lock()
	delete(s.busy, r)
	s.busyN.Add(-1)
	s.busyMu.Unlock()
}

// busyError is the -BUSY reply while a script is busy (nil when none
// is); fn says whether the busy script is a function.
func (s *scripting) busyError() error {
	s.busyMu.Lock()
	defer s.busyMu.Unlock()
	for r := range s.busy {
		if r.function {
			return ErrBusyFunction
		}
		return ErrBusyScript
	}
	return nil
}

// kill stops the busy scripts (functions if function): ErrNotBusy if
// there is none, ErrUnkillable if one has written.
func (s *scripting) kill(function bool) error {
	s.busyMu.Lock()
	defer s.busyMu.Unlock()
	if len(s.busy) == 0 {
		return ErrNotBusy
	}
	for r := range s.busy {
		if r.wrote.Load() {
			return ErrUnkillable
		}
		if r.function != function {
			if r.function {
				return ErrBusyFunction
			}
			return ErrBusyScript
		}
	}
	for r := range s.busy {
		r.vm.hook.kill()
	}
	return nil
}

// killAll stops every busy script, written or not (SHUTDOWN NOSAVE); their
// writes do not reach the AOF.
func (s *scripting) killAll() {
	s.busyMu.Lock()
	defer s.busyMu.Unlock()
	for r := range s.busy {
		r.forced.Store(true)
		r.vm.hook.kill()
	}
}

// checkBusy refuses a command while a script is busy, unless it is one
// Redis allows then (AllowBusy; SHUTDOWN only with NOSAVE).
func (e *Engine) checkBusy(spec *Spec, args [][]byte) error {
	if spec.Flags&AllowBusy != 0 && len(spec.Subcommands) > 0 && len(args) > 1 {
		if sub := spec.findSub(args[1]); sub == nil || sub.Flags&AllowBusy == 0 {
			return e.scripts.busyError()
		}
		return nil
	}
	if spec.Flags&AllowBusy != 0 {
		if spec.Name == "shutdown" && !hasNoSave(args) {
			return e.scripts.busyError()
		}
		return nil
	}
	return e.scripts.busyError()
}

func hasNoSave(args [][]byte) bool {
	for _, a := range args[1:] {
		if equalFold(a, "nosave") {
			return true
		}
	}
	return false
}

// --- maxmemory ---

// scriptDenyOOM reports whether the script command args of spec (EVAL,
// EVALSHA, FCALL and their _RO forms) is refused like a DenyOOM command
// while memory is over maxmemory, as Redis 7.0's scriptFlagsToCmdFlags
// makes it: the script declared its flags (a shebang; a function always
// does) and they say neither no-writes nor allow-oom. A script without a
// shebang, or one not found, is not: it runs, and its redis.call of a
// DenyOOM command is refused instead (scriptRun.oomRefused). Called only
// when memory is over the limit.
func (e *Engine) scriptDenyOOM(spec *Spec, args [][]byte) bool {
	var flags scriptFlags
	switch spec.Name {
	case "fcall", "fcall_ro":
		def := e.functions.lookup(args[1])
		if def == nil {
			return false
		}
		flags = def.flags
	case "evalsha", "evalsha_ro":
		sc := e.scripts.lookup(args[1])
		if sc == nil || !sc.shebang {
			return false
		}
		flags = sc.flags
	case "eval", "eval_ro":
		f, shebang, _, err := e.scripts.flagsOf(args[1])
		if !shebang || err != nil {
			return false
		}
		flags = f
	default:
		return false
	}
	return flags&(scriptNoWrites|scriptAllowOOM) == 0
}

// flagsOf returns the shebang flags of the script body, from the cache
// if it is there, without caching it.
func (s *scripting) flagsOf(body []byte) (scriptFlags, bool, string, error) {
	sum := sha1.Sum(body)
	var hexbuf [40]byte
	hex.Encode(hexbuf[:], sum[:])
	if sc := s.lookup(hexbuf[:]); sc != nil {
		return sc.flags, sc.shebang, "", nil
	}
	return parseShebang(string(body))
}

// oomRefused reports whether redis.call of spec is refused with -OOM, as
// Redis 7.0's scriptVerifyOOM: the script may not run out of memory (no
// allow-oom flag), it has not written yet (it must not stop half way),
// memory was over maxmemory with nothing to evict when the command that
// runs it began, and spec is DenyOOM. The primary's link obeys anyway.
func (r *scriptRun) oomRefused(spec *Spec) bool {
	c := r.c
	return !r.allowOOM && !r.wrote.Load() && c.oomAtStart && spec.Flags&DenyOOM != 0 &&
		c.e.mm.limit.Load() != 0 && !c.Client.flags.has(flagFromPrimary)
}

// --- redis.call ---

// call is redis.call (raise) and redis.pcall.
func (vm *luaVM) call(L *lua.LState, raise bool) int {
	r := vm.run
	fail := func(text string) int {
		t := vm.errTableFromReply("-" + text)
		if raise {
			L.Error(t, 0)
			return 0
		}
		L.Push(t)
		return 1
	}
	if r == nil || vm.loading != nil {
		L.RaiseError(luaErrNoGlobal, "call")
		return 0
	}
	n := L.GetTop()
	if n == 0 {
		return fail("ERR " + luaErrNoArgs)
	}
	argv, ok := vm.args(L, n)
	if !ok {
		return fail("ERR " + luaErrArgType)
	}
	c := r.c
	spec := c.e.table.Lookup(argv[0])
	switch {
	case spec == nil:
		return fail("ERR " + luaErrUnknownCommand)
	case !spec.arityOK(len(argv)):
		return fail("ERR " + luaErrWrongArity)
	case spec.Flags&NoScript != 0:
		return fail("ERR " + luaErrNoScript)
	}
	if len(spec.Subcommands) > 0 {
		if sub := spec.findSub(argv[1]); sub != nil && sub.Flags&NoScript != 0 {
			return fail("ERR " + luaErrNoScript)
		}
	}
	if err := r.c.checkScriptACL(spec, argv); err != "" {
		return fail("ERR " + string(err))
	}
	if spec.Flags&Write != 0 {
		if r.readOnly {
			return fail("ERR " + luaErrWriteRO)
		}
		if err := c.e.writeBlocked(); err != nil {
			return fail(replyError(err))
		}
	}
	if r.oomRefused(spec) { // Redis's scriptCall: OOM, then the cluster
		return fail(string(ErrOOM))
	}
	if msg := c.clusterScriptCheck(spec, argv, r); msg != "" {
		return fail("ERR " + msg)
	}
	if spec.Flags&(Write|ReadOnly) != 0 && r.lock != lockOpen && !r.declared(spec, argv) {
		r.undeclared = true
		if r.lock == lockDeclared {
			if !r.wrote.Load() {
				// Stop the script for good (a pcall cannot catch it
				// and go on to write): it runs again locking everything.
				r.restart = true
				vm.hook.kill()
				L.RaiseError("restart")
				return 0
			}
			return fail(string(ErrUndeclaredKey))
		}
	}
	if spec.Flags&Write != 0 {
		r.wrote.Store(true)
	}
	savedArgs, savedSpec, savedMark := c.Args, c.spec, c.mark
	proto := c.Client.Proto()
	c.Client.SetProto(r.resp)
	mark := len(c.out)
	c.clockGap() // the script's own time is not the command's
	c.Run(spec, argv)
	c.Client.SetProto(proto)
	c.Args, c.spec, c.mark = savedArgs, savedSpec, savedMark
	v, _ := vm.replyToLua(c.out[mark:])
	c.out = c.out[:mark]
	if t, isTable := v.(*lua.LTable); isTable && raise {
		if _, isErr := t.RawGetString("err").(lua.LString); isErr {
			L.Error(t, 0)
			return 0
		}
	}
	L.Push(v)
	return 1
}

// declared reports whether the command argv of spec touches only the
// run's KEYS, in the caller's database.
func (r *scriptRun) declared(spec *Spec, argv [][]byte) bool {
	c := r.c
	if c.Client.DB() != r.db {
		return false
	}
	keys, all, ok := spec.keys(c.keyBuf[:0], argv)
	c.keyBuf = keys[:0]
	if all || !ok || len(keys) == 0 {
		return false
	}
	for _, k := range keys {
		found := false
		for _, d := range r.keys {
			if string(k) == string(d) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// args converts redis.call's n arguments to the VM's argument buffer; ok
// is false if one is neither a string nor a number.
func (vm *luaVM) args(L *lua.LState, n int) ([][]byte, bool) {
	buf, offs := vm.argBuf[:0], vm.argOffs[:0]
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			buf = append(buf, v...)
		case lua.LNumber:
			buf = appendLuaNumber(buf, float64(v))
		default:
			return nil, false
		}
		offs = append(offs, len(buf))
	}
	vm.argBuf, vm.argOffs = buf, offs
	argv := vm.argv[:0]
	start := 0
	for _, end := range offs {
		argv = append(argv, buf[start:end:end])
		start = end
	}
	vm.argv = argv
	return argv, true
}

// appendLuaNumber formats f as Redis 7.0 passes a number argument of
// redis.call to the command ("%.17g").
func appendLuaNumber(dst []byte, f float64) []byte {
	if f == float64(int64(f)) && f > -1e15 && f < 1e15 {
		return strconv.AppendInt(dst, int64(f), 10)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// --- SCRIPT ---

func scriptCmd(c *Ctx) error { return c.Sub("SCRIPT") }

func scriptLoad(c *Ctx) error {
	sc, err := c.e.scripts.load(c.Args[2], false)
	if err != nil {
		return err
	}
	c.BulkString(sc.sha)
	return nil
}

func scriptExists(c *Ctx) error {
	c.Array(len(c.Args) - 2)
	for _, sha := range c.Args[2:] {
		c.Bool(c.e.scripts.lookup(sha) != nil)
	}
	return nil
}

func scriptFlush(c *Ctx) error {
	switch {
	case len(c.Args) == 2:
	case len(c.Args) == 3 && (equalFold(c.Args[2], "sync") || equalFold(c.Args[2], "async")):
	default:
		return ErrScriptFlushArg
	}
	c.e.scripts.flush()
	c.OK()
	return nil
}

func scriptKill(c *Ctx) error {
	if err := c.e.scripts.kill(false); err != nil {
		return err
	}
	c.OK()
	return nil
}

// scriptDebug is SCRIPT DEBUG YES|SYNC|NO. redpool has no Lua debugger
// (Redis's LDB): NO, the mode every client is in, is accepted; YES and
// SYNC are refused with an error saying so. As in Redis, it must come
// alone, with no reply pending before it (not in a pipeline, not in
// EXEC).
func scriptDebug(c *Ctx) error {
	if len(c.out) > 0 {
		return ErrScriptDebugPipeline
	}
	switch mode := c.Args[2]; {
	case equalFold(mode, "no"):
		c.OK()
		return nil
	case equalFold(mode, "yes"), equalFold(mode, "sync"):
		return ErrScriptDebugUnsupported
	}
	return ErrScriptDebugMode
}

func scriptHelp(c *Ctx) error {
	lines := []string{
		"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"DEBUG (YES|SYNC|NO)",
		"    Set the debug mode for subsequent scripts executed.",
		"EXISTS <sha1> [<sha1> ...]",
		"    Return information about the existence of the scripts in the script cache.",
		"FLUSH [ASYNC|SYNC]",
		"    Flush the Lua scripts cache. Very dangerous on replicas.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the scripts cache.",
		"    * SYNC: Synchronously flush the scripts cache.",
		"KILL",
		"    Kill the currently executing Lua script.",
		"LOAD <script>",
		"    Load a script into the scripts cache without executing it.",
		"HELP",
		"    Prints this help.",
	}
	c.Array(len(lines))
	for _, l := range lines {
		c.Simple(l)
	}
	return nil
}
