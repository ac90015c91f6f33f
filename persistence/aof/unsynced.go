package aof

// unsyncedChunk is the size of the chunks an unsyncedBuf holds its bytes in.
const unsyncedChunk = 64 << 10

// unsyncedBuf is the bytes written to the current incr file after its
// durable size and not yet fsynced, kept for writing them again after a
// failed fsync. It holds them in fixed-size chunks, so that it never
// reallocates nor moves what it holds: under FsyncEverySec a second's
// writes pile up here, and a contiguous buffer would be regrown (a copy
// of everything, and fresh pages to fault in) and compacted after each
// fsync (a copy of what was written meanwhile), all with the writer lock
// held, so that every client waiting for a write waited for that too.
// Emptied chunks are kept for reuse: as many as held the bytes the last
// fsync covered (a second's writes under FsyncEverySec), at least
// maxKeepBuf and at most maxKeepUnsynced bytes of them, so that a steady
// load reuses the same chunks. The writer lock guards it.
type unsyncedBuf struct {
	chunks [][]byte // in order; each but the last full (len == cap)
	head   int      // bytes of chunks[0] already dropped
	n      int64    // bytes held
	free   [][]byte // empty chunks for reuse
	keep   int      // how many free chunks to keep (0: maxKeepBuf's worth)
}

// maxKeepUnsynced bounds the bytes of free chunks an unsyncedBuf keeps.
const maxKeepUnsynced = 64 << 20

// len is how many bytes it holds.
func (u *unsyncedBuf) len() int64 { return u.n }

// append copies p in after what it holds.
func (u *unsyncedBuf) append(p []byte) {
	u.n += int64(len(p))
	for len(p) > 0 {
		k := len(u.chunks) - 1
		if k < 0 || len(u.chunks[k]) == cap(u.chunks[k]) {
			u.chunks = append(u.chunks, u.newChunk())
			k++
		}
		c := u.chunks[k]
		m := copy(c[len(c):cap(c)], p)
		u.chunks[k] = c[:len(c)+m]
		p = p[m:]
	}
}

// newChunk returns an empty chunk, a kept one if there is one.
func (u *unsyncedBuf) newChunk() []byte {
	if k := len(u.free); k > 0 {
		c := u.free[k-1]
		u.free[k-1] = nil
		u.free = u.free[:k-1]
		return c
	}
	return make([]byte, 0, unsyncedChunk)
}

// drop forgets the first n bytes it holds (n <= len()): an fsync made
// them durable.
func (u *unsyncedBuf) drop(n int64) {
	u.keep = int((min(max(n, maxKeepBuf), maxKeepUnsynced) + unsyncedChunk - 1) / unsyncedChunk)
	if len(u.free) > u.keep {
		clear(u.free[u.keep:])
		u.free = u.free[:u.keep]
	}
	u.n -= n
	k := 0 // chunks emptied
	for ; n > 0; k++ {
		c := u.chunks[k]
		rest := int64(len(c) - u.head)
		if n < rest {
			u.head += int(n)
			break
		}
		n -= rest
		u.release(c)
		u.head = 0
	}
	if k > 0 {
		m := copy(u.chunks, u.chunks[k:])
		clear(u.chunks[m:])
		u.chunks = u.chunks[:m]
	}
}

// reset forgets everything it holds.
func (u *unsyncedBuf) reset() {
	for i, c := range u.chunks {
		u.release(c)
		u.chunks[i] = nil
	}
	u.chunks = u.chunks[:0]
	u.head = 0
	u.n = 0
}

// release keeps an emptied chunk for reuse unless enough are kept.
func (u *unsyncedBuf) release(c []byte) {
	if len(u.free) < max(u.keep, maxKeepBuf/unsyncedChunk) {
		u.free = append(u.free, c[:0])
	}
}

// writeTo writes everything it holds to f, in order.
func (u *unsyncedBuf) writeTo(f File) error {
	for i, c := range u.chunks {
		if i == 0 {
			c = c[u.head:]
		}
		if len(c) == 0 {
			continue
		}
		if _, err := f.Write(c); err != nil {
			return err
		}
	}
	return nil
}
