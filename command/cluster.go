package command

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"sync/atomic"

	"redpool/backend"
)

// Cluster mode: Redis Cluster's semantics without its cluster bus.
//
// Every node holds a slot map (which node serves each of the 16384 hash
// slots, the nodes' addresses, which node replicates which, the slots
// being migrated or imported, the epochs), given at start by the server's
// config and changed at run time by CLUSTER commands, node by node: there
// is no gossip, so an operator (or a script, as kvrocks's controller
// does) runs the same change on every node. The dispatcher checks every
// command with keys against the map as Redis's getNodeByQuery does and
// answers -MOVED, -ASK, -CROSSSLOT, -TRYAGAIN or -CLUSTERDOWN where Redis
// would.
//
// The map is immutable once published: readers load it with one atomic
// load and no lock; a change copies it under clusterState.mu and
// publishes the copy. With cluster mode off the pointer is nil, and the
// dispatcher's cost is that one load.

// ClusterNode is one node of the slot map, as the server's config gives
// it: Options.Cluster.
type ClusterNode struct {
	ID        string   // 40 lower-case hex characters
	Host      string   // the address clients are redirected to
	Port      int      // its port
	Slots     [][2]int // inclusive ranges of the slots it serves
	ReplicaOf string   // the id of its primary; "" for a primary
}

// ClusterOptions turn cluster mode on: Nodes is the slot map, the same
// on every node, and Myself this node's id among them. The server's
// config validated it (cmd/redpool/config).
type ClusterOptions struct {
	Myself string
	Nodes  []ClusterNode
}

// clusterNode is a node of a published slotMap; never changed once
// published.
type clusterNode struct {
	id      string
	host    string
	port    int
	primary int    // index of its primary in slotMap.nodes, -1 for a primary
	epoch   uint64 // config epoch
}

// addr is host:port, as -MOVED and -ASK print it.
func (n *clusterNode) addr() string { return n.host + ":" + strconv.Itoa(n.port) }

// noNode marks an unassigned slot and the absence of a node.
const noNode = -1

// slotMap is one version of the cluster configuration. Published maps are
// immutable: safe for concurrent reads.
type slotMap struct {
	nodes  []clusterNode
	myself int
	// owner is each slot's node, an index in nodes, or noNode.
	owner [backend.ClusterSlots]int16
	// migrating and importing map a slot to the node it is migrating to
	// or importing from; open counts their entries, so that the common
	// case skips both lookups.
	migrating map[int]int
	importing map[int]int
	open      int
	// assigned is the number of slots with an owner.
	assigned     int
	currentEpoch uint64
}

// me is this node.
func (m *slotMap) me() *clusterNode { return &m.nodes[m.myself] }

// isReplica reports whether node i replicates a primary.
func (m *slotMap) isReplica(i int) bool { return m.nodes[i].primary != noNode }

// find returns the index of the node with id, or noNode.
func (m *slotMap) find(id []byte) int {
	for i := range m.nodes {
		if m.nodes[i].id == string(id) {
			return i
		}
	}
	return noNode
}

// clone returns a copy of m that the caller may change before
// publishing it.
func (m *slotMap) clone() *slotMap {
	n := *m
	n.nodes = append([]clusterNode(nil), m.nodes...)
	n.migrating = make(map[int]int, len(m.migrating))
	for k, v := range m.migrating {
		n.migrating[k] = v
	}
	n.importing = make(map[int]int, len(m.importing))
	for k, v := range m.importing {
		n.importing[k] = v
	}
	return &n
}

// recount refreshes the derived counts after a change.
func (m *slotMap) recount() {
	m.open = len(m.migrating) + len(m.importing)
	m.assigned = 0
	for _, o := range m.owner {
		if o != noNode {
			m.assigned++
		}
	}
}

// slotsOf returns node i's slots as inclusive ranges, in slot order.
func (m *slotMap) slotsOf(i int) [][2]int {
	var out [][2]int
	for s := 0; s < backend.ClusterSlots; s++ {
		if int(m.owner[s]) != i {
			continue
		}
		if k := len(out); k > 0 && out[k-1][1] == s-1 {
			out[k-1][1] = s
		} else {
			out = append(out, [2]int{s, s})
		}
	}
	return out
}

// numSlots is the number of slots node i serves.
func (m *slotMap) numSlots(i int) int {
	n := 0
	for _, o := range m.owner {
		if int(o) == i {
			n++
		}
	}
	return n
}

// replicasOf returns the indexes of node i's replicas, in map order.
func (m *slotMap) replicasOf(i int) []int {
	var out []int
	for j := range m.nodes {
		if m.nodes[j].primary == i {
			out = append(out, j)
		}
	}
	return out
}

// maxEpoch is the highest epoch the node knows (Redis's clusterGetMaxEpoch).
func (m *slotMap) maxEpoch() uint64 {
	e := m.currentEpoch
	for i := range m.nodes {
		e = max(e, m.nodes[i].epoch)
	}
	return e
}

// bumpEpoch gives this node a new config epoch unless it already has the
// highest one (Redis's clusterBumpConfigEpochWithoutConsensus); it
// reports whether it did.
func (m *slotMap) bumpEpoch() bool {
	me := m.me()
	if me.epoch == 0 || me.epoch != m.maxEpoch() {
		m.currentEpoch++
		me.epoch = m.currentEpoch
		return true
	}
	return false
}

