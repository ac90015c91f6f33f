package command

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
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
				{Name: "info", Arity: -2, Run: commandInfo, Summary: "Returns information about one, multiple or all commands."},
				{Name: "docs", Arity: -2, Run: commandDocs, Summary: "Returns documentary information about one, multiple or all commands."},
				{Name: "list", Arity: -2, Run: commandList, Summary: "Returns a list of command names."},
				{Name: "help", Arity: 2, Run: commandHelp, Summary: "Returns helpful text about the different subcommands."},
			}},
		{Name: "info", Arity: -1, Run: info, Group: "server", Summary: "Returns information and statistics about the server.", Since: "1.0.0"},
		{Name: "config", Arity: -2, Flags: NoScript | Admin, Run: configCmd, Group: "server", Summary: "A container for server configuration commands.", Since: "2.0.0",
			Subcommands: []Spec{
				{Name: "get", Arity: -3, Run: configGet, Summary: "Returns the effective values of configuration parameters."},
				{Name: "set", Arity: -4, Run: configSet, Summary: "Sets configuration parameters in-flight."},
				{Name: "resetstat", Arity: 2, Run: configResetStat, Summary: "Resets the server's statistics."},
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

func commandList(c *Ctx) error {
	specs := c.e.table.Specs()
	c.Array(len(specs))
	for _, s := range specs {
		c.BulkString(s.Name)
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
		if s := c.e.table.Lookup(n); s != nil {
			writeInfoEntry(c, s.Name, s)
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
	flags := s.Flags.Names()
	if s.FindKeys != nil && s.Keys.First == 0 {
		flags = append(flags, "movablekeys")
	}
	c.Set(len(flags))
	for _, f := range flags {
		c.Simple(f)
	}
	c.Int(int64(s.Keys.First))
	c.Int(int64(s.Keys.Last))
	c.Int(int64(s.Keys.Step))
	cats := s.aclCats.names()
	c.Set(len(cats)) // ACL categories
	for _, n := range cats {
		c.Simple("@" + n)
	}
	c.Set(0)   // tips
	c.Array(0) // key specs
	c.Array(len(s.Subcommands))
	for i := range s.Subcommands {
		sub := &s.Subcommands[i]
		writeInfoEntry(c, s.Name+"|"+sub.Name, sub)
	}
}

// commandGetKeys is COMMAND GETKEYS command [arg ...]: the keys the
// dispatcher finds in a command, as Redis's getKeysFromCommand.
func commandGetKeys(c *Ctx) error {
	args := c.Args[2:]
	s := c.e.table.Lookup(args[0])
	if s == nil {
		return ErrGetKeysCommand
	}
	if !s.arityOK(len(args)) {
		return ErrGetKeysArity
	}
	if len(s.Subcommands) > 0 {
		sub := s.findSub(args[1])
		if sub == nil {
			return ErrGetKeysCommand
		}
		if !sub.arityOK(len(args)) {
			return ErrGetKeysArity
		}
	}
	if s.Keys.First == 0 && s.FindKeys == nil {
		return ErrGetKeysNoKeys
	}
	keys, _, ok := s.keys(nil, args)
	if !ok || len(keys) == 0 {
		return ErrGetKeysInvalid
	}
	c.Array(len(keys))
	for _, k := range keys {
		c.Bulk(k)
	}
	return nil
}

func commandDocs(c *Ctx) error {
	var specs []*Spec
	if len(c.Args) == 2 {
		specs = c.e.table.Specs()
	} else {
		for _, n := range c.Args[2:] {
			if s := c.e.table.Lookup(n); s != nil {
				specs = append(specs, s)
			}
		}
	}
	c.Map(len(specs))
	for _, s := range specs {
		c.BulkString(s.Name)
		writeDocs(c, s, s.Group)
	}
	return nil
}

func writeDocs(c *Ctx, s *Spec, group string) {
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
	if len(s.Subcommands) > 0 {
		c.BulkString("subcommands")
		c.Map(len(s.Subcommands))
		for i := range s.Subcommands {
			sub := &s.Subcommands[i]
			c.BulkString(s.Name + "|" + sub.Name)
			writeDocs(c, sub, group)
		}
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
	e.resetTraffic()
	e.conns.Store(0)
	e.rejected.Store(0)
	e.table.resetStats()
	e.errors.reset()
	e.acl.resetStats()
	e.statsAt.Store(e.clock.Now().UnixMilli())
	c.OK()
	return nil
}

func configHelp(c *Ctx) error {
	return helpReply(c, "CONFIG", []string{
		"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>", "    Set the configuration <directive> to <value>.",
		"RESETSTAT", "    Reset statistics reported by the INFO command.",
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
	for _, sec := range c.e.infoSections() {
		name := strings.ToLower(sec.Name)
		if !all && !want[name] && !(want["default"] && !infoNotDefault[name]) {
			continue
		}
		if len(b) > 0 {
			b = append(b, "\r\n"...)
		}
		b = append(b, "# "+sec.Name+"\r\n"...)
		for _, f := range sec.Fields {
			b = append(b, f[0]...)
			b = append(b, ':')
			b = append(b, f[1]...)
			b = append(b, "\r\n"...)
		}
	}
	c.Verbatim(b)
	return nil
}

func (e *Engine) infoSections() []InfoSection {
	now := e.clock.Now()
	up := now.Sub(e.started)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := e.backend.Stats()
	commands, netIn, netOut := e.totals()
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	secs := []InfoSection{
		{Name: "Server", Fields: [][2]string{
			{"redis_version", RedisVersion},
			{"redis_mode", "standalone"},
			{"os", runtime.GOOS + " " + runtime.GOARCH},
			{"arch_bits", "64"},
			{"go_version", runtime.Version()},
			{"process_id", itoa(int64(pid()))},
			{"tcp_port", e.paramOr("port", "0")},
			{"server_time_usec", itoa(now.UnixMicro())},
			{"uptime_in_seconds", itoa(int64(up / time.Second))},
			{"uptime_in_days", itoa(int64(up / (24 * time.Hour)))},
			{"hz", "10"},
			{"executable", executable()},
			{"config_file", e.paramOr("config-file", "")},
		}},
		{Name: "Clients", Fields: [][2]string{
			{"connected_clients", itoa(int64(e.ConnectedClients()))},
			{"maxclients", e.paramOr("maxclients", "0")},
			{"blocked_clients", itoa(int64(e.blocking.count()))},
			{"tracking_clients", itoa(e.tracking.clients.Load())},
		}},
		{Name: "Memory", Fields: [][2]string{
			{"used_memory", itoa(int64(ms.HeapAlloc))},
			{"used_memory_human", humanBytes(int64(ms.HeapAlloc))},
			{"used_memory_rss", itoa(int64(ms.Sys))},
			{"used_memory_rss_human", humanBytes(int64(ms.Sys))},
			{"used_memory_dataset", itoa(st.UsedBytes)},
			{"maxmemory", "0"},
			{"maxmemory_policy", "noeviction"},
			{"mem_allocator", "go"},
		}},
	}
	secs[len(secs)-1].Fields = append(secs[len(secs)-1].Fields, e.scripts.infoFields()...)
	pers := [][2]string{{"loading", "0"}}
	if e.persister != nil {
		pers = append(pers, e.persister.Info()...)
	} else {
		pers = append(pers, [2]string{"rdb_changes_since_last_save", itoa(e.dirty.Load())}, [2]string{"aof_enabled", "0"})
	}
	secs = append(secs, InfoSection{Name: "Persistence", Fields: pers})
	trackedKeys, trackedItems, trackedPrefixes := e.tracking.info()
	secs = append(secs, InfoSection{Name: "Stats", Fields: [][2]string{
		{"total_connections_received", itoa(e.conns.Load())},
		{"total_commands_processed", itoa(commands)},
		{"total_net_input_bytes", itoa(netIn)},
		{"total_net_output_bytes", itoa(netOut)},
		{"rejected_connections", itoa(e.rejected.Load())},
		{"expired_keys", itoa(st.ExpiredKeys)},
		{"evicted_keys", "0"},
		{"keyspace_hits", "0"},
		{"keyspace_misses", "0"},
		{"total_error_replies", itoa(e.errors.total.Load())},
		{"tracking_total_keys", itoa(int64(trackedKeys))},
		{"tracking_total_items", itoa(int64(trackedItems))},
		{"tracking_total_prefixes", itoa(int64(trackedPrefixes))},
	}})
	secs[len(secs)-1].Fields = append(secs[len(secs)-1].Fields, e.acl.infoFields()...)
	secs = append(secs, InfoSection{Name: "Replication", Fields: [][2]string{
		{"role", "master"}, {"connected_slaves", "0"},
	}})
	secs = append(secs, InfoSection{Name: "CPU", Fields: cpuFields()})
	if len(st.Extra) > 0 {
		secs = append(secs, InfoSection{Name: "Backend", Fields: st.Extra})
	}
	if e.extraInfo != nil {
		secs = append(secs, e.extraInfo()...)
	}
	var ks [][2]string
	for db, n := range st.Keys {
		if n == 0 {
			continue
		}
		var exp int64
		if db < len(st.Expires) {
			exp = st.Expires[db]
		}
		ks = append(ks, [2]string{"db" + strconv.Itoa(db), "keys=" + itoa(n) + ",expires=" + itoa(exp) + ",avg_ttl=0"})
	}
	secs = append(secs,
		InfoSection{Name: "Commandstats", Fields: e.table.commandStatFields()},
		InfoSection{Name: "Errorstats", Fields: e.errors.fields()},
		InfoSection{Name: "Latencystats", Fields: e.latencyStatFields()},
		InfoSection{Name: "Keyspace", Fields: ks})
	return secs
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

func cpuFields() [][2]string {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return nil
	}
	tv := func(t syscall.Timeval) string {
		return strconv.FormatFloat(float64(t.Sec)+float64(t.Usec)/1e6, 'f', 6, 64)
	}
	return [][2]string{{"used_cpu_sys", tv(ru.Stime)}, {"used_cpu_user", tv(ru.Utime)}}
}
