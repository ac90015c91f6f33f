package aof

import (
	"errors"
	"strconv"
)

// Sentinel errors. Compare with errors.Is.
var (
	// ErrTruncated: the file ends in the middle of a record (a crash
	// while it was being written).
	ErrTruncated = errors.New("aof: truncated record")
	// ErrBadRecord: bytes that are not a well-formed RESP multibulk
	// command with at least one argument.
	ErrBadRecord = errors.New("aof: bad record")
	// ErrReplay: a well-formed record that the replay refused (an unknown
	// command, a command that never reaches the log, an error reply).
	ErrReplay = errors.New("aof: record failed on replay")

	// ErrManifestMagic: the manifest does not start with the magic line.
	ErrManifestMagic = errors.New("aof: manifest: bad magic")
	// ErrManifestVersion: the manifest has a version this build cannot read.
	ErrManifestVersion = errors.New("aof: manifest: unsupported version")
	// ErrManifestChecksum: the manifest's checksum does not match its lines.
	ErrManifestChecksum = errors.New("aof: manifest: checksum mismatch")
	// ErrManifestTruncated: the manifest ends before its checksum line.
	ErrManifestTruncated = errors.New("aof: manifest: truncated")
	// ErrManifestFormat: a manifest line is malformed or names files badly.
	ErrManifestFormat = errors.New("aof: manifest: bad format")
	// ErrMissingFile: the manifest names a file that does not exist.
	ErrMissingFile = errors.New("aof: file named by the manifest is missing")
	// ErrStrayFiles: there is no manifest but non-empty log files are
	// present; redpool will not guess how they fit together.
	ErrStrayFiles = errors.New("aof: log files without a manifest")

	// ErrRewriteInProgress: a rewrite is already running.
	ErrRewriteInProgress = errors.New("aof: rewrite already in progress")
	// ErrClosed: the log has been closed.
	ErrClosed = errors.New("aof: closed")
	// ErrNotStarted: the log has not been started.
	ErrNotStarted = errors.New("aof: not started")
)

// CorruptError is a bad record in a log file: where it starts and what is
// wrong with it. Err is ErrTruncated, ErrBadRecord or ErrReplay.
type CorruptError struct {
	File   string // path of the file
	Offset int64  // byte offset of the start of the bad record
	Err    error
	Detail string // what the parser or the replay said; may be empty
}

// Error reads like "aof: bad record at offset 57 of dir/x.aof: Protocol
// error: expected '$', got 'x'".
func (e *CorruptError) Error() string {
	s := e.Err.Error() + " at offset " + strconv.FormatInt(e.Offset, 10) + " of " + e.File
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the sentinel.
func (e *CorruptError) Unwrap() error { return e.Err }
