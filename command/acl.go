package command

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// This file is the ACL model, as Redis 7.0's acl.c: users with passwords
// and selectors, the rules that change them (ACL SETUSER, the ACL file,
// config.toml), the description ACL LIST prints, and the permission check
// the dispatcher runs before every command.
//
// A user is an immutable snapshot (aclUser) behind a userRef: changing a
// user stores a new snapshot, so a client, which holds the ref, sees the
// change at its next command without locks. The default user with every
// permission is the hot path: one atomic load and a flag test.

// aclSelector is one set of permissions: the user's root one, or one of
// its "(...)" selectors.
type aclSelector struct {
	root        bool
	allKeys     bool
	allChannels bool
	allCommands bool
	// cmds has a bit per command id, and the last id (table.futureID) set
	// by +@all for commands the table gains later.
	cmds []uint64
	// firstArgs are the first arguments allowed for an otherwise denied
	// command (+select|0), by command id.
	firstArgs map[int][]string
	keys      []keyPattern
	channels  []string
}

// keyPattern is a ~, %R~ or %W~ rule.
type keyPattern struct {
	perm    keyPerm
	pattern string
}

// aclUser is a snapshot of a user; it is never changed once published.
type aclUser struct {
	name      string
	enabled   bool
	nopass    bool
	sanitize  sanitizeFlag
	passwords []string // SHA-256, lower-case hex
	selectors []*aclSelector
	// unrestricted: the root selector allows every command, key and
	// channel, so the check can stop at once.
	unrestricted bool
}

// sanitizeFlag is the user's (skip-)sanitize-payload flag.
type sanitizeFlag uint8

const (
	sanitizeUnset sanitizeFlag = iota
	sanitizeYes
	sanitizeSkip
)

// userRef is a user's identity: clients hold it, and see its latest
// snapshot. Safe for concurrent use.
type userRef struct {
	name string
	cur  atomic.Pointer[aclUser]
}

func (r *userRef) load() *aclUser { return r.cur.Load() }

// aclErr says why a rule failed, as Redis's errno after ACLSetUser.
type aclErr uint8

const (
	aclErrSyntax         aclErr = iota + 1 // EINVAL
	aclErrUnknown                          // ENOENT
	aclErrKeysAfterAll                     // EEXIST
	aclErrChannelsAfter                    // EISDIR
	aclErrNoSuchPassword                   // ENODEV
	aclErrBadHash                          // EBADMSG
	aclErrFirstArgSub                      // ECHILD
	aclErrDuplicateUser                    // EALREADY
)

func (e aclErr) Error() string {
	switch e {
	case aclErrUnknown:
		return "Unknown command or category name in ACL"
	case aclErrSyntax:
		return "Syntax error"
	case aclErrKeysAfterAll:
		return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
	case aclErrChannelsAfter:
		return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
	case aclErrNoSuchPassword:
		return "The password you are trying to remove from the user does not exist"
	case aclErrBadHash:
		return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
	case aclErrDuplicateUser:
		return "Duplicate user found. A user can only be defined once in config files"
	case aclErrFirstArgSub:
		return "Allowing first-arg of a subcommand is not supported"
	}
	return "Wrong format"
}

// assignACL gives every command and subcommand its ACL id and
// categories; the id after the last is the "future commands" bit.
func (t *Table) assignACL() {
	for _, s := range t.specs {
		aclSetup(s, nil, len(t.byID))
		t.byID = append(t.byID, s)
		for i := range s.Subcommands {
			sub := &s.Subcommands[i]
			aclSetup(sub, s, len(t.byID))
			t.byID = append(t.byID, sub)
		}
	}
}

// futureID is the bit +@all sets for commands added later.
func (t *Table) futureID() int { return len(t.byID) }

// lookupACL finds a command or "container|sub" for a rule.
func (t *Table) lookupACL(name string) *Spec {
	cmd, sub, isSub := strings.Cut(name, "|")
	s := t.byName[strings.ToLower(cmd)]
	if s == nil || !isSub {
		return s
	}
	if len(s.Subcommands) == 0 {
		return nil
	}
	return s.findSub([]byte(sub))
}

func newSelector(t *Table, root bool) *aclSelector {
	return &aclSelector{root: root, cmds: make([]uint64, t.futureID()/64+1)}
}

func (s *aclSelector) clone() *aclSelector {
	n := *s
	n.cmds = slices.Clone(s.cmds)
	n.keys = slices.Clone(s.keys)
	n.channels = slices.Clone(s.channels)
	if s.firstArgs != nil {
		n.firstArgs = make(map[int][]string, len(s.firstArgs))
		for id, a := range s.firstArgs {
			n.firstArgs[id] = slices.Clone(a)
		}
	}
	return &n
}

