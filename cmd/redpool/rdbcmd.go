package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"redpool/backend"
	"redpool/backend/memory"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/command"
	"redpool/persistence/aof"
	"redpool/persistence/fsutil"
	"redpool/persistence/rdb"
	"redpool/persistence/snapshot"
)

const rdbUsage = `  redpool snapshot import-rdb [-config FILE] [-force] DUMP.RDB
      Load a Redis RDB file (versions 1 to 10: Redis 7.0 and older) into
      the data the config describes: the bolt file (backend = "bolt"), or
      the snapshot or AOF a memory server loads at start (persistence.mode
      = "snapshot" or "aof"). Strings, lists, hashes, sets, sorted sets
      and streams (with their consumer groups, consumers and pending
      entries; deleted entries are dropped) of every database, with their
      expiry times (keys already expired are skipped), and function
      libraries. A key of a type redpool does not have (a module's) stops
      the import with an error naming it. Refuses a store that holds keys unless
      -force, which replaces them. Stop the server that uses the store
      first.
  redpool snapshot export-rdb [-config FILE] OUT.RDB
      Write the data the config's server would load (keys and function
      libraries) as an RDB file (version 10) that Redis 7.0 loads,
      atomically. Stop the server first (AOF and bolt stores are locked
      while it runs).
`

// rdbCmd parses the arguments of import-rdb and export-rdb: the flags
// (force only for import) and the one file.
func rdbCmd(name string, args []string, withForce bool, stderr io.Writer) (cfg config.Config, file string, force bool, fail func(string, ...any) int, code int) {
	fset := flag.NewFlagSet("redpool snapshot "+name, flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, snapshotUsage) }
	cfgPath := fset.String("config", "", "config file (default ./config.toml if present, else built-in defaults)")
	var forceFlag *bool
	if withForce {
		forceFlag = fset.Bool("force", false, "replace the keys of a store that is not empty")
	}
	pos, err := parseInterspersed(fset, args)
	if err != nil {
		return cfg, "", false, nil, 2
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, snapshotUsage)
		return cfg, "", false, nil, 2
	}
	fail = func(format string, a ...any) int {
		fmt.Fprintf(stderr, "redpool snapshot "+name+": "+format+"\n", a...)
		return 1
	}
	cfg, _, err = loadConfig(*cfgPath)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return cfg, "", false, nil, fail("bad config: %v", err)
	}
	if forceFlag != nil {
		force = *forceFlag
	}
	return cfg, pos[0], force, fail, 0
}

// snapshotImportRDB is `redpool snapshot import-rdb`.
func snapshotImportRDB(args []string, stdout, stderr io.Writer) int {
	cfg, src, force, fail, code := rdbCmd("import-rdb", args, true, stderr)
	if fail == nil {
		return code
	}
	f, err := os.Open(src)
	if err != nil {
		return fail("%v", err)
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	fr, err := rdb.NewFileReader(f, size)
	if err != nil {
		return fail("%s: %v", src, err)
	}
	start := time.Now()
	var (
		st   rdb.LoadStats
		name string
	)
	switch {
	case cfg.Backend == config.BackendBolt:
		name = cfg.Path(cfg.Bolt.File)
		st, err = importIntoBolt(cfg, fr, force)
	case cfg.PersistMode() == config.ModeSnapshot:
		name = cfg.Path(cfg.Persistence.Snapshot.File)
		st, err = importIntoSnapshot(cfg, fr, force)
	case cfg.PersistMode() == config.ModeAOF:
		name = cfg.Path(cfg.Persistence.AOF.File)
		st, err = importIntoAOF(cfg, fr, force)
	default:
		return fail(`cannot import into backend = %q with persistence.mode = %q: the server would load nothing`, cfg.Backend, cfg.PersistMode())
	}
	if err != nil {
		return fail("%s: %v", src, err)
	}
	fmt.Fprintf(stdout, "imported %d keys and %d function libraries from %s into %s (%d already expired, skipped) in %s\n",
		st.Loaded, st.Libraries, src, name, st.Expired, time.Since(start).Round(time.Millisecond))
	return 0
}

// importIntoBolt loads fr into the configured bolt file.
func importIntoBolt(cfg config.Config, fr *rdb.FileReader, force bool) (st rdb.LoadStats, err error) {
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return st, err
	}
	b, err := server.OpenBackend(cfg, backend.SystemClock{}, slog.New(slog.DiscardHandler))
	if err != nil {
		return st, fmt.Errorf("open the %s backend: %w", cfg.Backend, err)
	}
	defer func() {
		if cerr := b.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close the %s backend: %w", cfg.Backend, cerr)
		}
	}()
	if err := emptyStore(b, cfg.Path(cfg.Bolt.File), force); err != nil {
		return st, err
	}
	funcs, err := newFuncStore(b)
	if err != nil {
		return st, err
	}
	st, err = rdb.Load(context.Background(), fr, b, time.Now().UnixMilli(), funcs.load)
	return st, partial(err)
}

