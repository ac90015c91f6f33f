package command

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"redpool/session/resp"
)

// Pub/Sub, as Redis 7.0: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their
// UNSUBSCRIBEs, PUBLISH, SPUBLISH, PUBSUB.
//
// The engine's broker maps each channel, pattern and shard channel to its
// subscribers. PUBLISH encodes the message once per protocol and queues it
// on every subscriber's outbox (pubsub_outbox.go), which never blocks: the
// subscriber's own session writes it, at once if it is idle. A message a
// RESP3 client publishes to itself goes straight into its reply buffer,
// before PUBLISH's reply, as in Redis.
//
// A RESP2 client with a subscription is in subscribed mode: the
// dispatcher (Engine.Check) refuses every command but those flagged
// SubscribedOK. RESP3 clients may run anything; their subscription
// replies and messages are push frames.

func pubsubCommands() []Spec {
	const grp, sub = "pubsub", NoScript | SubscribedOK
	return []Spec{
		{Name: "subscribe", Arity: -2, Flags: sub, Run: subscribeCmd(kindChannel), Group: grp, Summary: "Listens for messages published to channels.", Since: "2.0.0"},
		{Name: "unsubscribe", Arity: -1, Flags: sub, Run: unsubscribeCmd(kindChannel), Group: grp, Summary: "Stops listening to messages posted to channels.", Since: "2.0.0"},
		{Name: "psubscribe", Arity: -2, Flags: sub, Run: subscribeCmd(kindPattern), Group: grp, Summary: "Listens for messages published to channels that match one or more patterns.", Since: "2.0.0"},
		{Name: "punsubscribe", Arity: -1, Flags: sub, Run: unsubscribeCmd(kindPattern), Group: grp, Summary: "Stops listening to messages published to channels that match one or more patterns.", Since: "2.0.0"},
		{Name: "ssubscribe", Arity: -2, Flags: sub, Keys: KeySpec{1, -1, 1}, Run: subscribeCmd(kindShard), Group: grp, Summary: "Listens for messages published to shard channels.", Since: "7.0.0"},
		{Name: "sunsubscribe", Arity: -1, Flags: sub, Keys: KeySpec{1, -1, 1}, Run: unsubscribeCmd(kindShard), Group: grp, Summary: "Stops listening to messages posted to shard channels.", Since: "7.0.0"},
		{Name: "publish", Arity: 3, Flags: Fast, Run: publishCmd(kindChannel), Group: grp, Summary: "Posts a message to a channel.", Since: "2.0.0"},
		{Name: "spublish", Arity: 3, Flags: Fast, Keys: KeySpec{1, 1, 1}, Run: publishCmd(kindShard), Group: grp, Summary: "Post a message to a shard channel", Since: "7.0.0"},
		{Name: "pubsub", Arity: -2, Run: pubsubCmd, Group: grp, Summary: "A container for Pub/Sub commands.", Since: "2.8.0",
			Subcommands: []Spec{
				{Name: "channels", Arity: -2, Run: pubsubChannels(kindChannel), Summary: "Returns the active channels."},
				{Name: "numsub", Arity: -2, Run: pubsubNumsub(kindChannel), Summary: "Returns a count of subscribers to channels."},
				{Name: "numpat", Arity: 2, Run: pubsubNumpat, Summary: "Returns a count of unique pattern subscriptions."},
				{Name: "shardchannels", Arity: -2, Run: pubsubChannels(kindShard), Summary: "Returns the active shard channels."},
				{Name: "shardnumsub", Arity: -2, Run: pubsubNumsub(kindShard), Summary: "Returns the count of subscribers of shard channels."},
				{Name: "help", Arity: 2, Run: pubsubHelp, Summary: "Returns helpful text about the different subcommands."},
			}},
	}
}

// subKind is what a subscription names: a channel, a pattern or a shard
// channel.
type subKind uint8

const (
	kindChannel subKind = iota
	kindPattern
	kindShard
	numKinds
)

// subscribeWord, unsubscribeWord and messageWord are the first element of
// a kind's replies and messages.
func (k subKind) subscribeWord() string {
	return [...]string{"subscribe", "psubscribe", "ssubscribe"}[k]
}

func (k subKind) unsubscribeWord() string {
	return [...]string{"unsubscribe", "punsubscribe", "sunsubscribe"}[k]
}

// broker is the engine's Pub/Sub registry: for each kind, the subscribers
// of each name. Safe for concurrent use: PUBLISH takes the read lock,
// subscribing and unsubscribing the write lock; nothing else is done under
// it but queueing on outboxes, which never blocks.
type broker struct {
	mu   sync.RWMutex
	subs [numKinds]map[string][]*Client
	// n counts (client, name) subscriptions of every kind, so that
	// publishing with no subscriber anywhere (keyspace events, mostly)
	// takes no lock.
	n atomic.Int64
}

