package command

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"redpool/persistence/fsutil"
)

// This file sets the users up from the configuration, and reads and
// writes the ACL file (ACL LOAD, ACL SAVE) in Redis's format: one
// "user <name> <rule> ..." line per user.

// ACLOptions are the users a server starts with.
type ACLOptions struct {
	// RequirePass is the default user's password ("" = nopass), as
	// Redis's requirepass.
	RequirePass string
	// Users are defined in order; a "default" user replaces the default
	// one's rules.
	Users []ACLUserRules
	// File is the ACL file's path ("" = none): loaded at start if it
	// exists, read by ACL LOAD, written by ACL SAVE.
	File string
}

// ACLUserRules is one user of the configuration.
type ACLUserRules struct {
	Name  string
	Rules []string
}

// CheckACLRules reports whether rules, a user's rules as config.toml holds
// them (Redis rule strings separated by spaces), are valid for the full
// command table. The config package calls it to validate the file.
func CheckACLRules(rules string) error {
	t, err := NewTable(Families()...)
	if err != nil {
		return err
	}
	u := newUser(t, "check")
	var re *RuleError
	if err := u.applyRules(t, strings.Fields(rules)); errors.As(err, &re) {
		return fmt.Errorf("rule %q: %s", re.Rule, re.Err)
	}
	return nil
}

// setup applies o to the fresh set of users.
func (a *aclUsers) setup(o *ACLOptions) error {
	a.log.maxLen = 128
	if o == nil {
		return nil
	}
	a.file = o.File
	a.setRequirepass(o.RequirePass)
	for _, u := range o.Users {
		if hasSpace(u.Name) || u.Name == "" {
			return fmt.Errorf("acl user %q: user names can't contain spaces", u.Name)
		}
		rules := u.Rules
		if u.Name == defaultUser {
			rules = append([]string{"reset"}, rules...)
		}
		if _, _, err := a.setUser(u.Name, rules); err != nil {
			return fmt.Errorf("acl user %q: %w", u.Name, err)
		}
	}
	if a.file == "" {
		return nil
	}
	if _, err := os.Stat(a.file); errors.Is(err, os.ErrNotExist) {
		return nil // ACL SAVE creates it
	}
	if _, msg := a.load(); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// requirepass and setRequirepass are CONFIG GET/SET requirepass: the
// default user's password, "" for none.
func (a *aclUsers) requirepass() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pass
}

func (a *aclUsers) setRequirepass(p string) {
	rules := []string{"resetpass", "nopass"}
	if p != "" {
		rules[1] = ">" + p
	}
	_, _, _ = a.setUser(defaultUser, rules)
	a.mu.Lock()
	a.pass = p
	a.mu.Unlock()
}

// load reads the ACL file and, if every line is valid, replaces the users
// with it, returning the users replaced (all but default: the caller
// disconnects their clients); it returns Redis's description of the
// problems otherwise.
func (a *aclUsers) load() (replaced []*userRef, msg string) {
	data, err := os.ReadFile(a.file)
	if err != nil {
		return nil, fmt.Sprintf("Error loading ACLs, opening file '%s': %s", a.file, errText(err))
	}
	users := map[string]*aclUser{}
	var order []string
	var errs strings.Builder
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.Trim(line, " \t\r\n")
		if line == "" {
			continue
		}
		n := i + 1
		argv := strings.Split(line, " ")
		if argv[0] != "user" || len(argv) < 2 {
			fmt.Fprintf(&errs, "%s:%d should start with user keyword followed by the username. ", a.file, n)
			continue
		}
		name := argv[1]
		if hasSpace(name) {
			fmt.Fprintf(&errs, "'%s:%d: username '%s' contains invalid characters. ", a.file, n, name)
			continue
		}
		if _, dup := users[name]; dup {
			fmt.Fprintf(&errs, "WARNING: Duplicate user '%s' found on line %d. ", name, n)
			continue
		}
		u := newUser(a.table, name)
		users[name] = u
		order = append(order, name)
		merged, bad := mergeSelectors(argv[2:])
		if bad >= 0 {
			fmt.Fprintf(&errs, "%s:%d: Unmatched parenthesis in selector definition.", a.file, n)
		}
		for _, r := range merged {
			if err := u.apply(a.table, strings.Trim(r, "\t\r\n")); err != nil {
				fmt.Fprintf(&errs, "%s:%d: %s. ", a.file, n, err)
			}
		}
		u.finish()
	}
	if errs.Len() > 0 {
		return nil, errs.String() + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	def := users[defaultUser]
	if def == nil {
		def = defaultUserSnapshot(a.table)
	}
	a.def.cur.Store(def)
	m := map[string]*userRef{defaultUser: a.def}
	for _, n := range order {
		if n != defaultUser {
			r := &userRef{name: n}
			r.cur.Store(users[n])
			m[n] = r
		}
	}
	old := *a.byName.Load()
	a.byName.Store(&m)
	for n, r := range old {
		if n != defaultUser {
			replaced = append(replaced, r)
		}
	}
	return replaced, ""
}

// errText is an OS error as strerror prints it.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	s := err.Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

func aclLoad(c *Ctx) error {
	a := &c.e.acl
	if a.file == "" {
		return ErrNoACLFile
	}
	replaced, msg := a.load()
	if msg != "" {
		return ACLLoadError(msg)
	}
	c.e.disconnectUsers(c, replaced)
	c.OK()
	return nil
}

func aclSave(c *Ctx) error {
	a := &c.e.acl
	if a.file == "" {
		return ErrNoACLFile
	}
	if err := a.save(); err != nil {
		c.e.logger.Warn("ACL SAVE", "file", a.file, "err", err)
		return ErrACLSave
	}
	c.OK()
	return nil
}

// save writes the users to the ACL file atomically: a temp file, fsync,
// rename, fsync of the directory.
func (a *aclUsers) save() error {
	var b strings.Builder
	for _, l := range a.lines() {
		b.WriteString(l + "\n")
	}
	return fsutil.ReplaceFile(a.file, 0o644, func(f *os.File) error {
		_, err := f.WriteString(b.String())
		return err
	})
}
