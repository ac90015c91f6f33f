package command

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"
	"sync"
	"time"
)

// This file holds AUTH, the ACL command, the dispatcher's permission
// check and the ACL log.

func aclCommands() []Spec {
	const grp = "server"
	adm := Admin | NoScript
	return []Spec{
		{Name: "auth", Arity: -2, Flags: NoScript | AllowBusy | Fast, Run: auth, Group: "connection", Summary: "Authenticates the connection.", Since: "1.0.0"},
		{Name: "acl", Arity: -2, Run: aclCmd, Group: grp, Summary: "A container for Access List Control commands.", Since: "6.0.0",
			Subcommands: []Spec{
				{Name: "cat", Arity: -2, Flags: NoScript, Run: aclCat, Summary: "Lists the ACL categories, or the commands inside a category."},
				{Name: "deluser", Arity: -3, Flags: adm, Run: aclDelUser, Summary: "Deletes ACL users, and terminates their connections."},
				{Name: "dryrun", Arity: -4, Flags: adm, Run: aclDryRun, Summary: "Simulates the execution of a command by a user, without executing the command."},
				{Name: "genpass", Arity: -2, Flags: NoScript, Run: aclGenPass, Summary: "Generates a pseudorandom, secure password that can be used to identify ACL users."},
				{Name: "getuser", Arity: 3, Flags: adm, Run: aclGetUser, Summary: "Lists the ACL rules of a user."},
				{Name: "list", Arity: 2, Flags: adm, Run: aclList, Summary: "Dumps the effective rules in ACL file format."},
				{Name: "load", Arity: 2, Flags: adm, Run: aclLoad, Summary: "Reloads the rules from the configured ACL file."},
				{Name: "log", Arity: -2, Flags: adm, Run: aclLogCmd, Summary: "Lists recent security events generated due to ACL rules."},
				{Name: "save", Arity: 2, Flags: adm, Run: aclSave, Summary: "Saves the effective ACL rules in the configured ACL file."},
				{Name: "setuser", Arity: -3, Flags: adm, Run: aclSetUser, Summary: "Creates and modifies an ACL user and its rules."},
				{Name: "users", Arity: 2, Flags: adm, Run: aclUsersCmd, Summary: "Lists all ACL users."},
				{Name: "whoami", Arity: 2, Flags: NoScript, Run: aclWhoAmI, Summary: "Returns the authenticated username of the current connection."},
				{Name: "help", Arity: 2, Run: aclHelp, Summary: "Returns helpful text about the different subcommands."},
			}},
	}
}

// auth is AUTH [username] password.
func auth(c *Ctx) error {
	if len(c.Args) > 3 {
		return ErrSyntax
	}
	user, pass := []byte(defaultUser), c.Args[1]
	if len(c.Args) == 2 {
		if c.e.acl.def.load().nopass {
			return ErrAuthNoPassword
		}
	} else {
		user, pass = c.Args[1], c.Args[2]
	}
	if err := c.authenticate(user, pass); err != nil {
		return err
	}
	c.OK()
	return nil
}

// authenticate logs the client in, or logs the failure and returns
// WRONGPASS.
func (c *Ctx) authenticate(user, pass []byte) error {
	if c.e.acl.authenticate(c.Client, user, pass) {
		return nil
	}
	c.e.acl.denied(c, aclDeniedAuth, c.logContext(), string(c.Args[0]), string(user))
	return ErrWrongPass
}

// --- the dispatcher's check ---

// checkACL is the dispatcher's permission check of a command about to run
// or be queued: NOAUTH for a client that must authenticate first, NOPERM
// for what its user may not do. The default user with every permission
// costs two atomic loads.
func (c *Ctx) checkACL(spec *Spec, args [][]byte) error {
	cl := c.Client
	if !cl.flags.has(flagAuthed) && !spec.aclNoAuth && c.e.acl.authRequired() {
		return ErrNoAuth
	}
	ref := cl.acl.user.Load()
	if ref == nil || ref.load().unrestricted {
		return nil
	}
	reason, pos, spec := c.aclDenied(ref.load(), spec, args)
	if reason == aclOK {
		return nil
	}
	c.e.acl.denied(c, reason, c.logContext(), logObject(reason, spec, args, pos), ref.name)
	return noPermError(reason, spec)
}

