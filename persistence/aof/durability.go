package aof

// The log reports to Options.Durability (a fsutil.DurabilityRecorder)
// with its write lock held, once per group commit and once per fsync.
// Under FsyncAlways nothing is acknowledged before it is durable (a reply
// waits for the fsync), so nothing is reported. Under FsyncEverySec and
// FsyncNo a record is acknowledged once it reached the OS, and is durable
// once an fsync that began after that returns (for FsyncNo: when a rewrite
// finishes its file, and at Close). Acked is called from the write path
// before the followers return, so the time it records is no later than
// the acknowledgement: the windows reported are never shorter than the
// real ones.

// durableSync fsyncs f, telling Options.Durability.
func (l *Log) durableSync(f File) error {
	d := l.o.Durability
	if d == nil {
		return f.Sync()
	}
	d.Syncing()
	err := f.Sync()
	d.Synced(err == nil)
	return err
}

// acked reports the records up to seq, written to the OS just now, as
// acknowledged and not durable (the caller holds wmu).
func (l *Log) acked(seq uint64) {
	if d := l.o.Durability; d != nil && l.o.Fsync != FsyncAlways && seq > l.w.lastSeq {
		d.Acked(int64(seq - l.w.lastSeq))
	}
}
