package command

import (
	"fmt"

	"redpool/backend"
	"redpool/session/resp"
	"sort"
	"strings"
)

// Flags describe what a command does; the dispatcher acts on them so that
// handlers never repeat the generic work.
type Flags uint32

const (
	// Write commands may change data: they run in an Update transaction, are
	// logged to the AOF when they change something, and are refused while
	// persistence is failing.
	Write Flags = 1 << iota
	// ReadOnly commands read data: they run in a View transaction.
	ReadOnly
	// AllDBs commands lock every key of every database (FLUSHALL, SWAPDB,
	// MOVE, COPY ... DB). Commands with data flags but no keys lock every
	// key of their database implicitly.
	AllDBs
	// Admin commands manage the server.
	Admin
	// Blocking commands may wait for data (BLPOP).
	Blocking
	// Fast commands run in O(1) or O(log n).
	Fast
	// NoTx marks a Write or ReadOnly command whose handler opens its own
	// transactions (blocking pops, SCAN over several calls).
	NoTx
	// NoMulti commands are refused between MULTI and EXEC (Redis's
	// no-multi: SAVE, SHUTDOWN).
	NoMulti
	// RunsInMulti commands run at once between MULTI and EXEC instead of
	// being queued (EXEC, DISCARD, MULTI, WATCH, QUIT), as in Redis's
	// processCommand.
	RunsInMulti
	// SkipSlowlog commands are not logged to SLOWLOG themselves (EXEC:
	// the commands it runs are), as Redis's skip_slowlog.
	SkipSlowlog
	// MovableKeys marks a command whose keys FindKeys locates although
	// Keys is set for COMMAND INFO (ZUNIONSTORE: the destination at 1,
	// the sources after numkeys), which Redis reports as "movablekeys".
	MovableKeys
	// SubscribedOK commands run while a RESP2 client is in subscribed
	// mode ((P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT, RESET); the
	// dispatcher refuses every other one.
	SubscribedOK
	// NoScript commands are refused inside scripts (Redis's noscript).
	NoScript
	// AllowBusy commands run while a script is busy (Redis's allow_busy);
	// every other command gets -BUSY then.
	AllowBusy
	// Script commands run a script (EVAL, FCALL): whatever keys they
	// declare, EXEC locks everything for writing when one is queued.
	Script
	// NoKeyMiss marks a ReadOnly command whose misses raise no "keymiss"
	// event (OBJECT, as Redis's LOOKUP_NONOTIFY).
	NoKeyMiss
	// DenyOOM commands may grow the data: they are refused while used
	// memory is over maxmemory and nothing can be evicted (maxmemory.go).
	DenyOOM
	// UpdateTx marks a ReadOnly command that may still write the value
	// it read (PFCOUNT stores the cardinality it computed in the HLL's
	// header, as Redis's key spec "RW" for it says): the dispatcher runs
	// it in an Update transaction, alone or in a shared run. It is a read
	// everywhere else (replicas, ACL, CLIENT PAUSE, COMMAND INFO).
	UpdateTx
)

var flagNames = []struct {
	f    Flags
	name string
}{
	{Write, "write"}, {ReadOnly, "readonly"}, {DenyOOM, "denyoom"}, {Admin, "admin"}, {Blocking, "blocking"}, {Fast, "fast"},
	{MovableKeys, "movablekeys"},
	{NoScript, "noscript"}, {AllowBusy, "allow_busy"},
}