func (s *aclSelector) bit(id int) bool { return s.cmds[id/64]&(1<<(id%64)) != 0 }

func (s *aclSelector) setBit(id int, on bool) {
	if on {
		s.cmds[id/64] |= 1 << (id % 64)
		return
	}
	s.cmds[id/64] &^= 1 << (id % 64)
	s.allCommands = false
}

// allow sets spec's bit, and those of its subcommands, as Redis's
// ACLChangeSelectorPerm.
func (s *aclSelector) allow(spec *Spec, on bool) {
	s.setBit(spec.aclID, on)
	delete(s.firstArgs, spec.aclID)
	for i := range spec.Subcommands {
		s.setBit(spec.Subcommands[i].aclID, on)
	}
}

func (s *aclSelector) allowCategory(t *Table, cat aclCats, on bool) {
	for _, spec := range t.byID {
		if spec.aclCats&cat != 0 {
			s.allow(spec, on)
		}
	}
}

// apply applies one selector rule (Redis's ACLSetSelector).
func (s *aclSelector) apply(t *Table, op string) error {
	switch {
	case strings.EqualFold(op, "allkeys") || op == "~*":
		s.allKeys, s.keys = true, nil
	case strings.EqualFold(op, "resetkeys"):
		s.allKeys, s.keys = false, nil
	case strings.EqualFold(op, "allchannels") || op == "&*":
		s.allChannels, s.channels = true, nil
	case strings.EqualFold(op, "resetchannels"):
		s.allChannels, s.channels = false, nil
	case strings.EqualFold(op, "allcommands") || strings.EqualFold(op, "+@all"):
		for i := range s.cmds {
			s.cmds[i] = ^uint64(0)
		}
		s.allCommands, s.firstArgs = true, nil
	case strings.EqualFold(op, "nocommands") || strings.EqualFold(op, "-@all"):
		clear(s.cmds)
		s.allCommands, s.firstArgs = false, nil
	case op[0] == '~' || op[0] == '%':
		return s.addKeyPattern(op)
	case op[0] == '&':
		if s.allChannels {
			return aclErrChannelsAfter
		}
		if hasSpace(op[1:]) {
			return aclErrSyntax
		}
		if !slices.Contains(s.channels, op[1:]) {
			s.channels = append(s.channels, op[1:])
		}
	case len(op) > 1 && (op[0] == '+' || op[0] == '-') && op[1] == '@':
		cat, ok := categoryByName(op[2:])
		if !ok {
			return aclErrUnknown
		}
		s.allowCategory(t, cat, op[0] == '+')
	case op[0] == '+':
		return s.allowCommand(t, op[1:])
	case op[0] == '-':
		spec := t.lookupACL(op[1:])
		if spec == nil {
			return aclErrUnknown
		}
		s.allow(spec, false)
	default:
		return aclErrSyntax
	}
	return nil
}

func (s *aclSelector) addKeyPattern(op string) error {
	if s.allKeys {
		return aclErrKeysAfterAll
	}
	perm, rest := permAll, op[1:]
	if op[0] == '%' {
		perm = 0
		i := 1
		for ; i < len(op); i++ {
			c := op[i]
			if (c == 'R' || c == 'r') && perm&permRead == 0 {
				perm |= permRead
			} else if (c == 'W' || c == 'w') && perm&permWrite == 0 {
				perm |= permWrite
			} else if c == '~' {
				i++
				break
			} else {
				return aclErrSyntax
			}
		}
		if perm == 0 { // "%", "%~*": no permission named, as Redis refuses
			return aclErrSyntax
		}
		rest = op[min(i, len(op)):]
	}
	if hasSpace(rest) {
		return aclErrSyntax
	}
	for i := range s.keys {
		if s.keys[i].pattern == rest {
			s.keys[i].perm |= perm
			s.allKeys = false
			return nil
		}
	}
	s.keys = append(s.keys, keyPattern{perm: perm, pattern: rest})
	s.allKeys = false
	return nil
}

