package command

import (
	"errors"
	"os"
	"strconv"
	"strings"
)

func serverCommands() []Spec {
	return []Spec{
		{Name: "dbsize", Arity: 1, Flags: ReadOnly | Fast, Run: dbsize, Group: "server", Summary: "Returns the number of keys in the database.", Since: "1.0.0"},
		{Name: "flushdb", Arity: -1, Flags: Write, Run: flushdb, Group: "server", Summary: "Removes all keys from the current database.", Since: "1.0.0"},
		{Name: "flushall", Arity: -1, Flags: Write | AllDBs, Run: flushall, Group: "server", Summary: "Removes all keys from all databases.", Since: "1.0.0"},
		{Name: "command", Arity: -1, Run: commandCmd, Group: "server", Summary: "Returns detailed information about all commands.", Since: "2.8.13",
			Subcommands: []Spec{
				{Name: "count", Arity: 2, Run: commandCount, Summary: "Returns a count of commands."},
				{Name: "getkeys", Arity: -4, Run: commandGetKeys, Summary: "Extracts the key names from an arbitrary command."},
				{Name: "getkeysandflags", Arity: -4, Run: commandGetKeysAndFlags, Summary: "Extracts the key names and access flags for an arbitrary command."},
				{Name: "info", Arity: -2, Run: commandInfo, Summary: "Returns information about one, multiple or all commands."},
				{Name: "docs", Arity: -2, Run: commandDocs, Summary: "Returns documentary information about one, multiple or all commands."},
				{Name: "list", Arity: -2, Run: commandList, Summary: "Returns a list of command names."},
				{Name: "help", Arity: 2, Run: commandHelp, Summary: "Returns helpful text about the different subcommands."},
			}},
		{Name: "info", Arity: -1, Run: info, Group: "server", Summary: "Returns information and statistics about the server.", Since: "1.0.0"},
		{Name: "config", Arity: -2, Run: configCmd, Group: "server", Summary: "A container for server configuration commands.", Since: "2.0.0",
			Subcommands: []Spec{
				{Name: "get", Arity: -3, Flags: Admin | NoScript, Run: configGet, Summary: "Returns the effective values of configuration parameters."},
				{Name: "set", Arity: -4, Flags: Admin | NoScript, Run: configSet, Summary: "Sets configuration parameters in-flight."},
				{Name: "resetstat", Arity: 2, Flags: Admin | NoScript, Run: configResetStat, Summary: "Resets the server's statistics."},
				{Name: "rewrite", Arity: 2, Flags: Admin | NoScript, Run: configRewrite, Summary: "Persists the effective configuration to file."},
				{Name: "help", Arity: 2, Run: configHelp, Summary: "Returns helpful text about the different subcommands."},
			}},
		{Name: "shutdown", Arity: -1, Flags: NoScript | AllowBusy | Admin | NoMulti, Run: shutdown, Group: "server", Summary: "Synchronously saves the database(s) to disk and shuts down the Redis server.", Since: "1.0.0"},
		{Name: "save", Arity: 1, Flags: NoScript | Admin | NoMulti, Run: save, Group: "server", Summary: "Synchronously saves the database(s) to disk.", Since: "1.0.0"},
		{Name: "bgsave", Arity: -1, Flags: NoScript | Admin, Run: bgsave, Group: "server", Summary: "Asynchronously saves the database(s) to disk.", Since: "1.0.0"},
		{Name: "bgrewriteaof", Arity: 1, Flags: NoScript | Admin, Run: bgrewriteaof, Group: "server", Summary: "Asynchronously rewrites the append-only file to disk.", Since: "1.0.0"},
		{Name: "lastsave", Arity: 1, Flags: Fast, Run: lastsave, Group: "server", Summary: "Returns the Unix timestamp of the last successful save to disk.", Since: "1.0.0"},
		{Name: "time", Arity: 1, Flags: Fast, Run: timeCmd, Group: "server", Summary: "Returns the server time.", Since: "2.6.0"},
	}
}

func dbsize(c *Ctx) error {
	n, err := c.Tx.Len()
	if err != nil {
		return err
	}
	c.Int(n)
	return nil
}

// flushMode parses the optional ASYNC|SYNC of FLUSHDB and FLUSHALL. Both
// are synchronous in redpool: the backend frees large values in the
// background on its own.
func flushMode(c *Ctx) error {
	if len(c.Args) > 2 || (len(c.Args) == 2 && !equalFold(c.Args[1], "async") && !equalFold(c.Args[1], "sync")) {
		return ErrSyntax
	}
	return nil
}

