package snapshot

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"redpool/backend"
	"redpool/persistence/fsutil"
)

// Saver errors.
var (
	// ErrInProgress: a save is already running (BGSAVE while one runs).
	ErrInProgress = errors.New("snapshot: a save is already in progress")
	// ErrSaverClosed: the Saver has been closed.
	ErrSaverClosed = errors.New("snapshot: saver closed")
)

// DefaultCheckInterval is how often a Saver checks its save rules.
const DefaultCheckInterval = time.Second

// retryDelay is how long after a failed background save the rules wait
// before trying again, as Redis's CONFIG_BGSAVE_RETRY_DELAY.
const retryDelay = 5 // seconds

// Rule asks for a background save once more than Seconds seconds have
// passed since the last successful save and at least Changes changes were
// made since then (Redis "save <seconds> <changes>").
type Rule struct {
	Seconds int64
	Changes int64
}

// SaverOptions configure a Saver. Backend and Path are required.
type SaverOptions struct {
	Backend backend.Backend
	// Path is the snapshot file.
	Path string
	// Rules are the save rules; none means no automatic saves.
	Rules []Rule
	// Clock decides the rules and the times INFO reports (default: system).
	Clock backend.Clock
	// Logger gets save and load messages (default: discard).
	Logger *slog.Logger
	// StopWrites makes Err report a failed background save until a save
	// succeeds, as Redis's stop-writes-on-bgsave-error, which (like Redis)
	// only applies when there are save rules.
	StopWrites bool
	// CheckInterval is how often the rules goroutine runs CheckRules
	// (default DefaultCheckInterval; negative: no goroutine).
	CheckInterval time.Duration
	// FS is the file system the snapshot lives in (nil: the OS's). A test
	// puts a fsutil.StrictMemFS here to cut the power.
	FS fsutil.FS
	// Durability, if not nil, hears when each save fixes its view
	// (Syncing: every write acknowledged before is in it) and when the
	// save completes (Synced): the writes the view holds are durable once
	// the file is renamed into place and the directory fsynced.
	Durability fsutil.DurabilityRecorder
}

// Saver takes snapshots of a backend into one file: on demand (Save,
// BGSave), when a save rule matches (CheckRules, run by a goroutine Start
// starts) and at Close. It keeps what INFO persistence reports. At most one
// save runs at a time. A Saver is safe for concurrent use; it owns its
// goroutines and Close stops them and waits for them.
type Saver struct {
	o     SaverOptions
	dirty func() int64

	sem    chan struct{} // held by the running save
	ctx    context.Context
	cancel context.CancelFunc
	stop   chan struct{}
	wg     sync.WaitGroup

	// stopErr is the failed background save writes are refused for
	// (StopWrites), read on every write command without locking.
	stopErr atomic.Pointer[error]

	mu        sync.Mutex
	started   bool
	closed    bool
	bgRunning bool
	bgStart   time.Time
	bgCancel  context.CancelFunc
	lastSave  time.Time     // last successful save (start time before any)
	lastTry   time.Time     // last background save attempt
	base      int64         // dirty when the last successful save fixed its view
	lastBgErr error         // last background save's error (nil: ok)
	lastBgDur time.Duration // -1: none yet
	saves     int64
	loaded    LoadStats
}

// NewSaver returns a Saver; call Start to begin automatic saves.
func NewSaver(o SaverOptions) *Saver {
	if o.Clock == nil {
		o.Clock = backend.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.CheckInterval == 0 {
		o.CheckInterval = DefaultCheckInterval
	}
	if o.FS == nil {
		o.FS = fsutil.OSFS{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Saver{
		o:         o,
		dirty:     func() int64 { return 0 },
		sem:       make(chan struct{}, 1),
		ctx:       ctx,
		cancel:    cancel,
		stop:      make(chan struct{}),
		lastBgDur: -1,
		lastSave:  o.Clock.Now(),
	}
}

// Path is the snapshot file.
func (s *Saver) Path() string { return s.o.Path }

// CleanTemp removes temporary files a crashed save left next to the snapshot.
func (s *Saver) CleanTemp() error {
	removed, err := cleanTemp(s.o.FS, s.o.Path)
	for _, p := range removed {
		s.o.Logger.Info("removed stale temporary snapshot file", "file", p)
	}
	return err
}

// Load loads the snapshot file into the backend, if the file exists (see
// Load for the checks). A missing file is not an error.
func (s *Saver) Load(ctx context.Context) (LoadStats, error) {
	start := time.Now()
	st, err := load(ctx, s.o.FS, s.o.Path, s.o.Backend)
	if errors.Is(err, fs.ErrNotExist) && st.Header.Length == 0 {
		s.o.Logger.Info("no snapshot to load", "file", s.o.Path)
		return LoadStats{}, nil
	}
	if err != nil {
		return st, err
	}
	s.mu.Lock()
	s.loaded = st
	s.mu.Unlock()
	s.o.Logger.Info("snapshot loaded", "file", s.o.Path, "keys", st.Loaded, "expired", st.Expired,
		"created", st.Header.CreatedTime().UTC().Format(time.RFC3339), "seconds", time.Since(start).Seconds())
	return st, nil
}

// Start begins counting changes with dirty (the number of changes made
// since the process started) and starts the rules goroutine. As in Redis,
// the data is considered saved at start.
func (s *Saver) Start(dirty func() int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return
	}
	s.started = true
	s.dirty = dirty
	s.base = dirty()
	s.lastSave = s.o.Clock.Now()
	if s.o.CheckInterval > 0 && len(s.o.Rules) > 0 {
		s.wg.Add(1)
		go s.rulesLoop()
	}
}

func (s *Saver) rulesLoop() {
	defer s.wg.Done()
	tk := time.NewTicker(s.o.CheckInterval)
	defer tk.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tk.C:
			s.CheckRules()
		}
	}
}

