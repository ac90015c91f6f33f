package command

import (
	"context"
	"errors"

	"redpool/backend"
)

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] and DEBUG LOADAOF, as Redis 7.0:
// save the dataset, empty it, load it back. Redis blocks the whole server
// for it; here the command runs in one transaction that holds every key of
// every database (TxOptions.All), so that no other client's command runs
// between the save, the flush and the load, and none sees the dataset
// half loaded. The files are persistence's business: the engine reaches
// them through a Reloader, which the server wires (cmd/redpool/server).

// Reloader is persistence's side of DEBUG RELOAD and DEBUG LOADAOF. Its
// methods are called while the calling command holds every key of every
// database: they must reach the data only through the view and backend
// they are given (the engine's own backend would wait for those locks).
type Reloader interface {
	// SaveReload writes snap, a view of every database fixed while
	// nothing else runs, where LoadReload reads it, as SAVE does (dirty is
	// the engine's change count at that instant, for INFO's
	// rdb_changes_since_last_save).
	SaveReload(snap backend.Snapshot, dirty int64) error
	// LoadReload stores what SaveReload last wrote (or what is in that
	// file, after DEBUG RELOAD NOSAVE) in b, replacing keys of the same
	// name. It may have stored some keys when it fails.
	LoadReload(b backend.Backend) error
	// HasAOF reports whether there is an append-only file to load.
	HasAOF() bool
	// LoadAOF writes out and syncs the append-only file, then replays it
	// into b (whose databases are empty), loading its function libraries
	// into fns (emptied).
	LoadAOF(b backend.Backend, fns *FunctionLibraries) error
}

// Option bits of DEBUG RELOAD.
const (
	reloadMerge = 1 << iota
	reloadNoFlush
	reloadNoSave
)

// debugReload is DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save (unless
// NOSAVE), empty every database and the function libraries (unless
// NOFLUSH), load the file back. A failed save replies Redis's bare -ERR and
// changes nothing; a failed load replies Redis's load error and leaves the
// dataset as the load left it (as Redis does), on both backends. MERGE is
// accepted: redpool's load always replaces keys of the same name, which is
// what MERGE makes Redis do (without it Redis stops the server on a
// duplicate).
func debugReload(c *Ctx) error {
	var opts int
	for _, a := range c.Args[2:] {
		switch {
		case equalFold(a, "merge"):
			opts |= reloadMerge
		case equalFold(a, "noflush"):
			opts |= reloadNoFlush
		case equalFold(a, "nosave"):
			opts |= reloadNoSave
		default:
			return ErrDebugReloadOption
		}
	}
	r := c.e.reloader
	return c.InTx(true, nil, func(c *Ctx) error {
		if opts&reloadNoSave == 0 {
			if r == nil {
				return ErrSaveFailed
			}
			if err := r.SaveReload(reloadView{c: c, tx: c.Tx}, c.e.Dirty()); err != nil {
				c.e.logger.Warn("DEBUG RELOAD: save failed", "err", err)
				return ErrSaveFailed
			}
		}
		if opts&reloadNoFlush == 0 {
			if err := debugReloadFlush(c); err != nil {
				return err
			}
		}
		rb := &reloadBackend{tx: c.Tx, dbs: c.e.backend.Databases()}
		err := errors.New("no persistence to load from")
		if r != nil {
			err = r.LoadReload(rb)
		}
		if err == nil {
			err = c.e.reloadFunctions(rb)
		}
		if err != nil {
			c.e.logger.Warn("DEBUG RELOAD: load failed", "err", err)
			c.Error(ErrDebugReloadLoad) // what was flushed stays flushed, as in Redis
			return nil
		}
		c.e.logger.Info("DB reloaded by DEBUG RELOAD")
		c.OK()
		return nil
	})
}

// debugLoadAOF is DEBUG LOADAOF: write out the append-only file, empty
// every database, replay the file. Without an AOF Redis 7.0.15 crashes;
// redpool replies Redis's bare -ERR and changes nothing.
func debugLoadAOF(c *Ctx) error {
	r := c.e.reloader
	return c.InTx(true, nil, func(c *Ctx) error {
		if r == nil || !r.HasAOF() {
			return ErrSaveFailed
		}
		if err := debugReloadFlush(c); err != nil {
			return err
		}
		rb := &reloadBackend{tx: c.Tx, dbs: c.e.backend.Databases()}
		if err := r.LoadAOF(rb, c.e.functions); err != nil {
			c.e.logger.Warn("DEBUG LOADAOF: load failed", "err", err)
			c.Error(ErrSaveFailed)
			return nil
		}
		c.e.logger.Info("Append Only File loaded by DEBUG LOADAOF")
		c.OK()
		return nil
	})
}

// debugReloadFlush empties every database and the function libraries, as
// Redis's emptyData: WATCHed keys that existed are touched and tracking
// clients are told to flush their caches.
func debugReloadFlush(c *Ctx) error {
	for db := range c.e.backend.Databases() {
		if err := c.touchLiveWatched(db, -1); err != nil {
			return err
		}
	}
	c.touchWatched(0) // under the locks, as Redis's signalFlushedDb
	if err := c.Tx.FlushAll(); err != nil {
		return err
	}
	if err := c.Tx.SetAux(backend.AuxFunctions, nil); err != nil {
		return err
	}
	c.e.functions.flush()
	c.trackFlush()
	return nil
}