func (b *broker) init() {
	for k := range b.subs {
		b.subs[k] = make(map[string][]*Client)
	}
}

// subscriptions are a client's own subscriptions, made by its first
// SUBSCRIBE and kept for its life (Client.subs). The names are touched
// only by the client's session; the counts are read by others (CLIENT
// LIST, the dispatcher's subscribed-mode check, output-buffer limits).
// A nil *subscriptions has none.
type subscriptions struct {
	names [numKinds]map[string]struct{}
	count [numKinds]atomic.Int32
	total atomic.Int32
}

// Subscribed reports whether the client has any subscription (Redis's
// CLIENT_PUBSUB flag). Safe for concurrent use.
func (cl *Client) Subscribed() bool {
	s := cl.subs.Load()
	return s != nil && s.total.Load() != 0
}

// outputClass is the client's client-output-buffer-limit class.
func (cl *Client) outputClass() ClientClass {
	if cl.flags.has(flagMonitor) {
		return ClassReplica // as Redis counts a monitor
	}
	if cl.Subscribed() {
		return ClassPubSub
	}
	return ClassNormal
}

// replyCount is the count a (un)subscribe reply of kind k carries: shard
// subscriptions count apart from the others.
func (s *subscriptions) replyCount(k subKind) int64 {
	if k == kindShard {
		return int64(s.countOf(kindShard))
	}
	return int64(s.countOf(kindChannel) + s.countOf(kindPattern))
}

// countOf is the number of subscriptions of kind k.
func (s *subscriptions) countOf(k subKind) int32 {
	if s == nil {
		return 0
	}
	return s.count[k].Load()
}

// subscribe adds cl to the subscribers of name; false if it was one.
func (b *broker) subscribe(cl *Client, k subKind, name string) bool {
	s := cl.subs.Load()
	if s == nil {
		s = new(subscriptions)
		cl.subs.Store(s)
	}
	if _, dup := s.names[k][name]; dup {
		return false
	}
	if s.names[k] == nil {
		s.names[k] = make(map[string]struct{})
	}
	s.names[k][name] = struct{}{}
	b.mu.Lock()
	b.subs[k][name] = append(b.subs[k][name], cl)
	b.mu.Unlock()
	b.n.Add(1)
	s.count[k].Add(1)
	s.total.Add(1)
	return true
}

// unsubscribe removes cl from the subscribers of name; false if it was
// not one.
func (b *broker) unsubscribe(cl *Client, k subKind, name string) bool {
	s := cl.subs.Load()
	if s == nil {
		return false
	}
	if _, ok := s.names[k][name]; !ok {
		return false
	}
	delete(s.names[k], name)
	b.mu.Lock()
	list := b.subs[k][name]
	if i := slices.Index(list, cl); i >= 0 {
		list[i] = list[len(list)-1]
		list[len(list)-1] = nil
		list = list[:len(list)-1]
	}
	if len(list) == 0 {
		delete(b.subs[k], name)
	} else {
		b.subs[k][name] = list
	}
	b.mu.Unlock()
	b.n.Add(-1)
	s.count[k].Add(-1)
	s.total.Add(-1)
	return true
}

// unsubscribeAll drops every subscription of cl, without replies
// (disconnect, RESET).
func (b *broker) unsubscribeAll(cl *Client) {
	s := cl.subs.Load()
	if s == nil {
		return
	}
	for k := range numKinds {
		for name := range s.names[k] {
			b.unsubscribe(cl, k, name)
		}
	}
}