// allowCommand is +cmd, +container|sub, or +cmd|firstarg.
func (s *aclSelector) allowCommand(t *Table, name string) error {
	i := strings.LastIndexByte(name, '|')
	if i < 0 {
		spec := t.lookupACL(name)
		if spec == nil {
			return aclErrUnknown
		}
		s.allow(spec, true)
		return nil
	}
	cmd, arg := name[:i], name[i+1:]
	spec := t.lookupACL(cmd)
	switch {
	case spec == nil:
		return aclErrUnknown
	case spec.parent != nil:
		return aclErrFirstArgSub
	case arg == "":
		return aclErrSyntax
	case len(spec.Subcommands) > 0:
		sub := t.lookupACL(name)
		if sub == nil {
			return aclErrUnknown
		}
		s.allow(sub, true)
	default:
		if s.firstArgs == nil {
			s.firstArgs = map[int][]string{}
		}
		list := s.firstArgs[spec.aclID]
		if !slices.ContainsFunc(list, func(a string) bool { return strings.EqualFold(a, arg) }) {
			s.firstArgs[spec.aclID] = append(list, arg)
		}
	}
	return nil
}

func hasSpace(s string) bool {
	return strings.ContainsAny(s, " \t\n\v\f\r\x00")
}

// newUser returns a user as ACL SETUSER creates it: off, no passwords,
// no permissions.
func newUser(t *Table, name string) *aclUser {
	return &aclUser{name: name, selectors: []*aclSelector{newSelector(t, true)}}
}

func (u *aclUser) clone() *aclUser {
	n := *u
	n.passwords = slices.Clone(u.passwords)
	n.selectors = make([]*aclSelector, len(u.selectors))
	for i, s := range u.selectors {
		n.selectors[i] = s.clone()
	}
	return &n
}

func (u *aclUser) root() *aclSelector { return u.selectors[0] }

// finish computes the derived fields once the rules are applied.
func (u *aclUser) finish() *aclUser {
	r := u.root()
	u.unrestricted = r.allCommands && r.allKeys && r.allChannels
	return u
}

