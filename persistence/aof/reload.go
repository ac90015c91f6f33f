package aof

// Reload writes everything appended so far to the log's files and syncs
// it, then replays the files the manifest names through r, as Start loaded
// them (DEBUG LOADAOF). The caller makes sure nothing is appended while it
// runs (the command holds every key) and that r's target is empty.
func (l *Log) Reload(r Replayer) error {
	if !l.started.Load() {
		return ErrClosed
	}
	l.wmu.Lock()
	err := l.flushLocked(true)
	l.wmu.Unlock()
	l.broadcast()
	if err != nil {
		return err
	}
	_, err = l.load(l.Manifest(), r, false)
	return err
}
