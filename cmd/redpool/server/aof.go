package server

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strconv"
	"time"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/command"
	"redpool/persistence/aof"
)

// aofPersistence is persistence.mode = "aof": the append-only file.
type aofPersistence struct {
	log     *aof.Log
	backend backend.Backend
	clock   backend.Clock
	started time.Time
	eng     *command.Engine
}

// openAOF prepares the append-only file; Start loads it. Persistence is
// for the memory backend: the bolt backend is durable by itself, so with it
// there is nothing to do.
func openAOF(cfg config.Config, b backend.Backend, clock backend.Clock, logger *slog.Logger, hooks storageHooks) (persistence, error) {
	if cfg.Backend != config.BackendMemory {
		return nil, nil
	}
	path := cfg.Path(cfg.Persistence.AOF.File)
	p := &aofPersistence{backend: b, clock: clock, started: clock.Now()}
	l := aof.New(aof.Options{
		Dir:               filepath.Dir(path),
		Name:              filepath.Base(path),
		Fsync:             aofFsync(cfg.Persistence.AOF.Fsync),
		RewritePercentage: cfg.Persistence.AOF.RewritePercentage,
		RewriteMinSize:    int64(cfg.Persistence.AOF.RewriteMinSize),
		MaxBulkLen:        max(int64(cfg.ProtoMaxBulkLen), aof.DefaultMaxBulkLen),
		Backend:           b,
		Logger:            logger,
		OnFsync:           hooks.onFsync,
		Durability:        hooks.recorder(),
		Preamble:          func() [][][]byte { return p.eng.FunctionRecords() },
	})
	p.log = l
	return p, nil
}

func aofFsync(p config.FsyncPolicy) aof.Fsync {
	switch p {
	case config.FsyncAlways:
		return aof.FsyncAlways
	case config.FsyncNo:
		return aof.FsyncNo
	default:
		return aof.FsyncEverySec
	}
}

// Log implements persistence.
func (p *aofPersistence) Log() command.Log { return p.log }

// Start replays the log into the backend through a command engine of its
// own (so nothing is logged again) and starts the writer.
func (p *aofPersistence) Start(eng *command.Engine) error {
	p.eng = eng
	r, err := aof.NewReplayer(p.backend, p.clock, eng.Functions())
	if err != nil {
		return err
	}
	return p.log.Start(r)
}

// Close implements persistence: the log is written and fsynced; there is
// nothing else to save.
func (p *aofPersistence) Close(ctx context.Context, _ *bool) error { return p.log.Close(ctx) }

// Save implements command.Persister: snapshots are another mode.
func (p *aofPersistence) Save() error { return command.ErrPersistDisabled }

// PrepareShutdown: the log is made durable by Close.
func (p *aofPersistence) PrepareShutdown(*bool) error { return nil }

// BGSave implements command.Persister.
func (p *aofPersistence) BGSave() error { return command.ErrPersistDisabled }

// LastSave is the start time, as Redis reports it without snapshots.
func (p *aofPersistence) LastSave() time.Time { return p.started }

// AOFBuffered implements command.Persister.
func (p *aofPersistence) AOFBuffered() int64 { return p.log.Buffered() }

// BGRewriteAOF starts a rewrite.
func (p *aofPersistence) BGRewriteAOF() error {
	if err := p.log.BGRewrite(); errors.Is(err, aof.ErrRewriteInProgress) {
		return command.ErrBackgroundAOF
	} else if err != nil {
		return err
	}
	return nil
}

// Err is nil: the log's own Err refuses writes with the AOF's MISCONF.
func (p *aofPersistence) Err() error { return nil }

// Info returns the INFO persistence fields.
func (p *aofPersistence) Info() [][2]string {
	var dirty int64
	if p.eng != nil {
		dirty = p.eng.Dirty()
	}
	fields := [][2]string{
		{"rdb_changes_since_last_save", strconv.FormatInt(dirty, 10)},
		{"rdb_bgsave_in_progress", "0"},
		{"rdb_last_save_time", strconv.FormatInt(p.started.Unix(), 10)},
		{"rdb_last_bgsave_status", "ok"},
		{"rdb_last_bgsave_time_sec", "-1"},
		{"rdb_current_bgsave_time_sec", "-1"},
		{"rdb_saves", "0"},
	}
	return append(fields, p.log.Info()...)
}
