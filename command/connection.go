package command

import (
	"cmp"
	"redpool/session/resp"
	"slices"
	"strconv"
	"time"
)

// RedisVersion is the Redis version redpool reports (HELLO, INFO).
const RedisVersion = "7.0.15"

func connectionCommands() []Spec {
	return []Spec{
		{Name: "ping", Arity: -1, Flags: Fast | SubscribedOK, Run: ping, Group: "connection", Summary: "Returns the server's liveliness response.", Since: "1.0.0"},
		{Name: "echo", Arity: 2, Flags: Fast, Run: echo, Group: "connection", Summary: "Returns the given string.", Since: "1.0.0"},
		{Name: "quit", Arity: -1, Flags: NoScript | AllowBusy | Fast | RunsInMulti | SubscribedOK, Run: quit, Group: "connection", Summary: "Closes the connection.", Since: "1.0.0"},
		{Name: "select", Arity: 2, Flags: Fast, Run: selectDB, Group: "connection", Summary: "Changes the selected database.", Since: "1.0.0"},
		{Name: "reset", Arity: 1, Flags: NoScript | AllowBusy | Fast | RunsInMulti | SubscribedOK, Run: reset, Group: "connection", Summary: "Resets the connection.", Since: "6.2.0"},
		{Name: "hello", Arity: -1, Flags: NoScript | AllowBusy | Fast, Run: hello, Group: "connection", Summary: "Handshakes with the Redis server.", Since: "6.0.0"},
		{Name: "client", Arity: -2, Run: client, Group: "connection", Summary: "A container for client connection commands.", Since: "2.4.0",
			Subcommands: []Spec{
				{Name: "id", Arity: 2, Flags: NoScript, Run: clientID, Summary: "Returns the unique client ID of the connection."},
				{Name: "getname", Arity: 2, Flags: NoScript, Run: clientGetName, Summary: "Returns the name of the connection."},
				{Name: "setname", Arity: 3, Flags: NoScript, Run: clientSetName, Summary: "Sets the connection name."},
				{Name: "setinfo", Arity: 4, Flags: NoScript, Run: clientSetInfo, Summary: "Sets information specific to the client or connection."},
				{Name: "info", Arity: 2, Flags: NoScript, Run: clientInfo, Summary: "Returns information about the connection."},
				{Name: "list", Arity: -2, Flags: Admin | NoScript, Run: clientList, Summary: "Lists open connections."},
				{Name: "kill", Arity: -3, Flags: Admin | NoScript, Run: clientKill, Summary: "Terminates open connections."},
				{Name: "reply", Arity: 3, Flags: NoScript, Run: clientReply, Summary: "Instructs the server whether to reply to commands."},
				{Name: "no-evict", Arity: 3, Flags: Admin | NoScript, Run: clientNoEvict, Summary: "Sets the client eviction mode of the connection."},
				{Name: "unblock", Arity: -3, Flags: Admin | NoScript, Run: clientUnblock, Summary: "Unblocks a client blocked by a blocking command from a different connection."},
				{Name: "pause", Arity: -3, Flags: Admin | NoScript, Run: clientPause, Summary: "Suspends commands processing."},
				{Name: "unpause", Arity: 2, Flags: Admin | NoScript, Run: clientUnpause, Summary: "Resumes processing commands from paused clients."},
				{Name: "help", Arity: 2, Run: clientHelp, Summary: "Returns helpful text about the different subcommands."},
				{Name: "tracking", Arity: -3, Flags: NoScript, Run: clientTrackingCmd, Summary: "Controls server-assisted client-side caching for the connection."},
				{Name: "caching", Arity: 3, Flags: NoScript, Run: clientCaching, Summary: "Instructs the server whether to track the keys in the next request."},
				{Name: "getredir", Arity: 2, Flags: NoScript, Run: clientGetRedir, Summary: "Returns the client ID to which the connection's tracking notifications are redirected."},
				{Name: "trackinginfo", Arity: 2, Flags: NoScript, Run: clientTrackingInfo, Summary: "Returns information about server-assisted client-side caching for the connection."},
			}},
	}
}

