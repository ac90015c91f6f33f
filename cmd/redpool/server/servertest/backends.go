package servertest

import "redpool/cmd/redpool/config"

func backends() []Backend {
	return []Backend{
		{Name: "memory", Apply: func(c *config.Config) { c.Backend = config.BackendMemory }},
	}
}
