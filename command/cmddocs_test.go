package command

import (
	"slices"
	"strings"
	"testing"
)

// redpoolOnly are commands Redis 7.0 does not have: LGET (from the C++
// server redpool grew out of) and CLIENT SETINFO (7.2, which newer
// clients send at connect).
var redpoolOnly = []string{"lget", "client|setinfo"}

// flagExceptions are where a Spec's flags say something else than Redis's
// on purpose, because they drive redpool's own dispatch.
var flagExceptions = map[string]string{
	// The _RO script commands run like the others (Script: their
	// transaction is the script's), refusing writes themselves.
	"eval_ro": "script", "evalsha_ro": "script", "fcall_ro": "script",
	// The container opens its transaction for USAGE.
	"memory|usage": "container", "object": "container",
	// The keys and the read flag are the container's: OBJECT x key.
	"object|encoding": "container", "object|freq": "container", "object|idletime": "container", "object|refcount": "container",
	// SLOWLOG HELP and OBJECT HELP inherit their container's flags.
	"slowlog|help": "container", "object|help": "container",
	// XGROUP's container opens the transaction on its subcommands' key.
	"xgroup": "container",
}

// inherited are the flags a subcommand takes from its container: the
// dispatcher checks the container's.
const inherited = Admin | NoScript

// modeledFlags are the COMMAND INFO flags redpool's Spec flags model.
var modeledFlags = []string{"write", "readonly", "admin", "blocking", "fast", "noscript", "allow_busy", "movablekeys", "denyoom"}

// TestCommandMetaAgrees: every command redpool has (but its own
// extensions) has Redis's metadata, and what the Spec says of it (arity,
// first/last/step, the flags redpool models) is what Redis says.
func TestCommandMetaAgrees(t *testing.T) {
	metas, err := parseCommandMetas(redisCommandDocs)
	if err != nil {
		t.Fatal(err)
	}
	if len(metas) < 300 {
		t.Fatalf("%d commands in the metadata", len(metas))
	}
	table, err := NewTable(Families()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range table.Specs() {
		for _, sp := range append([]*Spec{s}, subSpecs(s)...) {
			name := sp.FullName()
			flags := sp.Flags
			if sp != s {
				flags |= s.Flags & inherited
			}
			m := metas[name]
			if m == nil || m.info.kind == 0 || m.docs.kind == 0 {
				if !slices.Contains(redpoolOnly, name) {
					t.Errorf("%s: no metadata", name)
				}
				continue
			}
			info := m.info.kids
			if flagExceptions[name] == "container" {
				continue
			}
			if int64(sp.Arity) != info[1].n || int64(sp.Keys.First) != info[3].n || int64(sp.Keys.Last) != info[4].n || int64(sp.Keys.Step) != info[5].n {
				t.Errorf("%s: arity %d keys %v, Redis: %d keys {%d %d %d}", name, sp.Arity, sp.Keys, info[1].n, info[3].n, info[4].n, info[5].n)
			}
			if len(sp.Subcommands) > 0 || flagExceptions[name] != "" {
				continue // a container's flags are its subcommands'
			}
			var redis []string
			for _, f := range m.infoField(infoFlags).kids {
				if slices.Contains(modeledFlags, f.s) {
					redis = append(redis, f.s)
				}
			}
			ours := (&Spec{Flags: flags, FindKeys: sp.FindKeys, Keys: sp.Keys}).infoFlags()
			slices.Sort(redis)
			slices.Sort(ours)
			if !slices.Equal(ours, redis) {
				t.Errorf("%s: flags %s, Redis: %s", name, strings.Join(ours, " "), strings.Join(redis, " "))
			}
		}
	}
}

func subSpecs(s *Spec) []*Spec {
	var out []*Spec
	for i := range s.Subcommands {
		out = append(out, &s.Subcommands[i])
	}
	return out
}