// CheckRules starts a background save if a rule matches, as Redis's
// serverCron does: no save is running, the rule's changes have been made
// and more than its seconds have passed (whole seconds, by the Clock) since
// the last successful save; after a failed background save, not before
// 5 seconds have passed since that attempt. It reports whether it started
// a save.
func (s *Saver) CheckRules() bool {
	s.mu.Lock()
	if !s.started || s.closed || s.bgRunning {
		s.mu.Unlock()
		return false
	}
	now := s.o.Clock.Now()
	changes := s.dirty() - s.base
	elapsed := now.Unix() - s.lastSave.Unix()
	retryOK := s.lastBgErr == nil || now.Unix()-s.lastTry.Unix() > retryDelay
	var match *Rule
	for i := range s.o.Rules {
		r := &s.o.Rules[i]
		if changes >= r.Changes && elapsed > r.Seconds && retryOK {
			match = r
			break
		}
	}
	s.mu.Unlock()
	if match == nil {
		return false
	}
	s.o.Logger.Info("save rule matched, saving in the background", "changes", changes, "seconds", elapsed,
		"rule", strconv.FormatInt(match.Seconds, 10)+" "+strconv.FormatInt(match.Changes, 10))
	return s.BGSave() == nil
}

// view fixes a point-in-time view and returns it with the change count and
// the time at that instant.
func (s *Saver) view() (backend.Snapshot, int64, time.Time, error) {
	s.mu.Lock()
	dirtyFn := s.dirty
	s.mu.Unlock()
	var dirty int64
	var at time.Time
	fixed := false
	snap, err := s.o.Backend.Snapshot(func() {
		dirty = dirtyFn()
		at = s.o.Clock.Now()
		fixed = true
		if s.o.Durability != nil {
			s.o.Durability.Syncing()
		}
	})
	if err != nil && fixed && s.o.Durability != nil {
		s.o.Durability.Synced(false)
	}
	return snap, dirty, at, err
}

// Save saves in the foreground and returns when the file is durable. It
// fails with ErrInProgress while a background save runs, and waits for
// another foreground save to end first.
func (s *Saver) Save(ctx context.Context) error {
	s.mu.Lock()
	closed, bg := s.closed, s.bgRunning
	s.mu.Unlock()
	if closed {
		return ErrSaverClosed
	}
	if bg {
		return ErrInProgress
	}
	return s.save(ctx)
}

// save runs one foreground save once no other save runs.
func (s *Saver) save(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.sem }()
	start := time.Now()
	snap, dirty, at, err := s.view()
	if err != nil {
		return err
	}
	return s.saveFixed(ctx, snap, dirty, at, start)
}

// saveFixed writes snap, a view fixed at time at with change count dirty,
// and records the save; the caller holds sem.
func (s *Saver) saveFixed(ctx context.Context, snap backend.Snapshot, dirty int64, at, start time.Time) error {
	h, err := s.write(ctx, snap, at)
	if err != nil {
		s.o.Logger.Error("snapshot save failed", "file", s.o.Path, "err", err)
		return err
	}
	s.mu.Lock()
	s.succeeded(dirty)
	s.mu.Unlock()
	s.o.Logger.Info("snapshot saved", "file", s.o.Path, "keys", h.Keys, "bytes", h.Length, "seconds", time.Since(start).Seconds())
	return nil
}

