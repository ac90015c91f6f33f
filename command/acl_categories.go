package command

import "strings"

// This file gives every command its ACL categories, as Redis 7.0's
// setImplicitACLCategories does: the categories follow from the spec's
// flags and group, and a small table adds or removes what Redis's command
// JSON files state explicitly (@dangerous on KEYS, @keyspace on the generic
// commands that read no value, ...). A new command family gets the right
// categories from its Group and Flags alone in most cases.

// aclCats is a set of ACL categories, one bit each, in Redis's order.
type aclCats uint32

// The categories, in the order of Redis's ACLCommandCategories: ACL CAT
// lists them so, COMMAND INFO reports them so, and ACL LIST's greedy
// description tries them so.
const (
	catKeyspace aclCats = 1 << iota
	catRead
	catWrite
	catSet
	catSortedSet
	catList
	catHash
	catString
	catBitmap
	catHyperLogLog
	catGeo
	catStream
	catPubSub
	catAdmin
	catFast
	catSlow
	catBlocking
	catDangerous
	catConnection
	catTransaction
	catScripting
	numCats = iota
)

// catNames are the category names, indexed by bit.
var catNames = [numCats]string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
	"connection", "transaction", "scripting",
}

// categoryByName finds a category, ignoring case; ok is false for an
// unknown name.
func categoryByName(name string) (aclCats, bool) {
	for i, n := range catNames {
		if strings.EqualFold(n, name) {
			return 1 << i, true
		}
	}
	return 0, false
}