// sortedNames returns the client's subscriptions of kind k, sorted, for
// an UNSUBSCRIBE of all of them.
func (s *subscriptions) sortedNames(k subKind) []string {
	if s == nil {
		return nil
	}
	names := make([]string, 0, len(s.names[k]))
	for n := range s.names[k] {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func subscribeCmd(k subKind) Handler {
	return func(c *Ctx) error {
		for _, name := range c.Args[1:] {
			c.e.pubsub.subscribe(c.Client, k, string(name))
			c.Push(3)
			c.BulkString(k.subscribeWord())
			c.Bulk(name)
			c.Int(c.Client.subs.Load().replyCount(k))
		}
		return nil
	}
}

func unsubscribeCmd(k subKind) Handler {
	return func(c *Ctx) error {
		b, s := &c.e.pubsub, c.Client.subs.Load()
		if len(c.Args) > 1 {
			for _, name := range c.Args[1:] {
				b.unsubscribe(c.Client, k, string(name))
				c.unsubscribed(k, name)
			}
			return nil
		}
		names := s.sortedNames(k)
		if len(names) == 0 {
			c.unsubscribed(k, nil)
			return nil
		}
		for _, name := range names {
			b.unsubscribe(c.Client, k, name)
			c.unsubscribed(k, []byte(name))
		}
		return nil
	}
}

// unsubscribed writes the reply for one name an UNSUBSCRIBE of kind k
// dropped (nil: the reply when there was none to drop).
func (c *Ctx) unsubscribed(k subKind, name []byte) {
	c.Push(3)
	c.BulkString(k.unsubscribeWord())
	if name == nil {
		c.Null()
	} else {
		c.Bulk(name)
	}
	c.Int(c.Client.subs.Load().replyCount(k))
}

func publishCmd(k subKind) Handler {
	return func(c *Ctx) error {
		c.Int(c.e.publish(c, k, c.Args[1], c.Args[2]))
		return nil
	}
}

// message is one published message, encoded lazily once per protocol.
type message struct {
	k                subKind
	channel, payload []byte
	enc              [2][]byte // RESP2, RESP3
	// scratch, if not nil, are buffers to encode enc into, kept by the
	// publisher's Ctx: every frame is copied where it goes (Push, or the
	// publisher's own replies), so they are free again once publish
	// returns, and a PUBLISH allocates nothing.
	scratch *[2][]byte
}

// frame returns the message as a subscriber speaking resp3 (or not)
// receives it: message or smessage; pattern non-nil makes it a pmessage.
func (m *message) frame(resp3 bool, pattern []byte) []byte {
	if pattern != nil {
		return m.encode(nil, resp3, "pmessage", pattern)
	}
	i := 0
	if resp3 {
		i = 1
	}
	if m.enc[i] == nil {
		word := "message"
		if m.k == kindShard {
			word = "smessage"
		}
		var dst []byte
		if m.scratch != nil {
			dst = m.scratch[i][:0]
		}
		m.enc[i] = m.encode(dst, resp3, word, nil)
		if m.scratch != nil && cap(m.enc[i]) <= maxPubScratch {
			m.scratch[i] = m.enc[i]
		}
	}
	return m.enc[i]
}

// maxPubScratch is the largest encoding buffer a Ctx keeps for PUBLISH.
const maxPubScratch = 64 << 10

// encode appends the message to dst (nil: in one allocation): word, then
// pattern if not nil, then the channel and the payload.
func (m *message) encode(dst []byte, resp3 bool, word string, pattern []byte) []byte {
	n := 3
	if pattern != nil {
		n = 4
	}
	b := dst
	if b == nil {
		b = make([]byte, 0, 80+len(word)+len(pattern)+len(m.channel)+len(m.payload))
	}
	if resp3 {
		b = resp.AppendPushLen(b, n)
	} else {
		b = resp.AppendArrayLen(b, n)
	}
	b = resp.AppendBulkString(b, word)
	if pattern != nil {
		b = resp.AppendBulk(b, pattern)
	}
	b = resp.AppendBulk(b, m.channel)
	return resp.AppendBulk(b, m.payload)
}

// publish sends payload on channel (a shard channel if k is kindShard) to
// its subscribers and, for ordinary channels, to the subscribers of every
// matching pattern, and returns how many deliveries it made. self, if not
// nil, is the publisher's context: a message for the publisher itself goes
// into its reply buffer. Safe for concurrent use.
func (e *Engine) publish(self *Ctx, k subKind, channel, payload []byte) int64 {
	b := &e.pubsub
	if b.n.Load() == 0 {
		return 0
	}
	m := message{k: k, channel: channel, payload: payload}
	if self != nil {
		m.scratch = &self.rareBufs().pubEnc
	}
	var n int64
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, cl := range b.subs[k][string(channel)] {
		e.deliver(self, cl, m.frame(cl.Proto() == 3, nil))
		n++
	}
	if k != kindChannel || len(b.subs[kindPattern]) == 0 {
		return n
	}
	for pat, list := range b.subs[kindPattern] {
		p := []byte(pat)
		if !GlobMatch(p, channel, false) {
			continue
		}
		var enc [2][]byte
		for _, cl := range list {
			i := 0
			if cl.Proto() == 3 {
				i = 1
			}
			if enc[i] == nil {
				enc[i] = m.frame(i == 1, p)
			}
			e.deliver(self, cl, enc[i])
			n++
		}
	}
	return n
}

// deliver queues frame for cl, or writes it into self's buffer if cl is
// the publisher itself. A publisher's wake-ups wait for the end of its
// batch of commands (Ctx.WakePushed).
func (e *Engine) deliver(self *Ctx, cl *Client, frame []byte) {
	if self == nil {
		e.Push(cl, frame)
		return
	}
	if self.Client == cl {
		self.out = append(self.out, frame...)
		return
	}
	if link, _ := e.push(cl, frame); link != nil {
		self.wakes = append(self.wakes, link)
	}
}

// keyspacePublisher is the engine's default Notifier: it publishes
// keyspace events on its own Pub/Sub, as Redis's notifyKeyspaceEvent.
type keyspacePublisher struct{ e *Engine }

// Notify publishes __keyspace@<db>__:<key> with the event as the message
// when K is enabled, and __keyevent@<db>__:<event> with the key when E is.
func (p keyspacePublisher) Notify(db int, class NotifyClass, event string, key []byte) {
	e := p.e
	if e.pubsub.n.Load() == 0 {
		return
	}
	mask := NotifyClass(e.notify.mask.Load())
	var num [20]byte
	dbs := strconv.AppendInt(num[:0], int64(db), 10)
	if mask&NotifyKeyspace != 0 {
		ch := append(append(append([]byte("__keyspace@"), dbs...), "__:"...), key...)
		e.publish(nil, kindChannel, ch, []byte(event))
	}
	if mask&NotifyKeyevent != 0 {
		ch := append(append(append([]byte("__keyevent@"), dbs...), "__:"...), event...)
		e.publish(nil, kindChannel, ch, key)
	}
}

func pubsubCmd(c *Ctx) error { return c.Sub("PUBSUB") }

// pubsubChannels is PUBSUB CHANNELS / SHARDCHANNELS [pattern]: the names
// with at least one subscriber, matching pattern if given.
func pubsubChannels(k subKind) Handler {
	return func(c *Ctx) error {
		if len(c.Args) > 3 {
			return PubsubSubcommandArity(c.Args[1])
		}
		var pat []byte
		if len(c.Args) == 3 {
			pat = c.Args[2]
		}
		b := &c.e.pubsub
		b.mu.RLock()
		names := make([]string, 0, len(b.subs[k]))
		for name := range b.subs[k] {
			if pat == nil || GlobMatch(pat, []byte(name), false) {
				names = append(names, name)
			}
		}
		b.mu.RUnlock()
		slices.Sort(names)
		c.Array(len(names))
		for _, n := range names {
			c.BulkString(n)
		}
		return nil
	}
}

// pubsubNumsub is PUBSUB NUMSUB / SHARDNUMSUB [name ...]: each name and
// its number of subscribers (patterns not counted), as a flat array.
func pubsubNumsub(k subKind) Handler {
	return func(c *Ctx) error {
		b := &c.e.pubsub
		c.Array(2 * (len(c.Args) - 2))
		b.mu.RLock()
		defer b.mu.RUnlock()
		for _, name := range c.Args[2:] {
			c.Bulk(name)
			c.Int(int64(len(b.subs[k][string(name)])))
		}
		return nil
	}
}

// pubsubNumpat is PUBSUB NUMPAT: the number of distinct patterns
// subscribed to.
func pubsubNumpat(c *Ctx) error {
	b := &c.e.pubsub
	b.mu.RLock()
	n := len(b.subs[kindPattern])
	b.mu.RUnlock()
	c.Int(int64(n))
	return nil
}

func pubsubHelp(c *Ctx) error {
	return helpReply(c, "PUBSUB", []string{
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
	})
}

// subscribedModeError is the dispatcher's refusal of a command in RESP2
// subscribed mode. As in Redis, an unknown subcommand or a subcommand's
// wrong arity is reported first.
func subscribedModeError(spec *Spec, args [][]byte) error {
	if len(spec.Subcommands) == 0 || len(args) < 2 {
		return NotInSubscribedMode(spec.Name)
	}
	sub := spec.findSub(args[1])
	if sub == nil {
		return UnknownSubcommand(args[1], strings.ToUpper(spec.Name))
	}
	if !sub.arityOK(len(args)) {
		return WrongArity(spec.Name + "|" + sub.Name)
	}
	return NotInSubscribedMode(spec.Name + "|" + sub.Name)
}

// counts returns the channels, patterns and shard channels that have
// subscribers, for INFO.
func (b *broker) counts() (channels, patterns, shard int64) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return int64(len(b.subs[kindChannel])), int64(len(b.subs[kindPattern])), int64(len(b.subs[kindShard]))
}
