package aof

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"redpool/backend"
	"redpool/command"
	"redpool/persistence/fsutil"
	"redpool/session/resp"
)

// Fsync is when the log is fsynced (Redis appendfsync).
type Fsync uint8

// The fsync policies.
const (
	// FsyncAlways: a write is acknowledged only once it is on disk.
	FsyncAlways Fsync = iota
	// FsyncEverySec: fsync once a second; clients never wait for the disk.
	FsyncEverySec
	// FsyncNo: never fsync; the OS writes the data back when it likes.
	FsyncNo
)

// String returns the config word.
func (f Fsync) String() string {
	switch f {
	case FsyncAlways:
		return "always"
	case FsyncEverySec:
		return "everysec"
	case FsyncNo:
		return "no"
	default:
		return "?"
	}
}

// Options configure a Log. Dir, Name and Backend are required.
type Options struct {
	// Dir is the directory holding the log's files; Name is the configured
	// file name ("appendonly.aof") the files are named after.
	Dir  string
	Name string
	// Fsync is the fsync policy.
	Fsync Fsync
	// RewritePercentage: rewrite automatically once the log has grown by
	// this percentage over its size after the last rewrite (or load); 0
	// disables automatic rewrites. RewriteMinSize: never automatically
	// rewrite a log smaller than this many bytes.
	RewritePercentage int
	RewriteMinSize    int64
	// MaxBulkLen bounds an argument when loading (0: DefaultMaxBulkLen).
	MaxBulkLen int64
	// OnFsync, if not nil, hears how long each fsync of the log took
	// (metrics). It is called with the log's write lock held or from its
	// background fsync: it must be quick and must not call the Log.
	OnFsync func(time.Duration)
	// Backend is where rewrites take their snapshot from.
	Backend backend.Backend
	// Logger gets warnings and errors (nil: discard).
	Logger *slog.Logger
	// FS is the file system the log's files live in (nil: the OS's). A
	// test puts a fsutil.StrictMemFS here to cut the power.
	FS fsutil.FS
	// OpenFile opens every file the log writes (nil: FS.OpenFile).
	OpenFile OpenFileFunc
	// Durability, if not nil, hears when acknowledged records become
	// durable (INFO's ack_not_durable_* fields): see durability.go.
	Durability fsutil.DurabilityRecorder
	// RetryInterval is how often a failed write is retried, and (for
	// FsyncEverySec) how often the log is fsynced. 0 means one second.
	RetryInterval time.Duration
	// Preamble, if set, returns commands a rewrite writes at the head of
	// the new base, before the data (the function libraries). It is
	// called while no write is in progress, at the instant the rewrite's
	// snapshot is taken.
	Preamble func() [][][]byte
}

// Replayer applies the log's commands while it loads: the server's command
// engine with logging off.
type Replayer interface {
	// BeginFile is called before each file: replay starts on database 0.
	BeginFile()
	// Apply runs one command. An error stops the load. argv is valid only
	// during the call.
	Apply(argv [][]byte) error
}

// maxKeepBuf is the largest buffer kept for reuse after a burst.
const maxKeepBuf = 4 << 20

