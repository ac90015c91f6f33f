package command

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"redpool/persistence/rdb"
	"redpool/session/resp"
)

// Functions: FUNCTION LOAD, DELETE, FLUSH, LIST, DUMP, RESTORE, STATS and
// KILL, FCALL and FCALL_RO, as Redis 7.0.
//
// A library is Lua code beginning "#!lua name=<lib>" whose top level calls
// redis.register_function; FUNCTION LOAD runs it once in a pooled VM to
// check it and learn its functions, and keeps its text. A VM runs the code
// of every library again the first time it serves an FCALL after the
// libraries changed (functionRegistry.gen), so that each VM holds the Lua
// functions. FCALL then runs like EVAL (scripting.go): atomically, with
// the same locking, effects and busy-script rules; the function gets KEYS
// and ARGV as its two arguments.
//
// FUNCTION DUMP writes Redis's payload: for each library the RDB opcode
// FUNCTION2 (0xf5) and the code as an RDB string, then the RDB version
// (10) and a CRC64 (Jones), both little-endian, so Redis restores our
// payloads and we restore Redis's (LZF-compressed strings included).
//
// Libraries are data. FUNCTION LOAD, DELETE, FLUSH and RESTORE change
// them inside a write transaction locking everything (Ctx.InTx with no
// keys), so they reach the AOF as themselves, ordered with every other
// write, and an AOF rewrite, which captures the libraries while no write
// is in progress (FunctionRecords), writes them as FUNCTION LOAD records
// at the head of the new base. The AOF replayer's engine shares the
// serving engine's libraries (Options.Functions). Snapshots (RDB mode) and
// the bolt backend do not hold libraries yet.

// functionLib is a loaded library. Immutable once loaded.
type functionLib struct {
	name  string
	code  string
	proto *lua.FunctionProto
	funcs []*functionDef
}

// functionDef is a function a library registered.
type functionDef struct {
	name    string
	desc    string
	hasDesc bool
	flags   scriptFlags
	lib     *functionLib
	locking atomic.Int32
}

// FunctionLibraries is the set of function libraries an engine serves.
// Engines given the same one (the server's, and the AOF replayer's that
// loads into it) share it.
type FunctionLibraries = functionRegistry

// NewFunctionLibraries returns an empty set of libraries.
func NewFunctionLibraries() *FunctionLibraries { return newFunctionRegistry() }

// functionRegistry holds the loaded libraries. Safe for concurrent use.
type functionRegistry struct {
	mu    sync.RWMutex
	libs  map[string]*functionLib
	funcs map[string]*functionDef
	gen   atomic.Uint64
}

func newFunctionRegistry() *functionRegistry {
	return &functionRegistry{libs: make(map[string]*functionLib), funcs: make(map[string]*functionDef)}
}

// Replies of the FUNCTION family, byte for byte as Redis 7.0.
const (
	ErrFunctionNotFound    Error = "ERR Function not found"
	ErrLibraryNotFound     Error = "ERR Library not found"
	ErrLibMetaMissing      Error = "ERR Missing library metadata"
	ErrLibMetaInvalid      Error = "ERR Invalid library metadata"
	ErrLibNameTwice        Error = "ERR Invalid metadata value, name argument was given multiple times"
	ErrLibNoName           Error = "ERR Library name was not given"
	ErrBadLibName          Error = "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"
	ErrNoFunctions         Error = "ERR No functions registered"
	ErrFunctionFlushArg    Error = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
	ErrRestorePolicy       Error = "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
	ErrDumpPayload         Error = "ERR DUMP payload version or checksum are wrong"
	ErrLibraryNameNotGiven Error = "ERR library name argument was not given"
	ErrBadNumberOfKeys     Error = "ERR Bad number of keys provided"
	errRegisterArgs              = "ERR wrong number of arguments to redis.register_function"
	errRegisterNotFunction       = "ERR second argument to redis.register_function must be a function"
	errRegisterNoCallback        = "ERR redis.register_function must get a callback argument"
	errRegisterNoName            = "ERR redis.register_function must get a function name argument"
	errRegisterUnknownArg        = "ERR unknown argument given to redis.register_function"
	errRegisterUnknownFlag       = "ERR unknown flag given"
	errRegisterFlagsType         = "ERR flags argument to redis.register_function must be a table representing function flags"
	errRegisterDescType          = "ERR description argument given to redis.register_function must be a string"
	errRegisterOutsideLoad       = "ERR redis.register_function can only be called on FUNCTION LOAD command"
)

