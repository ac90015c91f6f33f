package aof

// PowerlossTick runs one round of the background goroutine now (an fsync
// under FsyncEverySec), for tests that keep the goroutine idle
// (RetryInterval of an hour) and decide when the log is fsynced.
func (l *Log) PowerlossTick() { l.tick() }