// write saves snap, a view fixed at time at, closes it and tells
// Durability whether its writes are durable now.
func (s *Saver) write(ctx context.Context, snap backend.Snapshot, at time.Time) (Header, error) {
	h, err := save(ctx, s.o.FS, s.o.Path, snap, at.UnixMilli())
	if cerr := snap.Close(); err == nil {
		err = cerr
	}
	if s.o.Durability != nil {
		s.o.Durability.Synced(err == nil)
	}
	return h, err
}

// succeeded records a successful save whose view had dirty changes; s.mu is held.
func (s *Saver) succeeded(dirty int64) {
	s.lastSave = s.o.Clock.Now()
	s.base = dirty
	s.saves++
	s.lastBgErr = nil
	s.stopErr.Store(nil)
}

// BGSave fixes a point-in-time view now and saves it in a goroutine; it
// returns once the view is fixed, so every write acknowledged before BGSave
// returns is in the file, and every write that starts after it is not. It
// fails with ErrInProgress while another save runs.
func (s *Saver) BGSave() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrSaverClosed
	}
	select {
	case s.sem <- struct{}{}:
	default:
		s.mu.Unlock()
		return ErrInProgress
	}
	now := s.o.Clock.Now()
	ctx, cancel := context.WithCancel(s.ctx)
	s.bgRunning, s.bgStart, s.bgCancel, s.lastTry = true, now, cancel, now
	s.wg.Add(1)
	s.mu.Unlock()

	snap, dirty, at, err := s.view()
	if err != nil {
		s.finishBG(err, 0, time.Now())
		return err
	}
	s.o.Logger.Info("background saving started", "file", s.o.Path)
	go func() {
		start := time.Now()
		_, err := s.write(ctx, snap, at)
		s.finishBG(err, dirty, start)
	}()
	return nil
}

// finishBG records the end of a background save and releases sem.
func (s *Saver) finishBG(err error, dirty int64, start time.Time) {
	s.mu.Lock()
	s.bgRunning = false
	s.bgCancel()
	s.lastBgDur = s.o.Clock.Now().Sub(s.bgStart)
	if err == nil {
		s.succeeded(dirty)
	} else {
		s.lastBgErr = err
		if s.o.StopWrites && len(s.o.Rules) > 0 {
			s.stopErr.Store(&err)
		}
	}
	s.mu.Unlock()
	<-s.sem
	s.wg.Done()
	if err != nil {
		s.o.Logger.Error("background saving failed", "file", s.o.Path, "err", err)
	} else {
		s.o.Logger.Info("background saving terminated with success", "file", s.o.Path, "seconds", time.Since(start).Seconds())
	}
}

// Wait blocks until no save is running (tests use it after BGSave).
func (s *Saver) Wait(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		<-s.sem
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// LastSave is the time of the last successful save (the start time before
// the first).
func (s *Saver) LastSave() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSave
}

// LastError is the last background save's error, nil if it succeeded.
func (s *Saver) LastError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastBgErr
}

// Err is non-nil while writes must be refused: with StopWrites and save
// rules, from a failed background save until a save succeeds.
func (s *Saver) Err() error {
	if p := s.stopErr.Load(); p != nil {
		return *p
	}
	return nil
}

// Info returns the rdb_* fields of INFO persistence, with Redis's names.
func (s *Saver) Info() [][2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.Clock.Now()
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	status, inProgress, current := "ok", "0", int64(-1)
	if s.lastBgErr != nil {
		status = "err"
	}
	if s.bgRunning {
		inProgress = "1"
		current = int64(now.Sub(s.bgStart) / time.Second)
	}
	last := int64(-1)
	if s.lastBgDur >= 0 {
		last = int64(s.lastBgDur / time.Second)
	}
	return [][2]string{
		{"rdb_changes_since_last_save", itoa(s.dirty() - s.base)},
		{"rdb_bgsave_in_progress", inProgress},
		{"rdb_last_save_time", itoa(s.lastSave.Unix())},
		{"rdb_last_bgsave_status", status},
		{"rdb_last_bgsave_time_sec", itoa(last)},
		{"rdb_current_bgsave_time_sec", itoa(current)},
		{"rdb_saves", itoa(s.saves)},
		{"rdb_last_load_keys_expired", itoa(s.loaded.Expired)},
		{"rdb_last_load_keys_loaded", itoa(s.loaded.Loaded)},
	}
}

// Close stops the rules goroutine, cancels a running background save and
// waits for it, then, if save is true, saves in the foreground with ctx.
// Later calls do nothing and return nil.
func (s *Saver) Close(ctx context.Context, save bool) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.stop)
	s.mu.Unlock()
	s.cancel() // cancels a background save
	s.wg.Wait()
	if !save {
		return nil
	}
	return s.save(ctx)
}
