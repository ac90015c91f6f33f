package command

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"redpool/session/resp"
)

// slowlog keeps the most recent commands that took longer than
// slowlog-log-slower-than microseconds, at most slowlog-max-len of them,
// as Redis's slowlog.c. Safe for concurrent use; observe is cheap when the
// command was fast (two atomic loads).
type slowlog struct {
	threshold atomic.Int64 // µs; negative disables, 0 logs every command
	maxLen    atomic.Int64

	mu      sync.Mutex
	entries []slowEntry // newest last; at most maxLen
	nextID  int64
}

// slowEntry is one logged command. Its arguments are copies, trimmed as
// Redis trims them.
type slowEntry struct {
	id       int64
	at       int64 // unix seconds
	duration int64 // µs
	args     [][]byte
	addr     string
	name     string
}

// As in Redis: at most this many arguments, and this many bytes of each.
const (
	slowlogMaxArgc   = 32
	slowlogMaxString = 128
)

func newSlowlog() *slowlog {
	l := &slowlog{}
	l.threshold.Store(10000)
	l.maxLen.Store(128)
	return l
}

// observe logs the command c ran if it took at least the threshold.
func (l *slowlog) observe(c *Ctx, args [][]byte, took time.Duration) {
	th := l.threshold.Load()
	us := int64(took / time.Microsecond)
	if th < 0 || us < th {
		return
	}
	e := slowEntry{at: c.e.clock.Now().Unix(), duration: us, args: slowlogArgs(args), addr: c.Client.Addr, name: c.Client.Name()}
	l.mu.Lock()
	defer l.mu.Unlock()
	e.id = l.nextID
	l.nextID++
	l.entries = append(l.entries, e)
	l.trimLocked()
}

func (l *slowlog) trimLocked() {
	if over := len(l.entries) - int(l.maxLen.Load()); over > 0 {
		n := copy(l.entries, l.entries[over:])
		clear(l.entries[n:])
		l.entries = l.entries[:n]
	}
}

// slowlogArgs copies args as Redis's slowlogCreateEntry does.
func slowlogArgs(args [][]byte) [][]byte {
	n := min(len(args), slowlogMaxArgc)
	out := make([][]byte, n)
	for i := range n {
		a := args[i]
		switch {
		case i == slowlogMaxArgc-1 && len(args) > slowlogMaxArgc:
			out[i] = []byte("... (" + strconv.Itoa(len(args)-slowlogMaxArgc+1) + " more arguments)")
		case len(a) > slowlogMaxString:
			out[i] = append(append([]byte(nil), a[:slowlogMaxString]...), "... ("+strconv.Itoa(len(a)-slowlogMaxString)+" more bytes)"...)
		default:
			out[i] = append([]byte(nil), a...)
		}
	}
	return out
}

// newest returns up to count entries, newest first (count < 0: all).
func (l *slowlog) newest(count int64) []slowEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := int64(len(l.entries))
	if count >= 0 && count < n {
		n = count
	}
	out := make([]slowEntry, 0, n)
	for i := len(l.entries) - 1; i >= 0 && int64(len(out)) < n; i-- {
		out = append(out, l.entries[i])
	}
	return out
}

func (l *slowlog) len() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64(len(l.entries))
}

func (l *slowlog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.entries)
	l.entries = l.entries[:0]
}

// params are slowlog-log-slower-than and slowlog-max-len, backed by l.
func (l *slowlog) params() []Param {
	return []Param{
		IntParam("slowlog-log-slower-than", -1, math.MaxInt64, l.threshold.Load, func(n int64) error {
			l.threshold.Store(n)
			return nil
		}),
		IntParam("slowlog-max-len", 0, math.MaxInt64, l.maxLen.Load, func(n int64) error {
			l.maxLen.Store(n)
			l.mu.Lock()
			l.trimLocked()
			l.mu.Unlock()
			return nil
		}),
	}
}

func slowlogCommands() []Spec {
	return []Spec{
		{Name: "slowlog", Arity: -2, Run: slowlogCmd, Group: "server", Summary: "A container for slow log commands.", Since: "2.2.12",
			Subcommands: []Spec{
				{Name: "get", Arity: -2, Flags: Admin, Run: slowlogGet, Summary: "Returns the slow log's entries."},
				{Name: "len", Arity: 2, Flags: Admin, Run: slowlogLen, Summary: "Returns the number of entries in the slow log."},
				{Name: "reset", Arity: 2, Flags: Admin, Run: slowlogReset, Summary: "Clears all entries from the slow log."},
				{Name: "help", Arity: 2, Run: slowlogHelp, Summary: "Show helpful text about the different subcommands"},
			}},
	}
}

func slowlogCmd(c *Ctx) error { return c.Sub("SLOWLOG") }

func slowlogGet(c *Ctx) error {
	count := int64(10)
	if len(c.Args) > 3 {
		return SubcommandSyntax(c.Args[1], "SLOWLOG")
	}
	if len(c.Args) == 3 {
		n, ok := resp.ParseInt(c.Args[2])
		if !ok || n < -1 {
			return ErrSlowlogCount
		}
		count = n
	}
	entries := c.e.slowlog.newest(count)
	c.Array(len(entries))
	for _, e := range entries {
		c.Array(6)
		c.Int(e.id)
		c.Int(e.at)
		c.Int(e.duration)
		c.Array(len(e.args))
		for _, a := range e.args {
			c.Bulk(a)
		}
		c.BulkString(e.addr)
		c.BulkString(e.name)
	}
	return nil
}

func slowlogLen(c *Ctx) error {
	c.Int(c.e.slowlog.len())
	return nil
}

func slowlogReset(c *Ctx) error {
	c.e.slowlog.reset()
	c.OK()
	return nil
}

func slowlogHelp(c *Ctx) error {
	return helpReply(c, "SLOWLOG", []string{
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	})
}
