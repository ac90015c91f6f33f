package command

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"redpool/command/lualib"
)

// The Lua VM a script runs in.
//
// A luaVM is one gopher-lua state set up as Redis 7.0 sets up its own:
// the base, table, string, math and coroutine libraries, minus what Redis
// removes (print, loadfile, dofile, setfenv, getfenv, module, require,
// newproxy; no os, io, debug or package), the redis table, and readonly
// globals: reading a global that does not exist and writing any global
// (or a field of a library table) fail with Redis's texts. The libraries
// Redis adds (cjson, cmsgpack, bit, struct) come from the lualib package.
//
// A luaVM runs one script at a time, for the session that took it from
// the pool (scriptPool); it keeps the compiled functions of the scripts
// it ran, by SHA, until SCRIPT FLUSH changes the cache generation.

// Lua limits: the call stack depth and the size of the value stack. A
// script that recurses deeper, or whose stack outgrows them, fails with
// gopher-lua's "stack overflow".
const (
	luaCallStackSize = 200
	luaRegistrySize  = 1024 * 4
	luaRegistryMax   = 1024 * 1024
	// luaCheckEvery is how many VM instructions pass between two looks at
	// the clock (busy scripts) and the heap (the memory limit).
	luaCheckEvery = 1 << 14
	// maxVMFunctions bounds the compiled scripts a VM keeps.
	maxVMFunctions = 2 * maxEvalScripts
)

// luaVM is a Lua state with Redis's environment. Not safe for concurrent
// use: one script runs on it at a time.
type luaVM struct {
	L *lua.LState
	// globals is the table behind the readonly global environment: Go sets
	// KEYS and ARGV there with RawSet.
	globals *lua.LTable
	errFn   *lua.LFunction
	fns     map[string]*lua.LFunction // compiled scripts by SHA
	gen     uint64                    // the cache generation fns belong to
	rand    rand48
	hook    *runHook
	run     *scriptRun // the script running now; nil between runs
	// runState is the scriptRun of the VM's runs, reused (runTarget).
	runState scriptRun
	logger   *slog.Logger
	argv     [][]byte // redis.call's argument buffer
	argBuf   []byte
	argOffs  []int
	loading  *libLoad                  // a library's code is running (loadLibrary)
	funcs    map[string]*lua.LFunction // functions by name, of registry generation fnGen
	fnGen    uint64
	heap     []metrics.Sample // heapBytes's reused sample
}

// Texts the Lua environment raises, byte for byte as Redis 7.0.
const (
	luaErrReadonly       = "Attempt to modify a readonly table"
	luaErrNoGlobal       = "Script attempted to access nonexistent global variable '%s'"
	luaErrNoArgs         = "Please specify at least one argument for this redis lib call"
	luaErrArgType        = "Lua redis lib command arguments must be strings or integers"
	luaErrUnknownCommand = "Unknown Redis command called from script"
	luaErrWrongArity     = "Wrong number of args calling Redis command from script"
	luaErrNoScript       = "This Redis command is not allowed from script"
	luaErrWriteRO        = "Write commands are not allowed from read-only scripts."
	luaErrKilled         = "Script killed by user with SCRIPT KILL..."
	luaErrSetrespArgs    = "redis.setresp() requires one argument."
	luaErrSetrespProto   = "RESP version must be 2 or 3."
	luaErrLogArgs        = "redis.log() requires two arguments or more."
	luaErrLogLevel       = "Invalid debug level."
	luaErrSha1Args       = "wrong number of arguments"
	luaErrErrorReply     = "wrong number or type of arguments"
	luaErrSetReplArgs    = "redis.set_repl() requires one argument."
	luaErrSetReplFlags   = "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."
	luaErrMemory         = "ERR Script used more memory than the scripting memory limit allows (lua-memory-limit)"
)

// newLuaVM builds a VM with Redis's environment.
func newLuaVM(logger *slog.Logger) *luaVM {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:    true,
		CallStackSize:   luaCallStackSize,
		RegistrySize:    luaRegistrySize,
		RegistryMaxSize: luaRegistryMax,
	})
	vm := &luaVM{L: L, fns: make(map[string]*lua.LFunction), logger: logger}
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	lualib.Open(L) // cjson, cmsgpack, bit, struct
	g := L.G.Global
	for _, name := range []string{"print", "loadfile", "dofile", "setfenv", "getfenv", "module", "require", "newproxy", "package", "_printregs"} {
		g.RawSetString(name, lua.LNil)
	}
	math := g.RawGetString("math").(*lua.LTable)
	math.RawSetString("random", L.NewFunction(vm.mathRandom))
	math.RawSetString("randomseed", L.NewFunction(vm.mathRandomseed))
	g.RawSetString("rawset", L.NewFunction(vm.rawset))
	g.RawSetString("pcall", vm.pcall(g.RawGetString("pcall")))
	g.RawSetString("redis", vm.redisTable())
	vm.errFn = L.NewFunction(vm.errorHandler)
	vm.protectGlobals()
	vm.hook = newRunHook()
	vm.rand.seed(0)
	L.SetContext(vm.hook)
	return vm
}

