package command

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"redpool/session/resp"
)

// Client-side caching, as Redis 7.0's tracking.c.
//
// A client turns tracking on with CLIENT TRACKING ON. In the default mode
// the engine remembers, in its tracking table, the keys each such client
// reads (the keys of its ReadOnly commands, known from their Spec, looked
// up or not; in OPTIN mode only after CLIENT CACHING YES, in OPTOUT mode
// unless CLIENT CACHING NO came just before). When a key is changed, the
// clients that may cache it get one invalidation message and are
// forgotten for it. In BCAST mode the table is not used: the client gets
// the changed keys that start with one of its prefixes (none: every key).
// A message goes to the client itself as a RESP3 push ("invalidate",
// [keys]), or to the client it redirects to: a RESP3 push too, or, for a
// RESP2 client in Pub/Sub mode, a message on __redis__:invalidate. A RESP2
// client without redirection gets nothing, as in Redis. FLUSHDB and
// FLUSHALL send a null invalidation to every tracking client and empty
// the table.
//
// Ordering. A read remembers its keys before its transaction opens, and a
// write invalidates the keys it changed after it commits (the keys are
// gathered under its locks, where the WATCH marks are made: Ctx.logCommand
// → trackWritten). So a reader either is remembered before the write's
// invalidation (and gets it) or reads after the write committed (and sees
// the new value): a cached value is never left stale, on bolt, whose reads
// do not wait for writes, too. Messages are pushed on the receiving
// client's outbox (Engine.Push): for the writer itself they follow its
// reply. An expired key is invalidated when the backend removes it
// (Engine.KeyExpired).
//
// The table holds at most tracking-table-max-keys keys: a remembered key
// beyond it makes random keys be invalidated until it fits, as Redis's
// trackingLimitUsedSlots.

// clientTracking is a client's tracking state, made by its first CLIENT
// TRACKING ON and kept for its life (Client.tracking). on is read without
// a lock (the client's own session checks it on every command); the rest
// is guarded by the engine's tracking.mu, as other clients' writes read
// it.
type clientTracking struct {
	on          atomic.Bool
	bcast       bool
	optin       bool
	optout      bool
	noloop      bool
	caching     bool // CLIENT CACHING YES (OPTIN) or NO (OPTOUT) given; written by the client's session only
	brokenRedir bool
	redirect    int64
	prefixes    []string // BCAST prefixes, sorted
}

// tracks returns cl's tracking state while tracking is on, else nil.
// Safe for concurrent use; the state's fields but on need tracking.mu.
func (cl *Client) tracks() *clientTracking {
	if ct := cl.tracking.Load(); ct != nil && ct.on.Load() {
		return ct
	}
	return nil
}

// trackingTable is the engine's tracking state. Safe for concurrent use.
type trackingTable struct {
	clients atomic.Int64 // clients with tracking on: nothing is done while 0
	maxKeys atomic.Int64 // tracking-table-max-keys; 0: no limit

	mu sync.Mutex
	// keys maps a key name to the ids of the clients that may cache it.
	// Key names are of any database, as in Redis.
	keys     map[string]map[int64]struct{}
	items    int                  // (key, client) pairs in keys
	prefixes map[string][]*Client // BCAST prefix → its clients, by id
}

// info returns INFO's tracking_total_keys, tracking_total_items and
// tracking_total_prefixes.
func (t *trackingTable) info() (keys, items, prefixes int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keys), t.items, len(t.prefixes)
}

// trackingMaxKeysDefault is Redis's tracking-table-max-keys default.
const trackingMaxKeysDefault = 1000000

// active reports whether any client tracks (cheap).
func (t *trackingTable) active() bool { return t.clients.Load() != 0 }

// param is tracking-table-max-keys.
func (t *trackingTable) param() Param {
	t.maxKeys.Store(trackingMaxKeysDefault)
	return IntParam("tracking-table-max-keys", 0, math.MaxInt64, t.maxKeys.Load,
		func(n int64) error { t.maxKeys.Store(n); return nil })
}

// trackingOptions are CLIENT TRACKING's options.
type trackingOptions struct {
	on                           bool
	redirect                     int64
	bcast, optin, optout, noloop bool
	prefixes                     []string
}