// ping replies PONG, or its argument; a RESP2 client in subscribed mode
// gets the array of "pong" and the argument (empty without one).
func ping(c *Ctx) error {
	if len(c.Args) > 2 {
		return WrongArity("ping")
	}
	if c.Client.Subscribed() && !c.resp3() {
		c.Array(2)
		c.BulkString("pong")
		if len(c.Args) == 2 {
			c.Bulk(c.Args[1])
		} else {
			c.BulkString("")
		}
		return nil
	}
	if len(c.Args) == 2 {
		c.Bulk(c.Args[1])
	} else {
		c.Simple("PONG")
	}
	return nil
}

func echo(c *Ctx) error {
	c.Bulk(c.Args[1])
	return nil
}

func quit(c *Ctx) error {
	c.OK()
	c.Client.Quit = true
	return nil
}

// reset is RESET: the connection goes back to the state of a new one, as
// Redis's clearClientConnectionState: no transaction and no watched keys,
// no subscriptions, database 0, RESP2, no name, no client-side caching,
// and the default user, authenticated only if it needs no password.
func reset(c *Ctx) error {
	cl := c.Client
	cl.multi.reset()
	c.unwatchAll()
	c.e.pubsub.unsubscribeAll(cl)
	c.e.tracking.disable(cl)
	cl.SetDB(0)
	cl.SetProto(2)
	cl.setName("")
	c.e.acl.initClient(cl)
	c.Simple("RESET")
	return nil
}

func selectDB(c *Ctx) error {
	n, err := parseInt(c.Args[1])
	if err != nil {
		return ErrNotInteger
	}
	if n != 0 && c.e.clusterOn() {
		return ErrClusterSelect
	}
	if n < 0 || n >= int64(c.e.backend.Databases()) {
		return ErrDBIndex
	}
	c.Client.SetDB(int(n))
	c.OK()
	return nil
}

// hello is HELLO [protover [AUTH username password] [SETNAME clientname]].
// As in Redis 7.0 the options take effect in order (a name set before a
// bad option stays set) and the protocol switches only when all succeed;
// without protover the protocol stays as it is. AUTH logs in as AUTH
// does; a client still not authenticated after the options gets NOAUTH.
func hello(c *Ctx) error {
	args := c.Args[1:]
	proto := 0
	if len(args) > 0 {
		v, err := parseInt(args[0])
		if err != nil {
			return ErrProtoVersion
		}
		if v != 2 && v != 3 {
			return ErrNoProto
		}
		proto = int(v)
		args = args[1:]
	}
	for len(args) > 0 {
		switch {
		case equalFold(args[0], "auth") && len(args) >= 3:
			if err := c.authenticate(args[1], args[2]); err != nil {
				return err
			}
			args = args[3:]
		case equalFold(args[0], "setname") && len(args) >= 2:
			if err := validClientName(args[1]); err != nil {
				return err
			}
			c.Client.setName(string(args[1]))
			args = args[2:]
		default:
			return Error("ERR Syntax error in HELLO option '" + sanitize(string(args[0])) + "'")
		}
	}
	if !c.Client.flags.has(flagAuthed) {
		return ErrHelloNoAuth
	}
	if proto != 0 {
		c.Client.SetProto(proto)
	}
	c.Map(7)
	c.BulkString("server")
	c.BulkString("redis")
	c.BulkString("version")
	c.BulkString(RedisVersion)
	c.BulkString("proto")
	c.Int(int64(c.Client.Proto()))
	c.BulkString("id")
	c.Int(c.Client.ID)
	c.BulkString("mode")
	c.BulkString(c.e.serverMode())
	c.BulkString("role")
	c.BulkString("master")
	c.BulkString("modules")
	c.Array(0)
	return nil
}

func client(c *Ctx) error { return c.Sub("CLIENT") }

func clientID(c *Ctx) error {
	c.Int(c.Client.ID)
	return nil
}

func clientGetName(c *Ctx) error {
	if n := c.Client.Name(); n != "" {
		c.BulkString(n)
	} else {
		c.Null()
	}
	return nil
}

func clientSetName(c *Ctx) error {
	if err := validClientName(c.Args[2]); err != nil {
		return err
	}
	c.Client.setName(string(c.Args[2]))
	c.OK()
	return nil
}

// validClientName allows what Redis allows: printable ASCII without spaces.
func validClientName(b []byte) error {
	if !printableNoSpace(b) {
		return ErrClientName
	}
	return nil
}

