// Package aof is redpool's append-only file: every write's effect is
// appended to a log in RESP form and replayed at start, as Redis 7 does.
//
// # Files
//
// The log lives in one directory as a set of files named after the
// configured file name (here "appendonly.aof"), tied together by a manifest:
//
//	appendonly.aof.manifest       which files make up the log, in order
//	appendonly.aof.3.base.aof     the dataset at the last rewrite (optional)
//	appendonly.aof.3.incr.aof     writes since then (one or more incr files)
//	appendonly.aof.4.incr.aof     ...the last incr file is the one appended to
//
// The base and incr files hold RESP multibulk commands, exactly what a client
// sends ("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"), one after the other
// with nothing in between; SELECT appears wherever the database changes and
// before the first record of every file (each file is replayed starting on
// database 0). A record is a write's effect with absolute times, so replaying
// it later gives the same data with smaller TTLs.
//
// The manifest is a small text file, replaced atomically (temp file, fsync,
// rename, fsync of the directory):
//
//	redpool-aof-manifest 1              magic and version
//	base 3 appendonly.aof.3.base.aof    "base" SEQ NAME, at most one, first
//	incr 3 appendonly.aof.3.incr.aof    "incr" SEQ NAME, in replay order
//	incr 4 appendonly.aof.4.incr.aof
//	crc32 8c7b6a59                      IEEE CRC-32 of all the lines above
//
// Every line ends in "\n". Reading checks the magic, then the version, then
// the checksum, with a distinct error for each (ErrManifestMagic,
// ErrManifestVersion, ErrManifestChecksum, ErrManifestTruncated,
// ErrManifestFormat). Files in the directory that look like ours but are not
// named by the manifest, and leftover "*.tmp" files, are removed at start:
// they are the remains of a rewrite that either finished (their data is in
// the new base) or did not (their data is still in the files named). A
// plain file named exactly like the configured file and no manifest (a log
// from an older layout) is adopted as the base.
//
// # Writing
//
// Append only copies the record into an in-memory buffer under a mutex.
// Writing is a leader/follower group commit: the client that waits for its
// record first (Wait, before its reply is sent) writes every record
// buffered so far with one write, and the clients that waited meanwhile
// find theirs written too. By the fsync policy, the leader then fsyncs
// (Always: a reply waits for the disk, one fsync covering every record of
// the group), or a background goroutine fsyncs once a second while writes
// go on (EverySec), or nobody does (No). Under every policy a reply is sent
// only once its record was handed to the OS, so a crash of the process
// (kill -9) loses nothing acknowledged; a crash of the machine loses up to a
// second (EverySec) or whatever the OS had not written back (No).
//
// Every file is opened with O_APPEND: a write lands at the end of the file,
// never over bytes someone else appended. A failed write or fsync makes Err
// non-nil (the server then refuses writes) and is retried every
// RetryInterval: the file is cut back (ftruncate) to its last known-good
// length, and what follows is appended again from the copy kept in memory
// (after a failed write: the records not written whole; after a failed
// fsync: everything since the last good fsync, which the kernel may have
// dropped), so a retry neither loses nor duplicates a record. Meanwhile Wait
// fails under Always (the client is not acknowledged) and returns at once
// under the others (the record stays buffered).
//
// Every file goes through Options.FS (the OS's by default). The tests put
// a fsutil.StrictMemFS there and cut the power at random points
// (powerloss_test.go): under FsyncAlways no acknowledged record is lost;
// under the others what is lost is within the window Options.Durability
// reports (see durability.go and docs/durability.md).
//
// # Rewriting
//
// A rewrite compacts the log without stopping the server: a new empty incr
// file is created and added to the manifest; a backend snapshot is taken
// and, at that same instant (no write in progress), appends switch to the new
// incr file, so the snapshot is exactly the state before the new file's first
// record. The snapshot is written as a new base (SET, RPUSH and HSET in
// chunks, PEXPIREAT) to a temp file that is fsynced and renamed; then a new
// manifest naming just the new base and the new incr file replaces the old
// one, and the old files are deleted. A crash at any point leaves a manifest
// that names a complete, consistent set of files.
//
// # Loading
//
// Start replays the files in manifest order through a Replayer (the command
// engine, with logging off). Into an empty backend that can load in bulk
// (backend.BulkLoader, the memory backend), the leading run of SELECT, SET
// key value and PEXPIREAT records of the first non-empty file goes in one
// bulk load instead, and the engine goes on from the first other record
// (bulkreplay.go). A record cut short at the end of the last non-empty incr
// file (a crash in mid-write) is cut off with a warning, and the file
// truncated to the last good record. Anything else that is not a
// well-formed multibulk command, anywhere, and any command the replay
// refuses, stops the load with a *CorruptError naming the file and the byte
// offset of the bad record.
package aof
