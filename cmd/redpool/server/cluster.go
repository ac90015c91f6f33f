package server

import (
	"net"
	"strconv"

	"redpool/cmd/redpool/config"
	"redpool/command"
)

// clusterOptions turns [cluster] into the engine's slot map (nil: off).
// The config was validated.
func clusterOptions(c config.Cluster) *command.ClusterOptions {
	if !c.Enabled {
		return nil
	}
	o := &command.ClusterOptions{Myself: c.Myself}
	for _, n := range c.Nodes {
		host, port, _ := n.HostPort()
		ranges, _ := n.SlotRanges()
		o.Nodes = append(o.Nodes, command.ClusterNode{ID: n.ID, Host: host, Port: port, Slots: ranges, ReplicaOf: n.ReplicaOf})
	}
	return o
}

// clusterConfigNodes is the running slot map as [[cluster.node]] tables
// (CONFIG REWRITE, CLUSTER SAVECONFIG).
func clusterConfigNodes(nodes []command.ClusterNode) config.ClusterNodes {
	out := config.ClusterNodes{}
	for _, n := range nodes {
		slots := []string{}
		for _, r := range n.Slots {
			if r[0] == r[1] {
				slots = append(slots, strconv.Itoa(r[0]))
			} else {
				slots = append(slots, strconv.Itoa(r[0])+"-"+strconv.Itoa(r[1]))
			}
		}
		out = append(out, config.ClusterNode{ID: n.ID, Addr: net.JoinHostPort(n.Host, strconv.Itoa(n.Port)), Slots: slots, ReplicaOf: n.ReplicaOf})
	}
	return out
}
