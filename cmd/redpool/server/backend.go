package server

import (
	"fmt"
	"log/slog"

	"redpool/backend"
	"redpool/backend/bolt"
	"redpool/backend/memory"
	"redpool/cmd/redpool/config"
)

// OpenBackend opens the backend cfg describes, as the server does. Tools
// (redpool snapshot restore) use it too; the caller must Close the backend.
// clock and logger may be nil.
func OpenBackend(cfg config.Config, clock backend.Clock, logger *slog.Logger) (backend.Backend, error) {
	return openBackend(cfg, clock, logger, nil)
}

// openBackend is OpenBackend with onExpire hearing of every key expiry
// removes (nil: nobody listens).
func openBackend(cfg config.Config, clock backend.Clock, logger *slog.Logger, onExpire backend.ExpireFunc) (backend.Backend, error) {
	if clock == nil {
		clock = backend.SystemClock{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	switch cfg.Backend {
	case config.BackendMemory:
		return memory.New(memory.Options{Databases: cfg.Databases, Clock: clock, Logger: logger, OnExpire: onExpire}), nil
	case config.BackendBolt:
		sync, err := bolt.ParseSync(cfg.Bolt.Sync.String())
		if err != nil {
			return nil, fmt.Errorf("bolt.sync: %w", err)
		}
		return bolt.Open(bolt.Options{
			Path:      cfg.Path(cfg.Bolt.File),
			Sync:      sync,
			Databases: cfg.Databases,
			Clock:     clock,
			Logger:    logger,
			OnExpire:  onExpire,
		})
	default:
		return nil, fmt.Errorf("backend = %q is not supported", cfg.Backend)
	}
}