// names returns the category names in s, in Redis's order.
func (s aclCats) names() []string {
	var out []string
	for i, n := range catNames {
		if s&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// groupCats maps a command group (COMMAND DOCS) to the category its
// commands share.
var groupCats = map[string]aclCats{
	"generic":      catKeyspace,
	"string":       catString,
	"list":         catList,
	"set":          catSet,
	"sorted_set":   catSortedSet,
	"sorted-set":   catSortedSet, // Redis's spelling
	"hash":         catHash,
	"bitmap":       catBitmap,
	"hyperloglog":  catHyperLogLog,
	"geo":          catGeo,
	"stream":       catStream,
	"pubsub":       catPubSub,
	"connection":   catConnection,
	"transactions": catTransaction,
	"scripting":    catScripting,
}

// catOverride is what Redis's command table states beyond what the flags
// and group imply.
type catOverride struct{ add, del aclCats }

// catOverrides are the commands whose categories differ from the derived
// ones, by full name. Keep it short: fix a spec's flags or group instead
// where they are wrong.
var catOverrides = map[string]catOverride{
	// Generic commands that touch no value's type category, or more.
	"keys":     {add: catDangerous},
	"flushdb":  {add: catKeyspace | catDangerous},
	"flushall": {add: catKeyspace | catDangerous},
	"swapdb":   {add: catKeyspace | catDangerous},
	"migrate":  {add: catDangerous},
	"restore":  {add: catDangerous},
	"sort":     {add: catSet | catSortedSet | catList | catDangerous, del: catKeyspace},
	"sort_ro":  {add: catSet | catSortedSet | catList | catDangerous, del: catKeyspace},
	"dbsize":   {add: catKeyspace},
	"info":     {add: catDangerous},
	"role":     {add: catAdmin | catDangerous},
	"lastsave": {add: catAdmin | catDangerous},
	"command":  {add: catConnection}, // and its subcommands
	// Pub/Sub: subscribing is not fast; PUBSUB HELP is no Pub/Sub command.
	"subscribe": {del: catFast}, "unsubscribe": {del: catFast}, "psubscribe": {del: catFast},
	"punsubscribe": {del: catFast}, "ssubscribe": {del: catFast}, "sunsubscribe": {del: catFast},
	"pubsub|help": {del: catPubSub},
	// Function management writes (the libraries replicate).
	"function|delete": {add: catWrite}, "function|flush": {add: catWrite},
	"function|load": {add: catWrite}, "function|restore": {add: catWrite},
	"wait":           {add: catConnection, del: catKeyspace},
	"restore-asking": {add: catKeyspace | catDangerous},
	"asking":         {add: catConnection}, "readonly": {add: catConnection}, "readwrite": {add: catConnection},
	"lolwut": {add: catFast, del: catSlow},
	// Commands whose value category is another type's.
	"memory|usage": {add: catRead},
	"object|freq":  {add: catKeyspace | catRead}, "object|idletime": {add: catKeyspace | catRead},
	"object|encoding": {add: catKeyspace | catRead}, "object|refcount": {add: catKeyspace | catRead},
	"pfselftest": {add: catHyperLogLog},
	"pfdebug":    {add: catHyperLogLog},
}

// adminSubs are the subcommands Redis flags admin (and so @admin
// @dangerous) although their container is not: a subcommand otherwise
// takes its container's Admin flag, but for HELP.
var adminSubs = map[string]bool{
	"client|kill": true, "client|list": true, "client|no-evict": true, "client|pause": true,
	"client|unpause": true, "client|unblock": true,
	"latency|doctor": true, "latency|graph": true, "latency|histogram": true, "latency|history": true,
	"latency|latest": true, "latency|reset": true,
}

// deriveCategories returns s's ACL categories; parent is the container of
// a subcommand, nil for a command.
func deriveCategories(s *Spec, parent *Spec) aclCats {
	name := s.Name
	if parent != nil {
		name = parent.Name + "|" + s.Name
	}
	if len(s.Subcommands) > 0 { // a container: its subcommands have the categories
		return catSlow | catOverrides[name].add
	}
	flags, group := s.Flags, s.Group
	if parent != nil {
		group = parent.Group
	}
	if parent != nil && s.Name != "help" {
		flags |= parent.Flags & Admin
	}
	if adminSubs[name] {
		flags |= Admin
	}
	cats := groupCats[group]
	if flags&Write != 0 {
		cats |= catWrite
	}
	if flags&ReadOnly != 0 && cats&catScripting == 0 {
		cats |= catRead
	}
	if flags&Admin != 0 {
		cats |= catAdmin | catDangerous
	}
	if flags&Fast != 0 {
		cats |= catFast
	}
	if flags&Blocking != 0 {
		cats |= catBlocking
	}
	if parent != nil { // a container's additions hold for its subcommands
		cats |= catOverrides[parent.Name].add
	}
	if o, ok := catOverrides[name]; ok {
		cats = cats&^o.del | o.add
	}
	if cats&catFast == 0 {
		cats |= catSlow
	} else {
		cats &^= catSlow
	}
	return cats
}

// noAuthCommands may run before the client authenticates (Redis's
// no_auth flag).
var noAuthCommands = map[string]bool{"auth": true, "hello": true, "quit": true, "reset": true}

// channelArgs says where a command names Pub/Sub channels, for the ACL
// channel check (Redis's ACLDoesCommandHaveChannels).
type channelArgs uint8

const (
	chanNone     channelArgs = iota
	chanFirst                // PUBLISH, SPUBLISH: argument 1 is a channel
	chanAll                  // SUBSCRIBE, SSUBSCRIBE: every argument is a channel
	chanPatterns             // PSUBSCRIBE: every argument is a pattern, matched literally
)

var channelCommands = map[string]channelArgs{
	"publish": chanFirst, "spublish": chanFirst,
	"subscribe": chanAll, "ssubscribe": chanAll,
	"psubscribe": chanPatterns,
}

// keyPerm is the access a command needs to its keys: %R~ patterns grant
// read, %W~ write, ~ both.
type keyPerm uint8

const (
	permRead keyPerm = 1 << iota
	permWrite
	permAll = permRead | permWrite
)

// readWriteCommands are the write commands that also read their keys'
// values (Redis's key specs with RW and ACCESS), so they need both
// permissions; other writes need only write permission, reads only read.
var readWriteCommands = map[string]bool{
	"incr": true, "decr": true, "incrby": true, "decrby": true, "incrbyfloat": true, "getset": true,
	"getdel": true, "getex": true, "lpop": true, "rpop": true, "lmpop": true, "blpop": true,
	"brpop": true, "blmpop": true, "lmove": true, "blmove": true, "rpoplpush": true,
	"brpoplpush": true, "spop": true, "smove": true, "hincrby": true, "hincrbyfloat": true,
	"zincrby": true, "zpopmin": true, "zpopmax": true, "bzpopmin": true, "bzpopmax": true,
	"zmpop": true, "bzmpop": true, "rename": true, "renamenx": true, "move": true, "copy": true,
	"bitfield": true, "pfmerge": true,
}

// aclSetup fills in what the ACL needs of s, a command or (with parent) a
// subcommand, given its bit id in the users' command bitmaps.
func aclSetup(s *Spec, parent *Spec, id int) {
	s.aclID = id
	s.aclCats = deriveCategories(s, parent)
	name := s.FullName()
	s.aclNoAuth = noAuthCommands[name]
	s.aclChannels = channelCommands[name]
	switch {
	case s.Flags&Write != 0 && readWriteCommands[name]:
		s.aclKeyPerm = permAll
	case s.Flags&Write != 0:
		s.aclKeyPerm = permWrite
	case s.Flags&ReadOnly != 0:
		s.aclKeyPerm = permRead
	default:
		s.aclKeyPerm = permAll
	}
}
