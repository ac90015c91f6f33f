package command

import (
	"runtime"
	"time"
)

// Metrics is a point-in-time reading of the figures INFO reports, for the
// metrics exporter. Commands holds every command (and subcommand) called
// or rejected since the last CONFIG RESETSTAT.
type Metrics struct {
	Uptime           time.Duration
	Started          time.Time
	ConnectedClients int
	BlockedClients   int
	Connections      int64 // connections accepted
	Rejected         int64 // connections refused at max clients
	CommandsTotal    int64
	NetInput         int64
	NetOutput        int64
	ExpiredKeys      int64
	EvictedKeys      int64 // INFO's evicted_keys
	ErrorReplies     int64
	Errors           map[string]int64 // error replies by code ("ERR")
	UsedMemory       int64            // INFO's used_memory
	DatasetBytes     int64            // the backend's accounting of the data
	Keys             []int64
	Expires          []int64
	Commands         []CommandMetrics
}

// CommandMetrics is one command's INFO commandstats line.
type CommandMetrics struct {
	Name                    string // "get", "config|get"
	Calls, Rejected, Failed int64
	Duration                time.Duration
}

// Metrics reads the server's figures. It is safe for concurrent use and
// takes no lock that commands hold for long.
func (e *Engine) Metrics() Metrics {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := e.backend.Stats()
	commands, netIn, netOut := e.totals()
	m := Metrics{
		Uptime:           e.clock.Now().Sub(e.started),
		Started:          e.started,
		ConnectedClients: e.ConnectedClients(),
		BlockedClients:   e.blocking.count(),
		Connections:      e.conns.Load(),
		Rejected:         e.rejected.Load(),
		CommandsTotal:    commands,
		NetInput:         netIn,
		NetOutput:        netOut,
		ExpiredKeys:      st.ExpiredKeys,
		EvictedKeys:      e.mm.evicted.Load(),
		ErrorReplies:     e.errors.total.Load(),
		Errors:           e.errors.byCode(),
		UsedMemory:       e.usedMemory(int64(ms.HeapAlloc)),
		DatasetBytes:     st.UsedBytes,
		Keys:             st.Keys,
		Expires:          st.Expires,
	}
	e.table.eachStat(func(s *Spec, calls, usec, rejected, failed int64) {
		m.Commands = append(m.Commands, CommandMetrics{
			Name: s.FullName(), Calls: calls, Rejected: rejected, Failed: failed,
			Duration: time.Duration(usec) * time.Microsecond,
		})
	})
	return m
}