// newSlotMap builds the first map from the server's options.
func newSlotMap(o *ClusterOptions) *slotMap {
	m := &slotMap{migrating: map[int]int{}, importing: map[int]int{}, myself: noNode}
	for i := range m.owner {
		m.owner[i] = noNode
	}
	for i, n := range o.Nodes {
		m.nodes = append(m.nodes, clusterNode{id: n.ID, host: n.Host, port: n.Port, primary: noNode})
		if n.ID == o.Myself {
			m.myself = i
		}
		for _, r := range n.Slots {
			for s := r[0]; s <= r[1]; s++ {
				m.owner[s] = int16(i)
			}
		}
	}
	for i, n := range o.Nodes {
		if n.ReplicaOf != "" {
			m.nodes[i].primary = m.find([]byte(n.ReplicaOf))
		}
	}
	m.recount()
	return m
}

// clusterState is the engine's cluster mode: the published map (nil with
// cluster mode off) and the settings Redis's cluster-* parameters hold.
// Safe for concurrent use.
type clusterState struct {
	m atomic.Pointer[slotMap]
	// mu serializes changes: load, clone, change, publish.
	mu sync.Mutex
	// requireFullCoverage and readsWhenDown are cluster-require-full-coverage
	// and cluster-allow-reads-when-down.
	requireFullCoverage atomic.Bool
	readsWhenDown       atomic.Bool
	// restoreAsking is RESTORE-ASKING's spec (Redis's CMD_ASKING).
	restoreAsking *Spec
	// follow makes the server replicate a node (host, port), or stop
	// replicating (host ""); set by the engine.
	follow func(host string, port int)
}

// load returns the current map, nil with cluster mode off.
func (s *clusterState) load() *slotMap { return s.m.Load() }

// change applies fn to a copy of the current map under the lock and, if
// fn returns nil, publishes it.
func (s *clusterState) change(fn func(m *slotMap) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.m.Load().clone()
	if err := fn(m); err != nil {
		return err
	}
	m.recount()
	s.m.Store(m)
	return nil
}

// stateOK is Redis's cluster_state: ok unless a slot has no node while
// cluster-require-full-coverage is on. (Without a cluster bus no node is
// ever seen failing.)
func (s *clusterState) stateOK(m *slotMap) bool {
	return m.assigned == backend.ClusterSlots || !s.requireFullCoverage.Load()
}

// newNodeID is a random node id, as Redis makes them.
func newNodeID() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// initCluster sets up cluster mode from o (nil: off) and registers the
// cluster-* parameters.
func (e *Engine) initCluster(o *ClusterOptions) {
	cs := &e.cluster
	cs.requireFullCoverage.Store(true)
	cs.restoreAsking = e.table.byName["restore-asking"]
	cs.follow = func(host string, port int) {
		if host == "" {
			e.repl.promote()
			return
		}
		e.repl.follow(host, port)
	}
	if o != nil {
		cs.m.Store(newSlotMap(o))
	}
	for _, p := range cs.params(o != nil) {
		e.params.Register(p)
	}
}

// ClusterReplicaOf is the primary this node replicates by the slot map
// ("", 0 when it is a primary or cluster mode is off): the server starts
// replication from it, as for replicaof.
func (e *Engine) ClusterReplicaOf() (host string, port int) {
	m := e.cluster.load()
	if m == nil || !m.isReplica(m.myself) {
		return "", 0
	}
	p := &m.nodes[m.me().primary]
	return p.host, p.port
}

// ClusterNodes returns the current slot map as the config holds it
// (CLUSTER SAVECONFIG, CONFIG REWRITE); nil with cluster mode off.
func (e *Engine) ClusterNodes() (myself string, nodes []ClusterNode) {
	m := e.cluster.load()
	if m == nil {
		return "", nil
	}
	for i := range m.nodes {
		n := &m.nodes[i]
		cn := ClusterNode{ID: n.id, Host: n.host, Port: n.port, Slots: m.slotsOf(i)}
		if n.primary != noNode {
			cn.ReplicaOf = m.nodes[n.primary].id
		}
		nodes = append(nodes, cn)
	}
	return m.me().id, nodes
}

// params are Redis's cluster-* parameters. cluster-enabled is fixed;
// cluster-require-full-coverage and cluster-allow-reads-when-down act on
// the redirects; the others concern the cluster bus, failure detection
// and replica migration, which redpool does not have: they keep Redis's
// defaults, accepted and inert.
func (s *clusterState) params(on bool) []Param {
	enabled := "no"
	if on {
		enabled = "yes"
	}
	const maxInt = 1<<31 - 1
	ps := []Param{
		fixedParam("cluster-enabled", enabled),
		fixedParam("cluster-config-file", "nodes.conf"),
		fixedParam("cluster-port", "0"),
		BoolParam("cluster-require-full-coverage", &s.requireFullCoverage),
		BoolParam("cluster-allow-reads-when-down", &s.readsWhenDown),
		boolKnob("cluster-allow-pubsubshard-when-down", true),
		boolKnob("cluster-allow-replica-migration", true),
		intKnob("cluster-node-timeout", 15000, 0, 1<<63-1),
		intKnob("cluster-migration-barrier", 1, 0, maxInt),
		intKnob("cluster-announce-port", 0, 0, 65535),
		intKnob("cluster-announce-tls-port", 0, 0, 65535),
		intKnob("cluster-announce-bus-port", 0, 0, 65535),
		stringKnob("cluster-announce-ip", ""),
		stringKnob("cluster-announce-hostname", ""),
		enumKnob("cluster-preferred-endpoint-type", "ip", "ip", "hostname", "unknown-endpoint"),
		memoryKnob("cluster-link-sendbuf-limit", 0, 0, 1<<63-1),
	}
	// Redis's old names share the value with the new ones.
	noFailover := boolKnob("cluster-replica-no-failover", false)
	validity := intKnob("cluster-replica-validity-factor", 10, 0, maxInt)
	ps = append(ps, noFailover, validity)
	noFailover.Name, validity.Name = "cluster-slave-no-failover", "cluster-slave-validity-factor"
	return append(ps, noFailover, validity)
}