// Log is the append-only file. It implements command.Log: Append is called
// by the command engine for every write, inside the write's locks. All
// methods are safe for concurrent use.
type Log struct {
	o      Options
	logger *slog.Logger

	// Appends. mu guards the fields below it.
	mu    sync.Mutex
	pend  []byte    // records for file not yet taken by the writer
	seq   uint64    // sequence number of the last record appended
	db    int       // database of the last record in file; -1: none yet
	file  *incrFile // the incr file new records go to
	queue []segment // records for earlier files (after a switch), not yet taken

	// Writing. wmu guards w; it is held by the leader of a group commit,
	// the background goroutine, or Close.
	wmu        sync.Mutex
	w          writer
	writtenSeq atomic.Uint64 // every record up to this one has reached the OS
	synced     atomic.Uint64 // every record up to this one is as durable as the policy promises

	// Waiting. syncMu guards the fields below it, and goes with syncCond.
	syncMu   sync.Mutex
	syncCond *sync.Cond
	leading  bool                  // a client is writing for the others
	failing  bool                  // the last attempt failed
	failed   uint64                // the last failed attempt covered records up to this one
	errv     error                 // why it failed
	down     bool                  // closed: nothing more is written
	err      atomic.Pointer[error] // non-nil while writing fails (Err)

	// Files. fmu guards man and nextSeq.
	fmu     sync.Mutex
	man     Manifest
	nextSeq int64

	// Rewrites. rmu guards the fields below it.
	rmu         sync.Mutex
	rewriting   bool
	rewriteAt   time.Time     // start of the rewrite in progress
	lastRewrite time.Duration // -1: none finished yet
	rewrites    int64
	rewriteOK   bool
	failStreak  int64
	autoAfter   time.Time // no automatic rewrite before this (back-off after failures)
	closing     bool
	cancel      context.CancelFunc
	rewriteWG   sync.WaitGroup
	inRewrite   atomic.Bool

	// Sizes for INFO and automatic rewrites.
	baseSize    atomic.Int64 // the base file
	doneSize    atomic.Int64 // incr files before the current one
	curSize     atomic.Int64 // the current incr file, as written
	rewriteBase atomic.Int64 // the log's size after the last rewrite or load
	queued      atomic.Int64 // bytes taken by the writer, not yet written
	delayed     atomic.Int64 // everysec fsyncs that took over two seconds

	startOnce sync.Once
	started   atomic.Bool
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// incrFile is an incr file the writer appends to.
type incrFile struct {
	name    string
	f       File
	size    int64         // bytes durable per the fsync policy
	started chan struct{} // closed once the writer has moved to this file
}

// segment is records bound for one file, up to sequence number seq.
type segment struct {
	f    *incrFile
	data []byte
	seq  uint64
}

var _ command.Log = (*Log)(nil)

// New returns a log for o. It does no I/O: Start loads the files and starts
// writing.
func New(o Options) *Log {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.FS == nil {
		o.FS = fsutil.OSFS{}
	}
	if o.OpenFile == nil {
		o.OpenFile = openIn(o.FS)
	}
	if o.RetryInterval <= 0 {
		o.RetryInterval = time.Second
	}
	l := &Log{
		o: o, logger: o.Logger, db: -1, rewriteOK: true, lastRewrite: -1,
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	l.syncCond = sync.NewCond(&l.syncMu)
	return l
}

// path returns the path of a file of the log.
func (l *Log) path(name string) string { return filepath.Join(l.o.Dir, name) }

// Append records argv as a command on database db and returns its
// sequence number for Wait. It only copies the record into memory; Wait
// (or the background goroutine) writes it out.
func (l *Log) Append(db int, argv [][]byte) uint64 {
	l.mu.Lock()
	if db != l.db {
		l.pend = appendSelect(l.pend, db)
		l.db = db
	}
	l.pend = resp.AppendCommand(l.pend, argv...)
	l.seq++
	seq := l.seq
	l.mu.Unlock()
	return seq
}

// AppendMulti records the commands of one transaction as MULTI, recs (with
// SELECT wherever the database changes, MULTI after the first one's), EXEC,
// with no other record between them, and returns the sequence number of
// the last, for Wait.
func (l *Log) AppendMulti(recs []command.Record) uint64 {
	l.mu.Lock()
	for i, r := range recs {
		if r.DB != l.db {
			l.pend = appendSelect(l.pend, r.DB)
			l.db = r.DB
		}
		if i == 0 {
			l.pend = append(l.pend, multiRecord...)
		}
		l.pend = resp.AppendCommand(l.pend, r.Argv...)
	}
	l.pend = append(l.pend, execRecord...)
	l.seq++
	seq := l.seq
	l.mu.Unlock()
	return seq
}

// The records around a transaction.
const (
	multiRecord = "*1\r\n$5\r\nMULTI\r\n"
	execRecord  = "*1\r\n$4\r\nEXEC\r\n"
)

// appendSelect appends "SELECT db" as a record.
func appendSelect(dst []byte, db int) []byte {
	var num [20]byte
	n := strconv.AppendInt(num[:0], int64(db), 10)
	dst = append(dst, "*2\r\n$6\r\nSELECT\r\n$"...)
	dst = strconv.AppendInt(dst, int64(len(n)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, n...)
	return append(dst, '\r', '\n')
}

// Wait blocks until record seq is as durable as the policy promises: on
// disk for FsyncAlways, handed to the OS (so that a crash of the process
// loses nothing) for the others, whose clients never wait for the disk.
// Whoever waits first writes for the others (group commit). Wait returns an
// error, under FsyncAlways, if the attempt to write the record failed (the
// record stays buffered and is retried, but it is not acknowledged), and if
// the log was closed first. While writing fails, the other policies return
// at once: the record is kept and retried.
func (l *Log) Wait(seq uint64) error {
	always := l.o.Fsync == FsyncAlways
	target := &l.writtenSeq
	if always {
		target = &l.synced
	}
	if target.Load() >= seq {
		return nil
	}
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	for {
		switch {
		case target.Load() >= seq:
			return nil
		case l.down:
			return ErrClosed
		case l.failing && !always:
			return nil
		case l.failing && l.failed >= seq:
			return l.errv
		case !l.failing && !l.leading:
			l.leading = true
			l.syncMu.Unlock()
			if !always {
				// Let the clients that are ready append too, so that one
				// write carries several records (as Redis writes once per
				// event loop): it saves most write syscalls.
				runtime.Gosched()
			}
			l.wmu.Lock()
			l.lead(always)
			l.wmu.Unlock()
			l.syncMu.Lock()
			l.leading = false
			l.syncCond.Broadcast()
			continue
		}
		l.syncCond.Wait()
	}
}

// Err is non-nil while the log cannot be written; the server then refuses
// writes (MISCONF). It clears once a retry succeeds.
func (l *Log) Err() error {
	if p := l.err.Load(); p != nil {
		return *p
	}
	return nil
}

// Size is the log's current size in bytes: the base and every incr file.
func (l *Log) Size() int64 {
	return l.baseSize.Load() + l.doneSize.Load() + l.curSize.Load()
}

// Manifest returns the current manifest.
func (l *Log) Manifest() Manifest {
	l.fmu.Lock()
	defer l.fmu.Unlock()
	return Manifest{Files: append([]FileRef(nil), l.man.Files...)}
}

// switchTo makes new records go to f, starting with a SELECT. The rewrite
// calls it while no write is in progress.
func (l *Log) switchTo(f *incrFile) {
	l.mu.Lock()
	l.queue = append(l.queue, segment{f: l.file, data: l.pend, seq: l.seq})
	l.pend = nil
	l.file = f
	l.db = -1
	l.mu.Unlock()
}

// flushNow writes (and, for FsyncAlways, fsyncs) what is buffered.
func (l *Log) flushNow() {
	l.wmu.Lock()
	l.lead(l.o.Fsync == FsyncAlways)
	l.wmu.Unlock()
	l.broadcast()
}

// Close stops rewrites and the writer, which writes and fsyncs everything
// appended. It is idempotent. After Close, Wait fails for records not yet
// durable.
func (l *Log) Close(ctx context.Context) error {
	l.closeOnce.Do(func() {
		l.rmu.Lock()
		l.closing = true
		if l.cancel != nil {
			l.cancel()
		}
		l.rmu.Unlock()
		if err := waitCtx(ctx, l.rewriteWG.Wait); err != nil {
			l.closeErr = err
			return
		}
		if !l.started.Load() {
			return
		}
		close(l.stop)
		select {
		case <-l.done:
		case <-ctx.Done():
			l.closeErr = ctx.Err()
			return
		}
		l.closeErr = l.closeWriter()
	})
	return l.closeErr
}

// waitCtx runs wait and returns when it does or ctx is done.
func waitCtx(ctx context.Context, wait func()) error {
	ch := make(chan struct{})
	go func() { wait(); close(ch) }()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errorsJoinClose closes f and joins its error to err.
func errorsJoinClose(err error, f File) error {
	return errors.Join(err, f.Close())
}

// removeFile removes a file of the log, logging a failure.
func (l *Log) removeFile(name string) {
	if err := l.o.FS.Remove(l.path(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		l.logger.Warn("AOF: cannot remove file", "file", name, "err", err)
	}
}