// reloadFunctions serves the function libraries a load stored (rb saw
// their payload go by), replacing those served before.
func (e *Engine) reloadFunctions(rb *reloadBackend) error {
	if rb.functions == nil {
		return nil
	}
	codes, err := ParseFunctionsPayload(rb.functions)
	if err != nil {
		return err
	}
	return e.restoreLibraries(codes, false)
}

// reloadView is a backend.Snapshot of every database read through tx, a
// transaction that holds every key: the dataset as DEBUG RELOAD saves it.
// Valid only while tx is.
type reloadView struct {
	c  *Ctx
	tx backend.Tx
}

// Aux implements backend.Snapshot: the function libraries served.
func (v reloadView) Aux() map[string][]byte {
	codes := v.c.e.functions.codes()
	if len(codes) == 0 {
		return nil
	}
	return map[string][]byte{backend.AuxFunctions: FunctionsPayload(codes)}
}

// Each implements backend.Snapshot, database by database, keys in SCAN
// order (nothing changes them while the view is read).
func (v reloadView) Each(ctx context.Context, fn func(e *backend.Entry) error) error {
	var e backend.Entry
	var items [][]byte
	for db := range v.c.e.backend.Databases() {
		tx, err := v.tx.WithDB(db)
		if err != nil {
			return err
		}
		var cursor uint64
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			cursor, err = tx.Scan(cursor, 1000, func(key []byte, t backend.Type) error {
				info, ok := backend.Lookup(t)
				if !ok {
					return backend.ErrUnknownType
				}
				at, _, err := tx.ExpireAt(key)
				if err != nil {
					return err
				}
				items = items[:0]
				if info.Scalar {
					val, _, err := tx.Get(key)
					if err != nil {
						return err
					}
					items = append(items, val)
				} else if err := info.Read(tx, key, func(chunk [][]byte) error {
					items = append(items, chunk...)
					return nil
				}); err != nil {
					return err
				}
				e = backend.Entry{DB: db, Key: key, Type: t, ExpireAt: at, Items: items}
				err = fn(&e)
				clear(items)
				return err
			})
			if err != nil {
				return err
			}
			if cursor == 0 {
				break
			}
		}
	}
	return nil
}

// Close implements backend.Snapshot: the transaction is the caller's.
func (reloadView) Close() error { return nil }

// reloadBackend is a backend.Backend whose transactions are the DEBUG
// RELOAD's own, which holds every key: persistence loads into it as into
// the real one, without waiting for locks the command holds. It notes the
// function libraries' payload as a load stores it. Used by one goroutine,
// only while tx is valid.
type reloadBackend struct {
	tx        backend.Tx
	dbs       int
	functions []byte
}

func (b *reloadBackend) run(o backend.TxOptions, fn func(tx backend.Tx) error) error {
	tx, err := b.tx.WithDB(o.DB)
	if err != nil {
		return err
	}
	return fn(reloadTx{Tx: tx, b: b})
}

// View implements backend.Backend in the reload's transaction.
func (b *reloadBackend) View(o backend.TxOptions, fn func(tx backend.Tx) error) error {
	return b.run(o, fn)
}

// Update implements backend.Backend in the reload's transaction: nothing
// commits or rolls back until the command ends.
func (b *reloadBackend) Update(o backend.TxOptions, fn func(tx backend.Tx) error) error {
	return b.run(o, fn)
}

// Databases implements backend.Backend.
func (b *reloadBackend) Databases() int { return b.dbs }

// Snapshot implements backend.Backend: a load never takes one.
func (b *reloadBackend) Snapshot(func()) (backend.Snapshot, error) {
	return nil, errors.New("no snapshot during DEBUG RELOAD")
}

// Stats implements backend.Backend: none during a load.
func (b *reloadBackend) Stats() backend.Stats { return backend.Stats{} }

// Aux implements backend.Backend: what the load stored so far.
func (b *reloadBackend) Aux(name string) ([]byte, error) {
	if name == backend.AuxFunctions {
		return b.functions, nil
	}
	return nil, nil
}

// Close implements backend.Backend: the backend is the server's.
func (b *reloadBackend) Close() error { return nil }

// reloadTx is a transaction of a reloadBackend: SetAux of the function
// libraries is noted, WithDB stays in the reload's transaction.
type reloadTx struct {
	backend.Tx
	b *reloadBackend
}

// SetAux implements backend.Tx.
func (t reloadTx) SetAux(name string, val []byte) error {
	if name == backend.AuxFunctions {
		t.b.functions = append([]byte{}, val...)
	}
	return t.Tx.SetAux(name, val)
}

// WithDB implements backend.Tx.
func (t reloadTx) WithDB(db int) (backend.Tx, error) {
	tx, err := t.b.tx.WithDB(db)
	if err != nil {
		return nil, err
	}
	return reloadTx{Tx: tx, b: t.b}, nil
}
