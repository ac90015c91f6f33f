package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// clusterSlots is Redis Cluster's number of hash slots.
const clusterSlots = 16384

// Cluster is [cluster]: Redis Cluster semantics (slots, redirects, the
// CLUSTER commands) with the slot map given here, the same list of nodes
// on every node. CLUSTER commands change it at run time, node by node;
// CLUSTER SAVECONFIG writes it back.
type Cluster struct {
	Enabled bool         // cluster.enabled
	Myself  string       // cluster.myself: this node's id
	Nodes   ClusterNodes // [[cluster.node]]
}

// ClusterNode is one [[cluster.node]] table.
type ClusterNode struct {
	ID        string   `toml:"id"`         // 40 hex characters
	Addr      string   `toml:"addr"`       // host:port clients are redirected to
	Slots     []string `toml:"slots"`      // "0-5460" or "42"
	ReplicaOf string   `toml:"replica_of"` // the id of its primary; "" for a primary
}

// ClusterNodes are the [[cluster.node]] tables.
type ClusterNodes []ClusterNode

// errClusterNodeTables is the complaint about a [[cluster.node]] of the
// wrong shape.
var errClusterNodeTables = errors.New("want [[cluster.node]] tables with id, addr, slots and replica_of")

// UnmarshalTOML decodes the [[cluster.node]] tables strictly: string id,
// addr and replica_of, an array of strings slots, nothing else.
func (n *ClusterNodes) UnmarshalTOML(v any) error {
	tables, ok := arrayOfTables(v)
	if !ok {
		return errClusterNodeTables
	}
	out := ClusterNodes{}
	for i, t := range tables {
		var node ClusterNode
		for k, val := range t {
			if k == "slots" {
				list, ok := val.([]any)
				if !ok {
					return fmt.Errorf("node %d: slots must be an array of strings like \"0-5460\"", i+1)
				}
				node.Slots = []string{}
				for _, s := range list {
					str, ok := s.(string)
					if !ok {
						return fmt.Errorf("node %d: slots must be an array of strings like \"0-5460\"", i+1)
					}
					node.Slots = append(node.Slots, str)
				}
				continue
			}
			s, ok := val.(string)
			switch {
			case k != "id" && k != "addr" && k != "replica_of":
				return fmt.Errorf("node %d: unknown key %q (want id, addr, slots and replica_of)", i+1, k)
			case !ok:
				return fmt.Errorf("node %d: %s must be a string", i+1, k)
			case k == "id":
				node.ID = s
			case k == "addr":
				node.Addr = s
			default:
				node.ReplicaOf = s
			}
		}
		out = append(out, node)
	}
	*n = out
	return nil
}

// arrayOfTables is a decoded [[table]] array, as the decoder gives it
// (either form); ok is false for anything else.
func arrayOfTables(v any) (tables []map[string]any, ok bool) {
	switch v := v.(type) {
	case []map[string]any:
		return v, true
	case []any:
		for _, t := range v {
			m, ok := t.(map[string]any)
			if !ok {
				return nil, false
			}
			tables = append(tables, m)
		}
		return tables, true
	}
	return nil, false
}

// SlotRanges parses Slots into inclusive ranges, in the order written.
func (n ClusterNode) SlotRanges() ([][2]int, error) {
	var out [][2]int
	for _, s := range n.Slots {
		lo, hi, isRange := strings.Cut(s, "-")
		if !isRange {
			hi = lo
		}
		a, errA := strconv.Atoi(strings.TrimSpace(lo))
		b, errB := strconv.Atoi(strings.TrimSpace(hi))
		switch {
		case errA != nil || errB != nil:
			return nil, fmt.Errorf("%q is not a slot or a range like \"0-5460\"", s)
		case a < 0 || b >= clusterSlots || a > b:
			return nil, fmt.Errorf("%q out of range (want slots in 0..%d, low to high)", s, clusterSlots-1)
		}
		out = append(out, [2]int{a, b})
	}
	return out, nil
}

// HostPort splits Addr; ok is false when it is not host:port with a port
// in 1..65535.
func (n ClusterNode) HostPort() (host string, port int, ok bool) {
	h, p, err := net.SplitHostPort(n.Addr)
	if err != nil || h == "" {
		return "", 0, false
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, false
	}
	return h, port, true
}