func functionCommands() []Spec {
	const grp = "scripting"
	return []Spec{
		{Name: "fcall", Arity: -3, Flags: Script | NoScript | NoTx, FindKeys: evalKeys, Run: fcallCmd, Group: grp, Summary: "Invokes a function.", Since: "7.0.0"},
		{Name: "fcall_ro", Arity: -3, Flags: Script | NoScript | NoTx, FindKeys: evalKeys, Run: fcallCmd, Group: grp, Summary: "Invokes a read-only function.", Since: "7.0.0"},
		{Name: "function", Arity: -2, Flags: AllowBusy, Run: functionCmd, Group: grp, Summary: "A container for function commands.", Since: "7.0.0",
			Subcommands: []Spec{
				{Name: "load", Arity: -3, Flags: Write | NoScript, Run: functionLoad, Summary: "Creates a library."},
				{Name: "delete", Arity: 3, Flags: Write | NoScript, Run: functionDelete, Summary: "Deletes a library and its functions."},
				{Name: "flush", Arity: -2, Flags: Write | NoScript, Run: functionFlush, Summary: "Deletes all libraries and functions."},
				{Name: "list", Arity: -2, Flags: NoScript, Run: functionList, Summary: "Returns information about all libraries."},
				{Name: "dump", Arity: 2, Flags: NoScript, Run: functionDump, Summary: "Dumps all libraries into a serialized binary payload."},
				{Name: "restore", Arity: -3, Flags: Write | NoScript, Run: functionRestore, Summary: "Restores all libraries from a payload."},
				{Name: "stats", Arity: 2, Flags: NoScript | AllowBusy, Run: functionStats, Summary: "Returns information about a function during execution."},
				{Name: "kill", Arity: 2, Flags: NoScript | AllowBusy, Run: functionKill, Summary: "Terminates a function during execution."},
				{Name: "help", Arity: 2, Run: functionHelp, Summary: "Returns helpful text about the different subcommands."},
			}},
	}
}

func functionCmd(c *Ctx) error { return c.Sub("FUNCTION") }

// parseLibMeta reads a library's "#!lua name=<lib>" first line; code is
// the rest, the line's newline kept so line numbers stay the user's. As
// Redis's functionExtractLibMetaData then functionsCreateWithLibraryCtx:
// the line is split as sdssplitargs does, "name=" is matched in any case
// (once, even empty), the name is checked before the engine, which is
// matched in any case.
func parseLibMeta(text string) (name, code string, err error) {
	if !strings.HasPrefix(text, "#!") {
		return "", "", ErrLibMetaMissing
	}
	i := strings.IndexByte(text, '\n')
	if i < 0 || strings.IndexByte(text[:i], 0) >= 0 { // C's strchr ends at a NUL
		return "", "", ErrLibMetaInvalid
	}
	parts, ok := resp.SplitArgs([]byte(text[:i]))
	if !ok || len(parts) == 0 {
		return "", "", ErrLibMetaInvalid
	}
	named := false
	for _, p := range parts[1:] {
		if len(p) >= 5 && strings.EqualFold(string(p[:5]), "name=") {
			if named {
				return "", "", ErrLibNameTwice
			}
			named, name = true, string(p[5:])
			continue
		}
		return "", "", Error(sanitize("ERR Invalid metadata value given: " + cstring(string(p))))
	}
	if !named {
		return "", "", ErrLibNoName
	}
	if !validFunctionName(name) {
		return "", "", ErrBadLibName
	}
	if engine := string(parts[0][2:]); !strings.EqualFold(cstring(engine), "lua") {
		return "", "", Error(sanitize("ERR Engine '" + engine + "' not found"))
	}
	return name, text[i:], nil
}

// cstring is s up to its first NUL, as C's string functions see it.
func cstring(s string) string {
	if k := strings.IndexByte(s, 0); k >= 0 {
		return s[:k]
	}
	return s
}

