package server

import (
	"strconv"

	"redpool/cmd/redpool/config"
	"redpool/command"
)

// rewriteConfig is CONFIG REWRITE: the running configuration into the
// file the server started from.
func (s *Server) rewriteConfig() error {
	if s.configFile == "" {
		return command.ErrNoConfigFile
	}
	s.rewriteMu.Lock()
	defer s.rewriteMu.Unlock()
	return config.Rewrite(s.configFile, s.runningConfig())
}

// runningConfig is the configuration the server started with, with what
// CONFIG SET changed since. A setting whose value means the same as the
// file's (notify-keyspace-events "KEA" and "AKE") keeps the file's text.
func (s *Server) runningConfig() config.Config {
	cur := s.cfg
	cur.MaxClients = s.pool.MaxClients()
	cur.Timeout = config.Duration(s.settings.IdleTimeout())
	cur.ProtoMaxBulkLen = config.Size(s.settings.MaxBulkLen())
	cur.TLS = s.tls.settings()
	cur.ProtectedMode = s.settings.ProtectedMode()
	cur.ClientQueryBufferLimit = config.Size(s.settings.MaxQueryBuf())
	if was, _ := command.ParseNotifyClasses(cur.NotifyKeyspaceEvents); was != s.engine.NotifyEvents() {
		cur.NotifyKeyspaceEvents = s.engine.NotifyEvents().String()
	}
	cur.ReplicaOf = s.engine.Primary()
	if myself, nodes := s.engine.ClusterNodes(); nodes != nil {
		cur.Cluster.Myself, cur.Cluster.Nodes = myself, clusterConfigNodes(nodes)
	}
	params := s.engine.Params()
	cur.MasterAuth = params.Lookup("masterauth").Get()
	cur.MasterUser = params.Lookup("masteruser").Get()
	if n, err := strconv.ParseInt(params.Lookup("repl-backlog-size").Get(), 10, 64); err == nil {
		cur.ReplBacklogSize = config.Size(n)
	}
	limits := s.engine.OutputLimits()
	for class, l := range map[command.ClientClass]*config.OutputBufferLimit{
		command.ClassNormal:  &cur.OutputBufferLimit.Normal,
		command.ClassReplica: &cur.OutputBufferLimit.Replica,
		command.ClassPubSub:  &cur.OutputBufferLimit.PubSub,
	} {
		o := limits[class]
		*l = config.OutputBufferLimit{Hard: config.Size(o.Hard), Soft: config.Size(o.Soft), SoftSeconds: int(o.SoftSeconds)}
	}
	return cur
}
