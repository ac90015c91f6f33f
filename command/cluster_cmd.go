package command

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"redpool/backend"
	"redpool/session/resp"
)

// The CLUSTER command and its companions (ASKING, READONLY, READWRITE,
// RESTORE-ASKING), as Redis 7.0's clusterCommand, with the changes a
// cluster without a bus implies: every change is this node's alone (the
// operator runs it on every node), MEET is refused, FAILOVER FORCE and
// TAKEOVER take over locally.

func clusterCommands() []Spec {
	return []Spec{
		{Name: "cluster", Arity: -2, Run: clusterCmd, Group: "cluster", Summary: "A container for Redis Cluster commands.", Since: "3.0.0",
			Subcommands: []Spec{
				{Name: "addslots", Arity: -3, Flags: Admin, Run: clusterAddSlots, Summary: "Assigns new hash slots to a node."},
				{Name: "addslotsrange", Arity: -4, Flags: Admin, Run: clusterAddSlotsRange, Summary: "Assigns new hash slot ranges to a node."},
				{Name: "bumpepoch", Arity: 2, Flags: Admin, Run: clusterBumpEpoch, Summary: "Advances the cluster config epoch."},
				{Name: "count-failure-reports", Arity: 3, Flags: Admin, Run: clusterCountFailureReports, Summary: "Returns the number of active failure reports active for a node."},
				{Name: "countkeysinslot", Arity: 3, Run: clusterCountKeysInSlot, Summary: "Returns the number of keys in a hash slot."},
				{Name: "delslots", Arity: -3, Flags: Admin, Run: clusterDelSlots, Summary: "Sets hash slots as unbound for a node."},
				{Name: "delslotsrange", Arity: -4, Flags: Admin, Run: clusterDelSlotsRange, Summary: "Sets hash slot ranges as unbound for a node."},
				{Name: "failover", Arity: -2, Flags: Admin, Run: clusterFailover, Summary: "Forces a replica to perform a manual failover of its master."},
				{Name: "flushslots", Arity: 2, Flags: Admin, Run: clusterFlushSlots, Summary: "Deletes all slots information from a node."},
				{Name: "forget", Arity: 3, Flags: Admin, Run: clusterForget, Summary: "Removes a node from the nodes table."},
				{Name: "getkeysinslot", Arity: 4, Run: clusterGetKeysInSlot, Summary: "Returns the key names in a hash slot."},
				{Name: "help", Arity: 2, Run: clusterHelp, Summary: "Returns helpful text about the different subcommands."},
				{Name: "info", Arity: 2, Run: clusterInfo, Summary: "Returns information about the state of a node."},
				{Name: "keyslot", Arity: 3, Run: clusterKeySlot, Summary: "Returns the hash slot for a key."},
				{Name: "links", Arity: 2, Run: clusterLinks, Summary: "Returns a list of all TCP links to and from peer nodes."},
				{Name: "meet", Arity: -4, Flags: Admin, Run: clusterMeet, Summary: "Forces a node to handshake with another node."},
				{Name: "myid", Arity: 2, Run: clusterMyID, Summary: "Returns the ID of a node."},
				{Name: "nodes", Arity: 2, Run: clusterNodes, Summary: "Returns the cluster configuration for a node."},
				{Name: "replicas", Arity: 3, Flags: Admin, Run: clusterReplicas, Summary: "Lists the replica nodes of a master node."},
				{Name: "replicate", Arity: 3, Flags: Admin, Run: clusterReplicate, Summary: "Configure a node as replica of a master node."},
				{Name: "reset", Arity: -2, Flags: Admin | NoScript, Run: clusterReset, Summary: "Resets a node."},
				{Name: "saveconfig", Arity: 2, Flags: Admin, Run: clusterSaveConfig, Summary: "Forces a node to save the cluster configuration to disk."},
				{Name: "set-config-epoch", Arity: 3, Flags: Admin, Run: clusterSetConfigEpoch, Summary: "Sets the configuration epoch for a new node."},
				{Name: "setslot", Arity: -4, Flags: Admin, Run: clusterSetSlot, Summary: "Binds a hash slot to a node."},
				{Name: "shards", Arity: 2, Run: clusterShards, Summary: "Returns the mapping of cluster slots to shards."},
				{Name: "slaves", Arity: 3, Flags: Admin, Run: clusterReplicas, Summary: "Lists the replica nodes of a master node."},
				{Name: "slots", Arity: 2, Run: clusterSlots, Summary: "Returns the mapping of cluster slots to nodes."},
			}},
		{Name: "asking", Arity: 1, Flags: Fast, Run: asking, Group: "cluster", Summary: "Signals that a cluster client is following an -ASK redirect.", Since: "3.0.0"},
		{Name: "readonly", Arity: 1, Flags: Fast, Run: readOnly, Group: "cluster", Summary: "Enables read-only queries for a connection to a Redis Cluster replica node.", Since: "3.0.0"},
		{Name: "readwrite", Arity: 1, Flags: Fast, Run: readWrite, Group: "cluster", Summary: "Enables read-write queries for a connection to a Reids Cluster replica node.", Since: "3.0.0"},
		{Name: "restore-asking", Arity: -4, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: restore, Group: "server", Summary: "An internal command for migrating keys in a cluster.", Since: "3.0.0"},
	}
}