func flushdb(c *Ctx) error {
	if err := flushMode(c); err != nil {
		return err
	}
	n, err := c.Tx.Len()
	if err != nil {
		return err
	}
	if err := c.touchLiveWatched(c.Tx.DB(), -1); err != nil {
		return err
	}
	if err := c.Tx.Flush(); err != nil {
		return err
	}
	c.signalAllBlocked(c.Tx.DB())
	c.Dirty(max(n, 1))
	c.trackFlush()
	c.OK()
	return nil
}

func flushall(c *Ctx) error {
	if err := flushMode(c); err != nil {
		return err
	}
	for db := range c.e.backend.Databases() {
		if err := c.touchLiveWatched(db, -1); err != nil {
			return err
		}
	}
	if err := c.Tx.FlushAll(); err != nil {
		return err
	}
	c.signalAllBlocked(-1)
	c.Dirty(1)
	c.trackFlush()
	c.OK()
	return nil
}

func timeCmd(c *Ctx) error {
	now := c.e.clock.Now()
	c.Array(2)
	c.BulkInt(now.Unix())
	c.BulkInt(int64(now.Nanosecond() / 1000))
	return nil
}

// --- COMMAND ---

func commandCmd(c *Ctx) error {
	if len(c.Args) == 1 {
		writeAllCommandInfo(c)
		return nil
	}
	return c.Sub("COMMAND")
}

// writeAllCommandInfo replies COMMAND INFO for every command.
func writeAllCommandInfo(c *Ctx) {
	specs := c.e.table.Specs()
	c.Array(len(specs))
	for _, s := range specs {
		writeInfoEntry(c, s.Name, s)
	}
}

func commandCount(c *Ctx) error {
	c.Int(int64(c.e.table.Len()))
	return nil
}

// commandList is COMMAND LIST [FILTERBY MODULE name|ACLCAT category|PATTERN
// pattern]: every command and subcommand ("config|get") that passes the
// filter, as Redis's.
func commandList(c *Ctx) error {
	var keep func(s *Spec) bool
	switch args := c.Args[2:]; {
	case len(args) == 0:
		keep = func(*Spec) bool { return true }
	case len(args) == 3 && equalFold(args[0], "filterby"):
		arg := args[2]
		switch {
		case equalFold(args[1], "module"):
			keep = func(*Spec) bool { return false } // no modules
		case equalFold(args[1], "aclcat"):
			keep = func(s *Spec) bool {
				for _, k := range c.e.meta(s).infoField(infoCategories).kids {
					if equalFold(arg, k.s[1:]) { // "@read"
						return true
					}
				}
				return false
			}
		case equalFold(args[1], "pattern"):
			keep = func(s *Spec) bool { return GlobMatch(arg, []byte(s.FullName()), true) }
		default:
			return ErrSyntax
		}
	default:
		return ErrSyntax
	}
	var names []string
	for _, s := range c.e.table.Specs() {
		s.withSubs(func(sp *Spec) {
			if keep(sp) {
				names = append(names, sp.FullName())
			}
		})
	}
	c.Array(len(names))
	for _, n := range names {
		c.BulkString(n)
	}
	return nil
}

func commandInfo(c *Ctx) error {
	names := c.Args[2:]
	if len(names) == 0 {
		writeAllCommandInfo(c)
		return nil
	}
	c.Array(len(names))
	for _, n := range names {
		if s := c.e.table.lookupFull(n); s != nil {
			writeInfoEntry(c, s.FullName(), s)
		} else {
			c.Null()
		}
	}
	return nil
}

// writeInfoEntry writes one COMMAND INFO entry, under name, in Redis 7's
// ten-field form; subcommands are named "container|sub".
func writeInfoEntry(c *Ctx, name string, s *Spec) {
	c.Array(10)
	c.BulkString(name)
	c.Int(int64(s.Arity))
	if m := c.e.meta(s); m.infoField(0).kind != 0 {
		// Redis's flags (names, order, those redpool does not model), keys
		// (redpool's agree, TestCommandMetaAgrees, but where OBJECT's are
		// its container's), categories, tips and key specs.
		for _, n := range m.info.kids[infoFlags : infoKeySpecs+1] {
			c.writeNode(n)
		}
	} else {
		flags := s.infoFlags()
		c.Set(len(flags))
		for _, f := range flags {
			c.Simple(f)
		}
		c.Int(int64(s.Keys.First))
		c.Int(int64(s.Keys.Last))
		c.Int(int64(s.Keys.Step))
		c.Set(0)   // ACL categories
		c.Set(0)   // tips
		c.Array(0) // key specs
	}
	if len(s.Subcommands) == 0 {
		c.Set(0) // as Redis: an empty set, but an array of subcommands
	} else {
		c.Array(len(s.Subcommands))
	}
	for i := range s.Subcommands {
		sub := &s.Subcommands[i]
		writeInfoEntry(c, s.Name+"|"+sub.Name, sub)
	}
}