// aclDenied checks args against u, resolving a container to the
// subcommand named (an unknown one is left for the handler to report).
func (c *Ctx) aclDenied(u *aclUser, spec *Spec, args [][]byte) (aclReason, int, *Spec) {
	if len(spec.Subcommands) > 0 {
		if len(args) < 2 {
			return aclOK, 0, spec
		}
		sub := spec.findSub(args[1])
		if sub == nil {
			return aclOK, 0, spec
		}
		spec = sub
	}
	if u.unrestricted {
		return aclOK, 0, spec
	}
	keys := c.Client.acl.keyScratch()
	reason, pos := u.check(spec, args, keys)
	clear(*keys)
	return reason, pos, spec
}

func noPermError(reason aclReason, spec *Spec) Error {
	switch reason {
	case aclDeniedKey:
		return ErrNoPermKey
	case aclDeniedChannel:
		return ErrNoPermChannel
	}
	return NoPermCommand(spec.FullName())
}

// execNoPerm is EXEC's reply for a queued command the user may no longer
// run (Redis 7.0 checks again at EXEC).
func execNoPerm(reason aclReason) Error {
	switch reason {
	case aclDeniedKey:
		return Error(execNoPermPrefix + "no permission to touch the specified keys")
	case aclDeniedChannel:
		return Error(execNoPermPrefix + "no permission to access one of the channels used as arguments")
	}
	return Error(execNoPermPrefix + "no permission to execute the command or subcommand")
}

// checkQueuedACL checks a command EXEC is about to run; a non-nil error
// is the command's reply in EXEC's array.
func (c *Ctx) checkQueuedACL(spec *Spec, args [][]byte) error {
	ref := c.Client.acl.user.Load()
	if ref == nil || ref.load().unrestricted {
		return nil
	}
	reason, pos, sub := c.aclDenied(ref.load(), spec, args)
	if reason == aclOK {
		return nil
	}
	c.e.acl.denied(c, reason, logMulti, logObject(reason, sub, args, pos), ref.name)
	return execNoPerm(reason)
}

// checkScriptACL checks a command a script calls; the error is the text
// redis.call raises.
func (c *Ctx) checkScriptACL(spec *Spec, args [][]byte) Error {
	ref := c.Client.acl.user.Load()
	if ref == nil || ref.load().unrestricted {
		return ""
	}
	reason, pos, sub := c.aclDenied(ref.load(), spec, args)
	if reason == aclOK {
		return ""
	}
	c.e.acl.denied(c, reason, logLua, logObject(reason, sub, args, pos), ref.name)
	switch reason {
	case aclDeniedKey:
		return errScriptNoPermKey
	case aclDeniedChannel:
		return errScriptNoPermChan
	}
	return errScriptNoPermCmd
}

func logObject(reason aclReason, spec *Spec, args [][]byte, pos int) string {
	if reason == aclDeniedCmd {
		return spec.FullName()
	}
	return string(args[pos])
}

func (c *Ctx) logContext() aclLogContext {
	if c.Client.InMulti() {
		return logMulti
	}
	return logTop
}

// --- ACL LOG ---

// denied counts a denial for INFO and logs it (Redis's addACLLogEntry).
func (a *aclUsers) denied(c *Ctx, reason aclReason, ctx aclLogContext, object, user string) {
	switch reason {
	case aclDeniedAuth:
		a.deniedAuth.Add(1)
	case aclDeniedCmd:
		a.deniedCmd.Add(1)
	case aclDeniedKey:
		a.deniedKey.Add(1)
	case aclDeniedChannel:
		a.deniedChannel.Add(1)
	}
	a.log.add(c, reason, ctx, object, user)
}

// aclLogContext is where a denial happened.
type aclLogContext uint8

const (
	logTop aclLogContext = iota
	logMulti
	logLua
)

var logContextNames = [...]string{"toplevel", "multi", "lua"}
var reasonNames = [...]string{aclDeniedCmd: "command", aclDeniedKey: "key", aclDeniedAuth: "auth", aclDeniedChannel: "channel"}

type aclLogEntry struct {
	count      int64
	reason     aclReason
	context    aclLogContext
	object     string
	username   string
	at         time.Time
	clientInfo string
}

// aclLog is ACL LOG's list, newest first. Safe for concurrent use.
type aclLog struct {
	mu      sync.Mutex
	entries []*aclLogEntry
	maxLen  int
}

