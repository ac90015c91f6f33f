package server

import (
	"context"
	"errors"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/command"
	"redpool/persistence/aof"
	"redpool/persistence/snapshot"
)

// reloadFiles is the command.Reloader the server gives its engine: where
// DEBUG RELOAD saves the dataset and loads it back, and the AOF DEBUG
// LOADAOF replays.
//
// RELOAD goes through the snapshot file (persistence.snapshot.file) in
// every configuration, as Redis's goes through its dbfilename whether or
// not save rules or the AOF are on: with persistence.mode = "snapshot" the
// Saver writes it (a save like SAVE: LASTSAVE, rdb_saves and
// rdb_changes_since_last_save follow); otherwise the file is written
// directly. The load stores it in the backend, memory or bolt, in the
// command's own transaction. Safe for concurrent use (the command holds
// every key while it calls these).
type reloadFiles struct {
	path  string
	saver *snapshot.Saver // persistence.mode = "snapshot", else nil
	log   *aof.Log        // the AOF (memory backend), else nil
	clock backend.Clock
}

// newReloadFiles builds the reload hook for cfg and the persistence the
// server opened (nil: none).
func newReloadFiles(cfg config.Config, p persistence, clock backend.Clock) *reloadFiles {
	r := &reloadFiles{path: cfg.Path(cfg.Persistence.Snapshot.File), clock: clock}
	switch p := p.(type) {
	case *snapshotPersistence:
		r.saver = p.saver
	case *aofPersistence:
		r.log = p.log
	}
	return r
}

// SaveReload implements command.Reloader.
func (r *reloadFiles) SaveReload(snap backend.Snapshot, dirty int64) error {
	if r.saver != nil {
		return r.saver.SaveView(context.Background(), snap, dirty)
	}
	_, err := snapshot.Save(context.Background(), r.path, snap, r.clock.Now().UnixMilli())
	return errors.Join(err, snap.Close())
}

// LoadReload implements command.Reloader.
func (r *reloadFiles) LoadReload(b backend.Backend) error {
	_, err := snapshot.Load(context.Background(), r.path, b)
	return err
}

// HasAOF implements command.Reloader.
func (r *reloadFiles) HasAOF() bool { return r.log != nil }

// LoadAOF implements command.Reloader: the log is replayed through a
// command engine of its own on b, as at start.
func (r *reloadFiles) LoadAOF(b backend.Backend, fns *command.FunctionLibraries) error {
	rp, err := aof.NewReplayer(b, r.clock, fns)
	if err != nil {
		return err
	}
	return r.log.Reload(rp)
}
