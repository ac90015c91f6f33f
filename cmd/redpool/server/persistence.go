package server

import (
	"context"
	"log/slog"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/command"
)

// persistence is what a persistence mode (AOF, snapshot) gives the server.
type persistence interface {
	command.Persister
	// Log is the AOF the engine appends writes to, or nil.
	Log() command.Log
	// Start loads the persisted data into the backend (through eng where
	// commands are replayed) and starts background work (fsync, save rules).
	// It runs before the server accepts clients.
	Start(eng *command.Engine) error
	// Close stops background work and makes everything durable; save is
	// SHUTDOWN's SAVE/NOSAVE choice (nil: as configured).
	Close(ctx context.Context, save *bool) error
	// PrepareShutdown runs when SHUTDOWN is asked for, before the server
	// stops serving: a save that shutdown requires is tried here, so that,
	// as in Redis, a failing save refuses the SHUTDOWN and the server keeps
	// running. Close still makes the final state durable.
	PrepareShutdown(save *bool) error
}

// openPersistence builds the configured persistence mode, or nil for none.
func openPersistence(cfg config.Config, b backend.Backend, clock backend.Clock, logger *slog.Logger, hooks storageHooks) (persistence, error) {
	switch cfg.PersistMode() {
	case config.ModeAOF:
		return openAOF(cfg, b, clock, logger, hooks)
	case config.ModeSnapshot:
		return openSnapshot(cfg, b, clock, logger, hooks)
	default:
		return nil, nil
	}
}
