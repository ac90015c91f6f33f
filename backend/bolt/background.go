package bolt

import (
	"bytes"
	"cmp"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"

	"redpool/backend"
)

func (b *Bolt) kickSweeper() {
	select {
	case b.sweepWake <- struct{}{}:
	default:
	}
}

func (b *Bolt) stopping() bool {
	select {
	case <-b.stop:
		return true
	default:
		return false
	}
}

// sweeper deletes the data of dropped collections and flushed namespaces,
// and the keys below streams' trim floors, in transactions of at most
// sweepBudget deletes that stop after sweepSlice (see sweep), each
// followed by a pause as long as it took (its commit included; at most
// sweepPauseMax, which a job queued behind a long write would pass), so
// that it holds the writer at most about half the time.
func (b *Bolt) sweeper() {
	defer b.bg.Done()
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	pause := time.NewTimer(0)
	<-pause.C
	for {
		select {
		case <-b.stop:
			return
		case <-b.sweepWake:
		case <-tick.C:
		}
		for b.garbage.Load() > 0 && !b.stopping() {
			var more bool
			start := time.Now()
			err := b.job(func(t *tx) error {
				var err error
				more, err = t.sweep(sweepBudget, b.sweepUntil())
				return err
			})
			if err != nil {
				if !errors.Is(err, backend.ErrClosed) {
					b.log.Error("bolt: sweeper", "err", err)
				}
				break
			}
			if !more {
				break
			}
			if b.tuning.sweepSlice >= 0 {
				pause.Reset(min(time.Since(start), sweepPauseMax))
				select {
				case <-b.stop:
					pause.Stop()
					return
				case <-pause.C:
				}
			}
		}
	}
}

// sweepUntil is when a sweeper transaction that starts now stops.
func (b *Bolt) sweepUntil() time.Time {
	if b.tuning.sweepSlice < 0 {
		return time.Time{}
	}
	return time.Now().Add(cmp.Or(b.tuning.sweepSlice, sweepSlice))
}

// sweep deletes up to budget stale keys, sweepStep at a time, and stops
// once until has passed (unless it is zero), so that a write queued
// behind the sweeper waits little even on a loaded machine. more reports
// that garbage is left.
func (t *tx) sweep(budget int, until time.Time) (more bool, err error) {
	g := t.garbB()
	for budget > 0 && (until.IsZero() || time.Now().Before(until)) {
		step := min(budget, sweepStep)
		k, v := g.Cursor().First()
		if k == nil {
			return false, nil
		}
		k, v = bytes.Clone(k), bytes.Clone(v)
		var n int
		var done bool
		switch {
		case k[0] == garbageID && len(k) == 1+idLen:
			n, done, err = t.deletePrefix(u64(k[1:]), step)
		case k[0] == garbageNS && len(k) == 1+nsLen:
			n, done, err = t.sweepNS(nsOf(k[1:]), step)
		case k[0] == garbageTrim && len(k) == 1+idLen && len(v) == xIDLen:
			n, done, err = t.sweepTrim(u64(k[1:]), backend.StreamIDFromBinary(v), step)
		default:
			done = true
		}
		if err != nil {
			return false, err
		}
		budget -= max(n, 1)
		if done {
			t.touch()
			t.w.garbage--
			t.w.swept++
			if err := g.Delete(k); err != nil {
				return false, err
			}
		}
	}
	k, _ := g.Cursor().First()
	return k != nil, nil
}

// sweepNS deletes up to about budget records (with their expiry entries and
// small data) of a flushed namespace. done reports that none are left.
func (t *tx) sweepNS(ns uint32, budget int) (n int, done bool, err error) {
	prefix := appendNSKey(nil, ns, nil)
	var kvs [][]byte
	c := t.keysB().Cursor()
	k, v := c.Seek(prefix)
	for ; k != nil && hasPrefix(k, prefix) && n < budget; k, v = c.Next() {
		kvs = append(kvs, k, v)
		n++
		r, _ := decodeRecord(v)
		if r.exp != 0 {
			n++
		}
		if r.id != 0 && r.size <= t.b.tuning.smallDrop {
			n += int(r.size)
		}
	}
	done = k == nil || !hasPrefix(k, prefix)
	for i := 0; i < len(kvs); i += 2 {
		r, ok := decodeRecord(kvs[i+1])
		if !ok {
			t.touch()
			if err := t.keysB().Delete(kvs[i]); err != nil {
				return 0, false, err
			}
			continue
		}
		if err := t.removeKey(kvs[i], &r); err != nil {
			return 0, false, err
		}
	}
	return n, done, nil
}

