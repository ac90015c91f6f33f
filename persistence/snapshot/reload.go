package snapshot

import (
	"context"
	"time"

	"redpool/backend"
)

// SaveView saves snap, a view of the data its caller fixed (DEBUG RELOAD,
// which holds every key while it saves), as Save does: the file, then
// LASTSAVE, rdb_saves and the change count, dirty being the count at the
// view's instant. It fails with ErrInProgress, without waiting, while
// another save runs: that save may be waiting for the very locks the
// caller holds. snap is closed.
func (s *Saver) SaveView(ctx context.Context, snap backend.Snapshot, dirty int64) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = snap.Close()
		return ErrSaverClosed
	}
	select {
	case s.sem <- struct{}{}:
	default:
		s.mu.Unlock()
		_ = snap.Close()
		return ErrInProgress
	}
	s.mu.Unlock()
	defer func() { <-s.sem }()
	if s.o.Durability != nil {
		s.o.Durability.Syncing()
	}
	return s.saveFixed(ctx, snap, dirty, s.o.Clock.Now(), time.Now())
}
