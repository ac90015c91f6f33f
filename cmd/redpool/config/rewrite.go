package config

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"redpool/persistence/fsutil"
)

// Rewrite updates the config file at path to describe cur (CONFIG
// REWRITE): a key whose value differs from the file's gets cur's value on
// its own line, keeping the line's comment; a key that differs and is not
// in the file is added at the end of its table (a missing table is added
// at the end of the file). Every other byte of the file stays as it was,
// comments and layout included. The file is replaced atomically (a
// temporary file beside it, fsync, rename, fsync of the directory), and
// only after the new text has been checked to parse back as cur.
func Rewrite(path string, cur Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	old, err := Parse(data, path)
	if err != nil {
		return err
	}
	changes := map[string]string{}
	oldLeaves := old.leaves()
	for key, l := range cur.leaves() {
		if key == "acl.user" || key == "cluster.node" {
			continue // users change through ACL SETUSER and SAVE, nodes through CLUSTER SAVECONFIG
		}
		v, err := renderValue(l)
		if err != nil {
			return err
		}
		if was, err := renderValue(oldLeaves[key]); err != nil || was != v {
			changes[key] = v
		}
	}
	nodesChanged := !reflect.DeepEqual(old.Cluster.Nodes, cur.Cluster.Nodes)
	if len(changes) == 0 && !nodesChanged {
		return nil
	}
	out := editTOML(data, changes)
	if nodesChanged {
		if out, err = replaceClusterNodes(out, cur.Cluster.Nodes); err != nil {
			return err
		}
	}
	check, err := Parse(out, path)
	if err != nil {
		return fmt.Errorf("the rewritten file does not parse: %w", err)
	}
	if !reflect.DeepEqual(check, cur) {
		return fmt.Errorf("the rewritten file does not describe the running configuration")
	}
	return writeAtomic(path, out)
}

// leafValue is a leaf's value as TOML encodes it.
func leafValue(l leaf) any {
	v := reflect.ValueOf(l.dst).Elem().Interface()
	if rules, ok := v.([]SaveRule); ok {
		pairs := make([][2]int64, len(rules))
		for i, r := range rules {
			pairs[i] = [2]int64{r.Seconds, r.Changes}
		}
		v = pairs
	}
	return v
}

// renderValue returns a leaf's value as the text after "key = ".
func renderValue(l leaf) (string, error) {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(map[string]any{"v": leafValue(l)}); err != nil {
		return "", err
	}
	return strings.TrimSuffix(strings.TrimPrefix(b.String(), "v = "), "\n"), nil
}

var (
	tableLine = regexp.MustCompile(`^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$`)
	arrayLine = regexp.MustCompile(`^\s*\[\[`)
	keyLine   = regexp.MustCompile(`^(\s*)([A-Za-z0-9_.-]+)(\s*=\s*)`)
)

// editTOML applies changes (full key -> rendered value) to a TOML text.
func editTOML(data []byte, changes map[string]string) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	table := ""
	lastLine := map[string]int{"": -1} // table -> its last key line (or its header)
	done := map[string]bool{}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if arrayLine.MatchString(line) {
			table = "[[]]" // an array of tables: nothing here is ours to edit
			continue
		}
		if m := tableLine.FindStringSubmatch(line); m != nil {
			table = m[1]
			lastLine[table] = i
			continue
		}
		m := keyLine.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		key := line[m[4]:m[5]]
		if table != "" {
			key = table + "." + key
		}
		start := m[1]
		end, endLine := valueEnd(lines, i, start)
		lastLine[table] = endLine
		v, ok := changes[key]
		if !ok {
			i = endLine
			continue
		}
		done[key] = true
		rest := lines[endLine][end:]
		lines[i] = line[:start] + v + rest
		if endLine > i { // a multi-line value: its other lines go
			lines = slices.Delete(lines, i+1, endLine+1)
		}
		lastLine[table] = i
	}
	// Keys the file lacks, by table, in key order.
	byTable := map[string][]string{}
	for key := range changes {
		if done[key] {
			continue
		}
		t, name := "", key
		if i := strings.LastIndexByte(key, '.'); i >= 0 {
			t, name = key[:i], key[i+1:]
		}
		byTable[t] = append(byTable[t], name)
	}
	tables := make([]string, 0, len(byTable))
	for t := range byTable {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	// Insert bottom-up so that earlier positions stay valid.
	slices.SortFunc(tables, func(a, b string) int { return lastOf(lastLine, b) - lastOf(lastLine, a) })
	for _, t := range tables {
		names := byTable[t]
		slices.Sort(names)
		var add []string
		for _, n := range names {
			full := n
			if t != "" {
				full = t + "." + n
			}
			add = append(add, n+" = "+changes[full]+"\n")
		}
		at, ok := lastLine[t]
		if !ok { // a new table at the end
			if len(lines) > 0 && !strings.HasSuffix(lines[len(lines)-1], "\n") {
				lines[len(lines)-1] += "\n"
			}
			lines = append(lines, "\n["+t+"]\n")
			lines = append(lines, add...)
			continue
		}
		if at >= 0 && !strings.HasSuffix(lines[at], "\n") {
			lines[at] += "\n"
		}
		lines = slices.Insert(lines, at+1, add...)
	}
	return []byte(strings.Join(lines, ""))
}

// lastOf orders insertion points; a missing table goes last (at the end).
func lastOf(last map[string]int, t string) int {
	if at, ok := last[t]; ok {
		return at
	}
	return 1 << 30
}

// valueEnd finds where the value that starts at lines[i][start:] ends:
// the offset in the returned line of the first byte after it (a comment
// or the end of the line stays), following strings and arrays over lines.
func valueEnd(lines []string, i, start int) (end, endLine int) {
	depth := 0
	for j := i; j < len(lines); j++ {
		s := lines[j]
		k := 0
		if j == i {
			k = start
		}
		for k < len(s) {
			switch c := s[k]; {
			case c == '"' || c == '\'':
				k = stringEnd(s, k)
				continue
			case c == '[' || c == '{':
				depth++
			case c == ']' || c == '}':
				depth--
			case c == '#' && depth <= 0:
				return trimEnd(s, k), j
			case c == '\n' || c == '\r':
				if depth <= 0 {
					return trimEnd(s, k), j
				}
			}
			k++
		}
		if depth <= 0 {
			return trimEnd(s, len(s)), j
		}
	}
	return len(lines[len(lines)-1]), len(lines) - 1
}

// stringEnd returns the offset after the string literal that starts at
// s[k] (basic or literal; multi-line strings are not used by the file).
func stringEnd(s string, k int) int {
	q := s[k]
	for k++; k < len(s); k++ {
		if s[k] == '\\' && q == '"' {
			k++
			continue
		}
		if s[k] == q {
			return k + 1
		}
	}
	return len(s)
}

// trimEnd backs up over the spaces before offset k.
func trimEnd(s string, k int) int {
	for k > 0 && (s[k-1] == ' ' || s[k-1] == '\t') {
		k--
	}
	return k
}

// writeAtomic replaces path with data atomically, keeping path's
// permissions.
func writeAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	return fsutil.ReplaceFile(path, mode, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}
