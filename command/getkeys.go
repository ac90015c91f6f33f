package command

import (
	"bytes"

	"redpool/session/resp"
)

// COMMAND GETKEYS and GETKEYSANDFLAGS find keys as Redis 7.0's
// getKeysFromCommandWithSpecs does: by the command's key specifications
// (Redis's, from the embedded metadata, cmddocs.go), and where those are
// incomplete or their flags depend on the arguments, by the command's own
// key finder (its Spec's FindKeys or Keys, Redis's getkeys_proc).

// keyRef is a key a command names: its argument position and the flags
// of the key specification that found it (a set node).
type keyRef struct {
	pos   int
	flags respNode
}

// Key flag sets of the commands whose flags depend on their arguments
// (Redis's setGetKeys and bitfieldGetKeys).
var (
	keyFlagsOWUpdate       = flagSet("OW", "update")
	keyFlagsRWAccessUpdate = flagSet("RW", "access", "update")
	keyFlagsROAccess       = flagSet("RO", "access")
)

func flagSet(names ...string) respNode {
	n := respNode{kind: '~', kids: make([]respNode, len(names))}
	for i, s := range names {
		n.kids[i] = respNode{kind: '+', s: s}
	}
	return n
}

// has reports whether a set node holds the simple string s.
func (n respNode) has(s string) bool {
	for _, k := range n.kids {
		if k.s == s {
			return true
		}
	}
	return false
}

// without returns a set node without the simple string s.
func (n respNode) without(s string) respNode {
	if !n.has(s) {
		return n
	}
	out := respNode{kind: n.kind}
	for _, k := range n.kids {
		if k.s != s {
			out.kids = append(out.kids, k)
		}
	}
	return out
}

func commandGetKeys(c *Ctx) error { return getKeysReply(c, false) }

func commandGetKeysAndFlags(c *Ctx) error { return getKeysReply(c, true) }

// getKeysReply answers GETKEYS (withFlags false) or GETKEYSANDFLAGS, with
// Redis's checks in Redis's order.
func getKeysReply(c *Ctx, withFlags bool) error {
	args := c.Args[2:]
	s := c.e.table.Lookup(args[0])
	if s != nil && len(s.Subcommands) > 0 && len(args) > 1 {
		if sub := s.findSub(args[1]); sub != nil {
			s = sub
		}
	}
	if s == nil || (len(s.Subcommands) > 0 && len(args) > 1) {
		return ErrGetKeysCommand
	}
	m := c.e.meta(s)
	if !hasKeys(s, m) {
		return ErrGetKeysNoKeys
	}
	if !s.arityOK(len(args)) {
		return ErrGetKeysArity
	}
	keys := findKeyRefs(s, m, args)
	if len(keys) == 0 {
		if m.infoField(infoFlags).has("no_mandatory_keys") {
			c.Array(0)
			return nil
		}
		return ErrGetKeysInvalid
	}
	c.Array(len(keys))
	for _, k := range keys {
		if withFlags {
			c.Array(2)
			c.Bulk(args[k.pos])
			c.writeNode(k.flags)
		} else {
			c.Bulk(args[k.pos])
		}
	}
	return nil
}

// hasKeys is Redis's doesCommandHaveKeys: a key finder of its own, or a
// key specification of a real key.
func hasKeys(s *Spec, m *commandMeta) bool {
	if s.FindKeys != nil {
		return true
	}
	if m == nil {
		return s.Keys.First != 0
	}
	for _, ks := range m.infoField(infoKeySpecs).kids {
		if f, _ := ks.field("flags"); !f.has("not_key") {
			return true
		}
	}
	return false
}