// logGroupWindow is how close in time two denials must be to share an
// entry (Redis's ACL_LOG_GROUPING_MAX_TIME_DELTA).
const logGroupWindow = 60 * time.Second

func (l *aclLog) add(c *Ctx, reason aclReason, ctx aclLogContext, object, user string) {
	e := &aclLogEntry{count: 1, reason: reason, context: ctx, object: object, username: user,
		at: c.e.clock.Now(), clientInfo: c.e.clientLine(c.Client)}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, old := range l.entries[:min(10, len(l.entries))] {
		d := e.at.Sub(old.at)
		if old.reason == e.reason && old.context == e.context && old.object == e.object &&
			old.username == e.username && d <= logGroupWindow && d >= -logGroupWindow {
			old.count++
			old.at, old.clientInfo = e.at, e.clientInfo
			copy(l.entries[1:i+1], l.entries[:i])
			l.entries[0] = old
			return
		}
	}
	l.entries = append([]*aclLogEntry{e}, l.entries...)
	if len(l.entries) > l.maxLen {
		l.entries = l.entries[:l.maxLen]
	}
}

func aclLogCmd(c *Ctx) error {
	count := int64(10)
	if len(c.Args) > 3 {
		return ACLSubcommandSyntax(c.Args[1])
	}
	l := &c.e.acl.log
	if len(c.Args) == 3 {
		if equalFold(c.Args[2], "reset") {
			l.mu.Lock()
			l.entries = nil
			l.mu.Unlock()
			c.OK()
			return nil
		}
		n, err := parseInt(c.Args[2])
		if err != nil {
			return err
		}
		count = max(n, 0)
	}
	l.mu.Lock()
	entries := make([]aclLogEntry, min(int(min(count, int64(len(l.entries)))), len(l.entries)))
	for i := range entries {
		entries[i] = *l.entries[i]
	}
	l.mu.Unlock()
	now := c.e.clock.Now()
	c.Array(len(entries))
	for _, e := range entries {
		c.Map(7)
		c.BulkString("count")
		c.Int(e.count)
		c.BulkString("reason")
		c.BulkString(reasonNames[e.reason])
		c.BulkString("context")
		c.BulkString(logContextNames[e.context])
		c.BulkString("object")
		c.BulkString(e.object)
		c.BulkString("username")
		c.BulkString(e.username)
		c.BulkString("age-seconds")
		c.Double(float64(now.Sub(e.at).Milliseconds()) / 1000)
		c.BulkString("client-info")
		c.BulkString(e.clientInfo)
	}
	return nil
}

// --- ACL subcommands ---

func aclCmd(c *Ctx) error { return c.Sub("ACL") }

func aclSetUser(c *Ctx) error {
	name := string(c.Args[2])
	if hasSpace(name) {
		return ErrUsernameSpaces
	}
	rules := make([]string, len(c.Args)-3)
	for i, a := range c.Args[3:] {
		rules[i] = string(a)
	}
	if _, bad := mergeSelectors(rules); bad >= 0 {
		return ACLUnmatchedParen(string(c.Args[3+bad]))
	}
	ref, old, err := c.e.acl.setUser(name, rules)
	if err != nil {
		re := err.(*RuleError)
		return ACLSetUserError(re.Rule, re.Err)
	}
	if old != nil {
		c.e.killRevokedSubscribers(c, ref, old)
	}
	c.OK()
	return nil
}

// killRevokedSubscribers closes the connections of ref's clients
// subscribed to a channel or pattern that its new rules no longer allow,
// as Redis's ACLKillPubsubClientsIfNeeded: nothing is checked when a
// selector allows every channel, or when the new channel rules include
// all the old ones.
func (e *Engine) killRevokedSubscribers(c *Ctx, ref *userRef, old *aclUser) {
	u := ref.load()
	var now []string
	for _, s := range u.selectors {
		if s.allChannels {
			return
		}
		now = append(now, s.channels...)
	}
	superset := true
	for _, s := range old.selectors {
		for _, ch := range s.channels {
			superset = superset && slices.Contains(now, ch)
		}
	}
	if superset {
		return
	}
	allowed := &aclSelector{channels: now}
	kill := map[*Client]bool{}
	e.pubsub.mu.RLock()
	for k := range e.pubsub.subs {
		for name, list := range e.pubsub.subs[k] {
			for _, cl := range list {
				if cl.acl.user.Load() == ref && !allowed.channelAllowed([]byte(name), subKind(k) == kindPattern) {
					kill[cl] = true
				}
			}
		}
	}
	e.pubsub.mu.RUnlock()
	for cl := range kill {
		if c != nil && cl == c.Client {
			cl.Quit = true
		} else if l := cl.link.Load(); l != nil {
			(*l).Close()
		}
	}
}