// partial says that a failed load may have stored part of the file.
func partial(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w (the store may hold part of the file: fix the problem and run again with -force)", err)
}

// importIntoSnapshot writes fr as the configured snapshot file, which a
// memory server loads at start. A file without function libraries is
// copied record by record, never all in memory; one with libraries goes
// through a memory backend, which keeps them as the server does.
func importIntoSnapshot(cfg config.Config, fr *rdb.FileReader, force bool) (st rdb.LoadStats, err error) {
	dst := cfg.Path(cfg.Persistence.Snapshot.File)
	if err := snapshotEmpty(dst, force); err != nil {
		return st, err
	}
	unlock, err := lockDirs(cfg)
	if err != nil {
		return st, err
	}
	defer func() { err = errors.Join(err, unlock()) }()
	now := time.Now()
	if rec, err := fr.Peek(); err == nil && rec.Kind == rdb.RecordFunction {
		b := memory.New(memory.Options{Databases: cfg.Databases})
		defer func() { err = errors.Join(err, b.Close()) }()
		funcs, err := newFuncStore(b)
		if err != nil {
			return st, err
		}
		if st, err = rdb.Load(context.Background(), fr, b, now.UnixMilli(), funcs.load); err != nil {
			return st, err
		}
		snap, err := b.Snapshot(nil)
		if err != nil {
			return st, err
		}
		defer snap.Close()
		_, err = snapshot.Save(context.Background(), dst, snap, now.UnixMilli())
		return st, err
	}
	_, err = snapshot.WriteFile(dst, now.UnixMilli(), func(write func(e *backend.Entry) error) error {
		var err error
		st, err = rdb.Each(fr, now.UnixMilli(), write, nil)
		return err
	})
	return st, err
}

// importIntoAOF loads fr into a memory backend on top of the configured
// AOF (replayed first, so that a store holding keys is refused unless
// force), then rewrites the AOF from it: the server replays that at start.
func importIntoAOF(cfg config.Config, fr *rdb.FileReader, force bool) (st rdb.LoadStats, err error) {
	unlock, err := lockDirs(cfg)
	if err != nil {
		return st, err
	}
	defer func() { err = errors.Join(err, unlock()) }()
	a, err := openAOFStore(cfg)
	if err != nil {
		return st, err
	}
	defer func() { err = errors.Join(err, a.close()) }()
	if err := emptyStore(a.b, cfg.Path(cfg.Persistence.AOF.File), force); err != nil {
		return st, err
	}
	if force {
		if err := a.funcs.apply("FUNCTION", "FLUSH"); err != nil {
			return st, err
		}
	}
	if st, err = rdb.Load(context.Background(), fr, a.b, time.Now().UnixMilli(), a.funcs.load); err != nil {
		return st, err
	}
	return st, a.rewrite()
}