// clusterCmd dispatches CLUSTER's subcommands. With cluster mode off
// every one is refused, as Redis refuses them.
func clusterCmd(c *Ctx) error {
	if !c.e.clusterOn() {
		if sub := c.spec.findSub(c.Args[1]); sub != nil && sub.arityOK(len(c.Args)) {
			return ErrClusterDisabled
		}
	}
	return c.Sub("CLUSTER")
}

// clusterMap is the current map; the subcommands run only in cluster mode.
func (c *Ctx) clusterMap() *slotMap { return c.e.cluster.load() }

func asking(c *Ctx) error { return c.clusterFlag(&c.Client.cluster.asking, true) }

func readOnly(c *Ctx) error { return c.clusterFlag(&c.Client.cluster.readOnly, true) }

func readWrite(c *Ctx) error { return c.clusterFlag(&c.Client.cluster.readOnly, false) }

// clusterFlag sets one of the client's cluster flags (ASKING, READONLY,
// READWRITE), in cluster mode only.
func (c *Ctx) clusterFlag(flag *bool, on bool) error {
	if !c.e.clusterOn() {
		return ErrClusterDisabled
	}
	*flag = on
	c.OK()
	return nil
}

// clusterSlotArg parses a slot as Redis's getSlotOrReply.
func clusterSlotArg(b []byte) (int, error) {
	n, ok := resp.ParseInt(b)
	if !ok || n < 0 || n >= backend.ClusterSlots {
		return 0, ErrClusterBadSlot
	}
	return int(n), nil
}

// clusterUnknownNode is the reply for an id the map does not hold.
func clusterUnknownNode(id []byte) Error {
	return Error(sanitize("ERR Unknown node " + string(id)))
}

func clusterMyID(c *Ctx) error {
	c.BulkString(c.clusterMap().me().id)
	return nil
}

func clusterKeySlot(c *Ctx) error {
	c.Int(int64(backend.KeySlot(c.Args[2])))
	return nil
}

// clusterSlotTx runs fn on database 0's slot index, in the open
// transaction if there is one.
func (c *Ctx) clusterSlotTx(fn func(st backend.SlotTx) error) error {
	return c.InTx(false, nil, func(c *Ctx) error {
		st, ok := c.Tx.(backend.SlotTx)
		if !ok {
			return errors.New("the backend cannot find keys by slot")
		}
		return fn(st)
	})
}

func clusterCountKeysInSlot(c *Ctx) error {
	n, ok := resp.ParseInt(c.Args[2])
	if !ok {
		return ErrNotInteger
	}
	if n < 0 || n >= backend.ClusterSlots {
		return ErrClusterInvalidSlot
	}
	return c.clusterSlotTx(func(st backend.SlotTx) error {
		count, err := st.CountKeysInSlot(int(n))
		if err != nil {
			return err
		}
		c.Int(count)
		return nil
	})
}