func aclDelUser(c *Ctx) error {
	for _, n := range c.Args[2:] {
		if string(n) == defaultUser {
			return ErrDeleteDefault
		}
	}
	names := make([]string, len(c.Args)-2)
	for i, n := range c.Args[2:] {
		names[i] = string(n)
	}
	gone := c.e.acl.delete(names)
	c.e.disconnectUsers(c, gone)
	c.Int(int64(len(gone)))
	return nil
}

// disconnectUsers closes the connections of clients logged in as one of
// refs; the calling client is closed after its reply.
func (e *Engine) disconnectUsers(c *Ctx, refs []*userRef) {
	if len(refs) == 0 {
		return
	}
	victims := e.clientsWhere(func(cl *Client) bool {
		r := cl.acl.user.Load()
		for _, g := range refs {
			if r == g {
				return true
			}
		}
		return false
	})
	for _, cl := range victims {
		cl.acl.user.Store(e.acl.def)
		cl.flags.set(flagAuthed, false)
		if c != nil && cl == c.Client {
			cl.Quit = true
			continue
		}
		if l := cl.link.Load(); l != nil {
			(*l).Close()
		}
	}
}

// delete removes the users named and returns those that existed.
func (a *aclUsers) delete(names []string) []*userRef {
	a.mu.Lock()
	defer a.mu.Unlock()
	var gone []*userRef
	a.replace(func(m map[string]*userRef) {
		for _, n := range names {
			if r, ok := m[n]; ok {
				gone = append(gone, r)
				delete(m, n)
			}
		}
	})
	return gone
}

func aclGetUser(c *Ctx) error {
	ref := c.e.acl.get(string(c.Args[2]))
	if ref == nil {
		c.Null()
		return nil
	}
	u := ref.load()
	t := c.e.table
	c.Map(6)
	c.BulkString("flags")
	flags := u.flags()
	c.Set(len(flags))
	for _, f := range flags {
		c.BulkString(f)
	}
	c.BulkString("passwords")
	bulkStrings(c, u.passwords)
	writeSelector(c, t, u.root())
	c.BulkString("selectors")
	c.Array(len(u.selectors) - 1)
	for _, s := range u.selectors[1:] {
		c.Map(3)
		writeSelector(c, t, s)
	}
	return nil
}

func writeSelector(c *Ctx, t *Table, s *aclSelector) {
	c.BulkString("commands")
	c.BulkString(s.describeCommands(t))
	c.BulkString("keys")
	c.BulkString(s.keysText())
	c.BulkString("channels")
	c.BulkString(s.channelsText())
}

func aclList(c *Ctx) error {
	bulkStrings(c, c.e.acl.lines())
	return nil
}

// bulkStrings writes list as an array of bulk strings.
func bulkStrings(c *Ctx, list []string) {
	c.Array(len(list))
	for _, s := range list {
		c.BulkString(s)
	}
}

// lines are the users in the ACL file's form, sorted by name.
func (a *aclUsers) lines() []string {
	names := a.names()
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "user " + n + " " + a.get(n).load().describe(a.table)
	}
	return out
}

func aclUsersCmd(c *Ctx) error {
	bulkStrings(c, c.e.acl.names())
	return nil
}

func aclWhoAmI(c *Ctx) error {
	c.BulkString(c.Client.UserName())
	return nil
}

func aclCat(c *Ctx) error {
	if len(c.Args) > 3 {
		return ACLSubcommandSyntax(c.Args[1])
	}
	if len(c.Args) == 2 {
		bulkStrings(c, catNames[:])
		return nil
	}
	cat, ok := categoryByName(string(c.Args[2]))
	if !ok {
		return ACLUnknownCategory(c.Args[2])
	}
	var names []string
	for _, s := range c.e.table.byID {
		if s.aclCats&cat != 0 {
			names = append(names, s.FullName())
		}
	}
	bulkStrings(c, names)
	return nil
}

