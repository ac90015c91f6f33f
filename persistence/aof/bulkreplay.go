package aof

import (
	"bytes"
	"errors"
	"io"
	"math"

	"redpool/backend"
	"redpool/session/resp"
)

// Bulk replay: at start, the log loads into an empty backend, and a
// rewritten log's base is mostly SELECT n and SET key value records, each
// followed by PEXPIREAT key ms if the key expires (baseWriter). Such a
// leading run of the first non-empty file needs no command engine: it is
// stored through one bulk load of the backend (backend.BulkLoader, as a
// snapshot loads), and the engine replays the file from the first record
// the run cannot take. The result is what the engine leaves: a later SET
// of a key replaces an earlier one and its expiry (Store replaces the
// whole entry), and a string is stored as SET stores it (its encoding
// follows from its bytes). A record the run leaves to the engine ends it,
// so that the engine sees every record after it in order: anything but
// the three forms, a SELECT of a database the backend does not have, a
// PEXPIREAT that does not follow the SET of its key, or whose time is not
// canonical or not in the future by the backend's clock (the engine
// deletes the key).

// bulkSample is how much of the start of a file bulkHint reads.
const bulkSample = 1 << 20

// errBulkStop stops the bulk run's Scan at a record for the engine.
var errBulkStop = errors.New("aof: bulk run ends")

// bulkReplay stores the leading run of the file at path (size bytes) in
// r's backend through one bulk load, if the backend holds no key. It
// returns the offset where the engine is to go on (the record that ended
// the run) or, if the run took the whole file, its good length; n is the
// number of records the run took; resume reports whether the engine must
// replay the file from good on (false: the run reached the end of the
// good records, and err is Scan's for the file). r's client is left on
// the database the run selected.
func (l *Log) bulkReplay(path string, size int64, r *engineReplayer) (good, n int64, resume bool, err error) {
	hint := l.bulkHint(path, size)
	var stopped bool
	var stopAt int64
	var scanErr error
	run := bulkRun{ndb: r.ndb}
	done, err := r.bl.BulkLoad(hint, func(tx backend.BulkTx) error {
		run.tx = tx
		good, scanErr = scanFile(l.o.FS, path, l.o.MaxBulkLen, func(off int64, argv [][]byte) error {
			ok, err := run.take(argv)
			if err != nil {
				return err
			}
			if !ok {
				stopped, stopAt = true, off
				return errBulkStop
			}
			n++
			return nil
		})
		return run.flush()
	})
	switch {
	case !done && err == nil:
		return 0, 0, true, nil // not empty: the engine replays it all
	case err != nil:
		return good, n, false, err
	}
	r.client.SetDB(run.db)
	if stopped {
		return stopAt, n, true, nil
	}
	return good, n, false, scanErr
}

// bulkHint guesses how many records the file at path (size bytes) holds,
// from the length of those in its first bulkSample bytes: the bulk load's
// hint of the keys to come, which sizes what it allocates up front (0: no
// guess).
func (l *Log) bulkHint(path string, size int64) int {
	f, err := l.o.FS.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	var n int64
	good, _ := Scan(io.LimitReader(f, bulkSample), l.o.MaxBulkLen, func(int64, [][]byte) error {
		n++
		return nil
	})
	if n == 0 || good == 0 {
		return 0
	}
	return int(min(size/(good/n), math.MaxInt32))
}

// bulkRun takes the records of a bulk run one at a time. A SET is held
// until the next record, which may be the PEXPIREAT of its key.
type bulkRun struct {
	tx  backend.BulkTx
	ndb int
	db  int // the database SELECTed
	// pend: a SET is held in e (its key and value copied into key, val).
	pend     bool
	e        backend.Entry
	key, val []byte
	items    [1][]byte
}

// take stores argv if the run can, and reports whether it did; false ends
// the run before argv (the SET held is stored by flush).
func (b *bulkRun) take(argv [][]byte) (bool, error) {
	switch {
	case len(argv) == 3 && isWord(argv[0], "set"):
		if err := b.flush(); err != nil {
			return false, err
		}
		b.key = append(b.key[:0], argv[1]...)
		b.val = append(b.val[:0], argv[2]...)
		b.items[0] = b.val
		b.e = backend.Entry{DB: b.db, Key: b.key, Type: backend.TypeString, Items: b.items[:]}
		b.pend = true
		return true, nil
	case len(argv) == 2 && isWord(argv[0], "select"):
		db, ok := bulkUint(argv[1])
		if !ok || db >= int64(b.ndb) {
			return false, nil
		}
		if err := b.flush(); err != nil {
			return false, err
		}
		b.db = int(db)
		return true, nil
	case len(argv) == 3 && isWord(argv[0], "pexpireat"):
		at, ok := bulkUint(argv[2])
		if !ok || !b.pend || !bytes.Equal(argv[1], b.key) || at <= b.tx.Now() {
			return false, nil
		}
		b.e.ExpireAt = at
		return true, b.flush()
	}
	return false, nil
}

// flush stores the SET held, if any.
func (b *bulkRun) flush() error {
	if !b.pend {
		return nil
	}
	b.pend = false
	return b.tx.Store(&b.e)
}

// bulkUint parses b as the engine reads an integer argument (Redis's
// string2ll: no sign but '-', no leading zero), and takes it only from 0
// to 10^18-1; anything else is left to the engine.
func bulkUint(b []byte) (int64, bool) {
	n, ok := resp.ParseInt(b)
	return n, ok && n >= 0 && n < 1e18
}
