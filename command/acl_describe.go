package command

import "strings"

// This file turns users back into rules, as Redis 7.0's ACLDescribeUser:
// the line ACL LIST prints and ACL SAVE writes, and GETUSER's fields.

// describe is the user's rules in the ACL file's form, without "user
// <name> ".
func (u *aclUser) describe(t *Table) string {
	var b strings.Builder
	if u.enabled {
		b.WriteString("on ")
	} else {
		b.WriteString("off ")
	}
	if u.nopass {
		b.WriteString("nopass ")
	}
	switch u.sanitize {
	case sanitizeSkip:
		b.WriteString("skip-sanitize-payload ")
	case sanitizeYes:
		b.WriteString("sanitize-payload ")
	}
	for _, p := range u.passwords {
		b.WriteString("#" + p + " ")
	}
	for _, s := range u.selectors {
		if s.root {
			b.WriteString(s.describe(t))
		} else {
			b.WriteString(" (" + s.describe(t) + ")")
		}
	}
	return b.String()
}

// flags are GETUSER's flags, in Redis's order.
func (u *aclUser) flags() []string {
	f := []string{"off"}
	if u.enabled {
		f[0] = "on"
	}
	if u.nopass {
		f = append(f, "nopass")
	}
	switch u.sanitize {
	case sanitizeSkip:
		f = append(f, "skip-sanitize-payload")
	case sanitizeYes:
		f = append(f, "sanitize-payload")
	}
	return f
}

// describe is a selector's keys, channels and commands (ACLDescribeSelector).
func (s *aclSelector) describe(t *Table) string {
	var b strings.Builder
	if s.allKeys {
		b.WriteString("~* ")
	} else {
		for _, p := range s.keys {
			b.WriteString(p.String() + " ")
		}
	}
	if s.allChannels {
		b.WriteString("&* ")
	} else {
		b.WriteString("resetchannels ")
		for _, c := range s.channels {
			b.WriteString("&" + c + " ")
		}
	}
	b.WriteString(s.describeCommands(t))
	return b.String()
}

func (p keyPattern) String() string {
	switch p.perm {
	case permRead:
		return "%R~" + p.pattern
	case permWrite:
		return "%W~" + p.pattern
	}
	return "~" + p.pattern
}

// keysText and channelsText are GETUSER's "keys" and "channels".
func (s *aclSelector) keysText() string {
	if s.allKeys {
		return "~*"
	}
	parts := make([]string, len(s.keys))
	for i, p := range s.keys {
		parts[i] = p.String()
	}
	return strings.Join(parts, " ")
}

func (s *aclSelector) channelsText() string {
	if s.allChannels {
		return "&*"
	}
	parts := make([]string, len(s.channels))
	for i, c := range s.channels {
		parts[i] = "&" + c
	}
	return strings.Join(parts, " ")
}

// describeCommands is Redis's ACLDescribeSelectorCommandRules: +@all or
// -@all, then the categories that best fit what differs, chosen greedily
// in Redis's order, then the single commands still different. Redis lists
// those in its hash table's order, which varies from run to run; redpool
// lists them in the table's order (by name, each command before its
// subcommands).
func (s *aclSelector) describeCommands(t *Table) string {
	var b strings.Builder
	additive := !s.bit(t.futureID())
	fake := newSelector(t, false)
	if additive {
		b.WriteString("-@all ")
	} else {
		b.WriteString("+@all ")
		_ = fake.apply(t, "+@all")
	}
	temp := s.clone()
	var applied aclCats
	for {
		best, minDiff, maxSame := -1, int(^uint(0)>>1), 0
		for j := range numCats {
			cat := aclCats(1) << j
			if applied&cat != 0 {
				continue
			}
			on, off := temp.countCategory(t, cat)
			diff, same := off, on
			if !additive {
				diff, same = on, off
			}
			if same > diff && (diff < minDiff || diff == minDiff && same > maxSame) {
				best, minDiff, maxSame = j, diff, same
			}
		}
		if best < 0 {
			break
		}
		cat := aclCats(1) << best
		fake.allowCategory(t, cat, additive)
		temp.allowCategory(t, cat, !additive)
		if additive {
			b.WriteString("+@")
		} else {
			b.WriteString("-@")
		}
		b.WriteString(catNames[best] + " ")
		applied |= cat
	}
	for _, spec := range t.byID {
		user, have := s.bit(spec.aclID), fake.bit(spec.aclID)
		if user != have {
			if user {
				b.WriteString("+")
			} else {
				b.WriteString("-")
			}
			b.WriteString(spec.FullName() + " ")
			fake.allow(spec, user)
		}
		if !user {
			for _, a := range s.firstArgs[spec.aclID] {
				b.WriteString("+" + spec.FullName() + "|" + a + " ")
			}
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

// countCategory counts the commands of cat the selector allows (on) and
// denies (off).
func (s *aclSelector) countCategory(t *Table, cat aclCats) (on, off int) {
	for _, spec := range t.byID {
		if spec.aclCats&cat != 0 {
			if s.bit(spec.aclID) {
				on++
			} else {
				off++
			}
		}
	}
	return on, off
}