// isNodeID reports whether s is a Redis node id: 40 lower-case hex
// characters (Redis writes and compares them in lower case).
func isNodeID(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// validate adds the problems of [cluster] (all of them, keyed by the key
// they concern). The list is checked even when enabled is false, so that
// a map written for later is already right.
func (c Cluster) validate(add func(key, format string, args ...any)) {
	const nodeKey = "cluster.node"
	if c.Enabled && c.Myself == "" {
		add("cluster.myself", "empty (want this node's id, one of the [[cluster.node]] ids)")
	}
	if c.Myself != "" && !isNodeID(c.Myself) {
		add("cluster.myself", "%q is not a node id (want 40 lower-case hex characters)", c.Myself)
	}
	if c.Enabled && len(c.Nodes) == 0 {
		add(nodeKey, "no [[cluster.node]] tables (want one per node, this one included)")
	}
	ids := map[string]int{} // id -> node number
	for i, n := range c.Nodes {
		switch {
		case !isNodeID(n.ID):
			add(nodeKey, "node %d: id %q is not a node id (want 40 lower-case hex characters)", i+1, n.ID)
		case ids[n.ID] != 0:
			add(nodeKey, "node %d: id %s is also node %d's", i+1, n.ID, ids[n.ID])
		default:
			ids[n.ID] = i + 1
		}
		if _, _, ok := n.HostPort(); !ok {
			add(nodeKey, "node %d: addr %q is not host:port with a port in 1..65535", i+1, n.Addr)
		}
	}
	if c.Myself != "" && len(c.Nodes) > 0 && ids[c.Myself] == 0 && isNodeID(c.Myself) {
		add("cluster.myself", "%s is not the id of a [[cluster.node]]", c.Myself)
	}
	var owner [clusterSlots]int // node number, 0 = none
	for i, n := range c.Nodes {
		if n.ReplicaOf != "" {
			p := ids[n.ReplicaOf]
			switch {
			case p == 0:
				add(nodeKey, "node %d: replica_of %q is not the id of a [[cluster.node]]", i+1, n.ReplicaOf)
			case n.ReplicaOf == n.ID:
				add(nodeKey, "node %d: replica_of names the node itself", i+1)
			case c.Nodes[p-1].ReplicaOf != "":
				add(nodeKey, "node %d: replica_of names node %d, itself a replica (want a primary)", i+1, p)
			}
			if len(n.Slots) > 0 {
				add(nodeKey, "node %d: a replica holds no slots (its primary's are its own)", i+1)
			}
		}
		ranges, err := n.SlotRanges()
		if err != nil {
			add(nodeKey, "node %d: slots: %v", i+1, err)
			continue
		}
		for _, r := range ranges {
			for s := r[0]; s <= r[1]; s++ {
				if o := owner[s]; o != 0 {
					add(nodeKey, "node %d: slot %d is assigned twice (also to node %d)", i+1, s, o)
					break
				}
				owner[s] = i + 1
			}
		}
	}
}

// clusterNodeHeader is the header line of a [[cluster.node]] table.
var clusterNodeHeader = regexp.MustCompile(`^\s*\[\[\s*cluster\.node\s*\]\]`)

// replaceClusterNodes rewrites the [[cluster.node]] tables of a config
// text (CONFIG REWRITE, CLUSTER SAVECONFIG): each table's lines, from its
// header to the next table, go, and nodes are written at the end of the
// file. Everything else stays as it was.
func replaceClusterNodes(data []byte, nodes ClusterNodes) ([]byte, error) {
	lines := strings.SplitAfter(string(data), "\n")
	var kept []string
	in := false
	for _, line := range lines {
		switch {
		case clusterNodeHeader.MatchString(line):
			in = true
			continue
		case in && (tableLine.MatchString(line) || arrayLine.MatchString(line)):
			in = false
		}
		if !in {
			kept = append(kept, line)
		}
	}
	text := strings.Join(kept, "")
	if len(nodes) == 0 {
		return []byte(text), nil
	}
	var b bytes.Buffer
	doc := map[string]any{"cluster": map[string]any{"node": nodes}}
	if err := toml.NewEncoder(&b).Encode(doc); err != nil {
		return nil, err
	}
	// The encoder writes the enclosing [cluster] header first: the file
	// has its own.
	rendered := b.String()
	if i := strings.Index(rendered, "[[cluster.node]]"); i > 0 {
		rendered = rendered[i:]
	}
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return []byte(text + "\n" + rendered), nil
}
