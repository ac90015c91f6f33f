package server

import (
	"errors"
	"log/slog"

	"redpool/backend"
	"redpool/backend/memory"
	"redpool/cmd/redpool/config"
)

// openBackend opens the configured backend.
func openBackend(cfg config.Config, clock backend.Clock, logger *slog.Logger) (backend.Backend, error) {
	switch cfg.Backend {
	case config.BackendMemory:
		return memory.New(memory.Options{Databases: cfg.Databases, Clock: clock, Logger: logger}), nil
	default:
		return nil, errors.New(`backend = "bolt" is not available yet; use "memory"`)
	}
}