// validFunctionName: letters, digits and underscores, at least one.
func validFunctionName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range []byte(s) {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// libLoad gathers what a library's code registers while it runs.
type libLoad struct {
	lib   *functionLib
	fns   map[string]*lua.LFunction
	check bool // FUNCTION LOAD: validate and record the definitions
}

// compileLibrary checks text as FUNCTION LOAD does and returns the
// library, not yet registered.
func (s *scripting) compileLibrary(text string) (*functionLib, error) {
	name, code, err := parseLibMeta(text)
	if err != nil {
		return nil, err
	}
	proto, err := compileLua(code, "user_function")
	if err != nil {
		return nil, Error("ERR Error compiling function: " + err.Error())
	}
	lib := &functionLib{name: name, code: text, proto: proto}
	vm := s.getVM()
	defer s.putVM(vm)
	if _, err := vm.loadLibrary(lib, true); err != nil {
		return nil, err
	}
	if len(lib.funcs) == 0 {
		return nil, ErrNoFunctions
	}
	return lib, nil
}

// loadLibrary runs lib's code in vm and returns the functions it
// registered; check (FUNCTION LOAD) also records their definitions in lib.
func (vm *luaVM) loadLibrary(lib *functionLib, check bool) (map[string]*lua.LFunction, error) {
	L := vm.L
	ld := &libLoad{lib: lib, fns: make(map[string]*lua.LFunction), check: check}
	vm.loading = ld
	defer func() { vm.loading = nil }()
	L.Push(L.NewFunctionFromProto(lib.proto))
	if err := L.PCall(0, 0, vm.errFn); err != nil {
		msg := err.Error()
		var ae *lua.ApiError
		if errors.As(err, &ae) {
			if t, ok := ae.Object.(*lua.LTable); ok {
				msg = lua.LVAsString(t.RawGetString("err"))
			}
		}
		return nil, Error(sanitize("ERR Error registering functions: " + trimDash(msg)))
	}
	return ld.fns, nil
}

// registerFunction is redis.register_function, positional or with a table.
func (vm *luaVM) registerFunction(L *lua.LState) int {
	ld := vm.loading
	if ld == nil {
		return vm.raise(L, errRegisterOutsideLoad)
	}
	def := &functionDef{lib: ld.lib}
	var fn *lua.LFunction
	switch L.GetTop() {
	case 1:
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			return vm.raise(L, errRegisterArgs)
		}
		var bad string
		t.ForEach(func(k, v lua.LValue) {
			if bad != "" {
				return
			}
			switch lua.LVAsString(k) {
			case "function_name":
				if s, ok := v.(lua.LString); ok {
					def.name = string(s)
				} else {
					bad = errRegisterNoName
				}
			case "callback":
				if f, ok := v.(*lua.LFunction); ok {
					fn = f
				} else {
					bad = errRegisterNoCallback
				}
			case "description":
				if s, ok := v.(lua.LString); ok {
					def.desc, def.hasDesc = string(s), true
				} else {
					bad = errRegisterDescType
				}
			case "flags":
				ft, ok := v.(*lua.LTable)
				if !ok {
					bad = errRegisterFlagsType
					return
				}
				for i := 1; ft.RawGetInt(i) != lua.LNil; i++ {
					f := scriptFlagByName(lua.LVAsString(ft.RawGetInt(i)))
					if f == 0 {
						bad = errRegisterUnknownFlag
						return
					}
					def.flags |= f
				}
			default:
				bad = errRegisterUnknownArg
			}
		})
		if bad != "" {
			return vm.raise(L, bad)
		}
		if def.name == "" {
			return vm.raise(L, errRegisterNoName)
		}
		if fn == nil {
			return vm.raise(L, errRegisterNoCallback)
		}
	case 2:
		name, ok := L.Get(1).(lua.LString)
		if !ok {
			return vm.raise(L, errRegisterNoName)
		}
		def.name = string(name)
		if fn, ok = L.Get(2).(*lua.LFunction); !ok {
			return vm.raise(L, errRegisterNotFunction)
		}
	default:
		return vm.raise(L, errRegisterArgs)
	}
	if !validFunctionName(def.name) {
		return vm.raise(L, string(ErrBadLibName))
	}
	if ld.check {
		if _, dup := ld.fns[def.name]; dup {
			return vm.raise(L, "ERR Function already exists in the library")
		}
		ld.lib.funcs = append(ld.lib.funcs, def)
	}
	ld.fns[def.name] = fn
	return 0
}

