package aof

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"redpool/backend"
	"redpool/session/resp"
)

// rewriteChunk is how many elements (list elements, hash fields) one base
// record holds (Redis's AOF_REWRITE_ITEMS_PER_CMD).
const rewriteChunk = 64

// rewriteBackoff bounds the wait before another automatic rewrite after
// consecutive failures.
const rewriteBackoff = time.Minute

// BGRewrite starts a rewrite in the background and returns at once. It
// returns ErrRewriteInProgress if one is already running.
func (l *Log) BGRewrite() error { return l.startRewrite(false) }

// Rewriting reports whether a rewrite is in progress.
func (l *Log) Rewriting() bool { return l.inRewrite.Load() }

// maybeAutoRewrite starts a rewrite if the log has grown enough.
func (l *Log) maybeAutoRewrite() {
	pct := int64(l.o.RewritePercentage)
	if pct <= 0 || l.inRewrite.Load() {
		return
	}
	size := l.Size()
	if size < l.o.RewriteMinSize {
		return
	}
	base := max(l.rewriteBase.Load(), 1)
	if size*100/base-100 < pct {
		return
	}
	if err := l.startRewrite(true); err != nil && !errors.Is(err, ErrRewriteInProgress) && !errors.Is(err, ErrClosed) {
		l.logger.Warn("AOF: cannot start an automatic rewrite", "err", err)
	}
}