func aclGenPass(c *Ctx) error {
	if len(c.Args) > 3 {
		return ACLSubcommandSyntax(c.Args[1])
	}
	bits := int64(256)
	if len(c.Args) == 3 {
		n, err := parseInt(c.Args[2])
		if err != nil {
			return err
		}
		bits = n
	}
	if bits <= 0 || bits > 4096 {
		return ErrGenpassBits
	}
	chars := (bits + 3) / 4
	raw := make([]byte, (chars+1)/2)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	c.BulkString(hex.EncodeToString(raw)[:chars])
	return nil
}

// aclDryRun is ACL DRYRUN username command [arg ...].
func aclDryRun(c *Ctx) error {
	ref := c.e.acl.get(string(c.Args[2]))
	if ref == nil {
		return ACLDryRunNoUser(c.Args[2])
	}
	args := c.Args[3:]
	spec := c.e.table.Lookup(args[0])
	if spec != nil && len(spec.Subcommands) > 0 && (len(args) < 2 || spec.findSub(args[1]) == nil) {
		spec = nil
	}
	if spec == nil {
		return ACLDryRunNoCommand(args[0])
	}
	full := spec
	if len(spec.Subcommands) > 0 {
		full = spec.findSub(args[1])
	}
	if !full.arityOK(len(args)) {
		return WrongArity(full.FullName())
	}
	reason, pos, spec := c.aclDenied(ref.load(), spec, args)
	switch reason {
	case aclOK:
		c.OK()
	case aclDeniedCmd:
		c.BulkString("This user has no permissions to run the '" + spec.FullName() + "' command")
	case aclDeniedKey:
		c.BulkString("This user has no permissions to access the '" + string(args[pos]) + "' key")
	case aclDeniedChannel:
		c.BulkString("This user has no permissions to access the '" + string(args[pos]) + "' channel")
	}
	return nil
}

func aclHelp(c *Ctx) error {
	return helpReply(c, "ACL", []string{
		"CAT [<category>]",
		"    List all commands that belong to <category>, or all command categories",
		"    when no category is specified.",
		"DELUSER <username> [<username> ...]",
		"    Delete a list of users.",
		"DRYRUN <username> <command> [<arg> ...]",
		"    Returns whether the user can execute the given command without executing the command.",
		"GETUSER <username>",
		"    Get the user's details.",
		"GENPASS [<bits>]",
		"    Generate a secure 256-bit user password. The optional `bits` argument can",
		"    be used to specify a different size.",
		"LIST",
		"    Show users details in config file format.",
		"LOAD",
		"    Reload users from the ACL file.",
		"LOG [<count> | RESET]",
		"    Show the ACL log entries.",
		"SAVE",
		"    Save the current config to the ACL file.",
		"SETUSER <username> <attribute> [<attribute> ...]",
		"    Create or modify a user with the specified attributes.",
		"USERS",
		"    List all the registered usernames.",
		"WHOAMI",
		"    Return the current connection username.",
	})
}

// params are acllog-max-len and requirepass.
func (a *aclUsers) params() []Param {
	return []Param{
		IntParam("acllog-max-len", 0, 1<<31-1, func() int64 {
			a.log.mu.Lock()
			defer a.log.mu.Unlock()
			return int64(a.log.maxLen)
		}, func(n int64) error {
			a.log.mu.Lock()
			defer a.log.mu.Unlock()
			a.log.maxLen = int(n) // the log shrinks at its next entry, as Redis's
			return nil
		}),
		{Name: "requirepass", Get: a.requirepass, Set: func(v string) error { a.setRequirepass(v); return nil }},
	}
}

// infoFields are INFO stats' acl_access_denied_* counters (Redis 7.2's
// names; 7.0 counts the denials in ACL LOG only).
func (a *aclUsers) infoFields() [][2]string {
	return [][2]string{
		{"acl_access_denied_auth", strconv.FormatInt(a.deniedAuth.Load(), 10)},
		{"acl_access_denied_cmd", strconv.FormatInt(a.deniedCmd.Load(), 10)},
		{"acl_access_denied_key", strconv.FormatInt(a.deniedKey.Load(), 10)},
		{"acl_access_denied_channel", strconv.FormatInt(a.deniedChannel.Load(), 10)},
	}
}

// resetStats zeroes the counters (CONFIG RESETSTAT).
func (a *aclUsers) resetStats() {
	a.deniedAuth.Store(0)
	a.deniedCmd.Store(0)
	a.deniedKey.Store(0)
	a.deniedChannel.Store(0)
}