func scriptFlagByName(name string) scriptFlags {
	for _, n := range scriptFlagNames {
		if n.name == name {
			return n.f
		}
	}
	return 0
}

// add registers lib, replacing a library of the same name if replace.
func (r *functionRegistry) add(lib *functionLib, replace bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addLocked(lib, replace)
}

func (r *functionRegistry) addLocked(lib *functionLib, replace bool) error {
	old := r.libs[lib.name]
	if old != nil && !replace {
		return Error("ERR Library '" + lib.name + "' already exists")
	}
	for _, f := range lib.funcs {
		if have := r.funcs[f.name]; have != nil && have.lib != old {
			return Error("ERR Function " + f.name + " already exists")
		}
	}
	if old != nil {
		for _, f := range old.funcs {
			delete(r.funcs, f.name)
		}
	}
	r.libs[lib.name] = lib
	for _, f := range lib.funcs {
		r.funcs[f.name] = f
	}
	r.gen.Add(1)
	return nil
}

func (r *functionRegistry) delete(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	lib := r.libs[name]
	if lib == nil {
		return false
	}
	for _, f := range lib.funcs {
		delete(r.funcs, f.name)
	}
	delete(r.libs, name)
	r.gen.Add(1)
	return true
}

func (r *functionRegistry) flush() {
	r.mu.Lock()
	r.libs = make(map[string]*functionLib)
	r.funcs = make(map[string]*functionDef)
	r.gen.Add(1)
	r.mu.Unlock()
}

// sorted returns the libraries by name.
func (r *functionRegistry) sorted() []*functionLib {
	r.mu.RLock()
	libs := make([]*functionLib, 0, len(r.libs))
	for _, l := range r.libs {
		libs = append(libs, l)
	}
	r.mu.RUnlock()
	slices.SortFunc(libs, func(a, b *functionLib) int { return strings.Compare(a.name, b.name) })
	return libs
}

func (r *functionRegistry) lookup(name []byte) *functionDef {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.funcs[string(name)]
}

// vmFunction returns vm's Lua function for def, first running the code of
// every library again if they changed since vm last did.
func (vm *luaVM) vmFunction(r *functionRegistry, def *functionDef) *lua.LFunction {
	if gen := r.gen.Load(); vm.fnGen != gen || vm.funcs == nil {
		vm.funcs = make(map[string]*lua.LFunction)
		for _, lib := range r.sorted() {
			fns, err := vm.loadLibrary(lib, false)
			if err != nil {
				continue
			}
			for name, fn := range fns {
				vm.funcs[name] = fn
			}
		}
		vm.fnGen = gen
	}
	return vm.funcs[def.name]
}

// --- commands ---

func fcallCmd(c *Ctx) error {
	args := c.Args
	ro := c.spec.Name == "fcall_ro"
	n, ok := resp.ParseInt(args[2])
	switch {
	case !ok:
		return ErrBadNumberOfKeys
	case n < 0:
		return ErrNumKeysNegative
	case n > int64(len(args)-3):
		return ErrNumKeysTooBig
	}
	reg := c.e.functions
	def := reg.lookup(args[1])
	if def == nil {
		return ErrFunctionNotFound
	}
	if def.flags&scriptNoCluster != 0 && c.e.clusterOn() {
		return ErrScriptNoCluster
	}
	if ro && def.flags&scriptNoWrites == 0 {
		return ErrScriptROWriteFlg
	}
	t := runTarget{def: def, reg: reg}
	return c.runTarget(t, args[3:3+n], args[3+n:], ro || def.flags&scriptNoWrites != 0)
}

func functionLoad(c *Ctx) error {
	replace := false
	args := c.Args[2:]
	for len(args) > 1 {
		if !equalFold(args[0], "replace") {
			return Error(sanitize("ERR Unknown option given: " + string(args[0])))
		}
		replace, args = true, args[1:]
	}
	lib, err := c.e.scripts.compileLibrary(string(args[0]))
	if err != nil {
		return err
	}
	return c.functionsWrite(func() error {
		if err := c.e.functions.add(lib, replace); err != nil {
			return err
		}
		c.BulkString(lib.name)
		return nil
	})
}

// functionsWrite runs change, a change of the libraries, as a write
// locking everything: refused while writes are, and logged to the AOF (as
// the command itself) if it succeeds.
func (c *Ctx) functionsWrite(change func() error) error {
	if err := c.e.writeBlocked(); err != nil {
		return err
	}
	return c.InTx(true, nil, func(c *Ctx) error {
		if err := change(); err != nil {
			return err
		}
		c.Dirty(1)
		return c.storeFunctions()
	})
}

