package servertest

import "redpool/cmd/redpool/config"

// backends lists every backend. bolt runs with sync = "none" in tests: the
// crash tests cover the durable settings.
func backends() []Backend {
	return []Backend{
		{Name: "memory", Apply: func(c *config.Config) { c.Backend = config.BackendMemory }},
		{Name: "bolt", Apply: func(c *config.Config) {
			c.Backend = config.BackendBolt
			c.Bolt.Sync = config.BoltSyncNone
			if c.Persistence.Mode == config.ModeAOF {
				c.Persistence.Mode = config.ModeNone
			}
		}},
	}
}
