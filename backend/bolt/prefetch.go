package bolt

// Prefetch implements backend.Prefetcher, and does nothing: bbolt's pages
// are read through its memory map as a transaction reaches them, and
// nothing warms them usefully ahead of it. What it changes is the
// session's side: a session reads the commands a client pipelined as one
// batch only when its backend prefetches, and runs a batch's run of the
// same command on one key (a pipeline of XADDs) under one transaction
// (command.Engine.ExecShared): one bbolt commit, and with sync =
// "always" one fdatasync of the write-ahead log, for the run instead of
// one per command. Safe for concurrent use.
func (b *Bolt) Prefetch(int, [][]byte) uint64 { return 0 }