// parseTrackingOptions parses CLIENT TRACKING ON|OFF [REDIRECT id]
// [PREFIX p]... [BCAST] [OPTIN] [OPTOUT] [NOLOOP] as Redis: the options
// in order, then ON or OFF.
func (c *Ctx) parseTrackingOptions() (trackingOptions, error) {
	var o trackingOptions
	args := c.Args
	for j := 3; j < len(args); j++ {
		more := j+1 < len(args)
		switch opt := args[j]; {
		case equalFold(opt, "redirect") && more:
			j++
			if o.redirect != 0 {
				return o, ErrTrackingRedirectTwice
			}
			id, err := parseInt(args[j])
			if err != nil {
				return o, err
			}
			if c.e.clientByID(id) == nil {
				return o, ErrTrackingNoRedirect
			}
			o.redirect = id
		case equalFold(opt, "bcast"):
			o.bcast = true
		case equalFold(opt, "optin"):
			o.optin = true
		case equalFold(opt, "optout"):
			o.optout = true
		case equalFold(opt, "noloop"):
			o.noloop = true
		case equalFold(opt, "prefix") && more:
			j++
			o.prefixes = append(o.prefixes, string(args[j]))
		default:
			return o, ErrSyntax
		}
	}
	switch {
	case equalFold(args[2], "on"):
		o.on = true
	case equalFold(args[2], "off"):
	default:
		return o, ErrSyntax
	}
	return o, nil
}

// clientByID returns the connected client id, or nil.
func (e *Engine) clientByID(id int64) *Client {
	e.clients.mu.Lock()
	defer e.clients.mu.Unlock()
	return e.clients.byID[id]
}

// clientTrackingCmd is CLIENT TRACKING.
func clientTrackingCmd(c *Ctx) error {
	o, err := c.parseTrackingOptions()
	if err != nil {
		return err
	}
	t := &c.e.tracking
	if !o.on {
		t.disable(c.Client)
		c.OK()
		return nil
	}
	t.mu.Lock()
	err = t.enable(c.Client, o)
	t.mu.Unlock()
	if err != nil {
		return err
	}
	c.OK()
	return nil
}

// enable turns tracking on for cl with o, checking o against itself and
// the client's current mode as Redis does. t.mu is held.
func (t *trackingTable) enable(cl *Client, o trackingOptions) error {
	ct := cl.tracking.Load()
	if ct == nil {
		ct = new(clientTracking) // the client's once o is accepted
	}
	on := ct.on.Load()
	switch {
	case !o.bcast && len(o.prefixes) > 0:
		return ErrTrackingPrefixNoBcast
	case on && ct.bcast != o.bcast:
		return ErrTrackingSwitchBcast
	case o.bcast && (o.optin || o.optout):
		return ErrTrackingOptBcast
	case o.optin && o.optout:
		return ErrTrackingOptinOptout
	case on && ((o.optin && ct.optout) || (o.optout && ct.optin)):
		return ErrTrackingSwitchOpt
	}
	if o.bcast {
		if err := prefixCollision(ct.prefixes, o.prefixes); err != nil {
			return err
		}
	}
	if !on {
		t.clients.Add(1)
	}
	cl.tracking.Store(ct)
	ct.brokenRedir, ct.bcast = false, o.bcast
	ct.optin, ct.optout, ct.noloop = o.optin, o.optout, o.noloop
	ct.redirect = o.redirect
	if o.bcast {
		prefixes := o.prefixes
		if len(prefixes) == 0 {
			prefixes = []string{""}
		}
		for _, p := range prefixes {
			t.addPrefix(cl, p)
		}
	}
	ct.on.Store(true)
	return nil
}

// prefixCollision checks BCAST prefixes as Redis's
// checkPrefixCollisionsOrReply: none may be a prefix of another, given
// now or before.
func prefixCollision(existing, given []string) error {
	overlap := func(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }
	for i, p := range given {
		for _, q := range existing {
			if overlap(q, p) {
				return trackingPrefixOverlap(p, q, "an existing")
			}
		}
		for _, q := range given[i+1:] {
			if overlap(p, q) {
				return trackingPrefixOverlap(p, q, "another provided")
			}
		}
	}
	return nil
}

