package server

import (
	"fmt"
	"log/slog"
	"time"

	"redpool/backend"
	"redpool/backend/bolt"
	"redpool/backend/memory"
	"redpool/cmd/redpool/config"
	"redpool/command"
	"redpool/persistence/fsutil"
)

// OpenBackend opens the backend cfg describes, as the server does. Tools
// (redpool snapshot restore) use it too; the caller must Close the backend.
// clock and logger may be nil.
func OpenBackend(cfg config.Config, clock backend.Clock, logger *slog.Logger) (backend.Backend, error) {
	return openBackend(cfg, clock, logger, storageHooks{})
}

// storageHooks are what the server hears from the storage layers (keyspace
// events, metrics); zero fields hear nothing.
type storageHooks struct {
	onExpire backend.ExpireFunc       // every key expiry removes
	onFsync  func(time.Duration)      // each AOF fsync
	onCommit func(int, time.Duration) // each bolt commit: updates, time
	// durability hears when acknowledged writes become durable (nil: no one).
	durability *command.Durability
}

// recorder is durability as the persistence layers take it: nil if none.
func (h storageHooks) recorder() fsutil.DurabilityRecorder {
	if h.durability == nil {
		return nil
	}
	return h.durability
}

// newDurability measures how long writes stay acknowledged but not
// durable. The AOF reports its own acknowledgements (none under
// appendfsync always); otherwise the engine reports every write, which the
// snapshot saver or bbolt's fsyncs make durable (bbolt with sync = always
// fsyncs before the reply: nothing to report).
func newDurability(cfg config.Config, clock backend.Clock) *command.Durability {
	engineAcks := cfg.PersistMode() != config.ModeAOF
	if cfg.Backend == config.BackendBolt {
		engineAcks = cfg.Bolt.Sync != config.BoltSyncAlways
	}
	return command.NewDurability(command.DurabilityOptions{Clock: clock, EngineAcks: engineAcks})
}

// openBackend is OpenBackend with hooks.
func openBackend(cfg config.Config, clock backend.Clock, logger *slog.Logger, hooks storageHooks) (backend.Backend, error) {
	if clock == nil {
		clock = backend.SystemClock{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	switch cfg.Backend {
	case config.BackendMemory:
		return memory.New(memory.Options{Databases: cfg.Databases, Clock: clock, Logger: logger, OnExpire: hooks.onExpire,
			SlotIndex: cfg.Cluster.Enabled}), nil
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
			OnCommit:  hooks.onCommit,
			OnExpire:  hooks.onExpire,
			SlotIndex: cfg.Cluster.Enabled,
			OnSync:    hooks.recorder(),
		})
	default:
		return nil, fmt.Errorf("backend = %q is not supported", cfg.Backend)
	}
}