// hashPassword is a password as users store it: SHA-256 in hex.
func hashPassword(p string) string {
	h := sha256.Sum256([]byte(p))
	return hex.EncodeToString(h[:])
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; (c < 'a' || c > 'f') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// passwordRule is the hash a >pass, <pass, #hash or !hash rule names.
func passwordRule(op string) (string, error) {
	if op[0] == '>' || op[0] == '<' {
		return hashPassword(op[1:]), nil
	}
	if !validHash(op[1:]) {
		return "", aclErrBadHash
	}
	return op[1:], nil
}

// apply applies one user rule (Redis's ACLSetUser).
func (u *aclUser) apply(t *Table, op string) error {
	switch {
	case op == "":
		return nil
	case strings.EqualFold(op, "on"):
		u.enabled = true
	case strings.EqualFold(op, "off"):
		u.enabled = false
	case strings.EqualFold(op, "skip-sanitize-payload"):
		u.sanitize = sanitizeSkip
	case strings.EqualFold(op, "sanitize-payload"):
		u.sanitize = sanitizeYes
	case strings.EqualFold(op, "nopass"):
		u.nopass, u.passwords = true, nil
	case strings.EqualFold(op, "resetpass"):
		u.nopass, u.passwords = false, nil
	case op[0] == '>' || op[0] == '#':
		h, err := passwordRule(op)
		if err != nil {
			return err
		}
		if !slices.Contains(u.passwords, h) {
			u.passwords = append(u.passwords, h)
		}
		u.nopass = false
	case op[0] == '<' || op[0] == '!':
		h, err := passwordRule(op)
		if err != nil {
			return err
		}
		i := slices.Index(u.passwords, h)
		if i < 0 {
			return aclErrNoSuchPassword
		}
		u.passwords = slices.Delete(u.passwords, i, i+1)
	case op[0] == '(' && op[len(op)-1] == ')':
		s := newSelector(t, false)
		for _, r := range strings.Fields(op[1 : len(op)-1]) {
			if err := s.apply(t, r); err != nil {
				return err
			}
		}
		u.selectors = append(u.selectors, s)
	case strings.EqualFold(op, "clearselectors"):
		u.selectors = u.selectors[:1]
	case strings.EqualFold(op, "reset"):
		u.nopass, u.passwords = false, nil
		r := u.root()
		r.allKeys, r.keys, r.allChannels, r.channels = false, nil, false, nil
		u.enabled = false
		u.sanitize = sanitizeYes
		u.selectors = u.selectors[:1]
		clear(r.cmds)
		r.allCommands, r.firstArgs = false, nil
	default:
		return u.root().apply(t, op)
	}
	return nil
}

// RuleError is a rule that failed, with Redis's description of why.
type RuleError struct {
	Rule string
	Err  error
}

func (e *RuleError) Error() string { return "Error in ACL rule '" + e.Rule + "': " + e.Err.Error() }

func (e *RuleError) Unwrap() error { return e.Err }

// applyRules applies rules in order to u, merging selectors spread over
// several arguments first, as Redis's ACLMergeSelectorArguments.
func (u *aclUser) applyRules(t *Table, rules []string) error {
	merged, bad := mergeSelectors(rules)
	if bad >= 0 {
		return &RuleError{Rule: rules[bad], Err: errUnmatchedParen}
	}
	for _, r := range merged {
		if err := u.apply(t, r); err != nil {
			return &RuleError{Rule: r, Err: err}
		}
	}
	u.finish()
	return nil
}

var errUnmatchedParen = errors.New("Unmatched parenthesis in selector definition")

// mergeSelectors joins "(a" "b)" into "(a b)"; bad is the index of an
// unclosed "(", or -1.
func mergeSelectors(args []string) (merged []string, bad int) {
	open := -1
	var sel string
	for j, op := range args {
		if open < 0 && op != "" && op[0] == '(' && op[len(op)-1] != ')' {
			sel, open = op, j
			continue
		}
		if open >= 0 {
			sel += " " + op
			if op != "" && op[len(op)-1] == ')' {
				merged = append(merged, sel)
				open = -1
			}
			continue
		}
		merged = append(merged, op)
	}
	return merged, open
}

// checkPassword reports whether pass is one of u's passwords, in time
// independent of where they differ.
func (u *aclUser) checkPassword(pass []byte) bool {
	if u.nopass {
		return true
	}
	h := sha256.Sum256(pass)
	var buf [64]byte
	hex.Encode(buf[:], h[:])
	ok := 0
	for _, p := range u.passwords {
		ok |= subtle.ConstantTimeCompare(buf[:], []byte(p))
	}
	return ok == 1
}

// --- the permission check ---

// aclReason is why a command was denied (Redis's ACL_DENIED_*), in the
// order Redis ranks them when selectors disagree.
type aclReason uint8

const (
	aclOK aclReason = iota
	aclDeniedCmd
	aclDeniedKey
	aclDeniedAuth
	aclDeniedChannel
)

// check reports whether u may run spec with args; when not, the reason and
// the position of the offending argument. keys is scratch for the keys.
func (u *aclUser) check(spec *Spec, args [][]byte, keys *[][]byte) (aclReason, int) {
	reason, last := aclDeniedCmd, 0
	found := false
	for _, s := range u.selectors {
		r, pos := s.check(spec, args, keys, &found)
		if r == aclOK {
			return aclOK, 0
		}
		if r > reason || (r == reason && pos > last) {
			reason, last = r, pos
		}
	}
	return reason, last
}

func (s *aclSelector) check(spec *Spec, args [][]byte, keys *[][]byte, found *bool) (aclReason, int) {
	if !s.allCommands && !spec.aclNoAuth && !s.bit(spec.aclID) {
		idx := 1
		if spec.parent != nil {
			idx = 2
		}
		if len(args) <= idx || !slices.ContainsFunc(s.firstArgs[spec.aclID], func(a string) bool { return equalFoldString(args[idx], a) }) {
			return aclDeniedCmd, 0
		}
	}
	if !s.allKeys && (spec.Keys.First > 0 || spec.FindKeys != nil) {
		if !*found {
			*keys, _, _ = spec.keys((*keys)[:0], args)
			*found = true
		}
		for _, k := range *keys {
			if !s.keyAllowed(k, spec.aclKeyPerm) {
				return aclDeniedKey, argPos(args, k)
			}
		}
	}
	if !s.allChannels && spec.aclChannels != chanNone {
		first, last := 1, len(args)-1
		if spec.aclChannels == chanFirst {
			last = 1
		}
		for i := first; i <= last && i < len(args); i++ {
			if !s.channelAllowed(args[i], spec.aclChannels == chanPatterns) {
				return aclDeniedChannel, i
			}
		}
	}
	return aclOK, 0
}

func (s *aclSelector) keyAllowed(key []byte, need keyPerm) bool {
	for _, p := range s.keys {
		if p.perm&need == need && GlobMatch([]byte(p.pattern), key, false) {
			return true
		}
	}
	return false
}

// channelAllowed matches a channel against the selector's patterns, or
// (literal, for PSUBSCRIBE) a pattern against them as a string.
func (s *aclSelector) channelAllowed(ch []byte, literal bool) bool {
	if s.allChannels {
		return true
	}
	for _, p := range s.channels {
		if literal && p == string(ch) || !literal && GlobMatch([]byte(p), ch, false) {
			return true
		}
	}
	return false
}

// argPos finds the argument k aliases.
func argPos(args [][]byte, k []byte) int {
	for i, a := range args {
		if len(a) == len(k) && (len(k) == 0 || &a[0] == &k[0]) {
			return i
		}
	}
	return 0
}

func equalFoldString(b []byte, s string) bool { return strings.EqualFold(string(b), s) }

// --- the users ---

// aclUsers is the engine's set of users. Safe for concurrent use.
type aclUsers struct {
	table *Table
	mu    sync.Mutex // serializes changes; byName is replaced, never changed
	// byName maps names to users; a new map is stored on every change so
	// that readers need no lock.
	byName atomic.Pointer[map[string]*userRef]
	def    *userRef
	// file is the ACL file's path, "" without one.
	file string
	pass string // requirepass, as last set; guarded by mu
	log  aclLog
	// The INFO stats acl_access_denied_*.
	deniedAuth, deniedCmd, deniedKey, deniedChannel atomic.Int64
}

func (a *aclUsers) init(t *Table) {
	a.table = t
	a.def = &userRef{name: defaultUser}
	a.def.cur.Store(defaultUserSnapshot(t))
	m := map[string]*userRef{defaultUser: a.def}
	a.byName.Store(&m)
}

// defaultUserSnapshot is the default user as Redis creates it.
func defaultUserSnapshot(t *Table) *aclUser {
	u := newUser(t, defaultUser)
	_ = u.applyRules(t, []string{"+@all", "~*", "&*", "on", "nopass"})
	return u
}

func (a *aclUsers) get(name string) *userRef { return (*a.byName.Load())[name] }

// names returns the user names, sorted.
func (a *aclUsers) names() []string {
	m := *a.byName.Load()
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// authRequired reports whether a client that has not authenticated must
// (Redis's authRequired): the default user has a password or is off.
func (a *aclUsers) authRequired() bool {
	d := a.def.load()
	return !d.nopass || !d.enabled
}

// DefaultUserNoPass reports whether the default user needs no password
// (nopass), which is when protected mode refuses clients from beyond
// loopback (Redis's clientAcceptHandler). Safe for concurrent use.
func (e *Engine) DefaultUserNoPass() bool { return e.acl.def.load().nopass }

// setUser applies rules to the user name, creating it if needed; nothing
// changes if a rule fails.
func (a *aclUsers) setUser(name string, rules []string) (*userRef, *aclUser, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ref := a.get(name)
	var u *aclUser
	if ref != nil {
		u = ref.load().clone()
	} else {
		u = newUser(a.table, name)
	}
	if err := u.applyRules(a.table, rules); err != nil {
		return nil, nil, err
	}
	if ref == nil {
		ref = &userRef{name: name}
		ref.cur.Store(u)
		a.replace(func(m map[string]*userRef) { m[name] = ref })
		return ref, u, nil
	}
	old := ref.load()
	ref.cur.Store(u)
	return ref, old, nil
}

// replace stores a copy of the users map changed by fn. a.mu is held.
func (a *aclUsers) replace(fn func(map[string]*userRef)) {
	m := make(map[string]*userRef, len(*a.byName.Load())+1)
	for k, v := range *a.byName.Load() {
		m[k] = v
	}
	fn(m)
	a.byName.Store(&m)
}

// --- clients ---

// clientACL is a client's user; whether it is authenticated is
// flagAuthed. user is read by other clients (CLIENT LIST, ACL DELUSER),
// so it is atomic; keys is scratch for the key check, used only by the
// client's session, and made at the first check of a user whose keys are
// restricted (keyScratch).
type clientACL struct {
	user atomic.Pointer[userRef]
	keys *[][]byte
}

// keyScratch returns the scratch list of the key check, making it the
// first time.
func (a *clientACL) keyScratch() *[][]byte {
	if a.keys == nil {
		a.keys = new([][]byte)
	}
	return a.keys
}

// initClient gives a new client the default user, authenticated if the
// default user needs no password (Redis's createClient).
func (a *aclUsers) initClient(cl *Client) {
	cl.acl.user.Store(a.def)
	d := a.def.load()
	cl.flags.set(flagAuthed, d.nopass && d.enabled)
}

// UserName is the name of the client's user (CLIENT LIST user=).
func (cl *Client) UserName() string {
	if r := cl.acl.user.Load(); r != nil {
		return r.name
	}
	return defaultUser
}

// authenticate logs cl in as user if pass is right; it reports whether it
// did.
func (a *aclUsers) authenticate(cl *Client, user, pass []byte) bool {
	ref := a.get(string(user))
	if ref == nil {
		return false
	}
	u := ref.load()
	if !u.enabled || !u.checkPassword(pass) {
		return false
	}
	cl.acl.user.Store(ref)
	cl.flags.set(flagAuthed, true)
	return true
}