// FunctionRecords returns the commands that rebuild the libraries
// (FUNCTION LOAD of each), for an AOF rewrite. Call it while no write is
// in progress to get a state consistent with the data.
func (e *Engine) FunctionRecords() [][][]byte {
	var recs [][][]byte
	for _, lib := range e.functions.sorted() {
		recs = append(recs, [][]byte{[]byte("FUNCTION"), []byte("LOAD"), []byte(lib.code)})
	}
	return recs
}

// Functions returns the libraries the engine serves.
func (e *Engine) Functions() *FunctionLibraries { return e.functions }

func functionDelete(c *Ctx) error {
	return c.functionsWrite(func() error {
		if !c.e.functions.delete(string(c.Args[2])) {
			return ErrLibraryNotFound
		}
		c.OK()
		return nil
	})
}

func functionFlush(c *Ctx) error {
	switch {
	case len(c.Args) == 2:
	case len(c.Args) == 3 && (equalFold(c.Args[2], "sync") || equalFold(c.Args[2], "async")):
	default:
		return ErrFunctionFlushArg
	}
	return c.functionsWrite(func() error {
		c.e.functions.flush()
		c.OK()
		return nil
	})
}

func functionList(c *Ctx) error {
	var pattern []byte
	withCode := false
	for i := 2; i < len(c.Args); i++ {
		switch a := c.Args[i]; {
		case equalFold(a, "withcode"):
			withCode = true
		case equalFold(a, "libraryname"):
			if i+1 >= len(c.Args) {
				return ErrLibraryNameNotGiven
			}
			i++
			pattern = c.Args[i]
		default:
			return Error(sanitize("ERR Unknown argument " + string(a)))
		}
	}
	mark, n := c.ArrayMark(), 0
	for _, lib := range c.e.functions.sorted() {
		if pattern != nil && !GlobMatch(pattern, []byte(lib.name), false) {
			continue
		}
		n++
		if withCode {
			c.Map(4)
		} else {
			c.Map(3)
		}
		c.BulkString("library_name")
		c.BulkString(lib.name)
		c.BulkString("engine")
		c.BulkString("LUA")
		c.BulkString("functions")
		c.Array(len(lib.funcs))
		for _, f := range lib.funcs {
			c.Map(3)
			c.BulkString("name")
			c.BulkString(f.name)
			c.BulkString("description")
			if f.hasDesc {
				c.BulkString(f.desc)
			} else {
				c.Null()
			}
			c.BulkString("flags")
			var names []string
			for _, fl := range scriptFlagNames {
				if f.flags&fl.f != 0 {
					names = append(names, fl.name)
				}
			}
			c.Set(len(names))
			for _, name := range names {
				c.Simple(name)
			}
		}
		if withCode {
			c.BulkString("library_code")
			c.BulkString(lib.code)
		}
	}
	c.ArrayEnd(mark, n)
	return nil
}

func functionStats(c *Ctx) error {
	c.Map(2)
	c.BulkString("running_script")
	if r := c.e.scripts.runningFunction(); r != nil {
		c.Map(3)
		c.BulkString("name")
		c.BulkString(r.name)
		c.BulkString("command")
		c.Array(len(r.busyArgv))
		for _, a := range r.busyArgv {
			c.Bulk(a)
		}
		c.BulkString("duration_ms")
		c.Int(time.Since(r.start).Milliseconds())
	} else {
		c.Null()
	}
	reg := c.e.functions
	reg.mu.RLock()
	libs, funcs := len(reg.libs), len(reg.funcs)
	reg.mu.RUnlock()
	c.BulkString("engines")
	c.Map(1)
	c.BulkString("LUA")
	c.Map(2)
	c.BulkString("libraries_count")
	c.Int(int64(libs))
	c.BulkString("functions_count")
	c.Int(int64(funcs))
	return nil
}

// runningFunction returns a busy function, if one is.
func (s *scripting) runningFunction() *scriptRun {
	s.busyMu.Lock()
	defer s.busyMu.Unlock()
	for r := range s.busy {
		if r.function {
			return r
		}
	}
	return nil
}