// protectGlobals makes the environment readonly as Redis does: the
// libraries' tables become readonly proxies, and L's global table becomes
// an empty proxy of the real one (vm.globals), whose misses are errors.
func (vm *luaVM) protectGlobals() {
	L := vm.L
	real := L.G.Global
	for _, name := range []string{"string", "table", "math", "coroutine", "redis", "cjson", "cmsgpack", "bit", "struct"} {
		if t, ok := real.RawGetString(name).(*lua.LTable); ok {
			real.RawSetString(name, vm.readonly(t))
		}
	}
	proxy := L.NewTable()
	miss := L.NewTable()
	miss.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError(luaErrNoGlobal, L.CheckAny(2).String())
		return 0
	}))
	L.SetMetatable(real, miss)
	real.RawSetString("_G", proxy)
	mt := L.NewTable()
	mt.RawSetString("__index", real)
	mt.RawSetString("__newindex", L.NewFunction(vm.readonlyError))
	mt.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(proxy, mt)
	L.G.Global = proxy
	L.Env = proxy
	vm.globals = real
}

// readonly returns a proxy of t that refuses writes.
func (vm *luaVM) readonly(t *lua.LTable) *lua.LTable {
	L := vm.L
	proxy := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", L.NewFunction(vm.readonlyError))
	mt.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(proxy, mt)
	return proxy
}

func (vm *luaVM) readonlyError(L *lua.LState) int {
	L.RaiseError(luaErrReadonly)
	return 0
}

// rawset is the base library's rawset, refusing the readonly tables (whose
// metatable is protected), as Redis's readonly tables refuse it.
func (vm *luaVM) rawset(L *lua.LState) int {
	t := L.CheckTable(1)
	if mt, ok := t.Metatable.(*lua.LTable); ok && mt.RawGetString("__metatable") == lua.LFalse {
		L.Error(lua.LString(luaErrReadonly), 0)
		return 0
	}
	t.RawSet(L.CheckAny(2), L.CheckAny(3))
	L.Push(t)
	return 1
}

// pcall wraps the base library's pcall so that a caught error table
// {err=...} comes back as its message, as Redis 7.0's pcall returns it.
func (vm *luaVM) pcall(base lua.LValue) *lua.LFunction {
	return vm.L.NewFunction(func(L *lua.LState) int {
		n := L.GetTop()
		L.Insert(base, 1)
		L.Call(n, lua.MultRet)
		if L.GetTop() >= 2 && L.Get(1) == lua.LFalse {
			if t, ok := L.Get(2).(*lua.LTable); ok {
				if msg, ok := t.RawGetString("err").(lua.LString); ok {
					L.Replace(2, msg)
				}
			}
		}
		return L.GetTop()
	})
}

// redisTable builds the redis library table.
func (vm *luaVM) redisTable() *lua.LTable {
	L := vm.L
	t := L.NewTable()
	fns := map[string]lua.LGFunction{
		"call":               func(L *lua.LState) int { return vm.call(L, true) },
		"pcall":              func(L *lua.LState) int { return vm.call(L, false) },
		"error_reply":        vm.errorReply,
		"status_reply":       vm.statusReply,
		"sha1hex":            vm.sha1hex,
		"log":                vm.log,
		"setresp":            vm.setresp,
		"set_repl":           vm.setRepl,
		"replicate_commands": func(L *lua.LState) int { L.Push(lua.LTrue); return 1 },
		"breakpoint":         func(L *lua.LState) int { L.Push(lua.LFalse); return 1 },
		"debug":              func(L *lua.LState) int { return 0 },
		"register_function":  vm.registerFunction,
	}
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	for name, n := range map[string]int{
		"LOG_DEBUG": 0, "LOG_VERBOSE": 1, "LOG_NOTICE": 2, "LOG_WARNING": 3,
		"REPL_NONE": 0, "REPL_AOF": 1, "REPL_SLAVE": 2, "REPL_REPLICA": 2, "REPL_ALL": 3,
		"REDIS_VERSION_NUM": redisVersionNum(),
	} {
		t.RawSetString(name, lua.LNumber(n))
	}
	t.RawSetString("REDIS_VERSION", lua.LString(RedisVersion))
	return t
}

