package config

import (
	"bytes"
	"strings"

	"github.com/BurntSushi/toml"
)

// Encode renders c as a config file that Parse reads back as c: every key
// of the file (leaves, the one list of key names), so that a key added
// there is written without more code. Tools and tests that start servers
// from a Config use it.
func Encode(c Config) ([]byte, error) {
	doc := map[string]any{}
	for key, l := range c.leaves() {
		v := leafValue(l)
		if users, ok := v.(ACLUsers); ok && len(users) == 0 {
			continue // an empty array of tables cannot be written
		}
		if nodes, ok := v.(ClusterNodes); ok && len(nodes) == 0 {
			continue
		}
		table, path := doc, strings.Split(key, ".")
		for _, name := range path[:len(path)-1] {
			sub, ok := table[name].(map[string]any)
			if !ok {
				sub = map[string]any{}
				table[name] = sub
			}
			table = sub
		}
		table[path[len(path)-1]] = v
	}
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