func functionKill(c *Ctx) error {
	if err := c.e.scripts.kill(true); err != nil {
		return err
	}
	c.OK()
	return nil
}

func functionHelp(c *Ctx) error {
	lines := []string{
		"FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"LOAD [REPLACE] <FUNCTION CODE>",
		"    Create a new library with the given library name and code.",
		"DELETE <LIBRARY NAME>",
		"    Delete the given library.",
		"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
		"    Return general information on all the libraries:",
		"    * Library name",
		"    * The engine used to run the Library",
		"    * Library description",
		"    * Functions list",
		"    * Library code (if WITHCODE is given)",
		"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
		"STATS",
		"    Return information about the current function running:",
		"    * Function name",
		"    * Command used to run the function",
		"    * Duration in MS that the function is running",
		"    If no function is running, return nil",
		"    In addition, returns a list of available engines.",
		"KILL",
		"    Kill the current running function.",
		"FLUSH [ASYNC|SYNC]",
		"    Delete all the libraries.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the libraries.",
		"    * SYNC: Synchronously flush the libraries.",
		"DUMP",
		"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
		"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
		"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
		"    control how to handle existing libraries (default APPEND):",
		"    * FLUSH: delete all existing libraries.",
		"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
		"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
		"      libraries with the new libraries (notice that even on this option there is a chance of failure",
		"      in case of functions name collision with another library).",
		"HELP",
		"    Print this help.",
	}
	c.Array(len(lines))
	for _, l := range lines {
		c.Simple(l)
	}
	return nil
}

// --- DUMP and RESTORE: Redis's payload (persistence/rdb) ---

func functionDump(c *Ctx) error {
	c.Bulk(FunctionsPayload(c.e.functions.codes()))
	return nil
}

func functionRestore(c *Ctx) error {
	policy := "append"
	switch {
	case len(c.Args) == 3:
	case len(c.Args) == 4 && (equalFold(c.Args[3], "flush") || equalFold(c.Args[3], "append") || equalFold(c.Args[3], "replace")):
		policy = strings.ToLower(string(c.Args[3]))
	default:
		return ErrRestorePolicy
	}
	// As in Redis, each library compiles before the next is read: a bad
	// library's error comes before a bad payload after it.
	codes, perr := ParseFunctionsPayload(c.Args[2])
	libs := make([]*functionLib, 0, len(codes))
	for _, code := range codes {
		lib, err := c.e.scripts.compileLibrary(code)
		if err != nil {
			return err
		}
		libs = append(libs, lib)
	}
	if perr != nil {
		return perr
	}
	return c.functionsWrite(func() error {
		if err := c.e.functions.restore(libs, policy); err != nil {
			return err
		}
		c.OK()
		return nil
	})
}

// restore adds libs as FUNCTION RESTORE's policy says, all or nothing.
func (reg *functionRegistry) restore(libs []*functionLib, policy string) error {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	saved := struct {
		libs  map[string]*functionLib
		funcs map[string]*functionDef
	}{cloneMap(reg.libs), cloneMap(reg.funcs)}
	if policy == "flush" {
		reg.libs, reg.funcs = make(map[string]*functionLib), make(map[string]*functionDef)
	}
	for _, lib := range libs {
		if err := reg.addLocked(lib, policy == "replace"); err != nil {
			reg.libs, reg.funcs = saved.libs, saved.funcs
			reg.gen.Add(1)
			return err
		}
	}
	reg.gen.Add(1)
	return nil
}

func cloneMap[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ParseFunctionsPayload checks a FUNCTION DUMP payload and returns the
// libraries' code. On an error after the footer's check, codes holds the
// libraries read before the bad part.
func ParseFunctionsPayload(p []byte) (codes []string, err error) {
	body, err := rdb.VerifyDumpPayload(p)
	if err != nil {
		return nil, ErrDumpPayload
	}
	r := rdb.NewReader(bytes.NewReader(body), rdb.ReadOptions{Size: int64(len(body))})
	for r.Offset() < int64(len(body)) {
		if op, _ := r.ReadByte(); op != rdb.OpFunction2 {
			return codes, Error("ERR given type is not a function")
		}
		code, err := r.ReadString()
		if err != nil {
			return codes, ErrFunctionLibPayload
		}
		codes = append(codes, string(code))
	}
	return codes, nil
}