// redisVersionNum is RedisVersion as 0x00MMmmpp.
func redisVersionNum() int {
	n := 0
	for _, part := range strings.SplitN(RedisVersion, ".", 3) {
		v, _ := strconv.Atoi(part)
		n = n<<8 | v
	}
	return n
}

// function returns the VM's function for s, made on first use.
func (vm *luaVM) function(s *script, gen uint64) *lua.LFunction {
	// A new cache generation (SCRIPT FLUSH) empties the VM's functions,
	// and so does reaching maxVMFunctions: the cache evicts EVAL's scripts,
	// and the VM must not keep them all.
	if vm.gen != gen || len(vm.fns) >= maxVMFunctions {
		clear(vm.fns)
		vm.gen = gen
	}
	if fn := vm.fns[s.sha]; fn != nil {
		return fn
	}
	// The chunk returns the script's function.
	L := vm.L
	L.Push(L.NewFunctionFromProto(s.proto))
	L.Call(0, 1)
	fn := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	vm.fns[s.sha] = fn
	return fn
}

// errorHandler is the message handler of a script's pcall, Redis's
// error_handler: it turns what the script raised into an error table
// {err=..., source=..., line=...} naming where the script was.
func (vm *luaVM) errorHandler(L *lua.LState) int {
	raised := L.Get(1)
	t, ok := raised.(*lua.LTable)
	if vm.run != nil && vm.run.killed() {
		t, ok = vm.errTable(vm.run.killText()), true
	} else if !ok {
		msg := "ERR " + lua.LVAsString(raised)
		if raised.Type() != lua.LTString && raised.Type() != lua.LTNumber {
			msg = "ERR " + raised.String()
		}
		t = vm.errTable(msg)
	}
	for level := 1; level < 8; level++ {
		dbg, found := L.GetStack(level)
		if !found {
			break
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil || dbg.What == "G" || dbg.CurrentLine <= 0 {
			continue
		}
		t.RawSetString("source", lua.LString(dbg.Source))
		t.RawSetString("line", lua.LNumber(dbg.CurrentLine))
		break
	}
	L.Push(t)
	return 1
}

// errTable returns Redis's error table {err=msg}.
func (vm *luaVM) errTable(msg string) *lua.LTable {
	t := vm.L.CreateTable(0, 3)
	t.RawSetString("err", lua.LString(msg))
	return t
}

// pushError pushes the error table of a reply error text (Redis's
// luaPushErrorBuff): "-CODE msg" or "msg" (code ERR), trailing CR/LF
// trimmed.
func (vm *luaVM) errTableFromReply(text string) *lua.LTable {
	code, msg := "ERR", text
	if strings.HasPrefix(text, "-") {
		if i := strings.IndexByte(text, ' '); i >= 0 {
			code, msg = text[1:i], text[i+1:]
		} else {
			msg = text[1:]
		}
	}
	msg = strings.Trim(msg, "\r\n")
	return vm.errTable(code + " " + msg)
}

// raise raises Redis's error table for text (a reply text without '-').
func (vm *luaVM) raise(L *lua.LState, text string) int {
	L.Error(vm.errTableFromReply("-"+text), 0)
	return 0
}

func (vm *luaVM) errorReply(L *lua.LState) int {
	if L.GetTop() != 1 || L.Get(1).Type() != lua.LTString {
		return vm.raise(L, "ERR "+luaErrErrorReply)
	}
	s := L.ToString(1)
	if !strings.HasPrefix(s, "-") {
		s = "-" + s
	}
	L.Push(vm.errTableFromReply(s))
	return 1
}

func (vm *luaVM) statusReply(L *lua.LState) int {
	if L.GetTop() != 1 || L.Get(1).Type() != lua.LTString {
		return vm.raise(L, "ERR "+luaErrErrorReply)
	}
	t := L.CreateTable(0, 1)
	t.RawSetString("ok", L.Get(1))
	L.Push(t)
	return 1
}

func (vm *luaVM) sha1hex(L *lua.LState) int {
	if L.GetTop() != 1 {
		return vm.raise(L, "ERR "+luaErrSha1Args)
	}
	sum := sha1.Sum([]byte(L.ToString(1)))
	L.Push(lua.LString(hex.EncodeToString(sum[:])))
	return 1
}

func (vm *luaVM) log(L *lua.LState) int {
	n := L.GetTop()
	if n < 2 {
		return vm.raise(L, "ERR "+luaErrLogArgs)
	}
	lvl, ok := L.Get(1).(lua.LNumber)
	if !ok || lvl < 0 || lvl > 3 {
		return vm.raise(L, "ERR "+luaErrLogLevel)
	}
	parts := make([]string, 0, n-1)
	for i := 2; i <= n; i++ {
		parts = append(parts, L.ToString(i))
	}
	level := [...]slog.Level{slog.LevelDebug, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn}[int(lvl)]
	vm.logger.Log(context.Background(), level, strings.Join(parts, " "), "source", "script")
	return 0
}

func (vm *luaVM) setresp(L *lua.LState) int {
	if L.GetTop() != 1 {
		return vm.raise(L, "ERR "+luaErrSetrespArgs)
	}
	n, ok := L.Get(1).(lua.LNumber)
	if !ok || (n != 2 && n != 3) {
		return vm.raise(L, "ERR "+luaErrSetrespProto)
	}
	if vm.run != nil {
		vm.run.resp = int(n)
	}
	return 0
}

func (vm *luaVM) setRepl(L *lua.LState) int {
	if L.GetTop() != 1 {
		return vm.raise(L, "ERR "+luaErrSetReplArgs)
	}
	n, ok := L.Get(1).(lua.LNumber)
	if !ok || n < 0 || n > 3 {
		return vm.raise(L, "ERR "+luaErrSetReplFlags)
	}
	return 0
}

// heapBytes is the size of the live and not yet collected heap objects.
func (vm *luaVM) heapBytes() uint64 {
	if vm.heap == nil {
		vm.heap = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	}
	metrics.Read(vm.heap)
	if vm.heap[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return vm.heap[0].Value.Uint64()
}

// --- math.random, deterministic as Redis's ---

// rand48 is Redis's rand48 generator (redisLrand48), which math.random
// uses so that a script's random numbers are the same on every run.
type rand48 struct{ x uint64 }

const rand48Max = math.MaxInt32

func (r *rand48) seed(s int32) { r.x = uint64(uint32(s))<<16 | 0x330E }

func (r *rand48) next() int32 {
	r.x = (0x5DEECE66D*r.x + 0xB) & (1<<48 - 1)
	return int32(r.x >> 17)
}

// mathRandom is Lua 5.1's math.random over rand48, as Redis patches it.
func (vm *luaVM) mathRandom(L *lua.LState) int {
	r := float64(vm.rand.next()%rand48Max) / float64(rand48Max)
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		u := int(L.CheckNumber(1))
		if u < 1 {
			L.ArgError(1, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u)) + 1))
	case 2:
		l, u := int(L.CheckNumber(1)), int(L.CheckNumber(2))
		if l > u {
			L.ArgError(2, "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u-l+1)) + float64(l)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

func (vm *luaVM) mathRandomseed(L *lua.LState) int {
	vm.rand.seed(int32(L.CheckInt(1)))
	return 0
}

// --- the run hook: busy scripts and SCRIPT KILL ---

// errScriptKilled is what the hook reports once a script is killed.
var errScriptKilled = errors.New("script killed")

// runHook is the context.Context gopher-lua polls before every
// instruction (Done). It counts the polls, and every luaCheckEvery it
// looks at the clock: a script running past busy-reply-threshold is marked
// busy (other clients get -BUSY). kill closes the channel Done returns:
// the VM then raises an error at its next instruction.
type runHook struct {
	n      uint32
	done   chan struct{}
	closed atomic.Bool
	run    *scriptRun
}

func newRunHook() *runHook { return &runHook{done: make(chan struct{})} }

func (h *runHook) Deadline() (time.Time, bool) { return time.Time{}, false }
func (h *runHook) Value(any) any               { return nil }

func (h *runHook) Err() error {
	if h.closed.Load() {
		return errScriptKilled
	}
	return nil
}

// Done is called by the VM before each instruction.
func (h *runHook) Done() <-chan struct{} {
	h.n++
	if h.n%luaCheckEvery == 0 && h.run != nil {
		h.run.tick()
	}
	return h.done
}

// kill stops the script at its next instruction. Any goroutine may call it.
func (h *runHook) kill() {
	if h.closed.CompareAndSwap(false, true) {
		close(h.done)
	}
}

// reset readies the hook for the next run (after a kill).
func (h *runHook) reset() {
	h.n = 0
	if h.closed.Load() {
		h.done = make(chan struct{})
		h.closed.Store(false)
	}
}