// findKeyRefs finds the keys of args (the command name at 0).
func findKeyRefs(s *Spec, m *commandMeta, args [][]byte) []keyRef {
	specs := m.infoField(infoKeySpecs).kids
	real, varFlags := false, false
	for _, ks := range specs {
		f, _ := ks.field("flags")
		real = real || !f.has("not_key")
		varFlags = varFlags || f.has("variable_flags")
	}
	if real && !varFlags {
		if keys, ok := keysBySpecs(specs, args); ok {
			return keys
		}
	}
	switch s.FullName() {
	case "set":
		return []keyRef{{pos: 1, flags: setKeyFlags(args)}}
	case "bitfield":
		return []keyRef{{pos: 1, flags: bitfieldKeyFlags(args)}}
	}
	if s.FindKeys == nil {
		return nil
	}
	// The command's own finder: its first key takes the flags of the
	// first key spec, the others the last spec's (SORT's and GEORADIUS's
	// STORE key; MIGRATE's and EVAL's keys are all alike).
	found, _, ok := s.keys(nil, args)
	if !ok {
		return nil
	}
	refs := make([]keyRef, 0, len(found))
	for i, k := range found {
		var flags respNode
		if len(specs) > 0 {
			flags, _ = specs[min(i, 1)*(len(specs)-1)].field("flags")
			flags = flags.without("incomplete") // the finder's keys are whole
		}
		refs = append(refs, keyRef{pos: argPos(args, k), flags: flags})
	}
	return refs
}

// keysBySpecs is Redis's getKeysUsingKeySpecs: ok is false where Redis's
// returns -1 (a spec that does not fit args, or an incomplete one).
func keysBySpecs(specs []respNode, args [][]byte) (keys []keyRef, ok bool) {
	argc := len(args)
	for _, ks := range specs {
		flags, _ := ks.field("flags")
		if flags.has("not_key") {
			continue
		}
		bs, _ := ks.field("begin_search")
		bsType, _ := bs.field("type")
		bsSpec, _ := bs.field("spec")
		first := 0
		switch bsType.s {
		case "index":
			first = int(intField(bsSpec, "index"))
		case "keyword":
			kw, _ := bsSpec.field("keyword")
			from := int(intField(bsSpec, "startfrom"))
			start, end := from, argc-1
			if from <= 0 {
				start, end = argc+from, 1
			}
			for i := start; i != end; {
				if i >= argc || i < 1 {
					break
				}
				if bytes.EqualFold(args[i], []byte(kw.s)) { // keywords are upper case
					first = i + 1
					break
				}
				if start <= end {
					i++
				} else {
					i--
				}
			}
			if first == 0 {
				continue // keyword not found
			}
		default:
			return nil, false
		}
		fk, _ := ks.field("find_keys")
		fkType, _ := fk.field("type")
		fkSpec, _ := fk.field("spec")
		var last, step int
		switch fkType.s {
		case "range":
			step = int(intField(fkSpec, "keystep"))
			lastkey, limit := int(intField(fkSpec, "lastkey")), int(intField(fkSpec, "limit"))
			switch {
			case lastkey >= 0:
				last = first + lastkey
			case limit == 0:
				last = argc + lastkey
			default:
				last = first + ((argc-first)/limit + lastkey)
			}
		case "keynum":
			step = int(intField(fkSpec, "keystep"))
			idx := int(intField(fkSpec, "keynumidx"))
			if idx >= argc-first {
				return nil, false
			}
			n, ok := resp.ParseInt(args[first+idx])
			if !ok || n < 0 || n > int64(argc) {
				return nil, false
			}
			first += int(intField(fkSpec, "firstkey"))
			last = first + int(n) - 1
		default:
			return nil, false
		}
		if last >= argc || last < first || first >= argc || step < 1 {
			return nil, false
		}
		for i := first; i <= last; i += step {
			keys = append(keys, keyRef{pos: i, flags: flags})
		}
		if flags.has("incomplete") {
			return nil, false
		}
	}
	return keys, true
}

// intField returns a map node's integer field, 0 if absent.
func intField(n respNode, key string) int64 {
	v, _ := n.field(key)
	return v.n
}

// setKeyFlags are SET's key flags: it reads the key only with GET.
func setKeyFlags(args [][]byte) respNode {
	for _, a := range args[min(3, len(args)):] {
		if equalFold(a, "get") {
			return keyFlagsRWAccessUpdate
		}
	}
	return keyFlagsOWUpdate
}

// bitfieldKeyFlags are BITFIELD's key flags: read-only while every
// operation is a GET (or OVERFLOW), as Redis's bitfieldGetKeys.
func bitfieldKeyFlags(args [][]byte) respNode {
	for i := 2; i < len(args); i++ {
		rem := len(args) - i - 1
		switch {
		case equalFold(args[i], "get") && rem >= 2:
			i += 2
		case equalFold(args[i], "overflow") && rem >= 1:
			i++
		default:
			return keyFlagsRWAccessUpdate
		}
	}
	return keyFlagsROAccess
}