func clusterGetKeysInSlot(c *Ctx) error {
	count, ok := resp.ParseInt(c.Args[3])
	if !ok {
		return ErrNotInteger
	}
	slot, ok := resp.ParseInt(c.Args[2])
	if !ok {
		return ErrNotInteger
	}
	if count < 0 || slot < 0 || slot >= backend.ClusterSlots {
		return ErrClusterSlotOrCount
	}
	return c.clusterSlotTx(func(st backend.SlotTx) error {
		var keys [][]byte
		err := st.KeysInSlot(int(slot), int(min(count, 1<<31-1)), func(k []byte) error {
			keys = append(keys, append([]byte(nil), k...))
			return nil
		})
		if err != nil {
			return err
		}
		c.Array(len(keys))
		for _, k := range keys {
			c.Bulk(k)
		}
		return nil
	})
}

// clusterKeysInSlot counts slot's keys (SETSLOT NODE, RESET, ...).
func (c *Ctx) clusterKeysInSlot(slot int) (n int64, err error) {
	err = c.clusterSlotTx(func(st backend.SlotTx) error {
		n, err = st.CountKeysInSlot(slot)
		return err
	})
	return n, err
}

// clusterDBSize is database 0's size.
func (c *Ctx) clusterDBSize() (n int64, err error) {
	err = c.InTx(false, nil, func(c *Ctx) error {
		n, err = c.Tx.Len()
		return err
	})
	return n, err
}

// --- slot assignment ---

func clusterAddSlots(c *Ctx) error { return c.clusterSlotsCmd("addslots", false, false) }

func clusterDelSlots(c *Ctx) error { return c.clusterSlotsCmd("delslots", true, false) }

func clusterAddSlotsRange(c *Ctx) error { return c.clusterSlotsCmd("addslotsrange", false, true) }

func clusterDelSlotsRange(c *Ctx) error { return c.clusterSlotsCmd("delslotsrange", true, true) }