// funcStore runs FUNCTION commands on the libraries of a backend through
// a command engine of its own, as the server runs them: libraries are
// compiled and checked, and stored in the backend with the keys.
type funcStore struct {
	eng *command.Engine
	r   aof.Replayer
}

// newFuncStore loads the libraries stored in b.
func newFuncStore(b backend.Backend) (*funcStore, error) {
	clock := backend.SystemClock{}
	fns := command.NewFunctionLibraries()
	eng, err := command.NewEngine(command.Options{Backend: b, Clock: clock, Functions: fns})
	if err != nil {
		return nil, err
	}
	if err := eng.LoadStoredFunctions(); err != nil {
		return nil, err
	}
	r, err := aof.NewReplayer(b, clock, fns)
	if err != nil {
		return nil, err
	}
	return &funcStore{eng: eng, r: r}, nil
}

// apply runs a command (FUNCTION LOAD, FLUSH).
func (s *funcStore) apply(args ...string) error {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	s.r.BeginFile()
	return s.r.Apply(argv)
}

// load is FUNCTION LOAD of code.
func (s *funcStore) load(code []byte) error {
	if err := s.apply("FUNCTION", "LOAD", string(code)); err != nil {
		return fmt.Errorf("FUNCTION LOAD of a library: %w", err)
	}
	return nil
}

// aofStore is the data of an AOF: a memory backend it was replayed into.
type aofStore struct {
	b     backend.Backend
	log   *aof.Log
	funcs *funcStore // its replayer replays the AOF
}

// openAOFStore replays the configured AOF (if there is one) into a new
// memory backend. The caller holds the directory locks.
func openAOFStore(cfg config.Config) (*aofStore, error) {
	b := memory.New(memory.Options{Databases: cfg.Databases})
	funcs, err := newFuncStore(b)
	if err != nil {
		return nil, errors.Join(err, b.Close())
	}
	path := cfg.Path(cfg.Persistence.AOF.File)
	l := aof.New(aof.Options{
		Dir:            filepath.Dir(path),
		Name:           filepath.Base(path),
		Fsync:          aof.FsyncNo,
		RewriteMinSize: 1 << 62, // no automatic rewrite
		MaxBulkLen:     max(int64(cfg.ProtoMaxBulkLen), aof.DefaultMaxBulkLen),
		Backend:        b,
		Preamble:       funcs.eng.FunctionRecords,
	})
	a := &aofStore{b: b, log: l, funcs: funcs}
	if err := l.Start(funcs.r); err != nil {
		return nil, errors.Join(fmt.Errorf("load the AOF %s: %w", path, err), a.close())
	}
	return a, nil
}

// rewrite replaces the AOF with the backend's data and waits for it.
func (a *aofStore) rewrite() error {
	if err := a.log.BGRewrite(); err != nil {
		return err
	}
	for a.log.Rewriting() {
		time.Sleep(10 * time.Millisecond)
	}
	for _, kv := range a.log.Info() {
		if kv[0] == "aof_last_bgrewrite_status" && kv[1] != "ok" {
			return errors.New("the AOF rewrite failed")
		}
	}
	return nil
}

func (a *aofStore) close() error {
	return errors.Join(a.log.Close(context.Background()), a.b.Close())
}

// lockDirs locks the directories the config's server writes in, as the
// server does, so that neither runs while the other writes there.
func lockDirs(cfg config.Config) (unlock func() error, err error) {
	var locks []*fsutil.DirLock
	unlock = func() error {
		var err error
		for _, l := range locks {
			err = errors.Join(err, l.Unlock())
		}
		return err
	}
	for _, dir := range cfg.WriteDirs() {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, errors.Join(err, unlock())
		}
		l, err := fsutil.LockDir(dir)
		if err != nil {
			return nil, errors.Join(err, unlock())
		}
		locks = append(locks, l)
	}
	return unlock, nil
}

