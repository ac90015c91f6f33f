package memory

import (
	"context"
	"errors"
	"time"

	"redpool/backend"
)

// snapChunk is how many key slots Each examines per shard-lock hold.
const snapChunk = 512

var _ backend.Snapshot = (*snapshot)(nil)

// Snapshot fixes a point-in-time view of every database, copy-on-write.
//
// Creating it takes every shard lock (for writing) just long enough to bump
// the epoch, mark every shard as "needed by the snapshot" and run
// atomically. Afterwards, until the reader has finished a shard, writers
// never modify in place an entry that existed at that instant: they replace
// it by a copy (a deep copy of the list or hash for in-place edits, a fresh
// entry for a whole new value), and keep the old entry for the reader if it
// has not collected it yet. Each then walks the shards, collecting up to
// snapChunk slots per brief lock hold and calling fn without any lock held.
//
// Only one Snapshot is open at a time: Snapshot blocks until the previous
// one is closed (so a goroutine must not open a second one while it holds
// the first). The returned Snapshot must be closed; Close ends the
// copy-on-write and releases the preserved values. Each may be called once;
// its fn runs with no lock held and may use the backend. Snapshot must not
// be called inside a transaction, and atomically (which runs with every
// lock held) must not use the backend. A Snapshot stays readable after the
// Memory is closed.
func (m *Memory) Snapshot(atomically func()) (backend.Snapshot, error) {
	if m.closed.Load() {
		return nil, backend.ErrClosed
	}
	m.snapMu.Lock()
	t0 := time.Now()
	m.lockAll(true)
	if m.closed.Load() {
		m.unlockAll(true)
		m.snapMu.Unlock()
		return nil, backend.ErrClosed
	}
	s := &snapshot{
		m:     m,
		epoch: m.epoch.Add(1),
		now:   backend.NowMs(m.clock),
		parts: make([]*shardData, len(m.shards)),
		aux:   m.auxView(),
	}
	for i := range m.shards {
		sd := m.shards[i].data.Load()
		sd.cow = s.epoch
		s.parts[i] = sd
	}
	if atomically != nil {
		atomically()
	}
	m.unlockAll(true)
	s.createHold = time.Since(t0)
	return s, nil
}

type snapshot struct {
	m      *Memory
	epoch  uint32
	now    int64        // expiry decisions use the time of the snapshot
	parts  []*shardData // database d's shard s at parts[d*shardsPerDB+s]
	aux    map[string][]byte
	batch  []*entry      // reused between chunks
	items  [][]byte      // reused Entry.Items buffer
	e      backend.Entry // reused Entry
	used   bool          // Each was called
	closed bool
	yield  yielder

	// For measurements: how long creation held all locks (including
	// acquiring them), and the longest single chunk hold in Each.
	createHold time.Duration
	maxHold    time.Duration
}

// lockData locks the shard that currently owns sd and returns its unlock; sd
// may move between shards (SwapDB) or be detached (Flush), in which case
// nothing else touches it and no lock is needed.
func lockData(sd *shardData) func() {
	for {
		sh := sd.owner.Load()
		if sh == nil {
			return func() {}
		}
		sh.mu.Lock()
		if sd.owner.Load() == sh {
			return sh.mu.Unlock
		}
		sh.mu.Unlock()
	}
}

// Each implements backend.Snapshot.
func (s *snapshot) Each(ctx context.Context, fn func(e *backend.Entry) error) error {
	if s.closed {
		return errors.New("backend/memory: snapshot is closed")
	}
	if s.used {
		return errors.New("backend/memory: Snapshot.Each called twice")
	}
	s.used = true
	for i, sd := range s.parts {
		if err := s.eachShard(ctx, i/shardsPerDB, sd, fn); err != nil {
			return err
		}
	}
	return nil
}

// eachShard emits sd's entries as of the snapshot, then releases sd from
// copy-on-write.
func (s *snapshot) eachShard(ctx context.Context, db int, sd *shardData, fn func(e *backend.Entry) error) error {
	pos := -1
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.yield.maybe()
		unlock := lockData(sd)
		t0 := time.Now()
		if sd.cow != s.epoch {
			unlock()
			return nil
		}
		if pos < 0 || pos > len(sd.keys) {
			pos = len(sd.keys)
		}
		if pos == 0 && len(sd.old) == 0 {
			sd.cow = 0
			sd.old = nil
			unlock()
			return nil
		}
		batch := s.batch[:0]
		for steps := 0; pos > 0 && steps < snapChunk; steps++ {
			pos--
			e := sd.keys[pos]
			if e.epoch < s.epoch && e.seen != s.epoch {
				e.seen = s.epoch
				batch = append(batch, e)
			}
		}
		// Entries removed before we got to them; they are immutable now.
		batch = append(batch, sd.old...)
		clear(sd.old)
		sd.old = sd.old[:0]
		s.maxHold = max(s.maxHold, time.Since(t0))
		unlock()
		s.batch = batch
		for _, e := range batch {
			if err := s.emit(db, e, fn); err != nil {
				clear(batch)
				return err
			}
		}
		clear(batch)
	}
}

func (s *snapshot) emit(db int, e *entry, fn func(e *backend.Entry) error) error {
	if e.expireAt != 0 && e.expireAt <= s.now {
		return nil
	}
	switch v := e.strBytes(); {
	case !e.isStr() && e.coll != nil:
		s.items = e.coll.appendItems(s.items[:0])
	case v == nil:
		s.items = append(s.items[:0], []byte{})
	default:
		s.items = append(s.items[:0], v)
	}
	s.e = backend.Entry{DB: db, Key: bytesOf(e.key), Type: e.typ(), ExpireAt: e.expireAt, Items: s.items}
	err := fn(&s.e)
	clear(s.items)
	s.e = backend.Entry{}
	return err
}

// Close implements backend.Snapshot: it ends copy-on-write for the shards
// Each did not finish and lets the next Snapshot start. It is idempotent.
func (s *snapshot) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	for _, sd := range s.parts {
		unlock := lockData(sd)
		if sd.cow == s.epoch {
			sd.cow = 0
			clear(sd.old)
			sd.old = nil
		}
		unlock()
	}
	s.parts, s.batch, s.items = nil, nil, nil
	s.m.snapMu.Unlock()
	return nil
}