// infoFlags are the flag names of s that COMMAND INFO shows.
func (s *Spec) infoFlags() []string {
	flags := s.Flags.Names()
	if s.FindKeys != nil && s.Keys.First == 0 {
		flags = append(flags, "movablekeys")
	}
	return flags
}

func commandDocs(c *Ctx) error {
	var specs []*Spec
	if len(c.Args) == 2 {
		specs = c.e.table.Specs()
	} else {
		for _, n := range c.Args[2:] {
			if s := c.e.table.lookupFull(n); s != nil {
				specs = append(specs, s)
			}
		}
	}
	c.Map(len(specs))
	for _, s := range specs {
		c.BulkString(s.FullName())
		group := s.Group
		if s.parent != nil {
			group = s.parent.Group
		}
		writeDocs(c, s, group)
	}
	return nil
}

// writeDocs writes s's COMMAND DOCS map: Redis's, with the subcommands
// redpool has; or, for a command Redis does not document, what the Spec
// says.
func writeDocs(c *Ctx, s *Spec, group string) {
	m := c.e.meta(s)
	if m == nil || m.docs.kind != '%' {
		writeSpecDocs(c, s, group)
		return
	}
	kids := m.docs.kids
	n := len(kids) / 2
	if _, ok := m.docs.field("subcommands"); ok {
		n--
	}
	if len(s.Subcommands) > 0 {
		n++
	}
	c.Map(n)
	for i := 0; i+1 < len(kids); i += 2 {
		if kids[i].s != "subcommands" {
			c.writeNode(kids[i])
			c.writeNode(kids[i+1])
		}
	}
	writeSubDocs(c, s, group)
}

// writeSpecDocs writes the COMMAND DOCS map the Spec alone gives.
func writeSpecDocs(c *Ctx, s *Spec, group string) {
	n := 3
	if len(s.Subcommands) > 0 {
		n++
	}
	c.Map(n)
	c.BulkString("summary")
	c.BulkString(s.Summary)
	c.BulkString("since")
	c.BulkString(orDefault(s.Since, "1.0.0"))
	c.BulkString("group")
	c.BulkString(group)
	writeSubDocs(c, s, group)
}