// snapshotExportRDB is `redpool snapshot export-rdb`.
func snapshotExportRDB(args []string, stdout, stderr io.Writer) int {
	cfg, out, _, fail, code := rdbCmd("export-rdb", args, false, stderr)
	if fail == nil {
		return code
	}
	start := time.Now()
	o := rdb.FileOptions{Created: start.Unix()}
	var keys int64
	count := func(write func(e *backend.Entry) error) func(e *backend.Entry) error {
		return func(e *backend.Entry) error {
			keys++
			return write(e)
		}
	}
	var err error
	switch {
	case cfg.Backend == config.BackendBolt:
		var b backend.Backend
		b, err = server.OpenBackend(cfg, backend.SystemClock{}, slog.New(slog.DiscardHandler))
		if err != nil {
			return fail("open the %s backend: %v", cfg.Backend, err)
		}
		err = errors.Join(exportBackend(b, out, o, count), b.Close())
	case cfg.PersistMode() == config.ModeSnapshot:
		err = exportSnapshot(cfg.Path(cfg.Persistence.Snapshot.File), out, o, count)
	case cfg.PersistMode() == config.ModeAOF:
		err = exportAOF(cfg, out, o, count)
	default:
		return fail(`backend = %q with persistence.mode = %q: the server loads nothing at start`, cfg.Backend, cfg.PersistMode())
	}
	if err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "exported %d keys to %s in %s\n", keys, out, time.Since(start).Round(time.Millisecond))
	return 0
}

// counter wraps a write function to count the keys it writes.
type counter func(write func(e *backend.Entry) error) func(e *backend.Entry) error

// writeLibraries writes the libraries of a FUNCTION DUMP payload (the
// backend's AuxFunctions; nil: none).
func writeLibraries(f *rdb.FileWriter, payload []byte) error {
	if payload == nil {
		return nil
	}
	codes, err := command.ParseFunctionsPayload(payload)
	if err != nil {
		return fmt.Errorf("the stored function libraries: %w", err)
	}
	for _, code := range codes {
		if err := f.WriteFunction([]byte(code)); err != nil {
			return err
		}
	}
	return nil
}

// exportBackend writes b's data and libraries to out.
func exportBackend(b backend.Backend, out string, o rdb.FileOptions, count counter) error {
	snap, err := b.Snapshot(nil)
	if err != nil {
		return err
	}
	defer snap.Close()
	return rdb.WriteFile(out, o, func(f *rdb.FileWriter) error {
		if err := writeLibraries(f, snap.Aux()[backend.AuxFunctions]); err != nil {
			return err
		}
		return snap.Each(context.Background(), count(f.WriteEntry))
	})
}

// exportSnapshot writes the snapshot file src (none: no data) to out,
// record by record. The snapshot is verified first, so that a damaged one
// writes nothing.
func exportSnapshot(src, out string, o rdb.FileOptions, count counter) error {
	if _, err := snapshot.VerifyFile(src); errors.Is(err, fs.ErrNotExist) {
		return rdb.WriteFile(out, o, func(*rdb.FileWriter) error { return nil })
	} else if err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	d, err := snapshot.NewReader(in)
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	return rdb.WriteFile(out, o, func(f *rdb.FileWriter) error {
		if err := writeLibraries(f, d.Aux()[backend.AuxFunctions]); err != nil {
			return err
		}
		write := count(f.WriteEntry)
		for {
			e, err := d.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", src, err)
			}
			if err := write(e); err != nil {
				return err
			}
		}
	})
}

// exportAOF replays the configured AOF and writes its data and libraries.
func exportAOF(cfg config.Config, out string, o rdb.FileOptions, count counter) (err error) {
	unlock, err := lockDirs(cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, unlock()) }()
	a, err := openAOFStore(cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, a.close()) }()
	return exportBackend(a.b, out, o, count)
}
