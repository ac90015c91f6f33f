package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/command"
	"redpool/persistence/fsutil"
	"redpool/persistence/snapshot"
)

// snapshotPersistence is persistence.mode = "snapshot": SAVE, BGSAVE, save
// rules and INFO persistence through a snapshot.Saver.
//
// With the memory backend the snapshot is the store's persistence: it is
// loaded at start, saved at graceful shutdown (unless SHUTDOWN NOSAVE), and a
// failed background save stops writes (MISCONF) until a save succeeds, as
// Redis's stop-writes-on-bgsave-error when save rules exist.
//
// With the bolt backend the data is already durable in the bolt file, so the
// snapshot is a backup in the same portable format: SAVE, BGSAVE and the save
// rules write it, but it is not loaded at start, shutdown saves only on
// SHUTDOWN SAVE, and a failed backup does not stop writes. Move it into a
// store with "redpool snapshot restore".
type snapshotPersistence struct {
	saver *snapshot.Saver
	// primary: the snapshot is the data's only copy on disk (memory backend).
	primary bool
	logger  *slog.Logger
	started bool // Start succeeded: only then may Close save
}

func openSnapshot(cfg config.Config, b backend.Backend, clock backend.Clock, logger *slog.Logger, hooks storageHooks) (persistence, error) {
	primary := cfg.Backend != config.BackendBolt
	rules := make([]snapshot.Rule, len(cfg.Persistence.Snapshot.Save))
	for i, r := range cfg.Persistence.Snapshot.Save {
		rules[i] = snapshot.Rule{Seconds: r.Seconds, Changes: r.Changes}
	}
	var dur fsutil.DurabilityRecorder
	if primary {
		dur = hooks.recorder() // with bolt, the snapshot is a backup
	}
	s := snapshot.NewSaver(snapshot.SaverOptions{
		Durability: dur,
		Backend:    b,
		Path:       cfg.Path(cfg.Persistence.Snapshot.File),
		Rules:      rules,
		Clock:      clock,
		Logger:     logger,
		StopWrites: primary,
	})
	return &snapshotPersistence{saver: s, primary: primary, logger: logger}, nil
}

// Start removes stale temporary files, loads the snapshot (memory backend
// only) and starts the save rules.
func (p *snapshotPersistence) Start(eng *command.Engine) error {
	if err := p.saver.CleanTemp(); err != nil {
		p.logger.Warn("cannot remove stale temporary snapshot files", "err", err)
	}
	if p.primary {
		// Loading allocates the whole data set at once: a higher GC target
		// while it runs skips collections that would free nothing. Nothing
		// else runs yet, so the process-wide setting is safe to borrow.
		restore := raiseGCPercent(400)
		_, err := p.saver.Load(context.Background())
		restore()
		if err != nil {
			return fmt.Errorf("load snapshot: %w", err)
		}
	}
	p.saver.Start(eng.Dirty)
	p.started = true
	return nil
}

// raiseGCPercent raises the GC target to at least pct (unless GC is off)
// and returns the function that puts the old one back.
func raiseGCPercent(pct int) func() {
	old := debug.SetGCPercent(pct)
	if old < 0 || old >= pct {
		debug.SetGCPercent(old)
		return func() {}
	}
	return func() { debug.SetGCPercent(old) }
}

// Close stops the save rules and saves as asked: save nil means "as
// configured" (memory backend: save; bolt: no backup).
func (p *snapshotPersistence) Close(ctx context.Context, save *bool) error {
	doSave := p.saveOnShutdown(save)
	// A server whose start failed (say, on a corrupt snapshot) must not
	// write its empty store over the file.
	return p.saver.Close(ctx, doSave && p.started)
}

// saveOnShutdown says whether shutdown saves: SHUTDOWN SAVE/NOSAVE, or by
// default when the snapshot is the primary store (memory backend).
func (p *snapshotPersistence) saveOnShutdown(save *bool) bool {
	if save != nil {
		return *save
	}
	return p.primary
}

// PrepareShutdown saves now when shutdown will save, so that a failing save
// refuses the SHUTDOWN.
func (p *snapshotPersistence) PrepareShutdown(save *bool) error {
	if !p.started || !p.saveOnShutdown(save) {
		return nil
	}
	return p.Save()
}

// Log: snapshots keep no append-only log.
func (p *snapshotPersistence) Log() command.Log { return nil }

// Save runs SAVE.
func (p *snapshotPersistence) Save() error { return saverError(p.saver.Save(context.Background())) }

// BGSave runs BGSAVE.
func (p *snapshotPersistence) BGSave() error { return saverError(p.saver.BGSave()) }

// LastSave answers LASTSAVE.
func (p *snapshotPersistence) LastSave() time.Time { return p.saver.LastSave() }

// BGRewriteAOF: there is no AOF in snapshot mode.
func (p *snapshotPersistence) BGRewriteAOF() error { return command.ErrPersistDisabled }

// AOFBuffered is 0: there is no AOF in snapshot mode.
func (p *snapshotPersistence) AOFBuffered() int64 { return 0 }

// Err refuses writes after a failed background save (memory backend).
func (p *snapshotPersistence) Err() error { return p.saver.Err() }

// Info returns the INFO persistence fields after "loading".
func (p *snapshotPersistence) Info() [][2]string {
	return append(p.saver.Info(),
		[2]string{"aof_enabled", "0"},
		[2]string{"aof_rewrite_in_progress", "0"},
		[2]string{"aof_rewrite_scheduled", "0"},
		[2]string{"aof_last_rewrite_time_sec", "-1"},
		[2]string{"aof_current_rewrite_time_sec", "-1"},
		[2]string{"aof_last_bgrewrite_status", "ok"},
		[2]string{"aof_rewrites", "0"},
		[2]string{"aof_last_write_status", "ok"},
	)
}

// saverError maps the Saver's sentinels to reply errors.
func saverError(err error) error {
	if errors.Is(err, snapshot.ErrInProgress) {
		return command.ErrBackgroundSave
	}
	return err
}

// Snapshotter returns the snapshot Saver when persistence.mode is
// "snapshot", else nil. Tests use it to run the save rules (CheckRules) with
// an injected clock and to wait for background saves.
func (s *Server) Snapshotter() *snapshot.Saver {
	if p, ok := s.persist.(*snapshotPersistence); ok {
		return p.saver
	}
	return nil
}