// addPrefix subscribes cl to the changed keys starting with p. t.mu is
// held.
func (t *trackingTable) addPrefix(cl *Client, p string) {
	ct := cl.tracking.Load()
	if i, found := slices.BinarySearch(ct.prefixes, p); !found {
		ct.prefixes = slices.Insert(ct.prefixes, i, p)
	}
	if t.prefixes == nil {
		t.prefixes = make(map[string][]*Client)
	}
	list := t.prefixes[p]
	i, found := slices.BinarySearchFunc(list, cl.ID, func(c *Client, id int64) int { return compareInt(c.ID, id) })
	if !found {
		t.prefixes[p] = slices.Insert(list, i, cl)
	}
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// disable turns tracking off for cl (CLIENT TRACKING OFF, RESET, the
// connection's end). The keys it may cache stay in the table until they
// change, as in Redis; it is skipped then.
func (t *trackingTable) disable(cl *Client) {
	ct := cl.tracks()
	if ct == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range ct.prefixes {
		list := slices.DeleteFunc(t.prefixes[p], func(c *Client) bool { return c == cl })
		if len(list) == 0 {
			delete(t.prefixes, p)
		} else {
			t.prefixes[p] = list
		}
	}
	ct.on.Store(false) // other clients read it without t.mu
	ct.bcast, ct.optin, ct.optout, ct.noloop = false, false, false, false
	ct.caching, ct.brokenRedir, ct.redirect, ct.prefixes = false, false, 0, nil
	t.clients.Add(-1)
}

// listFields returns the tracking flags of CLIENT LIST's flags field
// ("t" on, "R" broken redirection, "B" BCAST) and its redir field (-1:
// tracking off).
func (t *trackingTable) listFields(cl *Client) (flags string, redir int64) {
	ct := cl.tracks()
	if ct == nil {
		return "", -1
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	flags = "t"
	if ct.brokenRedir {
		flags += "R"
	}
	if ct.bcast {
		flags += "B"
	}
	return flags, ct.redirect
}

// clientCaching is CLIENT CACHING YES|NO.
func clientCaching(c *Ctx) error {
	t, ct := &c.e.tracking, c.Client.tracks()
	if ct == nil {
		return ErrCachingNoTracking
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch arg := c.Args[2]; {
	case equalFold(arg, "yes") && ct.optin, equalFold(arg, "no") && ct.optout:
		ct.caching = true
	case equalFold(arg, "yes"):
		return ErrCachingYesNoOptin
	case equalFold(arg, "no"):
		return ErrCachingNoNoOptout
	default:
		return ErrSyntax
	}
	c.OK()
	return nil
}

// clientGetRedir is CLIENT GETREDIR: the client tracking redirects to, 0
// if none, -1 if tracking is off.
func clientGetRedir(c *Ctx) error {
	t := &c.e.tracking
	t.mu.Lock()
	redirect := int64(-1)
	if ct := c.Client.tracks(); ct != nil {
		redirect = ct.redirect
	}
	t.mu.Unlock()
	c.Int(redirect)
	return nil
}

// clientTrackingInfo is CLIENT TRACKINGINFO.
func clientTrackingInfo(c *Ctx) error {
	t, ct := &c.e.tracking, c.Client.tracking.Load()
	if ct == nil {
		ct = new(clientTracking) // never on: off, with no options
	}
	t.mu.Lock()
	on := ct.on.Load()
	flags := []string{"off"}
	redirect := int64(-1)
	if on {
		flags[0], redirect = "on", ct.redirect
	}
	add := func(ok bool, flag string) {
		if ok {
			flags = append(flags, flag)
		}
	}
	add(ct.bcast, "bcast")
	add(ct.optin, "optin")
	add(ct.optin && ct.caching, "caching-yes")
	add(ct.optout, "optout")
	add(ct.optout && ct.caching, "caching-no")
	add(ct.noloop, "noloop")
	add(ct.brokenRedir, "broken_redirect")
	prefixes := slices.Clone(ct.prefixes)
	t.mu.Unlock()
	c.Map(3)
	c.BulkString("flags")
	c.Set(len(flags))
	for _, f := range flags {
		c.BulkString(f)
	}
	c.BulkString("redirect")
	c.Int(redirect)
	c.BulkString("prefixes")
	c.Array(len(prefixes))
	for _, p := range prefixes {
		c.BulkString(p)
	}
	return nil
}

// trackRead remembers the keys of a ReadOnly command the client is about
// to run, if it tracks them (Redis's trackingRememberKeys). It runs before
// the command's transaction opens.
func (c *Ctx) trackRead(spec *Spec, args [][]byte) {
	cl := c.Client
	ct := cl.tracks()
	if ct == nil {
		return
	}
	keys, _, _ := spec.keys(c.keyBuf[:0], args)
	c.keyBuf = keys[:0]
	if len(keys) == 0 {
		return
	}
	t := &c.e.tracking
	var evicted []trackingMsg
	t.mu.Lock()
	if !ct.bcast && !(ct.optin && !ct.caching) && !(ct.optout && ct.caching) {
		if t.keys == nil {
			t.keys = make(map[string]map[int64]struct{})
		}
		for _, k := range keys {
			ids := t.keys[string(k)]
			if ids == nil {
				ids = make(map[int64]struct{})
				t.keys[string(k)] = ids
			}
			if _, dup := ids[cl.ID]; !dup {
				ids[cl.ID] = struct{}{}
				t.items++
			}
		}
		evicted = t.limit(c.e)
	}
	t.mu.Unlock()
	c.e.pushAll(evicted)
}

// trackingAfterCommand ends what CLIENT CACHING allowed for one command:
// outside MULTI, any command but CLIENT itself uses it up, as in Redis.
// (Only the client's own session writes caching, so it reads it without
// the lock.)
func (c *Ctx) trackingAfterCommand(spec *Spec) {
	cl := c.Client
	if !cachingPending(cl) || cl.InMulti() || (spec != nil && spec.Name == "client") {
		return
	}
	t := &c.e.tracking
	t.mu.Lock()
	cl.tracking.Load().caching = false
	t.mu.Unlock()
}

// cachingPending reports whether a CLIENT CACHING of cl's waits for its
// next command; for cl's own session only, which alone writes caching.
func cachingPending(cl *Client) bool {
	ct := cl.tracking.Load()
	return ct != nil && ct.caching
}

// limit invalidates random keys while the table holds more than
// tracking-table-max-keys. t.mu is held; the messages are returned.
func (t *trackingTable) limit(e *Engine) []trackingMsg {
	max := t.maxKeys.Load()
	if max == 0 || int64(len(t.keys)) <= max {
		return nil
	}
	var out []trackingMsg
	for k := range t.keys { // Go's map order is random
		if int64(len(t.keys)) <= max {
			break
		}
		out = t.invalidateKey(e, out, nil, k)
	}
	return out
}

// trackingMsg is one message for a client.
type trackingMsg struct {
	to    *Client
	frame []byte
}

// pushAll queues the messages, outside every lock of the tracking table.
func (e *Engine) pushAll(msgs []trackingMsg) {
	for _, m := range msgs {
		e.Push(m.to, m.frame)
	}
}

// trackWritten records, under the command's locks, the keys a write
// changed, for their invalidation once it commits: the keys the WATCH
// machinery marks (see touchWatched), by name: those the command named
// with Touch, or else its key arguments. Keyless writes invalidate
// nothing here (FLUSHDB and FLUSHALL call trackFlush).
func (c *Ctx) trackWritten() {
	if !c.e.tracking.active() || c.spec == nil {
		return
	}
	if c.cmd.ownTouch { // the command named the keys it changed (Touch)
		for _, k := range c.cmd.touched {
			c.fx.invalid = append(c.fx.invalid, append([]byte(nil), k.key...))
		}
		return
	}
	keys, _, ok := c.spec.keys(c.watchBuf[:0], c.Args)
	if ok {
		for _, k := range keys {
			c.fx.invalid = append(c.fx.invalid, append([]byte(nil), k...))
		}
	}
	clear(keys)
	c.watchBuf = keys[:0]
}

// trackFlush records that the command flushes data (FLUSHDB, FLUSHALL):
// once it commits, every tracking client gets a null invalidation.
func (c *Ctx) trackFlush() {
	if c.e.tracking.active() {
		c.fx.flushed = true
	}
}

// deliverInvalidations sends the invalidations of a committed
// transaction.
func (c *Ctx) deliverInvalidations() {
	if !c.e.tracking.active() {
		return
	}
	if c.fx.flushed {
		c.e.tracking.flush(c.e)
	}
	if len(c.fx.invalid) > 0 {
		c.e.tracking.invalidate(c.e, c.Client, c.fx.invalid)
	}
}

// invalidate sends the invalidation messages for keys, changed by writer
// (nil: expiry): to the clients that may cache them, and to the BCAST
// clients of their prefixes.
func (t *trackingTable) invalidate(e *Engine, writer *Client, keys [][]byte) {
	if !t.active() {
		return
	}
	var out []trackingMsg
	t.mu.Lock()
	for _, k := range keys {
		if _, ok := t.keys[string(k)]; ok {
			out = t.invalidateKey(e, out, writer, string(k))
		}
	}
	out = t.broadcast(e, out, writer, keys)
	t.mu.Unlock()
	e.pushAll(out)
}

// invalidateKey appends to out the message for key to each client that
// may cache it, and forgets them for it (Redis's trackingInvalidateKey).
// t.mu is held.
func (t *trackingTable) invalidateKey(e *Engine, out []trackingMsg, writer *Client, key string) []trackingMsg {
	ids := t.keys[key]
	delete(t.keys, key)
	t.items -= len(ids)
	sorted := make([]int64, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)
	for _, id := range sorted {
		target := e.clientByID(id)
		if target == nil {
			continue
		}
		if ct := target.tracks(); ct == nil || ct.bcast || ct.noloop && target == writer {
			continue
		}
		out = t.message(e, out, target, func(dst []byte) []byte {
			return resp.AppendBulkString(resp.AppendArrayLen(dst, 1), key)
		})
	}
	return out
}

// broadcast appends the BCAST messages for keys: one per client and
// prefix, with the keys under the prefix, sorted, as Redis's
// trackingBroadcastInvalidationMessages. t.mu is held.
func (t *trackingTable) broadcast(e *Engine, out []trackingMsg, writer *Client, keys [][]byte) []trackingMsg {
	if len(t.prefixes) == 0 {
		return out
	}
	prefixes := make([]string, 0, len(t.prefixes))
	for p := range t.prefixes {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	for _, p := range prefixes {
		var matched []string
		for _, k := range keys {
			if strings.HasPrefix(string(k), p) {
				matched = append(matched, string(k))
			}
		}
		if len(matched) == 0 {
			continue
		}
		slices.Sort(matched)
		matched = slices.Compact(matched)
		for _, target := range t.prefixes[p] {
			if target.tracking.Load().noloop && target == writer {
				continue
			}
			out = t.message(e, out, target, func(dst []byte) []byte {
				dst = resp.AppendArrayLen(dst, len(matched))
				for _, k := range matched {
					dst = resp.AppendBulkString(dst, k)
				}
				return dst
			})
		}
	}
	return out
}

// flush sends every tracking client a null invalidation and empties the
// table (Redis's trackingInvalidateKeysOnFlush).
func (t *trackingTable) flush(e *Engine) {
	var targets []*Client
	e.clients.mu.Lock()
	for _, cl := range e.clients.byID {
		if cl.tracks() != nil {
			targets = append(targets, cl)
		}
	}
	e.clients.mu.Unlock()
	slices.SortFunc(targets, func(a, b *Client) int { return compareInt(a.ID, b.ID) })
	var out []trackingMsg
	t.mu.Lock()
	for _, cl := range targets {
		null := resp.AppendNull(nil)
		if cl.Proto() == 3 {
			null = resp.AppendNil(nil)
		}
		out = t.message(e, out, cl, func(dst []byte) []byte { return append(dst, null...) })
	}
	t.keys, t.items = nil, 0
	t.mu.Unlock()
	e.pushAll(out)
}

// message appends to out the invalidation for target whose value (the
// keys, or a null) value appends, as Redis's sendTrackingMessage: to
// target as a RESP3 push, or to the client it redirects to (a RESP3 push,
// or a __redis__:invalidate message for a RESP2 client in Pub/Sub mode);
// nothing for a RESP2 client without redirection. A redirection to a
// client that is gone is reported to target once per message, in RESP3.
// t.mu is held.
func (t *trackingTable) message(e *Engine, out []trackingMsg, target *Client, value func([]byte) []byte) []trackingMsg {
	to, redirected, ct := target, false, target.tracking.Load()
	if id := ct.redirect; id != 0 {
		to = e.clientByID(id)
		if to == nil {
			ct.brokenRedir = true
			if target.Proto() == 3 {
				frame := resp.AppendPushLen(nil, 2)
				frame = resp.AppendBulkString(frame, "tracking-redir-broken")
				frame = resp.AppendInt(frame, id)
				out = append(out, trackingMsg{target, frame})
			}
			return out
		}
		redirected = true
	}
	var frame []byte
	switch {
	case to.Proto() == 3:
		frame = resp.AppendBulkString(resp.AppendPushLen(nil, 2), "invalidate")
	case redirected && to.Subscribed():
		frame = resp.AppendArrayLen(nil, 3)
		frame = resp.AppendBulkString(frame, "message")
		frame = resp.AppendBulkString(frame, "__redis__:invalidate")
	default:
		return out
	}
	return append(out, trackingMsg{to, value(frame)})
}