func printableNoSpace(b []byte) bool {
	for _, ch := range b {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

func clientSetInfo(c *Ctx) error {
	attr, val := c.Args[2], c.Args[3]
	libName := equalFold(attr, "lib-name")
	if !libName && !equalFold(attr, "lib-ver") {
		return Error("ERR Unrecognized option '" + sanitize(string(attr)) + "'")
	}
	if !printableNoSpace(val) {
		return Error("ERR " + string(lowerASCII(nil, attr)) + " cannot contain spaces, newlines or special characters.")
	}
	c.Client.setNames(func(n *clientNames) {
		if libName {
			n.libName = string(val)
		} else {
			n.libVer = string(val)
		}
	})
	c.OK()
	return nil
}

func clientInfo(c *Ctx) error {
	c.Verbatim([]byte(c.e.clientLine(c.Client) + "\n"))
	return nil
}

// clientList is CLIENT LIST [TYPE type | ID id...]: every client in id
// order, those of one type, or the named ones in the order given.
func clientList(c *Ctx) error {
	var list []*Client
	switch {
	case len(c.Args) == 4 && equalFold(c.Args[2], "type"):
		typ, ok := clientTypeByName(c.Args[3])
		if !ok {
			return UnknownClientType(c.Args[3])
		}
		list = c.e.clientsWhere(func(cl *Client) bool { return cl.Type() == typ })
	case len(c.Args) > 3 && equalFold(c.Args[2], "id"):
		for _, a := range c.Args[3:] {
			id, ok := resp.ParseInt(a)
			if !ok {
				return ErrInvalidClientID
			}
			c.e.clients.mu.Lock()
			cl := c.e.clients.byID[id]
			c.e.clients.mu.Unlock()
			if cl != nil {
				list = append(list, cl)
			}
		}
	case len(c.Args) != 2:
		return ErrSyntax
	default:
		list = c.e.clientsWhere(func(*Client) bool { return true })
	}
	var out []byte
	for _, cl := range list {
		out = append(out, c.e.clientLine(cl)...)
		out = append(out, '\n')
	}
	c.Verbatim(out)
	return nil
}

// clientsWhere returns the clients keep accepts, in id order.
func (e *Engine) clientsWhere(keep func(*Client) bool) []*Client {
	e.clients.mu.Lock()
	list := make([]*Client, 0, len(e.clients.byID))
	for _, cl := range e.clients.byID {
		if keep(cl) {
			list = append(list, cl)
		}
	}
	e.clients.mu.Unlock()
	slices.SortFunc(list, func(a, b *Client) int { return cmp.Compare(a.ID, b.ID) })
	return list
}

// The client types of CLIENT LIST TYPE and CLIENT KILL TYPE.
const (
	ClientNormal  = "normal"
	ClientReplica = "replica"
	ClientPubSub  = "pubsub"
	ClientMaster  = "master"
)

// clientTypeByName parses a client type as Redis's getClientTypeByName
// ("slave" is "replica").
func clientTypeByName(b []byte) (string, bool) {
	for _, t := range []string{ClientNormal, ClientReplica, ClientPubSub, ClientMaster} {
		if equalFold(b, t) {
			return t, true
		}
	}
	if equalFold(b, "slave") {
		return ClientReplica, true
	}
	return "", false
}

// Type is the client's type for CLIENT LIST TYPE and CLIENT KILL TYPE,
// as Redis's getClientType: the primary's link, a replica, a subscriber
// (RESP2 or RESP3), else normal.
func (cl *Client) Type() string {
	switch {
	case cl.flags.has(flagFromPrimary):
		return ClientMaster
	case cl.flags.has(flagReplicaSynced):
		return ClientReplica
	case cl.Subscribed():
		return ClientPubSub
	}
	return ClientNormal
}

func clientHelp(c *Ctx) error {
	return helpReply(c, "CLIENT", []string{
		"CACHING (YES|NO)",
		"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
		"GETREDIR",
		"    Return the client ID we are redirecting to when tracking is enabled.",
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"UNPAUSE",
		"    Stop the current client pause, resuming traffic.",
		"PAUSE <timeout> [WRITE|ALL]",
		"    Suspend all, or just write, clients for <timeout> milliseconds.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
		"         [OPTIN] [OPTOUT] [NOLOOP]",
		"    Control server assisted client side caching.",
		"TRACKINGINFO",
		"    Report tracking status for the current connection.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
	})
}

// helpReply writes a HELP reply in Redis's layout.
func helpReply(c *Ctx, cmd string, lines []string) error {
	c.Array(len(lines) + 3)
	c.Simple(cmd + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.Simple(l)
	}
	c.Simple("HELP")
	c.Simple("    Prints this help.")
	return nil
}

func (cl *Client) setName(n string) {
	cl.setNames(func(names *clientNames) { names.name = n })
}

func (e *Engine) clientLine(cl *Client) string {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	names := cl.namesLocked()
	age := int64(cl.age(e.clock.Now()).Seconds())
	idle := min(int64(time.Since(e.epoch)/time.Second)-cl.active.Load(), age)
	cmd := "NULL"
	if s := cl.lastCmd.Load(); s != nil {
		cmd = s.FullName()
	}
	// The flags in Redis's order (catClientInfoString).
	flags := ""
	switch {
	case cl.flags.has(flagMonitor):
		flags += "O"
	case cl.flags.has(flagReplicaSynced):
		flags += "S"
	case cl.flags.has(flagFromPrimary):
		flags += "M"
	}
	if cl.Subscribed() {
		flags += "P"
	}
	queued, subs := cl.multiShown.Load(), cl.subs.Load()
	if queued > 0 {
		flags += "x"
	}
	if cl.flags.has(flagBlocked) {
		flags += "b"
	}
	trackFlags, redir := e.tracking.listFields(cl)
	flags += trackFlags
	if cl.flags.has(flagWatchTouched) {
		flags += "d"
	}
	if cl.flags.has(flagNoEvict) {
		flags += "e"
	}
	if flags == "" {
		flags = "N"
	}
	return "id=" + strconv.FormatInt(cl.ID, 10) + " addr=" + cl.Addr + " laddr=" + cl.LAddr +
		" fd=0 name=" + names.name + " age=" + strconv.FormatInt(age, 10) + " idle=" + strconv.FormatInt(idle, 10) + " flags=" + flags + " db=" +
		strconv.Itoa(cl.DB()) + " sub=" + strconv.Itoa(int(subs.countOf(kindChannel))) +
		" psub=" + strconv.Itoa(int(subs.countOf(kindPattern))) +
		" ssub=" + strconv.Itoa(int(subs.countOf(kindShard))) + " multi=" + strconv.Itoa(int(queued)-1) + " " + e.memFields(cl) + " events=r cmd=" +
		cmd + " user=" + cl.UserName() + " redir=" + strconv.FormatInt(redir, 10) + " resp=" + strconv.Itoa(cl.Proto()) + " lib-name=" + names.libName + " lib-ver=" + names.libVer
}

// parseInt parses a Redis integer argument exactly as Redis's string2ll:
// no sign but '-', no leading zeros, no spaces, within int64.
func parseInt(b []byte) (int64, error) {
	if n, ok := resp.ParseInt(b); ok {
		return n, nil
	}
	return 0, ErrNotInteger
}

// IdleCloser is what a Link may also be: CloseIdle closes the
// connection if its client waits for input with nothing running (nor
// blocked, nor paused), and reports whether it did.
type IdleCloser interface {
	CloseIdle() bool
}

// CloseIdleClients closes the connections of the clients idle for more
// than maxIdle, whole seconds as Redis's clientsCronHandleTimeout counts
// them: normal clients only (not a replica, not the primary's link, not
// a subscriber), waiting for input (their Link an IdleCloser), not
// blocked in a command; none while clients are paused. The sessions'
// own read deadlines close most idle clients on time; this catches
// those that began waiting before the timeout was set or shortened
// (CONFIG SET timeout). It returns how many it closed. Safe for
// concurrent use.
func (e *Engine) CloseIdleClients(maxIdle time.Duration) int {
	if e.pause.on.Load() {
		return 0
	}
	now := int64(time.Since(e.epoch) / time.Second)
	limit := int64(maxIdle / time.Second)
	var idle []IdleCloser
	e.clients.mu.Lock()
	for _, cl := range e.clients.byID {
		if now-cl.active.Load() <= limit || cl.Type() != ClientNormal || cl.flags.has(flagBlocked) {
			continue
		}
		if l := cl.link.Load(); l != nil {
			if ic, ok := (*l).(IdleCloser); ok {
				idle = append(idle, ic)
			}
		}
	}
	e.clients.mu.Unlock()
	n := 0
	for _, ic := range idle {
		if ic.CloseIdle() {
			n++
		}
	}
	return n
}