// expirer deletes due keys every expireEvery.
func (b *Bolt) expirer() {
	defer b.bg.Done()
	tick := time.NewTicker(expireEvery)
	defer tick.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-tick.C:
		}
		if b.activeOff.Load() {
			continue
		}
		if err := b.expireAll(); err != nil && !errors.Is(err, backend.ErrClosed) {
			b.log.Error("bolt: active expiry", "err", err)
		}
	}
}

// expireAll deletes every due key, in jobs of at most expireBudget keys,
// unless Close stops it.
func (b *Bolt) expireAll() error {
	for !b.stopping() && b.anyDue() {
		var more bool
		err := b.job(func(t *tx) error {
			var err error
			more, err = t.expireDue(expireBudget)
			return err
		})
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// anyDue reports whether the expiry index has a due entry, so that an idle
// server does not commit empty transactions.
func (b *Bolt) anyDue() bool {
	due := false
	err := b.db.View(func(btx *bolt.Tx) error {
		k, _ := btx.Bucket(bucketExpire).Cursor().First()
		due = k != nil && int64(u64(k)) <= backend.NowMs(b.clock)
		return nil
	})
	return err == nil && due
}

// expireDue deletes up to budget due keys. more reports that the budget ran out.
func (t *tx) expireDue(budget int) (more bool, err error) {
	var due [][]byte
	c := t.expB().Cursor()
	for k, _ := c.First(); k != nil && len(due) < budget; k, _ = c.Next() {
		if int64(u64(k)) > t.now {
			break
		}
		due = append(due, k)
	}
	if len(due) == 0 {
		return false, nil
	}
	for _, k := range due {
		at, kk := int64(u64(k)), k[atLen:]
		r, ok, err := t.raw(kk)
		if err != nil {
			return false, err
		}
		if !ok || r.exp != at {
			// A stale index entry; should not happen.
			t.touch()
			if err := t.expB().Delete(k); err != nil {
				return false, err
			}
			continue
		}
		if err := t.expire(kk, &r); err != nil {
			return false, err
		}
	}
	return len(due) == budget, nil
}

// syncer fdatasyncs the file within syncBatchEvery of any commit (SyncBatch).
func (b *Bolt) syncer() {
	defer b.bg.Done()
	last := time.Now()
	timer := time.NewTimer(0)
	<-timer.C
	for {
		select {
		case <-b.stop:
			return
		case <-b.syncWake:
		}
		if d := time.Until(last.Add(syncBatchEvery)); d > 0 {
			timer.Reset(d)
			select {
			case <-b.stop:
				timer.Stop()
				return // Close syncs
			case <-timer.C:
			}
		}
		last = time.Now()
		if err := b.syncFile(); err != nil {
			b.log.Error("bolt: sync", "err", err)
		}
		b.syncs.Add(1)
	}
}

// SetActiveExpiry implements backend.ActiveExpiry.
func (b *Bolt) SetActiveExpiry(on bool) { b.activeOff.Store(!on) }

// SyncRecorder hears the fsyncs that make unsynced commits durable
// (Options.OnSync). Its methods must be quick.
type SyncRecorder interface {
	// Syncing: an fsync begins that covers every commit made before it.
	Syncing()
	// Synced: that fsync ended; ok reports whether it succeeded.
	Synced(ok bool)
}

// syncFile fsyncs the file (bbolt's Sync), telling Options.OnSync.
func (b *Bolt) syncFile() error {
	if b.onSync == nil {
		return b.db.Sync()
	}
	b.onSync.Syncing()
	err := b.db.Sync()
	b.onSync.Synced(err == nil)
	return err
}