func (l *Log) startRewrite(auto bool) error {
	if !l.started.Load() {
		return ErrNotStarted
	}
	l.rmu.Lock()
	defer l.rmu.Unlock()
	switch {
	case l.closing:
		return ErrClosed
	case l.rewriting:
		return ErrRewriteInProgress
	case auto && time.Now().Before(l.autoAfter):
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.rewriting, l.rewriteAt, l.cancel = true, time.Now(), cancel
	l.rewrites++
	l.inRewrite.Store(true)
	l.rewriteWG.Add(1)
	if auto {
		l.logger.Info("AOF: starting automatic rewrite", "size", l.Size(), "size_after_last_rewrite", l.rewriteBase.Load())
	}
	go func() {
		defer l.rewriteWG.Done()
		defer cancel()
		l.finishRewrite(l.rewrite(ctx))
	}()
	return nil
}

func (l *Log) finishRewrite(err error) {
	l.rmu.Lock()
	defer l.rmu.Unlock()
	l.lastRewrite = time.Since(l.rewriteAt)
	l.rewriting, l.cancel = false, nil
	l.inRewrite.Store(false)
	if err == nil {
		l.rewriteOK, l.failStreak = true, 0
		l.logger.Info("AOF rewrite done", "took", l.lastRewrite, "size", l.Size(), "base_size", l.baseSize.Load())
		return
	}
	l.rewriteOK = false
	l.failStreak++
	l.autoAfter = time.Now().Add(min(time.Duration(l.failStreak)*5*time.Second, rewriteBackoff))
	if l.closing {
		l.logger.Warn("AOF rewrite abandoned at shutdown", "err", err)
	} else {
		l.logger.Error("AOF rewrite failed", "err", err)
	}
}

// rewrite writes the dataset as a new base file. See the package doc for
// the order of the steps, which keeps the files consistent at every point.
func (l *Log) rewrite(ctx context.Context) error {
	if err := l.Err(); err != nil {
		return fmt.Errorf("the log cannot be written: %w", err)
	}
	l.fmu.Lock()
	seq := l.nextSeq
	l.nextSeq++
	old := l.man
	l.fmu.Unlock()

	inc, err := l.createIncr(seq)
	if err != nil {
		return err
	}
	withIncr := old.with(FileRef{Kind: KindIncr, Seq: seq, Name: inc.name})
	if renamed, err := l.writeManifest(withIncr); err != nil {
		_ = inc.f.Close()
		if !renamed {
			l.removeFile(inc.name)
		}
		return err
	}
	switched := false
	var preamble [][][]byte
	snap, err := l.o.Backend.Snapshot(func() {
		l.switchTo(inc)
		switched = true
		if l.o.Preamble != nil {
			preamble = l.o.Preamble()
		}
	})
	if err != nil {
		if !switched {
			// Nothing went to the new file: forget it if we can; an empty
			// incr file named by the manifest is harmless otherwise.
			_ = inc.f.Close()
			if _, err := l.writeManifest(old); err == nil {
				l.removeFile(inc.name)
			}
		}
		return err
	}
	base := baseName(l.o.Name, seq)
	size, err := l.writeBase(ctx, snap, preamble, base)
	err = errors.Join(err, snap.Close())
	if err == nil {
		// The old files are done with once the writer has moved on.
		l.flushNow()
		select {
		case <-inc.started:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	final := Manifest{Files: []FileRef{
		{Kind: KindBase, Seq: seq, Name: base},
		{Kind: KindIncr, Seq: seq, Name: inc.name},
	}}
	if err != nil {
		l.removeFile(base)
		return err
	}
	if _, err := l.writeManifest(final); err != nil {
		// The new manifest may or may not have replaced the old one (a
		// failed directory fsync): keep every file either may name. The
		// next start removes whichever the manifest does not name.
		return err
	}
	l.baseSize.Store(size)
	l.doneSize.Store(0)
	for _, f := range withIncr.Files {
		if !final.names(f.Name) {
			l.removeFile(f.Name)
		}
	}
	l.rewriteBase.Store(l.Size())
	return nil
}

// createIncr creates an empty incr file with sequence number seq.
func (l *Log) createIncr(seq int64) (*incrFile, error) {
	name := incrName(l.o.Name, seq)
	f, err := l.o.OpenFile(l.path(name), os.O_CREATE|os.O_EXCL|openAppend, 0o644)
	if err != nil {
		return nil, err
	}
	if err := l.o.FS.SyncDir(l.o.Dir); err != nil {
		_ = f.Close()
		l.removeFile(name)
		return nil, err
	}
	return &incrFile{name: name, f: f, started: make(chan struct{})}, nil
}

// writeManifest replaces the manifest with m, atomically. renamed reports
// whether the new manifest took the old one's place, which can be so even
// when err is not nil (the directory fsync failed).
func (l *Log) writeManifest(m Manifest) (renamed bool, err error) {
	_, renamed, err = l.writeFileAtomic(manifestName(l.o.Name), func(f File) (int64, error) {
		n, err := f.Write(m.Encode())
		return int64(n), err
	})
	if renamed {
		l.fmu.Lock()
		l.man = m
		l.fmu.Unlock()
	}
	if err != nil {
		return renamed, fmt.Errorf("aof: writing the manifest: %w", err)
	}
	return true, nil
}

// writeFileAtomic writes a file of the log through a temp file that is
// fsynced and renamed over it; the directory is fsynced after. It returns
// the size write reports and whether the rename happened.
func (l *Log) writeFileAtomic(name string, write func(f File) (int64, error)) (n int64, renamed bool, err error) {
	tmp := l.path(name + ".tmp")
	f, err := l.o.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|openAppend, 0o644)
	if err != nil {
		return 0, false, err
	}
	n, err = write(f)
	if err == nil {
		err = f.Sync()
	}
	err = errorsJoinClose(err, f)
	if err == nil {
		err = l.o.FS.Rename(tmp, l.path(name))
		renamed = err == nil
	}
	if err == nil {
		err = l.o.FS.SyncDir(l.o.Dir)
	}
	if err != nil && !renamed {
		_ = l.o.FS.Remove(tmp)
	}
	return n, renamed, err
}

// writeBase writes preamble's commands and then the snapshot as the base
// file name and returns its size.
func (l *Log) writeBase(ctx context.Context, snap backend.Snapshot, preamble [][][]byte, name string) (int64, error) {
	n, renamed, err := l.writeFileAtomic(name, func(f File) (int64, error) {
		enc := &baseWriter{w: bufio.NewWriterSize(f, 256<<10), db: -1}
		for _, argv := range preamble {
			if err := enc.write(resp.AppendCommand(enc.buf[:0], argv...)); err != nil {
				return 0, err
			}
		}
		if err := snap.Each(ctx, enc.entry); err != nil {
			return 0, err
		}
		return enc.n, enc.w.Flush()
	})
	if err != nil && renamed {
		// No manifest names the new base yet: it can go.
		l.removeFile(name)
	}
	return n, err
}

// baseWriter renders snapshot entries as the commands that rebuild them.
type baseWriter struct {
	w    *bufio.Writer
	db   int
	n    int64
	buf  []byte
	cmd  []byte // the command of the value being written
	args [][]byte
	num  [20]byte
}

func (b *baseWriter) write(rec []byte) error {
	b.buf = rec[:0]
	b.n += int64(len(rec))
	_, err := b.w.Write(rec)
	return err
}

func (b *baseWriter) entry(e *backend.Entry) error {
	if e.DB != b.db {
		if err := b.write(appendSelect(b.buf[:0], e.DB)); err != nil {
			return err
		}
		b.db = e.DB
	}
	info, ok := backend.Lookup(e.Type)
	if !ok {
		return fmt.Errorf("aof: rewriting key %q: %w %d", e.Key, backend.ErrUnknownType, e.Type)
	}
	if err := info.CheckItems(e.Items); err != nil {
		return fmt.Errorf("aof: rewriting key %q: %v", e.Key, err)
	}
	if len(e.Items) == 0 {
		return nil // an empty collection is no key
	}
	var err error
	if info.Rewrite != nil {
		err = info.Rewrite(e.Key, e.Items, b.command)
	} else {
		err = b.chunks(info.RewriteCmd, e.Key, e.Items, rewriteChunk*info.Width)
	}
	if err != nil || e.ExpireAt == 0 {
		return err
	}
	at := strconv.AppendInt(b.num[:0], e.ExpireAt, 10)
	return b.write(resp.AppendCommand(b.buf[:0], cmdPExpireAt, e.Key, at))
}

// command writes one command (TypeInfo.Rewrite's emit).
func (b *baseWriter) command(argv ...[]byte) error {
	return b.write(resp.AppendCommand(b.buf[:0], argv...))
}

// chunks writes cmd key items... with at most n items per record.
func (b *baseWriter) chunks(cmd string, key []byte, items [][]byte, n int) error {
	b.cmd = append(b.cmd[:0], cmd...)
	for len(items) > 0 {
		k := min(n, len(items))
		b.args = append(append(b.args[:0], b.cmd, key), items[:k]...)
		if err := b.write(resp.AppendCommand(b.buf[:0], b.args...)); err != nil {
			return err
		}
		items = items[k:]
	}
	clear(b.args)
	return nil
}

var cmdPExpireAt = []byte("PEXPIREAT")