// clusterSlotsCmd is ADDSLOTS, DELSLOTS (del) and their RANGE forms
// (ranges), named name: every argument is checked before the map changes.
func (c *Ctx) clusterSlotsCmd(name string, del, ranges bool) error {
	args := c.Args[2:]
	if ranges && len(args)%2 != 0 {
		return WrongArity("cluster|" + name)
	}
	var pick [backend.ClusterSlots]bool
	var list [][2]int
	if ranges {
		for i := 0; i < len(args); i += 2 {
			lo, err := clusterSlotArg(args[i])
			if err != nil {
				return err
			}
			hi, err := clusterSlotArg(args[i+1])
			if err != nil {
				return err
			}
			if lo > hi {
				return Error(fmt.Sprintf("ERR start slot number %d is greater than end slot number %d", lo, hi))
			}
			list = append(list, [2]int{lo, hi})
		}
	} else {
		for _, a := range args {
			s, err := clusterSlotArg(a)
			if err != nil {
				return err
			}
			list = append(list, [2]int{s, s})
		}
	}
	err := c.e.cluster.change(func(m *slotMap) error {
		for _, r := range list {
			for s := r[0]; s <= r[1]; s++ {
				switch {
				case del && m.owner[s] == noNode:
					return Error("ERR Slot " + strconv.Itoa(s) + " is already unassigned")
				case !del && m.owner[s] != noNode:
					return Error("ERR Slot " + strconv.Itoa(s) + " is already busy")
				case pick[s]:
					return Error("ERR Slot " + strconv.Itoa(s) + " specified multiple times")
				}
				pick[s] = true
			}
		}
		for s, on := range pick {
			if !on {
				continue
			}
			delete(m.importing, s) // the owner now: nothing to import
			if del {
				m.owner[s] = noNode
			} else {
				m.owner[s] = int16(m.myself)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.OK()
	return nil
}

func clusterFlushSlots(c *Ctx) error {
	n, err := c.clusterDBSize()
	if err != nil {
		return err
	}
	if n != 0 {
		return ErrClusterFlushSlots
	}
	_ = c.e.cluster.change(func(m *slotMap) error {
		for s, o := range m.owner {
			if int(o) == m.myself {
				m.owner[s] = noNode
			}
		}
		return nil
	})
	c.OK()
	return nil
}

// clusterSetSlot is SETSLOT slot IMPORTING|MIGRATING|NODE id, or STABLE.
func clusterSetSlot(c *Ctx) error {
	m := c.clusterMap()
	if m.isReplica(m.myself) {
		return ErrClusterSetSlotRepl
	}
	slot, err := clusterSlotArg(c.Args[2])
	if err != nil {
		return err
	}
	action := c.Args[3]
	switch {
	case equalFold(action, "stable") && len(c.Args) == 4:
		err = c.e.cluster.change(func(m *slotMap) error {
			delete(m.migrating, slot)
			delete(m.importing, slot)
			return nil
		})
	case equalFold(action, "migrating") && len(c.Args) == 5:
		err = c.e.cluster.change(func(m *slotMap) error {
			if int(m.owner[slot]) != m.myself {
				return Error(fmt.Sprintf("ERR I'm not the owner of hash slot %d", slot))
			}
			n, err := clusterTarget(m, c.Args[4], "ERR I don't know about node ")
			if err != nil {
				return err
			}
			m.migrating[slot] = n
			return nil
		})
	case equalFold(action, "importing") && len(c.Args) == 5:
		err = c.e.cluster.change(func(m *slotMap) error {
			if int(m.owner[slot]) == m.myself {
				return Error(fmt.Sprintf("ERR I'm already the owner of hash slot %d", slot))
			}
			n, err := clusterTarget(m, c.Args[4], "ERR I don't know about node ")
			if err != nil {
				return err
			}
			m.importing[slot] = n
			return nil
		})
	case equalFold(action, "node") && len(c.Args) == 5:
		err = c.clusterSetSlotNode(slot, c.Args[4])
	default:
		return ErrClusterSetSlot
	}
	if err != nil {
		return err
	}
	c.OK()
	return nil
}

// clusterTarget finds the primary a SETSLOT names; unknown is the
// error's text before the id.
func clusterTarget(m *slotMap, id []byte, unknown string) (int, error) {
	n := m.find(id)
	if n == noNode {
		return 0, Error(sanitize(unknown + string(id)))
	}
	if m.isReplica(n) {
		return 0, ErrClusterNotMaster
	}
	return n, nil
}

// clusterSetSlotNode is SETSLOT slot NODE id: the slot is id's from now
// on. A slot this node gives away must hold no key here; one it takes
// while importing gets it a new config epoch, as in Redis. (Redis's
// replica migration, a primary left without slots turning into a replica
// of the new owner, is not done: no node changes its role on its own.)
func (c *Ctx) clusterSetSlotNode(slot int, id []byte) error {
	m := c.clusterMap()
	n, err := clusterTarget(m, id, "ERR Unknown node ")
	if err != nil {
		return err
	}
	_, migrating := m.migrating[slot]
	var keys int64
	if (int(m.owner[slot]) == m.myself && n != m.myself) || migrating {
		if keys, err = c.clusterKeysInSlot(slot); err != nil {
			return err
		}
	}
	return c.e.cluster.change(func(m *slotMap) error {
		n, err := clusterTarget(m, id, "ERR Unknown node ")
		if err != nil {
			return err
		}
		if int(m.owner[slot]) == m.myself && n != m.myself && keys != 0 {
			return Error(fmt.Sprintf("ERR Can't assign hashslot %d to a different node while I still hold keys for this hash slot.", slot))
		}
		if keys == 0 {
			delete(m.migrating, slot)
		}
		m.owner[slot] = int16(n)
		if _, ok := m.importing[slot]; ok && n == m.myself {
			m.bumpEpoch()
			delete(m.importing, slot)
		}
		return nil
	})
}

// --- nodes ---

func clusterForget(c *Ctx) error {
	err := c.e.cluster.change(func(m *slotMap) error {
		n := m.find(c.Args[2])
		switch {
		case n == noNode:
			return clusterUnknownNode(c.Args[2])
		case n == m.myself:
			return ErrClusterForgetSelf
		case m.me().primary == n:
			return ErrClusterForgetMastr
		}
		m.removeNode(n)
		return nil
	})
	if err != nil {
		return err
	}
	c.OK()
	return nil
}

// removeNode drops node n: its slots become unassigned, open slots
// naming it close, its replicas keep no primary (Redis's clusterDelNode).
func (m *slotMap) removeNode(n int) {
	renum := func(i int) int {
		if i > n {
			return i - 1
		}
		return i
	}
	for s, o := range m.owner {
		switch {
		case int(o) == n:
			m.owner[s] = noNode
		case o != noNode:
			m.owner[s] = int16(renum(int(o)))
		}
	}
	for _, open := range []map[int]int{m.migrating, m.importing} {
		for s, to := range open {
			if to == n {
				delete(open, s)
			} else {
				open[s] = renum(to)
			}
		}
	}
	for i := range m.nodes {
		switch p := m.nodes[i].primary; {
		case p == n:
			m.nodes[i].primary = noNode
		case p != noNode:
			m.nodes[i].primary = renum(p)
		}
	}
	m.nodes = append(m.nodes[:n], m.nodes[n+1:]...)
	m.myself = renum(m.myself)
}

func clusterReplicate(c *Ctx) error {
	size, err := c.clusterDBSize()
	if err != nil {
		return err
	}
	var host string
	var port int
	err = c.e.cluster.change(func(m *slotMap) error {
		n := m.find(c.Args[2])
		switch {
		case n == noNode:
			return clusterUnknownNode(c.Args[2])
		case n == m.myself:
			return ErrClusterReplSelf
		case m.isReplica(n):
			return ErrClusterReplReplica
		case !m.isReplica(m.myself) && (m.numSlots(m.myself) != 0 || size != 0):
			return ErrClusterReplNotEmpt
		}
		m.me().primary = n
		host, port = m.nodes[n].host, m.nodes[n].port
		return nil
	})
	if err != nil {
		return err
	}
	c.e.cluster.follow(host, port)
	c.OK()
	return nil
}

// clusterFailover is FAILOVER [FORCE|TAKEOVER] on a replica. Without a
// cluster bus there is no link to the primary to coordinate a manual
// failover with, so plain FAILOVER gets Redis's answer for a primary it
// cannot reach; FORCE and TAKEOVER both take over in this node's map (a
// new config epoch, the primary's slots, the primary as its replica) and
// stop replicating. The operator then runs SETSLOT NODE (or the same
// change of config) on the other nodes.
func clusterFailover(c *Ctx) error {
	force := false
	if len(c.Args) > 3 {
		return SubcommandSyntax(c.Args[1], "CLUSTER")
	}
	if len(c.Args) == 3 {
		if !equalFold(c.Args[2], "force") && !equalFold(c.Args[2], "takeover") {
			return ErrSyntax
		}
		force = true
	}
	err := c.e.cluster.change(func(m *slotMap) error {
		p := m.me().primary
		switch {
		case p == noNode:
			return ErrClusterFailoverMst
		case !force:
			return ErrClusterFailoverDwn
		}
		m.bumpEpoch()
		for s, o := range m.owner {
			if int(o) == p {
				m.owner[s] = int16(m.myself)
			}
		}
		for i := range m.nodes {
			if m.nodes[i].primary == p && i != m.myself {
				m.nodes[i].primary = m.myself
			}
		}
		m.nodes[p].primary = m.myself
		m.me().primary = noNode
		return nil
	})
	if err != nil {
		return err
	}
	c.e.cluster.follow("", 0)
	c.OK()
	return nil
}

func clusterMeet(c *Ctx) error { return ErrClusterMeet }

func clusterReset(c *Ctx) error {
	hard := false
	switch {
	case len(c.Args) > 3:
		return SubcommandSyntax(c.Args[1], "CLUSTER")
	case len(c.Args) == 3 && equalFold(c.Args[2], "hard"):
		hard = true
	case len(c.Args) == 3 && !equalFold(c.Args[2], "soft"):
		return ErrSyntax
	}
	m := c.clusterMap()
	wasReplica := m.isReplica(m.myself)
	if !wasReplica {
		n, err := c.clusterDBSize()
		if err != nil {
			return err
		}
		if n != 0 {
			return ErrClusterResetKeys
		}
	}
	_ = c.e.cluster.change(func(m *slotMap) error {
		for i := len(m.nodes) - 1; i >= 0; i-- {
			if i != m.myself {
				m.removeNode(i)
			}
		}
		for s := range m.owner {
			m.owner[s] = noNode
		}
		clear(m.migrating)
		clear(m.importing)
		m.me().primary = noNode
		if hard {
			m.currentEpoch, m.me().epoch = 0, 0
			m.me().id = newNodeID()
		}
		return nil
	})
	if wasReplica {
		c.e.cluster.follow("", 0)
	}
	c.OK()
	return nil
}

func clusterBumpEpoch(c *Ctx) error {
	var bumped bool
	var epoch uint64
	_ = c.e.cluster.change(func(m *slotMap) error {
		bumped = m.bumpEpoch()
		epoch = m.me().epoch
		return nil
	})
	word := "STILL"
	if bumped {
		word = "BUMPED"
	}
	c.Simple(word + " " + strconv.FormatUint(epoch, 10))
	return nil
}

func clusterSetConfigEpoch(c *Ctx) error {
	epoch, ok := resp.ParseInt(c.Args[2])
	if !ok {
		return ErrNotInteger
	}
	if epoch < 0 {
		return Error(fmt.Sprintf("ERR Invalid config epoch specified: %d", epoch))
	}
	err := c.e.cluster.change(func(m *slotMap) error {
		switch {
		case len(m.nodes) > 1:
			return ErrClusterEpochOthers
		case m.me().epoch != 0:
			return ErrClusterEpochSet
		}
		m.me().epoch = uint64(epoch)
		m.currentEpoch = max(m.currentEpoch, uint64(epoch))
		return nil
	})
	if err != nil {
		return err
	}
	c.OK()
	return nil
}

// clusterSaveConfig writes the map into the config file the server
// started from, with CONFIG REWRITE's machinery (rewrite.go).
func clusterSaveConfig(c *Ctx) error {
	err := ErrNoConfigFile
	if c.e.rewrite != nil {
		err = c.e.rewrite()
	}
	if err != nil {
		return Error("ERR error saving the cluster node config: " + sanitize(err.Error()))
	}
	c.OK()
	return nil
}

func clusterCountFailureReports(c *Ctx) error {
	if c.clusterMap().find(c.Args[2]) == noNode {
		return clusterUnknownNode(c.Args[2])
	}
	c.Int(0) // no failure detection, no reports
	return nil
}

// clusterLinks has no links to list: there is no cluster bus.
func clusterLinks(c *Ctx) error {
	c.Array(0)
	return nil
}

// --- views ---

// clusterNodeLine is node i's line of CLUSTER NODES, without its newline
// (Redis's clusterGenNodeDescription).
func (m *slotMap) nodeLine(i int) string {
	n := &m.nodes[i]
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s:%d@%d ", n.id, n.host, n.port, n.port+10000)
	if i == m.myself {
		b.WriteString("myself,")
	}
	primary := "-"
	if n.primary != noNode {
		b.WriteString("slave")
		primary = m.nodes[n.primary].id
	} else {
		b.WriteString("master")
	}
	fmt.Fprintf(&b, " %s 0 0 %d connected", primary, n.epoch)
	for _, r := range m.slotsOf(i) {
		if r[0] == r[1] {
			fmt.Fprintf(&b, " %d", r[0])
		} else {
			fmt.Fprintf(&b, " %d-%d", r[0], r[1])
		}
	}
	if i == m.myself {
		for s := 0; s < backend.ClusterSlots && m.open > 0; s++ {
			if to, ok := m.migrating[s]; ok {
				fmt.Fprintf(&b, " [%d->-%s]", s, m.nodes[to].id)
			} else if from, ok := m.importing[s]; ok {
				fmt.Fprintf(&b, " [%d-<-%s]", s, m.nodes[from].id)
			}
		}
	}
	return b.String()
}

func clusterNodes(c *Ctx) error {
	m := c.clusterMap()
	var b strings.Builder
	for i := range m.nodes {
		b.WriteString(m.nodeLine(i))
		b.WriteByte('\n')
	}
	c.Verbatim([]byte(b.String()))
	return nil
}

func clusterReplicas(c *Ctx) error {
	m := c.clusterMap()
	n := m.find(c.Args[2])
	switch {
	case n == noNode:
		return clusterUnknownNode(c.Args[2])
	case m.isReplica(n):
		return ErrClusterSpecNotMstr
	}
	reps := m.replicasOf(n)
	c.Array(len(reps))
	for _, r := range reps {
		c.BulkString(m.nodeLine(r))
	}
	return nil
}

func clusterSlots(c *Ctx) error {
	m := c.clusterMap()
	mark, n := c.ArrayMark(), 0
	for s := 0; s < backend.ClusterSlots; {
		o := int(m.owner[s])
		end := s
		for end+1 < backend.ClusterSlots && int(m.owner[end+1]) == o {
			end++
		}
		if o != noNode {
			reps := m.replicasOf(o)
			c.Array(3 + len(reps))
			c.Int(int64(s))
			c.Int(int64(end))
			c.clusterSlotsNode(&m.nodes[o])
			for _, r := range reps {
				c.clusterSlotsNode(&m.nodes[r])
			}
			n++
		}
		s = end + 1
	}
	c.ArrayEnd(mark, n)
	return nil
}

// clusterSlotsNode is a node of CLUSTER SLOTS: ip, port, id and the
// (empty) map of its other endpoints.
func (c *Ctx) clusterSlotsNode(n *clusterNode) {
	c.Array(4)
	c.BulkString(n.host)
	c.Int(int64(n.port))
	c.BulkString(n.id)
	c.Map(0)
}

func clusterShards(c *Ctx) error {
	m := c.clusterMap()
	var primaries []int
	for i := range m.nodes {
		if !m.isReplica(i) {
			primaries = append(primaries, i)
		}
	}
	c.Array(len(primaries))
	for _, p := range primaries {
		c.Map(2)
		c.BulkString("slots")
		ranges := m.slotsOf(p)
		c.Array(2 * len(ranges))
		for _, r := range ranges {
			c.Int(int64(r[0]))
			c.Int(int64(r[1]))
		}
		c.BulkString("nodes")
		reps := m.replicasOf(p)
		c.Array(1 + len(reps))
		for _, i := range append([]int{p}, reps...) {
			c.clusterShardNode(m, i)
		}
	}
	return nil
}

// clusterShardNode is a node of CLUSTER SHARDS.
func (c *Ctx) clusterShardNode(m *slotMap, i int) {
	n := &m.nodes[i]
	var offset int64
	if i == m.myself {
		offset = c.e.repl.stream.info().end
	}
	role, health := "master", "online"
	if m.isReplica(i) {
		role = "replica"
		if offset == 0 {
			health = "loading"
		}
	}
	c.Map(7)
	c.BulkString("id")
	c.BulkString(n.id)
	c.BulkString("port")
	c.Int(int64(n.port))
	c.BulkString("ip")
	c.BulkString(n.host)
	c.BulkString("endpoint")
	c.BulkString(n.host)
	c.BulkString("role")
	c.BulkString(role)
	c.BulkString("replication-offset")
	c.Int(offset)
	c.BulkString("health")
	c.BulkString(health)
}

// clusterInfo is CLUSTER INFO with Redis 7.0's fields. There is no bus:
// no messages, no failing slots.
func clusterInfo(c *Ctx) error {
	m := c.clusterMap()
	state := "fail"
	if c.e.cluster.stateOK(m) {
		state = "ok"
	}
	size := 0
	for i := range m.nodes {
		if !m.isReplica(i) && m.numSlots(i) > 0 {
			size++
		}
	}
	myEpoch := m.me().epoch
	if m.isReplica(m.myself) {
		myEpoch = m.nodes[m.me().primary].epoch
	}
	fields := [][2]string{
		{"cluster_state", state},
		{"cluster_slots_assigned", strconv.Itoa(m.assigned)},
		{"cluster_slots_ok", strconv.Itoa(m.assigned)},
		{"cluster_slots_pfail", "0"},
		{"cluster_slots_fail", "0"},
		{"cluster_known_nodes", strconv.Itoa(len(m.nodes))},
		{"cluster_size", strconv.Itoa(size)},
		{"cluster_current_epoch", strconv.FormatUint(m.maxEpoch(), 10)},
		{"cluster_my_epoch", strconv.FormatUint(myEpoch, 10)},
		{"cluster_stats_messages_sent", "0"},
		{"cluster_stats_messages_received", "0"},
		{"total_cluster_links_buffer_limit_exceeded", "0"},
	}
	c.Verbatim(appendInfoFields(nil, fields))
	return nil
}

// appendInfoFields appends "name:value\r\n" lines, as INFO and CLUSTER
// INFO write them.
func appendInfoFields(b []byte, fields [][2]string) []byte {
	for _, f := range fields {
		b = append(b, f[0]...)
		b = append(b, ':')
		b = append(b, f[1]...)
		b = append(b, "\r\n"...)
	}
	return b
}

func clusterHelp(c *Ctx) error {
	return helpReply(c, "CLUSTER", []string{
		"ADDSLOTS <slot> [<slot> ...]",
		"    Assign slots to current node.",
		"ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
		"    Assign slots which are between <start-slot> and <end-slot> to current node.",
		"BUMPEPOCH",
		"    Advance the cluster config epoch.",
		"COUNT-FAILURE-REPORTS <node-id>",
		"    Return number of failure reports for <node-id>.",
		"COUNTKEYSINSLOT <slot>",
		"    Return the number of keys in <slot>.",
		"DELSLOTS <slot> [<slot> ...]",
		"    Delete slots information from current node.",
		"DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
		"    Delete slots information which are between <start-slot> and <end-slot> from current node.",
		"FAILOVER [FORCE|TAKEOVER]",
		"    Promote current replica node to being a master.",
		"FORGET <node-id>",
		"    Remove a node from the cluster.",
		"GETKEYSINSLOT <slot> <count>",
		"    Return key names stored by current node in a slot.",
		"FLUSHSLOTS",
		"    Delete current node own slots information.",
		"INFO",
		"    Return information about the cluster.",
		"KEYSLOT <key>",
		"    Return the hash slot for <key>.",
		"MEET <ip> <port> [<bus-port>]",
		"    Connect nodes into a working cluster.",
		"MYID",
		"    Return the node id.",
		"NODES",
		"    Return cluster configuration seen by node. Output format:",
		"    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
		"REPLICATE <node-id>",
		"    Configure current node as replica to <node-id>.",
		"RESET [HARD|SOFT]",
		"    Reset current node (default: soft).",
		"SET-CONFIG-EPOCH <epoch>",
		"    Set config epoch of current node.",
		"SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
		"    Set slot state.",
		"REPLICAS <node-id>",
		"    Return <node-id> replicas.",
		"SAVECONFIG",
		"    Force saving cluster configuration on disk.",
		"SLOTS",
		"    Return information about slots range mappings. Each range is made of:",
		"    start, end, master and replicas IP addresses, ports and ids",
		"SHARDS",
		"    Return information about slot range mappings and the nodes associated with them.",
		"LINKS",
		"    Return information about all network links between this node and its peers.",
		"    Output format is an array where each array element is a map containing attributes of a link",
	})
}