// writeSubDocs writes the "subcommands" entry of s's docs, if it has any.
func writeSubDocs(c *Ctx, s *Spec, group string) {
	if len(s.Subcommands) == 0 {
		return
	}
	c.BulkString("subcommands")
	c.Map(len(s.Subcommands))
	for i := range s.Subcommands {
		sub := &s.Subcommands[i]
		c.BulkString(s.Name + "|" + sub.Name)
		writeDocs(c, sub, group)
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func commandHelp(c *Ctx) error {
	return helpReply(c, "COMMAND", []string{
		"(no subcommand)", "    Return details about all Redis commands.",
		"COUNT", "    Return the total number of commands in this Redis server.",
		"LIST", "    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>", "    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>", "    Return the keys and the access flags from a full Redis command.",
	})
}

// --- CONFIG ---

func configCmd(c *Ctx) error { return c.Sub("CONFIG") }

func configGet(c *Ctx) error {
	params := c.e.params.Match(c.Args[2:])
	c.Map(len(params))
	for _, p := range params {
		c.BulkString(p.Name)
		c.BulkString(p.Get())
	}
	return nil
}

func configSet(c *Ctx) error {
	args := c.Args[2:]
	if len(args)%2 != 0 {
		return ErrSyntax
	}
	if err := c.e.params.Set(args); err != nil {
		return err
	}
	c.OK()
	return nil
}

func configResetStat(c *Ctx) error {
	e := c.e
	c.PublishStats() // the batch's commands before, zeroed with the rest
	e.resetTraffic()
	e.conns.Store(0)
	e.rejected.Store(0)
	e.mm.evicted.Store(0)
	e.mm.exceeded.reset()
	e.clientEvict.evicted.Store(0)
	e.table.resetStats()
	e.errors.reset()
	e.acl.resetStats()
	e.counters.reset(e.backend.Stats())
	e.durability.Reset()
	e.statsAt.Store(e.clock.Now().UnixMilli())
	c.OK()
	return nil
}

func configHelp(c *Ctx) error {
	return helpReply(c, "CONFIG", []string{
		"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>", "    Set the configuration <directive> to <value>.",
		"RESETSTAT", "    Reset statistics reported by the INFO command.",
		"REWRITE", "    Rewrite the configuration file.",
	})
}

// --- persistence and shutdown ---

func shutdown(c *Ctx) error {
	var save *bool
	for _, a := range c.Args[1:] {
		switch {
		case equalFold(a, "nosave"):
			f := false
			save = &f
		case equalFold(a, "save"):
			t := true
			save = &t
		case equalFold(a, "now"), equalFold(a, "force"):
		default:
			return ErrSyntax
		}
	}
	if c.e.shutdown == nil {
		return ErrShutdownFailed
	}
	if save != nil && !*save {
		c.e.scripts.killAll()
	}
	if err := c.e.shutdown(save); err != nil {
		return ErrShutdownFailed
	}
	// Like Redis, a successful SHUTDOWN sends no reply: the connection closes.
	c.Client.Quit = true
	return nil
}

func save(c *Ctx) error {
	if c.e.persister == nil {
		return ErrPersistDisabled
	}
	if err := c.e.persister.Save(); err != nil {
		var reply Error
		if errors.As(err, &reply) {
			return err
		}
		c.e.logger.Error("SAVE failed", "err", err)
		return ErrSaveFailed
	}
	c.OK()
	return nil
}

func bgsave(c *Ctx) error {
	if len(c.Args) > 2 || (len(c.Args) == 2 && !equalFold(c.Args[1], "schedule")) {
		return ErrSyntax
	}
	if c.e.persister == nil {
		return ErrPersistDisabled
	}
	if c.InOpenTx() {
		c.schedule("BGSAVE", c.e.persister.BGSave)
		c.Simple("Background saving scheduled")
		return nil
	}
	if err := c.e.persister.BGSave(); err != nil {
		return err
	}
	c.Simple("Background saving started")
	return nil
}

// schedule runs a background job that a command started inside EXEC
// once the transaction has committed, as Redis schedules it: a snapshot
// waits for every lock, and EXEC holds some. A failure is only logged.
func (c *Ctx) schedule(what string, job func() error) {
	c.afterCommit(func() {
		if err := job(); err != nil {
			c.e.logger.Warn("scheduled job failed", "job", what, "err", err)
		}
	})
}

func bgrewriteaof(c *Ctx) error {
	if c.e.persister == nil {
		return ErrPersistDisabled
	}
	if c.InOpenTx() {
		c.schedule("BGREWRITEAOF", c.e.persister.BGRewriteAOF)
		c.Simple("Background append only file rewriting scheduled")
		return nil
	}
	if err := c.e.persister.BGRewriteAOF(); err != nil {
		return err
	}
	c.Simple("Background append only file rewriting started")
	return nil
}

func lastsave(c *Ctx) error {
	if c.e.persister == nil {
		c.Int(c.e.started.Unix())
		return nil
	}
	c.Int(c.e.persister.LastSave().Unix())
	return nil
}

// --- INFO ---

// infoNotDefault are the sections INFO shows only when asked for by name,
// or with "all" or "everything", as in Redis.
var infoNotDefault = map[string]bool{"commandstats": true, "latencystats": true}

func info(c *Ctx) error {
	want := map[string]bool{}
	for _, a := range c.Args[1:] {
		want[strings.ToLower(string(a))] = true
	}
	if len(want) == 0 {
		want["default"] = true
	}
	all := want["all"] || want["everything"]
	var b []byte
	c.PublishStats() // commandstats and latencystats count the commands before
	for _, sec := range c.e.infoSections() {
		name := strings.ToLower(sec.Name)
		if !all && !want[name] && !(want["default"] && !infoNotDefault[name]) {
			continue
		}
		if len(b) > 0 {
			b = append(b, "\r\n"...)
		}
		b = append(b, "# "+sec.Name+"\r\n"...)
		b = appendInfoFields(b, sec.Fields)
	}
	c.Verbatim(b)
	return nil
}

func (e *Engine) paramOr(name, def string) string {
	if p := e.params.Lookup(name); p != nil {
		return p.Get()
	}
	return def
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 2, 64) + "G"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 2, 64) + "M"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 2, 64) + "K"
	default:
		return strconv.FormatInt(n, 10) + "B"
	}
}

func pid() int { return os.Getpid() }

func executable() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
}