// Names returns the flag names COMMAND INFO reports.
func (f Flags) Names() []string {
	var out []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// KeySpec locates a command's key arguments, as Redis's first/last/step:
// positions count the command name as 0; Last -1 is the last argument, -2
// the one before. The zero KeySpec means "no keys".
type KeySpec struct {
	First, Last, Step int
}

// KeyFinder locates the keys of a command whose keys are not a fixed
// First/Last/Step range (LMPOP's numkeys, ...). It appends the key
// arguments of args (the name at 0; the arity already checked) to dst. all
// reports that the command reaches into other databases and needs every
// database locked (COPY ... DB). ok is false when args do not parse far
// enough to find the keys: the dispatcher then locks the whole database and
// lets the handler report the error, and COMMAND GETKEYS refuses them.
type KeyFinder func(dst, args [][]byte) (keys [][]byte, all, ok bool)

// numKeysAt returns the KeyFinder of commands whose keys follow a numkeys
// argument at position pos (LMPOP, BLMPOP, and later ZUNIONSTORE, EVAL...):
// numkeys must be at least 1 and the keys must all be there.
func numKeysAt(pos int) KeyFinder {
	return func(dst, args [][]byte) ([][]byte, bool, bool) {
		if pos >= len(args) {
			return dst, false, false
		}
		n, ok := resp.ParseInt(args[pos])
		if !ok || n < 1 || n > int64(len(args)-pos-1) {
			return dst, false, false
		}
		return append(dst, args[pos+1:pos+1+int(n)]...), false, true
	}
}

// Handler runs one command. For Write and ReadOnly commands c.Tx is open on
// the client's database with the command's keys locked. A returned error is
// sent as the reply (and rolls the transaction back where the backend can);
// otherwise the handler has written its reply to c.
type Handler func(c *Ctx) error

// Spec is one entry of the command table.
type Spec struct {
	Name  string // lower case, as Redis reports it
	Arity int    // Redis convention: N exactly, -N at least N, the name included
	Flags Flags
	Keys  KeySpec
	// FindKeys, if set, locates the keys instead of Keys. Keys may still
	// be set for COMMAND INFO; if it is zero the command reports
	// "movablekeys", as Redis does.
	FindKeys KeyFinder
	Run      Handler
	Group    string // "string", "list", "hash", "generic", "server", "connection"
	Summary  string
	Since    string
	// Subcommands, for container commands (CONFIG, CLIENT, COMMAND, OBJECT).
	// The container's Run dispatches to them through Ctx.Sub.
	Subcommands []Spec
	// Warm, if set, is called in the transaction of a run of the command
	// on one key (ExecShared), after its first command ran, with the
	// commands still to run, on a backend that keeps values in memory (a
	// backend.Prefetcher): it reads the memory they are about to touch
	// one after the other, so that their cache misses overlap. It must
	// change nothing and ignore what it cannot use; its result only keeps
	// the reads from being optimised away.
	Warm func(tx backend.Tx, cmds [][][]byte) uint64

	// parent is the container of a subcommand, set by NewTable.
	parent *Spec
	// stats are the command's INFO commandstats counters, set by NewTable.
	// Families are built afresh for each table, so each engine counts its own.
	stats *cmdStats

	// The ACL's view of the command, set by NewTable (acl_categories.go).
	aclID       int         // bit in the users' command bitmaps
	aclCats     aclCats     // ACL categories
	aclNoAuth   bool        // runs before AUTH (Redis's no_auth)
	aclChannels channelArgs // where its Pub/Sub channels are
	aclKeyPerm  keyPerm     // access its keys need
}

// FullName is the name Redis reports in CLIENT LIST and INFO
// commandstats: "config|get" for a subcommand.
func (s *Spec) FullName() string {
	if s.parent != nil {
		return s.parent.Name + "|" + s.Name
	}
	return s.Name
}

// arityOK reports whether n arguments (the name included) fit s.Arity.
func (s *Spec) arityOK(n int) bool {
	if s.Arity >= 0 {
		return n == s.Arity
	}
	return n >= -s.Arity
}

// keys appends the key arguments of args to dst; all and ok are
// KeyFinder's (all is also set for AllDBs commands).
func (s *Spec) keys(dst [][]byte, args [][]byte) (keys [][]byte, all, ok bool) {
	if s.FindKeys != nil {
		keys, all, ok = s.FindKeys(dst, args)
		return keys, all || s.Flags&AllDBs != 0, ok
	}
	return s.rangeKeys(dst, args), s.Flags&AllDBs != 0, true
}

// rangeKeys appends the arguments that s.Keys names.
func (s *Spec) rangeKeys(dst [][]byte, args [][]byte) [][]byte {
	if s.Keys.First <= 0 {
		return dst
	}
	last := s.Keys.Last
	if last < 0 {
		last = len(args) + last
	}
	step := s.Keys.Step
	if step <= 0 {
		step = 1
	}
	for i := s.Keys.First; i <= last && i < len(args); i += step {
		dst = append(dst, args[i])
	}
	return dst
}

// Table is the command table. It is built once and then only read, so it is
// safe for concurrent use.
type Table struct {
	byName map[string]*Spec
	specs  []*Spec // sorted by name
	byID   []*Spec // every command and subcommand, by ACL id
}

// NewTable builds a table from command families. A duplicate name is an error.
func NewTable(families ...[]Spec) (*Table, error) {
	t := &Table{byName: make(map[string]*Spec)}
	for _, fam := range families {
		for i := range fam {
			s := &fam[i]
			if s.Name != strings.ToLower(s.Name) || s.Name == "" {
				return nil, fmt.Errorf("command: name %q must be lower case", s.Name)
			}
			if _, dup := t.byName[s.Name]; dup {
				return nil, fmt.Errorf("command: %q registered twice", s.Name)
			}
			if s.Run == nil {
				return nil, fmt.Errorf("command: %q has no handler", s.Name)
			}
			s.stats = new(cmdStats)
			for j := range s.Subcommands {
				s.Subcommands[j].stats = new(cmdStats)
				s.Subcommands[j].parent = s
			}
			t.byName[s.Name] = s
			t.specs = append(t.specs, s)
		}
	}
	sort.Slice(t.specs, func(i, j int) bool { return t.specs[i].Name < t.specs[j].Name })
	markDenyOOM(t)
	t.assignACL()
	return t, nil
}

// maxNameLen bounds the names Lookup lowercases on the stack.
const maxNameLen = 32

// Lookup finds a command by name, case-insensitively, without allocating.
func (t *Table) Lookup(name []byte) *Spec {
	if len(name) > maxNameLen {
		return nil
	}
	var buf [maxNameLen]byte
	low := lowerASCII(buf[:0], name)
	return t.byName[string(low)]
}

// Specs returns every command, sorted by name. The slice belongs to the table.
func (t *Table) Specs() []*Spec { return t.specs }

// Len is the number of commands.
func (t *Table) Len() int { return len(t.specs) }

// findSub looks up a subcommand of s by name, case-insensitively.
func (s *Spec) findSub(name []byte) *Spec {
	for i := range s.Subcommands {
		if equalFold(name, s.Subcommands[i].Name) {
			return &s.Subcommands[i]
		}
	}
	return nil
}

func lowerASCII(dst, src []byte) []byte {
	for _, c := range src {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// equalFold reports whether b equals the lower-case ASCII word s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
